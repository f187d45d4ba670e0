"""The Qt binding we run on must not leak references on signal emission (PySide6 6.12.0 does)."""

import sys

from PySide6.QtCore import QObject, Signal

import flagdesk.ui  # noqa: F401  (installs the guard)


class _Emitter(QObject):
    fired = Signal(object)


def test_thousands_of_signal_emits_do_not_crash(qapp) -> None:  # type: ignore[no-untyped-def]
    emitter = _Emitter()
    seen = []
    emitter.fired.connect(seen.append)
    for i in range(5000):
        emitter.fired.emit(i)
    assert len(seen) == 5000
    assert sys.getrefcount(True) > 1000
