"""A register written by schema 0001 is backed up, upgraded and unchanged when this FlagDesk opens it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from safety_helpers import sqlite_value, table_rows
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from flagdesk.cli import main
from flagdesk.errors import SchemaMismatchError
from flagdesk.services.demo import seed_demo
from flagdesk.store.engine import open_register
from flagdesk.store.migrate import alembic_config, head_revision, schema_status

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "register-0001.sqlite"


def revision(path: Path) -> object:
    return sqlite_value(path, "SELECT version_num FROM alembic_version")


@pytest.fixture
def old_register(tmp_path: Path) -> Path:
    assert FIXTURE.stat().st_size < 1_000_000
    path = tmp_path / "register.sqlite"
    shutil.copy(FIXTURE, path)  # the fixture is checkpointed: one self-contained file
    return path


def test_schema_0001_register_is_backed_up_upgraded_and_unchanged(old_register: Path) -> None:
    assert revision(old_register) == "0001"
    before = table_rows(old_register)
    del before["alembic_version"]
    assert len(before["contract"]) == 120

    reg = open_register(old_register)
    assert schema_status(reg.engine).state == "current"
    reg.dispose()

    backups = list(old_register.parent.glob(f"register.before-{head_revision()}.*.sqlite"))
    assert len(backups) == 1
    assert revision(backups[0]) == "0001"
    assert {t: rows for t, rows in table_rows(backups[0]).items() if t in before} == before
    after = table_rows(old_register)
    assert {t: after[t] for t in before} == before
    assert after["user_partner"] == []


def test_restoring_an_old_backup_upgrades_it_on_next_open(
    old_register: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = tmp_path / "current.sqlite"
    open_register(current).dispose()
    assert main(["--db", str(current), "db", "restore", str(old_register)]) == 0
    assert main(["--db", str(current), "contracts", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"version": 1' in out and out.count('"id":') == 120
    assert revision(current) == head_revision()


@pytest.mark.pg
def test_a_shared_register_is_upgraded_only_by_the_administrators_command(
    pg_database, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(pg_database.url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with Session(engine) as session, session.begin():
        seed_demo(session, user="tester", partners=3, contracts=30, seed=9)
    before = contract_rows(engine)

    with pytest.raises(SchemaMismatchError, match=r"older schema.*flagdesk --db URL db upgrade"):
        open_register(pg_database.url)
    assert main(["--db", pg_database.url, "db", "upgrade"]) == 0
    assert f"to {head_revision()}" in capsys.readouterr().out
    assert contract_rows(engine) == before
    open_register(pg_database.url).dispose()
    engine.dispose()


def contract_rows(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM contract ORDER BY id"))]
