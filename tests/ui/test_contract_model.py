"""The contracts table model: filtering and sorting in the model over plain records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from flagdesk.records import ContractRecord
from flagdesk.services.contracts import load_contract_records
from flagdesk.ui.views.contract_model import COLUMN_INDEX, COLUMNS, LIVE, ContractFilter, ContractTableModel

TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[ContractRecord]:
    from flagdesk.services.demo import seed_demo
    from flagdesk.store.engine import open_register

    reg = open_register(tmp_path_factory.mktemp("model") / "demo.sqlite")
    with reg.write() as session:
        seed_demo(session, user="tester", partners=8, contracts=400, seed=7)
    with reg.session() as session:
        loaded = load_contract_records(session)
    reg.dispose()
    return loaded


@pytest.fixture
def model(qtbot: Any, records: list[ContractRecord]) -> ContractTableModel:
    m = ContractTableModel(today=TODAY)
    m.set_records(records)
    return m


def _shown(model: ContractTableModel) -> list[ContractRecord]:
    return [model.record(row) for row in range(model.rowCount())]  # type: ignore[misc]


def test_model_passes_qtmodeltester_loaded_filtered_and_sorted(qtmodeltester: Any, model: ContractTableModel) -> None:
    qtmodeltester.check(model, force_py=True)
    model.set_filter(ContractFilter(text="support", status=LIVE))
    model.sort(COLUMN_INDEX["annual_value"], Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)


def test_text_filter_looks_in_title_supplier_reference_and_description(
    model: ContractTableModel, records: list[ContractRecord]
) -> None:
    sample = records[17]
    for text in (sample.reference, sample.suppliers[0], sample.title.split()[0], sample.description.split()[-1]):
        model.set_text_filter(text.upper())  # case does not matter
        assert sample in _shown(model), text
        assert all(text.lower() in _haystack(r) for r in _shown(model))
    model.set_text_filter("network support")  # every word must appear, in any order
    assert _shown(model)
    assert all("network" in _haystack(r) and "support" in _haystack(r) for r in _shown(model))


def _haystack(r: ContractRecord) -> str:
    return " ".join([r.reference, r.title, r.description, *r.suppliers]).lower()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="networkspu %_(*[", min_size=0, max_size=12))
def test_typing_one_letter_at_a_time_gives_the_same_rows_as_filtering_at_once(
    model: ContractTableModel, word: str
) -> None:
    model.set_filter(ContractFilter())
    for i in range(1, len(word) + 1):
        model.set_text_filter(word[:i])
    typed = [r.id for r in _shown(model)]
    fresh = ContractTableModel(today=TODAY)
    fresh.set_records(model.records())
    fresh.set_text_filter(word)
    assert typed == [r.id for r in _shown(fresh)]


def test_structured_filters_partner_category_status_and_horizon(model: ContractTableModel) -> None:
    partner, category = model.partners()[0], model.categories()[0]
    model.set_filter(ContractFilter(partner=partner, category=category))
    assert _shown(model) and all(r.partner == partner and r.category == category for r in _shown(model))
    model.set_filter(ContractFilter(status=LIVE))
    assert all(r.status in ("planned", "active") for r in _shown(model))
    model.set_filter(ContractFilter(horizon=6))
    ends = [r.end_date for r in _shown(model)]
    assert ends and all(e is not None and TODAY <= e <= date(2027, 5, 25) for e in ends)
    model.set_filter(ContractFilter(horizon="ended"))
    assert all(r.end_date is not None and r.end_date < TODAY for r in _shown(model))
    model.set_filter(ContractFilter(horizon="none"))
    assert all(r.end_date is None for r in _shown(model))


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_every_column_sorts_both_ways_with_empty_values_last(model: ContractTableModel, column: int) -> None:
    key = COLUMNS[column].sort_key
    model.sort(column, Qt.SortOrder.AscendingOrder)
    values = [key(r) for r in _shown(model)]
    present = [v for v in values if v not in (None, "", ())]
    assert present == sorted(present)
    assert values[: len(present)] == present  # empties after every real value
    model.sort(column, Qt.SortOrder.DescendingOrder)
    assert [key(r) for r in _shown(model)] == values[::-1]
    assert model.rowCount() == len(model.records())


def test_sorting_keeps_the_selected_contract_selected(qtbot: Any, model: ContractTableModel) -> None:
    from PySide6.QtCore import QPersistentModelIndex

    index = QPersistentModelIndex(model.index(5, 2))
    contract_id = model.record(5).id  # type: ignore[union-attr]
    model.sort(COLUMN_INDEX["title"], Qt.SortOrder.DescendingOrder)
    assert model.record(index.row()).id == contract_id  # type: ignore[union-attr]
    assert index.column() == 2


def test_an_edited_record_changes_one_row_without_a_reset(qtbot: Any, model: ContractTableModel) -> None:
    from dataclasses import replace

    record = model.record(3)
    assert record is not None
    edited = replace(record, title="Renamed: unified comms", version=record.version + 1)
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged) as signal:
        model.replace_record(edited)
    assert signal.args[0].row() == 3
    assert model.data(model.index(3, COLUMN_INDEX["title"])) == "Renamed: unified comms"
    model.set_text_filter("unified comms")
    assert [r.id for r in _shown(model)] == [record.id]


@pytest.mark.parametrize("hostile", ["%", "_", ".*", "[", "\\", "'; DROP TABLE contract; --", "é" * 5000, "\x00"])
def test_hostile_filter_text_is_plain_text(model: ContractTableModel, hostile: str) -> None:
    model.set_text_filter(hostile)
    assert all(hostile.lower() in _haystack(r) for r in _shown(model))


def test_money_is_right_aligned_and_ended_contracts_dimmed(model: ContractTableModel) -> None:
    model.set_filter(ContractFilter(horizon="ended", status="expired"))
    index = model.index(0, COLUMN_INDEX["annual_value"])
    assert model.data(index, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(index).startswith("£") or model.data(index) == ""
    assert model.record(0).end_date < TODAY + timedelta(days=1)  # type: ignore[union-attr,operator]
