"""The command-line contract: `pack`, `export` and `specs`, with one-line errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run
from openpyxl import load_workbook
from pack_support import SECTIONS, TODAY, pdf_pages
from sqlalchemy import select

from flagdesk.services.opportunities import refresh_opportunities
from flagdesk.store.models import Opportunity


@pytest.fixture
def demo_db(demo_register) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with demo_register.write() as session:
        refresh_opportunities(session, "tester", as_of=TODAY)
        opp_id = session.scalars(
            select(Opportunity.id).where(Opportunity.kind == "aggregation").order_by(Opportunity.id)
        ).first()
    return demo_register.url, opp_id


def test_pack_with_annex_and_spec(demo_db, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, opp_id = demo_db
    code, out, err = run(
        capsys,
        "specs",
        "create",
        "--db",
        db,
        "--title",
        "Hosting",
        "--template",
        "carbon",
        "--requirement",
        "UK data residency",
        "--json",
    )
    assert code == 0, err
    spec = json.loads(out)
    assert spec["version"] == 1 and len(spec["outcomes"]) == 2

    pdf, xlsx = tmp_path / "pack.pdf", tmp_path / "annex.xlsx"
    code, out, err = run(
        capsys, "pack", opp_id, "--db", db, "-o", str(pdf), "--annex", str(xlsx), "--spec", str(spec["id"]), "--json"
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["pages"] >= 6 and summary["opportunity"] == opp_id
    text = "\n".join(pdf_pages(pdf))
    assert all(section in text for section in SECTIONS) and "UK data residency" in text
    assert "Contracts" in load_workbook(xlsx).sheetnames


def test_pack_errors_are_one_line(demo_db, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, opp_id = demo_db
    code, out, err = run(capsys, "pack", "AGG-missing", "--db", db, "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and err.strip() == "flagdesk: No opportunity with id AGG-missing." and out == ""
    code, _, err = run(capsys, "pack", opp_id, "--db", db, "-o", str(tmp_path / "missing" / "x.pdf"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "does not exist" in err
    code, _, err = run(capsys, "pack", opp_id, "--db", db, "-o", str(tmp_path / "x.pdf"), "--spec", "77")
    assert code == 1 and "No specification with id 77" in err
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize("fmt", ["ocds", "transparency-csv", "xlsx"])
def test_export_formats(demo_db, capsys, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    db, _ = demo_db
    out_file = tmp_path / f"register.{fmt}"
    code, out, err = run(capsys, "export", "--db", db, "--format", fmt, "-o", str(out_file), "--json")
    assert code == 0, err
    assert json.loads(out)["contracts"] == 400 and out_file.stat().st_size > 0
    code, _, err = run(capsys, "export", "--db", db, "--format", fmt, "-o", str(out_file), "--partner", "Nobody")
    assert code == 1 and err.strip() == "flagdesk: No partner named 'Nobody'."


def test_specs_workflow_and_conflict_exit_code(demo_db, capsys) -> None:  # type: ignore[no-untyped-def]
    db, opp_id = demo_db
    assert run(capsys, "specs", "create", "--db", db, "--title", "Service desk")[0] == 0
    code, out, _ = run(capsys, "specs", "add-outcome", "1", "--db", db, "--template", "time_to_resolve", "--json")
    assert code == 0 and json.loads(out)["version"] == 3  # two library outcomes, one version each
    code, out, _ = run(
        capsys,
        "specs",
        "add-outcome",
        "1",
        "--db",
        db,
        "--statement",
        "Calls answered",
        "--measure",
        "Within 60 s",
        "--target",
        "90%",
        "--json",
    )
    assert code == 0 and json.loads(out)["outcomes"][-1]["target"] == "90%"
    code, _, err = run(capsys, "specs", "update", "1", "--db", db, "--set", "title=Old", "--if-version", "1")
    assert code == 3 and "changed since version 1" in err
    assert run(capsys, "specs", "update", "1", "--db", db, "--set", "summary=One desk", "--if-version", "4")[0] == 0
    assert run(capsys, "specs", "link", "1", opp_id, "--db", db)[0] == 0
    code, out, _ = run(capsys, "specs", "list", "--db", db, "--json")
    listed = json.loads(out)
    assert listed[0]["opportunity_ids"] == [opp_id] and listed[0]["summary"] == "One desk"
    code, out, _ = run(capsys, "specs", "show", "1", "--db", db)
    assert "Calls answered" in out and opp_id in out
    code, _, err = run(capsys, "specs", "add-outcome", "1", "--db", db)
    assert code == 1 and "--template" in err
    code, out, _ = run(capsys, "specs", "templates", "carbon", "--db", db, "--json")
    assert list(json.loads(out)) == ["carbon"]


def test_pack_and_exports_on_each_back_end(any_register, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from flagdesk.services.demo import seed_demo

    with any_register.write() as session:
        seed_demo(session, user="tester", partners=5, contracts=150, seed=3)
        refresh_opportunities(session, "tester", as_of=TODAY)
        opp_id = session.scalars(
            select(Opportunity.id).where(Opportunity.kind == "aggregation").order_by(Opportunity.id)
        ).first()
    code, out, err = run(capsys, "pack", opp_id, "--db", any_register.url, "-o", str(tmp_path / "p.pdf"), "--json")
    assert code == 0, err
    assert json.loads(out)["pages"] >= 6
    for fmt in ("ocds", "transparency-csv"):
        code, out, err = run(
            capsys, "export", "--db", any_register.url, "--format", fmt, "-o", str(tmp_path / f"r.{fmt}"), "--json"
        )
        assert code == 0 and json.loads(out)["contracts"] == 150, err
