"""No lost updates: many processes increment one contract through the command line at once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from safety_helpers import SAFETY_DIR, contract_state, plain_contract

from flagdesk.store.engine import Register

WORKERS = 6
INCREMENTS = 6


def test_concurrent_read_modify_write_loses_nothing(seeded: Register, tmp_path: Path) -> None:
    contract_id, start_value, start_version = plain_contract(seeded)
    go = tmp_path / "go"
    # Worker k adds k+1 pence each time, so a lost update would show in the sum, not only the count.
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(SAFETY_DIR / "increment_worker.py"),
                seeded.url,
                str(contract_id),
                str(INCREMENTS),
                str(k + 1),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(WORKERS)
    ]
    time.sleep(1.0)  # let every worker import and wait at the start line
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        results.append(json.loads(out))

    expected_gain = sum(r["increments"] * r["step"] for r in results)
    total_writes = WORKERS * INCREMENTS
    conflicts = sum(r["conflicts"] for r in results)
    value, version, audited = contract_state(seeded, contract_id)
    print(f"{seeded.engine.dialect.name}: {total_writes} increments by {WORKERS} processes, {conflicts} conflicts")
    assert value == start_value + expected_gain
    assert version == start_version + total_writes
    assert audited == total_writes  # one audit event per accepted write, none for refused ones
    assert conflicts > 0, "the workers never collided, so this run proved nothing about conflicts"
