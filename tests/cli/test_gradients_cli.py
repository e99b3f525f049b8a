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


def test_agreement_defaults_are_the_configs():
    """`seq-explorer agreement` with no flag runs AgreementTrainConfig's defaults (the app's race too)."""
    from engine.gradients.configs import AgreementTrainConfig
    from explorer.cli import build_parser

    args = build_parser().parse_args(["agreement"])
    config = AgreementTrainConfig()
    assert (args.distance, args.steps, args.budget, args.gate_bias, args.attractors, args.seed) == (
        config.distance, config.steps, config.budget, config.gate_bias, config.attractors, config.seed)
    assert tuple(args.cells.split(",")) == config.cells
    assert config.distance == 40  # where the basic RNN stays at chance (bench/README.md)


def test_agreement_gate_bias_and_attractors_flags(capsys):
    assert main(["agreement", "--distance", "3", "--cells", "lstm", "--steps", "2", "--gate-bias", "0",
                 "--attractors", "0.5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gate_bias"] == 0.0 and out["attractors"] == 0.5
    assert main(["agreement", "--gate-bias", "30"]) == 1
    assert "--gate-bias must be in [-20, 20], got 30.0" in capsys.readouterr().err


def test_exploding_json(capsys):
    assert main(["exploding", "--steps", "8", "--json"]) == 0
    out = {m["mode"]: m for m in json.loads(capsys.readouterr().out)["modes"]}
    assert out["none"]["diverged_at"] is not None
    assert out["norm"]["diverged_at"] is None and len(out["norm"]["loss"]) == 8


@pytest.mark.parametrize(
    "argv, match",
    [(["gradients", "--cells", "rnn,tree"], "--cells"), (["gradients", "--distance", "0"], "distance"),
     (["agreement", "--steps", "0"], "--steps must be"), (["exploding", "--modes", "sideways"], "clip mode"),
     (["exploding", "--clip-norm", "-1"], "--clip-norm must be"),
     (["gradients", "--cells", "gru", "--method", "bptt"], "autograd"),
     (["agreement", "--budget", "10"], "too small")],
)
def test_errors_are_one_line(capsys, argv, match):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("seq-explorer: error:") and match in err and err.count("\n") == 1


def test_exploding_json_is_only_json(capsys):
    assert main(["exploding", "--steps", "3", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and len(captured.out.splitlines()) == 1  # no progress bar, no chart
    json.loads(captured.out)


def test_log_panels_place_powers_of_ten():
    from explorer.commands._log_chart import log_panels

    lines = [t.plain for t in log_panels("‖g‖", {"a": [1.0, 1e8], "b": [1.0, 10.0, float("nan"), 0.0]},
                                         {}, notes={"a": "✗ diverged"}, rows=4)]
    a, b = lines[1:5], lines[5:9]
    assert "1e+08 ┤" in a[0] and "1e+00 ┤" in a[3] and "✗ diverged" in a[3]  # top and bottom decades
    plot = [line.split("┤" if "┤" in line else "│", 1)[1] for line in b]
    assert plot[0].strip() == plot[1].strip() == plot[2].strip() == ""  # 1 and 10 sit in the bottom row
    assert plot[3].strip() and all(0x2800 < ord(c) <= 0x28FF for c in plot[3].strip())
    assert a[0].split("┤", 1)[1].strip()  # 1e8 reaches a's top row
    assert lines[-1].strip().startswith("step 1") and lines[-1].strip().endswith("4")


def test_exploding_and_agreement_human_output(capsys):
    assert main(["exploding", "--steps", "5"]) == 0
    out = capsys.readouterr().out
    assert "no clipping" in out and "diverged at step" in out and "final loss" in out
    assert "log scale" in out and "1e+" in out and "┤" in out  # the chart of ‖g‖, with its powers of ten
    assert main(["agreement", "--distance", "2", "--cells", "lstm", "--steps", "2"]) == 0
    assert "lstm" in capsys.readouterr().out


def test_subprocess_gradients_human_output():
    out = subprocess.run([sys.executable, "-m", "explorer", "gradients", "--cell", "rnn", "--distance", "4"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "rnn (bptt)" in out.stdout and "which" in out.stdout


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory) -> str:
    import torch

    from engine.lm import LanguageModel, ModelConfig, save_language_model
    from engine.text import Vocab

    torch.manual_seed(0)
    vocab = Vocab(list("abcdefghijklmnopqrstuvwxyz"), "char")
    model = LanguageModel(vocab, ModelConfig(vocab_size=len(vocab), cell="lstm", hidden=8), config={"data": "dinos"})
    path = tmp_path_factory.mktemp("ckpt") / "tiny-lstm"
    save_language_model(model, path)
    return str(path)


def test_gradients_of_a_language_model_on_text(capsys, tiny_lm):
    assert main(["gradients", "--checkpoint", tiny_lm, "--text", "tyrannosaurus", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (model,) = out["models"]
    assert model["cell"] == "lstm" and model["method"] == "bptt"
    assert model["tokens"] == ["·", *"tyrannosauru"]  # inputs; the loss predicts the final "s"
    assert len(model["layers"][0]["a"]) == 13 and out["distance"] is None


@pytest.mark.parametrize("extra, match", [([], "--text"), (["--text", "a"], "two tokens")])
def test_language_model_errors(capsys, tiny_lm, extra, match):
    assert main(["gradients", "--checkpoint", tiny_lm, *extra]) == 1
    assert match in capsys.readouterr().err


def test_missing_checkpoint_is_one_line(capsys, tmp_path):
    assert main(["gradients", "--checkpoint", str(tmp_path / "nope"), "--text", "abc"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("seq-explorer: error:") and err.count("\n") == 1
