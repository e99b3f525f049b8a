"""Debiasing word vectors (Bolukbasi et al. 2016, "Man is to Computer Programmer as Woman is to Homemaker?").

Three recipes, named by how the bias direction g is found (:data:`METHODS`):

- ``"difference"`` — **the course** (the default): ``g = e_woman − e_man`` on the raw vectors,
  neutralize and equalize on the raw vectors with the course's formulas below. On GloVe 6B 50d
  this reproduces the course's numbers to the last digit: cos(e_receptionist, g) = 0.3308 before
  neutralizing and ~1e-17 after, cos(e_john, g) = −0.2316, cos(e_marie, g) = 0.3156, and
  equalizing man/woman gives cos(·, g) = ∓0.7004.
- ``"unit-difference"`` — the course's revised notebook: every vector first made unit,
  ``ê = e / ‖e‖``, then ``g = ê_woman − ê_man`` and the same formulas on the unit vectors.
- ``"pca"`` — the paper: centre each of several definitional pairs (woman/man, she/he, …) of unit
  vectors on its mean μ = (ê_a + ê_b)/2, stack ê_a − μ and ê_b − μ (that is ±(ê_a − ê_b)/2) and take
  the first principal component (the top right singular vector), signed so that ê_a − ê_b of the
  first pair projects positively; equalize with the paper's exact step (:func:`equalize_unit`).

Only g's direction matters: every formula divides by ‖g‖² (or ‖g‖), so g is kept as the recipe
makes it (the course's raw difference prints as the course prints it; PCA's is unit).

1. **Neutralize** a gender-neutral word (receptionist, engineer …), the course's equations::

       e_bias = (e·g / ‖g‖²) g            e_debiased = e − e_bias        so e_debiased · g = 0

2. **Equalize** a pair that should differ only along g (actor/actress, grandfather/grandmother),
   the course's equations (:func:`equalize`)::

       μ = (e_w1 + e_w2)/2        μ_B = (μ·g/‖g‖²) g        μ_⊥ = μ − μ_B
       e_w1B = (e_w1·g/‖g‖²) g     e_w2B = (e_w2·g/‖g‖²) g
       e_w1B' = √|1 − ‖μ_⊥‖²| · (e_w1B − μ_B) / ‖(e_w1 − μ_⊥) − μ_B‖      (e_w2B' likewise)
       e_1 = e_w1B' + μ_⊥          e_2 = e_w2B' + μ_⊥

   Both words keep the shared part μ_⊥ and get opposite, equally long parts along g, so their
   projections on g are equal and opposite, they have the same length, and every neutralized
   word n (n·g = 0) is exactly as similar to one as to the other: n·e_1 = n·μ_⊥ = n·e_2.
   The factor √|1 − ‖μ_⊥‖²| presumes unit vectors (on raw GloVe vectors ‖μ_⊥‖ ≈ 4 and the
   ``|…|`` keeps it real: that is why the course's man/woman end at ∓0.70, far apart along g).
   The paper's exact step on unit vectors (:func:`equalize_unit`) sets ``ê_1' = ν + s √(1 − ‖ν‖²) ĝ``
   and ``ê_2' = ν − s √(1 − ‖ν‖²) ĝ`` with ν = μ_⊥ and s the side ê_1 was on: both stay unit.

The report gives each word's cosine with g before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from engine.embeddings.vectors import WordVectors
from engine.errors import InputError

Pair = tuple[str, str]
Method = Literal["difference", "unit-difference", "pca"]

METHODS: dict[str, str] = {
    "difference": "the course: g = e_woman − e_man on the raw vectors",
    "unit-difference": "the course's revised notebook: g = ê_woman − ê_man on unit vectors",
    "pca": "Bolukbasi et al.: first principal component of several pairs of unit vectors",
}
"""Each recipe of the bias direction, in one line (the app and the docs show these)."""


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, got {method!r}", field="method")


def uses_unit_vectors(method: Method) -> bool:
    """True when the recipe works on unit vectors ê (every method but the course's ``difference``)."""
    _check_method(method)
    return method != "difference"


def word_vector(wv: WordVectors, word: str, method: Method) -> np.ndarray:
    """The vector of ``word`` the recipe works on: raw ``e`` or unit ``ê`` (float64)."""
    e = np.asarray(wv.vector(word), dtype=np.float64)
    return _unit(e) if uses_unit_vectors(method) else e


def cosine(u: np.ndarray, v: np.ndarray) -> float:
    """cos(u, v) = u·v / (‖u‖ ‖v‖) (0 for a zero vector)."""
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    return float(np.dot(u, v) / (nu * nv)) if nu > 0 and nv > 0 else 0.0


def bias_direction(wv: WordVectors, pairs: Sequence[Pair], method: Method = "difference") -> np.ndarray:
    """The bias direction g (D,) float64 from definitional pairs (see the module docstring).

    ``difference`` and ``unit-difference`` use the first pair only and return the difference as it
    is (not normalised); ``pca`` uses every pair and returns a unit vector.
    """
    _check_method(method)
    pairs = [tuple(p) for p in pairs]
    if not pairs:
        raise InputError("the bias direction needs at least one definitional pair, e.g. woman/man", field="pairs")
    if any(len(p) != 2 for p in pairs):
        raise InputError("each definitional pair must hold exactly two words, e.g. ('woman', 'man')", field="pairs")
    a, b = pairs[0]
    first = word_vector(wv, a, method) - word_vector(wv, b, method)
    if method == "pca":
        rows = []
        for a, b in pairs:
            ea, eb = word_vector(wv, a, method), word_vector(wv, b, method)
            mu = (ea + eb) / 2
            rows += [ea - mu, eb - mu]
        _, _, vt = np.linalg.svd(np.array(rows), full_matrices=False)
        g = vt[0] if np.dot(vt[0], first) >= 0 else -vt[0]
    else:
        g = first
    if not np.linalg.norm(g) > 0:
        raise InputError(f"the pair {pairs[0][0]}/{pairs[0][1]} has identical vectors; choose other pairs",
                         field="pairs")
    return g


def neutralize(e: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The course's neutralize: ``e − (e·g/‖g‖²) g``, e without its component along g."""
    e = np.asarray(e, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    return e - (np.dot(e, g) / np.dot(g, g)) * g


def equalize(e1: np.ndarray, e2: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The course's equalize of the pair (e1, e2) along g, on the vectors as given (raw or unit)."""
    e1 = np.asarray(e1, dtype=np.float64)
    e2 = np.asarray(e2, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    gg = np.dot(g, g)
    mu = (e1 + e2) / 2
    mu_b = np.dot(mu, g) / gg * g  # μ_B: the pair's mean along g
    mu_orth = mu - mu_b  # μ_⊥: what the pair shares, orthogonal to g
    e1_b = np.dot(e1, g) / gg * g
    e2_b = np.dot(e2, g) / gg * g
    scale = np.sqrt(abs(1.0 - np.dot(mu_orth, mu_orth)))
    # ‖(e_w1 − μ_⊥) − μ_B‖ = ‖(e_w2 − μ_⊥) − μ_B‖ = ‖e_w1 − e_w2‖/2: one length for both
    denom = np.linalg.norm(e1 - mu_orth - mu_b)
    if not denom > 0:
        return e1.copy(), e2.copy()  # identical vectors: nothing to equalize
    e1_b_corrected = scale * (e1_b - mu_b) / denom
    e2_b_corrected = scale * (e2_b - mu_b) / np.linalg.norm(e2 - mu_orth - mu_b)
    return e1_b_corrected + mu_orth, e2_b_corrected + mu_orth


def equalize_unit(e1: np.ndarray, e2: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The paper's equalize on unit vectors: both results unit and mirror images across g's plane."""
    g = _unit(g)
    u1, u2 = _unit(e1), _unit(e2)
    mu = (u1 + u2) / 2
    nu = mu - np.dot(mu, g) * g  # the pair's shared part, orthogonal to g
    height = np.sqrt(max(0.0, 1.0 - float(np.dot(nu, nu))))
    s = 1.0 if np.dot(u1 - u2, g) >= 0 else -1.0
    return nu + s * height * g, nu - s * height * g


def equalize_pair(e1: np.ndarray, e2: np.ndarray, g: np.ndarray, method: Method) -> tuple[np.ndarray, np.ndarray]:
    """The recipe's equalize: the course's formulas for the differences, the paper's for ``pca``."""
    _check_method(method)
    return equalize_unit(e1, e2, g) if method == "pca" else equalize(e1, e2, g)


_equalize_pair = equalize_pair  # debias_report's keyword argument ``equalize`` hides the module's names


@dataclass(frozen=True)
class DebiasReport:
    """Cosines with g before and after: (word, before, after) for neutral words and pair words."""

    method: str
    """The recipe (a key of :data:`METHODS`)."""
    direction: str
    """How g was made, in words."""
    g: np.ndarray
    neutral: tuple[tuple[str, float, float], ...]
    equalized: tuple[tuple[str, float, float], ...]


def describe_direction(method: Method, definitional: Sequence[Pair]) -> str:
    """g in the course's notation, e.g. ``g = e_woman − e_man`` or the pairs PCA used."""
    _check_method(method)
    a, b = definitional[0]
    if method == "difference":
        return f"g = e_{a} − e_{b} (raw vectors)"
    if method == "unit-difference":
        return f"g = ê_{a} − ê_{b} (unit vectors)"
    names = ", ".join(f"{x}−{y}" for x, y in list(definitional)[:3]) + (", …" if len(definitional) > 3 else "")
    return f"g = 1st principal component of {len(definitional)} pairs ({names})"


def debias_report(
    wv: WordVectors,
    definitional: Sequence[Pair],
    *,
    neutral: Sequence[str] = (),
    equalize: Sequence[Pair] = (),
    method: Method = "difference",
) -> DebiasReport:
    """g from ``definitional``; neutralize ``neutral``; equalize ``equalize``; cos(·, g) before/after."""
    g = bias_direction(wv, definitional, method)
    rows_n = []
    for word in neutral:
        e = word_vector(wv, word, method)
        rows_n.append((word, cosine(e, g), cosine(neutralize(e, g), g)))
    rows_p = []
    for a, b in equalize:
        ea, eb = word_vector(wv, a, method), word_vector(wv, b, method)
        na, nb = _equalize_pair(ea, eb, g, method)
        rows_p += [(a, cosine(ea, g), cosine(na, g)), (b, cosine(eb, g), cosine(nb, g))]
    return DebiasReport(method, describe_direction(method, definitional), g, tuple(rows_n), tuple(rows_p))


def debiased_vectors(wv: WordVectors, g: np.ndarray, neutral: Sequence[str], pairs: Sequence[Pair],
                     method: Method = "difference") -> WordVectors:
    """A new WordVectors with ``neutral`` neutralized and ``pairs`` equalized by ``method``'s recipe
    (raw vectors for ``difference``, unit vectors otherwise)."""
    base = wv.unit_vectors if uses_unit_vectors(method) else wv.vectors
    out = np.array(base, dtype=np.float32)  # a writable copy
    for word in neutral:
        j = wv.index(word)
        out[j] = neutralize(out[j], g)
    for a, b in pairs:
        ia, ib = wv.index(a), wv.index(b)
        out[ia], out[ib] = equalize_pair(out[ia], out[ib], g, method)
    return WordVectors(wv.words, out, counts=wv.counts, name=f"{wv.name} (debiased)")
