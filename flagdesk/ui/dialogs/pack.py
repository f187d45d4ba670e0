"""Preview of a written commissioning pack, with Open and Print.

PySide6-Essentials may lack QtPdf. With it, the pages are rendered here and printed through
QPrintDialog; without it, the dialog shows what the pack contains and hands the PDF to the
system's viewer (and, on Windows, the system's print verb), which prints a PDF faithfully.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from flagdesk.domain import format_pence

try:  # QtPdf ships with PySide6-Addons, not with Essentials
    from PySide6.QtPdf import QPdfDocument
except ImportError:  # pragma: no cover - depends on the wheel installed
    QPdfDocument = None

PREVIEW_WIDTH = 700


def has_pdf_rendering() -> bool:
    return QPdfDocument is not None


def pack_outline(pack: Any, pages: int) -> list[str]:
    """What the pack holds, line by line, for the preview when pages cannot be drawn."""
    o = pack.opportunity
    lines = [
        f"{o.title}",
        f"{pages} pages, prepared {pack.prepared_on.isoformat()}" + (f" by {pack.prepared_by}" if pack.prepared_by
                                                                      else ""),
        f"Combined annual value {format_pence(o.combined_annual_value_pence)}; estimated saving "
        f"{format_pence(o.estimated_saving_pence)}",
        "Partners: " + "; ".join(f"{p.name} ({p.share * 100:.0f}%)" for p in pack.partners),
        f"{len(pack.contracts)} current contracts",
    ]
    if pack.specification is not None:
        lines.append(f"Outcomes ({pack.specification.title}): {len(pack.specification.outcomes)}")
        lines += [f"  • {x.statement}" for x in pack.specification.outcomes]
    lines.append("Routes, reuse first:")
    lines += [f"  {r.rank}. {r.name}" for r in pack.routes]
    lines.append(f"{len(pack.risks)} risks with mitigations")
    return lines


class PackPreviewDialog(QDialog):
    def __init__(self, pack: Any, path: Path, pages: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Commissioning pack — {self.path.name}")
        self.setAccessibleName("Commissioning pack preview")
        self.resize(QSize(PREVIEW_WIDTH + 80, 760))
        self.pdf: Any = None
        heading = QLabel(f"Saved to {self.path}", wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self._pages_view() if has_pdf_rendering() else self._outline_view(pack, pages), 1)
        layout.addWidget(self._buttons())

    def _outline_view(self, pack: Any, pages: int) -> QWidget:
        outline = QListWidget()
        outline.setAccessibleName("Pack contents")
        outline.setWordWrap(True)
        outline.addItems(pack_outline(pack, pages))
        return outline

    def _pages_view(self) -> QWidget:
        self.pdf = QPdfDocument(self)
        self.pdf.load(str(self.path))
        column = QWidget()
        pages_layout = QVBoxLayout(column)
        for page in range(self.pdf.pageCount()):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(self.page_image(page, PREVIEW_WIDTH)))
            label.setAccessibleName(f"Page {page + 1}")
            pages_layout.addWidget(label)
        scroll = QScrollArea()
        scroll.setWidget(column)
        return scroll

    def page_image(self, page: int, width: int) -> QImage:
        size = self.pdf.pagePointSize(page)
        height = int(width * size.height() / max(1.0, size.width()))
        return self.pdf.render(page, QSize(width, height))

    def _buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("&Open PDF")
        self.print_button = QPushButton("&Print…")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(self.open_externally)
        self.print_button.clicked.connect(self.print_pack)
        buttons.rejected.connect(self.reject)
        return buttons

    def open_externally(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path)))

    def print_pack(self) -> None:
        if self.pdf is not None:
            self._print_pages()
        elif sys.platform == "win32":
            os.startfile(str(self.path), "print")  # type: ignore[attr-defined]  # the system's PDF printer
        else:
            self.open_externally()

    def _print_pages(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        painter = QPainter(printer)
        try:
            target = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
            for page in range(self.pdf.pageCount()):
                if page:
                    printer.newPage()
                painter.drawImage(target, self.page_image(page, target.width()))
        finally:
            painter.end()
