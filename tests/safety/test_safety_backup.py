"""db backup / db restore: consistent copies while in use, and restores that check what they restore."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import run
from safety_helpers import SAFETY_DIR, contract_state, integrity, plain_contract
from sqlalchemy import create_engine, text

from flagdesk.services.demo import seed_demo
from flagdesk.store.engine import Register, open_register
from flagdesk.store.migrate import head_revision, schema_status


@pytest.fixture
def local(tmp_path: Path) -> Register:
    reg = open_register(tmp_path / "register.sqlite")
    with reg.write() as session:
        seed_demo(session, user="tester", partners=4, contracts=80, seed=5)
    yield reg
    reg.dispose()


def test_backup_taken_while_another_process_writes_is_consistent(
    local: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract_id, start_value, start_version = plain_contract(local)
    go = tmp_path / "go"
    go.touch()
    step = 7
    writer = subprocess.Popen(
        [
            sys.executable,
            str(SAFETY_DIR / "increment_worker.py"),
            local.url,
            str(contract_id),
            "400",
            str(step),
            str(go),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: contract_state(local, contract_id)[1] > start_version, "the writer never wrote")
        seen_versions = set()
        for i in range(40):  # until three different states are caught (a loaded machine needs more tries)
            copy = tmp_path / f"backup-{i}.sqlite"
            code, out, err = run(capsys, "--db", str(local.file_path), "db", "backup", str(copy), "--json")
            assert code == 0, err
            assert json.loads(out)["schema"] == head_revision()
            backup = open_register(copy)
            value, version, audited = contract_state(backup, contract_id)
            backup.dispose()
            assert integrity(copy) == "ok"
            # Each committed write bumps the version, adds `step` and one audit event, together.
            assert value == start_value + step * (version - start_version)
            assert audited == version - start_version
            seen_versions.add(version)
            if len(seen_versions) >= 3:
                break
            time.sleep(0.2)
        assert writer.poll() is None, "the writer stopped before the backups were taken"
    finally:
        writer.kill()
        writer.wait()
    assert len(seen_versions) >= 3, "the backups did not catch the register while it was being written"


def wait_for(condition: Callable[[], bool], message: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def test_restore_replaces_the_register_and_keeps_what_it_replaced(
    local: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(local.file_path)
    contract_id, value, version = plain_contract(local)
    backup = tmp_path / "saved.sqlite"
    assert run(capsys, "--db", db, "db", "backup", str(backup))[0] == 0
    code, _, err = run(capsys, "--db", db, "contracts", "update", str(contract_id), "--set", "total_value_pence=1")
    assert code == 0, err
    local.dispose()

    code, out, err = run(capsys, "--db", db, "db", "restore", str(backup), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert contract_state(local, contract_id)[:2] == (value, version)
    kept = open_register(result["previous_saved_as"])
    assert contract_state(kept, contract_id)[:2] == (1, version + 1)
    kept.dispose()


def test_backup_refuses_to_overwrite_or_copy_onto_itself(
    local: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(local.file_path)
    existing = tmp_path / "existing.sqlite"
    existing.write_bytes(b"precious")
    code, _, err = run(capsys, "--db", db, "db", "backup", str(existing))
    assert code == 1 and "already exists" in err and existing.read_bytes() == b"precious"
    code, _, err = run(capsys, "--db", db, "db", "backup", db)
    assert code == 1 and "register itself" in err
    code, _, err = run(capsys, "--db", db, "db", "backup", str(tmp_path / "missing" / "b.sqlite"))
    assert code == 1 and "does not exist" in err
    assert not list(tmp_path.glob("*.partial"))
    assert run(capsys, "--db", db, "db", "backup", str(existing), "--overwrite")[0] == 0
    assert schema_status(create_engine(f"sqlite:///{existing}")).state == "current"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a FlagDesk register"),
        (b"name,value\n=cmd|' /C calc'!A0,1\n", "not a FlagDesk register"),
        (b"SQLite format 3\x00" + b"\xff" * 2000, "cannot be read"),
    ],
)
def test_restore_refuses_files_that_are_not_registers(
    local: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    db = str(local.file_path)
    before = Path(db).read_bytes()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(content)
    code, _, err = run(capsys, "--db", db, "db", "restore", str(bad))
    assert code == 1 and message in err, err
    assert "Traceback" not in err
    assert Path(db).read_bytes() == before
    assert not list(tmp_path.glob("*before-restore*"))


def test_restore_refuses_other_sqlite_files_and_newer_registers(
    local: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(local.file_path)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE customers (id INTEGER)").connection.close()
    code, _, err = run(capsys, "--db", db, "db", "restore", str(other))
    assert code == 1 and "not a FlagDesk register" in err

    newer = tmp_path / "newer.sqlite"  # a plain file copy would miss what is still in the -wal file
    assert run(capsys, "--db", db, "db", "backup", str(newer))[0] == 0
    engine = create_engine(f"sqlite:///{newer}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    code, _, err = run(capsys, "--db", db, "db", "restore", str(newer))
    assert code == 1 and "newer than this FlagDesk" in err


def test_backup_and_restore_are_for_local_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"  # never contacted: refused before connecting
    for action in ("backup", "restore"):
        code, _, err = run(capsys, "--db", url, "db", action, str(tmp_path / "x.sqlite"))
        assert code == 1 and "pg_dump" in err
