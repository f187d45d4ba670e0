"""Helpers of the shared-database safety tests (a module name of its own: every test folder has a conftest)."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from flagdesk.store.engine import Register
from flagdesk.store.models import AuditEvent, Contract, Partner

SAFETY_DIR = Path(__file__).resolve().parent
SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def plain_contract(reg: Register, partner: str | None = None) -> tuple[int, int, int]:
    """(id, total_value_pence, version) of a contract without reuse kinds, optionally of one partner."""
    with reg.session() as session:
        q = select(Contract.id, Contract.total_value_pence, Contract.version, Contract.reuse_partner_kinds).join(
            Partner, Partner.id == Contract.partner_id
        )
        if partner:
            q = q.where(Partner.name == partner)
        for cid, value, version, kinds in session.execute(q.order_by(Contract.id)):
            if not kinds and value is not None:
                return cid, value, version
    raise AssertionError("the demo register has no plain contract")


def contract_state(reg: Register, contract_id: int) -> tuple[int, int, int]:
    """(total value, version, audited value changes) of one contract."""
    with reg.session() as session:
        value, version = session.execute(
            select(Contract.total_value_pence, Contract.version).where(Contract.id == contract_id)
        ).one()
        audited = session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.table_name == "contract",
                AuditEvent.record_id == str(contract_id),
                AuditEvent.field == "total_value_pence",
            )
        )
    return value, version, audited


def table_rows(path: Path) -> dict[str, list[str]]:
    """Every table of an SQLite file as sorted row texts: equal results, equal registers."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(repr(r) for r in conn.execute(f'SELECT * FROM "{n}"')) for n in names}
    finally:
        conn.close()


def sqlite_value(path: Path, sql: str) -> object:
    """The first value a query returns from an SQLite file, read without FlagDesk."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def integrity(path: Path) -> object:
    return sqlite_value(path, "PRAGMA integrity_check")


def partner_names(reg: Register) -> list[str]:
    with reg.session() as session:
        return list(session.scalars(select(Partner.name).order_by(Partner.name)))


class PgLogins:
    """Unique login names for one test, and URLs that sign in as them; all dropped afterwards."""

    def __init__(self, url: str):
        self.url = url
        self.database = make_url(url).database

    def name(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:10]}"

    def url_for(self, login: str) -> str:
        return make_url(self.url).set(username=login, password=None).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop this register's group roles and every login in them (roles outlive the database)."""
        groups = [f"{self.database}_{r}" for r in ("viewer", "editor", "admin")]
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            members = (
                conn.execute(
                    text(
                        "SELECT DISTINCT m.rolname FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid "
                        "JOIN pg_roles m ON m.oid = am.member WHERE g.rolname = ANY(:g) AND NOT m.rolname = ANY(:g)"
                    ),
                    {"g": groups},
                )
                .scalars()
                .all()
            )
            existing = conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:g)"), {"g": groups})
            roles = [*members, *existing.scalars().all()]
            quoted = ", ".join('"' + r.replace('"', '""') + '"' for r in roles)
            if roles:
                conn.execute(text(f"DROP OWNED BY {quoted}"))
                conn.execute(text(f"DROP ROLE {quoted}"))
        engine.dispose()
