"""Partners: the organisations sharing the register, with what each holds and what ends soon."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from flagdesk.domain import format_pounds_short
from flagdesk.records import ContractRecord
from flagdesk.ui.context import AppContext
from flagdesk.ui.views.listing import Column, RecordTableModel, record_table
from flagdesk.ui.views.records_view import ContractRecordsView

_KIND_LABELS = {"nhs_trust": "NHS trust", "icb": "Integrated care board"}


def _kind(value: str) -> str:
    return _KIND_LABELS.get(value) or value.replace("_", " ").capitalize()


def partner_columns() -> list[Column[Any]]:
    return [
        Column("Partner", lambda p: p.name),
        Column("Kind", lambda p: _kind(p.kind)),
        Column("Region", lambda p: p.region or ""),
        Column("Contracts", lambda p: f"{p.contracts:,}", key=lambda p: p.contracts, numeric=True),
        Column("Live", lambda p: f"{p.live_contracts:,}", key=lambda p: p.live_contracts, numeric=True),
        Column("Annual value (live)", lambda p: format_pounds_short(p.live_annual_pence),
               key=lambda p: p.live_annual_pence, numeric=True),
        Column("Ending in 12 months", lambda p: f"{p.expiring_12_months:,}", key=lambda p: p.expiring_12_months,
               numeric=True),
        Column("Collaborative share", lambda p: _share(p), key=lambda p: _ratio(p), numeric=True),
    ]  # fmt: skip


def _ratio(p: Any) -> float:
    return p.collaborative_pence / p.live_annual_pence if p.live_annual_pence else 0.0


def _share(p: Any) -> str:
    return f"{_ratio(p):.0%}" if p.live_annual_pence else ""


class PartnersView(ContractRecordsView):
    title = "Partners"

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.setAccessibleName("Partners")
        self.model: RecordTableModel[Any] = RecordTableModel(partner_columns(), self)
        self.table = record_table(self.model, "Partners table")
        widths = (280, 150, 170, 80, 60, 140, 150)
        for i, width in enumerate(widths):
            self.table.horizontalHeader().resizeSection(i, width)
        self.detail = QLabel("Select a partner to see its main categories.")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setAccessibleName("Partner summary")
        self.detail.setMargin(8)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([600, 140])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

    def show_records(self, records: list[ContractRecord]) -> None:
        def work(session: Any) -> Any:
            from flagdesk.services.dashboard import partner_summaries
            from flagdesk.services.partners import list_partners

            return partner_summaries(list_partners(session), records)

        self.app.read(work, self.show_partners, label="Summarising partners")

    def show_partners(self, summaries: list[Any]) -> None:
        self.model.set_records(summaries)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.resizeRowsToContents()
        self.status.setText(f"{len(summaries):,} partners")
        if summaries and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        p = self.model.record(rows[0].row()) if rows else None
        if p is None:
            return
        categories = ", ".join(p.top_categories) or "none recorded"
        self.detail.setText(
            f"{p.name} ({_kind(p.kind)}{', ' + p.region if p.region else ''}): {p.live_contracts:,} live contracts "
            f"worth {format_pounds_short(p.live_annual_pence)} a year; {p.expiring_12_months:,} end in the next 12 "
            f"months.\nLargest categories: {categories}."
        )
