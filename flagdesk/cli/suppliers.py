"""Supplier commands: list, duplicates (the review queue), merge, unmerge."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    suppliers = sub.add_parser("suppliers", parents=[common], help="suppliers: list, review duplicates, merge")
    ssub = suppliers.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = ssub.add_parser("list", parents=[common], help="list suppliers with company numbers, aliases, contracts")
    ls.add_argument("--search", metavar="TEXT", help="part of a name or alias")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    dup = ssub.add_parser("duplicates", parents=[common], help="likely duplicate suppliers to review")
    dup.add_argument("--json", action="store_true")
    dup.set_defaults(func=cmd_duplicates)
    merge = ssub.add_parser("merge", parents=[common], help="merge OTHER_ID into KEEP_ID (reversible)")
    merge.add_argument("keep_id", type=int, metavar="KEEP_ID")
    merge.add_argument("other_id", type=int, metavar="OTHER_ID")
    merge.add_argument("--force", action="store_true", help="merge even though the company numbers differ")
    merge.add_argument("--json", action="store_true")
    merge.set_defaults(func=cmd_merge)
    distinct = ssub.add_parser("distinct", parents=[common], help="mark two suppliers as different companies")
    distinct.add_argument("a_id", type=int, metavar="ID")
    distinct.add_argument("b_id", type=int, metavar="OTHER_ID")
    distinct.set_defaults(func=cmd_distinct)
    unmerge = ssub.add_parser("unmerge", parents=[common], help="undo the merge of OTHER_ID into KEEP_ID")
    unmerge.add_argument("keep_id", type=int, metavar="KEEP_ID")
    unmerge.add_argument("other_id", type=int, metavar="OTHER_ID")
    unmerge.add_argument("--json", action="store_true")
    unmerge.set_defaults(func=cmd_unmerge)


def cmd_list(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.suppliers import list_suppliers, supplier_json

    with ctx.register().session() as session:
        records = list_suppliers(session, search=args.search)
    if args.json:
        ctx.emit_json([supplier_json(r) for r in records])
        return 0
    for r in records:
        numbers = ",".join(r.company_numbers) or "—"
        print(f"{r.id:>7}  {r.name[:50]:50}  {numbers:18}  {r.contracts:>5} contract(s)  {len(r.aliases)} alias(es)")
    print(f"{len(records)} supplier(s)", file=sys.stderr)
    return 0


def cmd_duplicates(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.suppliers import find_duplicates

    with ctx.register().session() as session:
        pairs = find_duplicates(session)
    if args.json:
        ctx.emit_json([p.to_json() for p in pairs])
        return 0
    for p in pairs:
        print(f"{p.score:5.1f}  {p.a.id:>6} {p.a.name[:40]:40}  {p.b.id:>6} {p.b.name[:40]}")
        for why in p.evidence:
            print(f"       - {why}")
    print(f"{len(pairs)} pair(s) to review; merge with: flagdesk suppliers merge KEEP_ID OTHER_ID", file=sys.stderr)
    return 0


def cmd_merge(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.suppliers import merge_suppliers

    register = ctx.register()
    with register.write() as session:
        result = merge_suppliers(session, args.keep_id, args.other_id, user=register.user, force=args.force)
    _report(
        ctx,
        args,
        result,
        f"Merged supplier {args.other_id} into {args.keep_id} ({result['contracts_moved']} contract link(s) moved).",
    )
    return 0


def cmd_unmerge(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.suppliers import unmerge_suppliers

    register = ctx.register()
    with register.write() as session:
        result = unmerge_suppliers(session, args.keep_id, args.other_id, user=register.user)
    _report(
        ctx,
        args,
        result,
        f"Unmerged supplier {args.other_id} from {args.keep_id} "
        f"({result['contracts_restored']} contract link(s) restored).",
    )
    return 0


def cmd_distinct(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.suppliers import mark_distinct

    register = ctx.register()
    with register.write() as session:
        mark_distinct(session, args.a_id, args.b_id, user=register.user)
    print(f"Suppliers {args.a_id} and {args.b_id} are marked as different; the review queue will not offer them.")
    return 0


def _report(ctx: Any, args: argparse.Namespace, result: dict[str, Any], message: str) -> None:
    if args.json:
        ctx.emit_json(result)
    else:
        print(message)
