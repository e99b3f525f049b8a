"""GloVe's settings: :class:`GloveConfig`, frozen and validated, importing no torch.

The screen builds it on the UI thread (the app's first frame stays free of torch), the command line
from its flags; :mod:`engine.embeddings.glove_train` (which re-exports it) trains on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from engine.embeddings.corpus import CorpusOptions, Punctuation
from engine.errors import InputError
from engine.limits import check_seed

LIMITS = {"dim": 10_000, "window": 100, "epochs": 10_000, "batch_size": 1 << 22}


@dataclass(frozen=True)
class GloveConfig:
    """A GloVe run (defaults: the Stanford tool's, except ``dim`` 100 like word2vec's)."""

    corpus: str = "default"
    """``"default"`` (the bundled Gutenberg + Wikipedia sample) or a path to a text file / .gz."""
    dim: int = 100
    """D, the vector size (at most 10,000)."""
    window: int = 15
    """Co-occurrences are counted within this many words on each side, weighted 1/distance (at most 100)."""
    min_count: int = 5
    """Words seen fewer times are dropped before counting."""
    max_vocab: int | None = None
    """Keep only this many most frequent words (None: no limit)."""
    epochs: int = 15
    """Passes over the co-occurrence entries (at most 10,000)."""
    eta: float = 0.05
    """η, AdaGrad's initial learning rate."""
    x_max: float = 100.0
    """Counts at or above x_max get weight 1."""
    alpha: float = 0.75
    """α, the exponent of the weighting f(x) = (x / x_max)^α."""
    grad_clip: float = 100.0
    """Each gradient component is clipped to ±grad_clip before the step (glove.c)."""
    seed: int = 1
    """Seeds the initial parameters and the order of the entries."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the parameters live; ``auto`` = CUDA when available."""
    batch_size: int = 4096
    """Entries per vectorised AdaGrad step (bigger is faster, staler; CUDA likes 65,536)."""
    memory_mb: float = 512.0
    """Co-occurrence counting holds at most about this much; beyond it, sorted shards go to disk."""
    workdir: str | None = None
    """Folder for the shards (None: the system's temporary folder); removed at the end."""
    lowercase: bool = True
    """Fold case when reading the corpus."""
    punctuation: Punctuation = "strip"
    """Punctuation handling of the corpus reader (``strip``, ``split`` or ``keep``)."""
    progress_interval_s: float = 0.1
    """Yield ``Progress`` at most this often (seconds)."""
    watch: tuple[str, ...] = ()
    """Words whose nearest neighbours (by θ + e) are reported (``WatchNeighbours``) every
    ``watch_every_entries`` entries trained, and at the end of every epoch."""
    watch_every_entries: int = 1_000_000
    watch_topn: int = 5

    def __post_init__(self) -> None:
        def need(ok: bool, message: str, name: str) -> None:
            if not ok:
                raise InputError(message, field=name)

        need(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, got {self.device!r}", "device")
        check_seed(self.seed, "seed")  # numpy refuses a negative or > 32-bit seed deep in the run
        for name in ("dim", "window", "epochs", "min_count", "batch_size", "watch_every_entries", "watch_topn"):
            value = getattr(self, name)
            need(isinstance(value, int) and value >= 1, f"{name} must be an integer >= 1, got {value!r}", name)
            if name in LIMITS:
                need(value <= LIMITS[name], f"{name} must be at most {LIMITS[name]:,}, got {value:,}", name)
        need(self.max_vocab is None or self.max_vocab >= 1, f"max_vocab must be >= 1 or None, got {self.max_vocab}",
             "max_vocab")
        for name in ("eta", "x_max", "alpha", "grad_clip"):
            value = getattr(self, name)
            need(isinstance(value, (int, float)) and 0 < value < math.inf, f"{name} must be > 0, got {value}", name)
        need(self.memory_mb >= 1, f"memory_mb must be >= 1, got {self.memory_mb}", "memory_mb")
        need(self.progress_interval_s >= 0, f"progress_interval_s must be >= 0, got {self.progress_interval_s}",
             "progress_interval_s")
        CorpusOptions(lowercase=self.lowercase, punctuation=self.punctuation)  # validates punctuation

    def describe(self) -> str:
        return (f"GloVe D={self.dim}, window={self.window}, min_count={self.min_count}, x_max={self.x_max:g}, "
                f"α={self.alpha:g}, η={self.eta:g}, epochs={self.epochs}")
