"""The ``seq-explorer`` command line.

``seq-explorer`` with no subcommand opens the app. Subcommands run headless; each
group lives in :mod:`explorer.commands` and registers itself through
``register(subparsers)``. Handlers import the engine lazily, so ``--help`` and the
app's first frame never wait for torch.

Every error is one line on stderr with a non-zero exit status; ``--debug`` shows
the traceback. An engine error about one config field names that field's flag: a subcommand sets
``flags`` (config field → flag, :func:`explorer.fields.flags_of`) in its parser's defaults.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

# Modules under explorer.commands that add subcommands; each has register(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("lm", "word2vec", "glove", "embeddings", "gradients", "tasks", "nplm")
SCREENS: tuple[str, ...] = ("train", "gates", "generate", "embeddings", "analogies", "gradients", "tasks")

EXIT_USAGE = 2
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seq-explorer",
        description="A terminal laboratory for sequence models. With no command, opens the app.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--screen", choices=SCREENS, default="train", help="screen the app opens on")
    parser.add_argument("--checkpoint", metavar="DIR", help="language-model checkpoint the app shows")
    parser.add_argument("--embeddings", metavar="glove|DIR|FILE", default="glove",
                        help="word vectors the app queries: glove (the bundled GloVe 6B 50d), a folder written by "
                             "word2vec/glove train, or a word2vec .txt/.bin file")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="where models run")
    parser.add_argument("--watch", metavar="RUN_DIR",
                        help="open on the Train screen following a run started elsewhere (another terminal, "
                             "torchrun): its RUN_DIR/metrics.jsonl, live and read-only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"explorer.commands.{name}").register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return " ".join(text.split())


def run_handler(handler: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run a subcommand handler, turning every failure into one line on stderr."""
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("seq-explorer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place errors become messages
        if getattr(args, "debug", False):
            raise
        if _is_input_error(exc):  # a config field's name becomes the command's flag for it
            from explorer.fields import in_own_words

            print(f"seq-explorer: error: {in_own_words(exc, getattr(args, 'flags', {}))}", file=sys.stderr)
        elif isinstance(exc, (OSError, UnicodeError)):
            print(f"seq-explorer: error: {_one_line(exc)}", file=sys.stderr)
        else:
            print(
                f"seq-explorer: internal error: {exc.__class__.__name__}: {_one_line(exc)} "
                "(run again with --debug for the traceback)",
                file=sys.stderr,
            )
        return EXIT_ERROR


def _is_input_error(exc: BaseException) -> bool:
    mod = sys.modules.get("engine.errors")
    return mod is not None and isinstance(exc, mod.InputError)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        return run_handler(_open_app, args)
    return run_handler(handler, args)


def watch_folder(path: str) -> str:
    """The run folder ``--watch`` follows: ``path``, or the folder of ``path`` when it names the metrics
    file itself. A folder that does not exist yet is fine (the run may start later); a file that is not
    a metrics file is refused."""
    import os

    from engine.errors import InputError

    path = os.path.expanduser(path)
    if os.path.isfile(path) or os.path.basename(path) == "metrics.jsonl":
        if os.path.basename(path) != "metrics.jsonl":
            raise InputError(f"--watch takes a run folder (the one holding metrics.jsonl), got the file {path}")
        path = os.path.dirname(path) or "."
    return path


def _open_app(args: argparse.Namespace) -> int:
    from explorer.app import make_app

    options = {"watch": watch_folder(args.watch)} if args.watch else None
    app = make_app(screen=args.screen, checkpoint=args.checkpoint, embeddings=args.embeddings, device=args.device,
                   options=options)
    app.run()
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
