"""Shared builders for the report tests: plain packs without a database, and PDF text extraction."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from flagdesk.records import ContractRecord
from flagdesk.reports.packdata import OpportunitySummary, PackData
from flagdesk.services.packs import build_pack_data, sort_contracts
from flagdesk.services.specifications import draft_specification

INJECTION = '=HYPERLINK("http://example.org","x") <b>&amp; R&D'
TODAY = date(2026, 11, 25)
PARTNERS = (
    ("Norfolk County Council", "county_council"),
    ("Breckland District Council", "district_council"),
    ("Norfolk Constabulary", "police"),
    ("Norfolk and Norwich University Hospitals NHS Foundation Trust", "nhs_trust"),
    ("Cyngor Gwynedd", "unitary_council"),
)
SECTIONS = (
    "Contents",
    "1. Executive summary",
    "2. Partners and pooled budget shares",
    "3. Current contracts",
    "4. Timeline",
    "5. Outcomes framework",
    "6. Procurement route options",
    "7. Savings and benefits",
    "8. Risks",
    "9. Governance and sign-off",
)


def make_contracts(count: int, *, seed: int = 1, injection_at: int | None = 3) -> list[ContractRecord]:
    rng = random.Random(seed)
    contracts = []
    for i in range(count):
        partner, kind = PARTNERS[i % len(PARTNERS)]
        start = date(2021, 1, 1) + timedelta(days=rng.randint(0, 900))
        end = start + timedelta(days=rng.randint(700, 1500))
        contracts.append(
            ContractRecord(
                id=i + 1,
                partner_id=i % len(PARTNERS) + 1,
                partner=partner,
                partner_kind=kind,
                reference=f"REF-{i:04d}",
                title=INJECTION if i == injection_at else f"Managed print and device service lot {i}",
                suppliers=("Ricoh UK Ltd",) if i % 3 else ("Xerox (UK) Limited",),
                annual_value_pence=rng.randint(1_000_000, 40_000_000),
                total_value_pence=rng.randint(5_000_000, 150_000_000),
                start_date=start,
                end_date=end,
                max_end_date=end + timedelta(days=365) if i % 2 else end,
                reuse_rights="any_public_body" if i == 5 else "none",
            )
        )
    return contracts


def make_pack(count: int = 12, *, title: str = "Joint managed print service", **kwargs: object) -> PackData:
    contracts = sort_contracts(make_contracts(count, **kwargs))  # type: ignore[arg-type]
    opportunity = OpportunitySummary(
        id="AGG-1a2b3c4d5e",
        kind="aggregation",
        title=title,
        status="under_review",
        lead_partner=PARTNERS[0][0],
        combined_annual_value_pence=sum(c.annual_value_pence or 0 for c in contracts),
        estimated_saving_pence=12_345_678,
        proposed_start=date(2026, 10, 1),
        score=0.8,
        evidence=("Five partners buy managed print from two suppliers.",),
        assumptions={
            "price_saving_pct": 4.19,
            "total_pence": 12_345_678,
            "explanation": "4.19% of the total.",
            "values": {"price_saving_base_pct": 2.0, "process_cost_per_tender_pounds": 15000.0},
        },
    )
    return build_pack_data(
        opportunity, contracts, draft_specification(title), {6}, prepared_on=TODAY, prepared_by="Head of ICT"
    )


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(path)).pages]
