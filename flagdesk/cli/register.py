"""Register commands: demo, contracts, db."""

from __future__ import annotations

import argparse
from typing import Any

from flagdesk.domain import format_pence
from flagdesk.errors import UserError


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    demo = sub.add_parser("demo", parents=[common], help="fill the register with a realistic demo register")
    demo.add_argument("--partners", type=_positive, default=12, help="number of partners (default 12)")
    demo.add_argument("--contracts", type=_positive, default=1800, help="total contracts (default 1800)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.add_argument("--replace", action="store_true", help="discard a non-demo register first")
    demo.add_argument("--json", action="store_true", help="print JSON only")
    demo.set_defaults(func=cmd_demo)

    contracts = sub.add_parser("contracts", parents=[common], help="list, show and edit contracts")
    csub = contracts.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = csub.add_parser("list", parents=[common], help="list contracts")
    ls.add_argument("--partner", metavar="NAME")
    ls.add_argument(
        "--expiring-within",
        metavar="MONTHS",
        type=_non_negative,
        help="only contracts whose end date falls between today and MONTHS months from today",
    )
    ls.add_argument("--search", metavar="TEXT", help="words of title, description, supplier or reference")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    show = csub.add_parser("show", parents=[common], help="show one contract")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    upd = csub.add_parser("update", parents=[common], help="change fields of one contract")
    upd.add_argument("id", type=int)
    upd.add_argument(
        "--set",
        dest="assignments",
        metavar="FIELD=VALUE",
        action="append",
        required=True,
        help="e.g. --set title='New title' --set end_date=2027-03-31 --set total_value_pence=125000",
    )
    upd.add_argument("--if-version", type=int, metavar="N", help="refuse (exit 3) unless the contract is at version N")
    upd.add_argument("--json", action="store_true")
    upd.set_defaults(func=cmd_update)

    db = sub.add_parser("db", parents=[common], help="database schema: status and upgrade")
    dsub = db.add_subparsers(dest="action", metavar="ACTION", required=True)
    st = dsub.add_parser("status", parents=[common], help="schema version of the register")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_db_status)
    up = dsub.add_parser("upgrade", parents=[common], help="upgrade the schema (administrators, shared database)")
    up.set_defaults(func=cmd_db_upgrade)
    bk = dsub.add_parser("backup", parents=[common], help="copy a local register to FILE (safe while FlagDesk is open)")
    bk.add_argument("file", metavar="FILE")
    bk.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    bk.add_argument("--json", action="store_true")
    bk.set_defaults(func=cmd_db_backup)
    rs = dsub.add_parser("restore", parents=[common], help="replace a local register with the backup FILE")
    rs.add_argument("file", metavar="FILE")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_db_restore)


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("may not be negative")
    return value


