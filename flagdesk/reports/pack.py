"""The outcome-based joint commissioning pack: an A4 PDF a head of ICT prints for the programme board.

One document class with a cover and a body page template; headers and footers come from page hooks
and "Page N of M" from a canvas that holds pages back until it knows M. Every piece of user text is
escaped before it reaches a Paragraph, and table cells are plain strings wrapped here against fixed
column widths (a Paragraph per cell is slow and would parse markup in titles).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from flagdesk.errors import CancelledError
from flagdesk.reports import tables
from flagdesk.reports.output import write_atomically
from flagdesk.reports.packdata import PackData
from flagdesk.reports.tables import format_date, format_pounds
from resources import resource_path

FONT, BOLD, ITALIC, BOLD_ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique"
NAVY = colors.HexColor("#1F3B5A")
ACCENT = colors.HexColor("#C8102E")
RULE = colors.HexColor("#B8C2CC")
ZEBRA = colors.HexColor("#F2F4F7")
# Okabe-Ito: distinguishable with the common colour-vision deficiencies and in greyscale print.
PALETTE = [
    colors.HexColor(c) for c in ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 22 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
# Wide tables and the timeline go on landscape A4 pages, so long titles need not wrap.
WIDE_PAGE = landscape(A4)
WIDE_FRAME_WIDTH = WIDE_PAGE[0] - 2 * MARGIN_X
TABLE_FONT_SIZE = 7.5
CELL_PAD = 2.5
MAX_CELL_LINES = 6
TIMELINE_ROWS_PER_CHART = 28
MAX_SHARE_BARS = 20
MAX_LEGEND_ENTRIES = 24
KIND_LABELS = {
    "aggregation": "Aggregation: partners commission together",
    "reuse": "Reuse: call off an existing contract instead of a new tender",
    "rationalisation": "Rationalisation: one partner's contracts brought together",
}

Progress = Callable[[float], None] | None
Cancel = Callable[[], bool] | None


# --- fonts and styles ---------------------------------------------------------------------------------


@cache
def register_fonts() -> None:
    """Register the embedded DejaVu family once per process (TTF subsets are embedded in the PDF)."""
    files = {
        FONT: "DejaVuSans.ttf",
        BOLD: "DejaVuSans-Bold.ttf",
        ITALIC: "DejaVuSans-Oblique.ttf",
        BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
    }
    for name, file_name in files.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path(f"fonts/{file_name}"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("Body", fontName=FONT, bulletFontName=FONT, fontSize=9.5, leading=13.5, spaceAfter=5)
    return {
        "body": body,
        "small": ParagraphStyle("Small", parent=body, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")),
        "bullet": ParagraphStyle("Bullet", parent=body, leftIndent=12, bulletIndent=2, spaceAfter=2),
        "h1": ParagraphStyle(
            "H1", parent=body, fontName=BOLD, fontSize=15, leading=19, textColor=NAVY, spaceBefore=4, spaceAfter=8
        ),
        "h2": ParagraphStyle(
            "H2", parent=body, fontName=BOLD, fontSize=11, leading=14, textColor=NAVY, spaceBefore=8, spaceAfter=4
        ),
        "cover_kicker": ParagraphStyle(
            "CoverKicker", parent=body, fontName=BOLD, fontSize=11, textColor=ACCENT, spaceAfter=6
        ),
        "cover_title": ParagraphStyle(
            "CoverTitle", parent=body, fontName=BOLD, fontSize=22, leading=28, textColor=NAVY, spaceAfter=10
        ),
        "cover_sub": ParagraphStyle("CoverSub", parent=body, fontSize=11.5, leading=16, spaceAfter=4),
        "toc0": ParagraphStyle("TOC0", parent=body, fontSize=11, leading=20, leftIndent=0),
    }


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of user (or mixed) text: escaped first, so titles print exactly as written."""
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


def markup(template: str, style: str = "body", **user_values: Any) -> Paragraph:
    """A paragraph from our own markup template with user values escaped into it."""
    safe = {key: escape(str(value)) for key, value in user_values.items()}
    return Paragraph(template.format(**safe), styles()[style])


