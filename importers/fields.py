"""The fields a column can map to, the header words that name them, and their value kinds."""

from __future__ import annotations

import re
from functools import lru_cache

from flagdesk.domain import ContractStatus, ContractType, ProcurementRoute

# field -> value kind: text | money | date | bool | cpv | company | route | ctype | status | suppliers
FIELD_KINDS: dict[str, str] = {
    "partner": "text",
    "reference": "text",
    "title": "text",
    "description": "text",
    "supplier": "suppliers",
    "company_number": "company",
    "charity_number": "text",
    "is_sme": "bool",
    "is_vcse": "bool",
    "postcode": "text",
    "cpv": "cpv",
    "category": "text",
    "total_value": "money",
    "annual_value": "money",
    "irrecoverable_vat": "money",
    "start_date": "date",
    "end_date": "date",
    "max_end_date": "date",
    "review_date": "date",
    "procurement_route": "route",
    "contract_type": "ctype",
    "status": "status",
    "owner": "text",
}

# Header phrases per field, already normalised (see normalise_header). Order does not matter:
# an exact phrase beats a partial one, and a longer partial phrase beats a shorter one.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "partner": (
        "organisation name",
        "organisation",
        "organization name",
        "organization",
        "authority",
        "authority name",
        "council",
        "council name",
        "buyer",
        "buyer name",
        "local authority",
        "public body",
        "contracting authority",
        "body name",
        "customer",
        "organisation label",
    ),
    "reference": (
        "contract reference number id",
        "contract reference",
        "reference",
        "reference number",
        "ref",
        "ref no",
        "contract ref",
        "contract id",
        "contract number",
        "contract no",
        "id",
        "notice id",
        "unique reference",
        "our ref",
    ),
    "title": (
        "title of the agreement",
        "title of agreement",
        "title",
        "contract title",
        "contract name",
        "agreement title",
        "name of contract",
        "project title",
        "subject",
        "contract",
    ),
    "description": (
        "description of goods and services",
        "description of goods and or services",
        "description",
        "contract description",
        "summary",
        "details",
        "scope",
        "goods services",
    ),
    "supplier": (
        "supplier name",
        "supplier",
        "suppliers",
        "contractor",
        "contractor name",
        "vendor",
        "vendor name",
        "provider",
        "provider name",
        "awarded supplier",
        "awarded to",
        "supplier names",
        "company name",
        "service provider",
        "supplier name and details",
        "successful supplier",
    ),
    "company_number": (
        "supplier registered company number",
        "company number",
        "companies house number",
        "company registration number",
        "registration number",
        "crn",
        "company reg no",
        "supplier company number",
        "company no",
        "supplier registration number",
    ),
    "charity_number": (
        "supplier registered charity number",
        "charity number",
        "registered charity number",
        "charity no",
    ),
    "is_sme": ("sme supplier", "sme", "is sme", "sme flag", "awarded to sme", "small or medium enterprise"),
    "is_vcse": ("vcse supplier", "vcse", "is vcse", "voluntary community social enterprise", "vcse flag"),
    "postcode": ("supplier postcode", "postcode", "post code"),
    "cpv": ("procurement classification cpv code", "cpv code", "cpv codes", "cpv"),
    "category": (
        "procurement classification councils procurement category label",
        "category",
        "procurement category",
        "service category",
        "spend category",
        "council category",
        "category label",
    ),
    "total_value": (
        "contract value",
        "total value",
        "value",
        "total contract value",
        "estimated value",
        "sum to be paid over the length of the contract",
        "total amount",
        "awarded value",
        "value gbp",
        "contract amount",
        "total contract value gbp",
        "estimated total value",
        "contract value gbp",
        "amount",
        "whole life value",
        "value of contract",
    ),
    "annual_value": (
        "annual value",
        "annual contract value",
        "estimated annual value",
        "value per annum",
        "annual spend",
        "yearly value",
        "estimated annual spending",
        "annual cost",
        "value pa",
    ),
    "irrecoverable_vat": (
        "irrecoverable vat",
        "vat not recoverable",
        "non recoverable vat",
        "value added tax that cannot be recovered",
    ),
    "start_date": (
        "contract start date",
        "start date",
        "start",
        "commencement date",
        "date from",
        "start of contract",
        "contract start",
        "date of commencement",
        "awarded date",
        "award date",
    ),
    "end_date": (
        "end date",
        "contract end date",
        "expiry date",
        "end",
        "expiry",
        "date to",
        "contract expiry",
        "finish date",
        "contract end",
        "expiry date of contract",
        "current end date",
    ),
    "max_end_date": (
        "last extension date",
        "maximum end date",
        "end date including extensions",
        "end date with extensions",
        "max end date",
        "final end date",
        "extension end date",
        "latest end date",
        "end date inc extensions",
        "end date including possible extensions",
        "extended end date",
    ),
    "review_date": ("review date", "contract review date", "date of review"),
    "procurement_route": (
        "tender process type",
        "procurement route",
        "procurement method",
        "procurement procedure",
        "route to market",
        "tender type",
        "procurement process",
        "invitation to quote or tender",
        "procurement type",
    ),
    "contract_type": ("contract type", "type of contract", "agreement type", "type"),
    "status": ("status", "contract status"),
    "owner": (
        "directorate service responsible",
        "directorate",
        "department",
        "service area",
        "department responsible",
        "responsible department",
        "owner",
        "contract owner",
        "contract manager",
        "service responsible",
        "responsible officer",
        "local authority department responsible",
        "service",
        "directorate department",
    ),
}

