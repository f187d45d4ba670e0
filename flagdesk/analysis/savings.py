"""A transparent savings model: named, editable assumptions and the arithmetic a board can redo.

Every estimate carries the assumption values it used and a sentence that spells the calculation
out, so a stored estimate still explains itself after someone edits the assumptions.
Analysis parameters (the alignment window, the rationalisation threshold, the reuse horizon) live
in the same registry: they are assumptions about what one procurement can replace.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flagdesk.domain import OpportunityKind, format_pence
from flagdesk.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Assumption:
    name: str
    default: float
    unit: str
    description: str
    minimum: float = 0.0
    maximum: float = 1_000_000_000.0
    whole: bool = False  # months and counts must be whole numbers


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "price_saving_base_pct",
        2.0,
        "%",
        "Price saving from competing a combined requirement of any size.",
        0,
        100,
    ),
    Assumption(
        "price_saving_pct_per_tenfold",
        1.5,
        "%",
        "Extra price saving for each tenfold of combined annual value above the threshold.",
        0,
        100,
    ),
    Assumption(
        "price_saving_threshold_pounds",
        100_000.0,
        "£",
        "Combined annual value above which the price saving starts to grow.",
        1,
    ),
    Assumption("price_saving_cap_pct", 8.0, "%", "Highest price saving assumed, however large the value.", 0, 100),
    Assumption(
        "reuse_price_saving_pct",
        2.0,
        "%",
        "Price saving from calling off an existing contract or framework.",
        0,
        100,
    ),
    Assumption(
        "process_cost_per_tender_pounds",
        15_000.0,
        "£",
        "Cost of running one tender, saved for each tender avoided.",
    ),
    Assumption("saving_years", 1.0, "years", "Years of price saving counted in an estimate.", 0, 50),
    Assumption(
        "window_months",
        12.0,
        "months",
        "Contracts whose end dates (with extensions) lie within this many months can be replaced together.",
        0,
        120,
        whole=True,
    ),
    Assumption(
        "rationalisation_min_contracts",
        3.0,
        "contracts",
        "Live contracts one partner must hold for one need or supplier before consolidation is suggested.",
        2,
        10_000,
        whole=True,
    ),
    Assumption(
        "assumed_term_years",
        3.0,
        "years",
        "Term assumed for a contract published with an award or start date but no end date "
        "(0 leaves such contracts out of date-based analysis; never applied to one-off construction works); "
        "evidence always flags it.",
        0,
        50,
        whole=True,
    ),
    Assumption(
        "reuse_horizon_months",
        24.0,
        "months",
        "How far ahead a contract's end may lie for reuse of another partner's contract to be suggested.",
        0,
        600,
        whole=True,
    ),
)
_BY_NAME = {a.name: a for a in ASSUMPTIONS}


class Assumptions:
    """Assumption values: the defaults overlaid with the register's saved overrides."""

    def __init__(self, overrides: Mapping[str, Any] | None = None):
        self._values = {a.name: a.default for a in ASSUMPTIONS}
        for name, value in (overrides or {}).items():
            if name in _BY_NAME:  # a setting from a newer or older version is ignored, not fatal
                self._values[name] = check_value(name, value)

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def as_dict(self) -> dict[str, float]:
        return dict(self._values)

    def overrides(self) -> dict[str, float]:
        return {n: v for n, v in self._values.items() if v != _BY_NAME[n].default}

    def with_value(self, name: str, value: Any) -> Assumptions:
        return Assumptions({**self._values, name: check_value(name, value)})


def assumption(name: str) -> Assumption:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValidationError(f"'{name}' is not an assumption (known: {', '.join(_BY_NAME)})") from None


