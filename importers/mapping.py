"""Find the header row, name the columns and map them to fields: by profile, by words, by values."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from flagdesk import cpv
from flagdesk.domain import normalise_company_number
from importers.fields import FIELD_KINDS, header_scores, normalise_header
from importers.values import clean_text, decide_date_order, is_blank, parse_bool, parse_date, parse_money

HEADER_SEARCH_ROWS = 30  # title rows above the header are rarely more than a handful
MIN_HEADER_MATCHES = 2

# Built-in profiles for layouts we know: published header -> field; other columns are extra.
_LGA_CONTRACTS = {
    "Organisation name": "partner",
    "Contract Reference number / ID": "reference",
    "Title of the Agreement": "title",
    "Contract type": "contract_type",
    "Directorate / service responsible": "owner",
    "Description of goods and services": "description",
    "Procurement classification: Councils procurement category label": "category",
    "Procurement classification: CPV code": "cpv",
    "Contract start date": "start_date",
    "End date": "end_date",
    "Review date": "review_date",
    "Last extension date": "max_end_date",
    "Contract value": "total_value",
    "Irrecoverable VAT": "irrecoverable_vat",
    "Supplier name": "supplier",
    "Supplier registered company number": "company_number",
    "Supplier registered charity number": "charity_number",
    "SME supplier": "is_sme",
    "VCSE supplier": "is_vcse",
    "Tender process type": "procurement_route",
    # Published with the schema but not fields of ours: kept as extra data.
    "Organisation Code": "",
    "Effective Date": "",
    "Open Contracting ID": "",
    "Service Category label": "",
    "Service category URI": "",
    "Procurement classification: CPV label": "",
    "Procurement classification: Proclass label": "",
    "Procurement classification: Proclass code": "",
    "Fixed cost / estimated cost": "",
    "Other supplier ID": "",
    "VCSE supplier type": "",
    "Nominated contact point: name": "",
    "Nominated contact point: email": "",
    "Nominated contact point: URL": "",
    "Tender document URL": "",
    "Contract document URL": "",
    "Performance information URL": "",
    "Location service label": "",
    "Location served URI": "",
}
# Local Government Transparency Code 2015, paragraph 43: the minimum a contract register holds.
_TRANSPARENCY_CODE = {
    "Reference Number": "reference",
    "Title of Agreement": "title",
    "Local Authority Department Responsible": "owner",
    "Description of Goods and/or Services": "description",
    "Supplier Name and Details": "supplier",
    "Supplier Registration Number": "company_number",
    "Sum to be Paid over the Length of the Contract": "total_value",
    "Estimated Annual Spending or Budget for the Contract": "annual_value",
    "Value Added Tax that cannot be Recovered": "irrecoverable_vat",
    "Start Date": "start_date",
    "End Date": "end_date",
    "Review Date": "review_date",
    "Invitation to Quote or Published Invitation to Tender": "procurement_route",
    "SME": "is_sme",
    "VCSE": "is_vcse",
}
PROFILES: dict[str, dict[str, str]] = {"lga-contracts": _LGA_CONTRACTS, "transparency-code": _TRANSPARENCY_CODE}
_PROFILE_KEYS = {name: {normalise_header(h): f for h, f in layout.items()} for name, layout in PROFILES.items()}


def header_match_count(cells: Sequence[Any]) -> int:
    """How many cells of a row read as field names: the row with most is the header."""
    return sum(1 for c in cells if isinstance(c, str) and header_scores(c))


def find_header(rows: Sequence[tuple[int, list[Any]]]) -> int | None:
    """Index (in ``rows``) of the header row among the first rows, or None when nothing fits."""
    best, best_index = MIN_HEADER_MATCHES - 1, None
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        count = header_match_count(cells)
        if count > best:
            best, best_index = count, index
    return best_index


def column_names(cells: Sequence[Any], width: int) -> list[str]:
    """Header texts, unique, with blank ones named by column letter ('Column F')."""
    names: list[str] = []
    for index in range(width):
        text = clean_text(cells[index]) if index < len(cells) else ""
        text = text or f"Column {column_letter(index)}"
        candidate, n = text, 2
        while candidate in names:
            candidate, n = f"{text} ({n})", n + 1
        names.append(candidate)
    return names


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def header_signature(headers: Sequence[str]) -> str:
    """Hash of the normalised header row: how a saved mapping recognises next quarter's file."""
    joined = "|".join(normalise_header(h) for h in headers if not h.startswith("Column "))
    return hashlib.sha256(joined.encode()).hexdigest()


