"""Open-data exports of the register: OCDS 1.1 release package, Transparency Code CSV, xlsx.

Writers take plain ExportRows (``flagdesk.services.exports`` loads them) and stream them to a file
that replaces the target only when complete. Every text value passes through ``safe_cell``, in the
JSON as well: OCDS is routinely flattened into spreadsheets, where a title like ``=HYPERLINK(...)``
would otherwise run.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from flagdesk import cpv
from flagdesk.errors import CancelledError
from flagdesk.records import ContractRecord
from flagdesk.reports.cells import safe_cell
from flagdesk.reports.output import write_atomically

Progress = Callable[[float], None] | None
Cancel = Callable[[], bool] | None

DEFAULT_OCID_PREFIX = "ocds-flagdesk"
OCDS_VERSION = "1.1"
CHECK_EVERY = 500  # rows between progress reports and cancel checks

# The LGA / iStandUK contracts schema for the Local Government Transparency Code 2015, exactly as
# councils publish it (the Norfolk register's header), so our importer's built-in profile reads it.
LGA_COLUMNS: tuple[str, ...] = (
    "Organisation name",
    "Organisation Code",
    "Effective Date",
    "Contract Reference number / ID",
    "Open Contracting ID",
    "Title of the Agreement",
    "Contract type",
    "Directorate / service responsible",
    "Service Category label",
    "Service category URI",
    "Description of goods and services",
    "Procurement classification: Councils procurement category label",
    "Procurement classification: CPV label",
    "Procurement classification: CPV code",
    "Procurement classification: Proclass label",
    "Procurement classification: Proclass code",
    "Contract start date",
    "End date",
    "Review date",
    "Last extension date",
    "Contract value",
    "Fixed cost / estimated cost",
    "Irrecoverable VAT",
    "Supplier name",
    "Supplier registered company number",
    "Supplier registered charity number",
    "Other supplier ID",
    "SME supplier",
    "VCSE supplier",
    "VCSE supplier type",
    "Nominated contact point: name",
    "Nominated contact point: email",
    "Nominated contact point: URL",
    "Tender process type",
    "Tender document URL",
    "Contract document URL",
    "Performance information URL",
    "Location service label",
    "Location served URI",
)
MONEY_COLUMNS = frozenset({"Contract value", "Irrecoverable VAT"})
DATE_COLUMNS = frozenset({"Effective Date", "Contract start date", "End date", "Review date", "Last extension date"})
# Wording the importer's enum parser reads back to the same value.
CONTRACT_TYPE_LABELS = {
    "single_award": "Single award contract",
    "framework_agreement": "Framework agreement",
    "call_off": "Call-off contract",
    "dps": "Dynamic purchasing system",
}
ROUTE_LABELS = {
    "open": "Open procedure",
    "restricted": "Restricted procedure",
    "competitive_flexible": "Competitive flexible procedure",
    "direct_award": "Direct award",
    "framework_call_off": "Framework call-off",
    "quotation": "Invitation to quote",
}
OCDS_CONTRACT_STATUS = {"planned": "pending", "active": "active", "expired": "terminated", "terminated": "terminated"}
OCDS_AWARD_STATUS = {"planned": "pending", "active": "active", "expired": "active", "terminated": "active"}
LIST_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class ExportSupplier:
    name: str
    company_number: str | None = None
    charity_number: str | None = None
    is_sme: bool | None = None
    is_vcse: bool | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One contract with what the open-data formats publish beyond a ContractRecord."""

    contract: ContractRecord
    org_code: str | None = None
    review_date: date | None = None
    irrecoverable_vat_pence: int | None = None
    owner: str | None = None
    suppliers: tuple[ExportSupplier, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # columns kept as published at import


def ocid_for(prefix: str, contract_id: int) -> str:
    return f"{prefix}-{contract_id}"


def _checkpoints(rows: Sequence[ExportRow], progress: Progress, cancel: Cancel) -> Iterator[ExportRow]:
    """Yield rows, reporting progress and honouring cancel every CHECK_EVERY rows."""
    total = max(1, len(rows))
    for index, row in enumerate(rows):
        if index % CHECK_EVERY == 0:
            if cancel is not None and cancel():
                raise CancelledError("Export cancelled; no file was written")
            if progress is not None:
                progress(index / total)
        yield row
    if progress is not None:
        progress(1.0)


# --- Transparency Code (LGA / iStandUK) -------------------------------------------------------------


def lga_record(row: ExportRow, ocid_prefix: str, effective: date) -> dict[str, Any]:
    """The LGA columns for one contract, typed: dates as date, money as pence, text as published."""
    c = row.contract
    suppliers = row.suppliers or tuple(ExportSupplier(name) for name in c.suppliers)
    record: dict[str, Any] = {name: row.extra.get(name) for name in LGA_COLUMNS}  # kept-as-published first
    record.update(
        {
            "Organisation name": c.partner,
            "Organisation Code": row.org_code or record["Organisation Code"],
            "Effective Date": effective,
            "Contract Reference number / ID": c.reference,
            "Open Contracting ID": ocid_for(ocid_prefix, c.id),
            "Title of the Agreement": c.title,
            "Contract type": CONTRACT_TYPE_LABELS.get(c.contract_type or "", record["Contract type"]),
            "Directorate / service responsible": row.owner,
            "Description of goods and services": c.description,
            "Procurement classification: Councils procurement category label": c.category,
            "Procurement classification: CPV label": LIST_SEPARATOR.join(cpv.label(code) for code in c.cpv) or None,
            "Procurement classification: CPV code": LIST_SEPARATOR.join(c.cpv) or None,
            "Contract start date": c.start_date,
            "End date": c.end_date,
            "Review date": row.review_date,
            "Last extension date": c.max_end_date,
            "Contract value": c.total_value_pence,
            "Irrecoverable VAT": row.irrecoverable_vat_pence,
            "Supplier name": LIST_SEPARATOR.join(s.name for s in suppliers) or None,
            "Supplier registered company number": _joined(s.company_number for s in suppliers),
            "Supplier registered charity number": _joined(s.charity_number for s in suppliers),
            "SME supplier": _flag(suppliers, "is_sme"),
            "VCSE supplier": _flag(suppliers, "is_vcse"),
            "Tender process type": ROUTE_LABELS.get(c.procurement_route or "", record["Tender process type"]),
        }
    )
    return record


def _joined(values: Iterator[str | None]) -> str | None:
    present = [v for v in values if v]
    return LIST_SEPARATOR.join(present) or None


def _flag(suppliers: Sequence[ExportSupplier], attribute: str) -> str | None:
    """'Yes' if any supplier has the flag, 'No' if all are known not to, else blank."""
    flags = [getattr(s, attribute) for s in suppliers]
    if any(flags):
        return "Yes"
    if flags and all(f is False for f in flags):
        return "No"
    return None


def csv_text(value: Any, column: str) -> str:
    """A typed LGA value as the Norfolk file writes it: dd/mm/yyyy dates, plain-number money."""
    if value is None:
        return ""
    if column in MONEY_COLUMNS and isinstance(value, int):
        return f"{value / 100:.2f}" if value % 100 else str(value // 100)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(safe_cell(str(value)))


def write_transparency_csv(
    rows: Sequence[ExportRow],
    path: str | Path,
    *,
    ocid_prefix: str = DEFAULT_OCID_PREFIX,
    effective: date | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
) -> int:
    """The contract register in the Code's LGA columns, UTF-8 with a BOM so Excel reads it right."""
    when = effective or date.today()

    def write(fh: BinaryIO) -> None:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(LGA_COLUMNS)
        for row in _checkpoints(rows, progress, cancel):
            record = lga_record(row, ocid_prefix, when)
            writer.writerow([csv_text(record[name], name) for name in LGA_COLUMNS])
        text.flush()
        text.detach()

    write_atomically(path, write)
    return len(rows)


# --- xlsx -----------------------------------------------------------------------------------------------


def write_register_xlsx(
    rows: Sequence[ExportRow],
    path: str | Path,
    *,
    ocid_prefix: str = DEFAULT_OCID_PREFIX,
    effective: date | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
) -> int:
    """The same LGA columns as a workbook, with real dates and money in pounds as numbers.

    xlsxwriter in constant-memory mode writes twice as fast as openpyxl's write-only mode
    (PERFORMANCE-NOTES.md); text is always written as text, never parsed as a formula or URL.
    """
    import xlsxwriter

    when = effective or date.today()

    def write(fh: BinaryIO) -> None:
        options = {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        book = xlsxwriter.Workbook(fh, options)
        sheet = book.add_worksheet("Contracts")
        money, day = book.add_format({"num_format": "#,##0.00"}), book.add_format({"num_format": "dd/mm/yyyy"})
        sheet.write_row(0, 0, LGA_COLUMNS, book.add_format({"bold": True}))
        sheet.freeze_panes(1, 0)
        for line, row in enumerate(_checkpoints(rows, progress, cancel), start=1):
            record = lga_record(row, ocid_prefix, when)
            for column, name in enumerate(LGA_COLUMNS):
                value = record[name]
                if value is None:
                    continue
                if name in MONEY_COLUMNS and isinstance(value, int):
                    sheet.write_number(line, column, value / 100, money)
                elif isinstance(value, date):
                    sheet.write_datetime(line, column, value, day)
                else:
                    sheet.write_string(line, column, safe_cell(str(value)))
        book.close()

    write_atomically(path, write)
    return len(rows)


# --- OCDS 1.1 -------------------------------------------------------------------------------------------


def ocds_release(row: ExportRow, ocid_prefix: str, published: date) -> dict[str, Any]:
    """One OCDS release for one contract: buyer, suppliers, the award and the contract."""
    c = row.contract
    ocid = ocid_for(ocid_prefix, c.id)
    buyer = _drop_empty({"id": f"{ocid_prefix}-partner-{c.partner_id}", "name": _text(c.partner)})
    suppliers = row.suppliers or tuple(ExportSupplier(name) for name in c.suppliers)
    # Two suppliers sharing a company number are one party (party ids are unique within a release).
    supplier_parties = {p["id"]: p for p in (_supplier_party(s, ocid_prefix) for s in suppliers)}
    parties = [{**buyer, "roles": ["buyer"]}, *supplier_parties.values()]
    supplier_refs = [{"id": p["id"], "name": p["name"]} for p in parties[1:]]
    period = _drop_empty(
        {
            "startDate": _ocds_date(c.start_date),
            "endDate": _ocds_date(c.end_date),
            "maxExtentDate": _ocds_date(c.max_end_date),
        }
    )
    value = _ocds_value(c.total_value_pence)
    award = _drop_empty(
        {
            "id": f"{c.id}-award",
            "title": _text(c.title),
            "status": OCDS_AWARD_STATUS.get(c.status),
            "suppliers": supplier_refs,
            "value": value,
            "contractPeriod": period,
        }
    )
    contract = _drop_empty(
        {
            "id": str(c.id),
            "awardID": award["id"],
            "title": _text(c.title),
            "description": _text(c.description),
            "status": OCDS_CONTRACT_STATUS.get(c.status),
            "period": period,
            "value": value,
            "items": _items(c),
        }
    )
    return _drop_empty(
        {
            "ocid": ocid,
            "id": f"{ocid}-contract-{c.version}",
            "date": _ocds_date(published),
            "tag": ["contract"],
            "initiationType": "tender",
            "language": "en",
            "parties": parties,
            "buyer": buyer,
            "awards": [award],
            "contracts": [contract],
        }
    )


def _supplier_party(s: ExportSupplier, ocid_prefix: str) -> dict[str, Any]:
    # A Companies House number is the shared identifier (org-id.guide scheme GB-COH).
    if s.company_number:
        party_id = f"GB-COH-{s.company_number}"
        identifier = {"scheme": "GB-COH", "id": s.company_number, "legalName": _text(s.name)}
    else:
        party_id = f"{ocid_prefix}-supplier-{s.id}" if s.id is not None else f"{ocid_prefix}-supplier-{_slug(s.name)}"
        identifier = None
    return _drop_empty({"id": party_id, "name": _text(s.name), "identifier": identifier, "roles": ["supplier"]})


def _items(c: ContractRecord) -> list[dict[str, Any]]:
    if not c.cpv:
        return []
    first, *more = c.cpv
    return [
        _drop_empty(
            {
                "id": "1",
                "description": _text(c.title),
                "classification": _cpv_classification(first),
                "additionalClassifications": [_cpv_classification(code) for code in more],
            }
        )
    ]


def _cpv_classification(code: str) -> dict[str, Any]:
    return {"scheme": "CPV", "id": code[:8], "description": cpv.label(code)}


def ocds_package(releases: list[dict[str, Any]], *, publisher: str, published: date, uri: str) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _ocds_date(published),
        "publisher": {"name": _text(publisher)},
        "releases": releases,
    }


def write_ocds(
    rows: Sequence[ExportRow],
    path: str | Path,
    *,
    ocid_prefix: str = DEFAULT_OCID_PREFIX,
    publisher: str = "FlagDesk register",
    published: date | None = None,
    uri: str | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
) -> int:
    """An OCDS 1.1 release package with one release per contract, streamed release by release."""
    when = published or date.today()
    head = ocds_package(
        [],
        publisher=publisher,
        published=when,
        uri=uri or f"urn:flagdesk:{ocid_prefix}:release-package:{when.isoformat()}",
    )
    del head["releases"]

    def write(fh: BinaryIO) -> None:
        fh.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2].encode() + b',\n "releases": [\n')
        for index, row in enumerate(_checkpoints(rows, progress, cancel)):
            separator = b",\n" if index else b""
            fh.write(separator + json.dumps(ocds_release(row, ocid_prefix, when), ensure_ascii=False).encode())
        fh.write(b"\n ]\n}\n")

    write_atomically(path, write)
    return len(rows)


def _ocds_date(d: date | None) -> str | None:
    return f"{d.isoformat()}T00:00:00Z" if d else None


def _ocds_value(pence: int | None) -> dict[str, Any] | None:
    if pence is None:
        return None
    return {"amount": pence // 100 if pence % 100 == 0 else pence / 100, "currency": "GBP"}


def _text(value: str | None) -> str | None:
    return safe_cell(value) if value else None


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")[:60] or "unnamed"


def _drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    """OCDS asks publishers to omit empty fields rather than publish nulls."""
    return {k: v for k, v in obj.items() if v not in (None, "", [], {})}
