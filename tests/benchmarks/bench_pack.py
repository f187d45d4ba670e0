"""Benchmark: a commissioning pack for an opportunity of 240 contracts, target at most 4 s.

Run: .venv/bin/python tests/benchmarks/bench_pack.py [--contracts 240] [--runs 5]

Times the whole job the CLI does (load the opportunity from a SQLite register, assemble the pack,
lay out and write the PDF with its table of contents, timeline and "Page N of M") and, in the same
process, a named baseline: "naive-table", reportlab laying out only the contracts table the common
way (one Paragraph per cell, automatic column widths). The ratio is the figure to compare across days.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import func, insert, select

from flagdesk.reports.pack import register_fonts, styles, write_pack
from flagdesk.services.demo import seed_demo
from flagdesk.services.packs import assemble_pack
from flagdesk.store.engine import Register, open_register
from flagdesk.store.models import Contract, Opportunity, OpportunityContract

TARGET_SECONDS = 4.0
TODAY = date(2026, 11, 25)


def build_register(folder: Path, contracts: int) -> tuple[Register, str]:
    reg = open_register(folder / "bench.sqlite")
    with reg.write() as session:
        seed_demo(session, user="bench", partners=12, contracts=max(1800, contracts * 2), seed=1)
        ids = session.scalars(select(Contract.id).order_by(Contract.end_date, Contract.id).limit(contracts)).all()
        total = session.scalar(
            select(func.coalesce(func.sum(Contract.annual_value_pence), 0)).where(Contract.id.in_(ids))
        )
        session.execute(
            insert(Opportunity).values(
                id="AGG-benchmark",
                kind="aggregation",
                title=f"Benchmark aggregation of {len(ids)} contracts",
                combined_annual_value_pence=total,
                estimated_saving_pence=total // 20,
                proposed_start=TODAY,
                evidence=["Generated for the pack benchmark."],
                assumptions={},
                details={},
            )
        )
        session.execute(
            insert(OpportunityContract),
            [{"opportunity_id": "AGG-benchmark", "contract_id": cid, "role": "member"} for cid in ids],
        )
    return reg, "AGG-benchmark"


def full_pack(reg: Register, opportunity_id: str, out: Path) -> tuple[int, int]:
    with reg.session() as session:
        pack = assemble_pack(session, opportunity_id, today=TODAY, prepared_by="bench")
    return write_pack(pack, out), len(pack.contracts)


def naive_table(reg: Register, opportunity_id: str, out: Path) -> None:
    """Baseline: only the contracts table, Paragraph per cell, reportlab choosing widths and heights."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    with reg.session() as session:
        contracts = assemble_pack(session, opportunity_id, today=TODAY).contracts
    style = styles()["small"]
    rows = [
        [
            Paragraph(escape(str(v)), style)
            for v in (c.reference, c.partner, c.title, "; ".join(c.suppliers), c.annual_value_pence, c.end_date)
        ]
        for c in contracts
    ]
    SimpleDocTemplate(str(out), pagesize=A4).build([Table(rows, repeatRows=0)])


def timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=240)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    register_fonts()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reg, opp = build_register(folder, args.contracts)
        pages, count = full_pack(reg, opp, folder / "warm.pdf")  # imports and font parsing out of the timing
        naive_table(reg, opp, folder / "warm-naive.pdf")
        pack_times, naive_times = [], []
        for run in range(args.runs):
            pack_times.append(timed(full_pack, reg, opp, folder / f"pack{run}.pdf"))
            naive_times.append(timed(naive_table, reg, opp, folder / f"naive{run}.pdf"))
        reg.dispose()
    pack_s, naive_s = statistics.median(pack_times), statistics.median(naive_times)
    print(f"contracts in the opportunity: {count}; pack pages: {pages}")
    print(
        f"full pack (load + assemble + PDF): median {pack_s:.2f} s over {args.runs} runs "
        f"(min {min(pack_times):.2f}, max {max(pack_times):.2f}); target <= {TARGET_SECONDS:.0f} s"
    )
    print(f"baseline naive-table (contracts table only, Paragraph cells, auto widths): median {naive_s:.2f} s")
    print(f"ratio full pack / naive-table baseline: {pack_s / naive_s:.2f}")
    return 0 if pack_s <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
