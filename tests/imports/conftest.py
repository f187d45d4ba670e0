"""Register files in other public bodies' layouts, built small in tmp_path, and hostile files."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook


@pytest.fixture
def upper_case_workbook(tmp_path: Path) -> Path:
    """Shaped like a district council's published register: a notes sheet first, two title rows
    above an upper-case header, real Excel dates, money as text with '£', a lookups sheet after."""
    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["This workbook lists contracts over £5,000 as required by the Transparency Code."])
    notes.append(["Contact procurement@example.gov.uk with questions."])
    sheet = wb.create_sheet("Register 2024")
    sheet.append(["BRECKLAND COUNCIL - CONTRACTS REGISTER"])
    sheet.append(["Published 01/04/2024"])
    sheet.append([])
    sheet.append(
        [
            "CONTRACT REFERENCE",
            "CONTRACT TITLE",
            "DEPARTMENT",
            "SUPPLIER NAME",
            "COMPANY NUMBER",
            "CONTRACT VALUE (£)",
            "START DATE",
            "END DATE",
            "REVIEW DATE",
            "SME (Y/N)",
            None,
            "NOTES",
        ]
    )
    sheet.append(
        [
            "BDC-001",
            "Waste collection vehicles lease",
            "Environment",
            "Acme Fleet Ltd",
            "1234567",
            "£1,234,567.89",
            date(2022, 4, 1),
            date(2027, 3, 31),
            date(2026, 9, 30),
            "N",
            None,
            "lot 1",
        ]
    )
    sheet.append(
        [
            "BDC-002",
            "Payroll software",
            "Finance",
            "Payco Systems Limited",
            "SC123456",
            "£49,999.50",
            date(2023, 1, 1),
            date(2025, 12, 31),
            None,
            "Y",
            None,
            None,
        ]
    )
    sheet.append(
        [
            "BDC-003",
            "Grounds maintenance",
            "Environment",
            "Green & Co Ltd",
            None,
            "£250,000",
            date(2021, 6, 1),
            date(2024, 5, 31),
            None,
            "Y",
            None,
            "extended once",
        ]
    )
    lookups = wb.create_sheet("Lookups")
    lookups.append(["Department", "Director"])
    lookups.append(["Finance", "A Person"])
    path = tmp_path / "breckland-register.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def snake_case_csv(tmp_path: Path) -> Path:
    """A snake_case export saved from Excel on Windows: Windows-1252, ';' separated, money and
    dates in several spellings, a supplier cell naming two suppliers."""
    lines = [
        "contract_id;contract_title;supplier_name;companies_house_number;total_value;annual_value;start_date;"
        "end_date;cpv_code;procurement_route;directorate",
        "C-10;Café services at Town Hall;Bistro Café Ltd;08123456;£12,500.00;50k;01/04/2024;31/03/2026;"
        "55330000-2;Invitation to quote;Resources",
        "C-11;Insurance programme;Zurich Municipal,Risk Management Partners Ltd;;1.2m;400k;2024-04-01;"
        "31 March 2027;66510000-8;Framework call-off;Resources",
        "C-12;Legal advice;Smith, Jones & Co Ltd;OC301234;£9,000;;1 April 2024;2025-03-31;79100000-5;"
        "Direct award;Legal",
    ]
    path = tmp_path / "contracts_export.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


@pytest.fixture
def plain_english_csv(tmp_path: Path) -> Path:
    """Plain-English headers, one column without a header holding CPV codes, '£' amounts under a
    header nobody would list as a synonym, UTF-8 with a BOM."""
    lines = [
        "Organisation,Contract name,Supplier,How much (£),Start,End,,Notes",
        'Norfolk Constabulary,Body-worn cameras,Axon Public Safety UK Ltd,"£310,000",01/05/2023,30/04/2026,'
        "35125300-2,call-off from national framework",
        "Norfolk Constabulary,Custody healthcare,Mitie Care & Custody Ltd,£2.4m,01/10/2022,30/09/2025,85100000-0,",
    ]
    path = tmp_path / "police-contracts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


# --- hostile files --------------------------------------------------------------------------------


def _small_workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Contracts"
    ws.append(["Title", "Supplier", "Value", "End date"])
    for i in range(10):
        ws.append([f"Contract {i}", f"Supplier {i} Ltd", 1000 * (i + 1), "31/03/2026"])
    wb.save(path)
    return path


def _rewrite_member(path: Path, member: str, edit) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[member] = edit(members[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, Path]:
    """name -> file that must be refused (or, for the dimension case, handled) quickly."""
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        files[name] = tmp_path / name
        files[name].write_bytes(data)

    put("empty.xlsx", b"")
    put("blank-lines.csv", b"\r\n\r\n  \r\n")
    put("not-a-spreadsheet.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) * 8)
    good = _small_workbook(tmp_path / "good.xlsx").read_bytes()
    put("truncated.xlsx", good[: len(good) // 2])
    buf = tmp_path / "nowb.zip"
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    put("zip-without-workbook.xlsx", buf.read_bytes())
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    put("old-word-document.xls", ole + b"WordDocument".decode().encode("utf-16-le") + b"\x00" * 2048)
    put("encrypted.xlsx", ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2048)
    put("random.bin", bytes((i * 7919 + 13) % 256 for i in range(20000)))
    put("broken.json", b'{"releases": [{"ocid": "ocds-1",')
    put("not-ocds.json", b'{"name": "a council", "year": 2024}')
    put("no-columns.csv", b"alpha,beta,gamma\n1,2,3\n4,5,6\n")
    return files


@pytest.fixture
def huge_dimension_workbook(tmp_path: Path) -> Path:
    """Ten real rows under a dimension claiming A1:XFD1048576."""
    path = _small_workbook(tmp_path / "huge-dimension.xlsx")
    _rewrite_member(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml),
    )
    return path


@pytest.fixture
def far_cell_workbook(tmp_path: Path) -> Path:
    """Ten real rows and one stray cell at GR1048576: a bounding box of 200 million cells."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Contracts"
    ws.append(["Title", "Supplier", "Value"])
    for i in range(10):
        ws.append([f"Contract {i}", f"Supplier {i} Ltd", 1000])
    ws.cell(row=1_048_576, column=200, value="stray")
    path = tmp_path / "far-cell.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def ods_file(tmp_path: Path) -> Path:
    """A minimal OpenDocument spreadsheet, as LibreOffice users publish."""
    rows = [
        ["Contract title", "Supplier name", "Contract value", "End date"],
        ["Printing", "Inky Ltd", "£1,000", "31/03/2026"],
        ["Cleaning", "Shine Ltd", "2500", "2026-04-30"],
    ]
    cells = "".join(
        "<table:table-row>"
        + "".join(f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>' for v in row)
        + "</table:table-row>"
        for row in rows
    )
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Contracts">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "register.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return path
