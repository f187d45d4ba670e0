"""Fixtures for the shared-database safety tests: seeded registers and throw-away PostgreSQL logins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from safety_helpers import PgLogins
from sqlalchemy import create_engine

from flagdesk.services.demo import seed_demo
from flagdesk.store.engine import Register, open_register
from flagdesk.store.migrate import upgrade


@pytest.fixture
def seeded(any_register: Register) -> Register:
    """A small demo register (4 partners, 60 contracts) on each back end."""
    with any_register.write() as session:
        seed_demo(session, user="tester", partners=4, contracts=60, seed=11)
    return any_register


@pytest.fixture
def pg_seeded(pg_database) -> Iterator[tuple[Register, PgLogins]]:  # type: ignore[no-untyped-def]
    """A seeded shared register and a login factory; the logins and group roles are dropped after."""
    engine = create_engine(pg_database.url)
    upgrade(engine)  # the administrator's explicit step
    engine.dispose()
    reg = open_register(pg_database.url)
    with reg.write() as session:
        seed_demo(session, user="tester", partners=4, contracts=60, seed=11)
    logins = PgLogins(pg_database.url)
    try:
        yield reg, logins
    finally:
        reg.dispose()
        logins.drop_all()
