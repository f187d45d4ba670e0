"""The opportunity engine on plain records: planted cases, invariants and hostile inputs."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest
from planted import contract, planted, renamed, unrelated

from flagdesk.analysis.opportunities import (
    Finding,
    aligned_clusters,
    analyse,
    earliest_end,
    latest_end,
    need_key,
    opportunity_id,
)
from flagdesk.analysis.savings import Assumptions
from flagdesk.domain import OpportunityKind, add_months
from flagdesk.errors import CancelledError

AS_OF = date(2026, 6, 1)


def by_contracts(findings: list[Finding]) -> dict[tuple[str, frozenset[int]], Finding]:
    return {(f.kind.value, frozenset(f.contract_ids)): f for f in findings}


def test_planted_cases_are_found_and_nothing_else():
    p = planted()
    found = by_contracts(analyse(p.contracts + unrelated(250, seed=7), as_of=AS_OF))
    assert set(found) == {
        ("aggregation", p.licence),
        ("aggregation", p.network),
        ("reuse", p.reuse),
        ("rationalisation", p.rationalisation),
    }
    licence = found[("aggregation", p.licence)]
    assert licence.lead_partner == "Norfolk County Council"  # largest annual value
    assert len(licence.partners) == 4
    assert licence.combined_annual_value_pence == 26_500_000
    assert licence.proposed_start == date(2027, 4, 1)  # NOR-101 cannot be extended
    assert any("Civica UK Ltd supplies 4 of the 4" in line for line in licence.evidence)
    network = found[("aggregation", p.network)]
    assert any("different suppliers" in line for line in network.evidence)
    reuse = found[("reuse", p.reuse)]
    assert reuse.vehicle_id == p.reuse_vehicle
    assert reuse.title.startswith("Call off from Suffolk County Council's framework")
    assert reuse.proposed_start == date(2027, 9, 1)
    assert (
        "Broadland District Council's contract BRO-401 'Laser printers' with Ricoh UK ends 31 Aug 2027, "
        "before the framework ends; about £60,000.00 a year." in reuse.evidence
    )


def test_evidence_is_plain_checkable_sentences():
    p = planted()
    licence = by_contracts(analyse(p.contracts, as_of=AS_OF))[("aggregation", p.licence)]
    assert (
        "Norfolk County Council's contract NOR-101 'Licence management software' with Civica UK Ltd "
        "ends 31 Mar 2027; about £120,000.00 a year." in licence.evidence
    )
    assert any("31 Mar 2027 to 30 Sep 2027 (6 months apart" in line for line in licence.evidence)
    assert "ends 30 Jun 2027 (extendable to 30 Jun 2028)" in " ".join(licence.evidence)
    assert licence.saving.explanation.endswith(f"total £{licence.estimated_saving_pence // 100:,}.50.")


def test_same_need_five_years_apart_is_not_one_opportunity():
    p = planted()
    found = analyse(p.contracts, as_of=AS_OF)
    assert not any(set(f.contract_ids) & p.far_apart for f in found)


def test_extension_can_bring_far_ends_into_one_window():
    p = planted()
    extended = [replace(c, max_end_date=date(2032, 1, 31)) if c.id == 301 else c for c in p.contracts]
    found = by_contracts(analyse(extended, as_of=AS_OF))
    agg = found[("aggregation", p.far_apart)]
    assert agg.proposed_start == date(2032, 3, 1) or agg.proposed_start == date(2032, 2, 1)


def test_window_is_an_assumption():
    p = planted()
    narrow = Assumptions({"window_months": 3})
    found = by_contracts(analyse(p.contracts, narrow, as_of=AS_OF))
    assert ("aggregation", p.licence) not in found  # 6 months apart
    wide = Assumptions({"window_months": 72})
    assert ("aggregation", p.far_apart) in by_contracts(analyse(p.contracts, wide, as_of=AS_OF))


def test_ids_are_stable_and_order_free():
    p = planted()
    first = analyse(p.contracts, as_of=AS_OF)
    shuffled = list(p.contracts)
    random.Random(3).shuffle(shuffled)
    second = analyse(shuffled, as_of=AS_OF)
    assert [f.to_json() for f in first] == [f.to_json() for f in second]
    assert opportunity_id(OpportunityKind.AGGREGATION, [3, 1, 2]) == opportunity_id(
        OpportunityKind.AGGREGATION, [2, 3, 1]
    )
    assert opportunity_id(OpportunityKind.AGGREGATION, [1, 2]) != opportunity_id(
        OpportunityKind.RATIONALISATION, [1, 2]
    )


def test_ended_contracts_are_ignored():
    p = planted()
    expired = [replace(c, status="expired") if c.id == 104 else c for c in p.contracts]
    found = by_contracts(analyse(expired, as_of=AS_OF))
    assert ("aggregation", p.licence - {104}) in found
    # Everything has ended by 2040: nothing to propose.
    assert analyse(p.contracts, as_of=date(2040, 1, 1)) == []


def test_reuse_respects_rights_partner_and_headroom():
    p = planted()

    def reuse_found(vehicle_changes: dict) -> bool:
        changed = [replace(c, **vehicle_changes) if c.id == p.reuse_vehicle else c for c in p.contracts]
        return ("reuse", p.reuse) in by_contracts(analyse(changed, as_of=AS_OF))

    assert not reuse_found({"reuse_rights": "none"})
    assert reuse_found({"reuse_rights": "partner_kinds", "reuse_partner_kinds": ("district_council",)})
    assert not reuse_found({"reuse_rights": "partner_kinds", "reuse_partner_kinds": ("police",)})
    assert reuse_found({"reuse_rights": "named_partners", "reuse_partner_ids": (4,)})
    assert not reuse_found({"reuse_rights": "named_partners", "reuse_partner_ids": (5,)})
    assert not reuse_found({"total_value_pence": 5_000_000})  # less than a year of the need
    assert not reuse_found({"end_date": date(2027, 1, 31), "max_end_date": None})  # ends first
    assert not reuse_found({"partner_id": 4, "partner": "Broadland District Council"})  # own contract


def test_reuse_headroom_counts_existing_call_offs():
    p = planted()
    call_off = contract(
        900,
        3,
        cpv=("30232110-8",),
        parent_framework_id=p.reuse_vehicle,
        total_value_pence=497_000_000,
        end_date=date(2031, 1, 1),
    )
    found = by_contracts(analyse([*p.contracts, call_off], as_of=AS_OF))
    assert ("reuse", p.reuse) not in found  # £30k left, £60k a year needed


def test_reuse_horizon_limits_how_far_ahead():
    p = planted()
    assert ("reuse", p.reuse) in by_contracts(analyse(p.contracts, as_of=date(2025, 9, 1)))
    assert ("reuse", p.reuse) not in by_contracts(analyse(p.contracts, as_of=date(2025, 8, 1)))


def test_rationalisation_threshold():
    p = planted()
    found = by_contracts(analyse(p.contracts, Assumptions({"rationalisation_min_contracts": 6}), as_of=AS_OF))
    assert not any(kind == "rationalisation" for kind, _ in found)


def test_cluster_invariants_on_random_dates():
    rng = random.Random(11)
    for _ in range(40):
        contracts = []
        for i in range(rng.randrange(2, 60)):
            end = date(2026, 1, 1) + (date(2026, 1, 2) - date(2026, 1, 1)) * rng.randrange(0, 3000)
            longest = add_months(end, rng.choice([0, 0, 6, 12, 24]))
            contracts.append(contract(i, rng.randrange(1, 7), cpv=("72700000-7",), end_date=end, max_end_date=longest))
        window = rng.choice([0, 3, 12, 18])
        seen: set[int] = set()
        for cluster in aligned_clusters(contracts, window):
            assert len({c.partner_id for c in cluster}) >= 2
            assert max(earliest_end(c) for c in cluster) <= add_months(min(latest_end(c) for c in cluster), window)
            ids = {c.id for c in cluster}
            assert not ids & seen
            seen |= ids


def test_one_window_holds_everything_when_all_dates_fit():
    contracts = [contract(i, 1 + i % 6, cpv=("72700000-7",), end_date=date(2027, 1 + i % 12, 1)) for i in range(30)]
    assert [len(c) for c in aligned_clusters(contracts, 12)] == [30]


def test_single_partner_early_contract_does_not_block_a_later_pair():
    contracts = [
        contract(1, 1, cpv=("72700000-7",), end_date=date(2026, 1, 31)),
        contract(2, 1, cpv=("72700000-7",), end_date=date(2026, 12, 31)),
        contract(3, 2, cpv=("72700000-7",), end_date=date(2027, 2, 28)),
    ]
    assert [sorted(c.id for c in cl) for cl in aligned_clusters(contracts, 12)] == [[2, 3]]


def test_hostile_records_do_not_break_analysis():
    weird = [
        contract(1, 1),  # no need, no dates
        contract(2, 2, category="  &&  "),  # a category with no words
        contract(3, 1, category="ICT & Digital", annual_value_pence=-500, end_date=date(2027, 1, 1)),
        contract(
            4,
            2,
            category="ict and digital",
            total_value_pence=10**15,
            end_date=date(2027, 2, 1),
            start_date=date(2027, 2, 1),
        ),
        contract(5, 3, category="ICT / digital", suppliers=("",), end_date=date(1, 1, 1)),
        contract(6, 3, cpv=("72700000-7",), max_end_date=date(9999, 12, 31)),
        contract(7, 4, cpv=("72700000-7",), reuse_rights="any_public_body", contract_type="dps"),
    ]
    found = analyse(weird, as_of=None)
    agg = [f for f in found if f.kind is OpportunityKind.AGGREGATION]
    assert [sorted(f.contract_ids) for f in agg] == [[3, 4]]
    assert agg[0].combined_annual_value_pence == 10**15  # negative value counted as nothing
    assert need_key(weird[1]) is None
    assert need_key(weird[2]) == need_key(weird[3]) == need_key(weird[4]) == "cat:ict digital"


def test_progress_and_cancel():
    p = planted()
    seen: list[float] = []
    analyse(p.contracts + unrelated(100, seed=1), as_of=AS_OF, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    calls = iter(range(1000))
    with pytest.raises(CancelledError):
        analyse(p.contracts, as_of=AS_OF, cancel=lambda: next(calls) >= 2)


def test_renaming_partners_changes_names_only():
    p = planted()
    before = analyse(p.contracts, as_of=AS_OF)
    after = analyse(renamed(p.contracts, " (renamed)"), as_of=AS_OF)
    assert [(f.id, f.kind) for f in before] == [(f.id, f.kind) for f in after]
    assert all(name.endswith("(renamed)") for f in after for name in f.partners)


def test_contracts_on_extension_are_not_replaced_in_the_past():
    on_extension = [
        contract(1, 1, cpv=("72700000-7",), end_date=date(2026, 3, 31), max_end_date=date(2027, 3, 31)),
        contract(2, 2, cpv=("72700000-7",), end_date=date(2026, 6, 30), max_end_date=date(2027, 6, 30)),
        contract(3, 3, cpv=("72700000-7",), end_date=date(2026, 5, 31), max_end_date=date(2027, 5, 31)),
        contract(4, 4, cpv=("72700000-7",), reuse_rights="any_public_body", end_date=date(2030, 1, 1)),
    ]
    found = by_contracts(analyse(on_extension, as_of=date(2026, 9, 1)))
    agg = found[("aggregation", frozenset({1, 2, 3}))]
    assert agg.proposed_start == date(2026, 9, 1)
    assert "Proposed joint start 1 Sep 2026: every contract can run (with extensions) until then." in agg.evidence
    reuse = [f for (kind, _), f in found.items() if kind == "reuse"]
    assert reuse and all(f.proposed_start == date(2026, 9, 1) for f in reuse)
