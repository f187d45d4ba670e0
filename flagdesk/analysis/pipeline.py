"""The expiry pipeline: live contracts by quarter of current end date, per partner and category.

Categories are the same *needs* the opportunity engine groups by, so a board reading the pipeline
sees the same words as in the opportunities it produced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flagdesk.analysis.opportunities import annual_value, is_live, need_key, need_label
from flagdesk.domain import add_months, quarter_label
from flagdesk.records import ContractRecord


@dataclass(frozen=True, slots=True)
class PipelineRow:
    quarter: str  # '2027-Q1' (calendar quarters)
    partner: str
    category: str
    contracts: int
    annual_value_pence: int
    total_value_pence: int
    contract_ids: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "partner": self.partner,
            "category": self.category,
            "contracts": self.contracts,
            "annual_value_pence": self.annual_value_pence,
            "total_value_pence": self.total_value_pence,
            "contract_ids": list(self.contract_ids),
        }


def expiry_pipeline(
    contracts: Iterable[ContractRecord], *, as_of: date | None = None, months: int | None = None
) -> list[PipelineRow]:
    """Rows sorted by quarter, partner and category; contracts without an end date are left out.

    With `as_of`, only contracts ending on or after it are counted, and with `months` as well,
    only those ending within that many months of it.
    """
    until = add_months(as_of, months) if as_of is not None and months is not None else None
    groups: dict[tuple[str, str, str], list[ContractRecord]] = defaultdict(list)
    for c in contracts:
        end = c.end_date
        if end is None or not is_live(c, None):
            continue
        if (as_of is not None and end < as_of) or (until is not None and end > until):
            continue
        groups[(quarter_label(end), c.partner, need_label(need_key(c)))].append(c)
    return [
        PipelineRow(
            quarter=quarter,
            partner=partner,
            category=category,
            contracts=len(members),
            annual_value_pence=sum(annual_value(c) for c in members),
            total_value_pence=sum(max(0, c.total_value_pence or 0) for c in members),
            contract_ids=tuple(sorted(c.id for c in members)),
        )
        for (quarter, partner, category), members in sorted(groups.items())
    ]
