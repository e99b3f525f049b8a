"""word2vec streams a corpus file: counted in one pass, re-read per epoch (or cached under cache_mb),
never held whole; and the progress knows the total from the counting pass."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from engine.embeddings import events as te
from engine.embeddings.chunks import ChunkedCorpus
from engine.embeddings.corpus import CorpusOptions, SentenceFiles
from engine.embeddings.vocab import count_words, scan_corpus
from engine.embeddings.word2vec import Word2VecConfig, train_word2vec


def _write_corpus(path, words: int, vocab: int = 300, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    ranks = np.minimum(rng.zipf(1.3, words), vocab) - 1  # a Zipf-like vocabulary
    tokens = np.array([f"w{k}" for k in range(vocab)])[ranks]
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, words, 60):
            out.write(" ".join(tokens[start : start + 60]) + "\n\n")


class CountingFiles(SentenceFiles):
    reads = 0

    def __iter__(self):
        CountingFiles.reads += 1
        return super().__iter__()


def test_counting_pass_matches_the_one_pass_scan_and_chunks_reencode_the_same_ids(tmp_path):
    path = tmp_path / "c.txt"
    _write_corpus(path, 20_000)
    files = SentenceFiles([path])
    vocab, totals = count_words(files, min_count=3)
    held_vocab, held = scan_corpus(iter(files), min_count=3)
    assert vocab.words == held_vocab.words and np.array_equal(vocab.counts, held_vocab.counts)
    assert totals.kept_words == held.ids.size and totals.raw_words == held.raw_words == 20_000
    streamed = ChunkedCorpus.prepare(files, 3, None, chunk_words=1000, cache_mb=0)
    ids = np.concatenate([c.encoded.ids for c in streamed.chunks()])
    assert np.array_equal(ids, held.ids) and streamed.streamed
    owned = list(streamed.chunks(lambda k: k % 2 == 1))
    assert [c.encoded is None for c in owned[:4]] == [True, False, True, False]
    assert sum(c.span for c in owned) == streamed.pass_span == 20_000


@pytest.mark.parametrize("cache_mb, reads", [(0, 1 + 3), (64, 1 + 1)])
def test_epochs_reread_the_file_unless_the_encoded_corpus_fits_the_cache(tmp_path, cache_mb, reads):
    path = tmp_path / "c.txt"
    _write_corpus(path, 30_000)
    CountingFiles.reads = 0
    cfg = Word2VecConfig(dim=8, epochs=3, min_count=1, workers=1, cache_mb=cache_mb, chunk_words=2000,
                         progress_interval_s=0.0)
    events = list(train_word2vec(cfg, sentences=CountingFiles([path], CorpusOptions())))
    assert CountingFiles.reads == reads
    started = events[0]
    assert isinstance(started, te.EmbeddingsStarted) and started.total_words == 3 * started.corpus_words  # all kept
    progress = [e for e in events if isinstance(e, te.Progress)]
    assert progress and all(e.total_words == started.total_words for e in progress)
    assert events[-1].words_done == started.total_words


def _peak_of_training(path, words: int, cache_mb: float) -> int:
    _write_corpus(path, words, vocab=500)
    cfg = Word2VecConfig(corpus=str(path), dim=8, epochs=1, min_count=1, workers=1, cache_mb=cache_mb,
                         chunk_words=2000, batch_pairs=1024, device="cpu", progress_interval_s=1.0)
    tracemalloc.start()
    try:
        finished = list(train_word2vec(cfg))[-1]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert finished.words_done == words
    return peak


def test_a_streamed_corpus_is_never_materialised(tmp_path):
    """Peak Python/numpy allocations do not grow with the corpus when it is streamed (they do when cached)."""
    small = _peak_of_training(tmp_path / "small.txt", 50_000, cache_mb=0)
    big = _peak_of_training(tmp_path / "big.txt", 250_000, cache_mb=0)
    cached = _peak_of_training(tmp_path / "big.txt", 250_000, cache_mb=64)
    ids = 250_000 * 4
    assert big < small * 1.25 + 50_000, f"streamed peak grew from {small:,} to {big:,} bytes"
    assert big < ids, f"streamed peak {big:,} bytes is more than the whole corpus as ids ({ids:,})"
    assert cached > big + ids / 2  # the check can fail: keeping the encoded corpus shows up


def test_a_chunk_encodes_like_the_one_pass_scan_with_empty_and_unknown_only_sentences():
    from engine.embeddings.vocab import SentenceEncoder

    sentences = [["a", "x", "b"], [], ["y"], ["c", "a"], ["b"] * 3, ["c", "a"]]  # x, y: below min_count
    vocab, held = scan_corpus(iter(sentences), min_count=2)
    chunk = SentenceEncoder(vocab).encode(sentences)
    assert np.array_equal(chunk.ids, held.ids) and chunk.ids.dtype == np.int32
    assert [vocab.words[i] for i in chunk.ids] == ["a", "b", "c", "a", "b", "b", "b", "c", "a"]
    assert list(np.diff(chunk.sentence_starts)) == [2, 0, 0, 2, 3, 2] and chunk.raw_words == 11
    empty = SentenceEncoder(vocab).encode([])
    assert empty.ids.size == 0 and list(empty.sentence_starts) == [0]
