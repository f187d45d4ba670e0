"""Start-up of the desktop client: show the window first, import the heavy libraries after.

QApplication alone starts in ~0.3 s; SQLAlchemy, openpyxl and reportlab imported eagerly add a
second or more (PERFORMANCE-NOTES.md). So nothing here imports them: the window is shown, then
the first view asks for data, and the register is opened (importing SQLAlchemy) in a worker.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

_MODULE_LOADED = time.perf_counter()


def process_age_ms() -> float:
    """Milliseconds since this process started (Linux: from /proc; elsewhere: since this module loaded)."""
    try:
        with open("/proc/self/stat") as f:
            started_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime_s = float(f.read().split()[0])
        return max(0.0, (uptime_s - started_ticks / os.sysconf("SC_CLK_TCK")) * 1000)
    except (OSError, ValueError, IndexError, AttributeError):
        return (time.perf_counter() - _MODULE_LOADED) * 1000


def create_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("FlagDesk")
        QCoreApplication.setApplicationName("FlagDesk")
        app = QApplication(sys.argv[:1])
        app.setApplicationDisplayName("FlagDesk")
        app.setWindowIcon(_application_icon())
        # Windows and macOS keep their native style (it follows high-contrast themes); on Linux, where the
        # platform style varies by desktop, Fusion with the system palette is the consistent choice.
        if sys.platform.startswith("linux"):
            app.setStyle("Fusion")
    return app  # type: ignore[return-value]


def _application_icon():  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QIcon

    from resources import resource_path

    # The .ico carries 16-256 px sizes for the Windows task bar; elsewhere the PNG is sharper.
    name = "icons/flagdesk.ico" if sys.platform == "win32" else "icons/flagdesk.png"
    return QIcon(str(resource_path(name)))


def start_window(db: str | None):  # type: ignore[no-untyped-def]
    """Create the context and the main window, and show it (the register opens later, in a worker)."""
    from flagdesk.ui.context import AppContext
    from flagdesk.ui.main_window import MainWindow

    context = AppContext(db)
    window = MainWindow(context)
    window.restore_state()
    window.show()
    return window


def run(db: str | None = None, screenshot_dir: str | None = None, as_json: bool = False) -> int:
    app = create_application()
    if screenshot_dir:
        from flagdesk.ui.screenshots import run_screenshots

        return run_screenshots(app, db, screenshot_dir, as_json=as_json)
    from flagdesk.ui.errors import install_excepthook
    from flagdesk.ui.settings_dialog import saved_database

    install_excepthook()
    # An explicit --db or $FLAGDESK_DB wins over the register chosen in Settings.
    window = start_window(db or os.environ.get("FLAGDESK_DB") or saved_database())
    # Warm the heavy imports in the background once the first paint is done, so later clicks don't wait.
    QTimer.singleShot(200, lambda: threading.Thread(target=_warm_imports, daemon=True).start())
    code = app.exec()
    del window
    return code


def _warm_imports() -> None:
    import importlib

    for name in ("openpyxl", "reportlab.platypus"):
        # An optional part that is missing is reported when it is used, not here.
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def main() -> int:
    return run()