def detect_profile(headers: Sequence[str]) -> str | None:
    normalised = {normalise_header(h) for h in headers}
    for name, keys in _PROFILE_KEYS.items():
        mapped = [k for k, f in keys.items() if f]
        if sum(1 for k in mapped if k in normalised) >= max(5, int(0.6 * len(mapped))):
            return name
    return None


def profile_mapping(name: str, headers: Sequence[str]) -> dict[str, str]:
    try:
        keys = _PROFILE_KEYS[name]
    except KeyError:
        raise ValueError(f"unknown profile '{name}' (known: {', '.join(PROFILES)}; OCDS JSON needs none)") from None
    return {h: keys.get(normalise_header(h), "") for h in headers}


def auto_map(headers: Sequence[str], samples: Sequence[Sequence[Any]]) -> dict[str, str]:
    """Source column -> field ('' for extra): by header words first, then by what values look like.

    A header match is taken only when the column's values fit the field (a 'Start' column of
    names is not a date); each field and each column is used once, best score first.
    """
    columns = [[row[i] if i < len(row) else "" for row in samples] for i in range(len(headers))]
    candidates = sorted(
        ((score, -i, field) for i, h in enumerate(headers) for score, field in header_scores(h)), reverse=True
    )
    mapping = dict.fromkeys(headers, "")
    taken: set[str] = set()
    for score, neg_index, field in candidates:
        header = headers[-neg_index]
        # A header that names the field exactly needs less proof from its values than a partial one.
        leniency = 0.5 if score == 100 else 1.0
        if mapping[header] or field in taken or not values_fit(FIELD_KINDS[field], columns[-neg_index], leniency):
            continue
        mapping[header] = field
        taken.add(field)
    _map_by_values(headers, columns, mapping, taken)
    return mapping


def _map_by_values(headers: Sequence[str], columns: list[list[Any]], mapping: dict[str, str], taken: set[str]) -> None:
    """Unknown columns whose values are unmistakable: CPV codes, '£' amounts; dates if unnamed."""
    for index, header in enumerate(headers):
        if mapping[header] or header_scores(header):
            continue
        values = [v for v in columns[index] if not is_blank(v)]
        if not values:
            continue
        unnamed = header.startswith("Column ")
        for field in _value_field_guesses(values, unnamed):
            if field not in taken:
                mapping[header] = field
                taken.add(field)
                break


def _value_field_guesses(values: list[Any], unnamed: bool) -> list[str]:
    if _share(values, _is_cpv_like) >= 0.8:
        return ["cpv"]
    if _share(values, lambda v: isinstance(v, str) and "£" in v) >= 0.5 and _fits_money(values):
        return ["total_value", "annual_value"]
    # A named date column we do not know ('Published date') is not guessed to be start or end.
    if unnamed and _share(values, lambda v: _try(parse_date, v) and not isinstance(v, int | float)) >= 0.8:
        return ["start_date", "end_date"]
    return []


_CPV_LIKE = re.compile(r"^\d{8}(-\d)?\b")


def _is_cpv_like(value: Any) -> bool:
    return isinstance(value, str) and bool(_CPV_LIKE.match(value.strip()))


def values_fit(kind: str, values: Sequence[Any], leniency: float = 1.0) -> bool:
    """Do enough non-blank sample values parse as this kind? (True when there are none to judge.)

    ``leniency`` scales the share required (0.5 for a header that names the field exactly).
    """
    present = [v for v in values if not is_blank(v)]
    if not present:
        return True
    if kind == "money":
        return _fits_money(present, leniency)
    if kind == "date":
        order = decide_date_order(present)
        return _share(present, lambda v: _try(lambda x: parse_date(x, order=order), v)) >= 0.6 * leniency
    if kind == "bool":
        return _share(present, lambda v: _try(parse_bool, v)) >= 0.8 * leniency
    if kind == "cpv":
        return _share(present, lambda v: any(cpv.try_resolve(t) for t in split_codes(v))) >= 0.5 * leniency
    if kind == "company":
        return _share(present, lambda v: normalise_company_number(clean_text(v)) is not None) >= 0.3 * leniency
    return True


def _fits_money(values: Sequence[Any], leniency: float = 1.0) -> bool:
    return _share(values, lambda v: _try(parse_money, v)) >= 0.6 * leniency


def _share(values: Sequence[Any], test: Any) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _try(parse: Any, value: Any) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


_CODE = re.compile(r"(?<![\d-])\d{7,8}(?:-\d)?(?![\d-])")


def split_codes(value: Any) -> list[str]:
    """CPV-shaped codes in one cell: '72000000-5; 48000000-8', '72000000 IT services', 72000000.0."""
    return _CODE.findall(clean_text(value))
