"""Applying imports to the register: identity, re-import, audited changes, exact undo, safety."""

from __future__ import annotations

import csv
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from shared_paths import shared_data
from sqlalchemy import select, text

from flagdesk.errors import CancelledError, ConflictError, UserError
from flagdesk.services import imports as imports_service
from flagdesk.services.contracts import load_contract_records, update_contract
from flagdesk.services.imports import apply_import, list_imports, preview_import, undo_import
from flagdesk.store.engine import Register
from flagdesk.store.models import AuditEvent, Base, MappingProfile, Partner
from importers import ImportFileError

HISTORY = {"import_batch", "import_change", "audit_event"}  # what an import adds on purpose
HEADER = [
    "Organisation",
    "Contract reference",
    "Contract title",
    "Supplier name",
    "Contract value",
    "Start date",
    "End date",
    "CPV code",
]
ROWS = [
    [
        "Breckland District Council",
        "BDC-1",
        "Waste fleet lease",
        "Acme Fleet Ltd",
        "£120,000",
        "01/04/2023",
        "31/03/2026",
        "34144512-0",
    ],
    [
        "Breckland District Council",
        "BDC-1",
        "Waste fleet lease",
        "Other Fleet Ltd",
        "£80,000",
        "01/04/2023",
        "31/03/2026",
        "",
    ],  # same reference, different supplier: a different contract
    [
        "Breckland District Council",
        "BDC-2",
        "Payroll software",
        "Payco Ltd",
        "£49,999.50",
        "01/01/2024",
        "31/12/2026",
        "48450000-7",
    ],
    ["Norfolk Constabulary", "NC-9", "Body-worn cameras", "Axon Ltd", "£310,000", "01/05/2023", "30/04/2026", ""],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def snapshot(register: Register) -> dict[str, list[tuple[Any, ...]]]:
    """Every register table's rows (history tables aside), ordered, for exact comparison."""
    out = {}
    with register.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in HISTORY:
                order = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [tuple(r) for r in session.execute(select(table).order_by(*order))]
    return out


def apply(register: Register, path: Path, **kwargs: Any) -> imports_service.ImportSummary:
    with register.write() as session:
        return apply_import(session, path, user="tester", **kwargs)


def undo(register: Register, batch_id: int) -> dict[str, Any]:
    with register.write() as session:
        return undo_import(session, batch_id, user="tester")


@pytest.fixture
def seeded(any_register: Register) -> Register:
    """A register that already holds work of its own: it must survive imports and undos untouched."""
    with any_register.write() as session:
        session.add(Partner(name="Breckland District Council", kind="district_council"))
    return any_register


def test_import_then_reimport_changes_nothing(seeded: Register, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "register.csv", ROWS)
    first = apply(seeded, path)
    assert (first.count("new"), first.count("changed"), first.rows_rejected) == (4, 0, 0)
    assert first.partners_created == ["Norfolk Constabulary"]
    after_first = snapshot(seeded)
    second = apply(seeded, path)
    assert (second.count("new"), second.count("changed"), second.count("unchanged")) == (0, 0, 4)
    assert snapshot(seeded) == after_first
    with seeded.session() as session:
        records = {(r.reference, r.suppliers): r for r in load_contract_records(session)}
        kinds = {n: k for n, k in session.execute(select(Partner.name, Partner.kind))}
    assert kinds["Norfolk Constabulary"] == "police"
    fleet = records[("BDC-1", ("Acme Fleet Ltd",))]
    assert (fleet.total_value_pence, fleet.cpv, str(fleet.end_date)) == (12_000_000, ("34144512-0",), "2026-03-31")
    assert records[("BDC-1", ("Other Fleet Ltd",))].total_value_pence == 8_000_000


def test_changed_rows_update_contracts_with_audit(seeded: Register, tmp_path: Path) -> None:
    first = apply(seeded, write_csv(tmp_path / "q1.csv", ROWS))
    changed_rows = [list(r) for r in ROWS]
    changed_rows[0][4], changed_rows[0][6] = "£125,000", "31/03/2027"
    changed_rows[2][3] = "Payco Ltd;Backup Payroll Ltd"  # a supplier added
    second = apply(seeded, write_csv(tmp_path / "q2.csv", changed_rows))
    # The payroll row's suppliers changed, so its identity did; it is still the one payroll contract
    # of that reference and title that this file left unmatched, so it is updated, not duplicated.
    assert (second.count("new"), second.count("changed"), second.count("unchanged")) == (0, 2, 2)
    payroll = next(p for p in second.plans if p.record.reference == "BDC-2")
    assert payroll.changes["suppliers"] == (["Payco Ltd"], ["Payco Ltd", "Backup Payroll Ltd"])
    assert payroll.contract_id == next(p.contract_id for p in first.plans if p.record.reference == "BDC-2")
    plan = next(p for p in second.plans if p.record.reference == "BDC-1" and p.action == "changed")
    assert plan.changes == {
        "total_value_pence": (12_000_000, 12_500_000),
        "end_date": (plan.changes["end_date"][0], plan.changes["end_date"][1]),
    }
    assert str(plan.changes["end_date"][1]) == "2027-03-31"
    assert plan.contract_id == next(p.contract_id for p in first.plans if p.record.row == 2)
    with seeded.session() as session:
        events = session.execute(
            select(AuditEvent.field, AuditEvent.old, AuditEvent.new).where(
                AuditEvent.batch_id == second.batch_id, AuditEvent.table_name == "contract"
            )
        ).all()
        version = session.execute(text("select version from contract where id = :i"), {"i": plan.contract_id}).scalar()
    assert set(events) == {
        ("total_value_pence", "12000000", "12500000"),
        ("end_date", "2026-03-31", "2027-03-31"),
        ("suppliers", '["Payco Ltd"]', '["Payco Ltd", "Backup Payroll Ltd"]'),
    }
    assert version == 2


def test_undo_restores_the_register_exactly(seeded: Register, tmp_path: Path) -> None:
    before = snapshot(seeded)
    first = apply(seeded, write_csv(tmp_path / "q1.csv", ROWS))
    after_first = snapshot(seeded)
    changed_rows = [list(r) for r in ROWS]
    changed_rows[0][4] = "£1"
    changed_rows[3][7] = "35125300-2"
    changed_rows[2][3] = "Payco Ltd;Backup Payroll Ltd"
    changed_rows.append(
        ["Norfolk Fire and Rescue Service", "F-1", "Appliances", "Fire Kit Ltd", "5k", "01/01/2024", "31/12/2024", ""]
    )
    second = apply(seeded, write_csv(tmp_path / "q2.csv", changed_rows))
    assert (second.count("new"), second.count("changed")) == (1, 3)
    with pytest.raises(ConflictError, match="undo it first"):
        undo(seeded, first.batch_id)  # the later batch builds on it
    assert undo(seeded, second.batch_id) == {
        "batch_id": second.batch_id,
        "removed": 1,
        "restored": 3,
        "status": "undone",
    }
    assert snapshot(seeded) == after_first
    undo(seeded, first.batch_id)
    assert snapshot(seeded) == before
    with pytest.raises(UserError, match="already undone"):
        undo(seeded, first.batch_id)
    with seeded.session() as session:
        assert [b["status"] for b in list_imports(session)] == ["undone", "undone"]


def test_undo_refuses_to_lose_later_edits(seeded: Register, tmp_path: Path) -> None:
    first = apply(seeded, write_csv(tmp_path / "q1.csv", ROWS))
    contract_id = first.plans[0].contract_id
    with seeded.write() as session:
        update_contract(session, contract_id, {"title": "Renamed by hand"}, user="officer")
    edited = snapshot(seeded)
    with pytest.raises(ConflictError, match="edited after the import"):
        undo(seeded, first.batch_id)
    assert snapshot(seeded) == edited


def test_a_failure_half_way_changes_nothing(seeded: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    apply(seeded, write_csv(tmp_path / "q1.csv", ROWS))
    before = snapshot(seeded)
    changed_rows = [[*r[:4], "£9", *r[5:]] for r in ROWS] + [
        ["Norfolk Fire and Rescue Service", "F-1", "Appliances", "Fire Kit Ltd", "5k", "01/01/2024", "", ""]
    ]
    path = write_csv(tmp_path / "q2.csv", changed_rows)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(imports_service, "audit_many", broken)  # after inserts and updates were sent
    with pytest.raises(OSError, match="disk full"):
        apply(seeded, path)
    assert snapshot(seeded) == before
    with seeded.session() as session:
        assert len(list_imports(session)) == 1


def test_cancel_changes_nothing(seeded: Register, tmp_path: Path) -> None:
    before = snapshot(seeded)
    calls = iter(range(100))
    with pytest.raises(CancelledError):
        apply(seeded, write_csv(tmp_path / "q1.csv", ROWS), cancel=lambda: next(calls) >= 1)
    assert snapshot(seeded) == before


def test_refused_file_changes_nothing(seeded: Register, tmp_path: Path) -> None:
    before = snapshot(seeded)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ImportFileError):
        apply(seeded, path)
    assert snapshot(seeded) == before


def test_preview_writes_nothing_and_reports_every_outcome(seeded: Register, tmp_path: Path) -> None:
    apply(seeded, write_csv(tmp_path / "q1.csv", ROWS[:2]))
    before = snapshot(seeded)
    rows = [list(ROWS[0]), list(ROWS[1]), list(ROWS[2]), ["", "X", "", "", "lots", "", "", ""]]
    rows[1][4] = "£81,000"
    with seeded.session() as session:
        summary = preview_import(session, write_csv(tmp_path / "q2.csv", rows), partner="Breckland District Council")
    assert (summary.count("new"), summary.count("changed"), summary.count("unchanged"), summary.rows_rejected) == (
        1,
        1,
        1,
        1,
    )
    assert summary.batch_id is None
    assert [p.column for p in summary.problems if p.severity == "error"] == ["Contract value"]
    assert snapshot(seeded) == before


def test_rows_without_an_organisation_need_a_partner(seeded: Register, tmp_path: Path) -> None:
    path = tmp_path / "no-org.csv"
    path.write_text("Contract title,Supplier name,Contract value\nCleaning,Shine Ltd,100\n")
    summary = apply(seeded, path)
    assert summary.rows_rejected == 1 and "give --partner" in summary.problems[0].message
    summary = apply(seeded, path, partner="Norwich City Council")
    assert summary.count("new") == 1 and summary.partners_created == ["Norwich City Council"]


def test_mapping_saved_per_partner_and_reused(seeded: Register, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Thing,Who,Money,Finish\nCleaning,Shine Ltd,100,31/03/2026\n")
    with pytest.raises(ImportFileError, match="no recognisable columns"):
        apply(seeded, path, partner="Norwich City Council")
    mapping = {"Thing": "title", "Who": "supplier", "Money": "annual_value", "Finish": "end_date"}
    apply(seeded, path, partner="Norwich City Council", mapping=mapping)
    with seeded.session() as session:
        saved = session.scalars(select(MappingProfile.mapping)).all()
    assert saved == [mapping]
    path.write_text("Thing,Who,Money,Finish\nCleaning,Shine Ltd,100,31/03/2026\nSecurity,Guard Ltd,5k,\n")
    summary = apply(seeded, path, partner="Norwich City Council")  # next quarter, no mapping given
    assert summary.mapping == mapping
    assert (summary.count("new"), summary.count("unchanged")) == (1, 1)


def test_ocds_records_import_with_buyers_as_partners(seeded: Register) -> None:
    folder = shared_data("ocds", "contracts-finder-2016")
    for path in sorted((folder / "records").glob("*.json")):
        assert apply(seeded, path).count("new") == 1
    for path in sorted((folder / "records").glob("*.json")):
        assert apply(seeded, path).count("unchanged") == 1
    with seeded.session() as session:
        records = load_contract_records(session)
    assert len(records) == 11
    assert {r.partner for r in records} >= {"Met Office", "Devon County Council", "Darlington Borough Council"}
    assert all(r.total_value_pence and r.status == "planned" for r in records)


@pytest.mark.slow
def test_norfolk_register_lands_and_reimports_unchanged(any_register: Register) -> None:
    norfolk = shared_data("registers", "norfolk-county-council-2016.csv")
    first = apply(any_register, norfolk)
    assert (first.rows_read, first.count("new"), first.rows_rejected) == (5729, 5729, 0)
    state = snapshot(any_register)
    second = apply(any_register, norfolk)
    assert (second.count("new"), second.count("changed"), second.count("unchanged")) == (0, 0, 5729)
    assert snapshot(any_register) == state
    with any_register.session() as session:
        partners = [tuple(r) for r in session.execute(select(Partner.name, Partner.kind))]
    assert partners == [("Norfolk County Council", "county_council")]
    undo(any_register, second.batch_id)
    undo(any_register, first.batch_id)
    assert sum(len(rows) for rows in snapshot(any_register).values()) == 0


def test_undo_gives_back_a_company_number_the_import_filled_in(seeded: Register, tmp_path: Path) -> None:
    from flagdesk.analysis.suppliers import name_key
    from flagdesk.store.models import Supplier

    with seeded.write() as session:
        session.add(Supplier(name="Acme Fleet Ltd", name_key=name_key("Acme Fleet Ltd")))
    before = snapshot(seeded)
    path = tmp_path / "numbers.csv"
    path.write_text(
        "Organisation,Contract title,Supplier name,Company number\n"
        "Breckland District Council,Fleet,ACME FLEET LIMITED,1234567\n"
    )
    summary = apply(seeded, path)
    with seeded.session() as session:
        numbers = [tuple(r) for r in session.execute(select(Supplier.name, Supplier.company_number))]
    assert numbers == [("Acme Fleet Ltd", "01234567")]  # the same supplier, now with its number
    undo(seeded, summary.batch_id)
    assert snapshot(seeded) == before


def test_apply_reports_progress_to_the_end(seeded: Register, tmp_path: Path) -> None:
    seen: list[float] = []
    apply(seeded, write_csv(tmp_path / "q1.csv", ROWS), progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(0.0 <= a <= b <= 1.0 for a, b in pairwise(seen))


@pytest.mark.pg
def test_an_import_on_postgresql_holds_off_concurrent_contract_edits(pg_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Between planning and writing nobody else may change contracts, or their edit would be overwritten."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from flagdesk.store.engine import open_register
    from flagdesk.store.migrate import upgrade

    engine = create_engine(pg_database.url)
    upgrade(engine)
    register = open_register(pg_database.url)
    apply(register, write_csv(tmp_path / "first.csv", ROWS))
    changed = [[*ROWS[0][:4], "£130,000", *ROWS[0][5:]], *ROWS[1:]]
    other = engine.connect()
    try:
        with register.write() as session:
            apply_import(session, write_csv(tmp_path / "second.csv", changed), user="tester")
            # The import's transaction is still open: a concurrent edit must wait, not slip in.
            other.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                other.execute(text("UPDATE contract SET title = 'edited meanwhile' WHERE reference = 'BDC-2'"))
            other.rollback()
    finally:
        other.close()
        register.dispose()
        engine.dispose()
