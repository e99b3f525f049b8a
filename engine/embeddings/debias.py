"""Debiasing word vectors (Bolukbasi et al. 2016, "Man is to Computer Programmer as Woman is to Homemaker?").

Everything works on unit vectors ê = e / ‖e‖, as in the paper (cosine similarity is what the
queries use, so nothing is lost).

1. **Bias direction g** from definitional pairs (woman/man, she/he, …):

   - ``method="difference"``: the course's ``g = ê_a − ê_b`` for the first pair;
   - ``method="pca"`` (the paper): centre every pair on its mean μ = (ê_a + ê_b)/2, stack the
     centred vectors ê_a − μ and ê_b − μ (that is ±(ê_a − ê_b)/2) and take their first principal
     component (the top right singular vector). The sign is chosen so that ê_a − ê_b of the
     first pair projects positively.

   g is returned with unit length.

2. **Neutralize** a gender-neutral word (receptionist, engineer …): remove its bias component,
   ``e_debiased = e − (e·g / ‖g‖²) g``, so that ``e_debiased · g = 0``.

3. **Equalize** a pair that should differ only along g (actor/actress, grandfather/grandmother):
   with ``μ = (ê_1 + ê_2)/2``, its part orthogonal to the axis ``ν = μ − (μ·g) g``, and
   ``s = sign((ê_1 − ê_2)·g)``::

       ê_1' = ν + s √(1 − ‖ν‖²) g        ê_2' = ν − s √(1 − ‖ν‖²) g

   Both stay unit vectors, they are mirror images across the plane orthogonal to g, and every
   neutralized word n (n·g = 0) is exactly as similar to one as to the other: n·ê_1' = n·ν = n·ê_2'.
   (The paper's ``(w_B − μ_B)/‖w_B − μ_B‖`` is ±g here. The course notebook writes the same
   step with ``e_w1B − μ_B`` over ``‖e_w1 − μ_⊥ − μ_B‖``, which agrees when ê_1 and ê_2 share
   their orthogonal part and otherwise leaves the new vectors off unit length.)

The report gives each word's projection on g (cos(e, g), since both are unit) before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from engine.embeddings.vectors import WordVectors
from engine.errors import InputError

Pair = tuple[str, str]


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def bias_direction(
    wv: WordVectors, pairs: Sequence[Pair], method: Literal["pca", "difference"] = "pca"
) -> np.ndarray:
    """Unit bias direction g (D,) float64 from definitional pairs (see the module docstring)."""
    pairs = [tuple(p) for p in pairs]
    if not pairs:
        raise InputError("the bias direction needs at least one definitional pair, e.g. woman/man")
    if any(len(p) != 2 for p in pairs):
        raise InputError("each definitional pair must hold exactly two words, e.g. ('woman', 'man')")
    first = _unit(wv.vector(pairs[0][0])) - _unit(wv.vector(pairs[0][1]))
    if method == "difference":
        g = first
    elif method == "pca":
        rows = []
        for a, b in pairs:
            ea, eb = _unit(wv.vector(a)), _unit(wv.vector(b))
            mu = (ea + eb) / 2
            rows += [ea - mu, eb - mu]
        _, _, vt = np.linalg.svd(np.array(rows), full_matrices=False)
        g = vt[0]
        if np.dot(g, first) < 0:
            g = -g
    else:
        raise InputError(f"method must be 'pca' or 'difference', got {method!r}")
    if np.linalg.norm(g) == 0:
        raise InputError(f"the pair {pairs[0][0]}/{pairs[0][1]} has identical vectors; choose other pairs")
    return _unit(g)


def neutralize(e: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``e − (e·g/‖g‖²) g``: e without its component along g."""
    e = np.asarray(e, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    return e - (np.dot(e, g) / np.dot(g, g)) * g


def equalize(e1: np.ndarray, e2: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pair made unit, symmetric about the bias axis and equidistant from neutral words."""
    g = _unit(g)
    u1, u2 = _unit(e1), _unit(e2)
    mu = (u1 + u2) / 2
    nu = mu - np.dot(mu, g) * g  # the pair's shared part, orthogonal to g
    height = np.sqrt(max(0.0, 1.0 - float(np.dot(nu, nu))))
    s = 1.0 if np.dot(u1 - u2, g) >= 0 else -1.0
    return nu + s * height * g, nu - s * height * g


_equalize = equalize  # debias_report's keyword argument of the same name hides it


@dataclass(frozen=True)
class DebiasReport:
    """Projections on g before and after: (word, before, after) for neutral words and pair words."""

    direction: str
    """How g was made, in words."""
    g: np.ndarray
    neutral: tuple[tuple[str, float, float], ...]
    equalized: tuple[tuple[str, float, float], ...]


def debias_report(
    wv: WordVectors,
    definitional: Sequence[Pair],
    *,
    neutral: Sequence[str] = (),
    equalize: Sequence[Pair] = (),
    method: Literal["pca", "difference"] = "pca",
) -> DebiasReport:
    """g from ``definitional``; neutralize ``neutral``; equalize ``equalize``; cos(·, g) before/after."""
    g = bias_direction(wv, definitional, method)
    rows_n = []
    for word in neutral:
        e = _unit(wv.vector(word))
        rows_n.append((word, float(np.dot(e, g)), float(np.dot(_unit(neutralize(e, g)), g))))
    rows_p = []
    for a, b in equalize:
        ea, eb = _unit(wv.vector(a)), _unit(wv.vector(b))
        na, nb = _equalize(ea, eb, g)
        rows_p += [(a, float(np.dot(ea, g)), float(np.dot(na, g))), (b, float(np.dot(eb, g)), float(np.dot(nb, g)))]
    names = ", ".join(f"{a}−{b}" for a, b in list(definitional)[:3]) + (", …" if len(definitional) > 3 else "")
    if method == "difference":
        direction = f"ê_{definitional[0][0]} − ê_{definitional[0][1]}"
    else:
        direction = f"first principal component of {len(definitional)} definitional pairs ({names})"
    return DebiasReport(direction, g, tuple(rows_n), tuple(rows_p))


def debiased_vectors(wv: WordVectors, g: np.ndarray, neutral: Sequence[str], pairs: Sequence[Pair]) -> WordVectors:
    """A new WordVectors of unit vectors with ``neutral`` neutralized and ``pairs`` equalized."""
    unit = np.array(wv.unit_vectors, dtype=np.float32)  # a writable copy
    g = _unit(g)
    for word in neutral:
        j = wv.index(word)
        unit[j] = _unit(neutralize(unit[j], g))
    for a, b in pairs:
        ia, ib = wv.index(a), wv.index(b)
        unit[ia], unit[ib] = equalize(unit[ia], unit[ib], g)
    return WordVectors(wv.words, unit, counts=wv.counts, name=f"{wv.name} (debiased)")
