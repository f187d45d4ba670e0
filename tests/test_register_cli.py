"""The command-line contract of the register (issue 2), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from cli_support import run, run_json
from sqlalchemy import create_engine, text

from flagdesk import cpv
from flagdesk.cli import main
from flagdesk.domain import add_months


@pytest.fixture
def demo_db(any_register, capsys):  # type: ignore[no-untyped-def]
    code, _, err = run(capsys, "--db", any_register.url, "demo", "--partners", "8", "--contracts", "1000")
    assert code == 0, err
    return any_register.url


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("flagdesk 0.")


def test_demo_register_is_realistic(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    contracts = run_json(capsys, "--db", demo_db, "contracts", "list")
    assert len(contracts) == 1000
    assert len({c["partner"] for c in contracts}) == 8
    for c in contracts:
        assert c["cpv"] and all(cpv.resolve(code) == code for code in c["cpv"])
        assert isinstance(c["total_value_pence"], int) and isinstance(c["annual_value_pence"], int)
        for key in ("start_date", "end_date", "max_end_date"):
            date.fromisoformat(c[key])
        assert c["suppliers"] and c["version"] == 1
    assert any(c["reuse_rights"] == "any_public_body" for c in contracts)


def test_demo_with_the_same_seed_is_identical_on_both_back_ends(
    demo_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = str(tmp_path / "other.sqlite")
    assert run(capsys, "--db", other, "demo", "--partners", "8", "--contracts", "1000")[0] == 0

    def strip(rows):  # type: ignore[no-untyped-def]
        return sorted(json.dumps({k: v for k, v in r.items() if k != "id"}, sort_keys=True) for r in rows)

    assert strip(run_json(capsys, "--db", demo_db, "contracts", "list")) == strip(
        run_json(capsys, "--db", other, "contracts", "list")
    )


def test_demo_refuses_to_overwrite_real_data_without_replace(any_register, capsys) -> None:  # type: ignore[no-untyped-def]
    from flagdesk.store.models import Contract, Partner

    with any_register.write() as s:
        p = Partner(name="Real Council", kind="district_council")
        s.add(p)
        s.flush()
        s.add(Contract(partner_id=p.id, reference="R1", title="Real contract"))
    code, _, err = run(capsys, "--db", any_register.url, "demo", "--contracts", "200")
    assert code == 1 and "--replace" in err
    assert run(capsys, "--db", any_register.url, "demo", "--contracts", "200", "--replace")[0] == 0


def test_expiring_within_selects_exactly_the_next_months(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    everything = run_json(capsys, "--db", demo_db, "contracts", "list")
    today = date.today()
    horizon = add_months(today, 12)
    expected = {c["id"] for c in everything if today <= date.fromisoformat(c["end_date"]) <= horizon}
    got = {c["id"] for c in run_json(capsys, "--db", demo_db, "contracts", "list", "--expiring-within", "12")}
    assert got == expected and 0 < len(got) < len(everything)
    assert run_json(capsys, "--db", demo_db, "contracts", "list", "--expiring-within", "0") == [
        c for c in everything if c["end_date"] == today.isoformat()
    ]


@pytest.mark.parametrize("field", ["title", "description", "supplier", "reference"])
def test_search_finds_words_of_each_field(demo_db: str, capsys: pytest.CaptureFixture[str], field: str) -> None:
    target = run_json(capsys, "--db", demo_db, "contracts", "list")[17]
    source = {
        "title": target["title"].split()[0],
        "description": target["description"].split()[-2],
        "supplier": target["suppliers"][0].split()[0].upper(),
        "reference": target["reference"].lower(),
    }[field]
    found = run_json(capsys, "--db", demo_db, "contracts", "list", "--search", source)
    assert target["id"] in {c["id"] for c in found}
    for c in found:
        haystack = " ".join([c["title"], c["description"], c["reference"], *c["suppliers"]]).lower()
        assert source.lower() in haystack


def test_search_needs_every_word_and_treats_wildcards_literally(demo_db: str, capsys) -> None:  # type: ignore[no-untyped-def]
    both = run_json(capsys, "--db", demo_db, "contracts", "list", "--search", "endpoint licences")
    assert both and all("endpoint" in c["title"].lower() for c in both)
    assert run_json(capsys, "--db", demo_db, "contracts", "list", "--search", "endpoint zzzz") == []
    assert run_json(capsys, "--db", demo_db, "contracts", "list", "--search", "%") == []


def test_update_with_current_version_increments_it(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    c = run_json(capsys, "--db", demo_db, "contracts", "show", "5")
    new = run_json(
        capsys,
        "--db",
        demo_db,
        "contracts",
        "update",
        "5",
        "--set",
        "title=Renamed & <b>bold</b>",
        "--set",
        "total_value_pence=123456",
        "--set",
        "reuse_rights=any_public_body",
        "--if-version",
        str(c["version"]),
    )
    assert new["version"] == c["version"] + 1
    assert (new["title"], new["total_value_pence"], new["reuse_rights"]) == (
        "Renamed & <b>bold</b>",
        123456,
        "any_public_body",
    )
    assert run_json(capsys, "--db", demo_db, "contracts", "list", "--search", "renamed")[0]["id"] == 5


def test_update_with_stale_version_exits_3_and_changes_nothing(demo_db: str, capsys) -> None:  # type: ignore[no-untyped-def]
    before = run_json(capsys, "--db", demo_db, "contracts", "show", "6")
    assert run(capsys, "--db", demo_db, "contracts", "update", "6", "--set", "title=first")[0] == 0
    code, _out, err = run(
        capsys,
        "--db",
        demo_db,
        "contracts",
        "update",
        "6",
        "--set",
        "title=second",
        "--if-version",
        str(before["version"]),
    )
    assert code == 3 and "changed" in err and "Traceback" not in err
    assert run_json(capsys, "--db", demo_db, "contracts", "show", "6")["title"] == "first"


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("total_value_pence=12.5k", "whole number of pence"),
        ("end_date=31/02/2027", "YYYY-MM-DD"),
        ("reuse_rights=everyone", "any_public_body"),
        ("cpv=72000000-4", "check digit"),
        ("colour=red", "not an editable field"),
        ("title=", "may not be empty"),
        ("end_date=1990-01-01", "before start_date"),
    ],
)
def test_bad_values_exit_1_with_a_clear_message_and_change_nothing(
    demo_db: str, capsys: pytest.CaptureFixture[str], assignment: str, message: str
) -> None:
    before = run_json(capsys, "--db", demo_db, "contracts", "show", "7")
    code, _, err = run(capsys, "--db", demo_db, "contracts", "update", "7", "--set", assignment)
    assert code == 1 and message in err and err.count("\n") == 1
    assert run_json(capsys, "--db", demo_db, "contracts", "show", "7") == before


def test_cpv_codes_can_be_set_in_any_accepted_form(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    new = run_json(capsys, "--db", demo_db, "contracts", "update", "8", "--set", "cpv=72000000, 3000000")
    assert new["cpv"] == ["72000000-5", "03000000-1"]


def test_unknown_id_exits_1(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", demo_db, "contracts", "show", "999999")
    assert code == 1 and "No contract with id 999999" in err
    code, _, err = run(capsys, "--db", demo_db, "contracts", "update", "999999", "--set", "title=x")
    assert code == 1


def test_unreachable_database_path_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", str(tmp_path / "missing" / "folder" / "r.sqlite"), "contracts", "list")
    assert code == 1 and "does not exist" in err
    assert not (tmp_path / "missing").exists()
    code, _, err = run(capsys, "--db", "postgresql://nobody@127.0.0.1:1/none", "contracts", "list")
    assert code == 1 and "Traceback" not in err


def test_a_file_that_is_not_a_database_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_bytes(b"this is not sqlite at all" * 100)
    code, _, err = run(capsys, "--db", str(bogus), "contracts", "list")
    assert code == 1 and ("damaged" in err or "not a FlagDesk" in err)


def test_newer_schema_exits_1_with_advice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.sqlite"
    assert run(capsys, "--db", str(path), "demo", "--contracts", "150")[0] == 0
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    code, _, err = run(capsys, "--db", str(path), "contracts", "list")
    assert code == 1 and "newer" in err and "Install a newer FlagDesk" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["contracts", "list", "--expiring-within", "soon"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["contracts", "update", "1"])
    assert exc.value.code == 2


def test_db_status_and_upgrade_report_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "s.sqlite")
    status = run_json(capsys, "--db", path, "db", "status")
    assert status["state"] == "empty"
    code, out, _ = run(capsys, "--db", path, "db", "upgrade")
    assert code == 0 and "upgraded" in out
    assert run_json(capsys, "--db", path, "db", "status")["state"] == "current"


def test_updates_are_audited_with_the_user(demo_db: str, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from flagdesk.services.audit import list_audit
    from flagdesk.store.engine import open_register

    monkeypatch.setenv("FLAGDESK_USER", "alice")
    run_json(
        capsys,
        "--db",
        demo_db,
        "contracts",
        "update",
        "9",
        "--set",
        "end_date=2030-03-31",
        "--set",
        "max_end_date=2031-03-31",
    )
    reg = open_register(demo_db)
    with reg.session() as s:
        events = list_audit(s, record="9", table="contract")
    reg.dispose()
    assert sorted((e.user, e.field, e.new) for e in events) == [
        ("alice", "end_date", "2030-03-31"),
        ("alice", "max_end_date", "2031-03-31"),
    ]


def test_command_line_runs_as_a_program(tmp_path: Path) -> None:
    """The installed entry point, end to end, with no traceback on a user error."""
    db = str(tmp_path / "p.sqlite")
    done = subprocess.run(
        [sys.executable, "-m", "flagdesk", "--db", db, "demo", "--contracts", "120", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["contracts"] == 120
    bad = subprocess.run(
        [sys.executable, "-m", "flagdesk", "--db", db, "contracts", "show", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and bad.stderr.startswith("flagdesk: ") and "Traceback" not in bad.stderr


def test_command_line_starts_without_the_database_libraries() -> None:
    """--version and --help stay instant: no command module may import SQLAlchemy at start-up."""
    code = (
        "import sys, flagdesk.cli; flagdesk.cli.build_parser(); "
        "print(sorted(m for m in ('sqlalchemy', 'openpyxl', 'reportlab', 'PySide6') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.pg
def test_db_upgrade_of_a_shared_register_grants_the_roles(pg_database, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "--db", pg_database.url, "db", "upgrade")
    assert code == 0, err
    assert "upgraded from empty" in out
    engine = create_engine(pg_database.url)
    with engine.connect() as conn:
        roles = set(
            conn.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{pg_database.name}_%"}
            ).scalars()
        )
    engine.dispose()
    assert {f"{pg_database.name}_{r}" for r in ("viewer", "editor", "admin")} <= roles
