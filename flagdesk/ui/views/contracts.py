"""Contracts: the whole register in one table, filtered as you type, with an edit panel and undo."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from flagdesk.errors import ConflictError, ValidationError
from flagdesk.records import ContractRecord
from flagdesk.ui.context import AppContext
from flagdesk.ui.errors import inform
from flagdesk.ui.views.contract_detail import ConflictDialog, ContractDetail, record_values
from flagdesk.ui.views.contract_model import COLUMNS, HORIZONS, LIVE, ContractFilter, ContractTableModel

STATUSES = ("planned", "active", "expired", "terminated")


class EditContractCommand(QUndoCommand):
    """One saved edit. The first redo happened when it was saved; undo writes the old values back."""

    def __init__(self, view: ContractsView, contract_id: int, before: dict[str, Any], after: dict[str, Any],
                 version: int, title: str) -> None:  # fmt: skip
        fields = ", ".join(sorted(after))
        super().__init__(f"Edit {fields} of “{title[:40]}”")
        self.view = view
        self.contract_id = contract_id
        self.before = before
        self.after = after
        self.version = version  # the version this command's current state was written as
        self._saved = True

    def redo(self) -> None:
        if self._saved:
            self._saved = False  # the edit is already in the register
            return
        self.view.write_values(self.contract_id, self.after, self.version, self._written)

    def undo(self) -> None:
        self.view.write_values(self.contract_id, self.before, self.version, self._written)

    def _written(self, record: ContractRecord) -> None:
        self.version = record.version


class ContractsView(QWidget):
    title = "Contracts"

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setAccessibleName("Contracts")
        self.model = ContractTableModel(self)
        self.undo_stack = QUndoStack(self)
        self._loaded = False
        self._stale = True
        self._pending_select: int | None = None
        self._build()
        self._connect()
        self._structured_filter_changed()

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by title, supplier, reference or description  (Ctrl+F)")
        self.search.setAccessibleName("Filter contracts")
        self.search.setClearButtonEnabled(True)
        self.partner_box = self._combo("Partner filter", "All partners")
        self.category_box = self._combo("Category filter", "All categories")
        self.status_box = self._combo("Status filter", "Any status")
        self.status_box.addItem("Live (planned or active)", LIVE)
        for status in STATUSES:
            self.status_box.addItem(status.capitalize(), status)
        self.status_box.setCurrentIndex(1)
        self.status_box.setMinimumContentsLength(20)
        self.horizon_box = QComboBox()
        self.horizon_box.setAccessibleName("Expiry horizon filter")
        for label, value in HORIZONS:
            self.horizon_box.addItem(label, value)
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Contracts shown")
        self.columns_button = QToolButton()
        self.columns_button.setText("Columns")
        self.columns_button.setAccessibleName("Choose columns")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        for widget in (self.partner_box, self.category_box, self.status_box, self.horizon_box):
            bar.addWidget(widget, 1)
        bar.addWidget(self.columns_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Contracts table")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COLUMNS.index(next(c for c in COLUMNS if c.key == "end")), Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Fixed row heights and no row header: the view never measures 100,000 rows.
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        vertical.hide()
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._default_widths()
        self.columns_menu = QMenu(self)
        self.columns_button.setMenu(self.columns_menu)
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)

        self.detail = ContractDetail()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 360])
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.count_label)

        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo edit")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo edit")
        self.save_action = QAction("&Save contract", self)
        self.save_action.triggered.connect(self.detail.request_save)
        self.find_action = QAction("&Find contracts", self)
        self.find_action.triggered.connect(self.focus_filter)

    def _combo(self, name: str, everything: str) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(name)
        box.addItem(everything, None)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(12)
        return box

    def _default_widths(self) -> None:
        widths = {"partner": 190, "reference": 110, "title": 320, "suppliers": 200, "category": 150, "status": 70}
        widths |= {"annual_value": 110, "total_value": 110, "end": 90, "max_end": 90, "start": 90}
        header = self.table.horizontalHeader()
        for i, column in enumerate(COLUMNS):
            header.resizeSection(i, widths.get(column.key, 100))
            header.setSectionHidden(i, column.hidden_by_default)

    def _fill_columns_menu(self) -> None:
        self.columns_menu.clear()
        header = self.table.horizontalHeader()
        for i, column in enumerate(COLUMNS):
            action = self.columns_menu.addAction(column.header)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(i))
            action.toggled.connect(lambda on, i=i: self.set_column_visible(i, on))

    def set_column_visible(self, column: int, visible: bool) -> None:
        header = self.table.horizontalHeader()
        if not visible and header.count() - header.hiddenSectionCount() <= 1:
            return  # never hide the last column: the table would vanish
        header.setSectionHidden(column, not visible)

    def _connect(self) -> None:
        self.search.textChanged.connect(self.model.set_text_filter)
        for box in (self.partner_box, self.category_box, self.status_box, self.horizon_box):
            box.currentIndexChanged.connect(self._structured_filter_changed)
        self.model.modelReset.connect(self._update_count)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.horizontalHeader().customContextMenuRequested.connect(
            lambda pos: self.columns_menu.exec(self.table.horizontalHeader().mapToGlobal(pos))
        )
        self.detail.save_requested.connect(self.save_edit)
        self.app.register_changed.connect(self._register_changed)
        # Edits made in another database cannot be undone in this one.
        self.app.database_changed.connect(self.undo_stack.clear)

    # -- loading ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load (or reload) every contract in the background; the table stays usable meanwhile."""
        self._stale = False
        self.count_label.setText("Loading contracts…" if not self._loaded else self.count_label.text())
        self.app.contract_records(self._show_records, reload=self._loaded)

    def refresh_if_stale(self) -> None:
        if self._stale:
            self.refresh()

    def _register_changed(self) -> None:
        if self.app.last_write_origin is self:
            return  # our own edit: the row was already updated in place
        self._stale = True
        if self.isVisible():
            self.refresh()

    def _show_records(self, records: list[ContractRecord]) -> None:
        current = self.current_record()
        keep = self._pending_select if self._pending_select is not None else (current.id if current else None)
        self.model.set_records(records)
        self._loaded = True
        self._fill_filter_choices()
        if keep is not None:
            self.select_contract(keep)
        self._pending_select = None

    def _fill_filter_choices(self) -> None:
        for box, values in ((self.partner_box, self.model.partners()), (self.category_box, self.model.categories())):
            chosen = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for value in values:
                box.addItem(value, value)
            box.setCurrentIndex(max(0, box.findData(chosen)) if chosen is not None else 0)
            box.blockSignals(False)

    def _structured_filter_changed(self) -> None:
        self.model.set_filter(
            ContractFilter(
                self.search.text(),
                self.partner_box.currentData(),
                self.category_box.currentData(),
                self.status_box.currentData(),
                self.horizon_box.currentData(),
            )
        )

    def _update_count(self) -> None:
        shown, total = self.model.visible_count(), self.model.total_count()
        text = f"{total:,} contracts" if shown == total else f"{shown:,} of {total:,} contracts"
        self.count_label.setText(text)

    # -- selection --------------------------------------------------------------------------------

    def current_record(self) -> ContractRecord | None:
        index = self.table.currentIndex()
        return self.model.record(index.row()) if index.isValid() else None

    def select_contract(self, contract_id: int) -> bool:
        row = self.model.row_of_id(contract_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.selectRow(row)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _current_changed(self, current: Any, _previous: Any) -> None:
        record = self.model.record(current.row()) if current.isValid() else None
        if self.detail.record is not None and record is not None and self.detail.record.id == record.id:
            return
        self.detail.set_record(record)

    def focus_filter(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- editing ----------------------------------------------------------------------------------

    def save_edit(self, record: ContractRecord, changes: dict[str, Any]) -> None:
        """Write validated changes based on the version shown; a stale version becomes a conflict."""
        before = record_values(record, list(changes))

        def saved(new: ContractRecord) -> None:
            self.undo_stack.push(EditContractCommand(self, record.id, before, changes, new.version, new.title))

        self.write_values(record.id, changes, record.version, saved, mine_texts=self.detail.changed_texts())

    def write_values(self, contract_id: int, values: dict[str, Any], version: int, on_written: Any,
                     *, mine_texts: dict[str, str] | None = None) -> None:  # fmt: skip
        from flagdesk.services.contracts import update_contract

        user = self.app.user

        def work(session: Any, _ctx: Any) -> ContractRecord:
            return update_contract(session, contract_id, values, user=user, if_version=version)

        def done(new: ContractRecord) -> None:
            self._show_updated(new)
            on_written(new)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConflictError):
                self._conflict(contract_id, values, mine_texts, on_written)
            elif isinstance(exc, ValidationError) and mine_texts is not None:
                self.detail.show_problem(str(exc))
            else:
                self.app.show_error(exc)

        self.app.write(work, done, label="Saving the contract", on_error=failed, origin=self)

    def _show_updated(self, new: ContractRecord) -> None:
        self.app.patch_contract_records([new])
        self.model.replace_record(new)
        if self.detail.record is None or self.detail.record.id == new.id:
            self.detail.set_record(new)

    def _conflict(self, contract_id: int, values: dict[str, Any], mine_texts: dict[str, str] | None,
                  on_written: Any) -> None:  # fmt: skip
        from flagdesk.services.contracts import get_contract

        if mine_texts is None:
            # An undo or redo over someone else's later change: refuse rather than overwrite it.
            self.undo_stack.clear()
            self.app.contract_records(self._show_records, reload=True)
            inform(
                self, "Cannot undo", "This contract was changed by someone else since your edit, so your edit "
                "can no longer be undone automatically. The latest version is shown."
            )  # fmt: skip
            return

        def resolve(theirs: ContractRecord) -> None:
            self._show_updated(theirs)
            dialog = ConflictDialog(mine_texts, theirs, self)
            dialog.exec()
            if dialog.choice == ConflictDialog.USE_MINE:
                before = record_values(theirs, list(values))

                def saved(new: ContractRecord) -> None:
                    self.undo_stack.push(EditContractCommand(self, contract_id, before, values, new.version, new.title))

                self.write_values(contract_id, values, theirs.version, saved, mine_texts=mine_texts)

        self.app.read(lambda s: get_contract(s, contract_id), resolve, label="Loading the latest version")

    # -- state ------------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("contracts/header", self.table.horizontalHeader().saveState())
        settings.setValue("contracts/splitter", self.splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        header = settings.value("contracts/header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.table.horizontalHeader().restoreState(header)
        splitter = settings.value("contracts/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def type_filter(self, text: str) -> list[float]:
        """Type ``text`` into the filter one keystroke at a time; seconds per keystroke until painted.

        Used by ``flagdesk gui --json`` and the benchmark: it measures the same path a person's typing takes.
        """
        import time

        from PySide6.QtCore import QCoreApplication
        from PySide6.QtTest import QTest

        self.search.setFocus()
        timings = []
        #: CPU seconds of the GUI thread per keystroke: what the wall figure would be on an idle machine.
        self.typing_cpu_s: list[float] = []
        for char in text:
            start, cpu = time.perf_counter(), time.thread_time()
            QTest.keyClick(self.search, char)
            # As between a person's keystrokes: the view lays out the new rows, then paints them (two turns).
            QCoreApplication.processEvents()
            QCoreApplication.processEvents()
            timings.append(time.perf_counter() - start)
            self.typing_cpu_s.append(time.thread_time() - cpu)
        return timings
