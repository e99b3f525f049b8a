"""word2vec training: the batched SGD step against autograd, every model × loss learning a planted
structure, events, stop, determinism, and the vectors read back by gensim."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from engine.embeddings import fast_sgd
from engine.embeddings import events as te
from engine.embeddings.word2vec import Word2VecConfig, train_word2vec
from engine.errors import InputError

GROUP_A = [f"a{i}" for i in range(8)]
GROUP_B = [f"b{i}" for i in range(8)]


def planted_corpus(n: int = 1500, seed: int = 0) -> list[list[str]]:
    """Sentences drawn from group A only or group B only: A-words co-occur only with A-words."""
    rng = np.random.default_rng(seed)
    return [list(rng.choice(GROUP_A if rng.random() < 0.5 else GROUP_B, 10)) for _ in range(n)]


def small_config(**kw) -> Word2VecConfig:
    base = dict(dim=12, window=3, min_count=1, sample=0.0, epochs=3, workers=1, seed=3, chunk_words=2000,
                progress_interval_s=0.0)
    base.update(kw)
    return Word2VecConfig(**base)


def neighbours_in_group(wv) -> float:
    hits = [all(n[0] == w[0] for n, _ in wv.neighbours(w, 4)) for w in GROUP_A + GROUP_B]
    return float(np.mean(hits))


# ----------------------------------------------------------------------------- one SGD step


def _autograd_step(v0, u0, ctx, tgt, y, alpha, mean):
    """Reference: plain SGD on Σ −log σ(±u·v) with torch autograd, one example at a time summed."""
    v = torch.tensor(v0, requires_grad=True)
    u = torch.tensor(u0, requires_grad=True)
    loss = torch.zeros(())
    for n in range(ctx.shape[0]):
        vs = v[torch.tensor(ctx[n])]
        inputs = vs.mean(0, keepdim=True) if mean else vs
        f = inputs @ u[torch.tensor(tgt[n])].T  # (C or 1, M)
        yy = torch.tensor(y[n] if y.ndim == 2 else y)
        loss = loss - (yy * torch.nn.functional.logsigmoid(f) + (1 - yy) * torch.nn.functional.logsigmoid(-f)).sum()
    loss.backward()
    dv, du = -alpha * v.grad.numpy(), -alpha * u.grad.numpy()
    if mean:  # CBOW: each context vector gets the whole step of h (C tool / gensim cbow_mean=1)
        dv = np.zeros_like(v0)
        for n in range(ctx.shape[0]):
            h = v0[ctx[n]].mean(0)
            f = u0[tgt[n]] @ h
            yy = y[n] if y.ndim == 2 else y
            g = (yy - 1 / (1 + np.exp(-f))) * alpha
            for c in ctx[n]:
                dv[c] += g @ u0[tgt[n]]
    return v0 + dv, u0 + du, float(loss.detach())


@pytest.mark.parametrize("backend", ["auto", "torch"])  # numpy (CPU fast path) and torch (the CUDA code)
@pytest.mark.parametrize("mean", [False, True])
@pytest.mark.parametrize("per_example_labels", [False, True])
def test_batched_step_equals_autograd_sgd(mean, per_example_labels, backend):
    rng = np.random.default_rng(1)
    V, D = 12, 5
    v0 = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    u0 = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    v0[V] = u0[V] = 0  # sink rows
    ctx = rng.integers(0, V, (4, 3))
    tgt = rng.integers(0, V, (4, 3))
    y = (rng.random((4, 3)) < 0.5).astype(np.float32) if per_example_labels else np.array([1, 0, 0], np.float32)
    ref_v, ref_u, ref_loss = _autograd_step(v0[:V].copy(), u0[:V].copy(), ctx, tgt, y, 0.1, mean)
    vin, vout = torch.tensor(v0), torch.tensor(u0)
    ops = fast_sgd.Ops.for_device(vin, vout, backend)
    step = fast_sgd.mean_step if mean else fast_sgd.window_step
    loss, n = step(ops, ctx, tgt, y, 0.1)
    assert np.allclose(vin.numpy()[:V], ref_v, atol=1e-5)
    assert np.allclose(vout.numpy()[:V], ref_u, atol=1e-5)
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    assert n == (4 if mean else 12)
    assert not vin[V].any() and not vout[V].any()


@pytest.mark.parametrize("mean", [False, True])
@pytest.mark.parametrize("backend", ["auto", "torch"])
def test_softmax_step_equals_autograd(mean, backend):
    rng = np.random.default_rng(4)
    V, D = 9, 4
    v0 = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    u0 = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    v0[V] = u0[V] = 0
    ctx = np.array([[1, 2, V], [3, V, V]])
    centres = np.array([4, 5])
    v, u = torch.tensor(v0[:V], requires_grad=True), torch.tensor(u0[:V], requires_grad=True)
    loss = torch.zeros(())
    for n in range(2):
        cs = [c for c in ctx[n] if c != V]
        inputs = v[cs].mean(0, keepdim=True) if mean else v[cs]
        logp = torch.log_softmax(inputs @ u.T, dim=1)
        loss = loss - logp[:, centres[n]].sum()
    loss.backward()
    du = -0.1 * u.grad.numpy()
    vin, vout = torch.tensor(v0), torch.tensor(u0)
    got, n = fast_sgd.softmax_step(fast_sgd.Ops.for_device(vin, vout, backend), ctx, centres, 0.1, mean)
    assert got == pytest.approx(float(loss.detach()), rel=1e-4) and n == (2 if mean else 3)
    assert np.allclose(vout.numpy()[:V], u0[:V] + du, atol=1e-5)  # few predictions: no damping
    if not mean:
        assert np.allclose(vin.numpy()[:V], v0[:V] - 0.1 * v.grad.numpy(), atol=1e-5)


@pytest.mark.parametrize("backend", ["auto", "torch"])
def test_cbow_shared_negatives_equal_the_expanded_step(backend):
    """Sharing K negatives among S centres is mean_step with outputs [centre_n] + negatives[n // S]."""
    rng = np.random.default_rng(7)
    V, D, S, G, K = 20, 6, 4, 3, 2
    v0 = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    u0 = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    v0[V] = u0[V] = 0
    ctx = rng.integers(0, V, (G * S, 3))
    ctx[0, 1:] = V  # some padding
    centres = rng.permutation(V)[: G * S]
    negatives = rng.integers(0, V, (G, K))
    negatives[np.isin(negatives, centres)] = V  # keep the comparison free of negative == centre skips
    results = []
    for shared in (True, False):
        vin, vout = torch.tensor(v0), torch.tensor(u0)
        ops = fast_sgd.Ops.for_device(vin, vout, backend)
        if shared:
            out = fast_sgd.mean_step_shared(ops, ctx, centres, negatives, 0.1)
        else:
            tgt = np.concatenate([centres[:, None], np.repeat(negatives, S, axis=0)], axis=1)
            out = fast_sgd.mean_step(ops, ctx, tgt, np.array([1] + [0] * K, np.float32), 0.1)
        results.append((out, vin.numpy().copy(), vout.numpy().copy()))
    (l1, n1), v1, u1 = results[0]
    (l2, n2), v2, u2 = results[1]
    assert n1 == n2 == G * S and l1 == pytest.approx(l2, rel=1e-5)
    assert np.allclose(v1, v2, atol=1e-6) and np.allclose(u1, u2, atol=1e-6)
    assert not np.allclose(v1, v0)


def test_padding_rows_change_nothing():
    rng = np.random.default_rng(2)
    V, D = 6, 4
    base_v = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    base_u = rng.normal(0, 0.5, (V + 1, D)).astype(np.float32)
    base_v[V] = base_u[V] = 0
    y = np.array([1, 0], np.float32)
    results = []
    for ctx, tgt in [(np.array([[1, 2]]), np.array([[3, 4]])), (np.array([[1, V, 2]]), np.array([[3, 4]]))]:
        vin, vout = torch.tensor(base_v), torch.tensor(base_u)
        fast_sgd.window_step(fast_sgd.Ops.for_device(vin, vout), ctx, tgt, y, 0.05)
        results.append((vin.clone(), vout.clone()))
    assert torch.allclose(results[0][0], results[1][0]) and torch.allclose(results[0][1], results[1][1])


# ----------------------------------------------------------------------------- learning


@pytest.mark.parametrize("kernel", ["auto", "batched"])  # compiled pair-by-pair loops (CPU) / numpy batches
@pytest.mark.parametrize("model", ["skipgram", "cbow"])
@pytest.mark.parametrize("loss", ["negative", "hierarchical", "softmax"])
def test_each_model_and_loss_learns_the_planted_structure(model, loss, kernel):
    if kernel == "batched" and loss == "softmax":
        pytest.skip("the full softmax is batched under both kernels")
    events = list(train_word2vec(small_config(model=model, loss=loss, kernel=kernel), sentences=planted_corpus()))
    epochs = [e.loss for e in events if isinstance(e, te.EpochFinished)]
    assert len(epochs) == 3 and epochs[-1] < epochs[0]
    progress = [e for e in events if isinstance(e, te.Progress)]
    assert progress[0].loss > progress[-1].loss
    finished = events[-1]
    assert isinstance(finished, te.EmbeddingsFinished) and finished.reason == "completed"
    assert neighbours_in_group(finished.vectors) == 1.0


@pytest.mark.parametrize("kernel", ["auto", "batched"])
@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_per_pair_negatives_learn_too(model, kernel):
    events = list(train_word2vec(small_config(model=model, negatives="per-pair", kernel=kernel),
                                 sentences=planted_corpus()))
    assert neighbours_in_group(events[-1].vectors) == 1.0


def test_event_order_and_fields():
    events = list(train_word2vec(small_config(epochs=2), sentences=planted_corpus(600)))
    assert isinstance(events[0], te.EmbeddingsStarted) and isinstance(events[-1], te.EmbeddingsFinished)
    started = events[0]
    assert started.vocab_size == 16 and started.total_words == 2 * 6000 and started.corpus_words == 6000
    progress = [e for e in events if isinstance(e, te.Progress)]
    assert [e.words_done for e in progress] == sorted(e.words_done for e in progress)
    lrs = [e.lr for e in progress]
    assert lrs == sorted(lrs, reverse=True) and lrs[0] <= 0.025  # linear decay
    assert all(e.words_per_s > 0 and e.eta_s >= 0 for e in progress)
    kinds = [type(e).__name__ for e in events]
    assert kinds.count("EpochFinished") == 2 and events[-1].words_done == 12000


def test_stop_ends_early_with_the_vectors_so_far():
    stop = threading.Event()
    seen = []
    for event in train_word2vec(small_config(epochs=50), stop, sentences=planted_corpus()):
        seen.append(event)
        if isinstance(event, te.Progress):
            stop.set()
    finished = seen[-1]
    assert isinstance(finished, te.EmbeddingsFinished) and finished.reason == "stopped"
    assert finished.words_done < 50 * 15000
    assert finished.vectors.vectors.shape == (16, 12)


def test_one_worker_is_reproducible_and_the_seed_matters():
    def train(seed):
        return list(train_word2vec(small_config(seed=seed, epochs=1), sentences=planted_corpus(300)))[-1].vectors.vectors

    assert np.array_equal(train(5), train(5))
    assert not np.array_equal(train(5), train(6))


def test_watch_and_quick_analogy_events(tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": planted\na0 a1 b0 b1\na2 a3 b2 b3\nzz a1 b0 b1\n")
    cfg = small_config(epochs=1, watch=("a0", "nope"), watch_every_words=5000, analogy_file=str(questions),
                       analogy_every_words=5000)
    events = list(train_word2vec(cfg, sentences=planted_corpus()))
    watch = [e for e in events if isinstance(e, te.WatchNeighbours)]
    assert watch and dict(watch[-1].neighbours)["nope"] == ()
    assert len(dict(watch[-1].neighbours)["a0"]) == 5
    quick = [e for e in events if isinstance(e, te.QuickAnalogy)]
    assert quick and quick[-1].total == 2  # the question with an unknown word is left out


def test_config_validation_is_one_line_input_error():
    with pytest.raises(InputError, match="model must be one of skipgram, cbow, got 'sg'"):
        Word2VecConfig(model="sg")
    with pytest.raises(InputError, match="dim must be an integer >= 1, got 0"):
        Word2VecConfig(dim=0)
    with pytest.raises(InputError, match="sample"):
        Word2VecConfig(sample=-1)
    with pytest.raises(InputError, match="punctuation"):
        Word2VecConfig(punctuation="drop")


def test_softmax_refuses_a_huge_vocabulary(monkeypatch):
    import engine.embeddings.word2vec as w2v

    monkeypatch.setattr(w2v, "SOFTMAX_MAX_VOCAB", 10)
    with pytest.raises(InputError, match="use loss negative or hierarchical"):
        list(train_word2vec(small_config(loss="softmax"), sentences=planted_corpus(100)))


def test_trained_vectors_round_trip_through_gensim(tmp_path):
    from gensim.models import KeyedVectors

    from engine.embeddings.io import save_vectors

    wv = list(train_word2vec(small_config(epochs=1), sentences=planted_corpus(300)))[-1].vectors
    for fmt, binary in (("word2vec-text", False), ("word2vec-binary", True)):
        path = save_vectors(wv, str(tmp_path / f"v-{binary}"), fmt)
        kv = KeyedVectors.load_word2vec_format(path, binary=binary)
        assert list(kv.index_to_key) == list(wv.words)
        assert np.allclose(kv.vectors, wv.vectors, atol=1e-6)
        assert kv.most_similar("a0", topn=1)[0][0] == wv.neighbours("a0", 1)[0][0]


@pytest.mark.parametrize("loss", ["negative", "hierarchical"])
def test_the_torch_code_path_learns_too(monkeypatch, loss):
    """The CUDA code path (all torch), run on the CPU."""
    original = fast_sgd.Ops.for_device.__func__
    monkeypatch.setattr(fast_sgd.Ops, "for_device",
                        classmethod(lambda cls, a, b, backend="auto": original(cls, a, b, "torch")))
    events = list(train_word2vec(small_config(loss=loss, model="cbow"), sentences=planted_corpus(800)))
    assert neighbours_in_group(events[-1].vectors) == 1.0


def test_auto_workers_use_one_thread_on_a_tiny_vocabulary():
    """Hogwild's lock-free threads collide on every row of a tiny vocabulary: auto picks 1."""
    import torch

    from engine.embeddings.word2vec import HOGWILD_MIN_VOCAB, Word2VecConfig, _workers

    cpu = torch.device("cpu")
    auto = Word2VecConfig(corpus="default")
    assert _workers(auto, cpu, vocab_size=16) == 1
    assert _workers(auto, cpu, vocab_size=HOGWILD_MIN_VOCAB) >= 1
    assert _workers(Word2VecConfig(corpus="default", workers=2), cpu, vocab_size=16) == 2  # explicit wins


def test_a_diverging_run_ends_with_a_clear_error_not_nan_vectors(tmp_path):
    import threading
    import warnings

    from engine.embeddings.word2vec import Word2VecConfig, train_word2vec
    from engine.errors import InputError

    corpus = tmp_path / "tiny.txt"
    corpus.write_text("\n".join("king queen prince crown paris rome street tram" for _ in range(500)) + "\n")
    config = Word2VecConfig(corpus=str(corpus), dim=8, window=2, epochs=5, min_count=1, alpha=1e8, min_alpha=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the overflow itself is the point here
        with pytest.raises(InputError, match="word2vec diverged .* lower alpha"):
            list(train_word2vec(config, threading.Event()))
