"""Analogies: ask word vectors questions, evaluate them, and look at their gender bias.

The query box has focus when the screen opens. It accepts ``man : woman :: king : ?``,
``king - man + woman``, ``father ~ mother`` or a single word (neighbours); Enter answers
with the top 10 and a cosine bar each. ``ctrl+g`` switches between the pretrained vectors
(GloVe by default) and the model trained on the Embeddings screen, ``ctrl+o`` between
3CosAdd and 3CosMul, ``ctrl+t`` includes or excludes the query words. ``ctrl+r`` shows the
Google analogy test set's per-section table (running it first when these vectors have none);
``ctrl+b`` shows the debias view (cosines with the bias direction before and after
neutralize/equalize) and, pressed again, the next recipe for g (the course's, unit vectors, PCA).

Under 100 columns the answers and the side panel (evaluation or debias) take turns on the whole
width: ctrl+r / ctrl+b bring the side panel, Enter or escape the answers.

Every panel says which vectors it shows and follows a change of its input: a failed query clears
the answers, ctrl+g asks the last query again and recomputes a visible debias view, and an
evaluation of other vectors than the current ones is marked stale.

Vectors load and the evaluation runs in workers (:func:`explorer.runs.start_run`, the jobs of
:mod:`explorer.jobs.analogies`); queries and the debias view are numpy-only and use
:func:`~explorer.runs.start_run` with ``light=True``, so they never wait for the torch import at
start-up. Keys always answer at once. If the vectors cannot be loaded, the screen says why (also to
a query typed later) instead of waiting for them.
"""

from __future__ import annotations

from typing import Iterable

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, ProgressBar, Static

from engine.embeddings.events import AnalogyEvaluated, EvalProgress
from explorer.deferred import after_first_frame
from explorer.jobs.analogies import (
    DEBIAS_METHODS,
    METHOD_NAMES,
    DebiasComputed,
    DebiasFailed,
    QueryAnswered,
    QueryFailed,
    query_factory,
)
from explorer.jobs.vectors import VectorsLoaded, describe_vectors, load_factory, source_label, store_for
from explorer.messages import EngineEvent, RunFinished
from explorer.query import EXAMPLES, QueryError, parse_query
from explorer.runs import start_run
from explorer.screens.base import ExplorerScreen
from explorer.widgets.analogy_debias import DebiasBars
from explorer.widgets.analogy_scores import AnalogyScores
from explorer.widgets.cosine_bars import CosineBars

RESTRICT_VOCAB = 30_000
HINTS = ("[b]try[/b]  paris : france :: rome : ?\n"
         "     walk : walked :: swim\n"
         "     king - man + woman  ·  frog")
RECIPES = {"difference": "the course", "unit-difference": "unit vectors", "pca": "PCA, the paper"}
"""Short names of the debias recipes (explorer.jobs.analogies.DEBIAS_METHODS) for the panel title."""


