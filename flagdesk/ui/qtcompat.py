"""Work-arounds for bugs in the Qt binding we ship with, kept in one place.

PySide6 6.12.0 (on Python 3.11) returns ``True`` from ``SignalInstance.emit()`` without taking a
reference to it, so every signal emitted from Python drops the interpreter's count of ``True`` by
one. After a few hundred emits ``True`` is "deallocated" and the process aborts with
"Fatal Python error: bool_dealloc". Python 3.12 made ``True`` and ``False`` immortal; we do the
same here by giving them a reference count no program can exhaust.
"""

from __future__ import annotations

import ctypes
import sys

_SPARE_REFERENCES = 1 << 40


def keep_bools_alive() -> None:
    """Make True and False effectively immortal (no-op where the interpreter already does)."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import PySide6

    # pyproject excludes 6.12.0; this guards environments that installed it anyway.
    if PySide6.__version__ != "6.12.0":
        return
    for value in (True, False):
        # ob_refcnt is the first field of every CPython object.
        refcount = ctypes.c_ssize_t.from_address(id(value))
        if refcount.value < _SPARE_REFERENCES:
            refcount.value += _SPARE_REFERENCES


keep_bools_alive()
