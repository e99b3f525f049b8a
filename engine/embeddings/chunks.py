"""A corpus for training passes: counted once, then read again as chunks of encoded sentences.

Public API::

    ChunkedCorpus.prepare(sentences, min_count, max_vocab, chunk_words, cache_mb) -> ChunkedCorpus
    corpus.vocab, corpus.totals                     # WordCounts, CorpusTotals
    corpus.chunks(owned=lambda k: True) -> Iterator[Chunk]   # one training pass

How much is held depends on what ``sentences`` is:

- **re-iterable** (:class:`~engine.embeddings.corpus.SentenceFiles`, a list): a counting pass
  holds only the word counts; every training pass iterates the sentences again and encodes
  ``chunk_words`` words at a time. When the encoded corpus fits in ``cache_mb`` (4 bytes a
  word plus 8 a sentence), the chunks of the first pass are kept and later passes reuse them;
  otherwise every pass re-reads the files, and memory stays at a few chunks whatever the size
  of the corpus.
- **one-shot** (a generator): counted and encoded in one pass (:func:`scan_corpus`) and held
  encoded, since it cannot be read twice.

``owned(k)`` says whether this process trains chunk ``k`` (data-parallel training shards chunks
by number); chunks it does not own are cut but not encoded, and carry ``encoded=None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from engine.embeddings.vocab import (
    CorpusTotals,
    EncodedSentences,
    SentenceEncoder,
    WordCounts,
    count_words,
    scan_corpus,
)


@dataclass(frozen=True)
class Chunk:
    index: int
    """Position of the chunk in the pass (0, 1, …): the same on every rank."""
    words: int
    """In-vocabulary words in the chunk (0 when this process does not train it)."""
    span: int
    """How far the chunk moves through the pass, in the units of :attr:`ChunkedCorpus.pass_span`."""
    encoded: EncodedSentences | None
    """The chunk's sentences as ids; None when this process does not train it."""


def _reiterable(sentences: Iterable) -> bool:
    return not isinstance(sentences, Iterator)  # an iterator is used up by one pass; a list, a file set are not


class ChunkedCorpus:
    def __init__(self, vocab: WordCounts, totals: CorpusTotals, chunk_words: int, *,
                 source: Iterable[list[str]] | None = None, encoded: EncodedSentences | None = None,
                 cache_bytes: int = 0) -> None:
        self.vocab, self.totals, self.chunk_words = vocab, totals, chunk_words
        self._source, self._encoded = source, encoded
        self._cacheable = source is not None and totals.kept_words * 4 + totals.sentences * 8 <= cache_bytes
        self._cache: list[Chunk] | None = None
        self.passes_read = 0
        """How many times the sentences were read for training (tests check the cache with it)."""

    @classmethod
    def prepare(cls, sentences: Iterable[list[str]], min_count: int, max_vocab: int | None, chunk_words: int,
                cache_mb: float) -> "ChunkedCorpus":
        if _reiterable(sentences):
            vocab, totals = count_words(sentences, min_count, max_vocab)
            return cls(vocab, totals, chunk_words, source=sentences, cache_bytes=int(cache_mb * 2**20))
        vocab, encoded = scan_corpus(sentences, min_count, max_vocab)
        totals = CorpusTotals(raw_words=encoded.raw_words, kept_words=int(encoded.ids.size),
                              sentences=encoded.n_sentences)
        return cls(vocab, totals, chunk_words, encoded=encoded)

    @property
    def pass_span(self) -> int:
        """The sum of :attr:`Chunk.span` over one pass (for the learning-rate schedule on every rank)."""
        return self.totals.kept_words if self._encoded is not None else self.totals.raw_words

    @property
    def streamed(self) -> bool:
        """True when training passes re-read the sentences (nothing cached, nothing held)."""
        return self._source is not None and not self._cacheable

    def chunks(self, owned: Callable[[int], bool] = lambda k: True) -> Iterator[Chunk]:
        """One pass over the corpus in chunks of about ``chunk_words`` words (whole sentences)."""
        if self._encoded is not None:
            yield from self._slices(owned)
        elif self._cache is not None:
            yield from self._cache
        else:
            self.passes_read += 1
            kept: list[Chunk] | None = [] if self._cacheable else None
            for chunk in self._read(owned):
                if kept is not None:
                    kept.append(chunk)
                yield chunk
            if kept is not None:
                self._cache = kept

    def _read(self, owned: Callable[[int], bool]) -> Iterator[Chunk]:
        encoder = SentenceEncoder(self.vocab)
        batch: list[list[str]] = []
        n = k = 0
        assert self._source is not None
        for sentence in self._source:
            if not sentence:
                continue
            batch.append(sentence)
            n += len(sentence)
            if n >= self.chunk_words:
                yield self._chunk(k, batch, n, encoder, owned)
                batch, n, k = [], 0, k + 1
        if batch:
            yield self._chunk(k, batch, n, encoder, owned)

    @staticmethod
    def _chunk(k: int, batch: list[list[str]], n: int, encoder: SentenceEncoder,
               owned: Callable[[int], bool]) -> Chunk:
        if not owned(k):
            return Chunk(index=k, words=0, span=n, encoded=None)
        encoded = encoder.encode(batch)
        return Chunk(index=k, words=int(encoded.ids.size), span=n, encoded=encoded)

    def _slices(self, owned: Callable[[int], bool]) -> Iterator[Chunk]:
        """Spans of whole sentences of the held corpus, each about ``chunk_words`` long."""
        corpus = self._encoded
        assert corpus is not None
        starts = corpus.sentence_starts
        s, k, n_sent = 0, 0, corpus.n_sentences
        while s < n_sent:
            end = int(np.searchsorted(starts, starts[s] + self.chunk_words, side="left"))
            end = min(max(end, s + 1), n_sent)
            a, b = int(starts[s]), int(starts[end])
            if b > a:
                piece = None
                if owned(k):
                    piece = EncodedSentences(ids=corpus.ids[a:b], sentence_starts=starts[s : end + 1] - a,
                                             raw_words=b - a)
                yield Chunk(index=k, words=(b - a) if piece is not None else 0, span=b - a, encoded=piece)
                k += 1
            s = end
