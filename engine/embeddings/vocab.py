"""word2vec's word counts (its vocabulary) and sentences encoded as word ids.

Public API::

    WordCounts(words, counts)              # frozen; words[i] has counts[i]; counts non-increasing
    WordCounts.index(word) -> int           # -1 when absent
    CorpusTotals(raw_words, kept_words, sentences)
    count_words(sentences, min_count=5, max_vocab=None) -> (WordCounts, CorpusTotals)   # one streaming pass
    SentenceEncoder(word_counts).encode(sentences) -> EncodedSentences                  # a chunk at a time
    EncodedSentences(ids, sentence_starts, raw_words)
    scan_corpus(sentences, min_count=5, max_vocab=None) -> (WordCounts, EncodedSentences)  # all in memory

(Named apart from the language model's vocabulary, :class:`engine.text.Vocab`, a different thing.)

Id 0 is the most frequent word. Ties in frequency keep first-appearance order. Words below
``min_count`` (or beyond the ``max_vocab`` most frequent) are dropped from the sentences
*before* windows are taken, exactly as gensim and the C tool do, so a window can reach
over a rare word.

Training streams: :func:`count_words` reads the corpus once holding only the counts (one dict
entry per distinct word), then each training pass re-reads it and encodes a chunk of sentences
at a time with :class:`SentenceEncoder`. :func:`scan_corpus` does both in one pass and keeps the
whole corpus encoded (4 bytes a word), for sentences that can be read only once.
"""

from __future__ import annotations

from array import array
from collections import Counter
from itertools import chain, repeat
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from engine.errors import InputError


