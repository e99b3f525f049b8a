"""Lines of text of the Embeddings screen: pure functions from engine events to what the screen says.

Kept apart from the screen so the wording can be tested (and read) without an app. GloVe's training
events have word2vec's shapes, with co-occurrence *entries* where word2vec has corpus words and its
fixed AdaGrad rate η where word2vec has a decaying lr: :data:`UNITS` names them per method.
"""

from __future__ import annotations

from typing import Any, Sequence

from engine.embeddings.events import EmbeddingsStarted, Progress
from engine.embeddings.glove_events import Counting

UNITS = {"word2vec": ("words", "lr"), "glove": ("entries", "η")}
"""Per method: what ``words_done`` counts, and the name of the learning rate."""
METHOD_NAMES = {"word2vec": "word2vec", "glove": "GloVe"}


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0 or seconds == float("inf"):
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_line(event: Progress, epochs: int | None = None, method: str = "word2vec") -> str:
    """One status line from a ``Progress`` event (``epochs``: the run's, when known)."""
    unit, rate = UNITS.get(method, UNITS["word2vec"])
    parts = [f"epoch {event.epoch}" + (f"/{epochs}" if epochs else "")]
    parts.append(f"{event.words_done:,}" + (f" / {event.total_words:,} {unit}" if event.total_words else f" {unit}"))
    if event.loss == event.loss:  # not NaN
        parts.append(f"loss {event.loss:.4f}")
    parts.append(f"epoch mean {event.epoch_loss:.4f}")
    parts.append(f"{event.words_per_s:,.0f} {unit}/s")
    parts.append(f"{rate} {event.lr:.4g}")
    parts.append(f"{format_eta(event.eta_s)} left")
    return "  ·  ".join(parts)


def counting_line(event: Counting) -> str:
    """GloVe's first pass: 'counting co-occurrences: 2,000,634 / 5,138,864 words read · 10,276,671 entries held'."""
    line = (f"counting co-occurrences X_ij: {event.words_read:,} / {event.total_words:,} words read  ·  "
            f"{event.entries_held:,} entries held")
    if event.shards:
        line += f"  ·  {event.shards} shard{'s' if event.shards != 1 else ''} on disk"
    return line


def started_line(event: EmbeddingsStarted) -> str:
    """'skipgram + negative … · 5,138,864 corpus words, vocabulary 30,151 · device cpu'."""
    facts = [event.description, f"{event.corpus_words:,} corpus words, vocabulary {event.vocab_size:,}",
             f"device {event.device}"]
    return " · ".join(f for f in facts if f)


def epochs_line(losses: Sequence[tuple[int, float]], epochs: int | None = None, keep: int = 6) -> str:
    """'mean loss per epoch  1: 2.4512  2: 2.1034' (the last ``keep`` epochs)."""
    if not losses:
        return ""
    shown = "  ".join(f"{epoch}: {loss:.4f}" for epoch, loss in list(losses)[-keep:])
    more = "… " if len(losses) > keep else ""
    return f"mean loss per epoch{f' (of {epochs})' if epochs else ''}  {more}{shown}"


def watch_lines(neighbours: Any, heading: str = "", width: int | None = None, most: int = 5) -> str:
    """One line per watch word: ``king → queen 0.71  prince 0.68 …`` (a mapping or (word, pairs) items).

    With ``width`` each line holds as many whole neighbours (up to ``most``) as fit in it, at least
    one, so a narrow panel shows fewer neighbours rather than a cut one.
    """
    items = list(neighbours.items() if isinstance(neighbours, dict) else neighbours)
    pad = min(10, max((len(word) for word, _ in items), default=0))
    lines = [heading] if heading else []
    for word, near in items:
        start = f"{word:>{pad}} → "
        shown = ""
        for w, s in list(near)[:most]:
            piece = f"{w} {s:.2f}"
            if shown and width is not None and len(start) + len(shown) + 2 + len(piece) > width:
                break
            shown = f"{shown}  {piece}" if shown else piece
        lines.append(start + (shown or "(not in the vocabulary)"))
    return "\n".join(lines) or "(no watch words)"
