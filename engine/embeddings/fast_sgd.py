"""Hand-derived SGD steps of word2vec on batches, without autograd (the C tool's updates, batched).

Public API::

    Ops.for_device(device, in_vectors, out_vectors) -> Ops
    window_step(ops, ctx, tgt, labels, alpha)  -> (loss_sum, predictions)   # skip-gram
    mean_step(ops, ctx, tgt, labels, alpha)    -> (loss_sum, predictions)   # CBOW
    mean_step_shared(ops, ctx, centres, negatives, alpha) -> (...)       # CBOW + NS, shared negatives
    softmax_step(ops, ctx, centres, alpha, mean) -> (loss_sum, predictions) # full softmax

Notation: ``v`` = an input vector (a row of ``in_vectors``, the embedding E), ``u`` = an
output vector (a row of ``out_vectors``: a word for negative sampling and softmax, an inner
node of the Huffman tree for hierarchical softmax). Every output scored against ``v`` is a
binary decision with label ``y ∈ {0, 1}``: the loss is ``−log σ(u·v)`` for y = 1 and
``−log σ(−u·v)`` for y = 0, whose gradient step is the C tool's

    g = (y − σ(u·v)) · α,      u ← u + g·v,      v ← v + g·u

(all gradients of a batch are taken at the same parameters, then added with ``index_add_``,
Hogwild style: threads update the shared matrices without locks, as the C tool does).

A batch is a set of *examples*; example n has inputs ``ctx[n, :C]`` and outputs
``tgt[n, :M]``, and **every input is scored against every output**:

- skip-gram + hierarchical softmax: inputs = the C context words of one centre, outputs = the
  inner nodes on the centre's Huffman path (exactly the C tool's pairs);
- skip-gram + negative sampling: outputs = [centre, K negatives]; the K negatives are shared by
  the window's C contexts (Ji et al. 2016, "Parallelizing Word2Vec in Shared and Distributed
  Memory") unless C = 1 (one pair per example: per-pair negatives, the C tool's sampling);
- CBOW (``mean_step``): the input is ``h = mean of the C context vectors``; each context
  vector receives the whole ``∂h`` step (gensim ``cbow_mean=1``, the C tool). With negative
  sampling, ``mean_step_shared`` lets S consecutive centres share their K negatives.

Padding uses a *sink row* (the last row of each matrix), kept at zero: its scores are masked
out, so it never receives a non-zero update.

On the CPU the batch arithmetic runs in numpy on arrays that share memory with the torch
matrices (numpy's stacked ``matmul`` is several times faster than ``torch.bmm`` for these
tiny (C × D)·(D × M) products) and the scatter is torch's ``index_add_``; on CUDA everything
is torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

_CLIP = 20.0  # σ(±20) is 1 to float32 precision; clipping keeps exp() finite
_TINY = 1e-7
ROW_STEP_CAP = 32.0
"""Most decisions one output row may sum in one batch (see ``Ops.damp``)."""


@dataclass
class Ops:
    """The few array operations the steps need, on numpy (CPU) or torch (any device)."""

    xp: Any
    """``numpy`` or ``torch``."""
    in_vectors: Any
    out_vectors: Any
    in_torch: torch.Tensor
    out_torch: torch.Tensor
    device: torch.device

    @classmethod
    def for_device(cls, in_vectors: torch.Tensor, out_vectors: torch.Tensor, backend: str = "auto") -> "Ops":
        """numpy on the CPU, torch elsewhere; ``backend="torch"`` forces torch (tests run the CUDA code on the CPU)."""
        if in_vectors.device.type == "cpu" and backend != "torch":
            return cls(np, in_vectors.numpy(), out_vectors.numpy(), in_vectors, out_vectors, in_vectors.device)
        return cls(torch, in_vectors, out_vectors, in_vectors, out_vectors, in_vectors.device)

    @property
    def in_sink(self) -> int:
        return self.in_vectors.shape[0] - 1

    @property
    def out_sink(self) -> int:
        return self.out_vectors.shape[0] - 1

    def index(self, a: np.ndarray):
        """Index array (numpy int64) in this backend."""
        if self.xp is np:
            return a
        return torch.from_numpy(np.ascontiguousarray(a)).to(self.device, non_blocking=True)

    def values(self, a: np.ndarray):
        if self.xp is np:
            return a
        return torch.from_numpy(np.ascontiguousarray(a)).to(self.device, non_blocking=True)

    def take(self, matrix, idx):
        """Rows ``matrix[idx]``: shape ``idx.shape + (D,)``."""
        if self.xp is np:
            return matrix.take(idx, axis=0)
        return matrix.index_select(0, idx.reshape(-1)).view(*idx.shape, matrix.shape[1])

    def add_rows(self, which: str, idx, rows) -> None:
        """``matrix[idx[i]] += rows[i]`` with repeats summed (``index_add_``)."""
        target = self.in_torch if which == "in" else self.out_torch
        d = target.shape[1]
        if self.xp is np:
            idx = torch.from_numpy(np.ascontiguousarray(idx).reshape(-1))
            rows = torch.from_numpy(np.ascontiguousarray(rows, dtype=np.float32).reshape(-1, d))
        else:
            idx, rows = idx.reshape(-1), rows.reshape(-1, d)
        target.index_add_(0, idx, rows)

    def sigmoid(self, f):
        f = f.clip(-_CLIP, _CLIP)
        return 1.0 / (1.0 + self.xp.exp(-f))

    def binary_loss(self, s, labels, mask) -> float:
        """``Σ −log σ(±u·v)`` over the unmasked decisions, from ``s = σ(u·v)``."""
        p = self.xp.where(labels > 0.5, s, 1.0 - s).clip(_TINY, None)
        return float((-self.xp.log(p) * mask).sum())

    def damp(self, tgt, weights):
        """Per-(example, output) factor ``min(1, CAP / hits(row))`` for the output-row update.

        A batch sums the steps of all its decisions at the same parameters. Sequential SGD
        survives a row being hit thousands of times in a row (each step sees the last), a
        summed step does not: the Huffman root is on *every* path, so one batch would move
        it by thousands × α and diverge. Capping the summed step of a row at ``CAP`` single
        steps keeps batches stable; rows hit fewer than ``CAP`` times (almost all) are exact.
        """
        xp = self.xp
        flat = tgt.reshape(-1)
        w = weights.reshape(-1)
        hits = xp.bincount(flat, weights=w)[tgt]  # (N, M) decisions summed into each entry's row
        scale = ROW_STEP_CAP / hits.clip(ROW_STEP_CAP, None)
        return scale.astype(xp.float32) if xp is np else scale.float()

    def swap(self, a):
        """Transpose the last two axes."""
        return a.swapaxes(-1, -2)


def window_step(ops: Ops, ctx: np.ndarray, tgt: np.ndarray, labels: np.ndarray, alpha: float) -> tuple[float, int]:
    """One skip-gram SGD step; every input of an example is scored against all its outputs.

    ctx: (N, C) input-word ids (sink-padded); tgt: (N, M) output-row ids (sink-padded);
    labels: (M,) or (N, M) float32 targets y. Returns (Σ loss over the (context, centre)
    pairs, number of such pairs).
    """
    ctx_i, tgt_i = ops.index(ctx), ops.index(tgt)
    in_mask = ctx_i != ops.in_sink  # (N, C)
    out_mask = tgt_i != ops.out_sink  # (N, M)
    y = ops.values(labels)
    y = y[None, None, :] if labels.ndim == 1 else y[:, None, :]  # (1|N, 1, M)
    v = ops.take(ops.in_vectors, ctx_i)  # (N, C, D)
    u = ops.take(ops.out_vectors, tgt_i)  # (N, M, D)
    f = v @ ops.swap(u)  # (N, C, M)  u·v for every (input, output)
    s = ops.sigmoid(f)
    mask = in_mask[:, :, None] & out_mask[:, None, :]  # (N, C, M)
    loss = ops.binary_loss(s, y, mask)
    g = (y - s) * mask * alpha  # (N, C, M)
    dv = g @ u  # (N, C, D)  Σ_m g·u_m
    n_in = in_mask.sum(1, dtype=ops.xp.float32)  # (N,) decisions per output of example n
    damp = ops.damp(tgt_i, (n_in[:, None] * out_mask))  # (N, M)
    du = ops.swap(g * damp[:, None, :]) @ v  # (N, M, D)  Σ_c g·v_c
    ops.add_rows("out", tgt_i, du)
    ops.add_rows("in", ctx_i, dv)
    return loss, int(in_mask.sum())


def mean_step(ops: Ops, ctx: np.ndarray, tgt: np.ndarray, labels: np.ndarray, alpha: float) -> tuple[float, int]:
    """One CBOW SGD step: ``h = mean(v_c)`` over the (unpadded) contexts predicts the outputs.

    Shapes as :func:`window_step`. Returns (Σ loss over centres, number of centres with context).
    """
    xp = ops.xp
    ctx_i, tgt_i = ops.index(ctx), ops.index(tgt)
    in_mask = ctx_i != ops.in_sink  # (N, C)
    count = in_mask.sum(1, dtype=xp.float32)  # (N,)
    has = count > 0
    y = ops.values(labels)
    y = y[None, :] if labels.ndim == 1 else y  # (1|N, M)
    # Σ_c v_c by embedding_bag (the sink row is zero, so padding adds nothing; no padding_idx,
    # which would leave FBGEMM's fast CPU kernel, 3× faster than a gather + sum)
    bag = torch.from_numpy(np.ascontiguousarray(ctx_i)) if xp is np else ctx_i
    h_sum = torch.nn.functional.embedding_bag(bag, ops.in_torch, mode="sum")  # (N, D)
    h = (h_sum.numpy() if xp is np else h_sum) / count.clip(1, None)[:, None]  # (N, D)
    u = ops.take(ops.out_vectors, tgt_i)  # (N, M, D)
    f = (u @ h[:, :, None])[:, :, 0]  # (N, M)
    s = ops.sigmoid(f)
    mask = (tgt_i != ops.out_sink) & has[:, None]
    loss = ops.binary_loss(s, y, mask)
    g = (y - s) * mask * alpha  # (N, M)
    dh = (g[:, None, :] @ u)[:, 0, :]  # (N, D)
    du = (g * ops.damp(tgt_i, mask * 1.0))[:, :, None] * h[:, None, :]  # (N, M, D)
    ops.add_rows("out", tgt_i, du)
    rows, cols = xp.nonzero(in_mask) if xp is np else in_mask.nonzero(as_tuple=True)
    ops.add_rows("in", ctx_i[rows, cols], dh[rows])
    return loss, int(has.sum())


def softmax_step(ops: Ops, ctx: np.ndarray, centres: np.ndarray, alpha: float, mean: bool) -> tuple[float, int]:
    """Full softmax over the vocabulary: ``p = softmax(U v)``, ``g = (onehot(o) − p)·α``.

    Skip-gram (``mean=False``): each valid (context, centre) pair is one prediction;
    CBOW (``mean=True``): ``h = mean(v_c)`` predicts the centre. Cost O(V·D) per prediction.
    """
    xp = ops.xp
    ctx_i = ops.index(ctx)
    in_mask = ctx_i != ops.in_sink
    cen = ops.index(centres)
    u_all = ops.out_vectors[:-1]  # (V, D) without the sink
    if mean:
        count = in_mask.sum(1, dtype=xp.float32)
        keep = count > 0
        v = ops.take(ops.in_vectors, ctx_i)
        h = v.sum(1)[keep] / count[keep][:, None]  # (P, D)
        target = cen[keep]
    else:
        rows, cols = xp.nonzero(in_mask) if xp is np else in_mask.nonzero(as_tuple=True)
        h = ops.take(ops.in_vectors, ctx_i[rows, cols])  # (P, D)
        target = cen[rows]
    n = int(h.shape[0])
    if n == 0:
        return 0.0, 0
    logits = h @ ops.swap(u_all)  # (P, V)
    logits = logits - logits.max(1, keepdims=True) if xp is np else logits - logits.max(1, keepdim=True).values
    e = xp.exp(logits.clip(-30.0, None))  # no subnormal floats (they are ~100× slower)
    p = e / e.sum(1)[:, None]
    ar = xp.arange(n) if xp is np else torch.arange(n, device=ops.device)
    loss = float(-xp.log(p[ar, target].clip(_TINY, None)).sum())
    g = -p * alpha
    g[ar, target] += alpha
    dh = g @ u_all  # (P, D)
    du = ops.swap(g) @ h  # (V, D)
    # every row takes part in every prediction: damp rows by their decision mass (Ops.damp)
    hits = p.sum(0) + xp.bincount(target, minlength=p.shape[1])
    du = du * (ROW_STEP_CAP / hits.clip(ROW_STEP_CAP, None))[:, None]
    ops.add_rows("out", (xp.arange(u_all.shape[0]) if xp is np else torch.arange(u_all.shape[0], device=ops.device)), du)
    if mean:
        rows, cols = xp.nonzero(in_mask[keep]) if xp is np else in_mask[keep].nonzero(as_tuple=True)
        ops.add_rows("in", ctx_i[keep][rows, cols], dh[rows])
    else:
        ops.add_rows("in", ctx_i[rows, cols], dh)
    return loss, n


def mean_step_shared(
    ops: Ops, ctx: np.ndarray, centres: np.ndarray, negatives: np.ndarray, alpha: float
) -> tuple[float, int]:
    """CBOW + negative sampling with the K negatives shared by S consecutive centres.

    ctx: (G·S, C) context ids; centres: (G·S,); negatives: (G, K). Identical to
    :func:`mean_step` with outputs ``[centre_n] + negatives[n // S]`` and labels ``[1, 0, …]``
    (a negative equal to its centre is skipped, as the C tool does), but each shared negative
    row is gathered and scattered once per group instead of once per centre: 1 + K/S output
    rows per centre instead of 1 + K. Returns (Σ loss, centres with context).
    """
    xp = ops.xp
    g_count, k = negatives.shape
    n = len(centres)
    s = n // g_count
    ctx_i, cen, neg = ops.index(ctx), ops.index(centres), ops.index(negatives)
    in_mask = ctx_i != ops.in_sink  # (N, C)
    count = in_mask.sum(1, dtype=xp.float32)
    has = count > 0
    bag = torch.from_numpy(np.ascontiguousarray(ctx_i)) if xp is np else ctx_i
    h_sum = torch.nn.functional.embedding_bag(bag, ops.in_torch, mode="sum")
    h = (h_sum.numpy() if xp is np else h_sum) / count.clip(1, None)[:, None]  # (N, D)
    u_pos = ops.take(ops.out_vectors, cen)  # (N, D)
    u_neg = ops.take(ops.out_vectors, neg)  # (G, K, D)
    hg = h.reshape(g_count, s, -1)  # (G, S, D)
    s_pos = ops.sigmoid((h * u_pos).sum(1))  # (N,)
    s_neg = ops.sigmoid(hg @ ops.swap(u_neg))  # (G, S, K)
    pos_mask = has & (cen != ops.out_sink)
    neg_mask = (has.reshape(g_count, s)[:, :, None] & (neg != ops.out_sink)[:, None, :]
                & (neg[:, None, :] != cen.reshape(g_count, s)[:, :, None]))  # (G, S, K)
    loss = float((-xp.log(s_pos.clip(_TINY, None)) * pos_mask).sum()
                 + (-xp.log((1.0 - s_neg).clip(_TINY, None)) * neg_mask).sum())
    g_pos = (1.0 - s_pos) * pos_mask * alpha  # (N,)
    g_neg = -s_neg * neg_mask * alpha  # (G, S, K)
    dh = g_pos[:, None] * u_pos + (g_neg @ u_neg).reshape(n, -1)  # (N, D)
    # damping (Ops.damp) over the positive and the shared negative rows together
    rows = xp.concatenate([cen, neg.reshape(-1)])
    weights = xp.concatenate([pos_mask * 1.0, neg_mask.sum(1).reshape(-1) * 1.0])
    damp = ops.damp(rows, weights)
    du_pos = (g_pos * damp[:n])[:, None] * h  # (N, D)
    du_neg = ops.swap(g_neg * damp[n:].reshape(g_count, 1, k)) @ hg  # (G, K, D)
    ops.add_rows("out", rows, xp.concatenate([du_pos, du_neg.reshape(-1, du_pos.shape[1])]))
    r, c = xp.nonzero(in_mask) if xp is np else in_mask.nonzero(as_tuple=True)
    ops.add_rows("in", ctx_i[r, c], dh[r])
    return loss, int(has.sum())
