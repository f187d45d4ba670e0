"""Writing report files so a failed or cancelled export never leaves half a file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from flagdesk.errors import UserError


def write_atomically(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write`` with a temporary file beside ``path``, then move it into place in one step.

    Any exception (including cancellation) removes the temporary file and leaves ``path`` as it was.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"Cannot write {target}: folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(f"Cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp_name, target)
    except OSError as exc:
        _remove(tmp_name)
        raise UserError(f"Cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        _remove(tmp_name)
        raise
    return target


def _remove(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
