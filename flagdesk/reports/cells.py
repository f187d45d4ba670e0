"""Cell values that are safe to put in a spreadsheet, CSV or open-data file someone will open in Excel.

A register is opened by many people; a title such as ``=HYPERLINK(...)`` must never run as a formula
(OWASP "CSV injection"). Every exporter passes text through ``safe_cell``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Characters that make Excel, LibreOffice or Google Sheets start a formula or a DDE command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# C0 controls other than tab, newline and carriage return: invalid in XML (openpyxl refuses them) and
# never meaningful in a register.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A plain number (e.g. a negative amount written as text) cannot be a formula, so it stays readable.
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would read as a formula; other values pass unchanged.

    Control characters are removed and text whose first non-blank character is ``= + - @`` (or a tab,
    carriage return or newline) gets a leading apostrophe, which spreadsheets show as text.
    """
    if not isinstance(value, str):
        return value
    text = _CONTROL_CHARS.sub("", value)
    return "'" + text if is_formula_like(text) else text


def is_formula_like(value: Any) -> bool:
    """True if a spreadsheet would treat this cell value as a formula (used by tests and checks)."""
    return isinstance(value, str) and not _PLAIN_NUMBER.match(value) and value.lstrip(" ").startswith(FORMULA_TRIGGERS)


def xlsx_header(sheet: Any, names: Iterable[str]) -> list[Any]:
    """Bold header cells for an openpyxl write-only sheet."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    return cells


def xlsx_value(sheet: Any, value: Any, number_format: str | None = None) -> Any:
    """A write-only sheet value: text neutralised, numbers and dates typed with their display format."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or isinstance(value, str):
        return safe_cell(value)
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    return cell
