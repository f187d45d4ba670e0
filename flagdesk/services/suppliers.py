"""Suppliers: resolution at import, the list, the duplicates review queue, merge and unmerge.

Resolution is exact (company number, then name key) and never merges two company numbers; fuzzy
likeness only ever proposes a pair for review. A merge moves the other supplier's contract links
and aliases to the one kept and records exactly what moved, so an unmerge puts it all back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, event, func, insert, select, text, update
from sqlalchemy.orm import Session

from flagdesk.analysis.suppliers import Candidate, SupplierItem, find_candidates, name_key
from flagdesk.domain import normalise_company_number
from flagdesk.errors import NotFoundError, ValidationError
from flagdesk.records import SupplierRecord
from flagdesk.services.audit import audit, audit_many
from flagdesk.store.models import Contract, ContractSupplier, Setting, Supplier, SupplierAlias, SupplierMerge

# --- resolution at import ---------------------------------------------------------------------

_ID_BLOCK = 512  # ids reserved from the PostgreSQL sequence at a time
_NAME_MAX = 300  # Supplier.name and SupplierAlias.name width
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SupplierResolver:
    """Maps a published supplier name (and company number) to a supplier id, creating suppliers.

    Existing suppliers and aliases are read once; each ``resolve`` is then a few dictionary look-ups.
    New suppliers get their ids at once but are written in batches, just before the session runs
    its next statement, flushes or commits, so rows that refer to them can follow immediately.
    """

    def __init__(self, session: Session, *, user: str, batch_id: int | None = None) -> None:
        self.session, self.user, self.batch_id = session, user, batch_id
        self._by_number: dict[str, int] = {}
        self._by_key: dict[str, list[int]] = defaultdict(list)
        self._number_of: dict[int, str | None] = {}
        self._merged_into: dict[int, int] = {}
        self._aliases: set[tuple[int, str]] = set()
        self._pending_suppliers: list[dict[str, Any]] = []
        self._pending_aliases: list[dict[str, Any]] = []
        self._pending_numbers: dict[int, str] = {}
        self._free_ids: list[int] = []
        self._next_sqlite_id: int | None = None
        self._flushing = False
        self._keys: dict[str, str] = {}  # published spelling -> name key (the same names recur)
        self._seen: dict[tuple[str, str | None], int] = {}
        self._numbers: dict[str, str | None] = {}
        self._is_postgres = session.get_bind().dialect.name == "postgresql"
        self.created: list[int] = []
        self._load()
        event.listen(session, "do_orm_execute", self._before_statement)
        event.listen(session, "before_flush", self._before_flush)
        event.listen(session, "before_commit", self._before_commit)

    def _load(self) -> None:
        rows = self.session.execute(
            select(Supplier.id, Supplier.name_key, Supplier.company_number, Supplier.merged_into_id).order_by(
                Supplier.id
            )
        )
        for sid, key, number, merged_into in rows:
            self._remember(sid, key, number)
            if merged_into is not None:
                self._merged_into[sid] = merged_into
        for sid, name in self.session.execute(select(SupplierAlias.supplier_id, SupplierAlias.name)):
            self._aliases.add((sid, name))
        for sid, key in self.session.execute(select(SupplierAlias.supplier_id, SupplierAlias.name_key)):
            if sid not in self._by_key.get(key, ()):
                self._by_key[key].append(sid)

    def _remember(self, sid: int, key: str, number: str | None) -> None:
        self._number_of[sid] = number
        if number:
            self._by_number.setdefault(number, sid)
        if sid not in self._by_key.get(key, ()):
            self._by_key[key].append(sid)

    def resolve(
        self,
        name: str,
        company_number: str | None = None,
        *,
        charity_number: str | None = None,
        is_sme: bool | None = None,
        is_vcse: bool | None = None,
        postcode: str | None = None,
    ) -> int:
        """The id of the supplier this name (and number) means, creating it if it is new."""
        seen = self._seen.get((name, company_number))
        if seen is not None:  # the same cell again: most rows of an import
            return seen
        sid = self._resolve(name, company_number, charity_number, is_sme, is_vcse, postcode)
        self._seen[(name, company_number)] = sid
        return sid

    def _resolve(
        self,
        name: str,
        company_number: str | None,
        charity_number: str | None,
        is_sme: bool | None,
        is_vcse: bool | None,
        postcode: str | None,
    ) -> int:
        # control characters (PostgreSQL refuses NUL) become spaces; the column's width bounds a name
        name = " ".join(_CONTROL.sub(" ", name or "").split())[:_NAME_MAX]
        if not name:
            raise ValidationError("A supplier needs a name.")
        number = self._number(company_number)
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = (name_key(name) or name.lower())[:_NAME_MAX]
        sid = self._match(key, number)
        if sid is None:
            sid = self._create(name, key, number, charity_number, is_sme, is_vcse, postcode)
        sid = self._final(sid)
        if (sid, name) not in self._aliases:
            self._aliases.add((sid, name))
            self._pending_aliases.append({"supplier_id": sid, "name": name, "name_key": key, "batch_id": self.batch_id})
        return sid

    def _number(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        raw = str(raw)
        if raw not in self._numbers:
            self._numbers[raw] = normalise_company_number(raw)
        return self._numbers[raw]

    def _match(self, key: str, number: str | None) -> int | None:
        """Company number first; then the name key, but never across two different numbers."""
        if number and number in self._by_number:
            return self._by_number[number]
        for sid in self._by_key.get(key, ()):
            existing = self._number_of.get(self._final(sid))
            if not number or not existing or existing == number:
                if number and not existing:
                    self._fill_number(self._final(sid), number)
                return sid
        return None

    def _fill_number(self, sid: int, number: str) -> None:
        self._number_of[sid] = number
        self._by_number[number] = sid
        self._pending_numbers[sid] = number

    def _final(self, sid: int) -> int:
        seen = 0
        while sid in self._merged_into and seen < 100:  # a chain of merges ends at the kept supplier
            sid, seen = self._merged_into[sid], seen + 1
        return sid

    def _create(
        self,
        name: str,
        key: str,
        number: str | None,
        charity_number: str | None,
        is_sme: bool | None,
        is_vcse: bool | None,
        postcode: str | None,
    ) -> int:
        sid = self._allocate_id()
        self._pending_suppliers.append(
            {
                "id": sid,
                "name": name,
                "name_key": key,
                "company_number": number,
                "charity_number": (charity_number or "").strip()[:20] or None,
                "is_sme": is_sme,
                "is_vcse": is_vcse,
                "postcode": (postcode or "").strip().upper()[:12] or None,
                "merged_into_id": None,
                "version": 1,
                "updated_by": self.user,
            }
        )
        self._remember(sid, key, number)
        self.created.append(sid)
        return sid

    def _allocate_id(self) -> int:
        """Ids chosen before insert so inserts can be batched: max+1 inside SQLite's write lock,
        blocks reserved from the sequence on PostgreSQL (safe beside other writers)."""
        if self._is_postgres:
            if not self._free_ids:
                self._free_ids = list(
                    self.session.connection()
                    .execute(
                        text("SELECT nextval(pg_get_serial_sequence('supplier', 'id')) FROM generate_series(1, :n)"),
                        {"n": _ID_BLOCK},
                    )
                    .scalars()
                )[::-1]
            return self._free_ids.pop()
        if self._next_sqlite_id is None:
            current = self.session.connection().execute(select(func.max(Supplier.id))).scalar()
            self._next_sqlite_id = (current or 0) + 1
        sid, self._next_sqlite_id = self._next_sqlite_id, self._next_sqlite_id + 1
        return sid

    # batched writes ------------------------------------------------------------------------

    def _before_statement(self, orm_execute_state: Any) -> None:
        self.flush()

    def _before_flush(self, session: Session, flush_context: Any, instances: Any) -> None:
        self.flush()

    def _before_commit(self, session: Session) -> None:
        self.flush()

    def flush(self) -> None:
        """Write the suppliers and aliases resolved so far (called automatically before any
        statement the session runs; call it yourself before using a raw connection)."""
        if self._flushing or not (self._pending_suppliers or self._pending_aliases or self._pending_numbers):
            return
        self._flushing = True
        try:
            conn = self.session.connection()
            suppliers, aliases, numbers = self._pending_suppliers, self._pending_aliases, self._pending_numbers
            self._pending_suppliers, self._pending_aliases, self._pending_numbers = [], [], {}
            if suppliers:
                conn.execute(insert(Supplier), suppliers)
            for sid, number in numbers.items():
                conn.execute(update(Supplier).where(Supplier.id == sid).values(company_number=number))
            if aliases:
                conn.execute(insert(SupplierAlias), aliases)
            self._audit(suppliers, numbers)
        finally:
            self._flushing = False

    def _audit(self, suppliers: list[dict[str, Any]], numbers: dict[int, str]) -> None:
        rows = [
            {
                "user": self.user,
                "action": "insert",
                "table": "supplier",
                "record_id": s["id"],
                "field": "name",
                "new": s["name"],
                "batch_id": self.batch_id,
            }
            for s in suppliers
        ]
        rows += [
            {
                "user": self.user,
                "action": "update",
                "table": "supplier",
                "record_id": sid,
                "field": "company_number",
                "new": number,
                "batch_id": self.batch_id,
            }
            for sid, number in numbers.items()
        ]
        audit_many(self.session, rows)

    def close(self) -> None:
        """Write what is pending and stop listening to the session."""
        self.flush()
        event.remove(self.session, "do_orm_execute", self._before_statement)
        event.remove(self.session, "before_flush", self._before_flush)
        event.remove(self.session, "before_commit", self._before_commit)


# --- the list ---------------------------------------------------------------------------------


def list_suppliers(session: Session, *, search: str | None = None) -> list[SupplierRecord]:
    """Current (not merged-away) suppliers with their company numbers, aliases and contract counts.

    A supplier's company numbers include those of the suppliers merged into it.
    """
    rows = session.execute(
        select(
            Supplier.id,
            Supplier.name,
            Supplier.company_number,
            Supplier.merged_into_id,
            Supplier.is_sme,
            Supplier.is_vcse,
        ).order_by(Supplier.id)
    ).all()
    merged_into = {r.id: r.merged_into_id for r in rows if r.merged_into_id is not None}

    def final(sid: int) -> int:
        while sid in merged_into:
            sid = merged_into[sid]
        return sid

    numbers: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        if r.company_number and r.company_number not in numbers[final(r.id)]:
            numbers[final(r.id)].append(r.company_number)
    aliases: dict[int, list[str]] = defaultdict(list)
    for sid, alias in session.execute(select(SupplierAlias.supplier_id, SupplierAlias.name).order_by(SupplierAlias.id)):
        if alias not in aliases[final(sid)]:
            aliases[final(sid)].append(alias)
    counts = dict(
        session.execute(select(ContractSupplier.supplier_id, func.count()).group_by(ContractSupplier.supplier_id)).all()
    )
    needle = (search or "").lower()
    return [
        SupplierRecord(
            r.id, r.name, tuple(numbers[r.id]), tuple(aliases[r.id]), counts.get(r.id, 0), r.is_sme, r.is_vcse
        )
        for r in rows
        if r.merged_into_id is None
        and (not needle or needle in r.name.lower() or any(needle in a.lower() for a in aliases[r.id]))
    ]


def supplier_json(record: SupplierRecord) -> dict[str, Any]:
    """The command line's JSON for a supplier."""
    return {
        "id": record.id,
        "name": record.name,
        "company_numbers": list(record.company_numbers),
        "aliases": list(record.aliases),
        "contracts": record.contracts,
        "is_sme": record.is_sme,
        "is_vcse": record.is_vcse,
    }


