"""Helpers for the workflow-view tests: a real AppContext on a real register, errors captured, waits.

Plain functions (not fixtures) so each test module keeps its fixtures to itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flagdesk.ui.context import AppContext

TASK_TIMEOUT_MS = 30_000


def make_app(db: Path | str, errors: list[BaseException]) -> AppContext:
    """An AppContext whose errors land in `errors` instead of a modal box, without progress dialogs."""
    app = AppContext(str(db))
    app.tasks.show_progress_dialogs = False
    app.show_error = errors.append  # type: ignore[method-assign]
    app.tasks.error_handler = errors.append
    app.register()  # open on the test thread so app.user is known from the start
    return app


def wait_idle(qtbot: Any, app: AppContext) -> None:
    """Let every queued read and write deliver on the GUI thread (a result may start the next load)."""
    for _ in range(3):
        qtbot.waitUntil(lambda: not app.tasks.running(), timeout=TASK_TIMEOUT_MS)
        qtbot.wait(10)


@contextmanager
def running_view(qtbot: Any, view_cls: type, db: Path | str) -> Iterator[tuple[Any, list[BaseException]]]:
    """A view on the register at `db`, shown and loaded; errors it reports are collected."""
    errors: list[BaseException] = []
    app = make_app(db, errors)
    view = view_cls(app)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.refresh()
    wait_idle(qtbot, app)
    try:
        yield view, errors
    finally:
        wait_idle(qtbot, app)
        app.close()
