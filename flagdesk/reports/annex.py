"""The pack's annex workbook: the same tables as the PDF, one sheet each, with real numbers and dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flagdesk.reports import tables
from flagdesk.reports.cells import xlsx_header, xlsx_value
from flagdesk.reports.output import write_atomically
from flagdesk.reports.packdata import PackData

NUMBER_FORMATS = {tables.MONEY: "£#,##0.00", tables.DATE: "dd/mm/yyyy", tables.PERCENT: "0.0%", tables.INT: "#,##0"}
MM_PER_CHARACTER = 2.0  # roughly, at Calibri 11


def summary_table(pack: PackData) -> tables.PackTable:
    opp = pack.opportunity
    spec = pack.specification
    rows: list[tuple[Any, ...]] = [
        ("Opportunity", opp.id),
        ("Title", opp.title),
        ("Kind", tables.humanise(opp.kind)),
        ("Status", tables.humanise(opp.status)),
        ("Lead partner", opp.lead_partner or ""),
        ("Combined annual value (£)", opp.combined_annual_value_pence / 100),
        ("Estimated annual saving (£)", opp.estimated_saving_pence / 100),
        ("Proposed start", opp.proposed_start),
        ("Score", opp.score),
        ("Specification", spec.title if spec else ""),
        ("Prepared on", pack.prepared_on),
        ("Prepared by", pack.prepared_by),
    ]
    rows += [("Evidence", line) for line in opp.evidence]
    columns = (tables.Column("Item", tables.TEXT, 60), tables.Column("Value", tables.TEXT, 160))
    return tables.PackTable("Summary", "Summary", columns, tuple(rows))


def criteria_table(pack: PackData) -> tables.PackTable:
    spec = pack.specification
    groups = (
        (
            ("Requirement", spec.requirements),
            ("Social value", spec.social_value),
            ("Sustainability", spec.sustainability),
        )
        if spec
        else ()
    )
    rows = tuple((kind, text) for kind, items in groups for text in items)
    columns = (tables.Column("Type", tables.TEXT, 40), tables.Column("Statement", tables.TEXT, 180))
    return tables.PackTable("Criteria", "Requirements and criteria", columns, rows)


def write_annex(pack: PackData, path: str | Path) -> Path:
    """Write the annex workbook; the file at ``path`` is replaced only when complete."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for table in [summary_table(pack), *tables.all_tables(pack), criteria_table(pack)]:
        sheet = book.create_sheet(table.key)
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(8, column.width_mm / MM_PER_CHARACTER)
        sheet.freeze_panes = "A2"
        sheet.append(xlsx_header(sheet, (c.header for c in table.columns)))
        for row in table.rows:
            sheet.append([_cell(sheet, value, column.kind) for value, column in zip(row, table.columns, strict=True)])
    return write_atomically(path, book.save)


def _cell(sheet: Any, value: Any, kind: str) -> Any:
    """Money from pence to pounds, dates and numbers typed, text neutralised against formulas."""
    if kind == tables.MONEY and isinstance(value, int):
        value = value / 100
    return xlsx_value(sheet, value, NUMBER_FORMATS.get(kind))
