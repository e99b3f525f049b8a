"""Sentiment data sets: labelled sentences, negative = 0, positive = 1.

Public API::

    SENTIMENT_SETS                                  # ("rt-polarity", "yelp")
    LABELS                                          # ("negative", "positive")
    SentimentData(name, texts, labels)              # labels (N,) int64 array
    load_sentiment(name_or_path) -> SentimentData

- ``rt-polarity``: Pang & Lee's sentence polarity data set v1.0, 5,331 positive and 5,331
  negative snippets of film reviews (``assets/tasks/sentiment/rt-polarity.pos|.neg``). The
  files are the original cp1252 bytes (é is 0xE9), already lower-cased and tokenised.
- ``yelp``: the 1,000 restaurant-review sentences of Kotzias et al. (``yelp_labelled.txt``:
  ``sentence<TAB>label``, label 0 or 1).
- a path to a UTF-8 file in that same ``sentence<TAB>label`` format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.assets import asset_path
from engine.errors import InputError

SENTIMENT_SETS: tuple[str, ...] = ("rt-polarity", "yelp")
LABELS: tuple[str, ...] = ("negative", "positive")


@dataclass(frozen=True)
class SentimentData:
    """Sentences and their labels (0 = negative, 1 = positive), in file order."""

    name: str
    texts: tuple[str, ...]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def _rt_polarity() -> SentimentData:
    texts: list[str] = []
    labels: list[int] = []
    for label, suffix in ((1, "pos"), (0, "neg")):
        path = asset_path("tasks", "sentiment", f"rt-polarity.{suffix}")
        if not path.is_file():
            raise InputError(f"the bundled rt-polarity file {path} is missing; reinstall seq-explorer")
        for line in path.read_bytes().decode("cp1252", errors="replace").splitlines():
            if line.strip():
                texts.append(line.strip())
                labels.append(label)
    return SentimentData("rt-polarity", tuple(texts), np.asarray(labels, dtype=np.int64))


def _tab_separated(path: Path, name: str) -> SentimentData:
    texts: list[str] = []
    labels: list[int] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; give a file of 'sentence<TAB>0|1' lines") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        text, sep, label = line.rstrip("\r").rpartition("\t")
        if not sep or label.strip() not in ("0", "1") or not text.strip():
            raise InputError(f"{path} line {n} is not 'sentence<TAB>0|1': {line[:60]!r}")
        texts.append(text.strip())
        labels.append(int(label))
    if len(set(labels)) < 2:
        raise InputError(f"{path} needs sentences of both labels (0 and 1) to train a classifier")
    return SentimentData(name, tuple(texts), np.asarray(labels, dtype=np.int64))


def load_sentiment(name_or_path: str) -> SentimentData:
    """A bundled set (``rt-polarity``, ``yelp``) or a ``sentence<TAB>label`` file."""
    if name_or_path == "rt-polarity":
        return _rt_polarity()
    if name_or_path == "yelp":
        path = asset_path("tasks", "sentiment", "yelp_labelled.txt")
        if not path.is_file():
            raise InputError(f"the bundled yelp file {path} is missing; reinstall seq-explorer")
        return _tab_separated(path, "yelp")
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise InputError(
            f"no sentiment data {name_or_path!r}: give {' or '.join(SENTIMENT_SETS)}, or a file of 'sentence<TAB>0|1' lines",
            field="data",
        )
    return _tab_separated(path, str(path))
