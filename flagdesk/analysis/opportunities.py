"""Find where partners could commission together: aggregation, reuse and rationalisation.

Pure functions over plain `ContractRecord`s (no SQL, no Qt). Everything is grouped by *need* and
sorted, never compared pair by pair, and each contract's facts are worked out once, so 100,000
contracts take about a second. Results are deterministic whatever the input order: ties are
broken by partner, reference and id.

A contract's *need* is the group (first three digits) of its first CPV code, or failing that its
normalised category label; a contract with neither is left out of need-based analysis. Each
contract has an *alignment interval* from its current end to its maximum end with extensions:
it can be replaced on any date in that interval without early termination or a gap. A contract
published with a start (award) date but no end is given an assumed end (`assumed_term_years`
after its start; never for one-off construction works), and every sentence that relies on it
says so.

Scores (0..100) only rank the list; value counts on a log scale (£1k a year 0, £10m 1):
aggregation 40 x value + 25 x partners (5 or more = 1) + 20 x date alignment + 15 x supplier
overlap; reuse 50 x value + 25 x months the vehicle runs past the need (24 or more = 1) + 10 x
headroom; rationalisation 50 x value + 30 x contracts (10 or more = 1) + 20 x share under £25k.
"""

from __future__ import annotations

import gc
import hashlib
import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any

from flagdesk import cpv
from flagdesk.analysis.savings import Assumptions, SavingEstimate, estimate_saving
from flagdesk.domain import (
    ContractStatus,
    ContractType,
    OpportunityKind,
    ReuseRights,
    add_months,
    format_pence,
)
from flagdesk.errors import CancelledError
from flagdesk.records import ContractRecord

Progress = Callable[[float], None] | None
Cancel = Callable[[], bool] | None

_ID_PREFIX = {
    OpportunityKind.AGGREGATION: "AGG-",
    OpportunityKind.REUSE: "REU-",
    OpportunityKind.RATIONALISATION: "RAT-",
}
_VEHICLE_TYPES = {ContractType.FRAMEWORK_AGREEMENT.value, ContractType.DPS.value}
_ENDED = {ContractStatus.EXPIRED.value, ContractStatus.TERMINATED.value}
_EVIDENCE_LIST_LIMIT = 12  # a board pack lists a dozen contracts, then counts the rest
_SMALL_CONTRACT_PENCE = 2_500_000  # under £25k a year: the costliest to manage one by one


@dataclass(frozen=True, slots=True)
class Finding:
    """One opportunity as found by analysis (status and notes live in the register)."""

    id: str
    kind: OpportunityKind
    title: str
    need: str | None
    need_label: str
    contract_ids: tuple[int, ...]  # sorted; for reuse the vehicle is included
    partners: tuple[str, ...]  # names, sorted
    partner_ids: tuple[int, ...]
    lead_partner_id: int | None
    lead_partner: str | None
    combined_annual_value_pence: int
    proposed_start: date | None
    score: float
    evidence: tuple[str, ...]
    saving: SavingEstimate
    vehicle_id: int | None = None
    # Annual value per partner id, used to share estimated and realised savings between partners.
    partner_annual_pence: dict[int, int] = field(default_factory=dict)

    @property
    def estimated_saving_pence(self) -> int:
        return self.saving.total_pence

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "title": self.title,
            "need": self.need,
            "need_label": self.need_label,
            "partners": list(self.partners),
            "contracts": list(self.contract_ids),
            "lead_partner": self.lead_partner,
            "vehicle_contract": self.vehicle_id,
            "combined_annual_value_pence": self.combined_annual_value_pence,
            "proposed_start": self.proposed_start.isoformat() if self.proposed_start else None,
            "estimated_saving_pence": self.estimated_saving_pence,
            "assumptions": self.saving.to_json(),
            "evidence": list(self.evidence),
            "score": self.score,
        }


def opportunity_id(kind: OpportunityKind, contract_ids: Iterable[int]) -> str:
    """Stable id: the same kind and contracts give the same id on every run and in every order."""
    return _id_of(kind, sorted(set(contract_ids)))


_CONTRACT_ID = attrgetter("c.id")  # of a Fact; map() with it beats a generator over big groups