# Words that mark a header as describing a field rather than holding it ('CPV label').
_QUALIFIERS = frozenset(
    {"label", "uri", "url", "description", "desc", "email", "contact", "telephone", "phone", "code"}
)
# Single words too general to name a field unless they are the whole header ('Contract duration').
_EXACT_ONLY = frozenset(
    {
        "contract",
        "type",
        "service",
        "start",
        "end",
        "amount",
        "status",
        "owner",
        "customer",
        "council",
        "authority",
        "details",
        "scope",
        "subject",
        "expiry",
        "value",
        "summary",
    }
)
_SHORT_WORDS = frozenset({"sme", "cpv", "ref", "crn"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@lru_cache(maxsize=4096)
def normalise_header(text: str) -> str:
    """'Contract_Start_Date', 'CONTRACT START DATE', 'contractStartDate' -> 'contract start date'."""
    spaced = _CAMEL.sub(" ", str(text))
    words = re.findall(r"[a-z0-9]+", spaced.lower().replace("&", " and "))
    return " ".join(w for w in words if w not in {"the", "of", "a"} or len(words) <= 2)


@lru_cache(maxsize=1)
def _normalised_synonyms() -> dict[str, tuple[str, ...]]:
    return {f: tuple(normalise_header(s) for s in phrases) for f, phrases in SYNONYMS.items()}


def header_scores(header: str) -> list[tuple[int, str]]:
    """(score, field) candidates for one header, best first; empty when nothing fits.

    100 for an exact phrase; 50 + phrase length for a header that contains every word of a
    phrase (not for single words too general to name a field on their own).
    """
    norm = normalise_header(header)
    if not norm:
        return []
    words = set(norm.split())
    found: list[tuple[int, str]] = []
    for field_name, phrases in _normalised_synonyms().items():
        best = 0
        for phrase in phrases:
            if phrase == norm:
                best = 100
                break
            phrase_words = phrase.split()
            partial_ok = len(phrase_words) > 1 or (
                phrase not in _EXACT_ONLY and (len(phrase) >= 4 or phrase in _SHORT_WORDS)
            )
            qualified = (words & _QUALIFIERS) - set(phrase_words)
            if partial_ok and not qualified and set(phrase_words) <= words:
                best = max(best, 50 + len(phrase))
        if best:
            found.append((best, field_name))
    return sorted(found, reverse=True)


# --- enumerations as registers spell them --------------------------------------------------------

_ROUTE_WORDS: tuple[tuple[str, ProcurementRoute], ...] = (
    ("call off", ProcurementRoute.FRAMEWORK_CALL_OFF),
    ("call-off", ProcurementRoute.FRAMEWORK_CALL_OFF),
    ("framework", ProcurementRoute.FRAMEWORK_CALL_OFF),
    ("mini competition", ProcurementRoute.FRAMEWORK_CALL_OFF),
    ("further competition", ProcurementRoute.FRAMEWORK_CALL_OFF),
    ("quot", ProcurementRoute.QUOTATION),
    ("itq", ProcurementRoute.QUOTATION),
    ("rfq", ProcurementRoute.QUOTATION),
    ("restricted", ProcurementRoute.RESTRICTED),
    ("selective", ProcurementRoute.RESTRICTED),
    ("competitive", ProcurementRoute.COMPETITIVE_FLEXIBLE),
    ("negotiat", ProcurementRoute.COMPETITIVE_FLEXIBLE),
    ("direct", ProcurementRoute.DIRECT_AWARD),
    ("single source", ProcurementRoute.DIRECT_AWARD),
    ("waiver", ProcurementRoute.DIRECT_AWARD),
    ("exemption", ProcurementRoute.DIRECT_AWARD),
    ("limited", ProcurementRoute.DIRECT_AWARD),
    ("open", ProcurementRoute.OPEN),
    ("invitation to tender", ProcurementRoute.OPEN),
    ("itt", ProcurementRoute.OPEN),
)
_TYPE_WORDS: tuple[tuple[str, ContractType], ...] = (
    ("call off", ContractType.CALL_OFF),
    ("call-off", ContractType.CALL_OFF),
    ("dynamic purchasing", ContractType.DPS),
    ("dps", ContractType.DPS),
    ("framework", ContractType.FRAMEWORK_AGREEMENT),
    ("single", ContractType.SINGLE_AWARD),
    ("contract", ContractType.SINGLE_AWARD),
)
_STATUS_WORDS: tuple[tuple[str, ContractStatus], ...] = (
    ("terminat", ContractStatus.TERMINATED),
    ("cancel", ContractStatus.TERMINATED),
    ("withdrawn", ContractStatus.TERMINATED),
    ("expired", ContractStatus.EXPIRED),
    ("ended", ContractStatus.EXPIRED),
    ("closed", ContractStatus.EXPIRED),
    ("complete", ContractStatus.EXPIRED),
    ("plan", ContractStatus.PLANNED),
    ("pipeline", ContractStatus.PLANNED),
    ("tender", ContractStatus.PLANNED),
    ("pending", ContractStatus.PLANNED),
    ("active", ContractStatus.ACTIVE),
    ("live", ContractStatus.ACTIVE),
    ("current", ContractStatus.ACTIVE),
    ("awarded", ContractStatus.ACTIVE),
    ("open", ContractStatus.ACTIVE),
)
_ENUM_WORDS = {"route": _ROUTE_WORDS, "ctype": _TYPE_WORDS, "status": _STATUS_WORDS}


@lru_cache(maxsize=1024)
def parse_enum(kind: str, text: str) -> str | None:
    """A register's wording ('Invitation to quote', 'Framework agreement') to our enum value.

    None when the wording names nothing we know ('Other', 'grant agreement'); the caller keeps the
    published text as extra data.
    """
    lowered = " ".join(text.lower().replace("_", " ").split())
    for word, value in _ENUM_WORDS[kind]:
        if word in lowered:
            return value.value
    return None
