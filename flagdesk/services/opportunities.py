"""Opportunities in the register: analyse, keep, review and report benefits.

Analysis runs over plain records (flagdesk.analysis.opportunities); this module loads them, stores
what was found and keeps what people decided. An opportunity's id is derived from its contracts,
so a re-run updates the figures and evidence of the ones it finds again while their status,
notes and realised savings stay; ones no longer found are kept with is_current = False.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flagdesk.analysis.opportunities import Finding, analyse, gc_paused
from flagdesk.analysis.pipeline import PipelineRow, expiry_pipeline
from flagdesk.analysis.savings import ASSUMPTIONS, Assumptions, assumption, check_value
from flagdesk.domain import OpportunityKind, OpportunityStatus, enum_value
from flagdesk.errors import ConflictError, NotFoundError, ValidationError
from flagdesk.services.audit import audit
from flagdesk.services.contracts import fetch_rows, load_analysis_records, load_contract_records
from flagdesk.store.models import Opportunity, OpportunityContract, Partner, RealisedSaving, Setting

ASSUMPTIONS_SETTING = "savings_assumptions"

# The usual path runs forward through these; any stage may go back one step, and dismissal
# (with a reason) is possible until the saving is realised. A dismissed one can be reopened.
_STAGES = (
    OpportunityStatus.IDENTIFIED,
    OpportunityStatus.UNDER_REVIEW,
    OpportunityStatus.APPROVED,
    OpportunityStatus.IN_PROCUREMENT,
    OpportunityStatus.REALISED,
)


@dataclass(frozen=True, slots=True)
class OpportunityView:
    """An opportunity as stored: the analysis' figures plus the people's status and savings."""

    id: str
    kind: str
    title: str
    status: str
    status_note: str | None
    partners: tuple[str, ...]
    contract_ids: tuple[int, ...]
    vehicle_contract: int | None
    lead_partner: str | None
    need_label: str
    combined_annual_value_pence: int
    estimated_saving_pence: int
    realised_saving_pence: int
    proposed_start: date | None
    score: float
    evidence: tuple[str, ...]
    assumptions: dict[str, Any]
    is_current: bool
    version: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "status_note": self.status_note,
            "partners": list(self.partners),
            "contracts": list(self.contract_ids),
            "vehicle_contract": self.vehicle_contract,
            "lead_partner": self.lead_partner,
            "need": self.need_label,
            "combined_annual_value_pence": self.combined_annual_value_pence,
            "proposed_start": self.proposed_start.isoformat() if self.proposed_start else None,
            "estimated_saving_pence": self.estimated_saving_pence,
            "realised_saving_pence": self.realised_saving_pence,
            "assumptions": self.assumptions,
            "evidence": list(self.evidence),
            "score": self.score,
            "is_current": self.is_current,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    found: int
    new: int
    no_longer_found: int
    by_kind: dict[str, int]
    # Each found opportunity's contracts, so a listing straight after need not read ~250k links back.
    contract_ids: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"found": self.found, "new": self.new, "no_longer_found": self.no_longer_found, "by_kind": self.by_kind}


# --- assumptions -------------------------------------------------------------------------------


def load_assumptions(session: Session) -> Assumptions:
    row = session.get(Setting, ASSUMPTIONS_SETTING)
    return Assumptions(row.value if row is not None and isinstance(row.value, dict) else {})


def set_assumption(session: Session, user: str, name: str, value: str) -> Assumptions:
    """Save one assumption ('default' removes the override); later analyses use it."""
    spec = assumption(name)
    current = load_assumptions(session)
    new_value = spec.default if value.strip().lower() == "default" else check_value(name, value)
    updated = current.with_value(name, new_value)
    row = session.get(Setting, ASSUMPTIONS_SETTING)
    if row is None:
        session.add(Setting(key=ASSUMPTIONS_SETTING, value=updated.overrides()))
    else:
        row.value = updated.overrides()
    audit(session, user, "update", "setting", ASSUMPTIONS_SETTING, name, current[name], new_value)
    return updated


def describe_assumptions(a: Assumptions) -> list[dict[str, Any]]:
    return [
        {"name": s.name, "value": a[s.name], "default": s.default, "unit": s.unit, "description": s.description}
        for s in ASSUMPTIONS
    ]


# --- analysis and persistence --------------------------------------------------------------------


def refresh_opportunities(
    session: Session,
    user: str,
    *,
    window_months: int | None = None,
    as_of: date | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> RefreshSummary:
    """Analyse the whole register and store the result, in the caller's single transaction.

    `window_months` overrides the saved window for this run only. Progress runs 0..0.3 for loading,
    0.3..0.8 for analysis and 0.8..1 for storing; a cancellation before storing changes nothing.
    """
    a = load_assumptions(session)
    if window_months is not None:
        a = a.with_value("window_months", window_months)
    report = progress or (lambda _f: None)
    report(0.0)
    with gc_paused():  # 100,000 records and their analysis: see gc_paused
        contracts = load_analysis_records(session)
        report(0.3)
        findings = analyse(
            contracts,
            a,
            as_of=as_of or date.today(),
            progress=lambda f: report(0.3 + 0.5 * f),
            cancel=cancel,
        )
        summary = store_findings(session, findings)
    audit(session, user, "analyse", "opportunity", "*", None, None, summary.to_json())
    report(1.0)
    return summary


def store_findings(session: Session, findings: list[Finding]) -> RefreshSummary:
    """Upsert findings by id, keeping status and notes; mark the rest as no longer current."""
    existing = dict(session.execute(select(Opportunity.id, Opportunity.is_current)).all())
    now = datetime.now(UTC)
    found_ids = {f.id for f in findings}
    new = [f for f in findings if f.id not in existing]
    again = [f for f in findings if f.id in existing]
    if new:
        try:
            session.execute(
                insert(Opportunity), [{**_computed(f, now), "id": f.id, "status": "identified"} for f in new]
            )
            # An id is a hash of its contracts, so links are written once, when the id first appears.
            _insert_links(
                session,
                [(f.id, cid, "vehicle" if cid == f.vehicle_id else "member") for f in new for cid in f.contract_ids],
            )
        except IntegrityError as exc:  # on a shared register, someone else stored the same ids first
            raise ConflictError("Someone else analysed the register at the same time; nothing was written.") from exc
    if again:
        stmt = update(Opportunity).where(Opportunity.id == bindparam("b_id")).values(**_bound_columns())
        session.connection().execute(stmt, [{"b_id": f.id, **_prefixed(_computed(f, now))} for f in again])
    gone = [oid for oid, current in existing.items() if current and oid not in found_ids]
    for chunk in _chunks(gone, 500):
        session.execute(update(Opportunity).where(Opportunity.id.in_(chunk)).values(is_current=False))
    by_kind: dict[str, int] = defaultdict(int)
    for f in findings:
        by_kind[f.kind.value] += 1
    links = {f.id: f.contract_ids for f in findings}
    return RefreshSummary(len(findings), len(new), len(gone), dict(by_kind), links)


def _insert_links(session: Session, rows: list[tuple[str, int, str]]) -> None:
    """Plain driver executemany: a first analysis of 100k contracts writes ~250k links, and
    SQLAlchemy's per-row parameter handling would double the time."""
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    table = OpportunityContract.__tablename__
    sql = f"INSERT INTO {table} (opportunity_id, contract_id, role) VALUES ({mark}, {mark}, {mark})"
    if conn.dialect.name == "sqlite":
        # A bigger page cache for this connection keeps the link indexes in memory while they grow
        # (it changes no durability setting).
        conn.exec_driver_sql("PRAGMA cache_size = -65536")
    # In contract order, each row's foreign-key look-up and contract_id index entry land next to
    # the previous row's instead of on a random page (~15% faster than key order for ~250k links).
    rows.sort(key=itemgetter(1, 0))
    for chunk in _chunks(rows, 50_000):
        conn.exec_driver_sql(sql, chunk)