def _id_of(kind: OpportunityKind, sorted_unique_ids: Sequence[int]) -> str:
    key = f"{kind.value}:{','.join(map(str, sorted_unique_ids))}"
    return _ID_PREFIX[kind] + hashlib.sha1(key.encode()).hexdigest()[:10]


# --- facts about one contract -------------------------------------------------------------------


def normalise_category(text: str | None) -> str | None:
    """Lower-case words without punctuation or 'and': 'ICT & Digital' = 'ICT / digital'."""
    if not text:
        return None
    words = [w for w in re.findall(r"[0-9a-z]+", text.lower()) if w != "and"]
    return " ".join(words) or None


def need_key(c: ContractRecord) -> str | None:
    """'cpv:482' for a contract with CPV codes, 'cat:<normalised label>' otherwise, else None."""
    if c.cpv:
        return "cpv:" + c.cpv[0][:3]
    category = normalise_category(c.category)
    return f"cat:{category}" if category else None


def vehicle_need_keys(c: ContractRecord) -> set[str]:
    """A framework covers every CPV group it lists (its lots), not just the first."""
    keys = {"cpv:" + code[:3] for code in c.cpv}
    primary = need_key(c)
    return keys | {primary} if primary else keys


def need_label(key: str | None) -> str:
    if key is None:
        return "Unclassified"
    kind, _, value = key.partition(":")
    if kind == "cpv":
        label = cpv.group_label(value)
        return f"{label} (CPV {value})" if label else f"CPV group {value}"
    return value[:1].upper() + value[1:]


def exact_label(need: str | None, first_codes: set[str | None], categories: set[str | None]) -> str:
    """The need's label in the words the contracts use: their CPV code or category when they agree."""
    if need and need.startswith("cat:"):
        named = [c for c in categories if c]
        return min(named) if named else need_label(need)
    code = next(iter(first_codes)) if len(first_codes) == 1 else None
    return f"{cpv.vocabulary().get(code, code)} (CPV {code})" if code else need_label(need)


def annual_value(c: ContractRecord) -> int:
    """Published annual value, else the total spread over the term; never negative."""
    if c.annual_value_pence is not None:
        return max(0, c.annual_value_pence)
    total = max(0, c.total_value_pence or 0)
    if c.start_date and c.end_date and c.end_date > c.start_date:
        years = max(1.0, (c.end_date - c.start_date).days / 365.25)
        return round(total / years)
    return total


def latest_end(c: ContractRecord) -> date | None:
    ends = [d for d in (c.end_date, c.max_end_date) if d is not None]
    return max(ends) if ends else None


def earliest_end(c: ContractRecord) -> date | None:
    return c.end_date or c.max_end_date


def is_live(c: ContractRecord, as_of: date | None) -> bool:
    """Not ended by status, and (when a date is given) still running on it or undated."""
    if c.status in _ENDED:
        return False
    end = latest_end(c)
    return as_of is None or end is None or end >= as_of


def is_vehicle(c: ContractRecord) -> bool:
    return c.reuse_rights != ReuseRights.NONE.value


def is_agreement(c: ContractRecord) -> bool:
    """Frameworks and DPSs are routes to buy, not spend: they are reused, never aggregated."""
    return c.contract_type in _VEHICLE_TYPES


def supplier_keys(c: ContractRecord) -> tuple[tuple[Any, str], ...]:
    """(key, display name) per supplier: resolved supplier ids when known, else lower-cased names."""
    if c.supplier_ids and len(c.supplier_ids) == len(c.suppliers):
        return tuple(zip(c.supplier_ids, c.suppliers))  # noqa: B905 - lengths checked just above
    return tuple((name.strip().lower(), name) for name in c.suppliers if name.strip())


