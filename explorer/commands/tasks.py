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
import json
import sys
import threading
from pathlib import Path

from explorer.commands._signals import StopOnSigint

EXIT_INTERRUPTED = 130
TASK_NAMES = ("sentiment", "ner", "dates")


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("task", help="sequence tasks: sentiment, named entities, dates (task train, …)",
                                  description="Train and query the course's sequence tasks.")
    group.set_defaults(handler=lambda args: group.error("choose a task command, e.g. 'task train sentiment'"))
    sub = group.add_subparsers(dest="task_command", metavar="COMMAND")

    p = sub.add_parser("train", help="train a sentiment classifier, an entity tagger or a date translator",
                       description="Train one task model. Ctrl+C saves the weights kept so far and exits.")
    p.add_argument("task", metavar="{sentiment,ner,dates}")
    _train_flags(p)
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
    _train_flags(p)
    p.add_argument("--show", default="10", metavar="N", help="disagreements to print (default 10)")
    p.set_defaults(handler=run_compare)

    p = sub.add_parser("curve", help="learning curve: pretrained vs random embeddings by training-set size")
    p.add_argument("task", metavar="{sentiment,ner}")
    _train_flags(p)
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


def _train_flags(p: argparse.ArgumentParser) -> None:
    # Values are checked by the engine (one-line errors), so flags take strings here.
    p.add_argument("--data", default=None, metavar="NAME|PATH", help="sentiment: rt-polarity (default), yelp or a "
                   "'sentence<TAB>0|1' file; ner: wnut17 (default) or a CoNLL file")
    p.add_argument("--model", default="rnn", metavar="{average,rnn}", help="sentiment: averaging or an RNN (default rnn)")
    p.add_argument("--cell", default="lstm", metavar="KIND", help="rnn, gru, gru-course, gru-simple, lstm, lstm-peephole")
    p.add_argument("--bidirectional", action="store_true", help="read the sequence both ways (→a and ←a)")
    p.add_argument("--no-attention", action="store_true", help="dates: the decoder reads one summary, no attention")
    p.add_argument("--hidden", default="64", metavar="H")
    p.add_argument("--layers", default="1", metavar="L")
    p.add_argument("--dropout", default="0.3", metavar="P")
    p.add_argument("--embeddings", dest="task_embeddings", default=None, metavar="glove|DIR|none",
                   help="initial word embeddings (default: glove for sentiment and ner, none for dates)")
    p.add_argument("--freeze-embeddings", action="store_true", help="keep the pretrained embeddings fixed")
    p.add_argument("--train-size", default=None, metavar="N", help="train on only N examples")
    p.add_argument("--pretrained-vocab", default="20000", metavar="N",
                   help="the N most frequent pretrained words added to the vocabulary (default 20000)")
    p.add_argument("--min-count", default="2", metavar="N",
                   help="training words seen fewer times become UNK unless pretrained (default 2)")
    p.add_argument("--epochs", default=None, metavar="N")
    p.add_argument("--batch-size", default="32", metavar="B")
    p.add_argument("--lr", default=None, metavar="LR")
    p.add_argument("--n-dates", default="10000", metavar="N", help="dates: synthetic training pairs")
    p.add_argument("--split-seed", default="0", metavar="S")
    p.add_argument("--seed", default="0", metavar="S")
    p.add_argument("--device", default="auto", metavar="{auto,cpu,cuda}")
    p.add_argument("--threads", default=None, metavar="N", help="torch CPU threads")
    p.add_argument("--out", default=None, metavar="DIR", help="checkpoint directory (default runs/task-<task>-<model>)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (no progress bar)")


def _number(args: argparse.Namespace, name: str, kind: type = int, optional: bool = False):
    from engine.errors import InputError

    raw = getattr(args, name)
    if raw is None and optional:
        return None
    try:
        if kind is int and not str(raw).strip().lstrip("+-").isdigit():
            raise ValueError
        return kind(raw)
    except (TypeError, ValueError):
        what = "an integer" if kind is int else "a number"
        raise InputError(f"--{name.replace('_', '-')} must be {what}, got {raw!r}") from None


