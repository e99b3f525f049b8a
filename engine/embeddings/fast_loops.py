"""word2vec's inner loops compiled for the CPU (numba), one (context, target) pair at a time, as the C tool.

Public API::

    AVAILABLE                                     # False when numba is not installed
    skipgram_chunk(...) -> (loss estimate, pairs)
    cbow_chunk(...) -> (loss estimate, centres)

The batched numpy/torch steps of :mod:`engine.embeddings.fast_sgd` spend most of their time
gathering and scattering rows (each row crosses memory several times per batch). Here the same
updates are taken pair by pair, like the C tool and gensim's Cython: read a row, update it, move
on, with the matrices shared by the worker threads without locks (Hogwild); numba releases the
GIL, so ``workers`` threads really run at once. Each call trains one chunk of the corpus:

1. subsampling: token t is kept with probability ``keep[id]`` (:mod:`engine.embeddings.subsampling`);
2. a dynamic window: centre p reaches ``b`` words each side, ``b`` uniform in 1..window;
3. skip-gram: each context word c of p predicts p (its input vector ``v_c``; the C tool's and
   gensim's order); CBOW: ``h = mean(v_c)`` over p's contexts predicts p, and every context
   vector receives the whole step of h (``cbow_mean=1``);
4. per decision (target row u, label y ∈ {0, 1}): ``g = (y − σ(u·v))·α``, ``e += g·u``,
   ``u += g·v``; then ``v += e`` (hierarchical softmax: the Huffman path of p, y = 1 − code,
   a decision with |u·v| ≥ 6 left alone as the C tool and gensim do; negative sampling: p with
   y = 1 and K noise words with y = 0, a noise word equal to p skipped, and a decision already
   right beyond |u·v| ≥ 6 left alone).

Negatives: ``shared`` draws K per centre for all its contexts (skip-gram) or per 2 consecutive
centres (CBOW); otherwise K fresh ones per (context, target) pair. The loss ``−log σ(±u·v)`` is
measured on one pair in ``loss_every`` and scaled up (a log per decision would cost a fifth of
the time); it is an estimate of the mean. The random numbers come from the C tool's linear
congruential generator seeded per chunk (numba's Mersenne Twister cost a tenth of the time), so
one worker gives a reproducible run.
"""

from __future__ import annotations

import math

import numpy as np

try:  # pragma: no cover - exercised where numba is installed (it is a dependency)
    from numba import njit

    AVAILABLE = True
except ImportError:  # pragma: no cover
    AVAILABLE = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        def wrap(fn):
            return fn

        return wrap if not args or not callable(args[0]) else args[0]


CBOW_SHARE = 2
"""CBOW + shared negative sampling: consecutive centres that share one set of K negatives."""


MAX_EXP = 6.0
_TABLE_SIZE = 1000
SIGMOID_TABLE = (1.0 / (1.0 + np.exp(-((np.arange(_TABLE_SIZE, dtype=np.float64) + 0.5) / _TABLE_SIZE * 2 - 1)
                                      * MAX_EXP))).astype(np.float32)
"""σ on [−6, 6] in 1,000 steps, as the C tool's expTable: an exp per decision cost an eighth of the time."""


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True, inline="always")
def _sigmoid(f):
    """σ(f) for |f| < 6 by table lookup (error < 0.003, less than the C tool's, whose table is read at the left end)."""
    return SIGMOID_TABLE[int((f + MAX_EXP) * (_TABLE_SIZE / (2 * MAX_EXP)))]


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True, inline="always")
def _decide(inp, x, out, t, work, y, alpha, measure, skip_saturated):
    """One binary decision of input row ``inp[x]`` against output row ``out[t]`` (label y).

    Returns its loss when ``measure``. When |u·v| ≥ 6 (σ within 0.0025 of 0 or 1) there is no
    update if ``skip_saturated`` (hierarchical softmax, as the C tool and gensim) or if the decision
    is already right (its step would be below 0.0025·α).
    """
    d = inp.shape[1]
    f = np.float32(0.0)
    for k in range(d):
        f += inp[x, k] * out[t, k]
    loss = 0.0
    if not (-MAX_EXP < f < MAX_EXP):  # σ within 0.0025 of 0 or 1 (NaN too: never a table index)
        right = (f >= MAX_EXP) == (y > 0.5)
        if measure:
            loss = -math.log(1.0 - 1.0 / (1.0 + math.exp(-abs(f)))) if not right else 0.0025
        if skip_saturated or right:  # HS: always (the C tool); NS: when already right
            return loss
        s = np.float32(1.0) if f >= MAX_EXP else np.float32(0.0)
    else:
        s = _sigmoid(f)
        if measure:
            loss = -math.log(s if y > 0.5 else 1.0 - s)
    g = np.float32((y - s) * alpha)
    for k in range(d):  # two loops, each vectorised (one loop of both was left scalar)
        work[k] += g * out[t, k]
    for k in range(d):
        out[t, k] += g * inp[x, k]
    return loss


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _next(rs):
    """The C tool's linear congruential generator (state ``rs[0]``), high bits only."""
    rs[0] = rs[0] * np.uint64(25214903917) + np.uint64(11)
    return rs[0] >> np.uint64(16)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _uniform(rs):
    return (_next(rs) & np.uint64(0xFFFFFFFF)) * (1.0 / 4294967296.0)


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _below(rs, n):
    return np.int64(_next(rs) % np.uint64(n))


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _draw(rs, accept, alias):
    column = _below(rs, accept.shape[0])
    return column if _uniform(rs) < accept[column] else alias[column]


