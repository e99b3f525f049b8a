"""Language-model commands: ``train lm``, ``sample``, ``score``, ``gates``.

    seq-explorer train lm --data {dinos,names,shakespeare,PATH} --level {char,word} --cell KIND
        --layers N --hidden H --steps N --lr X (--clip-value N | --clip-norm N | --no-clip)
        --seed S --device {auto,cpu,cuda} --out DIR [--resume DIR | --overwrite] [--json]
    seq-explorer sample DIR --n 10 --temperature 0.8 --top-k K --prefix TEXT --seed S [--which best|last] [--json]
    seq-explorer score DIR TEXT [--which best|last] [--json]
    seq-explorer gates DIR --text TEXT [--layer L] [--parameters] [--which best|last] [--json]

DIR is a checkpoint directory or the name of a bundled one (dinos-lstm, dinos-gru, dinos-rnn, shakespeare-lstm).
A run folder keeps its last checkpoint and, in DIR/best, the one with the lowest validation loss;
``--which best`` (the default) loads that one when it exists. ``train lm`` refuses an ``--out`` that
holds a checkpoint unless it is the ``--resume`` folder or ``--overwrite`` is given. ``sample``
prints each batch of samples as it is drawn, so ``--n`` may be any number.

``train`` is a group: this module creates it and adds the ``lm`` kind; another module adds its own
kind with ``train_kinds(subparsers).add_parser("NAME", ...)`` (whichever module registers first
creates the group). Ctrl+C during training asks the run to stop: it saves a checkpoint and exits
cleanly (status 130); a second Ctrl+C interrupts at once.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from engine.assets import BUNDLED_CHECKPOINTS
from engine.recurrent import kinds  # the table of cell kinds, torch-free (no torch at --help)
from explorer.commands._output import write_json, write_json_array
from explorer.commands._signals import StopOnSigint
from explorer.fields import flags_of

BUNDLED = BUNDLED_CHECKPOINTS
EXIT_INTERRUPTED = 130


def train_kinds(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The sub-subparsers of ``train`` (``train lm``, ...), creating the ``train`` group on first use."""
    parser = subparsers.choices.get("train")
    if parser is None:
        parser = subparsers.add_parser("train", help="train a model headless (train lm, ...)",
                                       description="Train a model headless, with a progress bar.")
        parser.set_defaults(handler=lambda args: parser.error("choose what to train, e.g. 'train lm'"))
        parser._seq_explorer_kinds = parser.add_subparsers(dest="train_kind", metavar="KIND")  # type: ignore[attr-defined]
    return parser._seq_explorer_kinds  # type: ignore[attr-defined]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = train_kinds(subparsers).add_parser(
        "lm", help="train a character- or word-level language model",
        description="Train a recurrent language model. Ctrl+C saves a checkpoint and exits.",
    )
    data = p.add_argument_group("data")
    data.add_argument("--data", default="dinos", metavar="{dinos,names,shakespeare,PATH}", help="corpus name or text file (default: dinos)")
    data.add_argument("--level", choices=("char", "word"), default="char", help="tokens are characters or words")
    data.add_argument("--encoding", default="utf-8", help="encoding of a text file (default: utf-8)")
    data.add_argument("--case", choices=("auto", "lower", "keep"), default="auto", help="letter case (auto: corpus default)")
    data.add_argument("--sequence", choices=("auto", "line", "stream"), default="auto",
                      help="line: one sequence per line; stream: windows over running text")
    data.add_argument("--seq-len", type=int, default=100, help="longest sequence in tokens")
    data.add_argument("--min-count", type=int, default=1, help="rarer tokens become UNK")
    data.add_argument("--max-vocab", type=int, default=None, help="keep at most this many tokens")
    model = p.add_argument_group("model")
    model.add_argument("--cell", choices=kinds.CELL_KINDS, default="lstm",
                       help="; ".join(f"{k.name}: {k.title}" for k in kinds.KINDS.values()))
    model.add_argument("--layers", type=int, default=1)
    model.add_argument("--hidden", type=int, default=50, help="n_a (default 50)")
    model.add_argument("--dropout", type=float, default=0.0)
    model.add_argument("--input", choices=("one-hot", "embedding"), default="one-hot")
    model.add_argument("--embedding-dim", type=int, default=32)
    opt = p.add_argument_group("training")
    opt.add_argument("--steps", type=int, default=800)
    opt.add_argument("--batch-size", type=int, default=32)
    opt.add_argument("--lr", type=float, default=0.01)
    opt.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    clip = opt.add_mutually_exclusive_group()
    clip.add_argument("--clip-value", type=float, metavar="N", help="clip each gradient entry to [-N, N] (default: 5, the course's)")
    clip.add_argument("--clip-norm", type=float, metavar="N", help="rescale the gradient to global norm N when larger")
    clip.add_argument("--no-clip", action="store_true", help="no gradient clipping")
    opt.add_argument("--seed", type=int, default=0)
    opt.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    opt.add_argument("--threads", type=int, default=None, help="torch CPU threads (1 is often fastest for small models)")
    opt.add_argument("--eval-every", type=int, default=100)
    opt.add_argument("--sample-every", type=int, default=100, help="0: no samples during training")
    opt.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--out", metavar="DIR", help="checkpoint directory (default: runs/<data>-<cell>)")
    p.add_argument("--resume", metavar="DIR", help="continue the run saved in this checkpoint")
    p.add_argument("--overwrite", action="store_true",
                   help="start afresh even though --out holds a checkpoint (replaced at the first save)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout (no progress bar)")
    # An engine error about a TrainConfig field names its flag (InputError.field → --flag).
    p.set_defaults(handler=_train, flags=flags_of(p, cpu_threads="--threads", clip="--clip-value/--clip-norm/--no-clip",
                                                  clip_threshold="--clip-value/--clip-norm"))

    s = subparsers.add_parser("sample", help="sample text from a language model",
                              description="Sample from a language-model checkpoint until EOS or --max-len.")
    s.add_argument("checkpoint", metavar="DIR", help=f"checkpoint directory or bundled name ({', '.join(BUNDLED)})")
    s.add_argument("--n", type=int, default=10, help="number of samples")
    s.add_argument("--temperature", type=float, default=1.0, help="0 = always the likeliest token")
    s.add_argument("--top-k", type=int, default=None, help="sample among the K likeliest tokens")
    s.add_argument("--prefix", default="", help="text the samples start with")
    s.add_argument("--max-len", type=int, default=50, help="most new tokens per sample")
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    _which(s)
    s.add_argument("--json", action="store_true", help='print [{"text", "in_training_set"}, ...]')
    s.set_defaults(handler=_sample)

    c = subparsers.add_parser("score", help="probability of a sentence under a language model",
                              description="P(y⟨1⟩…y⟨T⟩) = Π_t P(y⟨t⟩ | y⟨1⟩…y⟨t−1⟩), EOS included.")
    c.add_argument("checkpoint", metavar="DIR")
    c.add_argument("text", metavar="TEXT")
    _which(c)
    c.add_argument("--json", action="store_true", help='print {"tokens": [...], "log_probability", "perplexity"}')
    c.set_defaults(handler=_score)

    g = subparsers.add_parser("gates", help="gate trace of a language model reading a text",
                              description="Record every gate and state while the model reads TEXT (seq-explorer.trace/1).")
    g.add_argument("checkpoint", metavar="DIR")
    g.add_argument("--text", required=True)
    g.add_argument("--layer", type=int, default=None, help="only this layer (1-based)")
    g.add_argument("--parameters", action="store_true", help="include the cell's course-notation parameters")
    _which(g)
    g.add_argument("--json", action="store_true", help="print the trace as JSON")
    g.set_defaults(handler=_gates)


