"""WordVectors: lookups, cosine, most_similar / analogy / doesnt_match against numpy and gensim."""

from __future__ import annotations

import numpy as np
import pytest

from engine.embeddings.vectors import COSMUL_EPS, WordVectors
from engine.errors import InputError, UnknownWordError


def _random_vectors(v=60, d=8, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(v)]
    return words, rng.normal(size=(v, d)).astype(np.float32)


@pytest.fixture(scope="module")
def wv():
    words, vecs = _random_vectors()
    return WordVectors(words, vecs, name="random")


@pytest.fixture(scope="module")
def kv(wv):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(wv.dim)
    kv.add_vectors(list(wv.words), np.array(wv.vectors))
    return kv


def _cos(u, v):
    return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))


def test_frozen_and_read_only(wv):
    with pytest.raises(AttributeError):
        wv.name = "other"
    with pytest.raises(ValueError):
        wv.vectors[0, 0] = 1.0
    assert wv.vectors.dtype == np.float32 and wv.dim == 8 and len(wv) == 60


def test_constructor_validates():
    with pytest.raises(InputError, match="3 words but 2 vectors"):
        WordVectors(["a", "b", "c"], np.zeros((2, 4)))
    with pytest.raises(InputError, match="matrix"):
        WordVectors(["a"], np.zeros(4))


def test_input_array_is_not_frozen_by_us():
    words, vecs = _random_vectors(5, 3)
    WordVectors(words, vecs)
    vecs[0, 0] = 42.0  # the caller's array stays writeable


def test_one_hot_lookup_is_e_times_o(wv):
    j, one_hot = wv.one_hot_lookup("w7")
    assert j == 7 and one_hot.shape == (60,) and one_hot.sum() == 1.0 and one_hot[7] == 1.0
    np.testing.assert_allclose(wv.vectors.T @ one_hot, wv.vector("w7"))


def test_similarity_is_cosine(wv):
    assert wv.similarity("w1", "w2") == pytest.approx(_cos(wv.vector("w1"), wv.vector("w2")), abs=1e-6)
    assert wv.similarity("w3", "w3") == pytest.approx(1.0, abs=1e-6)


def test_unknown_word_suggests_close_spellings():
    wv = WordVectors(["queen", "king", "been", "green"], np.eye(4))
    with pytest.raises(UnknownWordError) as info:
        wv.index("qeeen")
    assert info.value.word == "qeeen"
    assert info.value.suggestions[0] == "queen"
    assert "qeeen" in str(info.value) and "queen" in str(info.value)
    assert isinstance(info.value, InputError)
    assert wv.suggestions("King") == ("king",)


def test_most_similar_matches_gensim(wv, kv):
    ours = wv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5)
    theirs = kv.most_similar(positive=["w1", "w2"], negative=["w3"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)


def test_most_similar_restrict_vocab_matches_gensim(wv, kv):
    ours = wv.most_similar(positive=["w40"], topn=4, restrict_vocab=20)
    theirs = kv.most_similar(positive=["w40"], topn=4, restrict_vocab=20)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    assert all(wv.index(w) < 20 for w, _ in ours)


def test_analogy_add_is_argmax_cos_to_offset(wv):
    a, b, c = wv.vector("w1"), wv.vector("w2"), wv.vector("w3")
    u = lambda x: x / np.linalg.norm(x)  # noqa: E731
    target = u(b) + u(c) - u(a)
    scores = np.array([_cos(wv.vectors[i], target) for i in range(len(wv))])
    scores[[1, 2, 3]] = -np.inf
    best = wv.analogy("w1", "w2", "w3", topn=1)[0]
    assert best[0] == f"w{int(np.argmax(scores))}"
    assert best[1] == pytest.approx(scores.max(), abs=1e-5)


def test_analogy_mul_levy_goldberg(wv):
    def shifted(x):
        return np.array([(1 + _cos(wv.vectors[i], x)) / 2 for i in range(len(wv))])

    sa, sb, sc = (shifted(wv.vector(w)) for w in ("w4", "w5", "w6"))
    ref = sb * sc / (sa + COSMUL_EPS)
    ref[[4, 5, 6]] = -np.inf
    got = wv.analogy("w4", "w5", "w6", topn=3, method="mul")
    order = np.argsort(-ref)[:3]
    assert [w for w, _ in got] == [f"w{i}" for i in order]
    np.testing.assert_allclose([s for _, s in got], ref[order], rtol=1e-5)


def test_analogy_excludes_query_words_unless_asked():
    # "a is to b as c is to ?" where the offset points straight back at c
    words = ["a", "b", "c", "d"]
    vecs = np.array([[1, 0, 0], [1, 0.01, 0], [0, 1, 0], [0.2, 0.9, 0.1]], dtype=np.float32)
    wv = WordVectors(words, vecs)
    excluded = wv.analogy("a", "b", "c", topn=4)
    assert [w for w, _ in excluded] == ["d"]
    included = wv.analogy("a", "b", "c", topn=4, exclude_query=False)
    assert included[0][0] == "c"
    assert {w for w, _ in included} == set(words)


def test_analogy_rejects_unknown_method(wv):
    with pytest.raises(InputError, match="method"):
        wv.analogy("w1", "w2", "w3", method="max")  # type: ignore[arg-type]


def test_neighbours_and_doesnt_match_match_gensim(wv, kv):
    assert [w for w, _ in wv.neighbours("w9", 5)] == [w for w, _ in kv.most_similar("w9", topn=5)]
    group = ["w1", "w2", "w3", "w4", "w5"]
    assert wv.doesnt_match(group) == kv.doesnt_match(group)
    with pytest.raises(InputError):
        wv.doesnt_match(["w1"])


def test_ties_go_to_the_more_frequent_word():
    wv = WordVectors(["q", "x", "y", "z"], np.array([[1, 0], [0, 1], [0, 1], [0, 1]], dtype=np.float32))
    assert [w for w, _ in wv.most_similar(np.array([0.0, 1.0], dtype=np.float32), topn=2)] == ["x", "y"]


def test_topn_zero_and_empty_query(wv):
    assert wv.most_similar("w1", topn=0) == []
    with pytest.raises(InputError):
        wv.most_similar()
