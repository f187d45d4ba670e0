"""Import commands: `flagdesk import FILE` and `flagdesk imports list|show|undo`."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    imp = sub.add_parser("import", parents=[common], help="import a partner's register (xlsx, csv, ods, OCDS JSON)")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--partner", metavar="NAME", help="the partner every row belongs to (default: from the file)")
    imp.add_argument("--sheet", metavar="NAME", help="the sheet to read (default: the one that looks like a register)")
    imp.add_argument("--profile", metavar="NAME", help="a built-in column layout: lga-contracts, transparency-code")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    imp.add_argument("--rows", action="store_true", help="with --json: list every row's action and changes")
    imp.add_argument("--json", action="store_true", help="print the summary as JSON")
    imp.set_defaults(func=cmd_import)

    imports = sub.add_parser("imports", parents=[common], help="list, show and undo import batches")
    isub = imports.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = isub.add_parser("list", parents=[common], help="list import batches")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    show = isub.add_parser("show", parents=[common], help="show one batch with its problems")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    undo = isub.add_parser("undo", parents=[common], help="undo a batch, restoring the register as it was")
    undo.add_argument("id", type=int)
    undo.add_argument("--json", action="store_true")
    undo.set_defaults(func=cmd_undo)


def cmd_import(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.imports import apply_import

    reg = ctx.register()
    transaction = reg.session if args.dry_run else reg.write
    with transaction() as session:
        summary = apply_import(
            session,
            args.file,
            user=reg.user,
            partner=args.partner,
            sheet=args.sheet,
            profile=args.profile,
            dry_run=args.dry_run,
        )
    if args.json:
        ctx.emit_json(summary.to_json(rows=args.rows))
        return 0
    data = summary.to_json()
    what = "Would import" if args.dry_run else f"Imported as batch {summary.batch_id}"
    layout = f"profile {data['profile']}" if data["profile"] else "automatic mapping"
    print(f"{what}: {data['file']} ({layout}{', sheet ' + data['sheet'] if data['sheet'] else ''})")
    print(
        f"  rows read {data['rows_read']}, rejected {data['rows_rejected']}; contracts new {data['new']}, "
        f"changed {data['changed']}, unchanged {data['unchanged']}"
    )
    if data["partners_created"]:
        print(f"  new partners: {', '.join(data['partners_created'])}")
    _print_problems(summary.problems)
    return 0


def _print_problems(problems: list[Any], limit: int = 20) -> None:
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    for p in (errors + [p for p in problems if p.severity != "error"])[:limit]:
        where = f"row {p.row}" if p.row is not None else "file"
        column = f" [{p.column}]" if p.column else ""
        print(f"  {p.severity:7} {where}{column}: {p.message}", file=sys.stderr)
    if len(problems) > limit:
        print(
            f"  ... {len(errors)} error(s) and {warnings} warning(s) in all (--json lists every one)", file=sys.stderr
        )


def cmd_list(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.imports import list_imports

    with ctx.register().session() as session:
        batches = list_imports(session)
    if args.json:
        ctx.emit_json(batches)
        return 0
    for b in batches:
        print(
            f"{b['batch_id']:>5}  {b['status']:8}  {(b['created_at'] or '')[:19]:19}  new {b['new']:>6}  "
            f"changed {b['changed']:>6}  unchanged {b['unchanged']:>6}  rejected {b['rows_rejected']:>5}  "
            f"{b['file']}"
        )
    print(f"{len(batches)} import batch(es)", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.imports import get_import

    with ctx.register().session() as session:
        batch = get_import(session, args.id)
    if args.json:
        ctx.emit_json(batch)
        return 0
    for key in (
        "batch_id",
        "file",
        "sheet",
        "profile",
        "status",
        "created_by",
        "created_at",
        "undone_at",
        "rows_read",
        "rows_rejected",
        "new",
        "changed",
        "unchanged",
    ):
        print(f"{key:14} {batch[key] if batch[key] is not None else ''}")
    for p in batch["problems"][:50]:
        print(f"  {p['severity']:7} row {p['row']} [{p['column'] or ''}]: {p['message']}")
    if len(batch["problems"]) > 50:
        print(f"  ... {len(batch['problems'])} problems in all (--json lists every one)")
    return 0


def cmd_undo(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.imports import undo_import

    reg = ctx.register()
    with reg.write() as session:
        result = undo_import(session, args.id, user=reg.user)
    if args.json:
        ctx.emit_json(result)
    else:
        print(
            f"Undid import batch {result['batch_id']}: removed {result['removed']} contract(s), "
            f"restored {result['restored']}."
        )
    return 0
