"""Errors that reach the user.

An :class:`InputError` carries a one-line message that names the problem and what
to do about it. The command line prints it as is (no traceback); the app shows it
in a dialog. Anything else that escapes is a bug in seq-explorer.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user: a file, a word, a setting, a shape.

    The message is one line and says what to do, e.g.
    ``"hidden_size must be > 0, got -3"``. It speaks of settings by their config field
    name (``min_count``), never by a command-line flag: the same engine serves the app,
    whose forms have no flags. ``field`` names that config field where one setting is
    at fault, so the command line can point at its flag and the app at its form field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CheckpointError(InputError):
    """A checkpoint that cannot be loaded: wrong format, other model kind, truncated."""


class CheckpointWriteError(CheckpointError):
    """A checkpoint that could not be written (a full disk, a folder that turned read-only).
    The previous checkpoint in that folder is left as it was."""


class UnknownWordError(InputError, KeyError):
    """A word that is not in the vocabulary; ``suggestions`` holds close spellings."""

    def __init__(self, word: str, suggestions: tuple[str, ...] = ()) -> None:
        self.word = word
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else "; try another word"
        super().__init__(f"'{word}' is not in the vocabulary{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]
