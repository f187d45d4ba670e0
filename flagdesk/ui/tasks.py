"""One background-operation API for the desktop client.

Long work never runs on the GUI thread. ``TaskManager.run(fn, on_done, ...)`` runs ``fn`` in a
worker and delivers its result (or error) back on the GUI thread through a queued signal owned by
the manager, which lives on the GUI thread (the pattern of anki's taskman and novelWriter's
runnables: workers hold only a bound signal, never a widget).

Writes go through one serial executor so SQLite never sees two writers from this process; reads
share a small pool. ``fn`` receives a ``TaskContext`` whose plain callables ``progress(float)``
and ``cancelled()`` are passed straight into the Qt-free core. A progress dialog with Cancel
appears only when the work is still running after ``PROGRESS_DELAY_MS`` so short work never
flickers.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from flagdesk.errors import CancelledError, UserError

PROGRESS_DELAY_MS = 600
PROGRESS_POLL_MS = 100
READ_WORKERS = 2


class TaskContext:
    """What the worker function gets: plain callbacks, safe to call from the worker thread."""

    def __init__(self, handle: TaskHandle):
        self._handle = handle

    def progress(self, fraction: float) -> None:
        # A float store is atomic in CPython; the GUI polls it, so workers never flood the event loop.
        self._handle.progress_value = min(1.0, max(0.0, float(fraction)))

    def cancelled(self) -> bool:
        return self._handle.cancel_requested

    def check_cancelled(self) -> None:
        """Raise CancelledError if the user asked to stop (for loops in UI-side worker functions)."""
        if self._handle.cancel_requested:
            raise CancelledError("Stopped at your request; nothing was written.")


class TaskHandle:
    """A running or finished task. ``done`` turns true on the GUI thread after the callback ran."""

    def __init__(self, task_id: int, label: str, cancellable: bool, write: bool):
        self.id = task_id
        self.label = label
        self.cancellable = cancellable
        self.write = write
        self.progress_value = 0.0
        self.cancel_requested = False
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next cancel check."""
        self.cancel_requested = True

    @property
    def succeeded(self) -> bool:
        return self.done and self.error is None

    def __repr__(self) -> str:
        state = "done" if self.done else "running"
        return f"<TaskHandle {self.id} {self.label!r} {state}>"


class _Pending:
    """GUI-thread bookkeeping for one task: its callbacks and its (late) progress dialog."""

    def __init__(self, handle: TaskHandle, on_done: Callable[[Any], None] | None, on_error: Callable | None):
        self.handle = handle
        self.on_done = on_done
        self.on_error = on_error
        self.dialog: QProgressDialog | None = None
        self.show_timer: QTimer | None = None


