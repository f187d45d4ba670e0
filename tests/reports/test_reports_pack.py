"""The commissioning pack: every section, every contract and partner, exact titles, A4, embedded fonts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pack_support import INJECTION, SECTIONS, TODAY, make_pack, pdf_pages
from pypdf import PdfReader
from sqlalchemy import select

from flagdesk.errors import CancelledError, NotFoundError, UserError
from flagdesk.reports.annex import write_annex
from flagdesk.reports.cells import is_formula_like
from flagdesk.reports.pack import write_pack
from flagdesk.reports.packdata import OutcomeRecord
from flagdesk.services.contracts import update_contract
from flagdesk.services.opportunities import refresh_opportunities
from flagdesk.services.packs import assemble_pack
from flagdesk.services.specifications import create_specification, link_specification
from flagdesk.store.models import Opportunity, OpportunityContract

A4_SIDES = sorted((595.28, 841.89))


def _demo_aggregation(register) -> str:  # type: ignore[no-untyped-def]
    """The demo register's aggregation opportunity with the most partners, one contract retitled hostile."""
    with register.write() as session:
        refresh_opportunities(session, "tester", as_of=TODAY)
        rows = session.execute(select(Opportunity.id, Opportunity.details).where(Opportunity.kind == "aggregation"))
        opp_id = max(rows, key=lambda r: (len(r.details.get("partners", [])), r.id)).id
        first = session.scalars(
            select(OpportunityContract.contract_id).where(OpportunityContract.opportunity_id == opp_id)
        ).first()
        update_contract(session, first, {"title": INJECTION}, user="tester")
    return opp_id


def test_demo_aggregation_pack_has_every_section_contract_and_partner(demo_register, tmp_path: Path) -> None:
    opp_id = _demo_aggregation(demo_register)
    with demo_register.session() as session:
        pack = assemble_pack(session, opp_id, prepared_by="Head of ICT", today=TODAY)
    assert len(pack.partners) >= 3 and len(pack.contracts) >= 3
    out = tmp_path / "pack.pdf"
    pages = write_pack(pack, out)

    texts = pdf_pages(out)
    assert pages == len(texts) >= 6
    whole = "\n".join(texts)
    for section in SECTIONS:
        assert section in whole, section
    flat = " ".join(whole.split())
    for contract in pack.contracts:
        assert contract.reference in whole
    for partner in pack.partners:
        assert " ".join(partner.name.split()) in flat
    # Exactly as written (a long title may wrap at a space): no markup parsed, no entity decoded.
    assert INJECTION in whole.replace("\n", " ")
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
    reader = PdfReader(str(out))
    for page in reader.pages:
        assert sorted(round(float(v), 2) for v in page.mediabox.upper_right) == A4_SIDES


