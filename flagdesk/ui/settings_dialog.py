"""Settings: which register to use (local file or shared PostgreSQL) and the savings assumptions.

The shared database's password goes to the operating system's credential store
(``flagdesk.credentials``), never into the settings file: the saved target is a URL without it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from flagdesk.errors import ValidationError
from flagdesk.ui.context import AppContext, app_settings

DATABASE_SETTING = "database/target"


def saved_database() -> str | None:
    """The register chosen in Settings last time (None: the default per-user file)."""
    value = app_settings().value(DATABASE_SETTING)
    return str(value) if value else None


def postgres_url(host: str, port: int, database: str, user: str) -> str:
    """A password-free URL; the password is looked up in the credential store when connecting."""
    if not host.strip() or not database.strip() or not user.strip():
        raise ValidationError("A shared database needs a server, a database name and a user name.")
    return f"postgresql+psycopg://{quote(user.strip(), safe='')}@{host.strip()}:{port}/{quote(database.strip())}"


class SettingsDialog(QDialog):
    def __init__(self, app: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("FlagDesk settings")
        self.resize(720, 520)
        self.assumption_values: dict[str, str] = {}
        tabs = QTabWidget()
        tabs.addTab(self._database_tab(), "&Database")
        tabs.addTab(self._assumptions_tab(), "&Savings assumptions")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Settings problem")
        self.problem.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self._load_current()
        self._load_assumptions()

    # -- database ---------------------------------------------------------------------------------

    def _database_tab(self) -> QWidget:
        self.local_radio = QRadioButton("A &local register file on this computer")
        self.shared_radio = QRadioButton("A s&hared register on a PostgreSQL server")
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.shared_radio)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("Register file")
        self.path_edit.setPlaceholderText("Leave empty for your default register")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.host_edit = QLineEdit()
        self.host_edit.setAccessibleName("Server")
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(5432)
        self.port_spin.setAccessibleName("Port")
        self.database_edit = QLineEdit("flagdesk")
        self.database_edit.setAccessibleName("Database name")
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        self.password_edit.setPlaceholderText(
            "Kept in the system's credential store; leave empty to keep the saved one"
        )
        shared = QGroupBox("Shared server")
        form = QFormLayout(shared)
        form.addRow("&Server", self.host_edit)
        form.addRow("&Port", self.port_spin)
        form.addRow("Data&base", self.database_edit)
        form.addRow("&User", self.user_edit)
        form.addRow("Pass&word", self.password_edit)
        self.current_label = QLabel(f"In use now: {self.app.description or 'opening…'}")
        self.current_label.setWordWrap(True)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.current_label)
        layout.addWidget(self.local_radio)
        layout.addLayout(path_row)
        layout.addWidget(self.shared_radio)
        layout.addWidget(shared)
        layout.addStretch(1)
        self.local_radio.toggled.connect(lambda local: (shared.setEnabled(not local), self.path_edit.setEnabled(local)))
        return tab

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Register file", self.path_edit.text(), "FlagDesk register (*.sqlite);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )  # fmt: skip
        if path:
            self.path_edit.setText(path)

    def _load_current(self) -> None:
        target = saved_database() or self.app.db or ""
        if "://" in target and target.startswith("postgres"):
            from sqlalchemy.engine import make_url

            u = make_url(target)
            self.shared_radio.setChecked(True)
            self.host_edit.setText(u.host or "")
            self.port_spin.setValue(u.port or 5432)
            self.database_edit.setText(u.database or "")
            self.user_edit.setText(u.username or "")
        else:
            self.local_radio.setChecked(True)
            self.path_edit.setText(target)

    def chosen_target(self) -> str | None:
        """The register target the form describes (None = the default local file)."""
        if self.local_radio.isChecked():
            return self.path_edit.text().strip() or None
        return postgres_url(self.host_edit.text(), self.port_spin.value(), self.database_edit.text(),
                            self.user_edit.text())  # fmt: skip

    # -- assumptions ------------------------------------------------------------------------------

    def _assumptions_tab(self) -> QWidget:
        self.assumptions = QTableWidget(0, 4)
        self.assumptions.setHorizontalHeaderLabels(["Assumption", "Value", "Default", "What it means"])
        self.assumptions.setAccessibleName("Savings assumptions")
        self.assumptions.verticalHeader().hide()
        self.assumptions.horizontalHeader().setStretchLastSection(True)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(QLabel("Used by the next opportunity analysis; stored in the register, shared by everyone."))
        layout.addWidget(self.assumptions)
        return tab

    def _load_assumptions(self) -> None:
        def load(session: Any) -> list[dict[str, Any]]:
            from flagdesk.services.opportunities import describe_assumptions, load_assumptions

            return describe_assumptions(load_assumptions(session))

        self.app.read(load, self.show_assumptions, label="Loading savings assumptions")

    def show_assumptions(self, rows: list[dict[str, Any]]) -> None:
        self.assumptions.setRowCount(len(rows))
        for i, row in enumerate(rows):
            value = f"{row['value']:g}"
            self.assumption_values[row["name"]] = value
            cells = (row["name"].replace("_", " "), value, f"{row['default']:g} {row['unit']}", row["description"])
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row["name"])
                if col != 1:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.assumptions.setItem(i, col, item)
        self.assumptions.resizeColumnsToContents()

    def changed_assumptions(self) -> dict[str, str]:
        changed = {}
        for i in range(self.assumptions.rowCount()):
            item = self.assumptions.item(i, 1)
            name = item.data(Qt.ItemDataRole.UserRole)
            if item.text().strip() != self.assumption_values.get(name):
                changed[name] = item.text().strip()
        return changed

    # -- applying ---------------------------------------------------------------------------------

    def apply(self) -> None:
        """Check everything first; then save the assumptions and switch database if it changed."""
        from flagdesk.analysis.savings import check_value

        try:
            target = self.chosen_target()
            changes = self.changed_assumptions()
            for name, value in changes.items():
                check_value(name, value)
        except ValidationError as exc:
            self.problem.setText(str(exc))
            return
        if self.shared_radio.isChecked() and self.password_edit.text():
            from flagdesk.credentials import store_password

            try:
                store_password(self.host_edit.text().strip(), self.user_edit.text().strip(), self.password_edit.text())
            except Exception as exc:  # no credential store on this machine: say so, never write it to a file
                self.problem.setText(f"The password could not be kept in the system's credential store: {exc}")
                return
        if changes:
            self._save_assumptions(changes)
        if target != (saved_database() or self.app.db):
            app_settings().setValue(DATABASE_SETTING, target or "")
            self.app.set_database(target)
        self.accept()

    def _save_assumptions(self, changes: dict[str, str]) -> None:
        user = self.app.user

        def save(session: Any, _ctx: Any) -> None:
            from flagdesk.services.opportunities import set_assumption

            for name, value in changes.items():
                set_assumption(session, user, name, value)

        self.app.write(save, None, label="Saving savings assumptions")