# --- the review queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    a: SupplierRecord
    b: SupplierRecord
    score: float
    evidence: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "a": supplier_json(self.a),
            "b": supplier_json(self.b),
            "score": self.score,
            "evidence": list(self.evidence),
        }


DISTINCT_SETTING = "suppliers.distinct_pairs"  # pairs a person said are different suppliers


def find_duplicates(session: Session, *, cutoff: float = 88.0) -> list[DuplicatePair]:
    """Likely duplicate suppliers for a person to review, best first (none are merged here).

    Pairs already judged different (``mark_distinct``) are not offered again."""
    records = {r.id: r for r in list_suppliers(session)}
    extra = {
        r.id: r
        for r in session.execute(select(Supplier.id, Supplier.postcode).where(Supplier.merged_into_id.is_(None)))
    }
    items = [
        SupplierItem(
            r.id,
            r.name,
            tuple(dict.fromkeys(name_key(n) for n in (r.name, *r.aliases))),
            r.company_numbers[0] if len(r.company_numbers) == 1 else None,
            extra[r.id].postcode if r.id in extra else None,
        )
        for r in records.values()
        if len(r.company_numbers) <= 1  # several numbers: a hand-made group, never offered again
    ]
    judged = _distinct_pairs(session)
    return [_pair(records, c) for c in find_candidates(items, cutoff=cutoff) if (c.a_id, c.b_id) not in judged]


