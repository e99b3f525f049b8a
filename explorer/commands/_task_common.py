"""What the ``task`` commands share: their training flags, the config built from them, progress
printing and loading a task checkpoint (:mod:`explorer.commands.tasks`, :mod:`explorer.commands.task_reports`)."""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_INTERRUPTED = 130


def train_flags(p: argparse.ArgumentParser) -> None:
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


def number(args: argparse.Namespace, name: str, kind: type = int, optional: bool = False):
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
        task=task, data=args.data, model=model, cell=args.cell, hidden=number(args, "hidden"),
        layers=number(args, "layers"), bidirectional=args.bidirectional, attention=not args.no_attention,
        dropout=number(args, "dropout", float), embeddings=args.task_embeddings,
        freeze_embeddings=args.freeze_embeddings, train_size=number(args, "train_size", optional=True),
        pretrained_vocab=number(args, "pretrained_vocab") if hasattr(args, "pretrained_vocab") else 20_000,
        min_count=number(args, "min_count") if hasattr(args, "min_count") else 2,
        n_dates=number(args, "n_dates"), epochs=number(args, "epochs", optional=True),
        batch_size=number(args, "batch_size"), lr=number(args, "lr", float, optional=True),
        split_seed=number(args, "split_seed"), seed=number(args, "seed"), device=args.device,
        cpu_threads=number(args, "threads", optional=True), out=args.out,
    )


def fmt(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{value:.4f}"


class Progress:
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
                                 tps=f"{event.tokens_per_s:,.0f}", eta=hms(event.eta_s))
        elif isinstance(event, TaskEvaluated):
            mark = "  (best so far)" if event.best else ""
            self.console.print(f"epoch {event.epoch}: train loss {event.train_loss:.4f}, validation loss "
                               f"{event.val_loss:.4f}, {event.metric} {event.value:.4f}{mark}")

    def stop(self) -> None:
        if self.task is not None:  # started: stopping a Progress never started prints a stray blank line
            self.progress.stop()


def hms(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "?"
    m, s = divmod(int(max(seconds, 0)), 60)
    return f"{m}:{s:02d}"


def drive(events, quiet: bool) -> list:
    """Run a generator to its end under Ctrl+C handling, printing progress; returns every event."""
    shown = Progress(quiet)
    kept = []
    try:
        for event in events:
            shown.show(event)
            kept.append(event)
    finally:
        shown.stop()
    return kept


def check_out(path: str | None) -> None:
    from engine.errors import InputError

    if path is not None and Path(path).expanduser().is_file():
        raise InputError(f"--out {path!r} is a file; give a directory")


def load(path: str, task: str | None = None):
    from engine.tasks.io import load_task

    return load_task(path, task=task)
