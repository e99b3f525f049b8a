"""The word-vector commands: analogy, neighbors, similarity, eval analogies, eval similarity.

Most cases use small vectors saved to a temporary directory (fast); a few use GloVe, the default.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.embeddings.evaluate import evaluate_analogies, evaluate_word_pairs
from engine.embeddings.io import save_vectors
from engine.embeddings.vectors import WordVectors
from explorer.cli import main

WORDS = ["man", "woman", "king", "queen", "prince", "princess", "boy", "girl", "apple", "car"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    rng = np.random.default_rng(5)
    gender = rng.normal(size=8)
    vecs = []
    for i in range(0, 8, 2):
        base = rng.normal(size=8)
        vecs += [base, base + gender + 0.1 * rng.normal(size=8)]
    vecs += [rng.normal(size=8), rng.normal(size=8)]
    wv = WordVectors(WORDS, np.array(vecs, dtype=np.float32), name="small")
    out = tmp_path_factory.mktemp("vec") / "small"
    save_vectors(wv, str(out))
    return wv, str(out)


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _error(capsys, argv, code=1):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_analogy_json_excludes_query_words(small, capsys):
    wv, path = small
    out = _json(capsys, ["analogy", "man", "woman", "king", "--embeddings", path, "--json", "--topn", "3"])
    assert [set(d) for d in out] == [{"word", "score"}] * 3
    assert out[0]["word"] == "queen"
    assert not {"man", "woman", "king"} & {d["word"] for d in out}
    ref = wv.analogy("man", "woman", "king", topn=3)
    assert [(d["word"], d["score"]) for d in out] == [(w, pytest.approx(s)) for w, s in ref]


def test_analogy_include_query_words_and_mul(small, capsys):
    wv, path = small
    out = _json(capsys, ["analogy", "man", "woman", "king", "--embeddings", path, "--json",
                         "--topn", "10", "--include-query-words"])
    assert {"man", "woman", "king"} <= {d["word"] for d in out}
    out = _json(capsys, ["analogy", "man", "woman", "king", "--embeddings", path, "--json", "--method", "mul"])
    assert out[0]["word"] == wv.analogy("man", "woman", "king", method="mul", topn=1)[0][0]


def test_human_output(small, capsys):
    _, path = small
    assert main(["analogy", "man", "woman", "king", "--embeddings", path, "--topn", "2"]) == 0
    out = capsys.readouterr().out
    assert "man is to woman as king is to ?" in out and "queen" in out
    assert main(["similarity", "man", "woman", "--embeddings", path]) == 0
    assert capsys.readouterr().out.startswith("cos(man, woman) = ")


def test_neighbors_and_similarity_json(small, capsys):
    wv, path = small
    out = _json(capsys, ["neighbors", "king", "--embeddings", path, "--json", "--topn", "4"])
    assert [d["word"] for d in out] == [w for w, _ in wv.neighbours("king", 4)]
    out = _json(capsys, ["similarity", "king", "queen", "--embeddings", path, "--json"])
    u, v = wv.vector("king"), wv.vector("queen")
    assert out == {"word1": "king", "word2": "queen",
                   "similarity": pytest.approx(float(u @ v / np.linalg.norm(u) / np.linalg.norm(v)), abs=1e-6)}


def test_eval_analogies_json(small, capsys, tmp_path):
    wv, path = small
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nman woman king queen\nboy girl prince princess\nman woman unknown queen\n"
                         ": gram-x\nking queen man woman\n")
    out = _json(capsys, ["eval", "analogies", "--embeddings", path, "--file", str(questions), "--json"])
    ref = evaluate_analogies(wv, str(questions), restrict_vocab=30000)
    assert out == ref.to_json()
    assert set(out) == {"total", "semantic", "syntactic", "sections", "evaluated", "skipped"}
    assert out["skipped"] == 1 and out["evaluated"] == 3
    assert out["sections"]["family"]["total"] == 2 and 0.0 <= out["total"] <= 1.0


def test_eval_analogies_human(small, capsys, tmp_path):
    _, path = small
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nman woman king queen\n")
    assert main(["eval", "analogies", "--embeddings", path, "--file", str(questions)]) == 0
    out = capsys.readouterr().out
    assert "family" in out and "1 evaluated, 0 skipped" in out


def test_eval_similarity_json(small, capsys, tmp_path):
    wv, path = small
    pairs = tmp_path / "p.tsv"
    pairs.write_text("# comment\nman\twoman\t8\nking\tqueen\t9\napple\tcar\t1\nboy\tnope\t3\nking\tapple\t2\n")
    out = _json(capsys, ["eval", "similarity", "--embeddings", path, "--file", str(pairs), "--json"])
    ref = evaluate_word_pairs(wv, str(pairs))
    assert out == {"spearman": pytest.approx(ref.spearman), "pearson": pytest.approx(ref.pearson),
                   "oov_ratio": pytest.approx(0.2), "pairs": 4}


def test_eval_similarity_bundled_on_glove(capsys):
    out = _json(capsys, ["eval", "similarity", "--file", "wordsim353", "--json"])
    assert out["pairs"] == 353 and out["oov_ratio"] == 0.0 and 0.45 < out["spearman"] < 0.55
    out = _json(capsys, ["eval", "similarity", "--file", "simlex999", "--json"])
    assert out["pairs"] == 998 and out["oov_ratio"] == pytest.approx(1 / 999)


def test_unknown_word_error_names_it_with_spellings(small, capsys):
    _, path = small
    err = _error(capsys, ["analogy", "man", "woman", "kinng", "--embeddings", path])
    assert "'kinng' is not in the vocabulary" in err and "king" in err
    err = _error(capsys, ["neighbors", "qeen", "--embeddings", path])
    assert "'qeen'" in err and "queen" in err
    err = _error(capsys, ["similarity", "man", "Woman", "--embeddings", path])
    assert "'Woman'" in err and "woman" in err


def test_bad_values_and_paths(small, capsys, tmp_path):
    _, path = small
    assert "--topn must be >= 1" in _error(capsys, ["analogy", "a", "b", "c", "--topn", "0", "--embeddings", path])
    assert "--topn must be >= 1" in _error(capsys, ["neighbors", "man", "--topn", "-1", "--embeddings", path])
    assert "--restrict-vocab must be >= 1" in _error(
        capsys, ["eval", "analogies", "--restrict-vocab", "0", "--embeddings", path])
    assert "no embeddings at" in _error(capsys, ["neighbors", "man", "--embeddings", str(tmp_path / "nowhere")])
    assert "holds no saved vectors" in _error(capsys, ["neighbors", "man", "--embeddings", str(tmp_path)])
    assert "cannot read analogy file" in _error(
        capsys, ["eval", "analogies", "--embeddings", path, "--file", str(tmp_path / "missing.txt")])
    bad = tmp_path / "bad.txt"
    bad.write_text("man woman king queen\n")
    assert "before any ': section' line" in _error(
        capsys, ["eval", "analogies", "--embeddings", path, "--file", str(bad)])
    assert "cannot read word-pair file" in _error(
        capsys, ["eval", "similarity", "--embeddings", path, "--file", str(tmp_path / "missing.tsv")])
    assert "no word pair" in _error(capsys, ["eval", "similarity", "--embeddings", path, "--file", str(bad)])
    garbage = tmp_path / "vectors.txt"
    garbage.write_text("2 3\nman 1 2\n")
    assert "line 2" in _error(capsys, ["neighbors", "man", "--embeddings", str(garbage)])


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["eval"])
    assert info.value.code == 2 and "eval analogies" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["analogy", "a", "b", "c", "--method", "max"])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        main(["analogy", "a", "b"])


def test_subprocess_glove_default():
    out = subprocess.run([sys.executable, "-m", "explorer", "analogy", "man", "woman", "king", "--json", "--topn", "1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"word": "queen", "score": pytest.approx(0.8524, abs=1e-4)}]
    out = subprocess.run([sys.executable, "-m", "explorer", "similarity", "ball", "crocodile", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert json.loads(out.stdout)["similarity"] == pytest.approx(0.2744, abs=5e-5)
    out = subprocess.run([sys.executable, "-m", "explorer", "neighbors", "qeeen"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip() == "seq-explorer: error: 'qeeen' is not in the vocabulary; did you mean queen, beeen, been?"


def test_a_rare_or_briefly_trained_word_gets_a_one_line_warning_not_an_error(tmp_path, capsys):
    """Issue 13: after a 1-epoch run, a rare word's neighbours were noise at cosine 0.99, silently."""
    from engine.embeddings.vectors import MIN_EXPOSURES

    rng = np.random.default_rng(0)
    counts = np.array([5000, 3000, 900, 60, 50, 40, 30, 20, 10, 5])
    wv = WordVectors(WORDS, rng.normal(size=(10, 8)).astype(np.float32), counts=counts, name="counted")
    out = tmp_path / "counted"
    save_vectors(wv, str(out))
    (out / "training.json").write_text(json.dumps({"settings": {"epochs": 5}, "epochs_done": 1.0}))
    for word, warned in (("man", False), ("boy", True)):  # 5000 × 1 vs 30 × 1
        assert main(["neighbors", word, "--embeddings", str(out), "--json"]) == 0
        captured = capsys.readouterr()
        assert json.loads(captured.out)  # the answer is still given
        lines = captured.err.strip().splitlines()
        assert (len(lines) == 1 and lines[0].startswith("seq-explorer: warning: 'boy' occurs only 30 times")
                and "over 1 epoch" in lines[0]) if warned else lines == []
    (out / "training.json").write_text(json.dumps({"settings": {"epochs": 10}, "epochs_done": 10.0}))
    assert main(["similarity", "boy", "man", "--embeddings", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err  # 30 × 10 epochs ≥ MIN_EXPOSURES
    assert 30 * 10 >= MIN_EXPOSURES > 30
    assert main(["analogy", "man", "woman", "boy", "--embeddings", str(out), "--json"]) == 0
    assert capsys.readouterr().err == ""


def test_embeddings_flag_is_described_alike_in_the_app_the_commands_and_the_readme():
    from explorer.cli import build_parser

    parser = build_parser()
    app_flag = next(a for a in parser._actions if "--embeddings" in a.option_strings)
    sub = next(a for a in parser._actions if a.dest == "command").choices["neighbors"]
    cmd_flag = next(a for a in sub._actions if "--embeddings" in a.option_strings)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert app_flag.metavar == cmd_flag.metavar == "glove|DIR|FILE"
    assert "`--embeddings glove|DIR|FILE`" in readme
