"""Dashboard: the register at a glance, as charts (spend, expiries, SME/VCSE and collaborative shares)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from flagdesk.domain import format_pounds_short
from flagdesk.records import ContractRecord
from flagdesk.ui.charts import BarChart, ColumnChart, Datum, ShareChart
from flagdesk.ui.context import AppContext
from flagdesk.ui.views.records_view import ContractRecordsView


def _money(slices: list[Any]) -> list[Datum]:
    return [
        Datum(s.label, s.value_pence, format_pounds_short(s.value_pence), f"{s.label}: {s.contracts:,} contracts, "
              f"{format_pounds_short(s.value_pence)} a year")
        for s in slices
    ]  # fmt: skip


class Tile(QFrame):
    """One headline number with its caption."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = QLabel("–")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value.setFont(font)
        self.caption = QLabel(caption)
        self.setAccessibleName(caption)
        layout = QVBoxLayout(self)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set_value(self, text: str) -> None:
        self.value.setText(text)
        self.setAccessibleDescription(f"{self.caption.text()}: {text}")


class DashboardView(ContractRecordsView):
    title = "Dashboard"

    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.setAccessibleName("Dashboard")
        self.figures: Any = None
        self.tiles = {
            "live": Tile("Live contracts"),
            "value": Tile("Annual value of live contracts"),
            "expiring": Tile("Ending in the next 12 months"),
            "partners": Tile("Partners with live contracts"),
        }
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tiles.addWidget(tile)
        self.spend = BarChart("Annual spend by category")
        self.expiring = ColumnChart("Contracts ending per quarter (count)")
        self.suppliers = ShareChart("Annual spend with SMEs and VCSEs")
        self.collaborative = ShareChart("Collaborative share of annual spend")
        grid = QGridLayout()
        grid.setSpacing(12)
        grid.addWidget(self.spend, 0, 0)
        grid.addWidget(self.expiring, 0, 1)
        grid.addWidget(self.suppliers, 1, 0)
        grid.addWidget(self.collaborative, 1, 1)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.addLayout(tiles)
        layout.addLayout(grid, 1)
        layout.addWidget(self.status)

    def show_records(self, records: list[ContractRecord]) -> None:
        def work(session: Any) -> Any:
            from flagdesk.services.dashboard import dashboard_figures, supplier_flags

            return dashboard_figures(records, supplier_flags(session))

        self.app.read(work, self.show_figures, label="Summarising the register")

    def show_figures(self, f: Any) -> None:
        self.figures = f
        self.tiles["live"].set_value(f"{f.live_contracts:,}")
        self.tiles["value"].set_value(format_pounds_short(f.live_annual_pence))
        self.tiles["expiring"].set_value(f"{f.expiring_12_months:,}")
        self.tiles["partners"].set_value(f"{f.partners:,}")
        self.spend.set_data(_money(f.spend_by_category))
        self.expiring.set_data(
            [Datum(s.label, s.contracts, f"{s.contracts:,}", f"{s.label}: {s.contracts:,} contracts ending, "
                   f"{format_pounds_short(s.value_pence)} a year") for s in f.expiring_by_quarter]
        )  # fmt: skip
        self.suppliers.set_data(_money(f.supplier_kind_share))
        self.collaborative.set_data(_money(f.collaborative_share))
        self.status.setText("Values are annual, for live contracts (planned or active, not yet ended).")
