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

What made them fast, measured one change at a time (bench/README.md): the rows each centre will
need are prefetched one centre ahead (negatives drawn one set ahead); a row index read from an
array is held in a local before the loop over its elements (else LLVM keeps the loop scalar: CBOW
2×); the kernels run without numba's reference counting (``NO_NRT``); and with hierarchical
softmax each thread trains its own copy of the nodes nearest the root for a chunk
(:func:`_hot_rows`), which every decision of every thread writes.
"""

from __future__ import annotations

import math

import numpy as np

try:  # pragma: no cover - exercised where numba is installed (it is a dependency)
    from llvmlite import ir as _ir
    from numba import njit
    from numba import types as _types
    from numba.extending import intrinsic

    AVAILABLE = True
except ImportError:  # pragma: no cover
    AVAILABLE = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        def wrap(fn):
            return fn

        return wrap if not args or not callable(args[0]) else args[0]

    def intrinsic(fn):  # type: ignore[no-redef]
        return lambda address: None


NO_NRT = {"_nrt": False} if AVAILABLE else {}
"""The kernels allocate nothing (their scratch comes from :func:`_run`), so they are compiled without
numba's reference counting: with it, every row passed to an inlined helper cost an atomic increment
and decrement in the innermost loop (~17 % of skip-gram's time)."""

CBOW_SHARE = 2
"""CBOW + shared negative sampling: consecutive centres that share one set of K negatives."""


HOT_DEPTH = 10
"""Prefetching skips Huffman nodes above this depth (the 1,023 of the top levels, 400 KB at D=100): they stay in cache."""
HOT_ROWS = 64
"""Hierarchical softmax: the inner nodes nearest the root that each thread keeps its own copy of (see _hot_rows)."""

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


@intrinsic
def _prefetch_address(typingctx, address):
    """``llvm.prefetch(address)``: read, keep in all cache levels, data (x86 ``prefetcht0``)."""

    def codegen(context, builder, signature, args):
        i32, byte_pointer = _ir.IntType(32), _ir.IntType(8).as_pointer()
        prefetch = builder.module.declare_intrinsic(
            "llvm.prefetch", fnty=_ir.FunctionType(_ir.VoidType(), (byte_pointer, i32, i32, i32)))
        builder.call(prefetch, (builder.inttoptr(args[0], byte_pointer), _ir.Constant(i32, 0), _ir.Constant(i32, 3),
                                _ir.Constant(i32, 1)))
        return context.get_dummy_value()

    return _types.void(_types.uintp), codegen


@njit(nogil=True, cache=True, inline="always")
def _prefetch_row(matrix, row):
    """Ask the CPU for row ``row`` of ``matrix`` now (every 64-byte line of it), to be used a little later.

    A row of a 30,000-word matrix is a cache miss when its word comes up; prefetched one prediction
    ahead (the next centre's target and newest context, the next negatives) the miss overlaps the
    arithmetic of this one: ~10 % of CBOW's time here.
    """
    start = np.uint64(matrix.ctypes.data) + np.uint64(row) * np.uint64(matrix.strides[0])
    for offset in range(0, matrix.shape[1] * matrix.itemsize, 64):
        _prefetch_address(start + np.uint64(offset))


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _next(rs):
    """The C tool's linear congruential generator (state ``rs[0]``), high bits only."""
    x = rs[0] * np.uint64(25214903917) + np.uint64(11)
    rs[0] = x
    return x >> np.uint64(16)


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


@njit(nogil=True, cache=True, error_model="numpy", **NO_NRT)
def _subsample(rs, ids, sent, keep, kid, ksent):
    """Keep token t with probability ``keep[ids[t]]``: the kept ids and their sentences into ``kid``,
    ``ksent``; returns how many."""
    m = 0
    for t in range(ids.shape[0]):
        if _uniform(rs) < keep[ids[t]]:
            kid[m] = ids[t]
            ksent[m] = sent[t]
            m += 1
    return m


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True, inline="always")
def _targets(inp, x, out_vec, work, w, hs, points, labels, lengths, negs, alpha, measure, hot, first_hot):
    """All decisions of one prediction of word w from input row ``inp[x]``; returns their loss.

    Hierarchical softmax: inner nodes ``first_hot`` and up are read and written in ``hot``, this
    thread's copy of them (see :func:`_hot_rows`).
    """
    loss = 0.0
    if hs:
        for d in range(lengths[w]):
            t = points[w, d]
            if t >= first_hot:
                loss += _decide(inp, x, hot, t - first_hot, work, labels[w, d], alpha, measure, True)
            else:
                loss += _decide(inp, x, out_vec, t, work, labels[w, d], alpha, measure, True)
    else:
        loss += _decide(inp, x, out_vec, w, work, 1.0, alpha, measure, False)
        for k in range(negs.shape[0]):
            if negs[k] != w:
                loss += _decide(inp, x, out_vec, negs[k], work, 0.0, alpha, measure, False)
    return loss


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _draw_ahead(rs, accept, alias, ahead, out_vec):
    """The first set of negatives, drawn one set ahead of its use (and its rows prefetched)."""
    for k in range(ahead.shape[0]):
        ahead[k] = _draw(rs, accept, alias)
        _prefetch_row(out_vec, ahead[k])


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _take(negs, ahead, rs, accept, alias, out_vec):
    """Use the set drawn ahead as ``negs``; draw the next one and prefetch its rows."""
    for k in range(negs.shape[0]):
        negs[k] = ahead[k]
        ahead[k] = _draw(rs, accept, alias)
        _prefetch_row(out_vec, ahead[k])