def test_fonts_are_embedded_and_nothing_falls_back_to_base14(tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    write_pack(make_pack(12), out)
    fonts = {}
    for page in PdfReader(str(out)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not an embedded TrueType font"
        assert "DejaVuSans" in name


def test_titles_print_exactly_as_written_on_cover_and_in_tables(tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    write_pack(make_pack(12, title=INJECTION), out)
    texts = pdf_pages(out)
    assert INJECTION in texts[0].replace("\n", " ")  # the cover title, in large type wrapped at its space
    assert INJECTION in texts[3].splitlines()  # and on one line of the contracts table


def test_progress_reaches_one_and_cancel_leaves_no_file(tmp_path: Path) -> None:
    seen: list[float] = []
    write_pack(make_pack(40), tmp_path / "ok.pdf", progress=seen.append)
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen) and len(seen) > 10

    target = tmp_path / "cancelled.pdf"
    calls = iter(range(1000))
    with pytest.raises(CancelledError):
        write_pack(make_pack(40), target, cancel=lambda: next(calls) > 5)
    assert list(tmp_path.iterdir()) == [tmp_path / "ok.pdf"]  # no partial file, no temporary left


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        write_pack(make_pack(3), tmp_path / "no" / "such" / "pack.pdf")


def test_opportunity_without_contracts_or_dates_still_prints(tmp_path: Path) -> None:
    out = tmp_path / "empty.pdf"
    pages = write_pack(make_pack(0), out)
    text = "\n".join(pdf_pages(out))
    assert pages >= 6 and "None recorded." in text and "no timeline can be drawn" in text


def test_linked_specification_outcomes_and_criteria_appear(demo_register, tmp_path: Path) -> None:
    opp_id = _demo_aggregation(demo_register)
    with demo_register.write() as session:
        spec = create_specification(
            session,
            user="tester",
            title="Data services & hosting <outcomes>",
            outcomes=[
                OutcomeRecord(
                    "Zero data loss", "Restore tests passed", "Untested", "12 of 12 a year", "Quarterly restore report"
                )
            ],
            sustainability=["Data centre PUE at most 1.4"],
            template_categories=["accessibility"],
        )
        link_specification(session, spec.id, opp_id, user="tester")
    with demo_register.session() as session:
        pack = assemble_pack(session, opp_id, today=TODAY)
    out = tmp_path / "spec.pdf"
    write_pack(pack, out)
    flat = " ".join("\n".join(pdf_pages(out)).split())
    for text in (
        "Data services & hosting <outcomes>",
        "Zero data loss",
        "Restore tests passed",
        "12 of 12 a year",
        "Quarterly restore report",
        "Data centre PUE at most 1.4",
        "WCAG 2.2",
    ):
        assert text in flat, text


def test_unknown_opportunity_and_specification_are_not_found(demo_register) -> None:
    opp_id = _demo_aggregation(demo_register)
    with demo_register.session() as session:
        with pytest.raises(NotFoundError):
            assemble_pack(session, "AGG-nope")
        with pytest.raises(NotFoundError):
            assemble_pack(session, opp_id, spec_id=999)


def test_annex_has_the_pack_tables_typed_and_neutralised(tmp_path: Path) -> None:
    pack = make_pack(12)
    out = tmp_path / "annex.xlsx"
    write_annex(pack, out)
    book = load_workbook(out)
    assert {
        "Summary",
        "Partners",
        "Contracts",
        "Outcomes",
        "Routes",
        "Saving",
        "Assumptions",
        "Risks",
        "Sign-off",
        "Criteria",
    } <= set(book.sheetnames)
    contracts = list(book["Contracts"].iter_rows(values_only=True))
    assert len(contracts) == 1 + len(pack.contracts)
    header = contracts[0]
    first = dict(zip(header, contracts[1], strict=True))
    assert isinstance(first["Annual value"], float) and first["End"].date() == pack.contracts[0].end_date
    titles = [dict(zip(header, row, strict=True))["Title"] for row in contracts[1:]]
    assert "'" + INJECTION in titles
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(is_formula_like(v) for v in row)
    partners = list(book["Partners"].iter_rows(values_only=True))[1:]
    assert sum(row[4] for row in partners) == pytest.approx(1.0)


def test_pack_lists_routes_reuse_first_and_states_assumptions(tmp_path: Path) -> None:
    pack = make_pack(12)
    assert pack.routes[0].name.startswith("Call off from") and pack.routes[0].recommended
    assert "REF-0005" in pack.routes[0].vehicle
    out = tmp_path / "p.pdf"
    write_pack(pack, out)
    flat = " ".join("\n".join(pdf_pages(out)).split())
    assert "Price saving from competing a combined requirement of any size" in flat
    assert "£15,000.00" in flat and "4.19%" in flat
    assert re.search(r"Option\s+Route", flat)


def test_pack_is_deterministic(tmp_path: Path) -> None:
    """Same data, same bytes: packs can be compared and archived."""
    write_pack(make_pack(20), tmp_path / "a.pdf")
    write_pack(make_pack(20), tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_proposed_start_in_the_past_and_dates_far_apart(tmp_path: Path) -> None:
    from dataclasses import replace

    pack = make_pack(5)
    old = replace(pack, opportunity=replace(pack.opportunity, proposed_start=date(1999, 1, 1)))
    pages = write_pack(old, tmp_path / "old.pdf")
    assert pages >= 6


HOSTILE_TEXT = [
    "\x00\x01\x1b[31mred",
    "A" * 1000,
    "😀 emoji 🚀",
    "\u202eRTL override",
    "中文合同",
    "Gwasanaethau TGCh ŵ ŷ – Cyngor",
    "<para>&nbsp;</para>",
    "line1\nline2\r\nline3",
    "",
    " ",
    "&#x41;&lt;",
    "</b></font><font size=99>",
]


def test_hostile_text_everywhere_prints_literally(tmp_path: Path) -> None:
    from dataclasses import replace

    pack = make_pack(len(HOSTILE_TEXT))
    contracts = tuple(
        replace(c, title=t, reference=t[:30] or "—", partner=t[:50] or "x", suppliers=(t,))
        for c, t in zip(pack.contracts, HOSTILE_TEXT, strict=True)
    )
    pack = replace(
        pack,
        contracts=contracts,
        opportunity=replace(
            pack.opportunity, title="</b><font size=99>" + HOSTILE_TEXT[7], evidence=tuple(HOSTILE_TEXT)
        ),
    )
    out = tmp_path / "hostile.pdf"
    assert write_pack(pack, out) >= 6
    write_annex(pack, tmp_path / "hostile.xlsx")
    text = "\n".join(pdf_pages(out))
    for literal in ("<para>&nbsp;</para>", "&#x41;&lt;", "Gwasanaethau TGCh ŵ ŷ – Cyngor", "</b><font size=99>"):
        assert literal in text, literal


def test_sixty_partners_fit_the_page(tmp_path: Path) -> None:
    """Charts cannot split across pages: many partners must not make one taller than a page."""
    from dataclasses import replace

    from flagdesk.services.packs import build_pack_data

    pack = make_pack(120)
    contracts = [replace(c, partner=f"Partner council {c.id % 60}", partner_id=c.id % 60) for c in pack.contracts]
    many = build_pack_data(pack.opportunity, contracts, pack.specification, (), prepared_on=TODAY)
    out = tmp_path / "many.pdf"
    assert len(many.partners) == 60 and write_pack(many, out) >= 6
    text = "\n".join(pdf_pages(out))
    assert "41 other partners" in text and "Partner council 59" in text