@cache  # evidence repeats the same few thousand dates tens of thousands of times at 100k contracts
def fmt_date(d: date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else "no date"


def months_between(a: date, b: date) -> int:
    """Months from a to b, to the nearest whole month (31 Mar to 30 Sep is 6)."""
    return round((b - a).days / 30.4375)


@cache  # registers repeat a few thousand end dates (31 Mar, 30 Sep ...) across 100k contracts
def _plus_months(d: date, months: int) -> date:
    """add_months that saturates at the last representable date (placeholder dates like 9999)."""
    try:
        return add_months(d, months)
    except (ValueError, OverflowError):
        return date.max


def _day_after(d: date) -> date:
    return d if d == date.max else d + timedelta(days=1)


@dataclass(slots=True)  # not frozen: a frozen dataclass is markedly slower to build 100,000 times
class Fact:
    """What analysis needs to know about one contract, worked out once."""

    c: ContractRecord
    need: str | None
    lo: date | None  # current end (or assumed end)
    hi: date | None  # maximum end with extensions (or assumed end)
    annual: int
    order: tuple[str, str, int]  # tie-break: partner, reference, id
    suppliers: frozenset[tuple[Any, str]]  # supplier_keys, de-duplicated
    agreement: bool  # a framework or DPS
    assumed_end: bool
    code: str | None  # first CPV code
    category: str | None  # published category, stripped; None when blank


def fact_of(c: ContractRecord, assumed_term_years: int = 0) -> Fact:
    end, longest, assumed = c.end_date, c.max_end_date, False
    # Inlined earliest_end/latest_end: this runs once per contract, 100,000 times.
    lo = end or longest
    hi = end if longest is None else (longest if end is None or longest > end else end)
    if lo is None and c.start_date is not None and assumed_term_years > 0 and not _is_works(c):
        lo = hi = _plus_months(c.start_date, 12 * assumed_term_years) - timedelta(days=1)
        assumed = True
    order = (c.partner, c.reference, c.id)
    suppliers = frozenset(supplier_keys(c))
    agreement = c.contract_type in _VEHICLE_TYPES
    code = c.cpv[0] if c.cpv else None
    category = (c.category or "").strip() or None
    return Fact(c, need_key(c), lo, hi, annual_value(c), order, suppliers, agreement, assumed, code, category)


def _is_works(c: ContractRecord) -> bool:
    """Construction works (CPV division 45) are one-off projects: guessing their renewal is meaningless."""
    return bool(c.cpv) and c.cpv[0].startswith("45")


def _describe(c: ContractRecord) -> str:
    supplier = f" with {', '.join(c.suppliers)}" if c.suppliers else ""
    title = f" '{c.title}'" if c.title else ""
    return f"{c.partner}'s contract {c.reference or '#' + str(c.id)}{title}{supplier}"


def _contract_line(f: Fact, note: str = "") -> str:
    return f"{_describe(f.c)} {_end_phrase(f)}{note}; about {format_pence(f.annual)} a year."


def _end_phrase(f: Fact) -> str:
    if f.assumed_end:
        return f"has no published end date (awarded {fmt_date(f.c.start_date)}; assumed to end {fmt_date(f.lo)})"
    phrase = f"ends {fmt_date(f.lo)}"
    if f.hi and f.lo and f.hi > f.lo:
        phrase += f" (extendable to {fmt_date(f.hi)})"
    return phrase


# --- progress and cancellation ----------------------------------------------------------------


class _Steps:
    """Maps work done in one phase onto a slice of the 0..1 progress range and checks cancel."""

    def __init__(self, progress: Progress, cancel: Cancel):
        self.progress, self.cancel = progress, cancel

    def at(self, fraction: float) -> None:
        if self.cancel is not None and self.cancel():
            raise CancelledError("Opportunity analysis was cancelled; nothing was changed.")
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, fraction)))


def _iterate(groups: dict[Any, Any], steps: _Steps | None, span: tuple[float, float]) -> Iterable[Any]:
    """Groups in a fixed order, reporting progress through `span` and checking for cancellation."""
    keys = sorted(groups, key=str)
    lo, hi = span
    for i, key in enumerate(keys):
        if steps is not None and i % 64 == 0:
            steps.at(lo + (hi - lo) * i / max(1, len(keys)))
        yield key, groups[key]


# --- the whole analysis ------------------------------------------------------------------------


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector around bulk work that builds many small, acyclic objects.

    Loading and analysing 100,000 contracts creates about a million objects and none of them form
    cycles, so the collector's repeated full passes are wasted: pausing it saves about 30%.
    Reference counting still frees everything; the collector resumes (if it was on) afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def analyse(
    contracts: Sequence[ContractRecord],
    assumptions: Assumptions | None = None,
    *,
    as_of: date | None = None,
    progress: Progress = None,
    cancel: Cancel = None,
) -> list[Finding]:
    """All opportunities, best first (score, then id). `as_of` drops contracts that have ended."""
    with gc_paused():
        return _analyse(contracts, assumptions or Assumptions(), as_of, _Steps(progress, cancel))


