"""``flagdesk gui --screenshot DIR [--json]``: render every main view to a PNG and time the window.

Timings are measured inside the program: ``startup_ms`` from process start to the main window's
first paint, and ``filter_ms_p95`` typing a word into the contracts filter one keystroke at a
time (each keystroke timed until the table has repainted).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from flagdesk.errors import UserError

#: The views every screenshot run renders first (the command-line contract), then any others.
REQUIRED_VIEWS = ("dashboard", "contracts", "suppliers", "opportunities", "pipeline", "imports")
FILTER_WORD = "network support"
MIN_SIZE = (1280, 800)
WINDOW_SIZE = (1360, 860)
# Views chain their loads (records, then figures); a follow-up task starts within a few event-loop turns.
QUIET_S = 0.04
# Qt's PNG "quality" is inverse compression: 80 writes several times faster than the default, a little larger.
PNG_QUALITY = 80


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value at least ``fraction`` of the values do not exceed."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]


def settle(window: Any, timeout_s: float = 60.0) -> None:
    """Process events until no task has been running for a short while (views chain their loads)."""
    tasks = window.app.tasks
    deadline = time.monotonic() + timeout_s
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if tasks.running():
            quiet_since = None
            time.sleep(0.005)
            continue
        quiet_since = quiet_since or time.monotonic()
        if time.monotonic() - quiet_since > QUIET_S:
            return
        time.sleep(0.005)


def run_screenshots(app: QApplication, db: str | None, out_dir: str, *, as_json: bool = False) -> int:
    from flagdesk.ui.app import process_age_ms, start_window

    errors: list[str] = []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    window = start_window(db)
    window.app.tasks.show_progress_dialogs = False  # nothing may wait for a click in a scripted run

    def record(exc: BaseException) -> None:
        problem = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        if problem not in errors:
            errors.append(problem)

    # Errors are printed at the end instead of shown in a box nobody can click.
    window.app.tasks.error_handler = record
    window.app.show_error = record
    window.resize(*WINDOW_SIZE)
    window.repaint()
    QCoreApplication.processEvents()
    startup_ms = process_age_ms()
    startup_cpu_ms = time.process_time() * 1000

    views: dict[str, float] = {}
    available = window.view_keys()
    keys = [k for k in REQUIRED_VIEWS if k in available] + [k for k in available if k not in REQUIRED_VIEWS]
    for key in keys:
        start = time.perf_counter()
        view = window.show_view(key)
        settle(window)
        if key == "contracts":
            view.table.selectRow(0)  # a contract open in the edit panel, as a person would see it
            settle(window)
        image = window.grab()
        if image.width() < MIN_SIZE[0] or image.height() < MIN_SIZE[1]:
            errors.append(f"{key}: screenshot is only {image.width()}x{image.height()}")
        image.save(str(out / f"{key}.png"), "PNG", PNG_QUALITY)
        views[key] = round((time.perf_counter() - start) * 1000, 1)

    contracts = window.show_view("contracts")
    settle(window)
    timings = [t * 1000 for t in contracts.type_filter(FILTER_WORD)]
    rows = contracts.model.total_count()
    shown = contracts.model.visible_count()
    window.grab().save(str(out / "contracts-filtered.png"), "PNG", PNG_QUALITY)
    window.close()
    total_ms = process_age_ms()
    if as_json:
        result: dict[str, Any] = {
            "startup_ms": round(startup_ms, 1),
            "startup_cpu_ms": round(startup_cpu_ms, 1),
            "filter_ms_p95": round(percentile(timings, 0.95), 1),
            "filter_ms_max": round(max(timings, default=0.0), 1),
            "filter_ms": [round(t, 1) for t in timings],
            # Load-independent companions: CPU time of the GUI thread per keystroke, and of the whole process.
            "filter_cpu_ms_p95": round(percentile([t * 1000 for t in contracts.typing_cpu_s], 0.95), 1),
            "process_cpu_s": round(time.process_time(), 2),
            "filter_text": FILTER_WORD,
            "contracts": rows,
            "contracts_matching": shown,
            "view_ms": views,
            "total_ms": round(total_ms, 1),
            "screenshots": sorted(p.name for p in out.glob("*.png")),
            "errors": errors,
        }
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    for problem in errors:
        print(f"flagdesk: {problem}", file=sys.stderr)
    return 1 if errors else 0
