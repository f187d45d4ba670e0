"""Assemble a commissioning pack's plain data from the register for one opportunity.

The database part (``assemble_pack``) only loads; everything a board reads beyond the stored facts
(budget shares, route options reuse first, risks) is derived by the pure functions below, so the GUI
preview, the command line and tests get the same pack from the same data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from flagdesk.errors import NotFoundError
from flagdesk.records import ContractRecord
from flagdesk.reports.packdata import (
    OpportunitySummary,
    PackData,
    PartnerShare,
    Risk,
    RouteOption,
    SpecificationRecord,
)
from flagdesk.reports.tables import format_date, format_pounds
from flagdesk.services.contracts import load_contract_records
from flagdesk.services.specifications import draft_specification, get_specification
from flagdesk.store.models import Opportunity, OpportunityContract, Partner

REUSABLE_RIGHTS = frozenset({"named_partners", "partner_kinds", "any_public_body"})
MAX_REUSE_OPTIONS = 3
MISALIGNED_MONTHS = 12  # end dates spread wider than this cannot all move at once
DOMINANT_SUPPLIER_SHARE = 0.5


def assemble_pack(
    session: Session,
    opportunity_id: str,
    *,
    spec_id: int | None = None,
    prepared_by: str = "",
    today: date | None = None,
) -> PackData:
    """The pack for one opportunity: its contracts, partners, shares, spec (given, linked or a draft)."""
    opp = session.get(Opportunity, opportunity_id)
    if opp is None:
        raise NotFoundError(f"No opportunity with id {opportunity_id}.")
    links = session.execute(
        select(OpportunityContract.contract_id, OpportunityContract.role).where(
            OpportunityContract.opportunity_id == opportunity_id
        )
    ).all()
    contracts = sort_contracts(load_contract_records(session, ids=[cid for cid, _ in links]) if links else [])
    lead = session.get(Partner, opp.lead_partner_id).name if opp.lead_partner_id else None
    summary = OpportunitySummary(
        id=opp.id,
        kind=opp.kind,
        title=opp.title,
        status=opp.status,
        lead_partner=lead,
        combined_annual_value_pence=opp.combined_annual_value_pence or 0,
        estimated_saving_pence=opp.estimated_saving_pence or 0,
        proposed_start=opp.proposed_start,
        score=opp.score or 0.0,
        evidence=tuple(str(e) for e in opp.evidence or ()),
        assumptions=dict(opp.assumptions or {}),
        details=dict(opp.details or {}),
    )
    chosen = spec_id if spec_id is not None else opp.specification_id
    spec = get_specification(session, chosen) if chosen is not None else draft_specification(opp.title)
    vehicles = frozenset(cid for cid, role in links if role == "vehicle")
    return build_pack_data(
        summary, contracts, spec, vehicles, prepared_on=today or date.today(), prepared_by=prepared_by
    )


def build_pack_data(
    opportunity: OpportunitySummary,
    contracts: Sequence[ContractRecord],
    specification: SpecificationRecord | None,
    vehicle_ids: Iterable[int] = (),
    *,
    prepared_on: date,
    prepared_by: str = "",
) -> PackData:
    """Derive shares, routes and risks from the opportunity's facts (pure: no database)."""
    vehicles = frozenset(vehicle_ids)
    stored = opportunity.details.get("partner_annual_pence") or {}
    partners = partner_shares(contracts, {int(k): int(v) for k, v in stored.items()} or None)
    return PackData(
        opportunity=opportunity,
        contracts=tuple(contracts),
        partners=partners,
        specification=specification,
        routes=route_options(opportunity, contracts, vehicles),
        risks=identify_risks(opportunity, contracts, vehicles, prepared_on),
        prepared_on=prepared_on,
        prepared_by=prepared_by,
        vehicle_contract_ids=vehicles,
    )


def sort_contracts(contracts: Iterable[ContractRecord]) -> list[ContractRecord]:
    """By end date (undated last), then partner and reference: the order a board reads them in."""
    return sorted(contracts, key=lambda c: (c.end_date or date.max, c.partner, c.reference, c.id))


def partner_shares(
    contracts: Sequence[ContractRecord], weights: dict[int, int] | None = None
) -> tuple[PartnerShare, ...]:
    """Each partner's current annual spend in scope, as a share of the total.

    ``weights`` (partner id -> annual pence) are the opportunity engine's own shares when stored, so
    the pack splits savings exactly as realised savings will be split; else they come from the contracts.
    """
    names = {c.partner_id: (c.partner, c.partner_kind) for c in contracts}
    count: dict[int, int] = defaultdict(int)
    spend: dict[int, int] = defaultdict(int)
    for c in contracts:
        count[c.partner_id] += 1
        spend[c.partner_id] += c.annual_value_pence or 0
    if weights:
        spend = defaultdict(int, {pid: value for pid, value in weights.items() if pid in names})
    total = sum(spend.values())
    members = [pid for pid in names if pid in spend] if weights else list(names)
    shares = [
        PartnerShare(
            names[pid][0], names[pid][1], count[pid], spend[pid], spend[pid] / total if total else 1 / len(members)
        )
        for pid in members
    ]
    return tuple(sorted(shares, key=lambda p: (-p.annual_value_pence, p.name)))


