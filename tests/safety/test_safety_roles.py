"""Partner boundaries enforced by PostgreSQL: roles, grants and row-level security, and the audit trail."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from cli_support import run
from safety_helpers import SHARED_DATA, PgLogins, partner_names, plain_contract
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from flagdesk.cli import main
from flagdesk.errors import DatabaseError, PermissionDeniedError
from flagdesk.services.contracts import load_contract_records
from flagdesk.services.partners import get_or_create_partner
from flagdesk.services.security import EditScope, check_may_edit, explain_refusal
from flagdesk.store.engine import Register, open_register
from flagdesk.store.migrate import upgrade
from flagdesk.store.models import Contract


def raw(url: str, script: str, *params: object) -> int:
    """Run SQL as a plain client (not FlagDesk) would; statements split on '; ', the last one gets the
    parameters, and the rows it changed are returned."""
    *setup, last = script.split("; ")
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port, dbname=u.database, user=u.username, autocommit=True) as conn:
        for statement in setup:
            conn.execute(statement)
        return conn.execute(last, params).rowcount


def set_value(capsys: pytest.CaptureFixture[str], db: str, cid: int, value: int, version: int) -> tuple[int, str, str]:
    """`flagdesk contracts update` of the total value, based on a version."""
    args = ("contracts", "update", str(cid), "--set", f"total_value_pence={value}")
    return run(capsys, "--db", db, *args, "--if-version", str(version), "--json")


def value_of(reg: Register, contract_id: int) -> int:
    with reg.session() as session:
        return session.scalar(select(Contract.total_value_pence).where(Contract.id == contract_id))


@pytest.mark.pg
def test_editor_changes_own_partner_only_even_with_raw_sql(
    pg_seeded: tuple[Register, PgLogins], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, logins = pg_seeded
    own, other = partner_names(reg)[:2]
    editor = logins.name("editor")
    code, out, err = run(capsys, "--db", reg.url, "admin", "add-user", editor, "--role", "editor", "--partner", own)
    assert code == 0, err
    monkeypatch.delenv("FLAGDESK_USER")  # in shared mode the audit user is the database login
    as_editor = logins.url_for(editor)
    mine, mine_value, mine_version = plain_contract(reg, own)
    theirs, theirs_value, theirs_version = plain_contract(reg, other)

    code, out, err = set_value(capsys, as_editor, mine, mine_value + 100, mine_version)
    assert code == 0, err
    assert json.loads(out)["total_value_pence"] == mine_value + 100

    code, out, err = set_value(capsys, as_editor, theirs, 1, theirs_version)
    assert code == 1
    assert err.count("\n") == 1 and "refused" in err and "Traceback" not in err
    assert value_of(reg, theirs) == theirs_value

    # The same login in a raw SQL client: other partners' rows are simply out of reach.
    assert raw(as_editor, "UPDATE contract SET total_value_pence = 0 WHERE id = %s", theirs) == 0
    assert raw(as_editor, "DELETE FROM contract_cpv WHERE contract_id = %s", theirs) == 0
    assert raw(as_editor, "DELETE FROM contract WHERE id = %s", theirs) == 0
    assert raw(as_editor, "UPDATE partner SET name = 'Taken over' WHERE name = %s", other) == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # nor can it move a row into its own partner...
        raw(
            as_editor,
            "UPDATE contract SET partner_id = (SELECT partner_id FROM contract WHERE id = %s) WHERE id = %s",
            theirs,
            mine,
        )
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # ...create one for another partner...
        raw(
            as_editor,
            "INSERT INTO contract (partner_id, reference, title, description, reuse_rights, reuse_partner_kinds, "
            "status, extra, search_text) SELECT partner_id, 'X', 'X', '', 'none', '[]', 'active', '{}', '' "
            "FROM contract WHERE id = %s",
            theirs,
        )
    for statement in ("TRUNCATE contract", "DELETE FROM audit_event", "INSERT INTO user_partner VALUES ('x', 1)"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # ...rewrite history or grant itself more
            raw(as_editor, statement)
    # A temporary table cannot stand in for the real list of partners the login may edit.
    shadow = (
        "CREATE TEMP TABLE user_partner AS SELECT current_user::text AS login, id AS partner_id FROM partner; "
        "UPDATE contract SET total_value_pence = 0 WHERE id = %s"
    )
    assert raw(as_editor, shadow, theirs) == 0
    assert value_of(reg, theirs) == theirs_value
    assert raw(as_editor, "UPDATE contract SET owner = 'me' WHERE id = %s", mine) == 1  # its own rows: yes

    code, out, _ = run(capsys, "--db", reg.url, "audit", "--record", str(mine), "--json")
    events = [e for e in json.loads(out) if e["field"] == "total_value_pence"]
    assert [(e["user"], e["old"], e["new"]) for e in events] == [(editor, str(mine_value), str(mine_value + 100))]
    assert {"record", "field", "old", "new", "user", "at"} <= events[0].keys()

    # Nobody writes the trail in someone else's name: not with FLAGDESK_USER, not with raw SQL.
    monkeypatch.setenv("FLAGDESK_USER", "someone-else")
    assert run(capsys, "--db", as_editor, "contracts", "update", str(mine), "--set", "title=Renamed")[0] == 0
    forged = "INSERT INTO audit_event (\"user\", action, table_name, record_id, at) VALUES (%s, 'x', 'x', %s, %s)"
    assert raw(as_editor, forged, "someone-else", str(mine), "2001-01-01") == 1
    code, out, _ = run(capsys, "--db", reg.url, "audit", "--record", str(mine), "--since", "2020-01-01", "--json")
    assert {e["user"] for e in json.loads(out)} == {editor}

    code, out, _ = run(capsys, "--db", as_editor, "admin", "whoami", "--json")
    assert json.loads(out) | {"text": ""} == {"login": editor, "role": "editor", "partners": [own], "text": ""}


@pytest.mark.pg
def test_imports_respect_partner_boundaries(
    pg_seeded: tuple[Register, PgLogins],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    reg, logins = pg_seeded
    sample = norfolk_sample(tmp_path / "norfolk-40.csv", rows=40)
    with reg.write() as session:  # the administrator adds the partner; editors cannot
        get_or_create_partner(session, "Norfolk County Council", user="tester")
    norfolk, northmoor = logins.name("norfolk"), logins.name("northmoor")
    for login, partner in ((norfolk, "Norfolk County Council"), (northmoor, partner_names(reg)[0])):
        args = ("admin", "add-user", login, "--role", "editor", "--partner", partner)
        assert run(capsys, "--db", reg.url, *args)[0] == 0
    monkeypatch.delenv("FLAGDESK_USER")

    code, _, err = run(capsys, "--db", logins.url_for(northmoor), "import", str(sample))
    assert code == 1 and "refused" in err
    assert count_contracts_of(reg, "Norfolk County Council") == 0
    code, out, err = run(capsys, "--db", logins.url_for(norfolk), "import", str(sample), "--json")
    assert code == 0, err
    assert json.loads(out)["new"] == 40 == count_contracts_of(reg, "Norfolk County Council")


def norfolk_sample(target: Path, rows: int) -> Path:
    """The first rows of the real Norfolk register, streamed into a small file."""
    source = SHARED_DATA / "registers" / "norfolk-county-council-2016.csv"
    if not source.exists():
        pytest.skip(f"reference data not available: {source}")
    with source.open(newline="", encoding="utf-8-sig") as src, target.open("w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        for row in itertools.islice(csv.reader(src), rows + 1):
            writer.writerow(row)
    return target


def count_contracts_of(reg: Register, partner: str) -> int:
    with reg.session() as session:
        return len(load_contract_records(session, partner=partner))


@pytest.mark.pg
def test_viewer_reads_everything_and_changes_nothing(
    pg_seeded: tuple[Register, PgLogins], capsys: pytest.CaptureFixture[str]
) -> None:
    reg, logins = pg_seeded
    viewer = logins.name("viewer")
    assert run(capsys, "--db", reg.url, "admin", "add-user", viewer, "--role", "viewer")[0] == 0
    as_viewer = logins.url_for(viewer)
    contract_id, value, _ = plain_contract(reg)
    code, out, _ = run(capsys, "--db", as_viewer, "contracts", "show", str(contract_id), "--json")
    assert code == 0 and json.loads(out)["total_value_pence"] == value
    code, _, err = run(capsys, "--db", as_viewer, "contracts", "update", str(contract_id), "--set", "owner=x")
    assert code == 1 and "refused" in err
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw(as_viewer, "UPDATE contract SET owner = 'x'")
    code, out, _ = run(capsys, "--db", as_viewer, "admin", "whoami")
    assert "a viewer" in out


@pytest.mark.pg
def test_administrators_manage_users_and_every_change_is_audited(
    pg_seeded: tuple[Register, PgLogins], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, logins = pg_seeded
    partners = partner_names(reg)
    admin, editor = logins.name("admin"), logins.name("editor")
    assert run(capsys, "--db", reg.url, "admin", "add-user", admin, "--role", "admin")[0] == 0
    monkeypatch.delenv("FLAGDESK_USER")
    as_admin = logins.url_for(admin)
    args = ("admin", "add-user", editor, "--role", "editor", "--partner", partners[2], "--partner", partners[3])
    code, out, err = run(capsys, "--db", as_admin, *args, "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["created"] and added["password"] and len(added["password"]) >= 20

    code, out, _ = run(capsys, "--db", as_admin, "admin", "list-users", "--json")
    users = {u["login"]: u for u in json.loads(out)}
    assert users[admin]["role"] == "admin"
    assert users[editor] == {"login": editor, "role": "editor", "partners": sorted(partners[2:4])}

    # Changing a user keeps the login and replaces the partners.
    code, out, err = run(
        capsys, "--db", as_admin, "admin", "add-user", editor, "--role", "editor", "--partner", partners[0], "--json"
    )
    assert code == 0 and not json.loads(out)["created"] and json.loads(out)["password"] is None

    code, _, err = run(capsys, "--db", logins.url_for(editor), "admin", "add-user", "someone", "--role", "viewer")
    assert code == 1 and "Only an administrator" in err

    assert run(capsys, "--db", as_admin, "admin", "remove-user", editor)[0] == 0
    code, out, _ = run(capsys, "--db", as_admin, "admin", "list-users", "--json")
    assert editor not in {u["login"] for u in json.loads(out)}
    code, _, err = run(capsys, "--db", as_admin, "admin", "remove-user", editor)
    assert code == 1 and "not a user of this register" in err
    code, _, err = run(capsys, "--db", as_admin, "admin", "remove-user", admin)
    assert code == 1 and "your own login" in err

    code, out, _ = run(capsys, "--db", reg.url, "audit", "--table", "user", "--record", editor, "--json")
    trail = [(e["user"], e["action"], e["field"], e["new"]) for e in json.loads(out)]
    assert trail == [
        (admin, "insert", "role", "editor"),
        (admin, "insert", "partners", json.dumps(sorted(partners[2:4]))),
        (admin, "update", "partners", json.dumps([partners[0]])),
        (admin, "delete", "role", None),
        (admin, "delete", "partners", None),
    ]


BAD_REQUESTS = [  # add-user arguments -> what the refusal says ({db}: the register's database)
    (("{new}", "--role", "editor"), "at least one --partner"),
    (("{new}", "--role", "viewer", "--partner", "Northmoor County Council"), "editors only"),
    (("{new}", "--role", "editor", "--partner", "No Such Council"), "No partner named"),
    (('x"; DROP ROLE postgres; --', "--role", "viewer"), "not a usable login name"),
    (("pg_monitor", "--role", "viewer"), "not a usable login name"),
    (("a" * 64, "--role", "viewer"), "not a usable login name"),
    (("1abc", "--role", "viewer"), "not a usable login name"),
    (("", "--role", "viewer"), "not a usable login name"),
    (("postgres", "--role", "viewer"), "not a person's login"),
    (("{db}_editor", "--role", "viewer"), "not a person's login"),
]


@pytest.mark.pg
def test_add_user_refuses_bad_requests_and_changes_nothing(
    pg_seeded: tuple[Register, PgLogins], capsys: pytest.CaptureFixture[str]
) -> None:
    reg, logins = pg_seeded  # one register for every case: each is refused before anything is written
    for args, message in BAD_REQUESTS:
        args = tuple(a.replace("{new}", logins.name("u")).replace("{db}", logins.database) for a in args)
        code, _, err = run(capsys, "--db", reg.url, "admin", "add-user", *args)
        assert code == 1 and message in err and "Traceback" not in err, (args, err)
    code, out, _ = run(capsys, "--db", reg.url, "admin", "list-users", "--json")
    assert json.loads(out) == []


@pytest.mark.pg
def test_the_owner_refreshes_grants_and_later_tables_reach_the_groups(
    pg_seeded: tuple[Register, PgLogins], capsys: pytest.CaptureFixture[str]
) -> None:
    reg, logins = pg_seeded
    code, out, err = run(capsys, "--db", reg.url, "admin", "refresh-roles")
    assert code == 0 and f"{logins.database}_editor" in out, err
    viewer, admin = logins.name("viewer"), logins.name("admin")
    for login, role in ((viewer, "viewer"), (admin, "admin")):
        assert run(capsys, "--db", reg.url, "admin", "add-user", login, "--role", role)[0] == 0
    for login in (viewer, admin):
        code, _, err = run(capsys, "--db", logins.url_for(login), "admin", "refresh-roles")
        assert code == 1 and "Only the owner" in err

    # A table a later schema upgrade adds (created by the owner) is readable by viewers at once.
    raw(reg.url, "CREATE TABLE later_table (id integer); INSERT INTO later_table VALUES (1)")
    assert raw(logins.url_for(viewer), "SELECT * FROM later_table") == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw(logins.url_for(viewer), "DELETE FROM later_table")


def test_user_administration_is_refused_on_a_local_register(
    register: Register, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = [("add-user", "al", "--role", "viewer"), ("list-users",), ("remove-user", "al"), ("refresh-roles",)]
    for args in commands:
        code, _, err = run(capsys, "--db", register.url, "admin", *args)
        assert code == 1 and "shared PostgreSQL register" in err and "Traceback" not in err
    code, out, _ = run(capsys, "--db", register.url, "admin", "whoami")
    assert code == 0 and "local register file" in out


def test_refusals_are_explained_in_plain_words(register: Register) -> None:
    editor = EditScope("alice", "editor", frozenset({1}), ("Eastbrook District Council",))
    assert editor.may_edit(1) and not editor.may_edit(2) and not editor.may_edit(None)
    text = explain_refusal(editor, "Northmoor County Council")
    assert "alice" in text and "Eastbrook District Council" in text and "Northmoor County Council" in text
    assert "Nothing was written" in text and "flagdesk admin add-user alice" in text
    assert "may read" in explain_refusal(EditScope("bob", "viewer", frozenset(), ()), "X")
    assert EditScope("me", "local", frozenset(), ()).may_edit(99)
    with register.session() as session, pytest.raises(PermissionDeniedError, match="Eastbrook"):
        check_may_edit(session, editor, 2)


def test_audit_command_filters_and_reports_every_field(any_register: Register, capsys) -> None:  # type: ignore[no-untyped-def]
    from flagdesk.services.demo import seed_demo

    with any_register.write() as session:
        seed_demo(session, user="tester", partners=3, contracts=20, seed=4)
    contract_id, value, _ = plain_contract(any_register)
    db = any_register.url
    assert (
        run(
            capsys,
            "--db",
            db,
            "contracts",
            "update",
            str(contract_id),
            "--set",
            "title=Renamed",
            "--set",
            f"total_value_pence={value + 1}",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "--db", db, "audit", "--record", str(contract_id), "--json")
    events = json.loads(out)
    assert {(e["field"], e["new"], e["user"]) for e in events} == {
        ("title", "Renamed", "tester"),
        ("total_value_pence", str(value + 1), "tester"),
    }
    assert all(e["at"] and e["record"] == str(contract_id) and e["old"] for e in events)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert json.loads(run(capsys, "--db", db, "audit", "--since", tomorrow, "--json")[1]) == []
    assert json.loads(run(capsys, "--db", db, "audit", "--user", "nobody", "--json")[1]) == []
    code, out, err = run(capsys, "--db", db, "audit", "--record", str(contract_id))
    assert code == 0 and "Renamed" in out and "2 event(s)" in err
    with pytest.raises(SystemExit) as exc:
        main(["--db", db, "audit", "--since", "31/12/2026"])
    assert exc.value.code == 2


@pytest.mark.pg
def test_sslmode_is_used_when_connecting(pg_database) -> None:  # type: ignore[no-untyped-def]
    # The test server runs without TLS: 'require' must fail, which proves the option was sent.
    with pytest.raises(DatabaseError, match=r"(?i)ssl"):
        open_register(pg_database.url + "?sslmode=require")
    with pytest.raises(DatabaseError, match="db upgrade"):  # 'disable' connects (and finds an empty database)
        open_register(pg_database.url + "?sslmode=disable")


@pytest.mark.pg
def test_an_owner_without_createrole_gets_a_plain_refusal(
    pg_database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    logins = PgLogins(pg_database.url)
    owner = logins.name("owner")
    raw(pg_database.url, f'CREATE ROLE "{owner}" LOGIN; ALTER DATABASE "{logins.database}" OWNER TO "{owner}"')
    try:
        as_owner = logins.url_for(owner)
        engine = create_engine(as_owner)
        upgrade(engine)  # the owner runs the schema upgrade, so it owns the tables
        engine.dispose()
        monkeypatch.delenv("FLAGDESK_USER")
        code, out, _ = run(capsys, "--db", as_owner, "admin", "whoami", "--json")
        assert json.loads(out)["role"] == "admin"
        code, _, err = run(capsys, "--db", as_owner, "admin", "add-user", logins.name("v"), "--role", "viewer")
        assert code == 1 and "CREATEROLE" in err and "Traceback" not in err
    finally:
        give_back = f'ALTER DATABASE "{logins.database}" OWNER TO CURRENT_USER'
        raw(pg_database.url, f'{give_back}; REASSIGN OWNED BY "{owner}" TO CURRENT_USER')
        logins.drop_all()
        raw(pg_database.url, f'DROP ROLE "{owner}"')
