"""Imports: the list of import batches with their problems and Undo, and the import wizard.

The wizard walks file → sheet → column mapping → preview → apply → result. Reading, previewing
and applying run off the GUI thread (importers and flagdesk.services.imports do the work); the
wizard only shows what they found and passes the person's choices back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from flagdesk.errors import CancelledError
from flagdesk.ui.tasks import TaskContext, TaskHandle
from flagdesk.ui.views.listing import (
    Column,
    ProgressStrip,
    RecordTableModel,
    confirm,
    record_table,
    restore_layout,
    save_layout,
    selected_row,
)

FILE_FILTER = "Registers (*.xlsx *.xlsm *.xls *.ods *.csv *.json);;All files (*)"
FROM_FILE = "(named in the file)"
KEEP_AS_EXTRA = "(keep as extra data)"
ACTIONS = ("all", "new", "changed", "unchanged")
FILE, SHEET, MAPPING, PREVIEW, APPLY, RESULT = range(6)


def problem_columns() -> list[Column[Any]]:
    return [
        Column("Sheet", lambda p: p.sheet or "", width=12),
        Column("Row", lambda p: "" if p.row is None else str(p.row), key=lambda p: p.row, numeric=True, width=6),
        Column("Column", lambda p: p.column or "", width=20),
        Column("Value", lambda p: "" if p.value is None else str(p.value), width=20),
        Column("Severity", lambda p: p.severity, width=8),
        Column("Problem", lambda p: p.message, tooltip=lambda p: p.message),
    ]


def batch_columns() -> list[Column[dict[str, Any]]]:
    def count(name: str) -> Column[dict[str, Any]]:
        return Column(name.replace("_", " ").capitalize(), lambda b: f"{b[name]:,}", key=lambda b: b[name],
                      numeric=True, width=10)

    return [
        Column("Batch", lambda b: str(b["batch_id"]), key=lambda b: b["batch_id"], numeric=True, width=6),
        Column("File", lambda b: b["file"], tooltip=lambda b: b["file"], width=32),
        Column("Sheet", lambda b: b["sheet"] or "", width=14),
        Column("Status", lambda b: b["status"], width=8),
        count("rows_read"), count("new"), count("changed"), count("unchanged"), count("rows_rejected"),
        Column("By", lambda b: b["created_by"] or "", width=10),
        Column("When", lambda b: (b["created_at"] or "")[:16].replace("T", " ")),
    ]


def _changes_text(plan: Any) -> str:
    return ", ".join(plan.changes)


def _changes_tooltip(plan: Any) -> str:
    return "\n".join(f"{name}: {old!r} → {new!r}" for name, (old, new) in plan.changes.items())


def plan_columns() -> list[Column[Any]]:
    return [
        Column("Action", lambda p: p.action, width=9),
        Column("Row", lambda p: str(p.record.row), key=lambda p: p.record.row, numeric=True, width=6),
        Column("Partner", lambda p: p.partner, width=24),
        Column("Reference", lambda p: p.record.reference, width=16),
        Column("Title", lambda p: p.record.title, tooltip=lambda p: p.record.title, width=44),
        Column("Changes", _changes_text, tooltip=_changes_tooltip),
    ]


def field_names() -> list[str]:
    from importers.fields import FIELD_KINDS

    return list(FIELD_KINDS)


def inspect_with_saved_mapping(app: Any, path: str, sheet: str | None, partner: str | None) -> tuple[Any, Any]:
    """The file's layout and guessed mapping, overlaid by a mapping saved for this partner (worker side)."""
    from flagdesk.services.imports import _saved_mapping_lookup
    from importers import inspect_file
    from importers.mapping import header_signature

    info = inspect_file(path, sheet)
    if not info.headers:
        return info, None
    with app.register().session() as session:
        saved = _saved_mapping_lookup(session, partner)(header_signature(info.headers))
    return info, saved


