"""Evaluation semantics equal gensim's (KeyedVectors.evaluate_word_analogies / evaluate_word_pairs).

A shared small fixture exercises the corners: sections (semantic and 'gram' syntactic), questions
with unknown words (skipped), lines that are not four words (ignored), restrict_vocab, a word
written in several cases (the first spelling stands for all), and gensim's top-5 quirk (when the
5 best candidates are all other spellings of a query word, gensim's answer is the fifth).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.embeddings.evaluate import (
    AnalogyResult,
    evaluate_analogies,
    evaluate_word_pairs,
    iter_evaluate_analogies,
    read_analogies,
)
from engine.embeddings.events import AnalogyEvaluated, EvalProgress
from engine.embeddings.vectors import WordVectors
from engine.errors import InputError

DATA = "/work/shared/data/word_similarity"


def _fixture_vectors() -> WordVectors:
    rng = np.random.default_rng(7)
    d = 12
    words, vecs = [], []
    gender = rng.normal(size=d)
    plural = rng.normal(size=d)
    for i in range(8):  # man/woman-like pairs: b = a + gender + noise
        base = rng.normal(size=d)
        words += [f"m{i}", f"f{i}"]
        vecs += [base, base + gender + 0.3 * rng.normal(size=d)]
    for i in range(8):  # singular/plural pairs for a 'gram' section
        base = rng.normal(size=d)
        words += [f"s{i}", f"s{i}s"]
        vecs += [base, base + plural + 0.6 * rng.normal(size=d)]
    # "Cat" comes first, so it stands for every spelling of CAT; seven more spellings sit next to it
    cat = rng.normal(size=d)
    words.insert(3, "Cat")
    vecs.insert(3, cat)
    for spelling in ["cat", "cAt", "caT", "CAt", "CaT", "cAT", "CAT"]:
        words.append(spelling)
        vecs.append(cat + 0.01 * rng.normal(size=d))
    words += ["dog", "Dog"]
    vecs += [rng.normal(size=d), cat + 0.3 * rng.normal(size=d)]
    for i in range(30):  # distractors, and rare words beyond restrict_vocab
        words.append(f"z{i}")
        vecs.append(rng.normal(size=d))
    return WordVectors(words, np.array(vecs, dtype=np.float32), name="fixture")


ANALOGIES = """: family
m0 f0 m1 f1
m0 f0 m2 f2
M1 F1 m3 F3
m2 f2 m0 f0
m3 f3 m4 f4
m4 f4 m5 f5
m5 f5 m6 f6
m6 f6 m7 f7
m7 f7 m0 f0
m1 f1 z29 f0
this line has five words
m0 f0 cat dog
m0 f0 CAT dog
m1 f1 Cat DOG

