from datetime import date

import pytest

from flagdesk import cpv
from flagdesk.domain import (
    ReuseRights,
    add_months,
    enum_value,
    format_pence,
    format_pounds_short,
    normalise_company_number,
)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("72000000-5", "72000000-5"),
        ("72000000", "72000000-5"),
        ("3000000", "03000000-1"),  # leading zero lost in a spreadsheet
        ("03000000-1", "03000000-1"),
        ("50000000", "50000000-5"),
        (" 48760000-3 ", "48760000-3"),
        ("72000000.0", "72000000-5"),
    ],
)
def test_cpv_codes_resolve_to_canonical_form(given: str, canonical: str) -> None:
    assert cpv.resolve(given) == canonical


@pytest.mark.parametrize("bad", ["72000000-4", "99999999", "abc", "", "720000001"])
def test_unknown_or_wrong_cpv_codes_are_rejected_with_a_message(bad: str) -> None:
    with pytest.raises(cpv.UnknownCpvError, match=r"CPV|check digit"):
        cpv.resolve(bad)


def test_cpv_vocabulary_is_complete_and_hierarchical() -> None:
    assert len(cpv.vocabulary()) == 9454
    assert cpv.label("72000000").startswith("IT services")
    assert cpv.parent("72611000-6") == "72610000-9"
    assert cpv.parent("72000000-5") is None
    assert cpv.lookup("48760000").group == "487"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2165763", "02165763"),
        ("gb/02165763", "02165763"),
        ("sc123456", "SC123456"),
        ("OC345678", "OC345678"),
        ("  1234 ", "00001234"),
        ("N/A", None),
        ("", None),
        ("0", None),
        ("not a number", None),
        ("2165763.0", "02165763"),
    ],
)
def test_company_numbers_are_normalised(given: str, expected: str | None) -> None:
    assert normalise_company_number(given) == expected


def test_money_formats_in_pounds_and_pence() -> None:
    assert format_pence(123456) == "£1,234.56"
    assert format_pence(-5) == "-£0.05"
    assert format_pence(None) == ""
    assert format_pounds_short(1_250_000_00) == "£1.2m"
    assert format_pounds_short(35_000_00) == "£35k"


def test_month_arithmetic_clamps_the_day() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 3, 15), -15) == date(2023, 12, 15)


def test_enum_values_parse_leniently_and_explain_choices() -> None:
    assert enum_value(ReuseRights, "Any public body") is ReuseRights.ANY_PUBLIC_BODY
    with pytest.raises(ValueError, match="named_partners"):
        enum_value(ReuseRights, "everyone")
