"""The Analogies screen's jobs: answer a query, evaluate on the Google analogy test set, debias.

Pure functions over the engine's ``WordVectors`` (duck-typed; the engine is imported inside the
functions, in the worker thread) and run factories for :func:`explorer.runs.start_run`. An unknown
word does not raise: it becomes a :class:`QueryFailed` whose message names the word and its close
spellings, which the screen shows under the query box. Queries and the debias view are numpy-only
(light workers that never wait for torch).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal

from explorer.query import Analogy, Arithmetic, Neighbours, Query, Similarity, describe

METHOD_NAMES = {"add": "3CosAdd", "mul": "3CosMul"}


@dataclass(frozen=True)
class QueryAnswered:
    """The answers to show: ``rows`` (word, score) best first, and how to read them."""

    text: str
    rows: tuple[tuple[str, float], ...]
    title: str
    note: str = ""
    marked: frozenset[str] = field(default_factory=frozenset)
    dimmed: frozenset[str] = field(default_factory=frozenset)
    label: str = "cos"


@dataclass(frozen=True)
class QueryFailed:
    """The query could not be answered (unknown word, …); ``message`` is one line."""

    text: str
    message: str
    suggestions: tuple[str, ...] = ()


def _spell(wv: Any, word: str) -> str:
    """GloVe is lowercase: use the lowercase form when only it is known."""
    if word in wv or word.lower() not in wv:
        return word
    return word.lower()


def answer_query(wv: Any, query: Query, *, text: str = "", method: Literal["add", "mul"] = "add",
                 exclude_query: bool = True, topn: int = 10) -> QueryAnswered:
    """Answer ``query`` with ``wv`` (raises the engine's UnknownWordError / InputError)."""
    excl = "excluded" if exclude_query else "included"
    if isinstance(query, Similarity):
        a, b = _spell(wv, query.first), _spell(wv, query.second)
        score = wv.similarity(a, b)
        return QueryAnswered(text, ((f"{a} ~ {b}", score),), describe(Similarity(a, b)),
                             note=f"cos(e_{a}, e_{b}) = {score:.4f}")
    if isinstance(query, Neighbours):
        word = _spell(wv, query.word)
        rows = wv.most_similar(positive=[word], topn=topn, exclude_query=exclude_query)
        return QueryAnswered(text, tuple(rows), describe(Neighbours(word)),
                             dimmed=frozenset() if exclude_query else frozenset({word}))
    analogy = query if isinstance(query, Analogy) else query.as_analogy()
    if analogy is not None:
        a, b, c = (_spell(wv, w) for w in analogy.words)
        expected = _spell(wv, analogy.expected) if analogy.expected else None
        rows = tuple(wv.analogy(a, b, c, topn=topn, method=method, exclude_query=exclude_query))
        note = f"{METHOD_NAMES[method]}, query words {excl}"
        if expected is not None:
            ranks = [i for i, (w, _) in enumerate(rows, 1) if w == expected]
            note = (f"✓ {expected} is the top answer" if ranks == [1] else
                    f"✗ {expected} ranks #{ranks[0]}" if ranks else f"✗ {expected} is not in the top {topn}")
            note += f"  ({METHOD_NAMES[method]}, query words {excl})"
        title = f"{a} : {b} :: {c} : ?"
        if isinstance(query, Arithmetic):
            title = f"{c} − {a} + {b}  ≡  " + title
        if method == "mul":
            title += "   argmax cos′(w,b)·cos′(w,c) / (cos′(w,a) + ε)"
            label = "3CosMul"
        else:
            title += f"   argmax cos(e_w, e_{c} − e_{a} + e_{b})"
            label = "cos"
        return QueryAnswered(text, rows, title, note=note, label=label,
                             marked=frozenset({expected}) if expected else frozenset(),
                             dimmed=frozenset() if exclude_query else frozenset({a, b, c}))
    assert isinstance(query, Arithmetic)
    positive = tuple(_spell(wv, w) for w in query.positive)
    negative = tuple(_spell(wv, w) for w in query.negative)
    rows = tuple(wv.most_similar(positive=list(positive), negative=list(negative), topn=topn,
                                 exclude_query=exclude_query))
    note = f"query words {excl}"
    if method == "mul":
        note = "3CosMul needs the form c − a + b; answered by cosine to the sum. " + note
    return QueryAnswered(text, rows, describe(Arithmetic(positive, negative)), note=note,
                         dimmed=frozenset() if exclude_query else frozenset(positive + negative))


def query_factory(wv: Any, query: Query, *, text: str, method: Literal["add", "mul"], exclude_query: bool,
                  topn: int = 10):
    """A run factory for :func:`explorer.runs.start_run`: yields QueryAnswered or QueryFailed."""

    def factory(stop: threading.Event) -> Iterator[QueryAnswered | QueryFailed]:
        from engine.errors import InputError, UnknownWordError

        try:
            yield answer_query(wv, query, text=text, method=method, exclude_query=exclude_query, topn=topn)
        except UnknownWordError as exc:
            yield QueryFailed(text, str(exc), tuple(exc.suggestions))
        except InputError as exc:
            yield QueryFailed(text, str(exc))

    return factory


# -- the Google analogy evaluation and the debias view ------------------------------------------

SHARED_QUESTIONS = Path("/work/shared/data/word_similarity/questions-words.txt")

# Gender-neutral words to neutralize and pairs to equalize (Bolukbasi et al. 2016; the course's examples).
NEUTRAL_WORDS = ("receptionist", "nurse", "homemaker", "engineer", "doctor", "programmer", "babysitter")
EQUALIZE_PAIRS = (("actor", "actress"), ("grandfather", "grandmother"))
DEFINITIONAL_PAIRS = (("woman", "man"), ("she", "he"), ("her", "his"), ("girl", "boy"), ("mother", "father"))


def questions_path() -> Path:
    """The bundled Google analogy file (assets/eval), else the shared data copy."""
    try:
        from engine.assets import asset_path

        path = Path(asset_path("eval", "questions-words.txt"))
        if path.exists():
            return path
    except Exception:  # noqa: BLE001 - fall back to the shared copy
        pass
    return SHARED_QUESTIONS


def evaluation_factory(wv: Any, path: str, restrict_vocab: int):
    """Run factory: the engine's ``iter_evaluate_analogies`` events (EvalProgress…, AnalogyEvaluated)."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.embeddings.evaluate import iter_evaluate_analogies

        return iter_evaluate_analogies(wv, path, restrict_vocab=restrict_vocab, stop=stop)

    return factory


@dataclass(frozen=True)
class DebiasRow:
    """One word's cosine with the bias direction g, before and after debiasing."""

    word: str
    before: float
    after: float
    kind: str = "neutral"
    """"neutral" (neutralized) or "pair" (equalized)."""


@dataclass(frozen=True)
class DebiasComputed:
    """Cosines with the bias direction before and after debiasing, for the bars."""

    rows: tuple[DebiasRow, ...]
    direction: str
    """g in the course's notation (``g = e_woman − e_man (raw vectors)``, …)."""
    method: str = "difference"
    """The recipe: a key of ``engine.embeddings.debias.METHODS``."""
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class DebiasFailed:
    """The debias view cannot be computed for these vectors; ``message`` is one line."""

    method: str
    message: str


DEBIAS_METHODS: tuple[str, ...] = ("difference", "unit-difference", "pca")
"""The recipes the app cycles through (``engine.embeddings.debias.METHODS``), the course's first."""


def compute_debias(wv: Any, method: str = "difference") -> DebiasComputed:
    """Neutralize NEUTRAL_WORDS and equalize EQUALIZE_PAIRS by ``method``; cosines with g before/after.

    The differences use the first definitional pair (woman/man), PCA uses every one known."""
    from engine.embeddings import debias

    words = [w for w in NEUTRAL_WORDS if w in wv]
    pairs = [p for p in EQUALIZE_PAIRS if p[0] in wv and p[1] in wv]
    definitional = [p for p in DEFINITIONAL_PAIRS if p[0] in wv and p[1] in wv]
    skipped = tuple(w for w in NEUTRAL_WORDS if w not in wv) + tuple(
        f"{a}/{b}" for a, b in EQUALIZE_PAIRS if (a, b) not in pairs)
    if not definitional or (method != "pca" and definitional[0] != DEFINITIONAL_PAIRS[0]):
        from engine.errors import InputError

        raise InputError("these vectors do not know woman and man (the definitional pair); "
                         "try the pretrained GloVe vectors (ctrl+g)")
    report = debias.debias_report(wv, definitional, neutral=words, equalize=pairs, method=method)  # type: ignore[arg-type]
    rows = [DebiasRow(w, float(b), float(a), "neutral") for w, b, a in report.neutral]
    rows += [DebiasRow(w, float(b), float(a), "pair") for w, b, a in report.equalized]
    return DebiasComputed(tuple(rows), report.direction, method, skipped)


def debias_factory(wv: Any, method: str = "difference"):
    """Run factory: one DebiasComputed, or a DebiasFailed naming why (never an exception)."""

    def factory(stop: threading.Event) -> Iterator[DebiasComputed | DebiasFailed]:
        from engine.errors import InputError

        try:
            yield compute_debias(wv, method)
        except InputError as exc:
            yield DebiasFailed(method, str(exc))

    return factory
