"""Analogies: ask word vectors questions, evaluate them, and look at their gender bias.

The query box has focus when the screen opens. It accepts ``man : woman :: king : ?``,
``king - man + woman``, ``father ~ mother`` or a single word (neighbours); Enter answers
with the top 10 and a cosine bar each. ``ctrl+g`` switches between the pretrained vectors
(GloVe by default) and the model trained on the Embeddings screen, ``ctrl+o`` between
3CosAdd and 3CosMul, ``ctrl+t`` includes or excludes the query words. ``ctrl+r`` runs the
Google analogy test set with a progress bar and a per-section table; ``ctrl+b`` shows the
debias view (projections on the bias direction before and after neutralize/equalize).

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
from textual.widgets import ContentSwitcher, DataTable, Input, ProgressBar, Static

from engine.embeddings.events import AnalogyEvaluated, EvalProgress
from explorer.deferred import after_first_frame
from explorer.jobs.analogies import METHOD_NAMES, DebiasComputed, QueryAnswered, QueryFailed, query_factory
from explorer.jobs.vectors import VectorsLoaded, describe_vectors, load_factory, source_label, store_for
from explorer.messages import EngineEvent, RunFinished
from explorer.query import EXAMPLES, QueryError, parse_query
from explorer.runs import start_run
from explorer.screens.base import ExplorerScreen
from explorer.widgets.analogy_debias import DebiasBars
from explorer.widgets.cosine_bars import CosineBars

RESTRICT_VOCAB = 30_000
HINTS = ("[b]try[/b]  paris : france :: rome : ?\n"
         "     walk : walked :: swim\n"
         "     king - man + woman  ·  frog")


class AnalogiesScreen(ExplorerScreen):
    """Queries with cosine bars, the Google analogy evaluation and the debias view."""

    HELP = ("Type a query and press Enter: man : woman :: king : ?  ·  king - man + woman  ·  "
            "father ~ mother  ·  a single word for its neighbours.")

    DEFAULT_CSS = """
    AnalogiesScreen #analogies-query { margin: 0 1; }
    AnalogiesScreen #analogies-message { height: auto; padding: 0 2; }
    AnalogiesScreen #analogies-message.-error { color: $error; }
    AnalogiesScreen #analogies-options { height: 1; padding: 0 2; color: $text-muted; }
    AnalogiesScreen #analogies-main { height: 1fr; }
    AnalogiesScreen #analogies-answers-panel { width: 1fr; height: 1fr; }
    AnalogiesScreen #analogies-note { height: auto; color: $text-muted; }
    AnalogiesScreen #analogies-side { width: 1fr; height: 1fr; }
    AnalogiesScreen #analogies-eval, AnalogiesScreen #analogies-debias { height: 1fr; }
    AnalogiesScreen #analogies-eval-progress { margin: 0 0 1 0; }
    AnalogiesScreen #analogies-eval-table { height: 1fr; }
    AnalogiesScreen .analogies-info { height: auto; color: $text-muted; }
    AnalogiesScreen #analogies-answers { height: auto; }
    AnalogiesScreen #analogies-hints { dock: bottom; }
    """

    BINDINGS = [
        Binding("ctrl+g", "toggle_vectors", "Vectors", id="analogies.vectors",
                tooltip="Switch between the pretrained vectors (GloVe) and the model trained on the Embeddings screen"),
        Binding("ctrl+o", "toggle_method", "3CosAdd/Mul", id="analogies.method",
                tooltip="Answer analogies by 3CosAdd or 3CosMul (Levy & Goldberg 2014)"),
        Binding("ctrl+t", "toggle_query_words", "Query words", id="analogies.query_words",
                tooltip="Include or exclude the query words from the answers"),
        Binding("ctrl+r", "evaluate", "Evaluate", id="analogies.evaluate",
                tooltip="Run the Google analogy test set (restrict_vocab 30,000) with a per-section table"),
        Binding("ctrl+b", "debias", "Debias", id="analogies.debias",
                tooltip="Projections on the gender direction before and after neutralize / equalize"),
        Binding("escape", "escape", "Stop/Leave box", id="analogies.escape",
                tooltip="Stop the running evaluation; otherwise leave the query box (so 1–6 switch screens) "
                        "or go back to it"),
    ]

    which: reactive[str] = reactive("pretrained", bindings=True, repaint=False)
    method: reactive[str] = reactive("add", bindings=True, repaint=False)
    exclude_query: reactive[bool] = reactive(True, bindings=True, repaint=False)
    loaded: reactive[bool] = reactive(False, bindings=True, repaint=False)
    evaluating: reactive[bool] = reactive(False, bindings=True, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self._pending: str | None = None
        self._last_text: str | None = None
        self._eval_handle = None

    # -- layout -------------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder=EXAMPLES, id="analogies-query")
        yield Static("", id="analogies-message", markup=False)
        yield Static("", id="analogies-options")
        with Horizontal(id="analogies-main"):
            with Vertical(id="analogies-answers-panel", classes="panel") as panel:
                panel.border_title = "answers"
                yield Static("", id="analogies-note", markup=False)
                yield CosineBars("Type a query and press Enter.", id="analogies-answers")
                yield Static(HINTS, id="analogies-hints", classes="analogies-info")
            with ContentSwitcher(initial="analogies-eval", id="analogies-side", classes="panel"):
                with Vertical(id="analogies-eval"):
                    yield Static("Google analogy test set: ctrl+r to run (restrict_vocab "
                                 f"{RESTRICT_VOCAB:,}).", id="analogies-eval-info", classes="analogies-info")
                    yield ProgressBar(total=None, id="analogies-eval-progress", show_eta=True, classes="hidden")
                    yield DataTable(id="analogies-eval-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="analogies-debias"):
                    yield Static("", id="analogies-debias-info", classes="analogies-info", markup=False)
                    yield DebiasBars(id="analogies-debias-bars")

    def on_mount(self) -> None:
        side = self.query_one("#analogies-side")
        side.border_title = "evaluation"
        table = self.query_one("#analogies-eval-table", DataTable)
        table.add_columns("section", "correct", "total", "accuracy")
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

    # -- state ----------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        message = self.query_one("#analogies-message", Static)
        message.update(text)
        message.set_class(error, "-error")

    def _vectors(self):
        return store_for(self.app).vectors(self.which)

    def _refresh_options(self) -> None:
        store = store_for(self.app)
        wv = self._vectors()
        if self.which == "trained":
            name = store.trained_label()
        else:
            name = source_label(store.source, store.pretrained)
        size = f"{len(wv):,} × {wv.dim}" if wv is not None else ("not loaded" if self.which == "pretrained"
                                                                  else "none yet")
        words = "excluded" if self.exclude_query else "included"
        self.query_one("#analogies-options", Static).update(
            f"vectors [b]{name}[/b] ({size})  │  [b]{METHOD_NAMES[self.method]}[/b]  │  query words [b]{words}[/b]"
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("evaluate", "debias"):
            return None if not self.loaded or self.evaluating else True
        return True

    # -- queries ------------------------------------------------------------------------
    @on(Input.Submitted, "#analogies-query")
    def _query_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self._ask(event.value)

    def _ask(self, text: str) -> None:
        try:
            query = parse_query(text)
        except QueryError as exc:
            self._say(str(exc), error=True)
            return
        wv = self._vectors()
        if wv is None:
            store = store_for(self.app)
            if self.which == "trained":
                self._say("No trained vectors yet: train word2vec on the Embeddings screen (key 4), "
                          "or press ctrl+g for the pretrained ones.", error=True)
            elif store.load_error is not None:
                self._say(self._load_failed(store), error=True)
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

    def _show_answer(self, answer: QueryAnswered) -> None:
        self.query_one("#analogies-hints").add_class("hidden")  # the answers need the room now
        self._say(answer.title)
        self.query_one("#analogies-note", Static).update(answer.note)
        self.query_one("#analogies-answers", CosineBars).show(
            answer.rows, marked=answer.marked, dimmed=answer.dimmed, label=answer.label)

    def _show_failure(self, failure: QueryFailed) -> None:
        self._say(failure.message, error=True)

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
        self.query_one("#analogies-side", ContentSwitcher).current = "analogies-eval"
        self.query_one("#analogies-side").border_title = "evaluation"
        path = questions_path()
        self.query_one("#analogies-eval-table", DataTable).clear()
        progress = self.query_one("#analogies-eval-progress", ProgressBar)
        progress.update(total=None, progress=0)
        progress.remove_class("hidden")
        self.query_one("#analogies-eval-info", Static).update(
            f"Google analogies · {path.name} · restrict_vocab {RESTRICT_VOCAB:,} · running… (escape stops)")

        self.evaluating = True
        self._eval_handle = start_run(self, evaluation_factory(wv, str(path), RESTRICT_VOCAB),
                                      group="analogies.eval")

    def action_escape(self) -> None:
        query = self.query_one("#analogies-query", Input)
        if self._eval_handle is not None and self.evaluating:
            self._eval_handle.stop()
            self._say("stopping the evaluation…")
        elif query.has_focus:
            self.set_focus(None)
            self._say("Left the query box: keys 1–6 switch screens; escape or a click comes back.")
        else:
            query.focus()

    def action_debias(self) -> None:
        from explorer.jobs.analogies import debias_factory

        wv = self._vectors()
        if wv is None:
            self._say("The vectors are still loading.", error=True)
            return
        self.query_one("#analogies-side", ContentSwitcher).current = "analogies-debias"
        self.query_one("#analogies-side").border_title = "debias"
        self.query_one("#analogies-debias-info", Static).update("computing the bias direction…")
        start_run(self, debias_factory(wv), group="analogies.debias", light=True)

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
        self._show_failure(message.event)

    @on(EngineEvent[EvalProgress])
    def _eval_progress(self, message: EngineEvent) -> None:
        event = message.event
        self.query_one("#analogies-eval-progress", ProgressBar).update(total=max(event.total, 1), progress=event.done)
        self.query_one("#analogies-eval-info", Static).update(
            f"Google analogies · section {event.section} · {event.done:,} / {event.total:,} questions · escape stops")

    @on(EngineEvent[AnalogyEvaluated])
    def _evaluated(self, message: EngineEvent) -> None:
        self.show_result(message.event.result)

    def show_result(self, result) -> None:
        """Fill the per-section table and the summary line from an ``AnalogyResult``."""
        table = self.query_one("#analogies-eval-table", DataTable)
        table.clear()
        for section, (correct, total) in result.sections.items():
            accuracy = f"{correct / total:6.1%}" if total else "   –"
            table.add_row(section, f"{correct:,}", f"{total:,}", accuracy)
        self.query_one("#analogies-eval-progress", ProgressBar).update(total=max(result.evaluated, 1),
                                                                       progress=result.evaluated)
        stopped = " (stopped)" if result.stopped else ""
        self.query_one("#analogies-eval-info", Static).update(
            f"total {result.total:.1%} · semantic {result.semantic:.1%} · syntactic {result.syntactic:.1%} · "
            f"{result.evaluated:,} evaluated, {result.skipped:,} skipped{stopped}")

    @on(EngineEvent[DebiasComputed])
    def _debiased(self, message: EngineEvent) -> None:
        event = message.event
        self.query_one("#analogies-debias-bars", DebiasBars).show(event.rows, title="projection on g, before → after")
        info = (f"g = {event.direction}. Blue: neutralized, e − (e·g) g, so e·g → 0. "
                "Pink: equalized pairs, ± the same projection.")
        if event.skipped:
            info += f"  Not in the vocabulary: {', '.join(event.skipped)}."
        self.query_one("#analogies-debias-info", Static).update(info)

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if not message.group.startswith("analogies."):
            return
        if message.group == "analogies.eval":
            self.evaluating = False
        if message.error is not None:
            text = " ".join(str(message.error).split()) or message.error.__class__.__name__
            if message.group == "analogies.load":
                store = store_for(self.app)
                store.failed(message.error)
                self._pending = None  # it will not run: say why instead
                self._say(self._load_failed(store), error=True)
            else:
                self._say(text, error=True)