def config_from_args(args: argparse.Namespace, task: str | None = None):
    """The :class:`TaskConfig` of the command-line flags (one-line InputError on a bad value)."""
    from engine.tasks.config import TaskConfig

    task = task or args.task
    model = args.model if task == "sentiment" else "rnn"
    return TaskConfig(
        task=task, data=args.data, model=model, cell=args.cell, hidden=_number(args, "hidden"),
        layers=_number(args, "layers"), bidirectional=args.bidirectional, attention=not args.no_attention,
        dropout=_number(args, "dropout", float), embeddings=args.task_embeddings,
        freeze_embeddings=args.freeze_embeddings, train_size=_number(args, "train_size", optional=True),
        pretrained_vocab=_number(args, "pretrained_vocab") if hasattr(args, "pretrained_vocab") else 20_000,
        min_count=_number(args, "min_count") if hasattr(args, "min_count") else 2,
        n_dates=_number(args, "n_dates"), epochs=_number(args, "epochs", optional=True),
        batch_size=_number(args, "batch_size"), lr=_number(args, "lr", float, optional=True),
        split_seed=_number(args, "split_seed"), seed=_number(args, "seed"), device=args.device,
        cpu_threads=_number(args, "threads", optional=True), out=args.out,
    )


def _clean(value):
    """JSON without NaN or infinity (null instead), recursively."""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _dump(obj) -> None:
    sys.stdout.write(json.dumps(_clean(obj), allow_nan=False) + "\n")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.4f}"


# ----------------------------------------------------------------------------- training


