"""Suppliers: the list, the review queue of likely duplicates with their evidence, merge and unmerge.

flagdesk.services.suppliers finds the pairs and does the merging; the view shows and asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from flagdesk.ui.views.listing import (
    Column,
    RecordTableModel,
    confirm,
    record_table,
    restore_layout,
    save_layout,
    selected_row,
)


def _flag(value: bool | None) -> str:
    return {True: "yes", False: "no", None: ""}[value]


def supplier_columns() -> list[Column[Any]]:
    return [
        Column("Supplier", lambda s: s.name, key=lambda s: s.name.lower(), tooltip=lambda s: "\n".join(s.aliases),
               width=44),
        Column("Company number", lambda s: ", ".join(s.company_numbers), width=16),
        Column("Contracts", lambda s: f"{s.contracts:,}", key=lambda s: s.contracts, numeric=True, width=10),
        Column("SME", lambda s: _flag(s.is_sme), width=5),
        Column("VCSE", lambda s: _flag(s.is_vcse), width=5),
        Column("Spellings", lambda s: str(len(s.aliases)), key=lambda s: len(s.aliases), numeric=True),
    ]


def pair_columns() -> list[Column[Any]]:
    def side(label: str, get: Any) -> Column[Any]:
        return Column(label, lambda p: get(p).name, tooltip=lambda p: _describe(get(p)), width=44)

    return [
        Column("Score", lambda p: f"{p.score:.0f}", key=lambda p: p.score, numeric=True, width=6),
        side("Supplier A", lambda p: p.a),
        side("Supplier B", lambda p: p.b),
        Column("Contracts A / B", lambda p: f"{p.a.contracts:,} / {p.b.contracts:,}",
               key=lambda p: p.a.contracts + p.b.contracts, numeric=True),
    ]


def _describe(s: Any) -> str:
    numbers = ", ".join(s.company_numbers) or "no company number"
    return f"{s.name} (#{s.id}, {numbers}, {s.contracts:,} contracts)\nSpellings: " + "; ".join(s.aliases)


@dataclass(frozen=True)
class MergeRow:
    """A merge still in force, as the audit trail records it."""

    kept_id: int
    kept_name: str
    merged_id: int
    at: str
    by: str


def live_merges(events: list[Any], names: dict[int, str]) -> list[MergeRow]:
    """Merges not since undone: the latest merge/unmerge event of each merged-away supplier wins."""
    latest: dict[str, Any] = {}
    for e in events:
        if e.action in ("merge", "unmerge") and e.field == "merged_into_id":
            latest[e.record] = e
    rows = [
        MergeRow(int(e.new), names.get(int(e.new), f"#{e.new}"), int(e.record),
                 e.at.isoformat(sep=" ", timespec="minutes") if e.at else "", e.user)
        for e in latest.values()
        if e.action == "merge" and e.new
    ]
    return sorted(rows, key=lambda m: m.at, reverse=True)


def merge_columns() -> list[Column[MergeRow]]:
    return [
        Column("Kept", lambda m: f"{m.kept_name} (#{m.kept_id})", key=lambda m: m.kept_name.lower(), width=44),
        Column("Merged into it", lambda m: f"#{m.merged_id}", key=lambda m: m.merged_id, numeric=True, width=14),
        Column("When", lambda m: m.at, width=17),
        Column("By", lambda m: m.by),
    ]


def load_suppliers_and_merges(session: Any) -> tuple[list[Any], list[MergeRow]]:
    from flagdesk.services.audit import list_audit
    from flagdesk.services.suppliers import list_suppliers

    suppliers = list_suppliers(session)
    names = {s.id: s.name for s in suppliers}
    return suppliers, live_merges(list_audit(session, table="supplier"), names)


class SuppliersView(QWidget):
    title = "Suppliers"

    def __init__(self, app: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._all: list[Any] = []
        self._search_text: list[str] = []
        self.suppliers_model: RecordTableModel[Any] = RecordTableModel(supplier_columns(), self)
        self.pairs_model: RecordTableModel[Any] = RecordTableModel(pair_columns(), self)
        self.merges_model: RecordTableModel[MergeRow] = RecordTableModel(merge_columns(), self)
        self.search_edit = QLineEdit(placeholderText="Filter suppliers by name, spelling or company number…")
        self.search_edit.setAccessibleName("Supplier filter")
        self.search_edit.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._list_tab(), "All suppliers")
        self.tabs.addTab(self._queue_tab(), "Review queue")
        self.tabs.addTab(self._merges_tab(), "Merges")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.queue_loaded = False
        self.tabs.currentChanged.connect(self._tab_changed)

    # --- layout -------------------------------------------------------------------------------

    def _list_tab(self) -> QWidget:
        self.suppliers_table = record_table(self.suppliers_model, "Suppliers")
        self.aliases = QListWidget()
        self.aliases.setAccessibleName("Spellings of the selected supplier")
        self.suppliers_table.selectionModel().selectionChanged.connect(self._supplier_selected)
        self.search_edit.textChanged.connect(self._filter)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(QLabel("Spellings seen in imports"))
        right_layout.addWidget(self.aliases)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.suppliers_table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.count_label)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        return tab

    def _queue_tab(self) -> QWidget:
        self.pairs_table = record_table(self.pairs_model, "Likely duplicate suppliers")
        self.pairs_table.selectionModel().selectionChanged.connect(self._pair_selected)
        self.evidence = QListWidget()
        self.evidence.setAccessibleName("Evidence for the selected pair")
        self.evidence.setWordWrap(True)
        self.keep_a_button = QPushButton("Merge B into &A")
        self.keep_b_button = QPushButton("Merge A into &B")
        self.queue_label = QLabel("The queue is built when you open this tab.")
        for button, keep_a in ((self.keep_a_button, True), (self.keep_b_button, False)):
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, k=keep_a: self.merge_selected(keep_a=k))
        buttons = QHBoxLayout()
        buttons.addWidget(self.queue_label, 1)
        buttons.addWidget(self.keep_a_button)
        buttons.addWidget(self.keep_b_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("Evidence"))
        lower_layout.addWidget(self.evidence)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.pairs_table)
        splitter.addWidget(lower)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        return tab

    def _merges_tab(self) -> QWidget:
        self.merges_table = record_table(self.merges_model, "Merges in force")
        self.unmerge_button = QPushButton("&Unmerge")
        self.unmerge_button.setEnabled(False)
        self.unmerge_button.clicked.connect(self.unmerge_selected)
        self.merges_table.selectionModel().selectionChanged.connect(
            lambda: self.unmerge_button.setEnabled(selected_row(self.merges_table) >= 0))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("An unmerge puts back exactly the contracts and spellings the merge moved."), 1)
        bar.addWidget(self.unmerge_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(bar)
        layout.addWidget(self.merges_table, 1)
        return tab


    # --- remembered layout (the main window calls these) ------------------------------------------

    def _layout_widgets(self) -> dict[str, Any]:
        return {"suppliers": self.suppliers_table, "pairs": self.pairs_table, "merges": self.merges_table}

    def save_state(self, settings: Any) -> None:
        save_layout(settings, "suppliers", self._layout_widgets())

    def restore_state(self, settings: Any) -> None:
        restore_layout(settings, "suppliers", self._layout_widgets())

    # --- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.app.read(load_suppliers_and_merges, self._show, label="Loading suppliers")
        if self.queue_loaded or self.tabs.currentIndex() == 1:
            self.load_queue()

    def _show(self, loaded: tuple[list[Any], list[MergeRow]]) -> None:
        suppliers, merges = loaded
        self._all = suppliers
        # Lower-cased once here so each keystroke of the filter is a plain substring scan.
        self._search_text = [" ".join((s.name, *s.aliases, *s.company_numbers)).lower() for s in suppliers]
        self._filter()
        self.merges_model.set_records(merges)
        self.unmerge_button.setEnabled(False)

    def _filter(self) -> None:
        words = self.search_edit.text().lower().split()
        shown = [s for s, text in zip(self._all, self._search_text, strict=True) if all(w in text for w in words)]
        self.suppliers_model.set_records(shown)
        if shown and selected_row(self.suppliers_table) < 0:
            self.suppliers_table.selectRow(0)
        self.count_label.setText(f"{len(shown):,} of {len(self._all):,} suppliers")

    def _supplier_selected(self) -> None:
        s = self.suppliers_model.record(selected_row(self.suppliers_table))
        self.aliases.clear()
        if s is not None:
            self.aliases.addItems(list(s.aliases))

    def _tab_changed(self, index: int) -> None:
        if index == 1 and not self.queue_loaded:
            self.load_queue()

    def load_queue(self) -> None:
        from flagdesk.services.suppliers import find_duplicates

        self.queue_loaded = True
        self.queue_label.setText("Looking for likely duplicates…")
        self.app.read(find_duplicates, self._show_queue, label="Finding likely duplicate suppliers", quiet=False)

    def _show_queue(self, pairs: list[Any]) -> None:
        self.pairs_model.set_records(pairs)
        if pairs:
            self.pairs_table.selectRow(0)
        self.queue_label.setText(f"{len(pairs):,} pairs to review, best first")
        self._pair_selected()

    def _pair_selected(self) -> None:
        pair = self.pairs_model.record(selected_row(self.pairs_table))
        self.evidence.clear()
        for button in (self.keep_a_button, self.keep_b_button):
            button.setEnabled(pair is not None)
        if pair is not None:
            self.evidence.addItems([_describe(pair.a), _describe(pair.b), *pair.evidence])

    # --- merge and unmerge ----------------------------------------------------------------------

    def merge_selected(self, *, keep_a: bool) -> None:
        from flagdesk.services.suppliers import merge_suppliers

        pair, app = self.pairs_model.record(selected_row(self.pairs_table)), self.app
        if pair is None:
            return
        keep, other = (pair.a, pair.b) if keep_a else (pair.b, pair.a)
        if not confirm(self, "Merge suppliers", f"Merge “{other.name}” into “{keep.name}”? Its {other.contracts:,} "
                       "contract(s) and spellings move to the one kept; you can unmerge later."):
            return
        app.write(lambda s, _t: merge_suppliers(s, keep.id, other.id, user=app.user), lambda _r: self.refresh(),
                  label="Merging suppliers")

    def unmerge_selected(self) -> None:
        from flagdesk.services.suppliers import unmerge_suppliers

        merge, app = self.merges_model.record(selected_row(self.merges_table)), self.app
        if merge is None or not confirm(self, "Unmerge suppliers",
                                        f"Separate supplier #{merge.merged_id} from “{merge.kept_name}” again?"):
            return
        app.write(lambda s, _t: unmerge_suppliers(s, merge.kept_id, merge.merged_id, user=app.user),
                  lambda _r: self.refresh(), label="Unmerging suppliers")
