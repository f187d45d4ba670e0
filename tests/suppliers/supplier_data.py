"""Supplier names as published in ../shared/data (Norfolk register, Lancashire award notices)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
NORFOLK = DATA / "registers" / "norfolk-county-council-2016.csv"
LANCASHIRE = DATA / "notices-lancashire"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data not available: {path}")
    return path


def norfolk_suppliers() -> list[tuple[str, str]]:
    """(supplier name, company number as published) for every Norfolk row, in file order."""
    with open(_need(NORFOLK), encoding="utf-8-sig", newline="") as fh:
        return [(r["Supplier name"], r["Supplier registered company number"]) for r in csv.DictReader(fh)]


def lancashire_awards() -> list[tuple[str, list[str]]]:
    """(council file stem, supplier names of one award notice) with cells split by the importer's rule."""
    from importers.values import split_suppliers

    found = []
    for path in sorted(_need(LANCASHIRE).glob("*.json")):
        for notice in json.loads(path.read_text(encoding="utf-8"))["contracts"]:
            found.append((path.stem, split_suppliers(notice.get("awarded_supplier"))))
    return found
