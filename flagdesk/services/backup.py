"""Backup and restore of a local register file.

Backups use SQLite's online backup API, so they are consistent snapshots even while FlagDesk (or
anything else) is writing. A restore first checks that the file is a FlagDesk register this
program can open, and keeps a backup of the register it replaces.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from flagdesk.errors import DatabaseError, UserError, ValidationError
from flagdesk.store.engine import database_url
from flagdesk.store.migrate import head_revision, known_revisions, online_backup


@dataclass(frozen=True)
class BackupResult:
    source: Path
    target: Path
    size_bytes: int
    schema: str | None

    def to_json(self) -> dict[str, object]:
        return {"source": str(self.source), "target": str(self.target), "bytes": self.size_bytes, "schema": self.schema}


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    register: Path
    previous_saved_as: Path | None
    schema: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "restored_from": str(self.restored_from),
            "register": str(self.register),
            "previous_saved_as": str(self.previous_saved_as) if self.previous_saved_as else None,
            "schema": self.schema,
        }


def local_file(target: str | Path | None, action: str) -> Path:
    """The register file named by a path or URL (as --db takes it), or a clear refusal for a shared database.

    Backup and restore work on the file without opening it as a register, so that a damaged or
    older register can still be saved or replaced.
    """
    url = make_url(database_url(target))
    if url.get_backend_name() != "sqlite":
        raise UserError(
            f"'db {action}' works on a local register file; a shared PostgreSQL register is backed up "
            "by its administrator with pg_dump / pg_restore."
        )
    if not url.database or url.database == ":memory:":
        raise UserError(f"'db {action}' needs a register file, not an in-memory database.")
    return Path(url.database)


def backup_register(register: str | Path | None, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Write a consistent copy of the register to target, safe while other processes write."""
    source = local_file(register, "backup")
    if not source.is_file():
        raise ValidationError(f"There is no register at {source} to back up.")
    target = Path(target).expanduser().resolve()
    if target == source:
        raise ValidationError("The backup file must not be the register itself.")
    if target.is_dir():
        raise ValidationError(f"'{target}' is a folder; give a file name for the backup.")
    if not target.parent.exists():
        raise ValidationError(f"Cannot write the backup: the folder {target.parent} does not exist.")
    if target.exists() and not overwrite:
        raise ValidationError(f"'{target}' already exists; choose another name (nothing was written).")
    # Write next to the target, then rename: a failed or killed backup never leaves a half file.
    partial = target.with_name(target.name + ".partial")
    try:
        online_backup(source, partial)
        _make_self_contained(partial)
        partial.replace(target)
    except sqlite3.Error as exc:
        raise DatabaseError(f"The backup could not be written: {exc}") from exc
    except OSError as exc:
        raise DatabaseError(f"The backup could not be written to {target}: {exc.strerror or exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(source, target, target.stat().st_size, register_schema(target))


def _make_self_contained(path: Path) -> None:
    # A copy in rollback-journal mode is one file: it can be mailed, archived or opened read-only
    # without -wal/-shm companions appearing beside it.
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()


def register_schema(path: Path) -> str | None:
    """The schema revision of a FlagDesk register file; a clear error for anything else."""
    if not path.is_file():
        raise ValidationError(f"'{path}' is not a file.")
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise ValidationError(f"'{path}' is not a FlagDesk register (not an SQLite database).")
    # Read-only URI: checking a candidate must never modify it (or create a WAL beside it).
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise ValidationError(f"'{path}' is damaged (integrity check: {integrity}).")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "contract", "partner"} <= tables:
            raise ValidationError(f"'{path}' is an SQLite database but not a FlagDesk register.")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"'{path}' cannot be read as a FlagDesk register: {exc}") from exc
    finally:
        conn.close()
    return row[0] if row else None


def restore_register(register: str | Path | None, source: Path) -> RestoreResult:
    """Replace the register's contents with a backup, keeping a copy of what it replaces."""
    target = local_file(register, "restore")
    source = Path(source).expanduser().resolve()
    if source == target:
        raise ValidationError("That file is the register itself; choose a backup file.")
    schema = register_schema(source)
    if schema not in known_revisions():
        raise ValidationError(
            f"'{source}' uses schema {schema}, newer than this FlagDesk understands (it knows up to "
            f"{head_revision()}); install a newer FlagDesk to restore it."
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    saved = target.with_name(f"{target.stem}.before-restore.{stamp}.sqlite")
    if target.exists():
        online_backup(target, saved)
        _make_self_contained(saved)
    else:
        saved = None
    try:
        # The backup API copies page by page under the destination's write lock, in one step.
        online_backup(source, target)
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"The restore failed and the register was left as it was ({exc}); a copy is at {saved}."
        ) from exc
    return RestoreResult(source, target, saved, schema)
