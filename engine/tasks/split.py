"""A seeded, reproducible train / validation / test split of a labelled data set.

Public API::

    Split(train, val, test)                                      # index arrays, disjoint, sorted
    split_indices(n, seed=0, val_fraction=0.1, test_fraction=0.1) -> Split
    subsample(indices, size, seed) -> indices                    # the first ``size`` of a seeded shuffle

The split is a function of ``(n, seed, fractions)`` only: ``numpy.random.default_rng(seed)``
permutes ``0 … n−1``; the first ``round(n·test_fraction)`` go to test, the next
``round(n·val_fraction)`` to validation, the rest to training. Two models trained with the same
``split_seed`` therefore see the same sentences and are scored on the same held-out ones.
:func:`subsample` draws nested subsets (the first 50 of a shuffle are inside its first 200), so
a learning curve adds data rather than swapping it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import InputError


@dataclass(frozen=True)
class Split:
    """Indices into the data set, each array sorted ascending."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def split_indices(n: int, seed: int = 0, val_fraction: float = 0.1, test_fraction: float = 0.1) -> Split:
    """Split ``range(n)`` at random (seeded) into train / validation / test."""
    if not (0.0 < val_fraction < 1.0 and 0.0 < test_fraction < 1.0 and val_fraction + test_fraction < 1.0):
        raise InputError(
            f"val_fraction and test_fraction must be in (0, 1) with a sum below 1, got {val_fraction} and {test_fraction}",
            field="val_fraction",
        )
    n_test, n_val = int(round(n * test_fraction)), int(round(n * val_fraction))
    if n - n_test - n_val < 1 or n_test < 1 or n_val < 1:
        raise InputError(f"{n} examples are too few to split into train, validation and test; give more data")
    order = np.random.default_rng(seed).permutation(n)
    test, val, train = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]
    return Split(np.sort(train), np.sort(val), np.sort(test))


def subsample(indices: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """The first ``size`` of a seeded shuffle of ``indices`` (all of them, shuffled, when ``size`` is None)."""
    order = np.random.default_rng([seed, 7]).permutation(len(indices))
    if size is not None:
        order = order[:size]
    return np.sort(np.asarray(indices)[order])