def _analyse(contracts: Sequence[ContractRecord], a: Assumptions, as_of: date | None, steps: _Steps) -> list[Finding]:
    steps.at(0.0)
    term = int(a["assumed_term_years"])
    facts = [fact_of(c, term) for c in contracts]
    live = [f for f in facts if f.c.status not in _ENDED and (as_of is None or f.hi is None or f.hi >= as_of)]
    # Sorted once, so every group built from it is in end-date order and no group sorts itself.
    live.sort(key=_by_end)
    steps.at(0.1)
    # The finders below rely on `live` being in this order (see _by_end).
    found = _find_aggregations(live, a, as_of=as_of, steps=steps, span=(0.1, 0.5))
    found += _find_reuse(live, a, as_of=as_of, all_facts=facts, steps=steps, span=(0.5, 0.7))
    found += _find_rationalisations(live, a, as_of=as_of, steps=steps, span=(0.7, 1.0))
    steps.at(1.0)
    return sorted(found, key=lambda f: (-f.score, f.id))


def _by_end(f: Fact) -> tuple[Any, ...]:
    # Flat rather than with `order` nested: the same order, but ~75k contracts sharing a few
    # thousand end dates sort about 25% faster.
    return (f.lo or date.max, f.hi or date.max, *f.order)


def _groups(facts: Iterable[Fact]) -> dict[str, list[Fact]]:
    by_need: dict[str, list[Fact]] = defaultdict(list)
    for f in facts:
        if f.need is not None:
            by_need[f.need].append(f)
    return by_need


def _partner_values(facts: Iterable[Fact]) -> tuple[dict[int, int], dict[int, str]]:
    values: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for f in facts:
        values[f.c.partner_id] += f.annual
        names[f.c.partner_id] = f.c.partner
    return dict(values), names


def _value_points(annual_pence: int) -> float:
    """0..1 on a log scale: £1k a year or less scores 0, £10m a year or more scores 1."""
    pounds = annual_pence / 100
    return 0.0 if pounds <= 1000 else min(1.0, math.log10(pounds / 1000) / 4)


def _listed(facts: Sequence[Fact], note: str = "") -> list[str]:
    lines = [_contract_line(f, note) for f in facts[:_EVIDENCE_LIST_LIMIT]]
    if len(facts) > _EVIDENCE_LIST_LIMIT:
        lines.append(f"... and {len(facts) - _EVIDENCE_LIST_LIMIT} more contracts (see the contract list).")
    return lines


def _assumed_note(assumed: int, a: Assumptions) -> list[str]:
    if not assumed:
        return []
    return [
        f"{assumed} of these contracts publish no end date; each is assumed to run "
        f"{a['assumed_term_years']:g} years from its award (assumption assumed_term_years): check before acting."
    ]


# --- aggregation -------------------------------------------------------------------------------


