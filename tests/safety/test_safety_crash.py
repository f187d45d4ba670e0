"""A bulk write killed with SIGKILL part-way leaves a local register exactly as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import table_rows  # tests/safety/conftest.py

from flagdesk.services.demo import seed_demo
from flagdesk.store.engine import open_register
from flagdesk.store.migrate import schema_status

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_bulk_write_killed_mid_way_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "register.sqlite"
    reg = open_register(path)
    with reg.write() as session:
        seed_demo(session, user="tester", partners=5, contracts=300, seed=2)
    reg.dispose()
    before = table_rows(path)
    wal = path.with_name(path.name + "-wal")

    # One transaction that deletes the register and writes 40,000 contracts: kill it while the
    # uncommitted pages pour into the write-ahead log.
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flagdesk", "--db", str(path), "demo", "--replace", "--contracts", "40000"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 4_000_000:
            break
        time.sleep(0.01)
    assert proc.poll() is None, f"the bulk write ended before it could be killed: {errors.read_text()}"
    written = wal.stat().st_size
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert integrity(path) == "ok"
    assert table_rows(path) == before, f"killed after {written:,} bytes of log, the register changed"
    reg = open_register(path)  # and the program opens it as usual
    assert schema_status(reg.engine).state == "current"
    reg.dispose()
