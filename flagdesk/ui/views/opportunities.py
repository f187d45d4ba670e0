"""Opportunities: the list the analysis found, one opportunity's evidence and contracts on a timeline,
its status workflow, realised savings, and "Create commissioning pack…".

Everything is asked of flagdesk.services.opportunities and .packs; this module only presents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from flagdesk.domain import OpportunityKind, OpportunityStatus, format_pence
from flagdesk.records import ContractRecord
from flagdesk.ui.views.listing import Column, RecordTableModel, record_table, restore_layout, save_layout, selected_row
from flagdesk.ui.views.timeline import ContractTimeline

ALL_KINDS = "All kinds"
SHARED_BY_VALUE = "Shared by annual value"


def _label(value: str | None) -> str:
    return (value or "").replace("_", " ")


def opportunity_columns() -> list[Column[Any]]:
    return [
        Column("Kind", lambda o: _label(o.kind), width=14),
        Column("Title", lambda o: o.title, tooltip=lambda o: o.title, width=44),
        Column("Partners", lambda o: ", ".join(o.partners), key=lambda o: len(o.partners),
               tooltip=lambda o: "\n".join(o.partners), width=28),
        Column("Annual value", lambda o: format_pence(o.combined_annual_value_pence),
               key=lambda o: o.combined_annual_value_pence, numeric=True, width=15),
        Column("Est. saving", lambda o: format_pence(o.estimated_saving_pence),
               key=lambda o: o.estimated_saving_pence, numeric=True, width=14),
        Column("Realised", lambda o: format_pence(o.realised_saving_pence) if o.realised_saving_pence else "",
               key=lambda o: o.realised_saving_pence, numeric=True, width=11),
        Column("Status", lambda o: _label(o.status) + ("" if o.is_current else " (no longer found)"), width=14),
        Column("Proposed start", lambda o: o.proposed_start.isoformat() if o.proposed_start else "",
               key=lambda o: o.proposed_start),
    ]


class OpportunityDetail(QWidget):
    """One opportunity: facts, evidence, timeline, status change and realised savings."""

    status_requested = Signal(str, str)  # status, note
    saving_requested = Signal(str, str, str)  # pounds, partner ('' = shared), note

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opportunity: Any = None
        self.heading = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("font-weight: bold; font-size: 13pt")
        self.facts = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evidence = QListWidget()
        self.evidence.setAccessibleName("Evidence")
        self.evidence.setWordWrap(True)
        self.timeline = ContractTimeline()
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addWidget(QLabel("Evidence"))
        layout.addWidget(self.evidence, 1)
        layout.addWidget(QLabel("Contracts"))
        layout.addWidget(self.timeline)
        layout.addWidget(self._status_box())
        layout.addWidget(self._saving_box())
        self.show_opportunity(None, [])

    def _status_box(self) -> QGroupBox:
        box = QGroupBox("Status")
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("New status")
        for status in OpportunityStatus:
            self.status_combo.addItem(_label(status.value).capitalize(), status.value)
        self.note_edit = QLineEdit(placeholderText="Note (a reason is required to dismiss)")
        self.note_edit.setAccessibleName("Status note")
        self.status_button = QPushButton("Change status")
        self.status_button.clicked.connect(
            lambda: self.status_requested.emit(self.status_combo.currentData(), self.note_edit.text())
        )
        form = QFormLayout(box)
        form.addRow("Move to", self.status_combo)
        form.addRow("Note", self.note_edit)
        form.addRow("", self.status_button)
        return box

    def _saving_box(self) -> QGroupBox:
        box = QGroupBox("Realised saving")
        self.amount_edit = QLineEdit(placeholderText="e.g. 12,500")
        self.amount_edit.setAccessibleName("Saving in pounds")
        self.partner_combo = QComboBox()
        self.partner_combo.setAccessibleName("Partner that realised the saving")
        self.saving_note = QLineEdit()
        self.saving_note.setAccessibleName("Saving note")
        self.saving_button = QPushButton("Record saving")
        self.saving_button.clicked.connect(self._request_saving)
        row = QHBoxLayout()
        row.addWidget(QLabel("£"))
        row.addWidget(self.amount_edit)
        form = QFormLayout(box)
        form.addRow("Amount", row)
        form.addRow("Partner", self.partner_combo)
        form.addRow("Note", self.saving_note)
        form.addRow("", self.saving_button)
        return box

    def _request_saving(self) -> None:
        partner = self.partner_combo.currentData() or ""
        self.saving_requested.emit(self.amount_edit.text(), partner, self.saving_note.text())

    def show_opportunity(self, o: Any, contracts: list[ContractRecord]) -> None:
        self.opportunity = o
        for widget in (self.status_button, self.saving_button, self.status_combo, self.amount_edit):
            widget.setEnabled(o is not None)
        self.evidence.clear()
        if o is None:
            self.heading.setText("Choose an opportunity")
            self.facts.setText("")
            self.timeline.set_contracts([])
            return
        self.heading.setText(o.title)
        self.facts.setText(self._facts_text(o))
        self.evidence.addItems(list(o.evidence))
        self.timeline.set_contracts(contracts, o.proposed_start)
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(o.status)))
        self.note_edit.setText(o.status_note or "")
        self.partner_combo.clear()
        self.partner_combo.addItem(SHARED_BY_VALUE, "")
        for partner in o.partners:
            self.partner_combo.addItem(partner, partner)

    @staticmethod
    def _facts_text(o: Any) -> str:
        assumptions = o.assumptions or {}
        lines = [
            f"{_label(o.kind).capitalize()} · {_label(o.status)}" + ("" if o.is_current else " · no longer found"),
            f"Need: {o.need_label}" if o.need_label else "",
            f"Partners: {', '.join(o.partners)}" + (f" (lead: {o.lead_partner})" if o.lead_partner else ""),
            f"Combined annual value {format_pence(o.combined_annual_value_pence)}; estimated saving "
            f"{format_pence(o.estimated_saving_pence)}; realised {format_pence(o.realised_saving_pence)}",
            f"Proposed start {o.proposed_start.isoformat()}" if o.proposed_start else "",
            str(assumptions.get("explanation", "")),
            f"Status note: {o.status_note}" if o.status_note else "",
        ]
        return "\n".join(line for line in lines if line)


class OpportunitiesView(QWidget):
    title = "Opportunities"

    def __init__(self, app: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.model: RecordTableModel[Any] = RecordTableModel(opportunity_columns(), self)
        self.table = record_table(self.model, "Opportunities", self)
        self.detail = OpportunityDetail()
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Opportunity kind")
        self.kind_combo.addItem(ALL_KINDS, None)
        for kind in OpportunityKind:
            self.kind_combo.addItem(_label(kind.value).capitalize(), kind.value)
        self.stale_check = QCheckBox("Show ones no longer found")
        self.analyse_button = QPushButton("&Analyse register")
        self.analyse_button.setToolTip("Find aggregation, reuse and rationalisation opportunities again (Ctrl+Shift+A)")
        self.pack_button = QPushButton("Create commissioning &pack…")
        self.pack_button.setEnabled(False)
        self.count_label = QLabel()
        self.analysis_label = QLabel()
        self._build_layout()
        self._connect()

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        for widget in (QLabel("Kind"), self.kind_combo, self.stale_check, self.count_label, self.analysis_label):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.analyse_button)
        bar.addWidget(self.pack_button)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.detail)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(scroll)
        self.splitter.setSizes([720, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        self.kind_combo.currentIndexChanged.connect(self.refresh)
        self.stale_check.toggled.connect(self.refresh)
        self.analyse_button.clicked.connect(self.analyse)
        self.pack_button.clicked.connect(self.create_pack)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail.status_requested.connect(self.change_status)
        self.detail.saving_requested.connect(self.record_saving)
        QShortcut(QKeySequence("Ctrl+Shift+A"), self, self.analyse)  # F5 is the window's Refresh


    # --- remembered layout (the main window calls these) ------------------------------------------

    def _layout_widgets(self) -> dict[str, Any]:
        return {"table": self.table, "splitter": self.splitter}

    def save_state(self, settings: Any) -> None:
        save_layout(settings, "opportunities", self._layout_widgets())

    def restore_state(self, settings: Any) -> None:
        restore_layout(settings, "opportunities", self._layout_widgets())

    # --- loading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        from flagdesk.services.opportunities import list_opportunities

        kind, stale = self.kind_combo.currentData(), self.stale_check.isChecked()
        self.app.read(lambda s: list_opportunities(s, kind=kind, include_stale=stale), self._show_list,
                      label="Loading opportunities")

    def _show_list(self, opportunities: list[Any]) -> None:
        keep = self.current_id()
        self.model.set_records(opportunities)
        self.count_label.setText(f"{len(opportunities):,} opportunities")
        rows = [i for i, o in enumerate(self.model.records()) if o.id == keep] or ([0] if opportunities else [])
        if rows:
            self.table.selectRow(rows[0])
        else:
            self.detail.show_opportunity(None, [])
            self.pack_button.setEnabled(False)

    def current_id(self) -> str | None:
        o = self.model.record(selected_row(self.table))
        return o.id if o is not None else None

    def _selection_changed(self) -> None:
        oid = self.current_id()
        self.pack_button.setEnabled(oid is not None)
        if oid is not None:
            self.load_detail(oid)

    def load_detail(self, oid: str) -> None:
        from flagdesk.services.contracts import load_contract_records
        from flagdesk.services.opportunities import get_opportunity

        def load(session: Any) -> tuple[Any, list[ContractRecord]]:
            o = get_opportunity(session, oid)
            return o, load_contract_records(session, ids=o.contract_ids) if o.contract_ids else []

        self.app.read(load, self._show_detail, label="Loading the opportunity")

    def _show_detail(self, loaded: tuple[Any, list[ContractRecord]]) -> None:
        o, contracts = loaded
        self.detail.show_opportunity(o, contracts)
        row = next((i for i, r in enumerate(self.model.records()) if r.id == o.id), -1)
        if row >= 0:
            self.model.replace_record(row, o)

    # --- changes ---------------------------------------------------------------------------------

    def change_status(self, status: str, note: str) -> None:
        from flagdesk.services.opportunities import set_status

        o, app = self.detail.opportunity, self.app
        if o is None:
            return

        def failed(exc: BaseException) -> None:
            # A refused change (stale version, missing reason) shows why, then what is stored now.
            app.show_error(exc)
            self.load_detail(o.id)

        app.write(
            lambda s, _t: set_status(s, app.user, o.id, status, note=note.strip() or None, if_version=o.version),
            self._changed, label="Changing the status", on_error=failed,
        )

    def record_saving(self, pounds: str, partner: str, note: str) -> None:
        from flagdesk.services.opportunities import record_saving

        o, app = self.detail.opportunity, self.app
        if o is None:
            return
        app.write(
            lambda s, _t: record_saving(s, app.user, o.id, pounds, partner=partner or None, note=note.strip() or None),
            self._saving_recorded, label="Recording the saving",
        )

    def _saving_recorded(self, o: Any) -> None:
        self.detail.amount_edit.clear()
        self.detail.saving_note.clear()
        self._changed(o)

    def _changed(self, o: Any) -> None:
        self.load_detail(o.id)

    def analyse(self) -> None:
        from flagdesk.services.opportunities import refresh_opportunities

        app = self.app
        app.write(
            lambda s, t: refresh_opportunities(s, app.user, progress=t.progress, cancel=t.cancelled),
            self._analysed, label="Analysing the register", cancellable=True,
        )

    def _analysed(self, summary: Any) -> None:
        self.analysis_label.setText(f"· analysis: {summary.found:,} found, {summary.new:,} new, "
                                    f"{summary.no_longer_found:,} no longer found")
        self.refresh()

    # --- commissioning pack ----------------------------------------------------------------------

    def create_pack(self) -> None:
        from flagdesk.services.packs import assemble_pack

        oid, app = self.current_id(), self.app
        if oid is None:
            return
        suggested = str(Path.home() / f"commissioning-pack-{oid}.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Save commissioning pack", suggested, "PDF (*.pdf)")
        if not path:
            return
        app.read(lambda s: assemble_pack(s, oid, prepared_by=app.user), lambda pack: self._render_pack(pack, path),
                      label="Gathering the pack")

    def _render_pack(self, pack: Any, path: str) -> None:
        from flagdesk.reports.pack import write_pack

        self.app.tasks.run(
            lambda t: write_pack(pack, path, progress=t.progress, cancel=t.cancelled),
            lambda pages: self._show_pack(pack, path, pages),
            label="Writing the commissioning pack", cancellable=True,
        )

    def _show_pack(self, pack: Any, path: str, pages: int) -> None:
        from flagdesk.ui.dialogs.pack import PackPreviewDialog

        self.pack_dialog = PackPreviewDialog(pack, Path(path), pages, self)
        self.pack_dialog.open()
