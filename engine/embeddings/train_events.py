"""The embeddings package's training events under their former names, for the modules that still import
them from here (``engine.embeddings.word2vec``, ``engine.embeddings.nplm``, ``bench/word2vec.py`` and their
tests). They live in :mod:`engine.embeddings.events` (one events module per package); ``Started`` and
``Finished`` are named ``EmbeddingsStarted`` and ``EmbeddingsFinished`` there, apart from the run events of
:mod:`engine.events`. Import from there; this module goes once nothing imports it.
"""

from engine.embeddings.events import EmbeddingsFinished as Finished
from engine.embeddings.events import EmbeddingsStarted as Started
from engine.embeddings.events import EpochFinished, Progress, QuickAnalogy, WatchNeighbours

__all__ = ["Started", "Progress", "WatchNeighbours", "QuickAnalogy", "EpochFinished", "Finished"]
