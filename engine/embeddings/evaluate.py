"""Intrinsic evaluation of word vectors, with the semantics of gensim's ``KeyedVectors``.

**Analogies** (:func:`evaluate_analogies`, the ``compute-accuracy`` script of the C word2vec):
a file of questions "a b c expected" in sections started by ``": name"`` lines (the Google
questions-words format). As in gensim 4.4 ``evaluate_word_analogies``:

- only the first ``restrict_vocab`` words count; with ``case_insensitive`` every word is
  upper-cased and a word written in several cases stands for the row of its first (most
  frequent) spelling;
- a question with a word outside that vocabulary is skipped and counted in ``skipped``; a line
  that is not four words is ignored (counted nowhere); a question before any section header is
  an error;
- the answer is 3CosAdd over the restricted vocabulary, ``argmax_w cos(e_w, ê_b + ê_c − ê_a)``,
  leaving out the three query rows *and* any other spelling of the query words (gensim's check
  ``predicted not in ignore``). gensim looks at only the best 5 candidates for that second
  check; when all 5 are other spellings of query words its "prediction" is the fifth, which is
  wrong. Questions where that can happen are answered by the same procedure as gensim's;
- a section whose name starts with ``gram`` is syntactic, any other semantic; gensim adds a
  "Total accuracy" section, which is :attr:`AnalogyResult.total` here (not repeated in
  ``sections``). An accuracy with no question evaluated is 0.0, as in gensim.

Vectorised, never a Python loop over the vocabulary: questions are answered in batches by
:class:`engine.embeddings.analogy_search.AnalogySearch` (shared cosine products, exact pruning
of vocabulary tiles, near-ties re-checked with gensim's arithmetic so every verdict is gensim's).

**Word pairs** (:func:`evaluate_word_pairs`, WordSim-353, SimLex-999): lines
``word1<TAB>word2<TAB>score``; lines starting with ``#`` are comments; other malformed lines are
ignored; case and ``restrict_vocab`` as above; pairs with an unknown word are dropped. Pearson's
r and Spearman's ρ (average ranks for ties) between the human scores and the model's cosines.
gensim returns the out-of-vocabulary ratio in percent, ``100 · oov / (pairs + oov)``; here
``oov_ratio`` is the same ratio as a fraction in [0, 1] (gensim's value / 100).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator, Mapping, NamedTuple

import numpy as np

from engine.embeddings.analogy_search import AnalogySearch
from engine.embeddings.events import AnalogyEvaluated, EvalProgress
from engine.embeddings.vectors import WordVectors
from engine.errors import InputError

_QUESTION_BATCH = 20_000
"""Questions answered together (more share more cosine products; progress comes per vocabulary chunk)."""


class Verdict(NamedTuple):
    """One evaluated question (words as compared: upper-cased when case-insensitive)."""

    section: str
    a: str
    b: str
    c: str
    expected: str
    predicted: str | None
    correct: bool


@dataclass(frozen=True)
class AnalogyResult:
    """Accuracies in [0, 1]; ``sections`` maps each section to (correct, evaluated)."""

    total: float
    semantic: float
    syntactic: float
    sections: Mapping[str, tuple[int, int]]
    evaluated: int
    """Questions answered (all words in the restricted vocabulary)."""
    skipped: int
    """Questions left out because a word is outside the restricted vocabulary."""
    verdicts: tuple[Verdict, ...] = ()
    stopped: bool = False

    def to_json(self) -> dict:
        """The ``eval analogies --json`` shape."""
        return {
            "total": self.total,
            "semantic": self.semantic,
            "syntactic": self.syntactic,
            "sections": {k: {"correct": c, "total": t} for k, (c, t) in self.sections.items()},
            "evaluated": self.evaluated,
            "skipped": self.skipped,
        }


class WordPairsResult(NamedTuple):
    pearson: float
    spearman: float
    oov_ratio: float
    """Pairs dropped for an unknown word, as a fraction of all valid pairs (gensim: percent)."""
    pairs: int
    """Pairs evaluated."""


# ------------------------------------------------------------------------- reading


def read_analogies(path: str, case_insensitive: bool = True) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Sections of (a, b, c, expected) questions in file order, read as gensim does."""
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    try:
        fin = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read analogy file {path}: {exc.strerror}") from None
    with fin:
        for line_no, raw in enumerate(fin):
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError:
                raise InputError(f"analogy file {path} line {line_no + 1} is not UTF-8") from None
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise InputError(f"analogy file {path} has a question before any ': section' line (line {line_no + 1})")
            words = line.split()
            if len(words) != 4:
                continue
            if case_insensitive:
                words = [w.upper() for w in words]
            sections[-1][1].append(tuple(words))  # type: ignore[arg-type]
    return sections


