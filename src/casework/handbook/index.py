"""Full-text search over the handbook: an in-memory index of passages, ranked, with snippets.

Pure (no HTTP, no database): `handbook.service` feeds it the passages of every procedure and of
the published FAQ. The content is a few hundred passages, so the index is built in memory in
milliseconds and searched in well under one (bench/handbook.py measures both).

- **Words** are the syllables and numbers of the text, folded (`casework.text.fold`: no
  diacritics, lower case): "tem/giấy chứng nhận kiểm định" is `tem giay chung nhan kiem dinh`,
  "2.002131" is `2 002131`. A query is folded the same way, so `tem kiem dinh` finds it.
- **Matching**: a passage matches when it holds every word of the query (the last word may be
  the beginning of a word: the officer is still typing). If no passage holds them all but some
  hold all but one (a typo, a word the handbook does not use), those are shown, and the result
  says so.
- **Ranking** is BM25 over weighted fields (a procedure's name counts 3×, a step's or a
  document's heading 2×, the text 1×; the procedure a passage belongs to 0.3×, so that
  `x quang tiep nhan` finds the reception step of the X-ray procedures), plus the same score for
  each pair of query words that stand side by side in the text: Vietnamese words are mostly two
  syllables, and `kiem dinh` must rank "kiểm định" above a passage with "kiểm tra … quyết định".
- **Snippets** are the window of the passage's text with the most query words, cut at word
  boundaries, as segments `(text, hit)`: the template marks the hits and escapes everything.
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from casework.text import fold

#: A word of the original text: a run of letters and digits (any script; "_" is not one).
_WORD = re.compile(r"[^\W_]+")
#: Between two hits that read as one phrase ("kiểm định", "X-quang"): mark them as one.
_JOIN = re.compile(r"[\s\-/]*")
#: Between two words, the end of a sentence or of a clause: a snippet may begin after it.
_STOP = re.compile(r"[.:;!?\n]")

TITLE_WEIGHT = {"procedure": 3.0, "step": 2.0, "document": 2.0, "faq": 1.5}
CONTEXT_WEIGHT = 0.3
PREFIX_FACTOR = 0.7  # a word the last query word only begins
MAX_WORDS = 12
MAX_EXPANSIONS = 60
K1, B = 1.2, 0.75
SNIPPET_WORDS = 32
TITLE_WORDS = 40  # a question asked at length is cut around its hits too


@dataclass(frozen=True)
class Passage:
    """One searchable piece of the handbook, with where it leads."""

    kind: str  # procedure | step | document | legal | source | faq
    code: str  # the procedure's code
    procedure: str  # the procedure's name
    level: str
    field: str
    title: str
    body: str
    url: str


Span = tuple[int, int, str]  # start, end in the text, the folded word
Segment = tuple[str, bool]  # text, is a hit


class _FoldTable(dict[int, str]):
    """For `str.translate`: each character folded, where it folds to one character (every
    Vietnamese letter does), so that the folded text keeps the places of the original."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = fold(char) if not char.isspace() else char
        self[code] = value = folded if len(folded) == 1 else char
        return value


_FOLD = _FoldTable()


@lru_cache(maxsize=4096)
def _fold_word(word: str) -> str:
    return fold(word)


def words_of(text: str) -> list[Span]:
    """Every word of `text` with its place, folded."""
    folded = text.translate(_FOLD)
    out = []
    for m in _WORD.finditer(text):
        start, end = m.span()
        word = folded[start:end]
        if not word.isascii():  # a letter that folds to several, or to none
            word = _fold_word(m.group())
        if word:
            out.append((start, end, word))
    return out


@lru_cache(maxsize=20_000)
def _words(p: Passage) -> tuple[list[Span], list[Span]]:
    """The words of a passage's title and text: kept, so that rebuilding the index when an
    answer is published reads only that answer again."""
    return words_of(p.title), words_of(p.body)


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...]
    prefix: bool  # the last word may be the beginning of a longer word


def parse(q: str | None) -> ParsedQuery:
    text = unicodedata.normalize("NFC", q or "")
    words = list(dict.fromkeys(w for _, _, w in words_of(text)))[:MAX_WORDS]
    return ParsedQuery(tuple(words), bool(words) and not text[-1:].isspace())


@dataclass
class Hit:
    passage: Passage
    index: int  # the passage's number in the index
    matched: int  # how many query words it holds
    score: float
    title: list[Segment] = field(default_factory=list)
    snippet: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class Found:
    hits: list[Hit]  # best first
    words: tuple[str, ...]
    partial: bool  # no passage held every word: these hold the most
    #: per query word, the indexed words it stands for (itself; and longer ones for the last)
    expansions: tuple[frozenset[str], ...] = ()