: gram-plural
s0 s0s s1 s1s
s1 s1s s2 s2s
s2 s2s s3 s3s
s3 s3s s4 s4s
s4 s4s s5 s5s
s5 s5s s6 s6s
s6 s6s s7 s7s
s7 s7s s0 s0s
s0 s0s unknownword s1s
: family
m1 f1 m2 f2
"""

PAIRS = """# a comment line
# word1\tword2\tscore
m0\tf0\t8.5
M1\tF1\t8.5
m2\ts2\t1.0
cat\tdog\t7.0
s3\ts3s\t9.0
s4\tz2\t2.0
s5\tnope\t3.0
broken line without tabs
m6\tf6\tnot-a-number
z1\tz2\t2.0
z3\tz4\t0.5
z28\tz29\t1.5
"""


@pytest.fixture(scope="module")
def wv():
    return _fixture_vectors()


@pytest.fixture(scope="module")
def kv(wv):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(wv.dim)
    kv.add_vectors(list(wv.words), np.array(wv.vectors))
    return kv


@pytest.fixture()
def analogy_file(tmp_path):
    path = tmp_path / "analogies.txt"
    path.write_text(ANALOGIES)
    return str(path)


@pytest.fixture()
def pairs_file(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS)
    return str(path)


def _gensim_verdicts(sections):
    out = {}
    for s in sections[:-1]:
        for q in s["correct"]:
            out.setdefault((s["section"],) + q, []).append(True)
        for q in s["incorrect"]:
            out.setdefault((s["section"],) + q, []).append(False)
    return out


def _ours(result: AnalogyResult):
    out = {}
    for v in result.verdicts:
        out.setdefault((v.section, v.a, v.b, v.c, v.expected), []).append(v.correct)
    return out


@pytest.mark.parametrize("restrict_vocab", [300_000, 60, 30])
@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogy_verdicts_equal_gensim(wv, kv, analogy_file, restrict_vocab, case_insensitive):
    ours = evaluate_analogies(wv, analogy_file, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    score, sections = kv.evaluate_word_analogies(
        analogy_file, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive
    )
    assert _ours(ours) == _gensim_verdicts(sections)
    assert ours.total == pytest.approx(score)
    gensim_sections: dict[str, list[int]] = {}
    for s in sections[:-1]:
        acc = gensim_sections.setdefault(s["section"], [0, 0])
        acc[0] += len(s["correct"])
        acc[1] += len(s["correct"]) + len(s["incorrect"])
    assert {k: tuple(v) for k, v in gensim_sections.items()} == dict(ours.sections)
    assert ours.evaluated == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])


def test_analogy_counts_and_split(wv, analogy_file):
    r = evaluate_analogies(wv, analogy_file)
    # 13 family questions (1 with z29 kept, invalid line ignored) + 9 gram, one with an unknown word
    assert r.skipped == 1
    assert r.evaluated == 13 + 1 + 8
    fam_c, fam_t = r.sections["family"]
    gram_c, gram_t = r.sections["gram-plural"]
    assert (fam_t, gram_t) == (14, 8)
    assert r.semantic == pytest.approx(fam_c / fam_t)
    assert r.syntactic == pytest.approx(gram_c / gram_t)
    assert r.total == pytest.approx((fam_c + gram_c) / 22)
    assert r.to_json()["sections"]["family"] == {"correct": fam_c, "total": fam_t}


def test_the_top5_quirk_is_reproduced(wv, kv, tmp_path):
    # c = CAT: its seven other spellings outrank Dog (the best other word), so gensim's 5 best
    # candidates are all spellings of a query word and its answer is the fifth: wrong
    path = tmp_path / "quirk.txt"
    path.write_text(": s\nm0 f0 cat Dog\n")
    assert wv.analogy("m0", "f0", "Cat", topn=8)[7][0] == "Dog"
    score, _ = kv.evaluate_word_analogies(str(path))
    r = evaluate_analogies(wv, str(path))
    assert score == 0.0 and r.total == 0.0
    assert r.verdicts[0].predicted == "CAT"  # upper-cased spelling of a query word


def test_restrict_vocab_skips_rare_words(wv, analogy_file):
    r = evaluate_analogies(wv, analogy_file, restrict_vocab=40)
    assert r.skipped > 1
    with pytest.raises(InputError, match="restrict_vocab"):
        evaluate_analogies(wv, analogy_file, restrict_vocab=0)


def test_question_before_section_is_an_error(wv, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("m0 f0 m1 f1\n")
    with pytest.raises(InputError, match="section"):
        evaluate_analogies(wv, str(path))
    with pytest.raises(InputError, match="cannot read"):
        evaluate_analogies(wv, str(tmp_path / "missing.txt"))


def test_progress_events_and_stop(wv, analogy_file, monkeypatch):
    import engine.embeddings.evaluate as ev

    monkeypatch.setattr(ev, "_QUESTION_BATCH", 5)
    events = list(iter_evaluate_analogies(wv, analogy_file))
    progress = [e for e in events if isinstance(e, EvalProgress)]
    assert isinstance(events[-1], AnalogyEvaluated) and len(progress) == 5
    assert [p.done for p in progress] == [5, 10, 15, 20, 22] and all(p.total == 22 for p in progress)
    assert progress[0].section == "family" and progress[2].section == "gram-plural"
    assert events[-1].result.total == evaluate_analogies(wv, analogy_file).total

    stop = threading.Event()
    gen = iter_evaluate_analogies(wv, analogy_file, stop=stop)
    first = next(gen)
    assert isinstance(first, EvalProgress)
    stop.set()
    rest = list(gen)
    assert len(rest) == 1 and rest[0].result.stopped and rest[0].result.evaluated == 5


def test_read_analogies_sections():
    sections = read_analogies(f"{DATA}/questions-words.txt")
    assert len(sections) == 14
    assert sum(len(q) for _, q in sections) == 19544
    assert sum(len(q) for n, q in sections if n.startswith("gram")) == 10675


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_word_pairs_equal_gensim(wv, kv, pairs_file, case_insensitive):
    ours = evaluate_word_pairs(wv, pairs_file, case_insensitive=case_insensitive)
    pearson, spearman, oov = kv.evaluate_word_pairs(pairs_file, case_insensitive=case_insensitive)
    assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
    assert ours.spearman == pytest.approx(spearman[0], abs=1e-6)
    assert ours.oov_ratio == pytest.approx(oov / 100)  # gensim reports percent
    pearson, spearman, oov = kv.evaluate_word_pairs(pairs_file, case_insensitive=case_insensitive)


def test_word_pairs_counts(wv, pairs_file):
    r = evaluate_word_pairs(wv, pairs_file)
    assert r.pairs == 9 and r.oov_ratio == pytest.approx(1 / 10)
    r = evaluate_word_pairs(wv, pairs_file, case_insensitive=False)
    assert r.pairs == 8 and r.oov_ratio == pytest.approx(2 / 10)


def test_word_pairs_errors(wv, tmp_path):
    path = tmp_path / "none.tsv"
    path.write_text("# only a comment\nnope\tnada\t1\n")
    with pytest.raises(InputError, match="no word pair"):
        evaluate_word_pairs(wv, str(path))
    with pytest.raises(InputError, match="cannot read"):
        evaluate_word_pairs(wv, str(tmp_path / "missing.tsv"))


@pytest.fixture(scope="module")
def glove_head():
    """The 30,000 most frequent GloVe words (all that restrict_vocab=30000 looks at)."""
    from engine.embeddings.glove import load_glove

    g = load_glove()
    return WordVectors(g.words[:30_000], np.array(g.vectors[:30_000]), name="glove-30k")


def test_glove_sample_verdicts_equal_gensim(glove_head, tmp_path):
    from gensim.models import KeyedVectors

    sample = []
    for name, questions in read_analogies(f"{DATA}/questions-words.txt", case_insensitive=False):
        sample.append(f": {name}")
        sample += [" ".join(q) for q in questions[::40]]
    path = tmp_path / "sample.txt"
    path.write_text("\n".join(sample) + "\n")
    kv = KeyedVectors(50)
    kv.add_vectors(list(glove_head.words), np.array(glove_head.vectors))
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=30_000)
    ours = evaluate_analogies(glove_head, str(path), restrict_vocab=30_000)
    assert _ours(ours) == _gensim_verdicts(sections)
    assert ours.total == pytest.approx(score) and ours.evaluated > 300


def test_glove_word_pairs_equal_gensim(glove_head):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(50)
    kv.add_vectors(list(glove_head.words), np.array(glove_head.vectors))
    for name in ("wordsim353.tsv", "simlex999.txt"):
        ours = evaluate_word_pairs(glove_head, f"{DATA}/{name}")
        pearson, spearman, oov = kv.evaluate_word_pairs(f"{DATA}/{name}")
        assert ours.spearman == pytest.approx(spearman[0], abs=1e-6)
        assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
        assert ours.oov_ratio == pytest.approx(oov / 100)


def test_tile_pruning_over_many_chunks_equals_gensim(monkeypatch, tmp_path):
    """Tiny tiles and chunks, so pruning and the chunk-by-chunk merge really run, against gensim."""
    import engine.embeddings.analogy_search as search
    from gensim.models import KeyedVectors

    monkeypatch.setattr(search, "TILE", 4)
    monkeypatch.setattr(search, "CHUNK", 16)
    monkeypatch.setattr(search, "FIRST_CHUNK", 8)
    rng = np.random.default_rng(21)
    d, v = 10, 203
    offset = rng.normal(size=d)
    vecs = rng.normal(size=(v, d))
    for i in range(0, 60, 2):  # planted pairs, spread over the whole vocabulary
        vecs[i + 1] = vecs[i] + offset + 0.5 * rng.normal(size=d)
    vecs[150] = vecs[151]  # an exact tie between two rows
    words = [f"w{i}" for i in range(v)]
    wv = WordVectors(words, vecs.astype(np.float32))
    lines = [": planted"]
    for i in range(0, 60, 2):
        for j in range(0, 60, 6):
            if i != j:
                lines.append(f"w{i} w{i + 1} w{j} w{j + 1}")
    lines.append(": gram-random")
    for _ in range(150):
        lines.append(" ".join(f"w{k}" for k in rng.integers(0, v, size=4)))
    path = tmp_path / "many.txt"
    path.write_text("\n".join(lines) + "\n")
    kv = KeyedVectors(d)
    kv.add_vectors(words, vecs.astype(np.float32))
    for restrict in (203, 100, 37):
        ours = evaluate_analogies(wv, str(path), restrict_vocab=restrict)
        score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict)
        assert _ours(ours) == _gensim_verdicts(sections)
        assert ours.total == pytest.approx(score)
    events = list(iter_evaluate_analogies(wv, str(path)))
    done = [e.done for e in events if isinstance(e, EvalProgress)]
    # chunks: rows 0–8, then 16 rows at a time up to 203
    assert len(done) == 14 and done == sorted(done) and done[-1] == events[-1].result.evaluated
