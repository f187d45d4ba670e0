"""One client of the stress test: read-modify-write increments through the command line.

Usage: increment_worker.py DB CONTRACT_ID COUNT STEP GO_FILE

Each increment reads the contract (`contracts show --json`), then writes value + STEP with
`contracts update --if-version V`; exit 3 (someone else wrote first) means read again and retry.
Retries back off a random moment. It waits for GO_FILE so that all workers start together, and
prints its counts as JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys
import time
from pathlib import Path

from flagdesk.cli import main


def cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    if code not in (0, 3):
        raise SystemExit(f"flagdesk {' '.join(args)} exited {code}: {err.getvalue().strip()}")
    return code, out.getvalue()


def run(db: str, contract_id: str, count: int, step: int, go_file: Path) -> dict[str, int]:
    while not go_file.exists():
        time.sleep(0.005)
    conflicts = 0
    for _ in range(count):
        while True:
            _, shown = cli("--db", db, "contracts", "show", contract_id, "--json")
            record = json.loads(shown)
            new_value = record["total_value_pence"] + step
            code, _ = cli(
                "--db",
                db,
                "contracts",
                "update",
                contract_id,
                "--set",
                f"total_value_pence={new_value}",
                "--if-version",
                str(record["version"]),
                "--json",
            )
            if code == 0:
                break
            conflicts += 1
            # Back off a random moment, as a real client would, so six processes do not retry in lockstep.
            time.sleep(random.uniform(0, 0.1))
    return {"increments": count, "conflicts": conflicts, "step": step}


if __name__ == "__main__":
    db, contract_id, count, step, go = sys.argv[1:6]
    print(json.dumps(run(db, contract_id, int(count), int(step), Path(go))))