class _Page(QWizardPage):
    def __init__(self, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.message = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.message.setAccessibleName("Message")

    def wiz(self) -> ImportWizard:
        return self.wizard()  # type: ignore[return-value]


class FilePage(_Page):
    def __init__(self) -> None:
        super().__init__("Choose the file", "A partner's contract register: xlsx, ods, csv or OCDS JSON.")
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File to import")
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self.browse)
        self.partner_combo = QComboBox(editable=True)
        self.partner_combo.setAccessibleName("Partner")
        self.partner_combo.setToolTip("The partner whose register this is; leave as named in the file if it says")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("File"))
        layout.addLayout(row)
        layout.addWidget(QLabel("Partner"))
        layout.addWidget(self.partner_combo)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._inspected: tuple[str, str | None] | None = None

    def initializePage(self) -> None:
        from flagdesk.services.partners import list_partners

        self.wiz().app.read(lambda s: [p.name for p in list_partners(s)], self._show_partners, label="Partners")

    def _show_partners(self, names: list[str]) -> None:
        current = self.partner_combo.currentText()
        self.partner_combo.clear()
        self.partner_combo.addItem(FROM_FILE)
        self.partner_combo.addItems(names)
        self.partner_combo.setCurrentText(current or FROM_FILE)

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a register", self.path_edit.text(), FILE_FILTER)
        if path:
            self.path_edit.setText(path)

    def partner(self) -> str | None:
        text = self.partner_combo.currentText().strip()
        return None if not text or text == FROM_FILE else text

    def isComplete(self) -> bool:
        return Path(self.path_edit.text().strip()).is_file()

    def validatePage(self) -> bool:
        # Reading the file's layout may take a moment on a large workbook: do it off the GUI thread
        # and move on when it arrives.
        key = (self.path_edit.text().strip(), self.partner())
        if self._inspected == key:
            return True
        self.message.setText("Reading the file…")
        self.wiz().inspect(key[0], None, key[1], lambda: self._inspected_ok(key), self.message)
        return False

    def _inspected_ok(self, key: tuple[str, str | None]) -> None:
        self._inspected = key
        self.message.clear()
        self.wiz().next()

    def nextId(self) -> int:
        info = self.wiz().info
        if info is not None and not info.headers:
            return PREVIEW  # OCDS names its own fields: there are no columns to match
        return SHEET if info is not None and len(info.sheets) > 1 else MAPPING


class SheetPage(_Page):
    def __init__(self) -> None:
        super().__init__("Choose the sheet", "FlagDesk picked the sheet that looks most like a register.")
        self.sheets = QListWidget()
        self.sheets.setAccessibleName("Sheets")
        self.sheets.currentRowChanged.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sheets)
        layout.addWidget(self.message)

    def initializePage(self) -> None:
        info = self.wiz().info
        self.sheets.clear()
        self.sheets.addItems(info.sheets)
        self.sheets.setCurrentRow(info.sheets.index(info.sheet) if info.sheet in info.sheets else 0)

    def chosen(self) -> str | None:
        item = self.sheets.currentItem()
        return item.text() if item is not None else None

    def isComplete(self) -> bool:
        return self.chosen() is not None

    def validatePage(self) -> bool:
        w = self.wiz()
        if self.chosen() == w.info.sheet:
            return True
        self.message.setText("Reading the sheet…")
        w.inspect(w.path, self.chosen(), w.partner, lambda: (self.message.clear(), w.next()), self.message)
        return False


class MappingPage(_Page):
    def __init__(self) -> None:
        super().__init__("Match the columns", "Each column of the file feeds one field; check the guesses.")
        self.source = QLabel(wordWrap=True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Column in the file", "Example values", "FlagDesk field"])
        self.table.setAccessibleName("Column mapping")
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.combos: dict[str, QComboBox] = {}

    def initializePage(self) -> None:
        w = self.wiz()
        info, mapping = w.info, w.suggested_mapping()
        self.source.setText(w.mapping_source())
        self.table.setRowCount(len(info.headers))
        self.combos = {}
        for row, header in enumerate(info.headers):
            samples = [r[row] for r in info.sample_rows if row < len(r) and r[row]][:3]
            self.table.setItem(row, 0, _readonly_item(header))
            self.table.setItem(row, 1, _readonly_item(" | ".join(samples)))
            combo = QComboBox()
            combo.setAccessibleName(f"Field for column {header}")
            combo.addItem(KEEP_AS_EXTRA, "")
            for name in field_names():
                combo.addItem(name.replace("_", " "), name)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(header, ""))))
            combo.currentIndexChanged.connect(self.completeChanged)
            self.table.setCellWidget(row, 2, combo)
            self.combos[header] = combo
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(1, 30 * self.table.fontMetrics().averageCharWidth())

    def mapping(self) -> dict[str, str]:
        return {header: combo.currentData() for header, combo in self.combos.items()}

    def set_field(self, header: str, field: str) -> None:
        self.combos[header].setCurrentIndex(self.combos[header].findData(field))

    def isComplete(self) -> bool:
        fields = set(self.mapping().values())
        usable = bool(fields & {"title", "description"})
        self.message.setText("" if usable else "Match at least one column to title or description.")
        return usable


