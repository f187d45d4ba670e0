"""CPV suggestions for contracts without a code, learned from the register's coded contracts.

Only published codes teach the model (an accepted suggestion is not evidence of itself). An
accepted suggestion is stored as ContractCpv(source='suggested', confidence=...), never as published.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from flagdesk import cpv
from flagdesk.analysis.classify import Example, Suggestion, suggest_all
from flagdesk.domain import CpvSource
from flagdesk.errors import NotFoundError, ValidationError
from flagdesk.services.audit import audit_many
from flagdesk.store.models import Contract, ContractCpv, ContractSupplier, Partner, Supplier


@dataclass(frozen=True)
class ContractSuggestions:
    contract_id: int
    partner: str
    title: str
    suggestions: tuple[Suggestion, ...]
    accepted: str | None = None  # the code accepted by --apply-above, if any

    def to_json(self) -> dict[str, Any]:
        return {
            "contract_id": self.contract_id,
            "partner": self.partner,
            "title": self.title,
            "suggestions": [s.to_json() for s in self.suggestions],
            "accepted": self.accepted,
        }


def load_examples(session: Session) -> tuple[list[Example], list[Example]]:
    """(coded, uncoded) contracts as plain examples: coded = has a published code; uncoded = no code."""
    published: dict[int, list[str]] = defaultdict(list)
    any_code: set[int] = set()
    for cid, code, source in session.execute(
        select(ContractCpv.contract_id, ContractCpv.code, ContractCpv.source).order_by(
            ContractCpv.contract_id, ContractCpv.position
        )
    ):
        any_code.add(cid)
        if source == CpvSource.PUBLISHED:
            published[cid].append(code)
    suppliers: dict[int, list[int]] = defaultdict(list)
    names: dict[int, list[str]] = defaultdict(list)
    for cid, sid, name in session.execute(
        select(ContractSupplier.contract_id, ContractSupplier.supplier_id, Supplier.name).join(
            Supplier, Supplier.id == ContractSupplier.supplier_id
        )
    ):
        suppliers[cid].append(sid)
        names[cid].append(name)
    coded, uncoded = [], []
    rows = session.execute(
        select(Contract.id, Contract.title, Contract.description, Contract.category, Partner.name)
        .join(Partner, Partner.id == Contract.partner_id)
        .order_by(Contract.id)
    )
    for cid, title, description, category, partner in rows:
        example = Example(
            cid,
            title or "",
            description or "",
            category,
            tuple(suppliers[cid]),
            tuple(published[cid]),
            partner,
            tuple(names[cid]),
        )
        if published[cid]:
            coded.append(example)
        elif cid not in any_code:
            uncoded.append(example)
    return coded, uncoded


def suggest_codes(
    session: Session,
    *,
    partner: str | None = None,
    top: int = 3,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[ContractSuggestions]:
    """Ranked suggestions for every contract without a CPV code (of one partner, if named)."""
    coded, uncoded = load_examples(session)
    if partner is not None:
        if session.scalar(select(Partner.id).where(Partner.name == partner)) is None:
            raise NotFoundError(f"There is no partner named '{partner}'.")
        uncoded = [e for e in uncoded if e.partner == partner]
    found = suggest_all(coded, uncoded, top=top, progress=progress, cancel=cancel)
    return [ContractSuggestions(e.id, e.partner, e.title, tuple(found[e.id])) for e in uncoded]


def accept_suggestion(
    session: Session, contract_id: int, code: str, *, user: str, confidence: float | None = None
) -> str:
    """Record one suggested code on a contract that has none; returns the canonical code."""
    canonical = cpv.try_resolve(code)
    if canonical is None:
        raise ValidationError(f"'{code}' is not a CPV 2008 code.")
    version = session.scalar(select(Contract.version).where(Contract.id == contract_id))
    if version is None:
        raise NotFoundError(f"There is no contract {contract_id}.")
    if session.scalar(select(ContractCpv.code).where(ContractCpv.contract_id == contract_id).limit(1)):
        raise ValidationError(f"Contract {contract_id} already has a CPV code; suggestions are for contracts without.")
    _store(session, [(contract_id, canonical, confidence)], user)
    return canonical


def apply_above(
    session: Session,
    threshold: float,
    *,
    user: str,
    partner: str | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[ContractSuggestions]:
    """Suggest for every uncoded contract and accept each top suggestion whose confidence reaches
    the threshold, in one transaction. Returns every contract's suggestions, marked where accepted."""
    if not 0.0 <= threshold <= 1.0:
        raise ValidationError("The confidence threshold is a number from 0 to 1, e.g. 0.6.")
    results = suggest_codes(session, partner=partner, progress=progress, cancel=cancel)
    chosen = [(r, r.suggestions[0]) for r in results if r.suggestions and r.suggestions[0].confidence >= threshold]
    _store(session, [(r.contract_id, s.cpv, s.confidence) for r, s in chosen], user)
    accepted = {r.contract_id: s.cpv for r, s in chosen}
    return [
        ContractSuggestions(r.contract_id, r.partner, r.title, r.suggestions, accepted.get(r.contract_id))
        for r in results
    ]


def _store(session: Session, rows: list[tuple[int, str, float | None]], user: str) -> None:
    """Insert suggested codes, bump each contract's version and audit it (bulk: one statement each)."""
    if not rows:
        return
    session.execute(
        insert(ContractCpv),
        [
            {
                "contract_id": cid,
                "code": code,
                "position": 0,
                "source": CpvSource.SUGGESTED.value,
                "confidence": confidence,
            }
            for cid, code, confidence in rows
        ],
    )
    ids = [cid for cid, _, _ in rows]
    for start in range(0, len(ids), 500):
        session.execute(
            update(Contract)
            .where(Contract.id.in_(ids[start : start + 500]))
            .values(version=Contract.version + 1, updated_by=user)
            .execution_options(synchronize_session=False)
        )
    audit_many(
        session,
        [
            {
                "user": user,
                "action": "update",
                "table": "contract",
                "record_id": cid,
                "field": "cpv",
                "old": [],
                "new": [
                    f"{code} (suggested, confidence {confidence})" if confidence is not None else f"{code} (suggested)"
                ],
            }
            for cid, code, confidence in rows
        ],
    )
