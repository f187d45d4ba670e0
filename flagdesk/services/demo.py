"""A realistic, deterministic demo register.

Fictional partners of several kinds, mostly ICT needs with real CPV 2008 codes, plausible
(fictional) suppliers, values and dates relative to today, a few frameworks open to other bodies,
and three deliberately planted opportunities (see PLANTED_CASES). The same seed and the same
day give the same register on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from flagdesk.analysis.suppliers import name_key
from flagdesk.domain import PartnerKind, add_months
from flagdesk.errors import UserError
from flagdesk.services.audit import audit
from flagdesk.services.contracts import search_text_for
from flagdesk.store import models as m

DEMO_SETTING = "demo"

BASE_PARTNERS: list[tuple[str, PartnerKind]] = [
    ("Northmoor County Council", PartnerKind.COUNTY_COUNCIL),
    ("Eastbrook District Council", PartnerKind.DISTRICT_COUNCIL),
    ("Westvale Borough Council", PartnerKind.DISTRICT_COUNCIL),
    ("Kingsford City Council", PartnerKind.UNITARY_COUNCIL),
    ("Northmoor Constabulary", PartnerKind.POLICE),
    ("Northmoor Fire and Rescue Service", PartnerKind.FIRE),
    ("Northmoor Hospitals NHS Foundation Trust", PartnerKind.NHS_TRUST),
    ("Oakfield Learning Academy Trust", PartnerKind.ACADEMY_TRUST),
    ("Millbrook District Council", PartnerKind.DISTRICT_COUNCIL),
    ("Harrowdale Borough Council", PartnerKind.DISTRICT_COUNCIL),
    ("Northmoor and Kingsford Integrated Care Board", PartnerKind.ICB),
    ("Fenwick Unitary Council", PartnerKind.UNITARY_COUNCIL),
]
EXTRA_PLACES = [
    "Ashcombe",
    "Brackenridge",
    "Calderbury",
    "Dunmere",
    "Elmsworth",
    "Farleigh",
    "Glenholme",
    "Hartwell",
    "Kestrelton",
    "Larchfield",
    "Marlvale",
    "Newhithe",
    "Oakhurst",
    "Pennington",
    "Queensmere",
    "Redbourne",
    "Stonebridge",
    "Upfield",
    "Valewood",
    "Whitmoor",
    "Yarrowdale",
    "Alderley",
    "Birchmoor",
    "Coldharbour",
    "Deepdale",
    "Eskmouth",
    "Foxwood",
    "Greyfriars",
]
EXTRA_KINDS = [
    ("District Council", PartnerKind.DISTRICT_COUNCIL),
    ("Borough Council", PartnerKind.DISTRICT_COUNCIL),
    ("County Council", PartnerKind.COUNTY_COUNCIL),
    ("Police", PartnerKind.POLICE),
    ("Fire and Rescue Authority", PartnerKind.FIRE),
    ("Community NHS Trust", PartnerKind.NHS_TRUST),
    ("Schools Academy Trust", PartnerKind.ACADEMY_TRUST),
    ("City Council", PartnerKind.UNITARY_COUNCIL),
]

# name, company number, SME, VCSE
SUPPLIERS: list[tuple[str, str, bool, bool]] = [
    ("Apexa Systems Ltd", "04518822", False, False),
    ("Brightwire Networks Ltd", "06712309", True, False),
    ("Castellan Cloud Services Ltd", "08845120", False, False),
    ("Dovetail Digital Ltd", "09923411", True, False),
    ("Elmstone Telecom plc", "02233891", False, False),
    ("Fernhill IT Solutions Ltd", "07781234", True, False),
    ("Greystone Data Ltd", "05566102", True, False),
    ("Halcyon Security Ltd", "10234567", True, False),
    ("Ironbridge Consulting LLP", "OC345678", True, False),
    ("Juniper Lane Software Ltd", "11345098", True, False),
    ("Kingfisher Business Systems plc", "01987345", False, False),
    ("Lantern Learning CIC", "12098765", True, True),
    ("Meridian Managed Services Ltd", "03456712", False, False),
    ("Northern Fibre Connect Ltd", "SC456123", True, False),
    ("Orbital Print Solutions Ltd", "06123987", True, False),
    ("Pathway Digital Inclusion Trust", "13098712", True, True),
    ("Quartz Infrastructure Ltd", "05432198", False, False),
    ("Redwood Revenue Systems Ltd", "04123765", False, False),
    ("Sentinel Endpoint Ltd", "09876123", False, False),
    ("Tidewater Hosting Ltd", "10987612", True, False),
    ("Unity Contact Centre Services Ltd", "07654987", False, False),
    ("Vantage HR Software Ltd", "08123498", True, False),
    ("Wessex Device Recycling CIC", "11987123", True, True),
    ("Yellowhammer Analytics Ltd", "12765409", True, False),
    ("Zenith Mobile Communications plc", "03987651", False, False),
    ("Coastline Cleaning Co-operative Ltd", "IP031234", True, True),
    ("Moorland Community Transport", "05712390", True, True),
    ("Guardian Mutual Insurance plc", "00987654", False, False),
]


@dataclass(frozen=True)
class Need:
    key: str
    title: str
    cpv: str
    category: str
    suppliers: tuple[int, ...]  # indexes into SUPPLIERS
    annual_pounds: tuple[int, int]
    years: tuple[int, int]
    weight: int = 4


NEEDS: list[Need] = [
    Need(
        "finance", "Financial management system", "48440000-4", "ICT - Software", (10, 17, 0), (40_000, 400_000), (3, 7)
    ),
    Need("hr", "HR and payroll system", "48450000-7", "ICT - Software", (21, 10, 0), (30_000, 250_000), (3, 7)),
    Need(
        "edrms",
        "Document and records management software",
        "48311000-1",
        "ICT - Software",
        (9, 0, 3),
        (15_000, 120_000),
        (3, 5),
    ),
    Need(
        "crm",
        "Customer relationship management platform",
        "48000000-8",
        "ICT - Software",
        (3, 9, 0),
        (20_000, 200_000),
        (3, 5),
        3,
    ),
    Need(
        "database",
        "Database licences and support",
        "48600000-4",
        "ICT - Software",
        (0, 2, 12),
        (10_000, 150_000),
        (1, 3),
    ),
    Need(
        "edu",
        "Learning platform and educational software",
        "48190000-6",
        "ICT - Software",
        (11, 9),
        (5_000, 60_000),
        (1, 3),
        2,
    ),
    Need(
        "hosting",
        "Data centre hosting and storage",
        "72317000-0",
        "ICT - Infrastructure",
        (19, 16, 12),
        (50_000, 600_000),
        (3, 5),
    ),
    Need(
        "backup",
        "Back-up and disaster recovery service",
        "72910000-2",
        "ICT - Infrastructure",
        (19, 6, 12),
        (10_000, 90_000),
        (2, 4),
        3,
    ),
    Need(
        "devices", "Laptops and desktop devices", "30213000-5", "ICT - Hardware", (0, 12, 5), (50_000, 500_000), (2, 4)
    ),
    Need("printing", "Managed print service", "30232110-8", "ICT - Hardware", (14, 12), (15_000, 150_000), (3, 5), 3),
    Need("netkit", "Network equipment", "32400000-7", "ICT - Network", (1, 16, 13), (20_000, 200_000), (1, 3), 3),
    Need(
        "datanet",
        "Data network management and support",
        "72315000-6",
        "ICT - Network",
        (1, 13, 4),
        (30_000, 300_000),
        (3, 5),
        3,
    ),
    Need(
        "telephony",
        "Fixed telephony and unified communications",
        "64210000-1",
        "ICT - Telecoms",
        (4, 24, 12),
        (20_000, 250_000),
        (3, 5),
    ),
    Need(
        "mobile", "Mobile voice and data services", "64212000-5", "ICT - Telecoms", (24, 4), (15_000, 200_000), (2, 3)
    ),
    Need(
        "web",
        "Website hosting and content management",
        "72415000-2",
        "ICT - Digital",
        (19, 3, 9),
        (5_000, 60_000),
        (2, 4),
        3,
    ),
    Need(
        "appdev",
        "Application development services",
        "72212000-4",
        "ICT - Digital",
        (3, 9, 23, 8),
        (20_000, 300_000),
        (1, 3),
        3,
    ),
    Need(
        "consult",
        "ICT strategy and project management consultancy",
        "72224000-1",
        "ICT - Consultancy",
        (8, 23, 3),
        (10_000, 150_000),
        (1, 2),
        3,
    ),
    Need(
        "training", "Computer training services", "80533100-0", "ICT - Training", (11, 15), (3_000, 40_000), (1, 3), 2
    ),
    Need(
        "contact", "Contact centre service", "79512000-6", "Customer services", (20, 12), (50_000, 400_000), (3, 5), 2
    ),
    Need(
        "recycling",
        "ICT equipment reuse and recycling",
        "50312000-5",
        "ICT - Hardware",
        (22, 5),
        (5_000, 40_000),
        (2, 4),
        2,
    ),
    Need("cleaning", "Office cleaning", "90910000-9", "Facilities", (25,), (20_000, 200_000), (3, 5), 2),
    Need(
        "transport",
        "Community and home-to-school transport",
        "60130000-8",
        "Transport",
        (26,),
        (50_000, 500_000),
        (3, 5),
        2,
    ),
    Need("insurance", "Insurance services", "66510000-8", "Insurance", (27,), (50_000, 400_000), (3, 5), 1),
]

# The three planted cases use CPV groups (484/487/726/727) that background contracts avoid,
# so the engine's findings for them are exactly what is described here.
PLANTED_CASES: dict[str, dict[str, Any]] = {
    "aggregation": {
        "need": "Endpoint security licences",
        "cpv": "48760000-3",
        "supplier": 18,
        "partners": (0, 1, 2, 3),
        "end_months": (8, 9, 10, 11),
        "explanation": "The same anti-virus/endpoint licence at four partners, all ending within 3 months.",
    },
    "reuse": {
        "need": "Wide area network services",
        "cpv": "72720000-3",
        "framework_partner": 4,
        "framework_supplier": 13,
        "expiring_partner": 5,
        "expiring_supplier": 4,
        "explanation": "A WAN framework open to any public body runs 4 more years; another partner's "
        "WAN contract ends in 5 months.",
    },
    "rationalisation": {
        "need": "Desktop support",
        "cpv": "72611000-6",
        "partner": 6,
        "supplier": 5,
        "count": 5,
        "explanation": "Five small desktop-support contracts of one partner with one supplier.",
    },
}


@dataclass
class DemoRegister:
    """Plain rows ready for bulk insert; contract rows refer to partners and suppliers by index."""

    partners: list[dict[str, Any]] = field(default_factory=list)
    suppliers: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    planted: dict[str, list[str]] = field(default_factory=dict)  # case -> contract references


def partner_names(count: int) -> list[tuple[str, PartnerKind]]:
    names = list(BASE_PARTNERS[:count])
    i = 0
    while len(names) < count:
        place = EXTRA_PLACES[i % len(EXTRA_PLACES)]
        suffix, kind = EXTRA_KINDS[(i // len(EXTRA_PLACES) + i) % len(EXTRA_KINDS)]
        round_no = i // (len(EXTRA_PLACES) * len(EXTRA_KINDS))
        names.append((f"{place} {suffix}" + (f" {round_no + 1}" if round_no else ""), kind))
        i += 1
    return names


def _prefix(name: str) -> str:
    return "".join(w[0] for w in name.replace("-", " ").split() if w[0].isupper())[:5]


def generate(partners: int = 12, contracts: int = 1800, seed: int = 1, today: date | None = None) -> DemoRegister:
    """The demo register as plain rows (pure: no database)."""
    if partners < 1 or contracts < 1:
        raise UserError("The demo needs at least one partner and one contract.")
    today = today or date.today()
    rng = random.Random(seed)
    demo = DemoRegister()
    names = partner_names(partners)
    for name, kind in names:
        demo.partners.append({"name": name, "kind": kind.value, "region": "North of England (fictional)"})
    for name, number, sme, vcse in SUPPLIERS:
        demo.suppliers.append({"name": name, "company_number": number, "is_sme": sme, "is_vcse": vcse})
    counters = [0] * partners
    planted = _planted_contracts(demo, names, counters, today) if partners >= 7 and contracts >= 100 else []
    # About a third of partners let a framework that other bodies may call off from.
    framework_owners = [p for p in range(partners) if rng.random() < 0.35][: max(0, contracts - len(planted))]
    per_partner = _share(contracts - len(planted) - len(framework_owners), partners)
    weights = [n.weight for n in NEEDS]
    for p_index in range(partners):
        for _ in range(per_partner[p_index]):
            need = rng.choices(NEEDS, weights)[0]
            demo.contracts.append(_background_contract(rng, need, p_index, names, counters, today))
        if p_index in framework_owners:
            demo.contracts.append(_framework(rng, p_index, names, counters, today))
    demo.contracts.extend(planted)
    return demo


def _share(total: int, parts: int) -> list[int]:
    total = max(total, 0)
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _reference(names: list[tuple[str, PartnerKind]], counters: list[int], p_index: int, year: int) -> str:
    counters[p_index] += 1
    return f"{_prefix(names[p_index][0])}-{year}-{counters[p_index]:04d}"


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def _background_contract(
    rng: random.Random, need: Need, p_index: int, names: list[tuple[str, PartnerKind]], counters: list[int], today: date
) -> dict[str, Any]:
    years = rng.randint(*need.years)
    annual = _log_uniform(rng, *need.annual_pounds) * 100
    # Start anywhere from (years + 1) ago to 6 months ahead: some ended, most live, a few planned.
    start = today - timedelta(days=rng.randint(-180, (years + 1) * 365))
    end = add_months(start, 12 * years) - timedelta(days=1)
    extension = rng.choice((0, 0, 0, 12, 12, 24))
    status = "planned" if start > today else ("expired" if end < today else "active")
    supplier = rng.choice(need.suppliers)
    partner_short = names[p_index][0].split()[0]
    return {
        "partner": p_index,
        "reference": _reference(names, counters, p_index, start.year),
        "title": f"{need.title} – {partner_short}",
        "description": f"{need.title} for {names[p_index][0]}; {years}-year term"
        + (f" with up to {extension} months' extension." if extension else "."),
        "category": need.category,
        "cpv": need.cpv,
        "suppliers": [supplier],
        "annual_value_pence": annual,
        "total_value_pence": annual * years,
        "start_date": start,
        "end_date": end,
        "max_end_date": add_months(end, extension) if extension else end,
        "status": status,
        "contract_type": "call_off" if rng.random() < 0.2 else "single_award",
        "procurement_route": rng.choice(
            ("open", "open", "framework_call_off", "quotation", "direct_award", "restricted")
        ),
        "reuse_rights": "none",
    }


def _framework(
    rng: random.Random, p_index: int, names: list[tuple[str, PartnerKind]], counters: list[int], today: date
) -> dict[str, Any]:
    need = rng.choice([n for n in NEEDS if n.key in {"devices", "telephony", "hosting", "appdev", "consult"}])
    start = today - timedelta(days=rng.randint(0, 700))
    end = add_months(start, 48) - timedelta(days=1)
    annual = _log_uniform(rng, need.annual_pounds[1], need.annual_pounds[1] * 4) * 100
    rights = rng.choice(("any_public_body", "partner_kinds"))
    return {
        "partner": p_index,
        "reference": _reference(names, counters, p_index, start.year),
        "title": f"{need.title} framework agreement",
        "description": f"Multi-supplier framework for {need.title.lower()}, open to "
        + ("any UK public body." if rights == "any_public_body" else "councils in the region."),
        "category": need.category,
        "cpv": need.cpv,
        "suppliers": list(need.suppliers[:2]),
        "annual_value_pence": annual,
        "total_value_pence": annual * 4,
        "start_date": start,
        "end_date": end,
        "max_end_date": end,
        "status": "active",
        "contract_type": "framework_agreement",
        "procurement_route": "open",
        "reuse_rights": rights,
        "reuse_partner_kinds": ["district_council", "county_council", "unitary_council"]
        if rights == "partner_kinds"
        else [],
    }


def _planted_contracts(
    demo: DemoRegister, names: list[tuple[str, PartnerKind]], counters: list[int], today: date
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(case: str, p_index: int, **values: Any) -> None:
        start = values.pop("start")
        row = {
            "partner": p_index,
            "reference": _reference(names, counters, p_index, start.year),
            "start_date": start,
            "max_end_date": values["end_date"],
            "status": "active",
            "contract_type": "single_award",
            "procurement_route": "open",
            "reuse_rights": "none",
            **values,
        }
        rows.append(row)
        demo.planted.setdefault(case, []).append(row["reference"])

    agg = PLANTED_CASES["aggregation"]
    for p_index, months in zip(agg["partners"], agg["end_months"], strict=True):
        end = add_months(today, months)
        annual = (60_000 + 15_000 * p_index) * 100
        add(
            "aggregation",
            p_index,
            title=f"{agg['need']} – {names[p_index][0].split()[0]}",
            description="Anti-virus and endpoint protection licences for all staff devices, with support.",
            category="ICT - Software",
            cpv=agg["cpv"],
            suppliers=[agg["supplier"]],
            start=add_months(end, -36),
            end_date=end,
            annual_value_pence=annual,
            total_value_pence=annual * 3,
        )

    reuse = PLANTED_CASES["reuse"]
    fw_end = add_months(today, 48)
    add(
        "reuse",
        reuse["framework_partner"],
        title="Regional wide area network framework",
        description="Framework for wide area network connectivity and managed WAN services, open to any "
        "UK public body to call off.",
        category="ICT - Network",
        cpv=reuse["cpv"],
        suppliers=[reuse["framework_supplier"]],
        start=add_months(today, -12),
        end_date=fw_end,
        annual_value_pence=1_500_000_00,
        total_value_pence=12_000_000_00,
        contract_type="framework_agreement",
        reuse_rights="any_public_body",
    )
    exp_end = add_months(today, 5)
    add(
        "reuse",
        reuse["expiring_partner"],
        title="Wide area network services",
        description="Managed wide area network links between stations and headquarters.",
        category="ICT - Network",
        cpv=reuse["cpv"],
        suppliers=[reuse["expiring_supplier"]],
        start=add_months(exp_end, -60),
        end_date=exp_end,
        annual_value_pence=180_000_00,
        total_value_pence=900_000_00,
    )

    rat = PLANTED_CASES["rationalisation"]
    for i in range(rat["count"]):
        end = add_months(today, 6 + 5 * i)
        annual = (8_000 + 1_500 * i) * 100
        add(
            "rationalisation",
            rat["partner"],
            title=f"{rat['need']} – site {i + 1}",
            description="On-site desktop support and device moves for one site.",
            category="ICT - Support",
            cpv=rat["cpv"],
            suppliers=[rat["supplier"]],
            start=add_months(end, -24),
            end_date=end,
            annual_value_pence=annual,
            total_value_pence=annual * 2,
            procurement_route="quotation",
        )
    return rows


# --- writing it ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    partners: int
    suppliers: int
    contracts: int
    seed: int
    planted: dict[str, list[str]]

    def to_json(self) -> dict[str, Any]:
        return {
            "partners": self.partners,
            "suppliers": self.suppliers,
            "contracts": self.contracts,
            "seed": self.seed,
            "planted": self.planted,
        }


def seed_demo(
    session: Session,
    *,
    user: str,
    partners: int = 12,
    contracts: int = 1800,
    seed: int = 1,
    replace: bool = False,
    today: date | None = None,
    progress: Callable[[float], None] | None = None,
) -> DemoSummary:
    """Fill the register with the demo; refuses to overwrite real data unless replace=True."""
    _clear_for_demo(session, replace=replace)
    demo = generate(partners, contracts, seed, today)
    partner_ids = _insert_returning(session, m.Partner, [{**p, "updated_by": user} for p in demo.partners])
    supplier_rows = [{**s, "name_key": name_key(s["name"]), "updated_by": user} for s in demo.suppliers]
    supplier_ids = _insert_returning(session, m.Supplier, supplier_rows)
    session.execute(
        insert(m.SupplierAlias),
        [
            {"supplier_id": sid, "name": s["name"], "name_key": s["name_key"]}
            for sid, s in zip(supplier_ids, supplier_rows, strict=True)
        ],
    )
    if progress:
        progress(0.1)
    contract_ids = _insert_contracts(session, demo, partner_ids, supplier_ids, user, progress)
    session.merge(m.Setting(key=DEMO_SETTING, value={"seed": seed, "planted": demo.planted}))
    audit(session, user, "insert", "register", "demo", "contracts", None, len(contract_ids))
    return DemoSummary(len(partner_ids), len(supplier_ids), len(contract_ids), seed, demo.planted)


def _clear_for_demo(session: Session, *, replace: bool) -> None:
    existing = session.scalar(select(func.count(m.Contract.id))) or 0
    is_demo = session.get(m.Setting, DEMO_SETTING) is not None
    if existing and not is_demo and not replace:
        raise UserError(
            f"The register already holds {existing} contracts that are not demo data; "
            "use 'flagdesk demo --replace' to discard them, or choose another --db."
        )
    # Children first; the whole clear is part of the caller's single transaction.
    for table in (
        m.OpportunityContract,
        m.RealisedSaving,
        m.Opportunity,
        m.ContractCpv,
        m.ContractSupplier,
        m.ContractReusePartner,
        m.Contract,
        m.ImportChange,
        m.SupplierAlias,
        m.SupplierMerge,
        m.MappingProfile,
        m.ImportBatch,
        m.Supplier,
        m.Outcome,
        m.Specification,
        m.Partner,
    ):
        session.execute(delete(table))
    session.execute(delete(m.Setting).where(m.Setting.key == DEMO_SETTING))


def _insert_returning(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    table = model.__table__  # type: ignore[attr-defined]
    result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [r[0] for r in result]


def _insert_contracts(
    session: Session,
    demo: DemoRegister,
    partner_ids: list[int],
    supplier_ids: list[int],
    user: str,
    progress: Callable[[float], None] | None,
) -> list[int]:
    ids: list[int] = []
    chunk = 5000
    for start in range(0, len(demo.contracts), chunk):
        part = demo.contracts[start : start + chunk]
        rows = [_contract_row(c, partner_ids, user) for c in part]
        new_ids = _insert_returning(session, m.Contract, rows)
        session.execute(
            insert(m.ContractSupplier),
            [
                {
                    "contract_id": cid,
                    "supplier_id": supplier_ids[s],
                    "position": pos,
                    "name_as_published": SUPPLIERS[s][0],
                }
                for cid, c in zip(new_ids, part, strict=True)
                for pos, s in enumerate(c["suppliers"])
            ],
        )
        session.execute(
            insert(m.ContractCpv),
            [
                {"contract_id": cid, "code": c["cpv"], "position": 0, "source": "published"}
                for cid, c in zip(new_ids, part, strict=True)
            ],
        )
        ids.extend(new_ids)
        if progress:
            progress(0.1 + 0.9 * len(ids) / len(demo.contracts))
    return ids


def _contract_row(c: dict[str, Any], partner_ids: list[int], user: str) -> dict[str, Any]:
    supplier_names = [SUPPLIERS[s][0] for s in c["suppliers"]]
    return {
        "partner_id": partner_ids[c["partner"]],
        "reference": c["reference"],
        "title": c["title"],
        "description": c["description"],
        "category": c["category"],
        "total_value_pence": c["total_value_pence"],
        "annual_value_pence": c["annual_value_pence"],
        "irrecoverable_vat_pence": None,
        "start_date": c["start_date"],
        "end_date": c["end_date"],
        "max_end_date": c["max_end_date"],
        "review_date": add_months(c["end_date"], -9),
        "notice_period_days": 90,
        "status": c["status"],
        "contract_type": c["contract_type"],
        "procurement_route": c["procurement_route"],
        "reuse_rights": c["reuse_rights"],
        "reuse_partner_kinds": c.get("reuse_partner_kinds", []),
        "owner": "ICT Commissioning",
        "identity_key": f"demo:{c['reference']}",
        "extra": {},
        "search_text": search_text_for(c["reference"], c["title"], c["description"], supplier_names),
        "updated_by": user,
    }