def _find_aggregations(
    facts: Sequence[Fact],
    a: Assumptions,
    *,
    as_of: date | None = None,
    steps: _Steps | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> list[Finding]:
    window = int(a["window_months"])
    eligible = (f for f in facts if not f.agreement and f.lo is not None)
    found = []
    for need, members in _iterate(_groups(eligible), steps, span):
        for cluster in _aligned(members, window):
            found.append(_aggregation(need, cluster, window, a, as_of))
    return found


def aligned_clusters(contracts: Sequence[ContractRecord], window_months: int) -> list[list[ContractRecord]]:
    """The aggregation sweep over plain records (see `_aligned`); undated contracts are ignored."""
    facts = sorted((f for f in map(fact_of, contracts) if f.lo is not None), key=_by_end)
    return [[f.c for f in cluster] for cluster in _aligned(facts, window_months)]


def _aligned(items: Sequence[Fact], window_months: int) -> list[list[Fact]]:
    """Disjoint sets of contracts, of two or more partners, that one procurement could replace.

    A set fits when some window of `window_months` touches every member's alignment interval,
    i.e. latest current end - earliest maximum end <= window. Sweep in order of current end,
    keeping a heap of maximum ends: members whose maximum end is too early for the newcomer
    leave the set (they cannot align with anything later either). When the newcomer does not
    fit a set that already spans two partners, that set is an opportunity and a new one starts.
    `items` must be dated and in `_by_end` order.
    """
    clusters: list[list[Fact]] = []
    members: dict[int, Fact] = {}
    heap: list[tuple[date, int]] = []  # (maximum end + window, position) of current members
    partners: Counter[int] = Counter()
    for pos, f in enumerate(items):
        lo = f.lo
        assert lo is not None  # callers pass dated contracts only
        if heap and heap[0][0] < lo:
            if len(partners) >= 2:
                clusters.append(list(members.values()))
                members, heap, partners = {}, [], Counter()
            else:
                while heap and heap[0][0] < lo:
                    _, gone = heapq.heappop(heap)
                    p = members.pop(gone).c.partner_id
                    partners[p] -= 1
                    if not partners[p]:
                        del partners[p]
        members[pos] = f
        heapq.heappush(heap, (_plus_months(f.hi or lo, window_months), pos))
        partners[f.c.partner_id] += 1
    if len(partners) >= 2:
        clusters.append(list(members.values()))
    return clusters


@dataclass(slots=True)
class _Summary:
    """A group's figures, gathered in one pass (groups run to thousands of contracts at 100k)."""

    combined: int
    undated: int
    small: int
    assumed: int
    needs: set[str | None]
    first_codes: set[str | None]
    categories: set[str | None]
    latest_current: date | None  # the latest current end
    earliest_max: date | None  # the earliest maximum end


_SUMMARY_FIELDS = attrgetter("annual", "assumed_end", "need", "code", "category", "lo", "hi")


def _summarise(facts: Sequence[Fact]) -> _Summary:
    # One C-level pass picks the fields of each member and zip() turns them into columns: this sees
    # every member of every group (150k+ at 100k contracts), and a Python loop over the members
    # took twice as long.
    annual, assumed, needs, codes, categories, los, his = zip(*map(_SUMMARY_FIELDS, facts), strict=True)
    dated = [ends for ends in zip(los, his, strict=True) if None not in ends]
    named = set(categories)
    named.discard(None)
    return _Summary(
        combined=sum(annual),
        undated=len(facts) - len(dated),
        small=len([v for v in annual if v < _SMALL_CONTRACT_PENCE]),
        assumed=sum(assumed),
        needs=set(needs),
        first_codes=set(codes),
        categories=named,
        latest_current=max(map(itemgetter(0), dated), default=None),
        earliest_max=min(map(itemgetter(1), dated), default=None),
    )


def joint_start(s: _Summary, not_before: date | None = None) -> tuple[date | None, bool]:
    """Proposed start of the replacement, and whether every contract can run up to it.

    If the latest current end is no later than the earliest maximum end, every contract can be
    extended to the day after the latest current end. Otherwise the replacement starts the day
    after the earliest maximum end, and later contracts join it as they end. A contract already
    running on an extension cannot be replaced in the past: the start is never before `not_before`.
    """
    if s.latest_current is None or s.earliest_max is None:
        return None, False
    if s.latest_current <= s.earliest_max:
        start = _day_after(s.latest_current)
        return (max(start, not_before) if not_before else start), True
    return _day_after(s.earliest_max), False


def _lead(values: dict[int, int], names: dict[int, str]) -> int:
    """The partner with the largest annual value leads; ties go to the first name."""
    return min(values, key=lambda p: (-values[p], names[p], p))


def _common_supplier(facts: Sequence[Fact]) -> tuple[str | None, int]:
    counts: Counter[Any] = Counter()
    names: dict[Any, str] = {}
    for f in facts:
        for key, name in f.suppliers:
            counts[key] += 1
            names.setdefault(key, name)
    if not counts:
        return None, 0
    key = min(counts, key=lambda k: (-counts[k], names[k].lower()))
    return names[key], counts[key]


def _aggregation(need: str, cluster: list[Fact], window: int, a: Assumptions, as_of: date | None) -> Finding:
    values, names = _partner_values(cluster)
    lead = _lead(values, names)
    summary = _summarise(cluster)
    combined = summary.combined
    start, all_roll_on = joint_start(summary, as_of)
    first, last, earliest_max = cluster[0].lo, summary.latest_current, summary.earliest_max
    assert first is not None and last is not None and earliest_max is not None  # clusters are dated
    spread = max(0, months_between(earliest_max, last))
    supplier, shared = _common_supplier(cluster)
    overlap = shared / len(cluster) if shared >= 2 else 0.0
    score = (
        40 * _value_points(combined)
        + 25 * min(1.0, (len(values) - 1) / 4)
        + 20 * (1 - spread / window if window else 1.0)
        + 15 * overlap
    )
    label = exact_label(need, summary.first_codes, summary.categories)
    evidence = [
        f"{len(values)} partners hold {len(cluster)} contracts for {label} whose current ends run from "
        f"{fmt_date(first)} to {fmt_date(last)} ({months_between(first, last)} months apart; "
        f"window {window} months)."
    ]
    evidence += _listed(cluster)
    evidence += _assumed_note(summary.assumed, a)
    if overlap:
        evidence.append(f"{supplier} supplies {shared} of the {len(cluster)} contracts.")
    else:
        evidence.append("The contracts are held with different suppliers.")
    evidence.append(_start_sentence(start, all_roll_on))
    evidence.append(
        f"Lead partner: {names[lead]}, with the largest annual value ({format_pence(values[lead])} of "
        f"{format_pence(combined)})."
    )
    ids = tuple(sorted(map(_CONTRACT_ID, cluster)))  # unique: a contract is in a group once
    return Finding(
        id=_id_of(OpportunityKind.AGGREGATION, ids),
        kind=OpportunityKind.AGGREGATION,
        title=f"Joint procurement of {label} for {len(values)} partners",
        need=need,
        need_label=label,
        contract_ids=ids,
        partners=tuple(sorted(names.values())),
        partner_ids=tuple(sorted(values)),
        lead_partner_id=lead,
        lead_partner=names[lead],
        combined_annual_value_pence=combined,
        proposed_start=start,
        score=round(score, 1),
        evidence=tuple(evidence),
        saving=estimate_saving(OpportunityKind.AGGREGATION, combined, len(cluster) - 1, a),
        partner_annual_pence=values,
    )


def _start_sentence(start: date | None, all_roll_on: bool) -> str:
    if start is None:
        return "No end dates are recorded, so no joint start date is proposed."
    if all_roll_on:
        return f"Proposed joint start {fmt_date(start)}: every contract can run (with extensions) until then."
    return (
        f"Proposed joint start {fmt_date(start)}, when the first contract can no longer be extended; "
        "the others join as they end."
    )


# --- reuse -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Vehicle:
    fact: Fact
    end: date
    headroom: int | None  # pence left under the ceiling after call-offs; None = no ceiling published
    rank: tuple[Any, ...]  # runs longest first, then partner, reference, id


_AdmissionIndex = dict[Any, list[_Vehicle]]  # ("any",) | ("kind", k) | ("named", pid) -> best first


def _find_reuse(
    facts: Sequence[Fact],
    a: Assumptions,
    *,
    as_of: date | None = None,
    all_facts: Sequence[Fact] | None = None,
    steps: _Steps | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> list[Finding]:
    """Live contracts ending soon that another partner's live contract or framework could serve.

    `all_facts` (default: `facts`) are the contracts whose call-offs count against a framework's
    ceiling, ended ones included.
    """
    horizon = _plus_months(as_of, int(a["reuse_horizon_months"])) if as_of else None
    index = _vehicle_index(facts, all_facts if all_facts is not None else facts)
    if not index:
        return []
    matches: dict[tuple[int, int], list[Fact]] = defaultdict(list)
    vehicles: dict[int, _Vehicle] = {}
    for need, members in _iterate(_groups(f for f in facts if not f.agreement), steps, span):
        by_admission = index.get(need)
        if by_admission is None:
            continue
        for f in members:
            if f.lo is None or (horizon is not None and f.lo > horizon):
                continue
            v = _best_vehicle(f, by_admission)
            if v is not None:
                vehicles[v.fact.c.id] = v
                matches[(v.fact.c.id, f.c.partner_id)].append(f)
    return [_reuse(vehicles[vid], fs, a, as_of) for (vid, _), fs in sorted(matches.items())]


def _vehicle_index(facts: Sequence[Fact], all_facts: Sequence[Fact]) -> dict[str, _AdmissionIndex]:
    consumed: dict[int, int] = defaultdict(int)
    for f in all_facts:
        if f.c.parent_framework_id is not None:
            consumed[f.c.parent_framework_id] += max(0, f.c.total_value_pence or f.annual)
    index: dict[str, _AdmissionIndex] = defaultdict(lambda: defaultdict(list))
    for f in facts:
        if not is_vehicle(f.c) or f.hi is None or f.assumed_end:
            continue  # a vehicle's end must be published: nobody calls off from a guess
        total = f.c.total_value_pence
        v = _Vehicle(f, f.hi, None if total is None else total - consumed[f.c.id], (-f.hi.toordinal(), *f.order))
        for need in vehicle_need_keys(f.c):
            for key in _admission_keys(f.c):
                index[need][key].append(v)
    for by_admission in index.values():
        for vs in by_admission.values():
            vs.sort(key=lambda v: v.rank)
    return index


def _admission_keys(c: ContractRecord) -> list[tuple[Any, ...]]:
    if c.reuse_rights == ReuseRights.ANY_PUBLIC_BODY.value:
        return [("any",)]
    if c.reuse_rights == ReuseRights.PARTNER_KINDS.value:
        return [("kind", k) for k in sorted(set(c.reuse_partner_kinds))]
    if c.reuse_rights == ReuseRights.NAMED_PARTNERS.value:
        return [("named", p) for p in sorted(set(c.reuse_partner_ids))]
    return []


def _best_vehicle(f: Fact, by_admission: _AdmissionIndex) -> _Vehicle | None:
    """The admitting vehicle that runs longest past the date `f` ends, with room for its value."""
    best: _Vehicle | None = None
    for key in (("any",), ("kind", f.c.partner_kind), ("named", f.c.partner_id)):
        for v in by_admission.get(key, ()):
            if v.end <= f.lo:  # type: ignore[operator]
                break  # sorted by end, latest first: nothing further runs long enough
            if _serves(v, f):
                if best is None or v.rank < best.rank:
                    best = v
                break
    return best


def _serves(v: _Vehicle, f: Fact) -> bool:
    return (
        v.fact.c.partner_id != f.c.partner_id
        and f.c.parent_framework_id != v.fact.c.id
        and (v.headroom is None or v.headroom >= f.annual)
    )


def _reuse(v: _Vehicle, expiring: list[Fact], a: Assumptions, as_of: date | None) -> Finding:
    vc, first = v.fact.c, expiring[0]
    combined = sum(f.annual for f in expiring)
    assert first.lo is not None
    label = need_label(first.need)
    what = "framework" if is_agreement(vc) else "contract"
    ref = vc.reference or f"#{vc.id}"
    evidence = [
        f"{vc.partner}'s {what} {ref} '{vc.title}' covers {label}, {_rights_phrase(vc)}, "
        f"and runs to {fmt_date(v.end)}.",
    ]
    evidence += _listed(expiring, f", before the {what} ends")
    evidence += _assumed_note(sum(f.assumed_end for f in expiring), a)
    if v.headroom is None:
        evidence.append(f"The {what} has no published ceiling: check its value headroom before calling off.")
    else:
        evidence.append(
            f"Value headroom: {format_pence(v.headroom)} of the {format_pence(vc.total_value_pence)} ceiling "
            f"remains after existing call-offs, against about {format_pence(combined)} a year needed."
        )
    start = _day_after(first.lo)
    if as_of and start < as_of:  # already on an extension: call off as soon as possible
        start = as_of
    evidence.append(f"Proposed call-off start {fmt_date(start)}, instead of a new tender.")
    margin = months_between(first.lo, v.end)
    headroom_points = 1.0 if v.headroom is None or combined == 0 else min(1.0, v.headroom / (combined * 3))
    # Value leads, as for the other kinds; a long-running vehicle with room to spare adds up to 35.
    score = 50 * _value_points(combined) + 25 * min(1.0, margin / 24) + 10 * headroom_points
    ids = tuple(sorted([f.c.id for f in expiring] + [vc.id]))  # unique: a contract is in a group once
    return Finding(
        id=_id_of(OpportunityKind.REUSE, ids),
        kind=OpportunityKind.REUSE,
        title=f"Call off from {vc.partner}'s {what} {ref} for {first.c.partner}'s {label}",
        need=first.need,
        need_label=label,
        contract_ids=ids,
        partners=tuple(sorted({first.c.partner, vc.partner})),
        partner_ids=tuple(sorted({first.c.partner_id, vc.partner_id})),
        lead_partner_id=vc.partner_id,
        lead_partner=vc.partner,
        combined_annual_value_pence=combined,
        proposed_start=start,
        score=round(score, 1),
        evidence=tuple(evidence),
        saving=estimate_saving(OpportunityKind.REUSE, combined, len(expiring), a),
        vehicle_id=vc.id,
        # The saving falls to the partner that calls off, not to the framework's owner.
        partner_annual_pence={first.c.partner_id: combined},
    )


def _rights_phrase(c: ContractRecord) -> str:
    if c.reuse_rights == ReuseRights.ANY_PUBLIC_BODY.value:
        return "open to any public body"
    if c.reuse_rights == ReuseRights.PARTNER_KINDS.value:
        return "open to " + ", ".join(k.replace("_", " ") + "s" for k in sorted(set(c.reuse_partner_kinds)))
    return "open to named partners"


# --- rationalisation ---------------------------------------------------------------------------


def _find_rationalisations(
    facts: Sequence[Fact],
    a: Assumptions,
    *,
    as_of: date | None = None,
    steps: _Steps | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> list[Finding]:
    """One partner holding several live contracts for one need, or with one supplier."""
    minimum = int(a["rationalisation_min_contracts"])
    groups: dict[tuple[Any, ...], list[Fact]] = defaultdict(list)
    supplier_names: dict[tuple[Any, ...], str] = {}
    for f in facts:
        if f.agreement:
            continue
        if f.need is not None:
            groups[(f.c.partner_id, "need", f.need)].append(f)
        for key, name in f.suppliers:
            group = (f.c.partner_id, "supplier", key)
            groups[group].append(f)
            supplier_names.setdefault(group, name)
    found: dict[str, Finding] = {}
    for group, members in _iterate(groups, steps, span):
        if len(members) < minimum:
            continue
        finding = _rationalisation(group, members, supplier_names.get(group), a, as_of)
        if finding.id in found:  # same contracts share both need and supplier: say so once
            finding = _merge_reasons(found[finding.id], finding)
        found[finding.id] = finding
    return list(found.values())


def _rationalisation(
    group: tuple[Any, ...], members: list[Fact], supplier: str | None, a: Assumptions, as_of: date | None
) -> Finding:
    partner, partner_id = members[0].c.partner, members[0].c.partner_id
    summary = _summarise(members)
    combined, undated = summary.combined, summary.undated
    start, all_roll_on = joint_start(summary, as_of)
    _, by, key = group
    needs = summary.needs
    need = key if by == "need" else (next(iter(needs)) if len(needs) == 1 else None)
    label = exact_label(need, summary.first_codes, summary.categories)
    what = f"for {label}" if by == "need" else f"with {supplier}"
    evidence = [
        f"{partner} holds {len(members)} contracts {what} that are not recorded as ended"
        + (f" ({undated} without any end date)" if undated else "")
        + f", about {format_pence(combined)} a year."
    ]
    evidence += _listed(members)
    evidence += _assumed_note(summary.assumed, a)
    evidence.append(_start_sentence(start, all_roll_on))
    small_share = summary.small / len(members)
    score = 50 * _value_points(combined) + 30 * min(1.0, (len(members) - 2) / 8) + 20 * small_share
    ids = tuple(sorted(map(_CONTRACT_ID, members)))  # unique: a contract is in a group once
    return Finding(
        id=_id_of(OpportunityKind.RATIONALISATION, ids),
        kind=OpportunityKind.RATIONALISATION,
        title=f"Consolidate {partner}'s {len(members)} contracts {what}",
        need=need,
        need_label=label,
        contract_ids=ids,
        partners=(partner,),
        partner_ids=(partner_id,),
        lead_partner_id=partner_id,
        lead_partner=partner,
        combined_annual_value_pence=combined,
        proposed_start=start,
        score=round(score, 1),
        evidence=tuple(evidence),
        saving=estimate_saving(OpportunityKind.RATIONALISATION, combined, len(members) - 1, a),
        partner_annual_pence={partner_id: combined},
    )


def _merge_reasons(first: Finding, second: Finding) -> Finding:
    extra = [line for line in second.evidence[:1] if line not in first.evidence]
    return replace(first, evidence=first.evidence[:1] + tuple(extra) + first.evidence[1:])
