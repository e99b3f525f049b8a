"""Sequence-task commands: ``task train | predict | eval | compare | curve | teddy``.

    seq-explorer task train {sentiment,ner,dates} [--model average|rnn] [--cell KIND] [--bidirectional]
        [--embeddings glove|DIR|none] [--freeze-embeddings] [--data NAME|PATH] [--hidden H] [--epochs N]
        [--train-size N] [--no-attention] [--seed S] [--device auto|cpu|cuda] [--out DIR] [--json]
    seq-explorer task predict DIR TEXT [--beam K] [--json]
        sentiment → {"label", "probabilities", "tokens", "known", "prefix_positive"}
        ner       → {"tokens": [{"token", "tag", "probability"}], "entities": [{"text", "type", "start", "end"}]}
        dates     → {"output", "log_probability", "candidates": [{"text", "score", "log_probability", "finished"}]}
    seq-explorer task eval DIR [--split test|val] [--json]   → {"accuracy"} | {"f1", "precision", "recall"} | {"exact_match"}
    seq-explorer task compare sentiment [train flags] [--json]      averaging vs RNN, disagreements, negations
    seq-explorer task curve {sentiment,ner} [--sizes 50,200,1000,all] [--min-steps 400] [train flags] [--json]
    seq-explorer task teddy DIR [--json]                   the course's "Teddy Roosevelt" / "Teddy bears"

Every bad value is one line on stderr (exit 1); JSON never holds NaN (null instead). Ctrl+C during
training saves the weights kept so far and exits with status 130; a second one interrupts at once.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from explorer.commands._output import write_json
from explorer.commands._signals import StopOnSigint
from explorer.commands._task_common import (
    EXIT_INTERRUPTED, check_out, config_from_args, drive, fmt, load, number, train_flags,
)
from explorer.commands.task_reports import run_compare, run_curve, run_teddy

TASK_NAMES = ("sentiment", "ner", "dates")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("task", help="sequence tasks: sentiment, named entities, dates (task train, …)",
                                  description="Train and query the course's sequence tasks.")
    group.set_defaults(handler=lambda args: group.error("choose a task command, e.g. 'task train sentiment'"))
    sub = group.add_subparsers(dest="task_command", metavar="COMMAND")

    p = sub.add_parser("train", help="train a sentiment classifier, an entity tagger or a date translator",
                       description="Train one task model. Ctrl+C saves the weights kept so far and exits.")
    p.add_argument("task", metavar="{sentiment,ner,dates}")
    train_flags(p)
    p.set_defaults(handler=run_train)

    p = sub.add_parser("predict", help="run a trained task model on a text")
    p.add_argument("checkpoint", metavar="DIR")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--beam", default="3", metavar="K", help="dates: beam width of the candidates (default 3)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(handler=run_predict)

    p = sub.add_parser("eval", help="score a trained task model on its held-out test set")
    p.add_argument("checkpoint", metavar="DIR")
    p.add_argument("--split", default="test", metavar="{test,val}")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(handler=run_eval)

    p = sub.add_parser("compare", help="averaging vs a many-to-one RNN on the same split, and on negations")
    p.add_argument("task", metavar="sentiment")
    train_flags(p)
    p.add_argument("--show", default="10", metavar="N", help="disagreements to print (default 10)")
    p.set_defaults(handler=run_compare)

    p = sub.add_parser("curve", help="learning curve: pretrained vs random embeddings by training-set size")
    p.add_argument("task", metavar="{sentiment,ner}")
    train_flags(p)
    p.add_argument("--sizes", default="50,200,1000,all", help="training-set sizes (default 50,200,1000,all)")
    p.add_argument("--min-steps", default="400", metavar="N",
                   help="small sets train for more epochs: at least N steps, at most 200 epochs (default 400)")
    p.set_defaults(handler=run_curve)

    p = sub.add_parser("teddy", help='"Teddy Roosevelt" vs "Teddy bears": what a forward-only tagger cannot see')
    p.add_argument("checkpoint", metavar="DIR", help="a checkpoint of 'task train ner'")
    p.add_argument("--sentences", nargs=2, metavar=("S1", "S2"), default=None,
                   help='two sentences that share WORD (default: the course\'s "Teddy Roosevelt" / "Teddy bears")')
    p.add_argument("--word", default="Teddy", help="the shared word whose tags are compared (default Teddy)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout")
    p.set_defaults(handler=run_teddy)


def run_train(args: argparse.Namespace) -> int:
    from engine.tasks.events import TaskEvaluated, TaskFinished
    from engine.tasks.training import train_task

    config = config_from_args(args)
    if config.out is None:
        from dataclasses import replace

        name = config.model if config.task == "sentiment" and config.model == "average" else \
            ("bi" if config.bidirectional else "") + config.cell
        config = replace(config, out=str(Path("runs") / f"task-{config.task}-{name}"))
    check_out(config.out)
    stop = threading.Event()
    with StopOnSigint(stop):
        events = drive(train_task(config, stop), args.json)
    fin = next(e for e in reversed(events) if isinstance(e, TaskFinished))
    epochs = [{"epoch": e.epoch, "train_loss": e.train_loss, "val_loss": e.val_loss, e.metric: e.value}
              for e in events if isinstance(e, TaskEvaluated)]
    summary = {"task": fin.task, "reason": fin.reason, "metric": fin.metric, "test": dict(fin.test_metrics) or None,
               "best_epoch": fin.best_epoch, "epochs": epochs, "checkpoint": fin.checkpoint,
               "elapsed_s": round(fin.elapsed_s, 3)}
    if args.json:
        write_json(summary)
    else:
        tail = f"test {fin.metric} {fmt(fin.test_value)} (weights of epoch {fin.best_epoch})" if fin.test_value is not None \
            else "no test score (stopped early)"
        print(f"{fin.reason}: {tail}; checkpoint {fin.checkpoint}")
    if fin.reason == "diverged":
        return 1
    return EXIT_INTERRUPTED if fin.reason == "stopped" else 0


# ----------------------------------------------------------------------------- using a model


def run_predict(args: argparse.Namespace) -> int:
    task = load(args.checkpoint)
    if task.task == "sentiment":
        pred = task.predict(args.text)
        reading = task.prefix_probabilities(args.text)
        data = {"task": "sentiment", "label": pred.label, "probabilities": dict(pred.probabilities),
                "tokens": list(pred.tokens), "known": list(pred.known), "prefix_positive": list(reading.positive)}
        if args.json:
            write_json(data)
            return 0
        print(f"{pred.label}  (P(positive) = {data['probabilities']['positive']:.3f})")
        print("P(positive) as each word is read:")
        for tok, known, p in zip(pred.tokens, pred.known, reading.positive):
            print(f"  {tok:<16} {p:6.3f}  {'█' * round(p * 20)}" + ("" if known else "   (unknown: read as UNK)"))
        return 0
    if task.task == "ner":
        pred = task.predict(args.text)
        entities = [{"text": " ".join(pred.tokens[s : e + 1]), "type": t, "start": s, "end": e} for s, e, t in pred.entities]
        if args.json:
            write_json({"task": "ner", "tokens": [{"token": tok, "tag": tag, "probability": p}
                                             for tok, tag, p in zip(pred.tokens, pred.tags, pred.probabilities)],
                   "entities": entities})
            return 0
        for tok, tag, p, known in zip(pred.tokens, pred.tags, pred.probabilities, pred.known):
            print(f"  {tok:<16} {tag:<16} {p:.3f}" + ("" if known else "   (unknown word)"))
        print("entities: " + (", ".join(f"{e['text']} ({e['type']})" for e in entities) or "none"))
        return 0
    beam = number(args, "beam")
    tr = task.translate(args.text, beam_width=beam)
    cands = [{"text": c.text, "score": c.score, "log_probability": c.log_prob, "finished": c.finished}
             for c in tr.candidates]
    if args.json:
        write_json({"task": "dates", "output": tr.output, "log_probability": tr.log_prob, "candidates": cands})
        return 0
    print(f"{tr.source}  →  {tr.output}   (greedy, log P = {tr.log_prob:.3f})")
    print(f"beam search, width {beam} (score = log P / T_y^0.7):")
    for c in cands:
        print(f"  {c['text']:<12} score {c['score']:8.4f}   log P {c['log_probability']:8.4f}")
    if tr.attention is not None:
        print("attention: each output character ← the input characters (position) it weighted most")
        for ch, row in zip(tr.output_tokens, tr.attention):
            top = sorted(range(len(row)), key=lambda j: -row[j])[:3]
            print(f"  {ch!r:<8} ← " + ", ".join(f"{tr.source_tokens[j]!r}@{j + 1} {row[j]:.2f}" for j in top))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from engine.errors import InputError

    if args.split not in ("test", "val"):
        raise InputError(f"--split must be test or val, got {args.split!r}")
    task = load(args.checkpoint)
    ev = task.evaluate(args.split)
    keys = {"sentiment": ("accuracy",), "ner": ("f1", "precision", "recall"), "dates": ("exact_match",)}[task.task]
    result = {k: ev.metrics[k] for k in keys}
    if args.json:
        write_json(result)
    else:
        print(f"{task.describe()}\n{args.split} ({ev.size} examples): " + ", ".join(f"{k} {fmt(v)}" for k, v in result.items()))
    return 0
