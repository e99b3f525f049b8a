"""Lines of text of the Embeddings screen: pure functions from engine events to what the screen says.

Kept apart from the screen so the wording can be tested (and read) without an app.
"""

from __future__ import annotations

from typing import Any


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_line(event: Any, epochs: int | None = None) -> str:
    """One status line from a training ``Progress`` event (fields read defensively)."""
    get = lambda name, default=None: getattr(event, name, default)  # noqa: E731
    parts = []
    epoch, epochs = get("epoch"), get("epochs", epochs)
    if epoch is not None:
        parts.append(f"epoch {epoch}" + (f"/{epochs}" if epochs else ""))
    done, total = get("words_done"), get("total_words")
    if done is not None:
        parts.append(f"{done:,}" + (f" / {total:,} words" if total else " words"))
    loss = get("loss")
    if loss is not None and loss == loss:
        parts.append(f"loss {loss:.4f}")
    epoch_loss = get("epoch_loss")
    if epoch_loss is not None:
        parts.append(f"epoch mean {epoch_loss:.4f}")
    wps = get("words_per_s")
    if wps is not None:
        parts.append(f"{wps:,.0f} words/s")
    lr = get("lr")
    if lr is not None:
        parts.append(f"lr {lr:.4g}")
    parts.append(f"{format_eta(get('eta_s'))} left")
    return "  ·  ".join(parts)


def started_line(event: Any) -> str:
    """'skipgram + negative … · 5,138,864 corpus words, vocabulary 30,151 · device cpu'."""
    vocab, corpus = getattr(event, "vocab_size", None), getattr(event, "corpus_words", None)
    facts = [getattr(event, "description", "")]
    if vocab is not None and corpus is not None:
        facts.append(f"{corpus:,} corpus words, vocabulary {vocab:,}")
    facts.append(f"device {getattr(event, 'device', '?')}")
    return " · ".join(f for f in facts if f)


def watch_lines(neighbours: Any) -> str:
    """One line per watch word: ``king → queen 0.71  prince 0.68 …`` (a mapping or (word, pairs) items)."""
    items = neighbours.items() if isinstance(neighbours, dict) else neighbours
    lines = []
    for word, near in items:
        shown = "  ".join(f"{w} {s:.2f}" for w, s in list(near)[:5]) or "(not in the vocabulary)"
        lines.append(f"{word:>10} → {shown}")
    return "\n".join(lines) or "(no watch words)"
