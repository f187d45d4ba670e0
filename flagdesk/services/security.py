"""Who may change what in a shared register, enforced by PostgreSQL itself.

Each shared register (one PostgreSQL database) has three group roles named after the database:
``<db>_viewer`` reads everything, ``<db>_editor`` also writes (row-level security, set up by
migration 0002, limits its writes to the partners listed for the login in ``user_partner``), and
``<db>_admin`` writes everything and manages users. A person signs in with their own login role,
a member of exactly one group, so a raw SQL client with the same credentials has the same limits.

A local SQLite register has no users: whoever can open the file may change everything.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from flagdesk.domain import USER_ROLES as ROLES
from flagdesk.errors import NotFoundError, PermissionDeniedError, UserError, ValidationError
from flagdesk.services.audit import audit
from flagdesk.services.partners import find_partner
from flagdesk.store.models import AuditEvent, Base, Contract, Partner, Setting, UserPartner

# Tables an editor may not write at all (row-level security covers the partner-owned ones).
ADMIN_ONLY_TABLES = (Partner.__tablename__, Setting.__tablename__, UserPartner.__tablename__)
APPEND_ONLY_TABLES = (AuditEvent.__tablename__,)  # nobody, not even an administrator, rewrites history
_LOGIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]{0,62}")


@dataclass(frozen=True)
class UserRecord:
    login: str
    role: str
    partners: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "role": self.role, "partners": list(self.partners)}


@dataclass(frozen=True)
class AddedUser:
    user: UserRecord
    created: bool  # False: an existing login got a new role or partners
    password: str | None  # a generated password, to hand over once; None when not set here


@dataclass(frozen=True)
class EditScope:
    """What the signed-in user may change, for the GUI to enable editing and explain refusals."""

    login: str
    role: str  # local | viewer | editor | admin | none
    partner_ids: frozenset[int]
    partner_names: tuple[str, ...]

    @property
    def edits_everything(self) -> bool:
        return self.role in ("local", "admin")

    def may_edit(self, partner_id: int | None) -> bool:
        return self.edits_everything or (partner_id is not None and partner_id in self.partner_ids)

    def describe(self) -> str:
        """The user's rights in plain words."""
        if self.role == "local":
            return f"You ({self.login}) are working on a local register file and may change everything in it."
        if self.role == "admin":
            return f"You are signed in as {self.login}, an administrator: you may change every partner's records."
        if self.role == "editor":
            return (
                f"You are signed in as {self.login}, an editor for {_and_list(self.partner_names)}: you may change "
                "their records and read every partner's."
            )
        if self.role == "viewer":
            return f"You are signed in as {self.login}, a viewer: you may read every partner's records but change none."
        return f"You are signed in as {self.login}, which has no FlagDesk role in this register."


def _and_list(names: tuple[str, ...] | list[str]) -> str:
    if not names:
        return "no partner"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- what may this user edit --------------------------------------------------------------------


