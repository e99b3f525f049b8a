"""Data-parallel training on torch.distributed: 2 CPU processes (gloo) started by torchrun train
word2vec and a language model; rank 0 alone writes; the results load and match one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from engine import distributed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GROUP_A = [f"a{i}" for i in range(8)]
GROUP_B = [f"b{i}" for i in range(8)]


def test_alone_every_helper_is_the_identity():
    assert distributed.init_from_environment("cpu") is None  # no torchrun environment
    assert distributed.current() is None and distributed.is_main()
    t = torch.ones(3)
    distributed.average_(t)
    assert torch.equal(t, torch.ones(3))
    assert distributed.any_rank(True) and not distributed.any_rank(False)
    assert distributed.total(2.5) == 2.5 and distributed.shard([1, 2, 3]) == [1, 2, 3]
    distributed.barrier()
    distributed.cleanup()


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    return env


def _cli(args: list[str], processes: int) -> subprocess.CompletedProcess:
    launcher = ([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
                if processes > 1 else [sys.executable])
    run = subprocess.run([*launcher, "-m", "explorer.cli", *args], capture_output=True, text=True, cwd=ROOT,
                         env=_env(), timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def planted_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice(GROUP_A if rng.random() < 0.5 else GROUP_B, 10)) for _ in range(1500)]
    path = tmp_path_factory.mktemp("corpus") / "planted.txt"
    path.write_text("\n\n".join(lines) + "\n")
    return path


def test_word2vec_on_two_processes_learns_what_one_process_learns(planted_file, tmp_path):
    from engine.embeddings.io import load_vectors

    results = {}
    for processes in (1, 2):
        out = tmp_path / f"w2v-{processes}"
        _cli(["word2vec", "train", "--corpus", str(planted_file), "--out", str(out), "--dim", "12", "--window", "3",
              "--min-count", "1", "--sample", "0", "--epochs", "4", "--workers", "1", "--json"], processes)
        summary = json.loads((out / "training.json").read_text())
        wv = load_vectors(str(out))
        near = np.mean([all(n[0] == w[0] for n, _ in wv.neighbours(w, 4)) for w in GROUP_A + GROUP_B])
        records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
        results[processes] = summary, near, records
    (one, near1, _), (two, near2, records) = results[1], results[2]
    assert near1 == near2 == 1.0
    assert "2 processes" in two["description"] and two["words_done"] == one["words_done"] == 4 * 15000
    assert abs(two["final_loss"] - one["final_loss"]) < 0.25 * one["final_loss"]
    assert [r["event"] for r in records].count("EmbeddingsStarted") == 1  # rank 0 alone writes


def test_language_model_on_two_processes_with_ddp(tmp_path):
    from engine.checkpoint import read_checkpoint

    losses = {}
    for processes in (1, 2):
        out = tmp_path / f"lm-{processes}"
        run = _cli(["train", "lm", "--data", "dinos", "--steps", "60", "--hidden", "24", "--batch-size", "32",
                    "--eval-every", "1000", "--seed", "0", "--device", "cpu", "--threads", "1", "--out", str(out),
                    "--json"], processes)
        ckpt = read_checkpoint(out, model_kind="language-model")
        assert ckpt.training["step"] == 60
        records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
        assert [r["event"] for r in records].count("Started") == 1
        losses[processes] = [r for r in records if r["event"] == "Evaluated"][-1]["val_loss"]
        assert json.loads(run.stdout)["step"] == 60  # one JSON document: only rank 0 reports
    assert losses[2] != losses[1]  # two half-batches averaged by DDP: close, not bit-identical
    assert abs(losses[2] - losses[1]) < 0.15, losses
