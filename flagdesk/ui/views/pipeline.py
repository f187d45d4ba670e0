"""Pipeline: a zoomable Gantt-like timeline of contract end dates and extension periods.

Lanes are grouped by category (the same needs the opportunity engine uses), one lane per
partner. Each contract shows its remaining term, a marker at its current end and its extension
period up to the maximum end. Where contracts of different partners for the same need end in the
same quarter, their markers take the highlight colour and the category's header row shows how
many partners end in that quarter, so a chance to buy together is visible at a glance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from flagdesk.domain import add_months, format_pounds_short
from flagdesk.records import ContractRecord
from flagdesk.ui.context import AppContext
from flagdesk.ui.views.contract_model import ENDED_STATUSES
from flagdesk.ui.views.records_view import ContractRecordsView

LANE_HEIGHT = 22
HEADER_HEIGHT = 26
LABEL_WIDTH = 250
TERM, EXTENSION, OVERLAP = QColor("#0072B2"), QColor("#56B4E9"), QColor("#D55E00")


@dataclass
class Bar:
    contract_id: int
    title: str
    start: date | None
    end: date
    max_end: date | None
    annual_pence: int
    overlaps: bool = False


@dataclass
class Lane:
    category: str
    partner: str
    bars: list[Bar] = field(default_factory=list)


@dataclass(frozen=True)
class Meeting:
    """A quarter in which several partners' contracts for one need end: a chance to buy together."""

    start: date
    end: date
    partners: int
    annual_pence: int


@dataclass
class Group:
    category: str
    lanes: list[Lane]
    windows: list[Meeting]  # quarters in which two or more partners' contracts end

    @property
    def overlapping(self) -> bool:
        return bool(self.windows)


def build_groups(records: Iterable[ContractRecord], *, start: date, until: date) -> list[Group]:
    """Live contracts ending between ``start`` and ``until``, as category groups of partner lanes."""
    from flagdesk.analysis.opportunities import annual_value, need_key, need_label

    lanes: dict[tuple[str, str], Lane] = {}
    labels: dict[str | None, str] = {}
    for c in records:
        # Ended by status: gone from the pipeline whatever its dates say.
        if c.end_date is None or not (start <= c.end_date <= until) or c.status in ENDED_STATUSES:
            continue
        key = need_key(c)
        category = labels.get(key) or labels.setdefault(key, need_label(key))
        lane = lanes.get((category, c.partner))
        if lane is None:
            lane = lanes[(category, c.partner)] = Lane(category, c.partner)
        lane.bars.append(Bar(c.id, c.title, c.start_date, c.end_date, c.max_end_date, annual_value(c)))
    by_category: dict[str, list[Lane]] = defaultdict(list)
    for (category, _partner), lane in sorted(lanes.items()):
        by_category[category].append(lane)
    return [Group(cat, group_lanes, mark_overlaps(group_lanes)) for cat, group_lanes in sorted(by_category.items())]


def mark_overlaps(lanes: list[Lane]) -> list[Meeting]:
    """Flag bars ending in a quarter in which another partner's contract for the same need also ends.

    Returns those quarters with how many partners end in them and the annual value ending, for shading.
    """
    partners_by_quarter: dict[date, set[str]] = defaultdict(set)
    value_by_quarter: dict[date, int] = defaultdict(int)
    quarters = [(lane.partner, bar, quarter_start(bar.end)) for lane in lanes for bar in lane.bars]
    for partner, bar, quarter in quarters:
        partners_by_quarter[quarter].add(partner)
        value_by_quarter[quarter] += bar.annual_pence
    for _partner, bar, quarter in quarters:
        bar.overlaps = len(partners_by_quarter[quarter]) > 1
    return [
        Meeting(q, add_months(q, 3), len(partners), value_by_quarter[q])
        for q, partners in sorted(partners_by_quarter.items())
        if len(partners) > 1
    ]


def quarter_start(d: date) -> date:
    return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


