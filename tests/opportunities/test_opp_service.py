"""Opportunities stored in the register: refresh keeps decisions, workflow, savings, benefits."""

from __future__ import annotations

from datetime import date

import pytest
from planted import planted, store, unrelated
from sqlalchemy import select

from flagdesk.analysis.opportunities import analyse
from flagdesk.errors import CancelledError, ConflictError, NotFoundError, ValidationError
from flagdesk.services import opportunities as svc
from flagdesk.services.audit import list_audit
from flagdesk.services.contracts import load_contract_records
from flagdesk.store import models as m
from flagdesk.store.engine import open_register

AS_OF = date(2026, 6, 1)
P = planted()


@pytest.fixture
def reg(any_register):  # type: ignore[no-untyped-def]
    with any_register.write() as session:
        store(session, P.contracts + unrelated(40, seed=5))
    return any_register


def refresh(reg, **kw):  # type: ignore[no-untyped-def]
    with reg.write() as session:
        return svc.refresh_opportunities(session, "tester", as_of=AS_OF, **kw)


def current(reg) -> dict[frozenset[int], svc.OpportunityView]:  # type: ignore[no-untyped-def]
    with reg.session() as session:
        return {frozenset(v.contract_ids): v for v in svc.list_opportunities(session)}


def test_refresh_stores_the_planted_cases(reg):
    summary = refresh(reg)
    assert summary.found == 4 and summary.new == 4
    found = current(reg)
    assert set(found) == {P.licence, P.network, P.reuse, P.rationalisation}
    licence = found[P.licence]
    assert licence.kind == "aggregation" and licence.status == "identified"
    assert licence.partners == tuple(sorted(licence.partners)) and len(licence.partners) == 4
    assert licence.lead_partner == "Norfolk County Council"
    assert licence.assumptions["values"]["process_cost_per_tender_pounds"] == 15000
    assert "price saving" in licence.assumptions["explanation"]
    assert found[P.reuse].vehicle_contract == P.reuse_vehicle
    with reg.session() as session:
        roles = dict(
            session.execute(
                select(m.OpportunityContract.contract_id, m.OpportunityContract.role).where(
                    m.OpportunityContract.opportunity_id == found[P.reuse].id
                )
            ).all()
        )
    assert roles == {401: "member", 402: "vehicle"}


def test_rerun_keeps_ids_statuses_and_notes(reg):
    refresh(reg)
    before = current(reg)
    with reg.write() as session:
        svc.set_status(session, "tester", before[P.licence].id, "under_review", note="Board 12 May")
    second = refresh(reg)
    assert second.new == 0 and second.no_longer_found == 0
    after = current(reg)
    assert {k: v.id for k, v in after.items()} == {k: v.id for k, v in before.items()}
    assert after[P.licence].status == "under_review" and after[P.licence].status_note == "Board 12 May"


def test_an_opportunity_no_longer_found_is_kept_with_its_status(reg):
    refresh(reg)
    network_id = current(reg)[P.network].id
    with reg.write() as session:
        svc.set_status(session, "tester", network_id, "under_review")
    summary = refresh(reg, window_months=3)  # the network contracts are 8 months apart
    assert summary.no_longer_found >= 1
    assert P.network not in current(reg)
    with reg.session() as session:
        stale = svc.get_opportunity(session, network_id)
        assert not stale.is_current and stale.status == "under_review"
        assert network_id in {v.id for v in svc.list_opportunities(session, include_stale=True)}
    refresh(reg)  # found again with the default window: same id, still under review
    assert current(reg)[P.network].id == network_id and current(reg)[P.network].status == "under_review"


def test_prune_forgets_only_untouched_stale_opportunities(reg):
    refresh(reg)
    ids = {k: v.id for k, v in current(reg).items()}
    with reg.write() as session:
        svc.set_status(session, "tester", ids[P.network], "under_review")
    refresh(reg, window_months=0)  # both aggregations disappear
    with reg.write() as session:
        assert svc.delete_stale(session, "tester") == 1
    with reg.session() as session:
        kept = {v.id for v in svc.list_opportunities(session, include_stale=True)}
    assert ids[P.network] in kept and ids[P.licence] not in kept


def test_status_workflow(reg):
    refresh(reg)
    oid = current(reg)[P.licence].id
    with reg.write() as session:
        with pytest.raises(ValidationError, match="reason"):
            svc.set_status(session, "tester", oid, "dismissed")
        view = svc.set_status(session, "tester", oid, "approved")
        assert view.version == 2
        with pytest.raises(ValidationError, match="back only one step"):
            svc.set_status(session, "tester", oid, "identified")
        svc.set_status(session, "tester", oid, "dismissed", note="Norfolk renewed early")
        with pytest.raises(ValidationError, match="reopened"):
            svc.set_status(session, "tester", oid, "realised")
        svc.set_status(session, "tester", oid, "identified")
        with pytest.raises(ValidationError):
            svc.set_status(session, "tester", oid, "done")
        with pytest.raises(NotFoundError):
            svc.set_status(session, "tester", "AGG-0000000000", "approved")
    with reg.session() as session:
        assert [(e.old, e.new) for e in list_audit(session, record=oid) if e.field == "status"] == [
            ("identified", "approved"),
            ("approved", "dismissed"),
            ("dismissed", "identified"),
        ]


def test_stale_version_is_a_conflict(reg):
    refresh(reg)
    oid = current(reg)[P.licence].id
    with reg.write() as session:
        svc.set_status(session, "tester", oid, "under_review", if_version=1)
    with pytest.raises(ConflictError), reg.write() as session:
        svc.set_status(session, "tester", oid, "approved", if_version=1)


