"""The specification editor and the export dialog, driven through their real widgets."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QTableWidgetItem
from workflow_support import make_app, wait_idle

from flagdesk.errors import ConflictError, ValidationError
from flagdesk.services.opportunities import get_opportunity, list_opportunities, refresh_opportunities
from flagdesk.services.specifications import get_specification, list_specifications, outcome_templates
from flagdesk.ui.dialogs.export import ExportDialog
from flagdesk.ui.views.specifications import NEW_TITLE, SpecificationsView


@pytest.fixture
def app_and_register(qtbot: Any, demo_register: Any) -> Iterator[tuple[Any, Any, list[BaseException]]]:
    errors: list[BaseException] = []
    app = make_app(demo_register.file_path, errors)
    yield app, demo_register, errors
    wait_idle(qtbot, app)
    app.close()


@pytest.fixture
def view(qtbot: Any, app_and_register: Any) -> tuple[SpecificationsView, Any, list[BaseException]]:
    app, register, errors = app_and_register
    widget = SpecificationsView(app)
    qtbot.addWidget(widget)
    widget.show()
    widget.refresh()
    wait_idle(qtbot, app)
    return widget, register, errors


def _create(qtbot: Any, widget: SpecificationsView) -> int:
    widget.new_button.click()
    wait_idle(qtbot, widget.app)
    assert widget.detail.loaded is not None and widget.detail.loaded.title == NEW_TITLE
    return widget.detail.loaded.id


def list_opportunities_of(register: Any) -> list[Any]:
    with register.session() as session:
        return list_opportunities(session)


def _stored(register: Any, spec_id: int) -> Any:
    with register.session() as session:
        return get_specification(session, spec_id)


def test_new_specification_from_the_outcome_library_is_saved(view, qtbot, qtmodeltester) -> None:
    widget, register, errors = view
    spec_id = _create(qtbot, widget)
    assert widget.model.rowCount() == 1 and not widget.save_button.isEnabled()
    qtmodeltester.check(widget.model)
    widget.detail.title_edit.setText("Shared service desk")
    widget.detail.summary_edit.setPlainText("One service desk for three councils.")
    widget.template_combo.setCurrentIndex(widget.template_combo.findData("availability"))
    widget.template_button.click()
    widget.detail.lists["requirements"].setPlainText("24/7 cover\n\n  Welsh language option  ")
    widget.detail.lists["social_value"].setPlainText("Two apprenticeships a year")
    assert widget.save_button.isEnabled() and widget.state_label.text() == "Unsaved changes"
    widget.save_button.click()
    wait_idle(qtbot, widget.app)
    assert errors == []
    stored = _stored(register, spec_id)
    library = outcome_templates("availability")
    assert stored.title == "Shared service desk"
    assert [o.statement for o in stored.outcomes] == [o.statement for o in library]
    assert stored.outcomes[0].evidence_source == library[0].evidence_source
    assert stored.requirements == ("24/7 cover", "Welsh language option")
    assert stored.social_value == ("Two apprenticeships a year",)
    assert not widget.detail.is_dirty() and not widget.save_button.isEnabled()
    assert widget.model.index(0, 3).data() == str(len(library))


def test_editing_and_removing_outcomes(view, qtbot) -> None:
    widget, register, errors = view
    spec_id = _create(qtbot, widget)
    widget.template_combo.setCurrentIndex(widget.template_combo.findData("time_to_resolve"))
    widget.template_button.click()
    widget.save_button.click()
    wait_idle(qtbot, widget.app)
    first, second = _stored(register, spec_id).outcomes
    widget.detail.outcomes.setItem(0, 3, QTableWidgetItem("98% within target"))
    widget.detail.outcomes.item(0, 3).setData(0x0100, first.id)  # Qt.UserRole: the outcome's id
    widget.detail.outcomes.setCurrentCell(1, 0)
    widget.remove_outcome_button.click()
    widget.add_outcome_button.click()
    widget.detail.outcomes.setItem(1, 0, QTableWidgetItem("Residents get answers first time"))
    widget.save_button.click()
    wait_idle(qtbot, widget.app)
    assert errors == []
    stored = _stored(register, spec_id)
    assert [o.statement for o in stored.outcomes] == [first.statement, "Residents get answers first time"]
    assert stored.outcomes[0].target == "98% within target" and stored.outcomes[0].id == first.id
    assert second.id not in {o.id for o in stored.outcomes}


def test_saving_a_stale_specification_is_refused_and_keeps_the_edit(view, qtbot) -> None:
    widget, register, errors = view
    spec_id = _create(qtbot, widget)
    from flagdesk.services.specifications import update_specification

    with register.write() as session:  # a colleague saves first
        update_specification(session, spec_id, {"summary": "Their summary"}, user="colleague")
    widget.detail.summary_edit.setPlainText("My summary")
    widget.save_button.click()
    wait_idle(qtbot, widget.app)
    assert len(errors) == 1 and isinstance(errors[0], ConflictError)
    assert _stored(register, spec_id).summary == "Their summary"
    assert widget.detail.summary_edit.toPlainText() == "My summary", "the person's edit is not thrown away"
    assert "someone else" in widget.state_label.text()
    widget.revert_button.click()
    widget.refresh()
    wait_idle(qtbot, widget.app)
    assert widget.detail.summary_edit.toPlainText() == "Their summary"


def test_a_blank_title_is_refused_with_a_message(view, qtbot) -> None:
    widget, register, errors = view
    spec_id = _create(qtbot, widget)
    widget.detail.title_edit.setText("   ")
    widget.save_button.click()
    wait_idle(qtbot, widget.app)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    assert _stored(register, spec_id).title == NEW_TITLE


def test_specification_is_linked_to_an_opportunity(view, qtbot) -> None:
    widget, register, errors = view
    with register.write() as session:
        refresh_opportunities(session, "tester")
    spec_id = _create(qtbot, widget)
    assert not widget.opportunity_combo.loaded, "thousands of opportunities load only when asked for"
    widget.opportunity_combo.showPopup()
    wait_idle(qtbot, widget.app)
    widget.opportunity_combo.hidePopup()
    assert widget.opportunity_combo.count() == 1 + len(list_opportunities_of(register))
    widget.opportunity_combo.setCurrentIndex(1)
    opportunity_id = widget.opportunity_combo.currentData()
    assert opportunity_id is not None
    widget.link_button.click()
    wait_idle(qtbot, widget.app)
    assert errors == []
    with register.session() as session:
        assert opportunity_id in get_specification(session, spec_id).opportunity_ids
        assert get_opportunity(session, opportunity_id).id == opportunity_id
        assert [s.id for s in list_specifications(session)] == [spec_id]
        assert list_opportunities(session)
    assert opportunity_id in widget.model.index(0, 4).data()


def test_the_window_save_action_reaches_the_editor(view, qtbot) -> None:
    widget, register, _errors = view
    spec_id = _create(qtbot, widget)
    widget.detail.category_edit.setText("ICT service desk")
    widget.detail.request_save()  # what Ctrl+S in the main window calls on the current view
    wait_idle(qtbot, widget.app)
    assert _stored(register, spec_id).category == "ICT service desk"


@pytest.mark.parametrize("fmt", ["ocds", "transparency-csv", "xlsx"])
def test_export_dialog_writes_each_format(qtbot, app_and_register, tmp_path: Path, fmt: str) -> None:
    app, _register, errors = app_and_register
    dialog = ExportDialog(app)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, app)
    assert dialog.partner_combo.count() == 9  # all partners + the demo's eight
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(fmt))
    target = tmp_path / "register.out"
    dialog.path_edit.setText(str(target))
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(fmt))
    dialog.partner_combo.setCurrentIndex(1)
    dialog.export_button.click()
    wait_idle(qtbot, app)
    assert errors == []
    written = Path(dialog.path_edit.text())
    assert dialog.exported and dialog.exported < 400 and str(written) in dialog.message.text()
    if fmt == "ocds":
        assert len(json.loads(written.read_text(encoding="utf-8"))["releases"]) >= dialog.exported
    elif fmt == "transparency-csv":
        with written.open(newline="", encoding="utf-8-sig") as fh:
            assert sum(1 for _ in csv.reader(fh)) == dialog.exported + 1
    else:
        assert written.read_bytes()[:2] == b"PK"


def test_export_dialog_cancel_writes_no_file(qtbot, app_and_register, tmp_path: Path) -> None:
    app, _register, errors = app_and_register
    dialog = ExportDialog(app)
    qtbot.addWidget(dialog)
    target = tmp_path / "register.json"
    dialog.path_edit.setText(str(target))
    dialog.export_button.click()
    dialog.progress.cancel_button.click()
    wait_idle(qtbot, app)
    assert errors == []
    assert "Cancelled" in dialog.message.text() and not target.exists()