def bullets(items: list[str] | tuple[str, ...], style: str = "bullet") -> list[Flowable]:
    return [Paragraph(escape(item), styles()[style], bulletText="•") for item in items]


# --- formatting -----------------------------------------------------------------------------------------


def format_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == tables.MONEY:
        return format_pounds(value)
    if kind == tables.DATE:
        return format_date(value)
    if kind == tables.PERCENT:
        return f"{value * 100:.1f}%"
    if kind == tables.INT:
        return f"{value:,}"
    return str(value)


def wrap_cell(text: str, width: float, font: str = FONT, size: float = TABLE_FONT_SIZE) -> str:
    """Wrap plain text to a column width; more than MAX_CELL_LINES lines end in an ellipsis."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        for line in simpleSplit(paragraph, font, size, width) or [""]:
            lines.extend(_break_long(line, font, size, width))
    if len(lines) > MAX_CELL_LINES:
        lines = lines[:MAX_CELL_LINES]
        lines[-1] = lines[-1].rstrip()[:-1] + "…"
    return "\n".join(lines)


def _break_long(line: str, font: str, size: float, width: float) -> list[str]:
    """Break a word wider than the column (a URL, a formula) after punctuation or, failing that, anywhere."""
    if pdfmetrics.stringWidth(line, font, size) <= width:
        return [line]
    pieces: list[str] = []
    start, used = 0, 0.0
    for index, char in enumerate(line):
        char_width = pdfmetrics.stringWidth(char, font, size)
        if used + char_width > width and index > start:
            soft = max(line.rfind(mark, start, index) for mark in ",/;)-_.")
            cut = soft + 1 if soft > start + (index - start) // 2 else index
            pieces.append(line[start:cut])
            start = cut
            used = pdfmetrics.stringWidth(line[start:index], font, size)
        used += char_width
    pieces.append(line[start:])
    return pieces


# --- page furniture -------------------------------------------------------------------------------------


class NumberedCanvas(Canvas):
    """Holds every page until the end so each footer can say "Page N of M"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawRightString(self._pagesize[0] - MARGIN_X, 10 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


class PackDocument(BaseDocTemplate):
    """A4 document with a cover template and a body template, a table of contents and PDF outline."""

    def __init__(self, target: BinaryIO, pack: PackData, *, progress: Progress = None, cancel: Cancel = None):
        register_fonts()
        super().__init__(
            target,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=f"Joint commissioning pack: {pack.opportunity.title}",
            author=pack.prepared_by or "FlagDesk",
            subject=f"Opportunity {pack.opportunity.id}",
            creator="FlagDesk",
            initialFontName=FONT,
            invariant=True,  # no timestamps or random ids: the same data gives the same bytes
        )
        self.pack = pack
        self._progress, self._cancel = progress, cancel
        self._flowables_done = 0
        self._flowables_expected = 1
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            FRAME_WIDTH,
            PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        cover_frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            FRAME_WIDTH,
            PAGE_HEIGHT - 75 * mm - MARGIN_BOTTOM,
            id="cover",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        wide_frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            WIDE_FRAME_WIDTH,
            WIDE_PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM,
            id="wide",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate("cover", [cover_frame], onPage=self.draw_cover_page, pagesize=A4),
                PageTemplate("body", [frame], onPage=self.draw_body_page, pagesize=A4),
                PageTemplate("wide", [wide_frame], onPage=self.draw_body_page, pagesize=WIDE_PAGE),
            ]
        )

    def expect_flowables(self, count: int) -> None:
        self._flowables_expected = max(1, count)

    def draw_cover_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(NAVY)
        canvas.rect(0, PAGE_HEIGHT - 55 * mm, PAGE_WIDTH, 55 * mm, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont(BOLD, 24)
        canvas.drawString(MARGIN_X, PAGE_HEIGHT - 30 * mm, "Joint commissioning pack")
        canvas.setFont(FONT, 11)
        canvas.drawString(MARGIN_X, PAGE_HEIGHT - 40 * mm, "For the programme board · prepared with FlagDesk")
        canvas.restoreState()
        self.draw_footer(canvas)

    def draw_body_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = canvas._pagesize
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(NAVY)
        title = _fit(
            f"Joint commissioning pack · {self.pack.opportunity.title}", FONT, 8, width - 2 * MARGIN_X - 45 * mm
        )
        canvas.drawString(MARGIN_X, height - 12 * mm, title)
        canvas.drawRightString(width - MARGIN_X, height - 12 * mm, f"Opportunity {self.pack.opportunity.id}")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, height - 14 * mm, width - MARGIN_X, height - 14 * mm)
        canvas.restoreState()
        self.draw_footer(canvas)

    def draw_footer(self, canvas: Canvas) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, 14 * mm, canvas._pagesize[0] - MARGIN_X, 14 * mm)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(
            MARGIN_X,
            10 * mm,
            f"Prepared {format_date(self.pack.prepared_on)}"
            + (f" by {self.pack.prepared_by}" if self.pack.prepared_by else ""),
        )
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab's name
        self._flowables_done += 1
        if self._cancel is not None and self._cancel():
            raise CancelledError("Pack cancelled; no file was written")
        if self._progress is not None:
            # A table of contents takes two layout passes; report each as half the work.
            self._progress(min(0.99, self._flowables_done / (2 * self._flowables_expected)))
        if isinstance(flowable, Paragraph) and flowable.style.name == "H1":
            text = flowable.getPlainText()
            key = f"section-{self.seq.nextf('section')}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=0)
            self.notify("TOCEntry", (0, escape(text), self.page, key))


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten one line of text with an ellipsis so it fits ``width``."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# --- tables and charts ----------------------------------------------------------------------------------


