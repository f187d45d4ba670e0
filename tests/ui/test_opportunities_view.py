"""The opportunities view driven through its real widgets on the demo register."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from workflow_support import running_view, wait_idle

from flagdesk.errors import ConflictError, ValidationError
from flagdesk.services.opportunities import get_opportunity, list_opportunities, refresh_opportunities, set_status
from flagdesk.ui.views.opportunities import OpportunitiesView


@pytest.fixture
def analysed_register(demo_register: Any) -> Any:
    with demo_register.write() as session:
        refresh_opportunities(session, "tester")
    return demo_register


@pytest.fixture
def view(qtbot: Any, analysed_register: Any) -> Iterator[tuple[OpportunitiesView, Any, list[BaseException]]]:
    with running_view(qtbot, OpportunitiesView, analysed_register.file_path) as (widget, errors):
        yield widget, widget.app, errors


def _select(qtbot: Any, widget: OpportunitiesView, row: int = 0) -> Any:
    widget.table.selectRow(row)
    wait_idle(qtbot, widget.app)
    return widget.detail.opportunity


def test_list_shows_every_current_opportunity_and_sorts_in_the_model(view, qtmodeltester, analysed_register) -> None:
    widget, _app, errors = view
    with analysed_register.session() as session:
        stored = list_opportunities(session)
    assert stored, "the demo register plants opportunities"
    assert widget.model.rowCount() == len(stored)
    qtmodeltester.check(widget.model)
    savings_column = 4
    widget.table.sortByColumn(savings_column, Qt.SortOrder.DescendingOrder)
    shown = [r.estimated_saving_pence for r in widget.model.records()]
    assert shown == sorted(shown, reverse=True)
    assert widget.model.index(0, savings_column).data().startswith("£")
    assert errors == []


def test_kind_filter_asks_the_service_for_one_kind(view, qtbot) -> None:
    widget, app, _errors = view
    widget.kind_combo.setCurrentIndex(widget.kind_combo.findData("reuse"))
    wait_idle(qtbot, app)
    kinds = {r.kind for r in widget.model.records()}
    assert kinds == {"reuse"}


def test_detail_shows_evidence_and_contracts_on_the_timeline(view, qtbot) -> None:
    widget, _app, errors = view
    o = _select(qtbot, widget)
    assert o is not None and widget.pack_button.isEnabled()
    assert widget.detail.heading.text() == o.title
    assert widget.detail.evidence.count() == len(o.evidence) > 0
    assert len(widget.detail.timeline._contracts) == len(o.contract_ids)
    assert o.partners[0] in widget.detail.timeline.describe()
    widget.detail.timeline.grab()  # paints without error
    assert errors == []


def test_status_change_is_stored_and_shown(view, qtbot, analysed_register) -> None:
    widget, _app, errors = view
    o = _select(qtbot, widget)
    widget.detail.status_combo.setCurrentIndex(widget.detail.status_combo.findData("under_review"))
    widget.detail.note_edit.setText("Board asked for figures")
    qtbot.mouseClick(widget.detail.status_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, widget.app)
    assert errors == []
    with analysed_register.session() as session:
        stored = get_opportunity(session, o.id)
    assert (stored.status, stored.status_note, stored.version) == ("under_review", "Board asked for figures", 2)
    assert widget.detail.opportunity.version == 2
    assert "under review" in widget.model.index(0, 6).data()


def test_dismissal_needs_a_reason(view, qtbot, analysed_register) -> None:
    widget, _app, errors = view
    o = _select(qtbot, widget)
    widget.detail.status_combo.setCurrentIndex(widget.detail.status_combo.findData("dismissed"))
    widget.detail.note_edit.clear()
    widget.detail.status_button.click()
    wait_idle(qtbot, widget.app)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    with analysed_register.session() as session:
        assert get_opportunity(session, o.id).status == "identified"


def test_stale_status_change_is_refused_as_a_conflict_and_reloaded(view, qtbot, analysed_register) -> None:
    widget, _app, errors = view
    o = _select(qtbot, widget)
    with analysed_register.write() as session:  # someone else moves it on meanwhile
        set_status(session, "colleague", o.id, "under_review")
    widget.detail.status_combo.setCurrentIndex(widget.detail.status_combo.findData("approved"))
    widget.detail.status_button.click()
    wait_idle(qtbot, widget.app)
    assert len(errors) == 1 and isinstance(errors[0], ConflictError)
    assert widget.detail.opportunity.status == "under_review"  # the view shows what is stored now
    assert widget.detail.opportunity.version == 2


def test_realised_saving_is_recorded_against_the_opportunity(view, qtbot, analysed_register) -> None:
    widget, _app, errors = view
    o = _select(qtbot, widget)
    qtbot.keyClicks(widget.detail.amount_edit, "12,500.50")
    widget.detail.saving_button.click()
    wait_idle(qtbot, widget.app)
    assert errors == []
    assert widget.detail.opportunity.realised_saving_pence == 1_250_050
    assert widget.detail.amount_edit.text() == ""
    with analysed_register.session() as session:
        assert get_opportunity(session, o.id).realised_saving_pence == 1_250_050
    widget.detail.amount_edit.setText("twelve")
    widget.detail.saving_button.click()
    wait_idle(qtbot, widget.app)
    assert isinstance(errors[-1], ValidationError)


def test_analysis_runs_in_the_background_and_refreshes_the_list(view, qtbot) -> None:
    widget, app, errors = view
    before = widget.model.rowCount()
    widget.analyse()
    assert app.tasks.running(), "analysis must not run on the GUI thread"
    wait_idle(qtbot, app)
    assert errors == []
    assert widget.model.rowCount() == before
    assert "no longer found" in widget.analysis_label.text()


def test_create_pack_writes_a_pdf_and_previews_it(view, qtbot, tmp_path: Path, monkeypatch) -> None:
    widget, _app, errors = view
    o = _select(qtbot, widget)
    target = tmp_path / "pack.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)"))
    widget.pack_button.click()
    wait_idle(qtbot, widget.app)
    wait_idle(qtbot, widget.app)  # the PDF is written by a second task after the pack is gathered
    assert errors == []
    assert target.read_bytes()[:5] == b"%PDF-"
    dialog = widget.pack_dialog
    assert dialog.isVisible() and dialog.path == target
    if dialog.pdf is None:  # no QtPdf in this wheel: the outline stands in for page images
        outline = dialog.findChild(type(widget.detail.evidence))
        assert outline.item(0).text() == o.title
    dialog.close()


def test_column_widths_and_splitter_are_remembered(view, qtbot) -> None:
    from flagdesk.ui.context import app_settings

    widget, app, _errors = view
    widget.table.setColumnWidth(1, 321)
    widget.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    widget.save_state(app_settings())
    again = OpportunitiesView(app)
    qtbot.addWidget(again)
    again.restore_state(app_settings())
    assert again.table.columnWidth(1) == 321
    assert again.table.horizontalHeader().sortIndicatorSection() == 3
