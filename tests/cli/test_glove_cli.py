"""``seq-explorer glove train``: a small run whose vectors the query commands read, and its errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.cli import main
from tests.cli.conftest import error_line


@pytest.fixture()
def corpus(tmp_path):
    rng = np.random.default_rng(0)
    a, b = [f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]
    paragraphs = []
    for _ in range(400):
        own, other = (a, b) if rng.random() < 0.5 else (b, a)
        words = list(rng.choice(own, 9)) + [str(rng.choice(other))]
        paragraphs.append(" ".join(words))
    path = tmp_path / "corpus.txt"
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def _train(corpus, out, *extra):
    return ["glove", "train", "--corpus", str(corpus), "--out", str(out), "--dim", "8", "--window", "4",
            "--min-count", "1", "--epochs", "20", "--batch-size", "64", "--device", "cpu", *extra]


def test_train_writes_word2vec_text_that_every_embeddings_option_reads(corpus, tmp_path, capsys):
    out = tmp_path / "glove"
    assert main(_train(corpus, out, "--json")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["reason"] == "completed" and summary["vocab_size"] == 12 and len(summary["epoch_losses"]) == 20
    assert (out / "vectors.txt").read_text().startswith("12 8\n")
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert records[0]["event"] == "EmbeddingsStarted" and records[-1]["event"] == "EmbeddingsFinished"
    assert {r["source"] for r in records} == {"glove"}
    for where in (out, out / "vectors.txt"):
        assert main(["neighbors", "a0", "--embeddings", str(where), "--topn", "3", "--json"]) == 0
        near = json.loads(capsys.readouterr().out)
        assert all(item["word"].startswith("a") for item in near)


def test_binary_format_and_progress_bar(corpus, tmp_path, capsys):
    out = tmp_path / "g"
    assert main(_train(corpus, out, "--format", "binary", "--epochs", "2")) == 0
    captured = capsys.readouterr()
    assert (out / "vectors.bin").is_file() and "epoch 2/2" in captured.err and "vectors of size 8" in captured.out


@pytest.mark.parametrize("flags, message", [
    (["--window", "1000000000"], "window must be at most 100"),
    (["--dim", "0"], "dim must be an integer >= 1, got 0"),
    (["--seed", "99999999999"], "seed must be in 0..4,294,967,295"),
    (["--eta", "-1"], "eta must be > 0"),
    (["--x-max", "lots"], "--x-max must be a number, got 'lots'"),
    (["--min-count", "100000"], "min_count=100000 removes every word"),
])
def test_bad_values_are_one_line_errors_and_nothing_is_written(corpus, tmp_path, capsys, flags, message):
    out = tmp_path / "x"
    assert message in error_line(capsys, _train(corpus, out, *flags))
    assert not out.exists()


def test_an_output_folder_that_cannot_be_made_fails_before_training(corpus, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "cannot write to --out" in error_line(capsys, _train(corpus, blocker / "run", "--epochs", "10000"))
