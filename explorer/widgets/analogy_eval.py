"""Glue between the Analogies screen and the engine's evaluation and debias code.

Run factories for :func:`explorer.runs.start_run` (they import the engine inside the
worker thread) and :func:`show_engine_event`, which puts their events on the screen:
the progress bar and the per-section table of the Google analogy evaluation, and the
before/after projection bars of the debias view.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from explorer.widgets.analogy_debias import DebiasRow

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
class DebiasComputed:
    """Projections on the bias direction before and after debiasing, for the bars."""

    rows: tuple[DebiasRow, ...]
    direction: str
    skipped: tuple[str, ...] = ()


def compute_debias(wv: Any) -> DebiasComputed:
    """Neutralize NEUTRAL_WORDS and equalize EQUALIZE_PAIRS with the engine; projections before/after."""
    from engine.embeddings import debias

    words = [w for w in NEUTRAL_WORDS if w in wv]
    pairs = [p for p in EQUALIZE_PAIRS if p[0] in wv and p[1] in wv]
    definitional = [p for p in DEFINITIONAL_PAIRS if p[0] in wv and p[1] in wv]
    skipped = tuple(w for w in NEUTRAL_WORDS if w not in wv) + tuple(
        f"{a}/{b}" for a, b in EQUALIZE_PAIRS if (a, b) not in pairs)
    if not definitional:
        from engine.errors import InputError

        raise InputError("these vectors know none of the definitional pairs (woman/man, she/he, …); "
                         "try the pretrained GloVe vectors")
    report = debias.debias_report(wv, definitional, neutral=words, equalize=pairs)
    rows = [DebiasRow(w, float(b), float(a), "neutral") for w, b, a in report.neutral]
    rows += [DebiasRow(w, float(b), float(a), "pair") for w, b, a in report.equalized]
    return DebiasComputed(tuple(rows), report.direction, skipped)


def debias_factory(wv: Any):
    def factory(stop: threading.Event) -> Iterator[DebiasComputed]:
        yield compute_debias(wv)

    return factory


def show_engine_event(screen: Any, event: object) -> None:
    """Show an evaluation or debias event on the Analogies screen."""
    from textual.widgets import DataTable, ProgressBar, Static

    from explorer.widgets.analogy_debias import DebiasBars

    name = type(event).__name__
    if name == "EvalProgress":
        bar = screen.query_one("#analogies-eval-progress", ProgressBar)
        bar.update(total=max(event.total, 1), progress=event.done)
        screen.query_one("#analogies-eval-info", Static).update(
            f"Google analogies · section {event.section} · {event.done:,} / {event.total:,} questions"
            " · escape stops")
    elif name == "AnalogyEvaluated":
        show_result(screen, event.result)
    elif isinstance(event, DebiasComputed):
        screen.query_one("#analogies-debias-bars", DebiasBars).show(
            event.rows, title="projection on g, before → after")
        info = (f"g = {event.direction}. Blue: neutralized, e − (e·g) g, so e·g → 0. "
                "Pink: equalized pairs, ± the same projection.")
        if event.skipped:
            info += f"  Not in the vocabulary: {', '.join(event.skipped)}."
        screen.query_one("#analogies-debias-info", Static).update(info)


def show_result(screen: Any, result: Any) -> None:
    """Fill the per-section table and the summary line from an AnalogyResult."""
    from textual.widgets import DataTable, ProgressBar, Static

    table = screen.query_one("#analogies-eval-table", DataTable)
    table.clear()
    for section, counts in result.sections.items():
        correct, total = counts if isinstance(counts, tuple) else (counts["correct"], counts["total"])
        accuracy = f"{correct / total:6.1%}" if total else "   –"
        table.add_row(section, f"{correct:,}", f"{total:,}", accuracy)
    bar = screen.query_one("#analogies-eval-progress", ProgressBar)
    done = getattr(result, "evaluated", None)
    if done is not None:
        bar.update(total=max(done, 1), progress=done)
    stopped = " (stopped)" if getattr(result, "stopped", False) else ""
    screen.query_one("#analogies-eval-info", Static).update(
        f"total {result.total:.1%} · semantic {result.semantic:.1%} · syntactic {result.syntactic:.1%} · "
        f"{result.evaluated:,} evaluated, {result.skipped:,} skipped{stopped}")
