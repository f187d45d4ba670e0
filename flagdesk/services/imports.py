"""Imports into the register: preview, apply as one batch in one transaction, undo exactly.

``importers.read_file`` turns a file into records; here each record is matched to the register
by (partner, import identity), classified new / changed / unchanged, and written with Core
executemany (an ORM object per row is several times slower at 100k rows). A batch records the
before-state of every contract it changed (ImportChange) and marks the contracts it inserted
(``Contract.source_batch_id``), so undo restores the register exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, bindparam, delete, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from flagdesk.errors import CancelledError, ConflictError, NotFoundError, UserError
from flagdesk.services.audit import audit, audit_many
from flagdesk.services.contracts import search_text_for
from flagdesk.services.partners import get_or_create_partner, guess_partner_kind
from flagdesk.services.suppliers import SupplierResolver
from flagdesk.store.models import (
    AuditEvent,
    Contract,
    ContractCpv,
    ContractSupplier,
    ImportBatch,
    ImportChange,
    MappingProfile,
    Partner,
    Supplier,
    SupplierAlias,
    SupplierMerge,
)
from importers import ERROR, ImportRecord, Problem, ReadResult, SupplierRef, read_file
from importers.mapping import header_signature
from importers.reading import Cancel, Progress, text_key

# Contract columns an import may set, and the mapping fields that provide them.
SCALARS = (
    "reference",
    "title",
    "description",
    "category",
    "total_value_pence",
    "annual_value_pence",
    "irrecoverable_vat_pence",
    "start_date",
    "end_date",
    "max_end_date",
    "review_date",
    "procurement_route",
    "contract_type",
    "status",
    "owner",
)
_DATE_COLUMNS = {"start_date", "end_date", "max_end_date", "review_date"}
_FIELD_COLUMNS = {
    "total_value": "total_value_pence",
    "annual_value": "annual_value_pence",
    "irrecoverable_vat": "irrecoverable_vat_pence",
}
_OCDS_PROVIDES = frozenset(
    {
        "reference",
        "title",
        "description",
        "total_value_pence",
        "start_date",
        "end_date",
        "max_end_date",
        "procurement_route",
        "status",
        "suppliers",
        "cpv",
    }
)
_CHUNK = 5000
_RESTORED = (
    *SCALARS,
    "version",
    "source_batch_id",
    "source_file",
    "source_sheet",
    "source_row",
    "extra",
    "search_text",
    "identity_key",
    "updated_by",
    "updated_at",  # restored too, so an undone batch leaves no trace in the contract rows
)


@dataclass(slots=True)
class RowPlan:
    record: ImportRecord
    partner: str
    action: str  # new | changed | unchanged
    contract_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class ImportSummary:
    file: str
    file_kind: str
    sheet: str | None
    profile: str | None
    mapping: dict[str, str]
    rows_read: int
    problems: list[Problem]
    plans: list[RowPlan]
    partners_created: list[str]
    batch_id: int | None = None

    def count(self, action: str) -> int:
        return sum(1 for p in self.plans if p.action == action)

    @property
    def rows_rejected(self) -> int:
        return len({(p.sheet, p.row) for p in self.problems if p.severity == ERROR and p.row is not None})

    def to_json(self, *, rows: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "batch_id": self.batch_id,
            "file": self.file,
            "file_kind": self.file_kind,
            "sheet": self.sheet,
            "profile": self.profile,
            "mapping": self.mapping,
            "rows_read": self.rows_read,
            "rows_rejected": self.rows_rejected,
            "new": self.count("new"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "partners_created": self.partners_created,
            "problems": [p.to_json() for p in self.problems],
        }
        if rows:
            out["rows"] = [_plan_json(p) for p in self.plans]
        return out


def _plan_json(plan: RowPlan) -> dict[str, Any]:
    return {
        "row": plan.record.row,
        "sheet": plan.record.sheet,
        "partner": plan.partner,
        "action": plan.action,
        "contract_id": plan.contract_id,
        "title": plan.record.title,
        "changes": {k: [_jsonable(o), _jsonable(n)] for k, (o, n) in plan.changes.items()},
    }


# --- preview -------------------------------------------------------------------------------------


def preview_import(
    session: Session,
    path: str | Path,
    *,
    partner: str | None = None,
    sheet: str | None = None,
    profile: str | None = None,
    mapping: dict[str, str] | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
) -> ImportSummary:
    """What applying the file would do: new, changed, unchanged and rejected rows, with problems."""
    path = Path(path)
    saved = saved_mapping_lookup(session, partner)
    result = read_file(
        path,
        sheet=sheet,
        profile=profile,
        mapping=mapping,
        cancel=cancel,
        progress=_scaled(progress, 0.0, 0.6),
        saved_mappings=saved,
    )
    return _plan(session, path, result, partner)


def _scaled(progress: Progress, start: float, end: float) -> Progress:
    if progress is None:
        return None
    return lambda fraction: progress(start + (end - start) * fraction)


def _plan(session: Session, path: Path, result: ReadResult, partner_override: str | None) -> ImportSummary:
    problems = list(result.problems)
    records = _with_partners(result.records, partner_override, problems)
    names = sorted({r.partner for r in records if r.partner})
    existing_partners = _partner_ids(session, names)
    provided = _provided(result)
    index = _existing_contracts(session, list(existing_partners.values()))
    plans = []
    for record in records:
        pid = existing_partners.get(record.partner.lower())  # type: ignore[union-attr]
        current = index.get((pid, record.identity)) if pid is not None else None
        plans.append(_row_plan(record, current, provided))
    _match_changed_suppliers(plans, index, existing_partners, provided)
    created = [n for n in names if n.lower() not in existing_partners]
    problems.sort(key=lambda p: (p.sheet or "", p.row or 0))
    return ImportSummary(
        path.name,
        result.file_kind,
        result.sheet,
        result.profile,
        result.mapping,
        result.rows_read,
        problems,
        plans,
        created,
    )


def _row_plan(record: ImportRecord, current: dict[str, Any] | None, provided: frozenset[str]) -> RowPlan:
    if current is None:
        return RowPlan(record, record.partner, "new")  # type: ignore[arg-type]
    changes = _changes(record, current, provided)
    if current["identity_key"] != record.identity:
        changes["identity_key"] = (current["identity_key"], record.identity)
    action = "changed" if changes else "unchanged"
    return RowPlan(record, record.partner, action, current["id"], changes)  # type: ignore[arg-type]


def _match_changed_suppliers(
    plans: list[RowPlan],
    index: dict[tuple[int, str], dict[str, Any]],
    partners: dict[str, int],
    provided: frozenset[str],
) -> None:
    """A row whose suppliers changed has a new identity; it is still the same contract when exactly
    one contract of that partner with the same reference and title went unmatched by this file."""
    matched = {p.contract_id for p in plans if p.contract_id is not None}
    orphans: dict[tuple[int, str, str], list[dict[str, Any]]] = defaultdict(list)
    for (pid, _), row in index.items():
        if row["id"] not in matched:
            orphans[(pid, text_key(row["reference"]), text_key(row["title"]))].append(row)
    if not orphans:
        return
    new_by_key: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    for position, plan in enumerate(plans):
        pid = partners.get(plan.partner.lower())
        if plan.action == "new" and pid is not None:
            new_by_key[(pid, text_key(plan.record.reference), text_key(plan.record.title))].append(position)
    for key, positions in new_by_key.items():
        candidates = orphans.get(key, [])
        if len(positions) == 1 and len(candidates) == 1:  # anything less certain stays new
            plans[positions[0]] = _row_plan(plans[positions[0]].record, candidates[0], provided)


def _with_partners(records: list[ImportRecord], override: str | None, problems: list[Problem]) -> list[ImportRecord]:
    kept = []
    for record in records:
        if override:
            record.partner = " ".join(override.split())[:200]  # the register's limit for a name
        if not record.partner:
            problems.append(
                Problem(
                    record.sheet, record.row, None, None, "no organisation named for this row; give --partner", ERROR
                )
            )
            continue
        kept.append(record)
    return kept


def _partner_ids(session: Session, names: list[str]) -> dict[str, int]:
    """Existing partners by lower-cased name (the register's names are unique ignoring case)."""
    if not names:
        return {}
    lowered = [n.lower() for n in names]
    rows = session.execute(select(func.lower(Partner.name), Partner.id).where(func.lower(Partner.name).in_(lowered)))
    return {name: pid for name, pid in rows}


def _provided(result: ReadResult) -> frozenset[str]:
    """Contract columns this file speaks for; a column it does not have is left as it is."""
    if result.profile == "ocds":
        return _OCDS_PROVIDES
    fields = set(result.mapping.values())
    provided = {_FIELD_COLUMNS.get(f, f) for f in fields} & set(SCALARS)
    provided.add("title")  # always set: from the title, else the description or reference
    if "supplier" in fields:
        provided.add("suppliers")
    if "cpv" in fields:
        provided.add("cpv")
    return frozenset(provided)


def _existing_contracts(session: Session, partner_ids: list[int]) -> dict[tuple[int, str], dict[str, Any]]:
    """Imported contracts of these partners by (partner, identity), with suppliers and CPV codes."""
    if not partner_ids:
        return {}
    cols = [
        Contract.id,
        Contract.partner_id,
        Contract.identity_key,
        Contract.version,
        *(getattr(Contract, c) for c in SCALARS),
    ]
    query = select(*cols).where(Contract.partner_id.in_(partner_ids), Contract.identity_key.is_not(None))
    rows = {r.id: dict(r._mapping) for r in session.execute(query)}
    for cid, name in session.execute(
        select(ContractSupplier.contract_id, ContractSupplier.name_as_published)
        .join(Contract, Contract.id == ContractSupplier.contract_id)
        .where(Contract.partner_id.in_(partner_ids))
        .order_by(ContractSupplier.contract_id, ContractSupplier.position)
    ):
        if cid in rows:
            rows[cid].setdefault("suppliers", []).append(name)
    for cid, code in session.execute(
        select(ContractCpv.contract_id, ContractCpv.code)
        .join(Contract, Contract.id == ContractCpv.contract_id)
        .where(Contract.partner_id.in_(partner_ids), ContractCpv.source == "published")
        .order_by(ContractCpv.contract_id, ContractCpv.position)
    ):
        if cid in rows:
            rows[cid].setdefault("cpv", []).append(code)
    return {(r["partner_id"], r["identity_key"]): r for r in rows.values()}


def _changes(record: ImportRecord, current: dict[str, Any], provided: frozenset[str]) -> dict[str, tuple[Any, Any]]:
    changes = {}
    for column in SCALARS:
        if column in provided:
            new = _record_value(record, column)
            if column == "status" and new is None:
                continue  # a blank status cell leaves the register's status alone
            if current[column] != new:
                changes[column] = (current[column], new)
    if "suppliers" in provided:
        names = [s.name for s in record.suppliers]
        if current.get("suppliers", []) != names:
            changes["suppliers"] = (current.get("suppliers", []), names)
    if "cpv" in provided and current.get("cpv", []) != record.cpv:
        changes["cpv"] = (current.get("cpv", []), list(record.cpv))
    return changes


_TEXT_KEPT_EMPTY = frozenset({"reference", "title", "description"})  # the others store '' as NULL


def _record_value(record: ImportRecord, column: str) -> Any:
    value = getattr(record, column)
    return value if value != "" or column in _TEXT_KEPT_EMPTY else None


# --- apply ---------------------------------------------------------------------------------------


def apply_import(
    session: Session,
    path: str | Path,
    *,
    user: str,
    partner: str | None = None,
    sheet: str | None = None,
    profile: str | None = None,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress = None,
    cancel: Cancel = None,
) -> ImportSummary:
    """Read, plan and (unless ``dry_run``) write the file as one batch in the caller's transaction.

    Any exception leaves the transaction to be rolled back by the caller's session: a failed or
    cancelled import changes nothing.
    """
    if not dry_run and session.get_bind().dialect.name == "postgresql":
        # SQLite's IMMEDIATE transaction already holds the write lock. On PostgreSQL, keep others from
        # changing contracts between planning and writing, so an edit made meanwhile is never overwritten
        # with the file's values; readers are not blocked.
        session.execute(text("LOCK TABLE contract IN SHARE ROW EXCLUSIVE MODE"))
    summary = preview_import(
        session, path, partner=partner, sheet=sheet, profile=profile, mapping=mapping, progress=progress, cancel=cancel
    )
    if dry_run:
        return summary
    _check_cancel(cancel)
    _BatchWriter(session, summary, user, Path(path), _scaled(progress, 0.6, 1.0), cancel).write()
    return summary


def _check_cancel(cancel: Cancel) -> None:
    if cancel is not None and cancel():
        raise CancelledError("import cancelled; nothing was written")


class _BatchWriter:
    def __init__(
        self, session: Session, summary: ImportSummary, user: str, path: Path, progress: Progress, cancel: Cancel
    ):
        self.session, self.summary, self.user, self.path = session, summary, user, path
        self.progress, self.cancel = progress, cancel
        self.partner_ids: dict[str, int] = {}
        self.resolver: SupplierResolver | None = None
        self.supplier_cache: dict[SupplierRef, int] = {}
        self.changes: list[dict[str, Any]] = []

    def write(self) -> None:
        batch = self._create_batch()
        self.batch_id = self.summary.batch_id = batch.id
        self._partners()
        # Resolution may give a supplier without a number its number: keep what undo needs for that.
        unnumbered = select(Supplier.id, Supplier.updated_at).where(Supplier.company_number.is_(None))
        self.unnumbered = {sid: at for sid, at in self.session.execute(unnumbered)}
        self.resolver = SupplierResolver(self.session, user=self.user, batch_id=batch.id)
        plans = self.summary.plans
        new = [p for p in plans if p.action == "new"]
        changed = [p for p in plans if p.action == "changed"]
        for start in range(0, len(new), _CHUNK):
            _check_cancel(self.cancel)
            self._insert(new[start : start + _CHUNK])
            if self.progress:
                self.progress(0.9 * min(len(new), start + _CHUNK) / max(1, len(new) + len(changed)))
        self._update(changed)
        self.resolver.close()  # writes the suppliers still pending before the batch is recorded
        self._record_created_suppliers()
        self._save_mapping()
        bulk_insert(self.session, ImportChange.__table__, self.changes)
        self._finish_batch(batch)
        if self.progress:
            self.progress(1.0)

    def _create_batch(self) -> ImportBatch:
        s = self.summary
        batch = ImportBatch(
            file_name=s.file[:500],
            file_sha256=_sha256(self.path),
            sheet=s.sheet,
            profile=s.profile,
            mapping=s.mapping,
            rows_read=s.rows_read,
            created_by=self.user,
            status="applied",
        )
        self.session.add(batch)
        self.session.flush()
        return batch

    def _finish_batch(self, batch: ImportBatch) -> None:
        s = self.summary
        batch.rows_rejected, batch.new, batch.changed, batch.unchanged = (
            s.rows_rejected,
            s.count("new"),
            s.count("changed"),
            s.count("unchanged"),
        )
        batch.problems = [p.to_json() for p in s.problems]
        if len(self.partner_ids) == 1:
            batch.partner_id = next(iter(self.partner_ids.values()))
        audit(self.session, self.user, "insert", "import_batch", batch.id, "file", None, s.file, batch.id)
        self.session.flush()

    def _partners(self) -> None:
        names = sorted({p.partner for p in self.summary.plans})
        existing = _partner_ids(self.session, names)
        for name in names:
            if name.lower() in existing:
                pid, action = existing[name.lower()], "use"
            else:
                pid = get_or_create_partner(self.session, name, user=self.user, kind=guess_partner_kind(name).value).id
                action = "insert"
            self.partner_ids[name] = pid
            self.changes.append(_change(self.batch_id, "partner", pid, action, None))

    # new contracts ---------------------------------------------------------------------------

    def _insert(self, plans: list[RowPlan]) -> None:
        supplier_ids = [self._supplier_ids(p.record) for p in plans]
        table = Contract.__table__
        # Plain executemany, then one SELECT for the ids: INSERT ... RETURNING runs row by row on SQLite.
        last_id = self.session.scalar(select(func.max(table.c.id))) or 0
        bulk_insert(self.session, table, [self._contract_row(p) for p in plans])
        query = select(table.c.identity_key, table.c.id).where(
            table.c.source_batch_id == self.batch_id, table.c.id > last_id
        )
        ids = {key: cid for key, cid in self.session.execute(query)}
        links, codes = [], []
        for plan, sids in zip(plans, supplier_ids, strict=True):
            cid = plan.contract_id = ids[plan.record.identity]
            links.extend(_link_rows(cid, plan.record.suppliers, sids))
            codes.extend(_cpv_rows(cid, plan.record.cpv))
        self.resolver.flush()  # type: ignore[union-attr]  # the links refer to suppliers just created
        bulk_insert(self.session, ContractSupplier.__table__, links)
        bulk_insert(self.session, ContractCpv.__table__, codes)

    def _contract_row(self, plan: RowPlan) -> dict[str, Any]:
        r = plan.record
        row = {c: getattr(r, c) for c in SCALARS}
        for column in ("category", "procurement_route", "contract_type", "owner"):
            if row[column] == "":
                row[column] = None
        row["status"] = r.status or "active"
        row.update(
            partner_id=self.partner_ids[plan.partner],
            identity_key=r.identity,
            version=1,
            reuse_rights="none",
            reuse_partner_kinds=[],
            extra=r.extra,
            updated_by=self.user,
            **self._source(r),
            search_text=search_text_for(r.reference, r.title, r.description, [s.name for s in r.suppliers]),
        )
        return row

    def _source(self, r: ImportRecord) -> dict[str, Any]:
        return {
            "source_batch_id": self.batch_id,
            "source_file": self.summary.file[:500],
            "source_sheet": r.sheet,
            "source_row": r.row,
        }

    def _supplier_ids(self, record: ImportRecord) -> list[int]:
        ids = []
        for ref in record.suppliers:
            sid = self.supplier_cache.get(ref)
            if sid is None:
                sid = self.resolver.resolve(  # type: ignore[union-attr]
                    ref.name,
                    ref.company_number,
                    charity_number=ref.charity_number,
                    is_sme=ref.is_sme,
                    is_vcse=ref.is_vcse,
                    postcode=ref.postcode,
                )
                self.supplier_cache[ref] = sid
            ids.append(sid)
        return ids

    # changed contracts -----------------------------------------------------------------------

    def _update(self, plans: list[RowPlan]) -> None:
        """Changed contracts in one executemany per chunk; their links replaced chunk by chunk."""
        if not plans:
            return
        before = _before_states(self.session, [p.contract_id for p in plans])  # type: ignore[misc]
        # Every column that changed anywhere is written for every row: where it did not change, the
        # file's value equals the register's, so one statement shape serves all rows.
        columns = sorted({k for p in plans for k in p.changes} & set(SCALARS))
        rows, audits = [], []
        for plan in plans:
            cid, r = plan.contract_id, plan.record
            state = before[cid]  # type: ignore[index]
            self.changes.append(_change(self.batch_id, "contract", cid, "update", state))  # type: ignore[arg-type]
            values = {c: _record_value(r, c) for c in columns}
            if "status" in values and values["status"] is None:
                values["status"] = state["status"]  # a blank status cell leaves the status alone
            values.update(
                self._source(r),
                extra=r.extra,
                version=state["version"] + 1,
                identity_key=r.identity,
                updated_by=self.user,
                search_text=search_text_for(r.reference, r.title, r.description, [s.name for s in r.suppliers]),
            )
            rows.append({"b_id": cid, **values})
            audits.extend(
                {
                    "user": self.user,
                    "action": "update",
                    "table": "contract",
                    "record_id": cid,
                    "field": name,
                    "old": old,
                    "new": new,
                    "batch_id": self.batch_id,
                }
                for name, (old, new) in plan.changes.items()
                if name != "identity_key"  # bookkeeping, not a fact about the contract
            )
        update_many(self.session, rows)
        suppliers_changed = [p for p in plans if "suppliers" in p.changes]
        cpv_changed = [p for p in plans if "cpv" in p.changes]
        links = [
            link
            for p in suppliers_changed
            for link in _link_rows(p.contract_id, p.record.suppliers, self._supplier_ids(p.record))  # type: ignore[arg-type]
        ]
        self.resolver.flush()  # type: ignore[union-attr]
        _delete_links(self.session, ContractSupplier, [p.contract_id for p in suppliers_changed])  # type: ignore[misc]
        _delete_links(self.session, ContractCpv, [p.contract_id for p in cpv_changed], published_only=True)  # type: ignore[misc]
        bulk_insert(self.session, ContractSupplier.__table__, links)
        bulk_insert(
            self.session,
            ContractCpv.__table__,
            [c for p in cpv_changed for c in _cpv_rows(p.contract_id, p.record.cpv)],
        )  # type: ignore[arg-type]
        audit_many(self.session, audits)

    # suppliers and mappings ------------------------------------------------------------------

    def _record_created_suppliers(self) -> None:
        filled = self.session.scalars(
            select(AuditEvent.record_id).where(
                AuditEvent.batch_id == self.batch_id,
                AuditEvent.table_name == "supplier",
                AuditEvent.field == "company_number",
            )
        )
        for record_id in filled.all():
            if int(record_id) in self.unnumbered:
                before = {"company_number": None, "updated_at": _jsonable(self.unnumbered[int(record_id)])}
                self.changes.append(_change(self.batch_id, "supplier", int(record_id), "update", before))
        created = sorted(set(self.resolver.created))  # type: ignore[union-attr]
        self.changes.extend(_change(self.batch_id, "supplier", sid, "insert", None) for sid in created)

    def _save_mapping(self) -> None:
        """Remember a spreadsheet's column mapping for its partner, for next quarter's file."""
        s = self.summary
        if s.profile == "ocds" or not s.mapping or len(self.partner_ids) != 1:
            return
        pid = next(iter(self.partner_ids.values()))
        signature = header_signature(list(s.mapping))
        current = self.session.scalar(
            select(MappingProfile).where(MappingProfile.partner_id == pid, MappingProfile.signature == signature)
        )
        if current is None:
            current = MappingProfile(partner_id=pid, signature=signature, name=s.file[:120], mapping=dict(s.mapping))
            self.session.add(current)
            self.session.flush()
            self.changes.append(_change(self.batch_id, "mapping_profile", current.id, "insert", None))
        elif current.mapping != s.mapping:
            before = {"name": current.name, "mapping": current.mapping}
            current.mapping, current.name = dict(s.mapping), s.file[:120]
            self.changes.append(_change(self.batch_id, "mapping_profile", current.id, "update", before))


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Core executemany; on SQLite straight to the driver with values converted as SQLAlchemy would
    store them (ISO dates, JSON text), since per-value type processing costs as much as the insert."""
    if not rows:
        return
    if session.get_bind().dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    converters = [_sqlite_converter(table.c[c].type) for c in columns]
    # A bigger page cache for this connection keeps the contract indexes in memory during the insert.
    session.connection().exec_driver_sql("PRAGMA cache_size = -65536")
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    pick = itemgetter(*columns)
    convert = [(i, conv) for i, conv in enumerate(converters) if conv is not None]
    params = []
    for row in rows:
        values = list(pick(row)) if len(columns) > 1 else [pick(row)]
        for i, conv in convert:
            if values[i] is not None:
                values[i] = conv(values[i])
        params.append(tuple(values))
    session.connection().exec_driver_sql(sql, params)


def _sqlite_converter(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, JSON):
        return _json_text
    if isinstance(column_type, Date):
        return date.isoformat
    if isinstance(column_type, Boolean):
        return int
    return None


def _json_text(value: Any) -> str:
    if not value:  # nearly every row's extra data or list is empty
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value)


def _change(batch_id: int, table: str, record_id: int, action: str, before: dict[str, Any] | None) -> dict[str, Any]:
    return {"batch_id": batch_id, "table_name": table, "record_id": record_id, "action": action, "before": before}


def _link_rows(cid: int, refs: list[SupplierRef], sids: list[int]) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for ref, sid in zip(refs, sids, strict=True):
        if sid not in seen:  # two spellings of one supplier in one cell: one link
            seen.add(sid)
            rows.append({"contract_id": cid, "supplier_id": sid, "position": len(rows), "name_as_published": ref.name})
    return rows


def _cpv_rows(cid: int, codes: list[str]) -> list[dict[str, Any]]:
    return [
        {"contract_id": cid, "code": c, "position": i, "source": "published", "confidence": None}
        for i, c in enumerate(codes)
    ]


def _before_states(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Everything an update may touch, as JSON-safe data, for an exact undo."""
    cols = [Contract.id, *(getattr(Contract, c) for c in _RESTORED)]
    states: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in session.execute(select(*cols).where(Contract.id.in_(chunk))):
            states[row.id] = {c: _jsonable(getattr(row, c)) for c in _RESTORED}
            states[row.id]["supplier_links"] = []
            states[row.id]["cpv_links"] = []
        for link in session.execute(select(ContractSupplier).where(ContractSupplier.contract_id.in_(chunk))):
            cs = link[0]
            states[cs.contract_id]["supplier_links"].append(
                {"supplier_id": cs.supplier_id, "position": cs.position, "name_as_published": cs.name_as_published}
            )
        for link in session.execute(select(ContractCpv).where(ContractCpv.contract_id.in_(chunk))):
            cc = link[0]
            states[cc.contract_id]["cpv_links"].append(
                {"code": cc.code, "position": cc.position, "source": cc.source, "confidence": cc.confidence}
            )
    return states


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value  # datetime is a date too


def _from_json(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column == "updated_at":
        return datetime.fromisoformat(value)
    return date.fromisoformat(value) if column in _DATE_COLUMNS else value


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


# --- undo ----------------------------------------------------------------------------------------


def undo_import(session: Session, batch_id: int, *, user: str) -> dict[str, Any]:
    """Restore the register as it was before the batch; refuses when later work builds on it."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFoundError(f"No import batch {batch_id}.")
    if batch.status == "undone":
        raise UserError(f"Import batch {batch_id} was already undone.")
    changes = list(
        session.scalars(select(ImportChange).where(ImportChange.batch_id == batch_id).order_by(ImportChange.id))
    )
    _refuse_if_built_upon(session, batch_id, changes)
    by_table: dict[str, list[ImportChange]] = defaultdict(list)
    for change in changes:
        by_table[change.table_name].append(change)
    restored = _restore_contracts(session, by_table["contract"], user, batch_id)
    removed = session.execute(delete(Contract).where(Contract.source_batch_id == batch_id)).rowcount or 0
    _restore_mappings(session, by_table["mapping_profile"])
    session.execute(delete(SupplierAlias).where(SupplierAlias.batch_id == batch_id))
    _restore_suppliers(session, by_table["supplier"])
    _remove_unused(session, Supplier, [c.record_id for c in by_table["supplier"] if c.action == "insert"])
    _remove_unused(session, Partner, [c.record_id for c in by_table["partner"] if c.action == "insert"])
    batch.status, batch.undone_at = "undone", datetime.now(UTC)
    audit(
        session,
        user,
        "undo",
        "import_batch",
        batch_id,
        "contracts",
        f"{removed} inserted, {restored} changed",
        None,
        batch_id,
    )
    session.flush()
    return {"batch_id": batch_id, "removed": removed, "restored": restored, "status": "undone"}


def _refuse_if_built_upon(session: Session, batch_id: int, changes: list[ImportChange]) -> None:
    partner_ids = [c.record_id for c in changes if c.table_name == "partner"]
    later = session.scalar(
        select(func.min(ImportChange.batch_id))
        .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
        .where(
            ImportChange.batch_id > batch_id,
            ImportBatch.status == "applied",
            ImportChange.table_name == "partner",
            ImportChange.record_id.in_(partner_ids or [-1]),
        )
    )
    if later is not None:
        raise ConflictError(f"Import batch {later} was applied later to the same partners; undo it first.")
    updates = {c.record_id: c.before["version"] + 1 for c in changes if c.table_name == "contract" and c.before}
    inserted_since_edited = (
        set(session.scalars(select(Contract.id).where(Contract.source_batch_id == batch_id, Contract.version != 1)))
        - updates.keys()
    )
    current = _versions(session, list(updates))
    edited_changed = [cid for cid, version in updates.items() if current.get(cid) != version]
    if inserted_since_edited or edited_changed:
        raise ConflictError(
            f"{len(inserted_since_edited) + len(edited_changed)} contract(s) of import batch {batch_id} were "
            "edited after the import; undoing it would lose those edits, so nothing was changed."
        )


def _versions(session: Session, ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(Contract.id, Contract.version).where(Contract.id.in_(ids[start : start + _CHUNK]))
        found.update((cid, version) for cid, version in session.execute(query))
    return found


def _restore_contracts(session: Session, changes: Iterable[ImportChange], user: str, batch_id: int) -> int:
    changes = [c for c in changes if c.before]
    if not changes:
        return 0
    ids = [c.record_id for c in changes]
    current = _current_scalars(session, ids)
    rows, links, codes, audits = [], [], [], []
    for change in changes:
        before = dict(change.before)  # type: ignore[arg-type]
        links.extend({**link, "contract_id": change.record_id} for link in before.pop("supplier_links"))
        codes.extend({**code, "contract_id": change.record_id} for code in before.pop("cpv_links"))
        values = {k: _from_json(k, v) for k, v in before.items()}
        now = current[change.record_id]
        audits.extend(
            {
                "user": user,
                "action": "undo",
                "table": "contract",
                "record_id": change.record_id,
                "field": k,
                "old": now[k],
                "new": values[k],
                "batch_id": batch_id,
            }
            for k in SCALARS
            if now[k] != values[k]
        )
        rows.append({"b_id": change.record_id, **values})
    update_many(session, rows)
    _delete_links(session, ContractSupplier, ids)
    _delete_links(session, ContractCpv, ids)
    bulk_insert(session, ContractSupplier.__table__, links)
    bulk_insert(session, ContractCpv.__table__, codes)
    audit_many(session, audits)
    return len(changes)


def _current_scalars(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(Contract.id, *(getattr(Contract, k) for k in SCALARS)).where(
            Contract.id.in_(ids[start : start + _CHUNK])
        )
        found.update({row.id: row._asdict() for row in session.execute(query)})
    return found


def update_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Contracts updated by id in one executemany; every row carries the same columns and 'b_id'."""
    if not rows:
        return
    table = Contract.__table__
    columns = [k for k in rows[0] if k != "b_id"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(f"v_{c}", type_=table.c[c].type) for c in columns})
    )
    params = [{"b_id": row["b_id"], **{f"v_{c}": row[c] for c in columns}} for row in rows]
    session.connection().execute(statement, params)