def check_value(name: str, value: Any) -> float:
    """A number for the named assumption, within its bounds (text is parsed, '£' and ',' allowed)."""
    spec = assumption(name)
    try:
        number = float(str(value).strip().replace(",", "").lstrip("£").rstrip("%"))
    except ValueError:
        raise ValidationError(f"{name}: '{value}' is not a number") from None
    if not math.isfinite(number) or not spec.minimum <= number <= spec.maximum:
        raise ValidationError(f"{name}: {value} is outside {spec.minimum:g}..{spec.maximum:g} {spec.unit}")
    if spec.whole and number != int(number):
        raise ValidationError(f"{name}: {value} must be a whole number of {spec.unit}")
    return number


@dataclass(frozen=True, slots=True)
class SavingEstimate:
    price_saving_pct: float
    price_saving_pence: int
    tenders_avoided: int
    process_saving_pence: int
    total_pence: int
    explanation: str
    assumptions: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "price_saving_pct": self.price_saving_pct,
            "price_saving_pence": self.price_saving_pence,
            "tenders_avoided": self.tenders_avoided,
            "process_saving_pence": self.process_saving_pence,
            "total_pence": self.total_pence,
            "explanation": self.explanation,
            "values": self.assumptions,
        }


def price_saving_pct(kind: OpportunityKind, combined_annual_pence: int, a: Assumptions) -> float:
    """Reuse earns a flat rate; combining grows with value: base + step per tenfold, capped."""
    if kind is OpportunityKind.REUSE:
        return a["reuse_price_saving_pct"]
    threshold_pence = a["price_saving_threshold_pounds"] * 100
    tenfolds = max(0.0, math.log10(combined_annual_pence / threshold_pence)) if combined_annual_pence > 0 else 0.0
    pct = a["price_saving_base_pct"] + a["price_saving_pct_per_tenfold"] * tenfolds
    return round(min(a["price_saving_cap_pct"], pct), 2)


def estimate_saving(
    kind: OpportunityKind, combined_annual_pence: int, tenders_avoided: int, a: Assumptions
) -> SavingEstimate:
    pct = price_saving_pct(kind, combined_annual_pence, a)
    years = a["saving_years"]
    price = round(max(0, combined_annual_pence) * pct / 100 * years)
    process = round(max(0, tenders_avoided) * a["process_cost_per_tender_pounds"] * 100)
    used = {n: a[n] for n in _USED_BY_ESTIMATE}
    return SavingEstimate(
        price_saving_pct=pct,
        price_saving_pence=price,
        tenders_avoided=max(0, tenders_avoided),
        process_saving_pence=process,
        total_pence=price + process,
        explanation=_explain(kind, combined_annual_pence, pct, years, price, tenders_avoided, process, a),
        assumptions=used,
    )


_USED_BY_ESTIMATE = (
    "price_saving_base_pct",
    "price_saving_pct_per_tenfold",
    "price_saving_threshold_pounds",
    "price_saving_cap_pct",
    "reuse_price_saving_pct",
    "process_cost_per_tender_pounds",
    "saving_years",
)


def _explain(
    kind: OpportunityKind,
    annual: int,
    pct: float,
    years: float,
    price: int,
    tenders: int,
    process: int,
    a: Assumptions,
) -> str:
    if kind is OpportunityKind.REUSE:
        rule = f"the reuse rate of {a['reuse_price_saving_pct']:g}%"
    else:
        threshold = format_pence(round(a["price_saving_threshold_pounds"] * 100))
        rule = (
            f"{a['price_saving_base_pct']:g}% base plus {a['price_saving_pct_per_tenfold']:g}% "
            f"for each tenfold above {threshold}, capped at {a['price_saving_cap_pct']:g}%"
        )
    tender_cost = format_pence(round(a["process_cost_per_tender_pounds"] * 100))
    return (
        f"{pct:g}% price saving ({rule}) on {format_pence(annual)} combined annual value for {years:g} "
        f"year(s) = {format_pence(price)}; plus {max(0, tenders)} tender(s) avoided at {tender_cost} each = "
        f"{format_pence(process)}; total {format_pence(price + process)}."
    )
