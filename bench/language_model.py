"""Language-model quality and training-loop overhead: ``python -m bench.language_model [--quick] [--minutes M]``.

1. Dinosaur names, the course's setting (basic RNN, n_a = 50, clip by value 5): validation loss per
   character and 10 samples flagged new/seen.
2. First names (makemore's names.txt): validation loss per character of an RNN and a GRU, next to
   the figures makemore's README reports (quoted, not re-measured: see bench/README.md).
3. Tiny Shakespeare, 2 × 256 character LSTM, time-boxed (``--minutes``): validation loss per character.
4. Overhead of :func:`engine.training.train` (events, smoothing, clipping bookkeeping) against a bare
   PyTorch loop (``torch.optim.Adam`` + ``clip_grad_value_``) on the same model and batches.
   Reference measured in the same run; ratio printed (target ≤ 1.05).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import threading
import time

import torch


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads, load average {load:.1f} at start")


def run_train(config, minutes: float | None = None):
    from engine.events import Evaluated, Finished, Sampled, Step
    from engine.training import train

    stop = threading.Event()
    timer = threading.Timer(minutes * 60, stop.set) if minutes else None
    if timer:
        timer.start()
    out = {"val": None, "samples": (), "steps": 0, "finished": None}
    try:
        for event in train(config, stop):
            if isinstance(event, Evaluated):
                out["val"] = event.val_loss
            elif isinstance(event, Sampled):
                out["samples"] = event.samples
            elif isinstance(event, Step):
                out["steps"] = event.step
                out["loss"] = event.smoothed_loss
            elif isinstance(event, Finished):
                out["finished"] = event
    finally:
        if timer:
            timer.cancel()
    return out


def dinos(quick: bool) -> dict:
    from engine.lm import load_language_model, sample
    from engine.training import TrainConfig

    import tempfile

    steps = 300 if quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(data="dinos", cell="rnn", hidden=50, clip="value", clip_threshold=5.0, steps=steps, lr=0.01,
                          batch_size=32, seed=0, device="cpu", eval_every=steps // 4, sample_every=0, out=tmp,
                          checkpoint_every=10**9)
        r = run_train(cfg)
        model = load_language_model(tmp)
        samples = sample(model, n=10, temperature=1.0, seed=0)
    print(f"[dinos] course setting (rnn, n_a=50, clip value 5, Adam lr 0.01, batch 32), {steps} steps: "
          f"validation loss {r['val']:.4f} nats/char")
    for s in samples:
        print(f"    {s.text:<24} {'seen' if s.in_training_set else 'new'}")
    return {"steps": steps, "val_loss": r["val"], "samples": [(s.text, s.in_training_set) for s in samples],
            "seconds": r["finished"].elapsed_s}


# makemore README (karpathy/makemore), names.txt test loss; quoted from memory, NOT verified here (no network).
MAKEMORE_REPORTED = {"rnn": 2.06, "gru": 2.04}


def names(quick: bool) -> dict:
    from engine.training import TrainConfig

    steps = 300 if quick else 4000
    res = {}
    for cell in ("rnn", "gru"):
        cfg = TrainConfig(data="names", cell=cell, hidden=64, input="embedding", embedding_dim=64, steps=steps, lr=0.005,
                          batch_size=32, clip="norm", clip_threshold=5.0, seed=0, device="cpu", eval_every=steps,
                          sample_every=0)
        r = run_train(cfg)
        ref = MAKEMORE_REPORTED[cell]
        print(f"[names] {cell} emb 64, n_a 64, {steps} steps: validation loss {r['val']:.4f} nats/char; "
              f"makemore README {cell.upper()} ≈ {ref} (unverified); ratio {r['val'] / ref:.3f}")
        res[cell] = {"val_loss": r["val"], "makemore_reported": ref, "seconds": r["finished"].elapsed_s}
    return res


def shakespeare(quick: bool, minutes: float) -> dict:
    from engine.lm.loop import evaluate
    from engine.lm import load_language_model
    from engine.text import encode_corpus, read_lines
    from engine.corpora import resolve_corpus
    from engine.training import TrainConfig

    import tempfile

    max_eval = 200 if quick else 4000
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(data="shakespeare", cell="lstm", layers=2, hidden=256, input="embedding", embedding_dim=64,
                          seq_len=100, batch_size=32, lr=0.002, clip="norm", clip_threshold=1.0, steps=10**6,
                          seed=0, device="cpu", eval_every=10**9, sample_every=0, checkpoint_every=10**9, out=tmp)
        r = run_train(cfg, minutes=minutes)
        model = load_language_model(tmp)
        spec = resolve_corpus("shakespeare")
        corpus = encode_corpus(read_lines(spec.path), model.vocab, sequence="stream", seq_len=100)
        val = evaluate(model, corpus, torch.device("cpu"), max_eval)
        corpus.close()
    print(f"[shakespeare] 2×256 LSTM, {minutes:g} min: {r['steps']} steps, validation loss {val:.4f} nats/char "
          f"(first {max_eval} windows; char-rnn reaches ~1.4–1.5 with larger models; target ≤ 1.6 after 10 min)")
    return {"minutes": minutes, "steps": r["steps"], "val_loss": val, "eval_windows": max_eval}


def overhead(quick: bool) -> dict:
    """train() vs a bare loop, same model, same batches, interleaved repeats; min time of each."""
    from engine.events import Started, Step
    from engine.lm.loop import TrainingRun
    from engine.lm.model import LanguageModel, ModelConfig
    from engine.lm.optim import make_optimizer
    from engine.training import TrainConfig, train

    steps = 200 if quick else 600
    cfg = TrainConfig(data="dinos", cell="lstm", hidden=50, steps=steps, lr=0.01, batch_size=32, seed=0, device="cpu",
                      eval_every=10**9, sample_every=0, clip="value", clip_threshold=5.0)
    prep = TrainingRun(cfg, threading.Event(), None)
    prep._setup()
    spans = [prep._spans(s) for s in range(1, steps + 1)]
    corpus = prep.corpus
    vocab = prep.model.vocab
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # import torch.optim's lazy parts before timing

    def bare(optimizer: str) -> float:  # `clock` is bound by the measurement loop below
        torch.manual_seed(0)
        model = LanguageModel(vocab, ModelConfig(len(vocab), "lstm", 1, 50))
        if optimizer == "torch":
            opt = torch.optim.Adam(model.parameters(), lr=0.01)
        else:
            opt = make_optimizer("adam", model.parameters(), 0.01)
        t0 = clock()
        for sp in spans:  # the same data pipeline as train(): numpy batch → tensor
            y = torch.from_numpy(corpus.batch(sp))
            loss_sum, n = model.loss(y)
            loss = loss_sum / n
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_value_(model.parameters(), 5.0)
            opt.step()
            float(loss.detach())
        return clock() - t0

    def ours() -> float:
        t0 = t1 = None
        for event in train(cfg, threading.Event()):
            if isinstance(event, Started):
                t0 = clock()
            elif isinstance(event, Step) and event.step == steps:
                t1 = clock()
        return t1 - t0

    # One torch thread and CPU time (time.process_time): on a shared, loaded box wall time mostly
    # measures the neighbours; CPU time of a one-thread process is what the loop itself costs.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out: dict = {"steps": steps}
    try:
        for clock_name, clock in (("cpu", time.process_time), ("wall", time.perf_counter)):
            times: dict[str, list[float]] = {"bare_torch_adam": [], "bare_same_adam": [], "train": []}
            for _ in range(3):
                times["bare_torch_adam"].append(bare("torch"))
                times["bare_same_adam"].append(bare("ours"))
                times["train"].append(ours())
            bt, bs, o = (min(times[k]) for k in ("bare_torch_adam", "bare_same_adam", "train"))
            print(f"[overhead/{clock_name}] {steps} steps, char LSTM n_a=50, batch 32, 1 thread, min of 3 interleaved runs: "
                  f"bare loop + torch.optim.Adam {bt:.2f}s, bare loop + engine Adam {bs:.2f}s, train() {o:.2f}s; "
                  f"ratio train()/bare(torch Adam) {o / bt:.3f}, train()/bare(same Adam) {o / bs:.3f} (target ≤ 1.05)")
            out[clock_name] = {"bare_torch_adam_s": bt, "bare_same_adam_s": bs, "train_s": o,
                               "ratio_vs_torch_adam": o / bt, "ratio_vs_same_adam": o / bs, "all": times}
    finally:
        torch.set_num_threads(threads)
        prep.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.language_model", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small, short configuration (under ~2 minutes)")
    parser.add_argument("--minutes", type=float, default=None, help="time box of the Shakespeare run (default 10; 0.4 quick)")
    parser.add_argument("--only", nargs="*", choices=("dinos", "names", "shakespeare", "overhead"))
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads for the quality runs (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    minutes = args.minutes if args.minutes is not None else (0.4 if args.quick else 10.0)
    print(f"machine: {machine()}; mode: {'quick' if args.quick else 'full'}")
    parts = args.only or ["overhead", "dinos", "names", "shakespeare"]
    results: dict = {"machine": machine(), "quick": args.quick}
    for part in parts:
        if part == "shakespeare":
            results[part] = shakespeare(args.quick, minutes)
        else:
            results[part] = globals()[part](args.quick)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