def is_shared(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def group_roles(session: Session) -> dict[str, str]:
    """role -> the PostgreSQL group role of this register (named after the database)."""
    db = session.execute(text("SELECT current_database()")).scalar_one()
    return {role: f"{db}_{role}" for role in ROLES}


def current_role(session: Session) -> str:
    """viewer, editor or admin for the login in use; none when it is in no FlagDesk group."""
    bypass = session.execute(text("SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user")).scalar()
    if bypass or acts_as_owner(session):
        return "admin"  # superusers, RLS-exempt logins and the tables' owner are not limited by policies
    groups = group_roles(session)
    member_of = set(
        session.scalars(
            text(
                "SELECT r.rolname FROM pg_roles r WHERE r.rolname = ANY(:names) "
                "AND pg_has_role(current_user, r.oid, 'MEMBER')"
            ),
            {"names": list(groups.values())},
        )
    )
    for role in reversed(ROLES):
        if groups[role] in member_of:
            return role
    return "none"


def edit_scope(session: Session, login: str) -> EditScope:
    """What `login` (the register's user) may change; on SQLite, everything."""
    if not is_shared(session):
        return EditScope(login, "local", frozenset(), ())
    db_login = session.execute(text("SELECT current_user")).scalar_one()
    role = current_role(session)
    rows = session.execute(
        select(Partner.id, Partner.name)
        .join(UserPartner, UserPartner.partner_id == Partner.id)
        .where(UserPartner.login == db_login)
        .order_by(Partner.name)
    ).all()
    ids = frozenset(r[0] for r in rows) if role == "editor" else frozenset()
    names = tuple(r[1] for r in rows) if role == "editor" else ()
    return EditScope(db_login, role, ids, names)


def explain_refusal(scope: EditScope, partner_name: str) -> str:
    """Why a change to one of partner_name's records was refused, in plain words."""
    if scope.role == "viewer":
        reason = "a viewer may read the register but not change it"
    elif scope.role == "editor":
        reason = (
            f"you edit only {_and_list(scope.partner_names)}, and records of {partner_name} may be changed only "
            "by its own editors or an administrator"
        )
    else:
        reason = "your login has no FlagDesk role in this shared register"
    return (
        f"The shared register did not let {scope.login} change this record of {partner_name}: {reason}. "
        f"Nothing was written. An administrator can grant access with: flagdesk admin add-user {scope.login} "
        f'--role editor --partner "{partner_name}"'
    )


def check_may_edit(session: Session, scope: EditScope, partner_id: int) -> None:
    """Refuse, in plain words, a change the database would refuse (call before writing)."""
    if scope.may_edit(partner_id):
        return
    name = session.scalar(select(Partner.name).where(Partner.id == partner_id)) or f"partner {partner_id}"
    raise PermissionDeniedError(explain_refusal(scope, name))


def check_may_edit_contract(session: Session, scope: EditScope, contract_id: int) -> None:
    partner_id = session.scalar(select(Contract.partner_id).where(Contract.id == contract_id))
    if partner_id is None:
        raise NotFoundError(f"No contract with id {contract_id}.")
    check_may_edit(session, scope, partner_id)


# --- administration (PostgreSQL only) -----------------------------------------------------------


def require_shared(session: Session) -> None:
    if not is_shared(session):
        raise UserError(
            "Users and roles belong to a shared PostgreSQL register; a local register file has no users "
            "(whoever can open the file may change it). Use --db postgresql://... to manage a shared register."
        )


def _require_admin(session: Session) -> None:
    role = current_role(session)
    if role != "admin":
        login = session.execute(text("SELECT current_user")).scalar_one()
        raise PermissionDeniedError(f"Only an administrator may manage users; {login} is {_article(role)}.")


def _article(role: str) -> str:
    return "a login without a FlagDesk role" if role == "none" else f"{'an' if role[0] in 'aeiou' else 'a'} {role}"


def _quote(name: str) -> str:
    """A PostgreSQL identifier, quoted (role names cannot be bound as parameters in DDL)."""
    return '"' + name.replace('"', '""') + '"'


def _ddl(session: Session, statement: str) -> None:
    # Straight to the driver, in the session's transaction: no ':' or '%' is read as a parameter.
    import psycopg

    try:
        session.connection().connection.driver_connection.execute(statement)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PermissionDeniedError(
            f"The database refused to manage roles ({str(exc).splitlines()[0]}). Sign in as a FlagDesk "
            "administrator or as the database owner with the CREATEROLE right."
        ) from exc


def _role_exists(session: Session, name: str) -> bool:
    return session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first() is not None


def acts_as_owner(session: Session) -> bool:
    """True for the login that owns the register's tables (it ran `db upgrade`) and for superusers."""
    return bool(
        session.execute(
            text(
                "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
                "WHERE c.oid = to_regclass(quote_ident(current_schema()) || '.contract')"
            )
        ).scalar()
    )


def ensure_group_roles(session: Session) -> dict[str, str]:
    """Create the register's group roles if missing and (re)apply their grants; idempotent.

    Table grants can only come from the tables' owner; run by the owner, default privileges also
    give tables of later schema upgrades to the groups (viewers read, editors write; a migration
    that adds a partner-owned or administrator-only table adds its policies or revokes).
    """
    groups = group_roles(session)
    owner = acts_as_owner(session)
    missing = [r for r in ROLES if not _role_exists(session, groups[r])]
    if missing and not owner:
        raise PermissionDeniedError(
            "This shared register has no FlagDesk roles yet: the first user is added by the database owner "
            "(the login that ran 'flagdesk db upgrade')."
        )
    for role in missing:
        _ddl(session, f"CREATE ROLE {_quote(groups[role])} NOLOGIN")
    viewer, editor, admin = (_quote(groups[r]) for r in ROLES)
    _ddl(session, f"GRANT {viewer} TO {editor}")
    _ddl(session, f"GRANT {editor} TO {admin}")
    if owner:
        _grant_tables(session, viewer, editor, admin)
    return groups


def _grant_tables(session: Session, viewer: str, editor: str, admin: str) -> None:
    db = session.execute(text("SELECT current_database()")).scalar_one()
    schema = _quote(session.execute(text("SELECT current_schema()")).scalar_one())
    _ddl(session, f"GRANT CONNECT ON DATABASE {_quote(db)} TO {viewer}")
    _ddl(session, f"GRANT USAGE ON SCHEMA {schema} TO {viewer}")
    tables = [t.name for t in Base.metadata.sorted_tables]
    all_tables = ", ".join(_quote(t) for t in [*tables, "alembic_version"])
    _ddl(session, f"GRANT SELECT ON {all_tables} TO {viewer}")
    shared = [t for t in tables if t not in ADMIN_ONLY_TABLES + APPEND_ONLY_TABLES]
    _ddl(session, f"GRANT INSERT, UPDATE, DELETE ON {', '.join(map(_quote, shared))} TO {editor}")
    # An editor may update its own partner's row (policies decide which), never add or remove partners.
    _ddl(session, f"GRANT UPDATE ON {_quote(Partner.__tablename__)} TO {editor}")
    _ddl(session, f"GRANT INSERT ON {', '.join(map(_quote, APPEND_ONLY_TABLES))} TO {editor}")
    _ddl(session, f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {editor}")
    _ddl(session, f"GRANT INSERT, UPDATE, DELETE ON {', '.join(map(_quote, ADMIN_ONLY_TABLES))} TO {admin}")
    owner = _quote(
        session.execute(
            text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'contract'")
        ).scalar_one()
    )
    defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} GRANT"
    _ddl(session, f"{defaults} SELECT ON TABLES TO {viewer}")
    _ddl(session, f"{defaults} INSERT, UPDATE, DELETE ON TABLES TO {editor}")
    _ddl(session, f"{defaults} USAGE, SELECT ON SEQUENCES TO {editor}")


def refresh_roles(session: Session) -> dict[str, str]:
    """Re-apply the register's grants, e.g. after a schema upgrade (the tables' owner only)."""
    require_shared(session)
    if not acts_as_owner(session):
        login = session.execute(text("SELECT current_user")).scalar_one()
        raise PermissionDeniedError(
            f"Only the owner of the register's tables (the login that ran 'flagdesk db upgrade') can re-apply "
            f"their grants; {login} is not."
        )
    return ensure_group_roles(session)


def _validate_request(role: str, partners: list[str]) -> None:
    if role not in ROLES:
        raise ValidationError(f"Unknown role '{role}' (choose {', '.join(ROLES)}).")
    if role == "editor" and not partners:
        raise ValidationError("An editor needs at least one --partner whose records they may change.")
    if role != "editor" and partners:
        raise ValidationError(
            f"--partner applies to editors only; a {role} "
            + ("may change every partner." if role == "admin" else "may change nothing.")
        )


def validate_login_name(name: str) -> str:
    if not _LOGIN_NAME.fullmatch(name) or name.lower().startswith("pg_"):
        raise ValidationError(
            f"'{name}' is not a usable login name: use up to 63 letters, digits, '_', '.', '@' or '-', "
            "starting with a letter or '_' (and not 'pg_')."
        )
    return name


def _check_not_special(session: Session, name: str) -> None:
    row = session.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    if name in group_roles(session).values() or (row and row[0]):
        raise ValidationError(f"'{name}' is a group or superuser role, not a person's login.")


def add_user(
    session: Session,
    name: str,
    role: str,
    partners: list[str] | None = None,
    *,
    acting_user: str,
    password: str | None = None,
) -> AddedUser:
    """Create a login role (or change an existing one) with one FlagDesk role and its partners."""
    require_shared(session)
    _require_admin(session)
    name = validate_login_name(name)
    partners = partners or []
    _validate_request(role, partners)
    partner_rows = [find_partner(session, p) for p in partners]
    _check_not_special(session, name)
    groups = ensure_group_roles(session)
    created = not _role_exists(session, name)
    if created and password is None:
        password = secrets.token_urlsafe(18)
    before = _user_record(session, name) if not created else None
    _set_login(session, name, password, created=created, admin=role == "admin")
    for group in groups.values():
        _ddl(session, f"REVOKE {_quote(group)} FROM {_quote(name)}")
    # Administrators pass roles on, which (from PostgreSQL 16) needs ADMIN OPTION on each group.
    granted = groups.values() if role == "admin" else [groups[role]]
    suffix = " WITH ADMIN OPTION" if role == "admin" else ""
    _ddl(session, f"GRANT {', '.join(map(_quote, granted))} TO {_quote(name)}{suffix}")
    session.execute(delete(UserPartner).where(UserPartner.login == name))
    if partner_rows:
        session.execute(
            insert(UserPartner),
            [{"login": name, "partner_id": p.id, "granted_by": acting_user} for p in partner_rows],
        )
    after = UserRecord(name, role, tuple(sorted(p.name for p in partner_rows)))
    _audit_user_change(session, acting_user, "insert" if created else "update", before, after)
    return AddedUser(after, created, password)


def _set_login(session: Session, name: str, password: str | None, *, created: bool, admin: bool) -> None:
    attributes = "LOGIN" + (" CREATEROLE" if admin else " NOCREATEROLE")
    if password is not None:
        attributes += f" PASSWORD {_literal(session, password)}"
    _ddl(session, f"{'CREATE' if created else 'ALTER'} ROLE {_quote(name)} {attributes}")


def _literal(session: Session, value: str) -> str:
    """A string literal quoted by the driver (passwords may hold quotes and backslashes)."""
    from psycopg import sql

    conn = session.connection().connection.driver_connection
    return sql.Literal(value).as_string(conn)


def _audit_user_change(
    session: Session, acting_user: str, action: str, before: UserRecord | None, after: UserRecord | None
) -> None:
    login = (after or before).login  # type: ignore[union-attr]
    for field in ("role", "partners"):
        old = getattr(before, field) if before else None
        new = getattr(after, field) if after else None
        if old != new:
            audit(session, acting_user, action, "user", login, field, _plain(old), _plain(new))


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _user_record(session: Session, login: str) -> UserRecord | None:
    return next((u for u in list_users(session) if u.login == login), None)


def list_users(session: Session) -> list[UserRecord]:
    """Every login with a FlagDesk role in this register, with the partners an editor may change."""
    require_shared(session)
    groups = group_roles(session)
    by_group = {v: k for k, v in groups.items()}
    rows = session.execute(
        text(
            "SELECT m.rolname, g.rolname FROM pg_auth_members am "
            "JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member "
            "WHERE g.rolname = ANY(:groups) AND NOT (m.rolname = ANY(:groups)) ORDER BY m.rolname"
        ),
        {"groups": list(groups.values())},
    ).all()
    roles: dict[str, str] = {}
    for login, group in rows:
        role = by_group[group]
        if ROLES.index(role) > ROLES.index(roles.get(login, "viewer")) or login not in roles:
            roles[login] = role
    partners: dict[str, list[str]] = {}
    for login, pname in session.execute(
        select(UserPartner.login, Partner.name)
        .join(Partner, Partner.id == UserPartner.partner_id)
        .order_by(Partner.name)
    ):
        partners.setdefault(login, []).append(pname)
    return [UserRecord(login, role, tuple(partners.get(login, ()))) for login, role in sorted(roles.items())]


def remove_user(session: Session, name: str, *, acting_user: str) -> bool:
    """Take a login out of this register; drop the login itself unless something else still uses it.

    Returns True when the login role was dropped.
    """
    require_shared(session)
    _require_admin(session)
    if name == session.execute(text("SELECT current_user")).scalar_one():
        raise ValidationError("You cannot remove your own login; ask another administrator.")
    before = _user_record(session, name)
    if before is None:
        raise NotFoundError(f"'{name}' is not a user of this register (see: flagdesk admin list-users).")
    for group in group_roles(session).values():
        _ddl(session, f"REVOKE {_quote(group)} FROM {_quote(name)}")
    session.execute(delete(UserPartner).where(UserPartner.login == name))
    _audit_user_change(session, acting_user, "delete", before, None)
    return _drop_login_if_unused(session, name)


def _drop_login_if_unused(session: Session, name: str) -> bool:
    # Logins are shared by every database on the server: keep one still used by another register.
    still_member = session.execute(
        text("SELECT 1 FROM pg_auth_members am JOIN pg_roles m ON m.oid = am.member WHERE m.rolname = :n LIMIT 1"),
        {"n": name},
    ).first()
    if still_member:
        return False
    try:
        with session.begin_nested():
            _ddl(session, f"DROP ROLE {_quote(name)}")
    except Exception as exc:  # owns objects or holds grants elsewhere: the login stays, without access here
        if "depend" not in str(exc).lower():
            raise
        return False
    return True
