"""GloVe commands: ``glove train``.

    seq-explorer glove train --corpus {default,PATH} --dim 100 --window 15 --min-count 5 --epochs 15
        [--max-vocab N] [--x-max 100] [--alpha 0.75] [--eta 0.05] [--batch-size 4096] [--memory-mb 512]
        [--seed S] [--device {auto,cpu,cuda}] [--format text|binary|none] --out DIR [--json]

Counts the co-occurrences of the corpus (bounded memory: shards on disk beyond ``--memory-mb``),
then fits GloVe (:mod:`engine.embeddings.glove_train`). Writes DIR (default ``runs/glove``) as
``word2vec train`` does: the project's vectors format (θ + e for every word, with its count),
``vectors.txt`` (word2vec text; ``--format binary`` for ``vectors.bin``), ``training.json`` and
``metrics.jsonl``; any of them loads wherever ``--embeddings`` is accepted. Ctrl+C while training
saves the vectors so far (status 130). Bad values are one-line errors (status 1).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from explorer.commands.word2vec import _number, discard_out, prepare_out, run_training


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("glove", help="train GloVe embeddings (glove train)",
                                  description="GloVe: global vectors from co-occurrence counts.")
    group.set_defaults(handler=lambda args: group.error("choose a glove command, e.g. 'glove train'"))
    kinds = group.add_subparsers(dest="glove_command", metavar="COMMAND")
    p = kinds.add_parser("train", help="count co-occurrences and fit GloVe vectors",
                         description="Train GloVe (weighted least squares on log co-occurrence counts, AdaGrad). "
                                     "Ctrl+C saves the vectors trained so far and exits.")
    p.add_argument("--corpus", default="default", metavar="{default,PATH}",
                   help="the bundled Gutenberg + Wikipedia sample (≈5.1M words) or a UTF-8 text file (.gz ok)")
    p.add_argument("--dim", default="100", metavar="D", help="vector size (default 100)")
    p.add_argument("--window", default="15", metavar="N", help="co-occurrence window, weighted 1/distance (default 15)")
    p.add_argument("--min-count", default="5", metavar="N", help="drop rarer words (default 5)")
    p.add_argument("--max-vocab", default=None, metavar="N", help="keep only the N most frequent words")
    p.add_argument("--epochs", default="15", metavar="N", help="passes over the co-occurrences (default 15)")
    p.add_argument("--x-max", default="100", metavar="X", help="f(x) = (x/x_max)^alpha below x_max (default 100)")
    p.add_argument("--alpha", default="0.75", metavar="A", help="exponent of the weighting f (default 0.75)")
    p.add_argument("--eta", default="0.05", metavar="LR", help="AdaGrad learning rate (default 0.05)")
    p.add_argument("--batch-size", default="4096", metavar="N", help="entries per vectorised step (default 4096)")
    p.add_argument("--memory-mb", default="512", metavar="MB",
                   help="memory for counting; beyond it sorted shards go to disk (default 512)")
    p.add_argument("--seed", default="1", metavar="S")
    p.add_argument("--device", default="auto", metavar="{auto,cpu,cuda}")
    p.add_argument("--punctuation", default="strip", metavar="{strip,split,keep}")
    p.add_argument("--format", default="text", metavar="{text,binary,none}",
                   help="also write vectors.txt / vectors.bin in the word2vec format (default text)")
    p.add_argument("--out", metavar="DIR", help="output directory (default: runs/glove)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout (no progress bar)")
    p.set_defaults(handler=run_train)


def config_from_args(args: argparse.Namespace):
    """The :class:`GloveConfig` of the command-line arguments (InputError on a bad value)."""
    from engine.embeddings.glove_train import GloveConfig
    from engine.errors import InputError

    if args.format not in ("none", "text", "binary"):
        raise InputError(f"--format must be none, text or binary, got {args.format!r}")
    return GloveConfig(
        corpus=args.corpus, dim=_number(args, "dim", int), window=_number(args, "window", int),
        min_count=_number(args, "min_count", int),
        max_vocab=None if args.max_vocab is None else _number(args, "max_vocab", int),
        epochs=_number(args, "epochs", int), x_max=_number(args, "x_max", float), alpha=_number(args, "alpha", float),
        eta=_number(args, "eta", float), batch_size=_number(args, "batch_size", int),
        memory_mb=_number(args, "memory_mb", float), seed=_number(args, "seed", int), device=args.device,
        punctuation=args.punctuation,
    )


def run_train(args: argparse.Namespace) -> int:
    from engine.embeddings.corpus import corpus_files
    from engine.embeddings.glove_train import train_glove

    config = config_from_args(args)
    corpus_files(config.corpus)  # a missing or empty file fails here, before any output
    out = Path(args.out or "runs/glove").expanduser()
    created = prepare_out(out)
    try:
        return run_training(args, config, out, lambda stop: train_glove(config, stop), "glove")
    except BaseException:
        discard_out(out, created)
        raise
