"""What every view gets: the database target, the background tasks and the acting user.

Views never open sessions on the GUI thread. They call ``app.read(fn, on_done, label=...)``
with ``fn(session) -> plain data`` and ``app.write(fn, on_done, label=...)`` with
``fn(session, task_ctx)``; the work runs in a worker inside one transaction and the result comes
back on the GUI thread. After every successful write ``register_changed`` fires so views refresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from flagdesk.ui import errors as ui_errors
from flagdesk.ui.tasks import TaskContext, TaskHandle, TaskManager

if TYPE_CHECKING:  # SQLAlchemy is imported only after the window is shown
    from sqlalchemy.orm import Session

    from flagdesk.records import ContractRecord
    from flagdesk.store.engine import Register

ORGANISATION = "FlagDesk"
APPLICATION = "FlagDesk"


def app_settings() -> QSettings:
    """The per-user settings store (registry on Windows, an ini file elsewhere)."""
    return QSettings(ORGANISATION, APPLICATION)


class AppContext(QObject):
    """The open register (lazily, in a worker), its tasks and its user; see the module docstring."""

    #: A write finished: views showing register data should refresh.
    register_changed = Signal()
    #: The register opened (or reopened after a database switch): (description, user).
    register_opened = Signal(str, str)
    #: Another database was chosen; everything shown is stale.
    database_changed = Signal()

    def __init__(self, db: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.db = db
        self.window: QWidget | None = None
        self.tasks = TaskManager(self, dialog_parent=lambda: self.window)
        self.tasks.error_handler = self.show_error
        self._register: Register | None = None
        self._open_lock = threading.Lock()
        #: The view (or other object) whose write fired the latest register_changed; it may skip reloading.
        self.last_write_origin: object | None = None
        # All contract records, shared by the contracts, dashboard and pipeline views (one load, not three).
        self._records: list[ContractRecord] | None = None
        self._records_waiting: list[Callable[[list[ContractRecord]], None]] = []
        self._records_generation = 0
        self.register_changed.connect(self._writes_happened)
        self.database_changed.connect(self._forget_records)

    # -- the register -------------------------------------------------------------------------

    def register(self) -> Register:
        """The open register; opens (and for a local file upgrades) it on first use. Call in a worker."""
        with self._open_lock:
            if self._register is None:
                from flagdesk.store.engine import open_register

                self._register = open_register(self.db)
                self.register_opened.emit(self._register.description, self._register.user)
            return self._register

    @property
    def is_open(self) -> bool:
        return self._register is not None

    @property
    def user(self) -> str:
        return self._register.user if self._register is not None else ""

    @property
    def description(self) -> str:
        """The open database as shown to a person (file path or server/database, never a password)."""
        return self._register.description if self._register is not None else ""

    @property
    def is_shared(self) -> bool:
        return self._register is not None and not self._register.is_sqlite

    def set_database(self, db: str | None, on_done: Callable[[Any], None] | None = None) -> TaskHandle:
        """Switch to another database: close the old one on the writer thread (after queued writes)."""

        def switch(_ctx: TaskContext) -> None:
            with self._open_lock:
                old, self._register = self._register, None
                self.db = db
            if old is not None:
                old.dispose()
            self.register()

        def done(result: Any) -> None:
            self.database_changed.emit()
            if on_done is not None:
                on_done(result)

        return self.tasks.run(switch, done, label="Opening the register", write=True)

    # -- work ---------------------------------------------------------------------------------

    def read(
        self,
        fn: Callable[[Session], Any],
        on_done: Callable[[Any], None] | None,
        *,
        label: str,
        on_error: Callable[[BaseException], None] | None = None,
        quiet: bool = True,
    ) -> TaskHandle:
        """Run ``fn(session)`` in a read transaction in a worker; ``on_done(result)`` on the GUI thread."""

        def work(_ctx: TaskContext) -> Any:
            with self.register().session() as session:
                return fn(session)

        return self.tasks.run(work, on_done, label=label, on_error=on_error, quiet=quiet)

    def write(
        self,
        fn: Callable[[Session, TaskContext], Any],
        on_done: Callable[[Any], None] | None,
        *,
        label: str,
        cancellable: bool = False,
        on_error: Callable[[BaseException], None] | None = None,
        origin: object | None = None,
    ) -> TaskHandle:
        """Run ``fn(session, task_ctx)`` in one write transaction on the serial writer.

        A failure (including cancel) rolls the whole transaction back. After success ``on_done``
        runs and then ``register_changed`` fires. A caller passing ``origin`` promises it already
        patched the shared contract records (``patch_contract_records``) and may skip its own reload.
        """

        def work(ctx: TaskContext) -> Any:
            with self.register().write() as session:
                return fn(session, ctx)

        def done(result: Any) -> None:
            try:
                if on_done is not None:
                    on_done(result)
            finally:
                self.last_write_origin = origin
                self.register_changed.emit()

        return self.tasks.run(work, done, label=label, on_error=on_error, cancellable=cancellable, write=True)

    def run(
        self,
        fn: Callable[[TaskContext], Any],
        on_done: Callable[[Any], None] | None,
        *,
        label: str,
        cancellable: bool = False,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> TaskHandle:
        """Long work that manages its own sessions (e.g. a service taking the Register): on the writer."""
        return self.tasks.run(fn, on_done, label=label, on_error=on_error, cancellable=cancellable, write=True)

    # -- the shared contract records ------------------------------------------------------------

    def contract_records(self, on_done: Callable[[list[ContractRecord]], None], *, reload: bool = False) -> None:
        """All contract records, loaded once and shared; ``on_done`` runs on the GUI thread."""
        if self._records is not None and not reload:
            on_done(self._records)
            return
        self._records_waiting.append(on_done)
        if len(self._records_waiting) > 1:
            return  # a load is already on its way; this caller gets the same list

        generation = self._records_generation

        def load(session: Session) -> list[ContractRecord]:
            from flagdesk.services.contracts import load_contract_records

            return load_contract_records(session)

        def loaded(records: list[ContractRecord]) -> None:
            waiting, self._records_waiting = self._records_waiting, []
            if generation == self._records_generation:
                self._records = records
            for callback in waiting:
                callback(records)

        def failed(exc: BaseException) -> None:
            self._records_waiting = []
            self.show_error(exc)

        self.read(load, loaded, label="Loading contracts", on_error=failed)

    def patch_contract_records(self, changed: list[ContractRecord]) -> None:
        """Replace edited records in the shared list in place (an edit need not reload 100,000 rows)."""
        if self._records is None:
            return
        by_id = {r.id: r for r in changed}
        for i, record in enumerate(self._records):
            if record.id in by_id:
                self._records[i] = by_id.pop(record.id)
                if not by_id:
                    break

    def _writes_happened(self) -> None:
        if self.last_write_origin is None:
            self._forget_records()

    def _forget_records(self) -> None:
        self._records = None
        self._records_generation += 1

    # -- errors and lifetime --------------------------------------------------------------------

    def show_error(self, exc: BaseException) -> None:
        """Plain message for a UserError, crash dialog with copyable details for a bug."""
        ui_errors.report(exc, self.window)

    def close(self) -> None:
        """Wait for queued writes, then release the database."""
        self.tasks.shutdown(wait=True)
        if self._register is not None:
            self._register.dispose()
            self._register = None
