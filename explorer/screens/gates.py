"""Gates: step through time inside a recurrent cell.

The model runs over a text recording every gate and state; each is a units ×
time heatmap with the tokens along the time axis. ``←``/``→`` step, ``home``/
``end`` jump, ``↑``/``↓`` pick a unit, ``space`` plays. The equation panel fills
the cell's equations with the selected unit's numbers at the current step, and
the text below is coloured by that unit's activation. ``/`` finds the units
most correlated with a pattern (a regular expression over the characters); they follow the text,
the model and the direction shown. ``PgDn``/``PgUp`` page through the heatmaps (two rows at a time
at 80×24).

The screen shows the app's current model (``App.current_model``): the run just trained on the Train
screen once there is one; ``m`` opens the model box to go back to a bundled one. It also opens the
recurrent encoder of a sequence task (``--checkpoint DIR`` of ``seq-explorer task train``): a
bidirectional one shows both directions side by side, → reading t = 1…T and ← reading t = T…1, in
the same word order (``d`` picks which direction the equations and the coloured text follow). The
basic RNN has no gates: it shows its pre-activation z⟨t⟩ = W_a[a⟨t−1⟩, x⟨t⟩] + b_a beside a = tanh(z).
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
from explorer.jobs import gates as gates_jobs
from explorer.jobs import lm as lm_jobs
from explorer.messages import EngineEvent
from explorer.runs import start_call
from explorer.screens.model_screen import ModelScreen, model_words
from explorer.widgets.equation_panel import EquationPanel, UnitStep
from explorer.widgets.heatmap import Heatmap
from explorer.widgets.token_strip import TokenStrip

# Trace name → (title, lo, hi): the gates in the course's symbols, then the states; c's range is set
# from the data.
PANELS: dict[str, tuple[str, float, float]] = {
    **{g: (f"{GATE_SYMBOLS[g]} {g}", -1.0 if g == "candidate" else 0.0, 1.0) for g in GATE_NAMES},
    "z": ("z pre-activation", -1.0, 1.0),
    "c": ("c memory cell", -1.0, 1.0),
    "a": ("a state", -1.0, 1.0),
}
ARROWS = {"forward": "→", "backward": "←"}
READS = {"forward": "t = 1…T", "backward": "t = T…1"}
"""The order each direction reads the sequence in (the heatmaps keep the words' order)."""


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
    z = float(layer.z[0, t, u]) if getattr(layer, "z", None) is not None else None
    return UnitStep(kind=kind, t=t, a=float(layer.a[0, t, u]), a_prev=a_prev, c=c, c_prev=c_prev, z=z,
                    backward=backward, **g)


def panel_names(kind: str, layer) -> list[str]:
    """The heatmaps of one layer and direction: its gates in the course's order, z (basic RNN), c, a."""
    names = [g for g in PANELS if g in layer.gates]
    if getattr(layer, "z", None) is not None:
        names.append("z")
    if layer.c is not None and kind_of(kind).memory_cell:  # GRUs: c = a, shown once
        names.append("c")
    return names + ["a"]


class GatesScreen(ModelScreen):
    """Heatmaps of every gate and state, an equation panel, Karpathy-style coloured text."""

    GROUP = "gates"
    MODEL_LABEL_ID = "gates-model"
    FOLLOWS_CURRENT_MODEL = True

    AUTO_FOCUS = ""
    ROWS = {"-narrow": 8, "-wide": 10}
    """Lines of one heatmap (title, ▼, units, tokens): two rows of them fit a page at 80×24 and
    three at 120×40. Under 100 columns one heatmap per row, two side by side above."""
    DEFAULT_CSS = """
    GatesScreen #gates-head { height: 1; padding: 0 1; }
    GatesScreen #model { width: 24; margin-right: 1; }
    GatesScreen #gates-model { height: 1; width: 1fr; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    GatesScreen #gates-controls { height: auto; padding: 0 1; }
    GatesScreen #gates-controls Label { padding: 0 1 0 0; color: $text-muted; }
    GatesScreen #trace-text { width: 1fr; margin-right: 2; }
    GatesScreen.-narrow #trace-text { margin-right: 1; }
    GatesScreen #layer { width: 10; margin-right: 2; }
    GatesScreen #direction { width: 16; margin-right: 2; }
    GatesScreen.-narrow #direction { width: 14; margin-right: 1; }
    GatesScreen #layer.-single, GatesScreen #direction.-single { display: none; }
    GatesScreen #pattern { width: 16; }
    GatesScreen.-narrow #pattern { width: 12; }
    GatesScreen #gates-main { height: 1fr; }
    GatesScreen #maps { width: 1fr; height: 1fr; layout: grid; grid-size: 2; grid-rows: 10; }
    GatesScreen.-narrow #maps { grid-size: 1; grid-rows: 8; }
    GatesScreen #side { width: 48; height: 1fr; }
    GatesScreen.-narrow #side { width: 36; }
    GatesScreen #matches { height: auto; padding: 0 1; }
    GatesScreen #matches.-empty { display: none; }
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
        Binding("pagedown", "page(1)", "More gates", id="gates.page_down", tooltip="Show the next heatmaps"),
        Binding("pageup", "page(-1)", "Gates back", id="gates.page_up", show=False,
                tooltip="Show the previous heatmaps"),
        Binding("d", "direction", "Direction", id="gates.direction",
                tooltip="Bidirectional models: the equations and coloured text follow → or ←"),
        Binding("t", "edit_text", "Text", id="gates.text", tooltip="Type the text the model runs over"),
        Binding("m", "choose_model", "Model", id="gates.model",
                tooltip="Choose the model: your latest run or a bundled one"),
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
        self.pattern = ""
        """The last pattern found (its units are found again for each new trace, model or direction)."""
        self._default_text = ""
        """The text this screen put in the box for the model (a typed one is kept across models)."""

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="gates-head"):
            yield self.model_select("Which language model to look inside")
            yield Static("loading the model…", id="gates-model")
        with Horizontal(id="gates-controls"):
            yield Label("text")
            yield Input("", id="trace-text", compact=True, placeholder="text to run the model over (Enter)")
            yield Select([("layer 1", 1)], value=1, allow_blank=False, id="layer", compact=True, classes="-single")
            yield Select([("→ t = 1…T", "forward")], value="forward", allow_blank=False, id="direction",
                         compact=True, classes="-single",
                         tooltip="The direction the equations, the coloured text and the pattern follow (d)")
            yield Label("pattern")
            yield Input("", id="pattern", compact=True, placeholder="regex, Enter")
        with Horizontal(id="gates-main"):
            yield VerticalScroll(id="maps")
            with VerticalScroll(id="side"):
                yield Static("", id="matches", classes="-empty")  # first: short, and on show at 80×24 above the equations
                yield EquationPanel(id="equations")
        yield TokenStrip(id="strip")

    # -- actions ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "jump", "unit", "play", "find"):
            return True if self.traced else None
        if action == "page":
            return True if self.traced and self._pages() > 1 else None
        if action == "direction":
            return True if self.trace is not None and self.trace.bidirectional else None
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

    def _row_height(self) -> int:
        return self.ROWS["-narrow" if self.has_class("-narrow") else "-wide"]

    def _per_row(self) -> int:
        return 1 if self.has_class("-narrow") else 2

    def _pages(self) -> int:
        """How many pages of heatmaps there are at this size."""
        maps = self.query_one("#maps", VerticalScroll)
        fit = max(maps.size.height // self._row_height(), 1)
        rows = -(-len(self.heatmaps) // self._per_row())
        return max(-(-rows // fit), 1)

    def action_page(self, delta: int) -> None:
        """Scroll the heatmaps by the whole rows that fit (a heatmap is never cut at the top)."""
        maps = self.query_one("#maps", VerticalScroll)
        row = self._row_height()
        page = max(maps.size.height // row, 1) * row
        target = min(max(round(maps.scroll_y) + delta * page, 0), max(maps.max_scroll_y, 0))
        maps.scroll_to(y=target - target % row if target < maps.max_scroll_y else target, animate=False)

    def action_direction(self) -> None:
        select = self.query_one("#direction", Select)
        select.value = "backward" if select.value == "forward" else "forward"

    def action_choose_model(self) -> None:
        select = self.query_one("#model", Select)
        select.focus()
        select.expanded = True

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
            self._find_again()

    # -- work ----------------------------------------------------------------------------
    def load_job(self, choice: str) -> lm_jobs.ModelLoaded:
        return gates_jobs.load_model(choice)  # a language model, or a sequence task's encoder

    def before_load(self) -> None:
        self._show_matches("")  # the units found belong to the previous model

    def run_trace(self, text: str) -> None:
        model = self.model
        self.status("tracing…")
        start_call(self, lambda: gates_jobs.trace(model, text), group="gates.trace")

    def find_units(self, pattern: str, quiet: bool = False) -> None:
        """Jump to the units whose ``a`` correlates most with ``pattern``; ``quiet``: a pattern that
        does not fit this text says so in the panel instead of a dialog (a pattern found again)."""
        from engine.lm.correlate import correlate_pattern

        layer = self.current_layer()
        self.pattern = pattern
        try:
            best = correlate_pattern(self.tokens, layer.a[0], pattern)
        except InputError as error:
            if not quiet:
                self.app.show_error(error)
            self._show_matches(f"[b]/{escape(pattern)}/[/]: {escape(str(error))}" if quiet else "")
            return
        where = f"{ARROWS[layer.direction]} " if self.trace.bidirectional else ""
        self._show_matches(
            f"[b]{where}units tracking /{escape(pattern)}/[/] (Pearson r of a with the match indicator)\n"
            + "  ".join(f"{u}: {r:+.2f}" for u, r in best))
        self.unit = best[0][0]

    def _show_matches(self, text: str) -> None:
        matches = self.query_one("#matches", Static)
        matches.update(text)
        matches.set_class(not text, "-empty")

    def _find_again(self) -> None:
        """The units of the last pattern, for what is shown now (they follow text, model, direction)."""
        if self.pattern and self.traced:
            self.find_units(self.pattern, quiet=True)

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
        """Describe the model (briefly, the path in the tooltip; equations, variant); returns the text
        to trace: the one typed in the box, kept across models, else the model's example."""
        self.info = info
        choice = self.choice
        label = self.query_one("#gates-model", Static)
        both = " · → and ←" if info.bidirectional else ""
        label.update(f"{model_words(choice, info)}{both}")
        label.tooltip = info.path + (" (its best/ checkpoint: the lowest validation loss)" if info.best else "")
        self.query_one(EquationPanel).set_cell(info.equations, info.variant_note)
        box = self.query_one("#trace-text", Input)
        typed = box.value.strip() and box.value != self._default_text
        if not typed:
            self._default_text = box.value = gates_jobs.default_text(info)
        return box.value

    def show_trace(self, tokens: list[str], trace) -> None:
        """Show a recorded ``Trace`` of ``tokens`` (also called directly by tests and snapshots)."""
        self.tokens, self.trace = tokens, trace
        layers = sorted({lt.layer for lt in trace.layers})
        directions = sorted({lt.direction for lt in trace.layers}, key=lambda d: d != "forward")
        layer_box, direction_box = self.query_one("#layer", Select), self.query_one("#direction", Select)
        layer_box.set_options([(f"layer {n}", n) for n in layers])
        layer_box.set_class(len(layers) == 1, "-single")
        direction_box.set_options([(f"{ARROWS[d]} {READS[d]}", d) for d in directions])
        direction_box.set_class(len(directions) == 1, "-single")
        self.step, self.unit = 0, 0
        self.traced = True
        self.refresh_maps()
        self._find_again()
        self.refresh_bindings()
        more = " · PgDn more gates" if self._pages() > 1 else ""
        both = " · d →/←" if trace.bidirectional else ""
        back = "" if self.choice is None or self.choice.is_bundled else " · m model"
        self.status(f"{len(tokens)} steps · ←/→ step · ↑/↓ unit · / units{more}{both}{back}")

    def current_layer(self):
        if self.trace is None:
            return None
        layer = self.query_one("#layer", Select).value
        direction = self.query_one("#direction", Select).value
        for lt in self.trace.layers:
            if lt.layer == layer and lt.direction == direction:
                return lt
        return self.trace.layers[0]

    def shown_layers(self) -> list:
        """The layer traces on show: the chosen layer, in both directions when it has two (→ first)."""
        current = self.current_layer()
        same = [lt for lt in self.trace.layers if lt.layer == current.layer]
        return sorted(same, key=lambda lt: lt.direction != "forward")

    def refresh_maps(self) -> None:
        """One heatmap per gate/state of the current layer (→ and ← side by side, or one after the
        other under 100 columns, when it is bidirectional): reused when the panels are unchanged."""
        shown = self.shown_layers()
        both = len(shown) > 1
        names = panel_names(self.trace.cell, shown[0])
        panels = [(name, lt) for name in names for lt in shown]  # → then ← of each gate: a grid row each
        maps = self.query_one("#maps", VerticalScroll)
        keys = [f"{lt.direction}:{name}" for name, lt in panels]
        existing = list(maps.query_children(Heatmap))
        if [h.name for h in existing] != keys:
            maps.remove_children()
            existing = []
            for (name, lt), key in zip(panels, keys):
                title, lo, hi = PANELS[name]
                if both:  # short: two side by side at 120 columns keep their colour legends
                    title = f"{ARROWS[lt.direction]}{title.split()[0]} {READS[lt.direction]}"
                existing.append(Heatmap(title, lo, hi, name=key))
            maps.mount_all(existing)
        for heatmap, (name, lt) in zip(existing, panels):
            values = lt.gates[name][0] if name in lt.gates else getattr(lt, name)[0]
            if name in ("c", "z"):  # unbounded: the colour range is the data's
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
        panel = self.query_one(EquationPanel)
        panel.heading = f"· {ARROWS[layer.direction]} {READS[layer.direction]}" if self.trace.bidirectional else ""
        panel.set_values(unit_step(self.trace.cell, layer, t, u), u)
        strip = self.query_one(TokenStrip)
        sep = " " if self.info is not None and self.info.level == "word" else ""
        digits = len(str(layer.a.shape[2] - 1))  # a label of fixed width: ↑/↓ need no layout pass
        arrow = ARROWS[layer.direction] if self.trace.bidirectional else ""
        strip.set_data(self.tokens, layer.a[0, :, u], f"{arrow}a of unit {u:>{digits}}", -1.0, 1.0, separator=sep)
        strip.step = t
