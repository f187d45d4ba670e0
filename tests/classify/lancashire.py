"""The 15 Lancashire councils' award notices as classifier examples (codes as published)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from flagdesk import cpv
from flagdesk.analysis.classify import CpvClassifier, Example, Suggestion
from flagdesk.analysis.suppliers import name_key
from flagdesk.services.suppliers import SupplierResolver
from flagdesk.store.models import Contract, ContractCpv, ContractSupplier, Partner

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
LANCASHIRE = DATA / "notices-lancashire"


def load_councils() -> dict[str, list[Example]]:
    """Council file stem -> its notices, supplier ids standing in as stable ids of name keys."""
    from importers.values import split_suppliers

    supplier_ids: dict[str, int] = {}
    councils: dict[str, list[Example]] = {}
    next_id = 0
    for path in sorted(LANCASHIRE.glob("*.json")):
        examples = []
        for notice in json.loads(path.read_text(encoding="utf-8"))["contracts"]:
            next_id += 1
            codes = tuple(dict.fromkeys(c for c in map(cpv.try_resolve, (notice.get("cpv_codes") or "").split()) if c))
            names = tuple(split_suppliers(notice.get("awarded_supplier")))
            keys = [name_key(n) for n in names]
            ids = tuple(supplier_ids.setdefault(k, len(supplier_ids) + 1) for k in keys if k)
            title, description = notice.get("title") or "", notice.get("description") or ""
            examples.append(Example(next_id, title, description, None, ids, codes, path.stem, names))
        councils[path.stem] = examples
    return councils


def fill_register(session: Session, *, hidden: set[str], user: str = "tester") -> dict[int, tuple[str, ...]]:
    """Load every notice as a contract of its council; councils in ``hidden`` lose their codes.

    Returns contract id -> the published codes of each hidden contract (the truth to score against).
    """
    from importers.values import split_suppliers

    resolver = SupplierResolver(session, user=user)
    truth: dict[int, tuple[str, ...]] = {}
    for council, examples in load_councils().items():
        partner = Partner(name=council, kind="district_council")
        session.add(partner)
        session.flush()
        contracts = [
            Contract(
                partner_id=partner.id,
                reference=str(e.id),
                title=e.title[:1000],
                description=e.description,
                identity_key=str(e.id),
            )
            for e in examples
        ]
        session.add_all(contracts)
        session.flush()
        links, codes = [], []
        for contract, example, notice in zip(contracts, examples, _notices(council), strict=True):
            names = split_suppliers(notice.get("awarded_supplier"))
            for pos, name in enumerate(names):
                links.append(
                    {
                        "contract_id": contract.id,
                        "supplier_id": resolver.resolve(name),
                        "position": pos,
                        "name_as_published": name,
                    }
                )
            if council in hidden:
                truth[contract.id] = example.cpv
            else:
                codes += [
                    {"contract_id": contract.id, "code": c, "position": i, "source": "published"}
                    for i, c in enumerate(example.cpv)
                ]
        resolver.flush()
        for rows, table in ((links, ContractSupplier), (codes, ContractCpv)):
            if rows:
                session.execute(insert(table), _unique(rows))
    resolver.close()
    return truth


def _notices(council: str) -> list[dict]:
    return json.loads((LANCASHIRE / f"{council}.json").read_text(encoding="utf-8"))["contracts"]


def _unique(rows: list[dict]) -> list[dict]:
    # A cell can name one supplier twice under two spellings; a contract links a supplier once.
    seen, kept = set(), []
    for row in rows:
        key = (row["contract_id"], row.get("supplier_id", row.get("code")))
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def score(truth: dict[int, tuple[str, ...]], suggested: dict[int, list[str]]) -> dict[str, float]:
    """Share of contracts whose published codes share a division (2 digits) or group (3 digits)
    with the first suggestion (top-1) or any of the first three (top-3)."""
    hits = dict.fromkeys(("division_top1", "division_top3", "group_top1", "group_top3"), 0)
    for cid, codes in truth.items():
        got = suggested.get(cid, [])
        for level, width in (("division", 2), ("group", 3)):
            wanted = {c[:width] for c in codes}
            hits[f"{level}_top1"] += bool(got) and got[0][:width] in wanted
            hits[f"{level}_top3"] += any(c[:width] in wanted for c in got[:3])
    # not rounded: a floor such as 0.85 must not be met by rounding 0.8497 up
    return {k: v / max(1, len(truth)) for k, v in hits.items()}


def hide_codes(e: Example) -> Example:
    return replace(e, cpv=())


def leave_one_council_out() -> tuple[dict[int, tuple[str, ...]], dict[int, list[Suggestion]]]:
    """Each council classified by a model learned only from the other councils' published codes:
    (published codes, suggestions) per notice."""
    councils = load_councils()
    truth, suggested = {}, {}
    for name, test in councils.items():
        model = CpvClassifier(e for other, examples in councils.items() if other != name for e in examples)
        for e in test:
            truth[e.id] = e.cpv
            suggested[e.id] = model.suggest(hide_codes(e))
    return truth, suggested


def codes_of(suggested: dict[int, list[Suggestion]]) -> dict[int, list[str]]:
    return {cid: [s.cpv for s in found] for cid, found in suggested.items()}
