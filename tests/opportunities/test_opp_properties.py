"""Property tests: input order, unrelated contracts and partner names never change what is found."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from planted import planted, unrelated

from flagdesk.analysis.opportunities import analyse

AS_OF = date(2026, 6, 1)
PLANTED = planted()
EXPECTED = {
    ("aggregation", PLANTED.licence),
    ("aggregation", PLANTED.network),
    ("reuse", PLANTED.reuse),
    ("rationalisation", PLANTED.rationalisation),
}
PLANTED_IDS = frozenset(c.id for c in PLANTED.contracts)


def planted_found(contracts) -> set:
    """The planted cases among the findings: kind and exact contract set."""
    return {
        (f.kind.value, frozenset(f.contract_ids))
        for f in analyse(contracts, as_of=AS_OF)
        if set(f.contract_ids) <= PLANTED_IDS
    }


names = st.lists(st.text(min_size=1, max_size=30), min_size=6, max_size=6, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    order=st.permutations(range(len(PLANTED.contracts) + 120)),
    extra=st.integers(0, 120),
    seed=st.integers(0, 10_000),
    new_names=names,
)
def test_planted_cases_survive_order_noise_and_renaming(order, extra, seed, new_names):
    pool = PLANTED.contracts + unrelated(120, seed=seed)
    contracts = [pool[i] for i in order if i < len(PLANTED.contracts) + extra]
    contracts = [replace(c, partner=new_names[c.partner_id - 1]) for c in contracts]
    assert planted_found(contracts) == EXPECTED


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(range(len(PLANTED.contracts))), seed=st.integers(0, 10_000))
def test_whole_result_is_independent_of_order(order, seed):
    baseline = [f.to_json() for f in analyse(PLANTED.contracts + unrelated(60, seed=seed), as_of=AS_OF)]
    shuffled = [PLANTED.contracts[i] for i in order] + unrelated(60, seed=seed)[::-1]
    assert [f.to_json() for f in analyse(shuffled, as_of=AS_OF)] == baseline