def _ok_vocab(wv: WordVectors, restrict_vocab: int, case_insensitive: bool) -> tuple[dict[str, int], np.ndarray]:
    """gensim's ``ok_vocab`` (key → row of its first spelling) and each row's representative row."""
    keys = wv.words[:restrict_vocab]
    if case_insensitive:
        keys = tuple(k.upper() for k in keys)
    ok = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))
    group = np.fromiter((ok[k] for k in keys), dtype=np.int64, count=len(keys))
    return ok, group


# ------------------------------------------------------------------------- analogies


def evaluate_analogies(
    wv: WordVectors, path: str, restrict_vocab: int = 300_000, case_insensitive: bool = True
) -> AnalogyResult:
    """Accuracy on an analogy file, with gensim's ``evaluate_word_analogies`` semantics."""
    result = None
    for event in iter_evaluate_analogies(wv, path, restrict_vocab, case_insensitive):
        if isinstance(event, AnalogyEvaluated):
            result = event.result
    assert result is not None
    return result


def iter_evaluate_analogies(
    wv: WordVectors,
    path: str,
    restrict_vocab: int = 300_000,
    case_insensitive: bool = True,
    stop: threading.Event | None = None,
) -> Iterator[EvalProgress | AnalogyEvaluated]:
    """:func:`evaluate_analogies` as events: ``EvalProgress`` per batch, then ``AnalogyEvaluated``.

    When ``stop`` is set the result covers the questions answered so far (``stopped=True``).
    """
    if int(restrict_vocab) < 1:
        raise InputError(f"restrict_vocab must be >= 1, got {restrict_vocab}")
    sections = read_analogies(path, case_insensitive)
    rows = min(int(restrict_vocab), len(wv))
    ok, group = _ok_vocab(wv, rows, case_insensitive)
    names = [name for name, _ in sections]
    quads, texts, where, skipped = [], [], [], 0
    for s, (_, questions) in enumerate(sections):
        for q in questions:
            idx = [ok.get(w, -1) for w in q]
            if min(idx) < 0:
                skipped += 1
                continue
            quads.append(idx)
            texts.append(q)
            where.append(s)
    quads_a = np.array(quads, dtype=np.int64).reshape(-1, 4)
    where_a = np.array(where, dtype=np.int64)
    n = len(quads_a)
    predicted = np.full(n, -1, dtype=np.int64)
    search = AnalogySearch(wv, rows, group)
    done, stopped = 0, False
    for start in range(0, n, _QUESTION_BATCH):
        batch = quads_a[start : start + _QUESTION_BATCH]
        section = names[where_a[start + len(batch) - 1]]
        steps = search.iter_answer(batch[:, :3])
        fraction = 0.0
        while True:
            if stop is not None and stop.is_set() and fraction < 1.0:
                stopped = True  # this batch is dropped; the result covers the ones before it
                break
            try:
                fraction = next(steps)
            except StopIteration as finished:
                predicted[start : start + len(batch)] = finished.value
                done = start + len(batch)
                break
            yield EvalProgress(done=start + int(fraction * len(batch)), total=n, section=section)
        if stopped or (stop is not None and stop.is_set() and done < n):
            stopped = True
            break
    yield AnalogyEvaluated(_result(wv, sections, names, quads_a[:done], texts[:done], where_a[:done],
                                   predicted[:done], group, skipped, stopped, case_insensitive))