@dataclass
class _Doc:
    title: list[Span]
    body: list[Span]
    length: float


def _pairs(spans: list[Span]) -> Iterable[tuple[str, str]]:
    return zip((s[2] for s in spans), (s[2] for s in spans[1:]), strict=False)


class Index:
    """Passages, their words (weighted per field) and the pairs of neighbouring words."""

    def __init__(self, passages: Iterable[Passage]) -> None:
        self.passages: list[Passage] = []
        self._docs: list[_Doc] = []
        self._own: dict[str, dict[int, float]] = {}
        self._context: dict[str, set[int]] = {}
        self._pair: dict[tuple[str, str], dict[int, float]] = {}
        for i, p in enumerate(passages):
            self.passages.append(p)
            title, body = _words(p)
            weight = TITLE_WEIGHT.get(p.kind, 1.0)
            self._docs.append(_Doc(title, body, weight * len(title) + len(body)))
            fields = [(title, weight), (body, 1.0)]
            if p.kind == "procedure":  # its code weighs as its name: `2.002131` finds it first
                fields.append((words_of(p.code), weight))
            for spans, w in fields:
                for *_, word in spans:
                    post = self._own.setdefault(word, {})
                    post[i] = post.get(i, 0.0) + w
                for pair in _pairs(spans):
                    post = self._pair.setdefault(pair, {})
                    post[i] = post.get(i, 0.0) + w
            if p.kind != "procedure":
                for _, _, word in words_of(p.procedure):
                    self._context.setdefault(word, set()).add(i)
        self._vocabulary = sorted(self._own.keys() | self._context.keys())
        n = len(self._docs)
        avg = (sum(d.length for d in self._docs) / n if n else 1.0) or 1.0
        self._norm = [K1 * (1 - B + B * d.length / avg) for d in self._docs]

    def __len__(self) -> int:
        return len(self.passages)

    # ---- searching ----------------------------------------------------------------------------

    def _idf(self, df: int) -> float:
        n = len(self._docs)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _add(self, score: dict[int, float], tf: dict[int, float], idf: float) -> None:
        """BM25: each passage's weighted count `tf`, saturated and normalised by its length."""
        norm, scale = self._norm, idf * (K1 + 1)
        for i, value in tf.items():
            score[i] = score.get(i, 0.0) + scale * value / (value + norm[i])

    def _expand(self, word: str, prefix: bool) -> dict[str, float]:
        """The indexed words a query word stands for, each with its weight."""
        out = {word: 1.0} if word in self._own or word in self._context else {}
        if prefix:
            start = bisect.bisect_left(self._vocabulary, word)
            for other in self._vocabulary[start : start + MAX_EXPANSIONS]:
                if not other.startswith(word):
                    break
                out.setdefault(other, PREFIX_FACTOR)
        return out

    def search(self, q: str | None, keep: set[int] | None = None) -> Found:
        """Passages holding the words of `q` (every word, else the most), best first.

        `keep`: the passages a filter allows (None: all)."""
        query = parse(q)
        if not query.words:
            return Found([], (), False)
        last = len(query.words) - 1
        expansions = [
            self._expand(w, query.prefix and n == last) for n, w in enumerate(query.words)
        ]
        score: dict[int, float] = {}
        matched: dict[int, int] = {}
        own_hit: set[int] = set()
        for terms in expansions:
            tf: dict[int, float] = {}
            for term, factor in terms.items():
                for i, w in self._own.get(term, {}).items():
                    tf[i] = max(tf.get(i, 0.0), w * factor)
            idf = self._idf(len(tf))
            own_hit.update(tf)
            for term, factor in terms.items():
                for i in self._context.get(term, ()):
                    tf[i] = tf.get(i, 0.0) + CONTEXT_WEIGHT * factor
            self._add(score, tf, idf)
            for i in tf:
                matched[i] = matched.get(i, 0) + 1
        for left, right in zip(expansions, expansions[1:], strict=False):
            tf = {}
            for a, fa in left.items():
                for b, fb in right.items():
                    for i, w in self._pair.get((a, b), {}).items():
                        tf[i] = max(tf.get(i, 0.0), w * fa * fb)
            self._add(score, tf, self._idf(len(tf)))
        candidates = [i for i in own_hit if keep is None or i in keep]
        if not candidates:
            return Found([], query.words, False)
        best = max(matched[i] for i in candidates)
        partial = best < len(query.words)
        if partial and (best < len(query.words) - 1 or len(query.words) < 2):
            return Found([], query.words, False)  # more than one word found nowhere
        candidates = [i for i in candidates if matched[i] == best]
        candidates.sort(key=lambda i: (-matched[i], -score[i], i))
        hits = [Hit(self.passages[i], i, matched[i], score[i]) for i in candidates]
        return Found(hits, query.words, partial, tuple(frozenset(e) for e in expansions))

    # ---- snippets -----------------------------------------------------------------------------

    def mark(self, hit: Hit, expansions: tuple[frozenset[str], ...]) -> None:
        """Fill the hit's title and snippet: its title with the query words marked, and the
        window of its text with the most query words (`Found.expansions`), or the beginning of
        the text when the words are only in the title. Done for the hits shown, not all."""
        doc = self._docs[hit.index]
        phrased = self._phrased(hit.index, expansions)
        title = _marks(doc.title, expansions, phrased)
        hit.title = _window(hit.passage.title, doc.title, title, TITLE_WORDS)
        body = _marks(doc.body, expansions, phrased)
        hit.snippet = _window(hit.passage.body, doc.body, body, SNIPPET_WORDS)

    def _phrased(self, i: int, expansions: tuple[frozenset[str], ...]) -> set[int]:
        doc = self._docs[i]
        return {
            j + d
            for spans in (doc.title, doc.body)
            for _, j in _phrases(spans, expansions)
            for d in (0, 1)
        }


