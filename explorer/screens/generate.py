"""Generate: sample from a language model, step through a sample, score a sentence.

``g`` samples ``n`` names/sentences with the temperature, top-k and prefix from
the controls (each marked new ✓ or seen ○ in the training set); choosing one in
the list (Enter or a click) steps through it: ``←``/``→`` move, and the bars show, for
every candidate next token, the probability the sampler drew it with (``softmax(z/T)`` over the
top-k: the settings the samples were drawn with) beside the model's own (``softmax(z)``), with
the token the sample took highlighted. ``e`` goes to the sentence box: Enter shows
P(y⟨t⟩ | y⟨1⟩…y⟨t−1⟩) for every token, the product, the log-probability and the perplexity,
with UNK and EOS shown.

The screen shows the app's current model (``App.current_model``): the run just trained on the
Train screen (its ``best/`` checkpoint when it has one) once there is one; ``m`` opens the model box
to go back to a bundled model.
"""

from __future__ import annotations

import math
from typing import Iterable

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from engine.errors import InputError
from explorer.fields import field_of
from explorer.jobs import lm as lm_jobs
from explorer.messages import EngineEvent
from explorer.runs import start_call
from explorer.screens.model_screen import ModelScreen, model_words
from explorer.widgets.prob_bars import ProbabilityBars, sampled_label, shown_token

SAMPLE_LABELS = {"temperature": "temperature", "top_k": "top-k", "n": "n", "seed": "seed", "prefix": "prefix"}
"""The sampling settings' names on this screen (the engine says top_k, the box says top-k)."""


def score_rows(result) -> tuple[list[tuple[str, float, bool]], float, float]:
    """``(rows of (token, probability, is_unk), log_probability, perplexity)`` of the engine's
    :class:`~engine.lm.scoring.SentenceScore`."""
    rows = [(t.token, t.probability, t.is_unk) for t in result.tokens]
    return rows, result.log_probability, result.perplexity


def score_summary(rows: list[tuple[str, float, bool]], log_p: float, ppl: float) -> str:
    product = math.exp(log_p) if log_p > -700 else 0.0
    unk = sum(1 for _, _, u in rows if u)
    return (f"P = Π P⟨t⟩ = {product:.3e} · log P = {log_p:.3f} · perplexity = {ppl:.2f} · "
            f"{len(rows)} tokens (EOS included){f', {unk} UNK' if unk else ''}")


def score_table(rows: list[tuple[str, float, bool]], log_p: float, ppl: float) -> Table:
    table = Table(expand=False, show_edge=False, pad_edge=False, box=None, title_justify="left")
    table.add_column("t", justify="right", style="dim")
    table.add_column("token")
    table.add_column("P(token | before)", justify="right")
    for t, (token, p, unk) in enumerate(rows, 1):
        label = Text(shown_token(token))
        if unk:
            label.append(" UNK", style="bold yellow")
        if token in ("<eos>", "<EOS>"):
            label.stylize("bold cyan")
        table.add_row(str(t), label, f"{p:.4f}")
    return table


