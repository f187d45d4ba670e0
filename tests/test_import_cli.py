"""The import command-line contract: `flagdesk import` and `flagdesk imports list|show|undo`."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from shared_paths import shared_data
from sqlalchemy import select

from flagdesk.cli import main
from flagdesk.store.engine import Register
from flagdesk.store.models import Base


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(register: Register) -> dict[str, int]:
    with register.session() as session:
        return {t.name: len(session.execute(select(t)).all()) for t in Base.metadata.sorted_tables}


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(
        "Organisation,Contract reference,Contract title,Supplier name,Contract value,End date\n"
        "Breckland District Council,B-1,Payroll,Payco Ltd,£49,999.50,31/03/2026\n".replace("£49,999.50", '"£49,999.50"')
        + "Breckland District Council,B-2,Cleaning,Shine Ltd,lots,31/03/2026\n"
    )
    return path


def test_import_json_summary_then_list_show_undo(
    any_register: Register, small_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = any_register.url
    code, out, err = run(capsys, "--db", db, "import", str(small_csv), "--dry-run", "--json")
    assert code == 0, err
    dry = json.loads(out)
    assert dry["batch_id"] is None and dry["new"] == 1 and table_rows(any_register)["contract"] == 0

    code, out, err = run(capsys, "--db", db, "import", str(small_csv), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert {k: summary[k] for k in ("rows_read", "rows_rejected", "new", "changed", "unchanged")} == {
        "rows_read": 2,
        "rows_rejected": 1,
        "new": 1,
        "changed": 0,
        "unchanged": 0,
    }
    assert isinstance(summary["batch_id"], int)
    (problem,) = [p for p in summary["problems"] if p["severity"] == "error"]
    assert (problem["row"], problem["column"]) == (3, "Contract value")
    assert "not an amount of money" in problem["message"]

    code, out, _ = run(capsys, "--db", db, "imports", "list", "--json")
    assert [b["batch_id"] for b in json.loads(out)] == [summary["batch_id"]]
    code, out, _ = run(capsys, "--db", db, "imports", "show", str(summary["batch_id"]), "--json")
    shown = json.loads(out)
    assert shown["new"] == 1 and shown["problems"][0]["row"] == 3

    code, out, _ = run(capsys, "--db", db, "imports", "undo", str(summary["batch_id"]), "--json")
    assert code == 0 and json.loads(out)["removed"] == 1
    assert table_rows(any_register)["contract"] == 0
    code, _, err = run(capsys, "--db", db, "imports", "undo", str(summary["batch_id"]))
    assert code == 1 and "already undone" in err and err.count("\n") == 1
    code, _, err = run(capsys, "--db", db, "imports", "show", "999")
    assert code == 1 and "No import batch 999" in err


def test_import_text_output_and_partner_option(register: Register, small_csv: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "--db", register.url, "import", str(small_csv), "--partner", "Norfolk County Council")
    assert code == 0
    assert "Imported as batch 1" in out and "new 1" in out and "Norfolk County Council" in out
    assert "row 3 [Contract value]" in err


def _hostile(tmp_path: Path) -> list[Path]:
    files = {
        "empty.csv": b"",
        "random.xlsx": os.urandom(4096),
        "truncated.xlsx": b"PK\x03\x04" + os.urandom(200),
        "broken.json": b"{",
        "not-ocds.json": b'{"hello": "world"}',
        "no-columns.csv": b"a,b,c\n1,2,3\n",
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    with zipfile.ZipFile(tmp_path / "no-workbook.xlsx", "w") as zf:
        zf.writestr("a.txt", "x")
    return [*paths, tmp_path / "no-workbook.xlsx", tmp_path / "missing.xlsx"]


def test_files_that_cannot_be_imported_exit_1_with_one_line(
    register: Register, small_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--db", register.url, "import", str(small_csv))
    before = table_rows(register)
    for path in _hostile(tmp_path):
        code, out, err = run(capsys, "--db", register.url, "import", str(path), "--json")
        assert code == 1, path
        assert out == "" and err.startswith("flagdesk: ") and err.count("\n") == 1, err
        assert "Traceback" not in err
        assert table_rows(register) == before


def test_every_contracts_finder_record_file_through_the_command(register: Register, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = shared_data("ocds", "contracts-finder-2016", "records")
    for path in sorted(folder.glob("*.json")):
        code, out, err = run(capsys, "--db", register.url, "import", str(path), "--json")
        assert code == 0, err
        summary = json.loads(out)
        assert (summary["rows_read"], summary["new"], summary["rows_rejected"]) == (1, 1, 0)
    code, out, _ = run(capsys, "--db", register.url, "contracts", "list", "--json")
    contracts = json.loads(out)
    assert len(contracts) == 11 and all(c["partner"] and c["total_value_pence"] for c in contracts)