class _Progress:
    """Prints a run's events: a rich progress bar on stderr, one line per epoch (nothing with --json)."""

    def __init__(self, quiet: bool) -> None:
        self.console = self.progress = self.task = None
        if not quiet:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.console = Console(stderr=True)
            self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("loss {task.fields[loss]}"), TextColumn("{task.fields[tps]} tok/s"),
                                     TextColumn("left {task.fields[eta]}"), console=self.console)

    def show(self, event) -> None:
        from engine.events import Started, Step
        from engine.tasks.events import PartStarted, TaskEvaluated

        if self.progress is None:
            return
        if isinstance(event, PartStarted):
            self.console.print(f"[bold]— {event.index}/{event.total}: {event.name}")
        elif isinstance(event, Started):
            self.console.print(event.description)
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.progress.start()
            self.task = self.progress.add_task("train", total=event.total_steps, loss="…", tps="…", eta="…")
        elif isinstance(event, Step) and self.task is not None:
            self.progress.update(self.task, completed=event.step, loss=f"{event.smoothed_loss:.3f}",
                                 tps=f"{event.tokens_per_s:,.0f}", eta=_hms(event.eta_s))
        elif isinstance(event, TaskEvaluated):
            mark = "  (best so far)" if event.best else ""
            self.console.print(f"epoch {event.epoch}: train loss {event.train_loss:.4f}, validation loss "
                               f"{event.val_loss:.4f}, {event.metric} {event.value:.4f}{mark}")

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _hms(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "?"
    m, s = divmod(int(max(seconds, 0)), 60)
    return f"{m}:{s:02d}"


def _drive(events, quiet: bool) -> list:
    """Run a generator to its end under Ctrl+C handling, printing progress; returns every event."""
    shown = _Progress(quiet)
    kept = []
    try:
        for event in events:
            shown.show(event)
            kept.append(event)
    finally:
        shown.stop()
    return kept


def _check_out(path: str | None) -> None:
    from engine.errors import InputError

    if path is not None and Path(path).expanduser().is_file():
        raise InputError(f"--out {path!r} is a file; give a directory")


def run_train(args: argparse.Namespace) -> int:
    from engine.tasks.events import TaskEvaluated, TaskFinished
    from engine.tasks.training import train_task

    config = config_from_args(args)
    if config.out is None:
        from dataclasses import replace

        name = config.model if config.task == "sentiment" and config.model == "average" else \
            ("bi" if config.bidirectional else "") + config.cell
        config = replace(config, out=str(Path("runs") / f"task-{config.task}-{name}"))
    _check_out(config.out)
    stop = threading.Event()
    with StopOnSigint(stop):
        events = _drive(train_task(config, stop), args.json)
    fin = next(e for e in reversed(events) if isinstance(e, TaskFinished))
    epochs = [{"epoch": e.epoch, "train_loss": e.train_loss, "val_loss": e.val_loss, e.metric: e.value}
              for e in events if isinstance(e, TaskEvaluated)]
    summary = {"task": fin.task, "reason": fin.reason, "metric": fin.metric, "test": dict(fin.test_metrics) or None,
               "best_epoch": fin.best_epoch, "epochs": epochs, "checkpoint": fin.checkpoint,
               "elapsed_s": round(fin.elapsed_s, 3)}
    if args.json:
        _dump(summary)
    else:
        tail = f"test {fin.metric} {_fmt(fin.test_value)} (weights of epoch {fin.best_epoch})" if fin.test_value is not None \
            else "no test score (stopped early)"
        print(f"{fin.reason}: {tail}; checkpoint {fin.checkpoint}")
    if fin.reason == "diverged":
        return 1
    return EXIT_INTERRUPTED if fin.reason == "stopped" else 0


# ----------------------------------------------------------------------------- using a model


def _load(path: str, task: str | None = None):
    from engine.tasks.io import load_task

    return load_task(path, task=task)


def run_predict(args: argparse.Namespace) -> int:
    task = _load(args.checkpoint)
    if task.task == "sentiment":
        pred = task.predict(args.text)
        reading = task.prefix_probabilities(args.text)
        data = {"task": "sentiment", "label": pred.label, "probabilities": dict(pred.probabilities),
                "tokens": list(pred.tokens), "known": list(pred.known), "prefix_positive": list(reading.positive)}
        if args.json:
            _dump(data)
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
            _dump({"task": "ner", "tokens": [{"token": tok, "tag": tag, "probability": p}
                                             for tok, tag, p in zip(pred.tokens, pred.tags, pred.probabilities)],
                   "entities": entities})
            return 0
        for tok, tag, p, known in zip(pred.tokens, pred.tags, pred.probabilities, pred.known):
            print(f"  {tok:<16} {tag:<16} {p:.3f}" + ("" if known else "   (unknown word)"))
        print("entities: " + (", ".join(f"{e['text']} ({e['type']})" for e in entities) or "none"))
        return 0
    beam = _number(args, "beam")
    tr = task.translate(args.text, beam_width=beam)
    cands = [{"text": c.text, "score": c.score, "log_probability": c.log_prob, "finished": c.finished}
             for c in tr.candidates]
    if args.json:
        _dump({"task": "dates", "output": tr.output, "log_probability": tr.log_prob, "candidates": cands})
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
    task = _load(args.checkpoint)
    ev = task.evaluate(args.split)
    keys = {"sentiment": ("accuracy",), "ner": ("f1", "precision", "recall"), "dates": ("exact_match",)}[task.task]
    result = {k: ev.metrics[k] for k in keys}
    if args.json:
        _dump(result)
    else:
        print(f"{task.describe()}\n{args.split} ({ev.size} examples): " + ", ".join(f"{k} {_fmt(v)}" for k, v in result.items()))
    return 0


def run_teddy(args: argparse.Namespace) -> int:
    from engine.tasks.ner import TEDDY

    task = _load(args.checkpoint, task="ner")
    sentences = tuple(args.sentences) if args.sentences else TEDDY
    word = args.word
    report = task.teddy(sentences, word=word)
    rows = []
    for s, pred, i in zip(report.sentences, report.predictions, report.positions):
        dist = pred.distribution[i]
        top = sorted(range(len(dist)), key=lambda j: -dist[j])[:3]
        rows.append({"sentence": s, "tags": list(pred.tags), "word_tag": pred.tags[i],
                     "word_distribution": {pred.tag_names[j]: float(dist[j]) for j in top}})
    if args.json:
        _dump({"bidirectional": report.bidirectional, "word": word, "max_difference": report.max_difference,
               "sentences": rows})
        return 0
    kind = "bidirectional" if report.bidirectional else "forward-only"
    for row in rows:
        print(row["sentence"])
        print("  tags: " + " ".join(row["tags"]))
        print(f"  {word!r}: " + ", ".join(f"{t} {p:.3f}" for t, p in row["word_distribution"].items()))
    if report.bidirectional:
        print(f"{kind} tagger: P(tag of {word!r}) differs by up to {report.max_difference:.3f} between the sentences: "
              f"←a at {word!r} has read the words that follow it")
    else:
        same = "is identical in both sentences" if report.max_difference == 0 else "differs"
        print(f"{kind} tagger: P(tag of {word!r}) {same} (largest difference {report.max_difference:.3g}): "
              f"→a has read the words up to {word!r} only, never what follows")
    return 0


# ----------------------------------------------------------------------------- compare and curve


def run_compare(args: argparse.Namespace) -> int:
    from engine.errors import InputError
    from engine.tasks.compare import compare_sentiment
    from engine.tasks.events import Compared, TaskFinished

    if args.task != "sentiment":
        raise InputError(f"compare works on the sentiment task (averaging vs RNN), got {args.task!r}")
    config = config_from_args(args, "sentiment")
    _check_out(config.out)
    stop = threading.Event()
    with StopOnSigint(stop):
        events = _drive(compare_sentiment(config, stop, out=config.out), args.json)
    result = next((e for e in events if isinstance(e, Compared)), None)
    if result is None:
        fin = [e for e in events if isinstance(e, TaskFinished)]
        print("stopped before both models were trained; no comparison", file=sys.stderr)
        return EXIT_INTERRUPTED if fin and fin[-1].reason == "stopped" else 1
    if args.json:
        from dataclasses import asdict

        _dump(asdict(result))
        return 0
    show = _number(args, "show")
    print(f"test accuracy on the same {result.test_size} held-out sentences: averaging {result.accuracy_average:.4f}, "
          f"RNN {result.accuracy_rnn:.4f}")
    print(f"they disagree on {result.n_disagreements} sentences" + (f"; the first {min(show, len(result.disagreements))}:"
                                                                     if result.disagreements and show else ""))
    for d in result.disagreements[:show]:
        print(f"  [{d.gold[:3]}] avg {d.average[:3]} {d.p_average:.2f} | rnn {d.rnn[:3]} {d.p_rnn:.2f}  {d.text[:90]}")
    print("negations (P(positive); ✓ = the label a person gives):")
    for n in result.negations:
        ok_a, ok_r = (("✓" if (p >= 0.5) == (n.gold == "positive") else "✗") for p in (n.p_average, n.p_rnn))
        print(f"  [{n.gold[:3]}] avg {n.p_average:.2f} {ok_a}  rnn {n.p_rnn:.2f} {ok_r}  {n.text}")
    print("same words, other order (averaging reads a bag of words, so it must answer both alike):")
    for pair in result.order_pairs:
        for text, gold, pa, pr in ((pair.first, pair.gold_first, pair.p_average[0], pair.p_rnn[0]),
                                   (pair.second, pair.gold_second, pair.p_average[1], pair.p_rnn[1])):
            ok_a, ok_r = (("✓" if (p >= 0.5) == (gold == "positive") else "✗") for p in (pa, pr))
            print(f"  [{gold[:3]}] avg {pa:.2f} {ok_a}  rnn {pr:.2f} {ok_r}  {text}")
    k = len(result.negations)
    a, r = round(result.negation_accuracy_average * k), round(result.negation_accuracy_rnn * k)
    verdict = "the RNN gets more of them right" if r > a else "the RNN does not beat averaging on them in this run" \
        if r < a else "both get as many right in this run"
    print(f"negation set: averaging {a}/{k}, RNN {r}/{k}: {verdict}")
    return 0


def run_curve(args: argparse.Namespace) -> int:
    from engine.errors import InputError
    from engine.tasks.curve import learning_curve
    from engine.tasks.events import CurveFinished

    if args.task not in ("sentiment", "ner"):
        raise InputError(f"the learning curve compares word embeddings: task must be sentiment or ner, got {args.task!r}")
    sizes: list[int | None] = []
    for part in args.sizes.split(","):
        part = part.strip()
        if part == "all":
            sizes.append(None)
        elif part.isdigit() and int(part) > 0:
            sizes.append(int(part))
        else:
            raise InputError(f"--sizes must be positive integers or 'all' separated by commas, got {args.sizes!r}")
    config = config_from_args(args)
    stop = threading.Event()
    with StopOnSigint(stop):
        events = _drive(learning_curve(config, stop, sizes=sizes, min_steps=_number(args, "min_steps")), args.json)
    done = next(e for e in reversed(events) if isinstance(e, CurveFinished))
    points = [{"size": p.size, "init": p.init, p.metric: p.value, "epochs": p.epochs} for p in done.points]
    if args.json:
        _dump({"task": args.task, "reason": done.reason, "points": points})
    else:
        inits = list(dict.fromkeys(p.init for p in done.points))
        print(f"test {done.points[0].metric if done.points else ''} by training-set size")
        print("  size    " + "".join(f"{i:>12}" for i in inits))
        for size in dict.fromkeys(p.size for p in done.points):
            vals = {p.init: p.value for p in done.points if p.size == size}
            print(f"  {size:<8}" + "".join(f"{_fmt(vals.get(i)):>12}" for i in inits))
    return EXIT_INTERRUPTED if done.reason == "stopped" else 0
