"""The Embeddings screen's live training view: what a word2vec or GloVe run is doing, as it does it.

From the top: the run's settings and corpus (one wrapping line), the progress line (GloVe's
counting pass, then epoch, words or entries of the total, loss, rate, time left), a progress bar
that knows the total, the loss as a sparkline, the mean loss per epoch (and word2vec's quick
analogy score), and the watch words' nearest neighbours at the latest snapshot, each line holding
as many whole neighbours as the view's width allows (refitted when it is resized).

The screen hands it the engine's events (it handles the ``EngineEvent[...]`` messages itself);
the wording is :mod:`explorer.screens.embeddings_text`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widget import Widget
from textual.widgets import ProgressBar, Sparkline, Static

from explorer.screens.embeddings_text import UNITS, counting_line, epochs_line, progress_line, started_line, watch_lines

if TYPE_CHECKING:  # pragma: no cover - the engine's frozen events, only read here
    from engine.embeddings.events import EmbeddingsStarted, EpochFinished, Progress, QuickAnalogy, WatchNeighbours
    from engine.embeddings.glove_events import Counting

LOSS_POINTS = 240
"""The sparkline shows the latest this many loss reports."""


class TrainingView(Widget):
    """Progress, loss, per-epoch means and the watch-list's neighbours of one run."""

    DEFAULT_CSS = """
    TrainingView { layout: vertical; width: 1fr; height: 1fr; overflow: hidden hidden; }
    TrainingView #embeddings-run { height: auto; color: $text-muted; }
    TrainingView #embeddings-progress-line { height: auto; }
    TrainingView #embeddings-loss { height: 3; }
    TrainingView #embeddings-epochs-line { height: auto; color: $text-muted; }
    TrainingView #embeddings-watch { height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.method = "word2vec"
        self.snapshot: WatchNeighbours | None = None
        """The latest watch snapshot (the screen's scatter follows it too)."""
        self._epochs: int | None = None
        self._losses: list[float] = []
        self._epoch_losses: list[tuple[int, float]] = []
        self._quick = ""

    def compose(self):
        yield Static("", id="embeddings-run", markup=False)
        yield Static("ctrl+r trains with these settings.", id="embeddings-progress-line", markup=False)
        yield ProgressBar(total=100, id="embeddings-progress", show_eta=False)
        yield Sparkline([], id="embeddings-loss")
        yield Static("", id="embeddings-epochs-line", markup=False)
        yield Static("The watch-list's nearest neighbours appear here while it trains.", id="embeddings-watch",
                     markup=False)

    def line(self, text: str) -> None:
        """Say ``text`` on the progress line (preparing, finished, saved, refused…)."""
        self.query_one("#embeddings-progress-line", Static).update(text)

    def begin(self, method: str, description: str, epochs: int, watching: bool) -> None:
        """A new run of ``method`` ("word2vec" or "glove"): clear the last one's numbers."""
        self.method, self._epochs, self.snapshot = method, epochs, None
        self._losses, self._epoch_losses, self._quick = [], [], ""
        self.query_one("#embeddings-loss", Sparkline).data = []
        self.query_one("#embeddings-epochs-line", Static).update("")
        self.query_one("#embeddings-progress", ProgressBar).update(total=100, progress=0)
        self.query_one("#embeddings-run", Static).update(description)
        self.query_one("#embeddings-watch", Static).update(
            "The watch-list's neighbours appear at the first snapshot…" if watching else "(no watch words)")
        self.line("reading the corpus and building the vocabulary…")

    def preparing(self, description: str) -> None:
        self.query_one("#embeddings-run", Static).update(description)
        self.line("reading the corpus and building the vocabulary…")

    def counting(self, event: Counting) -> None:
        """GloVe's co-occurrence pass: words read of the corpus."""
        self.line(counting_line(event))
        self.query_one("#embeddings-progress", ProgressBar).update(total=max(event.total_words, 1),
                                                                    progress=event.words_read)

    def started(self, event: EmbeddingsStarted) -> None:
        self.query_one("#embeddings-run", Static).update(started_line(event))
        self.query_one("#embeddings-progress", ProgressBar).update(total=max(event.total_words, 1), progress=0)
        self.line("started: training…")

    def progress(self, event: Progress) -> None:
        """The newest report: the line, the bar and one point of the sparkline."""
        self.line(progress_line(event, epochs=self._epochs, method=self.method))
        if event.total_words:
            self.query_one("#embeddings-progress", ProgressBar).update(total=event.total_words,
                                                                        progress=event.words_done)
        if event.loss == event.loss:  # not NaN
            self._losses = (self._losses + [float(event.loss)])[-LOSS_POINTS:]
            self.query_one("#embeddings-loss", Sparkline).data = list(self._losses)

    def finished(self, completed: bool) -> None:
        """The run ended: a completed run's bar is full (the last report came a little before the end, and
        subsampling makes the words trained differ from the estimate the bar counted to)."""
        bar = self.query_one("#embeddings-progress", ProgressBar)
        if completed and bar.total:
            bar.update(progress=bar.total)

    def quick_analogy(self, event: QuickAnalogy) -> None:
        self._quick = (f"quick analogy test {event.correct}/{event.total} ({event.correct / event.total:.1%})"
                       if event.total else "quick analogy test: no question fits this vocabulary yet")

    def epoch(self, event: EpochFinished) -> None:
        self._epoch_losses.append((event.epoch, event.loss))
        self.query_one("#embeddings-epochs-line", Static).update(
            " · ".join(x for x in (epochs_line(self._epoch_losses, event.epochs), self._quick) if x))

    def watch(self, event: WatchNeighbours) -> None:
        self.snapshot = event
        self._show_watch()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._show_watch)  # the watch box has its new width after the refresh

    def _show_watch(self, width: int | None = None) -> None:
        """The latest snapshot's neighbours, as many per word as the box's width holds."""
        snap = self.snapshot
        if snap is None:
            return
        box = self.query_one("#embeddings-watch", Static)
        unit = UNITS.get(self.method, UNITS["word2vec"])[0]
        box.update(watch_lines(snap.neighbours, f"nearest neighbours at {snap.words_done:,} {unit}:",
                               width or box.content_size.width or None))
