"""``seq-explorer word2vec train``: a small run end to end, its files, and every error path (one line, exit != 0)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from explorer.cli import main
from tests.cli.conftest import error_line

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def corpus(tmp_path):
    rng = np.random.default_rng(0)
    a = [f"a{i}" for i in range(6)]
    b = [f"b{i}" for i in range(6)]
    paragraphs = [" ".join(rng.choice(a if rng.random() < 0.5 else b, 10)) for _ in range(600)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def _train(corpus, out, *extra):
    return ["word2vec", "train", "--corpus", str(corpus), "--out", str(out), "--dim", "10", "--window", "3",
            "--min-count", "1", "--sample", "0", "--epochs", "2", "--workers", "1", *extra]


def test_train_json_writes_vectors_that_the_query_commands_read(corpus, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_train(corpus, out, "--json", "--format", "text")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["reason"] == "completed" and summary["vocab_size"] == 12 and len(summary["epoch_losses"]) == 2
    assert (out / "vectors.safetensors").is_file() and (out / "vocab.json").is_file()
    assert (out / "vectors.txt").read_text().startswith("12 10\n")
    settings = json.loads((out / "training.json").read_text())["settings"]
    assert settings["model"] == "skipgram" and settings["dim"] == 10
    assert main(["neighbors", "a0", "--embeddings", str(out), "--topn", "3", "--json"]) == 0
    near = json.loads(capsys.readouterr().out)
    assert all(item["word"].startswith("a") for item in near)


def test_train_with_progress_bar_cbow_hierarchical(corpus, tmp_path, capsys):
    out = tmp_path / "cbow"
    assert main(_train(corpus, out, "--model", "cbow", "--loss", "hierarchical", "--watch", "a0")) == 0
    captured = capsys.readouterr()
    assert "vectors of size 10" in captured.out
    assert "epoch 2/2" in captured.err and "words/s" in captured.err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--model", "sg"], "model must be one of skipgram, cbow, got 'sg'"),
        (["--loss", "nce"], "loss must be one of negative, hierarchical, softmax"),
        (["--dim", "0"], "dim must be an integer >= 1, got 0"),
        (["--seed", "-1"], "seed must be in 0..4,294,967,295, got -1"),
        (["--epochs", "1.5"], "--epochs must be an integer, got '1.5'"),
        (["--sample", "lots"], "--sample must be a number, got 'lots'"),
        (["--device", "tpu"], "device must be auto, cpu or cuda"),
        (["--format", "xml"], "--format must be none, text or binary"),
        (["--min-count", "100000"], "min_count=100000 removes every word"),
    ],
)
def test_bad_values_are_one_line_errors(corpus, tmp_path, capsys, flags, message):
    assert message in error_line(capsys, _train(corpus, tmp_path / "x", *flags))


def test_bad_corpus_files(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(("word " * 50 + "café\n").encode("latin-1"))
    for path, message in [(tmp_path / "missing.txt", "does not exist"), (empty, "is empty"), (latin, "not UTF-8"),
                          (tmp_path, "is not a file")]:
        assert message in error_line(capsys, ["word2vec", "train", "--corpus", str(path), "--out", str(tmp_path / "o")])


def test_out_is_a_file(corpus, tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(_train(corpus, target)) == 1
    assert "is a file" in capsys.readouterr().err


def test_unknown_flag_and_missing_subcommand_exit_nonzero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["word2vec", "train", "--bogus"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["word2vec"])
    assert exc.value.code == 2


def test_subprocess_help_and_error():
    env = dict(os.environ, PYTHONPATH=ROOT)
    run = subprocess.run([sys.executable, "-m", "explorer", "word2vec", "train", "--help"], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=120)
    assert run.returncode == 0 and "--negative" in run.stdout and "hierarchical" in run.stdout
    run = subprocess.run([sys.executable, "-m", "explorer", "word2vec", "train", "--window", "-2"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert run.returncode == 1 and run.stderr.strip() == "seq-explorer: error: window must be an integer >= 1, got -2"


def test_ctrl_c_saves_what_exists_and_exits_130(corpus, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text((corpus.read_text() + "\n\n") * 4)
    out = tmp_path / "stopped"
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "explorer", *_train(big, out, "--epochs", "500")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    deadline = time.time() + 90
    for line in proc.stderr:  # wait until training has started (the handler is installed by then)
        if "epoch 1/500" in line or time.time() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "stopped early" in stdout
    summary = json.loads((out / "training.json").read_text())
    assert summary["reason"] == "stopped" and 0 < summary["words_done"] < 500 * 24000
    assert (out / "vectors.safetensors").is_file()


def test_an_output_folder_that_cannot_be_made_fails_before_training(corpus, tmp_path, capsys):
    """Issue 12: an unwritable --out used to train fully, then die with a library error."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "cannot write to --out" in error_line(capsys, _train(corpus, blocker / "run", "--epochs", "10000"))


@pytest.mark.parametrize("flags, message", [
    (["--window", "1000000000"], "window must be at most 100, got 1,000,000,000"),  # issue 12: it hung
    (["--negatives", "some"], "negatives must be one of shared, per-pair, got 'some'"),
    (["--dim", "100000"], "dim must be at most 10,000"),
])
def test_sizes_are_capped(corpus, tmp_path, capsys, flags, message):
    assert message in error_line(capsys, _train(corpus, tmp_path / "x", *flags))
    assert not (tmp_path / "x").exists()


def test_a_one_word_vocabulary_and_a_diverging_run_write_nothing(tmp_path, capsys):
    one = tmp_path / "one.txt"
    one.write_text("solo solo solo\n\nsolo solo other\n")
    out = tmp_path / "one"
    assert main(["word2vec", "train", "--corpus", str(one), "--out", str(out), "--min-count", "3"]) == 1
    err = capsys.readouterr().err
    assert "the vocabulary has a single word ('solo')" in err and "lower min_count" in err
    assert not out.exists()
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("\n".join("king queen prince crown paris rome street tram" for _ in range(300)) + "\n")
    out = tmp_path / "nan"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert main(["word2vec", "train", "--corpus", str(tiny), "--out", str(out), "--min-count", "1",
                     "--alpha", "1e8", "--dim", "8", "--workers", "1", "--json"]) == 1
    err = capsys.readouterr().err
    assert "word2vec diverged" in err and "lower alpha" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_per_pair_negatives_from_the_command_line(corpus, tmp_path, capsys):
    out = tmp_path / "pp"
    assert main(_train(corpus, out, "--negatives", "per-pair", "--json")) == 0
    assert "K=5 (per-pair)" in json.loads(capsys.readouterr().out)["description"]
    assert json.loads((out / "training.json").read_text())["settings"]["negatives"] == "per-pair"
