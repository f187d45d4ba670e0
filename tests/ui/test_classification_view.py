"""The classification view: suggested CPV codes reviewed one by one and above a threshold.

The register holds real award notices of five Lancashire councils; Burnley's codes are removed so
FlagDesk has to suggest them from the others'.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from workflow_support import running_view, wait_idle

from flagdesk.store.models import Contract, ContractCpv, Partner
from flagdesk.ui.views import classification as classification_module
from flagdesk.ui.views.classification import ClassificationView, above

NOTICES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "notices-lancashire"
COUNCILS = ("burnley", "chorley", "fylde", "hyndburn", "pendle", "preston")


@pytest.fixture
def lancashire_register(register: Any) -> Any:
    if not NOTICES.exists():
        pytest.skip(f"reference data not available: {NOTICES}")
    from flagdesk.services.imports import apply_import

    with register.write() as session:
        for council in COUNCILS:
            apply_import(session, NOTICES / f"{council}.json", user="tester")
        burnley = select(Contract.id).join(Partner).where(Partner.name.ilike("%burnley%"))
        session.execute(delete(ContractCpv).where(ContractCpv.contract_id.in_(burnley)))
    return register


@pytest.fixture
def view(qtbot: Any, lancashire_register: Any, monkeypatch) -> Iterator[tuple[ClassificationView, list[BaseException]]]:
    monkeypatch.setattr(classification_module, "confirm", lambda *_a: True)
    with running_view(qtbot, ClassificationView, lancashire_register.file_path) as (widget, errors):
        assert widget.model.rowCount() == 0, "opening the view works nothing out by itself"
        widget.suggest_button.click()
        wait_idle(qtbot, widget.app)
        yield widget, errors


def _codes(register: Any, contract_id: int) -> list[tuple[str, str]]:
    with register.session() as session:
        query = select(ContractCpv.code, ContractCpv.source).where(ContractCpv.contract_id == contract_id)
        rows = session.execute(query)
        return [(code, source) for code, source in rows]


def test_suggestions_are_listed_with_confidence_and_evidence(view, qtmodeltester) -> None:
    widget, errors = view
    assert widget.model.rowCount() > 20
    qtmodeltester.check(widget.model)
    assert {r.partner for r in widget.model.records()} == {widget.model.record(0).partner}  # only Burnley lacks codes
    widget.table.selectRow(0)
    record = widget.model.record(0)
    assert widget.suggestions.count() == len(record.suggestions)
    assert widget.suggestions.item(0).text().startswith(record.suggestions[0].cpv)
    assert widget.evidence.count() == len(record.suggestions[0].evidence) > 0
    assert errors == []


def test_accept_one_marks_it_suggested_and_reject_moves_to_the_next(view, qtbot, lancashire_register) -> None:
    widget, errors = view
    before = widget.model.rowCount()
    widget.table.selectRow(0)
    first = widget.model.record(0)
    widget.reject_button.click()  # not this one...
    assert widget.model.record(0).suggestions == first.suggestions[1:]
    assert _codes(lancashire_register, first.contract_id) == []
    widget.accept_button.click()  # ...the next one
    wait_idle(qtbot, widget.app)
    assert errors == []
    assert _codes(lancashire_register, first.contract_id) == [(first.suggestions[1].cpv, "suggested")]
    assert widget.model.rowCount() == before - 1
    assert all(r.contract_id != first.contract_id for r in widget.model.records())


def test_accept_all_above_a_threshold(view, qtbot, lancashire_register) -> None:
    widget, errors = view
    widget.threshold.setValue(50)
    records = widget.model.records()
    expected = [r for r in records if r.suggestions[0].confidence >= 0.5]
    assert 0 < above(records, 0.5) == len(expected) < len(records)
    assert f"{len(expected):,} at or above 50%" in widget.status.text()
    widget.accept_all_button.click()
    wait_idle(qtbot, widget.app)
    assert errors == []
    assert widget.model.rowCount() == len(records) - len(expected)
    for r in expected[:5]:
        assert _codes(lancashire_register, r.contract_id) == [(r.suggestions[0].cpv, "suggested")]
    untouched = widget.model.record(0)
    assert _codes(lancashire_register, untouched.contract_id) == []
