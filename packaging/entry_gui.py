"""Frozen windowed program `flagdesk-gui`: the desktop client, with every error shown in a dialog.

A windowed Windows program has no console, so nothing printed to stderr is ever seen. Options are
those of `flagdesk gui` (`--db`, `--screenshot`); a bad option, a user error or a bug reaches the
person as a dialog (flagdesk.ui.errors), and if Qt itself cannot start (a broken install) as a
native message box.
"""

from __future__ import annotations

import io
import os
import sys
import traceback


class _Tail(io.TextIOBase):
    """Stands in for stderr: keeps the end of what was written, passes it on if there is a console."""

    def __init__(self, inner, limit: int = 4000):  # type: ignore[no-untyped-def]
        self.inner = inner
        self.limit = limit
        self.text = ""

    def write(self, s: str) -> int:
        self.text = (self.text + s)[-self.limit :]
        if self.inner is not None:
            self.inner.write(s)
        return len(s)

    def flush(self) -> None:
        if self.inner is not None:
            self.inner.flush()


def _native_message(title: str, text: str) -> None:
    """Last resort when Qt is unusable: the Windows message box, else the console."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, text, title, 0x10)  # MB_ICONERROR
    elif sys.__stderr__ is not None:
        print(f"{title}: {text}", file=sys.__stderr__)


def _show(exc: BaseException) -> None:
    try:
        from PySide6.QtWidgets import QApplication

        from flagdesk.ui import errors

        QApplication.instance() or QApplication(sys.argv[:1])
        errors.report(exc)
    except Exception:  # Qt or the UI could not be loaded: still tell the person something
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        _native_message("FlagDesk could not start", f"{exc}\n\n{detail}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    tail = _Tail(sys.stderr)
    sys.stderr = tail
    if sys.stdout is None:  # windowed Windows program: give print() somewhere harmless to go
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    try:
        from flagdesk.cli import Context, build_parser

        try:
            args = build_parser().parse_args(["gui", *argv])
        except SystemExit as exc:  # argparse has written the usage and the problem to stderr
            if exc.code:
                from flagdesk.errors import ValidationError

                problem = (tail.text.strip().splitlines() or ["the options given are not understood"])[-1]
                _show(ValidationError(problem))
            return int(exc.code or 0)
        ctx = Context(getattr(args, "db", None))
        try:
            return int(args.func(args, ctx) or 0)
        finally:
            ctx.close()
    except Exception as exc:
        _show(exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
