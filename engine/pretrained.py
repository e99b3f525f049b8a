"""Build the bundled pretrained checkpoints: ``python -m engine.pretrained --out assets/checkpoints``.

``make assets`` runs exactly this. Each model is trained by :func:`engine.training.train` on the
CPU with a fixed seed, so the weights are reproducible on one machine (timings are not, and are
left out of the bundled ``metrics.jsonl``, which keeps only the validation losses and the end).
The bundled checkpoints carry no optimiser state (they are for looking at, not for resuming).

=================  ==============================================  =======================
name               model                                           data
=================  ==============================================  =======================
dinos-lstm         char LSTM, n_a = 50, one-hot input (the course)   dinosaur names
dinos-gru          char GRU, course variant (Γr inside W_c), 50      dinosaur names
dinos-rnn          char basic RNN (tanh), n_a = 50, one-hot input    dinosaur names
shakespeare-lstm   char LSTM, 1 × 128, embedding 32, windows of 64   tiny Shakespeare
=================  ==============================================  =======================
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from engine.checkpoint import append_metrics, event_record
from engine.events import Evaluated, Finished
from engine.training import TrainConfig, train

RECIPES: dict[str, TrainConfig] = {
    "dinos-lstm": TrainConfig(data="dinos", cell="lstm", hidden=50, steps=600, batch_size=32, lr=0.01, seed=0, device="cpu",
                              eval_every=200, sample_every=0, checkpoint_every=10_000),
    "dinos-gru": TrainConfig(data="dinos", cell="gru-course", hidden=50, steps=600, batch_size=32, lr=0.01, seed=0,
                             device="cpu", eval_every=200, sample_every=0, checkpoint_every=10_000),
    # = seq-explorer train lm --data dinos --cell rnn --hidden 50 --steps 600 --batch-size 32 --lr 0.01 --seed 0
    #   --device cpu --eval-every 200 --sample-every 0 (then saved without the optimiser state)
    "dinos-rnn": TrainConfig(data="dinos", cell="rnn", hidden=50, steps=600, batch_size=32, lr=0.01, seed=0,
                             device="cpu", eval_every=200, sample_every=0, checkpoint_every=10_000),
    "shakespeare-lstm": TrainConfig(data="shakespeare", cell="lstm", layers=1, hidden=128, input="embedding", embedding_dim=32,
                                    seq_len=64, steps=1500, batch_size=32, lr=0.005, clip="norm", clip_threshold=1.0,
                                    seed=0, device="cpu", eval_every=200, sample_every=0, checkpoint_every=10_000),
}


def build(name: str, out_root: Path, steps: int | None = None) -> dict:
    """Train recipe ``name`` and write ``out_root/name`` (no optimiser state). Returns a summary."""
    from dataclasses import replace

    from engine.lm.io import load_language_model, save_language_model

    cfg = RECIPES[name]
    if steps is not None:
        cfg = replace(cfg, steps=steps, eval_every=min(cfg.eval_every, steps))
    with tempfile.TemporaryDirectory(prefix=f"seq-explorer-{name}-") as tmp:
        cfg = replace(cfg, out=tmp)
        kept = []
        t0 = time.perf_counter()
        for event in train(cfg, threading.Event()):
            if isinstance(event, Evaluated):
                kept.append(event_record(event))
            elif isinstance(event, Finished):
                record = event_record(event)
                record.update(elapsed_s=None, checkpoint=None)
                kept.append(record)
                finished = event
        seconds = time.perf_counter() - t0
        model = load_language_model(tmp)
        model.config["out"] = None  # the temporary training folder means nothing once bundled
        final = out_root / name
        if final.exists():
            shutil.rmtree(final)
        save_language_model(model, final)
        for record in kept:
            append_metrics(final, record)
    return {"name": name, "val_loss": finished.val_loss, "train_seconds": round(seconds, 1), "path": str(final)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.pretrained", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/checkpoints", help="folder to write the checkpoints into")
    parser.add_argument("--only", nargs="*", choices=sorted(RECIPES), help="build only these")
    parser.add_argument("--steps", type=int, default=None, help="override the number of steps (for a quick try)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # one thread: the same floating-point sums on every machine, and kind to a shared box
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.only or list(RECIPES):
        summary = build(name, out, args.steps)
        sys.stdout.write(json.dumps(summary) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