def _computed(f: Finding, now: datetime) -> dict[str, Any]:
    """The columns analysis owns; status, notes and version belong to people."""
    return {
        "kind": f.kind.value,
        "title": f.title[:500],
        "lead_partner_id": f.lead_partner_id,
        "combined_annual_value_pence": f.combined_annual_value_pence,
        "estimated_saving_pence": f.estimated_saving_pence,
        "proposed_start": f.proposed_start,
        "score": f.score,
        "evidence": list(f.evidence),
        "assumptions": f.saving.to_json(),
        "details": {
            "need": f.need,
            "need_label": f.need_label,
            "partners": list(f.partners),
            "lead_partner": f.lead_partner,
            "vehicle_contract": f.vehicle_id,
            # JSON keys are text; shares split estimated and realised savings between partners.
            "partner_annual_pence": {str(p): v for p, v in f.partner_annual_pence.items()},
        },
        "is_current": True,
        "last_seen": now,
    }


_COMPUTED_COLUMNS = (
    "kind",
    "title",
    "lead_partner_id",
    "combined_annual_value_pence",
    "estimated_saving_pence",
    "proposed_start",
    "score",
    "evidence",
    "assumptions",
    "details",
    "is_current",
    "last_seen",
)


def _bound_columns() -> dict[str, Any]:
    return {name: bindparam(f"b_{name}") for name in _COMPUTED_COLUMNS}


