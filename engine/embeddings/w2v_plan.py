"""How word2vec turns a chunk of word ids into SGD updates, for one (model, loss).

Public API::

    Plan(config, vocab, ops).train_chunk(ids, sent, alpha, seed) -> (Σ loss, predictions)

On the CPU, when numba is installed (a dependency), negative sampling and hierarchical softmax
run the compiled pair-by-pair loops of :mod:`engine.embeddings.fast_loops` (the C tool's
arithmetic, the GIL released, Hogwild threads). Otherwise — on CUDA, for the full softmax, or
without numba — the chunk becomes batches of examples (vectorised numpy: subsampling, dynamic
windows, the contexts of each centre) for the batched steps of :mod:`engine.embeddings.fast_sgd`.
Both take the same updates; they differ in order and in how a batch sums them.
"""

from __future__ import annotations

import numpy as np

from engine.embeddings import fast_loops, fast_sgd
from engine.embeddings.huffman import HuffmanTree
from engine.embeddings.negatives import NegativeSampler
from engine.embeddings.subsampling import keep_probabilities
from engine.embeddings.vocab import WordCounts

CBOW_SHARE = fast_loops.CBOW_SHARE
"""CBOW + negative sampling: consecutive centres that share one set of K negatives."""
LOSS_EVERY = 4
"""The compiled loops measure the loss on one prediction in this many (an estimate of the mean)."""


class Plan:
    """What turns a chunk of word ids into SGD steps for one (model, loss)."""

    def __init__(self, config, vocab: WordCounts, ops: fast_sgd.Ops) -> None:
        self.config = config
        self.ops = ops
        self.keep = keep_probabilities(vocab.counts, config.sample).astype(np.float32)
        self.vocab_size = len(vocab)
        if config.loss == "negative":
            self.sampler = NegativeSampler(vocab.counts)
            self.ns_labels = np.zeros(config.negative + 1, dtype=np.float32)
            self.ns_labels[0] = 1.0
        elif config.loss == "hierarchical":
            tree = HuffmanTree.build(vocab.counts)
            self.points, self.hs_labels, self.path_lengths = tree.padded(pad=ops.out_sink)
        self.compiled = (fast_loops.AVAILABLE and ops.xp is np and config.loss != "softmax"
                         and getattr(config, "kernel", "auto") == "auto")

    def examples(self, ids: np.ndarray, sent: np.ndarray, rng: np.random.Generator):
        """Yield (centres (N,), contexts (N, 2e)) per reduced window e, after subsampling."""
        keep = rng.random(ids.size, dtype=np.float32) < self.keep[ids]
        ids, sent = ids[keep], sent[keep]
        n = ids.size
        if n < 2:
            return
        reach = self.config.window - rng.integers(0, self.config.window, n)  # dynamic window 1..window
        for e in range(1, self.config.window + 1):
            pos = np.flatnonzero(reach == e)
            if pos.size == 0:
                continue
            offsets = np.r_[-e:0, 1 : e + 1]
            cpos = pos[:, None] + offsets[None, :]  # (N, 2e)
            inside = (cpos >= 0) & (cpos < n)
            cpos = cpos.clip(0, n - 1)
            valid = inside & (sent[cpos] == sent[pos][:, None])
            ctx = np.where(valid, ids[cpos], self.ops.in_sink)
            yield ids[pos], ctx

    def train_chunk(self, ids: np.ndarray, sent: np.ndarray, alpha: float, seed: tuple[int, ...]) -> tuple[float, int]:
        if self.compiled:
            return self._compiled(ids, sent, alpha, seed)
        rng = np.random.default_rng(seed)
        cfg = self.config
        loss_sum, count = 0.0, 0
        for centres, ctx in self.examples(ids, sent, rng):
            width = ctx.shape[1]
            if cfg.loss == "negative" and cfg.model == "skipgram" and not cfg.shared_negatives:
                rows, cols = np.nonzero(ctx != self.ops.in_sink)  # one example per pair
                centres, ctx = centres[rows], ctx[rows, cols][:, None]
                width = 1
            if cfg.loss == "hierarchical":  # batch centres with similar path lengths: less padding
                order = np.argsort(self.path_lengths[centres], kind="stable")
                centres, ctx = centres[order], ctx[order]
            # CBOW's work per centre is ~C times smaller: bigger batches amortise the per-call cost
            step = max(1, cfg.batch_pairs // width * (4 if cfg.model == "cbow" else 1))
            for start in range(0, len(centres), step):
                c, x = centres[start : start + step], ctx[start : start + step]
                loss, n = self._step(c, x, alpha, rng)
                loss_sum += loss
                count += n
        return loss_sum, count

    def _step(self, centres, ctx, alpha, rng) -> tuple[float, int]:
        cfg, ops = self.config, self.ops
        if cfg.loss == "softmax":
            return fast_sgd.softmax_step(ops, ctx, centres, alpha, mean=cfg.model == "cbow")
        if cfg.loss == "negative" and cfg.model == "cbow" and cfg.shared_negatives:
            n = len(centres)
            groups = -(-n // CBOW_SHARE)
            pad = groups * CBOW_SHARE - n  # padded centres have no context: masked out
            centres = np.concatenate([centres, np.full(pad, ops.out_sink, dtype=centres.dtype)])
            ctx = np.concatenate([ctx, np.full((pad, ctx.shape[1]), ops.in_sink, dtype=ctx.dtype)])
            negs = self.sampler.sample(rng, (groups, cfg.negative))
            return fast_sgd.mean_step_shared(ops, ctx, centres, negs, alpha)
        if cfg.loss == "negative":
            negs = self.sampler.sample(rng, (len(centres), cfg.negative))
            negs[negs == centres[:, None]] = ops.out_sink  # the C tool skips a negative equal to the target
            tgt = np.concatenate([centres[:, None], negs], axis=1)
            labels = self.ns_labels
        else:
            longest = int(self.path_lengths[centres].max())
            tgt, labels = self.points[centres, :longest], self.hs_labels[centres, :longest]
        step = fast_sgd.mean_step if cfg.model == "cbow" else fast_sgd.window_step
        return step(ops, ctx, tgt, labels, alpha)


    def _compiled(self, ids, sent, alpha, seed) -> tuple[float, int]:
        cfg, ops = self.config, self.ops
        hs = cfg.loss == "hierarchical"
        if hs:
            points, labels, lengths = self.points, self.hs_labels, self.path_lengths
            accept, alias = _NO_FLOATS, _NO_INTS
        else:
            points, labels, lengths = _NO_INTS_2D, _NO_FLOATS_2D, _NO_INTS
            accept, alias = self.sampler.tables
        chunk_seed = int(np.random.SeedSequence(list(seed)).generate_state(1)[0] & 0x7FFFFFFF)
        loop = fast_loops.skipgram_chunk if cfg.model == "skipgram" else fast_loops.cbow_chunk
        loss, n = loop(ids, sent, self.keep, cfg.window, chunk_seed, np.float32(alpha), ops.in_vectors,
                       ops.out_vectors, hs, points, labels, lengths, cfg.negative, cfg.negatives == "shared",
                       accept, alias, LOSS_EVERY)
        return float(loss), int(n)


_NO_INTS = np.zeros(1, np.int64)
_NO_FLOATS = np.zeros(1, np.float32)
_NO_INTS_2D = np.zeros((1, 1), np.int64)
_NO_FLOATS_2D = np.zeros((1, 1), np.float32)