def _readonly_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class PreviewPage(_Page):
    def __init__(self) -> None:
        super().__init__("Preview", "Nothing is written yet. Check what the import would do.")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Apply")
        self.counts = QLabel()
        self.counts.setAccessibleName("Preview counts")
        self.progress = ProgressStrip()
        self.action_combo = QComboBox()
        self.action_combo.setAccessibleName("Show rows")
        for action in ACTIONS:
            self.action_combo.addItem("All rows" if action == "all" else f"{action.capitalize()} rows", action)
        self.action_combo.currentIndexChanged.connect(self._filter_rows)
        self.rows_model: RecordTableModel[Any] = RecordTableModel(plan_columns(), self)
        self.problems_model: RecordTableModel[Any] = RecordTableModel(problem_columns(), self)
        self.tabs = QTabWidget()
        rows_tab = QWidget()
        rows_layout = QVBoxLayout(rows_tab)
        rows_layout.addWidget(self.action_combo)
        rows_layout.addWidget(record_table(self.rows_model, "Rows to import"))
        self.tabs.addTab(rows_tab, "Rows")
        self.tabs.addTab(record_table(self.problems_model, "Problems"), "Problems")
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.counts)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

    def initializePage(self) -> None:
        self.counts.setText("Reading every row…")
        self.rows_model.set_records([])
        self.problems_model.set_records([])
        self.progress.follow(self.wiz().preview(self._show))

    def cleanupPage(self) -> None:
        self.progress.cancel()

    def _show(self, summary: Any) -> None:
        self.progress.stop()
        if summary is None:
            self.counts.setText("The preview stopped; nothing was read. Go back or try again.")
        else:
            self.counts.setText(summary_text(summary))
            self.problems_model.set_records(summary.problems)
            self.tabs.setTabText(1, f"Problems ({len(summary.problems):,})")
            self._filter_rows()
        self.completeChanged.emit()

    def _filter_rows(self) -> None:
        summary = self.wiz().summary if self.wizard() else None
        if summary is None:
            return
        action = self.action_combo.currentData()
        self.rows_model.set_records([p for p in summary.plans if action == "all" or p.action == action])

    def isComplete(self) -> bool:
        return self.wiz().summary is not None and not self.progress.running


def summary_text(summary: Any) -> str:
    parts = [f"{summary.count('new'):,} new", f"{summary.count('changed'):,} changed",
             f"{summary.count('unchanged'):,} unchanged", f"{summary.rows_rejected:,} rejected"]
    text = f"{summary.rows_read:,} rows read: " + ", ".join(parts) + "."
    if summary.partners_created:
        text += f" New partner(s): {', '.join(summary.partners_created)}."
    return text


class ApplyPage(_Page):
    def __init__(self) -> None:
        super().__init__("Apply", "The register changes in one transaction: all of it, or nothing.")
        self.progress = ProgressStrip()
        self.retry_button = QPushButton("Apply &again")
        self.retry_button.setVisible(False)
        self.retry_button.clicked.connect(self._start)
        layout = QVBoxLayout(self)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.retry_button)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self._start()

    def _start(self) -> None:
        self.retry_button.setVisible(False)
        self.message.setText("Applying…")
        self.progress.follow(self.wiz().apply(self._finished))
        self.completeChanged.emit()

    def _finished(self, ok: bool, error: BaseException | None) -> None:
        self.progress.stop()
        self.completeChanged.emit()
        if ok:
            self.message.setText("Applied.")
            self.wiz().next()
            return
        cancelled = isinstance(error, CancelledError)
        self.message.setText(("Cancelled" if cancelled else f"Not applied: {error}") + ". Nothing was written.")
        self.retry_button.setVisible(True)

    def isComplete(self) -> bool:
        return self.wiz().applied is not None and not self.progress.running


class ResultPage(_Page):
    def __init__(self) -> None:
        super().__init__("Done", "The import is one batch: you can undo it here or later from Imports.")
        self.undo_button = QPushButton("&Undo this import")
        self.undo_button.clicked.connect(self.undo)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.undo_button)
        layout.addStretch(1)
        self.setFinalPage(True)

    def initializePage(self) -> None:
        applied = self.wiz().applied
        self.message.setText(f"Import batch {applied.batch_id}: {summary_text(applied)}")
        self.undo_button.setEnabled(True)

    def undo(self) -> None:
        self.undo_button.setEnabled(False)
        self.wiz().undo(lambda result: self.message.setText(
            f"Import batch {result['batch_id']} undone: {result['removed']:,} contracts removed, "
            f"{result['restored']:,} restored."))


