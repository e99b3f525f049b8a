"""Vocabulary, tokenisers, streaming readers and the split."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from engine.errors import InputError
from engine.text import EOS, EOS_ID, UNK, UNK_ID, Vocab, build_vocab, encode_corpus, join_tokens, read_lines, tokenize


def test_vocab_has_eos_and_unk_first_and_round_trips():
    v = build_vocab(["abc", "abd"], "char")
    assert v.tokens[:2] == (EOS, UNK) and (EOS_ID, UNK_ID) == (0, 1)
    assert v.tokens[2:] == ("a", "b", "c", "d")  # characters sorted, as the course
    ids = v.encode(list("dab"))
    assert v.decode(ids) == list("dab")
    assert v.encode(["z"]) == [UNK_ID]
    assert Vocab.from_json(v.to_json()) == v


def test_word_vocab_max_size_and_min_count_make_unk():
    lines = ["the cat sat", "the dog sat", "the end"]
    v = build_vocab(lines, "word", min_count=2)
    assert set(v.tokens[2:]) == {"the", "sat"}
    assert v.tokens[2] == "the"  # most frequent first
    assert v.encode(tokenize("the cat", "word")) == [v.index["the"], UNK_ID]
    assert len(build_vocab(lines, "word", max_size=1)) == 3


def test_min_count_emptying_the_vocabulary_is_one_line_error():
    with pytest.raises(InputError, match="min_count 5 leaves an empty vocabulary") as exc:
        build_vocab(["ab", "cd"], "char", min_count=5)
    assert "\n" not in str(exc.value)


def test_word_tokeniser_and_join():
    toks = tokenize("Hello, world! It's here.", "word")
    assert toks == ["Hello", ",", "world", "!", "It's", "here", "."]
    assert join_tokens(toks, "word") == "Hello, world! It's here."


@pytest.mark.parametrize(
    "content, match",
    [(None, "file not found"), (b"", "is empty"), (b"\x00\x01\x02binary", "looks binary"), (b"caf\xe9\nok\n", "set encoding to latin-1")],
)
def test_bad_files_are_one_line_errors(tmp_path, content, match):
    path = tmp_path / "f.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=match) as exc:
        list(read_lines(path))
    assert "\n" not in str(exc.value)


def test_other_encoding_reads_with_encoding_option(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9\n")
    assert list(read_lines(path, encoding="latin-1")) == ["café"]


def test_reading_streams_without_holding_the_file(tmp_path):
    path = tmp_path / "big.txt"
    line = "the quick brown fox jumps over the lazy dog " * 4 + "\n"
    with open(path, "w") as fh:
        for _ in range(8_000):  # about 1.4 MB
            fh.write(line)
    size = path.stat().st_size
    warm = tmp_path / "warm.txt"
    warm.write_text(line * 10)
    encode_corpus(read_lines(warm), build_vocab(read_lines(warm), "char"), sequence="stream", spill_tokens=10).close()
    tracemalloc.start()
    v = build_vocab(read_lines(path), "char")
    corpus = encode_corpus(read_lines(path), v, sequence="stream", seq_len=256, spill_tokens=50_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(corpus.tokens, np.memmap)  # spilled to disk, not held in memory
    assert corpus.n_tokens == size
    assert peak < size / 2, f"peak {peak} bytes for a {size}-byte file"
    corpus.close()


def test_spilled_and_in_memory_encodings_agree(names_file):
    v = build_vocab(read_lines(names_file), "char")
    a = encode_corpus(read_lines(names_file), v)
    b = encode_corpus(read_lines(names_file), v, spill_tokens=10)
    assert np.array_equal(np.asarray(a.tokens), np.asarray(b.tokens))
    assert np.array_equal(a.train_spans, b.train_spans)
    b.close()


def test_split_is_reproducible_and_disjoint(names_file):
    v = build_vocab(read_lines(names_file), "char")
    a = encode_corpus(read_lines(names_file), v, val_fraction=0.2, split_seed=3)
    b = encode_corpus(read_lines(names_file), v, val_fraction=0.2, split_seed=3)
    c = encode_corpus(read_lines(names_file), v, val_fraction=0.2, split_seed=4)
    assert np.array_equal(a.val_spans, b.val_spans)
    assert not np.array_equal(a.val_spans, c.val_spans)
    assert not set(a.val_spans[:, 0]) & set(a.train_spans[:, 0])
    assert 0.1 < len(a.val_spans) / (len(a.val_spans) + len(a.train_spans)) < 0.3


def test_every_line_sequence_ends_with_eos_and_long_lines_are_cut(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("ab\n\nabcdefg\n", encoding="utf-8")
    v = build_vocab(read_lines(path), "char")
    c = encode_corpus(read_lines(path), v, seq_len=4, val_fraction=0.01)
    spans = np.concatenate([c.train_spans, c.val_spans])
    assert sorted(spans[:, 1].tolist()) == [3, 4, 4]  # "ab⏎", "abcd", "efg⏎"; the blank line is skipped
    y = c.batch(spans)
    assert (y == EOS_ID).sum() == 2


def _span_lines(corpus, spans) -> set[str]:
    """The lines of ``spans``, decoded from the token stream (each name fits one span)."""
    out = set()
    for start, length in spans.tolist():
        ids = [int(i) for i in corpus.tokens[start : start + length] if int(i) != EOS_ID]
        out.add(join_tokens(corpus.vocab.decode(ids), corpus.vocab.level))
    return out


def test_known_lines_are_the_training_split_only(names_file):
    """Samples are marked seen against the lines trained on: validation lines count as new."""
    v = build_vocab(read_lines(names_file), "char")
    corpus = encode_corpus(read_lines(names_file), v, val_fraction=0.3, split_seed=1)
    train, val = _span_lines(corpus, corpus.train_spans), _span_lines(corpus, corpus.val_spans)
    assert val and train
    assert corpus.known_lines == frozenset(train)
    validation_only = val - train
    assert validation_only and not validation_only & corpus.known_lines  # such lines exist, and are new