def table_flowable(table: tables.PackTable, *, width: float = FRAME_WIDTH, row_height: float | None = None) -> Flowable:
    """A fixed-width table of plain wrapped strings: fast to lay out and immune to markup."""
    if not table.rows:
        return para("None recorded.", "small")
    widths = [c.width_mm * mm for c in table.columns]
    scale = width / sum(widths)
    widths = [w * scale for w in widths]
    inner = [w - 2 * CELL_PAD for w in widths]
    header = [wrap_cell(c.header, w, BOLD) for c, w in zip(table.columns, inner, strict=True)]
    body = [
        [wrap_cell(format_value(v, c.kind), w) for v, c, w in zip(row, table.columns, inner, strict=True)]
        for row in table.rows
    ]
    heights = None if row_height is None else [None] + [row_height] * len(body)
    flowable = Table([header, *body], colWidths=widths, rowHeights=heights, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, TABLE_FONT_SIZE, TABLE_FONT_SIZE + 2),
        ("FONT", (0, 0), (-1, 0), BOLD, TABLE_FONT_SIZE, TABLE_FONT_SIZE + 2),
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if row_height is not None:  # boxes to write in
        commands.append(("INNERGRID", (0, 1), (-1, -1), 0.25, RULE))
        commands.append(("BOX", (0, 0), (-1, -1), 0.5, RULE))
    for index, column in enumerate(table.columns):
        if column.kind in (tables.MONEY, tables.INT, tables.PERCENT):
            commands.append(("ALIGN", (index, 0), (index, -1), "RIGHT"))
    flowable.setStyle(TableStyle(commands))
    return flowable


def new_drawing(height: float, width: float = FRAME_WIDTH) -> Drawing:
    # The initial font would otherwise be reportlab's default Helvetica, which is not embedded.
    return Drawing(width, height, initialFontName=FONT)


