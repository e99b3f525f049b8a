"""PCA and t-SNE projections against numpy references and the properties t-SNE promises."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.embeddings.projection import conditional_p, kl_divergence, pca, tsne
from engine.errors import InputError


def _blobs(per=20, d=10, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=8.0, size=(3, d))
    x = np.vstack([c + rng.normal(size=(per, d)) for c in centres])
    labels = np.repeat(np.arange(3), per)
    return x, labels


def test_pca_matches_eigendecomposition():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6)) @ np.diag([5, 3, 1, 0.5, 0.2, 0.1])
    y = pca(x)
    centred = x - x.mean(axis=0)
    vals, vecs = np.linalg.eigh(np.cov(centred.T))
    ref = centred @ vecs[:, ::-1][:, :2]
    np.testing.assert_allclose(np.abs(y), np.abs(ref), atol=1e-8)
    np.testing.assert_allclose(np.var(y, axis=0, ddof=1), vals[::-1][:2], rtol=1e-8)
    assert abs(np.corrcoef(y.T)[0, 1]) < 1e-8


def test_pca_sign_is_fixed_and_small_inputs():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 4))
    np.testing.assert_allclose(pca(x), pca(x[::-1])[::-1], atol=1e-10)  # the order of rows does not flip it
    assert pca(np.ones((1, 3))).shape == (1, 2)
    assert np.allclose(pca(np.array([[0.0, 0.0], [1.0, 1.0]]))[:, 1], 0.0)


def test_perplexity_calibration():
    x, _ = _blobs()
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    p = conditional_p(d2, perplexity=7.0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(np.diag(p) == 0)
    entropy = -(p * np.log(np.where(p > 0, p, 1))).sum(axis=1)
    np.testing.assert_allclose(np.exp(entropy), 7.0, rtol=1e-3)


def test_tsne_is_seeded_and_keeps_clusters():
    x, labels = _blobs()
    y1 = tsne(x, seed=3, iterations=400)
    y2 = tsne(x, seed=3, iterations=400)
    y3 = tsne(x, seed=4, iterations=400)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(y1, y3)
    d = ((y1[:, None] - y1[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert np.all(labels[d.argmin(axis=1)] == labels)  # every nearest neighbour is in its own cluster
    start = np.random.default_rng(3).normal(scale=1e-4, size=y1.shape)
    assert kl_divergence(x, y1) < 0.5 * kl_divergence(x, start)


def test_tsne_stop_and_errors():
    x, _ = _blobs(per=5)
    stop = threading.Event()
    stop.set()
    y = tsne(x, seed=0, stop=stop)  # stopped before the first step: the seeded start
    np.testing.assert_allclose(y, np.random.default_rng(0).normal(scale=1e-4, size=(15, 2)))
    with pytest.raises(InputError, match="at least 3"):
        tsne(x[:2])
    with pytest.raises(InputError, match="perplexity"):
        tsne(x, perplexity=100)
    with pytest.raises(InputError, match="NaN"):
        pca(np.array([[np.nan, 1.0]]))
    with pytest.raises(InputError, match="matrix"):
        pca(np.zeros(3))
