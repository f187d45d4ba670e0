"""Workflow views at scale: the import preview's 100,000 rows and the supplier filter, against baselines.

Run as a script (not collected by the default test run):

    .venv/bin/python tests/benchmarks/bench_workflow_views.py [--rows N] [--suppliers N] [--json]

1. Sorting the import preview table (RecordTableModel, sorted in the model over precomputed keys)
   vs the baseline of a QSortFilterProxyModel sorting the same model, each followed by a repaint
   of a visible QTableView. Reported per sort and as a ratio.
2. Typing a supplier name into the Suppliers filter, one keystroke at a time (the view's own
   filter over pre-lowered text) vs the baseline of a QSortFilterProxyModel filtering the name
   column; p95 per keystroke and the ratio. Both lists are synthetic, same content for both sides.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QCoreApplication, QSortFilterProxyModel, Qt  # noqa: TID251  (a GUI benchmark)
from PySide6.QtWidgets import QApplication, QTableView  # noqa: TID251

from flagdesk.ui.screenshots import percentile
from flagdesk.ui.views.imports import plan_columns
from flagdesk.ui.views.listing import RecordTableModel
from flagdesk.ui.views.suppliers import supplier_columns

WORDS = ("network", "support", "care", "highways", "waste", "cleaning", "software", "licence", "print", "fleet",
         "transport", "legal", "audit", "catering", "security", "telephony", "hosting", "schools", "library")


@dataclass(frozen=True)
class Row:  # the shape of importers' records that plan_columns reads
    row: int
    reference: str
    title: str


@dataclass(frozen=True)
class Plan:  # the shape of services.imports.RowPlan
    record: Row
    partner: str
    action: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class Supplier:  # the shape of records.SupplierRecord
    id: int
    name: str
    company_numbers: tuple[str, ...]
    aliases: tuple[str, ...]
    contracts: int
    is_sme: bool | None
    is_vcse: bool | None


def plans(n: int, rng: random.Random) -> list[Plan]:
    return [
        Plan(Row(i + 2, f"REF-{rng.randrange(10**6):06d}", " ".join(rng.choices(WORDS, k=5)).capitalize()),
             f"Council {rng.randrange(40)}", rng.choice(("new", "changed", "unchanged")), {})
        for i in range(n)
    ]


def suppliers(n: int, rng: random.Random) -> list[Supplier]:
    return [
        Supplier(i, f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} {i} Ltd", (f"{rng.randrange(10**8):08d}",),
                 (), rng.randrange(200), rng.random() < 0.5, False)
        for i in range(n)
    ]


def shown(table: QTableView) -> None:
    table.viewport().repaint()
    QCoreApplication.processEvents()


def time_it(action: Any, table: QTableView) -> float:
    start = time.perf_counter()
    action()
    shown(table)
    return time.perf_counter() - start


def table_over(model: Any) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.resize(1200, 700)
    table.show()
    shown(table)
    return table


def bench_sort(rows: int, rng: random.Random) -> dict[str, float]:
    data = plans(rows, rng)
    ours: RecordTableModel[Any] = RecordTableModel(plan_columns())
    ours.set_records(data)
    ours_table = table_over(ours)
    title = 4
    ours_s = min(time_it(lambda o=order: ours.sort(title, o), ours_table)
                 for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
    source: RecordTableModel[Any] = RecordTableModel(plan_columns())
    source.set_records(data)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    proxy_table = table_over(proxy)
    proxy_s = min(time_it(lambda o=order: proxy.sort(title, o), proxy_table)
                  for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
    return {"rows": rows, "model_sort_ms": round(ours_s * 1000, 1), "proxy_sort_ms": round(proxy_s * 1000, 1),
            "proxy_over_model": round(proxy_s / ours_s, 1)}


def bench_filter(count: int, rng: random.Random) -> dict[str, float]:
    from flagdesk.ui.views.suppliers import SuppliersView

    records = suppliers(count, rng)
    word = "network support"

    class NoApp:  # the view is driven directly; nothing is read from a database here
        def read(self, *_a: Any, **_k: Any) -> None: ...

    view = SuppliersView(NoApp())
    view.resize(1280, 800)
    view.show()
    view._show((records, []))
    table = view.suppliers_table
    ours = []
    for i in range(1, len(word) + 1):
        ours.append(time_it(lambda t=word[:i]: view.search_edit.setText(t), table))
    source: RecordTableModel[Any] = RecordTableModel(supplier_columns())
    source.set_records(records)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(0)
    proxy_table = table_over(proxy)
    theirs = [time_it(lambda t=word[:i]: proxy.setFilterFixedString(t), proxy_table) for i in range(1, len(word) + 1)]
    ours_p95, theirs_p95 = percentile(ours, 0.95), percentile(theirs, 0.95)
    return {"suppliers": count, "filter_p95_ms": round(ours_p95 * 1000, 1),
            "proxy_filter_p95_ms": round(theirs_p95 * 1000, 1),
            "proxy_over_view": round(theirs_p95 / max(ours_p95, 1e-9), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])
    rng = random.Random(6)
    result = {"sort": bench_sort(args.rows, rng), "filter": bench_filter(args.suppliers, rng)}
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        s, f = result["sort"], result["filter"]
        print(f"import preview, {s['rows']:,} rows, sort by title: model {s['model_sort_ms']} ms, "
              f"QSortFilterProxyModel {s['proxy_sort_ms']} ms ({s['proxy_over_model']}x)")
        print(f"supplier filter, {f['suppliers']:,} suppliers, keystroke p95: view {f['filter_p95_ms']} ms, "
              f"QSortFilterProxyModel {f['proxy_filter_p95_ms']} ms ({f['proxy_over_view']}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
