"""GloVe: global vectors from co-occurrence counts (Pennington, Socher & Manning 2014).

Public API::

    GloveConfig(...)                                            # frozen, torch-free: glove_config
    train_glove(config, stop=None, sentences=None) -> Iterator[Event]   # see glove_events
    adagrad_step(params, i, j, x, config) -> float              # one batch; Σ cost of the batch

The model, in the course's notation: each word i has a vector θ_i and a bias b_i, each context
word j a vector e_j and a bias b'_j, and they are fitted to the log co-occurrence counts by the
weighted least-squares objective

    J = Σ_{X_ij > 0} f(X_ij) (θ_iᵀ e_j + b_i + b'_j − log X_ij)²,
    f(x) = (x / x_max)^α for x < x_max, 1 otherwise          (x_max = 100, α = ¾)

f gives pairs that never occur no weight (log 0 is never needed), dampens rare noisy pairs and
caps frequent ones. θ and e play symmetric roles, so the final vector of a word is θ_w + e_w.

Optimisation is the Stanford tool's (``glove.c``): AdaGrad over the entries in a random order,
learning rate η = 0.05, every parameter starting at uniform(−0.5/D, 0.5/D) and every squared-
gradient accumulator at 1. Per entry, with ``f·diff = f(X_ij)(θ_iᵀe_j + b_i + b'_j − log X_ij)``::

    g_θ = η · clip(f·diff · e_j, ±100)      θ_i −= g_θ / sqrt(G_θi);   G_θi += g_θ²
    g_e = η · clip(f·diff · θ_i, ±100)      e_j −= g_e / sqrt(G_ej);   G_ej += g_e²
    b_i −= f·diff / sqrt(G_bi);  G_bi += (f·diff)²      (and b'_j alike; glove.c's bias step has no η)

Here a batch of entries takes that step at once (vectorised torch, the same code on the CPU and
on CUDA), each entry from the parameters as they were at the start of the batch (as glove.c's
lock-free threads do now and then); a row that occurs several times in one batch has its steps
scaled as sequential AdaGrad steps would be (:func:`_adagrad_`). bench/glove.py checks the result
against a plain per-entry numpy loop.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np
import torch

from engine.embeddings.chunks import ChunkedCorpus
from engine.embeddings.corpus import CorpusOptions, SentenceFiles, corpus_files
from engine.embeddings.glove_config import LIMITS, GloveConfig  # noqa: F401  (torch-free; re-exported)
from engine.embeddings.glove_cooccur import Cooccurrences, count_cooccurrences
from engine.embeddings.events import EmbeddingsFinished, EmbeddingsStarted, EpochFinished, Progress
from engine.embeddings.w2v_watch import watch_neighbours
from engine.errors import InputError
from engine.events import Event

@dataclass
class GloveParameters:
    """θ, e (V, D), the biases b, b' (V,) and AdaGrad's accumulators of each."""

    theta: torch.Tensor
    context: torch.Tensor
    bias: torch.Tensor
    context_bias: torch.Tensor
    g_theta: torch.Tensor
    g_context: torch.Tensor
    g_bias: torch.Tensor
    g_context_bias: torch.Tensor

    @classmethod
    def initial(cls, v: int, d: int, seed: int, device: torch.device) -> "GloveParameters":
        gen = torch.Generator().manual_seed(seed)

        def uniform(*shape):  # glove.c: (rand() / RAND_MAX − 0.5) / D
            return ((torch.rand(*shape, generator=gen) - 0.5) / d).to(device)

        ones = lambda *shape: torch.ones(*shape, device=device)  # noqa: E731
        return cls(uniform(v, d), uniform(v, d), uniform(v), uniform(v), ones(v, d), ones(v, d), ones(v), ones(v))

    def vectors(self) -> np.ndarray:
        """θ + e, (V, D) float32 on the CPU."""
        return (self.theta + self.context).detach().cpu().numpy().copy()


def _adagrad_(param: torch.Tensor, accum: torch.Tensor, rows: torch.Tensor, g: torch.Tensor,
              groups: tuple[torch.Tensor, torch.Tensor]) -> None:
    """``param[rows] −= g / sqrt(G)`` and ``G[rows] += g²`` for a batch, rows possibly repeated.

    Alone in its batch, an entry takes glove.c's step exactly: ``g / sqrt(G)``, then ``G += g²``.
    When a row occurs k times, glove.c would take k steps one after another, each with ``G``
    grown by the squares before it; summing k steps at the old ``G`` overshoots (k times the
    first, largest step). Each entry's step divides instead by ``sqrt(G + ½ Σ_others g²)``: the
    squares of the row's other entries of the batch that would come first in a random order, on
    average. k equal gradients then move the row by about √(2k) steps, as k sequential steps do.
    ``groups`` is ``torch.unique(rows, return_inverse=True)``.
    """
    unique, inverse = groups
    sq = g * g
    per_row = torch.zeros((unique.numel(),) + tuple(g.shape[1:]), dtype=g.dtype, device=g.device)
    per_row.index_add_(0, inverse, sq)  # Σ g² of each distinct row
    others = per_row[inverse] - sq
    param.index_add_(0, rows, -g / (accum[rows] + 0.5 * others).sqrt())
    accum.index_add_(0, unique, per_row)


@torch.no_grad()
def adagrad_step(p: GloveParameters, i: torch.Tensor, j: torch.Tensor, x: torch.Tensor, cfg: GloveConfig) -> float:
    """One batched AdaGrad step on entries (i, j, X_ij) (long, long, float32 on the parameters' device).

    Returns Σ ½ f(X_ij) diff² over the batch, computed before the step.
    """
    w, c = p.theta[i], p.context[j]  # (B, D)
    diff = (w * c).sum(1) + p.bias[i] + p.context_bias[j] - torch.log(x)  # (B,)
    weight = torch.where(x < cfg.x_max, (x / cfg.x_max) ** cfg.alpha, torch.ones_like(x))
    fdiff = weight * diff  # (B,)
    cost = float(0.5 * (fdiff * diff).sum())
    g_w = (fdiff[:, None] * c).clamp(-cfg.grad_clip, cfg.grad_clip) * cfg.eta  # (B, D) ∂J/∂θ_i · η
    g_c = (fdiff[:, None] * w).clamp(-cfg.grad_clip, cfg.grad_clip) * cfg.eta  # (B, D) ∂J/∂e_j · η
    gi, gj = torch.unique(i, return_inverse=True), torch.unique(j, return_inverse=True)
    _adagrad_(p.theta, p.g_theta, i, g_w, gi)
    _adagrad_(p.context, p.g_context, j, g_c, gj)
    _adagrad_(p.bias, p.g_bias, i, fdiff, gi)  # glove.c: no η on the biases
    _adagrad_(p.context_bias, p.g_context_bias, j, fdiff, gj)
    return cost


def train_glove(
    config: GloveConfig, stop: threading.Event | None = None, sentences: Iterable[list[str]] | None = None
) -> Iterator[Event]:
    """Count co-occurrences, then fit GloVe; yields ``Counting`` then word2vec-shaped training events
    (with ``WatchNeighbours`` when ``config.watch`` names words).

    ``sentences`` replaces reading ``config.corpus``. Setting ``stop`` ends the run at the next
    batch; ``Finished(reason="stopped")`` carries the vectors so far (none while still counting:
    the generator then just ends).
    """
    from engine.device import select_device
    from engine.embeddings.vectors import WordVectors

    stop = stop or threading.Event()
    device = select_device(config.device)
    t0 = time.perf_counter()
    if sentences is None:
        options = CorpusOptions(lowercase=config.lowercase, punctuation=config.punctuation)
        sentences = SentenceFiles(corpus_files(config.corpus), options)
    corpus = ChunkedCorpus.prepare(sentences, config.min_count, config.max_vocab, chunk_words=200_000, cache_mb=0)
    vocab = corpus.vocab
    v = len(vocab)
    if v < 2:
        raise InputError(f"the vocabulary has a single word ({vocab.words[0]!r}): GloVe needs at least two words "
                         f"seen min_count={config.min_count} times or more; lower min_count or give a bigger corpus",
                         field="min_count")
    cooc: Cooccurrences | None = yield from count_cooccurrences(corpus, config.window, config.memory_mb,
                                                                config.workdir, stop)
    if cooc is None:
        return
    threads_before = torch.get_num_threads()
    if device.type == "cpu":  # measured: 2 intra-op threads made the small batched ops ~40× slower here
        torch.set_num_threads(1)
    try:
        yield from _fit(config, stop, device, cooc, vocab, corpus.totals.raw_words, t0, WordVectors)
    finally:
        torch.set_num_threads(threads_before)
        cooc.close()


def _fit(config, stop, device, cooc: Cooccurrences, vocab, corpus_words: int, t0: float, WordVectors):
    v = len(vocab)
    params = GloveParameters.initial(v, config.dim, config.seed, device)
    total = cooc.entries * config.epochs
    rng = np.random.default_rng(config.seed)
    yield EmbeddingsStarted(total_words=total, vocab_size=v, corpus_words=corpus_words, device=str(device), workers=1,
                  description=f"{config.describe()}; {cooc.entries:,} co-occurrence entries")
    done, reason, final = 0, "completed", None
    next_watch = config.watch_every_entries

    def watched() -> Event:  # the watch words' neighbours by the vectors as they are now, θ + e
        wv = WordVectors(vocab.words, params.vectors(), counts=vocab.counts, name="GloVe (snapshot)")
        return watch_neighbours(wv, config.watch, config.watch_topn, done)

    t_train = last = time.perf_counter()
    window = [0.0, 0]
    for epoch in range(1, config.epochs + 1):
        epoch_cost = [0.0, 0]
        for i_all, j_all, x_all in cooc.shuffled(rng):
            for s in range(0, len(i_all), config.batch_size):
                if stop.is_set():
                    reason = "stopped"
                    break
                i = torch.from_numpy(i_all[s : s + config.batch_size].astype(np.int64)).to(device)
                j = torch.from_numpy(j_all[s : s + config.batch_size].astype(np.int64)).to(device)
                x = torch.from_numpy(np.ascontiguousarray(x_all[s : s + config.batch_size])).to(device)
                cost = adagrad_step(params, i, j, x, config)
                if not math.isfinite(cost):
                    raise InputError(f"GloVe diverged (the cost became {cost}) at epoch {epoch}; lower eta "
                                     f"(now {config.eta:g}) or grad_clip", field="eta")
                n = int(i.numel())
                done += n
                for acc in (epoch_cost, window):
                    acc[0] += cost
                    acc[1] += n
                now = time.perf_counter()
                if now - last >= config.progress_interval_s:
                    elapsed = now - t_train
                    rate = done / elapsed if elapsed > 0 else 0.0
                    yield Progress(words_done=done, total_words=total, epoch=epoch, loss=window[0] / window[1],
                                   epoch_loss=epoch_cost[0] / epoch_cost[1], words_per_s=rate, lr=config.eta,
                                   elapsed_s=elapsed, eta_s=(total - done) / rate if rate > 0 else float("inf"))
                    window, last = [0.0, 0], now
                if config.watch and done >= next_watch:
                    next_watch = done + config.watch_every_entries
                    yield watched()
            if reason == "stopped":
                break
        final = epoch_cost[0] / epoch_cost[1] if epoch_cost[1] else final
        if reason == "stopped":
            break
        if config.watch:
            next_watch = done + config.watch_every_entries
            yield watched()
        yield EpochFinished(epoch=epoch, epochs=config.epochs, loss=final, words_done=done,
                            elapsed_s=time.perf_counter() - t_train)
    vectors = params.vectors()
    if not np.isfinite(vectors).all():
        raise InputError(f"GloVe diverged (the vectors hold NaN or infinity); lower eta (now {config.eta:g})",
                         field="eta")
    wv = WordVectors(vocab.words, vectors, counts=vocab.counts, name=f"GloVe ({reason})")
    yield EmbeddingsFinished(vectors=wv, reason=reason, words_done=done, elapsed_s=time.perf_counter() - t0, final_loss=final)
