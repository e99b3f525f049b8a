"""`seq-explorer train lm | sample | score | gates`: results, JSON shapes and every error path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from explorer.cli import main
from tests.cli.conftest import error_line

pytestmark = pytest.mark.usefixtures("one_torch_thread")


TINY = ["--hidden", "8", "--steps", "6", "--batch-size", "8", "--eval-every", "3", "--sample-every", "3", "--device", "cpu"]


def test_train_lm_json_and_checkpoint(tmp_path, corpus, capsys):
    out = tmp_path / "run"
    assert main(["train", "lm", "--data", str(corpus), "--out", str(out), "--json", *TINY]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["reason"] == "completed" and result["step"] == 6
    assert result["checkpoint"] == str(out) and len(result["val_losses"]) == 2
    assert all(set(s) == {"text", "in_training_set"} for s in result["samples"])
    names = {p.name for p in out.iterdir()}
    assert names >= {"config.json", "metrics.jsonl", "best"} and any(n.startswith("model-") for n in names)
    assert main(["train", "lm", "--data", str(corpus), "--resume", str(out), "--json", *TINY[:-6], "--steps", "8", "--device", "cpu"]) == 0
    assert json.loads(capsys.readouterr().out)["step"] == 8


def test_sample_json(checkpoint, capsys):
    assert main(["sample", str(checkpoint), "--n", "3", "--seed", "1", "--temperature", "0.8", "--top-k", "5", "--json"]) == 0
    samples = json.loads(capsys.readouterr().out)
    assert len(samples) == 3 and all(set(s) == {"text", "in_training_set"} for s in samples)
    assert main(["sample", str(checkpoint), "--n", "3", "--seed", "1", "--temperature", "0.8", "--top-k", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == samples
    assert main(["sample", str(checkpoint), "--prefix", "ka", "--n", "2", "--seed", "0"]) == 0
    assert all(line.startswith("ka") for line in capsys.readouterr().out.splitlines())


def test_score_json_matches_engine(checkpoint, capsys):
    import math

    assert main(["score", str(checkpoint), "karo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [t["token"] for t in data["tokens"]] == ["k", "a", "r", "o", "<eos>"]
    assert data["log_probability"] == pytest.approx(sum(math.log(t["probability"]) for t in data["tokens"]))
    assert data["perplexity"] == pytest.approx(math.exp(-data["log_probability"] / 5))
    assert main(["score", str(checkpoint), "karo"]) == 0
    assert "perplexity" in capsys.readouterr().out


def test_gates_json(checkpoint, capsys):
    assert main(["gates", str(checkpoint), "--text", "ka", "--parameters", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "seq-explorer.trace/1" and data["cell"] == "lstm"
    layer = data["layers"][0]
    assert set(layer["gates"]) == {"update", "forget", "output", "candidate"}
    assert {"W_u", "b_u", "W_f", "W_o", "W_c"} <= set(layer["parameters"])
    assert main(["gates", str(checkpoint), "--text", "ka"]) == 0
    assert "layer 1" in capsys.readouterr().out


def test_cell_choices_are_the_engine_table(monkeypatch):
    """--cell offers what engine.recurrent.kinds lists: a kind added there reaches the command line."""
    import dataclasses

    from engine.recurrent import kinds
    from explorer.cli import build_parser

    def cell_choices() -> tuple[str, ...]:
        lm = build_parser()._subparsers._group_actions[0].choices["train"]._seq_explorer_kinds.choices["lm"]
        return tuple(next(a for a in lm._actions if a.dest == "cell").choices)

    assert cell_choices() == kinds.CELL_KINDS
    extra = dataclasses.replace(kinds.KINDS["gru-simple"], name="gru-minimal", title="minimal GRU")
    monkeypatch.setattr(kinds, "KINDS", {**kinds.KINDS, "gru-minimal": extra})
    monkeypatch.setattr(kinds, "CELL_KINDS", (*kinds.CELL_KINDS, "gru-minimal"))
    assert cell_choices()[-1] == "gru-minimal"


def test_an_engine_error_names_the_flag_not_the_config_field(capsys):
    """TrainConfig says "seq_len must be ≥ 2"; the command line says --seq-len."""
    line = error_line(capsys, ["train", "lm", "--seq-len", "1", *TINY])
    assert "--seq-len must be" in line and "seq_len" not in line


# ----------------------------------------------------------------------------- error paths


def test_missing_data_file(tmp_path, capsys):
    assert "file not found" in error_line(capsys, ["train", "lm", "--data", str(tmp_path / "nope.txt"), *TINY])


def test_empty_file(tmp_path, capsys):
    (tmp_path / "e.txt").write_text("")
    assert "is empty" in error_line(capsys, ["train", "lm", "--data", str(tmp_path / "e.txt"), *TINY])


def test_binary_file(tmp_path, capsys):
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 4)
    assert "binary" in error_line(capsys, ["train", "lm", "--data", str(tmp_path / "b.bin"), *TINY])


def test_non_utf8_file_suggests_encoding(tmp_path, capsys):
    (tmp_path / "l.txt").write_bytes(b"caf\xe9\n" * 50)
    assert "encoding" in error_line(capsys, ["train", "lm", "--data", str(tmp_path / "l.txt"), *TINY])


def test_corpus_smaller_than_a_batch(tmp_path, capsys):
    (tmp_path / "s.txt").write_text("ab\ncd\nef\n")
    assert "fewer than one batch" in error_line(capsys, ["train", "lm", "--data", str(tmp_path / "s.txt"), *TINY])


def test_min_count_empties_vocabulary(corpus, capsys):
    import re

    assert re.search("min[_-]count", error_line(capsys, ["train", "lm", "--data", str(corpus), "--min-count", "100000", *TINY]))


def test_bad_number(corpus, capsys):
    assert "hidden must be in 1..16,384, got 0" in error_line(capsys, ["train", "lm", "--data", str(corpus), *TINY, "--hidden", "0"])


def test_cuda_not_available(corpus, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    assert "CUDA is not available" in error_line(capsys, ["train", "lm", "--data", str(corpus), *TINY[:-2], "--device", "cuda"])


def test_resume_from_nothing(tmp_path, corpus, capsys):
    assert "checkpoint not found" in error_line(capsys, ["train", "lm", "--data", str(corpus), "--resume", str(tmp_path / "x"), *TINY])


def test_clip_value_and_norm_are_exclusive(corpus, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "lm", "--data", str(corpus), "--clip-value", "5", "--clip-norm", "1"])
    assert exc.value.code == 2
    assert "not allowed with" in capsys.readouterr().err


def test_sample_from_missing_checkpoint(tmp_path, capsys):
    assert "checkpoint not found" in error_line(capsys, ["sample", str(tmp_path / "none")])


def test_sample_from_other_model_kind(tmp_path, capsys):
    import torch

    from engine.checkpoint import write_checkpoint

    write_checkpoint(tmp_path / "w", model_kind="word2vec", config={}, tensors={"x": torch.zeros(1)})
    assert "'word2vec' model" in error_line(capsys, ["sample", str(tmp_path / "w")])


def test_sample_negative_temperature(checkpoint, capsys):
    assert "temperature" in error_line(capsys, ["sample", str(checkpoint), "--temperature", "-1"])


def test_score_empty_text(checkpoint, capsys):
    assert "empty" in error_line(capsys, ["score", str(checkpoint), ""])


def test_gates_bad_layer(checkpoint, capsys):
    assert "layer must be in 1..1" in error_line(capsys, ["gates", str(checkpoint), "--text", "ka", "--layer", "3"])


def test_truncated_checkpoint(checkpoint, capsys):
    f = checkpoint / json.loads((checkpoint / "config.json").read_text())["files"]["model"]["name"]
    f.write_bytes(f.read_bytes()[:40])
    assert "truncated" in error_line(capsys, ["score", str(checkpoint), "ka"])


def test_subprocess_sample(checkpoint):
    ok = subprocess.run([sys.executable, "-m", "explorer", "sample", str(checkpoint), "--n", "2", "--seed", "3", "--json"],
                        capture_output=True, text=True, timeout=240)
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)) == 2


def test_train_lm_defaults_are_the_engine_defaults():
    from engine.training import TrainConfig
    from explorer.cli import build_parser
    from explorer.commands.lm import _config_from_args

    args = build_parser().parse_args(["train", "lm"])
    cfg = _config_from_args(args).to_json()
    default = TrainConfig().to_json()
    cfg.pop("out"), default.pop("out")
    assert cfg == default  # `seq-explorer train lm` with no option is the demo run


def test_unknown_encoding(corpus, capsys):
    assert "unknown encoding" in error_line(capsys, ["train", "lm", "--data", str(corpus), "--encoding", "klingon", *TINY])


def test_train_without_a_kind_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train"])
    assert exc.value.code == 2
    assert "train lm" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["dinos-rnn", "bundled:dinos-rnn"])
def test_a_bundled_model_by_name_or_by_the_apps_spelling(name, capsys):
    assert main(["sample", name, "--n", "3", "--seed", "0", "--json"]) == 0
    samples = json.loads(capsys.readouterr().out)
    assert len(samples) == 3 and all(s["text"] for s in samples)