def _distinct_pairs(session: Session) -> set[tuple[int, int]]:
    setting = session.get(Setting, DISTINCT_SETTING)
    return {(a, b) for a, b in (setting.value if setting is not None else [])}


def mark_distinct(session: Session, a_id: int, b_id: int, *, user: str) -> None:
    """Record that two suppliers are different companies, so the review queue stops offering them."""
    a, b = sorted((_current(session, a_id).id, _current(session, b_id).id))
    if a == b:
        raise ValidationError("A supplier is the same as itself.")
    judged = _distinct_pairs(session)
    if (a, b) in judged:
        return
    session.merge(Setting(key=DISTINCT_SETTING, value=sorted([*map(list, judged), [a, b]])))
    audit(session, user, "update", "supplier", a, "distinct_from", None, b)


def _pair(records: dict[int, SupplierRecord], c: Candidate) -> DuplicatePair:
    return DuplicatePair(records[c.a_id], records[c.b_id], c.score, c.evidence)


# --- merge and unmerge -------------------------------------------------------------------------


def merge_suppliers(session: Session, keep_id: int, other_id: int, *, user: str, force: bool = False) -> dict[str, Any]:
    """Merge OTHER into KEEP: contracts and aliases move to KEEP; OTHER stays, pointing at KEEP.

    Suppliers with different company numbers are different companies (a parent and its subsidiary
    too), so that merge needs ``force``.
    """
    keep, other = _current(session, keep_id), _current(session, other_id)
    if keep.id == other.id:
        raise ValidationError("A supplier cannot be merged with itself.")
    if keep.company_number and other.company_number and keep.company_number != other.company_number and not force:
        raise ValidationError(
            f"Suppliers {keep.id} and {other.id} have different company numbers "
            f"({keep.company_number}, {other.company_number}): they are different companies. Use --force to "
            "group them anyway."
        )
    moved = {"links": _move_links(session, keep.id, other.id), "aliases": _move_aliases(session, keep.id, other.id)}
    other.merged_into_id = keep.id
    other.version += 1
    keep.version += 1
    record = SupplierMerge(kept_id=keep.id, merged_id=other.id, moved=moved, by=user)
    session.add(record)
    session.flush()
    audit(session, user, "merge", "supplier", other.id, "merged_into_id", None, keep.id)
    return {"kept": keep.id, "merged": other.id, "merge_id": record.id, "contracts_moved": len(moved["links"])}


