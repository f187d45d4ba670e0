"""One spreadsheet row to one ImportRecord plus its problems, under a column mapping."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flagdesk import cpv
from flagdesk.domain import normalise_company_number
from importers.fields import FIELD_KINDS, parse_enum
from importers.mapping import split_codes
from importers.records import ERROR, WARNING, ImportRecord, Problem, SupplierRef
from importers.values import (
    clean_text,
    decide_date_order,
    is_blank,
    is_placeholder_date,
    parse_bool,
    parse_date,
    parse_money,
    split_suppliers,
)

_MONEY_FIELDS = {
    "total_value": "total_value_pence",
    "annual_value": "annual_value_pence",
    "irrecoverable_vat": "irrecoverable_vat_pence",
}
_SUPPLIER_DETAIL_FIELDS = ("company_number", "charity_number", "is_sme", "is_vcse", "postcode")
_ENUM_FIELDS = {"procurement_route": "route", "contract_type": "ctype", "status": "status"}


@dataclass(frozen=True, slots=True)
class _Column:
    index: int
    header: str
    field: str  # '' = extra


Handler = Callable[[ImportRecord, Any, dict[str, Any], list[Problem]], None]
_cpv_code = lru_cache(maxsize=4096)(cpv.try_resolve)
_company_number = lru_cache(maxsize=16384)(normalise_company_number)


_NEEDS_CLEANING = re.compile(r"&|\s\s|[\n\r\t]|^\s|\s$")
_blank_short_text = lru_cache(maxsize=4096)(is_blank)  # short cells repeat: 'Yes', 'N/A', 'ICT'


def _text(value: Any) -> str:
    if type(value) is str and not _NEEDS_CLEANING.search(value):
        return value  # already clean: the common case, checked in one pass
    return clean_text(value)


class RowConverter:
    """Converts rows of one sheet; date order per column is decided from a sample of that sheet.

    Each column gets its handler once, here, so the per-cell work is one call (100k-row files).
    """

    def __init__(
        self, headers: Sequence[str], mapping: dict[str, str], sheet: str | None, samples: Sequence[Sequence[Any]] = ()
    ):
        self.sheet = sheet
        self.columns = [_Column(i, h, mapping.get(h, "")) for i, h in enumerate(headers)]
        self.date_orders = {
            c.index: decide_date_order([r[c.index] for r in samples if c.index < len(r)])
            for c in self.columns
            if FIELD_KINDS.get(c.field) == "date"
        }
        self.handlers = [(c.index, self._handler(c)) for c in self.columns]

    def convert(self, number: int, cells: Sequence[Any]) -> tuple[ImportRecord | None, list[Problem]]:
        """The record (None when rejected) and the row's problems."""
        record = ImportRecord(row=number, sheet=self.sheet)
        problems: list[Problem] = []
        state: dict[str, Any] = {}  # the supplier cell and supplier details, combined at the end
        width = len(cells)
        for index, handler in self.handlers:
            value = cells[index] if index < width else None
            if value is None or value == "" or (type(value) is str and len(value) < 10 and _blank_short_text(value)):
                continue
            try:
                handler(record, value, state, problems)
            except ValueError as exc:
                problems.append(self._problem(record.row, self.columns[index], value, str(exc), ERROR))
        record.suppliers = self._suppliers(record, state, problems)
        self._check_record(record, problems)
        rejected = any(p.severity == ERROR for p in problems)
        return (None if rejected else record), problems

    def _problem(self, row: int, column: _Column | None, value: Any, message: str, severity: str) -> Problem:
        shown = None if value is None else str(as_published(value))
        return Problem(self.sheet, row, column.header if column else None, shown, message, severity)

    def _flag(self, record: ImportRecord, column: _Column, value: Any, problems: list[Problem], message: str) -> None:
        """A value not trusted: the row is imported, the cell kept as published, the user warned."""
        problems.append(self._problem(record.row, column, value, message, WARNING))
        record.extra[column.header] = as_published(value)

    def _handler(self, column: _Column) -> Handler:
        field, header = column.field, column.header
        kind = FIELD_KINDS.get(field, "")
        if not field:
            return lambda record, value, state, problems: record.extra.__setitem__(header, as_published(value))
        if field == "supplier" or field in _SUPPLIER_DETAIL_FIELDS:
            return lambda record, value, state, problems: state.__setitem__(field, (column, value))
        if kind == "money":
            return self._money_handler(column)
        if kind == "date":
            return self._date_handler(column)
        if kind == "cpv":
            return self._cpv_handler(column)
        if field in _ENUM_FIELDS:
            return self._enum_handler(column)
        return lambda record, value, state, problems: setattr(record, field, _text(value))

    def _enum_handler(self, column: _Column) -> Handler:
        field, enum_kind = column.field, _ENUM_FIELDS[column.field]

        def handle(record: ImportRecord, value: Any, state: dict[str, Any], problems: list[Problem]) -> None:
            text = _text(value)
            parsed = parse_enum(enum_kind, text)
            setattr(record, field, parsed)
            if parsed is None:  # 'Other', 'grant agreement': keep the wording
                record.extra[column.header] = text

        return handle

    def _money_handler(self, column: _Column) -> Handler:
        attribute = _MONEY_FIELDS[column.field]

        def handle(record: ImportRecord, value: Any, state: dict[str, Any], problems: list[Problem]) -> None:
            pence = parse_money(value)
            if pence is not None and pence < 0:
                self._flag(record, column, value, problems, "negative amount not taken as a value")
                return
            setattr(record, attribute, pence)

        return handle

    def _date_handler(self, column: _Column) -> Handler:
        field, order = column.field, self.date_orders.get(column.index, "dmy")

        def handle(record: ImportRecord, value: Any, state: dict[str, Any], problems: list[Problem]) -> None:
            parsed = parse_date(value, order=order)
            if parsed is not None and is_placeholder_date(parsed):
                self._flag(record, column, value, problems, "placeholder date not trusted; left blank")
                return
            setattr(record, field, parsed)

        return handle

    def _cpv_handler(self, column: _Column) -> Handler:
        def handle(record: ImportRecord, value: Any, state: dict[str, Any], problems: list[Problem]) -> None:
            unknown = []
            for token in split_codes(value):
                code = _cpv_code(token)
                if code is None:
                    unknown.append(token)
                elif code not in record.cpv:
                    record.cpv.append(code)
            if unknown or not record.cpv:
                self._flag(record, column, value, problems, "not a CPV 2008 code; kept as published")

        return handle

    def _suppliers(self, record: ImportRecord, state: dict[str, Any], problems: list[Problem]) -> list[SupplierRef]:
        cell = state.pop("supplier", None)
        names = split_suppliers(cell[1]) if cell is not None else []
        parsed = self._supplier_details(record, state, problems)
        if len(names) == 1:
            return [SupplierRef(names[0], **parsed)]
        for field, (column, value) in state.items():
            if names and parsed.get(field) is not None:  # several names, one number: whose is it?
                record.extra[column.header] = as_published(value)
        return [SupplierRef(name) for name in names]

    def _supplier_details(
        self, record: ImportRecord, details: dict[str, Any], problems: list[Problem]
    ) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for field, (column, value) in details.items():
            if field == "company_number":
                number = _company_number(_text(value))
                if number is None:
                    self._flag(record, column, value, problems, "not a Companies House number; kept as published")
                parsed[field] = number
            elif field in ("is_sme", "is_vcse"):
                try:
                    parsed[field] = parse_bool(value)
                except ValueError as exc:
                    self._flag(record, column, value, problems, str(exc))
            else:
                parsed[field] = _text(value) or None
        return parsed

    def _check_record(self, record: ImportRecord, problems: list[Problem]) -> None:
        check_record(record, problems, lambda msg, sev: self._problem(record.row, None, None, msg, sev))


