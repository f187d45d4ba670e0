"""Export the register (or one partner's part) as open data: OCDS, Transparency Code CSV, xlsx.

Loads plain ExportRows with a handful of Core queries, then hands them to ``flagdesk.reports.exports``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flagdesk.errors import NotFoundError, ValidationError
from flagdesk.reports import exports
from flagdesk.reports.exports import ExportRow, ExportSupplier
from flagdesk.services.contracts import load_contract_records
from flagdesk.store.models import Contract, ContractSupplier, Partner, Setting, Supplier

FORMATS = ("ocds", "transparency-csv", "xlsx")
OCID_PREFIX_SETTING = "ocid_prefix"


def ocid_prefix(session: Session) -> str:
    """The register's OCDS ocid prefix (Setting 'ocid_prefix'), else 'ocds-flagdesk'."""
    value = session.get(Setting, OCID_PREFIX_SETTING)
    prefix = str(value.value).strip() if value is not None and value.value else ""
    return prefix or exports.DEFAULT_OCID_PREFIX


def load_export_rows(session: Session, *, partner: str | None = None) -> list[ExportRow]:
    """Every contract (or one partner's) with the supplier details and columns the formats publish."""
    if partner is not None and session.scalar(select(Partner.id).where(Partner.name == partner)) is None:
        raise NotFoundError(f"No partner named '{partner}'.")
    records = load_contract_records(session, partner=partner)
    if not records:
        return []
    ids = {r.id for r in records}
    more = _contract_columns(session, ids)
    suppliers = _suppliers(session, ids)
    org_codes = dict(session.execute(select(Partner.id, Partner.org_code)).all())
    rows = []
    for r in records:
        review, vat, owner, extra, _file, _row = more.get(r.id, (None, None, None, {}, None, None))
        rows.append(
            ExportRow(
                r, org_codes.get(r.partner_id), review, vat, owner, tuple(suppliers.get(r.id, ())), dict(extra or {})
            )
        )
    # In the order the partner published them: a re-import then pairs rows that share a reference
    # with the same contracts as before.
    return sorted(rows, key=lambda row: _source_order(row, more))


def _source_order(row: ExportRow, more: dict[int, tuple[Any, ...]]) -> tuple[Any, ...]:
    source_file, source_row = more.get(row.contract.id, (None,) * 6)[4:]
    return (row.contract.partner, source_row is None, source_file or "", source_row or 0, row.contract.id)


def _contract_columns(session: Session, ids: set[int]) -> dict[int, tuple[Any, ...]]:
    q = select(
        Contract.id,
        Contract.review_date,
        Contract.irrecoverable_vat_pence,
        Contract.owner,
        Contract.extra,
        Contract.source_file,
        Contract.source_row,
    )
    if len(ids) <= 5000:  # large IN lists hit parameter limits; loading all is cheaper then
        q = q.where(Contract.id.in_(ids))
    return {row[0]: tuple(row[1:]) for row in session.execute(q)}


def _suppliers(session: Session, ids: set[int]) -> dict[int, list[ExportSupplier]]:
    q = (
        # The name as the partner published it on this contract: what the Code asks for, and what a
        # re-import compares with.
        select(
            ContractSupplier.contract_id,
            Supplier.id,
            func.coalesce(ContractSupplier.name_as_published, Supplier.name),
            Supplier.company_number,
            Supplier.charity_number,
            Supplier.is_sme,
            Supplier.is_vcse,
        )
        .join(Supplier, Supplier.id == ContractSupplier.supplier_id)
        .order_by(ContractSupplier.contract_id, ContractSupplier.position)
    )
    if len(ids) <= 5000:
        q = q.where(ContractSupplier.contract_id.in_(ids))
    by_contract: dict[int, list[ExportSupplier]] = defaultdict(list)
    for contract_id, sid, name, company, charity, sme, vcse in session.execute(q):
        by_contract[contract_id].append(ExportSupplier(name, company, charity, sme, vcse, sid))
    return by_contract


def export_register(
    session: Session,
    fmt: str,
    path: str | Path,
    *,
    partner: str | None = None,
    today: date | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Write the register in ``fmt`` to ``path``; returns the number of contracts exported."""
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown export format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    rows = load_export_rows(session, partner=partner)
    prefix = ocid_prefix(session)
    when = today or date.today()
    if fmt == "ocds":
        if not rows:  # a release package must hold at least one release
            raise ValidationError("There are no contracts to export" + (f" for {partner}" if partner else "") + ".")
        return exports.write_ocds(
            rows,
            path,
            ocid_prefix=prefix,
            publisher=partner or "FlagDesk register",
            published=when,
            progress=progress,
            cancel=cancel,
        )
    writer = exports.write_transparency_csv if fmt == "transparency-csv" else exports.write_register_xlsx
    return writer(rows, path, ocid_prefix=prefix, effective=when, progress=progress, cancel=cancel)
