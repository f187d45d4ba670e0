"""A bulk write or an import killed with SIGKILL part-way leaves a local register exactly as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from safety_helpers import SHARED_DATA, integrity, table_rows

from flagdesk.cli import main
from flagdesk.services.demo import seed_demo
from flagdesk.store.engine import open_register
from flagdesk.store.migrate import schema_status

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
NORFOLK = SHARED_DATA / "registers" / "norfolk-county-council-2016.csv"


def write_lock_held(path: Path) -> bool:
    """True while another process has a write transaction open on the register."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        conn.close()


@pytest.fixture
def small_register(tmp_path: Path) -> Path:
    path = tmp_path / "register.sqlite"
    reg = open_register(path)
    with reg.write() as session:
        seed_demo(session, user="tester", partners=5, contracts=300, seed=2)
    reg.dispose()
    return path


def kill_when(args: list[str], ready: Callable[[], bool], tmp_path: Path) -> None:
    """Run `flagdesk ARGS`, SIGKILL it as soon as ready() holds, and check it died mid-way."""
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "flagdesk", *args], stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.01)
    alive = proc.poll() is None
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert alive, f"the write ended before it could be killed: {errors.read_text()}"
    assert proc.returncode == -signal.SIGKILL


def assert_unchanged(path: Path, before: dict[str, list[str]]) -> None:
    assert integrity(path) == "ok"
    assert table_rows(path) == before
    reg = open_register(path)  # and the program opens it as usual
    assert schema_status(reg.engine).state == "current"
    reg.dispose()


def test_bulk_write_killed_mid_way_changes_nothing(small_register: Path, tmp_path: Path) -> None:
    before = table_rows(small_register)
    wal = small_register.with_name(small_register.name + "-wal")
    # One transaction that deletes the register and writes 40,000 contracts: kill it while the
    # uncommitted pages pour into the write-ahead log.
    kill_when(
        ["--db", str(small_register), "demo", "--replace", "--contracts", "40000"],
        lambda: wal.exists() and wal.stat().st_size > 4_000_000,
        tmp_path,
    )
    assert_unchanged(small_register, before)


def test_import_killed_mid_way_changes_nothing_and_can_be_run_again(
    small_register: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not NORFOLK.exists():
        pytest.skip(f"reference data not available: {NORFOLK}")
    before = table_rows(small_register)
    started: list[float] = []

    def well_into_the_import() -> bool:
        # The import holds the write lock from reading the file to its single commit (about 2-4 s
        # for these 5,729 rows); kill it half a second into that transaction.
        if not started and write_lock_held(small_register):
            started.append(time.monotonic())
        return bool(started) and time.monotonic() - started[0] > 0.5 and write_lock_held(small_register)

    kill_when(["--db", str(small_register), "import", str(NORFOLK)], well_into_the_import, tmp_path)
    assert_unchanged(small_register, before)

    assert main(["--db", str(small_register), "import", str(NORFOLK)]) == 0
    assert "contracts new" in capsys.readouterr().out
    assert integrity(small_register) == "ok"