def _prefixed(values: dict[str, Any]) -> dict[str, Any]:
    return {f"b_{k}": v for k, v in values.items()}


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- reading ---------------------------------------------------------------------------------------


def list_opportunities(
    session: Session,
    *,
    kind: str | None = None,
    include_stale: bool = False,
    ids: Iterable[str] | None = None,
    refreshed: RefreshSummary | None = None,
) -> list[OpportunityView]:
    """Stored opportunities, best first; only those the latest analysis found unless asked.

    `refreshed`, the summary of an analysis just run in this session, supplies the contracts of
    the opportunities it found instead of reading their links back.
    """
    with gc_paused():  # up to ~250k contract links at 100k contracts
        return _list(session, kind, include_stale, ids, refreshed)


def _list(
    session: Session,
    kind: str | None,
    include_stale: bool,
    ids: Iterable[str] | None,
    refreshed: RefreshSummary | None,
) -> list[OpportunityView]:
    q = select(Opportunity).order_by(Opportunity.score.desc(), Opportunity.id)
    if kind is not None:
        q = q.where(Opportunity.kind == _choice(OpportunityKind, kind))
    if not include_stale:
        q = q.where(Opportunity.is_current.is_(True))
    if ids is not None:
        q = q.where(Opportunity.id.in_(list(ids)))
    rows = session.scalars(q).all()
    wanted = None if ids is None and kind is None and not include_stale else [o.id for o in rows]
    # Without include_stale every row is a current one, and so one the refresh found.
    links = refreshed.contract_ids if refreshed is not None and not include_stale else _links(session, wanted)
    realised = _realised(session, wanted)
    return [_view(o, links.get(o.id, ()), realised.get(o.id, 0)) for o in rows]


def get_opportunity(session: Session, opportunity_id: str) -> OpportunityView:
    views = list_opportunities(session, ids=[opportunity_id.strip()], include_stale=True)
    if not views:
        raise NotFoundError(f"No opportunity with id {opportunity_id}.")
    return views[0]


def _links(session: Session, wanted: list[str] | None) -> dict[str, tuple[int, ...]]:
    q = select(OpportunityContract.opportunity_id, OpportunityContract.contract_id).order_by(
        OpportunityContract.opportunity_id, OpportunityContract.contract_id
    )
    if wanted is not None and len(wanted) <= 1000:
        q = q.where(OpportunityContract.opportunity_id.in_(wanted))
    out: dict[str, list[int]] = defaultdict(list)
    # Straight from the driver: ~250k plain (text, int) rows need none of SQLAlchemy's row processing.
    for oid, cid in fetch_rows(session.connection(), q):
        out[oid].append(cid)
    return {oid: tuple(cids) for oid, cids in out.items()}


def _realised(session: Session, wanted: list[str] | None) -> dict[str, int]:
    q = select(RealisedSaving.opportunity_id, func.sum(RealisedSaving.amount_pence)).group_by(
        RealisedSaving.opportunity_id
    )
    if wanted is not None and len(wanted) <= 1000:
        q = q.where(RealisedSaving.opportunity_id.in_(wanted))
    return {oid: int(total or 0) for oid, total in session.execute(q)}


