"""Shared fixtures for the desktop-client tests: a real AppContext on the demo register, a window,
dialogs that never block, and per-test QSettings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QMessageBox
from workflow_support import wait_idle

from flagdesk.ui.context import AppContext


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Window geometry and column state go to a fresh folder per test, never the real profile."""
    folder = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)


@dataclass
class Dialogs:
    """Every modal dialog a test opens: recorded, answered by a hook, never blocking."""

    shown: list[QDialog] = field(default_factory=list)
    hooks: dict[type, Callable[[QDialog], int]] = field(default_factory=dict)

    def answer(self, cls: type, hook: Callable[[Any], int]) -> None:
        self.hooks[cls] = hook

    def texts(self) -> list[str]:
        return [d.text() if isinstance(d, QMessageBox) else d.windowTitle() for d in self.shown]

    def of(self, cls: type) -> list[Any]:
        return [d for d in self.shown if isinstance(d, cls)]

    def _exec(self, dialog: QDialog) -> int:
        self.shown.append(dialog)
        for cls, hook in self.hooks.items():
            if isinstance(dialog, cls):
                return hook(dialog)
        return int(QDialog.DialogCode.Rejected.value)


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    recorder = Dialogs()

    def exec_(dialog: QDialog) -> int:
        return recorder._exec(dialog)

    monkeypatch.setattr(QDialog, "exec", exec_)
    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return recorder


class Errors(list):  # type: ignore[type-arg]
    """Errors the application reported (instead of showing them)."""


@pytest.fixture
def ui_app(qtbot: Any, demo_register: Any, dialogs: Dialogs) -> Iterator[AppContext]:
    """An AppContext over the small demo register; errors are collected in ``ui_app.errors``."""
    app = AppContext(demo_register.url)
    app.errors = Errors()  # type: ignore[attr-defined]
    app.tasks.show_progress_dialogs = False
    app.show_error = app.errors.append  # type: ignore[method-assign,attr-defined]
    app.tasks.error_handler = app.errors.append  # type: ignore[attr-defined]
    yield app
    app.close()


@pytest.fixture
def window(qtbot: Any, ui_app: AppContext) -> Iterator[Any]:
    from flagdesk.ui.main_window import MainWindow

    win = MainWindow(ui_app)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.show_view("dashboard")
    wait_idle(qtbot, ui_app)
    yield win
    wait_idle(qtbot, ui_app)


@pytest.fixture
def contracts_view(qtbot: Any, ui_app: AppContext) -> Any:
    from flagdesk.ui.views.contracts import ContractsView

    view = ContractsView(ui_app)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.refresh()
    wait_idle(qtbot, ui_app)
    return view


@pytest.fixture
def demo_path(demo_register: Any) -> Path:
    return Path(demo_register.file_path)
