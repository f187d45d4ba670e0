"""Shared-register credentials come from the credential store and TLS options from the URL, to the driver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import event

from flagdesk.credentials import forget_password, store_password
from flagdesk.store.engine import create_register_engine, database_url, describe_url


class MemoryKeyring(KeyringBackend):
    """A credential store that lives only for the test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.saved.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.saved[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.saved.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(previous)


class _CapturedError(Exception):
    pass


def connect_params(url: str) -> dict[str, Any]:
    """What the driver would be called with, captured before any network connection is made."""
    engine = create_register_engine(database_url(url))
    seen: dict[str, Any] = {}

    @event.listens_for(engine, "do_connect")
    def _capture(dialect, conn_rec, cargs, cparams):  # type: ignore[no-untyped-def]
        seen.update(cparams)
        raise _CapturedError

    with pytest.raises(_CapturedError):
        engine.connect()
    engine.dispose()
    return seen


def test_password_comes_from_the_credential_store_never_the_url(memory_keyring: MemoryKeyring) -> None:
    store_password("db.example.org", "alice", "s3cret'\\pw")
    url = "postgresql://alice@db.example.org:5432/register?sslmode=verify-full&sslrootcert=/etc/ca.pem"
    params = connect_params(url)
    assert params["password"] == "s3cret'\\pw"
    assert params["sslmode"] == "verify-full" and params["sslrootcert"] == "/etc/ca.pem"
    assert "s3cret" not in database_url(url) and "s3cret" not in describe_url(database_url(url))
    assert list(memory_keyring.saved) == [("FlagDesk", "alice@db.example.org")]

    forget_password("db.example.org", "alice")
    forget_password("db.example.org", "alice")  # forgetting twice is not an error
    assert "password" not in connect_params(url)


def test_a_password_typed_in_the_url_is_hidden_when_shown() -> None:
    url = database_url("postgresql://alice:typed-secret@db.example.org/register?sslmode=require")
    assert "typed-secret" not in describe_url(url) and "sslmode=require" in describe_url(url)
