"""Reading registers: the Norfolk file, other layouts by automatic mapping, OCDS, hostile files."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from shared_paths import shared_data

from flagdesk.errors import CancelledError
from importers import ImportFileError, inspect_file, read_file
from importers.mapping import header_signature

NORFOLK = ("registers", "norfolk-county-council-2016.csv")


@pytest.fixture(scope="module")
def norfolk():  # type: ignore[no-untyped-def]
    return read_file(shared_data(*NORFOLK))


def _by_row(result):  # type: ignore[no-untyped-def]
    return {r.row: r for r in result.records}


# --- Norfolk --------------------------------------------------------------------------------------


def test_norfolk_every_row_read_and_few_rejected(norfolk) -> None:  # type: ignore[no-untyped-def]
    assert norfolk.rows_read == 5729
    assert norfolk.profile == "lga-contracts"
    assert norfolk.rows_rejected <= 0.03 * 5729
    assert len(norfolk.records) + norfolk.rows_rejected == 5729
    errors = [p for p in norfolk.problems if p.severity == "error"]
    assert all(p.row and p.message for p in errors)  # each rejection carries its row and reason
    assert len({r.identity for r in norfolk.records}) == len(norfolk.records)


def test_norfolk_clean_rows_land_exactly(norfolk) -> None:  # type: ignore[no-untyped-def]
    rows = _by_row(norfolk)
    first = rows[2]
    assert (first.partner, first.reference, first.title) == (
        "Norfolk County Council",
        "BAN12005",
        "Contract for Day Care March 1995 (Incatern Limited)",
    )
    assert [(s.name, s.company_number) for s in first.suppliers] == [("INCATERN LIMITED", "02165763")]
    assert first.total_value_pence == 156700
    assert first.owner == "COMMUNITY SERVICES"
    assert first.category == "Adult care - day care/community support/support into work"
    assert first.extra["Other supplier ID"] == "70063"  # unmapped columns kept as published

    taxi = rows[5377]  # organisation left blank in the file; decimals, dd/mm/yyyy dates
    assert taxi.partner == "Norfolk County Council"
    assert (taxi.reference, taxi.title) == ("AQN34166", "Norwich to Bramfield House")
    assert [s.name for s in taxi.suppliers] == ["S Greening"]
    assert taxi.total_value_pence == 9693019
    assert (taxi.start_date, taxi.end_date, taxi.review_date, taxi.max_end_date) == (
        date(2012, 9, 6),
        date(2015, 7, 31),
        date(2015, 7, 31),
        date(2015, 7, 31),
    )
    assert (taxi.contract_type, taxi.procurement_route) == ("single_award", "quotation")

    care = rows[772]  # 01-Apr-2013 style start date, 'gb/' company number
    assert care.start_date == date(2013, 4, 1)
    assert care.end_date == date(2026, 3, 31)
    assert care.total_value_pence == 13_000_000_000
    assert care.suppliers[0].company_number == "07445484"
    assert rows[780].suppliers[0].company_number == "01282361"  # lost leading zero restored


def test_norfolk_doubtful_values_are_flagged_not_trusted(norfolk) -> None:  # type: ignore[no-untyped-def]
    rows = _by_row(norfolk)
    placeholder = rows[7]  # start date 01-Jan-2000
    assert placeholder.start_date is None
    assert placeholder.extra["Contract start date"] == "01-Jan-2000"
    flagged = {(p.row, p.column) for p in norfolk.problems if p.severity == "warning"}
    assert (7, "Contract start date") in flagged
    assert rows[222].suppliers[0].company_number is None  # 'IP19473R' is not a Companies House number
    assert (222, "Supplier registered company number") in flagged
    negative = [p for p in norfolk.problems if p.message.startswith("negative amount")]
    assert len(negative) == 6 and all(rows[p.row].total_value_pence is None for p in negative)


# --- other layouts, mapped automatically ----------------------------------------------------------


def test_upper_case_workbook_with_title_rows_and_several_sheets(upper_case_workbook: Path) -> None:
    result = read_file(upper_case_workbook)
    assert result.sheet == "Register 2024"  # the sheet that looks like a register, not the first
    assert result.profile is None
    assert result.mapping["CONTRACT TITLE"] == "title"
    assert result.mapping["CONTRACT VALUE (£)"] == "total_value"
    assert result.mapping["DEPARTMENT"] == "owner"
    assert result.mapping["NOTES"] == ""
    assert result.rows_read == 3 and not result.rows_rejected
    first, second, third = result.records
    assert first.row == 5  # as the user sees it in the sheet, below the title rows
    assert (first.reference, first.title, first.owner) == ("BDC-001", "Waste collection vehicles lease", "Environment")
    assert first.total_value_pence == 123456789
    assert (first.start_date, first.end_date, first.review_date) == (
        date(2022, 4, 1),
        date(2027, 3, 31),
        date(2026, 9, 30),
    )
    assert first.suppliers[0].company_number == "01234567"
    assert first.suppliers[0].is_sme is False
    assert second.suppliers[0].company_number == "SC123456"
    assert second.total_value_pence == 4999950
    assert third.extra == {"NOTES": "extended once"}


def test_snake_case_windows_1252_csv(snake_case_csv: Path) -> None:
    result = read_file(snake_case_csv)
    assert result.rows_read == 3 and not result.rows_rejected
    assert result.mapping["contract_title"] == "title"
    assert result.mapping["annual_value"] == "annual_value"
    cafe, insurance, legal = result.records
    assert cafe.title == "Café services at Town Hall"
    assert [s.name for s in cafe.suppliers] == ["Bistro Café Ltd"]
    assert (cafe.total_value_pence, cafe.annual_value_pence) == (1_250_000, 5_000_000)
    assert (cafe.start_date, cafe.end_date) == (date(2024, 4, 1), date(2026, 3, 31))
    assert cafe.cpv == ["55330000-2"]
    assert cafe.procurement_route == "quotation"
    assert [s.name for s in insurance.suppliers] == ["Zurich Municipal", "Risk Management Partners Ltd"]
    assert (insurance.total_value_pence, insurance.annual_value_pence) == (120_000_000, 40_000_000)
    assert (insurance.start_date, insurance.end_date) == (date(2024, 4, 1), date(2027, 3, 31))
    assert insurance.procurement_route == "framework_call_off"
    assert [s.name for s in legal.suppliers] == ["Smith, Jones & Co Ltd"]
    assert legal.suppliers[0].company_number == "OC301234"
    assert legal.owner == "Legal"


def test_plain_english_headers_and_values_that_speak_for_themselves(plain_english_csv: Path) -> None:
    result = read_file(plain_english_csv)
    assert result.mapping["How much (£)"] == "total_value"  # by its '£' values
    assert result.mapping["Column G"] == "cpv"  # no header at all: CPV codes by their shape
    assert result.mapping["Notes"] == ""
    cameras, custody = result.records
    assert cameras.partner == "Norfolk Constabulary"
    assert cameras.total_value_pence == 31_000_000
    assert custody.total_value_pence == 240_000_000
    assert cameras.cpv == ["35125300-2"]
    assert (cameras.start_date, cameras.end_date) == (date(2023, 5, 1), date(2026, 4, 30))
    assert cameras.extra == {"Notes": "call-off from national framework"}


def test_month_first_column_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "us-dates.csv"
    path.write_text(
        "Title,Supplier,Start date,End date\nA,X Ltd,04/13/2024,12/31/2025\nB,Y Ltd,05/01/2024,06/30/2025\n"
    )
    result = read_file(path)
    assert [(r.start_date, r.end_date) for r in result.records] == [
        (date(2024, 4, 13), date(2025, 12, 31)),
        (date(2024, 5, 1), date(2025, 6, 30)),
    ]


def test_explicit_sheet_profile_and_mapping(upper_case_workbook: Path, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no sheet named 'Nope'"):
        read_file(upper_case_workbook, sheet="Nope")
    with pytest.raises(ImportFileError, match="unknown profile"):
        read_file(upper_case_workbook, profile="made-up")
    mapping = {"CONTRACT TITLE": "title", "SUPPLIER NAME": "supplier", "CONTRACT VALUE (£)": "annual_value"}
    result = read_file(upper_case_workbook, mapping=mapping)
    assert result.records[0].annual_value_pence == 123456789
    assert result.records[0].total_value_pence is None
    assert result.records[0].extra["CONTRACT REFERENCE"] == "BDC-001"


def test_inspect_file_for_the_wizard(upper_case_workbook: Path) -> None:
    info = inspect_file(upper_case_workbook)
    assert info.sheets == ["Notes", "Register 2024", "Lookups"]
    assert info.sheet == "Register 2024"
    assert info.header_row == 4  # below two title rows and a blank one
    assert info.headers[:2] == ["CONTRACT REFERENCE", "CONTRACT TITLE"]
    assert info.mapping["SUPPLIER NAME"] == "supplier"
    assert info.sample_rows[0][0] == "BDC-001"
    recased = [h if h.startswith("Column ") else h.title() for h in info.headers]
    assert header_signature(info.headers) == header_signature(recased)  # next quarter's file, retyped


def test_row_errors_reject_only_their_row(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(
        "Title,Supplier,Value,Start date\n"
        "Good,Acme Ltd,100,01/04/2024\n"
        "Bad value,Acme Ltd,lots,01/04/2024\n"
        "Bad date,Acme Ltd,100,31/02/2024\n"
        ",,,\n"  # blank rows are not data rows
        ",Acme Ltd,100,01/04/2024\n"
    )
    result = read_file(path)
    assert result.rows_read == 4
    assert [r.title for r in result.records] == ["Good"]
    errors = {p.row: (p.column, p.value) for p in result.problems if p.severity == "error"}
    assert errors == {3: ("Value", "lots"), 4: ("Start date", "31/02/2024"), 6: (None, None)}


def test_progress_and_cancel(upper_case_workbook: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Title,Supplier,Value\n" + "".join(f"T{i},S{i % 50} Ltd,{i}\n" for i in range(6000)))
    seen: list[float] = []
    read_file(path, progress=seen.append)
    assert seen[-1] == 1.0 and all(0 <= a <= b <= 1 for a, b in pairwise(seen))
    with pytest.raises(CancelledError):
        read_file(path, cancel=lambda: True)


# --- OCDS and JSON ----------------------------------------------------------------------------------


def test_every_contracts_finder_record_file_imports() -> None:
    folder = shared_data("ocds", "contracts-finder-2016", "records")
    files = sorted(folder.glob("*.json"))
    assert len(files) == 11
    for path in files:
        result = read_file(path)
        raw = json.loads(path.read_text())["compiledRelease"]
        (record,) = result.records
        assert record.partner == raw["buyer"]["name"]
        assert record.total_value_pence == round(raw["tender"]["value"]["amount"] * 100)
        assert record.reference == raw["ocid"]
        assert record.title == " ".join(raw["tender"]["title"].split())
        # Contracts Finder published these as tenders: no award, so no supplier yet, and said so.
        assert record.status == "planned" and record.suppliers == []
        assert [p.message for p in result.problems] == ["no award yet: imported as a planned contract"]


def test_every_contracts_finder_release_file_imports() -> None:
    folder = shared_data("ocds", "contracts-finder-2016", "releases")
    for path in sorted(folder.glob("*.json")):
        result = read_file(path)
        assert len(result.records) == 1 and result.records[0].partner
        assert result.records[0].total_value_pence


def test_ocds_award_gives_supplier_value_dates_and_cpv() -> None:
    result = read_file(shared_data("ocds", "fictional-1.1", "record-ocds-213czf-000-00001.json"))
    (record,) = result.records
    assert record.partner == "London Borough of Barnet"
    assert [(s.name, s.company_number) for s in record.suppliers] == [("AnyCorp Cycle Provision", "11111111")]
    assert record.total_value_pence == 1_100_000_000
    assert (record.start_date, record.end_date) == (date(2010, 7, 1), date(2011, 6, 30))
    assert record.cpv == ["45233130-9"]
    assert record.status == "active"
    assert record.source_id == "ocds-213czf-000-00001/ocds-213czf-000-00001-award-01"


def test_release_package_json_lines_and_arrays(tmp_path: Path) -> None:
    award = json.loads(shared_data("ocds", "fictional-1.1", "ocds-213czf-000-00001-05-contract.json").read_text())
    release = award["releases"][0]
    lines = tmp_path / "releases.jsonl"
    other = json.loads(json.dumps(release).replace("ocds-213czf-000-00001", "ocds-213czf-000-00002"))
    lines.write_text(json.dumps(release) + "\n" + json.dumps(other) + "\n")
    assert len(read_file(lines).records) == 2
    array = tmp_path / "array.json"
    array.write_text(json.dumps([release, other]))
    assert {r.reference for r in read_file(array).records} == {"ocds-213czf-000-00001", "ocds-213czf-000-00002"}
    single = tmp_path / "single.json"
    single.write_text(json.dumps(release))
    assert read_file(single).records[0].suppliers[0].name == "AnyCorp Cycle Provision"


def test_releases_of_one_process_are_compiled(tmp_path: Path) -> None:
    folder = shared_data("ocds", "fictional-1.1")
    releases = [json.loads(p.read_text())["releases"][0] for p in sorted(folder.glob("ocds-213czf-*.json"))]
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"uri": "x", "releases": releases}))
    (record,) = read_file(package).records
    assert record.status == "active" and record.suppliers[0].name == "AnyCorp Cycle Provision"


def test_a_published_notices_json_maps_like_a_sheet() -> None:
    result = read_file(shared_data("notices-lancashire", "burnley.json"))
    assert result.rows_read == 94 and result.file_kind == "json"
    padiham = result.records[0]
    assert padiham.partner == "Burnley Borough Council"
    assert [s.name for s in padiham.suppliers] == ["B&E Boys Ltd"]  # entity decoded
    assert padiham.total_value_pence == 72_915_235
    assert padiham.cpv == ["45000000-7"]


# --- hostile files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.xlsx", "empty"),
        ("blank-lines.csv", "empty"),
        ("not-a-spreadsheet.xlsx", "not a spreadsheet"),
        ("truncated.xlsx", "corrupt or truncated"),
        ("zip-without-workbook.xlsx", "without a spreadsheet"),
        ("old-word-document.xls", "corrupt or cannot be read"),
        ("encrypted.xlsx", "password-protected"),
        ("random.bin", "not a spreadsheet"),
        ("broken.json", "not valid JSON"),
        ("not-ocds.json", "not OCDS"),
        ("no-columns.csv", "no recognisable columns"),
    ],
)
def test_hostile_files_are_refused_quickly(hostile_files: dict[str, Path], name: str, message: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ImportFileError, match=message) as exc:
        read_file(hostile_files[name])
    assert time.perf_counter() - start < 5
    assert "\n" not in str(exc.value) and name in str(exc.value)


def test_header_only_file_reads_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header-only.csv"
    path.write_text("Contract title,Supplier name,Contract value\n")
    result = read_file(path)
    assert (result.rows_read, result.records, result.problems) == (0, [], [])


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        read_file(tmp_path / "nope.xlsx")


def test_dimension_claiming_a_million_rows(huge_dimension_workbook: Path) -> None:
    start = time.perf_counter()
    result = read_file(huge_dimension_workbook)
    assert time.perf_counter() - start < 5
    assert result.rows_read == 10


def test_stray_cell_far_away_does_not_exhaust_memory(far_cell_workbook: Path) -> None:
    start = time.perf_counter()
    result = read_file(far_cell_workbook)  # calamine would allocate 200 million cells here
    assert time.perf_counter() - start < 10
    assert result.rows_read == 10
    assert Counter(r.total_value_pence for r in result.records) == {100000: 10}


def test_transparency_code_layout_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "transparency.csv"
    path.write_text(
        "Reference Number,Title of Agreement,Local Authority Department Responsible,"
        "Description of Goods and/or Services,Supplier Name and Details,Supplier Registration Number,"
        "Sum to be Paid over the Length of the Contract,Value Added Tax that cannot be Recovered,Start Date,"
        "End Date,Review Date,Invitation to Quote or Published Invitation to Tender,SME,VCSE\n"
        'TC-1,Printing,Resources,Print services,Inky Ltd,123456,"£60,000",0,01/04/2024,31/03/2025,01/01/2025,'
        "Invitation to tender,Yes,No\n"
    )
    result = read_file(path)
    assert result.profile == "transparency-code"
    (record,) = result.records
    assert (record.reference, record.owner, record.total_value_pence, record.procurement_route) == (
        "TC-1",
        "Resources",
        6_000_000,
        "open",
    )
    assert (record.suppliers[0].company_number, record.suppliers[0].is_sme, record.suppliers[0].is_vcse) == (
        "00123456",
        True,
        False,
    )


def test_ods_workbook(ods_file: Path) -> None:
    result = read_file(ods_file)
    assert (result.file_kind, result.sheet, result.rows_read) == ("ods", "Contracts", 2)
    assert [(r.title, r.total_value_pence, r.end_date) for r in result.records] == [
        ("Printing", 100_000, date(2026, 3, 31)),
        ("Cleaning", 250_000, date(2026, 4, 30)),
    ]
