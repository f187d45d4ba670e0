"""`flagdesk classify`: CPV suggestions for contracts without a code, accepted one by one or above a threshold."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    classify = sub.add_parser(
        "classify", parents=[common], help="suggest CPV codes for contracts without one (and accept them)"
    )
    classify.add_argument("--partner", metavar="NAME", help="only this partner's contracts")
    how = classify.add_mutually_exclusive_group()
    how.add_argument(
        "--apply-above",
        metavar="CONFIDENCE",
        type=_confidence,
        help="accept each top suggestion whose confidence is at least CONFIDENCE (0..1), marked as suggested",
    )
    how.add_argument("--accept", nargs=2, metavar=("CONTRACT_ID", "CPV"), help="accept one code for one contract")
    classify.add_argument("--json", action="store_true")
    classify.set_defaults(func=cmd_classify)


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def cmd_classify(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services import classification as svc

    register = ctx.register()
    if args.accept:
        return _accept(args, ctx, register)
    if args.apply_above is not None:
        with register.write() as session:
            results = svc.apply_above(session, args.apply_above, user=register.user, partner=args.partner)
    else:
        with register.session() as session:
            results = svc.suggest_codes(session, partner=args.partner)
    if args.json:
        ctx.emit_json([r.to_json() for r in results])
        return 0
    for r in results:
        best = r.suggestions[0] if r.suggestions else None
        shown = f"{best.cpv} {best.label[:45]} ({best.confidence:.2f})" if best else "no suggestion"
        mark = "  accepted" if r.accepted else ""
        print(f"{r.contract_id:>7}  {r.title[:50]:50}  {shown}{mark}")
    accepted = sum(1 for r in results if r.accepted)
    print(f"{len(results)} contract(s) without a CPV code; {accepted} suggestion(s) accepted", file=sys.stderr)
    return 0


def _accept(args: argparse.Namespace, ctx: Any, register: Any) -> int:
    from flagdesk.errors import ValidationError
    from flagdesk.services.classification import accept_suggestion

    try:
        contract_id = int(args.accept[0])
    except ValueError:
        raise ValidationError(f"'{args.accept[0]}' is not a contract id") from None
    with register.write() as session:
        code = accept_suggestion(session, contract_id, args.accept[1], user=register.user)
    if args.json:
        ctx.emit_json({"contract_id": contract_id, "cpv": code, "source": "suggested"})
    else:
        print(f"Contract {contract_id}: {code} recorded as a suggested code.")
    return 0
