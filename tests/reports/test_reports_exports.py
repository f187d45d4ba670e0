"""Open-data exports: OCDS valid against the 1.1 schemas, Transparency CSV read back unchanged, no formulas."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from openpyxl import load_workbook
from pack_support import INJECTION, TODAY
from referencing import Registry
from referencing.jsonschema import DRAFT4
from shared_paths import shared_data
from sqlalchemy import select

from flagdesk.errors import NotFoundError, ValidationError
from flagdesk.reports.cells import is_formula_like
from flagdesk.services.contracts import load_contract_records, update_contract
from flagdesk.services.exports import export_register
from flagdesk.services.imports import apply_import, preview_import
from flagdesk.store.engine import Register, open_register
from flagdesk.store.models import Contract, Setting

HOSTILE = {"title": INJECTION, "description": "+SUM(A1:A9)\t@cmd|' /C calc'!A0"}


def _ocds_validator(schema_name: str) -> Draft4Validator:
    folder = shared_data("ocds-schema", "1.1")
    release = json.loads((folder / "release-schema.json").read_text(encoding="utf-8"))
    schema = json.loads((folder / schema_name).read_text(encoding="utf-8"))
    # The package schema refers to the release schema by its published URL; serve it from the local copy.
    registry = Registry().with_resource(release["id"], DRAFT4.create_resource(release))
    return Draft4Validator(schema, registry=registry)


def _schema_errors(validator: Draft4Validator, document: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)][:10]


def _make_hostile(register) -> int:  # type: ignore[no-untyped-def]
    with register.write() as session:
        contract_id = session.scalars(select(Contract.id).order_by(Contract.id)).first()
        update_contract(session, contract_id, HOSTILE, user="tester")
    return contract_id


@pytest.fixture(scope="module")
def norfolk_register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    """The real Norfolk register imported once through our importer, shared by the tests below."""
    norfolk = shared_data("registers", "norfolk-county-council-2016.csv")
    reg = open_register(tmp_path_factory.mktemp("norfolk") / "register.sqlite")
    with reg.write() as session:
        assert apply_import(session, norfolk, user="tester").count("new") == 5729
    yield reg
    reg.dispose()


@pytest.mark.parametrize("fmt", ["transparency-csv", "xlsx"])
def test_export_round_trips_norfolk_through_our_importer(norfolk_register, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"register.{'csv' if fmt == 'transparency-csv' else 'xlsx'}"
    with norfolk_register.session() as session:
        assert export_register(session, fmt, out, today=TODAY) == 5729
        back = preview_import(session, out)
    assert back.rows_read == 5729 and back.rows_rejected == 0
    unchanged = back.count("unchanged")
    assert unchanged / 5729 >= 0.99, [(p.record.row, p.changes) for p in back.plans if p.action != "unchanged"][:5]


def test_csv_has_the_codes_lga_columns_exactly(norfolk_register, tmp_path: Path) -> None:
    out = tmp_path / "register.csv"
    with norfolk_register.session() as session:
        export_register(session, "transparency-csv", out, today=TODAY)
    with shared_data("registers", "norfolk-county-council-2016.csv").open(encoding="utf-8-sig", newline="") as fh:
        norfolk_header = next(csv.reader(fh))
    with out.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == norfolk_header
        row = next(r for r in reader if r["Contract Reference number / ID"] == "BAN12005")
    # Dates and money in the forms the Norfolk file uses: dd/mm/yyyy and plain numbers.
    assert row["Contract value"] == "1567" and row["Effective Date"] == "25/11/2026"
    assert row["Supplier registered company number"] == "02165763"


def test_xlsx_export_is_typed(demo_register, tmp_path: Path) -> None:
    out = tmp_path / "register.xlsx"
    with demo_register.session() as session:
        export_register(session, "xlsx", out, today=TODAY)
    rows = list(load_workbook(out)["Contracts"].iter_rows(values_only=True))
    first = dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 401
    assert isinstance(first["Contract value"], int | float) and first["End date"].year > 2000  # numbers, dates


def test_every_export_neutralises_formulas(demo_register, tmp_path: Path) -> None:
    hostile_id = _make_hostile(demo_register)
    with demo_register.session() as session:
        for fmt in ("transparency-csv", "xlsx", "ocds"):
            export_register(session, fmt, tmp_path / f"out.{fmt}", today=TODAY)

    with (tmp_path / "out.transparency-csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert "'" + INJECTION in cells
    assert not [c for c in cells if is_formula_like(c)]

    book = load_workbook(tmp_path / "out.xlsx")
    values = [c for row in book["Contracts"].iter_rows() for c in row]
    assert not [c.value for c in values if c.data_type == "f" or is_formula_like(c.value)]
    assert "'" + INJECTION in [c.value for c in values]

    package = json.loads((tmp_path / "out.ocds").read_text(encoding="utf-8"))
    release = next(r for r in package["releases"] if r["ocid"] == f"ocds-flagdesk-{hostile_id}")
    assert release["contracts"][0]["title"] == "'" + INJECTION
    assert release["contracts"][0]["description"].startswith("'+SUM")
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', (tmp_path / "out.ocds").read_text(encoding="utf-8"))
    assert not [s for s in strings if is_formula_like(json.loads(f'"{s}"'))]


def test_ocds_package_is_valid_with_one_release_per_contract(demo_register, tmp_path: Path) -> None:
    _make_hostile(demo_register)
    out = tmp_path / "releases.json"
    with demo_register.session() as session:
        count = export_register(session, "ocds", out, today=TODAY)
        contracts = load_contract_records(session)
    package = json.loads(out.read_text(encoding="utf-8"))
    assert _schema_errors(_ocds_validator("release-package-schema.json"), package) == []
    release_validator = _ocds_validator("release-schema.json")
    for release in package["releases"][:50]:
        assert _schema_errors(release_validator, release) == []
    assert count == len(package["releases"]) == len(contracts)
    assert len({r["ocid"] for r in package["releases"]}) == count
    assert package["publishedDate"] == "2026-11-25T00:00:00Z" and package["version"] == "1.1"
    with_cpv = [r for r in package["releases"] if r["contracts"][0].get("items")]
    items = [item for r in with_cpv for item in r["contracts"][0]["items"]]
    assert items and all(item["classification"]["scheme"] == "CPV" for item in items)


def test_norfolk_register_exports_valid_ocds(norfolk_register, tmp_path: Path) -> None:
    """Real, messy data: missing dates and values, company numbers, shared references."""
    out = tmp_path / "norfolk.json"
    with norfolk_register.session() as session:
        export_register(session, "ocds", out, today=TODAY)
    package = json.loads(out.read_text(encoding="utf-8"))
    releases = package["releases"]
    assert len(releases) == 5729 and len({r["ocid"] for r in releases}) == 5729
    # jsonschema takes ~11 ms a release: validate an even sample of 300 within the full package shape.
    sample = {**package, "releases": releases[:: len(releases) // 300]}
    assert _schema_errors(_ocds_validator("release-package-schema.json"), sample) == []
    parties = [p for r in releases for p in r["parties"] if "supplier" in p["roles"]]
    assert any(p["id"].startswith("GB-COH-") and p["identifier"]["scheme"] == "GB-COH" for p in parties)


def test_ocid_prefix_setting_and_partner_filter(demo_register, tmp_path: Path) -> None:
    with demo_register.write() as session:
        session.add(Setting(key="ocid_prefix", value="ocds-a1b2c3"))
        partner = load_contract_records(session)[0].partner
        expected = len(load_contract_records(session, partner=partner))
    out = tmp_path / "one.json"
    with demo_register.session() as session:
        assert export_register(session, "ocds", out, partner=partner, today=TODAY) == expected
    package = json.loads(out.read_text(encoding="utf-8"))
    assert all(r["ocid"].startswith("ocds-a1b2c3-") for r in package["releases"])
    assert {r["buyer"]["name"] for r in package["releases"]} == {partner}
    assert package["publisher"]["name"] == partner


def test_unknown_partner_or_format_writes_nothing(demo_register, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with demo_register.session() as session:
        with pytest.raises(NotFoundError):
            export_register(session, "ocds", out / "x.json", partner="No Such Council")
        with pytest.raises(ValidationError):
            export_register(session, "pdf", out / "x.pdf")
    assert list(out.iterdir()) == []


def test_empty_register_exports_header_only_csv_and_refuses_empty_ocds(register, tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    with register.session() as session:
        assert export_register(session, "transparency-csv", out) == 0
        with pytest.raises(ValidationError, match="no contracts"):
            export_register(session, "ocds", tmp_path / "empty.json")
    assert out.read_text(encoding="utf-8-sig").startswith("Organisation name,Organisation Code,")
    assert not (tmp_path / "empty.json").exists()


def test_one_release_field_by_field() -> None:
    """The OCDS mapping of one contract, spelled out (a small golden record reviewed by eye)."""
    from datetime import date

    from flagdesk.records import ContractRecord
    from flagdesk.reports.exports import ExportRow, ExportSupplier, lga_record, ocds_release

    contract = ContractRecord(
        id=42,
        partner_id=7,
        partner="Westvale Borough Council",
        partner_kind="district_council",
        reference="WBC-2022-0042",
        title="Data centre hosting",
        description="Hosting and storage",
        suppliers=("Tidewater Hosting Ltd",),
        cpv=("72310000-1", "48000000-8"),
        total_value_pence=123_456_78,
        start_date=date(2022, 10, 1),
        end_date=date(2027, 9, 30),
        max_end_date=date(2028, 9, 30),
        status="expired",
        contract_type="framework_agreement",
        procurement_route="open",
        version=3,
    )
    row = ExportRow(contract, suppliers=(ExportSupplier("Tidewater Hosting Ltd", "01234567", is_sme=True),))
    period = {
        "startDate": "2022-10-01T00:00:00Z",
        "endDate": "2027-09-30T00:00:00Z",
        "maxExtentDate": "2028-09-30T00:00:00Z",
    }
    supplier = {"id": "GB-COH-01234567", "name": "Tidewater Hosting Ltd"}
    assert ocds_release(row, "ocds-abc", date(2026, 11, 25)) == {
        "ocid": "ocds-abc-42",
        "id": "ocds-abc-42-contract-3",
        "date": "2026-11-25T00:00:00Z",
        "tag": ["contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": [
            {"id": "ocds-abc-partner-7", "name": "Westvale Borough Council", "roles": ["buyer"]},
            {
                **supplier,
                "identifier": {"scheme": "GB-COH", "id": "01234567", "legalName": "Tidewater Hosting Ltd"},
                "roles": ["supplier"],
            },
        ],
        "buyer": {"id": "ocds-abc-partner-7", "name": "Westvale Borough Council"},
        "awards": [
            {
                "id": "42-award",
                "title": "Data centre hosting",
                "status": "active",
                "suppliers": [supplier],
                "value": {"amount": 123456.78, "currency": "GBP"},
                "contractPeriod": period,
            }
        ],
        "contracts": [
            {
                "id": "42",
                "awardID": "42-award",
                "title": "Data centre hosting",
                "description": "Hosting and storage",
                "status": "terminated",
                "period": period,
                "value": {"amount": 123456.78, "currency": "GBP"},
                "items": [
                    {
                        "id": "1",
                        "description": "Data centre hosting",
                        "classification": {
                            "scheme": "CPV",
                            "id": "72310000",
                            "description": "Data-processing services",
                        },
                        "additionalClassifications": [
                            {
                                "scheme": "CPV",
                                "id": "48000000",
                                "description": "Software package and information systems",
                            }
                        ],
                    }
                ],
            }
        ],
    }
    lga = lga_record(row, "ocds-abc", date(2026, 11, 25))
    assert lga["Contract type"] == "Framework agreement" and lga["Tender process type"] == "Open procedure"
    assert lga["SME supplier"] == "Yes" and lga["Procurement classification: CPV code"] == "72310000-1; 48000000-8"
