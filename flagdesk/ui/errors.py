"""How errors reach the person at the desk.

``flagdesk.errors.UserError`` and its kin are environmental or input problems: a plain message
they can act on, no traceback. Anything else is a bug: a crash dialog with the details selectable
and a "Copy details" button so they can be pasted into a report (qutebrowser's KnownError /
BugError split; vorta's exception dialog).
"""

from __future__ import annotations

import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from flagdesk.errors import ConflictError, PermissionDeniedError, UserError

_TITLES = {
    ConflictError: "Someone else changed this record",
    PermissionDeniedError: "Not allowed",
}


def user_message(exc: BaseException) -> str:
    """The one-line message for a user error (the same text the command line prints)."""
    return str(exc) or type(exc).__name__


def bug_details(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    from flagdesk import __version__

    lines = traceback.format_exception(exc_type, exc, tb)
    head = f"FlagDesk {__version__} · Python {platform.python_version()} · {platform.platform()}\n\n"
    return head + "".join(lines)


def show_user_error(exc: BaseException, parent: QWidget | None = None) -> QMessageBox:
    """A plain warning: title by kind of problem, the message, no traceback."""
    title = next((t for cls, t in _TITLES.items() if isinstance(exc, cls)), "FlagDesk")
    box = QMessageBox(QMessageBox.Icon.Warning, title, user_message(exc), QMessageBox.StandardButton.Ok, parent)
    box.setAccessibleName("Problem")
    box.exec()
    return box


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """A plain information box (an instance, so tests can answer it; the static helpers cannot be patched)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.exec()


class CrashDialog(QDialog):
    """A bug report: what happened in one sentence, and the details ready to copy."""

    def __init__(self, details: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("FlagDesk: unexpected error")
        self.resize(720, 420)
        intro = QLabel(
            "FlagDesk hit an unexpected error. Your register is safe: unfinished changes were not saved.\n"
            "Please send the details below to your FlagDesk support contact."
        )
        intro.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Error details")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("&Copy details")
        copy.setAccessibleName("Copy error details")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


def show_bug(exc: BaseException, parent: QWidget | None = None) -> CrashDialog:
    details = bug_details(type(exc), exc, exc.__traceback__)
    print(details, file=sys.stderr)
    dialog = CrashDialog(details, parent)
    dialog.exec()
    return dialog


def report(exc: BaseException, parent: QWidget | None = None) -> None:
    """Show any exception the right way: plain message for user errors, crash dialog for bugs."""
    if isinstance(exc, UserError):
        show_user_error(exc, parent)
    else:
        show_bug(exc, parent)


_in_hook = False


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    global _in_hook
    if issubclass(exc_type, KeyboardInterrupt) or _in_hook or QApplication.instance() is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    _in_hook = True  # an error inside the dialog must not open another dialog forever
    try:
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        report(exc, QApplication.activeWindow())
    finally:
        _in_hook = False


def install_excepthook() -> None:
    """Route uncaught exceptions in slots and event handlers to ``report`` (the running app only)."""
    sys.excepthook = _excepthook
