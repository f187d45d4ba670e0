"""Shared fixtures: registers on SQLite always, and on PostgreSQL when FLAGDESK_TEST_PG_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

# Qt must know it has no display before any QApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FLAGDESK_USER", "tester")

import pytest
from shared_paths import REPO_ROOT, SHARED_DATA, shared_data
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flagdesk.store.engine import Register, open_register
from flagdesk.store.migrate import upgrade

PG_URL = os.environ.get("FLAGDESK_TEST_PG_URL")
__all__ = ["REPO_ROOT", "SHARED_DATA", "shared_data"]


@pytest.fixture(autouse=True)
def _isolated_user_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real per-user register or settings from a test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("FLAGDESK_DB", raising=False)


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    """A fresh, empty SQLite register."""
    reg = open_register(tmp_path / "register.sqlite")
    yield reg
    reg.dispose()


class PgDatabase:
    """A throw-away PostgreSQL database, created and dropped around one test."""

    def __init__(self, admin_url: str):
        self.admin_url = make_url(admin_url).set(database="postgres")
        self.name = f"flagdesk_test_{uuid.uuid4().hex[:12]}"
        self.url = make_url(admin_url).set(database=self.name).render_as_string(hide_password=False)

    def _admin(self):  # type: ignore[no-untyped-def]
        return create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        eng = self._admin()
        with eng.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        eng.dispose()
        return self.url

    def drop(self) -> None:
        eng = self._admin()
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            # Roles are cluster-wide: drop the register's group roles so test runs leave nothing behind.
            roles = conn.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname LIKE :prefix"), {"prefix": f"{self.name}\\_%"}
            ).scalars()
            for role in list(roles):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        eng.dispose()


@pytest.fixture
def pg_database() -> Iterator[PgDatabase]:
    """An empty PostgreSQL database (no schema); skips when no server URL is configured."""
    if not PG_URL:
        pytest.skip("FLAGDESK_TEST_PG_URL is not set")
    db = PgDatabase(PG_URL)
    db.create()
    yield db
    db.drop()


def _pg_register(db: PgDatabase) -> Register:
    engine = create_engine(db.url)
    upgrade(engine)  # the administrator's explicit step
    engine.dispose()
    return open_register(db.url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def any_register(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Register]:
    """A fresh register on each back end: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        reg = open_register(tmp_path / "register.sqlite")
        yield reg
        reg.dispose()
        return
    db = request.getfixturevalue("pg_database")
    reg = _pg_register(db)
    yield reg
    reg.dispose()


@pytest.fixture
def demo_register(tmp_path: Path) -> Iterator[Register]:
    """A small demo register on SQLite (8 partners, 400 contracts, seed 7) with planted cases."""
    from flagdesk.services.demo import seed_demo

    reg = open_register(tmp_path / "demo.sqlite")
    with reg.write() as session:
        seed_demo(session, user="tester", partners=8, contracts=400, seed=7)
    yield reg
    reg.dispose()
