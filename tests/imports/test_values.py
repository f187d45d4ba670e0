"""Value parsing against known values (never against dateutil)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagdesk.domain import format_pence
from importers.values import (
    clean_text,
    decide_date_order,
    is_placeholder_date,
    parse_bool,
    parse_date,
    parse_money,
    split_suppliers,
)


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("1234.56", 123456),
        ("£1,234.56", 123456),
        ("  79671.95 ", 7967195),
        ("50k", 5_000_000),
        ("1.2m", 120_000_000),
        ("£1.2 million", 120_000_000),
        ("2bn", 200_000_000_000),
        ("(3728)", -372800),
        ("-12", -1200),
        ("GBP 1,000", 100_000),
        (1567, 156700),
        (1567.0, 156700),
        (0.1 + 0.2, 30),
        (1234.565, 123457),  # half a penny rounds up, as written (not as the float's binary value)
        ("", None),
        ("N/A", None),
        ("-", None),
    ],
)
def test_parse_money(text: object, pence: int | None) -> None:
    assert parse_money(text) == pence


@pytest.mark.parametrize("text", ["abc", "12.3.4", "£", "1,2k5", True])
def test_parse_money_refuses_what_is_not_money(text: object) -> None:
    with pytest.raises(ValueError, match="not an amount of money"):
        parse_money(text)


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_money_formatted_by_the_register_parses_back(pence: int) -> None:
    text = format_pence(pence)
    if pence < 0:  # '-£12.34' is how the register prints a credit
        text = text.replace("-£", "-")
    assert parse_money(text) == pence


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01/04/2024", date(2024, 4, 1)),
        ("1/4/24", date(2024, 4, 1)),
        ("01-04-2024", date(2024, 4, 1)),
        ("01.04.2024", date(2024, 4, 1)),
        ("2024-04-01", date(2024, 4, 1)),  # ISO is year-month-day whatever the column order
        ("2024-04-01 00:00:00", date(2024, 4, 1)),
        ("2014-12-17T16:44:56Z", date(2014, 12, 17)),
        ("01-Apr-2013", date(2013, 4, 1)),
        ("1 April 2024", date(2024, 4, 1)),
        ("1st April 2024", date(2024, 4, 1)),
        ("April 1, 2024", date(2024, 4, 1)),
        ("Sept 30 2023", date(2023, 9, 30)),
        ("45383", date(2024, 4, 1)),  # Excel serial as text
        (45383, date(2024, 4, 1)),
        (45383.0, date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        (datetime(2024, 4, 1, 13, 5), date(2024, 4, 1)),
        (date(2024, 4, 1), date(2024, 4, 1)),
        ("", None),
    ],
)
def test_parse_date_day_first(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_month_first_only_when_the_column_says_so() -> None:
    assert parse_date("04/01/2024", order="mdy") == date(2024, 4, 1)
    assert parse_date("04/01/2024") == date(2024, 1, 4)
    assert decide_date_order(["04/13/2024", "12/31/2023", "01/02/2024"]) == "mdy"
    assert decide_date_order(["13/04/2024", "01/02/2024"]) == "dmy"
    assert decide_date_order(["01/02/2024", "2024-04-01", 45383]) == "dmy"  # ambiguous: UK


@pytest.mark.parametrize("value", ["31/02/2024", "13/13/2024", "yesterday", "2024-13-01", "0", True])
def test_parse_date_refuses_non_dates(value: object) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [(date(2000, 1, 1), True), (date(1900, 1, 1), True), (date(9999, 12, 31), True), (date(2024, 4, 1), False)],
)
def test_placeholder_dates(value: date, placeholder: bool) -> None:
    assert is_placeholder_date(value) is placeholder


@pytest.mark.parametrize(
    ("value", "flag"),
    [("Yes", True), ("Y", True), ("TRUE", True), ("no", False), ("N", False), (1, True), (0.0, False), ("", None)],
)
def test_parse_bool(value: object, flag: bool | None) -> None:
    assert parse_bool(value) is flag


def test_parse_bool_refuses_other_words() -> None:
    with pytest.raises(ValueError, match="not yes or no"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Zurich Municipal,Risk Management Partners Ltd", ["Zurich Municipal", "Risk Management Partners Ltd"]),
        ("Smith, Jones & Co Ltd", ["Smith, Jones & Co Ltd"]),
        ("FOSTER CARE CO-OPERATIVE, THE", ["FOSTER CARE CO-OPERATIVE, THE"]),
        ("FISHER SCIENTIFIC U.K., LIMITED", ["FISHER SCIENTIFIC U.K., LIMITED"]),
        ("DAVID WILSON, BARRISTER", ["DAVID WILSON, BARRISTER"]),
        ("John Wade Groundworks Ltd, T/a Wade Group", ["John Wade Groundworks Ltd, T/a Wade Group"]),
        ("Acme Ltd, Beta plc", ["Acme Ltd", "Beta plc"]),
        ("Acme Ltd; Beta Services", ["Acme Ltd", "Beta Services"]),
        ("Acme Ltd\nBeta Services", ["Acme Ltd", "Beta Services"]),
        ("British Gas,British Gas,EDF Energy,", ["British Gas", "EDF Energy"]),
        ("B&amp;E Boys Ltd", ["B&E Boys Ltd"]),
        (
            "C L Danson (Building Contractors) Ltd,Grounds, Gardens &amp; Trees Ltd",
            ["C L Danson (Building Contractors) Ltd", "Grounds, Gardens & Trees Ltd"],
        ),
        ("", []),
        (None, []),
    ],
)
def test_split_suppliers_only_where_clearly_a_list(cell: object, names: list[str]) -> None:
    assert split_suppliers(cell) == names


def test_clean_text_decodes_entities_and_folds_spaces() -> None:
    assert clean_text("  O&#039;Callaghan   Ltd ") == "O'Callaghan Ltd"
    assert clean_text(70063.0) == "70063"
    assert clean_text(None) == ""
