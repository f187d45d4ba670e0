"""What a reader hands to the services: canonical import records and row-level problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flagdesk.errors import UserError

ERROR = "error"  # the row is rejected
WARNING = "warning"  # the row is imported and flagged


class ImportFileError(UserError):
    """A file that cannot be imported at all: empty, corrupt, encrypted, not a register."""


@dataclass(frozen=True, slots=True)
class SupplierRef:
    name: str
    company_number: str | None = None
    charity_number: str | None = None
    is_sme: bool | None = None
    is_vcse: bool | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str | None
    row: int | None  # 1-based, as the user sees it in the sheet (None: the whole file)
    column: str | None
    value: str | None
    message: str
    severity: str = ERROR

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(slots=True)
class ImportRecord:
    row: int
    sheet: str | None = None
    partner: str | None = None
    reference: str = ""
    title: str = ""
    description: str = ""
    suppliers: list[SupplierRef] = field(default_factory=list)
    cpv: list[str] = field(default_factory=list)
    category: str | None = None
    total_value_pence: int | None = None
    annual_value_pence: int | None = None
    irrecoverable_vat_pence: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    max_end_date: date | None = None
    review_date: date | None = None
    procurement_route: str | None = None
    contract_type: str | None = None
    status: str | None = None
    owner: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # A stable id the source gives the contract (OCDS ocid + award id); None for spreadsheets.
    source_id: str | None = None
    # Import identity within its partner (see importers.identity); set by read_file.
    identity: str = ""


@dataclass(slots=True)
class ReadResult:
    records: list[ImportRecord]
    problems: list[Problem]
    rows_read: int
    sheet: str | None
    profile: str | None
    mapping: dict[str, str]  # source column -> field ('' = kept as extra data)
    header: list[str]
    file_kind: str = ""  # xlsx | csv | ods | ocds | json

    @property
    def rows_rejected(self) -> int:
        return len({(p.sheet, p.row) for p in self.problems if p.severity == ERROR and p.row is not None})


@dataclass(slots=True)
class FileInfo:
    """What the import wizard shows before anything is read in full."""

    file_kind: str
    sheets: list[str]
    sheet: str | None
    header_row: int | None  # the header's 1-based row number as the user sees it in the sheet
    headers: list[str]
    mapping: dict[str, str]  # suggested: source column -> field ('' = extra)
    profile: str | None
    sample_rows: list[list[str]]