def _view(o: Opportunity, contract_ids: tuple[int, ...], realised: int) -> OpportunityView:
    details = o.details or {}
    return OpportunityView(
        id=o.id,
        kind=o.kind,
        title=o.title,
        status=o.status,
        status_note=o.status_note,
        partners=tuple(details.get("partners", ())),
        contract_ids=contract_ids,
        vehicle_contract=details.get("vehicle_contract"),
        lead_partner=details.get("lead_partner"),
        need_label=details.get("need_label", ""),
        combined_annual_value_pence=o.combined_annual_value_pence,
        estimated_saving_pence=o.estimated_saving_pence,
        realised_saving_pence=realised,
        proposed_start=o.proposed_start,
        score=o.score,
        evidence=tuple(o.evidence or ()),
        assumptions=o.assumptions or {},
        is_current=o.is_current,
        version=o.version,
    )


def _choice(enum_cls: type[StrEnum], text: str) -> str:
    try:
        return enum_value(enum_cls, text).value
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


# --- status workflow -------------------------------------------------------------------------------


def check_transition(old: str, new: str, note: str | None) -> None:
    """Raise ValidationError unless old -> new is a step the workflow allows."""
    if old == new:
        return
    dismissed = OpportunityStatus.DISMISSED.value
    if new == dismissed:
        if old == OpportunityStatus.REALISED.value:
            raise ValidationError("A realised opportunity cannot be dismissed.")
        if not (note or "").strip():
            raise ValidationError("Dismissing an opportunity needs a reason: add --note 'why'.")
        return
    if old == dismissed:
        if new not in (OpportunityStatus.IDENTIFIED.value, OpportunityStatus.UNDER_REVIEW.value):
            raise ValidationError("A dismissed opportunity can only be reopened as identified or under_review.")
        return
    stages = [s.value for s in _STAGES]
    if stages.index(new) < stages.index(old) - 1:
        raise ValidationError(f"'{old}' can go back only one step, to '{stages[stages.index(old) - 1]}'.")


def set_status(
    session: Session,
    user: str,
    opportunity_id: str,
    status: str,
    *,
    note: str | None = None,
    if_version: int | None = None,
) -> OpportunityView:
    new = _choice(OpportunityStatus, status)
    o = _locked(session, opportunity_id, if_version)
    check_transition(o.status, new, note)
    if o.status != new:
        audit(session, user, "update", "opportunity", o.id, "status", o.status, new)
    if note is not None and note != o.status_note:
        audit(session, user, "update", "opportunity", o.id, "status_note", o.status_note, note)
        o.status_note = note
    o.status = new
    o.version += 1
    o.updated_by = user
    session.flush()
    return get_opportunity(session, o.id)


def _locked(session: Session, opportunity_id: str, if_version: int | None) -> Opportunity:
    o = session.get(Opportunity, opportunity_id.strip(), with_for_update=True)
    if o is None:
        raise NotFoundError(f"No opportunity with id {opportunity_id}.")
    if if_version is not None and o.version != if_version:
        raise ConflictError(
            f"Opportunity {o.id} is at version {o.version}, not {if_version}: someone changed it; nothing was written.",
            current_version=o.version,
        )
    return o


# --- realised savings and benefits -----------------------------------------------------------------


_MAX_POUNDS = Decimal(10) ** 13  # far beyond any public budget, well inside a BigInteger of pence


def parse_pounds(text: str) -> int:
    """'1,234.56', '£1234.5' or '-200' as pence, exactly (no float rounding)."""
    cleaned = text.strip().replace(",", "").replace("£", "").replace("_", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(f"'{text}' is not an amount in pounds (e.g. 12500 or 12,500.50)") from None
    if not amount.is_finite() or abs(amount) > _MAX_POUNDS:
        raise ValidationError(f"'{text}' is not an amount FlagDesk can record")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"'{text}' must be pounds with at most two decimal places")
    pence = int(amount * 100)
    if pence == 0:
        raise ValidationError("A realised saving of £0 records nothing.")
    return pence


