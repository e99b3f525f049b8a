"""The compiled pair-by-pair loops (engine/embeddings/fast_loops.py) against the C tool's updates
written out plainly in numpy, on a chunk where nothing is random (no subsampling, window 1,
negatives forced to one word)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.embeddings import fast_loops
from engine.embeddings.huffman import HuffmanTree

pytestmark = pytest.mark.skipif(not fast_loops.AVAILABLE, reason="numba is not installed")


def _sigmoid(f):
    """The C tool's σ: a table of 1,000 values on [−6, 6] (here read at the middle of each step)."""
    index = int((f + 6) * 1000 / 12)
    return 1 / (1 + math.exp(-((index + 0.5) / 1000 * 2 - 1) * 6))


def test_the_sigmoid_table_is_close_to_the_sigmoid():
    f = np.linspace(-5.999, 5.999, 5001)
    table = np.array([fast_loops._sigmoid(x) for x in f])
    assert np.abs(table - 1 / (1 + np.exp(-f))).max() < 0.0016
    assert all(math.isclose(fast_loops._sigmoid(x), _sigmoid(x), rel_tol=1e-6) for x in f[::50])


def _decide(v, u, y, alpha, hs):
    f = float(v @ u)
    if abs(f) >= 6:
        s = 1.0 if f >= 6 else 0.0
        if hs or (f >= 6) == (y > 0.5):
            return np.zeros_like(v), (math.log(1 - 0.0025) if (f >= 6) == (y > 0.5)
                                      else math.log(1 / (1 + math.exp(abs(f)))))
    else:
        s = _sigmoid(f)
    g = (y - s) * alpha
    e = g * u
    u += g * v
    if abs(f) >= 6:  # wrong beyond the table (negative sampling only)
        return e, math.log(1 / (1 + math.exp(abs(f))))
    return e, math.log(s if y > 0.5 else 1 - s)


def _reference(ids, sent, in_vec, out_vec, model, hs, points, labels, lengths, negative_word, k, alpha):
    """Window 1, everything kept: centre p's contexts are p − 1 and p + 1 within its sentence."""
    loss, n = 0.0, 0
    for p in range(len(ids)):
        ctx = [c for c in (p - 1, p + 1) if 0 <= c < len(ids) and sent[c] == sent[p]]
        if not ctx:
            continue
        w = ids[p]
        targets = ([(points[w, d], labels[w, d]) for d in range(lengths[w])] if hs
                   else [(w, 1.0)] + [(negative_word, 0.0)] * k * int(negative_word != w))
        inputs = [in_vec[ids[c]] for c in ctx] if model == "skipgram" else [np.mean([in_vec[ids[c]] for c in ctx], 0)]
        for j, v in enumerate(inputs):
            work = np.zeros_like(v)
            for t, y in targets:
                e, logp = _decide(v, out_vec[t], y, alpha, hs)
                work += e
                loss -= logp
            if model == "skipgram":
                in_vec[ids[ctx[j]]] += work
            else:
                for c in ctx:
                    in_vec[ids[c]] += work
            n += 1
    return loss, n


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("hs", [True, False])
@pytest.mark.parametrize("v_size", [7, 3 * fast_loops.HOT_ROWS])
def test_compiled_loops_take_the_c_tools_steps(model, hs, v_size):
    """One thread: exactly the C tool's updates — with every inner node in the thread's copy of the hot
    rows (7 words), and with paths that cross from the shared rows into the copied ones."""
    rng = np.random.default_rng(0)
    d = 5
    ids = rng.integers(0, v_size, 40 if v_size < 10 else 400).astype(np.int32)
    sent = np.repeat(np.arange(4), ids.size // 4).astype(np.int64)
    in_vec = rng.normal(0, 0.5, (v_size + 1, d)).astype(np.float32)
    counts = np.bincount(ids, minlength=v_size) + 1
    if hs:
        points, labels, lengths = HuffmanTree.build(counts).padded(pad=v_size - 1)
        out_vec = rng.normal(0, 0.5, (v_size, d)).astype(np.float32)
        accept, alias = np.zeros(1, np.float32), np.zeros(1, np.int64)
    else:
        points, labels, lengths = np.zeros((1, 1), np.int64), np.zeros((1, 1), np.float32), np.zeros(1, np.int64)
        out_vec = rng.normal(0, 0.5, (v_size + 1, d)).astype(np.float32)
        accept, alias = np.zeros(v_size, np.float32), np.full(v_size, 3, np.int64)  # every negative is word 3
    ref_in, ref_out = in_vec.astype(np.float64), out_vec.astype(np.float64)
    want_loss, want_n = _reference(ids, sent, ref_in, ref_out, model, hs, points, labels, lengths, 3, 2, 0.1)
    loop = fast_loops.skipgram_chunk if model == "skipgram" else fast_loops.cbow_chunk
    loss, n = loop(ids, sent, np.ones(v_size, np.float32), 1, 5, np.float32(0.1), in_vec, out_vec, hs, points,
                   labels, lengths, 2, False, accept, alias, 1)
    assert n == want_n
    assert loss == pytest.approx(want_loss, rel=1e-4)
    assert np.allclose(in_vec, ref_in, atol=1e-4) and np.allclose(out_vec, ref_out, atol=1e-4)
