"""Embeddings: train word2vec live and look at the vectors.

* The form (left) chooses the corpus (``default`` = the bundled one, or a path), the model
  (skip-gram or CBOW), the loss (negative sampling, hierarchical softmax, full softmax),
  the dimension, window, epochs, min-count, and a watch-list of words. ``ctrl+r`` trains,
  ``escape`` stops.
* While it trains: loss (running mean), words/s, learning rate, time left, a loss
  sparkline, and the watch-list's nearest neighbours, refreshed as the engine reports them.
* Below: a labelled 2-D scatter of the watch words and their neighbours (``ctrl+o``
  switches PCA ↔ t-SNE), and the embedding matrix E with the one-hot lookup
  ``e_j = E·O_j`` for one word.
* ``ctrl+g`` switches what the scatter and the lookup show: the pretrained vectors
  (GloVe) or the model just trained (also offered on the Analogies screen).

Nothing waits on the UI thread: vectors load and training run in workers
(:func:`explorer.runs.start_run`; the jobs are :mod:`explorer.jobs.vectors`,
:mod:`explorer.jobs.word2vec` and :mod:`explorer.jobs.projection`), projections in a light worker
that needs no torch. Their events arrive as typed messages.
"""

from __future__ import annotations

from typing import Iterable

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label, ProgressBar, Select, Sparkline, Static

from engine.embeddings.events import EmbeddingsFinished, EmbeddingsStarted, EpochFinished, Progress, QuickAnalogy
from engine.embeddings.events import WatchNeighbours
from explorer.deferred import after_first_frame
from explorer.fields import in_own_words
from explorer.jobs.projection import Projected
from explorer.jobs.vectors import VectorsLoaded, describe_vectors, load_factory, source_label, store_for
from explorer.jobs.word2vec import (
    DEFAULT_WATCH,
    TrainingPreparing,
    TrainingRejected,
    VectorsSaved,
    Word2VecForm,
    parse_watch,
)
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import start_run
from explorer.screens.base import ExplorerScreen
from explorer.screens.embeddings_text import progress_line, started_line, watch_lines
from explorer.widgets.embedding_lookup import EmbeddingLookup
from explorer.widgets.scatter import Point, Scatter

MODELS = [("skip-gram", "skipgram"), ("CBOW", "cbow")]
LOSSES = [("negative sampling", "negative"), ("hierarchical softmax", "hierarchical"), ("full softmax", "softmax")]
LOSS_POINTS = 240
WATCH_EVERY = 100_000  # words between two refreshes of the watch-list's neighbours
ANALOGY_EVERY = 500_000  # words between two quick analogy scores
PROJECTIONS = {"pca": "PCA", "tsne": "t-SNE"}
LABELS = {"corpus": "corpus", "dim": "dim", "window": "window", "epochs": "epochs", "min_count": "min-count",
          "watch": "watch"}
"""Word2VecConfig field → its name on this screen's form."""


