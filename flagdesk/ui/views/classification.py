"""Classification: review the CPV codes FlagDesk suggests for contracts that carry none.

Each suggestion comes with its confidence and evidence (flagdesk.services.classification). A person
accepts or rejects them one by one, or accepts every top suggestion at or above a threshold.
A rejection only takes the suggestion off this review: nothing is written for it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from flagdesk.errors import CancelledError
from flagdesk.ui.views.listing import (
    Column,
    RecordTableModel,
    confirm,
    record_table,
    restore_layout,
    save_layout,
    selected_row,
)

DEFAULT_THRESHOLD_PCT = 60.0


def _top(r: Any) -> Any:
    return r.suggestions[0] if r.suggestions else None


def suggestion_text(s: Any) -> str:
    return f"{s.cpv} {s.label} ({s.confidence * 100:.0f}%)"


def contract_columns() -> list[Column[Any]]:
    return [
        Column("Contract", lambda r: str(r.contract_id), key=lambda r: r.contract_id, numeric=True, width=8),
        Column("Partner", lambda r: r.partner, width=24),
        Column("Title", lambda r: r.title, tooltip=lambda r: r.title, width=44),
        Column("Best suggestion", lambda r: f"{_top(r).cpv} {_top(r).label}" if _top(r) else "(none left)", width=36),
        Column("Confidence", lambda r: f"{_top(r).confidence * 100:.0f}%" if _top(r) else "",
               key=lambda r: _top(r).confidence if _top(r) else None, numeric=True),
    ]


def above(records: list[Any], threshold: float) -> int:
    """How many contracts' best suggestion reaches the threshold (what 'accept all above' will do)."""
    return sum(1 for r in records if _top(r) is not None and _top(r).confidence >= threshold)