def route_options(
    opportunity: OpportunitySummary, contracts: Sequence[ContractRecord], vehicles: frozenset[int]
) -> tuple[RouteOption, ...]:
    """Procurement routes, reuse first: existing contracts that allow call-off, then national
    frameworks, then a new joint procurement, then separate procurement for comparison."""
    options: list[tuple[str, str, str]] = []
    for c in reusable_contracts(contracts, vehicles)[:MAX_REUSE_OPTIONS]:
        runs_to = c.max_end_date or c.end_date
        options.append(
            (
                f"Call off from {c.partner}'s existing contract",
                f"{c.partner}'s contract allows {c.reuse_rights.replace('_', ' ')} to call off"
                + (f" and runs to {format_date(runs_to)}" if runs_to else "")
                + ". Partners join it instead of tendering; confirm value headroom and scope first.",
                f"{c.reference}: {c.title}" + (f" ({'; '.join(c.suppliers)})" if c.suppliers else ""),
            )
        )
    options.append(
        (
            "Further competition under a national framework",
            "A compliant public-sector framework (for example from Crown Commercial Service or a regional "
            "purchasing organisation), run once by the lead partner for all partners.",
            "",
        )
    )
    start = f" to start on {format_date(opportunity.proposed_start)}" if opportunity.proposed_start else ""
    single = opportunity.kind == "rationalisation"
    options.append(
        (
            "Consolidated procurement" if single else "New joint procurement",
            (
                "One open or competitive flexible procedure" + start + " replacing the contracts in scope, with "
                "outcome-based requirements and lots sized so that SMEs can bid."
            )
            if not single
            else ("One procedure" + start + " replacing this partner's separate contracts with a single contract."),
            opportunity.lead_partner or "",
        )
    )
    options.append(
        (
            "Each partner procures separately",
            "Shown for comparison: every contract is re-tendered on its own at its end date, with no pooled "
            "saving and the most procurement effort.",
            "",
        )
    )
    return tuple(
        RouteOption(i + 1, name, text, vehicle, recommended=(i == 0)) for i, (name, text, vehicle) in enumerate(options)
    )


def reusable_contracts(contracts: Sequence[ContractRecord], vehicles: frozenset[int]) -> list[ContractRecord]:
    """Contracts others may call off: the opportunity's named vehicles first, then by latest end."""
    candidates = [c for c in contracts if c.id in vehicles or c.reuse_rights in REUSABLE_RIGHTS]
    return sorted(
        candidates, key=lambda c: (c.id not in vehicles, -(c.max_end_date or c.end_date or date.min).toordinal(), c.id)
    )


def identify_risks(
    opportunity: OpportunitySummary,
    contracts: Sequence[ContractRecord],
    vehicles: frozenset[int],
    today: date,
) -> tuple[Risk, ...]:
    """Risks the register's facts point to, then the ones every joint procurement carries."""
    risks: list[Risk] = []
    ends = sorted(c.end_date for c in contracts if c.end_date)
    if ends and _months_between(ends[0], ends[-1]) > MISALIGNED_MONTHS:
        risks.append(
            Risk(
                f"End dates are spread over {_months_between(ends[0], ends[-1])} months, so not every partner can "
                "join at the start.",
                "High",
                "Medium",
                "Extend early-ending contracts where they allow it; let late ones join at their natural end "
                "through an accession clause.",
            )
        )
    start = opportunity.proposed_start
    stranded = [
        c for c in contracts if start and c.end_date and (c.max_end_date or c.end_date) < start and c.id not in vehicles
    ]
    if stranded:
        risks.append(
            Risk(
                f"{_count(len(stranded), 'contract ends', 'contracts end')} before the proposed start with no "
                "extension left.",
                "High",
                "High",
                "Start the procurement now; bridge with a short call-off or a justified direct award.",
            )
        )
    risks += _supplier_risk(contracts)
    missing = [c for c in contracts if c.annual_value_pence is None or c.end_date is None]
    if missing:
        risks.append(
            Risk(
                f"{_count(len(missing), 'contract lacks', 'contracts lack')} an annual value or end date in the "
                "register, so the shares and saving may be wrong.",
                "Medium",
                "Medium",
                "Each partner confirms values and dates before the board approves.",
            )
        )
    if vehicles or any(c.reuse_rights in REUSABLE_RIGHTS for c in contracts):
        risks.append(
            Risk(
                "The contract proposed for reuse lacks value headroom or its call-off rights do not cover every "
                "partner.",
                "Medium",
                "High",
                "Confirm call-off rights, scope and remaining value with the contracting authority in writing.",
            )
        )
    risks += [
        Risk(
            "A partner withdraws after the procurement has started.",
            "Medium",
            "High",
            "A collaboration agreement with commitment and exit terms, signed before the tender is issued.",
        ),
        Risk(
            "Savings are lower than estimated.",
            "Medium",
            "Medium",
            "Test the market early; record realised savings in FlagDesk against the estimate.",
        ),
        Risk(
            "Data protection and security responsibilities are unclear across partners.",
            "Low",
            "High",
            "A data protection impact assessment and a joint controller agreement before award.",
        ),
    ]
    return tuple(risks)


def _supplier_risk(contracts: Sequence[ContractRecord]) -> list[Risk]:
    value: dict[str, int] = defaultdict(int)
    for c in contracts:
        for supplier in c.suppliers[:1]:
            value[supplier] += c.annual_value_pence or 0
    total = sum(value.values())
    if not total:
        return []
    supplier, top = max(value.items(), key=lambda kv: (kv[1], kv[0]))
    if top / total <= DOMINANT_SUPPLIER_SHARE:
        return []
    return [
        Risk(
            f"Reliance on {supplier}, which holds {top / total * 100:.0f}% of current spend "
            f"({format_pounds(top)} a year): the change may be resisted and exit terms may be weak.",
            "Medium",
            "High",
            "Review exit, data-return and transition clauses early and plan the migration in the specification.",
        )
    ]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month
