"""Opening the desktop client from the command line."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    gui = sub.add_parser("gui", parents=[common], help="open the desktop window")
    gui.add_argument("--screenshot", metavar="DIR", help="render each main view to DIR/<view>.png and exit")
    gui.add_argument("--json", action="store_true", help="with --screenshot: print timings as JSON")
    gui.set_defaults(func=_gui)


def _gui(args: argparse.Namespace, ctx: Any) -> int:
    if args.json and not args.screenshot:
        from flagdesk.errors import ValidationError

        raise ValidationError("--json reports the timings of a --screenshot run; give --screenshot DIR as well.")
    return run_gui(ctx, screenshot=args.screenshot, as_json=args.json)


def run_gui(ctx: Any, *, screenshot: str | None = None, as_json: bool = False) -> int:
    from flagdesk.ui.app import run

    return run(db=ctx.db, screenshot_dir=screenshot, as_json=as_json)
