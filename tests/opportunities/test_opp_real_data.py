"""Norfolk's contract register plus 15 Lancashire councils' award notices, imported for real.

Norfolk (one partner, categories, end dates from 2015) gives consolidation candidates; the
Lancashire notices (CPV codes, award dates, no end dates) give cross-council aggregations that
rest on the stated assumed term. The assertions are the checks a reader would make.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from flagdesk.analysis.opportunities import Finding, analyse, fact_of, need_key
from flagdesk.analysis.savings import Assumptions
from flagdesk.domain import OpportunityKind, add_months
from flagdesk.records import ContractRecord

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
NORFOLK = DATA / "registers" / "norfolk-county-council-2016.csv"
LANCASHIRE = DATA / "notices-lancashire"


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[ContractRecord]:
    if not NORFOLK.exists() or not LANCASHIRE.exists():
        pytest.skip(f"reference data not available under {DATA}")
    apply_import = pytest.importorskip(
        "flagdesk.services.imports", reason="the importer (issue 3) is needed"
    ).apply_import
    from flagdesk.services.contracts import load_contract_records
    from flagdesk.store.engine import open_register

    reg = open_register(tmp_path_factory.mktemp("real") / "register.sqlite")
    try:
        with reg.write() as session:
            apply_import(session, NORFOLK, user="tester")
            for path in sorted(LANCASHIRE.glob("*.json")):
                apply_import(session, path, user="tester")
        with reg.session() as session:
            return load_contract_records(session)
    finally:
        reg.dispose()


def of_kind(found: list[Finding], kind: OpportunityKind) -> list[Finding]:
    return [f for f in found if f.kind is kind]


def test_the_register_holds_both_sources(records):
    partners = Counter(c.partner for c in records)
    assert partners["Norfolk County Council"] > 5000
    assert len(partners) >= 15


def test_lancashire_councils_share_insurance_and_vehicle_renewals(records):
    by_id = {c.id: c for c in records}
    found = of_kind(analyse(records, as_of=date(2019, 1, 1)), OpportunityKind.AGGREGATION)
    insurance = [f for f in found if f.need == "cpv:665" and len(f.partners) >= 3]
    assert insurance, "the councils' insurance programmes renewing together"
    assert {"Lancashire County Council", "Preston City Council"} <= set(insurance[0].partners)
    vehicles = [f for f in found if f.need == "cpv:341" and len(f.partners) >= 5]
    assert vehicles, "vehicle purchases of several councils in one year"
    for f in insurance + vehicles:
        assert any("assumed to run 3 years" in line for line in f.evidence)  # the guess is stated
        listed = [line for line in f.evidence if "'s contract " in line]
        assert listed and all("has no published end date" in line for line in listed)
    assert not any(
        f.need and f.need.startswith("cpv:45") and all(by_id[c].end_date is None for c in f.contract_ids) for f in found
    ), "one-off construction works are never given a guessed end"


def test_every_aggregation_is_one_need_two_partners_one_window(records):
    a = Assumptions()
    found = of_kind(analyse(records, a, as_of=date(2019, 1, 1)), OpportunityKind.AGGREGATION)
    facts = {c.id: fact_of(c, int(a["assumed_term_years"])) for c in records}
    assert len(found) > 20
    for f in found:
        members = [facts[i] for i in f.contract_ids]
        assert {m.need for m in members} == {f.need}
        assert len({m.c.partner_id for m in members}) >= 2
        assert max(m.lo for m in members) <= add_months(min(m.hi for m in members), 12)
        assert "Norfolk County Council" not in f.partners  # no other partner shares its categories


def test_norfolk_consolidation_candidates(records):
    found = of_kind(analyse(records, as_of=date(2015, 3, 28)), OpportunityKind.RATIONALISATION)
    norfolk = [f for f in found if f.partners == ("Norfolk County Council",)]
    titles = " | ".join(f.title for f in norfolk)
    assert "contracts with Norse Transport" in titles  # one transport company, hundreds of contracts
    assert "contracts for Passenger transport.Adult Social Care" in titles
    by_id = {c.id: c for c in records}
    for f in found:
        members = [by_id[i] for i in f.contract_ids]
        assert len({c.partner_id for c in members}) == 1 and len(members) >= 3
        shared_supplier = set.intersection(*(set(c.suppliers) for c in members))
        shared_need = len({need_key(c) for c in members}) == 1
        assert shared_supplier or shared_need, f.title


def test_turning_the_assumed_term_off_leaves_lancashire_undated(records):
    found = analyse(records, Assumptions({"assumed_term_years": 0}), as_of=date(2019, 1, 1))
    assert not of_kind(found, OpportunityKind.AGGREGATION)  # nobody else publishes end dates
