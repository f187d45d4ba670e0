"""The main window: navigation between the views, menus and shortcuts, status bar, drop to import."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from flagdesk.ui.context import AppContext, app_settings
from flagdesk.ui.errors import inform

#: Files a person may drop on the window to import (the import wizard decides what it can read).
IMPORTABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".json")


@dataclass(frozen=True)
class NavEntry:
    key: str
    title: str
    module: str
    cls: str
    optional: bool = False  # a view that may not be installed yet is left out, not shown broken


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("dashboard", "Dashboard", "flagdesk.ui.views.dashboard", "DashboardView"),
    NavEntry("contracts", "Contracts", "flagdesk.ui.views.contracts", "ContractsView"),
    NavEntry("suppliers", "Suppliers", "flagdesk.ui.views.suppliers", "SuppliersView"),
    NavEntry("classification", "Classification", "flagdesk.ui.views.classification", "ClassificationView", True),
    NavEntry("specifications", "Specifications", "flagdesk.ui.views.specifications", "SpecificationsView"),
    NavEntry("partners", "Partners", "flagdesk.ui.views.partners", "PartnersView"),
    NavEntry("opportunities", "Opportunities", "flagdesk.ui.views.opportunities", "OpportunitiesView"),
    NavEntry("pipeline", "Pipeline", "flagdesk.ui.views.pipeline", "PipelineView"),
    NavEntry("imports", "Imports", "flagdesk.ui.views.imports", "ImportsView"),
)


def view_class(entry: NavEntry) -> type[QWidget] | None:
    """The view's class, or None when its module is not in this build yet."""
    try:
        module = importlib.import_module(entry.module)
    except ModuleNotFoundError as exc:
        if exc.name == entry.module:
            return None
        raise
    return getattr(module, entry.cls, None)


def _available(entry: NavEntry) -> bool:
    if not entry.optional:
        return True
    import importlib.util

    return importlib.util.find_spec(entry.module) is not None