class ImportWizard(QWizard):
    """File → sheet → mapping → preview → apply → result; state lives here, pages present it."""

    def __init__(self, app: Any, path: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle("Import a register")
        self.setAccessibleName("Import wizard")
        self.setOption(QWizard.WizardOption.DisabledBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.info: Any = None
        self.saved_mapping: dict[str, str] | None = None
        self.summary: Any = None
        self.applied: Any = None
        self.undone: dict[str, Any] | None = None
        self.pages: dict[int, _Page] = {
            FILE: FilePage(), SHEET: SheetPage(), MAPPING: MappingPage(), PREVIEW: PreviewPage(),
            APPLY: ApplyPage(), RESULT: ResultPage(),
        }
        for page_id, page in self.pages.items():
            self.setPage(page_id, page)
        self.resize(900, 640)
        if path:
            self.file_page.path_edit.setText(str(path))

    # pages by role, for the view and tests
    @property
    def file_page(self) -> FilePage:
        return self.pages[FILE]  # type: ignore[return-value]

    @property
    def mapping_page(self) -> MappingPage:
        return self.pages[MAPPING]  # type: ignore[return-value]

    @property
    def preview_page(self) -> PreviewPage:
        return self.pages[PREVIEW]  # type: ignore[return-value]

    @property
    def apply_page(self) -> ApplyPage:
        return self.pages[APPLY]  # type: ignore[return-value]

    @property
    def result_page(self) -> ResultPage:
        return self.pages[RESULT]  # type: ignore[return-value]

    @property
    def path(self) -> str:
        return self.file_page.path_edit.text().strip()

    @property
    def partner(self) -> str | None:
        return self.file_page.partner()

    @property
    def sheet(self) -> str | None:
        return self.info.sheet if self.info is not None else None

    # --- background steps -------------------------------------------------------------------

    def inspect(self, path: str, sheet: str | None, partner: str | None, on_ok: Any, message: QLabel) -> None:
        def done(result: tuple[Any, Any]) -> None:
            self.info, self.saved_mapping = result
            on_ok()

        def failed(exc: BaseException) -> None:
            message.setText(str(exc))
            if not _is_user_error(exc):
                self.app.show_error(exc)

        self.app.tasks.run(lambda _t: inspect_with_saved_mapping(self.app, path, sheet, partner), done,
                           label="Reading the file", on_error=failed, quiet=True)

    def suggested_mapping(self) -> dict[str, str]:
        return dict(self.saved_mapping or self.info.mapping)

    def mapping_source(self) -> str:
        if self.saved_mapping:
            return "Using the mapping saved when this layout was last imported."
        if self.info.profile:
            return f"Recognised layout: {self.info.profile}."
        return "Guessed from the column names and their values."

    def _mapping(self) -> dict[str, str] | None:
        # OCDS carries its own structure; there is no column mapping to pass.
        return self.mapping_page.mapping() if self.info.headers else None

    def _read_args(self) -> dict[str, Any]:
        return {"partner": self.partner, "sheet": self.sheet, "mapping": self._mapping()}

    def preview(self, on_shown: Any) -> TaskHandle:
        from flagdesk.services.imports import preview_import

        self.summary = None
        path, args = self.path, self._read_args()

        def work(t: TaskContext) -> Any:
            with self.app.register().session() as session:
                return preview_import(session, path, progress=t.progress, cancel=t.cancelled, **args)

        def done(summary: Any) -> None:
            self.summary = summary
            on_shown(summary)

        return self.app.tasks.run(work, done, label="Previewing the import", cancellable=True, quiet=True,
                                  on_error=lambda exc: self._failed(exc, lambda: on_shown(None)))

    def apply(self, on_finished: Any) -> TaskHandle:
        from flagdesk.services.imports import apply_import

        self.applied = None
        path, args, app = self.path, self._read_args(), self.app

        def done(summary: Any) -> None:
            self.applied = summary
            on_finished(True, None)

        return app.write(
            lambda s, t: apply_import(s, path, user=app.user, progress=t.progress, cancel=t.cancelled, **args),
            done, label="Applying the import", cancellable=True,
            on_error=lambda exc: self._failed(exc, lambda: on_finished(False, exc)),
        )

    def undo(self, on_done: Any) -> TaskHandle:
        from flagdesk.services.imports import undo_import

        batch_id, app = self.applied.batch_id, self.app

        def done(result: dict[str, Any]) -> None:
            self.undone = result
            on_done(result)

        return app.write(lambda s, _t: undo_import(s, batch_id, user=app.user), done, label="Undoing the import")

    def _failed(self, exc: BaseException, then: Any) -> None:
        if not isinstance(exc, CancelledError):
            self.app.show_error(exc)
        then()

    def reject(self) -> None:
        for page in (self.preview_page, self.apply_page):
            page.progress.cancel()  # a closed wizard leaves nothing running behind it
        super().reject()


def _is_user_error(exc: BaseException) -> bool:
    from flagdesk.errors import UserError

    return isinstance(exc, UserError)


class ImportsView(QWidget):
    title = "Imports"

    def __init__(self, app: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.wizard: ImportWizard | None = None
        self.model: RecordTableModel[dict[str, Any]] = RecordTableModel(batch_columns(), self)
        self.table = record_table(self.model, "Import batches", self)
        self.problems_model: RecordTableModel[Any] = RecordTableModel(problem_columns(), self)
        self.problems_table = record_table(self.problems_model, "Problems of the selected import", self)
        self.problems_label = QLabel("Choose an import to see its problems.")
        self.import_button = QPushButton("&Import file…")
        # Ctrl+I is the window's File > Import action, which opens this same wizard.
        self.import_button.setToolTip("Import a partner's register (Ctrl+I); you can also drop a file here")
        self.undo_button = QPushButton("&Undo import")
        self.undo_button.setEnabled(False)
        self.export_button = QPushButton("E&xport register…")
        self.export_button.setToolTip("Publish the register as OCDS, Transparency Code CSV or xlsx")
        self.export_dialog: QWidget | None = None
        self.setAcceptDrops(True)
        self._build_layout()
        self.import_button.clicked.connect(lambda: self.open_wizard())
        self.undo_button.clicked.connect(self.undo_selected)
        self.export_button.clicked.connect(self.open_export)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.import_button)
        bar.addWidget(self.undo_button)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.problems_label)
        lower_layout.addWidget(self.problems_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)


    # --- remembered layout (the main window calls these) ------------------------------------------

    def _layout_widgets(self) -> dict[str, Any]:
        return {"batches": self.table, "problems": self.problems_table}

    def save_state(self, settings: Any) -> None:
        save_layout(settings, "imports", self._layout_widgets())

    def restore_state(self, settings: Any) -> None:
        restore_layout(settings, "imports", self._layout_widgets())

    def refresh(self) -> None:
        from flagdesk.services.imports import list_imports

        self.app.read(lambda s: list(reversed(list_imports(s))), self._show, label="Loading imports")

    def _show(self, batches: list[dict[str, Any]]) -> None:
        keep = self.selected_batch()
        self.model.set_records(batches)
        rows = [i for i, b in enumerate(self.model.records()) if keep and b["batch_id"] == keep["batch_id"]]
        rows = rows or ([0] if batches else [])
        if rows:
            self.table.selectRow(rows[0])

    def selected_batch(self) -> dict[str, Any] | None:
        return self.model.record(selected_row(self.table))

    def _selection_changed(self) -> None:
        from flagdesk.services.imports import get_import
        from importers import Problem

        batch = self.selected_batch()
        self.undo_button.setEnabled(batch is not None and batch["status"] == "applied")
        if batch is None:
            return
        batch_id = batch["batch_id"]
        self.app.read(lambda s: [Problem(**p) for p in get_import(s, batch_id)["problems"]],
                      lambda problems: self._show_problems(batch_id, problems), label="Loading problems")

    def _show_problems(self, batch_id: int, problems: list[Any]) -> None:
        self.problems_model.set_records(problems)
        self.problems_label.setText(f"Import batch {batch_id}: {len(problems):,} problems")

    def undo_selected(self) -> None:
        from flagdesk.services.imports import undo_import

        batch, app = self.selected_batch(), self.app
        if batch is None or not confirm(self, "Undo import",
                                        f"Undo import batch {batch['batch_id']} ({batch['file']})? Its new "
                                        "contracts are removed and changed ones restored."):
            return
        batch_id = batch["batch_id"]
        app.write(lambda s, _t: undo_import(s, batch_id, user=app.user), lambda _r: self.refresh(),
                  label="Undoing the import")

    def open_wizard(self, path: str | None = None) -> ImportWizard:
        """Open the import wizard, with a file already chosen when one was dropped on the window."""
        self.wizard = ImportWizard(self.app, path, self)
        self.wizard.finished.connect(lambda _r: self.refresh())
        self.wizard.open()
        return self.wizard

    def open_export(self) -> QWidget:
        from flagdesk.ui.dialogs.export import ExportDialog

        self.export_dialog = ExportDialog(self.app, self)
        self.export_dialog.open()
        return self.export_dialog

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_wizard(files[0])
