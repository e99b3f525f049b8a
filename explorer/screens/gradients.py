"""Gradients: vanishing and exploding gradients, made visible.

Three tabs:

- **Through time** — for one agreement sentence ("the cats which … were"), a ribbon per
  model of ‖∂L⟨T⟩/∂a⟨t⟩‖ at every step on one log colour scale (RNN / GRU / LSTM side by
  side, plus the LSTM's memory cell c): the RNN's ribbon goes dark long before the subject.
- **Agreement** — race the cells (equal parameter budgets) on the agreement task at the
  chosen distance d and watch each model's held-out accuracy; the ribbons follow the
  trained models as they learn.
- **Exploding** — a ReLU RNN with spectral radius > 1 trained with no clipping, clip by
  value and clip by norm side by side: loss curves overlaid, and the gradient norm of the
  selected mode with its clip threshold drawn.

Engine work runs through :func:`explorer.runs.start_run` (the factories of :mod:`explorer.jobs.gradients`,
which import torch in the worker); the screen builds the race's and the demo's configs, and their
events arrive as typed messages.
"""

from __future__ import annotations

import math
from typing import Iterable

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static, TabbedContent, TabPane

from engine.gradients.events import (
    AgreementEvaluated,
    AgreementModel,
    ExplodingDiverged,
    ExplodingStarted,
    ExplodingStep,
    GradientsThroughTime,
)
from explorer.jobs import gradients as jobs
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import RunHandle, start_run
from explorer.screens.base import ExplorerScreen
from explorer.screens.gradients_text import (
    MODE_STYLES,
    MODE_TITLES,
    cell_style,
    explode_info,
    grad_point,
    race_table,
    ribbon_caption,
    ribbon_info,
)
from explorer.widgets.gradient_ribbon import GradientRibbon, RibbonRow
from explorer.widgets.line_chart import LineChart, Series

DISTANCES: tuple[int, ...] = (2, 5, 10, 20, 40, 80)
RIBBON_CELLS: tuple[str, ...] = ("rnn", "gru", "lstm")
RACE_CELLS: tuple[str, ...] = ("rnn", "gru", "gru-course", "lstm")
MODES: tuple[str, ...] = ("none", "value", "norm")

RACE_GATE_BIAS = 5.0
"""The remember-gate bias the race gives its gated cells (AgreementTrainConfig's default)."""
RACE_DISTANCE = 40
"""The distance the screen opens on: AgreementTrainConfig's default (the RNN at chance, the gated cells
at 1.000), as ``seq-explorer agreement`` uses."""
RIBBON_HIDDEN = 16
"""Hidden units of the fresh models of the ribbons (example_profiles' default)."""

GROUP_RIBBON = "gradients.ribbon"
GROUP_RACE = "gradients.race"
GROUP_EXPLODE = "gradients.explode"