def cmd_demo(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.demo import seed_demo

    reg = ctx.register()
    with reg.write() as session:
        summary = seed_demo(
            session,
            user=reg.user,
            partners=args.partners,
            contracts=args.contracts,
            seed=args.seed,
            replace=args.replace,
        )
    if args.json:
        ctx.emit_json(summary.to_json())
    else:
        print(
            f"Demo register written to {reg.description}: {summary.partners} partners, "
            f"{summary.suppliers} suppliers, {summary.contracts} contracts (seed {summary.seed})."
        )
    return 0


def cmd_list(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.contracts import load_contract_records

    with ctx.register().session() as session:
        records = load_contract_records(
            session, partner=args.partner, expiring_within=args.expiring_within, search=args.search
        )
    return ctx.emit_records(records, as_json=args.json, line=_contract_line, count="contract(s)")


def _contract_line(r: Any) -> str:
    end = r.end_date.isoformat() if r.end_date else "—"
    return (
        f"{r.id:>7}  {end:10}  {format_pence(r.annual_value_pence):>15}/yr  {r.partner[:28]:28}  "
        f"{r.reference[:16]:16}  {r.title[:60]}"
    )


def cmd_show(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.contracts import get_contract

    with ctx.register().session() as session:
        record = get_contract(session, args.id)
    _print_contract(record.to_json(), ctx, as_json=args.json)
    return 0


def cmd_update(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.contracts import parse_changes, update_contract

    assignments: dict[str, str] = {}
    for item in args.assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--set needs FIELD=VALUE, got '{item}'")
        assignments[name.strip()] = value
    changes = parse_changes(assignments)
    reg = ctx.register()
    with reg.write() as session:
        record = update_contract(session, args.id, changes, user=reg.user, if_version=args.if_version)
    _print_contract(record.to_json(), ctx, as_json=args.json)
    return 0


def _print_contract(data: dict[str, Any], ctx: Any, *, as_json: bool) -> None:
    if as_json:
        ctx.emit_json(data)
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        elif key.endswith("_pence") and value is not None:
            value = f"{format_pence(value)} ({value} pence)"
        print(f"{key:<{width}}  {'' if value is None else value}")


def cmd_db_status(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.store.engine import create_register_engine, database_url, describe_url
    from flagdesk.store.migrate import schema_status

    url = database_url(ctx.db)
    engine = create_register_engine(url)
    try:
        from flagdesk.store.engine import translate_db_errors

        with translate_db_errors():
            status = schema_status(engine)
    finally:
        engine.dispose()
    if args.json:
        ctx.emit_json({"database": describe_url(url), **status.to_json()})
    else:
        print(f"{describe_url(url)}: schema {status.current or 'none'} ({status.state}); this FlagDesk: {status.head}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.store.engine import create_register_engine, database_url, describe_url, translate_db_errors
    from flagdesk.store.migrate import backup_sqlite_file, schema_status, upgrade

    url = database_url(ctx.db)
    engine = create_register_engine(url)
    try:
        with translate_db_errors():
            before = schema_status(engine)
            if before.state == "newer":
                raise UserError(f"The register's schema {before.current} is newer than this FlagDesk ({before.head}).")
            if before.state == "unmanaged":
                raise UserError("This database holds tables that are not a FlagDesk register.")
            if before.state == "current":
                print(f"{describe_url(url)} is already at schema {before.head}.")
                return 0
            if engine.dialect.name == "sqlite" and before.state == "older":
                backup_sqlite_file(url, suffix=f"before-{before.head}")
            upgrade(engine)
            if engine.dialect.name == "postgresql":
                _refresh_shared_roles(engine)
    finally:
        engine.dispose()
    print(f"{describe_url(url)} upgraded from {before.current or 'empty'} to {before.head}.")
    return 0


def _refresh_shared_roles(engine: Any) -> None:
    """Tables an upgrade added must reach the viewer/editor/admin roles of a shared register."""
    from sqlalchemy.orm import Session

    from flagdesk.services.security import refresh_roles

    with Session(engine) as session, session.begin():
        refresh_roles(session)


def cmd_db_backup(args: argparse.Namespace, ctx: Any) -> int:
    from pathlib import Path

    from flagdesk.services.backup import backup_register

    result = backup_register(ctx.db, Path(args.file), overwrite=args.overwrite)
    if args.json:
        ctx.emit_json(result.to_json())
    else:
        print(f"Backed up {result.source} to {result.target} ({result.size_bytes:,} bytes, schema {result.schema}).")
    return 0


def cmd_db_restore(args: argparse.Namespace, ctx: Any) -> int:
    from pathlib import Path

    from flagdesk.services.backup import restore_register

    result = restore_register(ctx.db, Path(args.file))
    if args.json:
        ctx.emit_json(result.to_json())
    else:
        kept = f"; the register it replaced is kept as {result.previous_saved_as}" if result.previous_saved_as else ""
        print(f"Restored {result.register} from {result.restored_from} (schema {result.schema}){kept}.")
    return 0