class MissingView(QWidget):
    """Stands in for a view whose module has not landed yet."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        label = QLabel(f"{title} is not available in this version of FlagDesk.")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)

    def refresh(self) -> None:
        pass


class MainWindow(QMainWindow):
    def __init__(self, app: AppContext) -> None:
        super().__init__()
        self.app = app
        app.window = self
        self.setWindowTitle("FlagDesk")
        self.setAcceptDrops(True)
        self.entries = [e for e in NAVIGATION if _available(e)]
        self.views: dict[str, QWidget] = {}
        self._build()
        self._build_actions()
        self._build_status_bar()
        app.register_opened.connect(self._register_opened)
        app.tasks.busy_changed.connect(self._busy_changed)
        app.register_changed.connect(self._mark_views_stale)
        app.database_changed.connect(self._database_changed)

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.nav = QListWidget()
        self.nav.setAccessibleName("Navigation")
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setSpacing(2)
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.nav.setFont(font)
        self.stack = QStackedWidget()
        for i, entry in enumerate(self.entries):
            item = QListWidgetItem(entry.title)
            shortcut = f"Ctrl+{i + 1}" if i < 9 else ""
            item.setToolTip(f"{entry.title} ({shortcut})" if shortcut else entry.title)
            self.nav.addItem(item)
            self.stack.addWidget(QWidget())  # placeholder until the view is first shown
        self.nav.setFixedWidth(max(170, self.nav.sizeHintForColumn(0) + 40))
        self.nav.currentRowChanged.connect(self._navigate)
        # The navigation sits on the window colour, the views on their own: a sidebar, as in native apps.
        self.nav.setStyleSheet(
            "QListWidget { background: palette(window); outline: 0; } QListWidget::item { padding: 6px 10px; }"
        )
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.import_action = self._action(file_menu, "&Import a file…", QKeySequence("Ctrl+I"), self.open_import)
        self.settings_action = self._action(file_menu, "&Settings…", QKeySequence("Ctrl+,"), self.open_settings)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence(QKeySequence.StandardKey.Quit), self.close)
        edit_menu = menu.addMenu("&Edit")
        self.undo_action = self._action(edit_menu, "&Undo", QKeySequence(QKeySequence.StandardKey.Undo), self.undo)
        self.redo_action = self._action(edit_menu, "&Redo", QKeySequence(QKeySequence.StandardKey.Redo), self.redo)
        edit_menu.addSeparator()
        self._action(edit_menu, "&Find contracts", QKeySequence(QKeySequence.StandardKey.Find), self.find_contracts)
        self._action(edit_menu, "&Save contract", QKeySequence(QKeySequence.StandardKey.Save), self.save_contract)
        view_menu = menu.addMenu("&View")
        for i, entry in enumerate(self.entries):
            keys = QKeySequence(f"Ctrl+{i + 1}") if i < 9 else QKeySequence()
            self._action(view_menu, entry.title, keys, lambda _=False, k=entry.key: self.show_view(k))
        view_menu.addSeparator()
        self._action(view_menu, "&Refresh", QKeySequence(QKeySequence.StandardKey.Refresh), self.refresh_current)
        help_menu = menu.addMenu("&Help")
        self._action(help_menu, "&About FlagDesk", QKeySequence(), self.about)

    def _action(self, menu: Any, text: str, keys: QKeySequence, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setShortcut(keys)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy_label = QLabel("")
        self.busy_label.setAccessibleName("Background work")
        self.database_label = QLabel("Database: opening…")
        self.database_label.setAccessibleName("Database")
        self.user_label = QLabel("User: …")
        self.user_label.setAccessibleName("User")
        bar.addWidget(self.busy_label, 1)
        bar.addPermanentWidget(self.database_label)
        bar.addPermanentWidget(self.user_label)

    # -- navigation -------------------------------------------------------------------------------

    def view_keys(self) -> list[str]:
        return [e.key for e in self.entries]

    def show_view(self, key: str) -> QWidget:
        row = self.view_keys().index(key)
        self.nav.setCurrentRow(row)
        return self.view(key)

    def current_key(self) -> str:
        return self.entries[max(0, self.nav.currentRow())].key

    def view(self, key: str) -> QWidget:
        """The view for ``key``, created on first use (so start-up imports only what it shows)."""
        existing = self.views.get(key)
        if existing is not None:
            return existing
        row = self.view_keys().index(key)
        entry = self.entries[row]
        cls = view_class(entry)
        view = cls(self.app) if cls is not None else MissingView(entry.title)
        if not view.accessibleName():
            view.setAccessibleName(entry.title)  # screen readers announce the page switched to
        self.views[key] = view
        placeholder = self.stack.widget(row)
        self.stack.insertWidget(row, view)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        restore = getattr(view, "restore_state", None)
        if restore is not None:
            restore(app_settings())
        view._flagdesk_stale = True  # type: ignore[attr-defined]
        return view

    def _navigate(self, row: int) -> None:
        if row < 0:
            return
        key = self.entries[row].key
        view = self.view(key)
        self.stack.setCurrentIndex(row)
        self.setWindowTitle(f"{self.entries[row].title} — FlagDesk")
        if getattr(view, "_flagdesk_stale", False):
            view._flagdesk_stale = False  # type: ignore[attr-defined]
            view.refresh()  # type: ignore[attr-defined]

    def _mark_views_stale(self) -> None:
        # Views not on screen refresh when next shown; the visible one refreshes itself or now.
        current = self.current_key()
        for key, view in self.views.items():
            if key != current:
                view._flagdesk_stale = True  # type: ignore[attr-defined]

    def _database_changed(self) -> None:
        # Everything shown came from the other database: the current view reloads now, the rest when shown.
        self._mark_views_stale()
        view = self.views.get(self.current_key())
        if view is not None:
            view.refresh()  # type: ignore[attr-defined]

    def refresh_current(self) -> None:
        self.view(self.current_key()).refresh()  # type: ignore[attr-defined]

    # -- actions ----------------------------------------------------------------------------------

    def _contracts(self) -> Any:
        return self.show_view("contracts")

    def find_contracts(self) -> None:
        self._contracts().focus_filter()

    def save_contract(self) -> None:
        view = self.views.get(self.current_key())
        save = getattr(getattr(view, "detail", None), "request_save", None)
        if save is not None:
            save()

    def _undo_stack(self) -> Any:
        return getattr(self.views.get(self.current_key()), "undo_stack", None)

    def undo(self) -> None:
        stack = self._undo_stack()
        if stack is not None:
            stack.undo()

    def redo(self) -> None:
        stack = self._undo_stack()
        if stack is not None:
            stack.redo()

    def open_import(self, path: str | None = None) -> None:
        """Open the import wizard (on the Imports view), optionally on a dropped file."""
        view = self.show_view("imports")
        open_wizard = getattr(view, "open_wizard", None)
        if open_wizard is None:
            inform(self, "FlagDesk", "Importing is not available in this version.")
            return
        open_wizard(path) if path else open_wizard()

    def open_settings(self) -> None:
        from flagdesk.ui.settings_dialog import SettingsDialog

        SettingsDialog(self.app, self).exec()

    def about(self) -> None:
        from flagdesk import __version__

        inform(
            self, "About FlagDesk",
            f"FlagDesk {__version__}\n\nJoint ICT commissioning and supplier management for UK local public "
            "services: one register, opportunities to buy together, commissioning packs.",
        )  # fmt: skip

    # -- drag and drop ----------------------------------------------------------------------------

    @staticmethod
    def _dropped_file(urls: list[QUrl]) -> str | None:
        for url in urls:
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in IMPORTABLE_SUFFIXES:
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self._dropped_file(event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event.mimeData().urls())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_import(path)

    # -- status -----------------------------------------------------------------------------------

    def _register_opened(self, description: str, user: str) -> None:
        kind = "shared server" if "://" in description else "local file"
        self.database_label.setText(f"Database: {description} ({kind})")
        self.database_label.setToolTip(description)
        self.user_label.setText(f"User: {user}")
        self.app.read(
            lambda session: _edit_scope(session, user), self._show_edit_scope, label="Reading your rights"
        )

    def _show_edit_scope(self, scope) -> None:  # type: ignore[no-untyped-def]
        """Say in the status bar what this user may change (on a shared register it is the role's rules)."""
        rights = {"local": "may edit everything", "admin": "administrator", "viewer": "read only"}.get(
            scope.role, "edits " + ", ".join(scope.partner_names) if scope.partner_names else "no edit rights"
        )
        self.user_label.setText(f"User: {scope.login} ({rights})")
        self.user_label.setToolTip(scope.describe())
        self.edit_scope = scope

    def _busy_changed(self, count: int, label: str) -> None:
        self.busy_label.setText(f"{label}…" if count else "")

    # -- state ------------------------------------------------------------------------------------

    def restore_state(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        key = settings.value("window/view", "dashboard")
        key = key if key in self.view_keys() else self.view_keys()[0]
        # Navigate once the window is on screen, so the first view's loading starts after the first paint.
        QTimer.singleShot(0, lambda: self.nav.currentRow() < 0 and self.show_view(key))

    def save_state(self) -> None:
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/view", self.current_key())
        for view in self.views.values():
            save = getattr(view, "save_state", None)
            if save is not None:
                save(settings)
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.app.close()
        super().closeEvent(event)


def _edit_scope(session, user: str):  # type: ignore[no-untyped-def]
    from flagdesk.services.security import edit_scope

    return edit_scope(session, user)
