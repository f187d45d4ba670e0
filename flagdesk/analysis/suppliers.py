"""Supplier identity: normalised name keys and fuzzy duplicate candidates.

Pure functions over plain data (no database, no Qt). Resolution at import uses ``name_key`` as an
exact key; the review queue uses ``find_candidates``, which compares names only inside small blocks
(shared first word, shared leading letters) with rapidfuzz's C++ ``cdist``, never all pairs.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

# "Capita Resourcing Ltd t/as Veredus": the legal entity is the part before the trading name.
_TRADING_AS = re.compile(r"\s(?:t/as?|t\.a\.?|trading\s+as)\s.*$", re.IGNORECASE)
_AMPERSAND = re.compile(r"\s*&\s*")
_NON_WORD = re.compile(r"[^\w\s]|_")
_APOSTROPHE = re.compile(r"['’`]")
_SPACES = re.compile(r"\s+")

# Legal forms dropped from the end of a name, longest first so "public limited company" goes whole.
_LEGAL_FORMS = (
    "public limited company",
    "limited liability partnership",
    "community interest company",
    "charitable incorporated organisation",
    "limited partnership",
    "limited",
    "ltd",
    "plc",
    "llp",
    "cic",
    "cio",
    "lp",
    "llc",
    "inc",
    "incorporated",
)
_LEGAL_SUFFIX = re.compile(r"(?:\s(?:" + "|".join(re.escape(f) for f in _LEGAL_FORMS) + r"))+$")


def name_key(name: str) -> str:
    """The exact-match key of a supplier name: equal keys are the same supplier.

    Case, accents, punctuation, "&"/"and", a leading "The", trailing legal forms (Ltd, Limited,
    PLC, LLP, CIC, ...) and a "t/a" trading name are ignored; words and their order are kept, so
    "WSP Plc" ("wsp") and "WSP UK Limited" ("wsp uk") stay apart.
    """
    text = name or ""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower()
    text = _TRADING_AS.sub("", " " + text.strip())
    text = _AMPERSAND.sub(" and ", text)
    text = _APOSTROPHE.sub("", text)  # O'Callaghan -> ocallaghan, not "o callaghan"
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()
    text = _LEGAL_SUFFIX.sub("", " " + text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


def compact_key(key: str) -> str:
    """A name key without spaces: "health care" and "healthcare" meet here."""
    return key.replace(" ", "")


def _compatible(key_a: str, key_b: str) -> bool:
    """Whether two alike keys may name one supplier: the same numbers ("Lot 1" / "Lot 2" may not)
    and, unless only spacing differs, the same initials ("Mr F Smith" / "Mr M N Smith" may not)."""
    if re.findall(r"\d+", key_a) != re.findall(r"\d+", key_b):
        return False
    if compact_key(key_a) == compact_key(key_b):
        return True
    return _initials(key_a) == _initials(key_b)


def _initials(key: str) -> set[str]:
    return {word for word in key.split() if len(word) == 1}


# --- fuzzy candidates --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SupplierItem:
    """What candidate finding needs to know about one supplier."""

    id: int
    name: str
    keys: tuple[str, ...]  # name keys of the canonical name and of every alias
    company_number: str | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A likely duplicate pair for the review queue (a_id < b_id)."""

    a_id: int
    b_id: int
    score: float
    evidence: tuple[str, ...] = field(default=())


# Blocks bigger than this are split by their first letters of the second word, keeping cdist small.
_MAX_BLOCK = 400
_PREFIX_LEN = 5


def _block_keys(key: str) -> set[str]:
    """The blocks a name key falls into: its first word(s), its first letters and its first and last
    letters ignoring spaces, so a one-letter slip anywhere still leaves the pair one shared block."""
    words = key.split()
    if not words:
        return set()
    first = "w:" + words[0]
    if len(words) > 1:
        first += " " + words[1][:1]
    compact = compact_key(key)
    return {first, "p:" + compact[:_PREFIX_LEN], "s:" + compact[0] + compact[-_PREFIX_LEN:]}