@njit(nogil=True, cache=True, error_model="numpy", inline="always")
def _prefetch_next(kid, pos, m, window, in_vec, out_vec, hs, points, lengths):
    """Prefetch what centre ``pos + 1`` will need that ``pos`` did not: its output rows (the word's, or the
    deeper nodes of its Huffman path: the top ones stay in cache) and the input row entering the window."""
    if pos + window + 1 < m:
        _prefetch_row(in_vec, kid[pos + window + 1])
    if pos + 1 < m:
        w = kid[pos + 1]
        if hs:
            for depth in range(HOT_DEPTH, lengths[w]):
                _prefetch_row(out_vec, points[w, depth])
        else:
            _prefetch_row(out_vec, w)


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True, **NO_NRT)
def _skipgram(ids, sent, keep, window, alpha, in_vec, out_vec, hs, points, labels, lengths, shared, accept, alias,
              loss_every, rs, kid, ksent, work, h, ctx, negs, ahead, hot, first_hot):
    m = _subsample(rs, ids, sent, keep, kid, ksent)
    d = in_vec.shape[1]
    _draw_ahead(rs, accept, alias, ahead, out_vec)
    loss = 0.0
    pairs = 0
    for pos in range(m):
        _prefetch_next(kid, pos, m, window, in_vec, out_vec, hs, points, lengths)
        b = window - _below(rs, window)
        w = kid[pos]
        if not hs and shared:
            _take(negs, ahead, rs, accept, alias, out_vec)
        for c in range(max(0, pos - b), min(m, pos + b + 1)):
            if c == pos or ksent[c] != ksent[pos]:
                continue
            if not hs and not shared:
                _take(negs, ahead, rs, accept, alias, out_vec)
            x = kid[c]
            work[:] = 0.0
            measure = pairs % loss_every == 0
            loss += _targets(in_vec, x, out_vec, work, w, hs, points, labels, lengths, negs, alpha, measure, hot,
                             first_hot)
            for k in range(d):
                in_vec[x, k] += work[k]
            pairs += 1
    return loss * loss_every, pairs