def _phrases(
    spans: list[Span], expansions: tuple[frozenset[str], ...]
) -> Iterable[tuple[int, int]]:
    """(word number in the text, query word number) of each query pair standing side by side."""
    for j in range(len(expansions) - 1):
        left, right = expansions[j], expansions[j + 1]
        for n in range(len(spans) - 1):
            if spans[n][2] in left and spans[n + 1][2] in right:
                yield n, j


def _marks(
    spans: list[Span], expansions: tuple[frozenset[str], ...], phrased: set[int]
) -> dict[int, int]:
    """Which words of a text to mark, each with the query word it answers. The query words in
    `phrased` stand side by side somewhere in the passage ("kiểm định" for `kiem dinh`): for
    them only such phrases are marked, not every "kiểm" of "kiểm tra" nor the "định" of
    "quyết định"."""
    marks: dict[int, int] = {}
    for n, j in _phrases(spans, expansions):
        marks.setdefault(n, j)
        marks.setdefault(n + 1, j + 1)
    for n, (_, _, word) in enumerate(spans):
        if n not in marks:
            for j, terms in enumerate(expansions):
                if j not in phrased and word in terms:
                    marks[n] = j
                    break
    return marks


def _window(text: str, spans: list[Span], marks: dict[int, int], size: int) -> list[Segment]:
    """At most `size` words of `text`: those around the most distinct marked query words."""
    if not spans:
        return [(text, False)] if text else []
    start = 0
    if marks and len(spans) > size:
        best = -1
        for spot in sorted(marks):
            first = max(0, min(spot - 6, len(spans) - size))
            for n in range(spot, first, -1):  # begin at the sentence the hit is in, if near
                if _STOP.search(text[spans[n - 1][1] : spans[n][0]]):
                    first = n
                    break
            inside = {q for n, q in marks.items() if first <= n < first + size}
            if len(inside) > best:
                best, start = len(inside), first
    return _segments(text, spans, start, min(len(spans), start + size), marks)


def _segments(
    text: str, spans: list[Span], start: int, end: int, marks: dict[int, int]
) -> list[Segment]:
    """`text` from word `start` to word `end` (exclusive) as plain and hit segments (`marks`);
    "…" where it is cut. Neighbouring hits joined by a space, hyphen or slash make one hit."""
    if not spans:
        return [(text, False)] if text else []
    out: list[Segment] = []
    if start > 0:
        out.append(("… ", False))
    pos = 0 if start == 0 else spans[start][0]
    stop = spans[end - 1][1]
    n = start
    while n < end:
        s = spans[n][0]
        if n not in marks:
            n += 1
            continue
        last = n
        while last + 1 < end and last + 1 in marks:
            gap = text[spans[last][1] : spans[last + 1][0]]
            if not _JOIN.fullmatch(gap):
                break
            last += 1
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s : spans[last][1]], True))
        pos = spans[last][1]
        n = last + 1
    if stop > pos:
        out.append((text[pos:stop], False))
    if end < len(spans):
        out.append((" …", False))
    elif stop < len(text):
        tail = text[stop:].strip()
        if tail:
            out.append((text[stop:].rstrip(), False))
    return out
