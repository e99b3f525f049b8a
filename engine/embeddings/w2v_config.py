"""word2vec's settings: :class:`Word2VecConfig`, frozen and validated, importing neither torch nor numba.

The screen builds it on the UI thread (the app's first frame stays free of torch), the command line
from its flags; :mod:`engine.embeddings.word2vec` (which re-exports it) trains on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from engine.embeddings.corpus import CorpusOptions, Punctuation
from engine.errors import InputError
from engine.limits import check_seed

MODELS = ("skipgram", "cbow")
LOSSES = ("negative", "hierarchical", "softmax")
NEGATIVES = ("shared", "per-pair")
SOFTMAX_MAX_VOCAB = 50_000


LIMITS = {"dim": 10_000, "window": 100, "negative": 100, "epochs": 10_000, "batch_pairs": 1 << 20,
          "chunk_words": 10_000_000}
"""Largest accepted values: beyond them a run would not finish (a window of 10⁹ words loops 10⁹
times per chunk) or would not fit in memory."""


@dataclass(frozen=True)
class Word2VecConfig:
    """Everything that defines a word2vec run (defaults: gensim's, except ``seed``)."""

    corpus: str = "default"
    """``"default"`` (the bundled Gutenberg + Wikipedia sample) or a path to a text file / .gz."""
    model: Literal["skipgram", "cbow"] = "skipgram"
    """Skip-gram (context words from the centre) or CBOW (centre from the mean context)."""
    loss: Literal["negative", "hierarchical", "softmax"] = "negative"
    """Negative sampling, hierarchical softmax (Huffman tree) or the full V-way softmax."""
    dim: int = 100
    """Embedding size D (at most 10,000)."""
    window: int = 5
    """Maximum distance between the centre and a context word (dynamic: drawn in 1..window; at most 100)."""
    negative: int = 5
    """K, negative samples per positive (``loss="negative"`` only; at most 100)."""
    negatives: Literal["shared", "per-pair"] = "shared"
    """How the K negatives are drawn (``loss="negative"``). ``per-pair``: K fresh negatives for
    every (context, target) pair, as the course describes it and as gensim and the C tool do.
    ``shared`` (the fast default): skip-gram shares a window's K negatives among its context words
    (Ji et al. 2016), CBOW between 2 consecutive centres; each prediction still meets K negatives,
    and fewer random draws (and, batched, fewer rows) are needed: faster. Sharing among more CBOW
    centres (8 were tried) cost 1.6 analogy points; bench/README.md measures both settings."""
    min_count: int = 5
    """Words seen fewer times are dropped before windows are taken."""
    max_vocab: int | None = None
    """Keep only this many most frequent words (None: no limit)."""
    sample: float = 1e-3
    """Subsampling threshold t (0 disables it); see :mod:`engine.embeddings.subsampling`."""
    epochs: int = 5
    """Passes over the corpus (at most 10,000)."""
    alpha: float = 0.025
    """Initial learning rate."""
    min_alpha: float = 0.0001
    """Learning rate reached at the very end (linear decay, as gensim)."""
    seed: int = 1
    """Seeds the initial vectors, subsampling, windows and negatives."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the matrices live; ``auto`` = CUDA when available."""
    workers: int = 0
    """Training threads on the CPU (0: one per core). 1 gives a bit-for-bit reproducible run."""
    lowercase: bool = True
    """Fold case when reading the corpus."""
    punctuation: Punctuation = "strip"
    """Punctuation handling of the corpus reader (``strip``, ``split`` or ``keep``)."""
    cache_mb: float = 256.0
    """A corpus file is counted in one pass and then re-read for every epoch, a chunk at a time.
    When the encoded corpus (4 bytes a word) fits in this many MiB it is kept after the first
    epoch instead; 0 always re-reads (memory then stays flat whatever the corpus size)."""
    kernel: Literal["auto", "batched"] = "auto"
    """``auto``: on the CPU, negative sampling and hierarchical softmax run compiled pair-by-pair
    loops (numba; :mod:`engine.embeddings.fast_loops`), the C tool's way; ``batched``: vectorised
    batches of examples (:mod:`engine.embeddings.fast_sgd`), what CUDA and the full softmax use."""
    batch_pairs: int = 4096
    """(input, output-set) pairs per SGD batch of the batched kernel: larger is faster, staler."""
    chunk_words: int = 10_000
    """Corpus words per work item (the learning rate is updated per chunk)."""
    sync_every_words: int = 200_000
    """Data-parallel runs (torchrun): the ranks average their matrices every this many corpus words."""
    progress_every_words: int = 200_000
    """Yield ``Progress`` at least this often (in words) ..."""
    progress_interval_s: float = 0.1
    """... and at most this often (seconds)."""
    watch: tuple[str, ...] = ()
    """Words whose nearest neighbours are reported (``WatchNeighbours``) every ``watch_every_words``."""
    watch_every_words: int = 500_000
    watch_topn: int = 5
    analogy_file: str | None = None
    """An analogy file (questions-words format): a ``QuickAnalogy`` every ``analogy_every_words``."""
    analogy_every_words: int = 1_000_000
    analogy_questions: int = 300
    """Size of the fixed random subset of in-vocabulary questions."""

    def __post_init__(self) -> None:
        def need(ok: bool, message: str, name: str) -> None:
            if not ok:
                raise InputError(message, field=name)

        need(self.model in MODELS, f"model must be one of {', '.join(MODELS)}, got {self.model!r}", "model")
        check_seed(self.seed, "seed")  # numpy refuses a negative or > 32-bit seed deep in the run
        need(self.loss in LOSSES, f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}", "loss")
        need(self.kernel in ("auto", "batched"), f"kernel must be auto or batched, got {self.kernel!r}", "kernel")
        need(self.negatives in NEGATIVES, f"negatives must be one of {', '.join(NEGATIVES)}, got {self.negatives!r}",
             "negatives")
        need(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, got {self.device!r}", "device")
        for name in ("dim", "window", "epochs", "min_count", "batch_pairs", "chunk_words", "sync_every_words",
                     "progress_every_words", "watch_every_words", "watch_topn", "analogy_every_words",
                     "analogy_questions"):
            value = getattr(self, name)
            need(isinstance(value, int) and value >= 1, f"{name} must be an integer >= 1, got {value!r}", name)
            if name in LIMITS:
                need(value <= LIMITS[name], f"{name} must be at most {LIMITS[name]:,}, got {value:,}", name)
        need(isinstance(self.negative, int) and (self.negative >= 1 or self.loss != "negative"),
             f"negative must be >= 1 with loss='negative', got {self.negative}", "negative")
        need(self.negative <= LIMITS["negative"], f"negative must be at most {LIMITS['negative']}, got {self.negative:,}",
             "negative")
        need(self.max_vocab is None or self.max_vocab >= 1, f"max_vocab must be >= 1 or None, got {self.max_vocab}",
             "max_vocab")
        need(0 <= self.sample < 1, f"sample must be in [0, 1), got {self.sample}", "sample")
        need(0 < self.alpha < math.inf, f"alpha must be > 0, got {self.alpha}", "alpha")
        need(0 <= self.min_alpha <= self.alpha, f"min_alpha must be in [0, alpha={self.alpha}], got {self.min_alpha}",
             "min_alpha")
        need(self.workers >= 0, f"workers must be >= 0 (0: one per core), got {self.workers}", "workers")
        need(self.cache_mb >= 0, f"cache_mb must be >= 0, got {self.cache_mb}", "cache_mb")
        need(self.progress_interval_s >= 0, f"progress_interval_s must be >= 0, got {self.progress_interval_s}",
             "progress_interval_s")
        CorpusOptions(lowercase=self.lowercase, punctuation=self.punctuation)  # validates punctuation

    @property
    def shared_negatives(self) -> bool:
        return self.negatives == "shared"

    def describe(self) -> str:
        extra = f" K={self.negative} ({self.negatives})" if self.loss == "negative" else ""
        return (f"{self.model} + {self.loss}{extra}, D={self.dim}, window={self.window}, "
                f"min_count={self.min_count}, sample={self.sample:g}, epochs={self.epochs}")
