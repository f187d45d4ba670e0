"""The pack's tables as typed rows, shared by the PDF (``pack``) and the annex workbook (``annex``).

Each table is built once here, with typed values (pence as int, dates as date); the PDF formats them
for print and the workbook keeps them as numbers and dates, so both always say the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from flagdesk.domain import format_pence
from flagdesk.errors import UserError
from flagdesk.reports.packdata import PackData

TEXT, MONEY, DATE, INT, PERCENT = "text", "money", "date", "int", "percent"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Acronyms that a plain humanise() would spoil ('Nhs trust').
KIND_LABELS = {"nhs_trust": "NHS trust", "icb": "Integrated care board (ICB)"}


def format_date(d: date | None) -> str:
    """'31 Mar 2027': unambiguous in print, independent of the machine's locale."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}" if d else ""


def format_pounds(pence: int | None) -> str:
    """Whole pounds for print ('£1,234,568'): a board reads totals, not pence; exact values are in the annex."""
    if pence is None:
        return ""
    return ("-" if pence < 0 else "") + f"£{round(abs(pence) / 100):,}"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, humanise(kind))


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str = TEXT
    width_mm: float = 30.0  # printed width; the annex derives its column widths from it too


@dataclass(frozen=True, slots=True)
class PackTable:
    key: str  # sheet name in the annex
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]


def partner_table(pack: PackData) -> PackTable:
    saving = pack.opportunity.estimated_saving_pence
    columns = (
        Column("Partner", TEXT, 52),
        Column("Kind", TEXT, 30),
        Column("Contracts", INT, 18),
        Column("Annual value today", MONEY, 28),
        Column("Share of pooled budget", PERCENT, 22),
        Column("Share of estimated saving", MONEY, 24),
    )
    rows = tuple(
        (p.name, kind_label(p.kind), p.contracts, p.annual_value_pence, p.share, round(saving * p.share))
        for p in pack.partners
    )
    return PackTable("Partners", "Partners and pooled budget shares", columns, rows)


def contract_table(pack: PackData) -> PackTable:
    columns = (
        Column("Reference", TEXT, 22),
        Column("Partner", TEXT, 30),
        Column("Title", TEXT, 76),
        Column("Supplier", TEXT, 33),
        Column("Annual value", MONEY, 20),
        Column("Total value", MONEY, 21),
        Column("Start", DATE, 20),
        Column("End", DATE, 20),
        Column("Latest end", DATE, 20),
    )
    rows = tuple(
        (
            c.reference,
            c.partner,
            c.title,
            "; ".join(c.suppliers),
            c.annual_value_pence,
            c.total_value_pence,
            c.start_date,
            c.end_date,
            c.max_end_date,
        )
        for c in pack.contracts
    )
    return PackTable("Contracts", "Current contracts", columns, rows)


def outcome_table(pack: PackData) -> PackTable:
    columns = (
        Column("Outcome", TEXT, 46),
        Column("Measure", TEXT, 36),
        Column("Baseline", TEXT, 26),
        Column("Target", TEXT, 26),
        Column("Evidence source", TEXT, 40),
    )
    outcomes = pack.specification.outcomes if pack.specification else ()
    rows = tuple((o.statement, o.measure, o.baseline, o.target, o.evidence_source) for o in outcomes)
    return PackTable("Outcomes", "Outcomes framework", columns, rows)


def route_table(pack: PackData) -> PackTable:
    columns = (
        Column("Option", INT, 13),
        Column("Route", TEXT, 40),
        Column("What it means", TEXT, 80),
        Column("Vehicle", TEXT, 41),
    )
    rows = tuple(
        (r.rank, r.name + (" (recommended)" if r.recommended else ""), r.description, r.vehicle) for r in pack.routes
    )
    return PackTable("Routes", "Procurement route options", columns, rows)


