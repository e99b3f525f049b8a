"""word2vec: skip-gram and CBOW × full softmax / hierarchical softmax / negative sampling.

Public API::

    Word2VecConfig(...)                                   # frozen, torch-free: engine.embeddings.w2v_config
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
from typing import Iterable, Iterator

import torch

from engine import distributed
from engine.embeddings import fast_sgd
from engine.embeddings.chunks import ChunkedCorpus
from engine.embeddings.corpus import CorpusOptions, SentenceFiles, corpus_files
from engine.embeddings.fast_blas import single_threaded_blas
from engine.embeddings.events import EmbeddingsFinished, EmbeddingsStarted, EpochFinished, Progress
# The settings live in a torch-free module (the app builds them on its UI thread); re-exported here.
from engine.embeddings.w2v_config import LIMITS, LOSSES, MODELS, NEGATIVES, SOFTMAX_MAX_VOCAB  # noqa: F401
from engine.embeddings.w2v_config import Word2VecConfig
from engine.embeddings.w2v_plan import Plan
from engine.embeddings.w2v_watch import QuickAnalogies, watch_neighbours
from engine.errors import InputError
from engine.events import Event


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
