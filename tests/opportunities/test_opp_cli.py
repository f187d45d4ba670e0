"""The command-line contract of issue 5, and the demo register's planted cases."""

from __future__ import annotations

import pytest
from cli_support import run, run_json
from planted import planted, store, unrelated
from sqlalchemy import select

from flagdesk.store import models as m

REQUIRED = {
    "id",
    "kind",
    "title",
    "partners",
    "contracts",
    "combined_annual_value_pence",
    "proposed_start",
    "estimated_saving_pence",
    "assumptions",
    "evidence",
    "score",
    "status",
}
P = planted()


@pytest.fixture
def db(any_register) -> str:  # type: ignore[no-untyped-def]
    with any_register.write() as session:
        store(session, P.contracts + unrelated(30, seed=2))
    return any_register.url


def test_demo_register_planted_cases_are_found(demo_register, capsys):
    with demo_register.session() as session:
        planted_refs = session.get(m.Setting, "demo").value["planted"]
        ids = dict(session.execute(select(m.Contract.reference, m.Contract.id)).all())
    found = run_json(capsys, "--db", demo_register.url, "opportunities", "list")
    by_set = {(o["kind"], frozenset(o["contracts"])): o for o in found}
    for kind, refs in planted_refs.items():
        assert (kind, frozenset(ids[r] for r in refs)) in by_set, kind
    reuse = by_set[("reuse", frozenset(ids[r] for r in planted_refs["reuse"]))]
    assert reuse["title"].startswith("Call off from")
    assert reuse["vehicle_contract"] in {ids[r] for r in planted_refs["reuse"]}
    for o in found:
        assert set(o) >= REQUIRED
        assert o["status"] == "identified" and o["evidence"] and o["estimated_saving_pence"] >= 0
        if o["kind"] == "aggregation":
            assert len(o["partners"]) >= 2


def test_list_filters_and_json_contract(db, capsys):
    rows = run_json(capsys, "--db", db, "opportunities", "list", "--as-of", "2026-06-01")
    assert {frozenset(r["contracts"]) for r in rows} == {P.licence, P.network, P.reuse, P.rationalisation}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for r in rows:
        assert set(r) >= REQUIRED
        assert isinstance(r["combined_annual_value_pence"], int) and isinstance(r["estimated_saving_pence"], int)
        assert all(isinstance(line, str) and line.endswith(".") for line in r["evidence"])
    reuse_only = run_json(capsys, "--db", db, "opportunities", "list", "--as-of", "2026-06-01", "--kind", "reuse")
    assert [r["kind"] for r in reuse_only] == ["reuse"]
    wide = run_json(capsys, "--db", db, "opportunities", "list", "--as-of", "2026-06-01", "--window", "72")
    assert P.far_apart in {frozenset(r["contracts"]) for r in wide}
    stored = run_json(capsys, "--db", db, "opportunities", "list", "--no-refresh")
    assert {r["id"] for r in stored} == {r["id"] for r in wide}


def test_show_set_status_and_record_saving(db, capsys):
    rows = run_json(capsys, "--db", db, "opportunities", "list", "--as-of", "2026-06-01")
    licence = next(r for r in rows if frozenset(r["contracts"]) == P.licence)
    code, out, _ = run(capsys, "--db", db, "opportunities", "show", licence["id"])
    assert code == 0 and "Civica UK Ltd supplies 4 of the 4 contracts." in out
    shown = run_json(capsys, "--db", db, "opportunities", "show", licence["id"])
    assert shown["evidence"] == licence["evidence"]
    code, _, err = run(capsys, "--db", db, "opportunities", "set-status", licence["id"], "dismissed")
    assert code == 1 and err.count("\n") == 1 and "reason" in err
    moved = run_json(
        capsys, "--db", db, "opportunities", "set-status", licence["id"], "under_review", "--note", "Board in May"
    )
    assert moved["status"] == "under_review" and moved["version"] == 2
    code, _, err = run(
        capsys, "--db", db, "opportunities", "set-status", licence["id"], "approved", "--if-version", "1"
    )
    assert code == 3 and "version 2" in err
    saved = run_json(capsys, "--db", db, "opportunities", "record-saving", licence["id"], "1,000.50")
    assert saved["realised_saving_pence"] == 100_050
    benefits = run_json(capsys, "--db", db, "opportunities", "benefits")
    assert sum(b["realised_saving_pence"] for b in benefits) == 100_050
    again = run_json(capsys, "--db", db, "opportunities", "list", "--as-of", "2026-06-01")
    kept = next(r for r in again if r["id"] == licence["id"])
    assert kept["status"] == "under_review" and kept["realised_saving_pence"] == 100_050


def test_user_errors_are_one_line(db, capsys):
    for args in (
        ("opportunities", "show", "AGG-nope"),
        ("opportunities", "record-saving", "AGG-nope", "10"),
        ("assumptions", "set", "window_months", "lots"),
        ("assumptions", "set", "unknown_name", "1"),
    ):
        code, out, err = run(capsys, "--db", db, *args)
        assert code == 1 and out == "" and err.startswith("flagdesk: ") and err.count("\n") == 1, args


def test_assumptions_show_and_set(db, capsys):
    shown = run_json(capsys, "--db", db, "assumptions", "show")
    assert {"window_months", "process_cost_per_tender_pounds", "price_saving_base_pct"} <= {a["name"] for a in shown}
    code, out, _ = run(capsys, "--db", db, "assumptions", "set", "price_saving_base_pct", "3")
    assert code == 0 and "price_saving_base_pct = 3" in out
    shown = {a["name"]: a for a in run_json(capsys, "--db", db, "assumptions", "show")}
    assert shown["price_saving_base_pct"]["value"] == 3 and shown["price_saving_base_pct"]["default"] == 2
    rows = run_json(capsys, "--db", db, "opportunities", "list", "--as-of", "2026-06-01", "--kind", "rationalisation")
    assert rows[0]["assumptions"]["values"]["price_saving_base_pct"] == 3
    assert rows[0]["assumptions"]["price_saving_pct"] == 3


def test_pipeline_command(db, capsys):
    rows = run_json(capsys, "--db", db, "pipeline", "--as-of", "2027-01-01", "--months", "12")
    assert rows and {"quarter", "partner", "category", "contracts", "annual_value_pence"} <= set(rows[0])
    assert all("2027-Q1" <= r["quarter"] <= "2028-Q1" for r in rows)
    code, out, _ = run(capsys, "--db", db, "pipeline", "--as-of", "2027-01-01")
    assert code == 0 and "2027-Q1" in out
