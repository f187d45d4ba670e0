"""Domain vocabulary shared by every layer: enums, money in pence, dates, company numbers.

Plain Python only (no SQLAlchemy, no Qt), so importers, analysis and reports can use it freely.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

# Roles of a shared register, each with the rights of the one before it (enforced by PostgreSQL).
USER_ROLES = ("viewer", "editor", "admin")


class PartnerKind(StrEnum):
    DISTRICT_COUNCIL = "district_council"
    COUNTY_COUNCIL = "county_council"
    UNITARY_COUNCIL = "unitary_council"
    POLICE = "police"
    FIRE = "fire"
    NHS_TRUST = "nhs_trust"
    ICB = "icb"
    SCHOOL = "school"
    ACADEMY_TRUST = "academy_trust"
    OTHER = "other"


class ProcurementRoute(StrEnum):
    OPEN = "open"
    RESTRICTED = "restricted"
    COMPETITIVE_FLEXIBLE = "competitive_flexible"
    DIRECT_AWARD = "direct_award"
    FRAMEWORK_CALL_OFF = "framework_call_off"
    QUOTATION = "quotation"


class ContractType(StrEnum):
    SINGLE_AWARD = "single_award"
    FRAMEWORK_AGREEMENT = "framework_agreement"
    CALL_OFF = "call_off"
    DPS = "dps"


class ReuseRights(StrEnum):
    """Who else may call off a contract or framework."""

    NONE = "none"
    NAMED_PARTNERS = "named_partners"
    PARTNER_KINDS = "partner_kinds"
    ANY_PUBLIC_BODY = "any_public_body"


class ContractStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    EXPIRED = "expired"
    TERMINATED = "terminated"


class SpecKind(StrEnum):
    INPUT_BASED = "input_based"
    OUTCOME_BASED = "outcome_based"


class OpportunityKind(StrEnum):
    AGGREGATION = "aggregation"
    REUSE = "reuse"
    RATIONALISATION = "rationalisation"


class OpportunityStatus(StrEnum):
    IDENTIFIED = "identified"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    IN_PROCUREMENT = "in_procurement"
    REALISED = "realised"
    DISMISSED = "dismissed"


class CpvSource(StrEnum):
    """Where a contract's CPV code came from: published by the buyer, or suggested by FlagDesk."""

    PUBLISHED = "published"
    SUGGESTED = "suggested"


def enum_value(enum_cls: type[StrEnum], text: str) -> StrEnum:
    """Parse an enum by value, case- and separator-insensitively, with a message listing choices."""
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    try:
        return enum_cls(key)
    except ValueError:
        choices = ", ".join(m.value for m in enum_cls)
        raise ValueError(f"'{text}' is not one of: {choices}") from None


# --- money -------------------------------------------------------------------------------------


def format_pence(pence: int | None, *, symbol: str = "£") -> str:
    """Pence as '£1,234.56' (negative as '-£1,234.56'); None as ''."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(pence), 100)
    return f"{sign}{symbol}{pounds:,}.{rem:02d}"


def format_pounds_short(pence: int | None) -> str:
    """Compact money for charts and tables: £1.2m, £350k, £900."""
    if pence is None:
        return ""
    pounds = pence / 100
    if abs(pounds) >= 1_000_000:
        return f"£{pounds / 1_000_000:.1f}m"
    if abs(pounds) >= 10_000:
        return f"£{pounds / 1000:.0f}k"
    return f"£{pounds:,.0f}"


# --- dates -------------------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Calendar month arithmetic that clamps the day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    days_in_month = [31, 29 if _is_leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return date(year, month, min(d.day, days_in_month[month - 1]))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def quarter_label(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


# --- company numbers ---------------------------------------------------------------------------

_COMPANY_PREFIX = re.compile(r"^(?:GB[/\s-]?)?([A-Z]{2})?(\d{1,8})$")


def normalise_company_number(text: str | None) -> str | None:
    """Companies House number: upper case, letter prefix kept, digits zero-padded to 8.

    '2165763' -> '02165763'; 'gb/02165763' -> '02165763'; 'sc123456' -> 'SC123456'.
    Returns None for blanks and for values that are not a company number at all.
    """
    if text is None:
        return None
    raw = re.sub(r"\s", "", str(text)).upper()
    if raw.endswith(".0") and raw[:-2].isdigit():  # a number that went through a float
        raw = raw[:-2]
    raw = raw.replace(".", "")
    if not raw or raw in {"N/A", "NA", "NONE", "0", "-"}:
        return None
    m = _COMPANY_PREFIX.match(raw)
    if not m:
        return None
    prefix, digits = m.group(1) or "", m.group(2)
    if int(digits) == 0:
        return None
    width = 8 - len(prefix)
    if len(digits) > width:
        return None
    return prefix + digits.zfill(width)
