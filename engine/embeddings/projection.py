"""Projecting a few hundred word vectors to 2-D for the terminal scatter plot: PCA and t-SNE.

**PCA**: centre the rows, ``X̄ = X − mean``; the thin SVD ``X̄ = U S Vᵀ`` gives the principal
axes (rows of Vᵀ, by decreasing variance); the coordinates are ``X̄ V[:, :2] = U[:, :2] S[:2]``.
Each axis's sign is fixed so that its largest loading is positive (the picture does not flip
from run to run).

**t-SNE** (van der Maaten & Hinton 2008), written here in numpy, exact O(N²) (fine for ≤ 1,000
points). For each point i, a Gaussian over the others,
``p_{j|i} = exp(−β_i ‖x_i − x_j‖²) / Σ_k exp(−β_i ‖x_i − x_k‖²)``, with β_i found by bisection
so that its perplexity ``2^{H(P_i)}`` equals the chosen one; symmetrised
``p_ij = (p_{j|i} + p_{i|j}) / 2N``. In 2-D, a Student-t kernel
``q_ij = (1 + ‖y_i − y_j‖²)⁻¹ / Σ_{k≠l} (1 + ‖y_k − y_l‖²)⁻¹``. Gradient descent on
``KL(P‖Q)``, with gradient ``∂C/∂y_i = 4 Σ_j (p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹``,
momentum 0.5 then 0.8, per-coordinate gains, and early exaggeration (P × 12) for the first 250
iterations. The start is ``N(0, 10⁻⁴)`` drawn from ``seed``, so a seed gives one picture.
"""

from __future__ import annotations

import threading

import numpy as np

from engine.errors import InputError

MAX_TSNE_POINTS = 1000
EARLY_EXAGGERATION = 12.0
EXAGGERATION_ITERS = 250


def _as_matrix(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise InputError(f"projection needs an (N, D) matrix with N >= 1, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise InputError("projection input holds NaN or infinite values")
    return x


def pca(x: np.ndarray, dims: int = 2) -> np.ndarray:
    """(N, dims) coordinates on the first ``dims`` principal axes (padded with 0 past the rank)."""
    x = _as_matrix(x)
    if dims < 1:
        raise InputError(f"dims must be >= 1, got {dims}")
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    k = min(dims, vt.shape[0])
    axes = vt[:k]
    signs = np.sign(axes[np.arange(k), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    out = np.zeros((x.shape[0], dims))
    out[:, :k] = centred @ axes.T
    return out


def _squared_distances(x: np.ndarray) -> np.ndarray:
    sq = (x * x).sum(axis=1)
    d = sq[:, None] + sq[None, :] - 2.0 * x @ x.T
    np.fill_diagonal(d, 0.0)
    return np.maximum(d, 0.0)


def conditional_p(d2: np.ndarray, perplexity: float, tol: float = 1e-5, steps: int = 100) -> np.ndarray:
    """p_{j|i} (N, N) with each row's perplexity 2^H equal to ``perplexity`` (bisection on β_i)."""
    n = d2.shape[0]
    target = np.log(perplexity)  # entropy in nats
    beta = np.ones(n)
    lo = np.full(n, -np.inf)
    hi = np.full(n, np.inf)
    off = ~np.eye(n, dtype=bool)
    # scale distances per row so the bisection starts near the answer and exp() cannot underflow
    d = d2 / np.maximum(np.nanmedian(np.where(off, d2, np.nan), axis=1, keepdims=True), 1e-12)
    for _ in range(steps):
        logits = np.where(off, -d * beta[:, None], -np.inf)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        entropy = -(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)).sum(axis=1)
        diff = entropy - target
        if np.all(np.abs(diff) < tol):
            break
        up = diff > 0  # too flat: sharpen (raise β)
        lo = np.where(up, beta, lo)
        hi = np.where(up, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2.0, np.where(np.isinf(lo), beta / 2.0, (lo + hi) / 2.0))
    return p


def tsne(
    x: np.ndarray,
    *,
    dims: int = 2,
    perplexity: float | None = None,
    iterations: int = 1000,
    learning_rate: float | None = None,
    seed: int = 0,
    stop: threading.Event | None = None,
) -> np.ndarray:
    """(N, dims) t-SNE coordinates. ``perplexity`` defaults to min(30, (N − 1)/3); the learning
    rate to max(N / 12 / 4, 50) (scikit-learn's "auto"). ``stop`` ends the descent early."""
    x = _as_matrix(x)
    n = x.shape[0]
    if n < 3:
        raise InputError(f"t-SNE needs at least 3 words, got {n}; use PCA for fewer")
    if n > MAX_TSNE_POINTS:
        raise InputError(f"t-SNE here is exact and meant for <= {MAX_TSNE_POINTS} words, got {n}; pick fewer")
    if perplexity is None:
        perplexity = min(30.0, (n - 1) / 3.0)
    if not 1.0 <= perplexity < n:
        raise InputError(f"perplexity must be in [1, {n}) for {n} words, got {perplexity}")
    if iterations < 1:
        raise InputError(f"iterations must be >= 1, got {iterations}")
    lr = learning_rate if learning_rate is not None else max(n / EARLY_EXAGGERATION / 4.0, 50.0)

    cond = conditional_p(_squared_distances(x), perplexity)
    p = (cond + cond.T) / (2.0 * n)
    p = np.maximum(p, 1e-12)
    np.fill_diagonal(p, 0.0)

    rng = np.random.default_rng(seed)
    y = rng.normal(scale=1e-4, size=(n, dims))
    velocity = np.zeros_like(y)
    gains = np.ones_like(y)
    for it in range(iterations):
        if stop is not None and stop.is_set():
            break
        exaggeration = EARLY_EXAGGERATION if it < EXAGGERATION_ITERS else 1.0
        momentum = 0.5 if it < EXAGGERATION_ITERS else 0.8
        kernel = 1.0 / (1.0 + _squared_distances(y))  # (1 + ‖y_i − y_j‖²)⁻¹
        np.fill_diagonal(kernel, 0.0)
        q = np.maximum(kernel / kernel.sum(), 1e-12)
        w = (exaggeration * p - q) * kernel  # (N, N)
        grad = 4.0 * (np.diag(w.sum(axis=1)) - w) @ y  # Σ_j w_ij (y_i − y_j)
        same = np.sign(grad) == np.sign(velocity)
        gains = np.maximum(np.where(same, gains * 0.8, gains + 0.2), 0.01)
        velocity = momentum * velocity - lr * gains * grad
        y = y + velocity
        y -= y.mean(axis=0)
    return y


def kl_divergence(x: np.ndarray, y: np.ndarray, perplexity: float | None = None) -> float:
    """KL(P‖Q) of a t-SNE layout ``y`` of ``x`` (the cost t-SNE minimises)."""
    x, y = _as_matrix(x), _as_matrix(y)
    n = x.shape[0]
    perplexity = perplexity if perplexity is not None else min(30.0, (n - 1) / 3.0)
    cond = conditional_p(_squared_distances(x), perplexity)
    p = np.maximum((cond + cond.T) / (2.0 * n), 1e-12)
    kernel = 1.0 / (1.0 + _squared_distances(y))
    np.fill_diagonal(kernel, 0.0)
    q = np.maximum(kernel / kernel.sum(), 1e-12)
    off = ~np.eye(n, dtype=bool)
    return float((p[off] * np.log(p[off] / q[off])).sum())