def _delete_links(session: Session, model: Any, contract_ids: list[int], *, published_only: bool = False) -> None:
    for start in range(0, len(contract_ids), _CHUNK):
        condition = model.contract_id.in_(contract_ids[start : start + _CHUNK])
        if published_only:
            condition = condition & (model.source == "published")
        session.execute(delete(model).where(condition))


def _restore_mappings(session: Session, changes: Iterable[ImportChange]) -> None:
    for change in changes:
        if change.action == "insert":
            session.execute(delete(MappingProfile).where(MappingProfile.id == change.record_id))
        elif change.before is not None:
            session.execute(update(MappingProfile).where(MappingProfile.id == change.record_id).values(**change.before))


def _restore_suppliers(session: Session, changes: Iterable[ImportChange]) -> None:
    """Resolution may give an existing supplier the company number it lacked; put that back."""
    for change in changes:
        if change.action == "update" and change.before is not None:
            values = {k: _from_json(k, v) for k, v in change.before.items()}
            session.execute(update(Supplier).where(Supplier.id == change.record_id).values(**values))


def _remove_unused(session: Session, model: Any, ids: list[int]) -> None:
    """Suppliers or partners the batch created, unless later work uses them (aliases cascade)."""
    if not ids:
        return
    if model is Supplier:
        in_use = (
            exists().where(ContractSupplier.supplier_id == Supplier.id)
            | exists().where(SupplierMerge.kept_id == Supplier.id)
            | exists().where(SupplierMerge.merged_id == Supplier.id)
        )
        session.execute(delete(Supplier).where(Supplier.id.in_(ids), ~in_use))
    else:
        unused = list(
            session.scalars(
                select(Partner.id).where(Partner.id.in_(ids), ~exists().where(Contract.partner_id == Partner.id))
            )
        )
        if unused:  # undone batches keep their history but no longer point at the removed partner
            session.execute(update(ImportBatch).where(ImportBatch.partner_id.in_(unused)).values(partner_id=None))
            session.execute(delete(Partner).where(Partner.id.in_(unused)))