# The register's text limits (flagdesk.store.models); longer text is cut with a warning.
TEXT_LIMITS = (("partner", 200), ("reference", 200), ("title", 1000), ("category", 200), ("owner", 200))
SUPPLIER_LIMITS = (("name", 300), ("charity_number", 20), ("postcode", 12))


def check_record(record: ImportRecord, problems: list[Problem], make: Callable[[str, str], Problem]) -> None:
    """Rules every record meets, whatever its source: a title, dates in order, text that fits."""
    _clip(record, problems, make)
    if not record.title:
        record.title = record.description[:300] or record.reference
    if not record.title:
        problems.append(make("no title, description or reference: nothing identifies the contract", ERROR))
    if not record.suppliers:
        problems.append(make("no supplier named", WARNING))
    if record.start_date and record.end_date and record.end_date < record.start_date:
        problems.append(make(f"ends ({record.end_date}) before it starts ({record.start_date})", WARNING))
    if record.max_end_date and record.end_date and record.max_end_date < record.end_date:
        problems.append(make("end date with extensions is before the end date; extensions ignored", WARNING))
        record.max_end_date = record.end_date


def _clip(record: ImportRecord, problems: list[Problem], make: Callable[[str, str], Problem]) -> None:
    for name, limit in TEXT_LIMITS:
        value = getattr(record, name)
        if value and len(value) > limit:
            setattr(record, name, value[:limit])
            problems.append(make(f"{name} longer than {limit} characters; cut", WARNING))
    for index, ref in enumerate(record.suppliers):
        if len(ref.name) <= 300 and (ref.postcode is None or len(ref.postcode) <= 12) and ref.charity_number is None:
            continue  # the usual case, checked without building anything
        long = {k: v[:n] for k, n in SUPPLIER_LIMITS if (v := getattr(ref, k)) and len(v) > n}
        if long:
            record.suppliers[index] = replace(ref, **long)
            problems.append(make(f"supplier {', '.join(long)} too long; cut", WARNING))


def as_published(value: Any) -> Any:
    """A cell as JSON-safe data: dates as ISO text, whole floats as ints, text cleaned."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float | bool):
        return value
    return clean_text(value)