@njit(nogil=True, cache=True, error_model="numpy", fastmath=True, **NO_NRT)
def _cbow(ids, sent, keep, window, alpha, in_vec, out_vec, hs, points, labels, lengths, shared, accept, alias,
          loss_every, rs, kid, ksent, work, h, ctx, negs, ahead, hot, first_hot):
    m = _subsample(rs, ids, sent, keep, kid, ksent)
    d = in_vec.shape[1]
    _draw_ahead(rs, accept, alias, ahead, out_vec)
    loss = 0.0
    centres = 0
    for pos in range(m):
        _prefetch_next(kid, pos, m, window, in_vec, out_vec, hs, points, lengths)
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
            row = ctx[j]  # a local: with ctx[j] in the loop, a store to h might change it, and the loop stays scalar (2× CBOW)
            for k in range(d):
                h[0, k] += in_vec[row, k]
        for k in range(d):
            h[0, k] /= count
        if not hs and (not shared or centres % CBOW_SHARE == 0):
            _take(negs, ahead, rs, accept, alias, out_vec)
        work[:] = 0.0
        measure = centres % loss_every == 0
        loss += _targets(h, 0, out_vec, work, kid[pos], hs, points, labels, lengths, negs, alpha, measure, hot,
                         first_hot)
        for j in range(count):
            row = ctx[j]
            for k in range(d):
                in_vec[row, k] += work[k]
        centres += 1
    return loss * loss_every, centres


def skipgram_chunk(ids, sent, keep, window, seed, alpha, in_vec, out_vec, hs, points, labels, lengths,
                   negative, shared, accept, alias, loss_every) -> tuple[float, int]:
    """Train skip-gram on one chunk (word ids ``ids``, their sentence numbers ``sent``): (loss estimate, pairs)."""
    return _run(_skipgram, ids, sent, keep, window, seed, alpha, in_vec, out_vec, hs, points, labels, lengths,
                negative, shared, accept, alias, loss_every)


def cbow_chunk(ids, sent, keep, window, seed, alpha, in_vec, out_vec, hs, points, labels, lengths,
               negative, shared, accept, alias, loss_every) -> tuple[float, int]:
    """Train CBOW on one chunk: (loss estimate, centres)."""
    return _run(_cbow, ids, sent, keep, window, seed, alpha, in_vec, out_vec, hs, points, labels, lengths,
                negative, shared, accept, alias, loss_every)


def _run(kernel, ids, sent, keep, window, seed, alpha, in_vec, out_vec, hs, points, labels, lengths,
         negative, shared, accept, alias, loss_every) -> tuple[float, int]:
    """Allocate the chunk's scratch (the kernels allocate nothing: see NO_NRT), run ``kernel``, then merge
    this thread's copy of the hot Huffman nodes (:func:`_hot_rows`) into the shared rows."""
    n, d = ids.shape[0], in_vec.shape[1]
    k = 0 if hs else negative
    first_hot, snapshot = _hot_rows(out_vec, hs)
    hot = snapshot.copy()
    loss, count = kernel(ids, sent, keep, window, alpha, in_vec, out_vec, hs, points, labels, lengths, shared,
                         accept, alias, loss_every, np.full(1, seed, np.uint64), np.empty(n, np.int64),
                         np.empty(n, np.int64), np.empty(d, np.float32), np.empty((1, d), np.float32),
                         np.empty(2 * window, np.int64), np.empty(k, np.int64), np.empty(k, np.int64), hot,
                         first_hot)
    if hot.size:
        out_vec[first_hot:first_hot + hot.shape[0]] += hot - snapshot
    return loss, count


def _hot_rows(out_vec: np.ndarray, hs: bool) -> tuple[int, np.ndarray]:
    """Hierarchical softmax: the ``HOT_ROWS`` inner nodes nearest the root, which each thread trains a
    copy of for the length of a chunk: ``(first_hot, a copy of rows first_hot…)``.

    Every decision of every thread starts at the root, so with the rows shared, two Hogwild threads
    write the same few rows all the time and each write moves their cache lines from one core to
    the other (two threads ran ~1.5× one; with the copies ~1.9×). Inner nodes are numbered in the
    order the tree was built (:mod:`engine.embeddings.huffman`), so the last ``HOT_ROWS`` ids (the
    sink row excluded) are the most visited. A chunk trains on its copy and adds what it changed to
    the shared rows at its end: with one thread, exactly the C tool's updates; with several, each
    sees the others' changes to those rows a chunk late. Negative sampling: none (``first_hot``
    past every row).
    """
    n_hot = min(HOT_ROWS, out_vec.shape[0] - 1) if hs else 0
    first_hot = out_vec.shape[0] - 1 - n_hot if hs else out_vec.shape[0]
    return first_hot, out_vec[first_hot:first_hot + n_hot].copy()
