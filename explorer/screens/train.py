"""Train: a language model learning live — loss, gradient norm, speed, samples.

``s`` starts a run with the form's settings (the defaults are the demo: a
character LSTM on the dinosaur names), ``d`` resets the form to the demo and
starts, ``p`` pauses/resumes, ``x`` stops, ``w`` saves a checkpoint now, ``o``
picks a corpus file. The screen builds the engine's ``TrainConfig`` from the form
(the config validates itself; a refusal opens a dialog in the form's words) and
:mod:`explorer.jobs.train` runs ``train(config)`` in a child process
(``train_in="thread"``: a worker thread); its events arrive as typed messages.

With ``seq-explorer --watch RUN_DIR`` (the ``watch`` option) the screen follows a run started
elsewhere instead, read-only: :mod:`explorer.jobs.watch` tails ``RUN_DIR/metrics.jsonl``
(:mod:`engine.run_watch`) into the same events and the same charts; the keys that start or steer a
run are dimmed. A run that finishes or saves here (or a watched one that saves) becomes the app's
current model (``App.current_model``), which Generate opens on.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Iterable

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Static

from engine.events import Diverged, Evaluated, Finished, Sampled, Saved, Started, Step
from explorer.deferred import after_first_frame
from explorer.jobs.watch import WatchNote
from explorer.messages import EngineEvent, RunFinished
from explorer.model_choice import ModelChoice
from explorer.runs import RunHandle
from explorer.screens.base import ExplorerScreen
from explorer.ticks import OnNextTick
from explorer.token_rate import TokenRate, short_rate
from explorer.widgets.line_chart import LineChart, Series
from explorer.widgets.train_form import LABELS, TrainForm

IDLE_TEXT = "ready — s starts (the defaults are the demo); d resets the form to the demo and starts"
NO_SAMPLES = "[dim]samples appear every few hundred steps[/]"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def short_path(path: str) -> str:
    """``path`` with the home folder as ``~`` (status lines are one line at 80 columns)."""
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if home != "/" and path.startswith(home + os.sep) else path


def stats_parts(e: Step, rate: float | None, device: str, paused: bool) -> tuple[str, str]:
    """The stats line's two halves: progress (step, loss, time left) and how it runs (speed, device,
    clipping, learning rate); side by side on a wide terminal, one above the other under 100 columns."""
    if e.clip_mode == "none" or e.clip_threshold is None:
        clip = "no clipping"
    elif e.clip_mode == "norm":
        clip = f"clip norm {e.clip_threshold:g}"
    else:
        clip = f"clip value ±{e.clip_threshold:g}"
    progress = f"step {e.step:,}/{e.total_steps:,} · loss {e.smoothed_loss:.3f} · {_duration(e.eta_s)} left"
    setting = f"{short_rate(rate)} tok/s · {device or '?'} · {clip} · lr {e.lr:.3g}" + (" · [b]paused[/]" if paused else "")
    return progress, setting


def samples_text(step: int, samples, width: int = 0) -> str:
    """The latest samples, packed on as few lines of ``width`` cells as they fit (0: one line), a
    sample never split over two lines (newlines in it shown as ↵)."""
    from rich.cells import cell_len

    items = []
    for s in samples:
        mark = "" if s.in_training_set is None else ("○ " if s.in_training_set else "✓ ")
        text = s.text.replace("\n", "↵") or "∅"
        items.append(f"{mark}{text[:60]}{'…' if len(text) > 60 else ''}")
    lines: list[str] = []
    for item in items:
        if lines and (not width or cell_len(lines[-1]) + 3 + cell_len(item) <= width):
            lines[-1] += "   " + item
        else:
            lines.append(item)
    head = f"[b]samples at step {step:,}[/] [dim]✓ new · ○ in the training set[/]"
    return "\n".join([head] + [_escape(line) for line in lines])


class TrainScreen(ExplorerScreen):
    """Train a language model and watch it learn (or watch a run started elsewhere)."""

    AUTO_FOCUS = ""
    HELP = ("Charts: loss per token (raw, smoothed, validation) and the gradient norm before clipping, "
            "with the clip threshold (by norm) and ▲ where clipping fired. tok/s is the speed over the "
            "last 5 s of training. A run that finishes or is saved (w) is what Gates and Generate show.")

    DEFAULT_CSS = """
    TrainScreen #train-main { width: 1fr; height: 1fr; }
    TrainScreen #watch-info { display: none; height: auto; padding: 0 1; background: $accent 30%; }
    TrainScreen.-watching #watch-info { display: block; }
    TrainScreen.-watching TrainForm { display: none; }
    TrainScreen #train-stats { height: 1; padding: 0 1; background: $boost; }
    TrainScreen.-narrow #train-stats { height: 2; }
    TrainScreen #loss-chart { height: 2fr; }
    TrainScreen #grad-chart { height: 1fr; min-height: 4; }
    TrainScreen #samples { height: 4; padding: 0 1; overflow: hidden; }
    TrainScreen.-narrow #samples { height: 3; }
    TrainScreen #diverged { display: none; border: round $error; height: auto; padding: 0 1; }
    TrainScreen.-diverged #diverged { display: block; }
    TrainScreen #train-buttons { height: 1; padding: 0 1; }
    TrainScreen #train-buttons Button { margin-right: 1; min-width: 0; width: auto; }
    """

    BINDINGS = [
        Binding("s", "start", "Start", id="train.start", tooltip="Start training with the form's settings"),
        Binding("d", "demo", "Demo", id="train.demo", tooltip="Reset the form to the demo (dinosaur names) and start"),
        Binding("p", "pause", "Pause", id="train.pause", tooltip="Pause or resume the running training"),
        Binding("x", "stop", "Stop", id="train.stop", tooltip="Stop training (the last checkpoint is kept)"),
        Binding("w", "save", "Save", id="train.save",
                tooltip="Save a checkpoint at the next step (Gates and Generate then show it)"),
        Binding("o", "browse", "Open file", id="train.browse", tooltip="Choose a text file to train on"),
    ]

    running: reactive[bool] = reactive(False, bindings=True, repaint=False)
    paused: reactive[bool] = reactive(False, bindings=True, repaint=False)

    def __init__(self) -> None:
        super().__init__()
        self.handle: RunHandle | None = None
        self.total_steps = 0
        self.device = ""
        self.last_checkpoint: str | None = None
        self.run_dir = ""
        self.rate = TokenRate()
        """The speed shown (tokens per second over the last seconds of training): :mod:`explorer.token_rate`."""
        self._stats: tuple[str, str] | None = None
        self._stats_tick = OnNextTick(self, self.flush_stats)
        self.clip_mode = "none"
        self.skipped = 0

    @property
    def watching(self) -> str | None:
        """The run folder followed read-only (``--watch``), or None."""
        return self.options.get("watch") or None

    # -- layout ---------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        with Horizontal():
            yield TrainForm(id="train-form")
            with Vertical(id="train-main"):
                yield Static("", id="watch-info")
                yield Static(IDLE_TEXT, id="train-stats")
                yield Static("", id="diverged")
                # tab10 colours: readable on light and dark themes
                yield LineChart(Series("loss", "#7f7f7f"), Series("smoothed", "bold #1f77b4"),
                                Series("validation", "bold #d62728", markers=True), id="loss-chart",
                                empty_text="the loss appears here once training starts")
                yield LineChart(Series("grad norm", "#2ca02c"), threshold_label="clip norm", id="grad-chart",
                                empty_text="the gradient norm (before clipping) appears here")
                yield Static(NO_SAMPLES, id="samples")
                yield Horizontal(id="train-buttons")

    def on_mount(self) -> None:
        if self.watching:
            self.add_class("-watching")
            self.query_one("#watch-info", Static).update(
                f"[b]watching {_escape(short_path(self.watching))}[/] — a run started elsewhere; read-only")
            self.query_one("#train-stats", Static).update(f"waiting for {_escape(self.watching)}/metrics.jsonl…")
            after_first_frame(self, self._start_watching)
            return
        # Like the form, the buttons (Textual's Button brings a large stylesheet: ~50 ms here)
        # follow the first frame; the keys they duplicate work from the start.
        after_first_frame(self, self._mount_buttons)
        after_first_frame(self, self._warm_up)

    @property
    def in_process(self) -> bool:
        """Runs train in a child process (the default); ``train_in="thread"`` keeps them in a worker thread."""
        return self.options.get("train_in", "process") == "process"

    def _warm_up(self) -> None:
        """Start the spare child process now (it imports torch while the user reads the form)."""
        if self.in_process and not self.watching:
            from explorer.jobs import train

            train.start_spare()

    async def _mount_buttons(self) -> None:
        await self.query_one("#train-buttons").mount_all([
            Button("Start s", id="btn-start", variant="primary", compact=True),
            Button("Pause p", id="btn-pause", compact=True),
            Button("Stop x", id="btn-stop", variant="error", compact=True),
            Button("Save w", id="btn-save", compact=True),
        ])
        self._sync_buttons()

    def _start_watching(self) -> None:
        from explorer.jobs.watch import watch

        self.run_dir = self.watching or ""
        self.handle = watch(self, self.run_dir)
        self.status(f"watching {_escape(short_path(self.run_dir))} (started elsewhere) — read-only: "
                    "start, pause and stop it where it runs")

    # -- actions --------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """None dims a key that cannot run now (it stays listed in the footer)."""
        if self.watching and action in ("start", "demo", "browse", "pause", "stop", "save"):
            return None  # the run is another process's
        if action in ("start", "demo", "browse"):
            return True if not self.running else None
        if action in ("pause", "stop", "save"):
            return True if self.running else None
        return True

    def action_start(self) -> None:
        from engine.errors import InputError
        from explorer.fields import field_of

        form = self.query_one(TrainForm)
        try:
            config = self.build_config(form.values())
        except InputError as error:  # in the form's words, and back to the field once read
            field = field_of(error, LABELS)
            self.app.show_error(error, LABELS, then=lambda: form.focus_field(field))
            return
        self.start_training(config)

    def action_demo(self) -> None:
        self.query_one(TrainForm).reset()
        self.start_training(self.build_config({}))

    def build_config(self, values: dict[str, object]):
        """The engine's ``TrainConfig`` for ``values`` (TrainConfig fields; none: the engine's defaults,
        the demo), with the app's device, a new run directory and the ``train_overrides`` option (tests,
        benchmarks). The config validates itself: :class:`InputError` naming the field."""
        from engine.training import TrainConfig
        from explorer.jobs.train import new_run_dir

        settings = {"device": self.options.get("device", "auto") or "auto", **values,
                    **(self.options.get("train_overrides") or {})}
        config = TrainConfig(**settings)
        return dataclasses.replace(config, out=settings.get("out") or new_run_dir(self.options, config.cell))

    def start_training(self, config) -> None:
        """Start ``engine.training.train`` on ``config`` (a ``TrainConfig``).

        By default the run goes to a child process (:mod:`explorer.child_runs`): its training
        loop never waits for the UI's GIL, so it trains as fast as the headless command.
        """
        from explorer.jobs import train

        self.run_dir = config.out or ""
        self.reset_view()
        self.handle = train.start(self, config, in_process=self.in_process)
        self.running, self.paused = True, False
        self.status("starting… (loading torch and the corpus)")

    def action_pause(self) -> None:
        if self.handle is None:
            return
        if self.handle.is_paused:
            self.handle.resume()
            self.paused = False
            self.status("resumed")
        else:
            self.handle.pause()
            self.paused = True
            self.status("paused — p resumes")
        self._sync_buttons()

    def action_stop(self) -> None:
        if self.handle is not None:
            self.handle.stop()
            self.status("stopping after this step…")

    def action_save(self) -> None:
        if self.handle is not None and self.handle.save_request is not None:
            self.handle.save_request.set()
            self.status("saving at the next step…" if not self.paused else "saving now (paused)…")

    def action_browse(self) -> None:
        from explorer.screens.dialogs import FilePickerDialog

        def chosen(path: str | None) -> None:
            if path:
                self.query_one(TrainForm).set_path(path)

        self.app.push_screen(FilePickerDialog("."), chosen)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        action = {"btn-start": "start", "btn-pause": "pause", "btn-stop": "stop", "btn-save": "save",
                  "browse": "browse"}.get(event.button.id or "")
        if action and self.check_action(action, ()):
            getattr(self, f"action_{action}")()

    def watch_running(self) -> None:
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        for button_id, action in (("btn-start", "start"), ("btn-pause", "pause"), ("btn-stop", "stop"),
                                  ("btn-save", "save")):
            for button in self.query(f"#{button_id}"):
                button.disabled = not self.check_action(action, ())
        for button in self.query("#btn-pause"):
            button.label = "Resume p" if self.paused else "Pause p"

    # -- events from the worker ------------------------------------------------------
    def reset_view(self) -> None:
        self.query_one("#loss-chart", LineChart).clear()
        self.query_one("#grad-chart", LineChart).clear()
        self.query_one("#samples", Static).update(NO_SAMPLES, layout=False)
        self.rate.reset()
        self._stats = None
        self.remove_class("-diverged")

    @on(EngineEvent[Started])
    def _started(self, message: EngineEvent) -> None:
        if message.group == "train":
            e = message.event
            self.total_steps, self.device = e.total_steps, e.device
            self.rate.reset()
            self.query_one("#train-stats", Static).update(f"started on {e.device}: {_escape(e.description)}")
            if not self.watching:
                self.status(f"training on {e.device} · {_escape(e.description)}")

    @on(EngineEvent[Step])
    def _steps(self, message: EngineEvent) -> None:
        if message.group == "train":
            for step in message.drain():  # every step since the last message (the chart draws each)
                self.show_step(step)

    def show_step(self, e: Step) -> None:
        loss = self.query_one("#loss-chart", LineChart)
        loss.add("loss", e.step, e.loss)
        loss.add("smoothed", e.step, e.smoothed_loss)
        grad = self.query_one("#grad-chart", LineChart)
        grad.add("grad norm", e.step, e.grad_norm)
        self.clip_mode = e.clip_mode
        if e.clip_mode == "norm" and e.clip_threshold is not None and grad.threshold != e.clip_threshold:
            grad.set_threshold(e.clip_threshold)
        if e.clipped:
            grad.mark(e.step)
        rate = self.rate.add(e.elapsed_s, e.tokens_per_s)
        self._stats = stats_parts(e, rate, self.device, self.paused)
        self._stats_tick.request()  # repainted on the shared live ticks with the charts

    @property
    def stats_text(self) -> str:
        """The stats line as shown (two lines under 100 columns)."""
        if self._stats is None:
            return ""
        return ("\n" if self.has_class("-narrow") else " · ").join(self._stats)

    def flush_stats(self) -> None:
        """Paint the latest stats (now: tests, snapshots; or at the tick)."""
        if self._stats is not None:
            self.query_one("#train-stats", Static).update(self.stats_text, layout=False)  # fixed height: no layout

    def on_resize(self) -> None:
        self.flush_stats()  # one line or two, by the width

    @on(EngineEvent[Evaluated])
    def _evaluated(self, message: EngineEvent) -> None:
        if message.group == "train":
            e = message.event
            self.query_one("#loss-chart", LineChart).add("validation", e.step, e.val_loss)

    @on(EngineEvent[Sampled])
    def _sampled(self, message: EngineEvent) -> None:
        if message.group == "train":
            e = message.event
            # A fixed height: no layout pass (~8 ms of the UI thread, taken from training).
            box = self.query_one("#samples", Static)
            box.update(samples_text(e.step, e.samples, box.content_size.width), layout=False)

    @on(EngineEvent[Saved])
    def _saved(self, message: EngineEvent) -> None:
        if message.group == "train":
            e = message.event
            self._made_model(e.step)
            name = os.path.basename(os.path.normpath(self.run_dir or e.path))
            self.status(f"saved {_escape(name)} at step {e.step:,} · Generate (3) opens it")

    def _made_model(self, step: int) -> None:
        """A checkpoint of this run exists now: it becomes the app's current model (Generate opens on it)."""
        path = self.run_dir
        if not path:
            return
        self.last_checkpoint = path
        if hasattr(self.app, "current_model"):
            self.app.current_model = ModelChoice(path, "watched" if self.watching else "trained", step)

    @on(EngineEvent[Diverged])
    def _diverged(self, message: EngineEvent) -> None:
        if message.group == "train":
            e = message.event
            self.add_class("-diverged")
            self.query_one("#diverged", Static).update(
                f"[b red]Training diverged at step {e.step}[/]: the loss became {e.loss}. {_escape(e.advice)}"
            )

    @on(EngineEvent[Finished])
    def _finished(self, message: EngineEvent) -> None:
        if message.group != "train":
            return
        e = message.event
        if e.checkpoint:
            self._made_model(e.step)
        val = f", val {e.val_loss:.3f}" if e.val_loss is not None else ""
        final = f"loss {e.final_loss:.3f}" if e.final_loss is not None else "no loss"
        where = " · Generate (3) opens it" if e.checkpoint else ""
        still = " · still watching" if self.watching else ""
        self.status(f"{e.reason} at step {e.step:,}: {final}{val} in {_duration(e.elapsed_s)}{where}{still}")

    # -- what the watcher of a run started elsewhere saw ------------------------------
    @on(EngineEvent[WatchNote])
    def _watch_note(self, message: EngineEvent) -> None:
        note: WatchNote = message.event
        where = _escape(short_path(self.run_dir))
        if note.kind == "waiting":
            why = "no such folder yet" if note.detail == "no-folder" else "no metrics yet"
            self.query_one("#train-stats", Static).update(f"waiting for {where}/metrics.jsonl ({why})…")
            self.status(f"waiting for the run in {where} to start ({why})")
        elif note.kind == "restarted":
            self.reset_view()
            self.status(f"a new run started in {where}: reading it from the top")
        else:
            self.skipped += 1
            self.status(f"skipped line {note.line_number} of metrics.jsonl ({_escape(note.detail)}); "
                        f"{self.skipped} so far — still watching")

    @on(RunFinished)
    def _run_ended(self, message: RunFinished) -> None:
        if message.group != "train":
            return
        message.stop()
        self.running, self.paused = False, False
        self._warm_up()  # the next run starts at once too
        if message.error is not None:
            self.status("[b red]training failed[/] — see the message")
        self._sync_buttons()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
