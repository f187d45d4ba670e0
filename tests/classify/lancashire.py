"""The 15 Lancashire councils' award notices as classifier examples (codes as published)."""

from __future__ import annotations

import json
from pathlib import Path

from flagdesk import cpv
from flagdesk.analysis.classify import Example
from flagdesk.analysis.suppliers import name_key

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
LANCASHIRE = DATA / "notices-lancashire"


def split_names(cell: str | None) -> list[str]:
    """A plain comma split of an award cell (the importer's splitter is smarter)."""
    return [part.strip() for part in (cell or "").split(",") if part.strip()]


def load_councils() -> dict[str, list[Example]]:
    """Council file stem -> its notices, supplier ids standing in as stable ids of name keys."""
    supplier_ids: dict[str, int] = {}
    councils: dict[str, list[Example]] = {}
    next_id = 0
    for path in sorted(LANCASHIRE.glob("*.json")):
        examples = []
        for notice in json.loads(path.read_text(encoding="utf-8"))["contracts"]:
            next_id += 1
            codes = tuple(dict.fromkeys(c for c in map(cpv.try_resolve, (notice.get("cpv_codes") or "").split()) if c))
            keys = [name_key(n) for n in split_names(notice.get("awarded_supplier"))]
            ids = tuple(supplier_ids.setdefault(k, len(supplier_ids) + 1) for k in keys if k)
            title, description = notice.get("title") or "", notice.get("description") or ""
            examples.append(Example(next_id, title, description, None, ids, codes, path.stem))
        councils[path.stem] = examples
    return councils
