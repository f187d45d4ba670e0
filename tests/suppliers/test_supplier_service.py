"""Supplier resolution, the review queue, merge and unmerge on a real register (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from collections import defaultdict

import pytest
from sqlalchemy import func, select
from supplier_data import lancashire_awards, norfolk_suppliers

from flagdesk.analysis.suppliers import name_key
from flagdesk.domain import normalise_company_number
from flagdesk.errors import NotFoundError, ValidationError
from flagdesk.services.audit import list_audit
from flagdesk.services.suppliers import (
    SupplierResolver,
    find_duplicates,
    list_suppliers,
    merge_suppliers,
    unmerge_suppliers,
)
from flagdesk.store.engine import Register
from flagdesk.store.models import Contract, ContractSupplier, Partner, Supplier, SupplierAlias


def resolve_all(register: Register, pairs: list[tuple[str, str | None]]) -> list[int]:
    with register.write() as session:
        resolver = SupplierResolver(session, user="tester", batch_id=None)
        ids = [resolver.resolve(name, number) for name, number in pairs]
        resolver.close()
    return ids


def test_norfolk_resolution(any_register: Register) -> None:
    rows = norfolk_suppliers()
    started = time.perf_counter()
    ids = resolve_all(any_register, rows)
    elapsed = time.perf_counter() - started
    by_name = dict(zip((n for n, _ in rows), ids, strict=True))
    numbers: dict[int, set[str]] = defaultdict(set)
    keys: dict[int, set[str]] = defaultdict(set)
    for (name, raw), sid in zip(rows, ids, strict=True):
        if normalise_company_number(raw):
            numbers[sid].add(normalise_company_number(raw))  # type: ignore[arg-type]
        keys[sid].add(name_key(name))
    # no supplier holds two different company numbers
    assert all(len(v) == 1 for v in numbers.values())
    # names equal up to case, punctuation and legal form are one supplier
    assert by_name["ALBIES TAXIS"] == by_name["Albies Taxis"]
    assert by_name["ORCHIDALE CHILDRENS NURSERY LTD"] == by_name["ORCHIDALE CHILDRENS NURSERY"]
    assert by_name["SENSE-CHILDREN &ADULT SERVICES"] == by_name["SENSE-CHILDREN & ADULT SERVICES"]
    # spellings that only look alike are not merged: they go to the review queue instead
    assert by_name["ALL HALLOWS HEALTHCARE TRUST"] != by_name["ALL HALLOWS HEALTH CARE TRUST"]
    # not over-merged: a supplier joins names only through one name key or one company number
    assert all(len(keys[sid]) == 1 or len(numbers[sid]) == 1 for sid in keys)
    with any_register.session() as session:
        suppliers = session.scalar(select(func.count()).select_from(Supplier))
        stored = session.execute(select(Supplier.company_number)).scalars().all()
        aliases = set(session.scalars(select(SupplierAlias.name)))
    distinct_keys = len({name_key(n) for n, _ in rows})
    assert distinct_keys - 10 <= suppliers <= distinct_keys + 10
    assert "02165763" in stored  # 'gb/02165763' and '2165763' meet here
    assert aliases == {" ".join(n.split()) for n, _ in rows}  # every name seen stays as an alias
    assert elapsed < 5.0


def test_resolution_is_stable_across_imports_and_keeps_companies_apart(any_register: Register) -> None:
    first = resolve_all(any_register, [("Health Care Homes Group Ltd", "4516799"), ("Acme Ltd", None)])
    second = resolve_all(
        any_register,
        [
            ("HEALTH CARE HOMES GROUP LIMITED", "gb/04516799"),  # same number, other spelling
            ("Health Care Homes Group Limited", "05599571"),  # same name, another company
            ("ACME LIMITED", "01234567"),  # the number-less supplier learns its number
            ("Acme", "01234567"),
        ],
    )
    assert second[0] == first[0]
    assert second[1] != first[0]
    assert second[2] == second[3] == first[1]
    with any_register.session() as session:
        assert session.get(Supplier, first[1]).company_number == "01234567"  # type: ignore[union-attr]
        assert [e.action for e in list_audit(session, table="supplier")].count("insert") == 3


def test_resolver_on_hostile_names(any_register: Register) -> None:
    with pytest.raises(ValidationError), any_register.write() as session:
        SupplierResolver(session, user="t").resolve("   ")
    long_name = "Acme " + "Very " * 400 + "Long Ltd"
    ids = resolve_all(
        any_register, [(long_name, "not a number"), ("\x00Acme\t Ltd", "gb/0"), ("ＡＣＭＥ Ltd", None), ("&amp;", None)]
    )
    with any_register.session() as session:
        names = {s.id: s.name for s in session.scalars(select(Supplier))}
    assert len(names[ids[0]]) == 300 and ids[2] == ids[1]  # full-width letters fold to ASCII
    assert names[ids[3]] == "&amp;"


def _contract(session, partner: Partner, ref: str, links: list[tuple[int, str]]) -> int:  # type: ignore[no-untyped-def]
    contract = Contract(partner_id=partner.id, reference=ref, title=ref, identity_key=ref)
    session.add(contract)
    session.flush()
    for pos, (sid, name) in enumerate(links):
        session.add(ContractSupplier(contract_id=contract.id, supplier_id=sid, position=pos, name_as_published=name))
    session.flush()
    return contract.id


def _links(register: Register) -> set[tuple[int, int, int, str | None]]:
    with register.session() as session:
        rows = session.execute(
            select(
                ContractSupplier.contract_id,
                ContractSupplier.supplier_id,
                ContractSupplier.position,
                ContractSupplier.name_as_published,
            )
        )
        return {tuple(row) for row in rows}


def test_merge_and_unmerge_restore_contracts_exactly(any_register: Register) -> None:
    keep, other, third = resolve_all(
        any_register,
        [("All Hallows Health Care Trust", None), ("ALL HALLOWS HEALTHCARE TRUST", "01234567"), ("X", None)],
    )
    resolve_all(any_register, [("All Hallows Healthcare Trust", None)])  # a second alias of OTHER
    with any_register.write() as session:
        partner = Partner(name="Norfolk County Council")
        session.add(partner)
        session.flush()
        only_other = _contract(session, partner, "A", [(other, "ALL HALLOWS HEALTHCARE TRUST")])
        both = _contract(session, partner, "B", [(keep, "All Hallows"), (other, "ALL HALLOWS HEALTHCARE TRUST")])
        unrelated = _contract(session, partner, "C", [(third, "X"), (keep, "All Hallows")])
    before = _links(any_register)
    with any_register.session() as session:
        queue = find_duplicates(session)
    assert [(p.a.id, p.b.id) for p in queue] == [(keep, other)]
    assert queue[0].score >= 95 and queue[0].evidence

    with any_register.write() as session:
        result = merge_suppliers(session, keep, other, user="alice")
    assert result["contracts_moved"] == 2
    assert {(c, s) for c, s, _, _ in _links(any_register)} == {
        (only_other, keep),
        (both, keep),
        (unrelated, third),
        (unrelated, keep),
    }
    with any_register.session() as session:
        listed = {r.id: r for r in list_suppliers(session)}
        assert other not in listed
        assert listed[keep].company_numbers == ("01234567",)
        assert {"ALL HALLOWS HEALTHCARE TRUST", "All Hallows Healthcare Trust"} <= set(listed[keep].aliases)
        assert listed[keep].contracts == 3
        assert find_duplicates(session) == []
    # the resolver follows the merge: OTHER's number and spellings now mean KEEP
    assert resolve_all(any_register, [("ALL HALLOWS HEALTHCARE TRUST", "1234567")]) == [keep]

    with any_register.write() as session:
        unmerge_suppliers(session, keep, other, user="alice")
    assert _links(any_register) == before
    with any_register.session() as session:
        listed = {r.id: r for r in list_suppliers(session)}
        assert set(listed[other].aliases) == {"ALL HALLOWS HEALTHCARE TRUST", "All Hallows Healthcare Trust"}
        assert listed[keep].aliases == ("All Hallows Health Care Trust",)
        actions = [(e.action, e.user) for e in list_audit(session, record=str(other)) if e.table == "supplier"]
        assert ("merge", "alice") in actions and ("unmerge", "alice") in actions


def test_merge_refusals(any_register: Register) -> None:
    wsp_plc, wsp_uk = resolve_all(any_register, [("WSP Plc", "01383511"), ("WSP UK Limited", "02383511")])
    with any_register.write() as session:
        with pytest.raises(ValidationError, match="different company numbers"):
            merge_suppliers(session, wsp_plc, wsp_uk, user="t")
        with pytest.raises(ValidationError, match="itself"):
            merge_suppliers(session, wsp_plc, wsp_plc, user="t")
        with pytest.raises(NotFoundError):
            merge_suppliers(session, wsp_plc, 99999, user="t")
        with pytest.raises(NotFoundError):
            unmerge_suppliers(session, wsp_plc, wsp_uk, user="t")
    with any_register.write() as session:
        merge_suppliers(session, wsp_plc, wsp_uk, user="t", force=True)  # a person may group them on purpose
    with any_register.write() as session, pytest.raises(ValidationError, match="merged into"):
        merge_suppliers(session, wsp_uk, wsp_plc, user="t")


def test_lancashire_suppliers(register: Register) -> None:
    awards = lancashire_awards()
    pairs = [(name, None) for _, names in awards for name in names]
    ids = resolve_all(register, pairs)
    by_name = dict(zip((n for n, _ in pairs), ids, strict=True))
    civica = {by_name[n] for n in by_name if name_key(n) == "civica uk"}
    assert len(civica) == 1 and len([n for n in by_name if name_key(n) == "civica uk"]) >= 3
    assert by_name["WSP Plc"] != by_name["WSP UK Limited"]
    # comma-joined cells became several suppliers, so Zurich Municipal is one supplier seen everywhere
    councils_with_zurich = {c for c, names in awards for n in names if n == "Zurich Municipal"}
    assert len(councils_with_zurich) >= 3
    assert len({by_name[n] for n in by_name if name_key(n) == "zurich municipal"}) == 1


def test_pending_suppliers_are_written_on_commit_and_rolled_back_on_failure(any_register: Register) -> None:
    with any_register.write() as session:
        sid = SupplierResolver(session, user="t").resolve("Civica UK Ltd", "01628868")  # no close(): commit writes
    with pytest.raises(RuntimeError), any_register.write() as session:
        SupplierResolver(session, user="t").resolve("Kier Construction Ltd")
        session.execute(select(func.count()).select_from(Supplier))  # the pending insert is written here...
        raise RuntimeError("import failed half way")  # ...and undone with everything else
    with any_register.session() as session:
        assert [(s.id, s.name, s.company_number) for s in session.scalars(select(Supplier))] == [
            (sid, "Civica UK Ltd", "01628868")
        ]
        assert session.scalars(select(SupplierAlias.name)).all() == ["Civica UK Ltd"]
