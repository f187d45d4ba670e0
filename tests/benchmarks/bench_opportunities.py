"""Benchmark: the opportunity engine through the command line, 10k (baseline) and 100k contracts.

    .venv/bin/python tests/benchmarks/bench_opportunities.py [--runs 5] [--workdir DIR]

Builds demo registers with `flagdesk demo --partners 40` once (cached in --workdir), then times
`flagdesk --db FILE opportunities list --json` in fresh processes: the first analysis of a
register (every opportunity and link inserted) and a re-analysis (ids found again, figures
updated). Each figure is the median of --runs processes, wall-clock and CPU (user + system).

Targets (issue 5): 100k contracts in at most 5 s, and 100k at most 12x the 10k baseline measured
in the same run. The machine is shared and its speed drifts, so the ratio is the steadier check;
the CPU column shows how much of the wall time was waiting for a busy machine.
Exit code 0 when both targets are met on wall-clock medians, else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLAGDESK = [sys.executable, "-m", "flagdesk"]
PARTNERS = 40
BASELINE, TARGET = 10_000, 100_000
MAX_SECONDS, MAX_RATIO = 5.0, 12.0


def run(args: list[str], *, stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, bytes]:
    """Wall and CPU seconds of one child process; raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, stdout=stdout, stderr=subprocess.PIPE, check=False, env=_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout or b""


def _env() -> dict[str, str]:
    env = dict(os.environ, FLAGDESK_USER="bench")
    env.pop("FLAGDESK_DB", None)
    return env


def demo_register(workdir: Path, contracts: int) -> Path:
    """A pristine demo register (no opportunities yet), generated once and kept."""
    path = workdir / f"demo-{contracts}-{PARTNERS}.sqlite"
    if not path.exists():
        print(f"generating {contracts:,} contracts over {PARTNERS} partners ...", flush=True)
        tmp = path.with_suffix(".tmp")
        for leftover in workdir.glob(tmp.name + "*"):
            leftover.unlink()
        run([*FLAGDESK, "--db", str(tmp), "demo", "--contracts", str(contracts), "--partners", str(PARTNERS)])
        tmp.rename(path)
    return path


def fresh_copy(source: Path, workdir: Path) -> Path:
    target = workdir / f"run-{source.name}"
    for old in workdir.glob(target.name + "*"):
        old.unlink()
    shutil.copyfile(source, target)
    return target


def measure(workdir: Path, contracts: int, runs: int) -> dict[str, object]:
    source = demo_register(workdir, contracts)
    list_cmd = ["opportunities", "list", "--json"]
    first, again = [], []
    found = 0
    for _ in range(runs):
        db = fresh_copy(source, workdir)
        first.append(run([*FLAGDESK, "--db", str(db), *list_cmd])[:2])
        wall, cpu, out = run([*FLAGDESK, "--db", str(db), *list_cmd], stdout=subprocess.PIPE)
        again.append((wall, cpu))
        found = len(json.loads(out))
    return {
        "contracts": contracts,
        "opportunities": found,
        "first_wall": statistics.median(w for w, _ in first),
        "first_cpu": statistics.median(c for _, c in first),
        "again_wall": statistics.median(w for w, _ in again),
        "again_cpu": statistics.median(c for _, c in again),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="processes per figure (median; default 5)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "flagdesk-bench-opportunities")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    baseline = measure(args.workdir, BASELINE, args.runs)
    target = measure(args.workdir, TARGET, args.runs)
    print(f"\nopportunities list --json, {PARTNERS} partners, median of {args.runs} fresh processes")
    print(f"{'contracts':>10} {'found':>6} {'first wall':>11} {'first cpu':>10} {'re-run wall':>12} {'re-run cpu':>11}")
    for r in (baseline, target):
        print(
            f"{r['contracts']:>10,} {r['opportunities']:>6} {r['first_wall']:>10.2f}s {r['first_cpu']:>9.2f}s "
            f"{r['again_wall']:>11.2f}s {r['again_cpu']:>10.2f}s"
        )
    ok = True
    for label in ("first", "again"):
        wall = float(target[f"{label}_wall"])  # type: ignore[arg-type]
        ratio = wall / float(baseline[f"{label}_wall"])  # type: ignore[arg-type]
        cpu_ratio = float(target[f"{label}_cpu"]) / float(baseline[f"{label}_cpu"])  # type: ignore[arg-type]
        meets = wall <= MAX_SECONDS and ratio <= MAX_RATIO
        ok &= meets
        name = "first analysis" if label == "first" else "re-analysis"
        print(
            f"{name:15}: 100k {wall:.2f}s (target <= {MAX_SECONDS:g}s), 100k/10k {ratio:.1f}x wall, "
            f"{cpu_ratio:.1f}x cpu (target <= {MAX_RATIO:g}x): {'met' if meets else 'NOT met'}"
        )
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
