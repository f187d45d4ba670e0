"""safe_cell: nothing a spreadsheet would run as a formula survives; ordinary text passes unchanged."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flagdesk.reports.cells import is_formula_like, safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://example.org","x")', '\'=HYPERLINK("http://example.org","x")'),
        ("+441234567890", "'+441234567890"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("  =1+1", "'  =1+1"),
        ("\x00=1\x07", "'=1"),
        ("-150.25", "-150.25"),  # a plain number is not a formula
        ("R&D <b>", "R&D <b>"),
        ("", ""),
        (None, None),
        (12, 12),
        (date(2024, 4, 1), date(2024, 4, 1)),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


@given(st.text())
def test_no_text_comes_out_formula_like_and_safe_text_is_untouched(text: str) -> None:
    out = safe_cell(text)
    assert not is_formula_like(out)
    assert not any(ch in out for ch in "\x00\x01\x08\x0b\x1f")
    if not is_formula_like(text) and text.isprintable():
        assert out == text
