"""Partners: the organisations that share the register."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flagdesk.domain import PartnerKind
from flagdesk.errors import NotFoundError
from flagdesk.records import PartnerRecord
from flagdesk.services.audit import audit
from flagdesk.store.models import Partner

# Checked in order: "Police and Crime Commissioner" must not become a council, etc.
_KIND_PATTERNS: list[tuple[str, PartnerKind]] = [
    (r"\bpolice\b|constabulary|crime commissioner", PartnerKind.POLICE),
    (r"\bfire\b", PartnerKind.FIRE),
    (r"integrated care board|\bicb\b|clinical commissioning", PartnerKind.ICB),
    (r"\bnhs\b|hospital|health.*trust|foundation trust", PartnerKind.NHS_TRUST),
    (r"academy|multi[- ]academy|\bmat\b", PartnerKind.ACADEMY_TRUST),
    (r"\bschool\b|college", PartnerKind.SCHOOL),
    (r"county council", PartnerKind.COUNTY_COUNCIL),
    (r"district council|borough council|city council|town council", PartnerKind.DISTRICT_COUNCIL),
    (r"unitary|metropolitan|london borough|council", PartnerKind.UNITARY_COUNCIL),
]


def guess_partner_kind(name: str) -> PartnerKind:
    """A kind guessed from an organisation's name, for partners first seen in an import."""
    low = name.lower()
    for pattern, kind in _KIND_PATTERNS:
        if re.search(pattern, low):
            return kind
    return PartnerKind.OTHER


def to_record(p: Partner) -> PartnerRecord:
    return PartnerRecord(p.id, p.name, p.kind, p.region)


def list_partners(session: Session) -> list[PartnerRecord]:
    return [to_record(p) for p in session.scalars(select(Partner).order_by(Partner.name))]


def find_partner(session: Session, name: str) -> Partner:
    """A partner by exact name, else by case-insensitive name, else a clear error."""
    partner = session.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        partner = session.scalar(select(Partner).where(func.lower(Partner.name) == name.strip().lower()))
    if partner is None:
        raise NotFoundError(f"No partner named '{name}'.")
    return partner


def get_or_create_partner(session: Session, name: str, *, user: str, kind: str | None = None) -> Partner:
    name = " ".join(name.split())
    try:
        return find_partner(session, name)
    except NotFoundError:
        pass
    partner = Partner(name=name, kind=kind or guess_partner_kind(name).value, updated_by=user)
    session.add(partner)
    session.flush()
    audit(session, user, "insert", "partner", partner.id, "name", None, name)
    return partner