def partner_colours(pack: PackData) -> dict[str, colors.Color]:
    names = [p.name for p in pack.partners]
    for c in pack.contracts:
        if c.partner not in names:
            names.append(c.partner)
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def share_chart(pack: PackData) -> Drawing:
    """Horizontal bars: each partner's share of the pooled budget (the smallest grouped past 20 bars)."""
    bars = [(p.name, p.share) for p in pack.partners]
    if len(bars) > MAX_SHARE_BARS:  # a drawing cannot split across pages, so it must stay under one
        rest = bars[MAX_SHARE_BARS - 1 :]
        bars = [*bars[: MAX_SHARE_BARS - 1], (f"{len(rest)} other partners", sum(share for _, share in rest))]
    bar_h, gap, label_w = 5 * mm, 2.5 * mm, 62 * mm
    height = len(bars) * (bar_h + gap) + gap
    drawing = new_drawing(height)
    plot_w = FRAME_WIDTH - label_w - 22 * mm
    palette = partner_colours(pack)
    for i, (name, share) in enumerate(bars):
        y = height - (i + 1) * (bar_h + gap)
        drawing.add(String(0, y + 1.5 * mm, _fit(name, FONT, 8, label_w - 3 * mm), fontName=FONT, fontSize=8))
        drawing.add(
            Rect(label_w, y, max(0.5, plot_w * share), bar_h, fillColor=palette.get(name, RULE), strokeColor=None)
        )
        drawing.add(
            String(label_w + plot_w * share + 2 * mm, y + 1.5 * mm, f"{share * 100:.1f}%", fontName=FONT, fontSize=8)
        )
    return drawing


def timeline_charts(pack: PackData, width: float = WIDE_FRAME_WIDTH) -> list[Flowable]:
    """Gantt-style bars, start to end with extensions lighter, in charts of at most 40 contracts."""
    dated = [c for c in pack.contracts if c.end_date or c.max_end_date]
    if not dated:
        return [para("None of the contracts in scope has an end date, so no timeline can be drawn.", "small")]
    first, last = _timeline_span(pack, dated)
    palette = partner_colours(pack)
    charts: list[Flowable] = []
    for offset in range(0, len(dated), TIMELINE_ROWS_PER_CHART):
        chunk = dated[offset : offset + TIMELINE_ROWS_PER_CHART]
        caption = (
            [para(f"Contracts {offset + 1}–{offset + len(chunk)} of {len(dated)}", "small")]
            if len(dated) > TIMELINE_ROWS_PER_CHART
            else []
        )
        # A caption never sits at the foot of one page with its chart on the next.
        charts.append(KeepTogether([*caption, _timeline_drawing(pack, chunk, first, last, palette, width)]))
        charts.append(Spacer(1, 4 * mm))
    charts.append(_legend(palette, width))
    return charts


def _timeline_span(pack: PackData, dated: list[Any]) -> tuple[date, date]:
    starts = [c.start_date or c.end_date or c.max_end_date for c in dated]
    ends = [c.max_end_date or c.end_date for c in dated]
    marks = [d for d in (pack.opportunity.proposed_start, pack.prepared_on) if d]
    first = min(starts + marks)
    last = max(ends + marks)
    # Whole years either side keep the axis labels on 1 January.
    return date(first.year, 1, 1), date(last.year + 1, 1, 1)