@njit(nogil=True, cache=True, error_model="numpy")
def _subsample(rs, ids, sent, keep):
    n = ids.shape[0]
    kid = np.empty(n, np.int64)
    ksent = np.empty(n, np.int64)
    m = 0
    for t in range(n):
        if _uniform(rs) < keep[ids[t]]:
            kid[m] = ids[t]
            ksent[m] = sent[t]
            m += 1
    return kid[:m], ksent[:m]


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True, inline="always")
def _targets(inp, x, out_vec, work, w, hs, points, labels, lengths, negs, alpha, measure):
    """All decisions of one prediction of word w from input row ``inp[x]``; returns their loss."""
    loss = 0.0
    if hs:
        for d in range(lengths[w]):
            loss += _decide(inp, x, out_vec, points[w, d], work, labels[w, d], alpha, measure, True)
    else:
        loss += _decide(inp, x, out_vec, w, work, 1.0, alpha, measure, False)
        for k in range(negs.shape[0]):
            if negs[k] != w:
                loss += _decide(inp, x, out_vec, negs[k], work, 0.0, alpha, measure, False)
    return loss


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True)
def skipgram_chunk(ids, sent, keep, window, seed, alpha, in_vec, out_vec, hs, points, labels, lengths,
                   negative, shared, accept, alias, loss_every):
    rs = np.full(1, np.uint64(seed))
    kid, ksent = _subsample(rs, ids, sent, keep)
    m = kid.shape[0]
    d = in_vec.shape[1]
    work = np.empty(d, np.float32)
    negs = np.empty(0 if hs else negative, np.int64)
    loss = 0.0
    pairs = 0
    for pos in range(m):
        b = window - _below(rs, window)
        w = kid[pos]
        if not hs and shared:
            for k in range(negative):
                negs[k] = _draw(rs, accept, alias)
        for c in range(max(0, pos - b), min(m, pos + b + 1)):
            if c == pos or ksent[c] != ksent[pos]:
                continue
            if not hs and not shared:
                for k in range(negative):
                    negs[k] = _draw(rs, accept, alias)
            x = kid[c]
            work[:] = 0.0
            measure = pairs % loss_every == 0
            loss += _targets(in_vec, x, out_vec, work, w, hs, points, labels, lengths, negs, alpha, measure)
            for k in range(d):
                in_vec[x, k] += work[k]
            pairs += 1
    return loss * loss_every, pairs


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True)
def cbow_chunk(ids, sent, keep, window, seed, alpha, in_vec, out_vec, hs, points, labels, lengths,
               negative, shared, accept, alias, loss_every):
    rs = np.full(1, np.uint64(seed))
    kid, ksent = _subsample(rs, ids, sent, keep)
    m = kid.shape[0]
    d = in_vec.shape[1]
    work = np.empty(d, np.float32)
    h = np.empty((1, d), np.float32)
    ctx = np.empty(2 * window, np.int64)
    negs = np.empty(0 if hs else negative, np.int64)
    loss = 0.0
    centres = 0
    for pos in range(m):
        b = window - _below(rs, window)
        count = 0
        for c in range(max(0, pos - b), min(m, pos + b + 1)):
            if c != pos and ksent[c] == ksent[pos]:
                ctx[count] = kid[c]
                count += 1
        if count == 0:
            continue
        h[:] = 0.0
        for j in range(count):
            for k in range(d):
                h[0, k] += in_vec[ctx[j], k]
        for k in range(d):
            h[0, k] /= count
        if not hs and (not shared or centres % CBOW_SHARE == 0):
            for k in range(negative):
                negs[k] = _draw(rs, accept, alias)
        work[:] = 0.0
        measure = centres % loss_every == 0
        loss += _targets(h, 0, out_vec, work, kid[pos], hs, points, labels, lengths, negs, alpha, measure)
        for j in range(count):
            for k in range(d):
                in_vec[ctx[j], k] += work[k]
        centres += 1
    return loss * loss_every, centres
