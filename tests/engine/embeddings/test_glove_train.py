"""GloVe: co-occurrence counts against a plain loop (in memory and through disk shards), the batched
AdaGrad step against glove.c's per-entry step, learning a planted structure, events and stop."""

from __future__ import annotations

import math
import threading
from collections import defaultdict

import numpy as np
import pytest
import torch

from engine.embeddings import events as te
from engine.embeddings.chunks import ChunkedCorpus
from engine.embeddings.glove_cooccur import count_cooccurrences
from engine.embeddings.glove_events import Counting
from engine.embeddings.glove_train import GloveConfig, GloveParameters, adagrad_step, train_glove
from engine.errors import InputError

GROUP_A = [f"a{i}" for i in range(8)]
GROUP_B = [f"b{i}" for i in range(8)]


def planted(n: int = 800, seed: int = 0) -> list[list[str]]:
    """Sentences of 9 words of one group and 1 of the other: X_ij is large within a group, small across
    (GloVe fits only the non-zero X_ij, so the groups must meet now and then to be told apart)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        own, other = (GROUP_A, GROUP_B) if rng.random() < 0.5 else (GROUP_B, GROUP_A)
        words = list(rng.choice(own, 9)) + [str(rng.choice(other))]
        rng.shuffle(words)
        out.append(words)
    return out


def _count(sentences, window, memory_mb=64.0, chunk_words=200_000, workdir=None):
    corpus = ChunkedCorpus.prepare(sentences, 2, None, chunk_words, 0)
    gen = count_cooccurrences(corpus, window, memory_mb, workdir)
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as done:
        return corpus.vocab, done.value, events


def _as_dict(cooc) -> dict[tuple[int, int], float]:
    out: dict[tuple[int, int], float] = defaultdict(float)
    for i, j, x in cooc.shuffled(np.random.default_rng(0)):
        for a, b, c in zip(i.tolist(), j.tolist(), x.tolist()):
            out[(a, b)] += c
    return dict(out)


def _naive(sentences, vocab, window) -> dict[tuple[int, int], float]:
    """X_ij by the definition: OOV words dropped first, then 1/d for each pair d ≤ window apart, both ways."""
    x: dict[tuple[int, int], float] = defaultdict(float)
    for s in sentences:
        ids = [vocab.index(w) for w in s if vocab.index(w) >= 0]
        for p in range(len(ids)):
            for d in range(1, window + 1):
                if p + d < len(ids):
                    x[(ids[p], ids[p + d])] += 1.0 / d
                    x[(ids[p + d], ids[p])] += 1.0 / d
    return dict(x)


SENTENCES = [["the", "cat", "sat", "on", "the", "mat", "rare1"], ["the", "dog", "sat", "rare2", "on", "a", "mat"],
             ["a", "cat", "and", "a", "dog"], ["on", "the", "mat", "the", "cat", "sat"]]


@pytest.mark.parametrize("window", [1, 3])
def test_counts_equal_the_definition(window):
    vocab, cooc, events = _count(SENTENCES, window)
    assert "rare1" not in vocab and cooc.shards_written == 0
    got, want = _as_dict(cooc), _naive(SENTENCES, vocab, window)
    assert got.keys() == want.keys()
    assert all(math.isclose(got[k], want[k], rel_tol=1e-6) for k in want)
    assert isinstance(events[-1], Counting) and events[-1].words_read == events[-1].total_words


def test_a_tiny_memory_budget_spills_sorted_shards_and_merges_them_to_the_same_counts(tmp_path):
    rng = np.random.default_rng(1)
    sentences = [[f"w{k}" for k in rng.integers(0, 60, 12)] for _ in range(400)]
    vocab, in_memory, _ = _count(sentences, 4)
    _, on_disk, events = _count(sentences, 4, memory_mb=2e-4, chunk_words=300, workdir=tmp_path)
    assert on_disk.shards_written > 1 and on_disk.memory is None and len(on_disk.buckets) >= 1
    assert max(e.shards for e in events) > 1
    assert on_disk.entries == in_memory.entries
    a, b = _as_dict(on_disk), _as_dict(in_memory)
    assert a.keys() == b.keys() and all(math.isclose(a[k], b[k], rel_tol=1e-5) for k in a)
    assert not list(tmp_path.glob("*/shard-*"))  # merged shards are deleted; only the buckets remain
    on_disk.close()
    assert not list(tmp_path.iterdir())


def _glove_c_step(p: dict, i: int, j: int, x: float, eta=0.05, x_max=100.0, alpha=0.75, clip=100.0) -> None:
    """glove.c's update of one entry, written out (numpy, float64)."""
    w, c = p["theta"][i].copy(), p["context"][j].copy()
    diff = w @ c + p["bias"][i] + p["context_bias"][j] - math.log(x)
    fdiff = (1.0 if x >= x_max else (x / x_max) ** alpha) * diff
    t1, t2 = np.clip(fdiff * c, -clip, clip) * eta, np.clip(fdiff * w, -clip, clip) * eta
    p["theta"][i] -= t1 / np.sqrt(p["g_theta"][i])
    p["context"][j] -= t2 / np.sqrt(p["g_context"][j])
    p["g_theta"][i] += t1 * t1
    p["g_context"][j] += t2 * t2
    p["bias"][i] -= fdiff / math.sqrt(p["g_bias"][i])
    p["context_bias"][j] -= fdiff / math.sqrt(p["g_context_bias"][j])
    p["g_bias"][i] += fdiff * fdiff
    p["g_context_bias"][j] += fdiff * fdiff