class AnalogiesScreen(ExplorerScreen):
    """Queries with cosine bars, the Google analogy evaluation and the debias view."""

    HELP = ("Type a query and press Enter: man : woman :: king : ?  ·  king - man + woman  ·  "
            "father ~ mother  ·  a single word for its neighbours.")

    DEFAULT_CSS = """
    AnalogiesScreen #analogies-query { margin: 0 1; }
    AnalogiesScreen #analogies-message { height: auto; padding: 0 2; }
    AnalogiesScreen #analogies-message.-error { color: $error; }
    AnalogiesScreen #analogies-options { height: auto; padding: 0 2; color: $text-muted; }
    AnalogiesScreen #analogies-main { height: 1fr; }
    AnalogiesScreen #analogies-answers-panel { width: 1fr; height: 1fr; }
    AnalogiesScreen #analogies-note { height: auto; color: $text-muted; }
    AnalogiesScreen #analogies-side { width: 1fr; height: 1fr; }
    AnalogiesScreen #analogies-eval, AnalogiesScreen #analogies-debias { height: 1fr; }
    AnalogiesScreen .analogies-info { height: auto; color: $text-muted; }
    AnalogiesScreen .-stale { color: $text-disabled; }
    AnalogiesScreen #analogies-answers { height: auto; }
    AnalogiesScreen #analogies-hints { dock: bottom; }
    AnalogiesScreen.-narrow #analogies-main.-front-answers #analogies-side { display: none; }
    AnalogiesScreen.-narrow #analogies-main.-front-side #analogies-answers-panel { display: none; }
    """

    BINDINGS = [
        Binding("ctrl+g", "toggle_vectors", "Vectors", id="analogies.vectors",
                tooltip="Switch between the pretrained vectors (GloVe) and the model trained on the Embeddings screen"),
        Binding("ctrl+o", "toggle_method", "3CosAdd/Mul", id="analogies.method",
                tooltip="Answer analogies by 3CosAdd or 3CosMul (Levy & Goldberg 2014)"),
        Binding("ctrl+t", "toggle_query_words", "Query words", id="analogies.query_words",
                tooltip="Include or exclude the query words from the answers"),
        Binding("ctrl+r", "evaluate", "Evaluate", id="analogies.evaluate",
                tooltip="The Google analogy test set (restrict_vocab 30,000), per section; "
                        "it runs when these vectors have no evaluation yet"),
        Binding("ctrl+b", "debias", "Debias", id="analogies.debias",
                tooltip="Cosines with the gender direction g before and after neutralize / equalize; "
                        "again: the next recipe for g (the course's e_woman − e_man, unit vectors, PCA)"),
        Binding("escape", "escape", "Stop/Back", id="analogies.escape",
                tooltip="Stop the running evaluation; under 100 columns bring the answers back; otherwise leave "
                        "the query box (so 1–7 switch screens); never back into it (a click or Tab is)"),
        Binding("pagedown", "scroll_panel(1)", "Page down", id="analogies.page_down", show=False,
                tooltip="Scroll the evaluation or debias panel"),
        Binding("pageup", "scroll_panel(-1)", "Page up", id="analogies.page_up", show=False,
                tooltip="Scroll the evaluation or debias panel back"),
    ]

    which: reactive[str] = reactive("pretrained", bindings=True, repaint=False)
    method: reactive[str] = reactive("add", bindings=True, repaint=False)
    exclude_query: reactive[bool] = reactive(True, bindings=True, repaint=False)
    loaded: reactive[bool] = reactive(False, bindings=True, repaint=False)
    evaluating: reactive[bool] = reactive(False, bindings=True, repaint=False)
    front: reactive[str] = reactive("answers", repaint=False)
    """Which panel is in front under 100 columns: "answers" or "side" (evaluation / debias)."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: str | None = None
        self._last_text: str | None = None
        self._eval_handle = None
        self._answer_vectors = None  # the vectors the answers shown came from
        self._eval_vectors = None  # … the evaluation shown (or running)
        self._eval_name = ""
        self._eval_complete = False
        self._debias_vectors = None  # … the debias view shown
        self._debias_method = DEBIAS_METHODS[0]

    # -- layout -------------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder=EXAMPLES, id="analogies-query")
        yield Static("", id="analogies-message", markup=False)
        yield Static("", id="analogies-options")
        with Horizontal(id="analogies-main", classes="-front-answers"):
            with Vertical(id="analogies-answers-panel", classes="panel") as panel:
                panel.border_title = "answers"
                yield Static("", id="analogies-note", markup=False)
                yield CosineBars("Type a query and press Enter.", id="analogies-answers")
                yield Static(HINTS, id="analogies-hints", classes="analogies-info")
            with ContentSwitcher(initial="analogies-eval", id="analogies-side", classes="panel"):
                with VerticalScroll(id="analogies-eval"):
                    yield Static(f"Google analogy test set: ctrl+r runs it on the {RESTRICT_VOCAB:,} most "
                                 "frequent words.", id="analogies-eval-info", classes="analogies-info")
                    yield ProgressBar(total=None, id="analogies-eval-progress", show_eta=True, classes="hidden")
                    yield AnalogyScores(id="analogies-eval-table")
                with VerticalScroll(id="analogies-debias"):
                    yield Static("", id="analogies-debias-info", classes="analogies-info", markup=False)
                    yield DebiasBars(id="analogies-debias-bars")

    def on_mount(self) -> None:
        self.query_one("#analogies-side").border_title = "evaluation"
        self.query_one("#analogies-query", Input).focus()
        self._refresh_options()
        store = store_for(self.app)
        if store.pretrained is not None:
            self.loaded = True
            self._say(f"{source_label(store.source, store.pretrained)} ready: {describe_vectors(store.pretrained)}.")
        elif store.load_error is not None:  # the Embeddings screen tried and failed: try again
            self._say(f"loading {source_label(store.source)} again…")
            after_first_frame(self, lambda: start_run(self, load_factory(store.source), group="analogies.load"))
        elif self.options.get("autoload", True) is False:
            self._say("No vectors loaded (autoload is off).")
        else:
            self._say(f"loading {source_label(store.source)}…")

            # started after the first frame: reading the vectors must not slow its paint
            after_first_frame(self, lambda: start_run(self, load_factory(store.source), group="analogies.load"))

    def on_screen_resume(self) -> None:
        self.query_one("#analogies-query", Input).focus()
        self._refresh_options()
        self._follow_vectors()  # the Embeddings screen may have trained new vectors meanwhile

    # -- state ----------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        message = self.query_one("#analogies-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def _vectors(self):
        return store_for(self.app).vectors(self.which)

    def _vectors_name(self) -> str:
        store = store_for(self.app)
        if self.which == "trained":
            return store.trained_label()
        return source_label(store.source, store.pretrained)

    def _refresh_options(self) -> None:
        wv = self._vectors()
        size = f"{len(wv):,} × {wv.dim}" if wv is not None else ("not loaded" if self.which == "pretrained"
                                                                  else "none yet")
        words = "excluded" if self.exclude_query else "included"
        self.query_one("#analogies-options", Static).update(
            f"vectors [b]{self._vectors_name()}[/b] ({size})  │  [b]{METHOD_NAMES[self.method]}[/b]  │  "
            f"query words [b]{words}[/b]"
        )

    def watch_which(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def watch_method(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def watch_exclude_query(self) -> None:
        if self.is_mounted:
            self._refresh_options()

    def watch_front(self, front: str) -> None:
        main = self.query_one("#analogies-main")
        main.set_class(front == "answers", "-front-answers")
        main.set_class(front == "side", "-front-side")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("evaluate", "debias"):
            return None if not self.loaded or self.evaluating else True
        return True

    def _side(self, panel: str) -> None:
        """Show ``panel`` ("analogies-eval" or "analogies-debias") in the side panel, in front."""
        self.query_one("#analogies-side", ContentSwitcher).current = panel
        self.front = "side"
        self._title_side()

    def _side_visible(self, panel: str) -> bool:
        shown = self.query_one("#analogies-side", ContentSwitcher).current == panel
        return shown and (self.front == "side" or not self.has_class("-narrow"))

    def _title_side(self) -> None:
        side = self.query_one("#analogies-side")
        if side.current == "analogies-debias":
            side.border_title = f"debias · {RECIPES[self._debias_method]}"
        else:
            side.border_title = "evaluation" + (f" · {self._eval_name}" if self._eval_name else "")

    # -- following the inputs of every panel ------------------------------------------------
    def _follow_vectors(self) -> None:
        """After the vectors changed (ctrl+g, a new trained model, a load): every panel follows."""
        wv = self._vectors()
        if self._last_text and self._answer_vectors is not None and self._answer_vectors is not wv:
            self._ask(self._last_text)
        self._mark_eval()
        bars = self.query_one("#analogies-debias-bars", DebiasBars)
        if self._debias_vectors is not None and self._debias_vectors is not wv:
            if self._side_visible("analogies-debias") and wv is not None:
                self._compute_debias()
            else:  # computed again when it is shown (ctrl+b)
                bars.add_class("-stale")
                self.query_one("#analogies-debias-info", Static).update(
                    f"stale: computed for other vectors; ctrl+b computes it for {self._vectors_name()}.")

    def _mark_eval(self) -> None:
        """Mark the evaluation stale when it is not of the current vectors."""
        table = self.query_one("#analogies-eval-table", AnalogyScores)
        stale = self._eval_vectors is not None and self._eval_vectors is not self._vectors() and not self.evaluating
        table.set_class(stale, "-stale")
        if stale:
            self.query_one("#analogies-eval-info", Static).update(
                f"stale: these figures are for {self._eval_name}; ctrl+r evaluates {self._vectors_name()}.")

    # -- queries ------------------------------------------------------------------------
    @on(Input.Submitted, "#analogies-query")
    def _query_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.front = "answers"
        self._ask(event.value)

    def _ask(self, text: str) -> None:
        try:
            query = parse_query(text)
        except QueryError as exc:
            self._no_answer(str(exc))
            return
        wv = self._vectors()
        if wv is None:
            store = store_for(self.app)
            if self.which == "trained":
                self._no_answer("No trained vectors yet: train word2vec on the Embeddings screen (key 4), "
                                "or press ctrl+g for the pretrained ones.")
            elif store.load_error is not None:
                self._no_answer(self._load_failed(store))
            else:
                self._pending = text
                self._say(f"still loading {source_label(store.source)}… "
                          "your query runs as soon as it is ready.")
            return
        self._last_text = text
        factory = query_factory(wv, query, text=text, method=self.method,  # type: ignore[arg-type]
                                exclude_query=self.exclude_query)
        # numpy work on loaded vectors: never waits for the torch import at start-up
        start_run(self, factory, group="analogies.query", light=True)
        self._answer_vectors = wv

    def _no_answer(self, why: str) -> None:
        """Say why there is no answer, and take the previous answers away (they would read as this one's)."""
        self._say(why, error=True)
        self.query_one("#analogies-note", Static).update("")
        self.query_one("#analogies-answers", CosineBars).clear("No answer: see the message above.")
        self.query_one("#analogies-answers-panel").border_title = "answers"

    def _show_answer(self, answer: QueryAnswered) -> None:
        self.query_one("#analogies-hints").add_class("hidden")  # the answers need the room now
        self._say(answer.title)
        self.query_one("#analogies-note", Static).update(answer.note)
        self.query_one("#analogies-answers", CosineBars).show(
            answer.rows, marked=answer.marked, dimmed=answer.dimmed, label=answer.label)
        self.query_one("#analogies-answers-panel").border_title = f"answers · {self._vectors_name()}"

    @staticmethod
    def _load_failed(store) -> str:
        return (f"Could not load {source_label(store.source)}: {store.load_error} "
                "(start seq-explorer with --embeddings DIR|FILE for other vectors)")

    def _requery(self) -> None:
        """Answer the last query again after a switch of vectors, method or query words."""
        if self._last_text:
            self._ask(self._last_text)

    # -- actions ---------------------------------------------------------------------------
    def action_toggle_vectors(self) -> None:
        store = store_for(self.app)
        if self.which == "pretrained" and store.trained is None:
            self._say("No trained vectors yet: train word2vec or GloVe on the Embeddings screen (key 4) first.", error=True)
            return
        self.which = "trained" if self.which == "pretrained" else "pretrained"
        self._say(f"now querying the {store.trained_label() if self.which == 'trained' else 'pretrained'} vectors.")
        self._requery()
        self._follow_vectors()

    def action_toggle_method(self) -> None:
        self.method = "mul" if self.method == "add" else "add"
        self._requery()

    def action_toggle_query_words(self) -> None:
        self.exclude_query = not self.exclude_query
        self._requery()

    def action_evaluate(self) -> None:
        from explorer.jobs.analogies import evaluation_factory, questions_path

        wv = self._vectors()
        if wv is None:
            self._say("Nothing to evaluate yet: the vectors are still loading.", error=True)
            return
        self._side("analogies-eval")
        if self._eval_vectors is wv and self._eval_complete:  # the same vectors give the same figures
            self._say(f"The Google analogy evaluation of {self._eval_name} (ctrl+r runs it again once "
                      "the vectors change).")
            return
        path = questions_path()
        self.query_one("#analogies-eval-table", AnalogyScores).clear()
        progress = self.query_one("#analogies-eval-progress", ProgressBar)
        progress.update(total=None, progress=0)
        progress.remove_class("hidden")
        self._eval_vectors, self._eval_name, self._eval_complete = wv, self._vectors_name(), False
        self._title_side()
        self.query_one("#analogies-eval-info", Static).update(
            f"{path.name} · restrict_vocab {RESTRICT_VOCAB:,} · running… (escape stops)")
        self.evaluating = True
        self._mark_eval()
        self._eval_handle = start_run(self, evaluation_factory(wv, str(path), RESTRICT_VOCAB),
                                      group="analogies.eval")

    def escape_in_box(self) -> bool:
        """Escape while typing in the query box: stop a running evaluation or, under 100 columns, bring
        the answers back to the front, the box keeping the focus; False when neither applies (the
        app then leaves the box)."""
        if self._eval_handle is not None and self.evaluating:
            self._eval_handle.stop()
            self._say("stopping the evaluation…")
            return True
        if self.has_class("-narrow") and self.front == "side":
            self.front = "answers"
            return True
        return False

    def action_escape(self) -> None:
        """Escape out of the box: the same, never going back into the box (a click or Tab does)."""
        self.escape_in_box()

    def action_scroll_panel(self, direction: int) -> None:
        side = self.query_one("#analogies-side", ContentSwitcher)
        panel = self.query_one(f"#{side.current}", VerticalScroll)
        if direction > 0:
            panel.scroll_page_down()
        else:
            panel.scroll_page_up()

    def action_debias(self) -> None:
        wv = self._vectors()
        if wv is None:
            self._say("The vectors are still loading.", error=True)
            return
        if self._side_visible("analogies-debias") and self._debias_vectors is wv:  # again: the next recipe
            i = DEBIAS_METHODS.index(self._debias_method)
            self._debias_method = DEBIAS_METHODS[(i + 1) % len(DEBIAS_METHODS)]
        self._side("analogies-debias")
        self._compute_debias()

    def _compute_debias(self) -> None:
        from explorer.jobs.analogies import debias_factory

        wv = self._vectors()
        self._debias_vectors = wv
        self._title_side()
        self.query_one("#analogies-debias-info", Static).update("computing the bias direction…")
        start_run(self, debias_factory(wv, self._debias_method), group="analogies.debias", light=True)

    # -- engine events --------------------------------------------------------------------
    @on(EngineEvent[VectorsLoaded])
    def _vectors_loaded(self, message: EngineEvent) -> None:
        event = message.event
        store_for(self.app).loaded(event.vectors)
        self.loaded = True
        self._refresh_options()
        self._say(f"{source_label(event.source, event.vectors)} ready: {describe_vectors(event.vectors)} "
                  f"(loaded in {event.seconds:.1f} s).")
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._ask(pending)

    @on(EngineEvent[QueryAnswered])
    def _answered(self, message: EngineEvent) -> None:
        self._show_answer(message.event)

    @on(EngineEvent[QueryFailed])
    def _failed(self, message: EngineEvent) -> None:
        self._no_answer(message.event.message)

    @on(EngineEvent[EvalProgress])
    def _eval_progress(self, message: EngineEvent) -> None:
        event = message.event
        self.query_one("#analogies-eval-progress", ProgressBar).update(total=max(event.total, 1), progress=event.done)
        self.query_one("#analogies-eval-info", Static).update(
            f"section {event.section} · {event.done:,} / {event.total:,} questions · escape stops")

    @on(EngineEvent[AnalogyEvaluated])
    def _evaluated(self, message: EngineEvent) -> None:
        self.show_result(message.event.result)

    def show_result(self, result) -> None:
        """Fill the per-section table and the summary line from an ``AnalogyResult``."""
        self.query_one("#analogies-eval-table", AnalogyScores).show(result.sections)
        self.query_one("#analogies-eval-progress", ProgressBar).add_class("hidden")
        self._eval_complete = not result.stopped
        stopped = "stopped early: " if result.stopped else ""
        self.query_one("#analogies-eval-info", Static).update(
            f"{stopped}{result.evaluated:,} questions answered (3CosAdd), {result.skipped:,} skipped "
            f"(a word outside the {RESTRICT_VOCAB:,} most frequent)")
        self._mark_eval()

    @on(EngineEvent[DebiasComputed])
    def _debiased(self, message: EngineEvent) -> None:
        event = message.event
        bars = self.query_one("#analogies-debias-bars", DebiasBars)
        bars.remove_class("-stale")
        bars.show(event.rows)
        info = (f"{event.direction}. Blue: neutralized, e − (e·g/‖g‖²) g, so cos → 0. "
                "Pink: equalized pairs, equal and opposite. ctrl+b: next recipe.")
        if event.skipped:
            info += f"  Not in the vocabulary: {', '.join(event.skipped)}."
        self.query_one("#analogies-debias-info", Static).update(info)

    @on(EngineEvent[DebiasFailed])
    def _debias_failed(self, message: EngineEvent) -> None:
        self.query_one("#analogies-debias-bars", DebiasBars).clear("no debias view for these vectors")
        self.query_one("#analogies-debias-info", Static).update(message.event.message)

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if not message.group.startswith("analogies."):
            return
        if message.group == "analogies.eval":
            self.evaluating = False
            self.query_one("#analogies-eval-progress", ProgressBar).add_class("hidden")
            self._mark_eval()
        if message.error is not None:
            text = " ".join(str(message.error).split()) or message.error.__class__.__name__
            if message.group == "analogies.load":
                store = store_for(self.app)
                store.failed(message.error)
                self._pending = None  # it will not run: say why instead
                self._say(self._load_failed(store), error=True)
            else:
                self._say(text, error=True)
