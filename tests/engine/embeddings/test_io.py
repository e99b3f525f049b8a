"""Saving and loading: the project format and word2vec text/binary, round trips through gensim."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from engine.embeddings.io import load_vectors, save_vectors
from engine.embeddings.vectors import WordVectors
from engine.errors import InputError


@pytest.fixture()
def wv():
    rng = np.random.default_rng(3)
    words = ["the", "king", "queen", "Zürich", "naïve", "x"]
    return WordVectors(words, rng.normal(size=(6, 5)).astype(np.float32), counts=np.arange(60, 0, -10), name="tiny")


def test_project_round_trip(wv, tmp_path):
    out = save_vectors(wv, str(tmp_path / "run"))
    back = load_vectors(out)
    assert back.words == wv.words and back.name == "tiny"
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    np.testing.assert_array_equal(back.counts, wv.counts)
    vocab = json.loads((tmp_path / "run" / "vocab.json").read_text(encoding="utf8"))
    assert vocab["format"] == "seq-explorer-vectors" and vocab["dim"] == 5


@pytest.mark.parametrize("fmt,binary", [("word2vec-text", False), ("word2vec-binary", True)])
def test_word2vec_formats_round_trip_through_gensim(wv, tmp_path, fmt, binary):
    from gensim.models import KeyedVectors

    path = str(tmp_path / ("v.bin" if binary else "v.txt"))
    save_vectors(wv, path, format=fmt)
    kv = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert list(kv.index_to_key) == list(wv.words)
    np.testing.assert_array_equal(kv.vectors, wv.vectors)  # %.9g gives float32 back exactly
    back = load_vectors(path)
    assert back.words == wv.words
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    # and what gensim writes, we read
    theirs = str(tmp_path / ("g.bin" if binary else "g.txt"))
    kv.save_word2vec_format(theirs, binary=binary)
    again = load_vectors(theirs)
    assert again.words == wv.words
    np.testing.assert_array_equal(again.vectors, wv.vectors)


def test_binary_layout_is_the_c_tools(wv, tmp_path):
    path = tmp_path / "c.bin"
    save_vectors(wv, str(path), format="word2vec-binary")
    data = path.read_bytes()
    header, _, rest = data.partition(b"\n")
    assert header == b"6 5"
    word, _, rest = rest.partition(b" ")
    assert word == b"the"
    assert struct.unpack("<5f", rest[:20]) == tuple(float(x) for x in wv.vectors[0])
    assert rest[20:21] == b"\n"


def test_headerless_glove_text(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\ncat -1 0.5 2\n")
    wv = load_vectors(str(path))
    assert wv.words == ("the", "cat") and wv.dim == 3
    np.testing.assert_allclose(wv.vector("cat"), [-1, 0.5, 2])


def test_glove_by_name():
    assert load_vectors("glove").name == "glove"


def test_errors(wv, tmp_path):
    with pytest.raises(InputError, match="no embeddings at"):
        load_vectors(str(tmp_path / "nowhere"))
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(InputError, match="missing vectors.safetensors"):
        load_vectors(str(tmp_path / "empty_dir"))
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nthe 1 2 3\ncat 1 2\n")
    with pytest.raises(InputError, match="line 3"):
        load_vectors(str(bad))
    short = tmp_path / "short.txt"
    short.write_text("3 2\nthe 1 2\n")
    with pytest.raises(InputError, match="promises 3 words"):
        load_vectors(str(short))
    trunc = tmp_path / "trunc.bin"
    trunc.write_bytes(b"2 2\nab " + struct.pack("<2f", 1, 2) + b"\ncd " + b"\x00\x01")
    with pytest.raises(InputError, match="truncated"):
        load_vectors(str(trunc))
    with pytest.raises(InputError, match="format must be"):
        save_vectors(wv, str(tmp_path / "x"), format="pickle")  # type: ignore[arg-type]
    spaced = WordVectors(["new york"], np.ones((1, 2)))
    with pytest.raises(InputError, match="cannot hold"):
        save_vectors(spaced, str(tmp_path / "s.txt"), format="word2vec-text")
    damaged = tmp_path / "damaged"
    save_vectors(wv, str(damaged))
    (damaged / "vectors.safetensors").write_bytes(b"garbage")
    with pytest.raises(InputError, match="damaged"):
        load_vectors(str(damaged))
