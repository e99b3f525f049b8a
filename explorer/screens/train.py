"""Train: a language model learning live — loss, gradient norm, speed, samples.

``s`` starts a run with the form's settings (the defaults are the demo: a
character LSTM on the dinosaur names), ``d`` resets the form to the demo and
starts, ``p`` pauses/resumes, ``x`` stops, ``w`` saves a checkpoint now, ``o``
picks a corpus file. The engine's ``train`` runs in a child process
(:func:`explorer.runs.start_child_run`; ``train_in="thread"``: a worker thread); its events
arrive as messages.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Static

from explorer.deferred import after_first_frame
from explorer.messages import EngineEvent, RunFinished
from explorer.runs import RunHandle, start_child_run, start_run
from explorer.screens.base import ExplorerScreen
from explorer.ticks import OnNextTick
from explorer.train_job import PRELOAD, TARGET, make_config  # noqa: F401 - make_config re-exported
from explorer.widgets.line_chart import LineChart, Series
from explorer.widgets.train_form import TrainForm



def runs_dir(options: dict) -> Path:
    """Where the app's training runs save checkpoints (``runs_dir`` option, else ~/.local/share)."""
    chosen = options.get("runs_dir") or os.environ.get("SEQ_EXPLORER_RUNS")
    return Path(chosen) if chosen else Path.home() / ".local" / "share" / "seq-explorer" / "runs"


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainScreen(ExplorerScreen):
    """Train a language model and watch it learn."""

    AUTO_FOCUS = ""
    HELP = ("Charts: loss per token (raw, smoothed, validation) and the gradient norm before clipping, "
            "with the clip threshold (by norm) and ▲ where clipping fired.")

    DEFAULT_CSS = """
    TrainScreen #train-main { width: 1fr; height: 1fr; }
    TrainScreen #train-stats { height: 1; padding: 0 1; background: $boost; }
    TrainScreen #loss-chart { height: 2fr; }
    TrainScreen #grad-chart { height: 1fr; }
    TrainScreen #samples { height: auto; max-height: 7; }
    TrainScreen #diverged { display: none; border: round $error; height: auto; padding: 0 1; }
    TrainScreen.-diverged #diverged { display: block; }
    TrainScreen #train-buttons { height: auto; padding: 0 1; }
    TrainScreen #train-buttons Button { margin-right: 1; }
    """

    BINDINGS = [
        Binding("s", "start", "Start", id="train.start", tooltip="Start training with the form's settings"),
        Binding("d", "demo", "Demo", id="train.demo", tooltip="Reset the form to the demo (dinosaur names) and start"),
        Binding("p", "pause", "Pause/Resume", id="train.pause", tooltip="Pause or resume the running training"),
        Binding("x", "stop", "Stop", id="train.stop", tooltip="Stop training (the last checkpoint is kept)"),
        Binding("w", "save", "Save", id="train.save", tooltip="Save a checkpoint at the next step"),
        Binding("o", "browse", "Open file", id="train.browse", tooltip="Choose a text file to train on"),
        Binding("escape", "unfocus", "Leave form", id="train.unfocus", show=False,
                tooltip="Leave the form so the number keys switch screens"),
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
        self._stats_text = ""
        self._stats_tick = OnNextTick(self, self.flush_stats)
        self.clip_mode = "none"
        self._sample_lines = 1

    # -- layout ---------------------------------------------------------------
    def compose_body(self) -> Iterable[Widget]:
        with Horizontal():
            yield TrainForm(id="train-form")
            with Vertical(id="train-main"):
                yield Static("ready — press s to start (the defaults are the demo), d for the demo", id="train-stats")
                yield Static("", id="diverged")
                # tab10 colours: readable on light and dark themes
                yield LineChart(Series("loss", "#7f7f7f"), Series("smoothed", "bold #1f77b4"),
                                Series("validation", "bold #d62728", markers=True), id="loss-chart",
                                empty_text="the loss appears here once training starts")
                yield LineChart(Series("grad norm", "#2ca02c"), threshold_label="clip norm", id="grad-chart",
                                empty_text="the gradient norm (before clipping) appears here")
                yield Static("[dim]samples appear every few hundred steps[/]", id="samples")
                yield Horizontal(id="train-buttons")

    def on_mount(self) -> None:
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
        if self.in_process:
            from explorer import child_runs

            threading.Thread(target=child_runs.warm_up, args=(PRELOAD,), name="warm-up", daemon=True).start()

    async def _mount_buttons(self) -> None:
        await self.query_one("#train-buttons").mount_all([
            Button("Start (s)", id="btn-start", variant="primary", compact=True),
            Button("Pause (p)", id="btn-pause", compact=True),
            Button("Stop (x)", id="btn-stop", variant="error", compact=True),
            Button("Save (w)", id="btn-save", compact=True),
        ])
        self._sync_buttons()

    # -- actions --------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """None dims a key that cannot run now (it stays listed in the footer)."""
        if action in ("start", "demo", "browse"):
            return True if not self.running else None
        if action in ("pause", "stop", "save"):
            return True if self.running else None
        return True

    def action_start(self) -> None:
        try:
            values = self.query_one(TrainForm).values()
        except ValueError as exc:
            self.app.show_error(_input_error(str(exc)))
            return
        self.start_training(values)

    def action_demo(self) -> None:
        self.query_one(TrainForm).reset()
        self.start_training(None)

    def start_training(self, values: dict[str, object] | None) -> None:
        """Start ``engine.training.train`` with ``values`` (None: the engine's defaults, the demo).

        By default the run goes to a child process (:mod:`explorer.child_runs`): its training
        loop never waits for the UI's GIL, so it trains as fast as the headless command.
        """
        device = self.options.get("device", "auto") or "auto"
        name = f"{(values or {}).get('cell', 'lstm')}-{time.strftime('%Y%m%d-%H%M%S')}"
        out = str(runs_dir(self.options) / name)
        extra = dict(self.options.get("train_overrides") or {})
        self.run_dir = out
        self.reset_view()
        if self.in_process:  # the child's main thread runs train: torch's own thread count, as the CLI
            self.handle = start_child_run(self, TARGET, {"values": values, "device": device, "out": out,
                                                         "extra": extra}, group="train", preload=PRELOAD)
        else:
            # The engine holds a paused run itself (time paused is then not training time).
            handle = RunHandle(group="train", stop_event=threading.Event(), save_request=threading.Event(),
                               holds_itself=True)

            def factory(stop: threading.Event) -> Iterator[object]:
                from explorer.train_job import run

                # torch's own thread count, as the command line uses: the app's main thread runs no
                # torch, so this worker's OpenMP pool is the only one (engine.device.auto_cpu_threads
                # would pick 1 for a worker thread, ~8% slower here on 2 cores).
                extra.setdefault("cpu_threads", _torch_threads())
                return run(values, device, out, extra, stop, handle.save_request, handle.paused)

            self.handle = start_run(self, factory, group="train", handle=handle)
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

    def action_unfocus(self) -> None:
        self.set_focus(None)

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
            button.label = "Resume (p)" if self.paused else "Pause (p)"

    # -- events from the worker ------------------------------------------------------
    def reset_view(self) -> None:
        self.query_one("#loss-chart", LineChart).clear()
        self.query_one("#grad-chart", LineChart).clear()
        self.query_one("#samples", Static).update("[dim]samples appear every few hundred steps[/]")
        self._sample_lines = 1
        self.remove_class("-diverged")

    def on_engine_event(self, message: EngineEvent) -> None:
        if message.group != "train":
            return
        message.stop()
        event = message.event
        handler = getattr(self, f"_on_{type(event).__name__.lower()}", None)
        if handler is None:
            return
        for item in message.drain() if message.replaceable else [event]:
            handler(item)

    def _on_started(self, e) -> None:
        self.total_steps, self.device = e.total_steps, e.device
        self.query_one("#train-stats", Static).update(f"started on {e.device}: {e.description}")
        self.status(f"training on {e.device} · {e.description}")

    def _on_step(self, e) -> None:
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
        if e.clip_mode == "none" or e.clip_threshold is None:
            clip = "no clipping"
        elif e.clip_mode == "norm":
            clip = f"clip norm {e.clip_threshold:g}"
        else:
            clip = f"clip value ±{e.clip_threshold:g}"
        stats = (f"step {e.step}/{e.total_steps} · loss {e.smoothed_loss:.3f} · {e.tokens_per_s:,.0f} tok/s · "
                 f"{_duration(e.eta_s)} left · {self.device or '?'} · {clip}" + (" · [b]paused[/]" if self.paused else ""))
        self._show_stats(stats)

    def _show_stats(self, text: str) -> None:
        """The stats line, repainted on the shared live ticks with the charts (the UI thread shares the CPU)."""
        self._stats_text = text
        self._stats_tick.request()

    def flush_stats(self) -> None:
        """Paint the latest stats (now: tests, snapshots; or at the tick)."""
        self.query_one("#train-stats", Static).update(self._stats_text, layout=False)  # one line: no layout

    def _on_evaluated(self, e) -> None:
        self.query_one("#loss-chart", LineChart).add("validation", e.step, e.val_loss)

    def _on_sampled(self, e) -> None:
        lines = [f"[b]samples at step {e.step}[/]  [dim](✓ new · ○ in the training set)[/]"]
        for s in e.samples:
            mark = "" if s.in_training_set is None else ("○ " if s.in_training_set else "✓ ")
            lines.append(f"{mark}{_escape(s.text)}")
        # The same number of lines as the last samples: the height cannot change, skip the layout
        # pass (~8 ms of the UI thread, taken from training).
        same_height = len(lines) == self._sample_lines
        self._sample_lines = len(lines)
        self.query_one("#samples", Static).update("\n".join(lines), layout=not same_height)

    def _on_saved(self, e) -> None:
        self.last_checkpoint = self.app.latest_checkpoint = e.path  # offered on Gates and Generate
        self.status(f"saved checkpoint at step {e.step}: {e.path}")

    def _on_diverged(self, e) -> None:
        self.add_class("-diverged")
        self.query_one("#diverged", Static).update(
            f"[b red]Training diverged at step {e.step}[/]: the loss became {e.loss}. {_escape(e.advice)}"
        )

    def _on_finished(self, e) -> None:
        if e.checkpoint:
            self.last_checkpoint = self.app.latest_checkpoint = e.checkpoint
        val = f", validation {e.val_loss:.3f}" if e.val_loss is not None else ""
        final = f"loss {e.final_loss:.3f}" if e.final_loss is not None else "no loss"
        where = f" · checkpoint {e.checkpoint}" if e.checkpoint else ""
        self.status(f"{e.reason} at step {e.step}: {final}{val} in {_duration(e.elapsed_s)}{where}")

    def on_run_finished(self, message: RunFinished) -> None:
        if message.group != "train":
            return
        message.stop()
        self.running, self.paused = False, False
        self._warm_up()  # the next run starts at once too
        if message.error is not None:
            self.status("[b red]training failed[/] — see the message")
        self._sync_buttons()


def _torch_threads() -> int:
    import torch

    return max(1, torch.get_num_threads())


def _input_error(message: str) -> Exception:
    try:
        from engine.errors import InputError

        return InputError(message)
    except ImportError:  # pragma: no cover
        return ValueError(message)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