class GenerateScreen(ModelScreen):
    """Sampling, step-through and sentence probability for a language model."""

    GROUP = "generate"
    MODEL_LABEL_ID = "gen-model"
    FOLLOWS_CURRENT_MODEL = True

    AUTO_FOCUS = ""
    HELP = ("Bars: for each candidate next token, 'sampled' is the probability g drew it with — "
            "softmax(z/T) over the top-k tokens, with the temperature T and top-k the samples were drawn "
            "with (UNK is never drawn) — and 'model's own' is softmax(z) at temperature 1 over every "
            "token. A low T sharpens the sampled bars, a high T flattens them; top-k cuts the tail (—).")
    DEFAULT_CSS = """
    GenerateScreen #gen-head { height: auto; padding: 0 1; }
    GenerateScreen #model { width: 28; margin-right: 1; }
    GenerateScreen #gen-model { height: auto; width: 1fr; color: $text-muted; }
    GenerateScreen.-narrow #gen-model { height: 1; }
    GenerateScreen #gen-controls { height: auto; padding: 0 1; }
    GenerateScreen #gen-controls Label { padding: 0 1 0 0; color: $text-muted; }
    GenerateScreen #gen-controls Input { width: 10; margin-right: 2; }
    GenerateScreen.-narrow #gen-controls Input { width: 6; margin-right: 1; }
    GenerateScreen #prefix { width: 16; }
    GenerateScreen.-narrow #gen-controls #prefix { width: 10; }
    GenerateScreen #gen-columns { height: 1fr; min-height: 8; }
    GenerateScreen #samples { width: 30; height: 1fr; min-height: 5; }
    GenerateScreen.-narrow #samples { width: 24; }
    GenerateScreen #walk { width: 1fr; height: 1fr; }
    GenerateScreen #walk-text { height: auto; }
    GenerateScreen #score-box { height: auto; max-height: 18; }
    GenerateScreen.-narrow #score-box { max-height: 8; }
    GenerateScreen #score { height: auto; max-height: 15; overflow-y: auto; }
    GenerateScreen #score.-empty { display: none; }
    """

    BINDINGS = [
        Binding("g", "generate", "Generate", id="generate.sample", tooltip="Sample n sequences with these settings"),
        Binding("left", "step(-1)", "Step back", id="generate.back", tooltip="Previous step of the chosen sample"),
        Binding("right", "step(1)", "Step", id="generate.forward", tooltip="Next step of the chosen sample"),
        Binding("e", "edit_sentence", "Score text", id="generate.score",
                tooltip="Type a sentence and see its probability"),
        Binding("m", "choose_model", "Model", id="generate.model",
                tooltip="Choose the model: your latest run or a bundled one"),
    ]

    model_ready: reactive[bool] = reactive(False, bindings=True, repaint=False)
    walking: reactive[bool] = reactive(False, bindings=True, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.walk: lm_jobs.Walked | None = None
        self.step = 0
        self.samples: list = []
        self.sample_config = None
        """The ``SampleConfig`` the listed samples were drawn with (their walk shows its T and top-k)."""
        self.score_text = ""

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="gen-head"):
            yield self.model_select("Which language model generates (m)")
            yield Static("loading the model…", id="gen-model")
        with Horizontal(id="gen-controls"):
            yield Label("temperature")
            yield Input("0.8", id="temperature", type="number", compact=True)
            yield Label("top-k")
            yield Input("0", id="top_k", type="integer", compact=True, tooltip="0 keeps every token")
            yield Label("prefix")
            yield Input("", id="prefix", compact=True)
            yield Label("n")
            yield Input("10", id="n", type="integer", compact=True)
            yield Label("seed")
            yield Input("0", id="seed", type="integer", compact=True)
        with Horizontal(id="gen-columns"):
            samples = OptionList(id="samples")
            samples.border_title = "samples"
            samples.border_subtitle = "✓ new · ○ seen"
            samples.add_class("panel")
            yield samples
            with Vertical(id="walk", classes="panel") as walk:
                walk.border_title = "step through ← →"
                walk.border_subtitle = "sampled = softmax(z/T) on the top-k"
                yield Static("[dim]press g to sample, then choose a sample[/]", id="walk-text")
                yield ProbabilityBars(id="bars")
        with Vertical(id="score-box", classes="panel") as box:
            box.border_title = "sentence probability (e, then Enter)"
            yield Input(placeholder="type a name or sentence, Enter scores it", id="sentence", compact=True)
            yield Static("", id="score", classes="-empty")

    def before_load(self) -> None:
        self.model_ready = False

    # -- actions ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("generate", "edit_sentence"):
            return True if self.model_ready else None
        if action == "step":
            return True if self.walking else None
        return True

    def action_generate(self) -> None:
        from engine.lm.sampling import SampleConfig  # torch is loaded: a model is

        try:
            config = SampleConfig(max_len=40, **self._settings())
        except InputError as error:  # in this screen's words, and back to the box once read
            field = field_of(error, SAMPLE_LABELS)
            self.app.show_error(error, SAMPLE_LABELS, then=lambda: self._focus_setting(field))
            return
        model = self.model
        self.status("sampling…")
        start_call(self, lambda: lm_jobs.draw_samples(model, config), group="generate.sample")

    def _focus_setting(self, name: str | None) -> None:
        if name in SAMPLE_LABELS:
            self.query_one(f"#{name}", Input).focus()

    def _settings(self) -> dict:
        """The sampling settings from the boxes, typed; what they may be is the engine's
        ``SampleConfig``'s to say (it refuses a bad one with an InputError naming it)."""

        def num(name: str, kind, what: str):
            text = self.query_one(f"#{name}", Input).value.strip()
            try:
                return kind(text)
            except ValueError:
                raise InputError(f"{name} must be {what}, got {text!r}", field=name) from None

        top_k = num("top_k", int, "a whole number (0 = all)")
        return {
            "temperature": num("temperature", float, "a number"),
            "top_k": top_k or None,
            "n": num("n", int, "a whole number"),
            "seed": num("seed", int, "a whole number"),
            "prefix": self.query_one("#prefix", Input).value,
        }

    def action_step(self, delta: int) -> None:
        if self.walk is None:
            return
        self.step = min(max(self.step + delta, 0), len(self.walk.steps) - 1)
        self._show_step()

    def action_edit_sentence(self) -> None:
        self.query_one("#sentence", Input).focus()

    def action_choose_model(self) -> None:
        select = self.query_one("#model", Select)
        select.focus()
        select.expanded = True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._walk_sample(event.option_index)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Moving through the list steps through the highlighted sample at once: ←/→ then work
        # without an extra Enter.
        event.stop()
        self._walk_sample(event.option_index)

    def _walk_sample(self, index: int) -> None:
        if self.model is None or not (0 <= index < len(self.samples)):
            return
        text = self.samples[index].text
        model, config = self.model, self.sample_config
        temperature = config.temperature if config is not None else 1.0
        top_k = config.top_k if config is not None else None
        prefix = config.prefix if config is not None else ""
        start_call(self, lambda: lm_jobs.walk_text(model, text, temperature, top_k, prefix), group="generate.walk")

    @on(Input.Submitted, "#sentence")
    def _sentence_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self.model is not None and event.value.strip():
            model, text = self.model, event.value
            start_call(self, lambda: lm_jobs.score(model, text), group="generate.score")

    @on(Input.Submitted, "#gen-controls Input")
    def _setting_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self.model_ready:
            self.action_generate()

    # -- results -----------------------------------------------------------------------
    @on(EngineEvent[lm_jobs.SamplesDrawn])
    def _sampled(self, message: EngineEvent) -> None:
        self.show_samples(list(message.event.samples), message.event.config)

    @on(EngineEvent[lm_jobs.Walked])
    def _walked(self, message: EngineEvent) -> None:
        self.show_walk(message.event)

    @on(EngineEvent[lm_jobs.Scored])
    def _scored(self, message: EngineEvent) -> None:
        self.show_score(message.event.score)

    def show_model(self, loaded: lm_jobs.ModelLoaded) -> None:
        super().show_model(loaded)
        self.model_ready = True
        info = loaded.info
        choice = self.choice
        label = self.query_one("#gen-model", Static)
        label.update(f"{model_words(choice, info)}\n[i]{escape(info.variant_note)}[/]")
        label.tooltip = info.path + (" (its best/ checkpoint: the lowest validation loss)" if info.best else "")
        back = ("" if choice is None or choice.is_bundled
                else " · m: back to a bundled model")
        self.status(f"model ready — g samples, e scores a sentence{back}")

    def show_samples(self, samples: list, config=None) -> None:
        self.samples = samples
        self.sample_config = config
        options = self.query_one("#samples", OptionList)
        options.clear_options()
        for s in samples:
            flag = getattr(s, "in_training_set", None)
            mark = "  " if flag is None else ("○ " if flag else "✓ ")
            options.add_option(Option(Text(mark + (s.text or "∅ (empty)"))))
        if samples:
            options.highlighted = 0
            options.focus()
        new = sum(1 for s in samples if getattr(s, "in_training_set", None) is False)
        self.status(f"{len(samples)} samples, {new} new — ↑/↓ choose one, ←/→ step through it")

    def show_walk(self, walk: lm_jobs.Walked) -> None:
        self.walk, self.step, self.walking = walk, 0, True
        self._show_step()

    def _show_step(self) -> None:
        walk = self.walk
        step = walk.steps[self.step]
        word = self.info is not None and self.info.level == "word"
        text = Text()
        for i, s in enumerate(walk.steps):
            style = "reverse bold" if i == self.step else ("" if i < self.step else "dim")
            text.append(shown_token(s.chosen) if s.chosen not in ("<eos>",) else "⏎", style=style)
            if word:
                text.append(" ")
        given = self.step < walk.prefix_tokens
        head = Text(f"step {self.step + 1}/{len(walk.steps)}: next after ", style="dim")
        head.append(repr(" ".join(step.prefix) if word else "".join(step.prefix)))
        if given:
            head.append(" (the prefix: given, not sampled)", style="dim italic")
        self.query_one("#walk-text", Static).update(Text("\n").join([text, head]))
        self.query_one("#bars", ProbabilityBars).set_candidates(
            step.candidates, chosen=step.chosen, sampled_title=sampled_label(walk.temperature, walk.top_k))

    def show_score(self, result) -> None:
        rows, log_p, ppl = score_rows(result)
        self.score_text = score_summary(rows, log_p, ppl)
        score = self.query_one("#score", Static)
        score.update(Group(Text(self.score_text, style="bold"), score_table(rows, log_p, ppl)))
        score.remove_class("-empty")