def test_realised_savings_are_shared_by_annual_value(reg):
    refresh(reg)
    licence = current(reg)[P.licence]
    with reg.write() as session:
        view = svc.record_saving(session, "tester", licence.id, "26,500.01")
        assert view.realised_saving_pence == 2_650_001
        svc.record_saving(session, "tester", licence.id, "£100", partner="suffolk county council", note="rebate")
        with pytest.raises(ValidationError, match="not a partner"):
            svc.record_saving(session, "tester", licence.id, "5", partner="Norfolk Constabulary")
        for bad in ("abc", "1.234", "0", "nan", "1e400"):
            with pytest.raises(ValidationError):
                svc.record_saving(session, "tester", licence.id, bad)
    with reg.session() as session:
        rows = session.execute(select(m.RealisedSaving.partner_id, m.RealisedSaving.amount_pence)).all()
        report = {r.partner: r for r in svc.benefits_report(session)}
    # £26,500.01 over annual values 120k/90k/30k/25k, largest remainder to the biggest share.
    assert len(rows) == 5 and sum(a for _, a in rows) == 2_650_001 + 10_000
    norfolk = report["Norfolk County Council"]
    assert norfolk.realised_saving_pence == 1_200_001
    assert report["Suffolk County Council"].realised_saving_pence == 900_000 + 10_000
    assert norfolk.estimated_saving_pence > 0 and norfolk.opportunities == 2  # licence + network


def test_apportion_is_exact():
    assert svc.apportion(100, {1: 1, 2: 1, 3: 1}) == {1: 34, 2: 33, 3: 33}
    assert svc.apportion(-100, {1: 3, 2: 1}) == {1: -75, 2: -25}
    assert svc.apportion(7, {1: 0, 2: 0}) == {1: 4, 2: 3}
    assert svc.apportion(5, {}) == {}


def test_assumptions_are_saved_and_used(reg):
    with reg.write() as session:
        svc.set_assumption(session, "tester", "process_cost_per_tender_pounds", "£20,000")
        svc.set_assumption(session, "tester", "window_months", "3")
        with pytest.raises(ValidationError):
            svc.set_assumption(session, "tester", "window_months", "2.5")
        with pytest.raises(ValidationError):
            svc.set_assumption(session, "tester", "no_such_thing", "1")
        with pytest.raises(ValidationError):
            svc.set_assumption(session, "tester", "price_saving_cap_pct", "150")
    refresh(reg)
    found = current(reg)
    assert P.network not in found and P.licence not in found  # 3-month window
    assert found[P.reuse].assumptions["values"]["process_cost_per_tender_pounds"] == 20000
    with reg.write() as session:
        svc.set_assumption(session, "tester", "window_months", "default")
        assert svc.load_assumptions(session)["window_months"] == 12
        assert session.get(m.Setting, svc.ASSUMPTIONS_SETTING).value == {"process_cost_per_tender_pounds": 20000}


def test_import_order_does_not_change_the_result(tmp_path):
    def result(contracts):  # type: ignore[no-untyped-def]
        reg = open_register(tmp_path / f"r{len(list(tmp_path.iterdir()))}.sqlite")
        try:
            with reg.write() as session:
                mapping = store(session, contracts, keep_ids=False)
                svc.refresh_opportunities(session, "tester", as_of=AS_OF)
            back = {db: rec for rec, db in mapping.items()}
            with reg.session() as session:
                return {
                    (v.kind, frozenset(back[c] for c in v.contract_ids)): (v.title, v.score, v.estimated_saving_pence)
                    for v in svc.list_opportunities(session)
                }
        finally:
            reg.dispose()

    contracts = P.contracts + unrelated(30, seed=9)
    forwards, backwards = result(contracts), result(contracts[::-1])
    assert forwards == backwards
    assert ("aggregation", P.licence) in forwards


def test_refresh_reports_progress_and_cancel_changes_nothing(reg):
    seen: list[float] = []
    refresh(reg, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with reg.write() as session:
        svc.set_assumption(session, "tester", "window_months", "0")
    with pytest.raises(CancelledError), reg.write() as session:
        svc.refresh_opportunities(session, "tester", as_of=AS_OF, cancel=lambda: True)
    assert P.licence in current(reg)  # the earlier result stands


def test_pipeline_by_quarter_partner_and_category(reg):
    with reg.session() as session:
        rows = svc.pipeline_report(session, as_of=date(2027, 1, 1), months=6)
    licence = [r for r in rows if r.category.startswith("Networking")]
    assert [(r.quarter, r.partner, r.contracts) for r in licence] == [
        ("2027-Q1", "Norfolk County Council", 1),
        ("2027-Q2", "Norwich City Council", 1),
        ("2027-Q2", "Suffolk County Council", 1),
    ]
    assert all(date(2027, 1, 1) <= date(int(r.quarter[:4]), 1, 1) for r in rows)
    assert rows == sorted(rows, key=lambda r: (r.quarter, r.partner, r.category))
    assert not any(r.contract_ids and 302 in r.contract_ids for r in rows)  # ends 2032


def test_expired_in_the_register_are_not_analysed(reg):
    with reg.write() as session:
        session.execute(m.Contract.__table__.update().where(m.Contract.id == 104).values(status="expired"))
    refresh(reg)
    assert P.licence - {104} in current(reg)


def test_a_concurrent_analysis_storing_the_same_ids_is_a_conflict(reg):
    # Two analyses racing on a shared register both see an id as new; the second insert must fail
    # as a conflict, not a crash. The same finding twice in one batch reproduces that insert.
    with reg.session() as session:
        findings = analyse(load_contract_records(session), as_of=AS_OF)
    with pytest.raises(ConflictError, match="same time"), reg.write() as session:
        svc.store_findings(session, [findings[0], findings[0]])
    with reg.session() as session:
        assert svc.list_opportunities(session, include_stale=True) == []  # nothing was written
