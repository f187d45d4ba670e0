"""Norfolk's register (no CPV codes) imported beside the Lancashire notices (with codes): the same
needs meet, and Norfolk's suppliers come through the real importer as the issue asks."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from lancashire import DATA, LANCASHIRE, fill_register
from sqlalchemy import select

from flagdesk.services.classification import suggest_codes
from flagdesk.services.imports import apply_import
from flagdesk.services.suppliers import find_duplicates, list_suppliers
from flagdesk.store.engine import Register
from flagdesk.store.models import Contract

NORFOLK = DATA / "registers" / "norfolk-county-council-2016.csv"


def test_norfolk_beside_lancashire(register: Register) -> None:
    if not (NORFOLK.exists() and LANCASHIRE.exists()):
        pytest.skip(f"reference data not available under {DATA}")
    with register.write() as session:
        fill_register(session, hidden=set())
    with register.write() as session:
        apply_import(session, NORFOLK, user="tester")

    with register.session() as session:
        suppliers = list_suppliers(session)
        queue = {frozenset((p.a.name, p.b.name)) for p in find_duplicates(session)}
        results = suggest_codes(session, partner="Norfolk County Council")
        category = {cid: cat for cid, cat in session.execute(select(Contract.id, Contract.category))}
    assert all(len(s.company_numbers) <= 1 for s in suppliers)
    assert frozenset(("ALL HALLOWS HEALTHCARE TRUST", "ALL HALLOWS HEALTH CARE TRUST")) in queue
    assert len(results) == 5729

    divisions: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        divisions[category[r.contract_id] or ""][r.suggestions[0].cpv[:2] if r.suggestions else "--"] += 1
    # "Passenger transport.Education Mainstream" is the Lancashire councils' school transport (60)
    # (transport for adult social care also draws social work, 85: measured 85% of them stay 60)
    for label, share in (
        ("Passenger transport.Education Mainstream", 0.9),
        ("Passenger transport.Adult Social Care", 0.8),
    ):
        top, count = divisions[label].most_common(1)[0]
        assert top == "60" and count / sum(divisions[label].values()) >= share
    assert divisions["Adult care - nursing & residential"].most_common(1)[0][0] == "85"
    assert divisions["HR - training"].most_common(1)[0][0] == "80"
