"""CPV suggestions for contracts that carry no code: ranked, with a confidence and the evidence.

Pure and Qt-free. The model is built once from two sources and then answers each contract with a
few look-ups, never by comparing all pairs:

- the CPV 2008 vocabulary and its hierarchy: each CPV group (first three digits) is a document made
  of its codes' labels, so "school transport" meets "passenger transport services";
- the contracts in the register that already carry codes: their words (TF-IDF, inverted index) find
  the most similar coded contracts, whose codes vote; a supplier's and a category's coded contracts
  vote too;
- a word model of CPV divisions (multinomial logistic regression), trained on the coded contracts
  and on every CPV label as a short document of its division: it learns how strongly each word
  tells divisions apart, which similarity alone cannot.

ProClass category labels add their words when a contract's category is a ProClass one; how often
the register uses each group the evidence names breaks near ties.
"""

from __future__ import annotations

import csv
import heapq
import html
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter

import numpy as np

from flagdesk import cpv
from flagdesk.analysis import softmax
from flagdesk.errors import CancelledError
from resources import resource_path

# Words that say nothing about what is bought (procurement boilerplate and function words).
_STOPWORDS = frozenset(
    """
    the and for with from that this are was were will shall been being have has had not but all any
    its into onto per via our your their they them who which what when where there here such other
    than also may can must each both more most some only over under upon within without between
    about council borough county city district lancashire norfolk contract contracts contractor
    provision provide providing provided requirement requirements tender tenders tendering
    procurement award awarded notice opportunity supplier suppliers service services supply supplies
    framework lot lots agreement year years month months period new including include includes use
    used using required deliver delivery support works work various associated related general
    invitation quote quotation itt rfq rfp eoi appointment tenderer bidder bidders please contact
    submit submission deadline value estimated approximately approx aim seeking seek looking wish
    invite invited interested ltd limited plc llp cic inc
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_WORD = re.compile(r"[a-z]+")
_URL = re.compile(r"(?:https?://|www\.)\S+")
# Capitalised abbreviations that name a need; expanded into the words the CPV labels use.
_ACRONYMS = {
    "IT": "information technology",
    "ICT": "information technology",
    "CCTV": "closed circuit television",
    "HR": "human resources",
    "AV": "audio visual",
    "PPE": "personal protective equipment",
    "LED": "lighting",
    "EV": "electric vehicle",
}
_ACRONYM = re.compile(r"\b(?:" + "|".join(_ACRONYMS) + r")\b")


def _stem(word: str) -> str:
    """A light stemmer: enough to meet "vehicles" with "vehicle", "cleaning" with "clean", "housing"
    with "houses" and "managed" with "manage" (a plural goes first, then -ing/-ed, then a final e).
    As in Porter's, a short stem keeps its e, so "care" is not "car", nor "site" "sit"."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            return word + "e" if _short(word) else word  # "storing" meets "store"
    if len(word) > 3 and word.endswith("e") and not _short(word[:-1]):
        word = word[:-1]
    return word


_VOWELS = frozenset("aeiou")


def _short(stem: str) -> bool:
    """One vowel group ending consonant-vowel-consonant (not w, x or y): "car", "sit", "plan"."""
    if len(stem) < 3 or stem[-1] in _VOWELS or stem[-1] in "wxy":
        return False
    if stem[-2] not in _VOWELS or stem[-3] in _VOWELS:
        return False
    return not any(c in _VOWELS for c in stem[:-3])


@cache
def _stem_cached(word: str) -> str:
    return _stem(word)


# stop words again after stemming: "contracting" and "services" are boilerplate too
_STOPSTEMS = frozenset(map(_stem, _STOPWORDS))


def tokens(text: str | None) -> list[str]:
    """Content words of a text, lower-cased and stemmed, boilerplate removed."""
    if not text:
        return []
    text = _ACRONYM.sub(lambda m: _ACRONYMS[m.group(0)], html.unescape(text))
    # a portal's address ("www.the-chest.org.uk") says where to bid, not what is bought
    words = _WORD.findall(_URL.sub(" ", text).lower())
    stems = (_stem_cached(w) for w in words if len(w) > 2 and w not in _STOPWORDS)
    return [w for w in stems if w not in _STOPSTEMS]


@cache
def _surfaces() -> dict[str, str]:
    """Stem -> the shortest CPV label word it comes from ("refus" -> "refuse"), to show evidence."""
    found: dict[str, str] = {}
    for text in cpv.vocabulary().values():
        for word in _WORD.findall(text.lower()):
            stem = _stem_cached(word)
            found[stem] = min(found.get(stem, word), word, key=lambda w: (len(w), w))
    return found


def readable(stem: str) -> str:
    """A stem as a word a reader recognises (stems of words no CPV label uses are shown as they are)."""
    return _surfaces().get(stem, stem)


# --- inputs and outputs ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    """What the classifier reads of one contract (codes are the published ones, if any)."""

    id: int
    title: str
    description: str = ""
    category: str | None = None
    supplier_ids: tuple[int, ...] = ()
    cpv: tuple[str, ...] = ()
    partner: str = ""
    supplier_names: tuple[str, ...] = ()  # "… Roofing Ltd", "Zurich Municipal": trades show in names


@dataclass(frozen=True, slots=True)
class Suggestion:
    cpv: str
    label: str
    confidence: float  # share of the evidence pointing at this code's group, 0..1
    evidence: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {"cpv": self.cpv, "label": self.label, "confidence": self.confidence, "evidence": list(self.evidence)}


# --- sparse TF-IDF helpers ---------------------------------------------------------------------


def _idf(documents: Iterable[Iterable[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    n = 0
    for doc in documents:
        n += 1
        df.update(set(doc))
    return {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}


def _vector(words: Iterable[str] | Counter[str], idf: dict[str, float]) -> dict[str, float]:
    """Unit-length TF-IDF vector (sublinear term frequency); unknown words are dropped."""
    counts = words if isinstance(words, Counter) else Counter(words)
    counts = Counter({w: c for w, c in counts.items() if w in idf})
    vec = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


class _InvertedIndex:
    """token -> [(document, weight)]: cosine scores touch only documents sharing a word.

    With ``keep``, each word keeps only its most heavily weighted documents: a word found in hundreds
    of labels ("equipment") then costs little, and only the documents it barely matters to drop out.
    """

    def __init__(self, vectors: Sequence[dict[str, float]], keep: int | None = None) -> None:
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, vec in enumerate(vectors):
            for token, weight in vec.items():
                self.postings[token].append((doc, weight))
        if keep is not None:
            for token, docs in self.postings.items():
                if len(docs) > keep:
                    self.postings[token] = heapq.nlargest(keep, docs, key=lambda dw: dw[1])

    def scores(self, query: dict[str, float]) -> dict[int, float]:
        acc: dict[int, float] = defaultdict(float)
        for token, qw in query.items():
            for doc, dw in self.postings.get(token, ()):
                acc[doc] += qw * dw
        return acc


# --- the CPV vocabulary as documents ---------------------------------------------------------


@dataclass(frozen=True)
class _VocabularyIndex:
    groups: list[str]  # three-digit group prefixes
    group_index: _InvertedIndex
    idf: dict[str, float]
    code_words: dict[str, frozenset[str]]  # canonical code -> its label's words
    codes: list[str]
    code_index: _InvertedIndex  # one document per code: its own label


_KEEP = 60  # documents kept per word in the CPV vocabulary indexes


def _top(found: dict[int, float], n: int) -> list[tuple[int, float]]:
    """The n best (document, score) pairs, best first (ties keep index order: deterministic)."""
    return heapq.nlargest(n, found.items(), key=itemgetter(1))


@cache
def _vocabulary_index() -> _VocabularyIndex:
    """One document per CPV group: its codes' labels, the group's own label counted twice."""
    words_by_group: dict[str, list[str]] = defaultdict(list)
    code_words: dict[str, frozenset[str]] = {}
    for code, text in cpv.vocabulary().items():
        words = tokens(text)
        code_words[code] = frozenset(words)
        words_by_group[code[:3]].extend(words)
        if code[3:8] == "00000":
            words_by_group[code[:3]].extend(words)
    groups = sorted(words_by_group)
    idf = _idf(words_by_group[g] for g in groups)
    vectors = [_vector(words_by_group[g], idf) for g in groups]
    codes = sorted(code_words)
    code_vectors = [_vector(code_words[c], idf) for c in codes]
    return _VocabularyIndex(
        groups, _InvertedIndex(vectors, _KEEP), idf, code_words, codes, _InvertedIndex(code_vectors, _KEEP)
    )


@cache
def proclass_words() -> dict[str, tuple[str, ...]]:
    """Lower-cased ProClass v17 label (any level) -> the words of its whole path (level1..3)."""
    found: dict[str, tuple[str, ...]] = {}
    with open(resource_path("proclass_17.csv"), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            path = [row["level1"], row["level2"], row["level3"]]
            words = tuple(tokens(" ".join(path)))
            for level in path:
                if level.strip():
                    found.setdefault(level.strip().lower(), words)
    return found


def _category_words(category: str | None) -> tuple[list[str], str | None]:
    """Words of a council category label, widened by its ProClass path when it is a ProClass label."""
    if not category:
        return [], None
    words = tokens(category.replace(".", " "))
    for part in [category, *re.split(r"[.\-/]", category)]:
        extra = proclass_words().get(part.strip().lower())
        if extra:
            return words + list(extra), part.strip()
    return words, None


Votes = dict[str, float]  # code, group or division -> weight of the vote
Reasons = dict[str, list[str]]  # code, group or division -> why

# --- the model --------------------------------------------------------------------------------

_NEIGHBOURS = 15


@dataclass(frozen=True)
class _Weight:
    """How much one kind of evidence counts when ranking divisions, and when choosing the group
    inside a chosen division. The division weights are the candidate that did best on all 15
    Lancashire councils (leave one council out, top-3 plus half top-1). tests/benchmarks/
    bench_classify_nested.py chooses them again for each council without it: in 12 of the 15 folds
    the winner differs from these in the word model's weight alone. The group weights are the
    earlier ones: the new division weights pick divisions better but groups inside them worse."""

    division: float
    group: float


_W_SIMILAR = _Weight(1.0, 1.0)
_W_VOCABULARY = _Weight(2.0, 1.0)
_W_SUPPLIER = _Weight(2.0, 1.0)
_W_CATEGORY = _Weight(0.8, 0.8)
_W_CENTROID = _Weight(2.0, 1.5)
_W_LABELS = _Weight(0.5, 1.0)
_W_MODEL = _Weight(3.0, 0.0)  # the division word model names divisions only (see _DivisionModel)
_W_PRIOR = _Weight(0.2, 0.2)  # how often the register uses each group: a tie-breaker, never a reason alone
_TOP = 10  # groups kept from each similarity ranking
_SIMILAR_FLOOR = 0.08  # neighbours less alike than this are noise


def _contract_words(example: Example) -> list[str]:
    # The title says most about the need; description words dilute it, so the title counts twice.
    title = tokens(example.title)
    category, _ = _category_words(example.category)
    suppliers = tokens(" ".join(example.supplier_names))
    return title + title + tokens(example.description) + category + suppliers


@dataclass
class _Scores:
    """Scores of one contract: each kind of evidence is a distribution, weighted and summed, once
    per division (to rank divisions) and once per group and code (to choose inside a division)."""

    division: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    group: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    code: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    evidence: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, weight: _Weight, votes: dict[str, float], reasons: dict[str, list[str]] | None = None) -> None:
        """Add one kind of evidence: votes per code, group or division (8, 3 or 2 digits),
        normalised so the kinds compare. Evidence is kept by group, or by division."""
        total = sum(votes.values())
        if total <= 0:
            return
        for key, vote in votes.items():
            share = vote / total
            self.division[key[:2]] += weight.division * share
            if len(key) > 2:
                self.group[key[:3]] += weight.group * share
            if len(key) > 3:
                self.code[key] += weight.group * share
            for why in (reasons or {}).get(key, ()):
                self.evidence[key[:3]].append((weight.division * share, why))


class CpvClassifier:
    """Built once from the coded contracts; ``suggest`` is then cheap per contract."""

    def __init__(self, coded: Iterable[Example]) -> None:
        self.coded = [e for e in coded if e.cpv]
        self._vocab = _vocabulary_index()
        words = [_contract_words(e) for e in self.coded]
        self._idf = _idf(words)
        self._index = _InvertedIndex([_vector(w, self._idf) for w in words])
        self._build_centroids(words)
        self._model = _DivisionModel(words, [e.cpv for e in self.coded])
        self._prior = dict(Counter(c[:3] for e in self.coded for c in set(e.cpv)))
        self._by_supplier: dict[int, list[int]] = defaultdict(list)
        self._by_category: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.coded):
            for sid in e.supplier_ids:
                self._by_supplier[sid].append(i)
            if e.category:
                self._by_category[e.category.strip().lower()].append(i)

    def suggest(self, example: Example, *, top: int = 3) -> list[Suggestion]:
        words = _contract_words(example)
        scores = _Scores()
        for _, weight, votes, reasons in self.evidence(example, words):
            scores.add(weight, votes, reasons)
        if example.category:
            _proclass_evidence(_category_words(example.category)[1], scores)
        return self._rank(words, scores, top)

    def evidence(self, example: Example, words: list[str]) -> Iterator[tuple[str, _Weight, Votes, Reasons]]:
        """Each kind of evidence in turn: (name, weight, votes per code/group/division, reasons)."""
        text = [
            ("similar", _W_SIMILAR, *self._similar(example, words)),
            ("vocabulary", _W_VOCABULARY, *self._vocabulary(words)),
            ("centroid", _W_CENTROID, self._centroids(words), {}),
            ("labels", _W_LABELS, *self._labels(words)),
            ("model", _W_MODEL, *self._model.votes(words)),
        ]
        yield from text
        named = {k[:3] for _, _, votes, _ in text if sum(votes.values()) > 0 for k in votes if len(k) > 2}
        # how common each group the text names is in the register breaks ties; alone it says nothing
        yield "prior", _W_PRIOR, {g: self._prior[g] for g in sorted(named) if g in self._prior}, {}
        others = self._others(self._by_supplier, example.supplier_ids, example)
        yield "supplier", _W_SUPPLIER, *self._votes(others, "the supplier's")
        if example.category:
            others = self._others(self._by_category, (example.category.strip().lower(),), example)
            yield "category", _W_CATEGORY, *self._votes(others, "the category's")
            # the category alone, read by the word model: among the title's words it can be drowned
            yield (
                "category model",
                _W_CATEGORY,
                *self._model.votes(_category_words(example.category)[0], "word model on the category"),
            )

    def _build_centroids(self, words: list[list[str]]) -> None:
        docs: dict[str, Counter[str]] = defaultdict(Counter)
        for e, w in zip(self.coded, words, strict=True):
            for group in {c[:3] for c in e.cpv}:
                docs[group].update(set(w))
        self._centroid_groups = sorted(docs)
        self._centroid_idf = _idf(docs[g] for g in self._centroid_groups)
        self._centroid_index = _InvertedIndex([_vector(docs[g], self._centroid_idf) for g in self._centroid_groups])

    def _centroids(self, words: list[str]) -> dict[str, float]:
        found = self._centroid_index.scores(_vector(words, self._centroid_idf))
        return {self._centroid_groups[g]: sim for g, sim in _top(found, _TOP)}

    def _similar(self, example: Example, words: list[str]) -> tuple[dict[str, float], dict[str, list[str]]]:
        sims = self._index.scores(_vector(words, self._idf))
        # one extra, in case the contract itself is among the coded ones
        best = _top(sims, _NEIGHBOURS + 1)
        near = [(i, s) for i, s in best if s >= _SIMILAR_FLOOR and self.coded[i].id != example.id]
        votes: dict[str, float] = defaultdict(float)
        reasons: dict[str, list[str]] = defaultdict(list)
        for i, sim in near[:_NEIGHBOURS]:
            other = self.coded[i]
            why = f"similar contract: '{other.title[:80]}'" + (f" ({other.partner})" if other.partner else "")
            for code in other.cpv:
                votes[code] += sim / len(other.cpv)
                reasons[code].append(why)
        return votes, reasons

    def _vocabulary(self, words: list[str]) -> tuple[dict[str, float], dict[str, list[str]]]:
        """CPV groups whose labels, taken together, are most like the contract's words."""
        vocab = self._vocab
        return _label_votes(vocab.group_index, vocab.groups, _group_words, words, "matched words", 1)

    def _labels(self, words: list[str]) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Codes whose own label is most like the contract's words ("Refuse skips", "Tents"); squared,
        so a near-exact label match stands out."""
        vocab = self._vocab
        return _label_votes(vocab.code_index, vocab.codes, vocab.code_words.__getitem__, words, "label matches", 2)

    def _others(self, table: dict, keys: Iterable, example: Example) -> set[int]:
        return {i for k in keys for i in table.get(k, ()) if self.coded[i].id != example.id}

    def _votes(self, others: set[int], what: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        counts = Counter(c for i in others for c in self.coded[i].cpv)
        groups = Counter(c[:3] for c in counts.elements())
        reasons = {c: [f"{groups[c[:3]]} of {what} {len(others)} other coded contracts carry {c[:3]}*"] for c in counts}
        return dict(counts), reasons

    def _rank(self, words: list[str], scores: _Scores, top: int) -> list[Suggestion]:
        """The best group of each of the best divisions: diverse suggestions, each a different need."""
        best_group: dict[str, tuple[float, str]] = {}
        for group, score in scores.group.items():
            best_group[group[:2]] = max(best_group.get(group[:2], (0.0, "")), (score, group))
        total = sum(scores.division.values())
        if total <= 0:
            return []
        ranked = sorted(scores.division.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        out = []
        for division, score in ranked:
            # a division only the word model names stands for itself: its "X0" group holds "X000000"
            group = best_group.get(division, (0.0, division + "0"))[1]
            code = self._best_code(group, words, scores)
            reasons = scores.evidence[group] + scores.evidence[division]
            evidence = tuple(dict.fromkeys(why for _, why in sorted(reasons, reverse=True)))[:5]
            out.append(Suggestion(code, cpv.vocabulary()[code], round(score / total, 3), evidence))
        return out

    def _best_code(self, group: str, words: list[str], scores: _Scores) -> str:
        """Within a chosen group: the code the evidence voted for most, else the best label match."""
        voted = [(s, c) for c, s in scores.code.items() if c.startswith(group) and s > 0]
        if voted:
            return max(voted)[1]
        wordset = set(words)
        idf = self._vocab.idf
        best = max(
            _codes_in_group(group),
            key=lambda c: (sum(idf.get(w, 0) for w in self._vocab.code_words[c] & wordset), -len(c.rstrip("0"))),
        )
        return best if self._vocab.code_words[best] & wordset else _group_code(group)


_MODEL_STEPS = 30  # full-batch Adam steps: 100 gain under half a point of top-3 and cost 3x the time
_MODEL_RATE = 0.3
_MODEL_C = 10.0  # inverse regularisation, per unit of training weight (as in scikit-learn)
_MODEL_EVIDENCE_WORDS = 4
_MODEL_EXPLAINED = 3  # divisions whose words are named: a lower one rarely reaches the suggestions


@cache
def _label_documents() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(division, words) of every CPV label: the vocabulary as short training documents."""
    return tuple((code[:2], tuple(tokens(text))) for code, text in cpv.vocabulary().items())


class _DivisionModel:
    """P(division | words): multinomial logistic regression over TF-IDF words.

    Trained on the coded contracts (a contract with codes in two divisions counts half to each) and
    on every CPV label, each as a document of its division with the weight of one contract: the
    labels teach the words no contract has used yet ("tents", "funeral"), the contracts teach how
    councils write ("wheelie bins", "skip wagon").
    """

    def __init__(self, words: Sequence[list[str]], codes: Sequence[tuple[str, ...]]) -> None:
        docs: list[Sequence[str]] = []
        labels: list[str] = []
        weights: list[float] = []
        for doc, found in zip(words, codes, strict=True):
            divisions = sorted({c[:2] for c in found})
            for division in divisions:
                docs.append(doc)
                labels.append(division)
                weights.append(1.0 / len(divisions))
        for division, doc in _label_documents():
            docs.append(doc)
            labels.append(division)
            weights.append(1.0)
        self.idf = _idf(docs)
        self.terms = sorted(self.idf)
        self.columns = {t: i for i, t in enumerate(self.terms)}
        self.classes = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes)}
        rows = softmax.SparseRows([self._row(d) for d in docs], len(self.columns))
        sample_weight = np.asarray(weights)
        self.weights, self.bias = softmax.fit(
            rows,
            np.fromiter((index[c] for c in labels), dtype=np.int64, count=len(labels)),
            len(self.classes),
            sample_weight,
            l2=1.0 / (_MODEL_C * sample_weight.sum()),
            steps=_MODEL_STEPS,
            rate=_MODEL_RATE,
        )

    def _row(self, words: Iterable[str]) -> dict[int, float]:
        return {self.columns[t]: w for t, w in _vector(words, self.idf).items()}

    def votes(self, words: list[str], what: str = "word model") -> tuple[dict[str, float], dict[str, list[str]]]:
        """The most likely divisions, each with the words that weigh most towards it."""
        row = self._row(words)
        cols = np.fromiter(row, dtype=np.int64, count=len(row))
        values = np.fromiter(row.values(), dtype=self.weights.dtype, count=len(row))
        pulls = self.weights[cols] * values[:, None]  # each word's pull towards each division
        probs = softmax.softmax(pulls.sum(axis=0) + self.bias)
        votes: dict[str, float] = {}
        reasons: dict[str, list[str]] = {}
        for rank, k in enumerate(np.argsort(-probs, kind="stable")[:_TOP]):
            division = self.classes[k]
            votes[division] = float(probs[k])
            if rank >= _MODEL_EXPLAINED:
                continue
            strongest = [self.terms[cols[i]] for i in np.argsort(-pulls[:, k], kind="stable") if pulls[i, k] > 0]
            if strongest:
                words_shown = ", ".join(map(readable, strongest[:_MODEL_EVIDENCE_WORDS]))
                reasons[division] = [f"{what}, division {division} ({probs[k]:.0%}): {words_shown}"]
        return votes, reasons


def _label_votes(
    index: _InvertedIndex,
    keys: list[str],
    words_of: Callable[[str], frozenset[str]],
    words: list[str],
    what: str,
    power: int,
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Votes for the best-matching CPV label documents, with the words they share as evidence."""
    found = index.scores(_vector(words, _vocabulary_index().idf))
    wordset = set(words)
    votes: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for doc, sim in _top(found, _TOP):
        key = keys[doc]
        votes[key] = sim**power
        matched = sorted(wordset & words_of(key))
        if matched:
            reasons[key] = [f"{what}: " + ", ".join(map(readable, matched[:6]))]
    return votes, reasons


def _proclass_evidence(proclass: str | None, scores: _Scores) -> None:
    """Name the ProClass category beside the groups whose labels share its words."""
    if not proclass:
        return
    words = set(proclass_words()[proclass.lower()])
    for group in list(scores.group):
        shared = words & _group_words(group)
        if shared:
            why = f"ProClass category '{proclass}' shares: " + ", ".join(map(readable, sorted(shared)))
            scores.evidence[group].append((1.0, why))


@cache
def _group_words(group: str) -> frozenset[str]:
    vocab = _vocabulary_index()
    return frozenset(w for c in _codes_in_group(group) for w in vocab.code_words[c])


@cache
def _group_members() -> dict[str, tuple[str, ...]]:
    members: dict[str, list[str]] = defaultdict(list)
    for code in cpv.vocabulary():
        members[code[:3]].append(code)
    return {g: tuple(codes) for g, codes in members.items()}


def _codes_in_group(group: str) -> tuple[str, ...]:
    return _group_members()[group]


def _group_code(group: str) -> str:
    """The code that stands for a whole group ('451' -> '45100000-8'), or its first code."""
    return cpv.try_resolve(group.ljust(8, "0")) or _codes_in_group(group)[0]


def suggest_all(
    coded: Iterable[Example],
    uncoded: Sequence[Example],
    *,
    top: int = 3,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> dict[int, list[Suggestion]]:
    """Suggestions for every uncoded contract, learned from the coded ones."""
    model = CpvClassifier(coded)
    result: dict[int, list[Suggestion]] = {}
    step = max(1, len(uncoded) // 100)
    for n, example in enumerate(uncoded):
        if n % step == 0:
            if cancel is not None and cancel():
                raise CancelledError("Classification cancelled; nothing was changed.")
            if progress is not None:
                progress(n / max(1, len(uncoded)))
        result[example.id] = model.suggest(example, top=top)
    if progress is not None:
        progress(1.0)
    return result