def assumption_values(pack: PackData) -> dict[str, Any]:
    """The assumption values used: the savings estimate keeps them under 'values'; older data is flat."""
    stored = pack.opportunity.assumptions
    values = stored.get("values")
    return values if isinstance(values, dict) else {k: v for k, v in stored.items() if k not in SAVING_PARTS}


def assumption_table(pack: PackData) -> PackTable:
    columns = (Column("Assumption", TEXT, 110), Column("Value", TEXT, 64))
    rows = tuple(describe_assumption(key, value) for key, value in assumption_values(pack).items())
    return PackTable("Assumptions", "Savings assumptions", columns, rows)


# The parts of a stored savings estimate, in the order the arithmetic runs.
SAVING_PARTS = {
    "price_saving_pct": ("Price saving rate", lambda v: f"{v:g}%"),
    "price_saving_pence": ("Price saving", lambda v: format_pence(round(v))),
    "tenders_avoided": ("Tenders avoided", lambda v: f"{round(v):,}"),
    "process_saving_pence": ("Process cost saved (tenders avoided)", lambda v: format_pence(round(v))),
    "total_pence": ("Estimated saving", lambda v: format_pence(round(v))),
}


def saving_table(pack: PackData) -> PackTable:
    """How the estimate adds up, when the opportunity engine stored its parts."""
    stored = pack.opportunity.assumptions
    columns = (Column("Part of the estimate", TEXT, 110), Column("Amount", TEXT, 64))
    rows = tuple(
        (label, show(stored[key]))
        for key, (label, show) in SAVING_PARTS.items()
        if isinstance(stored.get(key), (int, float))
    )
    return PackTable("Saving", "How the estimate adds up", columns, rows)


def risk_table(pack: PackData) -> PackTable:
    columns = (
        Column("Risk", TEXT, 62),
        Column("Likelihood", TEXT, 19),
        Column("Impact", TEXT, 17),
        Column("Mitigation", TEXT, 76),
    )
    rows = tuple((r.description, r.likelihood, r.impact, r.mitigation) for r in pack.risks)
    return PackTable("Risks", "Risks", columns, rows)


def signoff_table(pack: PackData) -> PackTable:
    columns = (
        Column("Partner", TEXT, 50),
        Column("Name and role", TEXT, 46),
        Column("Decision", TEXT, 28),
        Column("Signature", TEXT, 30),
        Column("Date", TEXT, 20),
    )
    rows = tuple((p.name, "", "", "", "") for p in pack.partners)
    return PackTable("Sign-off", "Sign-off", columns, rows)


def all_tables(pack: PackData) -> list[PackTable]:
    """Every table of the pack, in the order the PDF presents them."""
    builders = (
        partner_table,
        contract_table,
        outcome_table,
        route_table,
        saving_table,
        assumption_table,
        risk_table,
        signoff_table,
    )
    return [build(pack) for build in builders]


def describe_assumption(key: str, value: Any) -> tuple[str, str]:
    """(what the assumption means, its value with unit), using the savings model's own wording."""
    try:
        from flagdesk.analysis.savings import assumption

        known = assumption(key)
    except (ImportError, UserError):  # an assumption this version does not know: show it as stored
        return humanise(key), format_assumption_value(key, value, "")
    return known.description.rstrip("."), format_assumption_value(key, value, known.unit)


def format_assumption_value(key: str, value: Any, unit: str) -> str:
    """An assumption value as a board member reads it: money in pounds, rates as percentages."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list)) else str(value)
    if unit == "£" or key.endswith("_pounds"):
        return format_pence(round(value * 100))
    if key.endswith("_pence"):
        return format_pence(round(value))
    if unit == "%" or key.endswith("_pct"):
        return f"{value:g}%"
    if value == 1 and unit.endswith("s"):  # '1 year', not '1 years'
        unit = unit[:-1]
    return f"{value:,g} {unit}".strip()


def humanise(key: str) -> str:
    """'price_saving_rate' -> 'Price saving rate'; 'county_council' -> 'County council'."""
    text = key.removesuffix("_pence").replace("_", " ").strip()
    return text[:1].upper() + text[1:]
