"""The import wizard and the imports list, driven through their real widgets.

Uses the real Norfolk County Council register (5,729 rows, LGA layout) and small hostile files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select
from workflow_support import running_view, wait_idle

from flagdesk.store.models import Contract, ImportBatch
from flagdesk.ui.views import imports as imports_module
from flagdesk.ui.views.imports import APPLY, FILE, MAPPING, PREVIEW, RESULT, SHEET, ImportsView, ImportWizard

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
NORFOLK = SHARED / "registers" / "norfolk-county-council-2016.csv"
NORFOLK_ROWS = 5729
HEAD_ROWS = 1200


@pytest.fixture
def norfolk() -> Path:
    if not NORFOLK.exists():
        pytest.skip(f"reference data not available: {NORFOLK}")
    return NORFOLK


@pytest.fixture
def norfolk_head(norfolk: Path, tmp_path: Path) -> Path:
    """The first rows of the real register, as the council published them (undo stays quick)."""
    target = tmp_path / "norfolk-head.csv"
    with norfolk.open("rb") as source, target.open("wb") as out:
        for number, line in enumerate(source):
            if number > HEAD_ROWS:
                break
            out.write(line)
    return target


@pytest.fixture
def view(qtbot: Any, register: Any) -> Iterator[tuple[ImportsView, list[BaseException]]]:
    with running_view(qtbot, ImportsView, register.file_path) as (widget, errors):
        yield widget, errors
        if widget.wizard is not None:
            widget.wizard.reject()  # a wizard left open must not leave work running


def _contracts(register: Any) -> int:
    with register.session() as session:
        return session.scalar(select(func.count(Contract.id)))


def _next(qtbot: Any, wizard: ImportWizard, expect: int) -> None:
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.currentId() == expect, timeout=30_000)


def _wait_page_complete(qtbot: Any, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.currentPage().isComplete(), timeout=30_000)


def _two_sheet_workbook(path: Path) -> Path:
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["This workbook lists the contracts of Tamworth Borough Council."])
    sheet = book.create_sheet("Contracts")
    sheet.append(["Ref", "Contract title", "Supplier", "Annual cost", "Service", "Expiry"])
    sheet.append(["T-1", "Desktop support", "Acme IT Ltd", "12,000", "ICT", "31/03/2027"])
    sheet.append(["T-2", "Telephony", "Ring Ring plc", "£4,500.50", "ICT", "2026-12-31"])
    sheet.append(["T-3", "", "", "", "", ""])  # a blank row is skipped
    sheet.append(["T-4", "Website hosting", "Acme IT Ltd", "lots", "Digital", "31/13/2026"])
    book.save(path)
    return path


def test_whole_wizard_on_the_norfolk_register_then_undo(view, qtbot, register, norfolk_head) -> None:
    widget, errors = view
    wizard = widget.open_wizard(str(norfolk_head))  # as when the file is dropped on the window
    assert wizard.currentId() == FILE and wizard.file_page.isComplete()
    _next(qtbot, wizard, MAPPING)  # a CSV has one sheet: the sheet page is skipped
    assert "lga-contracts" in wizard.mapping_page.source.text()
    assert wizard.mapping_page.mapping()["Title of the Agreement"] == "title"
    _next(qtbot, wizard, PREVIEW)
    _wait_page_complete(qtbot, wizard)
    preview = wizard.preview_page
    assert f"{HEAD_ROWS:,} new" in preview.counts.text()
    assert preview.rows_model.rowCount() == HEAD_ROWS
    assert _contracts(register) == 0, "a preview writes nothing"
    _next(qtbot, wizard, APPLY)
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=30_000)
    assert _contracts(register) == HEAD_ROWS
    assert f"Import batch {wizard.applied.batch_id}" in wizard.result_page.message.text()
    wizard.result_page.undo_button.click()
    wait_idle(qtbot, widget.app)
    assert wizard.undone is not None and wizard.undone["removed"] == HEAD_ROWS
    assert _contracts(register) == 0
    assert "undone" in wizard.result_page.message.text()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    wait_idle(qtbot, widget.app)
    assert [b["status"] for b in widget.model.records()] == ["undone"]
    assert errors == []


def test_cancelling_the_apply_writes_nothing_and_can_be_retried(view, qtbot, register, norfolk) -> None:
    widget, errors = view
    wizard = widget.open_wizard(str(norfolk))
    _next(qtbot, wizard, MAPPING)
    _next(qtbot, wizard, PREVIEW)
    _wait_page_complete(qtbot, wizard)
    wizard.button(QWizard.WizardButton.NextButton).click()
    assert wizard.currentId() == APPLY
    wizard.apply_page.progress.cancel_button.click()  # before the worker gets far
    qtbot.waitUntil(lambda: wizard.apply_page.retry_button.isVisible(), timeout=30_000)
    assert "Cancelled" in wizard.apply_page.message.text()
    assert not wizard.apply_page.isComplete()
    with register.session() as session:
        assert session.scalar(select(func.count(ImportBatch.id))) == 0
    assert _contracts(register) == 0
    assert errors == []  # a cancellation is not an error
    wizard.apply_page.retry_button.click()
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=30_000)
    assert _contracts(register) == NORFOLK_ROWS


def test_sheet_choice_edited_mapping_problems_and_saved_mapping(view, qtbot, register, tmp_path, qtmodeltester) -> None:
    widget, errors = view
    path = _two_sheet_workbook(tmp_path / "tamworth.xlsx")
    wizard = widget.open_wizard(str(path))
    wizard.file_page.partner_combo.setCurrentText("Tamworth Borough Council")
    _next(qtbot, wizard, SHEET)
    assert wizard.pages[SHEET].chosen() == "Contracts"  # the register sheet, not the notes
    _next(qtbot, wizard, MAPPING)
    mapping_page = wizard.mapping_page
    assert mapping_page.mapping()["Contract title"] == "title"
    mapping_page.set_field("Service", "category")
    mapping_page.set_field("Contract title", "")
    assert not mapping_page.isComplete(), "no title or description: cannot go on"
    mapping_page.set_field("Contract title", "title")
    assert mapping_page.isComplete()
    _next(qtbot, wizard, PREVIEW)
    _wait_page_complete(qtbot, wizard)
    summary = wizard.summary
    assert summary.count("new") >= 2
    assert summary.partners_created == ["Tamworth Borough Council"]
    messages = [p.message for p in summary.problems]
    assert any(p.row is not None for p in summary.problems), messages
    assert wizard.preview_page.problems_model.rowCount() == len(summary.problems)
    qtmodeltester.check(wizard.preview_page.rows_model)
    qtmodeltester.check(wizard.preview_page.problems_model)
    combo = wizard.preview_page.action_combo
    combo.setCurrentIndex(combo.findData("changed"))
    assert wizard.preview_page.rows_model.rowCount() == 0
    _next(qtbot, wizard, APPLY)
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=30_000)
    wizard.accept()
    wait_idle(qtbot, widget.app)
    # Next quarter's file from the same partner opens with the mapping chosen this time.
    again = widget.open_wizard(str(path))
    again.file_page.partner_combo.setCurrentText("Tamworth Borough Council")
    _next(qtbot, again, SHEET)
    _next(qtbot, again, MAPPING)
    assert "saved" in again.mapping_page.source.text()
    assert again.mapping_page.mapping()["Service"] == "category"
    assert errors == []


def test_a_file_that_is_not_a_register_is_refused_on_the_first_page(view, qtbot, tmp_path) -> None:
    widget, errors = view
    bogus = tmp_path / "contracts.xlsx"
    bogus.write_bytes(b"\x00\x01 this is not a workbook" * 100)
    wizard = widget.open_wizard(str(bogus))
    wizard.button(QWizard.WizardButton.NextButton).click()
    qtbot.waitUntil(lambda: wizard.file_page.message.text() not in ("", "Reading the file…"), timeout=10_000)
    assert wizard.currentId() == FILE
    assert errors == [], "an unreadable file is a plain message on the page, not a crash"


def test_imports_list_shows_problems_and_undoes_with_confirmation(
    view, qtbot, register, tmp_path, monkeypatch, qtmodeltester
) -> None:
    widget, errors = view
    from flagdesk.services.imports import apply_import

    path = _two_sheet_workbook(tmp_path / "tamworth.xlsx")
    with register.write() as session:
        apply_import(session, path, user="tester", partner="Tamworth Borough Council", sheet="Contracts")
    widget.refresh()
    wait_idle(qtbot, widget.app)
    assert widget.model.rowCount() == 1
    qtmodeltester.check(widget.model)
    widget.table.selectRow(0)
    wait_idle(qtbot, widget.app)
    assert widget.problems_model.rowCount() > 0
    assert "problems" in widget.problems_label.text()
    asked: list[str] = []
    monkeypatch.setattr(imports_module, "confirm", lambda _p, _t, text: asked.append(text) or False)
    widget.undo_button.click()
    wait_idle(qtbot, widget.app)
    assert asked and _contracts(register) > 0, "declining the question changes nothing"
    monkeypatch.setattr(imports_module, "confirm", lambda *_a: True)
    widget.undo_button.click()
    wait_idle(qtbot, widget.app)
    assert _contracts(register) == 0
    assert widget.model.record(0)["status"] == "undone"
    assert not widget.undo_button.isEnabled()
    assert errors == []


def test_dropping_a_file_on_the_view_opens_the_wizard_with_it(view, qtbot, tmp_path) -> None:
    widget, _errors = view
    path = _two_sheet_workbook(tmp_path / "dropped.xlsx")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    widget.dropEvent(event)
    assert widget.wizard is not None and widget.wizard.path == str(path)


def test_ocds_file_skips_the_column_mapping(view, qtbot, register) -> None:
    widget, errors = view
    release = SHARED / "ocds" / "fictional-1.1" / "ocds-213czf-000-00001-05-contract.json"
    if not release.exists():
        pytest.skip(f"reference data not available: {release}")
    wizard = widget.open_wizard(str(release))
    _next(qtbot, wizard, PREVIEW)
    _wait_page_complete(qtbot, wizard)
    assert wizard.summary.file_kind == "ocds"
    assert wizard.summary.count("new") >= 1
    _next(qtbot, wizard, APPLY)
    qtbot.waitUntil(lambda: wizard.currentId() == RESULT, timeout=30_000)
    assert _contracts(register) == wizard.applied.count("new")
    assert errors == []
