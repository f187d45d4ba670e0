"""A small contract timeline: one bar per contract from start to end, extensions lighter, markers for
today and a proposed start. Used in the opportunity detail; paints plain ContractRecords."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from flagdesk.records import ContractRecord

ROW_HEIGHT = 22
LABEL_WIDTH = 230
AXIS_HEIGHT = 20
# Colour-blind-safe partner colours (Okabe-Ito), repeated when there are more partners.
PARTNER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class ContractTimeline(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Contract timeline")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._contracts: list[ContractRecord] = []
        self._marker: date | None = None
        self._today = date.today()
        self._label_width = LABEL_WIDTH

    def set_contracts(self, contracts: Sequence[ContractRecord], proposed_start: date | None = None,
                      today: date | None = None) -> None:
        self._contracts = sorted(contracts, key=lambda c: (c.end_date or date.max, c.partner, c.id))
        self._marker = proposed_start
        self._today = today or date.today()
        self.setAccessibleDescription(self.describe())
        self.updateGeometry()
        self.update()

    def describe(self) -> str:
        """The timeline as text, for screen readers and tooltips."""
        return "; ".join(
            f"{c.partner} {c.reference}: {c.start_date or '?'} to {c.end_date or '?'}"
            + (f" (extendable to {c.max_end_date})" if c.max_end_date and c.max_end_date != c.end_date else "")
            for c in self._contracts
        )

    def span(self) -> tuple[date, date]:
        """First and last date shown, padded so bars and markers never touch the edges."""
        dates = [d for c in self._contracts for d in (c.start_date, c.end_date, c.max_end_date) if d]
        dates += [d for d in (self._marker, self._today) if d]
        first, last = min(dates), max(dates)
        pad = max(timedelta(days=30), (last - first) / 20)
        return first - pad, last + pad

    def sizeHint(self) -> QSize:
        return QSize(600, AXIS_HEIGHT + ROW_HEIGHT * max(1, len(self._contracts)) + 20)  # + marker labels

    def minimumSizeHint(self) -> QSize:
        return QSize(300, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self._contracts:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No contracts to show")
            return
        first, last = self.span()
        self._label_width = min(LABEL_WIDTH, self.width() // 3)
        left, right = self._label_width, max(self._label_width + 50, self.width() - 10)
        days = max(1, (last - first).days)

        def x_of(d: date) -> float:
            return left + (right - left) * (d - first).days / days

        self._paint_years(painter, first, last, x_of)
        colours = self._partner_colours()
        for row, c in enumerate(self._contracts):
            self._paint_contract(painter, row, c, x_of, first, colours[c.partner])
        # "today" reads to the left of its line, "proposed start" to the right, so close dates never collide.
        for when, label, leftwards in ((self._today, "today", True), (self._marker, "proposed start", False)):
            if when:
                self._paint_marker(painter, x_of(when), label, leftwards)
        painter.end()

    def _partner_colours(self) -> dict[str, QColor]:
        partners = sorted({c.partner for c in self._contracts})
        return {p: QColor(PARTNER_COLOURS[i % len(PARTNER_COLOURS)]) for i, p in enumerate(partners)}

    def _paint_years(self, painter: QPainter, first: date, last: date, x_of) -> None:  # type: ignore[no-untyped-def]
        text = self.palette().color(QPalette.ColorRole.Text)
        grid = QColor(text)
        grid.setAlpha(50)
        width = self.width() - self._label_width
        years = max(1, last.year - first.year)
        step = next((s for s in (1, 2, 5, 10, 20, 50) if width * s / years >= 44), 100)  # labels 44 px apart
        for year in range(first.year + 1, last.year + 1):
            if year % step:
                continue
            x = x_of(date(year, 1, 1))
            painter.setPen(QPen(grid, 1))
            painter.drawLine(int(x), AXIS_HEIGHT, int(x), self.height())
            painter.setPen(text)
            painter.drawText(QRectF(x - 30, 0, 60, AXIS_HEIGHT), Qt.AlignmentFlag.AlignCenter, str(year))

    def _paint_contract(self, painter: QPainter, row: int, c: ContractRecord, x_of, first: date,  # type: ignore[no-untyped-def]
                        colour: QColor) -> None:
        top = AXIS_HEIGHT + row * ROW_HEIGHT + 3
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        label = f"{c.reference or c.title} · {c.partner}"
        room = self._label_width - 8
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(QRectF(4, top, room, ROW_HEIGHT - 6), align,
                         painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, room))
        if c.end_date is None:
            return
        start = c.start_date or first
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRect(QRectF(x_of(start), top, max(2.0, x_of(c.end_date) - x_of(start)), ROW_HEIGHT - 6))
        if c.max_end_date and c.max_end_date > c.end_date:
            lighter = QColor(colour)
            lighter.setAlpha(90)
            painter.setBrush(lighter)
            painter.drawRect(QRectF(x_of(c.end_date), top, x_of(c.max_end_date) - x_of(c.end_date), ROW_HEIGHT - 6))

    def _paint_marker(self, painter: QPainter, x: float, label: str, leftwards: bool) -> None:
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(int(x), AXIS_HEIGHT, int(x), self.height())
        box = QRectF(x - 123, self.height() - 16, 120, 14) if leftwards else QRectF(x + 3, self.height() - 16, 120, 14)
        align = Qt.AlignmentFlag.AlignRight if leftwards else Qt.AlignmentFlag.AlignLeft
        painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, label)
