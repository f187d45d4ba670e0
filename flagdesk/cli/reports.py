"""Commands for documents and open data: `pack`, `export` and `specs`."""

from __future__ import annotations

import argparse
from typing import Any

from flagdesk.reports.packdata import OutcomeRecord, SpecificationRecord


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    pack = sub.add_parser("pack", parents=[common], help="write the joint commissioning pack (PDF) for an opportunity")
    pack.add_argument("opportunity", metavar="OPPORTUNITY_ID")
    pack.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    pack.add_argument("--annex", metavar="FILE.xlsx", help="also write the pack's tables as a workbook")
    pack.add_argument("--spec", type=int, metavar="SPEC_ID", help="use this specification instead of the linked one")
    pack.add_argument("--json", action="store_true")
    pack.set_defaults(func=cmd_pack)

    export = sub.add_parser("export", parents=[common], help="export the register as open data")
    export.add_argument("--format", required=True, choices=("ocds", "transparency-csv", "xlsx"))
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    export.add_argument("--partner", metavar="NAME", help="only this partner's contracts")
    export.add_argument("--json", action="store_true")
    export.set_defaults(func=cmd_export)

    specs = sub.add_parser("specs", parents=[common], help="specifications and their outcomes")
    ssub = specs.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = ssub.add_parser("list", parents=[common], help="list specifications")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_specs_list)
    show = ssub.add_parser("show", parents=[common], help="show one specification with its outcomes")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_specs_show)
    create = ssub.add_parser("create", parents=[common], help="create a specification")
    create.add_argument("--title", required=True)
    create.add_argument("--kind", default="outcome_based", help="outcome_based (default) or input_based")
    create.add_argument("--category")
    create.add_argument("--summary", default="")
    create.add_argument("--requirement", action="append", default=[], help="repeat for each requirement")
    create.add_argument("--social-value", action="append", default=[], help="repeat for each criterion")
    create.add_argument("--sustainability", action="append", default=[], help="repeat for each criterion")
    create.add_argument(
        "--template",
        action="append",
        default=[],
        metavar="CATEGORY",
        help="start from the outcome library's CATEGORY (repeatable; see `specs templates`)",
    )
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=cmd_specs_create)
    update = ssub.add_parser("update", parents=[common], help="change fields of a specification")
    update.add_argument("id", type=int)
    update.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="title, kind, category or summary (repeatable)",
    )
    update.add_argument("--if-version", type=int, metavar="N", help="refuse (exit 3) unless still at version N")
    update.add_argument("--json", action="store_true")
    update.set_defaults(func=cmd_specs_update)
    add = ssub.add_parser("add-outcome", parents=[common], help="add an outcome, your own or from the library")
    add.add_argument("id", type=int)
    add.add_argument("--template", metavar="CATEGORY", help="add the library's outcomes for CATEGORY")
    add.add_argument("--statement")
    add.add_argument("--measure", default="")
    add.add_argument("--baseline", default="")
    add.add_argument("--target", default="")
    add.add_argument("--evidence", default="", help="evidence source")
    add.add_argument("--if-version", type=int, metavar="N")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_specs_add_outcome)
    rm = ssub.add_parser("remove-outcome", parents=[common], help="remove one outcome by its id")
    rm.add_argument("outcome_id", type=int)
    rm.add_argument("--if-version", type=int, metavar="N")
    rm.set_defaults(func=cmd_specs_remove_outcome)
    link = ssub.add_parser("link", parents=[common], help="use a specification for an opportunity")
    link.add_argument("id", type=int)
    link.add_argument("opportunity", metavar="OPPORTUNITY_ID")
    link.set_defaults(func=cmd_specs_link)
    unlink = ssub.add_parser("unlink", parents=[common], help="detach the specification from an opportunity")
    unlink.add_argument("opportunity", metavar="OPPORTUNITY_ID")
    unlink.set_defaults(func=cmd_specs_unlink)
    templates = ssub.add_parser("templates", parents=[common], help="the ICT outcome library")
    templates.add_argument("category", nargs="?")
    templates.add_argument("--json", action="store_true")
    templates.set_defaults(func=cmd_specs_templates)


# --- pack and export ------------------------------------------------------------------------------------


