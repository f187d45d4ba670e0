"""The contracts table model: the whole register, filtered and sorted in the model itself.

A QSortFilterProxyModel over 100,000 rows takes seconds per sort and ~0.5 s per keystroke
(PERFORMANCE-NOTES.md). Here rows are the plain ``ContractRecord`` list; the model keeps a
permutation for the current sort and a list of visible row numbers, filters over pre-lowered
text with plain ``in`` tests, and formats only the cells the view asks for. A filter or sort is
one model reset; one edited record is one ``dataChanged``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from flagdesk.domain import add_months, format_pence
from flagdesk.records import ContractRecord

Index = QModelIndex | QPersistentModelIndex
RecordRole = Qt.ItemDataRole.UserRole + 1
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_RECORD = int(RecordRole)
_ROLES_ANSWERED = frozenset((_DISPLAY, _ALIGNMENT, _FOREGROUND, _TOOLTIP, _RECORD))


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


@dataclass(frozen=True)
class ContractColumn:
    key: str
    header: str
    text: Callable[[ContractRecord], str]
    sort_key: Callable[[ContractRecord], Any]
    numeric: bool = False
    hidden_by_default: bool = False


COLUMNS: tuple[ContractColumn, ...] = (
    ContractColumn("partner", "Partner", lambda r: r.partner, lambda r: r.partner.lower()),
    ContractColumn("reference", "Reference", lambda r: r.reference, lambda r: r.reference.lower()),
    ContractColumn("title", "Title", lambda r: r.title, lambda r: r.title.lower()),
    ContractColumn(
        "suppliers", "Suppliers", lambda r: ", ".join(r.suppliers), lambda r: ", ".join(r.suppliers).lower()
    ),
    ContractColumn("category", "Category", lambda r: r.category or "", lambda r: (r.category or "").lower()),
    ContractColumn(
        "annual_value", "Annual value", lambda r: format_pence(r.annual_value_pence), lambda r: r.annual_value_pence,
        numeric=True,
    ),
    ContractColumn(
        "total_value", "Total value", lambda r: format_pence(r.total_value_pence), lambda r: r.total_value_pence,
        numeric=True,
    ),
    ContractColumn("start", "Start", lambda r: _iso(r.start_date), lambda r: r.start_date, hidden_by_default=True),
    ContractColumn("end", "End", lambda r: _iso(r.end_date), lambda r: r.end_date),
    ContractColumn("max_end", "Max end", lambda r: _iso(r.max_end_date), lambda r: r.max_end_date),
    ContractColumn("status", "Status", lambda r: _words(r.status), lambda r: r.status),
    ContractColumn(
        "route", "Route", lambda r: _words(r.procurement_route), lambda r: r.procurement_route or "",
        hidden_by_default=True,
    ),
    ContractColumn(
        "type", "Type", lambda r: _words(r.contract_type), lambda r: r.contract_type or "", hidden_by_default=True
    ),
    ContractColumn("cpv", "CPV", lambda r: ", ".join(r.cpv), lambda r: r.cpv, hidden_by_default=True),
)  # fmt: skip
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}

#: Expiry horizons offered in the filter: label -> months ahead (None = any; special keys below).
HORIZONS: tuple[tuple[str, int | str | None], ...] = (
    ("Any end date", None),
    ("Ending within 3 months", 3),
    ("Ending within 6 months", 6),
    ("Ending within 12 months", 12),
    ("Ending within 24 months", 24),
    ("Already ended", "ended"),
    ("No end date", "none"),
)


#: A status filter value meaning "planned or active" (the default: what an officer works on).
LIVE = "live"
ENDED_STATUSES = ("expired", "terminated")


@dataclass(frozen=True)
class ContractFilter:
    """Everything the contracts table can be narrowed by; the empty filter shows all rows."""

    text: str = ""
    partner: str | None = None
    category: str | None = None
    status: str | None = None
    horizon: int | str | None = None

    def structured(self) -> tuple[Any, ...]:
        return (self.partner, self.category, self.status, self.horizon)


def _sortable(value: Any) -> tuple[bool, Any]:
    # Empty values sort last in ascending order and never compare with real values.
    return (value is None or value == "" or value == (), value if value is not None else 0)


class ContractTableModel(QAbstractTableModel):
    """See the module docstring. Rows are positions in the visible list; ``record(row)`` maps back."""

    def __init__(self, parent: Any = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self._today = today or date.today()
        self._records: list[ContractRecord] = []
        self._text: list[str] = []
        self._order: list[int] = []  # all record positions in the current sort order
        self._visible: list[int] = []  # record positions shown, in sort order
        self._row_of_id: dict[int, int] | None = None
        self._filter = ContractFilter()
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._sort_cache: dict[int, list[int]] = {}
        self._dim = QColor(128, 128, 128)

    # -- loading ------------------------------------------------------------------------------

    def set_records(self, records: Sequence[ContractRecord]) -> None:
        """Replace every row (one reset); the current filter and sort are applied again."""
        from flagdesk.services.contracts import search_text_for

        self.beginResetModel()
        self._records = list(records)
        self._text = [search_text_for(r.reference, r.title, r.description, r.suppliers) for r in self._records]
        self._sort_cache = {}
        self._order = self._sorted_order()
        self._visible = self._filtered(self._order, self._filter)
        self._row_of_id = None
        self.endResetModel()

    def replace_record(self, record: ContractRecord) -> None:
        """One edited contract: update it in place (its row stays where it is until the next sort)."""
        pos = next((i for i, old in enumerate(self._records) if old.id == record.id), None)
        if pos is None:
            return
        from flagdesk.services.contracts import search_text_for

        self._records[pos] = record
        self._text[pos] = search_text_for(record.reference, record.title, record.description, record.suppliers)
        self._sort_cache = {}
        row = self.row_of_id(record.id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # -- filtering ------------------------------------------------------------------------------

    @property
    def current_filter(self) -> ContractFilter:
        return self._filter

    def set_filter(self, new: ContractFilter) -> None:
        old = self._filter
        if new == old:
            return
        # Typing one more letter only narrows what is shown: filter the visible rows, not all of them.
        narrowing = new.structured() == old.structured() and _narrows(old.text, new.text)
        self.beginResetModel()
        if narrowing:
            # The visible rows already hold every old word: only new or longer words need checking.
            done = set(old.text.lower().split())
            self._visible = self._matching(self._visible, [w for w in new.text.lower().split() if w not in done])
        else:
            self._visible = self._filtered(self._order, new)
        self._filter = new
        self._row_of_id = None
        self.endResetModel()

    def set_text_filter(self, text: str) -> None:
        f = self._filter
        self.set_filter(ContractFilter(text, f.partner, f.category, f.status, f.horizon))

    def _filtered(self, candidates: list[int], f: ContractFilter) -> list[int]:
        rows = candidates
        records = self._records
        if f.partner is not None:
            rows = [i for i in rows if records[i].partner == f.partner]
        if f.category is not None:
            rows = [i for i in rows if records[i].category == f.category]
        if f.status == LIVE:
            rows = [i for i in rows if records[i].status not in ENDED_STATUSES]
        elif f.status is not None:
            rows = [i for i in rows if records[i].status == f.status]
        if f.horizon is not None:
            keep = self._horizon_test(f.horizon)
            rows = [i for i in rows if keep(records[i].end_date)]
        rows = self._matching(rows, f.text.lower().split())
        return rows if rows is not candidates else list(rows)

    def _matching(self, rows: list[int], words: list[str]) -> list[int]:
        text = self._text
        for word in words:
            rows = [i for i in rows if word in text[i]]
        return rows

    def _horizon_test(self, horizon: int | str) -> Callable[[date | None], bool]:
        today = self._today
        if horizon == "none":
            return lambda end: end is None
        if horizon == "ended":
            return lambda end: end is not None and end < today
        until = add_months(today, int(horizon))
        return lambda end: end is not None and today <= end <= until

    # -- sorting ------------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_ids = [self._records[self._visible[i.row()]].id if i.row() < len(self._visible) else None
                   for i in old_persistent]  # fmt: skip
        self._sort = (column, order)
        self._order = self._sorted_order()
        shown = bytearray(len(self._records))
        for pos in self._visible:
            shown[pos] = 1
        self._visible = [pos for pos in self._order if shown[pos]]
        self._row_of_id = None
        new_indexes = []
        for idx, cid in zip(old_persistent, old_ids, strict=True):
            row = self.row_of_id(cid) if cid is not None else None
            new_indexes.append(self.index(row, idx.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(old_persistent, new_indexes)
        self.layoutChanged.emit()

    def _sorted_order(self) -> list[int]:
        if self._sort is None:
            return list(range(len(self._records)))
        column, order = self._sort
        ascending = self._sort_cache.get(column)
        if ascending is None:
            key = COLUMNS[column].sort_key
            keys = [_sortable(key(r)) for r in self._records]
            ascending = sorted(range(len(keys)), key=keys.__getitem__)
            self._sort_cache[column] = ascending
        return ascending if order == Qt.SortOrder.AscendingOrder else ascending[::-1]

    # -- lookups ------------------------------------------------------------------------------------

    def record(self, row: int) -> ContractRecord | None:
        return self._records[self._visible[row]] if 0 <= row < len(self._visible) else None

    def records(self) -> list[ContractRecord]:
        return self._records

    def visible_count(self) -> int:
        return len(self._visible)

    def total_count(self) -> int:
        return len(self._records)

    def row_of_id(self, contract_id: int) -> int | None:
        if self._row_of_id is None:
            records = self._records
            self._row_of_id = {records[pos].id: row for row, pos in enumerate(self._visible)}
        return self._row_of_id.get(contract_id)

    def partners(self) -> list[str]:
        return sorted({r.partner for r in self._records})

    def categories(self) -> list[str]:
        return sorted({r.category for r in self._records if r.category})

    # -- Qt's model interface ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called thousands of times per repaint: plain int roles, cheapest checks first.
        if role not in _ROLES_ANSWERED or not index.isValid():
            return None
        record = self._records[self._visible[index.row()]]
        column = COLUMNS[index.column()]
        if role == _DISPLAY:
            return column.text(record)
        if role == _ALIGNMENT:
            return _RIGHT if column.numeric else None
        if role == _FOREGROUND:
            return self._dim if record.status in ENDED_STATUSES else None
        if role == _TOOLTIP and column.key in ("title", "reference"):
            description = record.description[:400] + ("…" if len(record.description) > 400 else "")
            return f"{record.title}\n\n{description}".strip()
        return record if role == _RECORD else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].header
            if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[section].numeric:
                return _RIGHT
        return None


def _narrows(old: str, new: str) -> bool:
    """True when every row matching ``new`` also matches ``old`` (so filtering can start from old's rows)."""
    old_words, new_words = old.lower().split(), new.lower().split()
    # Each old word must be contained in some new word: then any row with all new words has all old ones.
    return all(any(o in n for n in new_words) for o in old_words)
