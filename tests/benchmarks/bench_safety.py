"""What the safety machinery costs, each against a named baseline run in the same process.

Run: FLAGDESK_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
     .venv/bin/python tests/benchmarks/bench_safety.py [CONTRACTS]

1. Row-level security on PostgreSQL: the same writes by an editor login (policies evaluated per
   row) and by the table owner (`owner_bypass`: policies skipped). Every run is rolled back.
2. Online backup of a local register (SQLite backup API) against `file_copy` (shutil.copyfile,
   which is only safe when nobody writes).
Medians of five runs; compare the ratios, not the seconds (the machine's speed drifts).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flagdesk.services.backup import backup_register  # noqa: E402
from flagdesk.services.demo import seed_demo  # noqa: E402
from flagdesk.services.security import add_user  # noqa: E402
from flagdesk.store.engine import open_register  # noqa: E402
from flagdesk.store.migrate import upgrade  # noqa: E402

RUNS = 5
WRITES = {
    "bulk UPDATE of every contract": "UPDATE contract SET owner = 'bench'",
    "500 single-row UPDATEs by id": "single",
    "INSERT ... SELECT a copy of every contract": (
        "INSERT INTO contract (partner_id, reference, title, description, reuse_rights, reuse_partner_kinds, "
        "status, extra, search_text) SELECT partner_id, reference || '-b', title, description, reuse_rights, "
        "reuse_partner_kinds, status, extra, search_text FROM contract"
    ),
}


def median_seconds(action: Callable[[], None]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rolled_back(conninfo: dict[str, object], sql: str) -> Callable[[], None]:
    def run() -> None:
        with psycopg.connect(**conninfo) as conn:  # type: ignore[arg-type]
            if sql == "single":
                ids = [r[0] for r in conn.execute("SELECT id FROM contract ORDER BY id LIMIT 500")]
                with conn.cursor() as cur:
                    cur.executemany("UPDATE contract SET owner = 'bench' WHERE id = %s", [(i,) for i in ids])
            else:
                conn.execute(sql)
            conn.rollback()

    return run


def bench_rls(admin_url: str, contracts: int) -> None:
    name = f"flagdesk_bench_{uuid.uuid4().hex[:8]}"
    server = create_engine(make_url(admin_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name)
    editor = f"{name}_editor_login"
    try:
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        reg = open_register(url.render_as_string(hide_password=False))
        with reg.write() as session:
            seed_demo(session, user="bench", partners=12, contracts=contracts, seed=1)
        with reg.write() as session:
            partners = [r[0] for r in session.execute(text("SELECT name FROM partner"))]
            add_user(session, editor, "editor", partners, acting_user="bench")  # allowed everywhere: same work
        reg.dispose()
        base = {"host": url.host, "port": url.port, "dbname": name}
        print(f"Row-level security, {contracts:,} contracts, median of {RUNS} (rolled back):")
        for label, sql in WRITES.items():
            owner = median_seconds(rolled_back({**base, "user": url.username}, sql))
            with_rls = median_seconds(rolled_back({**base, "user": editor}, sql))
            print(f"  {label:44} owner_bypass {owner:7.3f} s  editor {with_rls:7.3f} s  ratio {with_rls / owner:5.2f}")
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            roles = [editor, *(f"{name}_{r}" for r in ("viewer", "editor", "admin"))]
            conn.execute(text("DROP ROLE IF EXISTS " + ", ".join(f'"{r}"' for r in roles)))
        server.dispose()


def bench_backup(contracts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "register.sqlite"
        reg = open_register(path)
        with reg.write() as session:
            seed_demo(session, user="bench", partners=12, contracts=contracts, seed=1)
        with reg.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy baseline must see all data
        reg.dispose()
        size = path.stat().st_size

        def backup() -> None:
            backup_register(path, Path(folder) / "b.sqlite", overwrite=True)

        def copy() -> None:
            shutil.copyfile(path, Path(folder) / "c.sqlite")

        copied, backed_up = median_seconds(copy), median_seconds(backup)
        print(f"Backup of a {contracts:,}-contract register ({size / 1e6:.1f} MB), median of {RUNS}:")
        print(f"  file_copy {copied:7.3f} s  online backup {backed_up:7.3f} s  ratio {backed_up / copied:5.2f}")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    bench_backup(count)
    pg = os.environ.get("FLAGDESK_TEST_PG_URL")
    if pg:
        bench_rls(pg, count)
    else:
        print("Row-level security: skipped (set FLAGDESK_TEST_PG_URL)")
