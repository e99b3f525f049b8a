"""Lines of text of the Embeddings screen: pure functions from engine events to what the screen says.

Kept apart from the screen so the wording can be tested (and read) without an app.
"""

from __future__ import annotations

from typing import Any

from engine.embeddings.events import EmbeddingsStarted, Progress


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_line(event: Progress, epochs: int | None = None) -> str:
    """One status line from word2vec's ``Progress`` event (``epochs``: the run's, when known)."""
    parts = [f"epoch {event.epoch}" + (f"/{epochs}" if epochs else "")]
    parts.append(f"{event.words_done:,}" + (f" / {event.total_words:,} words" if event.total_words else " words"))
    if event.loss == event.loss:  # not NaN
        parts.append(f"loss {event.loss:.4f}")
    parts.append(f"epoch mean {event.epoch_loss:.4f}")
    parts.append(f"{event.words_per_s:,.0f} words/s")
    parts.append(f"lr {event.lr:.4g}")
    parts.append(f"{format_eta(event.eta_s)} left")
    return "  ·  ".join(parts)


def started_line(event: EmbeddingsStarted) -> str:
    """'skipgram + negative … · 5,138,864 corpus words, vocabulary 30,151 · device cpu'."""
    facts = [event.description, f"{event.corpus_words:,} corpus words, vocabulary {event.vocab_size:,}",
             f"device {event.device}"]
    return " · ".join(f for f in facts if f)


def watch_lines(neighbours: Any) -> str:
    """One line per watch word: ``king → queen 0.71  prince 0.68 …`` (a mapping or (word, pairs) items)."""
    items = neighbours.items() if isinstance(neighbours, dict) else neighbours
    lines = []
    for word, near in items:
        shown = "  ".join(f"{w} {s:.2f}" for w, s in list(near)[:5]) or "(not in the vocabulary)"
        lines.append(f"{word:>10} → {shown}")
    return "\n".join(lines) or "(no watch words)"
