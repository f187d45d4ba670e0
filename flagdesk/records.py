"""Plain, immutable records that cross layer boundaries.

Services turn ORM rows into these; analysis, reports and the GUI consume only these, never live
ORM objects (a Session is not thread-safe and its objects expire).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class ContractRecord:
    id: int
    partner_id: int
    partner: str
    partner_kind: str
    reference: str
    title: str
    description: str = ""
    suppliers: tuple[str, ...] = ()
    supplier_ids: tuple[int, ...] = ()
    cpv: tuple[str, ...] = ()  # canonical 'NNNNNNNN-D', published codes first
    category: str | None = None  # council category label as published
    total_value_pence: int | None = None
    annual_value_pence: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    max_end_date: date | None = None
    status: str = "active"
    contract_type: str | None = None
    procurement_route: str | None = None
    reuse_rights: str = "none"
    reuse_partner_ids: tuple[int, ...] = ()
    reuse_partner_kinds: tuple[str, ...] = ()
    parent_framework_id: int | None = None
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        """The command line's JSON contract for a contract (stable; scripts rely on it)."""
        return {
            "id": self.id,
            "partner": self.partner,
            "reference": self.reference,
            "title": self.title,
            "description": self.description,
            "suppliers": list(self.suppliers),
            "cpv": list(self.cpv),
            "category": self.category,
            "total_value_pence": self.total_value_pence,
            "annual_value_pence": self.annual_value_pence,
            "start_date": _iso(self.start_date),
            "end_date": _iso(self.end_date),
            "max_end_date": _iso(self.max_end_date),
            "status": self.status,
            "contract_type": self.contract_type,
            "procurement_route": self.procurement_route,
            "reuse_rights": self.reuse_rights,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    id: int
    name: str
    kind: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class SupplierRecord:
    id: int
    name: str
    company_numbers: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    contracts: int = 0
    is_sme: bool | None = None
    is_vcse: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None
