"""Plain data a commissioning pack is made from: no database, no Qt, no reportlab.

``flagdesk.services.packs`` assembles a PackData from the register; ``pack`` renders it as a PDF and
``annex`` as a workbook. Tests and the GUI preview can build one directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flagdesk.records import ContractRecord


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    statement: str
    measure: str = ""
    baseline: str = ""
    target: str = ""
    evidence_source: str = ""
    id: int | None = None
    position: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "statement": self.statement,
            "measure": self.measure,
            "baseline": self.baseline,
            "target": self.target,
            "evidence_source": self.evidence_source,
        }


@dataclass(frozen=True, slots=True)
class SpecificationRecord:
    id: int | None
    title: str
    kind: str = "outcome_based"
    category: str | None = None
    summary: str = ""
    outcomes: tuple[OutcomeRecord, ...] = ()
    requirements: tuple[str, ...] = ()
    social_value: tuple[str, ...] = ()
    sustainability: tuple[str, ...] = ()
    version: int = 1
    opportunity_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The command line's JSON shape for a specification."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "category": self.category,
            "summary": self.summary,
            "outcomes": [o.to_json() for o in self.outcomes],
            "requirements": list(self.requirements),
            "social_value": list(self.social_value),
            "sustainability": list(self.sustainability),
            "version": self.version,
            "opportunity_ids": list(self.opportunity_ids),
        }


@dataclass(frozen=True, slots=True)
class PartnerShare:
    """One partner's part of the pooled budget: what it spends today on the contracts in scope."""

    name: str
    kind: str
    contracts: int
    annual_value_pence: int
    share: float  # of the combined annual value, 0..1


@dataclass(frozen=True, slots=True)
class RouteOption:
    rank: int
    name: str
    description: str
    vehicle: str = ""  # the contract or framework called off, for reuse routes
    recommended: bool = False


@dataclass(frozen=True, slots=True)
class Risk:
    description: str
    likelihood: str  # Low | Medium | High
    impact: str
    mitigation: str


@dataclass(frozen=True, slots=True)
class OpportunitySummary:
    id: str
    kind: str
    title: str
    status: str
    lead_partner: str | None
    combined_annual_value_pence: int
    estimated_saving_pence: int
    proposed_start: date | None
    score: float
    evidence: tuple[str, ...] = ()
    assumptions: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PackData:
    opportunity: OpportunitySummary
    contracts: tuple[ContractRecord, ...]
    partners: tuple[PartnerShare, ...]
    specification: SpecificationRecord | None
    routes: tuple[RouteOption, ...]
    risks: tuple[Risk, ...]
    prepared_on: date
    prepared_by: str = ""
    vehicle_contract_ids: frozenset[int] = frozenset()  # reuse sources among ``contracts``