class TaskManager(QObject):
    """Runs work off the GUI thread; see the module docstring."""

    # Emitted from workers, delivered queued on the GUI thread (the manager lives there).
    _finished = Signal(object)
    #: (running task count, label of the newest running task or "") for a status-bar indicator.
    busy_changed = Signal(int, str)

    def __init__(self, parent: QObject | None = None, *, dialog_parent: Callable[[], QWidget | None] | None = None):
        super().__init__(parent)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flagdesk-write")
        self._readers = ThreadPoolExecutor(max_workers=READ_WORKERS, thread_name_prefix="flagdesk-read")
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._dialog_parent = dialog_parent or (lambda: None)
        #: Where errors go when a task has no on_error. UserError -> plain message; others -> bug report.
        self.error_handler: Callable[[BaseException], None] = _default_error_handler
        self.progress_delay_ms = PROGRESS_DELAY_MS
        self.show_progress_dialogs = True
        self._poll = QTimer(self)
        self._poll.setInterval(PROGRESS_POLL_MS)
        self._poll.timeout.connect(self._update_dialogs)
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    # -- public API -------------------------------------------------------------------------

    def run(
        self,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None,
        *,
        label: str,
        on_error: Callable[[BaseException], None] | None = None,
        cancellable: bool = False,
        write: bool = False,
        quiet: bool = False,
    ) -> TaskHandle:
        """Run ``fn(task_ctx)`` in a worker; call ``on_done(result)`` or ``on_error(exc)`` on the GUI thread.

        ``write=True`` queues the work on the single writer thread. ``quiet=True`` never shows a
        progress dialog (background refreshes; the status bar still shows the task as busy).
        """
        if self._closed:
            raise RuntimeError("TaskManager is shut down")
        handle = TaskHandle(next(self._ids), label, cancellable, write)
        pending = _Pending(handle, on_done, on_error)
        self._pending[handle.id] = pending
        if not quiet and self.show_progress_dialogs:
            pending.show_timer = QTimer(self)
            pending.show_timer.setSingleShot(True)
            pending.show_timer.timeout.connect(lambda h=handle.id: self._show_dialog(h))
            pending.show_timer.start(self.progress_delay_ms)
        executor = self._writer if write else self._readers
        executor.submit(self._work, fn, handle)
        self._emit_busy()
        return handle

    def running(self) -> list[TaskHandle]:
        return [p.handle for p in self._pending.values()]

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Process events until every task delivered (for screenshots and scripted runs, not views)."""
        import time

        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout_s
        while self._pending and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.002)
        return not self._pending

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting work; ask running work to cancel; wait for the writer so nothing is cut off."""
        self._closed = True
        for pending in self._pending.values():
            pending.handle.cancel()
        self._readers.shutdown(wait=wait, cancel_futures=True)
        self._writer.shutdown(wait=wait)
        for pending in list(self._pending.values()):
            self._close_dialog(pending)
        self._pending.clear()
        self._poll.stop()

    # -- worker side ------------------------------------------------------------------------

    def _work(self, fn: Callable[[TaskContext], Any], handle: TaskHandle) -> None:
        try:
            if handle.cancel_requested:
                raise CancelledError("Stopped at your request; nothing was written.")
            handle.result = fn(TaskContext(handle))
        except BaseException as exc:  # delivered to the GUI thread; never lost in a worker
            handle.error = exc
        if not self._closed:
            self._finished.emit(handle)

    # -- GUI side ---------------------------------------------------------------------------

    @Slot(object)
    def _deliver(self, handle: TaskHandle) -> None:
        pending = self._pending.pop(handle.id, None)
        if pending is None:
            return
        self._close_dialog(pending)
        try:
            if handle.error is None:
                if pending.on_done is not None:
                    pending.on_done(handle.result)
            elif pending.on_error is not None:
                pending.on_error(handle.error)
            elif not isinstance(handle.error, CancelledError):
                self.error_handler(handle.error)
        except Exception as exc:  # a bug in a callback: report it rather than kill the event loop
            handle.error = handle.error or exc
            self.error_handler(exc)
        finally:
            handle.done = True
            self._emit_busy()

    def _emit_busy(self) -> None:
        handles = self.running()
        self.busy_changed.emit(len(handles), handles[-1].label if handles else "")
        if any(p.dialog for p in self._pending.values()):
            self._poll.start()
        else:
            self._poll.stop()

    def _show_dialog(self, task_id: int) -> None:
        pending = self._pending.get(task_id)
        if pending is None or pending.dialog is not None:
            return
        handle = pending.handle
        dialog = QProgressDialog(self._dialog_parent())
        dialog.setWindowTitle("FlagDesk")
        dialog.setLabelText(handle.label + "…")
        dialog.setRange(0, 1000)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAccessibleName(f"Progress: {handle.label}")
        if handle.cancellable:
            dialog.canceled.connect(handle.cancel)
            dialog.canceled.connect(lambda: dialog.setLabelText("Cancelling…"))
        else:
            dialog.setCancelButton(None)
        pending.dialog = dialog
        dialog.show()
        self._emit_busy()

    def _update_dialogs(self) -> None:
        for pending in self._pending.values():
            if pending.dialog is not None:
                value = pending.handle.progress_value
                # Before the first report the bar is "busy" (0..0) rather than stuck at zero.
                if value <= 0:
                    pending.dialog.setRange(0, 0)
                else:
                    pending.dialog.setRange(0, 1000)
                    pending.dialog.setValue(int(value * 1000))

    def _close_dialog(self, pending: _Pending) -> None:
        if pending.show_timer is not None:
            pending.show_timer.stop()
            pending.show_timer.deleteLater()
            pending.show_timer = None
        if pending.dialog is not None:
            pending.dialog.hide()
            pending.dialog.deleteLater()
            pending.dialog = None


def _default_error_handler(exc: BaseException) -> None:
    """Until the window installs its own handler: user errors to stderr, bugs to sys.excepthook."""
    if isinstance(exc, UserError):
        print(f"flagdesk: {exc}", file=sys.stderr)
    else:
        sys.excepthook(type(exc), exc, exc.__traceback__)