def record_saving(
    session: Session,
    user: str,
    opportunity_id: str,
    pounds: str,
    *,
    partner: str | None = None,
    note: str | None = None,
) -> OpportunityView:
    """Record a realised saving; without a partner it is shared in proportion to annual value."""
    pence = parse_pounds(pounds)
    o = _locked(session, opportunity_id, None)
    shares = _partner_shares(o)
    if partner is not None:
        pid = _partner_id(session, partner)
        if pid not in shares:
            raise ValidationError(f"{partner} is not a partner in opportunity {o.id}.")
        split = {pid: pence}
    else:
        split = apportion(pence, shares)
    session.execute(
        insert(RealisedSaving),
        [
            {"opportunity_id": o.id, "partner_id": pid, "amount_pence": amount, "note": note, "recorded_by": user}
            for pid, amount in split.items()
        ],
    )
    audit(session, user, "insert", "realised_saving", o.id, "amount_pence", None, pence)
    return get_opportunity(session, o.id)


def _partner_shares(o: Opportunity) -> dict[int, int]:
    raw = (o.details or {}).get("partner_annual_pence", {})
    return {int(p): int(v) for p, v in raw.items()}


def _partner_id(session: Session, name: str) -> int:
    pid = session.scalar(select(Partner.id).where(func.lower(Partner.name) == name.strip().lower()))
    if pid is None:
        raise NotFoundError(f"No partner called '{name}'.")
    return pid


def apportion(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Split whole pence in proportion to weights, exactly (largest remainder); equal if all zero."""
    if not weights:
        return {}
    keys = sorted(weights)
    w = [max(0, weights[k]) for k in keys]
    if sum(w) == 0:
        w = [1] * len(keys)
    sign, amount, whole = (-1 if total < 0 else 1), abs(total), sum(w)
    base = [amount * x // whole for x in w]
    order = sorted(range(len(keys)), key=lambda i: (-(amount * w[i] % whole), keys[i]))
    for i in order[: amount - sum(base)]:
        base[i] += 1
    return {k: sign * b for k, b in zip(keys, base, strict=True) if b}


@dataclass(frozen=True, slots=True)
class PartnerBenefits:
    partner: str
    opportunities: int
    estimated_saving_pence: int
    realised_saving_pence: int

    def to_json(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "opportunities": self.opportunities,
            "estimated_saving_pence": self.estimated_saving_pence,
            "realised_saving_pence": self.realised_saving_pence,
        }


def benefits_report(session: Session) -> list[PartnerBenefits]:
    """Per partner: estimated savings of live, undismissed opportunities and savings realised."""
    names = dict(session.execute(select(Partner.id, Partner.name)).all())
    estimated: dict[int, int] = defaultdict(int)
    count: dict[int, int] = defaultdict(int)
    q = select(Opportunity).where(
        Opportunity.status != OpportunityStatus.DISMISSED.value,
        (Opportunity.is_current.is_(True)) | (Opportunity.status != OpportunityStatus.IDENTIFIED.value),
    )
    for o in session.scalars(q):
        for pid, amount in apportion(o.estimated_saving_pence, _partner_shares(o)).items():
            estimated[pid] += amount
        for pid in _partner_shares(o):
            count[pid] += 1
    realised: dict[int, int] = defaultdict(int)
    rq = select(RealisedSaving.partner_id, func.sum(RealisedSaving.amount_pence)).group_by(RealisedSaving.partner_id)
    for pid, total in session.execute(rq):
        realised[pid] += int(total or 0)
    partners = sorted(set(estimated) | set(realised) | set(count), key=lambda p: names.get(p, ""))
    return [PartnerBenefits(names.get(p, "(partner removed)"), count[p], estimated[p], realised[p]) for p in partners]


def pipeline_report(session: Session, *, as_of: date | None = None, months: int | None = None) -> list[PipelineRow]:
    return expiry_pipeline(load_contract_records(session), as_of=as_of, months=months)


def delete_stale(session: Session, user: str) -> int:
    """Remove opportunities no longer found that nobody acted on (still 'identified', no savings)."""
    has_savings = select(RealisedSaving.opportunity_id)
    q = delete(Opportunity).where(
        Opportunity.is_current.is_(False),
        Opportunity.status == OpportunityStatus.IDENTIFIED.value,
        Opportunity.id.not_in(has_savings),
    )
    removed = session.execute(q).rowcount or 0
    if removed:
        audit(session, user, "delete", "opportunity", "*", None, removed, None)
    return removed
