"""word2vec: skip-gram and CBOW × full softmax / hierarchical softmax / negative sampling.

Public API::

    Word2VecConfig(...)                                   # frozen; every field documented below
    train_word2vec(config, stop=None, sentences=None) -> Iterator[Event]   # see engine.embeddings.events

The models (Mikolov et al. 2013a, b), in the course's notation: the embedding matrix E holds
an input vector ``e_w`` per word (``in_vectors``, the vectors you keep); a second matrix holds
output vectors ``θ_t`` (``out_vectors``).

- **Skip-gram**: a centre word c and each context word t within the window; the full softmax
  is ``p(t | c) = exp(θ_tᵀ e_c) / Σ_j exp(θ_jᵀ e_c)``.
- **CBOW**: the mean ``h`` of the context words' vectors predicts the centre word.
- **Hierarchical softmax** replaces the V-way softmax by ~log2 V binary decisions along the
  centre's path in a Huffman tree (:mod:`engine.embeddings.huffman`).
- **Negative sampling**: one positive decision ``σ(θ_oᵀ e)`` and K negatives
  ``σ(−θ_kᵀ e)`` with k drawn from ``f(w)^¾`` (:mod:`engine.embeddings.negatives`).

As in the C tool and gensim, skip-gram uses the *context* word's input vector to predict the
centre word (same pairs, the roles swapped, which lets a window share work). Frequent words
are subsampled (:mod:`engine.embeddings.subsampling`), the window is dynamic (a centre's
reach is drawn uniformly from 1..window), and the learning rate decays linearly from
``alpha`` to ``min_alpha`` over all words of all epochs.

The corpus is streamed (:mod:`engine.embeddings.chunks`): one pass counts the words (so the
progress knows the total), then every epoch reads it again in chunks of ``chunk_words`` (kept
encoded in memory when it fits in ``cache_mb``). ``workers`` threads train the chunks without
locks (Hogwild), each chunk through :class:`engine.embeddings.w2v_plan.Plan`: compiled
pair-by-pair loops on the CPU (:mod:`engine.embeddings.fast_loops`), vectorised batches on CUDA
(:mod:`engine.embeddings.fast_sgd`). Under torchrun the chunks are shared among the processes
(:mod:`engine.distributed`).
"""

from __future__ import annotations

import math
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Iterable, Iterator, Literal

import torch

from engine import distributed
from engine.embeddings import fast_sgd
from engine.embeddings.chunks import ChunkedCorpus
from engine.embeddings.corpus import CorpusOptions, Punctuation, SentenceFiles, corpus_files
from engine.embeddings.fast_blas import single_threaded_blas
from engine.embeddings.events import EmbeddingsFinished, EmbeddingsStarted, EpochFinished, Progress
from engine.embeddings.w2v_plan import Plan
from engine.embeddings.w2v_watch import QuickAnalogies, watch_neighbours
from engine.errors import InputError
from engine.events import Event

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


# ----------------------------------------------------------------------------- training


# Hogwild assumes that concurrent sparse updates rarely touch the same rows. With a tiny
# vocabulary every batch touches every row, and two lock-free threads compounding each other's
# updates were seen to overflow a 16-word model; "auto" uses one thread below this size.
HOGWILD_MIN_VOCAB = 1000


def _workers(config: Word2VecConfig, device: torch.device, vocab_size: int) -> int:
    if device.type != "cpu":
        return 1
    if config.workers:
        return config.workers
    if vocab_size < HOGWILD_MIN_VOCAB:
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def train_word2vec(
    config: Word2VecConfig,
    stop: threading.Event | None = None,
    sentences: Iterable[list[str]] | None = None,
) -> Iterator[Event]:
    """Train word2vec; yields the events of :mod:`engine.embeddings.events`.

    ``sentences`` (lists of tokens) replaces reading ``config.corpus``: a list (or any iterable
    that can be iterated again) is re-read every epoch, a one-shot iterator is held encoded.
    A corpus file is streamed (see :mod:`engine.embeddings.chunks`). Setting ``stop`` ends
    training at the next chunk; ``Finished(reason="stopped")`` then carries the vectors so far.
    On the CPU, torch's intra-op threads and numpy's OpenBLAS are set to 1 thread while the
    generator runs (the ``workers`` threads give the parallelism); both are restored after.

    Under torchrun (see :mod:`engine.distributed`) every rank counts the whole corpus, trains
    the chunks ``k`` with ``k % world == rank`` and the ranks average their matrices every
    ``sync_every_words`` corpus words and at the end of every epoch: every rank finishes with
    the same vectors (the caller writes them on rank 0 only).
    """
    from engine.device import select_device

    device = select_device(config.device)
    joined_here = distributed.current() is None
    group = distributed.init_from_environment(device)
    try:
        yield from _train(config, stop or threading.Event(), sentences, device, group)
    finally:
        if joined_here and group is not None:
            distributed.cleanup()