class ClassificationView(QWidget):
    title = "Classification"

    def __init__(self, app: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.suggested = False
        self.model: RecordTableModel[Any] = RecordTableModel(contract_columns(), self)
        self.table = record_table(self.model, "Contracts without a CPV code", self)
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName("Suggested codes for the selected contract")
        self.evidence = QListWidget()
        self.evidence.setAccessibleName("Evidence for the selected code")
        self.evidence.setWordWrap(True)
        self.accept_button = QPushButton("&Accept code")
        self.reject_button = QPushButton("&Reject code")
        self.threshold = QDoubleSpinBox()
        self.threshold.setAccessibleName("Confidence threshold in percent")
        self.threshold.setRange(0.0, 100.0)
        self.threshold.setSuffix(" %")
        self.threshold.setDecimals(0)
        self.threshold.setValue(DEFAULT_THRESHOLD_PCT)
        self.accept_all_button = QPushButton("Accept all at or above")
        self.suggest_button = QPushButton("&Suggest codes")
        self.suggest_button.setToolTip("Work out codes for contracts without one (seconds on a large register)")
        self.status = QLabel("Press Suggest codes to find codes for the contracts that have none.")
        self._build_layout()
        self._connect()
        self._selection_changed()

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.suggest_button)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.accept_all_button)
        bar.addWidget(self.threshold)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.addWidget(QLabel("Suggested codes"))
        detail_layout.addWidget(self.suggestions)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        detail_layout.addLayout(buttons)
        detail_layout.addWidget(QLabel("Evidence"))
        detail_layout.addWidget(self.evidence, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.suggestions.currentRowChanged.connect(self._show_evidence)
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.accept_all_button.clicked.connect(self.accept_above)
        self.suggest_button.clicked.connect(self.suggest)
        self.threshold.valueChanged.connect(self._update_counts)


    # --- remembered layout (the main window calls these) ------------------------------------------

    def _layout_widgets(self) -> dict[str, Any]:
        return {"table": self.table}

    def save_state(self, settings: Any) -> None:
        save_layout(settings, "classification", self._layout_widgets())

    def restore_state(self, settings: Any) -> None:
        restore_layout(settings, "classification", self._layout_widgets())

    # --- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Suggestions already shown stay; working them out learns from the whole register, so it
        runs only when asked (opening the view must stay quick at 100,000 contracts)."""
        if self.suggested:
            self.suggest()

    def suggest(self) -> None:
        from flagdesk.services.classification import suggest_codes

        app = self.app
        self.suggested = True

        def work(t: Any) -> list[Any]:
            with app.register().session() as session:
                return suggest_codes(session, progress=t.progress, cancel=t.cancelled)

        self.status.setText("Working out suggestions…")
        self.suggest_button.setEnabled(False)
        app.tasks.run(work, self._show, label="Suggesting CPV codes", cancellable=True,
                      on_error=self._suggest_failed)

    def _suggest_failed(self, exc: BaseException) -> None:
        self.suggest_button.setEnabled(True)
        self.status.setText("No suggestions were worked out.")
        if not isinstance(exc, CancelledError):
            self.app.show_error(exc)

    def _show(self, results: list[Any]) -> None:
        self.suggest_button.setEnabled(True)
        self.model.set_records([r for r in results if r.suggestions])
        if self.model.rowCount():
            self.table.selectRow(0)
        self._update_counts()
        self._selection_changed()

    def _update_counts(self) -> None:
        records = self.model.records()
        n = above(records, self.threshold_value())
        if not records:
            self.status.setText("Nothing to review: every contract has a CPV code or no suggestion is left.")
        else:
            self.status.setText(f"{len(records):,} contracts without a code have suggestions; {n:,} at or above "
                                f"{self.threshold.value():.0f}%.")
        self.accept_all_button.setEnabled(n > 0)

    def threshold_value(self) -> float:
        return self.threshold.value() / 100.0

    # --- the selected contract -----------------------------------------------------------------

    def current(self) -> tuple[int, Any]:
        row = selected_row(self.table)
        return row, self.model.record(row)

    def _selection_changed(self) -> None:
        _row, record = self.current()
        self.suggestions.clear()
        if record is not None:
            self.suggestions.addItems([suggestion_text(s) for s in record.suggestions])
            self.suggestions.setCurrentRow(0)
        has = record is not None and bool(record.suggestions)
        self.accept_button.setEnabled(has)
        self.reject_button.setEnabled(has)
        self._show_evidence()

    def _chosen(self) -> Any:
        _row, record = self.current()
        index = self.suggestions.currentRow()
        if record is None or not 0 <= index < len(record.suggestions):
            return None
        return record.suggestions[index]

    def _show_evidence(self) -> None:
        self.evidence.clear()
        chosen = self._chosen()
        if chosen is not None:
            self.evidence.addItems(list(chosen.evidence))

    def accept_selected(self) -> None:
        from flagdesk.services.classification import accept_suggestion

        _row, record = self.current()
        chosen, app = self._chosen(), self.app
        if chosen is None:
            return
        app.write(lambda s, _t: accept_suggestion(s, record.contract_id, chosen.cpv, user=app.user,
                                                  confidence=chosen.confidence),
                  lambda _code: self._remove(record.contract_id), label="Accepting the CPV code")

    def _remove(self, contract_id: int) -> None:
        row, _record = self.current()
        self.model.set_records([r for r in self.model.records() if r.contract_id != contract_id])
        self._update_counts()
        if self.model.rowCount():
            self.table.selectRow(min(max(row, 0), self.model.rowCount() - 1))
        self._selection_changed()

    def reject_selected(self) -> None:
        row, record = self.current()
        chosen = self._chosen()
        if chosen is None:
            return
        kept = tuple(s for s in record.suggestions if s is not chosen)
        self.model.replace_record(row, replace(record, suggestions=kept))
        self._update_counts()
        self._selection_changed()

    def accept_above(self) -> None:
        """Accept each shown best suggestion at or above the threshold, in one transaction.

        What is shown is what gets accepted: a suggestion rejected here is not accepted again.
        """
        from flagdesk.services.classification import accept_suggestion

        threshold, app = self.threshold_value(), self.app
        chosen = [(r.contract_id, _top(r)) for r in self.model.records()
                  if _top(r) is not None and _top(r).confidence >= threshold]
        if not chosen or not confirm(self, "Accept suggestions", f"Accept the best suggestion of {len(chosen):,} "
                                     f"contracts whose confidence is at least {threshold * 100:.0f}%? They are "
                                     "marked as suggested, not published."):
            return

        def work(session: Any, t: Any) -> list[int]:
            for i, (contract_id, s) in enumerate(chosen):
                t.check_cancelled()
                accept_suggestion(session, contract_id, s.cpv, user=app.user, confidence=s.confidence)
                t.progress((i + 1) / len(chosen))
            return [contract_id for contract_id, _s in chosen]

        app.write(work, self._accepted_above, label="Accepting CPV codes", cancellable=True)

    def _accepted_above(self, accepted: list[int]) -> None:
        done = set(accepted)
        self.model.set_records([r for r in self.model.records() if r.contract_id not in done])
        self._update_counts()
        self._selection_changed()
        self.status.setText(f"{len(done):,} codes accepted. " + self.status.text())
