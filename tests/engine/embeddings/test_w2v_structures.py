"""word2vec building blocks: corpus reader, vocabulary, Huffman tree, negative sampler, subsampling."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from engine.embeddings.corpus import CorpusOptions, iter_sentences, corpus_files, tokenize
from engine.embeddings.huffman import HuffmanTree
from engine.embeddings.negatives import NegativeSampler, noise_distribution
from engine.embeddings.subsampling import keep_probabilities
from engine.embeddings.vocab import scan_corpus
from engine.errors import InputError

# ----------------------------------------------------------------------------- corpus


def test_tokenize_modes():
    line = "“Don't,” said Mr. Bennet — well-known; 42 cats!"
    assert tokenize(line) == ["don't", "said", "mr", "bennet", "well-known", "42", "cats"]
    assert tokenize(line, CorpusOptions(lowercase=False))[:2] == ["Don't", "said"]
    assert tokenize(line, CorpusOptions(punctuation="split"))[:4] == ["“", "don't", ",", "”"]
    assert tokenize(line, CorpusOptions(punctuation="keep"))[0] == "“don't,”"


def test_paragraphs_are_sentences_and_long_ones_are_cut():
    lines = ["one two\n", "three\n", "\n", "\n", "four five six\n"]
    assert list(iter_sentences(lines)) == [["one", "two", "three"], ["four", "five", "six"]]
    cut = list(iter_sentences(["a b c d e f g\n"], CorpusOptions(max_sentence_length=3)))
    assert cut == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


def test_reader_streams_from_a_generator():
    consumed = []

    def lines():
        for i in range(1_000_000):
            consumed.append(i)
            yield f"word{i} other\n" if i % 2 == 0 else "\n"

    it = iter_sentences(lines())
    assert next(it) == ["word0", "other"]
    assert len(consumed) <= 3  # only what the first paragraph needed was read


def test_gzip_and_file_list(tmp_path):
    a = tmp_path / "a.txt.gz"
    with gzip.open(a, "wt", encoding="utf-8") as fh:
        fh.write("Alpha beta\ngamma\n")
    b = tmp_path / "b.txt"
    b.write_text("delta\n", encoding="utf-8")
    assert list(iter_sentences((a, b))) == [["alpha", "beta", "gamma"], ["delta"]]


def test_non_utf8_file_is_an_input_error(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("café au lait\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        list(iter_sentences(bad))


def test_resolve_corpus_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        corpus_files(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        corpus_files(empty)
    assert all(p.is_file() for p in corpus_files("default"))


# ----------------------------------------------------------------------------- vocabulary


def test_vocab_sorted_min_count_and_oov_dropped_before_windows():
    sents = [["b", "a", "rare", "a"], ["c", "b", "a"], ["b", "c"]]
    vocab, corpus = scan_corpus(sents, min_count=2)
    assert vocab.words == ("b", "a", "c")  # b:3, a:3 (a tie: b was seen first), c:2; rare dropped
    assert vocab.counts.tolist() == [3, 3, 2]
    assert corpus.raw_words == 9
    decoded = [[vocab.words[i] for i in corpus.ids[s:e]] for s, e in zip(corpus.sentence_starts[:-1], corpus.sentence_starts[1:])]
    assert decoded == [["b", "a", "a"], ["c", "b", "a"], ["b", "c"]]
    vocab2, _ = scan_corpus(sents, min_count=1, max_vocab=2)
    assert vocab2.words == ("b", "a")


def test_vocab_errors():
    with pytest.raises(InputError, match="min_count=10 removes every word"):
        scan_corpus([["a", "b"]], min_count=10)
    with pytest.raises(InputError, match="no words"):
        scan_corpus([[], []], min_count=1)


# ----------------------------------------------------------------------------- Huffman


def _zipf_counts(v: int) -> np.ndarray:
    return np.maximum((100_000 / np.arange(1, v + 1)).astype(np.int64), 1)


def test_huffman_codes_prefix_free_and_frequent_words_shorter():
    counts = _zipf_counts(500)
    tree = HuffmanTree.build(counts)
    codes = ["".join(map(str, c)) for c in tree.codes]
    assert len(set(codes)) == len(codes)
    ordered = sorted(codes)
    for x, y in zip(ordered, ordered[1:]):  # a prefix sorts right before its extensions
        assert not y.startswith(x)
    lengths = tree.lengths()
    assert (np.diff(lengths) >= 0).all()  # counts are sorted descending → lengths non-decreasing
    assert math.isclose(sum(2.0 ** -lengths), 1.0)  # a full binary tree: Kraft equality


def test_huffman_path_lengths_near_entropy_and_log2_v():
    counts = _zipf_counts(2000)
    tree = HuffmanTree.build(counts)
    p = counts / counts.sum()
    entropy = float(-(p * np.log2(p)).sum())
    expected = float((p * tree.lengths()).sum())
    assert entropy <= expected < entropy + 1  # Huffman's optimality bound
    uniform = HuffmanTree.build(np.ones(1024, dtype=np.int64))
    assert set(uniform.lengths().tolist()) == {10}  # log2(1024)


def test_huffman_points_are_inner_nodes_root_first():
    tree = HuffmanTree.build(np.array([5, 3, 2, 1]))
    roots = {int(p[0]) for p in tree.points}
    assert roots == {2}  # V − 2
    assert all(((p >= 0) & (p <= 2)).all() for p in tree.points)
    points, labels, lengths = tree.padded(pad=99)
    assert points.shape == (4, lengths.max()) and (points[lengths < lengths.max(), -1] == 99).all()
    assert ((labels == 0) | (labels == 1)).all()


# ----------------------------------------------------------------------------- negatives


def test_negative_sampling_matches_f_to_the_three_quarters():
    counts = np.array([5000, 1200, 800, 300, 120, 40, 9, 1])
    expected = counts**0.75 / (counts**0.75).sum()
    assert np.allclose(noise_distribution(counts), expected)
    draws = NegativeSampler(counts).sample(np.random.default_rng(0), 400_000)
    observed = np.bincount(draws, minlength=len(counts))

    def chi2(p):
        e = p * draws.size
        return float(((observed - e) ** 2 / e).sum())

    assert chi2(expected) < 24.32  # χ² with 7 degrees of freedom: p > 0.001
    assert chi2(counts / counts.sum()) > 1000  # and clearly not the raw unigram distribution


# ----------------------------------------------------------------------------- subsampling


def test_subsampling_is_gensims_formula():
    counts = np.array([100_000, 20_000, 3_000, 500, 50, 5], dtype=np.int64)
    t = 1e-3
    threshold = t * counts.sum()
    formula = np.minimum((np.sqrt(counts / threshold) + 1) * threshold / counts, 1.0)
    assert np.allclose(keep_probabilities(counts, t), formula)
    assert (keep_probabilities(counts, 0) == 1).all()


def test_subsampling_agrees_with_gensim():
    from gensim.models import Word2Vec

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    p = 1 / np.arange(1, 41)
    sents = [list(rng.choice(words, 20, p=p / p.sum())) for _ in range(300)]
    model = Word2Vec(vector_size=8, min_count=1, sample=1e-2, workers=1)
    model.build_vocab(sents)
    vocab, _ = scan_corpus(sents, min_count=1)
    ours = keep_probabilities(vocab.counts, 1e-2)
    theirs = np.array([model.wv.get_vecattr(w, "sample_int") / (2**32 - 1) for w in vocab.words])
    assert np.allclose(ours, theirs, atol=1e-6)
