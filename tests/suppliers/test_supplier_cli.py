"""`flagdesk suppliers list | duplicates | merge | unmerge`: the command-line contract."""

from __future__ import annotations

import json

import pytest
from cli_support import run

from flagdesk.services.suppliers import SupplierResolver
from flagdesk.store.engine import Register


def test_suppliers_command_line(demo_register: Register, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo_register.url
    code, out, _ = run(capsys, "suppliers", "list", "--db", db, "--json")
    listed = json.loads(out)
    assert code == 0 and listed
    assert {"id", "name", "company_numbers", "aliases", "contracts"} <= set(listed[0])
    apexa = next(s for s in listed if s["name"] == "Apexa Systems Ltd")
    assert apexa["company_numbers"] == ["04518822"] and apexa["contracts"] > 0

    with demo_register.write() as session:  # a later import brings a near-miss spelling without a number
        twin = SupplierResolver(session, user="importer").resolve("APEXA SYSTEM LIMITED")
    code, out, _ = run(capsys, "suppliers", "duplicates", "--db", db, "--json")
    queue = json.loads(out)
    pair = next(p for p in queue if {p["a"]["id"], p["b"]["id"]} == {apexa["id"], twin})
    assert pair["score"] >= 90 and pair["evidence"]

    code, out, _ = run(capsys, "suppliers", "distinct", str(twin), str(apexa["id"]), "--db", db)
    assert code == 0
    code, out, _ = run(capsys, "suppliers", "duplicates", "--db", db, "--json")
    assert not [p for p in json.loads(out) if {p["a"]["id"], p["b"]["id"]} == {apexa["id"], twin}]

    code, out, _ = run(capsys, "suppliers", "merge", str(apexa["id"]), str(twin), "--db", db, "--json")
    assert code == 0 and json.loads(out)["merged"] == twin
    code, out, _ = run(capsys, "suppliers", "list", "--db", db, "--json", "--search", "apexa")
    merged = json.loads(out)
    assert [s["id"] for s in merged] == [apexa["id"]]
    assert "APEXA SYSTEM LIMITED" in merged[0]["aliases"]

    code, out, _ = run(capsys, "suppliers", "unmerge", str(apexa["id"]), str(twin), "--db", db)
    assert code == 0 and "Unmerged" in out
    code, out, _ = run(capsys, "suppliers", "list", "--db", db, "--json", "--search", "apexa")
    assert sorted(s["id"] for s in json.loads(out)) == sorted([apexa["id"], twin])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["merge", "1", "2"], "different company numbers"),
        (["merge", "1", "999999"], "no supplier 999999"),
        (["unmerge", "1", "2"], "not merged"),
        (["merge", "3", "3"], "itself"),
    ],
)
def test_refusals_are_one_line_and_exit_1(
    demo_register: Register, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "suppliers", *args, "--db", demo_register.url)
    assert code == 1
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