def _current(session: Session, supplier_id: int) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFoundError(f"There is no supplier {supplier_id}.")
    if supplier.merged_into_id is not None:
        raise ValidationError(f"Supplier {supplier_id} was merged into {supplier.merged_into_id}; use that one.")
    return supplier


def _move_links(session: Session, keep_id: int, other_id: int) -> list[list[Any]]:
    """Re-point OTHER's contract links at KEEP; where KEEP is already on the contract, drop OTHER's.

    Returns [contract_id, position, name_as_published, dropped] per link, enough to restore it.
    """
    links = session.execute(
        select(ContractSupplier.contract_id, ContractSupplier.position, ContractSupplier.name_as_published).where(
            ContractSupplier.supplier_id == other_id
        )
    ).all()
    on_keep = set(session.scalars(select(ContractSupplier.contract_id).where(ContractSupplier.supplier_id == keep_id)))
    moved = [[cid, pos, name, cid in on_keep] for cid, pos, name in links]
    dropped = [cid for cid, _, _, gone in moved if gone]
    if dropped:
        session.execute(
            delete(ContractSupplier).where(
                ContractSupplier.supplier_id == other_id, ContractSupplier.contract_id.in_(dropped)
            )
        )
    _reassign(session, ContractSupplier, None, other_id, keep_id)
    return moved


