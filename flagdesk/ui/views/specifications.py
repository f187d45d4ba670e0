"""Specifications: outcome-based specifications edited in one place and reused across opportunities.

The editor shows one specification: title, kind, category, summary; its outcomes (statement,
measure, baseline, target, evidence source), started from the outcome library or written anew;
requirements, social value and sustainability criteria, one per line. Saving sends only what
changed to flagdesk.services.specifications, in one transaction, refusing a stale version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from flagdesk.domain import SpecKind
from flagdesk.errors import ConflictError
from flagdesk.reports.packdata import OutcomeRecord, SpecificationRecord
from flagdesk.ui.views.listing import (
    Column,
    RecordTableModel,
    confirm,
    record_table,
    restore_layout,
    save_layout,
    selected_row,
)

OUTCOME_HEADERS = ("Outcome", "Measure", "Baseline", "Target", "Evidence source")
OUTCOME_FIELDS = ("statement", "measure", "baseline", "target", "evidence_source")
LIST_FIELDS = ("requirements", "social_value", "sustainability")
NEW_TITLE = "New specification"


def spec_columns() -> list[Column[SpecificationRecord]]:
    return [
        Column("Title", lambda s: s.title, key=lambda s: s.title.lower(), width=32),
        Column("Kind", lambda s: s.kind.replace("_", " "), width=13),
        Column("Category", lambda s: s.category or "", width=14),
        Column("Outcomes", lambda s: str(len(s.outcomes)), key=lambda s: len(s.outcomes), numeric=True, width=8),
        Column("Used by", lambda s: ", ".join(s.opportunity_ids), key=lambda s: len(s.opportunity_ids)),
    ]


@dataclass(frozen=True)
class SavePlan:
    """What one Save sends: changed fields, edited, new and removed outcomes."""

    changes: dict[str, Any]
    edited: list[tuple[int, dict[str, str]]]
    added: list[OutcomeRecord]
    removed: list[int]

    @property
    def empty(self) -> bool:
        return not (self.changes or self.edited or self.added or self.removed)


def save_plan(before: SpecificationRecord, after: SpecificationRecord) -> SavePlan:
    """Compare the stored specification with the edited one, field by field and outcome by outcome."""
    changes = {f: getattr(after, f) for f in ("title", "kind", "category", "summary") if getattr(after, f)
               != getattr(before, f)}
    changes |= {f: list(getattr(after, f)) for f in LIST_FIELDS if tuple(getattr(after, f)) != getattr(before, f)}
    stored = {o.id: o for o in before.outcomes}
    edited = []
    for o in after.outcomes:
        old = stored.get(o.id)
        if old is not None:
            diff = {f: getattr(o, f) for f in OUTCOME_FIELDS if getattr(o, f) != getattr(old, f)}
            if diff:
                edited.append((o.id, diff))
    kept = {o.id for o in after.outcomes}
    return SavePlan(changes, edited, [o for o in after.outcomes if o.id is None],
                    [oid for oid in stored if oid not in kept])


def apply_plan(session: Any, spec_id: int, version: int, plan: SavePlan, user: str) -> SpecificationRecord:
    """Send the plan to the service; only the first call carries the version read (the stale check)."""
    from flagdesk.services import specifications as specs

    result = None
    guard: int | None = version
    steps = ([lambda v: specs.update_specification(session, spec_id, plan.changes, user=user, if_version=v)]
             if plan.changes else [])
    steps += [lambda v, oid=oid, d=d: specs.update_outcome(session, oid, d, user=user, if_version=v)
              for oid, d in plan.edited]
    steps += [lambda v, o=o: specs.add_outcome(session, spec_id, o, user=user, if_version=v) for o in plan.added]
    steps += [lambda v, oid=oid: specs.remove_outcome(session, oid, user=user, if_version=v) for oid in plan.removed]
    for step in steps:
        result = step(guard)
        guard = None
    return result if result is not None else specs.get_specification(session, spec_id)


class SpecificationEditor(QWidget):
    """One specification's fields; `record()` reads the form back as a SpecificationRecord."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded: SpecificationRecord | None = None
        self._loading = False
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Specification title")
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Kind of specification")
        for kind in SpecKind:
            self.kind_combo.addItem(kind.value.replace("_", " ").capitalize(), kind.value)
        self.category_edit = QLineEdit()
        self.category_edit.setAccessibleName("Category")
        self.summary_edit = QPlainTextEdit()
        self.summary_edit.setAccessibleName("Summary")
        self.summary_edit.setMaximumHeight(90)
        self.outcomes = QTableWidget(0, len(OUTCOME_HEADERS))
        self.outcomes.setHorizontalHeaderLabels(list(OUTCOME_HEADERS))
        self.outcomes.setAccessibleName("Outcomes")
        self.outcomes.setWordWrap(True)
        self.outcomes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.lists = {name: QPlainTextEdit() for name in LIST_FIELDS}
        for name, edit in self.lists.items():
            edit.setAccessibleName(name.replace("_", " ").capitalize() + ", one per line")
            edit.setPlaceholderText("One statement per line")
        self._build_layout()
        for signal in (self.title_edit.textChanged, self.kind_combo.currentIndexChanged,
                       self.category_edit.textChanged, self.summary_edit.textChanged, self.outcomes.itemChanged,
                       *(e.textChanged for e in self.lists.values())):
            signal.connect(self._edited)

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow("&Title", self.title_edit)
        form.addRow("&Kind", self.kind_combo)
        form.addRow("&Category", self.category_edit)
        form.addRow("&Summary", self.summary_edit)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.outcomes, "Outcomes")
        self.tabs.addTab(self.lists["requirements"], "Requirements")
        self.tabs.addTab(self.lists["social_value"], "Social value")
        self.tabs.addTab(self.lists["sustainability"], "Sustainability")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.tabs, 1)

    def _edited(self) -> None:
        if not self._loading:
            self.changed.emit()

    def show_record(self, spec: SpecificationRecord | None) -> None:
        self._loading = True
        try:
            self.loaded = spec
            self.setEnabled(spec is not None)
            spec = spec or SpecificationRecord(None, "")
            self.title_edit.setText(spec.title)
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(spec.kind)))
            self.category_edit.setText(spec.category or "")
            self.summary_edit.setPlainText(spec.summary)
            self.outcomes.setRowCount(0)
            for outcome in spec.outcomes:
                self.append_outcome(outcome)
            for name, edit in self.lists.items():
                edit.setPlainText("\n".join(getattr(spec, name)))
        finally:
            self._loading = False

    def append_outcome(self, outcome: OutcomeRecord) -> None:
        row = self.outcomes.rowCount()
        self.outcomes.insertRow(row)
        for column, name in enumerate(OUTCOME_FIELDS):
            item = QTableWidgetItem(getattr(outcome, name))
            item.setData(Qt.ItemDataRole.UserRole, outcome.id)
            self.outcomes.setItem(row, column, item)
        self.outcomes.resizeRowToContents(row)

    def remove_current_outcome(self) -> None:
        row = self.outcomes.currentRow()
        if row >= 0:
            self.outcomes.removeRow(row)
            self._edited()

    def _outcome_rows(self) -> list[OutcomeRecord]:
        rows = []
        for row in range(self.outcomes.rowCount()):
            items = [self.outcomes.item(row, c) for c in range(len(OUTCOME_FIELDS))]
            values = [(item.text() if item is not None else "").strip() for item in items]
            outcome_id = items[0].data(Qt.ItemDataRole.UserRole) if items[0] is not None else None
            rows.append(OutcomeRecord(*values, id=outcome_id, position=row))
        return rows

    def record(self) -> SpecificationRecord:
        """The form as a record; blank outcome rows are dropped, blank lines of the lists too."""
        base = self.loaded or SpecificationRecord(None, "")
        lines = {name: tuple(x.strip() for x in edit.toPlainText().splitlines() if x.strip())
                 for name, edit in self.lists.items()}
        return SpecificationRecord(
            id=base.id,
            title=self.title_edit.text().strip(),
            kind=self.kind_combo.currentData(),
            category=self.category_edit.text().strip() or None,
            summary=self.summary_edit.toPlainText().strip(),
            outcomes=tuple(o for o in self._outcome_rows() if any(getattr(o, f) for f in OUTCOME_FIELDS)),
            version=base.version,
            opportunity_ids=base.opportunity_ids,
            **lines,
        )

    def is_dirty(self) -> bool:
        return self.loaded is not None and not save_plan(self.loaded, self.record()).empty


