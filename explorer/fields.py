"""An engine setting in the words of whoever shows it: a form's label in the app, a flag on the command line.

The engine's :class:`~engine.errors.InputError` speaks of a setting by its config field name
(``lr must be > 0, got -1``) and names it in ``error.field``. The app shows that message with the
form's label (``learning rate must be > 0, got -1``), the command line with its flag (``--lr must be
> 0, got -1``), so neither shows the other's vocabulary. Textual-free and engine-free: the command
line uses it before anything heavy is imported.
"""

from __future__ import annotations

import argparse
import re
from typing import Iterable, Mapping


def field_of(error: BaseException, known: Iterable[str] = ()) -> str | None:
    """The config field ``error`` is about: its ``field``, else the message's first word when that is
    one of ``known`` (the convention is that a message starts with the field it refuses)."""
    field = getattr(error, "field", None)
    if field:
        return str(field)
    words = str(error).split(maxsplit=1)
    first = words[0] if words else ""
    return first if first in set(known) else None


def in_own_words(error: BaseException, names: Mapping[str, str]) -> str:
    """``error``'s one-line message with its field called by ``names[field]`` (a label or a flag).

    The field's name is replaced where it starts the message and wherever it is written as an
    identifier (``clip_threshold``); a message that does not name it gets the name as a prefix.
    Unchanged when the field is unknown or has no name in ``names``.
    """
    message = " ".join((str(error).strip() or type(error).__name__).split())
    field = field_of(error, names)
    name = names.get(field) if field else None
    if not field or not name or name == field:
        return message
    own = _other_identifiers(message, names, field)
    if "_" in field:
        own = re.sub(rf"(?<![\w-]){re.escape(field)}(?![\w-])", name, own)
    if own.startswith(field + " ") or own == field:
        return name + own[len(field):]
    if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", own):
        return own
    return f"{name}: {own}"


def _other_identifiers(message: str, names: Mapping[str, str], field: str) -> str:
    """``message`` with every other setting written as an identifier (``seq_len``) in ``names``' words
    (a message may name a second setting: "lower batch_size or seq_len")."""
    for other, word in names.items():
        if other != field and "_" in other and word and word != other:
            message = re.sub(rf"(?<![\w-]){re.escape(other)}(?![\w-])", word, message)
    return message


def flags_of(parser: argparse.ArgumentParser, **extra: str) -> dict[str, str]:
    """Config field → flag for ``parser``'s options whose ``dest`` is the field (``--seq-len`` for
    ``seq_len``), plus ``extra`` for options named otherwise (``cpu_threads="--threads"``)."""
    flags: dict[str, str] = {}
    for action in parser._actions:  # argparse keeps no public list of a parser's actions
        longs = [s for s in action.option_strings if s.startswith("--")]
        if longs and action.dest not in ("help", "json", "debug"):
            flags.setdefault(action.dest, longs[0])
    flags.update(extra)
    return flags


__all__ = ["field_of", "flags_of", "in_own_words"]
