"""The main window, dashboard, pipeline, partners, settings, error reporting, screenshots and start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication
from workflow_support import wait_idle

from flagdesk.errors import ValidationError
from flagdesk.ui import errors as ui_errors
from flagdesk.ui.main_window import MainWindow, MissingView
from flagdesk.ui.views.contract_model import COLUMN_INDEX


def test_navigation_reaches_every_view_and_the_status_bar_names_database_and_user(
    qtbot: Any, window: MainWindow, ui_app: Any, demo_path: Path
) -> None:
    for key in window.view_keys():
        view = window.show_view(key)
        wait_idle(qtbot, ui_app)
        assert window.stack.currentWidget() is view
        assert view.accessibleName() or isinstance(view, MissingView)
    assert {"dashboard", "contracts", "suppliers", "specifications", "partners", "opportunities", "pipeline",
            "imports"} <= set(window.view_keys())  # fmt: skip
    assert str(demo_path) in window.database_label.text() and "local file" in window.database_label.text()
    assert window.user_label.text() == "User: tester (may edit everything)"
    assert "local register file" in window.user_label.toolTip()
    assert not ui_app.errors


def test_status_bar_says_what_a_shared_register_user_may_edit(window: MainWindow) -> None:
    from flagdesk.services.security import EditScope

    window._show_edit_scope(EditScope("jane", "editor", frozenset({3}), ("Breckland District Council",)))
    assert window.user_label.text() == "User: jane (edits Breckland District Council)"
    assert "an editor for Breckland District Council" in window.user_label.toolTip()
    window._show_edit_scope(EditScope("sam", "viewer", frozenset(), ()))
    assert window.user_label.text() == "User: sam (read only)"


def test_keyboard_shortcuts_switch_views_and_find_focuses_the_filter(qtbot: Any, window: MainWindow,
                                                                      ui_app: Any) -> None:  # fmt: skip
    contracts_row = window.view_keys().index("contracts")
    qtbot.keyClick(window, Qt.Key.Key_1 + contracts_row, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, ui_app)
    assert window.current_key() == "contracts"
    window.show_view("dashboard")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, ui_app)
    assert window.current_key() == "contracts"
    assert QApplication.focusWidget() is window.views["contracts"].search or not window.isActiveWindow()


def test_geometry_view_and_column_state_are_remembered(qtbot: Any, window: MainWindow, ui_app: Any) -> None:
    contracts = window.show_view("contracts")
    wait_idle(qtbot, ui_app)
    contracts.set_column_visible(COLUMN_INDEX["suppliers"], False)
    window.resize(700, 520)  # inside the offscreen screen (800x600): restoreGeometry clamps to the screen
    window.save_state()
    again = MainWindow(ui_app)
    qtbot.addWidget(again)
    again.restore_state()
    qtbot.waitUntil(lambda: again.nav.currentRow() >= 0)
    assert again.current_key() == "contracts"
    # The offscreen screen is 800 px wide, so the width is clamped to it; the height comes back exactly.
    assert again.height() == window.height() != 860
    header = again.views["contracts"].table.horizontalHeader()
    assert header.isSectionHidden(COLUMN_INDEX["suppliers"])
    wait_idle(qtbot, ui_app)


def test_dropping_a_spreadsheet_on_the_window_opens_the_import_wizard(
    qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: Any
) -> None:
    opened: list[Any] = []
    imports = window.show_view("imports")
    monkeypatch.setattr(imports, "open_wizard", lambda path=None: opened.append(path), raising=False)
    sheet = tmp_path / "register.xlsx"
    sheet.write_bytes(b"not really")
    for name, expected in (("notes.txt", []), ("register.xlsx", [str(sheet)])):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(tmp_path / name))])
        event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)  # fmt: skip
        window.dropEvent(event)
        assert opened == expected


def test_dashboard_draws_its_four_charts_from_the_register(qtbot: Any, window: MainWindow, ui_app: Any) -> None:
    dashboard = window.show_view("dashboard")
    wait_idle(qtbot, ui_app)
    f = dashboard.figures
    assert f is not None and f.live_contracts > 0
    assert dashboard.tiles["live"].value.text() == f"{f.live_contracts:,}"
    for chart in (dashboard.spend, dashboard.expiring, dashboard.suppliers, dashboard.collaborative):
        assert chart.data and any(d.value for d in chart.data)
        assert chart.accessibleDescription()
        image = chart.grab().toImage()
        assert _colours(image) > 3  # really painted, not a blank frame
    assert sum(d.value for d in dashboard.spend.data) == f.live_annual_pence


def _colours(image: QImage) -> int:
    step = max(1, image.width() // 40)
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


def test_dashboard_figures_add_up(demo_register: Any) -> None:
    from flagdesk.analysis.opportunities import annual_value, is_live
    from flagdesk.services.contracts import load_contract_records
    from flagdesk.services.dashboard import dashboard_figures, supplier_flags

    today = date(2026, 11, 25)
    with demo_register.session() as session:
        records, flags = load_contract_records(session), supplier_flags(session)
    f = dashboard_figures(records, flags, today=today)
    live = [c for c in records if is_live(c, today)]
    total = sum(annual_value(c) for c in live)
    assert f.live_contracts == len(live) and f.live_annual_pence == total
    for slices in (f.spend_by_category, f.supplier_kind_share, f.collaborative_share):
        assert sum(s.value_pence for s in slices) == total
    assert [s.label for s in f.expiring_by_quarter][:2] == ["2026-Q4", "2027-Q1"]
    assert f.expiring_12_months == sum(1 for c in live if c.end_date and today <= c.end_date <= date(2027, 11, 25))


def test_pipeline_marks_partners_ending_the_same_need_in_the_same_quarter(qtbot: Any, window: MainWindow,
                                                                          ui_app: Any) -> None:  # fmt: skip
    from flagdesk.ui.views.pipeline import Bar, Lane, Meeting, mark_overlaps

    a = Lane("Telephony", "A Council", [Bar(1, "a", None, date(2027, 2, 1), date(2028, 2, 1), 100)])
    b = Lane("Telephony", "B Police", [Bar(2, "b", None, date(2027, 3, 30), None, 100),
                                        Bar(3, "b2", None, date(2027, 8, 1), None, 100)])  # fmt: skip
    windows = mark_overlaps([a, b])
    assert windows == [Meeting(date(2027, 1, 1), date(2027, 4, 1), 2, 200)]
    assert [bar.overlaps for lane in (a, b) for bar in lane.bars] == [True, True, False]

    pipeline = window.show_view("pipeline")
    wait_idle(qtbot, ui_app)
    canvas = pipeline.canvas
    assert canvas.groups and any(g.overlapping for g in canvas.groups)
    width = canvas.width()
    pipeline.zoom_by(2.0)
    assert canvas.width() > width * 1.5
    pipeline.overlaps_only.setChecked(True)
    wait_idle(qtbot, ui_app)
    assert all(g.overlapping for g in canvas.groups)
    lane_row = next(i for i, row in enumerate(canvas.rows) if isinstance(row, Lane))
    bar = canvas.rows[lane_row].bars[0]
    y = 26 + lane_row * 22 + 11
    assert canvas.bar_at(canvas.x_of(bar.end), y) is bar


def test_partners_view_summarises_each_partner(qtbot: Any, window: MainWindow, ui_app: Any) -> None:
    partners = window.show_view("partners")
    wait_idle(qtbot, ui_app)
    assert partners.model.rowCount() == 8
    summaries = partners.model.records()
    assert sum(p.contracts for p in summaries) == 400
    assert summaries[0].name in partners.detail.text()


def test_settings_keep_the_password_in_the_credential_store_not_the_settings(
    qtbot: Any, ui_app: Any, monkeypatch: Any, dialogs: Any
) -> None:
    from flagdesk.ui import settings_dialog
    from flagdesk.ui.settings_dialog import SettingsDialog, saved_database

    stored: list[tuple[str, str, str]] = []
    monkeypatch.setattr("flagdesk.credentials.store_password", lambda h, u, p: stored.append((h, u, p)))
    switched: list[Any] = []
    monkeypatch.setattr(ui_app, "set_database", switched.append)
    dialog = SettingsDialog(ui_app)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ui_app)
    assert dialog.assumptions.rowCount() > 3
    dialog.shared_radio.setChecked(True)
    dialog.host_edit.setText("")
    dialog.apply()
    assert "needs a server" in dialog.problem.text() and not switched
    dialog.host_edit.setText("db.partnership.local")
    dialog.user_edit.setText("officer")
    dialog.password_edit.setText("s3cret!")
    dialog.apply()
    assert stored == [("db.partnership.local", "officer", "s3cret!")]
    assert switched == ["postgresql+psycopg://officer@db.partnership.local:5432/flagdesk"]
    assert saved_database() == switched[0] and "s3cret" not in saved_database()  # type: ignore[operator]
    assert settings_dialog.DATABASE_SETTING


def test_settings_save_a_changed_savings_assumption(qtbot: Any, ui_app: Any, dialogs: Any) -> None:
    from flagdesk.services.opportunities import load_assumptions
    from flagdesk.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(ui_app)
    qtbot.addWidget(dialog)
    wait_idle(qtbot, ui_app)
    row = next(i for i in range(dialog.assumptions.rowCount())
               if dialog.assumptions.item(i, 0).data(Qt.ItemDataRole.UserRole) == "price_saving_cap_pct")  # fmt: skip
    dialog.assumptions.item(row, 1).setText("250")  # out of bounds: refused, nothing saved
    dialog.apply()
    assert "outside" in dialog.problem.text()
    dialog.assumptions.item(row, 1).setText("6.5")
    dialog.apply()
    wait_idle(qtbot, ui_app)
    result: list[Any] = []
    ui_app.read(load_assumptions, result.append, label="check")
    wait_idle(qtbot, ui_app)
    assert result[0]["price_saving_cap_pct"] == 6.5


def test_user_errors_get_a_plain_message_and_bugs_a_crash_dialog(qtbot: Any, dialogs: Any) -> None:
    ui_errors.report(ValidationError("end_date: '31/02' is not a date"))
    try:
        {}["missing"]
    except KeyError as exc:
        ui_errors.report(exc)
    message, crash = dialogs.shown
    assert message.text() == "end_date: '31/02' is not a date" and "Traceback" not in message.text()
    assert isinstance(crash, ui_errors.CrashDialog)
    details = crash.details.toPlainText()
    assert "KeyError" in details and "Traceback" in details and "FlagDesk" in details
    crash.copy_details()
    assert QGuiApplication.clipboard().text() == details


def test_excepthook_routes_uncaught_errors_to_the_crash_dialog(qtbot: Any, dialogs: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    ui_errors.install_excepthook()
    try:
        raise RuntimeError("a bug in a slot")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert [type(d) for d in dialogs.shown] == [ui_errors.CrashDialog]


@pytest.mark.slow
def test_screenshot_command_renders_every_view_and_reports_timings(demo_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    proc = subprocess.run(
        [sys.executable, "-m", "flagdesk", "--db", str(demo_path), "gui", "--screenshot", str(out), "--json"],
        capture_output=True, text=True, timeout=240,
        env={**_env(), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["startup_ms"] > 0 and result["filter_ms_p95"] > 0 and result["errors"] == []
    assert len(result["filter_ms"]) == len("network support")
    for view in ("dashboard", "contracts", "suppliers", "opportunities", "pipeline", "imports"):
        image = QImage(str(out / f"{view}.png"))
        assert image.width() >= 1280 and image.height() >= 800, view
        assert _colours(image) > 5, view


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_the_window_is_shown_before_sqlalchemy_openpyxl_and_reportlab_are_imported(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from flagdesk.ui.app import create_application, start_window\n"
        "app = create_application()\n"
        f"window = start_window({str(tmp_path / 'r.sqlite')!r})\n"
        "heavy = [m for m in ('sqlalchemy', 'openpyxl', 'reportlab') if m in sys.modules]\n"
        "print(window.isVisible(), heavy)\n"
        "window.close()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**_env(), "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert proc.stdout.strip() == "True []", proc.stderr


def test_screenshot_run_on_a_register_that_cannot_open_says_so_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "r.sqlite"
    proc = subprocess.run(
        [sys.executable, "-m", "flagdesk", "--db", str(missing), "gui", "--screenshot", str(tmp_path / "shots")],
        capture_output=True, text=True, timeout=120, env={**_env(), "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    problems = [line for line in proc.stderr.splitlines() if line.startswith("flagdesk:")]
    assert proc.returncode == 1
    assert problems == [f"flagdesk: Cannot open the register '{missing}': the folder {missing.parent} does not exist."]
    assert "Traceback" not in proc.stderr


def test_json_without_a_screenshot_folder_is_a_usage_error(capsys: Any) -> None:
    from flagdesk.cli import main

    assert main(["gui", "--json"]) == 1
    assert "--screenshot" in capsys.readouterr().err


def test_switching_database_reloads_the_view_and_status_bar(qtbot: Any, window: MainWindow, ui_app: Any,
                                                            tmp_path: Path) -> None:  # fmt: skip
    contracts = window.show_view("contracts")
    wait_idle(qtbot, ui_app)
    assert contracts.model.total_count() == 400
    other = tmp_path / "other.sqlite"
    ui_app.set_database(str(other))
    wait_idle(qtbot, ui_app)
    assert contracts.model.total_count() == 0
    assert str(other) in window.database_label.text()
    window.show_view("dashboard")
    wait_idle(qtbot, ui_app)
    assert window.views["dashboard"].figures.live_contracts == 0
    assert not ui_app.errors
