"""Classification measured honestly on the 15 Lancashire councils, and its speed.

Run: .venv/bin/python tests/benchmarks/bench_classify.py

1. Leave one council out: for each council, a model learned from the other 14 councils' published
   codes suggests codes for the council's notices with their codes hidden.
2. Through the register: some councils imported with codes, the others without; `suggest_codes`
   (the service behind `flagdesk classify`) classifies the latter; scored against what they published.
3. Speed: classifying the whole register, against a named baseline run in the same process
   (`all_pairs_knn`: every uncoded contract compared with every coded one in a Python loop).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "classify")]

from lancashire import DATA, codes_of, fill_register, leave_one_council_out, load_councils, score  # noqa: E402

from flagdesk.analysis.classify import Example, Suggestion, _contract_words, _idf, _vector  # noqa: E402
from flagdesk.services.classification import load_examples, suggest_codes  # noqa: E402
from flagdesk.services.imports import apply_import  # noqa: E402
from flagdesk.store.engine import Register, open_register  # noqa: E402

NORFOLK = DATA / "registers" / "norfolk-county-council-2016.csv"


def _rounded(figures: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in figures.items()}


def calibration(truth: dict[int, tuple[str, ...]], suggested: dict[int, list[Suggestion]]) -> None:
    """What --apply-above would accept at each threshold, and how often its division is right."""
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        chosen = [cid for cid, found in suggested.items() if found and found[0].confidence >= threshold]
        right = sum(suggested[cid][0].cpv[:2] in {c[:2] for c in truth[cid]} for cid in chosen)
        group = sum(suggested[cid][0].cpv[:3] in {c[:3] for c in truth[cid]} for cid in chosen)
        print(
            f"  confidence >= {threshold}: {len(chosen) / len(truth):.0%} of notices, division right "
            f"{right / max(1, len(chosen)):.0%}, group right {group / max(1, len(chosen)):.0%}"
        )


def through_register(hidden: set[str]) -> tuple[dict[str, float], int, float]:
    with tempfile.TemporaryDirectory() as folder:
        register = open_register(Path(folder) / "lancashire.sqlite")
        with register.write() as session:
            truth = fill_register(session, hidden=hidden)
        started = time.perf_counter()
        with register.session() as session:
            results = suggest_codes(session)
        elapsed = time.perf_counter() - started
        register.dispose()
    suggested = {r.contract_id: [s.cpv for s in r.suggestions] for r in results}
    return _rounded(score(truth, suggested)), len(truth), elapsed


def all_pairs_knn(coded: list[Example], uncoded: list[Example]) -> dict[int, str]:
    """The slow way: cosine of every uncoded contract against every coded one, best neighbour's code."""
    words = [_contract_words(e) for e in coded]
    idf = _idf(words)
    vectors = [_vector(w, idf) for w in words]
    found = {}
    for e in uncoded:
        q = _vector(_contract_words(e), idf)
        best = max(range(len(coded)), key=lambda i: sum(v * vectors[i].get(t, 0.0) for t, v in q.items()))
        found[e.id] = coded[best].cpv[0]
    return found


def speed() -> None:
    """The whole Lancashire register (half its councils hidden), then Norfolk's 5,729 uncoded
    contracts beside all of Lancashire; the baseline runs on the same contracts in the same process."""
    councils = sorted(load_councils())
    with tempfile.TemporaryDirectory() as folder:
        register = open_register(Path(folder) / "speed.sqlite")
        with register.write() as session:
            fill_register(session, hidden=set(councils[1::2]))
        _time_both(register, "Lancashire, 7 of 15 councils hidden")
        with register.write() as session:
            apply_import(session, NORFOLK, user="bench")
        _time_both(register, "Lancashire half hidden + Norfolk")
        register.dispose()


def _time_both(register: Register, label: str) -> None:
    with register.session() as session:
        started = time.perf_counter()
        results = suggest_codes(session)
        ours = time.perf_counter() - started
        coded, uncoded = load_examples(session)
    started = time.perf_counter()
    all_pairs_knn(coded, uncoded)
    baseline = time.perf_counter() - started
    print(
        f"speed, {label}: {len(results)} uncoded, {len(coded)} coded: suggest_codes {ours:.2f} s "
        f"(load + learn + classify, all evidence); baseline all_pairs_knn {baseline:.2f} s "
        f"(nearest neighbour only); baseline / ours {baseline / ours:.1f}x"
    )


def main() -> None:
    started = time.perf_counter()
    truth, suggested = leave_one_council_out()
    figures = _rounded(score(truth, codes_of(suggested)))
    print(f"leave one council out (15 models, {len(truth)} notices): {figures}; {time.perf_counter() - started:.1f} s")
    calibration(truth, suggested)
    councils = sorted(load_councils())
    for label, hidden in (
        ("every second council hidden", set(councils[1::2])),
        ("every third council hidden", set(councils[2::3])),
    ):
        figures, n, elapsed = through_register(hidden)
        print(
            f"register, {label} ({', '.join(sorted(hidden))}; {n} contracts): {figures}; classified in {elapsed:.2f} s"
        )
    speed()


if __name__ == "__main__":
    main()
