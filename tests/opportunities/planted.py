"""Planted opportunities hidden among unrelated contracts, as plain records (no database).

The scenario of issue 5: a software licence at four partners ending within months, a network
service at three partners with different suppliers, one need ending five years apart, an expiring
contract beside an open framework, and five small contracts of one partner with one supplier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from flagdesk import cpv
from flagdesk.records import ContractRecord
from flagdesk.store import models as m

PARTNERS = {
    1: ("Norfolk County Council", "county_council"),
    2: ("Suffolk County Council", "county_council"),
    3: ("Norwich City Council", "district_council"),
    4: ("Broadland District Council", "district_council"),
    5: ("Norfolk Constabulary", "police"),
    6: ("Norfolk Fire and Rescue", "fire"),
}

# CPV groups the planted cases use; unrelated contracts never do.
PLANTED_GROUPS = {"482", "727", "642", "301", "302", "725"}


@dataclass(frozen=True)
class Planted:
    contracts: list[ContractRecord]
    licence: frozenset[int]  # one aggregation
    network: frozenset[int]  # one aggregation
    far_apart: frozenset[int]  # must not be aggregated
    reuse: frozenset[int]  # expiring contract + framework
    reuse_vehicle: int
    rationalisation: frozenset[int]


def contract(cid: int, partner_id: int, **fields) -> ContractRecord:
    name, kind = PARTNERS[partner_id]
    fields.setdefault("reference", f"{name.split()[0][:3].upper()}-{cid}")
    fields.setdefault("title", f"Contract {cid}")
    return ContractRecord(id=cid, partner_id=partner_id, partner=name, partner_kind=kind, **fields)


def planted() -> Planted:
    licence = [
        contract(
            101,
            1,
            title="Licence management software",
            suppliers=("Civica UK Ltd",),
            supplier_ids=(11,),
            cpv=("48218000-9",),
            annual_value_pence=12_000_000,
            end_date=date(2027, 3, 31),
        ),
        contract(
            102,
            2,
            title="Software licences",
            suppliers=("Civica UK Ltd",),
            supplier_ids=(11,),
            cpv=("48218000-9",),
            annual_value_pence=9_000_000,
            end_date=date(2027, 5, 31),
        ),
        contract(
            103,
            3,
            title="Licence renewal",
            suppliers=("Civica UK Ltd",),
            supplier_ids=(11,),
            cpv=("48218000-9",),
            annual_value_pence=3_000_000,
            end_date=date(2027, 6, 30),
            max_end_date=date(2028, 6, 30),
        ),
        contract(
            104,
            4,
            title="Software licence",
            suppliers=("Civica",),
            supplier_ids=(11,),
            cpv=("48218000-9",),
            annual_value_pence=2_500_000,
            end_date=date(2027, 9, 30),
        ),
    ]
    network = [
        contract(
            201,
            1,
            title="WAN",
            suppliers=("BT plc",),
            supplier_ids=(21,),
            cpv=("72700000-7",),
            annual_value_pence=40_000_000,
            end_date=date(2027, 10, 31),
        ),
        contract(
            202,
            5,
            title="Network services",
            suppliers=("Virgin Media Business",),
            supplier_ids=(22,),
            cpv=("72700000-7",),
            annual_value_pence=15_000_000,
            end_date=date(2028, 1, 31),
        ),
        contract(
            203,
            6,
            title="Network managed service",
            suppliers=("Capita plc",),
            supplier_ids=(23,),
            cpv=("72710000-0",),
            annual_value_pence=8_000_000,
            end_date=date(2028, 6, 30),
        ),
    ]
    far_apart = [
        contract(
            301,
            2,
            title="Telephony",
            suppliers=("Gamma",),
            supplier_ids=(31,),
            cpv=("64210000-1",),
            annual_value_pence=5_000_000,
            end_date=date(2027, 2, 28),
        ),
        contract(
            302,
            3,
            title="Telephony",
            suppliers=("Gamma",),
            supplier_ids=(31,),
            cpv=("64210000-1",),
            annual_value_pence=5_000_000,
            end_date=date(2032, 2, 29),
        ),
    ]
    reuse = [
        contract(
            401,
            4,
            title="Laser printers",
            suppliers=("Ricoh UK",),
            supplier_ids=(41,),
            cpv=("30232110-8",),
            annual_value_pence=6_000_000,
            end_date=date(2027, 8, 31),
        ),
        contract(
            402,
            2,
            title="Print devices framework",
            suppliers=("Ricoh UK", "Canon UK"),
            supplier_ids=(41, 42),
            cpv=("30232110-8", "30120000-6"),
            contract_type="framework_agreement",
            reuse_rights="any_public_body",
            total_value_pence=500_000_000,
            start_date=date(2025, 4, 1),
            end_date=date(2029, 3, 31),
            max_end_date=date(2030, 3, 31),
        ),
    ]
    rationalisation = [
        contract(
            500 + i,
            6,
            title=f"IT support call {i}",
            suppliers=("Jarrold Computing",),
            supplier_ids=(51,),
            cpv=("72500000-0",),
            annual_value_pence=800_000 + 10_000 * i,
            end_date=date(2027 + i % 3, 3, 31),
        )
        for i in range(1, 6)
    ]
    everything = licence + network + far_apart + reuse + rationalisation
    return Planted(
        contracts=everything,
        licence=_ids(licence),
        network=_ids(network),
        far_apart=_ids(far_apart),
        reuse=_ids(reuse),
        reuse_vehicle=402,
        rationalisation=_ids(rationalisation),
    )


def unrelated(count: int, seed: int, first_id: int = 10_000) -> list[ContractRecord]:
    """Contracts whose needs and suppliers are all different from each other and from the planted ones."""
    rng = random.Random(seed)
    groups = sorted({code[:3] for code in cpv.vocabulary()} - PLANTED_GROUPS)
    codes = {code[:3]: code for code in sorted(cpv.vocabulary(), reverse=True)}
    rng.shuffle(groups)
    out = []
    for i in range(min(count, len(groups))):
        end = date(2026 + rng.randrange(8), rng.randrange(1, 13), 28)
        out.append(
            contract(
                first_id + i,
                rng.randrange(1, 7),
                title=f"Unrelated {i}",
                suppliers=(f"Unrelated Supplier {i}",),
                supplier_ids=(100_000 + i,),
                cpv=(codes[groups[i]],),
                annual_value_pence=rng.randrange(100_000, 50_000_000),
                end_date=end,
            )
        )
    return out


def renamed(contracts: list[ContractRecord], suffix: str) -> list[ContractRecord]:
    return [replace(c, partner=c.partner + suffix) for c in contracts]


def _ids(contracts: list[ContractRecord]) -> frozenset[int]:
    return frozenset(c.id for c in contracts)


def store(session: Session, contracts: list[ContractRecord], *, keep_ids: bool = True) -> dict[int, int]:
    """Write records into a register with Core inserts; returns record id -> database id.

    With keep_ids=False the database numbers the contracts itself, in the order given, which is
    how a different import order shows up in a real register.
    """
    partners = {c.partner_id: (c.partner, c.partner_kind) for c in contracts}
    known = dict(session.execute(select(m.Partner.name, m.Partner.id)).all())
    for pid, (name, kind) in sorted(partners.items()):
        if name not in known:
            session.execute(insert(m.Partner).values(id=pid, name=name, kind=kind))
            known[name] = pid
    suppliers: dict[int, str] = {}
    for c in contracts:
        for sid, name in zip(c.supplier_ids, c.suppliers, strict=True):
            suppliers.setdefault(sid, name)  # the first spelling becomes the supplier's name
    have = set(session.scalars(select(m.Supplier.id)))
    for sid, name in sorted(suppliers.items()):
        if sid not in have:
            session.execute(insert(m.Supplier).values(id=sid, name=name, name_key=name.lower()))
    mapping: dict[int, int] = {}
    for c in contracts:
        row = {
            "partner_id": known[c.partner],
            "reference": c.reference,
            "title": c.title,
            "category": c.category,
            "total_value_pence": c.total_value_pence,
            "annual_value_pence": c.annual_value_pence,
            "start_date": c.start_date,
            "end_date": c.end_date,
            "max_end_date": c.max_end_date,
            "status": c.status,
            "contract_type": c.contract_type,
            "reuse_rights": c.reuse_rights,
            "reuse_partner_kinds": list(c.reuse_partner_kinds),
            "identity_key": f"test:{c.id}",
        }
        if keep_ids:
            row["id"] = c.id
        mapping[c.id] = session.execute(insert(m.Contract).values(**row).returning(m.Contract.id)).scalar_one()
    for c in contracts:
        cid = mapping[c.id]
        for pos, sid in enumerate(c.supplier_ids):
            session.execute(insert(m.ContractSupplier).values(contract_id=cid, supplier_id=sid, position=pos))
        for pos, code in enumerate(c.cpv):
            session.execute(insert(m.ContractCpv).values(contract_id=cid, code=code, position=pos))
        for pid in c.reuse_partner_ids:
            session.execute(insert(m.ContractReusePartner).values(contract_id=cid, partner_id=pid))
        if c.parent_framework_id is not None:
            session.execute(
                update(m.Contract)
                .where(m.Contract.id == cid)
                .values(parent_framework_id=mapping[c.parent_framework_id])
            )
    return mapping
