"""`seq-explorer nplm train | predict | neighbours`: the saved model predicts, its E answers queries, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.cli import main
from tests.cli.conftest import error_line


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("nplm")
    rng = np.random.default_rng(0)
    paragraphs = []
    for _ in range(150):
        fruit = rng.choice(["orange", "apple", "lemon"])
        paragraphs.append(f"i want a glass of {fruit} juice")
        paragraphs.append(f"the dog ate my {rng.choice(['homework', 'shoe'])}")
    corpus = root / "corpus.txt"
    corpus.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    out = root / "run"
    argv = ["nplm", "train", "--corpus", str(corpus), "--context", "3", "--dim", "8", "--hidden", "16", "--epochs", "6",
            "--min-count", "1", "--batch-size", "64", "--lr", "0.05", "--seed", "0", "--device", "cpu", "--threads", "1",
            "--out", str(out), "--json"]
    assert main(argv) == 0
    return out


def test_train_predict_and_neighbours(trained, capsys):
    capsys.readouterr()
    assert main(["nplm", "predict", str(trained), "I want a glass of orange", "--top", "3", "--json"]) == 0
    top = json.loads(capsys.readouterr().out)
    assert top[0]["word"] == "juice" and len(top) == 3 and top[0]["probability"] > 0.5
    assert main(["nplm", "predict", str(trained), "a glass of lemon"]) == 0
    assert "juice" in capsys.readouterr().out
    assert main(["nplm", "neighbours", str(trained), "orange", "--top", "4", "--json"]) == 0
    near = [n["word"] for n in json.loads(capsys.readouterr().out)]
    assert "orange" not in near and len(near) == 4
    # the directory is also a vectors directory: the query commands and the tasks read E from it
    assert main(["neighbors", "apple", "--embeddings", str(trained), "--topn", "2", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_errors(trained, tmp_path, capsys):
    assert "'mango' is not in the vocabulary" in error_line(capsys, ["nplm", "predict", str(trained), "a glass of mango"])
    assert "text is empty" in error_line(capsys, ["nplm", "predict", str(trained), " ... "])
    assert "--context must be an integer" in error_line(capsys, ["nplm", "train", "--context", "0"])
    assert "device must be" in error_line(capsys, ["nplm", "train", "--device", "tpu"])
    assert "holds a 'language-model' model, not a 'nplm'" in error_line(
        capsys, ["nplm", "predict", "assets/checkpoints/dinos-lstm", "hello"])
    assert "not found" in error_line(capsys, ["nplm", "neighbours", str(tmp_path / "nothing"), "x"])


def test_a_run_refused_after_reading_the_corpus_is_one_line_too(trained, tmp_path, capsys):
    """With the progress display on (no --json): nothing but the error line, no blank line before it."""
    argv = ["nplm", "train", "--corpus", str(trained.parent / "corpus.txt"), "--min-count", "100000",
            "--device", "cpu", "--out", str(tmp_path / "none")]
    assert "min_count" in error_line(capsys, argv)
