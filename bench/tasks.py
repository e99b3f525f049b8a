"""Sequence tasks, quality and speed: ``python -m bench.tasks [--quick] [--only …] [--json FILE]``.

1. sentiment (rt-polarity, one seeded split): held-out accuracy of a bag-of-words logistic regression
   (unigrams; and unigrams + bigrams), written here in torch, against the averaging model and the
   many-to-one LSTM (both GloVe-initialised, fine-tuned) — and each on the curated negation set.
2. ner (WNUT-17 train / dev / test): entity-level F1 of a forward-only and a bidirectional LSTM tagger.
3. curve: test accuracy of the sentiment LSTM with GloVe vs random embeddings at 50, 200, 1000 and
   all training sentences.
4. dates: exact match of the encoder-decoder with and without attention; greedy vs beam search.
5. speed: tokens/s of each task's training loop (:func:`engine.tasks.training.train_task`) against a
   bare torch loop with the same model, the same batches in the same order, Adam and gradient
   clipping; one torch thread, CPU time, min of 3 interleaved runs (target ≥ 0.9×).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads, load average {load:.1f} at start")


def _config(**kw):
    from engine.tasks.config import TaskConfig

    return TaskConfig(device="cpu", **kw)


def _train(cfg):
    from engine.tasks.events import TaskFinished
    from engine.tasks.training import build_task, train_task

    task = build_task(cfg)
    fin = [e for e in train_task(cfg, task=task) if isinstance(e, TaskFinished)][-1]
    return task, fin


# ----------------------------------------------------------------------------- 1. sentiment


def _ngrams(tokens: list[str], bigrams: bool) -> list[str]:
    grams = list(tokens)
    if bigrams:
        grams += [a + " " + b for a, b in zip(tokens, tokens[1:])]
    return grams


def bow_logistic(texts: list[list[str]], labels: np.ndarray, split, bigrams: bool, negations) -> dict:
    """Binary bag-of-n-grams → logistic regression (L2 chosen on validation), full-batch Adam in torch."""
    from engine.tasks.vocab import TokenVocab

    grams = [sorted(set(_ngrams(t, bigrams))) for t in texts]
    vocab = TokenVocab.build((grams[i] for i in split.train), min_count=2)

    def bag(rows: list[list[str]]):
        ids = [[i for i in vocab.encode(g) if i != vocab.unk_id] or [vocab.unk_id] for g in rows]
        flat = torch.tensor([i for r in ids for i in r])
        offsets = torch.tensor(np.cumsum([0] + [len(r) for r in ids[:-1]]))
        return flat, offsets

    data = {name: bag([grams[i] for i in idx]) for name, idx in (("train", split.train), ("val", split.val),
                                                                  ("test", split.test))}
    y = {name: torch.tensor(labels[idx], dtype=torch.float32) for name, idx in (("train", split.train),
                                                                                  ("val", split.val), ("test", split.test))}
    best = None
    for l2 in (1e-5, 1e-4, 1e-3):
        torch.manual_seed(0)
        w = torch.nn.EmbeddingBag(len(vocab), 1, mode="sum")  # one weight per n-gram: w·x
        torch.nn.init.zeros_(w.weight)
        b = torch.zeros(1, requires_grad=True)
        opt = torch.optim.Adam(list(w.parameters()) + [b], lr=0.05)
        for _ in range(200):
            z = w(*data["train"]).squeeze(1) + b
            loss = F.binary_cross_entropy_with_logits(z, y["train"]) + l2 * w.weight.pow(2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            acc = {k: float(((w(*data[k]).squeeze(1) + b > 0).float() == y[k]).float().mean()) for k in ("val", "test")}
            from engine.tasks.vocab import words

            neg = bag([sorted(set(_ngrams(words(s), bigrams))) for s, _ in negations])
            p = torch.sigmoid(w(*neg).squeeze(1) + b).numpy()
        if best is None or acc["val"] > best["val"]:
            best = {"l2": l2, "val": acc["val"], "test": acc["test"], "negations": p}
    gold = np.array([g == "positive" for _, g in negations])
    best["negation_correct"] = int(((best.pop("negations") >= 0.5) == gold).sum())
    best["features"] = len(vocab)
    return best


def sentiment(quick: bool) -> dict:
    from engine.tasks.compare import NEGATIONS, compare_models
    from engine.tasks.sentiment_data import load_sentiment
    from engine.tasks.split import split_indices
    from engine.tasks.vocab import words

    data = load_sentiment("rt-polarity")
    split = split_indices(len(data), 0, 0.1, 0.1)
    toks = [words(t) for t in data.texts]
    out = {}
    for bigrams in (False, True):
        name = "bow_uni_bigram" if bigrams else "bow_unigram"
        out[name] = r = bow_logistic(toks, data.labels, split, bigrams, NEGATIONS)
        print(f"[sentiment] bag of {'uni+bigrams' if bigrams else 'words'} + logistic regression ({r['features']} "
              f"features, L2 {r['l2']:g}): test accuracy {r['test']:.4f}; negations {r['negation_correct']}/{len(NEGATIONS)}")
    epochs = 2 if quick else None
    avg, fin_a = _train(_config(task="sentiment", model="average", epochs=epochs))
    rnn, fin_r = _train(_config(task="sentiment", model="rnn", epochs=epochs))
    cmp = compare_models(avg, rnn)
    k = len(NEGATIONS)
    for name, acc, neg in (("averaging", cmp.accuracy_average, cmp.negation_accuracy_average),
                           ("LSTM many-to-one", cmp.accuracy_rnn, cmp.negation_accuracy_rnn)):
        print(f"[sentiment] {name} (GloVe, fine-tuned): test accuracy {acc:.4f}; negations {round(neg * k)}/{k}")
    print(f"[sentiment] averaging and LSTM disagree on {cmp.n_disagreements} of {cmp.test_size} test sentences")
    order = {"averaging": 0, "lstm": 0}
    for pair in cmp.order_pairs:
        for i, gold in enumerate((pair.gold_first, pair.gold_second)):
            order["averaging"] += (pair.p_average[i] >= 0.5) == (gold == "positive")
            order["lstm"] += (pair.p_rnn[i] >= 0.5) == (gold == "positive")
    n = 2 * len(cmp.order_pairs)
    print(f"[sentiment] same words in another order ({len(cmp.order_pairs)} pairs): averaging {order['averaging']}/{n} "
          f"(it answers both of a pair alike), LSTM {order['lstm']}/{n}")
    out.update(average=cmp.accuracy_average, lstm=cmp.accuracy_rnn, negations_average=cmp.negation_accuracy_average,
               negations_lstm=cmp.negation_accuracy_rnn, disagreements=cmp.n_disagreements, order_pairs=order,
               negation_probabilities=[(n.text, n.gold, n.p_average, n.p_rnn) for n in cmp.negations])
    return out


# ----------------------------------------------------------------------------- 2–4. ner, curve, dates


def ner(quick: bool) -> dict:
    from engine.tasks.events import TaskEvaluated, TaskFinished
    from engine.tasks.training import build_task, train_task

    out: dict = {}
    for bi in (False, True):
        name = "bidirectional" if bi else "forward-only"
        out[name] = []
        for seed in (0,) if quick else (0, 1):
            cfg = _config(task="ner", bidirectional=bi, epochs=3 if quick else None, seed=seed)
            events = list(train_task(cfg, task=build_task(cfg)))
            fin = [e for e in events if isinstance(e, TaskFinished)][-1]
            dev = max(e.value for e in events if isinstance(e, TaskEvaluated))
            m = dict(fin.test_metrics)
            out[name].append({"seed": seed, "dev_f1": dev, **m, "best_epoch": fin.best_epoch})
            print(f"[ner] {name} LSTM tagger (GloVe), seed {seed}: dev F1 {dev:.4f}; test entity F1 {m['f1']:.4f} "
                  f"(P {m['precision']:.4f}, R {m['recall']:.4f}), best epoch {fin.best_epoch}")
    return out


def curve(quick: bool) -> dict:
    from engine.tasks.curve import learning_curve
    from engine.tasks.events import CurveFinished

    sizes = (50, 500) if quick else (50, 200, 1000, None)
    cfg = _config(task="sentiment", model="rnn", epochs=2 if quick else None)
    done = [e for e in learning_curve(cfg, sizes=sizes, min_steps=60 if quick else 400) if isinstance(e, CurveFinished)][-1]
    table: dict = {}
    for p in done.points:
        table.setdefault(p.size, {})[p.init] = p.value
    for size, row in table.items():
        print(f"[curve] {size:>5} training sentences: GloVe {row['glove']:.4f}, random {row['random']:.4f} "
              f"(GloVe − random {row['glove'] - row['random']:+.4f})")
    return {str(k): v for k, v in table.items()}


def dates(quick: bool) -> dict:
    out = {}
    n = 3000 if quick else 10_000
    for attention in (True, False):
        task, fin = _train(_config(task="dates", bidirectional=True, attention=attention, n_dates=n,
                                   epochs=2 if quick else None))
        examples = task._raw["test"][: 100 if quick else 400]
        beam_hits = sum(task.translate(p.source, beam_width=3).candidates[0].text == p.target for p in examples)
        name = "attention" if attention else "no_attention"
        out[name] = {"exact_match_greedy": fin.test_value, "exact_match_beam3_subset": beam_hits / len(examples),
                     "subset": len(examples)}
        print(f"[dates] {n} pairs, bi-LSTM encoder {'with' if attention else 'without'} attention: test exact match "
              f"{fin.test_value:.4f} greedy; beam 3 on {len(examples)} of them {beam_hits / len(examples):.4f}")
    return out


# ----------------------------------------------------------------------------- 5. speed


def _bare_loss(task, batch):
    """The loss written out as a bare loop would write it (no task method)."""
    model = task.model
    if task.task == "sentiment":
        return F.cross_entropy(model(*batch.inputs), batch.target)
    logits = model(*batch.inputs)
    return F.cross_entropy(logits.flatten(0, 1), batch.target.flatten(), ignore_index=-100)


def speed(quick: bool) -> dict:
    from engine.events import Started, Step
    from engine.tasks.training import build_task, train_task

    setups = {
        "sentiment": _config(task="sentiment", model="rnn", epochs=1, train_size=1500 if quick else None),
        "ner": _config(task="ner", bidirectional=True, epochs=1, train_size=800 if quick else None),
        "dates": _config(task="dates", bidirectional=True, epochs=1, n_dates=1500 if quick else 6000),
    }
    out = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name, cfg in setups.items():
            cfg = replace(cfg, cpu_threads=1, report_every_s=0.1)
            proto = build_task(cfg)
            tokens = sum(b.tokens for b in proto.batches("train", np.random.default_rng([cfg.seed, 1])))

            def ours() -> float:
                task = build_task(cfg)
                task.examples("train")
                t0 = t1 = None
                for event in train_task(cfg, task=task):
                    if isinstance(event, Started):
                        t0 = time.process_time()
                    elif isinstance(event, Step) and event.step == event.total_steps:
                        t1 = time.process_time()
                return t1 - t0

            def bare() -> float:
                task = build_task(cfg)
                examples = task.examples("train")
                order = np.random.default_rng([cfg.seed, 1]).permutation(len(examples))
                B = cfg.batch_size
                params = [p for p in task.model.parameters() if p.requires_grad]
                opt = torch.optim.Adam(params, lr=cfg.for_task().lr)
                task.model.train()
                t0 = time.process_time()
                for start in range(0, len(examples), B):
                    batch = task.collate([examples[i] for i in order[start : start + B]])
                    loss = _bare_loss(task, batch)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(params, cfg.clip_norm)
                    opt.step()
                return time.process_time() - t0

            times = {"bare": [], "train_task": []}
            for _ in range(3):
                times["bare"].append(bare())
                times["train_task"].append(ours())
            b, o = min(times["bare"]), min(times["train_task"])
            out[name] = {"tokens": tokens, "bare_tokens_per_s": tokens / b, "train_task_tokens_per_s": tokens / o,
                         "ratio": b / o, "all_s": times}
            print(f"[speed] {name}: {tokens} tokens an epoch; bare loop {tokens / b:,.0f} tok/s, train_task "
                  f"{tokens / o:,.0f} tok/s (CPU time, 1 thread, min of 3): ratio {b / o:.3f} (target ≥ 0.9)")
    finally:
        torch.set_num_threads(threads)
    return out


SECTIONS = {"sentiment": sentiment, "ner": ner, "curve": curve, "dates": dates, "speed": speed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tasks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small, short configuration (a few minutes)")
    parser.add_argument("--only", nargs="*", choices=tuple(SECTIONS))
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads for the quality runs")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; quick={args.quick}")
    results = {"machine": machine(), "quick": args.quick}
    for name in args.only or SECTIONS:
        t0 = time.perf_counter()
        results[name] = SECTIONS[name](args.quick)
        print(f"  ({name}: {time.perf_counter() - t0:.0f} s)", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1, default=lambda v: None if isinstance(v, float) and math.isnan(v) else str(v))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
