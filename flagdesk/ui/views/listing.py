"""A table model over plain records, shared by the workflow views (imports, suppliers, opportunities...).

Rows are the services' frozen records; each column says how to show and how to sort a record.
Sorting happens here over precomputed keys (one reset per sort), never in a proxy model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QByteArray, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QWidget,
)

from flagdesk.ui.tasks import TaskHandle

T = TypeVar("T")
PROGRESS_POLL_MS = 100
Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    # The sort key; defaults to the shown text. Money and dates sort by their value, not their text.
    key: Callable[[T], Any] | None = None
    numeric: bool = False
    tooltip: Callable[[T], str] | None = None
    width: int = 0  # in average characters; 0 leaves Qt's default


class RecordTableModel(QAbstractTableModel, Generic[T]):
    """Read-only rows of plain records; `record(row)` gives one back for the detail panes."""

    def __init__(self, columns: Sequence[Column[T]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._records: list[T] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None  # the person's choice, kept across reloads
        self._keys: dict[int, list[Any]] = {}  # sort keys per column, computed once per load

    @property
    def columns(self) -> list[Column[T]]:
        return list(self._columns)

    def set_records(self, records: Sequence[T]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._keys = {}
        if self._sort is not None:
            self._sort_records(*self._sort)
        self.endResetModel()

    def records(self) -> list[T]:
        return list(self._records)

    def record(self, row: int) -> T | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def replace_record(self, row: int, record: T) -> None:
        """Swap one record after an edit: a dataChanged for the row, not a reset."""
        self._records[row] = record
        self._keys = {}
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._records):
            return None
        column, record = self._columns[index.column()], self._records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(record)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(_RIGHT.value)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].header if 0 <= section < len(self._columns) else None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return  # no column chosen: keep the service's order (best first, newest first...)
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        self._sort_records(column, order)
        self.layoutChanged.emit()

    def _sort_records(self, column: int, order: Qt.SortOrder) -> None:
        keys = self._keys.get(column)
        if keys is None:
            spec = self._columns[column]
            keys = self._keys[column] = list(map(spec.key or spec.text, self._records))
        # Blanks go last whichever way the column is sorted.
        filled = [i for i, k in enumerate(keys) if k is not None and k != ""]
        blank = [i for i, k in enumerate(keys) if k is None or k == ""]
        filled.sort(key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        permutation = filled + blank
        self._records = [self._records[i] for i in permutation]
        # Keep the cached keys of every column in step with the new row order.
        self._keys = {c: [k[i] for i in permutation] for c, k in self._keys.items()}


def record_table(model: RecordTableModel[Any], accessible_name: str, parent: QWidget | None = None) -> QTableView:
    """A sortable, row-selecting table view set up the same way in every workflow view."""
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # start in the order the service gave
    view.setSortingEnabled(True)
    char = view.fontMetrics().averageCharWidth()
    for i, column in enumerate(model.columns):
        if column.width:
            view.setColumnWidth(i, column.width * char + 16)
    return view


def selected_row(view: QTableView) -> int:
    """The selected row, or -1."""
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    return rows[0].row() if rows else -1


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask a yes/no question; tests patch this rather than a modal box."""
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class ProgressStrip(QWidget):
    """An in-page progress bar with Cancel for one background task (the wizard is already a dialog)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.handle: TaskHandle | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(PROGRESS_POLL_MS)
        self._timer.timeout.connect(self._poll)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.setVisible(False)

    def follow(self, handle: TaskHandle) -> None:
        self.handle = handle
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.setVisible(True)
        self._timer.start()

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.cancel_button.setEnabled(False)

    @property
    def running(self) -> bool:
        return self.handle is not None

    def stop(self) -> None:
        # Called from the task's own callback, before the manager marks the handle done.
        self.handle = None
        self._timer.stop()
        self.setVisible(False)

    def _poll(self) -> None:
        if self.handle is not None:
            self.bar.setValue(int(self.handle.progress_value * 1000))


def save_layout(settings: Any, prefix: str, widgets: dict[str, QTableView | QSplitter]) -> None:
    """Remember column widths, order and sort of tables, and splitter positions, between sessions."""
    for name, widget in widgets.items():
        state = widget.horizontalHeader().saveState() if isinstance(widget, QTableView) else widget.saveState()
        settings.setValue(f"{prefix}/{name}", state)


def restore_layout(settings: Any, prefix: str, widgets: dict[str, QTableView | QSplitter]) -> None:
    for name, widget in widgets.items():
        state = settings.value(f"{prefix}/{name}")
        if isinstance(state, QByteArray) and not state.isEmpty():
            target = widget.horizontalHeader() if isinstance(widget, QTableView) else widget
            target.restoreState(state)
