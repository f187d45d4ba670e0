"""The contract detail panel: edit one contract with validation, and the conflict dialog.

The panel only collects text and asks the core to validate it (``parse_changes``); saving,
conflicts and undo are the view's job (it owns the undo stack and the background write).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from flagdesk.domain import ContractStatus, ContractType, ProcurementRoute, ReuseRights, format_pence
from flagdesk.errors import ValidationError
from flagdesk.records import ContractRecord

# (field, label); the field names are the core's (parse_changes / update_contract).
TEXT_FIELDS = (("reference", "&Reference"), ("title", "&Title"), ("category", "Cate&gory"))
MONEY_FIELDS = (("annual_value_pence", "&Annual value (£)"), ("total_value_pence", "Total &value (£)"))
DATE_FIELDS = (("start_date", "&Start"), ("end_date", "&End"), ("max_end_date", "&Max end"))
CHOICE_FIELDS = (
    ("status", "Stat&us", ContractStatus, False),
    ("procurement_route", "Rout&e", ProcurementRoute, True),
    ("contract_type", "T&ype", ContractType, True),
    ("reuse_rights", "Re&use rights", ReuseRights, False),
)
FIELD_LABELS = {name: label.replace("&", "") for name, label, *_ in (*TEXT_FIELDS, *MONEY_FIELDS, *DATE_FIELDS,
                                                                   *CHOICE_FIELDS)}  # fmt: skip
FIELD_LABELS |= {"description": "Description", "cpv": "CPV codes"}


def pounds_to_pence_text(text: str) -> str:
    """'£12,500.50' -> '1250050' for the core's pence parser; '' stays '' (no value)."""
    cleaned = text.strip().replace(",", "").replace("£", "")
    if not cleaned:
        return ""
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError(f"'{text}' is not an amount in pounds (e.g. 12500 or 12,500.50)") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"'{text}' must be pounds with at most two decimal places")
    return str(int(amount * 100))


def pence_to_pounds_text(pence: int | None) -> str:
    return "" if pence is None else format_pence(pence, symbol="")