class TimelineCanvas(QWidget):
    """Paints the lanes; only the rows inside the exposed rectangle are drawn (thousands of lanes stay fast)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.groups: list[Group] = []
        self.rows: list[Group | Lane] = []
        self.start = date.today()
        self.until = add_months(self.start, 36)
        self.px_per_month = 28.0
        self.today = date.today()
        self.setAccessibleName("Pipeline timeline")
        self.setMouseTracking(True)

    def set_groups(self, groups: list[Group], start: date, until: date) -> None:
        self.groups, self.start, self.until = groups, start, until
        self.rows = [row for g in groups for row in (g, *g.lanes)]
        overlapping = sum(1 for g in groups if g.overlapping)
        self.setAccessibleDescription(
            f"{len(groups)} categories, {len(self.rows) - len(groups)} partner lanes; "
            f"{overlapping} categories where several partners' contracts end in the same quarter"
        )
        self._resize()

    def set_zoom(self, px_per_month: float) -> None:
        self.px_per_month = max(4.0, min(160.0, px_per_month))
        self._resize()

    def _resize(self) -> None:
        months = (self.until.year - self.start.year) * 12 + self.until.month - self.start.month + 1
        self.setFixedSize(QSize(int(LABEL_WIDTH + months * self.px_per_month + 20),
                                int(HEADER_HEIGHT + max(1, len(self.rows)) * LANE_HEIGHT + 4)))  # fmt: skip
        self.update()

    def x_of(self, d: date) -> float:
        months = (d.year - self.start.year) * 12 + d.month - self.start.month + (d.day - 1) / 31
        return LABEL_WIDTH + months * self.px_per_month

    def row_at(self, y: float) -> Group | Lane | None:
        i = int((y - HEADER_HEIGHT) // LANE_HEIGHT)
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        exposed = QRectF(event.rect())
        painter.fillRect(exposed, pal.color(QPalette.ColorRole.Base))
        first = max(0, int((exposed.top() - HEADER_HEIGHT) // LANE_HEIGHT))
        last = min(len(self.rows), int((exposed.bottom() - HEADER_HEIGHT) // LANE_HEIGHT) + 1)
        self._paint_grid(painter, exposed)
        for i in range(first, last):
            y = HEADER_HEIGHT + i * LANE_HEIGHT
            row = self.rows[i]
            if isinstance(row, Group):
                self._paint_group(painter, row, y)
            else:
                self._paint_lane(painter, row, y)
        self._paint_today(painter, exposed)
        if not self.rows:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No live contracts end in this period.")

    def _paint_grid(self, painter: QPainter, exposed: QRectF) -> None:
        pal = self.palette()
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Midlight), 1))
        d = date(self.start.year, (self.start.month - 1) // 3 * 3 + 1, 1)
        while d <= self.until:
            x = self.x_of(d)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid if d.month == 1 else QPalette.ColorRole.Midlight), 1))
            painter.drawLine(QPointF(x, exposed.top()), QPointF(x, exposed.bottom()))
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            label = f"{d.year}" if d.month == 1 or self.px_per_month * 3 < 60 else f"Q{(d.month - 1) // 3 + 1}"
            if self.px_per_month * 3 >= 28 or d.month == 1:
                painter.drawText(QRectF(x + 3, 0, self.px_per_month * 3, HEADER_HEIGHT),
                                 Qt.AlignmentFlag.AlignVCenter, label)  # fmt: skip
            d = add_months(d, 3)
        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
        painter.drawLine(QPointF(0, HEADER_HEIGHT - 1), QPointF(self.width(), HEADER_HEIGHT - 1))

    def _paint_group(self, painter: QPainter, group: Group, y: float) -> None:
        pal = self.palette()
        painter.fillRect(QRectF(0, y, self.width(), LANE_HEIGHT), pal.color(QPalette.ColorRole.AlternateBase))
        most = max((m.annual_pence for m in group.windows), default=0) or 1
        for meeting in group.windows:
            left = self.x_of(meeting.start)
            # Deeper colour where more money ends together: the biggest chances to buy jointly.
            alpha = 50 + int(190 * meeting.annual_pence / most)
            cell = QRectF(left + 1, y + 3, self.x_of(meeting.end) - left - 2, LANE_HEIGHT - 6)
            painter.fillRect(cell, QColor(OVERLAP.red(), OVERLAP.green(), OVERLAP.blue(), alpha))
            if cell.width() >= 14:
                painter.setPen(pal.color(QPalette.ColorRole.Text))
                painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, str(meeting.partners))
        self._paint_label(painter, group.category, y, bold=True)

    def _paint_label(self, painter: QPainter, text: str, y: float, *, bold: bool = False) -> None:
        """Row labels stay at the left edge of the visible area while the timeline scrolls sideways."""
        pal = self.palette()
        left = self.visibleRegion().boundingRect().left()
        background = QPalette.ColorRole.AlternateBase if bold else QPalette.ColorRole.Base
        painter.fillRect(QRectF(left, y, LABEL_WIDTH - 4, LANE_HEIGHT), pal.color(background))
        font = QFont(painter.font())
        font.setBold(bold)
        painter.setFont(font)
        painter.setPen(pal.color(QPalette.ColorRole.Text))
        indent = 6 if bold else 18
        shown = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, LABEL_WIDTH - indent - 8)
        painter.drawText(QRectF(left + indent, y, LABEL_WIDTH - indent - 8, LANE_HEIGHT),
                         Qt.AlignmentFlag.AlignVCenter, shown)  # fmt: skip
        font.setBold(False)
        painter.setFont(font)

    def _paint_lane(self, painter: QPainter, lane: Lane, y: float) -> None:
        mid = y + LANE_HEIGHT / 2
        extension = QColor(EXTENSION)
        extension.setAlpha(110)  # overlapping extensions of one partner stay readable
        for bar in lane.bars:
            end_x = self.x_of(bar.end)
            if bar.max_end and bar.max_end > bar.end:
                painter.fillRect(QRectF(end_x, mid - 4, self.x_of(bar.max_end) - end_x, 8), extension)
        for bar in lane.bars:
            end_x = self.x_of(bar.end)
            colour = OVERLAP if bar.overlaps else TERM
            painter.setPen(QPen(colour.darker(130), 1))
            painter.setBrush(colour)
            painter.drawPolygon(QPolygonF([QPointF(end_x, mid - 7), QPointF(end_x + 6, mid), QPointF(end_x, mid + 7),
                                           QPointF(end_x - 6, mid)]))  # fmt: skip
        self._paint_label(painter, lane.partner, y)

    def _paint_today(self, painter: QPainter, exposed: QRectF) -> None:
        x = self.x_of(self.today)
        pen = QPen(QColor("#CC0000"), 1, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, exposed.top()), QPointF(x, exposed.bottom()))

    def bar_at(self, x: float, y: float) -> Bar | None:
        row = self.row_at(y)
        if not isinstance(row, Lane):
            return None
        for bar in row.bars:
            if abs(self.x_of(bar.end) - x) <= 7:
                return bar
        return None

    def event(self, e: Any) -> bool:
        from PySide6.QtCore import QEvent
        from PySide6.QtWidgets import QToolTip

        if e.type() == QEvent.Type.ToolTip:
            pos = e.position() if hasattr(e, "position") else e.pos()
            bar = self.bar_at(pos.x(), pos.y())
            if bar is not None:
                extension = f", may run to {bar.max_end.isoformat()}" if bar.max_end and bar.max_end > bar.end else ""
                overlap = "\nAnother partner's contract for this need ends in the same quarter." if bar.overlaps else ""
                QToolTip.showText(e.globalPos(), f"{bar.title}\nEnds {bar.end.isoformat()}{extension}\n"
                                  f"{format_pounds_short(bar.annual_pence)} a year{overlap}", self)  # fmt: skip
            else:
                QToolTip.hideText()
            return True
        return super().event(e)


class ZoomingScrollArea(QScrollArea):
    """Ctrl + mouse wheel zooms the timeline instead of scrolling."""

    def __init__(self, view: PipelineView) -> None:
        super().__init__()
        self.view = view

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.view.zoom_by(1.25 if event.angleDelta().y() > 0 else 0.8)
            event.accept()
        else:
            super().wheelEvent(event)


class PipelineView(ContractRecordsView):
    title = "Pipeline"

    HORIZONS = (("Next 12 months", 12), ("Next 2 years", 24), ("Next 3 years", 36), ("Next 5 years", 60))

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.setAccessibleName("Pipeline")
        self.records: list[ContractRecord] = []
        self.canvas = TimelineCanvas()
        self.scroll = ZoomingScrollArea(self)
        self.scroll.setWidget(self.canvas)
        self.scroll.setAccessibleName("Pipeline timeline area")
        self.partner_box = QComboBox()
        self.partner_box.setAccessibleName("Partner filter")
        self.partner_box.addItem("All partners", None)
        self.horizon_box = QComboBox()
        self.horizon_box.setAccessibleName("Period shown")
        for label, months in self.HORIZONS:
            self.horizon_box.addItem(label, months)
        self.horizon_box.setCurrentIndex(2)
        self.overlaps_only = QCheckBox("Only categories where partners end together")
        self.overlaps_only.setAccessibleName("Only overlapping categories")
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setAccessibleName("Zoom")
        self.zoom.setRange(4, 160)
        self.zoom.setValue(28)
        self.zoom.setMaximumWidth(160)
        self.legend = QLabel(
            f"<span style='color:{TERM.name()}'>◆</span> current end &nbsp; "
            f"<span style='background:{EXTENSION.name()}'>&nbsp;&nbsp;&nbsp;&nbsp;</span> extension period &nbsp; "
            f"<span style='color:{OVERLAP.name()}'>◆</span> another partner ends the same need that quarter "
            "(cells: partners ending; deeper = more annual value)"
        )
        bar = QHBoxLayout()
        bar.addWidget(self.partner_box)
        bar.addWidget(self.horizon_box)
        bar.addWidget(self.overlaps_only)
        bar.addStretch(1)
        bar.addWidget(QLabel("Zoom"))
        bar.addWidget(self.zoom)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.scroll, 1)
        # Legend and summary wrap rather than widen the window.
        self.legend.setWordWrap(True)
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bottom = QHBoxLayout()
        bottom.addWidget(self.legend, 3)
        bottom.addWidget(self.status, 2)
        layout.addLayout(bottom)
        self.partner_box.currentIndexChanged.connect(self.rebuild)
        self.horizon_box.currentIndexChanged.connect(self.rebuild)
        self.overlaps_only.toggled.connect(self.rebuild)
        self.zoom.valueChanged.connect(lambda v: self.canvas.set_zoom(float(v)))
        QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomIn), self, lambda: self.zoom_by(1.25))
        QShortcut(QKeySequence(QKeySequence.StandardKey.ZoomOut), self, lambda: self.zoom_by(0.8))
        self.zoom.setToolTip("Zoom (Ctrl + mouse wheel, Ctrl++ and Ctrl+-)")

    def show_records(self, records: list[ContractRecord]) -> None:
        self.records = records
        chosen = self.partner_box.currentData()
        self.partner_box.blockSignals(True)
        while self.partner_box.count() > 1:
            self.partner_box.removeItem(1)
        for name in sorted({r.partner for r in records}):
            self.partner_box.addItem(name, name)
        self.partner_box.setCurrentIndex(max(0, self.partner_box.findData(chosen)) if chosen else 0)
        self.partner_box.blockSignals(False)
        self.rebuild()

    def rebuild(self) -> None:
        """Group the records for the chosen period in a worker (100,000 contracts take a moment)."""
        records, partner = self.records, self.partner_box.currentData()
        start = add_months(date.today(), -3)
        until = add_months(date.today(), int(self.horizon_box.currentData()))
        only_overlaps = self.overlaps_only.isChecked()

        def work(_ctx: Any) -> list[Group]:
            groups = build_groups(records, start=start, until=until)
            if partner is not None:
                # Keep the whole category group when the partner is in it: overlaps need the others.
                groups = [g for g in groups if any(lane.partner == partner for lane in g.lanes)]
            return [g for g in groups if g.overlapping] if only_overlaps else groups

        self.app.tasks.run(work, lambda groups: self._show(groups, start, until), label="Laying out the pipeline",
                           quiet=True)  # fmt: skip

    def _show(self, groups: list[Group], start: date, until: date) -> None:
        self.canvas.set_groups(groups, start, until)
        contracts = sum(len(lane.bars) for g in groups for lane in g.lanes)
        meeting = sum(1 for g in groups if g.overlapping)
        self.status.setText(f"{contracts:,} contracts in {len(groups)} categories; "
                             f"{meeting} where partners end together")  # fmt: skip

    def zoom_by(self, factor: float) -> None:
        self.zoom.setValue(round(self.zoom.value() * factor) or 1)

    def sizeHint(self) -> QSize:
        return QSize(1100, 700)
