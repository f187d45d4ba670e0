"""Cell values to domain values, one clear rule each.

Every parser takes what a reader produced (a string, a float, a date from calamine) and returns
the domain value, None for a blank, or raises ``ValueError`` with a message fit for a row problem.
Parsers that see the same strings over and over (dates, flags) are memoised.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

BLANKS = frozenset({"", "-", "--", "n/a", "na", "none", "null", "nil", "tbc", "tba", "unknown", "not known"})


def clean_text(value: object) -> str:
    """Cell text with HTML entities decoded and whitespace collapsed ('B&amp;Q ' -> 'B&Q')."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed as a number must not read '70063.0'
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in BLANKS)


# --- money ---------------------------------------------------------------------------------------

_MULTIPLIERS = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "million": 1_000_000, "bn": 1_000_000_000}
_MONEY = re.compile(r"^(?P<neg>-)?(?P<num>\d+(?:\.\d*)?|\.\d+)\s*(?P<mult>k|m|mn|million|bn)?$")


def parse_money(value: object) -> int | None:
    """Money to integer pence: 1234.56, '£1,234.56', '(3728)', '50k', '1.2m', 'GBP 12' all parse.

    Parentheses mean negative (accounting style). Fractions of a penny are rounded half up.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not an amount of money")
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        scaled = value * 100
        nearest = round(scaled)
        if abs(scaled - nearest) < 1e-6:  # whole pence: exact without Decimal (the common case)
            return int(nearest)
        return _to_pence(Decimal(repr(value)))
    text = str(value).strip().lower().replace(",", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()").replace("£", "").replace("gbp", "")
    m = _MONEY.match(text)
    if not m:
        raise ValueError(f"'{value}' is not an amount of money")
    amount = Decimal(m.group("num")) * _MULTIPLIERS.get(m.group("mult") or "", 1)
    if negative or m.group("neg"):
        amount = -amount
    return _to_pence(amount)


def _to_pence(amount: Decimal) -> int:
    try:
        return int((amount * 100).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    except InvalidOperation:
        raise ValueError(f"'{amount}' is not an amount of money") from None


# --- dates ---------------------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 31 Dec 1899 in Excel's (Lotus-compatible) counting
_SERIAL_RANGE = (1, 2_958_465)  # up to 31 Dec 9999
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC_DATE = re.compile(
    r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?$"
)
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]+([a-z]+)\.?,?[\s\-/.]+(\d{2,4})$")
_MONTH_NAME_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
# Dates registers use to mean "unknown" or "open-ended"; they are flagged rather than trusted.
PLACEHOLDER_DATES = frozenset({date(1900, 1, 1), date(1899, 12, 31), date(1970, 1, 1), date(2000, 1, 1)})


def is_placeholder_date(d: date) -> bool:
    return d in PLACEHOLDER_DATES or d.year >= 2099 or d.year < 1950


def parse_date(value: object, *, order: str = "dmy") -> date | None:
    """A date from a real date, an Excel serial or text; ``order`` decides 'dd/mm' vs 'mm/dd'.

    Text is dispatched on its shape: ISO 'yyyy-mm-dd', numeric 'dd/mm/yyyy' (day first unless the
    column was decided 'mdy'), month names ('01-Apr-2013', '1 April 2024', 'April 1, 2024').
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a date")
    if isinstance(value, int | float):
        return _from_serial(value)
    return _parse_date_text(str(value).strip().lower(), order)


def _from_serial(serial: float) -> date:
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        raise ValueError(f"'{serial}' is not a date")
    return EXCEL_EPOCH + timedelta(days=int(serial))


@lru_cache(maxsize=8192)
def _parse_date_text(text: str, order: str) -> date:
    try:
        return _dispatch_date(text, order)
    except (ValueError, KeyError, OverflowError):
        raise ValueError(f"'{text}' is not a date (expected e.g. 01/04/2024, 2024-04-01 or 1 April 2024)") from None