def _move_aliases(session: Session, keep_id: int, other_id: int) -> list[list[Any]]:
    """Aliases move with the supplier; a spelling KEEP already has is kept once (and restored later)."""
    kept_names = set(session.scalars(select(SupplierAlias.name).where(SupplierAlias.supplier_id == keep_id)))
    rows = session.execute(
        select(SupplierAlias.id, SupplierAlias.name, SupplierAlias.name_key, SupplierAlias.batch_id).where(
            SupplierAlias.supplier_id == other_id
        )
    ).all()
    moved = [[aid, name, key, batch, name in kept_names] for aid, name, key, batch in rows]
    session.execute(delete(SupplierAlias).where(SupplierAlias.id.in_([a[0] for a in moved if a[4]])))
    _reassign(session, SupplierAlias, None, other_id, keep_id)
    session.expire_all()
    return moved


def unmerge_suppliers(session: Session, keep_id: int, other_id: int, *, user: str) -> dict[str, Any]:
    """Undo the latest merge of OTHER into KEEP, restoring its contract links and aliases exactly."""
    record = session.scalars(
        select(SupplierMerge)
        .where(SupplierMerge.kept_id == keep_id, SupplierMerge.merged_id == other_id, SupplierMerge.undone_at.is_(None))
        .order_by(SupplierMerge.id.desc())
    ).first()
    if record is None:
        raise NotFoundError(f"Supplier {other_id} is not merged into {keep_id}.")
    other = session.get(Supplier, other_id)
    keep = session.get(Supplier, keep_id)
    if other is None or keep is None or other.merged_into_id != keep_id:
        raise ValidationError(f"Supplier {other_id} is no longer merged into {keep_id}; nothing was changed.")
    restored = _restore_links(session, keep_id, other_id, record.moved.get("links", []))
    _restore_aliases(session, keep_id, other_id, record.moved.get("aliases", []))
    other.merged_into_id = None
    other.version += 1
    keep.version += 1
    record.undone_at = datetime.now(UTC)
    session.flush()
    audit(session, user, "unmerge", "supplier", other_id, "merged_into_id", keep_id, None)
    return {"kept": keep_id, "unmerged": other_id, "contracts_restored": restored}


def _reassign(
    session: Session,
    model: type[ContractSupplier] | type[SupplierAlias],
    only: list[int] | None,
    from_id: int,
    to_id: int,
) -> None:
    """Point a supplier's contract links or aliases at another supplier: all of them, or only those
    whose contract id (links) or alias id (aliases) is listed."""
    query = update(model).where(model.supplier_id == from_id)
    if only is not None:
        if not only:
            return
        column = model.contract_id if model is ContractSupplier else model.id  # type: ignore[union-attr]
        query = query.where(column.in_(only))
    session.execute(query.values(supplier_id=to_id).execution_options(synchronize_session=False))


def _restore_links(session: Session, keep_id: int, other_id: int, links: list[list[Any]]) -> int:
    existing = set(session.scalars(select(ContractSupplier.contract_id).where(ContractSupplier.supplier_id == keep_id)))
    live = set(session.scalars(select(Contract.id).where(Contract.id.in_([link[0] for link in links]))))
    moved_back = [cid for cid, _, _, dropped in links if not dropped and cid in existing]
    _reassign(session, ContractSupplier, moved_back, keep_id, other_id)
    reinserted = [
        {"contract_id": cid, "supplier_id": other_id, "position": pos, "name_as_published": name}
        for cid, pos, name, dropped in links
        if dropped and cid in live
    ]
    if reinserted:
        session.execute(insert(ContractSupplier), reinserted)
    return len(moved_back) + len(reinserted)


def _restore_aliases(session: Session, keep_id: int, other_id: int, aliases: list[list[Any]]) -> None:
    _reassign(session, SupplierAlias, [aid for aid, _, _, _, dropped in aliases if not dropped], keep_id, other_id)
    dropped = [
        {"id": aid, "supplier_id": other_id, "name": name, "name_key": key, "batch_id": batch}
        for aid, name, key, batch, gone in aliases
        if gone
    ]
    if dropped:
        session.execute(insert(SupplierAlias), dropped)
    session.expire_all()
