"""The training configuration form: corpus (bundled or a file), level, cell, sizes, rate, clipping, steps.

``values()`` returns plain strings/numbers keyed like the command line's options;
:func:`parse_form` checks the numbers and raises ``ValueError`` with a one-line
message naming the field. The screen turns the values into the engine's
``TrainConfig`` inside the worker (so this module never imports torch).
"""

from __future__ import annotations

import functools

from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select

from explorer.deferred import after_first_frame

CELLS = ("lstm", "lstm-peephole", "gru", "gru-course", "gru-simple", "rnn")
CORPORA = ("dinos", "names", "shakespeare")
FILE = "file"

_FALLBACK: dict[str, str] = {
    "data": "dinos",
    "path": "",
    "level": "char",
    "cell": "lstm",
    "layers": "1",
    "hidden": "50",
    "lr": "0.01",
    "clip": "value",
    "clip_threshold": "5",
    "steps": "800",
    "seed": "0",
}


@functools.cache
def engine_defaults() -> dict[str, str]:
    """The form's initial values: the engine's ``TrainConfig`` defaults (the demo run).

    ``engine.training`` imports torch only inside its functions, so reading its dataclass
    defaults is cheap, but importing it still costs ~25 ms: it is read when the form's
    fields are built, after the first frame (the first-frame test checks torch stays out).
    """
    import dataclasses

    try:
        from engine.training import TrainConfig
    except ImportError:  # pragma: no cover - engine not installed
        return dict(_FALLBACK)
    out = dict(_FALLBACK)
    for f in dataclasses.fields(TrainConfig):
        if f.name in out and f.default is not dataclasses.MISSING:
            out[f.name] = f"{f.default:g}" if isinstance(f.default, float) else str(f.default)
    return out


_INTS = {"layers": (1, 16), "hidden": (1, 4096), "steps": (1, 10_000_000), "seed": (0, 2**31 - 1)}
_FLOATS = {"lr": (1e-8, 100.0), "clip_threshold": (1e-6, 1e6)}


def parse_form(raw: dict[str, str]) -> dict[str, object]:
    """Validate the form's strings; the result uses the command line's names and types."""
    out: dict[str, object] = {}
    for key, (lo, hi) in _INTS.items():
        text = str(raw.get(key, "")).strip()
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{key} must be a whole number between {lo} and {hi}, got {text!r}") from None
        if not lo <= value <= hi:
            raise ValueError(f"{key} must be between {lo} and {hi}, got {value}")
        out[key] = value
    for key, (lo, hi) in _FLOATS.items():
        text = str(raw.get(key, "")).strip()
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{key} must be a number, got {text!r}") from None
        if not lo <= value <= hi:
            raise ValueError(f"{key} must be between {lo:g} and {hi:g}, got {value:g}")
        out[key] = value
    data = raw.get("data", "dinos")
    if data == FILE:
        path = str(raw.get("path", "")).strip()
        if not path:
            raise ValueError("choose a text file (press o to browse) or pick a bundled corpus")
        data = path
    out["data"] = data
    out["level"] = raw.get("level", "char")
    out["cell"] = raw.get("cell", "lstm")
    out["clip"] = raw.get("clip", "value")
    return out


class TrainForm(VerticalScroll):
    """Labels and controls in one column; scrolls on small terminals."""

    DEFAULT_CSS = """
    TrainForm {
        width: 34;
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    TrainForm Label { margin-top: 1; color: $text-muted; }
    TrainForm Select, TrainForm Input { width: 1fr; }
    TrainForm Horizontal { height: auto; }
    TrainForm #path { width: 1fr; }
    TrainForm #browse { min-width: 8; width: 8; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filled = False
        """False until the fields are mounted, one frame after the screen (see :meth:`on_mount`)."""
        self._pending_path: str | None = None

    def on_mount(self) -> None:
        # The ~20 form widgets (four Selects with their overlays, seven Inputs) cost ~0.17 s to
        # mount and style on this machine, a third of the app's start. They are mounted right
        # after the first frame, so the screen (tab bar, charts, keys) paints without waiting.
        after_first_frame(self, self._fill)

    async def _fill(self) -> None:
        await self.mount_all(self.fields())
        self.filled = True
        if self._pending_path is not None:
            self.set_path(self._pending_path)

    @staticmethod
    def fields() -> list[Widget]:
        """The form's widgets, ids named like the command line's options."""
        d = engine_defaults()

        return [
            Label("corpus"),
            Select([(c, c) for c in CORPORA] + [("a file…", FILE)], value=d["data"], allow_blank=False,
                   id="data", compact=True),
            Horizontal(Input(d["path"], placeholder="path to a text file", id="path", compact=True),
                Button("…", id="browse", compact=True, tooltip="Choose a file (o)")),
            Label("level · cell"),
            Horizontal(Select([("char", "char"), ("word", "word")], value=d["level"], allow_blank=False, id="level",
                       compact=True),
                Select([(c, c) for c in CELLS], value=d["cell"], allow_blank=False, id="cell", compact=True)),
            Label("layers · hidden"),
            Horizontal(Input(d["layers"], id="layers", type="integer", compact=True),
                Input(d["hidden"], id="hidden", type="integer", compact=True)),
            Label("learning rate · steps"),
            Horizontal(Input(d["lr"], id="lr", type="number", compact=True),
                Input(d["steps"], id="steps", type="integer", compact=True)),
            Label("clipping · threshold"),
            Horizontal(Select([("by value", "value"), ("by norm", "norm"), ("none", "none")], value=d["clip"],
                       allow_blank=False, id="clip", compact=True),
                Input(d["clip_threshold"], id="clip_threshold", type="number", compact=True)),
            Label("seed"),
            Input(d["seed"], id="seed", type="integer", compact=True),
        ]

    def raw_values(self) -> dict[str, str]:
        """The fields' strings (the defaults while the fields are not mounted yet)."""
        if not self.filled:
            return dict(engine_defaults())
        out: dict[str, str] = {}
        for key in engine_defaults():
            widget = self.query_one(f"#{key}")
            out[key] = str(widget.value)
        return out

    def values(self) -> dict[str, object]:
        return parse_form(self.raw_values())

    def set_path(self, path: str) -> None:
        if not self.filled:
            self._pending_path = path
            return
        self.query_one("#path", Input).value = path
        self.query_one("#data", Select).value = FILE

    def reset(self) -> None:
        if not self.filled:
            return
        for key, value in engine_defaults().items():
            self.query_one(f"#{key}").value = value
