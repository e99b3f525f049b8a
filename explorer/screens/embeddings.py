"""Embeddings: train word2vec or GloVe live and look at the vectors.

* The form (:class:`~explorer.widgets.embeddings_form.EmbeddingsForm`) chooses the method, word2vec
  (skip-gram or CBOW × negative sampling, shared or per-pair, hierarchical or full softmax) or GloVe
  (x_max, α), the corpus, sizes, epochs and a watch-list of words. ``ctrl+r`` builds the engine's
  config here, on the UI thread (a refusal is a line under the form in its words, and the field focused),
  and trains; ``escape`` stops.
* While it trains: GloVe's counting pass (words read of the total, entries held, shards on disk),
  then loss, words (entries)/s, rate, time left, a loss sparkline, the mean loss per epoch, and the
  watch-list's nearest neighbours; the scatter follows the watched words as they move.
* A labelled 2-D scatter of the watch words and their neighbours (``ctrl+o``: PCA ↔ t-SNE), and
  the embedding matrix E with the one-hot lookup ``e_j = E·O_j`` of one word.
* ``ctrl+g`` switches what the scatter and the lookup show: the pretrained vectors (GloVe 6B), the
  vectors just trained (also offered on the Analogies screen) or, during a run, the run itself.
  Each panel's title names its vectors; one that shows older ones than the rest says so.

Under 110 × 34 cells the four panels become pages (settings, training, scatter, lookup) shown one
at a time: ``ctrl+t`` or a click on the strip at the top changes page, ``ctrl+r`` opens the training page.

Nothing waits on the UI thread: vectors load and training run in workers (:func:`explorer.runs.start_run`;
the jobs are :mod:`explorer.jobs.vectors`, :mod:`explorer.jobs.word2vec`, :mod:`explorer.jobs.glove`
and :mod:`explorer.jobs.projection`), projections in light workers that need no torch.
"""

from __future__ import annotations

from typing import Iterable

from textual import on, events
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from engine.embeddings.events import EmbeddingsFinished, EmbeddingsStarted, EpochFinished, Progress, QuickAnalogy
from engine.embeddings.events import WatchNeighbours
from engine.embeddings.glove_events import Counting
from explorer.deferred import after_first_frame
from explorer.jobs.projection import Projected
from explorer.jobs.vectors import VectorsLoaded, describe_vectors, load_factory, source_label, store_for
from explorer.jobs.word2vec import TrainingPreparing, TrainingRejected, VectorsSaved
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import start_run
from explorer.screens.base import ExplorerScreen
from explorer.screens.embeddings_text import METHOD_NAMES, UNITS
from explorer.widgets.embedding_lookup import EmbeddingLookup
from explorer.widgets.embeddings_live import TrainingView
from explorer.widgets.embeddings_form import DEFAULT_WATCH, LABELS, EmbeddingsForm, parse_watch
from explorer.widgets.scatter import Point, Scatter

WATCH_EVERY = 100_000  # word2vec: corpus words between two refreshes of the watch-list's neighbours
GLOVE_WATCH_EVERY = 500_000  # GloVe: co-occurrence entries between two refreshes
ANALOGY_EVERY = 500_000  # words between two quick analogy scores
PROJECTIONS = {"pca": "PCA", "tsne": "t-SNE"}
COMPACT_BELOW = (110, 34)
"""Under this many columns or rows the panels are pages shown one at a time."""
PAGES = {"settings": "embeddings-form-panel", "training": "embeddings-live", "scatter": "embeddings-scatter-panel",
         "lookup": "embeddings-lookup-panel"}
"""Page name → its panel."""


def _fit(panel: Widget, *titles: str) -> str:
    """The first of ``titles`` (longest first) that fits on ``panel``'s border, else the last."""
    room = panel.size.width - 6  # the corners, the title's padding and a cell of the border line
    if room <= 0:  # not laid out yet: the resize that follows fits it
        return titles[0]
    return next((title for title in titles if len(title) <= room), titles[-1])