def _timeline_drawing(
    pack: PackData, chunk: list[Any], first: date, last: date, palette: dict[str, colors.Color], width: float
) -> Drawing:
    row_h, label_w, axis_h, top_h = 4.2 * mm, 34 * mm, 8 * mm, 4.5 * mm
    rows_top = len(chunk) * row_h + axis_h + 1 * mm
    drawing = new_drawing(rows_top + top_h, width)
    plot_x, plot_w = label_w, width - label_w
    span = (last - first).days

    def x_of(d: date) -> float:
        return plot_x + plot_w * (d - first).days / span

    _draw_year_grid(drawing, first, last, x_of, axis_h, rows_top)
    for i, contract in enumerate(chunk):
        y = rows_top - (i + 1) * row_h
        drawing.add(
            String(
                0,
                y + 1.1 * mm,
                _fit(contract.reference or f"#{contract.id}", FONT, 6.5, label_w - 2 * mm),
                fontName=FONT,
                fontSize=6.5,
            )
        )
        colour = palette.get(contract.partner, PALETTE[0])
        end = contract.end_date or contract.max_end_date
        start = max(contract.start_date or (end - timedelta(days=10)), first)
        drawing.add(
            Rect(
                x_of(start),
                y + 0.6 * mm,
                max(0.8, x_of(end) - x_of(start)),
                row_h - 1.4 * mm,
                fillColor=colour,
                strokeColor=None,
            )
        )
        if contract.max_end_date and contract.max_end_date > end:
            drawing.add(
                Rect(
                    x_of(end),
                    y + 0.6 * mm,
                    x_of(contract.max_end_date) - x_of(end),
                    row_h - 1.4 * mm,
                    fillColor=colour,
                    fillOpacity=0.3,
                    strokeColor=colour,
                    strokeWidth=0.3,
                )
            )
    grey = colors.HexColor("#666666")
    # Labels sit at opposite ends of their lines so two close dates never print over each other.
    _draw_marker(drawing, x_of(pack.prepared_on), "Today", axis_h, rows_top, axis_h - 7.5 * mm, grey)
    if pack.opportunity.proposed_start:
        _draw_marker(
            drawing,
            x_of(pack.opportunity.proposed_start),
            "Proposed start",
            axis_h,
            rows_top,
            rows_top + 1.2 * mm,
            ACCENT,
        )
    return drawing


def _draw_year_grid(
    drawing: Drawing, first: date, last: date, x_of: Callable[[date], float], axis_h: float, height: float
) -> None:
    years = range(first.year, last.year + 1)
    step = max(1, len(years) // 12)  # at most about a dozen labels
    for year in years[::step]:
        x = x_of(date(year, 1, 1))
        drawing.add(Line(x, axis_h, x, height, strokeColor=RULE, strokeWidth=0.3))
        drawing.add(String(x, axis_h - 4 * mm, str(year), fontName=FONT, fontSize=7, textAnchor="middle"))


def _draw_marker(
    drawing: Drawing, x: float, text: str, bottom: float, top: float, label_y: float, colour: colors.Color
) -> None:
    drawing.add(Line(x, bottom, x, top, strokeColor=colour, strokeWidth=0.9, strokeDashArray=[2, 1.5]))
    near_right = x > drawing.width - 30 * mm
    drawing.add(
        String(
            x - 1 if near_right else x + 1,
            label_y,
            text,
            fontName=BOLD,
            fontSize=6.5,
            fillColor=colour,
            textAnchor="end" if near_right else "start",
        )
    )


def _legend(palette: dict[str, colors.Color], width: float) -> Drawing:
    per_row, row_h = 4, 5 * mm
    cell_w = width / per_row
    names = list(palette.items())[:MAX_LEGEND_ENTRIES]
    rows = (len(names) + per_row - 1) // per_row
    drawing = new_drawing(rows * row_h + 7 * mm, width)
    for i, (name, colour) in enumerate(names):
        x, y = (i % per_row) * cell_w, drawing.height - (i // per_row + 1) * row_h
        drawing.add(Rect(x, y + 1 * mm, 3 * mm, 3 * mm, fillColor=colour, strokeColor=None))
        drawing.add(
            String(x + 4.5 * mm, y + 1.3 * mm, _fit(name, FONT, 7.5, cell_w - 6 * mm), fontName=FONT, fontSize=7.5)
        )
    more = f" Colours of {len(palette) - len(names)} further partners repeat." if len(palette) > len(names) else ""
    drawing.add(
        String(
            0,
            1.5 * mm,
            "Solid bar: start to current end date. Pale bar: extensions still available. "
            "Dashed lines: today and the proposed joint start." + more,
            fontName=FONT,
            fontSize=7.5,
        )
    )
    return drawing


# --- sections -------------------------------------------------------------------------------------------


def cover(pack: PackData) -> list[Flowable]:
    opp = pack.opportunity
    names = ", ".join(p.name for p in pack.partners)
    figures = [
        ("Combined annual value", format_pounds(opp.combined_annual_value_pence)),
        ("Estimated saving", format_pounds(opp.estimated_saving_pence)),
        ("Contracts in scope", f"{len(pack.contracts):,}"),
        ("Partners", f"{len(pack.partners):,}"),
        ("Proposed start", format_date(opp.proposed_start) or "to be agreed"),
        ("Status", tables.humanise(opp.status)),
    ]
    figure_table = Table(
        [[wrap_cell(k, 60 * mm, BOLD, 9.5), wrap_cell(v, 90 * mm, FONT, 9.5)] for k, v in figures],
        colWidths=[62 * mm, 100 * mm],
    )
    figure_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), BOLD, 9.5, 12),
                ("FONT", (1, 0), (1, -1), FONT, 9.5, 12),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [
        para(KIND_LABELS.get(opp.kind, tables.humanise(opp.kind)), "cover_kicker"),
        para(opp.title, "cover_title"),
        markup("<b>Partners:</b> {names}", "cover_sub", names=names or "none recorded"),
        markup("<b>Lead partner:</b> {lead}", "cover_sub", lead=opp.lead_partner or "to be agreed"),
        *(
            [markup("<b>Need:</b> {need}", "cover_sub", need=opp.details["need_label"])]
            if opp.details.get("need_label")
            else []
        ),
        Spacer(1, 8 * mm),
        figure_table,
        Spacer(1, 10 * mm),
        markup(
            "Opportunity {id} · prepared {when}{by}",
            "small",
            id=opp.id,
            when=format_date(pack.prepared_on),
            by=f" by {pack.prepared_by}" if pack.prepared_by else "",
        ),
        NextPageTemplate("body"),
        PageBreak(),
    ]


