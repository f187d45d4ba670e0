"""Opening the register: SQLite file (embedded default) or PostgreSQL (shared), and sessions.

One Register per open database. Sessions are short-lived, one per operation; nothing here keeps
ORM objects alive between operations.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from flagdesk.errors import DatabaseError, PermissionDeniedError, UserError

DEFAULT_FILE_NAME = "register.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def default_database_path() -> Path:
    """The per-user register file: %LOCALAPPDATA%\\FlagDesk on Windows, ~/.local/share/FlagDesk on Linux."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("FlagDesk", appauthor=False)) / DEFAULT_FILE_NAME


def database_url(target: str | os.PathLike[str] | None) -> str:
    """A SQLAlchemy URL for a file path, a URL, $FLAGDESK_DB, or the default per-user file."""
    raw = os.fspath(target) if target is not None else os.environ.get("FLAGDESK_DB") or ""
    if not raw:
        raw = os.fspath(default_database_path())
    if "://" not in raw:
        return "sqlite:///" + str(Path(raw).expanduser().resolve())
    if raw.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is our PostgreSQL driver; plain URLs would ask for psycopg2.
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    return raw


def describe_url(url: str) -> str:
    """The database as shown to a person: a file path, or server/database without the password."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True)


@dataclass
class Register:
    """An open register database and the user acting on it."""

    url: str
    engine: Engine
    user: str
    _sessions: sessionmaker[Session] = field(repr=False, default=None)  # type: ignore[assignment]
    _write_sessions: sessionmaker[Session] = field(repr=False, default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite a write transaction takes the write lock at BEGIN, so a read-then-write never
        # fails half way with "database is locked" (see _install_sqlite_hooks).
        write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._write_sessions = sessionmaker(write_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def description(self) -> str:
        return describe_url(self.url)

    @property
    def file_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        db = make_url(self.url).database
        return Path(db) if db and db != ":memory:" else None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on error, always close."""
        with translate_db_errors(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE on SQLite)."""
        with translate_db_errors(), self._write_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Turn the database's environmental failures into plain messages; bugs stay bugs."""
    try:
        yield
    except UserError:
        raise
    except sa_exc.OperationalError as exc:
        raise DatabaseError(_operational_message(exc)) from exc
    except sa_exc.ProgrammingError as exc:
        if "permission denied" in str(exc.orig).lower() or "row-level security" in str(exc.orig).lower():
            raise PermissionDeniedError(
                "The shared register refused this change: your role does not allow editing this record."
            ) from exc
        raise
    except sa_exc.DatabaseError as exc:
        low = str(exc.orig).lower()
        if "not a database" in low or "malformed" in low or "encrypted" in low:
            raise DatabaseError(_operational_message(exc)) from exc
        raise


def _operational_message(exc: sa_exc.DBAPIError) -> str:
    msg = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    low = msg.lower()
    if "database is locked" in low or "busy" in low:
        return "The register is busy: another FlagDesk is writing to it. Try again in a moment."
    if "unable to open database" in low:
        return "Cannot open the register file (check the folder exists and you may write to it)."
    if "disk" in low and ("full" in low or "i/o" in low):
        return f"The register could not be written: {msg}"
    if "file is not a database" in low or "malformed" in low:
        return "The register file is damaged or is not a FlagDesk database."
    return f"Database error: {msg}"


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (SQLAlchemy recipe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin")
        conn.exec_driver_sql(f"BEGIN {mode}" if mode else "BEGIN")


def create_register_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database
        if db and db != ":memory:":
            path = Path(db)
            if path.is_dir():
                raise DatabaseError(f"'{path}' is a folder, not a register file.")
            if not path.parent.exists():
                # Only the per-user default folder is created; a mistyped --db path is an error.
                if path != default_database_path():
                    raise DatabaseError(f"Cannot open the register '{path}': the folder {path.parent} does not exist.")
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseError(f"Cannot create the folder for the register '{path}': {exc}") from exc
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _install_sqlite_hooks(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=_pg_connect_args(u))
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError) as exc:
        raise DatabaseError(f"Not a database URL FlagDesk can use: {describe_url(url)} ({exc})") from exc


def _pg_connect_args(u) -> dict[str, object]:  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"connect_timeout": 10, "application_name": "FlagDesk"}
    if u.get_backend_name() == "postgresql" and u.password is None and u.username:
        from flagdesk.credentials import stored_password

        password = stored_password(u.host or "localhost", u.username)
        if password:
            args["password"] = password
    return args


def current_db_user(engine: Engine) -> str:
    """In shared mode the audit user is the database login; locally the OS user."""
    env_user = os.environ.get("FLAGDESK_USER")
    if env_user:
        return env_user
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT current_user")).scalar_one())
    try:
        return getpass.getuser()
    except Exception:  # no login name on some service accounts
        return "unknown"


def open_register(target: str | os.PathLike[str] | None = None, *, check_schema: bool = True) -> Register:
    """Open (and for a local file, create or upgrade) the register.

    A local SQLite file is backed up and upgraded automatically. A shared PostgreSQL database is
    never migrated here: an older or newer schema is refused with the command to run.
    """
    from flagdesk.store import migrate

    url = database_url(target)
    engine = create_register_engine(url)
    try:
        with translate_db_errors():
            user = current_db_user(engine)
            if check_schema:
                migrate.ensure_schema(engine, url)
    except Exception:
        engine.dispose()
        raise
    return Register(url=url, engine=engine, user=user)