class EmbeddingsScreen(ExplorerScreen):
    """word2vec / GloVe training, the watch-list, the scatter plot and the one-hot lookup."""

    HELP = ("ctrl+r trains word2vec or GloVe with the form's settings; escape stops. Enter in the watch or "
            "lookup box redraws the scatter and the lookup. On a small terminal ctrl+t shows the next panel.")

    DEFAULT_CSS = """
    EmbeddingsScreen #embeddings-pages { height: 1; display: none; }
    EmbeddingsScreen.-compact #embeddings-pages { display: block; }
    EmbeddingsScreen #embeddings-top { height: 17; max-height: 50%; }
    EmbeddingsScreen #embeddings-form-panel { width: 46; max-width: 45%; height: 1fr; }
    EmbeddingsScreen #embeddings-form-message { height: auto; max-height: 3; color: $error; }
    EmbeddingsScreen #embeddings-live { width: 1fr; height: 1fr; }
    EmbeddingsScreen #embeddings-bottom { height: 1fr; }
    EmbeddingsScreen #embeddings-scatter-panel { width: 1fr; height: 1fr; }
    EmbeddingsScreen #embeddings-lookup-panel { width: 62; max-width: 50%; height: 1fr; }
    EmbeddingsScreen #embeddings-lookup-word { margin-bottom: 1; }
    EmbeddingsScreen.-compact #embeddings-top, EmbeddingsScreen.-compact #embeddings-bottom {
        height: 1fr; max-height: 100%;
    }
    EmbeddingsScreen.-compact #embeddings-form-panel, EmbeddingsScreen.-compact #embeddings-lookup-panel {
        width: 1fr; max-width: 100%;
    }
    """

    BINDINGS = [
        Binding("ctrl+r", "train", "Train", id="embeddings.train",
                tooltip="Train word2vec or GloVe with the form's settings (events stream in live)"),
        Binding("escape", "stop", "Stop", id="embeddings.stop", tooltip="Stop training (keeps the vectors so far)"),
        Binding("ctrl+t", "next_page", "Panel", id="embeddings.panel",
                tooltip="Show the next panel: settings, training, scatter, lookup (small terminals)"),
        Binding("ctrl+o", "toggle_projection", "PCA/t-SNE", id="embeddings.projection",
                tooltip="Project the scatter with PCA or t-SNE (seeded)"),
        Binding("ctrl+g", "toggle_vectors", "Vectors", id="embeddings.vectors",
                tooltip="Show the pretrained vectors (GloVe 6B), the ones you trained, or the run as it trains"),
        Binding("ctrl+l", "replot", "Redraw", id="embeddings.redraw",
                tooltip="Redraw the scatter and the lookup from the watch and lookup boxes"),
        Binding("ctrl+s", "save", "Save", id="embeddings.save",
                tooltip="Save the trained vectors (open them later with --embeddings DIR)"),
    ]

    AUTO_FOCUS = ""  # no box takes the keys at first: 1–7 switch screens, ctrl+r trains at once

    running: reactive[bool] = reactive(False, bindings=True, repaint=False)
    which: reactive[str] = reactive("pretrained", bindings=True, repaint=False)
    """What the lookup (and, unless ``live``, the scatter) shows: "pretrained" or "trained"."""
    live: reactive[bool] = reactive(False, bindings=True, repaint=False)
    """The scatter follows the run's watch snapshots."""
    projection: reactive[str] = reactive("pca", bindings=True, repaint=False)
    has_trained: reactive[bool] = reactive(False, bindings=True, repaint=False)
    compact: reactive[bool] = reactive(False, bindings=True, repaint=False)
    page: reactive[str] = reactive("settings", repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self._train_handle = None
        self._method = "word2vec"  # of the latest run
        self._finished = False
        self._mounted = False
        self._request = 0
        self._requests = {"scatter": 0, "lookup": 0}  # the latest projection each panel waits for
        self._lookup_shows = ""  # the vectors the lookup shows, in words
        self._missing = ""  # watch words the scatter's vectors do not know
        self._edited: set[str] = set()  # panels whose box was edited since they were drawn

    # -- layout ---------------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="embeddings-pages")
        with Horizontal(id="embeddings-top"):
            with Vertical(id="embeddings-form-panel", classes="panel") as panel:
                panel.border_title = "train word vectors"
                yield EmbeddingsForm(id="embeddings-form")
                yield Static("", id="embeddings-form-message", markup=False)
            live = TrainingView(id="embeddings-live", classes="panel")
            live.border_title = "training"
            yield live
        with Horizontal(id="embeddings-bottom"):
            with Vertical(id="embeddings-scatter-panel", classes="panel"):
                yield Scatter(id="embeddings-scatter")
            with Vertical(id="embeddings-lookup-panel", classes="panel"):
                yield Input(DEFAULT_WATCH[0], placeholder="a word", compact=True, id="embeddings-lookup-word")
                yield EmbeddingLookup(id="embeddings-lookup")

    def on_mount(self) -> None:
        self.has_trained = store_for(self.app).trained is not None
        self._mounted = True
        self._layout_for(self.app.size.width, self.app.size.height)
        self._show_page()
        self._title_panels()
        scatter = self.query_one("#embeddings-scatter", Scatter)
        store = store_for(self.app)
        if store.pretrained is not None:
            self._vectors_ready()
        elif self.options.get("autoload", True) is False:
            scatter.show_message("no vectors loaded (autoload is off)")
        else:
            self.status(f"loading {source_label(store.source)}…")
            scatter.show_message(f"loading {source_label(store.source)}…")
            # started after the first frame: reading the vectors must not slow its paint
            after_first_frame(self, lambda: start_run(self, load_factory(store.source), group="embeddings.load"))

    def on_screen_resume(self) -> None:
        self.has_trained = store_for(self.app).trained is not None

    def on_resize(self, event: events.Resize) -> None:
        self._layout_for(event.size.width, event.size.height)
        self.call_after_refresh(self._title_panels)  # titles fitted to the new widths

    def _layout_for(self, width: int, height: int) -> None:
        self.compact = width < COMPACT_BELOW[0] or height < COMPACT_BELOW[1]

    def watch_compact(self) -> None:
        self.set_class(self.compact, "-compact")
        self._show_page()

    def watch_page(self) -> None:
        self._show_page()

    def _show_page(self) -> None:
        if not self._mounted:
            return  # not composed yet (a resize can come first): on_mount lays it out
        self.call_after_refresh(self._title_panels)  # a page just shown has its width now
        for name, panel in PAGES.items():
            self.query_one(f"#{panel}").display = not self.compact or name == self.page
        self.query_one("#embeddings-top").display = not self.compact or self.page in ("settings", "training")
        self.query_one("#embeddings-bottom").display = not self.compact or self.page in ("scatter", "lookup")
        strip = [f"[@click=screen.show_page('{name}')]" + (f"[reverse] {name} [/]" if name == self.page else f" {name} ")
                 + "[/]" for name in PAGES]
        self.query_one("#embeddings-pages", Static).update("│".join(strip) + "   [dim]ctrl+t next[/]")

    # -- what the panels show ------------------------------------------------------------
    def _label(self, which: str) -> str:
        store = store_for(self.app)
        return store.trained_label() if which == "trained" else source_label(store.source, store.pretrained)

    def _title_panels(self) -> None:
        scatter = self.query_one("#embeddings-scatter-panel")
        if self.live and self._snapshot is not None:
            unit = UNITS[self._method][0]
            what = f"live: {METHOD_NAMES[self._method]} at {self._snapshot.words_done:,} {unit}"
        else:
            what = self._label(self.which)
        projection = PROJECTIONS[self.projection]
        scatter.border_title = _fit(scatter, f"{projection} · watch words and neighbours · {what}",
                                    f"{projection} · {what}")
        lookup = self.query_one("#embeddings-lookup-panel")
        shows = self._lookup_shows or self._label(self.which)
        lookup.border_title = _fit(lookup, f"E and the one-hot lookup e_j = E·O_j · {shows}",
                                   f"lookup e_j = E·O_j · {shows}", f"e_j = E·O_j · {shows}")
        lookup.border_subtitle = ("edited: enter or ctrl+l redraws" if "lookup" in self._edited else
                                  "the previous run's vectors (this run's come when it ends)"
                                  if self.running and self.which == "trained" else "")
        scatter.border_subtitle = ("edited: enter or ctrl+l redraws" if "scatter" in self._edited else
                                   f"not in the vocabulary: {self._missing}" if self._missing else "")

    def _vectors_ready(self) -> None:
        store = store_for(self.app)
        self.status(f"{source_label(store.source, store.pretrained)}: {describe_vectors(store.pretrained)}")
        self._replot()

    def _replot(self) -> None:
        """Draw the lookup, and the scatter unless it follows a run, from ``which``'s vectors."""
        from explorer.jobs.projection import projection_factory

        wv = store_for(self.app).vectors(self.which)
        if wv is None:
            return
        watch = parse_watch(self.query_one("#embeddings-watch-words", Input).value)
        lookup = self.query_one("#embeddings-lookup-word", Input).value.strip() or None
        request = self._ask("lookup") if self.live else self._ask("lookup", "scatter")
        self._lookup_shows = self._label(self.which)
        self._title_panels()
        self.status(f"showing {self._label(self.which)}: {describe_vectors(wv)}")
        start_run(self, projection_factory(wv, watch, self.projection, lookup, request), group="embeddings.project",
                  light=True)

    def _project_snapshot(self) -> None:
        from explorer.jobs.projection import snapshot_factory

        snap = self._snapshot
        if snap is None:
            return
        request = self._ask("scatter")
        self._title_panels()
        start_run(self, snapshot_factory(snap.neighbours, snap.vectors, self.projection, request),
                  group="embeddings.snapshot", light=True)

    def _ask(self, *panels: str) -> int:
        """A new projection request's number, which ``panels`` will show (older answers are dropped)."""
        self._request += 1
        for panel in panels:
            self._requests[panel] = self._request
        return self._request

    @property
    def _snapshot(self) -> WatchNeighbours | None:
        """The run's latest watch snapshot (the scatter follows it while ``live``)."""
        return self._live.snapshot

    @property
    def _live(self) -> TrainingView:
        return self.query_one("#embeddings-live", TrainingView)

    def _line(self, text: str) -> None:
        self._live.line(text)

    # -- actions -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "train":
            return None if self.running else True
        if action == "stop":
            return True if self.running else False
        if action == "save":
            return None if self.running or not self.has_trained else True
        if action == "next_page":
            return self.compact
        return True

    def build_config(self):
        """(method, the engine's config) from the form: ``Word2VecConfig`` or ``GloveConfig``, built here on
        the UI thread (their modules import no torch). Raises the config's :class:`InputError`."""
        from engine.embeddings.corpus import corpus_files

        method, settings = self.query_one(EmbeddingsForm).settings()
        device = getattr(self.app, "device_name", "auto") or "auto"
        if method == "glove":
            from engine.embeddings.glove_config import GloveConfig

            config = GloveConfig(**settings, device=device, watch_every_entries=GLOVE_WATCH_EVERY)
        else:
            from engine.embeddings.w2v_config import Word2VecConfig
            from explorer.jobs.analogies import questions_path

            extra: dict = {"watch_every_words": WATCH_EVERY}
            questions = questions_path()
            if questions.is_file():  # a live 300-question analogy score every ANALOGY_EVERY words
                extra.update(analogy_file=str(questions), analogy_every_words=ANALOGY_EVERY)
            config = Word2VecConfig(**settings, device=device, **extra)
        corpus_files(config.corpus)  # a missing or empty file is refused now, not after the worker starts
        return method, config

    def action_train(self) -> None:
        from engine.errors import InputError

        if self.running:
            return
        form = self.query_one(EmbeddingsForm)
        try:
            method, config = self.build_config()
        except InputError as error:
            self._refused(error, form.method)
            return
        self.query_one("#embeddings-form-message", Static).update("")
        from explorer.jobs import glove, word2vec

        self._method, self._finished = method, False
        live = self._live
        live.border_title = f"training {METHOD_NAMES[method]}"
        live.begin(method, config.describe(), config.epochs, bool(config.watch))
        self.running, self.live = True, bool(config.watch)
        self._title_panels()
        factory = (glove if method == "glove" else word2vec).training_factory(config)
        self._train_handle = start_run(self, factory, group="embeddings.train")
        if self.compact:
            self.page = "training"

    def _refused(self, error: Exception, method: str) -> None:
        """``error`` under the form in the form's words (``min count``, not ``min_count``), and the
        field it names focused (the settings page shown on a small terminal): no dialog to dismiss."""
        from explorer.fields import field_of, in_own_words

        labels = LABELS.get(method, LABELS["word2vec"])
        field = field_of(error, labels)
        form = self.query_one(EmbeddingsForm)
        self.query_one("#embeddings-form-message", Static).update(in_own_words(error, labels))
        self.page = "settings"
        if form.method == method and field in labels:
            self.call_after_refresh(form.focus_field, field, method)

    def action_stop(self) -> None:
        if self._train_handle is not None and self.running:
            self._train_handle.stop()
            self._line("stopping…")

    def action_save(self) -> None:
        from explorer.jobs.train import new_run_dir
        from explorer.jobs.word2vec import save_factory

        wv = store_for(self.app).trained
        if wv is None or self.running:
            return
        kind = "glove" if getattr(wv, "name", "").startswith("GloVe") else "word2vec"
        path = new_run_dir(self.options, kind)
        self._line(f"saving to {path}…")
        start_run(self, save_factory(wv, str(path)), group="embeddings.save")

    def action_next_page(self) -> None:
        names = list(PAGES)
        self.page = names[(names.index(self.page) + 1) % len(names)]

    def action_show_page(self, name: str) -> None:
        if name in PAGES:
            self.page = name

    def action_toggle_projection(self) -> None:
        self.projection = "tsne" if self.projection == "pca" else "pca"
        if self.live:
            self._project_snapshot()
        self._replot()

    def action_toggle_vectors(self) -> None:
        """The next of: pretrained → trained (once there is one) → the run (while one goes)."""
        sources = ["pretrained"] + (["trained"] if store_for(self.app).trained is not None else []) + (
            ["live"] if self.running and self._snapshot is not None else [])
        if len(sources) == 1:
            self.status("No trained vectors yet: ctrl+r trains word2vec or GloVe first.")
            return
        now = "live" if self.live else self.which
        chosen = sources[(sources.index(now) + 1) % len(sources)] if now in sources else sources[0]
        self.live = chosen == "live"
        if not self.live:
            self.which = chosen
        self._replot()
        if self.live:
            self._project_snapshot()

    def action_replot(self) -> None:
        self._replot()

    @on(Input.Submitted, "#embeddings-watch-words, #embeddings-lookup-word")
    def _words_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self.running and event.input.id == "embeddings-watch-words":
            self.live = False  # the run watches its own words: show the new ones in the static vectors
        self._replot()

    @on(Input.Changed, "#embeddings-watch-words, #embeddings-lookup-word")
    def _words_edited(self, event: Input.Changed) -> None:
        self._edited.add("scatter" if event.input.id == "embeddings-watch-words" else "lookup")
        self._title_panels()

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
        self._line(f"refused: {message.event.error}")
        self._refused(message.event.error, self._method)

    @on(EngineEvent[VectorsSaved])
    def _saved(self, message: EngineEvent) -> None:
        import os

        home = os.path.expanduser("~")
        path = message.event.path
        path = "~" + path[len(home):] if home != "/" and path.startswith(home + os.sep) else path
        also = " (and vectors.txt, word2vec text)" if message.event.word2vec_file else ""
        self._line(f"saved{also} · open them with: seq-explorer --embeddings {path}")

    @on(EngineEvent[TrainingPreparing])
    def _preparing(self, message: EngineEvent) -> None:
        self._live.preparing(message.event.description)

    @on(EngineEvent[Counting])
    def _counting(self, message: EngineEvent) -> None:
        self._live.counting(message.event)

    @on(EngineEvent[EmbeddingsStarted])
    def _started(self, message: EngineEvent) -> None:
        self._live.started(message.event)

    @on(EngineEvent[Progress])
    def _progress(self, message: EngineEvent) -> None:
        self._live.progress(message.event)

    @on(EngineEvent[QuickAnalogy])
    def _quick_analogy(self, message: EngineEvent) -> None:
        self._live.quick_analogy(message.event)

    @on(EngineEvent[EpochFinished])
    def _epoch(self, message: EngineEvent) -> None:
        self._live.epoch(message.event)

    @on(EngineEvent[WatchNeighbours])
    def _watch(self, message: EngineEvent) -> None:
        self._live.watch(message.event)
        if self.live and message.event.vectors:
            self._project_snapshot()

    @on(EngineEvent[EmbeddingsFinished])
    def _trained(self, message: EngineEvent) -> None:
        event: EmbeddingsFinished = message.event
        store = store_for(self.app)
        store.trained = event.vectors
        store.trained_note, store.trained_method = event.reason, METHOD_NAMES[self._method]
        self._finished, self.has_trained = True, True
        self._live.finished(event.reason == "completed")
        self._line(f"finished ({event.reason}): {describe_vectors(event.vectors)} · ctrl+s saves them · "
                   "the Analogies screen (5) queries them after ctrl+g")
        self.which, self.live = "trained", False
        self._replot()

    def _show_projection(self, event: Projected) -> None:
        if event.request == self._requests["scatter"]:
            scatter = self.query_one("#embeddings-scatter", Scatter)
            if event.error:
                scatter.show_message(event.error)
            elif not event.words:
                scatter.show_message("none of the watch words is in the vocabulary")
            else:
                axes = ("PC1", "PC2") if event.method == "pca" else ("t-SNE 1", "t-SNE 2")
                scatter.plot([Point(w, x, y, g) for w, (x, y), g in zip(event.words, event.xy, event.groups)],
                             x_label=axes[0], y_label=axes[1])
            self._missing = ", ".join(event.missing)
            self._edited.discard("scatter")
        if event.request == self._requests["lookup"]:
            lookup = self.query_one("#embeddings-lookup", EmbeddingLookup)
            if event.lookup is not None:
                lookup.show(event.lookup)
            elif event.lookup_error:
                lookup.show_message(event.lookup_error)
            self._edited.discard("lookup")
        self._title_panels()

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if not message.group.startswith("embeddings."):
            return
        if message.group == "embeddings.train":
            self.running = False
            if not self._finished and message.error is None and message.cancelled:
                self._line("stopped before training began: no vectors")
            if self.live:  # the run ended without vectors: back to the ones the lookup shows
                self.live = False
                self._replot()
            self._title_panels()
        elif message.error is not None:
            text = " ".join(str(message.error).split()) or type(message.error).__name__
            if message.group == "embeddings.load":
                store_for(self.app).failed(message.error)
                self.query_one("#embeddings-scatter", Scatter).show_message(f"could not load the vectors: {text}")
            else:
                self.status(text)