def contents() -> list[Flowable]:
    # The contents table's own cell font would otherwise pull in (unembedded) Helvetica.
    toc_style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 10),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    toc = TableOfContents(levelStyles=[styles()["toc0"]], dotsMinLevel=0, tableStyle=toc_style)
    return [Paragraph("Contents", styles()["h1"].clone("ContentsHeading")), toc, PageBreak()]


def heading(number: int, text: str) -> list[Flowable]:
    # CondPageBreak keeps a heading off the foot of a page, away from its content.
    return [CondPageBreak(45 * mm), Paragraph(f"{number}. {escape(text)}", styles()["h1"])]


def executive_summary(pack: PackData) -> list[Flowable]:
    opp = pack.opportunity
    flow: list[Flowable] = [*heading(1, "Executive summary"), para(summary_text(pack))]
    if pack.routes:
        best = pack.routes[0]
        flow.append(
            markup("<b>Recommended route:</b> {name}. {description}", name=best.name, description=best.description)
        )
    flow.append(Paragraph("<b>The board is asked to:</b>", styles()["body"]))
    flow.extend(bullets(decisions_requested(pack)))
    if opp.evidence:
        flow.append(Paragraph("Why FlagDesk found this opportunity", styles()["h2"]))
        flow.extend(bullets(list(opp.evidence)))
    return flow


def summary_text(pack: PackData) -> str:
    opp = pack.opportunity
    sentences = [
        f"{len(pack.partners)} partner{'s' if len(pack.partners) != 1 else ''} "
        f"spend {format_pounds(opp.combined_annual_value_pence)} a year on {len(pack.contracts)} "
        f"contract{'s' if len(pack.contracts) != 1 else ''} in scope of this opportunity: {opp.title}."
    ]
    ends = sorted(c.end_date for c in pack.contracts if c.end_date)
    if ends:
        sentences.append(f"Their current end dates fall between {format_date(ends[0])} and {format_date(ends[-1])}.")
    if opp.proposed_start:
        sentences.append(f"A single arrangement starting on {format_date(opp.proposed_start)} could replace them.")
    combined = opp.combined_annual_value_pence
    rate = f" ({opp.estimated_saving_pence / combined * 100:.1f}% of the combined annual value)" if combined else ""
    sentences.append(
        f"The estimated saving is {format_pounds(opp.estimated_saving_pence)}{rate}, "
        "on the assumptions stated in section 7."
    )
    return " ".join(sentences)


