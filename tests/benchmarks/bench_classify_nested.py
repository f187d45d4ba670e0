"""Nested leave-one-council-out: the division weights chosen without the council they are scored on.

Run: .venv/bin/python tests/benchmarks/bench_classify_nested.py   (about 7 minutes on 2 cores)

For each of the 15 Lancashire councils H: every candidate set of division weights is scored on the
other 14 councils, each of those classified by a model learned from the remaining 13 (inner leave
one out); the best candidate (top-3 plus half top-1) then classifies H with a model learned from
all 14. The shipped weights are among the candidates; the others are a seeded random draw. The
same per-kind evidence is computed once per model and re-weighted, so the search is cheap.
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "classify")]

from lancashire import hide_codes, load_councils  # noqa: E402

from flagdesk.analysis import classify  # noqa: E402

Shares = dict[str, dict[str, float]]  # kind -> division -> share of that kind's votes
Row = tuple[frozenset[str], Shares]  # published divisions, evidence


def evidence_rows(train: list[classify.Example], test: list[classify.Example]) -> list[Row]:
    model = classify.CpvClassifier(train)
    rows = []
    for example in map(hide_codes, test):
        shares: Shares = {}
        for name, _, votes, _ in model.evidence(example, classify._contract_words(example)):
            total = sum(votes.values())
            by_division: dict[str, float] = defaultdict(float)
            for key, vote in votes.items():
                by_division[key[:2]] += vote / total if total > 0 else 0.0
            shares[name] = by_division
        rows.append((frozenset(c[:2] for c in test_codes[example.id]), shares))
    return rows


def hits(rows: list[Row], weights: dict[str, float]) -> tuple[int, int]:
    top1 = top3 = 0
    for wanted, shares in rows:
        score: dict[str, float] = defaultdict(float)
        for kind, by_division in shares.items():
            for division, share in by_division.items():
                score[division] += weights.get(kind, 0.0) * share
        ranked = [d for d, _ in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
        top1 += bool(ranked) and ranked[0] in wanted
        top3 += any(d in wanted for d in ranked)
    return top3, top1


def candidates() -> list[dict[str, float]]:
    shipped = {
        "similar": classify._W_SIMILAR.division,
        "vocabulary": classify._W_VOCABULARY.division,
        "centroid": classify._W_CENTROID.division,
        "labels": classify._W_LABELS.division,
        "model": classify._W_MODEL.division,
        "prior": classify._W_PRIOR.division,
        "supplier": classify._W_SUPPLIER.division,
    }
    found = [shipped, {**shipped, "model": 0.0}]
    found += [{**shipped, "model": m} for m in (1.0, 1.5, 2.0, 2.5, 4.0)]
    rng = random.Random(7)
    grid = (0.0, 0.2, 0.5, 1.0, 1.5, 2.0, 3.0)
    for _ in range(150):
        draw = {kind: rng.choice(grid) for kind in shipped}
        found.append({**draw, "similar": 1.0, "model": rng.choice((1.0, 2.0, 3.0, 4.0, 5.0))})
    return found


def objective(found: tuple[int, int]) -> float:
    return found[0] + 0.5 * found[1]


councils = load_councils()
test_codes = {e.id: e.cpv for examples in councils.values() for e in examples}


def main() -> None:
    started = time.perf_counter()
    names = sorted(councils)
    pool = candidates()
    nested = [0, 0]
    shipped_total = [0, 0]
    for held_out in names:
        outer = evidence_rows([e for n in names if n != held_out for e in councils[n]], councils[held_out])
        inner = []
        for other in names:
            if other != held_out:
                train = [e for n in names if n not in (held_out, other) for e in councils[n]]
                inner += evidence_rows(train, councils[other])
        chosen = max(pool, key=lambda w: objective(hits(inner, w)))
        for total, weights in ((nested, chosen), (shipped_total, pool[0])):
            top3, top1 = hits(outer, weights)
            total[0] += top3
            total[1] += top1
        print(f"{held_out}: chosen {chosen}", flush=True)
    n = len(test_codes)
    print(f"nested leave one council out ({n} notices): division top-3 {nested[0] / n:.3f}, top-1 {nested[1] / n:.3f}")
    print(f"shipped weights, leave one council out: top-3 {shipped_total[0] / n:.3f}, top-1 {shipped_total[1] / n:.3f}")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
