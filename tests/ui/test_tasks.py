"""The background-operation API: results on the GUI thread, serial writes, late progress, cancel, errors."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QPushButton
from sqlalchemy import func, select

from flagdesk.errors import CancelledError, DatabaseError
from flagdesk.store.models import Partner
from flagdesk.ui.context import AppContext
from flagdesk.ui.tasks import TaskManager


@pytest.fixture
def tasks(qtbot: Any) -> Any:
    manager = TaskManager()
    manager.show_progress_dialogs = False
    manager.errors = []  # type: ignore[attr-defined]
    manager.error_handler = manager.errors.append  # type: ignore[attr-defined]
    yield manager
    manager.shutdown()


def test_result_is_delivered_on_the_gui_thread(qtbot: Any, tasks: TaskManager) -> None:
    seen: dict[str, Any] = {}

    def work(_ctx: Any) -> str:
        seen["worker"] = threading.current_thread()
        return "answer"

    def done(result: str) -> None:
        seen["result"] = result
        seen["delivered_on"] = threading.current_thread()

    handle = tasks.run(work, done, label="Thinking")
    qtbot.waitUntil(lambda: handle.done)
    assert seen["result"] == "answer"
    assert seen["delivered_on"] is threading.main_thread()
    assert seen["worker"] is not threading.main_thread()
    assert handle.succeeded and not tasks.running()


def test_user_errors_go_to_on_error_and_bugs_to_the_error_handler(qtbot: Any, tasks: TaskManager) -> None:
    caught: list[BaseException] = []

    def fail(_ctx: Any) -> None:
        raise DatabaseError("The register is busy")

    def bug(_ctx: Any) -> None:
        raise ZeroDivisionError("oops")

    first = tasks.run(fail, lambda _r: pytest.fail("on_done after an error"), label="x", on_error=caught.append)
    second = tasks.run(bug, None, label="y")
    qtbot.waitUntil(lambda: first.done and second.done)
    assert [type(e) for e in caught] == [DatabaseError]
    assert [type(e) for e in tasks.errors] == [ZeroDivisionError]  # type: ignore[attr-defined]


def test_a_bug_in_the_callback_is_reported_not_lost(qtbot: Any, tasks: TaskManager) -> None:
    handle = tasks.run(lambda _c: 1, lambda _r: {}["missing"], label="x")
    qtbot.waitUntil(lambda: handle.done)
    assert [type(e) for e in tasks.errors] == [KeyError]  # type: ignore[attr-defined]


def test_writes_run_one_at_a_time_on_a_single_thread(qtbot: Any, tasks: TaskManager) -> None:
    spans: list[tuple[float, float, str]] = []

    def write(_ctx: Any) -> None:
        start = time.perf_counter()
        time.sleep(0.03)
        spans.append((start, time.perf_counter(), threading.current_thread().name))

    handles = [tasks.run(write, None, label="w", write=True) for _ in range(4)]
    qtbot.waitUntil(lambda: all(h.done for h in handles))
    spans.sort()
    assert len({name for *_t, name in spans}) == 1
    assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(spans))


def test_cancel_stops_the_work_and_reaches_on_error(qtbot: Any, tasks: TaskManager) -> None:
    started = threading.Event()
    outcome: list[BaseException] = []

    def long(ctx: Any) -> None:
        started.set()
        for i in range(1000):
            ctx.progress(i / 1000)
            ctx.check_cancelled()
            time.sleep(0.01)

    handle = tasks.run(long, None, label="Long", cancellable=True, on_error=outcome.append)
    assert started.wait(5)
    handle.cancel()
    qtbot.waitUntil(lambda: handle.done, timeout=5000)
    assert [type(e) for e in outcome] == [CancelledError]
    assert 0 < handle.progress_value < 1


def test_progress_dialog_appears_only_after_the_delay_and_cancels(qtbot: Any) -> None:
    manager = TaskManager()
    manager.progress_delay_ms = 150
    release = threading.Event()

    def slow(ctx: Any) -> None:
        while not release.is_set():
            if ctx.cancelled():
                raise CancelledError("stopped")
            time.sleep(0.005)

    quick = manager.run(lambda _c: None, None, label="Quick")
    qtbot.waitUntil(lambda: quick.done)
    handle = manager.run(slow, None, label="Slow", cancellable=True, on_error=lambda _e: None)
    qtbot.wait(50)
    assert not any(isinstance(w, QProgressDialog) and w.isVisible() for w in _top_level())
    qtbot.waitUntil(lambda: any(isinstance(w, QProgressDialog) and w.isVisible() for w in _top_level()))
    dialog = next(w for w in _top_level() if isinstance(w, QProgressDialog) and w.isVisible())
    assert "Slow" in dialog.labelText()
    cancel_button = next(b for b in dialog.findChildren(QPushButton) if b.isVisible())
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: handle.done, timeout=5000)
    assert handle.cancel_requested and isinstance(handle.error, CancelledError)
    release.set()
    manager.shutdown()


def _top_level() -> list[Any]:
    from PySide6.QtWidgets import QApplication

    return QApplication.topLevelWidgets()


def test_a_failed_write_changes_nothing_and_fires_no_refresh(qtbot: Any, ui_app: AppContext) -> None:
    changed: list[bool] = []
    ui_app.register_changed.connect(lambda: changed.append(True))
    failures: list[BaseException] = []

    def add_then_fail(session: Any, _ctx: Any) -> None:
        session.add(Partner(name="Half-written Council", kind="other"))
        session.flush()
        raise DatabaseError("disk full")

    handle = ui_app.write(add_then_fail, None, label="Adding", on_error=failures.append)
    qtbot.waitUntil(lambda: handle.done)
    count = ui_app.read(lambda s: s.scalar(select(func.count()).where(Partner.name == "Half-written Council")),
                        changed.append, label="Counting")  # fmt: skip
    qtbot.waitUntil(lambda: count.done)
    assert [type(e) for e in failures] == [DatabaseError]
    assert changed == [0]  # only the count arrived: no register_changed after the failed write


def test_shared_contract_records_load_once_for_several_views(qtbot: Any, ui_app: AppContext) -> None:
    got: list[int] = []
    ui_app.contract_records(lambda r: got.append(id(r)))
    ui_app.contract_records(lambda r: got.append(id(r)))
    qtbot.waitUntil(lambda: len(got) == 2)
    assert got[0] == got[1]
    ui_app.register_changed.emit()  # a write elsewhere: the next caller gets a fresh load
    ui_app.contract_records(lambda r: got.append(id(r)))
    qtbot.waitUntil(lambda: len(got) == 3)
    assert got[2] != got[0]