def decisions_requested(pack: PackData) -> list[str]:
    lead = pack.opportunity.lead_partner
    route = pack.routes[0].name if pack.routes else "a procurement route to be chosen"
    return [
        f"agree to pursue this opportunity through option 1, {route};",
        f"confirm {lead} as lead partner" + ";" if lead else "nominate a lead partner to run the procurement;",
        "adopt the outcomes framework in section 5 as the basis of the specification;",
        "agree the pooled budget shares in section 2 as the basis for sharing costs and savings;",
        "note the risks in section 8 and the governance arrangements in section 9.",
    ]


def partners_section(pack: PackData) -> list[Flowable]:
    combined = format_pounds(pack.opportunity.combined_annual_value_pence)
    flow: list[Flowable] = [
        *heading(2, "Partners and pooled budget shares"),
        para(
            f"Each partner's share is its current annual spend on the contracts in scope as a share of the "
            f"combined {combined} a year. The shares are the default basis for sharing the costs of the joint "
            "procurement and its savings; the board may agree another basis."
        ),
        table_flowable(tables.partner_table(pack)),
    ]
    if pack.partners:
        # Kept together so the heading never ends a page with its chart on the next.
        flow += [
            Spacer(1, 5 * mm),
            KeepTogether([Paragraph("Share of the pooled budget", styles()["h2"]), share_chart(pack)]),
        ]
    return flow


def contracts_section(pack: PackData) -> list[Flowable]:
    return [
        NextPageTemplate("wide"),
        PageBreak(),
        *heading(3, "Current contracts"),
        para(
            f"The {len(pack.contracts)} contracts in scope, by end date. 'Latest end' is the end date with every "
            "extension the contract allows; values are annual, as recorded in the register."
        ),
        table_flowable(tables.contract_table(pack), width=WIDE_FRAME_WIDTH),
    ]


def timeline_section(pack: PackData) -> list[Flowable]:
    return [
        PageBreak(),
        *heading(4, "Timeline"),
        para(
            "When each contract ends, and how far it could be extended, against the proposed start of the "
            "joint arrangement. Contracts that end well before it may need a short extension or a bridging "
            "call-off; those that run well past it can join at their natural end."
        ),
        *timeline_charts(pack),
        NextPageTemplate("body"),
    ]


def outcomes_section(pack: PackData) -> list[Flowable]:
    spec = pack.specification
    flow: list[Flowable] = [PageBreak(), *heading(5, "Outcomes framework")]
    if spec is None:
        flow.append(para("No specification is linked to this opportunity yet."))
        return flow
    kind = "Outcome-based" if spec.kind == "outcome_based" else "Input-based"
    flow.append(markup("<b>Specification:</b> {title} ({kind})", title=spec.title, kind=kind))
    if spec.summary:
        flow.append(para(spec.summary))
    if spec.kind != "outcome_based":
        flow.append(
            para(
                "This specification describes inputs. Stating the outcomes the partners want, with "
                "a measure, baseline and target for each, lets suppliers propose how to meet them.",
                "small",
            )
        )
    flow += [table_flowable(tables.outcome_table(pack))]
    for title, items in (
        ("Requirements", spec.requirements),
        ("Social value", spec.social_value),
        ("Sustainability", spec.sustainability),
    ):
        if items:
            flow += [Paragraph(title, styles()["h2"]), *bullets(items)]
    return flow


def routes_section(pack: PackData) -> list[Flowable]:
    return [
        *heading(6, "Procurement route options"),
        para(
            "Options are listed reuse first: calling off an existing contract or framework that the partners "
            "may already use avoids the cost and time of a new tender. A new joint procurement follows, and "
            "separate procurement by each partner is shown last for comparison."
        ),
        table_flowable(tables.route_table(pack)),
    ]


