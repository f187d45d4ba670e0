"""Work-arounds for bugs in the Qt binding we ship with, kept in one place.

PySide6 6.12.0 (on Python 3.11) returns ``True`` from ``SignalInstance.emit()`` without taking a
reference to it, so every signal emitted from Python drops the interpreter's count of ``True`` by
one. After a few hundred emits ``True`` is "deallocated" and the process aborts with
"Fatal Python error: bool_dealloc". It also drops a reference to ``None`` whenever C++ calls a
Python override that returns None (every paintEvent), ending in "none_dealloc". Python 3.12 made
these objects immortal; we do the same here by giving them a reference count no program can
exhaust. pyproject excludes 6.12.0, so this only guards environments that installed it anyway.
"""

from __future__ import annotations

import ctypes
import sys

_SPARE_REFERENCES = 1 << 40


def keep_bools_alive() -> None:
    """Make True, False and None effectively immortal on PySide6 6.12.0 before Python 3.12."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import PySide6

    if PySide6.__version__ != "6.12.0":
        return
    for value in (True, False, None):
        # ob_refcnt is the first field of every CPython object.
        refcount = ctypes.c_ssize_t.from_address(id(value))
        if refcount.value < _SPARE_REFERENCES:
            refcount.value += _SPARE_REFERENCES


keep_bools_alive()
