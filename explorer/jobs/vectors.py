"""The word vectors the Embeddings and Analogies screens share, one store per app.

* ``pretrained``: the vectors named by ``--embeddings`` ("glove" by default, or a
  directory / word2vec file), loaded once, in a worker, by whichever screen needs
  them first (:func:`load_factory`); the other screen gets the cached object.
* ``trained``: the latest word2vec model trained on the Embeddings screen, so the
  Analogies screen can switch to it.
* ``load_error``: why the pretrained vectors could not be loaded (None while they load or once they
  have), so a screen says so instead of "still loading" forever.

Nothing here imports the engine at module level: :func:`load_pretrained` does it in
the worker thread.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Iterator

_STORES: "weakref.WeakKeyDictionary[object, EmbeddingStore]" = weakref.WeakKeyDictionary()
_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class VectorsLoaded:
    """Event of a load run: ``vectors`` (a WordVectors) came from ``source`` in ``seconds``."""

    source: str
    vectors: Any
    seconds: float


class EmbeddingStore:
    """Per-app cache of the pretrained and the trained word vectors (UI thread writes only)."""

    def __init__(self, source: str = "glove") -> None:
        self.source = source
        self.pretrained: Any = None
        self.trained: Any = None
        self.trained_note: str = ""
        """How the training ended ("completed", "stopped")."""
        self.trained_method: str = "word2vec"
        """What trained them, as the app names it: "word2vec" or "GloVe"."""
        self.load_error: str | None = None
        """One line: why loading ``source`` failed (None while it loads or once it has loaded)."""

    def loaded(self, vectors: Any) -> None:
        self.pretrained, self.load_error = vectors, None

    def failed(self, error: BaseException) -> None:
        self.load_error = " ".join(str(error).split()) or type(error).__name__

    def trained_label(self) -> str:
        """'trained GloVe (completed)', 'trained word2vec (stopped)': the trained vectors in the app's words."""
        return f"trained {self.trained_method}" + (f" ({self.trained_note})" if self.trained_note else "")

    def vectors(self, which: str) -> Any:
        return self.trained if which == "trained" else self.pretrained


def store_for(app: object) -> EmbeddingStore:
    """The app's store (created on first use, with ``app.embeddings`` as the source)."""
    store = _STORES.get(app)
    if store is None:
        store = EmbeddingStore(str(getattr(app, "embeddings", "glove") or "glove"))
        _STORES[app] = store
    return store


def source_label(source: str, vectors: Any = None) -> str:
    """What to call the pretrained vectors: GloVe's full name, else the vectors' own name or the path."""
    name = getattr(vectors, "name", "") or source
    return "GloVe 6B 50d" if name == "glove" else name


def describe_vectors(wv: Any) -> str:
    """'400,000 words × 50 dims' for any WordVectors."""
    return f"{len(wv):,} words × {wv.dim} dims"


def load_pretrained(source: str) -> Any:
    """Load ``source`` ("glove", a project directory or a word2vec file) as WordVectors (any thread)."""
    with _LOAD_LOCK:  # two screens asking at once load it once (the cache is in the engine)
        if source == "glove":
            from engine.embeddings.glove import load_glove

            return load_glove()
        from engine.embeddings.io import load_vectors

        return load_vectors(source)


def load_factory(source: str):
    """A run factory for :func:`explorer.runs.start_run`: yields one :class:`VectorsLoaded`."""

    def factory(stop: threading.Event) -> Iterator[VectorsLoaded]:
        t = time.perf_counter()
        vectors = load_pretrained(source)
        yield VectorsLoaded(source, vectors, time.perf_counter() - t)

    return factory
