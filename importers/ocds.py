"""Open Contracting (OCDS 1.0/1.1) releases and records into import records.

Accepts a release package, a record package (compiled or versioned-with-releases records), a
single release or record, a JSON array of those, and JSON Lines. Each award becomes one contract
(buyer as partner, award suppliers, contract period and value, CPV from the items); a release
without awards becomes a planned contract from its tender.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flagdesk import cpv
from flagdesk.domain import normalise_company_number
from importers.readers import open_text
from importers.records import ERROR, WARNING, ImportFileError, ImportRecord, Problem, SupplierRef
from importers.rows import check_record
from importers.values import clean_text, parse_date, parse_money

_ROUTES = {"open": "open", "selective": "restricted", "limited": "direct_award", "direct": "direct_award"}
_STATUSES = {"pending": "planned", "active": "active", "cancelled": "terminated", "terminated": "expired"}
_SKIPPED_AWARDS = {"cancelled", "unsuccessful"}


class NotOcdsError(ValueError):
    """JSON that parsed but holds no releases or records."""


def load_json(path: Path) -> Any:
    """One JSON document, or a list of documents for JSON Lines; ImportFileError when broken."""
    with open_text(path) as fh:
        text = fh.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several documents: JSON Lines
            return _json_lines(path, text)
        raise ImportFileError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _json_lines(path: Path, text: str) -> list[Any]:
    docs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ImportFileError(f"{path.name}: line {number} is not valid JSON ({exc.msg})") from None
    return docs


def releases_of(doc: Any) -> list[dict[str, Any]]:
    """Compiled releases, one per ocid, from any OCDS shape; NotOcdsError for anything else."""
    found = list(_walk(doc))
    if not found:
        raise NotOcdsError("JSON that is not OCDS (no releases, records or ocid found)")
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for release in found:
        by_ocid.setdefault(str(release.get("ocid", "")), []).append(release)
    return [compile_releases(group) for group in by_ocid.values()]


def _walk(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, list):
        for item in doc:
            yield from _walk(item)
    elif not isinstance(doc, dict):
        return
    elif isinstance(doc.get("records"), list):
        for record in doc["records"]:
            yield from _walk(record)
    elif isinstance(doc.get("compiledRelease"), dict):
        yield doc["compiledRelease"]
    elif isinstance(doc.get("releases"), list):
        yield from (r for r in doc["releases"] if isinstance(r, dict) and "ocid" in r)
    elif "ocid" in doc and ("tag" in doc or "id" in doc):
        yield doc


def compile_releases(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge releases of one process in date order (later values win; lists of objects by id)."""
    if len(releases) == 1:
        return releases[0]
    merged: dict[str, Any] = {}
    for release in sorted(releases, key=lambda r: str(r.get("date", ""))):
        _merge_into(merged, release)
    return merged


