"""Gates: step through time inside a recurrent cell.

The model runs over a text recording every gate and state; each is a units ×
time heatmap with the tokens along the time axis. ``←``/``→`` step, ``home``/
``end`` jump, ``↑``/``↓`` pick a unit, ``space`` plays. The equation panel fills
the cell's equations with the selected unit's numbers at the current step, and
the text below is coloured by that unit's activation. ``/`` finds the units
most correlated with a pattern (a regular expression over the characters).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from rich.markup import escape
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from engine.errors import InputError
from engine.recurrent.kinds import GATE_NAMES, GATE_SYMBOLS, kind_of
from explorer.jobs import lm as lm_jobs
from explorer.messages import EngineEvent
from explorer.runs import start_call
from explorer.screens.model_screen import ModelScreen
from explorer.widgets.equation_panel import EquationPanel, UnitStep
from explorer.widgets.heatmap import Heatmap
from explorer.widgets.token_strip import TokenStrip

# Trace name → (title, lo, hi): the gates in the course's symbols, then the states; c's range is set
# from the data.
PANELS: dict[str, tuple[str, float, float]] = {
    **{g: (f"{GATE_SYMBOLS[g]} {g}", -1.0 if g == "candidate" else 0.0, 1.0) for g in GATE_NAMES},
    "c": ("c memory cell", -1.0, 1.0),
    "a": ("a state", -1.0, 1.0),
}

DEFAULT_TEXTS = {"shakespeare": "First Citizen:\nBefore we proceed any further, hear me speak.",
                 "names": "isabella", "dinos": "tyrannosaurus"}


def unit_step(kind: str, layer, t: int, u: int) -> UnitStep:
    """The numbers of unit ``u`` at step ``t`` (0-based) of one ``LayerTrace``."""
    backward = layer.direction == "backward"
    T = layer.a.shape[1]
    prev = t + 1 if backward else t - 1
    inside = 0 <= prev < T
    a_prev = float(layer.a[0, prev, u]) if inside else float(layer.a0[0, u])
    c = c_prev = None
    if layer.c is not None:
        c = float(layer.c[0, t, u])
        c0 = layer.c0 if layer.c0 is not None else layer.a0
        c_prev = float(layer.c[0, prev, u]) if inside else float(c0[0, u])
    g = {name: float(v[0, t, u]) for name, v in layer.gates.items()}
    return UnitStep(kind=kind, t=t, a=float(layer.a[0, t, u]), a_prev=a_prev, c=c, c_prev=c_prev, **g)


class GatesScreen(ModelScreen):
    """Heatmaps of every gate and state, an equation panel, Karpathy-style coloured text."""

    GROUP = "gates"
    MODEL_LABEL_ID = "gates-model"

    AUTO_FOCUS = ""
    DEFAULT_CSS = """
    GatesScreen #gates-head { height: auto; padding: 0 1; }
    GatesScreen #model { width: 24; margin-right: 1; }
    GatesScreen #gates-model { height: auto; width: 1fr; color: $text-muted; }
    GatesScreen #gates-controls { height: auto; padding: 0 1; }
    GatesScreen #gates-controls Label { padding: 0 1 0 0; color: $text-muted; }
    GatesScreen #trace-text { width: 1fr; margin-right: 2; }
    GatesScreen #layer, GatesScreen #direction { width: 16; margin-right: 2; }
    GatesScreen #pattern { width: 16; }
    GatesScreen #gates-main { height: 1fr; }
    GatesScreen #maps { width: 1fr; height: 1fr; layout: grid; grid-size: 2; grid-rows: 11; }
    GatesScreen #side { width: 56; height: 1fr; }
    GatesScreen #matches { height: auto; padding: 0 1; }
    GatesScreen #strip { border-top: solid $primary-darken-2; }
    """

    BINDINGS = [
        Binding("left", "step(-1)", "Back", id="gates.back", tooltip="One step back in time"),
        Binding("right", "step(1)", "Forward", id="gates.forward", tooltip="One step forward in time"),
        Binding("home", "jump(0)", "Start", id="gates.home", tooltip="Jump to the first step"),
        Binding("end", "jump(-1)", "End", id="gates.end", tooltip="Jump to the last step"),
        Binding("up", "unit(-1)", "Unit", id="gates.unit_up", tooltip="Previous unit"),
        Binding("down", "unit(1)", "Unit", id="gates.unit_down", tooltip="Next unit"),
        Binding("space", "play", "Play", id="gates.play", tooltip="Play the sequence step by step (again: pause)"),
        Binding("slash", "find", "Find units", id="gates.find",
                tooltip="Type a pattern; jump to the units most correlated with it"),
        Binding("t", "edit_text", "Text", id="gates.text", tooltip="Type the text the model runs over"),
        Binding("escape", "unfocus", "Leave box", id="gates.unfocus", show=False,
                tooltip="Leave the text box so keys work again"),
    ]

    traced: reactive[bool] = reactive(False, bindings=True, repaint=False)
    playing: reactive[bool] = reactive(False, bindings=True, repaint=False)
    step: reactive[int] = reactive(0, repaint=False)
    unit: reactive[int] = reactive(0, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str] = []
        self.trace = None
        self.timer: Timer | None = None
        self.heatmaps: list[Heatmap] = []

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="gates-head"):
            yield self.model_select("Which language model to look inside")
            yield Static("loading the model…", id="gates-model")
        with Horizontal(id="gates-controls"):
            yield Label("text")
            yield Input("", id="trace-text", compact=True, placeholder="text to run the model over (Enter)")
            yield Select([("layer 1", 1)], value=1, allow_blank=False, id="layer", compact=True)
            yield Select([("forward →", "forward")], value="forward", allow_blank=False, id="direction",
                         compact=True)
            yield Label("pattern")
            yield Input("", id="pattern", compact=True, placeholder="regex, Enter")
        with Horizontal(id="gates-main"):
            yield VerticalScroll(id="maps")
            with VerticalScroll(id="side"):
                yield EquationPanel(id="equations")
                yield Static("", id="matches")
        yield TokenStrip(id="strip")

    # -- actions ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "jump", "unit", "play", "find"):
            return True if self.traced else None
        if action == "edit_text":
            return True if self.model is not None else None
        return True

    @property
    def steps(self) -> int:
        return len(self.tokens)

    @property
    def units(self) -> int:
        layer = self.current_layer()
        return 0 if layer is None else int(layer.a.shape[2])

    def action_step(self, delta: int) -> None:
        self.step = min(max(self.step + delta, 0), max(self.steps - 1, 0))

    def action_jump(self, where: int) -> None:
        self.step = 0 if where == 0 else max(self.steps - 1, 0)

    def action_unit(self, delta: int) -> None:
        self.unit = min(max(self.unit + delta, 0), max(self.units - 1, 0))

    def action_play(self) -> None:
        if self.playing:
            self._stop_playing()
            return
        if self.step >= self.steps - 1:
            self.step = 0
        self.playing = True
        self.timer = self.set_interval(0.3, self._advance)

    def _advance(self) -> None:
        if self.step >= self.steps - 1:
            self._stop_playing()
        else:
            self.step += 1

    def _stop_playing(self) -> None:
        self.playing = False
        if self.timer is not None:
            self.timer.stop()
            self.timer = None

    def action_find(self) -> None:
        self.query_one("#pattern", Input).focus()

    def action_edit_text(self) -> None:
        self.query_one("#trace-text", Input).focus()

    def action_unfocus(self) -> None:
        self.set_focus(None)

    @on(Input.Submitted, "#trace-text")
    def _text_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self.model is not None and event.value:
            self.run_trace(event.value)
        self.set_focus(None)

    @on(Input.Submitted, "#pattern")
    def _pattern_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self.traced and event.value:
            self.find_units(event.value)
        self.set_focus(None)

    @on(Select.Changed, "#layer, #direction")
    def _layer_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if self.trace is not None:
            self.unit = min(self.unit, max(self.units - 1, 0))
            self.refresh_maps()

    # -- work ----------------------------------------------------------------------------
    def run_trace(self, text: str) -> None:
        model = self.model
        self.status("tracing…")
        start_call(self, lambda: lm_jobs.trace(model, text), group="gates.trace")

    def find_units(self, pattern: str) -> None:
        from engine.lm.correlate import correlate_pattern

        layer = self.current_layer()
        try:
            best = correlate_pattern(self.tokens, layer.a[0], pattern)
        except InputError as error:
            self.app.show_error(error)
            return
        self.query_one("#matches", Static).update(
            f"[b]units tracking /{escape(pattern)}/[/] (Pearson r of a with the match indicator)\n"
            + "  ".join(f"{u}: {r:+.2f}" for u, r in best))
        self.unit = best[0][0]

    # -- results ----------------------------------------------------------------------------
    @on(EngineEvent[lm_jobs.TraceRecorded])
    def _traced(self, message: EngineEvent) -> None:
        recorded = message.event
        self.show_trace(list(recorded.tokens), recorded.trace)

    def show_model(self, loaded: lm_jobs.ModelLoaded) -> None:
        super().show_model(loaded)
        text = self.show_model_info(loaded.info)
        self.refresh_bindings()
        self.run_trace(text)

    def show_model_info(self, info) -> str:
        """Describe the model (summary, equations, variant); returns the default text to trace."""
        self.info = info
        self.query_one("#gates-model", Static).update(f"[b]{escape(info.summary)}[/]")
        self.query_one(EquationPanel).set_cell(info.equations, info.variant_note)
        text = DEFAULT_TEXTS.get(info.corpus, "tyrannosaurus")
        self.query_one("#trace-text", Input).value = text
        return text

    def show_trace(self, tokens: list[str], trace) -> None:
        """Show a recorded ``Trace`` of ``tokens`` (also called directly by tests and snapshots)."""
        self.tokens, self.trace = tokens, trace
        layers = sorted({lt.layer for lt in trace.layers})
        directions = sorted({lt.direction for lt in trace.layers}, key=lambda d: d != "forward")
        self.query_one("#layer", Select).set_options([(f"layer {n}", n) for n in layers])
        self.query_one("#direction", Select).set_options(
            [("forward →" if d == "forward" else "backward ←", d) for d in directions])
        self.step, self.unit = 0, 0
        self.traced = True
        self.refresh_maps()
        self.status(f"{len(tokens)} steps — ←/→ step, ↑/↓ unit, space plays, / finds units")

    def current_layer(self):
        if self.trace is None:
            return None
        layer = self.query_one("#layer", Select).value
        direction = self.query_one("#direction", Select).value
        for lt in self.trace.layers:
            if lt.layer == layer and lt.direction == direction:
                return lt
        return self.trace.layers[0]

    def refresh_maps(self) -> None:
        """One heatmap per gate/state of the current layer: reused when the cell kind is unchanged."""
        layer = self.current_layer()
        maps = self.query_one("#maps", VerticalScroll)
        names = [g for g in PANELS if g in layer.gates]
        if layer.c is not None and kind_of(self.trace.cell).memory_cell:  # GRUs: c = a, shown once
            names.append("c")
        names.append("a")
        existing = list(maps.query_children(Heatmap))
        if [h.name for h in existing] != names:
            maps.remove_children()
            existing = []
            for name in names:
                title, lo, hi = PANELS[name]
                existing.append(Heatmap(title, lo, hi, name=name))
            maps.mount_all(existing)
        for heatmap in existing:
            name = heatmap.name
            values = layer.gates[name][0] if name in layer.gates else getattr(layer, name)[0]
            if name == "c":
                heatmap.hi = max(1.0, float(np.abs(values).max()))
                heatmap.lo = -heatmap.hi
            heatmap.set_data(values, self.tokens)
        self.heatmaps = existing
        self._update_detail()

    def watch_step(self) -> None:
        self._update_detail()

    def watch_unit(self) -> None:
        self._update_detail()

    def _update_detail(self) -> None:
        layer = self.current_layer()
        if layer is None or not self.is_mounted:
            return
        t = min(self.step, layer.a.shape[1] - 1)
        u = min(self.unit, layer.a.shape[2] - 1)
        for heatmap in self.heatmaps:
            heatmap.step, heatmap.unit = t, u
        self.query_one(EquationPanel).set_values(unit_step(self.trace.cell, layer, t, u), u)
        strip = self.query_one(TokenStrip)
        sep = " " if self.info is not None and self.info.level == "word" else ""
        digits = len(str(layer.a.shape[2] - 1))  # a label of fixed width: ↑/↓ need no layout pass
        strip.set_data(self.tokens, layer.a[0, :, u], f"a of unit {u:>{digits}}", -1.0, 1.0, separator=sep)
        strip.step = t
