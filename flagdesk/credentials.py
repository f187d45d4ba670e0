"""Shared-database passwords in the operating system's credential store (never in a plain file)."""

from __future__ import annotations

import contextlib

SERVICE = "FlagDesk"


def _key(host: str, user: str) -> str:
    return f"{user}@{host}"


def stored_password(host: str, user: str) -> str | None:
    """The saved password, or None when there is none or no usable credential store."""
    try:
        import keyring

        return keyring.get_password(SERVICE, _key(host, user))
    except Exception:  # no backend on a headless Linux box: behave as "nothing stored"
        return None


def store_password(host: str, user: str, password: str) -> None:
    import keyring

    keyring.set_password(SERVICE, _key(host, user), password)


def forget_password(host: str, user: str) -> None:
    import keyring
    from keyring.errors import PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError):
        keyring.delete_password(SERVICE, _key(host, user))
