"""The Common Procurement Vocabulary 2008: canonical codes, labels and the hierarchy.

CPV check digits follow no reproducible arithmetic rule (the 2008 list has irregularities), so
codes are looked up in the official list rather than computed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from resources import resource_path

_CODE_SHAPE = re.compile(r"^(\d{7,8})(?:-?(\d))?$")


class UnknownCpvError(ValueError):
    """A code that is not in the CPV 2008 main vocabulary."""


@dataclass(frozen=True)
class CpvCode:
    code: str  # canonical 'NNNNNNNN-D'
    label: str

    @property
    def digits(self) -> str:
        return self.code[:8]

    @property
    def division(self) -> str:
        return self.code[:2]

    @property
    def group(self) -> str:
        return self.code[:3]


@cache
def vocabulary() -> dict[str, str]:
    """Canonical code -> English label, 9,454 entries, loaded once."""
    with open(resource_path("cpv2008-en.json"), encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _by_digits() -> dict[str, str]:
    return {code[:8]: code for code in vocabulary()}


def resolve(text: str) -> str:
    """Canonical 'NNNNNNNN-D' for a code given with or without its check digit or leading zero.

    '72000000-5', '72000000', '3000000' (lost zero) and '03000000-1' all resolve; a check digit
    that disagrees with the list is an error, as is a code that is not in the list.
    """
    raw = re.sub(r"\s", "", str(text))
    if raw.endswith(".0"):  # a number that went through a float in a spreadsheet
        raw = raw[:-2]
    m = _CODE_SHAPE.match(raw)
    if not m:
        raise UnknownCpvError(f"'{text}' is not a CPV code (expected 8 digits, e.g. 72000000-5)")
    digits = m.group(1).zfill(8)
    canonical = _by_digits().get(digits)
    if canonical is None:
        raise UnknownCpvError(f"'{text}' is not in the CPV 2008 list")
    if m.group(2) is not None and canonical[-1] != m.group(2):
        raise UnknownCpvError(f"'{text}' has the wrong check digit (the CPV 2008 list has {canonical})")
    return canonical


def try_resolve(text: str) -> str | None:
    try:
        return resolve(text)
    except UnknownCpvError:
        return None


def label(code: str) -> str:
    return vocabulary().get(resolve(code), "")


def lookup(code: str) -> CpvCode:
    canonical = resolve(code)
    return CpvCode(canonical, vocabulary()[canonical])


def division_label(division: str) -> str:
    """Label of a two-digit CPV division ('72' -> 'IT services: consulting, ...')."""
    return vocabulary().get(_by_digits().get(division.ljust(8, "0"), ""), "")


def group_label(group: str) -> str:
    return vocabulary().get(_by_digits().get(group.ljust(8, "0"), ""), "")


def parent(code: str) -> str | None:
    """The next code up the hierarchy that is in the list, or None at division level."""
    digits = resolve(code)[:8]
    significant = digits.rstrip("0")
    while len(significant) > 2:
        significant = significant[:-1]
        candidate = _by_digits().get(significant.ljust(8, "0"))
        if candidate and candidate[:8] != digits:
            return candidate
    return None
