"""Values the command line accepts never end as "internal error" (issue 12), and the run-folder rules."""

from __future__ import annotations

import json
import math

import pytest
import torch

from explorer.cli import main
from explorer.commands._output import dumps, json_safe
from tests.cli.conftest import error_line
from tests.engine.lm.conftest import make_names
from tests.engine.lm.test_model import tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = ["--hidden", "8", "--steps", "4", "--batch-size", "8", "--eval-every", "2", "--sample-every", "0", "--device", "cpu"]


@pytest.mark.parametrize("argv", [
    ["train", "lm", "--steps", "1"], ["sample", "dinos-lstm", "--n", "1"], ["gradients", "--distance", "3"],
    ["agreement", "--steps", "1"], ["exploding", "--steps", "1"],
])
@pytest.mark.parametrize("seed", ["-1", str(2**64), str(2**32)])
def test_seeds_out_of_range_are_one_line_for_every_command(capsys, tmp_path, argv, seed):
    extra = ["--out", str(tmp_path / "run")] if argv[0] == "train" else []
    assert "seed must be in 0..4,294,967,295" in error_line(capsys, [*argv, *extra, f"--seed={seed}"])


@pytest.mark.parametrize("flag, value, match", [
    ("--lr", "1e300", "lr must be a finite number in"), ("--lr", "nan", "lr must be"), ("--layers", "1000000", "layers must be in 1..64"),
    ("--threads", "100000", "--threads must be in 1..256"), ("--hidden", "20000", "hidden must be in 1..16,384"),
    ("--hidden", "8000", "parameters"), ("--batch-size", "100000", "--batch-size × --seq-len"),
    ("--clip-value", "1e308", "--clip-value/--clip-norm must be"), ("--dropout", "nan", "dropout"), ("--encoding", "rot13", "not a text encoding"),
])
def test_absurd_training_settings_are_refused_before_training(capsys, tmp_path, corpus, flag, value, match):
    out = tmp_path / "run"
    assert match in error_line(capsys, ["train", "lm", "--data", str(corpus), "--out", str(out), *TINY, f"{flag}={value}"])
    assert not (out / "config.json").exists()


@pytest.mark.parametrize("temperature, ok", [("nan", False), ("inf", False), ("-1", False), ("1e-45", True), ("1e308", True), ("0", True)])
def test_temperatures(capsys, checkpoint, temperature, ok):
    argv = ["sample", str(checkpoint), "--n", "3", "--max-len", "5", "--seed", "1", f"--temperature={temperature}", "--json"]
    if ok:
        assert main(argv) == 0
        assert len(json.loads(capsys.readouterr().out)) == 3
    else:
        assert "temperature must be a finite number ≥ 0" in error_line(capsys, argv)


def test_many_samples_are_streamed_in_batches(capsys, checkpoint):
    assert main(["sample", str(checkpoint), "--n", "600", "--max-len", "4", "--seed", "3", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and len(json.loads(out)) == 600
    assert main(["sample", str(checkpoint), "--n", "600", "--max-len", "4", "--seed", "3"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 600


def test_samples_are_the_same_in_one_batch_or_streamed(checkpoint):
    from engine.lm import iter_samples, load_language_model, sample

    model = load_language_model(checkpoint)
    a = [s.text for s in sample(model, n=300, max_len=6, seed=5)]
    b = [s.text for s in iter_samples(model, n=300, max_len=6, seed=5)]
    assert a == b and len(a) == 300


def test_sample_max_len_is_capped(capsys, checkpoint):
    assert "max_len must be in 1..1,000,000" in error_line(capsys, ["sample", str(checkpoint), "--max-len", "10000000"])


def test_cuda_without_cuda_is_one_line(capsys, checkpoint):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    assert "CUDA is not available" in error_line(capsys, ["sample", str(checkpoint), "--device", "cuda"])


def test_a_run_folder_is_not_overwritten_without_asking(capsys, tmp_path, corpus):
    out = tmp_path / "run"
    assert main(["train", "lm", "--data", str(corpus), "--out", str(out), "--json", *TINY]) == 0
    capsys.readouterr()
    err = error_line(capsys, ["train", "lm", "--data", str(corpus), "--out", str(out), "--json", *TINY])
    assert "already holds a checkpoint (step 4)" in err
    assert main(["train", "lm", "--data", str(corpus), "--out", str(out), "--json", *TINY, "--overwrite", "--seed", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["reason"] == "completed"
    assert main(["train", "lm", "--data", str(corpus), "--resume", str(out), "--json", *TINY[:2], "--steps", "6",
                 "--batch-size", "8", "--device", "cpu", "--seed", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["step"] == 6


def test_which_best_or_last(capsys, tmp_path, corpus):
    out = tmp_path / "run"
    assert main(["train", "lm", "--data", str(corpus), "--out", str(out), "--json", *TINY]) == 0
    capsys.readouterr()
    for which in ("best", "last"):
        assert main(["score", str(out), "ka", "--json", "--which", which]) == 0
        assert json.loads(capsys.readouterr().out)["log_probability"] < 0
    (out / "best").rename(tmp_path / "gone")  # a run from before best/ existed: "best" falls back to the folder
    assert main(["sample", str(out), "--n", "1"]) == 0


def test_json_never_holds_nan_or_infinity():
    value = {"a": float("nan"), "b": [1.0, float("inf"), (float("-inf"), 2)], "c": {"d": 0.5}}
    assert json_safe(value) == {"a": None, "b": [1.0, None, [None, 2]], "c": {"d": 0.5}}
    assert json.loads(dumps(value)) == json_safe(value)
    assert "NaN" not in dumps({"x": math.nan}, default=str)


def test_score_json_of_an_impossible_text_has_null_perplexity(capsys, tmp_path):
    from engine.lm import save_language_model

    model = tiny_model("lstm")
    with torch.no_grad():  # token 2 is certain, every other token has log P ≈ −10⁴: exp() of the mean overflows
        model.head.weight.zero_()
        model.head.bias.fill_(0.0)
        model.head.bias[2] = 1e4
    path = save_language_model(model, tmp_path / "m")
    other = model.vocab.tokens[3]
    assert main(["score", str(path), other * 5, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["perplexity"] is None and data["log_probability"] < -1e4


def test_utf16_corpus_trains(capsys, tmp_path):
    path = tmp_path / "u16.txt"
    path.write_text("\n".join(make_names(120)) + "\n", encoding="utf-16")
    assert main(["train", "lm", "--data", str(path), "--encoding", "utf-16", "--out", str(tmp_path / "r"), "--json", *TINY]) == 0
    assert json.loads(capsys.readouterr().out)["reason"] == "completed"
    assert "looks binary" in error_line(capsys, ["train", "lm", "--data", str(path), "--out", str(tmp_path / "s"), *TINY])