def _result(wv, sections, names, quads, texts, where, predicted, group, skipped, stopped,
            case_insensitive) -> AnalogyResult:
    correct = np.zeros(len(quads), dtype=bool)
    ok_pred = predicted >= 0
    correct[ok_pred] = group[predicted[ok_pred]] == quads[ok_pred, 3]
    per_section: dict[str, list[int]] = {}
    for name, _ in sections:
        per_section.setdefault(name, [0, 0])
    c_sec = np.bincount(where, weights=correct, minlength=len(names)).astype(int)
    t_sec = np.bincount(where, minlength=len(names))
    for s, name in enumerate(names):
        per_section[name][0] += int(c_sec[s])
        per_section[name][1] += int(t_sec[s])
    syn = np.array([names[s].startswith("gram") for s in range(len(names))], dtype=bool)
    is_syn = syn[where] if len(where) else np.zeros(0, dtype=bool)

    def acc(mask: np.ndarray) -> float:
        return float(correct[mask].sum() / mask.sum()) if mask.sum() else 0.0

    words = wv.words
    verdicts = tuple(
        Verdict(names[s], *q, _key(words[p], case_insensitive) if p >= 0 else None, ok_)
        for s, q, p, ok_ in zip(where.tolist(), texts, predicted.tolist(), correct.tolist())
    )
    return AnalogyResult(
        total=acc(np.ones(len(quads), dtype=bool)),
        semantic=acc(~is_syn),
        syntactic=acc(is_syn),
        sections={k: (v[0], v[1]) for k, v in per_section.items()},
        evaluated=len(quads),
        skipped=int(skipped),
        verdicts=verdicts,
        stopped=stopped,
    )


def _key(word: str, case_insensitive: bool) -> str:
    return word.upper() if case_insensitive else word


# ------------------------------------------------------------------------- word pairs


def _rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties sharing their average rank (scipy.stats.rankdata 'average')."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    dense = np.cumsum(first)[np.argsort(order, kind="mergesort")]
    bounds = np.r_[np.flatnonzero(first), len(x)]
    return 0.5 * (bounds[dense] + bounds[dense - 1] + 1)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float("nan")


def evaluate_word_pairs(
    wv: WordVectors,
    path: str,
    *,
    delimiter: str = "\t",
    restrict_vocab: int = 300_000,
    case_insensitive: bool = True,
) -> WordPairsResult:
    """Pearson and Spearman correlation of cosines with human scores, as gensim's ``evaluate_word_pairs``."""
    rows = min(int(restrict_vocab), len(wv))
    ok, _ = _ok_vocab(wv, rows, case_insensitive)
    gold, left, right, oov = [], [], [], 0
    try:
        fin = open(path, encoding="utf8")
    except OSError as exc:
        raise InputError(f"cannot read word-pair file {path}: {exc.strerror}") from None
    with fin:
        for line in fin:
            if not line or line.startswith("#"):
                continue
            parts = line.split(delimiter)
            if case_insensitive:
                parts = [p.upper() for p in parts]
            if len(parts) != 3:
                continue
            try:
                score = float(parts[2])
            except ValueError:
                continue
            a, b = parts[0], parts[1]
            if a not in ok or b not in ok:
                oov += 1
                continue
            gold.append(score)
            left.append(ok[a])
            right.append(ok[b])
    if not gold:
        raise InputError(f"no word pair of {path} could be scored: wrong format or every word unknown")
    unit = lambda rows_: wv.vectors[rows_] / wv.norms[rows_][:, None]  # noqa: E731
    model = np.einsum("ij,ij->i", unit(np.array(left)), unit(np.array(right))).astype(np.float64)
    gold_a = np.array(gold, dtype=np.float64)
    return WordPairsResult(
        pearson=_pearson(gold_a, model),
        spearman=_pearson(_rankdata(gold_a), _rankdata(model)),
        oov_ratio=oov / (len(gold) + oov),
        pairs=len(gold),
    )
