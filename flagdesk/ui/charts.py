"""Small charts drawn with QPainter: horizontal bars, columns and a share ring.

No chart library: these are the three shapes the dashboard needs, each a few dozen lines, and
they follow the system palette (text, window, mid) so dark and high-contrast themes work. Each
chart also carries its figures as an accessible description for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


@dataclass(frozen=True)
class Datum:
    label: str
    value: float
    text: str  # the value as shown (e.g. "£1.2m")
    tooltip: str = ""


class Chart(QWidget):
    """Base: a title, data, and palette-aware painting helpers."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.data: list[Datum] = []
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(280, 200)

    def set_data(self, data: Sequence[Datum]) -> None:
        self.data = list(data)
        self.setAccessibleDescription("; ".join(f"{d.label}: {d.text}" for d in self.data))
        self.setToolTip("\n".join(d.tooltip or f"{d.label}: {d.text}" for d in self.data))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self._begin(painter)
        if area is not None:
            self.draw(painter, area)

    def draw(self, painter: QPainter, area: QRectF) -> None:
        raise NotImplementedError

    def _begin(self, painter: QPainter) -> QRectF | None:
        """Paints the frame and title; returns the area left for the chart, or None when there is no data."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(pal.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 6, 6)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        line = QFontMetrics(font).height()
        top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        painter.drawText(rect.adjusted(12, 8, -12, 0), top_left, self.title)
        font.setBold(False)
        painter.setFont(font)
        if not self.data or not any(d.value for d in self.data):
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Nothing to show yet")
            return None
        return rect.adjusted(12, 8 + line + 8, -12, -10)

    def _text_pen(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Text)


class BarChart(Chart):
    """Horizontal bars, largest first: labels on the left, values at the bar's end."""

    def draw(self, painter: QPainter, area: QRectF) -> None:
        fm = painter.fontMetrics()
        label_w = min(area.width() * 0.42, max(fm.horizontalAdvance(d.label) for d in self.data) + 8)
        value_w = max(fm.horizontalAdvance(d.text) for d in self.data) + 8
        row_h = area.height() / len(self.data)
        bar_h = min(22.0, row_h * 0.7)
        top = max(d.value for d in self.data)
        for i, d in enumerate(self.data):
            y = area.top() + i * row_h
            painter.setPen(self._text_pen())
            label_rect = QRectF(area.left(), y, label_w - 8, row_h)
            elided = fm.elidedText(d.label, Qt.TextElideMode.ElideRight, int(label_rect.width()))
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, elided)
            width = (area.width() - label_w - value_w) * (d.value / top if top else 0)
            bar = QRectF(area.left() + label_w, y + (row_h - bar_h) / 2, max(1.0, width), bar_h)
            painter.fillRect(bar, QColor(SERIES[0]))
            painter.drawText(
                QRectF(bar.right() + 6, y, value_w, row_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                d.text,
            )  # fmt: skip


class ColumnChart(Chart):
    """Vertical columns in order (e.g. quarters), the value above each column and the label below."""

    def draw(self, painter: QPainter, area: QRectF) -> None:
        fm = painter.fontMetrics()
        line = fm.height()
        plot = area.adjusted(0, line + 2, 0, -(line + 6))
        top = max(d.value for d in self.data)
        slot = plot.width() / len(self.data)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        for i, d in enumerate(self.data):
            height = plot.height() * (d.value / top if top else 0)
            x = plot.left() + i * slot
            column = QRectF(x + slot * 0.18, plot.bottom() - height, slot * 0.64, height)
            painter.fillRect(column, QColor(SERIES[0]))
            painter.setPen(self._text_pen())
            painter.drawText(QRectF(x, column.top() - line - 2, slot, line), Qt.AlignmentFlag.AlignHCenter, d.text)
            painter.drawText(QRectF(x, plot.bottom() + 4, slot, line), Qt.AlignmentFlag.AlignHCenter, d.label)


class ShareChart(Chart):
    """A ring of shares with a legend giving each part's percentage and value."""

    def draw(self, painter: QPainter, area: QRectF) -> None:
        total = sum(d.value for d in self.data)
        side = min(area.height(), area.width() * 0.45)
        ring = QRectF(area.left() + 4, area.top() + (area.height() - side) / 2, side, side)
        thickness = side * 0.22
        start = 90 * 16  # twelve o'clock, clockwise
        for i, d in enumerate(self.data):
            span = -round(d.value / total * 360 * 16)
            pen = QPen(QColor(SERIES[i % len(SERIES)]), thickness)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.drawArc(ring.adjusted(thickness / 2, thickness / 2, -thickness / 2, -thickness / 2), start, span)
            start += span
        main = self.data[0]
        painter.setPen(self._text_pen())
        font = painter.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        painter.drawText(ring, Qt.AlignmentFlag.AlignCenter, f"{main.value / total:.0%}")
        font.setBold(False)
        font.setPointSizeF(font.pointSizeF() / 1.3)
        painter.setFont(font)
        fm = painter.fontMetrics()
        x = ring.right() + 18
        y = area.top() + (area.height() - len(self.data) * (fm.height() + 8)) / 2
        for i, d in enumerate(self.data):
            painter.fillRect(QRectF(x, y + 3, 12, 12), QColor(SERIES[i % len(SERIES)]))
            painter.setPen(self._text_pen())
            text = f"{d.label}  {d.value / total:.0%}  ({d.text})"
            painter.drawText(QRectF(x + 18, y, area.right() - x - 18, fm.height() + 4), Qt.AlignmentFlag.AlignLeft,
                             fm.elidedText(text, Qt.TextElideMode.ElideRight, int(area.right() - x - 18)))  # fmt: skip
            y += fm.height() + 8
