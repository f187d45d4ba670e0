"""Base for views drawn from the shared contract records (dashboard, partners, pipeline)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from flagdesk.records import ContractRecord
from flagdesk.ui.context import AppContext


class ContractRecordsView(QWidget):
    """Loads the shared records on refresh and again after any write while on screen."""

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.status = QLabel("")
        app.register_changed.connect(self._register_changed)

    def refresh(self) -> None:
        self.status.setText("Loading…")
        self.app.contract_records(self.show_records)

    def _register_changed(self) -> None:
        if self.isVisible():
            self.refresh()

    def show_records(self, records: list[ContractRecord]) -> None:
        raise NotImplementedError
