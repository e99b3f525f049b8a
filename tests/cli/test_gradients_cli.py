"""The gradients / agreement / exploding commands: JSON output and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from explorer.cli import main


def test_gradients_json(capsys):
    assert main(["gradients", "--cells", "rnn,lstm", "--distance", "8", "--hidden", "6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [m["cell"] for m in out["models"]] == ["rnn", "lstm"]
    assert [m["method"] for m in out["models"]] == ["bptt", "bptt"]
    assert len(out["models"][0]["layers"][0]["a"]) == 10  # Tx = d + 2
    assert out["models"][1]["layers"][0]["c"] is not None
    assert out["sentence"].split()[-1] == out["label"]


def test_agreement_json(capsys):
    assert main(["agreement", "--distance", "3", "--cells", "rnn,gru", "--steps", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {m["cell"] for m in out["models"]} == {"rnn", "gru"}
    assert all(0 <= m["accuracy"] <= 1 and m["parameters"] <= 3000 for m in out["models"])


def test_exploding_json(capsys):
    assert main(["exploding", "--steps", "8", "--json"]) == 0
    out = {m["mode"]: m for m in json.loads(capsys.readouterr().out)["modes"]}
    assert out["none"]["diverged_at"] is not None
    assert out["norm"]["diverged_at"] is None and len(out["norm"]["loss"]) == 8


@pytest.mark.parametrize(
    "argv, match",
    [(["gradients", "--cells", "rnn,tree"], "--cells"), (["gradients", "--distance", "0"], "distance"),
     (["agreement", "--steps", "0"], "steps"), (["exploding", "--modes", "sideways"], "clip mode"),
     (["exploding", "--clip-norm", "-1"], "clip_norm")],
)
def test_errors_are_one_line(capsys, argv, match):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("seq-explorer: error:") and match in err and err.count("\n") == 1


def test_subprocess_gradients_human_output():
    out = subprocess.run([sys.executable, "-m", "explorer", "gradients", "--cell", "rnn", "--distance", "4"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "rnn (bptt)" in out.stdout and "which" in out.stdout
