"""Audit and user administration: audit, admin add-user|list-users|remove-user|whoami."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flagdesk.cli.opportunities import _iso_date  # one YYYY-MM-DD argument type for every command
from flagdesk.domain import USER_ROLES as ROLES
from flagdesk.errors import ValidationError


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    au = sub.add_parser("audit", parents=[common], help="who changed what, when (the audit trail)")
    au.add_argument("--record", metavar="ID", help="only changes to this record id")
    au.add_argument("--table", metavar="NAME", help="only this kind of record (contract, supplier, user, ...)")
    au.add_argument("--user", metavar="NAME", help="only changes made by this user")
    au.add_argument("--since", metavar="DATE", type=_iso_date, help="only changes on or after DATE (YYYY-MM-DD)")
    au.add_argument("--limit", metavar="N", type=int, help="at most N events")
    au.add_argument("--json", action="store_true")
    au.set_defaults(func=cmd_audit)

    adm = sub.add_parser("admin", parents=[common], help="users and roles of a shared PostgreSQL register")
    asub = adm.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = asub.add_parser("add-user", parents=[common], help="create a login (or change one) with a role")
    add.add_argument("name", metavar="NAME", help="the database login name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument(
        "--partner", metavar="NAME", action="append", default=[], help="a partner an editor may change (repeatable)"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input (else one is generated)"
    )
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_add_user)
    ls = asub.add_parser("list-users", parents=[common], help="logins with a role in this register")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list_users)
    rm = asub.add_parser("remove-user", parents=[common], help="take a login out of this register")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(func=cmd_remove_user)
    rf = asub.add_parser("refresh-roles", parents=[common], help="re-apply the role grants after a schema upgrade")
    rf.set_defaults(func=cmd_refresh_roles)
    who = asub.add_parser("whoami", parents=[common], help="who you are signed in as and what you may change")
    who.add_argument("--json", action="store_true")
    who.set_defaults(func=cmd_whoami)


def cmd_audit(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.audit import list_audit

    with ctx.register().session() as session:
        events = list_audit(
            session, record=args.record, table=args.table, user=args.user, since=args.since, limit=args.limit
        )
    if args.json:
        ctx.emit_json([e.to_json() for e in events])
        return 0
    for e in events:
        change = f"{e.field}: {_short(e.old)} -> {_short(e.new)}" if e.field else ""
        batch = f"  (import batch {e.batch_id})" if e.batch_id else ""
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.user[:20]:20}  {e.action:7}  {e.table} {e.record}  {change}{batch}")
    print(f"{len(events)} event(s)", file=sys.stderr)
    return 0


def _short(value: str | None, width: int = 40) -> str:
    if value is None:
        return "—"
    return value if len(value) <= width else value[: width - 1] + "…"


def cmd_add_user(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.security import add_user

    password = _read_password() if args.password_stdin else None
    reg = ctx.register()
    with reg.write() as session:
        added = add_user(session, args.name, args.role, args.partner, acting_user=reg.user, password=password)
    if args.json:
        ctx.emit_json({**added.user.to_json(), "created": added.created, "password": added.password})
        return 0
    scope = f" for {', '.join(added.user.partners)}" if added.user.partners else ""
    print(f"{'Created' if added.created else 'Updated'} {added.user.login}: {added.user.role}{scope}.")
    if added.password and not args.password_stdin:
        print(f"Password (shown once; hand it over privately): {added.password}")
    return 0


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ValidationError("No password on standard input.")
    return password


def cmd_list_users(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.security import list_users

    with ctx.register().session() as session:
        users = list_users(session)
    return ctx.emit_records(
        users, as_json=args.json, line=lambda u: f"{u.login:30}  {u.role:7}  {', '.join(u.partners)}", count="user(s)"
    )


def cmd_remove_user(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.security import remove_user

    reg = ctx.register()
    with reg.write() as session:
        dropped = remove_user(session, args.name, acting_user=reg.user)
    kept = "" if dropped else " (the login itself is kept: it is still used elsewhere on the server)"
    print(f"Removed {args.name} from this register{kept}.")
    return 0


def cmd_refresh_roles(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.security import refresh_roles

    with ctx.register().write() as session:
        groups = refresh_roles(session)
    print(f"Grants re-applied to {', '.join(groups.values())}.")
    return 0


def cmd_whoami(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.security import edit_scope

    reg = ctx.register()
    with reg.session() as session:
        scope = edit_scope(session, reg.user)
    if args.json:
        ctx.emit_json(
            {"login": scope.login, "role": scope.role, "partners": list(scope.partner_names), "text": scope.describe()}
        )
    else:
        print(scope.describe())
    return 0
