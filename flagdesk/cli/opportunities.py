"""Opportunity commands: opportunities list|show|set-status|record-saving|benefits|prune,
assumptions show|set, pipeline."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from flagdesk.domain import OpportunityKind, OpportunityStatus, format_pence


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    opp = sub.add_parser("opportunities", parents=[common], help="find, review and report joint opportunities")
    osub = opp.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = osub.add_parser("list", parents=[common], help="analyse the register and list opportunities")
    ls.add_argument("--kind", choices=[k.value for k in OpportunityKind])
    ls.add_argument("--window", metavar="MONTHS", type=_months, help="alignment window for this run (default 12)")
    ls.add_argument("--as-of", metavar="DATE", type=_iso_date, help="analyse as on this date (default today)")
    ls.add_argument("--no-refresh", action="store_true", help="list the stored result without analysing again")
    ls.add_argument("--all", action="store_true", help="include opportunities the latest analysis no longer finds")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)

    show = osub.add_parser("show", parents=[common], help="one opportunity with its evidence")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)

    st = osub.add_parser("set-status", parents=[common], help="move an opportunity through the workflow")
    st.add_argument("id")
    st.add_argument("status", choices=[s.value for s in OpportunityStatus])
    st.add_argument("--note", metavar="TEXT", help="a note; required as the reason when dismissing")
    st.add_argument("--if-version", type=int, metavar="N", help="refuse (exit 3) unless at version N")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_set_status)

    rs = osub.add_parser("record-saving", parents=[common], help="record a realised saving in pounds")
    rs.add_argument("id")
    rs.add_argument("pounds", help="e.g. 12500 or 12,500.50")
    rs.add_argument("--partner", metavar="NAME", help="credit one partner (default: shared by annual value)")
    rs.add_argument("--note", metavar="TEXT")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_record_saving)

    ben = osub.add_parser("benefits", parents=[common], help="estimated and realised savings per partner")
    ben.add_argument("--json", action="store_true")
    ben.set_defaults(func=cmd_benefits)

    prune = osub.add_parser("prune", parents=[common], help="forget untouched opportunities no longer found")
    prune.set_defaults(func=cmd_prune)

    asm = sub.add_parser("assumptions", parents=[common], help="savings and analysis assumptions")
    asub = asm.add_subparsers(dest="action", metavar="ACTION", required=True)
    ashow = asub.add_parser("show", parents=[common], help="list assumptions with values and defaults")
    ashow.add_argument("--json", action="store_true")
    ashow.set_defaults(func=cmd_assumptions_show)
    aset = asub.add_parser("set", parents=[common], help="change one assumption ('default' restores it)")
    aset.add_argument("name")
    aset.add_argument("value")
    aset.set_defaults(func=cmd_assumptions_set)

    pipe = sub.add_parser("pipeline", parents=[common], help="contracts by quarter of end date, partner and category")
    pipe.add_argument(
        "--as-of", metavar="DATE", type=_iso_date, help="count contracts ending on or after DATE (default today)"
    )
    pipe.add_argument("--months", type=_months, help="only contracts ending within MONTHS of --as-of")
    pipe.add_argument("--json", action="store_true")
    pipe.set_defaults(func=cmd_pipeline)


def _months(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 600:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of months (0..600)")
    return int(text)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in the form YYYY-MM-DD") from None


def cmd_list(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services import opportunities as svc

    reg = ctx.register()
    with reg.write() as session:
        summary = None
        if not args.no_refresh:
            summary = svc.refresh_opportunities(session, reg.user, window_months=args.window, as_of=args.as_of)
            print(
                f"{summary.found} opportunities found ({summary.new} new, {summary.no_longer_found} no longer found).",
                file=sys.stderr,
            )
        views = svc.list_opportunities(session, kind=args.kind, include_stale=args.all, refreshed=summary)
    return ctx.emit_records(views, as_json=args.json, line=_opportunity_line)


def _opportunity_line(v: Any) -> str:
    start = v.proposed_start.isoformat() if v.proposed_start else "—"
    return (
        f"{v.id:14}  {v.kind:15}  {v.score:5.1f}  {format_pence(v.estimated_saving_pence):>15}  {start:10}  "
        f"{v.status:14}  {v.title[:80]}"
    )


def cmd_show(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import get_opportunity

    with ctx.register().session() as session:
        view = get_opportunity(session, args.id)
    if args.json:
        ctx.emit_json(view.to_json())
    else:
        _print_view(view)
    return 0


def _print_view(v: Any) -> None:
    print(f"{v.id}  {v.title}")
    print(f"  kind {v.kind}, status {v.status}{' (no longer found)' if not v.is_current else ''}, score {v.score}")
    if v.status_note:
        print(f"  note: {v.status_note}")
    print(f"  partners: {', '.join(v.partners)}; lead: {v.lead_partner or '—'}")
    print(f"  contracts: {', '.join(str(c) for c in v.contract_ids)}")
    print(
        f"  combined annual value {format_pence(v.combined_annual_value_pence)}; proposed start "
        f"{v.proposed_start.isoformat() if v.proposed_start else '—'}"
    )
    print(
        f"  estimated saving {format_pence(v.estimated_saving_pence)}; realised {format_pence(v.realised_saving_pence)}"
    )
    print(f"  how: {v.assumptions.get('explanation', '')}")
    print("  evidence:")
    for line in v.evidence:
        print(f"    - {line}")


def cmd_set_status(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import set_status

    reg = ctx.register()
    with reg.write() as session:
        view = set_status(session, reg.user, args.id, args.status, note=args.note, if_version=args.if_version)
    if args.json:
        ctx.emit_json(view.to_json())
    else:
        print(f"{view.id} is now {view.status} (version {view.version}).")
    return 0


def cmd_record_saving(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import record_saving

    reg = ctx.register()
    with reg.write() as session:
        view = record_saving(session, reg.user, args.id, args.pounds, partner=args.partner, note=args.note)
    if args.json:
        ctx.emit_json(view.to_json())
    else:
        print(
            f"Recorded. {view.id}: realised {format_pence(view.realised_saving_pence)} against an estimate of "
            f"{format_pence(view.estimated_saving_pence)}."
        )
    return 0


def cmd_benefits(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import benefits_report

    with ctx.register().session() as session:
        rows = benefits_report(session)
    return ctx.emit_records(rows, as_json=args.json, line=_benefit_line)


def _benefit_line(r: Any) -> str:
    return (
        f"{r.partner[:40]:40}  {r.opportunities:5} opportunities  estimated "
        f"{format_pence(r.estimated_saving_pence):>15}  realised {format_pence(r.realised_saving_pence):>15}"
    )


def cmd_prune(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import delete_stale

    reg = ctx.register()
    with reg.write() as session:
        removed = delete_stale(session, reg.user)
    print(f"Removed {removed} untouched opportunities that the latest analysis no longer finds.")
    return 0


def cmd_assumptions_show(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import describe_assumptions, load_assumptions

    with ctx.register().session() as session:
        rows = describe_assumptions(load_assumptions(session))
    if args.json:
        ctx.emit_json(rows)
        return 0
    for r in rows:
        changed = "" if r["value"] == r["default"] else f" (default {r['default']:g})"
        print(f"{r['name']:32} {r['value']:>12g} {r['unit']:9}{changed}  {r['description']}")
    return 0


def cmd_assumptions_set(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import set_assumption

    reg = ctx.register()
    with reg.write() as session:
        updated = set_assumption(session, reg.user, args.name, args.value)
    print(f"{args.name} = {updated[args.name]:g}; the next analysis uses it.")
    return 0


def cmd_pipeline(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.opportunities import pipeline_report

    as_of = args.as_of or date.today()
    with ctx.register().session() as session:
        rows = pipeline_report(session, as_of=as_of, months=args.months)
    return ctx.emit_records(rows, as_json=args.json, line=_pipeline_line)


def _pipeline_line(r: Any) -> str:
    return (
        f"{r.quarter}  {r.partner[:32]:32}  {r.category[:48]:48}  {r.contracts:5}  "
        f"{format_pence(r.annual_value_pence):>15}/yr"
    )