# ----------------------------------------------------------------------------- helpers


def _which(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--which", choices=("best", "last"), default="best",
                        help="a run folder's best checkpoint (lowest validation loss; the default, when it has one) or its last")


def _load(name_or_dir: str, device: str = "cpu", which: str = "best"):
    from engine.lm import default_checkpoint, load_language_model

    name = name_or_dir.removeprefix("bundled:")  # the app's --checkpoint spelling is accepted too
    path = Path(name_or_dir).expanduser()
    if not path.exists() and name in BUNDLED:
        path = default_checkpoint(name)
    return load_language_model(path, device=device, which=which)


def _config_from_args(args: argparse.Namespace):
    from engine.training import TrainConfig

    if args.no_clip:
        clip, threshold = "none", 5.0
    elif args.clip_norm is not None:
        clip, threshold = "norm", args.clip_norm
    else:
        clip, threshold = "value", args.clip_value if args.clip_value is not None else 5.0
    out = args.out or (args.resume if args.resume else str(Path("runs") / f"{Path(args.data).stem}-{args.cell}"))
    return TrainConfig(
        data=args.data, level=args.level, encoding=args.encoding, case=args.case, sequence=args.sequence,
        seq_len=args.seq_len, min_count=args.min_count, max_vocab=args.max_vocab, cell=args.cell, layers=args.layers,
        hidden=args.hidden, dropout=args.dropout, input=args.input, embedding_dim=args.embedding_dim, steps=args.steps,
        batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer, clip=clip, clip_threshold=threshold,
        seed=args.seed, device=args.device, cpu_threads=args.threads, eval_every=args.eval_every, sample_every=args.sample_every,
        checkpoint_every=args.checkpoint_every, out=out, overwrite=args.overwrite,
    )


