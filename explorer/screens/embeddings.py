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
(:func:`explorer.runs.start_run`), projections in a light worker that needs no torch.
"""

from __future__ import annotations

from typing import Iterable

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label, ProgressBar, Select, Sparkline, Static

from explorer.deferred import after_first_frame
from explorer.runs import start_run
from explorer.screens.base import ExplorerScreen
from explorer.widgets.embedding_lookup import EmbeddingLookup
from explorer.widgets.embedding_store import VectorsLoaded, describe_vectors, load_factory, source_label, store_for
from explorer.widgets.embedding_training import (
    DEFAULT_WATCH,
    Projected,
    TrainingForm,
    TrainingPreparing,
    TrainingRejected,
    VectorsSaved,
    parse_watch,
    progress_line,
    started_line,
    watch_lines,
)
from explorer.widgets.scatter import Point, Scatter

MODELS = [("skip-gram", "skipgram"), ("CBOW", "cbow")]
LOSSES = [("negative sampling", "negative"), ("hierarchical softmax", "hierarchical"), ("full softmax", "softmax")]
LOSS_POINTS = 240
WATCH_EVERY = 100_000  # words between two refreshes of the watch-list's neighbours
ANALOGY_EVERY = 500_000  # words between two quick analogy scores
PROJECTIONS = {"pca": "PCA", "tsne": "t-SNE"}


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
        self._started = ""
        self._quick = ""
        self._epochs_done: list[str] = []

    # -- layout ---------------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        form = TrainingForm()
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

    def _form(self) -> TrainingForm:
        value = lambda id_: self.query_one(f"#{id_}", Input).value  # noqa: E731
        return TrainingForm(
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
        from explorer.widgets.embedding_training import projection_factory

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
        from explorer.widgets.embedding_training import training_factory

        form = self._form()
        self._form_message("")
        self._losses = []
        self._started, self._quick, self._epochs_done = "", "", []
        self._epochs = int(form.epochs) if form.epochs.strip().isdigit() else None
        self.query_one("#embeddings-loss", Sparkline).data = []
        self.query_one("#embeddings-progress", ProgressBar).update(total=100, progress=0)
        self.query_one("#embeddings-live").border_subtitle = ""
        self.query_one("#embeddings-progress-line", Static).update(
            f"reading {form.corpus or 'default'} and building the vocabulary for {form.model} + {form.loss}…")
        self.running = True
        from explorer.widgets.analogy_eval import questions_path

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
        import time

        from explorer.screens.train import runs_dir
        from explorer.widgets.embedding_training import save_factory

        wv = store_for(self.app).trained
        if wv is None or self.running:
            return
        path = runs_dir(self.options) / time.strftime("word2vec-%Y%m%d-%H%M%S")
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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("embeddings-watch-words", "embeddings-lookup-word"):
            event.stop()
            self._replot()

    # -- engine events -----------------------------------------------------------------------
    def on_engine_event(self, message) -> None:
        if not message.group.startswith("embeddings."):
            return
        message.stop()
        event = message.event
        name = type(event).__name__
        if isinstance(event, VectorsLoaded):
            store_for(self.app).pretrained = event.vectors
            self._vectors_ready()
        elif isinstance(event, Projected):
            self._show_projection(event)
        elif isinstance(event, TrainingRejected):
            self._form_message(event.message)
        elif isinstance(event, VectorsSaved):
            self.query_one("#embeddings-progress-line", Static).update(
                f"saved to {event.path} · open them with: seq-explorer --embeddings {event.path}")
        elif isinstance(event, TrainingPreparing):
            self.query_one("#embeddings-live").border_subtitle = event.description
            self.query_one("#embeddings-progress-line", Static).update(
                "reading the corpus and building the vocabulary…")
        elif name == "Started":
            self._started = started_line(event)
            self.query_one("#embeddings-live").border_subtitle = self._started
            self.query_one("#embeddings-progress-line", Static).update("started: training…")
        elif name == "Progress":
            self._show_progress(event)
        elif name == "WatchNeighbours":
            self._show_watch(getattr(event, "neighbours", ()))
        elif name == "QuickAnalogy":
            self._quick = (f"quick analogy test {event.correct}/{event.total} ({event.correct / event.total:.1%})"
                           if event.total else "quick analogy test: no question fits this vocabulary yet")
        elif name == "EpochFinished":
            self._epochs_done.append(f"epoch {event.epoch}/{event.epochs} mean loss {event.loss:.4f}")
        elif name == "Finished" and getattr(event, "vectors", None) is not None:
            self._trained(event)

    def _show_progress(self, event) -> None:
        lines = [progress_line(event, epochs=self._epochs)]
        extra = [x for x in (self._quick, self._epochs_done[-1] if self._epochs_done else "") if x]
        if extra:
            lines.append("  ·  ".join(extra))
        self.query_one("#embeddings-progress-line", Static).update("\n".join(lines))
        done, total = getattr(event, "words_done", None), getattr(event, "total_words", None)
        if done is not None and total:
            self.query_one("#embeddings-progress", ProgressBar).update(total=total, progress=done)
        loss = getattr(event, "loss", None)
        if loss is not None and loss == loss:
            self._losses = (self._losses + [float(loss)])[-LOSS_POINTS:]
            self.query_one("#embeddings-loss", Sparkline).data = list(self._losses)

    def _show_watch(self, neighbours) -> None:
        self.query_one("#embeddings-watch", Static).update(watch_lines(neighbours))

    def _trained(self, event) -> None:
        store = store_for(self.app)
        store.trained = event.vectors
        self.has_trained = True
        reason = getattr(event, "reason", "completed")
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

    def on_run_finished(self, message) -> None:
        if not message.group.startswith("embeddings."):
            return
        message.stop()
        if message.group == "embeddings.train":
            self.running = False
            if message.error is not None:
                self._form_message(" ".join(str(message.error).split()) or type(message.error).__name__)
        elif message.error is not None:
            text = " ".join(str(message.error).split()) or type(message.error).__name__
            if message.group == "embeddings.load":
                self.query_one("#embeddings-scatter", Scatter).show_message(f"could not load the vectors: {text}")
            else:
                self._form_message(text)
