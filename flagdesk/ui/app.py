"""Start-up of the desktop client: show a window first, import the heavy libraries after."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QMessageBox, QTableView, QVBoxLayout, QWidget

COLUMNS = ("Partner", "Reference", "Title", "Suppliers", "Annual value", "End date")


class ContractTableModel(QAbstractTableModel):
    """Rows are plain tuples; filtering happens here over pre-lowered text, not in a proxy."""

    def __init__(self) -> None:
        super().__init__()
        self._all: list[tuple[str, ...]] = []
        self._text: list[str] = []
        self._rows: list[int] = []

    def set_records(self, records) -> None:  # type: ignore[no-untyped-def]
        from flagdesk.domain import format_pence

        self.beginResetModel()
        self._all = [
            (
                r.partner,
                r.reference,
                r.title,
                ", ".join(r.suppliers),
                format_pence(r.annual_value_pence),
                r.end_date.isoformat() if r.end_date else "",
            )
            for r in records
        ]
        self._text = [" ".join(row).lower() for row in self._all]
        self._rows = list(range(len(self._all)))
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        words = text.lower().split()
        self.beginResetModel()
        self._rows = [i for i, t in enumerate(self._text) if all(w in t for w in words)]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            return self._all[self._rows[index.row()]][index.column()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class MainWindow(QMainWindow):
    def __init__(self, db: str | None) -> None:
        super().__init__()
        self.db = db
        self.setWindowTitle("FlagDesk")
        self.resize(1280, 800)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.filter_edit = QLineEdit(placeholderText="Filter contracts by title, supplier, reference…")
        self.filter_edit.setAccessibleName("Contract filter")
        self.model = ContractTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Contracts")
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        self.filter_edit.textChanged.connect(self.model.set_filter)
        self.statusBar().showMessage("Opening the register…")

    def load(self) -> None:
        from flagdesk.errors import UserError
        from flagdesk.services.contracts import load_contract_records
        from flagdesk.store.engine import open_register

        try:
            reg = open_register(self.db)
            with reg.session() as session:
                records = load_contract_records(session)
        except UserError as exc:
            QMessageBox.warning(self, "FlagDesk", str(exc))
            self.statusBar().showMessage(str(exc))
            return
        self.model.set_records(records)
        self.statusBar().showMessage(f"{reg.description} — {reg.user} — {len(records):,} contracts")
        reg.dispose()


def run(db: str | None = None, screenshot_dir: str | None = None, as_json: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(db)
    window.show()
    QTimer.singleShot(0, window.load)
    if screenshot_dir:
        from pathlib import Path

        def shoot() -> None:
            Path(screenshot_dir).mkdir(parents=True, exist_ok=True)
            window.grab().save(str(Path(screenshot_dir) / "contracts.png"))
            app.quit()

        QTimer.singleShot(50, shoot)
    return app.exec()


def main() -> int:
    return run()
