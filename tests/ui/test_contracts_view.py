"""The contracts view driven through its widgets: filter, edit with validation, conflicts, undo."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import select
from workflow_support import wait_idle

from flagdesk.services.contracts import get_contract, update_contract
from flagdesk.store.models import AuditEvent
from flagdesk.ui.views.contract_detail import ConflictDialog
from flagdesk.ui.views.contract_model import COLUMN_INDEX


def _select_first(qtbot: Any, view: Any) -> Any:
    view.table.setFocus()
    view.table.selectRow(0)
    record = view.current_record()
    assert record is not None and view.detail.record == record
    return record


def _stored(demo_register: Any, contract_id: int) -> Any:
    with demo_register.session() as session:
        return get_contract(session, contract_id)


def test_view_shows_the_live_contracts_and_counts_them(contracts_view: Any, demo_register: Any) -> None:
    model = contracts_view.model
    assert model.total_count() == 400
    assert 0 < model.visible_count() < 400  # "Live" is the default status filter
    assert f"of {model.total_count():,} contracts" in contracts_view.count_label.text()
    contracts_view.status_box.setCurrentIndex(0)  # any status
    assert model.visible_count() == 400
    assert contracts_view.count_label.text() == "400 contracts"


def test_typing_in_the_filter_narrows_as_you_type(qtbot: Any, contracts_view: Any) -> None:
    contracts_view.status_box.setCurrentIndex(0)
    counts = []
    for char in "network":
        qtbot.keyClick(contracts_view.search, char)
        counts.append(contracts_view.model.visible_count())
    assert counts == sorted(counts, reverse=True) and counts[-1] > 0
    titles = [contracts_view.model.record(r).title.lower() for r in range(contracts_view.model.rowCount())]
    assert any("network" in t for t in titles)
    qtbot.keyClick(contracts_view.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(contracts_view.search, Qt.Key.Key_Delete)
    assert contracts_view.model.visible_count() == 400


def test_partner_and_horizon_filters(contracts_view: Any) -> None:
    partner = contracts_view.partner_box.itemData(1)
    contracts_view.partner_box.setCurrentIndex(1)
    contracts_view.horizon_box.setCurrentIndex(3)  # within 12 months
    shown = [contracts_view.model.record(r) for r in range(contracts_view.model.rowCount())]
    assert shown and all(r.partner == partner and r.end_date is not None for r in shown)


def test_editing_a_contract_saves_audits_and_updates_the_row(qtbot: Any, contracts_view: Any, ui_app: Any,
                                                              demo_register: Any) -> None:  # fmt: skip
    record = _select_first(qtbot, contracts_view)
    title = contracts_view.detail.edits["title"]
    title.selectAll()
    qtbot.keyClicks(title, "Joint telephony service")
    value = contracts_view.detail.edits["annual_value_pence"]
    value.selectAll()
    qtbot.keyClicks(value, "12,345.67")
    assert contracts_view.detail.save_button.isEnabled()
    qtbot.mouseClick(contracts_view.detail.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ui_app)
    stored = _stored(demo_register, record.id)
    assert stored.title == "Joint telephony service"
    assert stored.annual_value_pence == 1234567
    assert stored.version == record.version + 1
    row = contracts_view.model.row_of_id(record.id)
    assert contracts_view.model.data(contracts_view.model.index(row, COLUMN_INDEX["title"])) == stored.title
    with demo_register.session() as session:
        fields = set(session.scalars(select(AuditEvent.field).where(AuditEvent.record_id == str(record.id))))
    assert {"title", "annual_value_pence"} <= fields
    assert not ui_app.errors


def test_invalid_values_are_shown_inline_and_nothing_is_written(qtbot: Any, contracts_view: Any, ui_app: Any,
                                                                 demo_register: Any) -> None:  # fmt: skip
    record = _select_first(qtbot, contracts_view)
    for field, text, expected in (
        ("end_date", "31/02/2027", "end_date"),
        ("annual_value_pence", "twelve pounds", "pounds"),
        ("title", "", "title"),
    ):
        contracts_view.detail.revert()
        contracts_view.detail.edits[field].setText(text)
        contracts_view.detail.edits[field].textEdited.emit(text)
        contracts_view.detail.request_save()
        wait_idle(qtbot, ui_app)
        assert contracts_view.detail.problem.isVisibleTo(contracts_view.detail)
        assert expected in contracts_view.detail.problem.text()
    contracts_view.detail.revert()
    contracts_view.detail.edits["start_date"].setText("2030-01-01")
    contracts_view.detail.edits["end_date"].setText("2029-01-01")
    contracts_view.detail.edits["end_date"].textEdited.emit("x")
    contracts_view.detail.request_save()  # passes field checks; the core refuses end before start
    wait_idle(qtbot, ui_app)
    assert "before start_date" in contracts_view.detail.problem.text()
    assert _stored(demo_register, record.id).version == record.version


def test_undo_and_redo_an_edit(qtbot: Any, contracts_view: Any, ui_app: Any, demo_register: Any) -> None:
    record = _select_first(qtbot, contracts_view)
    contracts_view.detail.edits["reference"].setText("NEW-REF-1")
    contracts_view.detail.edits["reference"].textEdited.emit("NEW-REF-1")
    contracts_view.save_action.trigger()
    wait_idle(qtbot, ui_app)
    assert _stored(demo_register, record.id).reference == "NEW-REF-1"
    assert contracts_view.undo_action.isEnabled()
    contracts_view.undo_action.trigger()
    wait_idle(qtbot, ui_app)
    assert _stored(demo_register, record.id).reference == record.reference
    assert contracts_view.detail.edits["reference"].text() == record.reference
    contracts_view.redo_action.trigger()
    wait_idle(qtbot, ui_app)
    assert _stored(demo_register, record.id).reference == "NEW-REF-1"


def _type_title(view: Any, text: str) -> None:
    view.detail.edits["title"].setText(text)
    view.detail.edits["title"].textEdited.emit(text)
    view.detail.request_save()


def _someone_else_edits(demo_register: Any, contract_id: int, title: str) -> None:
    with demo_register.write() as session:
        update_contract(session, contract_id, {"title": title}, user="colleague")


def test_saving_a_stale_version_asks_and_keeping_theirs_writes_nothing(
    qtbot: Any, contracts_view: Any, ui_app: Any, demo_register: Any, dialogs: Any
) -> None:
    record = _select_first(qtbot, contracts_view)
    _someone_else_edits(demo_register, record.id, "Their title")
    dialogs.answer(ConflictDialog, lambda d: d._choose(ConflictDialog.KEEP_THEIRS) or 0)
    _type_title(contracts_view, "My title")
    wait_idle(qtbot, ui_app)
    [dialog] = dialogs.of(ConflictDialog)
    cells = [[dialog.table.item(0, c).text() for c in range(3)]]
    assert cells == [["Title", "My title", "Their title"]]
    stored = _stored(demo_register, record.id)
    assert stored.title == "Their title" and stored.version == record.version + 1
    assert contracts_view.detail.edits["title"].text() == "Their title"  # the form now shows theirs


def test_saving_a_stale_version_and_choosing_mine_overwrites_knowingly(
    qtbot: Any, contracts_view: Any, ui_app: Any, demo_register: Any, dialogs: Any
) -> None:
    record = _select_first(qtbot, contracts_view)
    _someone_else_edits(demo_register, record.id, "Their title")
    dialogs.answer(ConflictDialog, lambda d: d._choose(ConflictDialog.USE_MINE) or 1)
    _type_title(contracts_view, "My title")
    wait_idle(qtbot, ui_app)
    stored = _stored(demo_register, record.id)
    assert stored.title == "My title" and stored.version == record.version + 2
    contracts_view.undo_action.trigger()  # undo goes back to theirs, the version mine replaced
    wait_idle(qtbot, ui_app)
    assert _stored(demo_register, record.id).title == "Their title"


def test_undo_after_someone_else_changed_the_contract_refuses(
    qtbot: Any, contracts_view: Any, ui_app: Any, demo_register: Any, dialogs: Any
) -> None:
    record = _select_first(qtbot, contracts_view)
    _type_title(contracts_view, "Mine first")
    wait_idle(qtbot, ui_app)
    _someone_else_edits(demo_register, record.id, "Then theirs")
    contracts_view.undo_action.trigger()
    wait_idle(qtbot, ui_app)
    assert _stored(demo_register, record.id).title == "Then theirs"
    assert any("can no longer be undone" in text for text in dialogs.texts())
    assert contracts_view.undo_stack.count() == 0


def test_column_chooser_hides_and_shows_columns_but_never_the_last(contracts_view: Any) -> None:
    header = contracts_view.table.horizontalHeader()
    contracts_view._fill_columns_menu()
    actions = contracts_view.columns_menu.actions()
    assert [a.text() for a in actions][:3] == ["Partner", "Reference", "Title"]
    actions[COLUMN_INDEX["suppliers"]].setChecked(False)
    assert header.isSectionHidden(COLUMN_INDEX["suppliers"])
    actions[COLUMN_INDEX["cpv"]].setChecked(True)
    assert not header.isSectionHidden(COLUMN_INDEX["cpv"])
    for i in range(header.count()):
        contracts_view.set_column_visible(i, False)
    assert header.count() - header.hiddenSectionCount() == 1


def test_timed_typing_measures_until_the_table_has_painted(qtbot: Any, contracts_view: Any) -> None:
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, _obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    counter = PaintCounter()
    contracts_view.table.viewport().installEventFilter(counter)
    for char in "netw":
        before = counter.count
        [seconds] = contracts_view.type_filter(char)
        assert counter.count > before and seconds > 0
    assert contracts_view.search.text() == "netw"