def _dispatch_date(text: str, order: str) -> date:
    if text.isdigit():
        if len(text) == 8:  # yyyymmdd
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return _from_serial(int(text))
    if m := _NUMERIC_DATE.match(text):
        a, b, c = m.groups()
        if len(a) == 4:  # ISO year first, always year-month-day
            return date(int(a), int(b), int(c))
        day, month = (a, b) if order == "dmy" else (b, a)
        return date(_full_year(c), int(month), int(day))
    if m := _DAY_MONTH_NAME.match(text):
        return date(_full_year(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    if m := _MONTH_NAME_DAY.match(text):
        return date(int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2)))
    if _try_float(text) is not None:
        return _from_serial(float(text))
    raise ValueError(text)


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # two-digit years in registers are this century unless clearly historic
        year += 2000 if year < 70 else 1900
    elif len(text) != 4:
        raise ValueError(text)
    return year


def _try_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def decide_date_order(values: list[object]) -> str:
    """'mdy' only when some 'a/b/yyyy' value has b > 12 and none has a > 12; UK 'dmy' otherwise."""
    first_over_12 = second_over_12 = False
    for value in values:
        if not isinstance(value, str):
            continue
        m = _NUMERIC_DATE.match(value.strip())
        if not m or len(m.group(1)) == 4:
            continue
        first_over_12 |= int(m.group(1)) > 12
        second_over_12 |= int(m.group(2)) > 12
    return "mdy" if second_over_12 and not first_over_12 else "dmy"


# --- flags ---------------------------------------------------------------------------------------

_TRUE = frozenset({"yes", "y", "true", "t", "1", "x", "✓", "sme", "vcse"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "non-sme", "non sme", "not sme", "large"})


def parse_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if is_blank(value):
        return None
    return _parse_bool_text(str(value).strip().lower())


@lru_cache(maxsize=256)
def _parse_bool_text(text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{text}' is not yes or no")


# --- suppliers -----------------------------------------------------------------------------------

_LEGAL_FORM = re.compile(
    r"\b(?:ltd|limited|plc|llp|lp|cic|cio|inc|llc|gmbh|s\.?a|se|asa|ag|nv|bv)\.?\)?$",
    re.IGNORECASE,
)
_HARD_SEPARATORS = re.compile(r"\s*(?:;|\||\n|\r)\s*")
_TIGHT_COMMA = re.compile(r",(?=\S)")  # Contracts Finder joins award suppliers with a bare ','


def split_suppliers(text: object) -> list[str]:
    """Supplier names in a cell, split only where the cell is clearly a list.

    ';', '|' and line breaks always separate. A comma with no space after it separates (that is
    how Contracts Finder joins several awarded suppliers): 'Zurich Municipal,Risk Management
    Partners Ltd' -> 2 names. A comma followed by a space separates only when every part ends in a
    legal form ('Acme Ltd, Beta plc'); 'Smith, Jones & Co Ltd' and 'FOSTER CARE CO-OPERATIVE, THE'
    stay one name. Repeats are dropped, order kept.
    """
    names: list[str] = []
    raw = "" if is_blank(text) else html.unescape(str(text))
    for chunk in _HARD_SEPARATORS.split(raw):
        for name in _split_commas(" ".join(chunk.split())):
            if name and name not in names:
                names.append(name)
    return names


def _split_commas(chunk: str) -> list[str]:
    if "," not in chunk:
        return [chunk]
    tight = [p.strip() for p in _TIGHT_COMMA.split(chunk)]
    if len(tight) > 1 and all(_looks_like_name(p) for p in tight if p):
        return [part for p in tight for part in _split_spaced_commas(p)]
    return _split_spaced_commas(chunk)


def _split_spaced_commas(chunk: str) -> list[str]:
    parts = [p.strip() for p in chunk.split(", ")]
    if len(parts) > 1 and all(_LEGAL_FORM.search(p) and len(p.split()) > 1 and _looks_like_name(p) for p in parts):
        return parts
    return [chunk.strip(" ,")]


def _looks_like_name(part: str) -> bool:
    """A list item, not the tail of one name ('FISHER U.K.,LIMITED' is not a list)."""
    return len(part) > 1 and not _LEGAL_FORM.fullmatch(part) and not part.lower().startswith("t/a")
