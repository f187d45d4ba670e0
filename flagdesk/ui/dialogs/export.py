"""Export the register as open data: OCDS release package, Transparency Code CSV, or xlsx.

flagdesk.services.exports writes the file (atomically, cells never starting a formula); the dialog
asks what, whose and where, and runs the export off the GUI thread with progress and Cancel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from flagdesk.errors import CancelledError
from flagdesk.ui.views.listing import ProgressStrip

# format -> (label, suffix, file filter)
FORMATS: dict[str, tuple[str, str, str]] = {
    "ocds": ("OCDS 1.1 release package (JSON)", ".json", "JSON (*.json)"),
    "transparency-csv": ("Transparency Code contract register (CSV)", ".csv", "CSV (*.csv)"),
    "xlsx": ("Register workbook (xlsx)", ".xlsx", "Excel workbook (*.xlsx)"),
}
ALL_PARTNERS = "All partners"


class ExportDialog(QDialog):
    def __init__(self, app: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.exported: int | None = None
        self.setWindowTitle("Export the register")
        self.setAccessibleName("Export the register")
        self.format_combo = QComboBox()
        self.format_combo.setAccessibleName("Export format")
        for key, (label, _suffix, _filter) in FORMATS.items():
            self.format_combo.addItem(label, key)
        self.partner_combo = QComboBox()
        self.partner_combo.setAccessibleName("Partner to export")
        self.partner_combo.addItem(ALL_PARTNERS, None)
        self.path_edit = QLineEdit(str(Path.home() / "flagdesk-register.json"))
        self.path_edit.setAccessibleName("File to write")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.browse)
        self.progress = ProgressStrip()
        self.message = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.message.setAccessibleName("Export result")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        self.format_combo.currentIndexChanged.connect(self._suffix_follows_format)
        self.path_edit.textChanged.connect(lambda text: self.export_button.setEnabled(bool(text.strip())))
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("&Format", self.format_combo)
        form.addRow("&Partner", self.partner_combo)
        form.addRow("&File", path_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(620, 220)
        self._load_partners()

    def _load_partners(self) -> None:
        from flagdesk.services.partners import list_partners

        self.app.read(lambda s: [p.name for p in list_partners(s)], self._show_partners, label="Partners")

    def _show_partners(self, names: list[str]) -> None:
        for name in names:
            self.partner_combo.addItem(name, name)

    def fmt(self) -> str:
        return self.format_combo.currentData()

    def _suffix_follows_format(self) -> None:
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(FORMATS[self.fmt()][1])))

    def browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), FORMATS[self.fmt()][2])
        if path:
            self.path_edit.setText(path)

    def export(self) -> None:
        from flagdesk.services.exports import export_register

        fmt, partner, path, app = self.fmt(), self.partner_combo.currentData(), self.path_edit.text().strip(), self.app

        def work(t: Any) -> int:
            with app.register().session() as session:
                return export_register(session, fmt, path, partner=partner, progress=t.progress, cancel=t.cancelled)

        self.export_button.setEnabled(False)
        self.message.setText("Exporting…")
        self.progress.follow(app.tasks.run(work, lambda n: self._done(n, path), label="Exporting the register",
                                           cancellable=True, quiet=True, on_error=self._failed))

    def _done(self, count: int, path: str) -> None:
        self.progress.stop()
        self.exported = count
        self.export_button.setEnabled(True)
        self.message.setText(f"Exported {count:,} contracts to {path}.")

    def _failed(self, exc: BaseException) -> None:
        self.progress.stop()
        self.export_button.setEnabled(True)
        if isinstance(exc, CancelledError):
            self.message.setText("Cancelled; no file was written.")
            return
        self.message.setText(f"Not exported: {exc}")
        self.app.show_error(exc)

    def reject(self) -> None:
        self.progress.cancel()
        super().reject()