# ----------------------------------------------------------------------------- handlers


def _train(args: argparse.Namespace) -> int:
    from engine.distributed import writes_here
    from engine.events import Diverged, Evaluated, Finished, Sampled, Saved, Started, Step
    from engine.training import train

    main = writes_here()  # under torchrun only rank 0 reports (and writes); the others train silently

    config = _config_from_args(args)
    stop = threading.Event()
    result: dict = {"samples": [], "val_losses": []}
    finished = None
    progress = task = None
    console = None
    if not args.json and main:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(stderr=True)
        progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"), TextColumn("{task.fields[tps]} tok/s"),
            TextColumn("left {task.fields[eta]}"), console=console, transient=False,
        )
    with StopOnSigint(stop):
        events = train(config, stop, resume_from=args.resume)
        started = False
        try:
            for event in events:
                if isinstance(event, Started):
                    result["description"] = event.description
                    if progress is not None:
                        console.print(event.description)
                        progress.start()
                        started = True
                        task = progress.add_task("train lm", total=event.total_steps, completed=event.start_step,
                                                 loss="…", tps="…", eta="…")
                elif isinstance(event, Step):
                    result["final_loss"] = event.loss
                    result["smoothed_loss"] = event.smoothed_loss
                    if progress is not None:
                        progress.update(task, completed=event.step, loss=f"{event.smoothed_loss:.3f}",
                                        tps=f"{event.tokens_per_s:,.0f}", eta=_hms(event.eta_s))
                elif isinstance(event, Evaluated):
                    result["val_losses"].append({"step": event.step, "val_loss": event.val_loss})
                    if progress is not None:
                        console.print(f"step {event.step}: validation loss {event.val_loss:.4f} nats/token")
                elif isinstance(event, Sampled):
                    result["samples"] = [{"text": s.text, "in_training_set": s.in_training_set} for s in event.samples]
                    if progress is not None:
                        console.print("samples: " + " | ".join(s.text.replace("\n", "⏎") for s in event.samples))
                elif isinstance(event, Saved):
                    result["checkpoint"] = event.path
                elif isinstance(event, Diverged):
                    result["diverged"] = {"step": event.step, "advice": event.advice}
                    if console is not None:
                        console.print(f"[red]diverged at step {event.step}[/]: {event.advice}")
                elif isinstance(event, Finished):
                    finished = event
        finally:
            if started:
                progress.stop()
    assert finished is not None
    result.update(step=finished.step, reason=finished.reason, val_loss=finished.val_loss,
                  elapsed_s=round(finished.elapsed_s, 3), checkpoint=finished.checkpoint)
    if not main:
        pass
    elif args.json:
        write_json(result, default=str)
    else:
        val = f"{finished.val_loss:.4f}" if finished.val_loss is not None else "n/a"
        print(f"{finished.reason} at step {finished.step}; validation loss {val}; checkpoint {finished.checkpoint}")
    if finished.reason == "diverged":
        return 1
    return EXIT_INTERRUPTED if finished.reason == "stopped" else 0


