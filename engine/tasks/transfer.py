"""Transfer learning of word embeddings: start a task's embedding matrix E from pretrained vectors.

Public API::

    EMBEDDING_SOURCES                          # "none", "glove" (or a directory / word2vec file)
    load_pretrained(spec) -> WordVectors | None
    pretrained_words(vectors, limit) -> list[str]          # the ``limit`` most frequent words
    embedding_matrix(vocab, vectors, dim, seed) -> (E (V, D) float32, found)

The course's three steps: (1) learn word embeddings from a large text corpus (GloVe 6B, or a
word2vec/GloVe/NPLM run of this project: ``--embeddings DIR``), (2) transfer them to a task with a
small labelled training set, (3) optionally keep fine-tuning them on the task
(``freeze_embeddings`` False) or leave them as they are (True).

The task vocabulary is the training set's words plus the ``pretrained_vocab`` most frequent
pretrained words, so that a test sentence's word that never occurred in training ("durian")
still has a meaningful vector, which is where transfer helps most when training data are few.
Rows of words the vectors do not have are drawn from N(0, σ²) with σ the pretrained values'
standard deviation (seeded); the PAD row is zero.
"""

from __future__ import annotations

import numpy as np

from engine.embeddings.vectors import WordVectors
from engine.tasks.vocab import TokenVocab

EMBEDDING_SOURCES: tuple[str, ...] = ("none", "glove")
"""Named sources; anything else is a path (a vectors directory or a word2vec .txt/.bin file)."""


def load_pretrained(spec: str) -> WordVectors | None:
    """``None`` for ``"none"``; GloVe 6B 50d for ``"glove"``; else vectors read from a path."""
    if spec == "none":
        return None
    from engine.embeddings.io import load_vectors

    return load_vectors(spec)


def pretrained_words(vectors: WordVectors, limit: int) -> list[str]:
    """The first ``limit`` words of ``vectors`` (frequency order for GloVe and word2vec output)."""
    return list(vectors.words[:limit])


def embedding_matrix(vocab: TokenVocab, vectors: WordVectors | None, dim: int, seed: int) -> tuple[np.ndarray, int]:
    """E for ``vocab``: pretrained rows where the vectors know the word, random rows elsewhere.

    Returns ``(E (V, dim) float32, number of rows taken from the vectors)``. Without vectors
    every row is N(0, 1) (``torch.nn.Embedding``'s own initialisation) and ``found`` is 0.
    """
    rng = np.random.default_rng([seed, 11])
    if vectors is None:
        E = rng.standard_normal((len(vocab), dim)).astype(np.float32)
        found = 0
    else:
        sample = np.asarray(vectors.vectors[: min(len(vectors), 20_000)], dtype=np.float32)
        sigma = float(sample.std()) or 1.0
        E = (rng.standard_normal((len(vocab), dim)) * sigma).astype(np.float32)
        index = vectors.key_to_index
        hits = [(i, index[tok]) for i, tok in enumerate(vocab.tokens) if tok in index and tok_is_word(tok)]
        if hits:
            ours, theirs = zip(*hits)
            order = np.argsort(theirs)  # read the (possibly memory-mapped) matrix in row order
            E[np.asarray(ours)[order]] = np.asarray(vectors.vectors[np.asarray(theirs)[order]], dtype=np.float32)
        found = len(hits)
    if vocab.pad_id is not None:
        E[vocab.pad_id] = 0.0
    return E, found


def tok_is_word(token: str) -> bool:
    """Special tokens (``<pad>``, ``<unk>``) never take a pretrained row."""
    return not (token.startswith("<") and token.endswith(">"))
