"""The training form: corpus (bundled or a file), level, cell, sizes, rate, clipping, steps, seed.

Each field's id is the :class:`~engine.training.TrainConfig` field it sets. :meth:`TrainForm.values`
turns the strings into those fields' types and nothing more: what a value may be is the config's to
say (``TrainConfig.__post_init__``), and the screen builds the config. A string that is not a number
where one is needed is an :class:`~engine.errors.InputError` naming the field, like the config's own
refusals; :data:`LABELS` gives each field's name in the form's words for the error dialog.

The cell options are the engine's table of kinds (:mod:`engine.recurrent.kinds`), read when the
fields are built. Nothing here imports torch.
"""

from __future__ import annotations

import functools

from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from explorer.deferred import after_first_frame

CORPORA = ("dinos", "names", "shakespeare")
FILE = "file"

LABELS: dict[str, str] = {
    "data": "corpus", "path": "file path", "level": "level", "cell": "cell", "layers": "layers",
    "hidden": "hidden", "lr": "learning rate", "steps": "steps", "clip": "clipping",
    "clip_threshold": "clipping threshold", "seed": "seed",
}
"""TrainConfig field → its name on the form (the error dialog speaks of "learning rate", not "lr")."""

_INTS = ("layers", "hidden", "steps", "seed")
_FLOATS = ("lr", "clip_threshold")
_FALLBACK: dict[str, str] = {
    "data": "dinos", "path": "", "level": "char", "cell": "lstm", "layers": "1", "hidden": "50", "lr": "0.01",
    "clip": "value", "clip_threshold": "5", "steps": "800", "seed": "0",
}


@functools.cache
def engine_defaults() -> dict[str, str]:
    """The form's initial strings: the engine's ``TrainConfig`` defaults (the demo run).

    ``engine.training`` imports torch only inside its functions, so reading its dataclass
    defaults is cheap, but importing it still costs ~25 ms: it is read when the form's
    fields are built, after the first frame (the first-frame test checks torch stays out).
    """
    import dataclasses

    from engine.training import TrainConfig

    out = dict(_FALLBACK)
    for f in dataclasses.fields(TrainConfig):
        if f.name in out and f.default is not dataclasses.MISSING:
            out[f.name] = f"{f.default:g}" if isinstance(f.default, float) else str(f.default)
    return out


def parse_form(raw: dict[str, str]) -> dict[str, object]:
    """The form's strings as TrainConfig fields of the right type (``data`` is the file path for "file").

    Raises :class:`~engine.errors.InputError` (with ``field``) for text that is not a number where
    one is needed, or for "a file…" without a path; the values themselves are the config's to judge.
    """
    from engine.errors import InputError

    out: dict[str, object] = {}
    for key in _INTS:
        text = str(raw.get(key, "")).strip()
        try:
            out[key] = int(text)
        except ValueError:
            raise InputError(f"{key} must be a whole number, got {text!r}", field=key) from None
    for key in _FLOATS:
        text = str(raw.get(key, "")).strip()
        try:
            out[key] = float(text)
        except ValueError:
            raise InputError(f"{key} must be a number, got {text!r}", field=key) from None
    data = raw.get("data", "dinos")
    if data == FILE:
        data = str(raw.get("path", "")).strip()
        if not data:
            raise InputError("choose a text file (press o to browse) or pick a bundled corpus", field="data")
    out["data"] = data
    for key in ("level", "cell", "clip"):
        out[key] = raw.get(key, _FALLBACK[key])
    return out


BIDIRECTIONAL_NOTE = "LMs read → only · key 7"
"""Why the Train screen offers no bidirectional layer (one line under the disabled box, within the form's 26
columns at 80×24; the tooltip says it all)."""
BIDIRECTIONAL_WHY = (
    "A language model predicts each next character from the ones before it; a backward layer would read "
    "the very character it has to predict, so a bidirectional language model learns nothing worth sampling. "
    "Bidirectional layers (→a and ←a) belong to tasks that see the whole sentence first, such as "
    "named-entity tagging: the Tasks screen (key 7) trains them, and Gates shows both directions.")


def cell_options() -> list[tuple[str, str]]:
    """The cell selector's options: every kind of the engine's table, by name."""
    from engine.recurrent import kinds

    return [(name, name) for name in kinds.CELL_KINDS]


def cell_tooltip() -> str:
    from engine.recurrent import kinds

    return "\n".join(f"{k.name}: {k.note}" for k in kinds.KINDS.values())


class TrainForm(VerticalScroll, can_focus=False):
    """Labels and controls in one column; scrolls on small terminals (to the field with the focus:
    the column itself never takes the focus, Tab goes from field to field)."""

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
    TrainForm #browse { min-width: 3; width: 5; }
    TrainForm #bidirectional { width: auto; }
    TrainForm #bidirectional-note { color: $text-muted; text-style: italic; }
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
        """The form's widgets, ids named like the TrainConfig fields they set."""
        d = engine_defaults()
        whole = r"[0-9]*"  # counts and seeds: digits only (a minus sign cannot be typed)

        return [
            Label("corpus"),
            Select([(c, c) for c in CORPORA] + [("a file…", FILE)], value=d["data"], allow_blank=False,
                   id="data", compact=True),
            Horizontal(Input(d["path"], placeholder="a text file…", id="path", compact=True),
                Button("…", id="browse", compact=True, tooltip="Choose a file (o)")),
            Label("level · cell"),
            Horizontal(Select([("char", "char"), ("word", "word")], value=d["level"], allow_blank=False, id="level",
                       compact=True),
                Select(cell_options(), value=d["cell"], allow_blank=False, id="cell", compact=True,
                       tooltip=cell_tooltip())),
            Checkbox("bidirectional", False, id="bidirectional", disabled=True, compact=True, tooltip=BIDIRECTIONAL_WHY),
            Static(BIDIRECTIONAL_NOTE, id="bidirectional-note"),
            Label("layers · hidden"),
            Horizontal(Input(d["layers"], id="layers", restrict=whole, compact=True),
                Input(d["hidden"], id="hidden", restrict=whole, compact=True)),
            Label("learning rate · steps"),
            Horizontal(Input(d["lr"], id="lr", type="number", compact=True),
                Input(d["steps"], id="steps", restrict=whole, compact=True)),
            Label("clipping · threshold"),
            Horizontal(Select([("by value", "value"), ("by norm", "norm"), ("none", "none")], value=d["clip"],
                       allow_blank=False, id="clip", compact=True),
                Input(d["clip_threshold"], id="clip_threshold", type="number", compact=True)),
            Label("seed"),
            Input(d["seed"], id="seed", restrict=whole, compact=True),
        ]

    def raw_values(self) -> dict[str, str]:
        """The fields' strings (the defaults while the fields are not mounted yet)."""
        if not self.filled:
            return dict(engine_defaults())
        return {key: str(self.query_one(f"#{key}").value) for key in engine_defaults()}

    def values(self) -> dict[str, object]:
        """The TrainConfig fields this form sets, typed (see :func:`parse_form`)."""
        return parse_form(self.raw_values())

    def focus_field(self, field: str | None) -> None:
        """Focus the control of TrainConfig field ``field``, if the form has one."""
        if not self.filled or field not in LABELS:
            return
        if field == "data" and self.query_one("#data", Select).value == FILE:
            field = "path"  # the corpus is the file: its path is what to fix
        self.query_one(f"#{field}").focus()

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