def _train(config: Word2VecConfig, stop: threading.Event, sentences, device: torch.device,
           group: distributed.Group | None) -> Iterator[Event]:
    from engine.embeddings.vectors import WordVectors

    t0 = time.perf_counter()
    if sentences is None:
        options = CorpusOptions(lowercase=config.lowercase, punctuation=config.punctuation)
        sentences = SentenceFiles(corpus_files(config.corpus), options)
    corpus = ChunkedCorpus.prepare(sentences, config.min_count, config.max_vocab, config.chunk_words, config.cache_mb)
    vocab = corpus.vocab
    v, d = len(vocab), config.dim
    if v < 2:
        raise InputError(f"the vocabulary has a single word ({vocab.words[0]!r}): word2vec needs at least two "
                         f"words seen min_count={config.min_count} times or more; lower min_count or give a "
                         "bigger corpus", field="min_count")
    if config.loss == "softmax" and v > SOFTMAX_MAX_VOCAB:
        raise InputError(f"the full softmax costs O(V) per word and the vocabulary has {v:,} words "
                         f"(limit {SOFTMAX_MAX_VOCAB:,}); use loss negative or hierarchical, or raise min_count",
                         field="loss")
    gen = torch.Generator().manual_seed(config.seed)
    in_vectors = torch.zeros(v + 1, d)  # + 1 sink row for padding, always zero
    in_vectors[:v] = (torch.rand(v, d, generator=gen) - 0.5) / d  # gensim: uniform(−0.5/D, 0.5/D)
    n_out = max(v - 1, 1) if config.loss == "hierarchical" else v
    out_vectors = torch.zeros(n_out + 1, d)  # output vectors start at zero (C tool, gensim)
    in_vectors, out_vectors = in_vectors.to(device), out_vectors.to(device)
    ops = fast_sgd.Ops.for_device(in_vectors, out_vectors)
    plan = Plan(config, vocab, ops)
    world, rank = (group.world_size, group.rank) if group is not None else (1, 0)
    per_epoch = corpus.totals.kept_words
    total = per_epoch * config.epochs
    span_total = corpus.pass_span * config.epochs
    sync_chunks = max(1, config.sync_every_words // config.chunk_words)
    workers = _workers(config, device, v)
    quick = QuickAnalogies(config.analogy_file, vocab, config.analogy_questions, config.seed) \
        if config.analogy_file else None

    def vectors(reason: str) -> WordVectors:
        return WordVectors(vocab.words, in_vectors[:v].detach().cpu().numpy().copy(), counts=vocab.counts,
                           name=f"word2vec {config.model}+{config.loss} ({reason})")

    description = config.describe() + (f", {world} processes" if world > 1 else "")
    yield EmbeddingsStarted(total_words=total, vocab_size=v, corpus_words=corpus.totals.raw_words, device=str(device),
                  workers=workers, description=description)
    threads_before = torch.get_num_threads()
    blas = single_threaded_blas()
    if device.type == "cpu":
        torch.set_num_threads(1)  # parallelism comes from the worker threads (Hogwild)
        blas.__enter__()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="word2vec")
    done = position = 0  # words trained here; span of the corpus passed (all ranks)
    last_progress_t, last_progress_words = time.perf_counter(), 0
    next_watch, next_quick = config.watch_every_words, config.analogy_every_words
    window_loss = [0.0, 0]
    reason, final_loss, alpha = "completed", None, config.alpha
    inflight: dict[Future, int] = {}
    epoch_loss = [0.0, 0]
    t_train = time.perf_counter()

    def settle(block_until: int) -> None:
        """Collect finished chunks until at most ``block_until`` are still running."""
        nonlocal done
        while len(inflight) > block_until:
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            for fut in finished:
                loss, n = fut.result()
                _check_finite(loss, alpha, v)
                done += inflight.pop(fut)
                for acc in (epoch_loss, window_loss):
                    acc[0] += loss
                    acc[1] += n

    def synchronise() -> bool:
        """Data-parallel: average the matrices across ranks; True when any rank was asked to stop."""
        settle(0)
        distributed.average_(in_vectors, out_vectors)
        return distributed.any_rank(stop.is_set())

    try:
        for epoch in range(1, config.epochs + 1):
            epoch_loss[:] = [0.0, 0]
            stopping = False
            for chunk in corpus.chunks(lambda k: k % world == rank):
                if group is None and stop.is_set():
                    stopping = True
                    break
                alpha = config.alpha - (config.alpha - config.min_alpha) * position / span_total
                position += chunk.span
                if chunk.encoded is not None and chunk.words:
                    enc = chunk.encoded
                    fut = pool.submit(plan.train_chunk, enc.ids, enc.sentence_of_word(), alpha,
                                      (config.seed, epoch, chunk.index))
                    inflight[fut] = chunk.words
                settle(2 * workers - 1)
                if group is not None and (chunk.index + 1) % sync_chunks == 0 and synchronise():
                    stopping = True
                    break
                now = time.perf_counter()
                shown = done * world
                if shown > last_progress_words and (now - last_progress_t >= config.progress_interval_s
                                                    or shown - last_progress_words >= config.progress_every_words):
                    elapsed = now - t_train
                    rate = shown / elapsed if elapsed > 0 else 0.0
                    yield Progress(words_done=shown, total_words=total, epoch=epoch,
                                   loss=_mean(window_loss), epoch_loss=_mean(epoch_loss), words_per_s=rate,
                                   lr=alpha, elapsed_s=elapsed,
                                   eta_s=(total - shown) / rate if rate > 0 else float("inf"))
                    window_loss[:] = [0.0, 0]
                    last_progress_t, last_progress_words = now, shown
                if config.watch and shown >= next_watch:
                    next_watch += config.watch_every_words
                    yield watch_neighbours(vectors("snapshot"), config.watch, config.watch_topn, shown)
                if quick is not None and shown >= next_quick:
                    next_quick += config.analogy_every_words
                    yield quick.run(in_vectors[:v].detach().cpu().numpy(), shown)
            settle(0)  # stopped mid-epoch too: let the running chunks finish
            if group is not None and not stopping:
                stopping = synchronise()
            final_loss = _mean(epoch_loss)
            if stopping or (group is None and stop.is_set()):
                reason = "stopped"
                break
            yield EpochFinished(epoch=epoch, epochs=config.epochs, loss=final_loss, words_done=done * world,
                                elapsed_s=time.perf_counter() - t_train)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if device.type == "cpu":
            torch.set_num_threads(threads_before)
            blas.__exit__(None, None, None)
    if group is not None:
        done = int(distributed.total(done))
    if not bool(torch.isfinite(in_vectors).all()):
        _check_finite(float("nan"), alpha, v)
    yield EmbeddingsFinished(vectors=vectors(reason), reason=reason, words_done=done,
                   elapsed_s=time.perf_counter() - t0, final_loss=final_loss)


def _check_finite(loss: float, alpha: float, vocab_size: int) -> None:
    """A NaN or infinite loss ends the run with a message that says what to try (never NaN vectors)."""
    if not math.isfinite(loss):
        raise InputError(
            f"word2vec diverged (the loss became {loss}) at learning rate {alpha:.4g} with {vocab_size} words; "
            "lower alpha, use workers=1, or train on a larger corpus", field="alpha"
        )


def _mean(acc: list) -> float:
    return acc[0] / acc[1] if acc[1] else float("nan")
