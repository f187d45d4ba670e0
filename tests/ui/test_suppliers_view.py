"""The suppliers view on the real Norfolk register: list and filter, review queue, merge and unmerge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from workflow_support import running_view, wait_idle

from flagdesk.errors import ValidationError
from flagdesk.services.suppliers import DuplicatePair, list_suppliers
from flagdesk.ui.views import suppliers as suppliers_module
from flagdesk.ui.views.suppliers import SuppliersView

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
NORFOLK = SHARED / "registers" / "norfolk-county-council-2016.csv"


@pytest.fixture
def norfolk_register(register: Any) -> Any:
    if not NORFOLK.exists():
        pytest.skip(f"reference data not available: {NORFOLK}")
    from flagdesk.services.imports import apply_import

    with register.write() as session:
        apply_import(session, NORFOLK, user="tester")
    return register


@pytest.fixture
def view(qtbot: Any, norfolk_register: Any, monkeypatch) -> Iterator[tuple[SuppliersView, list[BaseException]]]:
    monkeypatch.setattr(suppliers_module, "confirm", lambda *_a: True)
    with running_view(qtbot, SuppliersView, norfolk_register.file_path) as shown:
        yield shown


def _counts(register: Any) -> dict[int, int]:
    with register.session() as session:
        return {s.id: s.contracts for s in list_suppliers(session)}


def test_list_filters_as_you_type_and_shows_spellings(view, qtbot, norfolk_register, qtmodeltester) -> None:
    widget, errors = view
    total = len(_counts(norfolk_register))
    assert widget.suppliers_model.rowCount() == total > 1000
    qtmodeltester.check(widget.suppliers_model)
    qtbot.keyClicks(widget.search_edit, "barchester")
    names = [s.name for s in widget.suppliers_model.records()]
    assert names and all("barchester" in n.lower() for n in names)
    assert f"of {total:,}" in widget.count_label.text()
    widget.suppliers_table.selectRow(0)
    assert widget.aliases.count() >= 1
    widget.suppliers_table.sortByColumn(2, widget.suppliers_table.horizontalHeader().sortIndicatorOrder())
    assert errors == []


def test_review_queue_merge_then_unmerge_restores_contracts(view, qtbot, norfolk_register, qtmodeltester) -> None:
    widget, errors = view
    before = _counts(norfolk_register)
    widget.tabs.setCurrentIndex(1)  # the queue is built when its tab opens
    wait_idle(qtbot, widget.app)
    assert widget.pairs_model.rowCount() > 0
    qtmodeltester.check(widget.pairs_model)
    widget.pairs_table.selectRow(0)
    pair = widget.pairs_model.record(0)
    assert widget.evidence.count() == 2 + len(pair.evidence)
    assert any("alike" in widget.evidence.item(i).text() for i in range(widget.evidence.count()))
    widget.keep_a_button.click()
    wait_idle(qtbot, widget.app)
    assert errors == []
    after = _counts(norfolk_register)
    assert pair.b.id not in after
    assert after[pair.a.id] >= before[pair.a.id]
    assert widget.merges_model.rowCount() == 1
    merge = widget.merges_model.record(0)
    assert (merge.kept_id, merge.merged_id) == (pair.a.id, pair.b.id)
    assert all(p.b.id != pair.b.id and p.a.id != pair.b.id for p in widget.pairs_model.records())
    widget.tabs.setCurrentIndex(2)
    widget.merges_table.selectRow(0)
    widget.unmerge_button.click()
    wait_idle(qtbot, widget.app)
    assert errors == []
    assert _counts(norfolk_register) == before
    assert widget.merges_model.rowCount() == 0


def test_declined_merge_changes_nothing(view, qtbot, norfolk_register, monkeypatch) -> None:
    widget, errors = view
    before = _counts(norfolk_register)
    widget.tabs.setCurrentIndex(1)
    wait_idle(qtbot, widget.app)
    widget.pairs_table.selectRow(0)
    monkeypatch.setattr(suppliers_module, "confirm", lambda *_a: False)
    widget.keep_b_button.click()
    wait_idle(qtbot, widget.app)
    assert _counts(norfolk_register) == before and errors == []


def test_merging_different_company_numbers_is_refused_with_a_message(view, qtbot, norfolk_register) -> None:
    widget, errors = view
    numbered = [s for s in widget.suppliers_model.records() if len(s.company_numbers) == 1][:2]
    assert len(numbered) == 2 and numbered[0].company_numbers != numbered[1].company_numbers
    widget.tabs.setCurrentIndex(1)
    wait_idle(qtbot, widget.app)  # opening the tab builds the real queue; then put a refused pair in it
    widget.pairs_model.set_records([DuplicatePair(numbered[0], numbered[1], 90.0, ("made up for the test",))])
    widget.pairs_table.selectRow(0)
    widget.keep_a_button.click()
    wait_idle(qtbot, widget.app)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert "different company numbers" in str(errors[0])
    assert numbered[1].id in _counts(norfolk_register)