def _fuzzy_pairs(keys: Sequence[str], cutoff: float) -> dict[tuple[int, int], float]:
    """Index pairs of similar keys (by compact form) with their score, compared only within blocks."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        for block in _block_keys(key):
            blocks[block].append(i)
    compact = [compact_key(k) for k in keys]
    pairs: dict[tuple[int, int], float] = {}
    for members in blocks.values():
        if len(members) < 2:
            continue
        for chunk in _chunks(members):
            _score_block(chunk, members, compact, cutoff, pairs)
    return pairs


def _chunks(members: list[int]) -> Iterable[list[int]]:
    # A huge block is compared chunk against block: still C++, and memory stays bounded.
    for start in range(0, len(members), _MAX_BLOCK):
        yield members[start : start + _MAX_BLOCK]


def _score_block(
    rows: list[int], cols: list[int], compact: list[str], cutoff: float, pairs: dict[tuple[int, int], float]
) -> None:
    matrix = process.cdist(
        [compact[i] for i in rows], [compact[j] for j in cols], scorer=fuzz.ratio, score_cutoff=cutoff, workers=1
    )
    for r, c in zip(*np.nonzero(matrix), strict=True):
        i, j = rows[r], cols[c]
        if i < j:
            pairs[(i, j)] = max(pairs.get((i, j), 0.0), float(matrix[r, c]))


def find_candidates(items: Sequence[SupplierItem], *, cutoff: float = 88.0) -> list[Candidate]:
    """Pairs of different suppliers whose names are alike, best first, with the evidence.

    Pairs whose company numbers differ, or whose names carry different numbers ("Lot 1" / "Lot 2"),
    are never offered: a parent and its subsidiary are different suppliers.
    """
    keys: list[str] = []
    owner: list[int] = []
    for pos, item in enumerate(items):
        for key in dict.fromkeys(k for k in item.keys if k):
            keys.append(key)
            owner.append(pos)
    best: dict[tuple[int, int], tuple[float, int, int]] = {}
    for (i, j), score in _fuzzy_pairs(keys, cutoff).items():
        a, b = sorted((owner[i], owner[j]))
        if a == b or not _compatible(keys[i], keys[j]):
            continue
        if score > best.get((a, b), (-1.0, 0, 0))[0]:
            best[(a, b)] = (score, i, j)
    found = [_candidate(items[a], items[b], keys[i], keys[j], score) for (a, b), (score, i, j) in best.items()]
    found = [c for c in found if c is not None]
    found.sort(key=lambda c: (-c.score, c.a_id, c.b_id))
    return found


def _candidate(a: SupplierItem, b: SupplierItem, key_a: str, key_b: str, score: float) -> Candidate | None:
    if a.company_number and b.company_number and a.company_number != b.company_number:
        return None
    evidence = [f"names {score:.0f}% alike: '{key_a}' / '{key_b}'"]
    if key_a != key_b and compact_key(key_a) == compact_key(key_b):
        evidence.append("the names differ only in spacing")
    if a.company_number and a.company_number == b.company_number:
        evidence.append(f"same company number {a.company_number}")
    elif a.company_number or b.company_number:
        evidence.append(f"only one has a company number ({a.company_number or b.company_number})")
    if a.postcode and b.postcode and a.postcode.replace(" ", "").upper() == b.postcode.replace(" ", "").upper():
        evidence.append(f"same postcode {a.postcode}")
    if a.id > b.id:
        a, b = b, a
    return Candidate(a.id, b.id, round(score, 1), tuple(evidence))


# --- grouping ---------------------------------------------------------------------------------


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving: groups pairs into clusters in near-linear time."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def group_names(names: Sequence[str], *, cutoff: float = 92.0) -> list[int]:
    """Cluster label (index of the cluster's first name) for each name: rules first, then fuzzy pairs.

    Equal name keys always join; alike keys (score >= cutoff inside a block, same numbers) join too.
    Used to measure de-duplication on synthetic variants and to group the review queue.
    """
    keys = [name_key(n) for n in names]
    distinct = list(dict.fromkeys(k for k in keys if k))
    index = {k: i for i, k in enumerate(distinct)}
    sets = UnionFind(len(distinct))
    for (i, j), _score in _fuzzy_pairs(distinct, cutoff).items():
        if _compatible(distinct[i], distinct[j]):
            sets.union(i, j)
    first_name: dict[int, int] = {}
    labels = []
    for pos, key in enumerate(keys):
        root = sets.find(index[key]) if key else -1 - pos
        labels.append(first_name.setdefault(root, pos))
    return labels