class OpportunityChooser(QComboBox):
    """Opportunities load when the list is first opened: a large register has thousands of them."""

    wanted = Signal()
    PROMPT = "Choose an opportunity…"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded = False
        self.addItem(self.PROMPT, None)

    def showPopup(self) -> None:
        if self.loaded:
            super().showPopup()
        else:
            self.wanted.emit()

    def set_opportunities(self, opportunities: list[Any], *, popup: bool = True) -> None:
        keep = self.currentData()
        self.clear()
        self.addItem(self.PROMPT, None)
        for o in opportunities:
            self.addItem(f"{o.title} ({o.id})", o.id)
        self.setCurrentIndex(max(0, self.findData(keep)))
        self.loaded = True
        if popup and self.isVisible():
            super().showPopup()


class SpecificationsView(QWidget):
    title = "Specifications"

    def __init__(self, app: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.model: RecordTableModel[SpecificationRecord] = RecordTableModel(spec_columns(), self)
        self.table = record_table(self.model, "Specifications", self)
        self.detail = SpecificationEditor()
        self.new_button = QPushButton("&New specification")
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save the specification (Ctrl+S)")
        self.revert_button = QPushButton("Discard changes")
        self.state_label = QLabel()
        self.add_outcome_button = QPushButton("Add &outcome")
        self.remove_outcome_button = QPushButton("Remove outcome")
        self.template_combo = QComboBox()
        self.template_combo.setAccessibleName("Outcome library category")
        self.template_button = QPushButton("Add from &library")
        self.opportunity_combo = OpportunityChooser()
        self.opportunity_combo.setAccessibleName("Opportunity to use this specification for")
        self.link_button = QPushButton("Use for opportunity")
        self._fill_templates()
        self._build_layout()
        self._connect()
        self._update_buttons()

    def _fill_templates(self) -> None:
        from flagdesk.services.specifications import template_categories

        for category in template_categories():
            self.template_combo.addItem(category.replace("_", " ").capitalize(), category)

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        for widget in (self.new_button, self.save_button, self.revert_button, self.state_label):
            bar.addWidget(widget)
        bar.addStretch(1)
        outcome_bar = QHBoxLayout()
        for widget in (self.add_outcome_button, self.remove_outcome_button, QLabel("Library:"), self.template_combo,
                       self.template_button):
            outcome_bar.addWidget(widget)
        outcome_bar.addStretch(1)
        link_bar = QHBoxLayout()
        link_bar.addWidget(QLabel("Opportunity:"))
        link_bar.addWidget(self.opportunity_combo, 1)
        link_bar.addWidget(self.link_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.detail, 1)
        right_layout.addLayout(outcome_bar)
        right_layout.addLayout(link_bar)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.new_button.clicked.connect(self.create)
        self.save_button.clicked.connect(self.detail_save)
        self.revert_button.clicked.connect(lambda: self.detail.show_record(self.detail.loaded))
        self.add_outcome_button.clicked.connect(lambda: self.detail.append_outcome(OutcomeRecord("")))
        self.remove_outcome_button.clicked.connect(self.detail.remove_current_outcome)
        self.template_button.clicked.connect(self.add_templates)
        self.link_button.clicked.connect(self.link)
        self.opportunity_combo.wanted.connect(self.load_opportunities)
        self.detail.changed.connect(self._update_buttons)
        # The window's Save action (Ctrl+S) calls detail.request_save on the current view.
        self.detail.request_save = self.detail_save  # type: ignore[attr-defined]

    def _update_buttons(self) -> None:
        dirty = self.detail.is_dirty()
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        empty = self.model.rowCount() == 0
        self.state_label.setText("Unsaved changes" if dirty else
                                 "No specifications yet: start one, then add outcomes from the library." if empty
                                 else "")
        has = self.detail.loaded is not None
        for widget in (self.add_outcome_button, self.remove_outcome_button, self.template_button, self.link_button):
            widget.setEnabled(has)


    # --- remembered layout (the main window calls these) ------------------------------------------

    def _layout_widgets(self) -> dict[str, Any]:
        return {"table": self.table}

    def save_state(self, settings: Any) -> None:
        save_layout(settings, "specifications", self._layout_widgets())

    def restore_state(self, settings: Any) -> None:
        restore_layout(settings, "specifications", self._layout_widgets())

    # --- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        from flagdesk.services.specifications import list_specifications

        self.app.read(list_specifications, self._show, label="Loading specifications")
        if self.opportunity_combo.loaded:
            self.load_opportunities(popup=False)

    def _show(self, specs: list[SpecificationRecord]) -> None:
        self.select(specs, self.detail.loaded.id if self.detail.loaded else None)

    def load_opportunities(self, popup: bool = True) -> None:
        from flagdesk.services.opportunities import list_opportunities

        self.app.read(list_opportunities, lambda found: self.opportunity_combo.set_opportunities(found, popup=popup),
                      label="Loading opportunities")

    def select(self, specs: list[SpecificationRecord], spec_id: int | None) -> None:
        if self.detail.is_dirty():
            # A background refresh must never wipe what someone is typing.
            self.model.set_records(specs)
            self._reselect_loaded()
            return
        self.model.set_records(specs)
        records = self.model.records()
        rows = [i for i, s in enumerate(records) if s.id == spec_id] or ([0] if records and spec_id is None else [])
        if rows:
            self.table.selectRow(rows[0])
        self.show_spec(records[rows[0]] if rows else None)

    def _selection_changed(self) -> None:
        spec = self.model.record(selected_row(self.table))
        if spec is None or (self.detail.loaded is not None and spec.id == self.detail.loaded.id):
            return
        if self.detail.is_dirty() and not confirm(self, "Unsaved changes",
                                                  f"Discard your changes to “{self.detail.loaded.title}”?"):
            self._reselect_loaded()
            return
        self.show_spec(spec)

    def _reselect_loaded(self) -> None:
        rows = [i for i, s in enumerate(self.model.records()) if s.id == self.detail.loaded.id]
        if rows:
            selection = self.table.selectionModel()
            selection.blockSignals(True)
            self.table.selectRow(rows[0])
            selection.blockSignals(False)

    def show_spec(self, spec: SpecificationRecord | None) -> None:
        self.detail.show_record(spec)
        self._update_buttons()

    # --- writing ------------------------------------------------------------------------------

    def _stored(self, spec: SpecificationRecord) -> None:
        """After any write: show the stored specification and its place in the refreshed list."""
        self.show_spec(spec)
        self.refresh()

    def create(self) -> None:
        from flagdesk.services.specifications import create_specification

        app = self.app
        app.write(lambda s, _t: create_specification(s, user=app.user, title=NEW_TITLE), self._stored,
                  label="Creating a specification")

    def detail_save(self) -> None:
        before = self.detail.loaded
        if before is None or before.id is None:
            return
        plan, app = save_plan(before, self.detail.record()), self.app
        if plan.empty:
            return
        spec_id, version = before.id, before.version

        def failed(exc: BaseException) -> None:
            app.show_error(exc)
            if isinstance(exc, ConflictError):
                self.state_label.setText("Not saved: someone else changed it. Discard your changes to see theirs.")

        app.write(lambda s, _t: apply_plan(s, spec_id, version, plan, app.user), self._stored,
                  label="Saving the specification", on_error=failed)

    def add_templates(self) -> None:
        """Append the library's outcomes for the chosen category to the form (saved with Save)."""
        from flagdesk.services.specifications import outcome_templates

        for outcome in outcome_templates(self.template_combo.currentData()):
            self.detail.append_outcome(OutcomeRecord(outcome.statement, outcome.measure, outcome.baseline,
                                                     outcome.target, outcome.evidence_source))
        self._update_buttons()

    def link(self) -> None:
        from flagdesk.services.specifications import link_specification

        spec, opportunity_id, app = self.detail.loaded, self.opportunity_combo.currentData(), self.app
        if spec is None or opportunity_id is None:
            return
        app.write(lambda s, _t: link_specification(s, spec.id, opportunity_id, user=app.user),
                  lambda _r: self.refresh(), label="Linking the specification")
