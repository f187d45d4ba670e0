"""Supplier identity at scale: 8,000 published spellings, and 100,000 import rows.

Run: .venv/bin/python tests/benchmarks/bench_suppliers.py [--baseline-names N]

Spellings are made from the real Norfolk and Lancashire supplier names (case, legal form,
punctuation, "The", one dropped letter), so the truth of which spellings are one supplier is known.

- group_names: rules, then rapidfuzz cdist inside blocks, then union-find; precision and recall
  over pairs of spellings, against the named baseline `python_loop_pairs` (fuzz.ratio called for every
  pair from a Python loop, the slow way) run in the same process on the same names.
- SupplierResolver: 8,000 spellings resolved into a fresh SQLite register (exact rules only: fuzzy
  likeness goes to the review queue), then 100,000 rows of repeated names, each including its writes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "suppliers")]

from rapidfuzz import fuzz  # noqa: E402
from supplier_data import lancashire_awards, norfolk_suppliers  # noqa: E402

from flagdesk.analysis.suppliers import UnionFind, compact_key, group_names, name_key  # noqa: E402
from flagdesk.services.suppliers import SupplierResolver, find_duplicates  # noqa: E402
from flagdesk.store.engine import open_register  # noqa: E402


def respell(rng: random.Random, name: str) -> str:
    choice = rng.randrange(6)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return name.title().replace(" Ltd", " Limited")
    if choice == 2:
        return name.replace(" & ", " and ").replace(",", "") + " Ltd."
    if choice == 3:
        return "The " + name
    if choice == 4 and len(name) > 8:
        i = rng.randrange(3, len(name) - 1)
        return name[:i] + name[i + 1 :]  # a dropped letter: only fuzzy matching can join it
    return name


def spellings(total: int, seed: int = 8) -> tuple[list[str], list[int]]:
    """(spellings, truth) where truth[i] is the index of the real supplier spelling i came from."""
    real = sorted({n for n, _ in norfolk_suppliers()} | {n for _, names in lancashire_awards() for n in names})
    by_key: dict[str, int] = {}
    bases = []
    for name in real:  # real names equal by the rules are one supplier in the truth too
        key = name_key(name)
        if key and key not in by_key:
            by_key[key] = len(bases)
            bases.append(name)
    rng = random.Random(seed)
    names, truth = [], []
    while len(names) < total:
        i = rng.randrange(len(bases))
        names.append(respell(rng, bases[i]))
        truth.append(i)
    return names, truth


def pair_quality(labels: list[int], truth: list[int]) -> tuple[float, float]:
    """Precision and recall over pairs of distinct spellings."""

    def pairs(groups: list[int], names: list[str]) -> set[tuple[str, str]]:
        members: dict[int, set[str]] = {}
        for g, n in zip(groups, names, strict=True):
            members.setdefault(g, set()).add(n)
        return {(a, b) for m in members.values() for a in m for b in m if a < b}

    names = [str(i) for i in range(len(labels))]
    predicted, actual = pairs(labels, names), pairs(truth, names)
    hit = len(predicted & actual)
    return hit / max(1, len(predicted)), hit / max(1, len(actual))


def python_loop_pairs(names: list[str], cutoff: float = 92.0) -> list[int]:
    """Baseline: the same normalisation, then fuzz.ratio for every pair from a Python loop."""
    keys = [compact_key(name_key(n)) for n in names]
    sets = UnionFind(len(keys))
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if fuzz.ratio(keys[i], keys[j], score_cutoff=cutoff):
                sets.union(i, j)
    return [sets.find(i) for i in range(len(keys))]


def resolve_into_register(names: list[str]) -> tuple[float, int]:
    """Seconds to resolve the names and write suppliers, aliases and audit rows; suppliers made."""
    with tempfile.TemporaryDirectory() as folder:
        register = open_register(Path(folder) / "suppliers.sqlite")
        with register.write() as session:
            started = time.perf_counter()
            resolver = SupplierResolver(session, user="bench")
            ids = [resolver.resolve(n) for n in names]
            resolved = time.perf_counter() - started
            resolver.close()
            elapsed = time.perf_counter() - started
        with register.session() as session:
            queue = find_duplicates(session)
        register.dispose()
    print(f"  look-ups {resolved:.3f} s + writes {elapsed - resolved:.3f} s; review queue: {len(queue)} pair(s)")
    return elapsed, len(set(ids))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline-names", type=int, default=8000, help="names for the slow baseline (default 8000)")
    args = parser.parse_args()
    names, truth = spellings(8000)
    print(f"{len(names)} spellings of {len(set(truth))} suppliers ({len(set(names))} distinct)")

    started = time.perf_counter()
    labels = group_names(names)
    ours = time.perf_counter() - started
    precision, recall = pair_quality(labels, truth)
    print(f"group_names (blocks + cdist + union-find): {ours:.3f} s, precision {precision:.3f}, recall {recall:.3f}")

    sample = names[: args.baseline_names]
    started = time.perf_counter()
    base_labels = python_loop_pairs(sample)
    baseline = time.perf_counter() - started
    b_precision, b_recall = pair_quality(base_labels, truth[: len(sample)])
    print(
        f"baseline python_loop_pairs on {len(sample)} names: {baseline:.2f} s, precision {b_precision:.3f}, "
        f"recall {b_recall:.3f}"
    )
    ours_sample = time.perf_counter()
    group_names(sample)
    ours_sample = time.perf_counter() - ours_sample
    print(f"  ratio baseline / ours on the same {len(sample)} names: {baseline / ours_sample:.0f}x")

    resolve_into_register(names[:200])  # warm up: SQLAlchemy compiles its statements once per process
    elapsed, suppliers = resolve_into_register(names)
    print(f"SupplierResolver, 8,000 spellings into SQLite (with writes): {elapsed:.3f} s -> {suppliers} suppliers")
    rng = random.Random(3)
    rows = [rng.choice(names) for _ in range(100_000)]
    elapsed, suppliers = resolve_into_register(rows)
    print(f"SupplierResolver, 100,000 rows into SQLite (with writes): {elapsed:.3f} s -> {suppliers} suppliers")
    print("spellings per supplier (truth):", Counter(Counter(truth).values()).most_common(4))


if __name__ == "__main__":
    main()