@dataclass(frozen=True)
class WordCounts:
    """Words sorted by descending corpus frequency, with their counts."""

    words: tuple[str, ...]
    counts: np.ndarray
    """(V,) int64 occurrence counts, non-increasing."""
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.words) != len(self.counts):
            raise InputError(f"vocabulary has {len(self.words)} words but {len(self.counts)} counts")
        if not self._index:
            self._index.update({w: i for i, w in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def index(self, word: str) -> int:
        """Id of ``word``, or -1 when it is not in the vocabulary."""
        return self._index.get(word, -1)

    @property
    def total(self) -> int:
        """Number of corpus tokens that are in the vocabulary."""
        return int(self.counts.sum())


@dataclass(frozen=True)
class CorpusTotals:
    """What the counting pass learnt about the corpus besides the counts."""

    raw_words: int
    """Tokens read, including those dropped by ``min_count`` (gensim's "raw words")."""
    kept_words: int
    """Tokens in the vocabulary: the words one training pass processes."""
    sentences: int


@dataclass(frozen=True)
class EncodedSentences:
    """Sentences as one flat array of word ids plus the start offset of each sentence."""

    ids: np.ndarray
    """(N,) int32 word ids of the kept tokens, sentence after sentence."""
    sentence_starts: np.ndarray
    """(S + 1,) int64 offsets into ``ids``; sentence s is ``ids[starts[s]:starts[s + 1]]``."""
    raw_words: int
    """Tokens read, including those dropped by ``min_count`` (gensim's "raw words")."""

    @property
    def n_sentences(self) -> int:
        return len(self.sentence_starts) - 1

    def sentence_of_word(self) -> np.ndarray:
        """(N,) int64: the sentence number of every id (windows never cross a sentence)."""
        return np.repeat(np.arange(self.n_sentences, dtype=np.int64), np.diff(self.sentence_starts))



def _check(min_count: int, max_vocab: int | None) -> None:
    if min_count < 1:
        raise InputError(f"min_count must be >= 1, got {min_count}", field="min_count")
    if max_vocab is not None and max_vocab < 1:
        raise InputError(f"max_vocab must be >= 1 (or None for no limit), got {max_vocab}", field="max_vocab")


def _select(words: list[str], counts: np.ndarray, min_count: int, max_vocab: int | None) -> np.ndarray:
    """Indices into ``words`` of the kept words, most frequent first (ties: first seen first)."""
    if counts.size == 0 or counts.sum() == 0:
        raise InputError("the corpus has no words; give a text file with some words in it")
    order = np.argsort(-counts, kind="stable")
    order = order[counts[order] >= min_count]
    if max_vocab is not None:
        order = order[:max_vocab]
    if order.size == 0:
        raise InputError(
            f"min_count={min_count} removes every word (the most frequent word occurs {int(counts.max())} "
            "times); lower min_count or give a bigger corpus", field="min_count")
    return order


def count_words(
    sentences: Iterable[list[str]], min_count: int = 5, max_vocab: int | None = None
) -> tuple[WordCounts, CorpusTotals]:
    """The vocabulary pass: count every word of ``sentences`` (streamed; one sentence held at a time)."""
    _check(min_count, max_vocab)
    counter: Counter[str] = Counter()
    n_sentences = raw = 0
    for sentence in sentences:
        if sentence:
            counter.update(sentence)  # first-insertion order is first-appearance order
            n_sentences += 1
            raw += len(sentence)
    words = list(counter)
    counts = np.fromiter(counter.values(), dtype=np.int64, count=len(words))
    order = _select(words, counts, min_count, max_vocab)
    kept = WordCounts(words=tuple(words[i] for i in order), counts=counts[order])
    return kept, CorpusTotals(raw_words=raw, kept_words=kept.total, sentences=n_sentences)


class SentenceEncoder:
    """Turns sentences into :class:`EncodedSentences` under a fixed vocabulary (a chunk at a time)."""

    def __init__(self, vocab: WordCounts) -> None:
        self._get = vocab._index.get

    def encode(self, sentences: Iterable[list[str]]) -> EncodedSentences:
        """One chunk as ids; a word out of the vocabulary is dropped (its sentence gets shorter).

        Every word of the chunk is looked up in one C-level pass (``map`` of the dict's ``get`` into
        ``np.fromiter``) and the sentence boundaries are moved by numpy: about half the time of a
        Python loop per sentence, which the training threads wait on in the first epoch.
        """
        sentences = sentences if isinstance(sentences, list) else list(sentences)
        lengths = np.fromiter(map(len, sentences), np.int64, count=len(sentences))
        bounds = np.zeros(len(sentences) + 1, dtype=np.int64)
        np.cumsum(lengths, out=bounds[1:])
        raw = int(bounds[-1])
        ids = np.fromiter(map(self._get, chain.from_iterable(sentences), repeat(-1)), np.int32, count=raw)
        known = ids >= 0
        kept_before = np.zeros(raw + 1, dtype=np.int64)
        np.cumsum(known, out=kept_before[1:])
        return EncodedSentences(ids=ids[known], sentence_starts=kept_before[bounds], raw_words=raw)


def scan_corpus(
    sentences: Iterable[list[str]], min_count: int = 5, max_vocab: int | None = None
) -> tuple[WordCounts, EncodedSentences]:
    """Count words and encode the corpus in a single pass over ``sentences`` (all held encoded).

    Every new word gets a provisional id in first-seen order; once the counts are known the
    provisional ids are mapped to frequency-sorted ids (or dropped) with one numpy lookup.
    """
    _check(min_count, max_vocab)
    provisional: dict[str, int] = {}
    ids = array("i")
    lengths = array("q")
    for sentence in sentences:
        if not sentence:
            continue
        get = provisional.setdefault
        ids.extend([get(w, len(provisional)) for w in sentence])
        lengths.append(len(sentence))
    raw = np.frombuffer(ids, dtype=np.int32) if len(ids) else np.zeros(0, np.int32)
    first_seen_words = list(provisional)
    counts = np.bincount(raw, minlength=len(first_seen_words)).astype(np.int64)
    order = _select(first_seen_words, counts, min_count, max_vocab)
    remap = np.full(len(first_seen_words), -1, dtype=np.int32)
    remap[order] = np.arange(order.size, dtype=np.int32)
    mapped = remap[raw]
    keep = mapped >= 0
    # sentence boundaries after dropping out-of-vocabulary tokens
    sent_of_token = np.repeat(np.arange(len(lengths)), np.frombuffer(lengths, dtype=np.int64))
    kept_per_sentence = np.bincount(sent_of_token[keep], minlength=len(lengths))
    starts = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(kept_per_sentence, out=starts[1:])
    vocab = WordCounts(words=tuple(first_seen_words[i] for i in order), counts=counts[order])
    corpus = EncodedSentences(ids=np.ascontiguousarray(mapped[keep]), sentence_starts=starts, raw_words=int(raw.size))
    return vocab, corpus