class GradientsScreen(ExplorerScreen):
    """Gradients through time, the agreement race, and the exploding-gradient demo."""

    mode_name = "gradients"
    AUTO_FOCUS = ""
    HELP = ("Through time: ‖∂L⟨T⟩/∂a⟨t⟩‖ per step on a log colour scale (bright = large); the number on the "
            "right is ‖da⟨1⟩‖/‖da⟨T⟩‖. Agreement: accuracy on held-out sentences, chance = 0.5. Exploding: "
            "loss per step (log) for each clipping mode, and the selected mode's gradient norm with its threshold.")
    DEFAULT_CSS = """
    GradientsScreen #gradients-tabs { height: 1fr; }
    GradientsScreen .gradients-info { height: auto; padding: 0 1; }
    GradientsScreen #gradients-ribbon { padding: 0 1; }
    GradientsScreen #ribbon-text { margin: 0 1; width: 1fr; }
    GradientsScreen #race-table { height: auto; padding: 0 1; }
    GradientsScreen #race-chart { height: 1fr; }
    GradientsScreen #explode-loss { height: 1fr; }
    GradientsScreen #explode-grad { height: 1fr; }
    """

    BINDINGS = [
        Binding("g", "ribbons", "Ribbons", id="gradients.ribbons",
                tooltip="Gradients through time of fresh RNN / GRU / LSTM on the current sentence"),
        Binding("n", "next_example", "Next sentence", id="gradients.next",
                tooltip="Another agreement sentence at the same distance"),
        Binding("plus,equals_sign", "longer", "d+", id="gradients.longer",
                tooltip="Longer gap between subject and verb (2, 5, 10, 20, 40, 80)"),
        Binding("minus", "shorter", "d−", id="gradients.shorter", tooltip="Shorter gap between subject and verb"),
        Binding("b", "gate_bias", "Gate bias", id="gradients.gate_bias",
                tooltip="Fresh gated cells: torch.nn's initialisation, or gates biased to remember (as in the race)"),
        Binding("l", "text", "LM text", id="gradients.text",
                tooltip="Type a text: ribbons of the language models (the --checkpoint, or the bundled ones) on it"),
        Binding("escape", "unfocus", "Leave text", id="gradients.unfocus", show=False,
                tooltip="Leave the text box so the keys work again"),
        Binding("t", "train", "Race", id="gradients.train",
                tooltip="Train RNN, GRU (both forms) and LSTM of equal size on the agreement task at distance d"),
        Binding("e", "explode", "Explode", id="gradients.explode",
                tooltip="Train an RNN built to explode: no clipping, clip by value, clip by norm"),
        Binding("m", "clip_mode", "Clip mode", id="gradients.clip_mode",
                tooltip="Which clipping mode's gradient norm and threshold the lower chart shows"),
        Binding("x", "stop", "Stop", id="gradients.stop", tooltip="Stop the race or the demo"),
    ]

    distance: reactive[int] = reactive(RACE_DISTANCE, repaint=False)
    gate_bias: reactive[float] = reactive(0.0, repaint=False)
    racing: reactive[bool] = reactive(False, bindings=True, repaint=False)
    exploding: reactive[bool] = reactive(False, bindings=True, repaint=False)
    clip_mode: reactive[str] = reactive("norm", repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.example_seed = 0
        self.ribbon_source = "agreement"
        self.handles: dict[str, RunHandle] = {}
        self.race_rows: dict[str, dict] = {}
        self.race_step = 0
        self.race_total = 0
        self.explode_info: dict[str, object] = {}
        self.diverged: dict[str, int] = {}
        self.grad_points: dict[str, list[tuple[float, float, float, bool]]] = {m: [] for m in MODES}

    # ------------------------------------------------------------------ layout
    def compose_body(self) -> Iterable[Widget]:
        with TabbedContent(id="gradients-tabs", initial="tab-ribbon"):
            with TabPane("Through time", id="tab-ribbon"):
                with Vertical():
                    yield Static("", id="ribbon-info", classes="gradients-info")
                    yield Input(placeholder="l: type a text, Enter: ribbons of the language models on it",
                                id="ribbon-text", compact=True)
                    yield GradientRibbon(id="gradients-ribbon",
                                         empty_text="press g to compute the gradients through time")
                    yield Static(ribbon_caption("agreement"), id="ribbon-caption", classes="gradients-info")
            with TabPane("Agreement", id="tab-race"):
                with Vertical():
                    yield Static("", id="race-table")
                    yield LineChart(*(Series(c, cell_style(c)) for c in RACE_CELLS), id="race-chart",
                                    threshold_label="chance",
                                    empty_text="press t to race the cells at the chosen distance")
            with TabPane("Exploding", id="tab-explode"):
                with Vertical():
                    yield Static("", id="explode-info", classes="gradients-info")
                    yield LineChart(*(Series(MODE_TITLES[m], MODE_STYLES[m]) for m in MODES), id="explode-loss",
                                    log_y=True, empty_text="press e: the loss per step for each clipping mode")
                    yield LineChart(Series("before clipping", "bold magenta"), Series("after", "bold blue"),
                                    id="explode-grad", log_y=True, threshold_label="clip",
                                    empty_text="the gradient norm of the selected mode, with its threshold")

    COMPACT_BELOW = 32
    """Terminals shorter than this get one line per ribbon (80×24 shows the ribbons, the tokens and the caption)."""

    def on_resize(self, event) -> None:
        self.query_one(GradientRibbon).compact = event.size.height < self.COMPACT_BELOW

    def on_mount(self) -> None:
        self.query_one(GradientRibbon).compact = self.app.size.height < self.COMPACT_BELOW
        self._show_ribbon_info("")
        self._show_race_table()
        self._show_explode_info()
        if self.options.get("autoload", True):
            self.action_ribbons()

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if (self.racing or self.exploding) else None
        if action == "train":
            return True if not self.racing else None
        if action == "explode":
            return True if not self.exploding else None
        return True

    def _tab(self, pane: str) -> None:
        self.query_one("#gradients-tabs", TabbedContent).active = pane

    def action_ribbons(self) -> None:
        self._tab("tab-ribbon")
        factory = jobs.fresh_ribbons(self.distance, RIBBON_CELLS, example_seed=self.example_seed,
                                     gate_bias=self.gate_bias)
        self.query_one(GradientRibbon).set_rows([], ())
        self.ribbon_source = "agreement"
        self._show_ribbon_info(self._fresh_note())
        self.handles[GROUP_RIBBON] = start_run(self, factory, group=GROUP_RIBBON)

    def action_gate_bias(self) -> None:
        self.gate_bias = RACE_GATE_BIAS if self.gate_bias == 0.0 else 0.0
        self.action_ribbons()

    def _fresh_note(self) -> str:
        if self.gate_bias:
            return f"fresh models, hidden {RIBBON_HIDDEN}, gates biased to remember (bias {self.gate_bias:g}; b: torch init)"
        return f"fresh models, hidden {RIBBON_HIDDEN}, torch.nn init (b: gates biased to remember, as in the race)"

    def action_text(self) -> None:
        self._tab("tab-ribbon")
        self.query_one("#ribbon-text", Input).focus()

    def action_unfocus(self) -> None:
        self.set_focus(None)

    @on(Input.Submitted, "#ribbon-text")
    def _text_entered(self, message: Input.Submitted) -> None:
        message.stop()
        self.show_text_ribbons(message.value)

    def show_text_ribbons(self, text: str) -> None:
        """Ribbons of the language models (``--checkpoint``, else the bundled ones) on ``text``."""
        chosen = self.options.get("checkpoint")
        names = (chosen,) if chosen else ("dinos-lstm", "dinos-gru")
        factory = jobs.text_ribbons(names, text)
        self.query_one(GradientRibbon).set_rows([], ())
        self.ribbon_source = "text"
        self._show_ribbon_info(f"language models ({', '.join(str(n) for n in names)}) reading your text")
        self.handles[GROUP_RIBBON] = start_run(self, factory, group=GROUP_RIBBON)

    def action_next_example(self) -> None:
        self.example_seed += 1
        self.action_ribbons()

    def action_longer(self) -> None:
        self._step_distance(+1)

    def action_shorter(self) -> None:
        self._step_distance(-1)

    def _step_distance(self, direction: int) -> None:
        i = DISTANCES.index(self.distance) if self.distance in DISTANCES else 3
        self.distance = DISTANCES[max(0, min(len(DISTANCES) - 1, i + direction))]
        if not self.racing:
            self.action_ribbons()
        self._show_race_table()

    def action_train(self) -> None:
        from engine.gradients.configs import AgreementTrainConfig

        self._tab("tab-race")
        # the command line's defaults (steps, budget, gate bias, evaluation set); evaluated more often for the
        # live chart, with the ribbons of the trained models
        config = AgreementTrainConfig(distance=self.distance, cells=RACE_CELLS, eval_every=10, profile=True,
                                      gate_bias=RACE_GATE_BIAS)
        steps = config.steps
        chart = self.query_one("#race-chart", LineChart)
        chart.clear()
        chart.set_threshold(0.5)
        self.race_rows = {}
        self.race_step, self.race_total = 0, steps
        self.racing = True
        self._show_race_table()
        self.handles[GROUP_RACE] = start_run(self, jobs.race(config), group=GROUP_RACE)

    def action_explode(self) -> None:
        from engine.gradients.configs import ExplodingConfig

        self._tab("tab-explode")
        config = ExplodingConfig()
        self.query_one("#explode-loss", LineChart).clear()
        self.query_one("#explode-grad", LineChart).clear()
        self.diverged = {}
        self.grad_points = {m: [] for m in MODES}
        self.explode_info = {}
        self.exploding = True
        self._show_explode_info()
        self.handles[GROUP_EXPLODE] = start_run(self, jobs.explode(config), group=GROUP_EXPLODE)

    def action_clip_mode(self) -> None:
        self._tab("tab-explode")
        self.clip_mode = MODES[(MODES.index(self.clip_mode) + 1) % len(MODES)]

    def action_stop(self) -> None:
        for group in (GROUP_RACE, GROUP_EXPLODE):
            handle = self.handles.get(group)
            if handle is not None:
                handle.stop()

    def watch_clip_mode(self, _old: str, _new: str) -> None:
        if self.is_mounted:
            self._redraw_grad_chart()
            self._show_explode_info()

    # ------------------------------------------------------------------ events
    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if message.group == GROUP_RACE:
            self.racing = False
            self._show_race_table(finished=True)
        elif message.group == GROUP_EXPLODE:
            self.exploding = False
            self._show_explode_info(finished=True)

    @on(EngineEvent[GradientsThroughTime])
    def _profile(self, message: EngineEvent) -> None:
        self._add_profile(message.event, trained=(message.group == GROUP_RACE))

    @on(EngineEvent[AgreementModel])
    def _race_model(self, message: EngineEvent) -> None:
        event = message.event
        self.race_rows[event.cell] = {"hidden": event.hidden_size, "parameters": event.parameters}
        self._show_race_table()

    @on(EngineEvent[AgreementEvaluated])
    def _race_evaluated(self, message: EngineEvent) -> None:
        event = message.event
        self.race_rows.setdefault(event.cell, {}).update(accuracy=event.accuracy, loss=event.eval_loss)
        self.race_step, self.race_total = event.step, event.total_steps
        self.query_one("#race-chart", LineChart).add(event.cell, event.step, event.accuracy)
        self._show_race_table()

    @on(EngineEvent[ExplodingStarted])
    def _explode_started(self, message: EngineEvent) -> None:
        event = message.event
        self.explode_info = {"rho": event.spectral_radius, "value": event.clip_value, "norm": event.clip_norm,
                             "steps": event.total_steps, "lr": event.learning_rate}
        self._redraw_grad_chart()
        self._show_explode_info()

    @on(EngineEvent[ExplodingStep])
    def _explode_step(self, message: EngineEvent) -> None:
        event = message.event
        self.query_one("#explode-loss", LineChart).add(MODE_TITLES[event.mode], event.step, event.loss)
        point = grad_point(event)
        self.grad_points[event.mode].append(point)
        if event.mode == self.clip_mode:
            self._plot_grad_point(point)
        self.explode_info["step"] = event.step
        self._show_explode_info()

    @on(EngineEvent[ExplodingDiverged])
    def _explode_diverged(self, message: EngineEvent) -> None:
        event = message.event
        self.diverged[event.mode] = event.step
        self._show_explode_info()

    # ------------------------------------------------------------------ drawing
    def _add_profile(self, event, *, trained: bool) -> None:
        ribbon = self.query_one(GradientRibbon)
        if trained and ribbon.rows and not ribbon.title.startswith("trained"):
            ribbon.set_rows([], ())
        top = event.top()
        note = f"loss {event.loss:.2f}"
        ribbon.upsert(RibbonRow(f"{event.cell} a ({event.method})", top.a, note), event.tokens)
        if top.c is not None:
            ribbon.upsert(RibbonRow(f"{event.cell} c", top.c, "memory"), event.tokens)
        if trained:
            self.ribbon_source = "agreement"
            ribbon.title = f"trained models, step {self.race_step}"
            self._show_ribbon_info(f"models of the race at step {self.race_step}", event.tokens)
        elif self.ribbon_source == "text":
            ribbon.title = "language models"
            self._show_ribbon_info("language models reading your text; the loss is −log P(last token)", event.tokens)
        else:
            ribbon.title = "fresh models" + (f", gate bias {self.gate_bias:g}" if self.gate_bias else "")
            self._show_ribbon_info(self._fresh_note(), event.tokens)

    def _show_ribbon_info(self, what: str, tokens: tuple[str, ...] = ()) -> None:
        """The lines above the ribbons and the caption below them, for the current source."""
        self.query_one("#ribbon-info", Static).update(ribbon_info(self.distance, what, tokens, self.ribbon_source))
        self.query_one("#ribbon-caption", Static).update(ribbon_caption(self.ribbon_source))
        self.query_one(GradientRibbon).marked = (1,) if self.ribbon_source == "agreement" else ()

    def _show_race_table(self, finished: bool = False) -> None:
        state = "finished" if finished else ("running" if self.racing else "idle")
        self.query_one("#race-table", Static).update(
            race_table(self.distance, self.race_step, self.race_total, self.race_rows, RACE_CELLS, state))

    def _show_explode_info(self, finished: bool = False) -> None:
        self.query_one("#explode-info", Static).update(
            explode_info(self.explode_info, self.clip_mode, self.diverged, finished))

    def _plot_grad_point(self, point: tuple[float, float, float, bool]) -> None:
        step, before, after, clipped = point
        if not (math.isfinite(before) and math.isfinite(after)):
            return
        chart = self.query_one("#explode-grad", LineChart)
        chart.add("before clipping", step, before)
        chart.add("after", step, after)
        if clipped:
            chart.mark(step)

    def _redraw_grad_chart(self) -> None:
        """The selected mode's curve: ‖g‖ (none, norm) or max |gᵢ| (value), and its threshold N."""
        chart = self.query_one("#explode-grad", LineChart)
        chart.clear()
        for point in self.grad_points.get(self.clip_mode, []):
            self._plot_grad_point(point)
        threshold = {"none": None, "value": self.explode_info.get("value"), "norm": self.explode_info.get("norm")}
        chart.set_threshold(threshold.get(self.clip_mode))
        chart.threshold_label = {"none": "", "value": "N: max |gᵢ|", "norm": "N: ‖g‖"}[self.clip_mode]