# --- listing -------------------------------------------------------------------------------------


def _batch_json(b: ImportBatch, *, problems: bool = False) -> dict[str, Any]:
    out = {
        "batch_id": b.id,
        "file": b.file_name,
        "sheet": b.sheet,
        "profile": b.profile,
        "status": b.status,
        "rows_read": b.rows_read,
        "rows_rejected": b.rows_rejected,
        "new": b.new,
        "changed": b.changed,
        "unchanged": b.unchanged,
        "created_by": b.created_by,
        "created_at": b.created_at.isoformat() if b.created_at else None,
        "undone_at": b.undone_at.isoformat() if b.undone_at else None,
    }
    if problems:
        out["mapping"] = b.mapping
        out["problems"] = b.problems
    return out


def list_imports(session: Session) -> list[dict[str, Any]]:
    return [_batch_json(b) for b in session.scalars(select(ImportBatch).order_by(ImportBatch.id))]


def get_import(session: Session, batch_id: int) -> dict[str, Any]:
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFoundError(f"No import batch {batch_id}.")
    return _batch_json(batch, problems=True)


def saved_mapping_lookup(session: Session, partner: str | None) -> Callable[[str], dict[str, str] | None]:
    """A mapping saved for this header layout: the named partner's first, else anyone's."""

    def lookup(signature: str) -> dict[str, str] | None:
        query = (
            select(MappingProfile.mapping, Partner.name)
            .outerjoin(Partner, Partner.id == MappingProfile.partner_id)
            .where(MappingProfile.signature == signature)
        )
        rows = session.execute(query.order_by(MappingProfile.id.desc())).all()
        for mapping, name in rows:
            if partner and name and name.lower() == partner.lower():
                return dict(mapping)
        return dict(rows[0][0]) if rows else None

    return lookup


_saved_mapping_lookup = saved_mapping_lookup  # the import wizard's name for it