class EmbeddingsScreen(ExplorerScreen):
    """word2vec training, the watch-list, the scatter plot and the one-hot lookup."""

    HELP = ("ctrl+r trains word2vec with the form's settings; escape stops. Enter in the watch or lookup "
            "box redraws the scatter and the lookup.")

    DEFAULT_CSS = """
    EmbeddingsScreen #embeddings-top { height: 15; max-height: 50%; }
    EmbeddingsScreen #embeddings-form { width: 46; max-width: 45%; height: 1fr; }
    EmbeddingsScreen .embeddings-row { height: 1; }
    EmbeddingsScreen .embeddings-row Label { width: 10; color: $text-muted; }
    EmbeddingsScreen .embeddings-row Input, EmbeddingsScreen .embeddings-row Select { width: 1fr; }
    EmbeddingsScreen .embeddings-row .embeddings-half { width: 10; }
    EmbeddingsScreen .embeddings-row .embeddings-label2 { width: 11; padding-left: 1; }
    EmbeddingsScreen #embeddings-form-message { height: auto; color: $error; }
    EmbeddingsScreen #embeddings-live { width: 1fr; height: 1fr; }
    EmbeddingsScreen #embeddings-progress-line { height: auto; }
    EmbeddingsScreen #embeddings-loss { height: 3; }
    EmbeddingsScreen #embeddings-watch { height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    EmbeddingsScreen #embeddings-bottom { height: 1fr; }
    EmbeddingsScreen #embeddings-scatter-panel { width: 1fr; height: 1fr; }
    EmbeddingsScreen #embeddings-lookup-panel { width: 62; max-width: 50%; height: 1fr; }
    EmbeddingsScreen #embeddings-lookup-word { margin-bottom: 1; }
    """

    BINDINGS = [
        Binding("ctrl+r", "train", "Train", id="embeddings.train",
                tooltip="Train word2vec with the form's settings (events stream in live)"),
        Binding("escape", "stop", "Stop", id="embeddings.stop", tooltip="Stop training (keeps the vectors so far)"),
        Binding("ctrl+o", "toggle_projection", "PCA/t-SNE", id="embeddings.projection",
                tooltip="Project the scatter with PCA or t-SNE (seeded)"),
        Binding("ctrl+g", "toggle_vectors", "Vectors", id="embeddings.vectors",
                tooltip="Show the pretrained vectors (GloVe) or the model you trained"),
        Binding("ctrl+l", "replot", "Redraw", id="embeddings.redraw",
                tooltip="Redraw the scatter and the lookup from the watch and lookup boxes"),
        Binding("ctrl+s", "save", "Save", id="embeddings.save",
                tooltip="Save the trained vectors (open them later with --embeddings DIR)"),
    ]

    AUTO_FOCUS = ""  # no box takes the keys at first: 1–6 switch screens, ctrl+r trains at once

    running: reactive[bool] = reactive(False, bindings=True, repaint=False)
    which: reactive[str] = reactive("pretrained", bindings=True, repaint=False)
    projection: reactive[str] = reactive("pca", bindings=True, repaint=False)
    has_trained: reactive[bool] = reactive(False, bindings=True, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self._train_handle = None
        self._losses: list[float] = []
        self._epochs: int | None = None
        self._started_text = ""
        self._quick = ""
        self._epochs_done: list[str] = []

    # -- layout ---------------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        form = Word2VecForm()
        with Horizontal(id="embeddings-top"):
            with Vertical(id="embeddings-form", classes="panel") as panel:
                panel.border_title = "word2vec"
                with Horizontal(classes="embeddings-row"):
                    yield Label("corpus")
                    yield Input(form.corpus, placeholder="default or a text file path", compact=True,
                                id="embeddings-corpus")
                with Horizontal(classes="embeddings-row"):
                    yield Label("model")
                    yield Select(MODELS, value=form.model, allow_blank=False, compact=True, id="embeddings-model")
                with Horizontal(classes="embeddings-row"):
                    yield Label("loss")
                    yield Select(LOSSES, value=form.loss, allow_blank=False, compact=True, id="embeddings-loss-kind")
                with Horizontal(classes="embeddings-row"):
                    yield Label("dim")
                    yield Input(form.dim, compact=True, type="integer", id="embeddings-dim", classes="embeddings-half")
                    yield Label("window", classes="embeddings-label2")
                    yield Input(form.window, compact=True, type="integer", id="embeddings-window",
                                classes="embeddings-half")
                with Horizontal(classes="embeddings-row"):
                    yield Label("epochs")
                    yield Input(form.epochs, compact=True, type="integer", id="embeddings-epochs",
                                classes="embeddings-half")
                    yield Label("min-count", classes="embeddings-label2")
                    yield Input(form.min_count, compact=True, type="integer", id="embeddings-min-count",
                                classes="embeddings-half")
                with Horizontal(classes="embeddings-row"):
                    yield Label("watch")
                    yield Input(form.watch, placeholder="words to follow, e.g. king, france",
                                compact=True, id="embeddings-watch-words")
                yield Static("", id="embeddings-form-message", markup=False)
            with Vertical(id="embeddings-live", classes="panel") as panel:
                panel.border_title = "training"
                yield Static("ctrl+r trains word2vec with these settings.", id="embeddings-progress-line",
                             markup=False)
                yield ProgressBar(total=100, id="embeddings-progress", show_eta=False)
                yield Sparkline([], id="embeddings-loss")
                yield Static("The watch-list's nearest neighbours appear here while it trains.",
                             id="embeddings-watch", markup=False)
        with Horizontal(id="embeddings-bottom"):
            with Vertical(id="embeddings-scatter-panel", classes="panel"):
                yield Scatter(id="embeddings-scatter")
            with Vertical(id="embeddings-lookup-panel", classes="panel") as panel:
                panel.border_title = "E and the one-hot lookup e_j = E·O_j"
                yield Input(DEFAULT_WATCH[0], placeholder="a word", compact=True, id="embeddings-lookup-word")
                yield EmbeddingLookup(id="embeddings-lookup")

    def on_mount(self) -> None:
        self.has_trained = store_for(self.app).trained is not None
        self._title_scatter()
        self.query_one("#embeddings-scatter", Scatter).show_message("loading…")
        store = store_for(self.app)
        if store.pretrained is not None:
            self._vectors_ready()
        elif self.options.get("autoload", True) is False:
            self.query_one("#embeddings-scatter", Scatter).show_message("no vectors loaded (autoload is off)")
        else:
            self.status(f"loading {source_label(store.source)}…")
            self.query_one("#embeddings-scatter", Scatter).show_message(f"loading {source_label(store.source)}…")

            # started after the first frame: reading the vectors must not slow its paint
            after_first_frame(self, lambda: start_run(self, load_factory(store.source), group="embeddings.load"))

    def on_screen_resume(self) -> None:
        self.has_trained = store_for(self.app).trained is not None

    # -- helpers ------------------------------------------------------------------------
    def _title_scatter(self) -> None:
        panel = self.query_one("#embeddings-scatter-panel")
        store = store_for(self.app)
        what = "trained word2vec" if self.which == "trained" else source_label(store.source, store.pretrained)
        panel.border_title = f"{PROJECTIONS[self.projection]} · watch words and neighbours · {what}"

    def _form(self) -> Word2VecForm:
        value = lambda id_: self.query_one(f"#{id_}", Input).value  # noqa: E731
        return Word2VecForm(
            corpus=value("embeddings-corpus"),
            model=str(self.query_one("#embeddings-model", Select).value),
            loss=str(self.query_one("#embeddings-loss-kind", Select).value),
            dim=value("embeddings-dim"),
            window=value("embeddings-window"),
            epochs=value("embeddings-epochs"),
            min_count=value("embeddings-min-count"),
            watch=value("embeddings-watch-words"),
        )

    def _vectors(self):
        return store_for(self.app).vectors(self.which)

    def _vectors_ready(self) -> None:
        store = store_for(self.app)
        self.status(f"{source_label(store.source, store.pretrained)}: {describe_vectors(store.pretrained)}")
        self._replot()

    def _replot(self) -> None:
        wv = self._vectors()
        if wv is None:
            return
        from explorer.jobs.projection import projection_factory

        watch = parse_watch(self.query_one("#embeddings-watch-words", Input).value)
        lookup = self.query_one("#embeddings-lookup-word", Input).value.strip() or None
        self._title_scatter()
        store = store_for(self.app)
        what = (f"trained word2vec ({store.trained_note})" if self.which == "trained"
                else source_label(store.source, store.pretrained))
        self.status(f"showing {what}: {describe_vectors(wv)}")
        start_run(self, projection_factory(wv, watch, self.projection, lookup), group="embeddings.project", light=True)

    def _form_message(self, text: str) -> None:
        self.query_one("#embeddings-form-message", Static).update(text)

    # -- actions -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "train":
            return None if self.running else True
        if action == "stop":
            return True if self.running else False
        if action == "save":
            return None if self.running or not self.has_trained else True
        return True

    def action_train(self) -> None:
        if self.running:
            return
        from explorer.jobs.word2vec import training_factory

        form = self._form()
        self._form_message("")
        self._losses = []
        self._started_text, self._quick, self._epochs_done = "", "", []
        self._epochs = int(form.epochs) if form.epochs.strip().isdigit() else None
        self.query_one("#embeddings-loss", Sparkline).data = []
        self.query_one("#embeddings-progress", ProgressBar).update(total=100, progress=0)
        self.query_one("#embeddings-live").border_subtitle = ""
        self.query_one("#embeddings-progress-line", Static).update(
            f"reading {form.corpus or 'default'} and building the vocabulary for {form.model} + {form.loss}…")
        self.running = True
        from explorer.jobs.analogies import questions_path

        extra: dict = {"watch_every_words": WATCH_EVERY}
        questions = questions_path()
        if questions.is_file():  # a live 300-question analogy score every ANALOGY_EVERY words
            extra.update(analogy_file=str(questions), analogy_every_words=ANALOGY_EVERY)
        factory = training_factory(form, getattr(self.app, "device_name", "auto"), **extra)
        self._train_handle = start_run(self, factory, group="embeddings.train")

    def action_stop(self) -> None:
        if self._train_handle is not None and self.running:
            self._train_handle.stop()
            self.query_one("#embeddings-progress-line", Static).update("stopping…")

    def action_save(self) -> None:
        from explorer.jobs.train import new_run_dir
        from explorer.jobs.word2vec import save_factory

        wv = store_for(self.app).trained
        if wv is None or self.running:
            return
        path = new_run_dir(self.options, "word2vec")
        self.query_one("#embeddings-progress-line", Static).update(f"saving to {path}…")
        start_run(self, save_factory(wv, str(path)), group="embeddings.save")

    def action_toggle_projection(self) -> None:
        self.projection = "tsne" if self.projection == "pca" else "pca"
        self._replot()

    def action_toggle_vectors(self) -> None:
        store = store_for(self.app)
        if self.which == "pretrained" and store.trained is None:
            self._form_message("No trained vectors yet: ctrl+r trains word2vec first.")
            return
        self.which = "trained" if self.which == "pretrained" else "pretrained"
        self._replot()

    def action_replot(self) -> None:
        self._replot()

    @on(Input.Submitted, "#embeddings-watch-words, #embeddings-lookup-word")
    def _words_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self._replot()

    # -- engine events -----------------------------------------------------------------------
    @on(EngineEvent[VectorsLoaded])
    def _vectors_loaded(self, message: EngineEvent) -> None:
        store_for(self.app).loaded(message.event.vectors)
        self._vectors_ready()

    @on(EngineEvent[Projected])
    def _projected(self, message: EngineEvent) -> None:
        self._show_projection(message.event)

    @on(EngineEvent[TrainingRejected])
    def _rejected(self, message: EngineEvent) -> None:
        self._form_message(in_own_words(message.event.error, LABELS))

    @on(EngineEvent[VectorsSaved])
    def _saved(self, message: EngineEvent) -> None:
        path = message.event.path
        self.query_one("#embeddings-progress-line", Static).update(
            f"saved to {path} · open them with: seq-explorer --embeddings {path}")

    @on(EngineEvent[TrainingPreparing])
    def _preparing(self, message: EngineEvent) -> None:
        self.query_one("#embeddings-live").border_subtitle = message.event.description
        self.query_one("#embeddings-progress-line", Static).update("reading the corpus and building the vocabulary…")

    @on(EngineEvent[EmbeddingsStarted])
    def _started(self, message: EngineEvent) -> None:
        self._started_text = started_line(message.event)
        self.query_one("#embeddings-live").border_subtitle = self._started_text
        self.query_one("#embeddings-progress-line", Static).update("started: training…")

    @on(EngineEvent[WatchNeighbours])
    def _watch(self, message: EngineEvent) -> None:
        self._show_watch(message.event.neighbours)

    @on(EngineEvent[QuickAnalogy])
    def _quick_analogy(self, message: EngineEvent) -> None:
        e = message.event
        self._quick = (f"quick analogy test {e.correct}/{e.total} ({e.correct / e.total:.1%})"
                       if e.total else "quick analogy test: no question fits this vocabulary yet")

    @on(EngineEvent[EpochFinished])
    def _epoch(self, message: EngineEvent) -> None:
        e = message.event
        self._epochs_done.append(f"epoch {e.epoch}/{e.epochs} mean loss {e.loss:.4f}")

    @on(EngineEvent[EmbeddingsFinished])
    def _finished(self, message: EngineEvent) -> None:
        self._trained(message.event)

    @on(EngineEvent[Progress])
    def _progress(self, message: EngineEvent) -> None:
        event: Progress = message.event  # the newest: the line, the bar and one point of the sparkline
        lines = [progress_line(event, epochs=self._epochs)]
        extra = [x for x in (self._quick, self._epochs_done[-1] if self._epochs_done else "") if x]
        if extra:
            lines.append("  ·  ".join(extra))
        self.query_one("#embeddings-progress-line", Static).update("\n".join(lines))
        if event.total_words:
            self.query_one("#embeddings-progress", ProgressBar).update(total=event.total_words,
                                                                        progress=event.words_done)
        if event.loss == event.loss:  # not NaN
            self._losses = (self._losses + [float(event.loss)])[-LOSS_POINTS:]
            self.query_one("#embeddings-loss", Sparkline).data = list(self._losses)

    def _show_watch(self, neighbours) -> None:
        self.query_one("#embeddings-watch", Static).update(watch_lines(neighbours))

    def _trained(self, event: EmbeddingsFinished) -> None:
        store = store_for(self.app)
        store.trained = event.vectors
        self.has_trained = True
        reason = event.reason
        store.trained_note = str(reason)
        self.query_one("#embeddings-progress-line", Static).update(
            f"finished ({reason}): {describe_vectors(event.vectors)} · ctrl+s saves them · "
            "the Analogies screen (5) queries them after ctrl+g")
        self.which = "trained"
        self._replot()

    def _show_projection(self, event: Projected) -> None:
        scatter = self.query_one("#embeddings-scatter", Scatter)
        if event.error:
            scatter.show_message(event.error)
        elif not event.words:
            scatter.show_message("none of the watch words is in the vocabulary")
        else:
            axes = ("PC1", "PC2") if event.method == "pca" else ("t-SNE 1", "t-SNE 2")
            scatter.plot([Point(w, x, y, g) for w, (x, y), g in zip(event.words, event.xy, event.groups)],
                         x_label=axes[0], y_label=axes[1])
        self._form_message(f"not in the vocabulary: {', '.join(event.missing)}" if event.missing else "")
        lookup = self.query_one("#embeddings-lookup", EmbeddingLookup)
        if event.lookup is not None:
            lookup.show(event.lookup)
        elif event.lookup_error:
            lookup.show_message(event.lookup_error)

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if not message.group.startswith("embeddings."):
            return
        if message.group == "embeddings.train":
            self.running = False
            if message.error is not None:
                self._form_message(in_own_words(message.error, LABELS))
        elif message.error is not None:
            text = " ".join(str(message.error).split()) or type(message.error).__name__
            if message.group == "embeddings.load":
                store_for(self.app).failed(message.error)
                self.query_one("#embeddings-scatter", Scatter).show_message(f"could not load the vectors: {text}")
            else:
                self._form_message(text)
