"""Schema versions: Alembic configured in code, checked on every open.

Local SQLite files are backed up and upgraded when opened. Shared PostgreSQL databases are
upgraded only by an administrator (`flagdesk db upgrade`); clients refuse any other version.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from db import MIGRATIONS_DIR
from flagdesk.errors import SchemaMismatchError


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    state: str  # empty | current | older | newer | unmanaged

    def to_json(self) -> dict[str, str | None]:
        return {"current": self.current, "head": self.head, "state": self.state}


def schema_status(engine: Engine) -> SchemaStatus:
    head = head_revision()
    current = current_revision(engine)
    if current is None:
        has_tables = bool(inspect(engine).get_table_names())
        return SchemaStatus(None, head, "unmanaged" if has_tables else "empty")
    if current == head:
        return SchemaStatus(current, head, "current")
    if current in known_revisions():
        return SchemaStatus(current, head, "older")
    return SchemaStatus(current, head, "newer")


def upgrade(engine: Engine) -> None:
    """Bring the schema to head in one transaction."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def ensure_schema(engine: Engine, url: str) -> SchemaStatus:
    """Make the schema usable by this program, or refuse with the command to run."""
    status = schema_status(engine)
    if status.state == "current":
        return status
    if status.state == "newer":
        raise SchemaMismatchError(
            f"This register uses schema {status.current}, newer than this FlagDesk understands "
            f"(it knows up to {status.head}). Install a newer FlagDesk."
        )
    if status.state == "unmanaged":
        raise SchemaMismatchError("This database holds tables that are not a FlagDesk register.")
    if engine.dialect.name != "sqlite":
        action = "is empty" if status.state == "empty" else f"uses an older schema ({status.current})"
        raise SchemaMismatchError(
            f"The shared register {action}; an administrator must run: flagdesk --db URL db upgrade"
        )
    if status.state == "older":
        backup_sqlite_file(url, suffix=f"before-{status.head}")
    upgrade(engine)
    return schema_status(engine)


def backup_sqlite_file(url: str, *, suffix: str) -> Path | None:
    """Copy a local register with SQLite's online backup API before touching its schema."""
    db = make_url(url).database
    if not db or db == ":memory:" or not Path(db).exists():
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = Path(db).with_name(f"{Path(db).stem}.{suffix}.{stamp}.sqlite")
    online_backup(Path(db), target)
    return target


def online_backup(source: Path, target: Path) -> None:
    """A consistent copy even while other connections write (SQLite backup API)."""
    src = sqlite3.connect(str(source))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