def savings_section(pack: PackData) -> list[Flowable]:
    opp = pack.opportunity
    flow: list[Flowable] = [
        PageBreak(),
        *heading(7, "Savings and benefits"),
        para(
            f"Estimated saving: {format_pounds(opp.estimated_saving_pence)}, against a combined annual value "
            f"of {format_pounds(opp.combined_annual_value_pence)}. It is an estimate, made on the assumptions "
            "below; each partner's share follows its pooled budget share (section 2)."
        ),
    ]
    explanation = opp.assumptions.get("explanation")
    if isinstance(explanation, str) and explanation:
        flow.append(para(explanation))
    breakdown = tables.saving_table(pack)
    if breakdown.rows:
        flow += [Paragraph("How the estimate adds up", styles()["h2"]), table_flowable(breakdown)]
    flow += [
        Paragraph("Assumptions", styles()["h2"]),
        table_flowable(tables.assumption_table(pack)),
        Paragraph("Benefits", styles()["h2"]),
        *bullets(benefits(pack)),
    ]
    return flow


def benefits(pack: PackData) -> list[str]:
    partners, contracts = len(pack.partners), len(pack.contracts)
    items = []
    if contracts > 1:
        items.append(
            f"{contracts - 1} fewer procurement{'s' if contracts > 2 else ''} to run: one arrangement "
            f"replaces {contracts} contracts."
        )
    if partners > 1:
        items.append(f"One set of outcomes, service levels and performance reports across {partners} partners.")
    items += [
        "Stronger buying position with suppliers from the combined volume.",
        "Lots sized so that small and medium-sized enterprises can bid.",
        "Savings realised are recorded against this estimate in FlagDesk and reported per partner.",
    ]
    return items


def risks_section(pack: PackData) -> list[Flowable]:
    return [*heading(8, "Risks"), table_flowable(tables.risk_table(pack))]


def governance_section(pack: PackData) -> list[Flowable]:
    lead = pack.opportunity.lead_partner or "a lead partner, to be nominated,"
    sign_off = KeepTogether(
        [
            Paragraph("Sign-off", styles()["h2"]),
            para(
                "Each partner signs to confirm its decision (approve, approve with conditions, or decline) and "
                "its budget share."
            ),
            table_flowable(tables.signoff_table(pack), row_height=13 * mm),
        ]
    )
    return [
        PageBreak(),
        *heading(9, "Governance and sign-off"),
        para(
            f"A programme board with one representative of each partner, each able to commit that partner's "
            f"budget share, oversees the work. {lead} runs the procurement on the partners' behalf under a "
            "collaboration agreement that records the budget shares, decision rights, how savings are shared "
            "and how a partner may leave."
        ),
        *bullets(
            [
                "Programme board: approves the route, the outcomes framework and the award; meets at each gateway.",
                "Lead partner: runs the procurement and manages the contract; reports performance against the "
                "outcomes each quarter.",
                "Each partner: confirms its budget share and contract end dates, and its own approval route.",
                "Benefits: realised savings are recorded in FlagDesk against this pack's estimate.",
            ]
        ),
        Spacer(1, 4 * mm),
        sign_off,
    ]


def story(pack: PackData) -> list[Flowable]:
    return [
        *cover(pack),
        *contents(),
        *executive_summary(pack),
        *partners_section(pack),
        *contracts_section(pack),
        *timeline_section(pack),
        *outcomes_section(pack),
        *routes_section(pack),
        *savings_section(pack),
        *risks_section(pack),
        *governance_section(pack),
    ]


# --- entry points ---------------------------------------------------------------------------------------


def render_pack(pack: PackData, target: BinaryIO, *, progress: Progress = None, cancel: Cancel = None) -> int:
    """Write the pack as PDF to an open binary file; returns the number of pages."""
    doc = PackDocument(target, pack, progress=progress, cancel=cancel)
    flowables = story(pack)
    doc.expect_flowables(len(flowables))
    doc.multiBuild(flowables, canvasmaker=NumberedCanvas)
    if progress is not None:
        progress(1.0)
    return doc.page


def write_pack(pack: PackData, path: str | Path, *, progress: Progress = None, cancel: Cancel = None) -> int:
    """Write the pack to ``path`` (replaced only when complete); returns the number of pages."""
    pages = 0

    def write(fh: BinaryIO) -> None:
        nonlocal pages
        pages = render_pack(pack, fh, progress=progress, cancel=cancel)

    write_atomically(path, write)
    return pages