def _hms(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _sample(args: argparse.Namespace) -> int:
    from engine.lm import iter_samples

    model = _load(args.checkpoint, args.device, args.which)
    samples = iter_samples(model, n=args.n, temperature=args.temperature, top_k=args.top_k, prefix=args.prefix,
                           max_len=args.max_len, seed=args.seed)  # drawn batch by batch, printed as they come
    if args.json:
        write_json_array({"text": s.text, "in_training_set": s.in_training_set} for s in samples)
        return 0
    for s in samples:
        mark = "" if s.in_training_set is None else ("  (seen in training)" if s.in_training_set else "  (new)")
        print(s.text + mark)
    return 0


def _score(args: argparse.Namespace) -> int:
    from engine.lm import sentence_probability

    model = _load(args.checkpoint, which=args.which)
    score = sentence_probability(model, args.text)
    if args.json:
        data = {
            "tokens": [{"token": t.token, "probability": t.probability, "log_probability": t.log_probability,
                        "unk": t.is_unk, "eos": t.is_eos} for t in score.tokens],
            "log_probability": score.log_probability,
            "perplexity": score.perplexity,
        }
        write_json(data)
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("t", "token", "P(y⟨t⟩ | y⟨<t⟩)", "log P", title=f"{args.text!r}")
    for i, t in enumerate(score.tokens, start=1):
        label = t.token + ("  [UNK]" if t.is_unk else "")
        table.add_row(str(i), repr(label) if not t.is_eos else "<eos>", f"{t.probability:.4f}", f"{t.log_probability:.3f}")
    console = Console()
    console.print(table)
    console.print(f"log P = {score.log_probability:.4f} (natural log); P = {score.probability:.3e}; perplexity = {score.perplexity:.3f}"
                  + (f"; {score.n_unk} token(s) scored as UNK" if score.n_unk else ""))
    return 0


def _gates(args: argparse.Namespace) -> int:
    from engine.lm import record_trace, trace_to_json

    model = _load(args.checkpoint, which=args.which)
    tokens, trace = record_trace(model, args.text)
    data = trace_to_json(model, tokens, trace, parameters=args.parameters, layer=args.layer)
    if args.json:
        write_json(data)
        return 0
    print(f"{data['cell']}: {data['variant_note']}")
    for eq in data["equations"]:
        print("  " + eq)
    for entry in data["layers"]:
        print(f"layer {entry['layer']} ({entry['direction']}): mean over units per step")
        names = list(entry["gates"])
        print("  " + "token".ljust(8) + "".join(n[:9].rjust(10) for n in names + ["a"]))
        for t, tok in enumerate(data["tokens"]):
            row = [sum(entry["gates"][n][t]) / len(entry["gates"][n][t]) for n in names]
            row.append(sum(entry["a"][t]) / len(entry["a"][t]))
            print("  " + repr(tok)[:8].ljust(8) + "".join(f"{v:10.3f}" for v in row))
    return 0