def record_value_text(record: ContractRecord, name: str) -> str:
    """A record's field as the panel shows it (and as the conflict dialog compares it)."""
    value = getattr(record, name)
    if name in dict(MONEY_FIELDS):
        return pence_to_pounds_text(value)
    if name == "cpv":
        return ", ".join(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else str(value)


def record_values(record: ContractRecord, names: list[str]) -> dict[str, Any]:
    """The typed values of some fields, as update_contract takes them (for undo)."""
    return {n: list(record.cpv) if n == "cpv" else getattr(record, n) for n in names}


class ContractDetail(QWidget):
    """Form for one contract. Emits ``save_requested(record, changes)`` with validated typed changes."""

    save_requested = Signal(object, dict)
    dirty_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Contract details")
        self.record: ContractRecord | None = None
        self._loading = False
        self.edits: dict[str, QLineEdit] = {}
        self.choices: dict[str, QComboBox] = {}
        self.heading = QLabel("Select a contract")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.heading.setFont(font)
        self.facts = QLabel("")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Validation problem")
        self.problem.setStyleSheet("color: white; background: #b00020; padding: 4px; border-radius: 3px;")
        self.problem.hide()
        form = self._build_form()
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save changes (Ctrl+S)")
        self.save_button.setAccessibleName("Save contract")
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setAccessibleName("Revert changes")
        self.save_button.clicked.connect(self.request_save)
        self.revert_button.clicked.connect(self.revert)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.addWidget(self.heading)
        inner_layout.addWidget(self.facts)
        inner_layout.addLayout(form)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        self.set_record(None)

    def _build_form(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, label in (*TEXT_FIELDS, *MONEY_FIELDS, *DATE_FIELDS):
            edit = QLineEdit()
            edit.setAccessibleName(label.replace("&", ""))
            if name in dict(DATE_FIELDS):
                edit.setPlaceholderText("YYYY-MM-DD")
            if name in dict(MONEY_FIELDS):
                edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            edit.textEdited.connect(self._edited)
            self.edits[name] = edit
            form.addRow(label, edit)
        for name, label, enum_cls, nullable in CHOICE_FIELDS:
            combo = QComboBox()
            combo.setAccessibleName(label.replace("&", ""))
            if nullable:
                combo.addItem("(not known)", "")
            for member in enum_cls:
                combo.addItem(member.value.replace("_", " ").capitalize(), member.value)
            combo.currentIndexChanged.connect(self._edited)
            self.choices[name] = combo
            form.addRow(label, combo)
        self.cpv_edit = QLineEdit()
        self.cpv_edit.setAccessibleName("CPV codes")
        self.cpv_edit.setPlaceholderText("e.g. 48000000-8, 72000000-5")
        self.cpv_edit.textEdited.connect(self._edited)
        form.addRow("&CPV codes", self.cpv_edit)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setAccessibleName("Description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setMinimumHeight(90)
        self.description_edit.textChanged.connect(self._edited)
        form.addRow("&Description", self.description_edit)
        return form

    # -- showing ----------------------------------------------------------------------------------

    def set_record(self, record: ContractRecord | None) -> None:
        """Show a record (None clears the form); unsaved edits are discarded."""
        self._loading = True
        try:
            self.record = record
            self.problem.hide()
            for name, edit in self.edits.items():
                edit.setText(record_value_text(record, name) if record else "")
                edit.setCursorPosition(0)  # show the start of a long title, not its tail
            for name, combo in self.choices.items():
                value = getattr(record, name) if record else None
                combo.setCurrentIndex(max(0, combo.findData(value or "")))
            self.cpv_edit.setText(record_value_text(record, "cpv") if record else "")
            self.cpv_edit.setCursorPosition(0)
            self.description_edit.setPlainText(record.description if record else "")
            self.heading.setText(record.title if record else "Select a contract")
            self.facts.setText(self._facts(record) if record else "")
            for widget in (*self.edits.values(), *self.choices.values(), self.cpv_edit, self.description_edit):
                widget.setEnabled(record is not None)
        finally:
            self._loading = False
        self._set_dirty(False)

    @staticmethod
    def _facts(r: ContractRecord) -> str:
        suppliers = ", ".join(r.suppliers) or "no supplier recorded"
        return f"{r.partner} · {suppliers} · version {r.version}"

    # -- editing ----------------------------------------------------------------------------------

    def current_texts(self) -> dict[str, str]:
        texts = {name: edit.text() for name, edit in self.edits.items()}
        texts |= {name: combo.currentData() or "" for name, combo in self.choices.items()}
        texts["cpv"] = self.cpv_edit.text()
        texts["description"] = self.description_edit.toPlainText()
        return texts

    def changed_texts(self) -> dict[str, str]:
        """Fields whose text differs from the record's, in the core's text form (values in pence)."""
        if self.record is None:
            return {}
        changed = {}
        for name, text in self.current_texts().items():
            shown = self.record.description if name == "description" else record_value_text(self.record, name)
            if name in ("status", "reuse_rights", "procurement_route", "contract_type"):
                shown = getattr(self.record, name) or ""
            if text.strip() != shown.strip():
                changed[name] = pounds_to_pence_text(text) if name in dict(MONEY_FIELDS) else text
        return changed

    def validated_changes(self) -> dict[str, Any]:
        """The typed changes, or raise ValidationError naming the field (the core decides what is valid)."""
        from flagdesk.services.contracts import parse_changes

        return parse_changes(self.changed_texts())

    def request_save(self) -> None:
        if self.record is None:
            return
        try:
            changes = self.validated_changes()
        except ValidationError as exc:
            self.show_problem(str(exc))
            return
        if changes:
            self.save_requested.emit(self.record, changes)

    def show_problem(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
        field = message.split(":", 1)[0].strip()
        widget = self.edits.get(field) or self.choices.get(field)
        if widget is not None:
            widget.setFocus()

    def revert(self) -> None:
        self.set_record(self.record)

    @property
    def dirty(self) -> bool:
        return self.save_button.isEnabled()

    def _edited(self, *_args: Any) -> None:
        if not self._loading:
            self.problem.hide()
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self.save_button.setEnabled(dirty and self.record is not None)
        self.revert_button.setEnabled(dirty and self.record is not None)
        self.dirty_changed.emit(dirty)


class ConflictDialog(QDialog):
    """Someone saved this contract after you opened it: keep theirs, or apply yours over it."""

    KEEP_THEIRS = "theirs"
    USE_MINE = "mine"

    def __init__(self, mine: dict[str, str], theirs: ContractRecord, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Someone else changed this contract")
        self.choice: str | None = None
        intro = QLabel(
            f"“{theirs.title}” was saved by someone else (now version {theirs.version}) while you were "
            "editing it. Nothing of yours has been written yet. Choose which values to keep."
        )
        intro.setWordWrap(True)
        table = QTableWidget(len(mine), 3)
        table.setHorizontalHeaderLabels(["Field", "Yours", "Theirs (saved)"])
        table.setAccessibleName("Conflicting fields")
        table.verticalHeader().hide()
        for row, (name, text) in enumerate(mine.items()):
            for col, value in enumerate((FIELD_LABELS.get(name, name), text, record_value_text(theirs, name))):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                table.setItem(row, col, item)
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnsToContents()
        self.table = table
        buttons = QDialogButtonBox()
        self.theirs_button = buttons.addButton("Keep &theirs", QDialogButtonBox.ButtonRole.RejectRole)
        self.mine_button = buttons.addButton("Use &mine", QDialogButtonBox.ButtonRole.AcceptRole)
        self.theirs_button.clicked.connect(lambda: self._choose(self.KEEP_THEIRS))
        self.mine_button.clicked.connect(lambda: self._choose(self.USE_MINE))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(640, 320)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept() if choice == self.USE_MINE else self.reject()