def cmd_pack(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.reports.annex import write_annex
    from flagdesk.reports.pack import write_pack
    from flagdesk.services.packs import assemble_pack

    reg = ctx.register()
    with reg.session() as session:
        data = assemble_pack(session, args.opportunity, spec_id=args.spec, prepared_by=reg.user)
    pages = write_pack(data, args.output)
    if args.annex:
        write_annex(data, args.annex)
    summary = {
        "file": args.output,
        "pages": pages,
        "annex": args.annex,
        "opportunity": data.opportunity.id,
        "contracts": len(data.contracts),
        "partners": len(data.partners),
    }
    if args.json:
        ctx.emit_json(summary)
    else:
        annex = f" and annex {args.annex}" if args.annex else ""
        print(
            f"Pack for {data.opportunity.id} written to {args.output} ({pages} pages){annex}: "
            f"{len(data.contracts)} contracts, {len(data.partners)} partners."
        )
    return 0


def cmd_export(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.exports import export_register

    with ctx.register().session() as session:
        count = export_register(session, args.format, args.output, partner=args.partner)
    if args.json:
        ctx.emit_json({"file": args.output, "format": args.format, "contracts": count, "partner": args.partner})
    else:
        print(f"Exported {count} contract(s) as {args.format} to {args.output}.")
    return 0


# --- specifications -------------------------------------------------------------------------------------


def cmd_specs_list(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.specifications import list_specifications

    with ctx.register().session() as session:
        specs = list_specifications(session)
    return ctx.emit_records(specs, as_json=args.json, line=_spec_line)


def _spec_line(s: Any) -> str:
    linked = f"  linked: {', '.join(s.opportunity_ids)}" if s.opportunity_ids else ""
    return f"{s.id:>5}  v{s.version:<3} {s.kind:14} {len(s.outcomes):>2} outcome(s)  {s.title}{linked}"


def cmd_specs_show(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.specifications import get_specification

    with ctx.register().session() as session:
        spec = get_specification(session, args.id)
    _print_spec(spec, ctx, as_json=args.json)
    return 0


def cmd_specs_create(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.specifications import create_specification

    reg = ctx.register()
    with reg.write() as session:
        spec = create_specification(
            session,
            user=reg.user,
            title=args.title,
            kind=args.kind,
            category=args.category,
            summary=args.summary,
            requirements=args.requirement,
            social_value=args.social_value,
            sustainability=args.sustainability,
            template_categories=args.template,
        )
    _print_spec(spec, ctx, as_json=args.json)
    return 0


def cmd_specs_update(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.errors import ValidationError
    from flagdesk.services.specifications import update_specification

    changes: dict[str, str] = {}
    for assignment in args.assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise ValidationError(f"'{assignment}' is not FIELD=VALUE")
        changes[name.strip()] = value
    reg = ctx.register()
    with reg.write() as session:
        spec = update_specification(session, args.id, changes, user=reg.user, if_version=args.if_version)
    _print_spec(spec, ctx, as_json=args.json)
    return 0


def cmd_specs_add_outcome(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.errors import ValidationError
    from flagdesk.services.specifications import add_outcome, outcome_templates

    if bool(args.template) == bool(args.statement):
        raise ValidationError("Give either --template CATEGORY or --statement TEXT.")
    outcomes = (
        outcome_templates(args.template)
        if args.template
        else [OutcomeRecord(args.statement, args.measure, args.baseline, args.target, args.evidence)]
    )
    reg = ctx.register()
    with reg.write() as session:
        version = args.if_version
        for outcome in outcomes:
            spec = add_outcome(session, args.id, outcome, user=reg.user, if_version=version)
            version = spec.version  # the next outcome builds on the version this one made
    _print_spec(spec, ctx, as_json=args.json)
    return 0


def cmd_specs_remove_outcome(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.specifications import remove_outcome

    reg = ctx.register()
    with reg.write() as session:
        spec = remove_outcome(session, args.outcome_id, user=reg.user, if_version=args.if_version)
    print(f"Outcome {args.outcome_id} removed from specification {spec.id} (now version {spec.version}).")
    return 0


def cmd_specs_link(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.specifications import link_specification

    reg = ctx.register()
    with reg.write() as session:
        link_specification(session, args.id, args.opportunity, user=reg.user)
    print(f"Specification {args.id} linked to opportunity {args.opportunity}.")
    return 0


def cmd_specs_unlink(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.specifications import link_specification

    reg = ctx.register()
    with reg.write() as session:
        link_specification(session, None, args.opportunity, user=reg.user)
    print(f"Opportunity {args.opportunity} has no specification now.")
    return 0


def cmd_specs_templates(args: argparse.Namespace, ctx: Any) -> int:
    from flagdesk.services.specifications import outcome_templates, template_categories

    categories = [args.category] if args.category else template_categories()
    library = {c: [o.to_json() for o in outcome_templates(c)] for c in categories}
    if args.json:
        ctx.emit_json(library)
        return 0
    for category, outcomes in library.items():
        print(category)
        for o in outcomes:
            print(f"  - {o['statement']}  [{o['measure']}; target {o['target']}]")
    return 0


def _print_spec(spec: SpecificationRecord, ctx: Any, *, as_json: bool) -> None:
    if as_json:
        ctx.emit_json(spec.to_json())
        return
    print(f"Specification {spec.id} (version {spec.version}): {spec.title}")
    print(f"  kind: {spec.kind}" + (f"; category: {spec.category}" if spec.category else ""))
    if spec.summary:
        print(f"  {spec.summary}")
    for o in spec.outcomes:
        print(f"  [{o.id}] {o.statement}")
        print(
            f"       measure: {o.measure} | baseline: {o.baseline} | target: {o.target} | evidence: {o.evidence_source}"
        )
    for title, items in (
        ("requirements", spec.requirements),
        ("social value", spec.social_value),
        ("sustainability", spec.sustainability),
    ):
        for item in items:
            print(f"  {title}: {item}")
    if spec.opportunity_ids:
        print(f"  linked to: {', '.join(spec.opportunity_ids)}")