@pytest.mark.parametrize("x_values", [[3.0, 150.0, 0.5, 42.0], [100.0, 1.0, 7.5, 250.0]])
def test_batched_step_equals_glove_c_per_entry_when_rows_are_distinct(x_values):
    cfg = GloveConfig(dim=6)
    params = GloveParameters.initial(10, 6, seed=3, device=torch.device("cpu"))
    params.theta.mul_(40)  # large enough that some gradients are clipped
    ref = {k: getattr(params, k).double().numpy().copy() for k in vars(params)}
    i, j = torch.tensor([0, 2, 4, 6]), torch.tensor([1, 3, 5, 7])
    cost = adagrad_step(params, i, j, torch.tensor(x_values), cfg)
    want_cost = 0.0
    for a, b, x in zip(i.tolist(), j.tolist(), x_values):
        diff = ref["theta"][a] @ ref["context"][b] + ref["bias"][a] + ref["context_bias"][b] - math.log(x)
        want_cost += 0.5 * min(1.0, (x / 100) ** 0.75) * diff * diff
        _glove_c_step(ref, a, b, x)
    assert cost == pytest.approx(want_cost, rel=1e-4)
    for name in vars(params):
        assert np.allclose(getattr(params, name).numpy(), ref[name], rtol=1e-4, atol=1e-5), name


def test_a_row_repeated_in_a_batch_moves_about_as_far_as_sequential_steps():
    """k equal entries: glove.c moves the bias by ~k steps that shrink; summing k first steps would not."""
    cfg = GloveConfig(dim=4)
    k = 16
    params = GloveParameters.initial(4, 4, seed=0, device=torch.device("cpu"))
    ref = {n: getattr(params, n).double().numpy().copy() for n in vars(params)}
    before = float(params.bias[0])
    adagrad_step(params, torch.zeros(k, dtype=torch.long), torch.arange(k) % 3 + 1, torch.full((k,), 200.0), cfg)
    for n in range(k):
        _glove_c_step(ref, 0, n % 3 + 1, 200.0)
    batched, sequential = float(params.bias[0]) - before, ref["bias"][0] - before
    assert np.sign(batched) == np.sign(sequential)
    assert 0.5 < batched / sequential < 2.0


def test_learns_the_planted_structure_with_events_in_order():
    cfg = GloveConfig(dim=10, window=4, min_count=1, epochs=25, batch_size=64, device="cpu", progress_interval_s=0.0)
    events = list(train_glove(cfg, sentences=planted()))
    kinds = [type(e).__name__ for e in events]
    first_started = kinds.index("EmbeddingsStarted")
    assert set(kinds[:first_started]) == {"Counting"} and kinds[-1] == "EmbeddingsFinished"
    assert kinds.count("EpochFinished") == 25
    losses = [e.loss for e in events if isinstance(e, te.EpochFinished)]
    assert losses[-1] < losses[0] / 2
    started, finished = events[first_started], events[-1]
    assert finished.reason == "completed" and finished.words_done == started.total_words
    wv = finished.vectors
    near = [all(n[0] == w[0] for n, _ in wv.neighbours(w, 3)) for w in GROUP_A + GROUP_B]
    assert np.mean(near) == 1.0
    assert wv.counts is not None and wv.counts.sum() == 8000


def test_stop_ends_with_the_vectors_so_far():
    stop = threading.Event()
    seen = []
    cfg = GloveConfig(dim=4, window=2, min_count=1, epochs=1000, batch_size=16, device="cpu", progress_interval_s=0)
    for event in train_glove(cfg, stop, sentences=planted(100)):
        seen.append(event)
        if isinstance(event, te.Progress):
            stop.set()
    assert isinstance(seen[-1], te.EmbeddingsFinished) and seen[-1].reason == "stopped"
    assert seen[-1].vectors.vectors.shape == (16, 4)


def test_bad_settings_and_corpora_are_one_line_errors():
    with pytest.raises(InputError, match="window must be at most 100, got 1,000,000,000") as exc:
        GloveConfig(window=1_000_000_000)
    assert exc.value.field == "window"
    with pytest.raises(InputError, match="eta must be > 0"):
        GloveConfig(eta=0)
    with pytest.raises(InputError, match="single word"):
        list(train_glove(GloveConfig(min_count=1), sentences=[["solo", "solo"]] * 3))
    with pytest.raises(InputError, match="removes every word"):
        list(train_glove(GloveConfig(min_count=50), sentences=planted(5)))


@pytest.mark.gpu
def test_cuda_runs_the_same_step_as_the_cpu():
    """The same torch code on both devices: one batched step agrees to float tolerance."""
    cfg = GloveConfig(dim=6)
    results = []
    for device in ("cpu", "cuda"):
        params = GloveParameters.initial(10, 6, seed=3, device=torch.device(device))
        i, j = torch.tensor([0, 2, 2, 6], device=device), torch.tensor([1, 3, 5, 1], device=device)
        cost = adagrad_step(params, i, j, torch.tensor([3.0, 150.0, 0.5, 42.0], device=device), cfg)
        results.append((cost, params.vectors()))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5)
    assert np.allclose(results[0][1], results[1][1], atol=1e-5)
