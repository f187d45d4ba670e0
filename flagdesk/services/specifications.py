"""Specifications with outcomes: create, list, show, edit, link to opportunities; an outcome library.

A specification is reusable: one outcome-based specification can serve several opportunities. Edits
refuse a stale version (ConflictError) and every change is audited, as for contracts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from flagdesk.domain import SpecKind, enum_value
from flagdesk.errors import ConflictError, NotFoundError, ValidationError
from flagdesk.reports.packdata import OutcomeRecord, SpecificationRecord
from flagdesk.services.audit import audit
from flagdesk.store.models import Opportunity, Outcome, Specification

# --- the outcome library --------------------------------------------------------------------------------

# Starting points a head of ICT edits, not targets to adopt blindly; each names how it is evidenced.
OUTCOME_TEMPLATES: dict[str, tuple[OutcomeRecord, ...]] = {
    "availability": (
        OutcomeRecord(
            "Residents and staff can use the service whenever they need it",
            "Service availability in core hours (08:00-18:00, Mon-Fri), excluding agreed maintenance",
            "As reported by each partner's current supplier",
            "99.9% each month",
            "Supplier's monthly availability report, checked against partners' monitoring",
        ),
        OutcomeRecord(
            "Planned changes do not disrupt frontline services",
            "Planned maintenance taking place outside core hours, with 5 working days' notice",
            "Not measured today",
            "100% of planned maintenance",
            "Change calendar and service desk records",
        ),
    ),
    "time_to_resolve": (
        OutcomeRecord(
            "Faults are fixed quickly so people can get on with their work",
            "Priority 1 incidents resolved within 4 hours; priority 2 within 1 working day",
            "Varies by partner; record each partner's current figure",
            "95% within target each month",
            "Service desk ticket data shared monthly",
        ),
        OutcomeRecord(
            "Problems are fixed once, not repeatedly",
            "Incidents reopened within 10 working days",
            "Not measured today",
            "Below 5%",
            "Service desk ticket data",
        ),
    ),
    "user_satisfaction": (
        OutcomeRecord(
            "Staff and residents find the service easy and helpful",
            "Satisfaction score in a short survey after each resolved request (1-5)",
            "Establish in the first three months",
            "Average 4.2 or better",
            "Post-ticket survey, reported quarterly to the programme board",
        ),
    ),
    "carbon": (
        OutcomeRecord(
            "The service's carbon footprint falls year on year",
            "Scope 1, 2 and relevant scope 3 emissions attributable to the contract (tCO2e)",
            "Supplier's Carbon Reduction Plan at award",
            "10% reduction a year; net zero by 2040",
            "Supplier's Carbon Reduction Plan (PPN 006) and annual emissions report",
        ),
        OutcomeRecord(
            "Equipment is reused or recycled, not sent to landfill",
            "Share of retired devices reused or recycled with certificates",
            "Not measured today",
            "100%, with data-wiping certificates",
            "WEEE and data-destruction certificates",
        ),
    ),
    "accessibility": (
        OutcomeRecord(
            "Everyone can use the service, including disabled people",
            "Conformance of public-facing and staff interfaces with WCAG 2.2 level AA",
            "Current accessibility statements of each partner",
            "Full conformance, or a dated plan for each exception",
            "Independent accessibility audit each year; published accessibility statement",
        ),
    ),
    "security": (
        OutcomeRecord(
            "Partners' data and services are protected",
            "Cyber Essentials Plus certification held; critical vulnerabilities patched within 14 days",
            "Certification status of current suppliers",
            "Certified throughout; 100% within 14 days",
            "Certificate, monthly patching report, annual penetration test",
        ),
    ),
    "social_value": (
        OutcomeRecord(
            "The contract creates local opportunity",
            "Apprenticeships, work placements and spend with local SMEs and VCSEs",
            "None committed today",
            "As committed in the winning tender (TOMs measures)",
            "Quarterly social value return against the committed measures",
        ),
    ),
}

# A pack with no specification gets a draft covering what every ICT service should show.
DEFAULT_DRAFT_CATEGORIES = ("availability", "time_to_resolve", "user_satisfaction", "carbon", "accessibility")

SCALAR_FIELDS = ("title", "kind", "category", "summary", "requirements", "social_value", "sustainability")
OUTCOME_FIELDS = ("statement", "measure", "baseline", "target", "evidence_source")


def template_categories() -> list[str]:
    return list(OUTCOME_TEMPLATES)


def outcome_templates(category: str | None = None) -> list[OutcomeRecord]:
    """Library outcomes for one category, or all of them."""
    if category is None:
        return [o for group in OUTCOME_TEMPLATES.values() for o in group]
    key = category.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in OUTCOME_TEMPLATES:
        raise ValidationError(f"No outcome templates for '{category}'; choose one of: {', '.join(OUTCOME_TEMPLATES)}")
    return list(OUTCOME_TEMPLATES[key])


def draft_specification(title: str, categories: Iterable[str] = DEFAULT_DRAFT_CATEGORIES) -> SpecificationRecord:
    """An unsaved outcome-based specification built from the library, for a pack with none linked."""
    outcomes = [
        OutcomeRecord(o.statement, o.measure, o.baseline, o.target, o.evidence_source, position=i)
        for i, o in enumerate(o for c in categories for o in OUTCOME_TEMPLATES[c][:1])
    ]
    return SpecificationRecord(
        id=None,
        title=f"Draft outcomes for {title}",
        summary="No specification is linked to this opportunity yet. These outcomes come from FlagDesk's ICT "
        "outcome library as a starting point; the partners should agree baselines and targets.",
        outcomes=tuple(outcomes),
    )


# --- reading --------------------------------------------------------------------------------------------


def to_record(spec: Specification, opportunity_ids: Iterable[str] = ()) -> SpecificationRecord:
    return SpecificationRecord(
        id=spec.id,
        title=spec.title,
        kind=spec.kind,
        category=spec.category,
        summary=spec.summary or "",
        outcomes=tuple(_outcome_record(o) for o in spec.outcomes),
        requirements=tuple(str(x) for x in spec.requirements or ()),
        social_value=tuple(str(x) for x in spec.social_value or ()),
        sustainability=tuple(str(x) for x in spec.sustainability or ()),
        version=spec.version,
        opportunity_ids=tuple(opportunity_ids),
    )


def _linked_opportunities(session: Session, spec_ids: list[int]) -> dict[int, list[str]]:
    linked: dict[int, list[str]] = {}
    rows = session.execute(
        select(Opportunity.specification_id, Opportunity.id)
        .where(Opportunity.specification_id.in_(spec_ids))
        .order_by(Opportunity.id)
    )
    for spec_id, opp_id in rows:
        linked.setdefault(spec_id, []).append(opp_id)
    return linked


def list_specifications(session: Session) -> list[SpecificationRecord]:
    specs = list(
        session.scalars(
            select(Specification)
            .options(selectinload(Specification.outcomes))
            .order_by(Specification.title, Specification.id)
        )
    )
    linked = _linked_opportunities(session, [s.id for s in specs]) if specs else {}
    return [to_record(s, linked.get(s.id, ())) for s in specs]


def get_specification(session: Session, spec_id: int) -> SpecificationRecord:
    spec = _load(session, spec_id)
    return to_record(spec, _linked_opportunities(session, [spec_id]).get(spec_id, ()))


def _load(session: Session, spec_id: int) -> Specification:
    spec = session.get(Specification, spec_id, options=[selectinload(Specification.outcomes)])
    if spec is None:
        raise NotFoundError(f"No specification with id {spec_id}.")
    return spec


# --- writing --------------------------------------------------------------------------------------------


def create_specification(
    session: Session,
    *,
    user: str,
    title: str,
    kind: str = SpecKind.OUTCOME_BASED,
    category: str | None = None,
    summary: str = "",
    requirements: Iterable[str] = (),
    social_value: Iterable[str] = (),
    sustainability: Iterable[str] = (),
    outcomes: Iterable[OutcomeRecord] = (),
    template_categories: Iterable[str] = (),
) -> SpecificationRecord:
    """A new specification, optionally seeded with library outcomes for the given categories."""
    values = _clean(
        {
            "title": title,
            "kind": kind,
            "category": category,
            "summary": summary,
            "requirements": list(requirements),
            "social_value": list(social_value),
            "sustainability": list(sustainability),
        }
    )
    spec = Specification(**values, version=1, updated_by=user)
    all_outcomes = [*outcomes, *(o for c in template_categories for o in outcome_templates(c))]
    spec.outcomes = [_outcome_row(o, position) for position, o in enumerate(all_outcomes)]
    session.add(spec)
    session.flush()
    audit(session, user, "insert", "specification", spec.id, "title", None, spec.title)
    for o in spec.outcomes:
        audit(session, user, "insert", "outcome", o.id, "statement", None, o.statement)
    return get_specification(session, spec.id)


def update_specification(
    session: Session, spec_id: int, changes: dict[str, Any], *, user: str, if_version: int | None = None
) -> SpecificationRecord:
    """Change scalar fields of a specification; refuses a stale version; audits every changed field."""
    _check_fields(changes, SCALAR_FIELDS, "specification")
    spec = _load(session, spec_id)
    cleaned = _clean(changes)
    changed = {k: v for k, v in cleaned.items() if getattr(spec, k) != v}
    old = {k: getattr(spec, k) for k in changed}
    _bump_version(session, spec, if_version, user, changed or None)
    for name, value in changed.items():
        audit(session, user, "update", "specification", spec_id, name, old[name], value)
    session.expire_all()
    return get_specification(session, spec_id)


def add_outcome(
    session: Session, spec_id: int, outcome: OutcomeRecord, *, user: str, if_version: int | None = None
) -> SpecificationRecord:
    """Append one outcome (a library template or the user's own) to a specification."""
    spec = _load(session, spec_id)
    _bump_version(session, spec, if_version, user, {})
    row = _outcome_row(outcome, 1 + max((o.position for o in spec.outcomes), default=-1))
    row.specification_id = spec_id
    session.add(row)
    session.flush()
    audit(session, user, "insert", "outcome", row.id, "statement", None, row.statement)
    session.expire_all()
    return get_specification(session, spec_id)


def update_outcome(
    session: Session, outcome_id: int, changes: dict[str, str], *, user: str, if_version: int | None = None
) -> SpecificationRecord:
    """Edit an outcome's fields; the specification's version guards the edit."""
    _check_fields(changes, OUTCOME_FIELDS, "outcome")
    row = _load_outcome(session, outcome_id)
    merged = _outcome_row(replace(_outcome_record(row), **changes), row.position)
    changed = {f: getattr(merged, f) for f in OUTCOME_FIELDS if getattr(merged, f) != getattr(row, f)}
    spec = _load(session, row.specification_id)
    _bump_version(session, spec, if_version, user, {} if changed else None)
    for name, value in changed.items():
        audit(session, user, "update", "outcome", outcome_id, name, getattr(row, name), value)
        setattr(row, name, value)
    session.flush()
    session.expire_all()
    return get_specification(session, spec.id)


def remove_outcome(
    session: Session, outcome_id: int, *, user: str, if_version: int | None = None
) -> SpecificationRecord:
    row = _load_outcome(session, outcome_id)
    spec = _load(session, row.specification_id)
    _bump_version(session, spec, if_version, user, {})
    audit(session, user, "delete", "outcome", outcome_id, "statement", row.statement, None)
    session.delete(row)
    session.flush()
    session.expire_all()
    return get_specification(session, spec.id)


def link_specification(session: Session, spec_id: int | None, opportunity_id: str, *, user: str) -> None:
    """Attach a specification to an opportunity (None detaches it); audited on the opportunity."""
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFoundError(f"No opportunity with id {opportunity_id}.")
    if spec_id is not None:
        _load(session, spec_id)
    if opportunity.specification_id == spec_id:
        return
    old = opportunity.specification_id
    session.execute(
        update(Opportunity)
        .where(Opportunity.id == opportunity_id)
        .values(specification_id=spec_id, version=Opportunity.version + 1, updated_by=user)
        .execution_options(synchronize_session=False)
    )
    audit(session, user, "update", "opportunity", opportunity_id, "specification_id", old, spec_id)
    session.expire_all()


# --- helpers --------------------------------------------------------------------------------------------


def _bump_version(
    session: Session, spec: Specification, if_version: int | None, user: str, values: dict[str, Any] | None = None
) -> None:
    """Write ``values`` and bump the version in one UPDATE that also checks the version read.

    ``values`` of None means "nothing to write" (no version bump), {} means bump only.
    """
    base = spec.version if if_version is None else if_version
    if spec.version != base:
        raise ConflictError(
            f"Specification {spec.id} changed since version {base} (it is now version {spec.version}); "
            "nothing was written.",
            current_version=spec.version,
        )
    if values is None:
        return
    result = session.execute(
        update(Specification)
        .where(Specification.id == spec.id, Specification.version == base)
        .values(**values, version=Specification.version + 1, updated_by=user)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError(f"Specification {spec.id} was changed by someone else; nothing was written.")


def _check_fields(changes: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown {what} field(s): {', '.join(sorted(unknown))}; editable: {', '.join(allowed)}")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise specification fields."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if key == "title":
            title = (value or "").strip()
            if not title:
                raise ValidationError("A specification needs a title.")
            if len(title) > 300:
                raise ValidationError("A specification title is at most 300 characters.")
            cleaned[key] = title
        elif key == "kind":
            try:
                cleaned[key] = str(enum_value(SpecKind, str(value)))
            except ValueError as exc:
                raise ValidationError(f"kind: {exc}") from None
        elif key == "category":
            cleaned[key] = (value or "").strip()[:120] or None
        elif key == "summary":
            cleaned[key] = (value or "").strip()
        else:  # the three lists of criteria
            if isinstance(value, str):
                raise ValidationError(f"{key} must be a list of statements")
            cleaned[key] = [str(item).strip() for item in value if str(item).strip()]
    return cleaned


def _outcome_row(outcome: OutcomeRecord, position: int) -> Outcome:
    statement = outcome.statement.strip()
    if not statement:
        raise ValidationError("An outcome needs a statement.")
    return Outcome(
        position=position,
        statement=statement,
        measure=outcome.measure.strip(),
        baseline=outcome.baseline.strip(),
        target=outcome.target.strip(),
        evidence_source=outcome.evidence_source.strip(),
    )


def _outcome_record(row: Outcome) -> OutcomeRecord:
    return OutcomeRecord(
        row.statement,
        row.measure or "",
        row.baseline or "",
        row.target or "",
        row.evidence_source or "",
        id=row.id,
        position=row.position,
    )


def _load_outcome(session: Session, outcome_id: int) -> Outcome:
    row = session.get(Outcome, outcome_id)
    if row is None:
        raise NotFoundError(f"No outcome with id {outcome_id}.")
    return row
