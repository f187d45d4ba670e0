"""Figures for the dashboard: where the money goes, what expires when, who it goes to, how much is shared.

Pure aggregation over plain contract records (plus the suppliers' SME/VCSE flags), so the GUI
draws charts from it and tests check it without a display. Values are annual values in pence of
live contracts (planned or active and not yet past their latest end date).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from flagdesk.analysis.opportunities import annual_value, is_live
from flagdesk.domain import ContractType, ProcurementRoute, ReuseRights, add_months, quarter_label
from flagdesk.records import ContractRecord, PartnerRecord
from flagdesk.store.models import Supplier

TOP_CATEGORIES = 8
QUARTERS_AHEAD = 8
_SHARED_TYPES = {ContractType.FRAMEWORK_AGREEMENT.value, ContractType.CALL_OFF.value, ContractType.DPS.value}


@dataclass(frozen=True)
class Slice:
    label: str
    value_pence: int
    contracts: int


@dataclass(frozen=True)
class DashboardFigures:
    live_contracts: int
    live_annual_pence: int
    partners: int
    expiring_12_months: int
    spend_by_category: list[Slice]  # largest first, the tail folded into "Other"
    expiring_by_quarter: list[Slice]  # the next QUARTERS_AHEAD calendar quarters, in order
    supplier_kind_share: list[Slice]  # SME, VCSE, larger, unknown
    collaborative_share: list[Slice]  # collaborative, single organisation


def supplier_flags(session: Session) -> dict[int, tuple[bool | None, bool | None]]:
    """(is_sme, is_vcse) for every supplier id."""
    rows = session.execute(select(Supplier.id, Supplier.is_sme, Supplier.is_vcse))
    return {sid: (sme, vcse) for sid, sme, vcse in rows}


def is_collaborative(c: ContractRecord) -> bool:
    """Bought with or for others: a framework, DPS or call-off, or open to other bodies to use."""
    return (
        c.reuse_rights != ReuseRights.NONE.value
        or c.contract_type in _SHARED_TYPES
        or c.procurement_route == ProcurementRoute.FRAMEWORK_CALL_OFF.value
        or c.parent_framework_id is not None
    )


def supplier_kind(c: ContractRecord, flags: dict[int, tuple[bool | None, bool | None]]) -> str:
    """The lead supplier's kind; a VCSE counts as VCSE even when it is also small."""
    if not c.supplier_ids:
        return "Unknown"
    sme, vcse = flags.get(c.supplier_ids[0], (None, None))
    if vcse:
        return "VCSE"
    if sme:
        return "SME"
    return "Larger" if sme is False else "Unknown"


def dashboard_figures(
    records: Iterable[ContractRecord],
    flags: dict[int, tuple[bool | None, bool | None]],
    *,
    today: date | None = None,
) -> DashboardFigures:
    today = today or date.today()
    live = [c for c in records if is_live(c, today)]
    values = [annual_value(c) for c in live]
    horizon = add_months(today, 12)
    return DashboardFigures(
        live_contracts=len(live),
        live_annual_pence=sum(values),
        partners=len({c.partner_id for c in live}),
        expiring_12_months=sum(1 for c in live if c.end_date and today <= c.end_date <= horizon),
        spend_by_category=_top(_group(live, values, lambda c: c.category or "Uncategorised"), TOP_CATEGORIES),
        expiring_by_quarter=_quarters(live, values, today),
        supplier_kind_share=_ordered(
            _group(live, values, lambda c: supplier_kind(c, flags)), ("SME", "VCSE", "Larger", "Unknown")
        ),
        collaborative_share=_ordered(
            _group(live, values, lambda c: "Collaborative" if is_collaborative(c) else "Single organisation"),
            ("Collaborative", "Single organisation"),
        ),
    )


def _group(live: list[ContractRecord], values: list[int], key) -> dict[str, Slice]:  # type: ignore[no-untyped-def]
    pence: dict[str, int] = defaultdict(int)
    counts: Counter[str] = Counter()
    for c, v in zip(live, values, strict=True):
        k = key(c)
        pence[k] += v
        counts[k] += 1
    return {k: Slice(k, pence[k], counts[k]) for k in pence}


def _top(groups: dict[str, Slice], n: int) -> list[Slice]:
    ordered = sorted(groups.values(), key=lambda s: (-s.value_pence, s.label))
    if len(ordered) <= n:
        return ordered
    rest = ordered[n - 1 :]
    other = Slice("Other", sum(s.value_pence for s in rest), sum(s.contracts for s in rest))
    return [*ordered[: n - 1], other]


def _ordered(groups: dict[str, Slice], order: tuple[str, ...]) -> list[Slice]:
    return [groups.get(label, Slice(label, 0, 0)) for label in order]


def _quarters(live: list[ContractRecord], values: list[int], today: date) -> list[Slice]:
    first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    labels = [quarter_label(add_months(first, 3 * i)) for i in range(QUARTERS_AHEAD)]
    groups = _group(
        [c for c in live if c.end_date and c.end_date >= first],
        [v for c, v in zip(live, values, strict=True) if c.end_date and c.end_date >= first],
        lambda c: quarter_label(c.end_date),
    )
    return [groups.get(q, Slice(q, 0, 0)) for q in labels]


@dataclass(frozen=True)
class PartnerSummary:
    id: int
    name: str
    kind: str
    region: str | None
    contracts: int
    live_contracts: int
    live_annual_pence: int
    expiring_12_months: int
    collaborative_pence: int
    top_categories: tuple[str, ...]


def partner_summaries(
    partners: Iterable[PartnerRecord], records: Iterable[ContractRecord], *, today: date | None = None
) -> list[PartnerSummary]:
    """One line per partner: what it holds, what it spends each year, what ends soon."""
    today = today or date.today()
    horizon = add_months(today, 12)
    by_partner: dict[int, list[ContractRecord]] = defaultdict(list)
    for c in records:
        by_partner[c.partner_id].append(c)
    out = []
    for p in partners:
        held = by_partner.get(p.id, [])
        live = [c for c in held if is_live(c, today)]
        values = [annual_value(c) for c in live]
        categories = _top(_group(live, values, lambda c: c.category or "Uncategorised"), 4)
        out.append(
            PartnerSummary(
                p.id, p.name, p.kind, p.region, len(held), len(live), sum(values),
                sum(1 for c in live if c.end_date and today <= c.end_date <= horizon),
                sum(v for c, v in zip(live, values, strict=True) if is_collaborative(c)),
                tuple(s.label for s in categories if s.label != "Other"),
            )
        )  # fmt: skip
    return out
