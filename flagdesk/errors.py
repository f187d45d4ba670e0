"""Errors a user can act on, kept apart from bugs.

Everything derived from ``UserError`` is an expected, environmental or input problem: the command
line prints its message on one line (exit 1) and the GUI shows it as a plain message. Any other
exception is a bug and gets a traceback or a crash dialog.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix: bad value, unknown id, unreadable file, unreachable database."""

    exit_code = 1


class NotFoundError(UserError):
    """A record the user named does not exist."""


class ValidationError(UserError):
    """A value that does not fit its field."""


class DatabaseError(UserError):
    """The database cannot be opened or used: unreachable, locked, incompatible schema."""


class SchemaMismatchError(DatabaseError):
    """The database schema is older or newer than this program."""


class PermissionDeniedError(UserError):
    """The database refused a change that the user's role does not allow."""


class ConflictError(UserError):
    """The record changed since the version the edit was based on; nothing was written."""

    exit_code = 3

    def __init__(self, message: str, *, current_version: int | None = None, current: object = None):
        super().__init__(message)
        self.current_version = current_version
        self.current = current


class CancelledError(UserError):
    """Long work stopped at the user's request; nothing was written."""
