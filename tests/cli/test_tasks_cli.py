"""`seq-explorer task train | predict | eval | compare | curve | teddy`: JSON shapes and every error path."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from explorer.cli import main
from explorer.commands._output import json_safe as _clean
from tests.engine.tasks.conftest import conll_text, sentiment_lines
from tests.cli.conftest import error_line


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["--hidden", "8", "--epochs", "2", "--batch-size", "16", "--embeddings", "none", "--dropout", "0", "--device", "cpu",
        "--threads", "1", "--lr", "0.02"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    (root / "s.tsv").write_text("\n".join(sentiment_lines()) + "\n", encoding="utf-8")
    (root / "n.conll").write_text(conll_text(), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """One small checkpoint per task, trained once for the whole module."""
    root = tmp_path_factory.mktemp("runs")
    runs = {
        "sentiment": ["task", "train", "sentiment", "--data", str(data / "s.tsv"), *TINY],
        "ner": ["task", "train", "ner", "--data", str(data / "n.conll"), "--bidirectional", *TINY, "--epochs", "4"],
        "forward": ["task", "train", "ner", "--data", str(data / "n.conll"), *TINY],
        "dates": ["task", "train", "dates", "--n-dates", "300", *[a for a in TINY if a not in ("--embeddings", "none")]],
    }
    out = {}
    for name, argv in runs.items():
        out[name] = root / name
        assert main([*argv, "--out", str(out[name]), "--json"]) == 0
    return out


def test_train_json_summary(data, tmp_path, capsys):
    assert main(["task", "train", "sentiment", "--data", str(data / "s.tsv"), "--model", "average", *TINY,
                 "--out", str(tmp_path / "avg"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["task"] == "sentiment" and summary["reason"] == "completed" and summary["metric"] == "accuracy"
    assert [e["epoch"] for e in summary["epochs"]] == [1, 2] and set(summary["test"]) == {"accuracy"}
    assert summary["checkpoint"] == str(tmp_path / "avg")


def test_train_with_progress(data, tmp_path, capsys):
    assert main(["task", "train", "sentiment", "--data", str(data / "s.tsv"), *TINY, "--out", str(tmp_path / "r")]) == 0
    captured = capsys.readouterr()
    assert "epoch 2:" in captured.err and "accuracy" in captured.err and "tok/s" in captured.err
    assert captured.out.startswith("completed: test accuracy")


def test_predict_and_eval_sentiment(trained, capsys):
    assert main(["task", "predict", str(trained["sentiment"]), "the film was not good", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["label"] in ("negative", "positive") and sum(out["probabilities"].values()) == pytest.approx(1.0)
    assert out["tokens"] == ["the", "film", "was", "not", "good"] and len(out["prefix_positive"]) == 5
    assert out["prefix_positive"][-1] == pytest.approx(out["probabilities"]["positive"], abs=1e-6)
    assert main(["task", "predict", str(trained["sentiment"]), "the film was not good"]) == 0
    assert "P(positive) as each word is read" in capsys.readouterr().out
    assert main(["task", "eval", str(trained["sentiment"]), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"accuracy"}


def test_predict_and_eval_ner(trained, capsys):
    assert main(["task", "predict", str(trained["ner"]), "i met Anna Smith in Oslo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [t["token"] for t in out["tokens"]] == ["i", "met", "Anna", "Smith", "in", "Oslo"]
    assert all(set(t) == {"token", "tag", "probability"} for t in out["tokens"])
    assert all(set(e) == {"text", "type", "start", "end"} for e in out["entities"])
    assert main(["task", "eval", str(trained["ner"]), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert set(scores) == {"f1", "precision", "recall"} and all(0 <= v <= 1 for v in scores.values())


def test_predict_and_eval_dates(trained, capsys):
    assert main(["task", "predict", str(trained["dates"]), "25th of March 2026", "--beam", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"task", "output", "log_probability", "candidates"} and len(out["candidates"]) == 2
    assert main(["task", "predict", str(trained["dates"]), "3/25/26"]) == 0
    assert "beam search, width 3" in capsys.readouterr().out
    assert main(["task", "eval", str(trained["dates"]), "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"exact_match"}


def test_teddy(trained, capsys):
    sentences = ["Anna Smith met Boris in Paris", "Anna in Lima today"]
    assert main(["task", "teddy", str(trained["forward"]), "--sentences", *sentences, "--word", "Anna", "--json"]) == 0
    fwd = json.loads(capsys.readouterr().out)
    assert fwd["bidirectional"] is False and fwd["max_difference"] == 0.0 and fwd["word"] == "Anna"
    assert fwd["sentences"][0]["word_distribution"] == fwd["sentences"][1]["word_distribution"]
    assert main(["task", "teddy", str(trained["ner"]), "--sentences", *sentences, "--word", "Anna"]) == 0
    assert "bidirectional tagger" in capsys.readouterr().out


def test_compare_json(data, capsys):
    assert main(["task", "compare", "sentiment", "--data", str(data / "s.tsv"), *TINY, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"accuracy_average", "accuracy_rnn", "disagreements", "negations", "negation_accuracy_rnn"} <= set(out)
    assert len(out["negations"]) == 20


def test_curve_json(data, tmp_path, capsys):
    from engine.embeddings.io import save_vectors
    from engine.embeddings.vectors import WordVectors

    words = ["good", "bad", "film"]
    save_vectors(WordVectors(words, np.eye(3, 8, dtype=np.float32)), str(tmp_path / "vec"))
    argv = ["task", "curve", "sentiment", "--data", str(data / "s.tsv"), "--hidden", "8", "--batch-size", "16",
            "--device", "cpu", "--threads", "1", "--embeddings", str(tmp_path / "vec"), "--epochs", "1",
            "--sizes", "30,all", "--min-steps", "4", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(p["size"], p["init"]) for p in out["points"]] == [(30, "vec"), (30, "random"), (192, "vec"), (192, "random")]


def test_json_never_holds_nan():
    assert _clean({"a": float("nan"), "b": [1.0, float("inf")], "c": (0.5,)}) == {"a": None, "b": [1.0, None], "c": [0.5]}
    json.dumps(_clean({"x": math.nan}), allow_nan=False)


def test_bad_inputs_are_one_line_errors(trained, data, capsys, tmp_path):
    assert "task must be one of sentiment, ner, dates" in error_line(capsys, ["task", "train", "poetry"])
    assert "text is empty" in error_line(capsys, ["task", "predict", str(trained["sentiment"]), "  "])
    assert "none of the words" in error_line(capsys, ["task", "predict", str(trained["sentiment"]), "zzyzx qwfp"])
    assert "none of the words" in error_line(capsys, ["task", "predict", str(trained["ner"]), "zzyzx qwfp"])
    assert "not a 'task.ner'" in error_line(capsys, ["task", "teddy", str(trained["sentiment"])])
    assert "not a task model" in error_line(capsys, ["task", "predict", "assets/checkpoints/dinos-lstm", "hi"])
    assert "not found" in error_line(capsys, ["task", "eval", str(tmp_path / "missing")])
    assert "--hidden must be an integer" in error_line(capsys, ["task", "train", "sentiment", "--hidden", "big"])
    assert "word embeddings do not apply" in error_line(capsys, ["task", "train", "dates", "--embeddings", "glove"])
    assert "compare works on the sentiment task" in error_line(capsys, ["task", "compare", "ner"])
    assert "--sizes must be" in error_line(capsys, ["task", "curve", "sentiment", "--sizes", "10,x"])
    assert "--split must be" in error_line(capsys, ["task", "eval", str(trained["dates"]), "--split", "train"])
    assert "cell must be one of" in error_line(capsys, ["task", "train", "ner", "--cell", "transformer"])


def test_ctrl_c_saves_the_kept_weights_and_exits_130(data, tmp_path):
    big = tmp_path / "big.tsv"
    big.write_text("\n".join(sentiment_lines(2000)) + "\n", encoding="utf-8")
    out = tmp_path / "stopped"
    env = dict(os.environ, PYTHONPATH=ROOT)
    argv = ["task", "train", "sentiment", "--data", str(big), *TINY, "--epochs", "500", "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "explorer", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)
    deadline = time.time() + 90
    for line in proc.stderr:  # wait until an epoch is done (the handler is installed by then)
        if line.startswith("epoch 1:") or time.time() > deadline:
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stdout.startswith("stopped: no test score")
    from engine.tasks.io import load_task

    assert load_task(out).task == "sentiment"


TASK_SIZE_FLAGS = ["--hidden", "--layers", "--epochs", "--batch-size", "--train-size", "--pretrained-vocab",
                   "--min-count", "--n-dates", "--seed", "--split-seed", "--threads"]
NPLM_SIZE_FLAGS = ["--context", "--dim", "--hidden", "--epochs", "--max-words", "--max-vocab", "--min-count",
                   "--batch-size", "--seed", "--threads"]


ABSURD = ["-1", "abc", "1e400", str(10**12)]
COUNTS = ("--train-size", "--min-count", "--max-words")  # 10^12 of them is a valid setting: all of them
FLAG_CASES = [(command, flag, value)
              for command, flags in (("task", TASK_SIZE_FLAGS + ["--lr", "--dropout"]), ("nplm", NPLM_SIZE_FLAGS + ["--lr"]))
              for flag in flags for value in ABSURD if not (value == ABSURD[-1] and flag in COUNTS)]


@pytest.mark.parametrize("command, flag, value", FLAG_CASES)
def test_every_numeric_flag_refuses_absurd_values_in_one_line(command, flag, value, capsys, tmp_path):
    """No value of a numeric flag ends in 'internal error' (an allocator's refusal, a traceback)."""
    argv = ([command, "train"] + (["dates"] if command == "task" else [])
            + [flag, value, "--out", str(tmp_path / "out"), "--device", "cpu"])
    err = error_line(capsys, argv)
    assert "internal error" not in err