def _merge_into(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
            existing = {str(v.get("id")): v for v in target.get(key, []) if isinstance(v, dict)}
            for item in value:
                if str(item["id"]) in existing:
                    _merge_into(existing[str(item["id"])], item)
                else:
                    existing[str(item["id"])] = dict(item)
            target[key] = list(existing.values())
        else:
            target[key] = value


def records_from_release(release: dict[str, Any], row: int) -> tuple[list[ImportRecord], list[Problem]]:
    """One record per live award (or one planned record from the tender), with problems."""
    problems: list[Problem] = []
    awards = [a for a in release.get("awards") or [] if isinstance(a, dict) and a.get("status") not in _SKIPPED_AWARDS]
    records = [_award_record(release, award, row, problems) for award in awards] or [
        _tender_record(release, row, problems)
    ]
    kept = []
    for record in records:
        own: list[Problem] = []
        check_record(record, own, lambda msg, sev, r=record: Problem(None, row, r.source_id, None, msg, sev))
        if record.suppliers == [] and not awards:
            own = [p for p in own if p.message != "no supplier named"]
            own.append(Problem(None, row, "awards", None, "no award yet: imported as a planned contract", WARNING))
        problems.extend(own)
        if not any(p.severity == ERROR for p in own):
            kept.append(record)
    return kept, problems


def _base_record(release: dict[str, Any], row: int) -> ImportRecord:
    tender = release.get("tender") or {}
    record = ImportRecord(row=row, sheet=None)
    record.partner = _buyer_name(release)
    record.reference = str(release.get("ocid", ""))
    record.title = clean_text(tender.get("title"))
    record.description = clean_text(tender.get("description"))
    record.cpv = _cpv_codes([tender, *(release.get("awards") or [])])
    method = str(tender.get("procurementMethod") or "").lower()
    record.procurement_route = _ROUTES.get(method)
    return record


def _tender_record(release: dict[str, Any], row: int, problems: list[Problem]) -> ImportRecord:
    tender = release.get("tender") or {}
    record = _base_record(release, row)
    record.source_id = record.reference
    record.status = "planned"
    record.total_value_pence = _amount(tender.get("value"), record, "tender.value", problems)
    period = tender.get("contractPeriod") or {}
    milestones = {
        str(m.get("title", "")).lower(): m.get("dueDate") for m in tender.get("milestones") or [] if isinstance(m, dict)
    }
    record.start_date = _date(period.get("startDate") or milestones.get("contract start"))
    record.end_date = _date(period.get("endDate") or milestones.get("contract end"))
    record.max_end_date = _date(period.get("maxExtentDate"))
    return record


def _award_record(release: dict[str, Any], award: dict[str, Any], row: int, problems: list[Problem]) -> ImportRecord:
    record = _base_record(release, row)
    record.source_id = f"{record.reference}/{award.get('id', '')}"
    contract = next((c for c in release.get("contracts") or [] if str(c.get("awardID")) == str(award.get("id"))), {})
    record.title = clean_text(contract.get("title") or award.get("title")) or record.title
    record.description = clean_text(contract.get("description") or award.get("description")) or record.description
    value = contract.get("value") or award.get("value")
    record.total_value_pence = _amount(value, record, "awards.value", problems)
    period = contract.get("period") or award.get("contractPeriod") or {}
    record.start_date = _date(period.get("startDate"))
    record.end_date = _date(period.get("endDate"))
    record.max_end_date = _date(period.get("maxExtentDate"))
    record.status = _STATUSES.get(str(contract.get("status") or award.get("status") or "").lower())
    parties = {str(p.get("id")): p for p in release.get("parties") or [] if isinstance(p, dict)}
    record.suppliers = [_supplier(s, parties) for s in award.get("suppliers") or [] if isinstance(s, dict)]
    record.suppliers = [s for s in record.suppliers if s.name]
    return record


def _buyer_name(release: dict[str, Any]) -> str | None:
    buyer = release.get("buyer") or {}
    if buyer.get("name"):
        return clean_text(buyer["name"])
    for role in ("buyer", "procuringEntity"):
        for party in release.get("parties") or []:
            if isinstance(party, dict) and role in (party.get("roles") or []) and party.get("name"):
                return clean_text(party["name"])
    return None


def _supplier(ref: dict[str, Any], parties: dict[str, dict[str, Any]]) -> SupplierRef:
    party = parties.get(str(ref.get("id")), {})
    name = clean_text(ref.get("name") or party.get("name"))
    identifiers = [party.get("identifier") or ref.get("identifier") or {}, *(party.get("additionalIdentifiers") or [])]
    company = charity = None
    for ident in identifiers:
        scheme = str(ident.get("scheme") or "").upper()
        if scheme == "GB-COH":
            company = normalise_company_number(str(ident.get("id") or ""))
        elif scheme in ("GB-CHC", "GB-SC", "GB-NIC"):
            charity = clean_text(ident.get("id")) or None
    scale = str((party.get("details") or {}).get("scale") or "").lower()
    postcode = clean_text((party.get("address") or {}).get("postalCode")) or None
    return SupplierRef(name, company, charity, {"sme": True, "large": False}.get(scale), None, postcode)


def _cpv_codes(holders: list[dict[str, Any]]) -> list[str]:
    codes: list[str] = []
    for holder in holders:
        classifications = [holder.get("classification")] + [
            item.get("classification") for item in holder.get("items") or [] if isinstance(item, dict)
        ]
        for c in classifications:
            if isinstance(c, dict) and str(c.get("scheme", "CPV")).upper().startswith("CPV"):
                code = cpv.try_resolve(str(c.get("id", "")))
                if code and code not in codes:
                    codes.append(code)
    return codes


def _amount(value: Any, record: ImportRecord, where: str, problems: list[Problem]) -> int | None:
    if not isinstance(value, dict) or value.get("amount") in (None, ""):
        return None
    currency = str(value.get("currency") or "GBP").upper()
    if currency != "GBP":
        problems.append(
            Problem(
                None,
                record.row,
                where,
                f"{value.get('amount')} {currency}",
                "value not in pounds sterling; left blank",
                WARNING,
            )
        )
        return None
    try:
        return parse_money(value["amount"])
    except ValueError as exc:
        problems.append(Problem(None, record.row, where, str(value.get("amount")), str(exc), WARNING))
        return None


def _date(value: Any) -> Any:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None
