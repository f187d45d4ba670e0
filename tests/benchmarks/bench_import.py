"""Benchmark: a generated 100,000-row, 17-column .xlsx register imported end to end into SQLite,
timed against pandas.read_excel(engine='openpyxl') merely reading the same file in the same run.

Target (issue 3): the whole import in at most half the time pandas needs to read; peak memory of
the import under 700 MB. Each measurement runs in a fresh process so peak memory is its own.

    .venv/bin/python tests/benchmarks/bench_import.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADERS = [
    "Organisation",
    "Contract Reference",
    "Contract Title",
    "Description",
    "Supplier Name",
    "Company Number",
    "SME",
    "CPV Code",
    "Category",
    "Total Contract Value",
    "Annual Value",
    "Start Date",
    "End Date",
    "End Date Including Extensions",
    "Review Date",
    "Procurement Route",
    "Contract Type",
]
_PARTNERS = [
    "Norfolk County Council",
    "Breckland District Council",
    "Norfolk Constabulary",
    "Norfolk Fire and Rescue Service",
    "Norwich City Council",
]
_CPV = ["72000000-5", "48000000-8", "79000000-4", "50000000-5", "32000000-3", "64200000-8", "30200000-1"]
_ROUTES = ["Open", "Invitation to quote", "Framework call-off", "Direct award", "Restricted"]
_TYPES = ["Single award contract", "Framework agreement", "Call-off"]


def generate(path: Path, rows: int, seed: int = 3) -> None:
    """A register like a partner's: typed dates and numbers, 5,000 suppliers, repeated references."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    suppliers = [(f"Supplier {i} Ltd", f"{rng.randrange(1, 13_999_999):08d}") for i in range(5000)]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Contracts")
    ws.append(HEADERS)
    for i in range(rows):
        start = date(2018, 1, 1) + timedelta(days=rng.randrange(2500))
        end = start + timedelta(days=rng.randrange(180, 1800))
        supplier, number = suppliers[rng.randrange(len(suppliers))]
        total = rng.randrange(1_000, 5_000_000) + rng.randrange(100) / 100
        ws.append(
            [
                _PARTNERS[i % len(_PARTNERS)],
                f"REF{i // 2:06d}",
                f"Contract {i} for services",
                f"Description {i}",
                supplier,
                number,
                rng.choice(["Yes", "No"]),
                rng.choice(_CPV),
                "ICT",
                total,
                round(total / 3, 2),
                start,
                end,
                end + timedelta(days=365),
                end - timedelta(days=180),
                rng.choice(_ROUTES),
                rng.choice(_TYPES),
            ]
        )
    wb.save(path)


def run_import(path: str, db: str) -> dict[str, float]:
    from flagdesk.services.imports import apply_import
    from flagdesk.store.engine import open_register

    reg = open_register(db)
    t0 = time.perf_counter()
    with reg.write() as session:
        summary = apply_import(session, path, user="bench")
    elapsed = time.perf_counter() - t0
    reg.dispose()
    return {"seconds": elapsed, "new": summary.count("new"), "rejected": summary.rows_rejected, "peak_mb": _peak_mb()}


def run_pandas(path: str) -> dict[str, float]:
    import pandas as pd

    t0 = time.perf_counter()
    frame = pd.read_excel(path, engine="openpyxl")
    return {"seconds": time.perf_counter() - t0, "rows": len(frame), "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, path: Path, workdir: Path, run: int) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", kind, "--file", str(path), "--db", str(workdir / f"r{run}.sqlite")]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["import", "pandas"])
    parser.add_argument("--file", help="an existing generated register (skips generation)")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child == "import":
        print(json.dumps(run_import(args.file, args.db)))
        return 0
    if args.child == "pandas":
        print(json.dumps(run_pandas(args.file)))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="flagdesk-bench-"))
    if args.file:  # reuse a file generated earlier (generation takes longer than the runs)
        path = Path(args.file)
    else:
        path = workdir / f"register-{args.rows}.xlsx"
        t0 = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    imports, readings = [], []
    for run in range(args.runs):  # interleaved, so drift in machine speed hits both alike
        readings.append(_child("pandas", path, workdir, run))
        imports.append(_child("import", path, workdir, run))
        print(
            f"run {run + 1}: pandas read {readings[-1]['seconds']:.2f} s, import {imports[-1]['seconds']:.2f} s "
            f"(peak {imports[-1]['peak_mb']:.0f} MB, {imports[-1]['new']:.0f} new)"
        )
    pandas_s = statistics.median(r["seconds"] for r in readings)
    import_s = statistics.median(r["seconds"] for r in imports)
    peak = max(r["peak_mb"] for r in imports)
    # Each run pairs the two measurements taken back to back, so the machine's drift cancels out.
    ratio = statistics.median(i["seconds"] / p["seconds"] for i, p in zip(imports, readings, strict=True))
    print(
        f"median: pandas.read_excel(openpyxl) {pandas_s:.2f} s; FlagDesk import {import_s:.2f} s; "
        f"median ratio of paired runs {ratio:.2f} (ratio of medians {import_s / pandas_s:.2f}; target <= 0.50); "
        f"import peak memory {peak:.0f} MB (target < 700)"
    )
    return 0 if ratio <= 0.5 and peak < 700 else 1


if __name__ == "__main__":
    raise SystemExit(main())
