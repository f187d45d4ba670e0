"""Schema: migrations reach the models exactly, local files upgrade, shared databases are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from flagdesk.errors import SchemaMismatchError
from flagdesk.store.engine import open_register
from flagdesk.store.migrate import head_revision, schema_status, upgrade
from flagdesk.store.models import Base


def _diff(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def test_autogenerate_finds_no_difference_on_sqlite(tmp_path: Path) -> None:
    reg = open_register(tmp_path / "r.sqlite")
    assert _diff(reg.engine) == []
    reg.dispose()


@pytest.mark.pg
def test_autogenerate_finds_no_difference_on_postgresql(pg_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(pg_database.url)
    upgrade(engine)
    assert _diff(engine) == []
    engine.dispose()


def test_new_local_file_is_created_at_head_with_wal(tmp_path: Path) -> None:
    reg = open_register(tmp_path / "new.sqlite")
    assert schema_status(reg.engine).state == "current"
    with reg.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    reg.dispose()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    open_register(path).dispose()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    with pytest.raises(SchemaMismatchError, match="newer"):
        open_register(path)


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id INTEGER)"))
    engine.dispose()
    with pytest.raises(SchemaMismatchError, match="not a FlagDesk register"):
        open_register(path)


@pytest.mark.pg
def test_shared_database_is_never_migrated_by_a_client(pg_database) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SchemaMismatchError, match="flagdesk --db URL db upgrade"):
        open_register(pg_database.url)
    engine = create_engine(pg_database.url)
    assert schema_status(engine).state == "empty"
    upgrade(engine)
    assert schema_status(engine).current == head_revision()
    engine.dispose()
    open_register(pg_database.url).dispose()
