"""The Textual app: one mode per screen, global keys, the command palette, error routing.

* Screens are listed in :data:`explorer.screens.SCREENS` and imported lazily when
  first shown; ``1``–``6`` switch between them, as do the tab bar (mouse) and the
  command palette (``ctrl+p``).
* ``?``/``f1`` lists every key of the current screen; ``ctrl+q`` quits, asking
  first only while a run is active.
* torch is imported in a background worker right after the first frame
  (``torch_status`` shows "loading torch…"), so nothing waits for it.
* Every worker error arrives in :meth:`SeqExplorerApp.on_worker_state_changed`
  and becomes an :class:`~explorer.screens.dialogs.ErrorDialog`; a screen shows an engine
  ``InputError`` from its own form with :meth:`SeqExplorerApp.show_error` and its form's labels.
* SIGTERM ends the app as ``ctrl+q`` does: runs stop first (a run in its child process writes its
  checkpoint) and the terminal is restored.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from explorer.messages import TorchReady
from explorer.model_choice import ModelChoice, initial_choice
from explorer.screens import SCREENS, TITLES, make_screen

# Set by bench/startup.py: at Ready, write the seconds since this epoch time, then exit 0.5 s later.
FIRST_FRAME_ENV = "SEQ_EXPLORER_FIRST_FRAME_FILE"
T0_ENV = "SEQ_EXPLORER_T0"


def _screen_bindings() -> list[Binding]:
    return [
        Binding(
            key,
            f"switch_mode('{name}')",
            TITLES[name],
            id=f"app.{name}",
            tooltip=f"Show the {TITLES[name]} screen",
        )
        for name, (_module, _cls, key) in SCREENS.items()
    ]


EXIT_TERMINATED = 128 + signal.SIGTERM
"""The app's exit status after SIGTERM (as a shell reports a process ended by it)."""


def describe_error(error: BaseException, labels: Mapping[str, str] | None = None) -> tuple[str, str, str]:
    """(title, message, hint) for an error that reached the UI.

    Engine ``InputError`` messages are shown as they are (they already say what to do), with the
    config field they name called by its label on the screen's form (``labels``: field → label, see
    :func:`explorer.fields.in_own_words`); anything else is an internal error, shown with its type.
    """
    errors = sys.modules.get("engine.errors")
    message = " ".join((str(error).strip() or error.__class__.__name__).split())
    if errors is not None and isinstance(error, errors.InputError):
        if labels:
            from explorer.fields import in_own_words

            message = in_own_words(error, labels)
        return "Cannot do that", message, ""
    child_runs = sys.modules.get("explorer.child_runs")
    if child_runs is not None and isinstance(error, child_runs.ChildEnded):
        return "The run stopped", message, "The app is fine: start the run again (s), or with smaller settings."
    if isinstance(error, (OSError, UnicodeError)):
        return "File problem", message, "Check the path and that the file is readable UTF-8 text."
    return (
        "Internal error",
        f"{error.__class__.__name__}: {message}",
        "This is a bug in seq-explorer. Run `seq-explorer --debug` from a terminal to see the traceback.",
    )


class SeqExplorerApp(App):
    """seq-explorer: a terminal laboratory for sequence models."""

    TITLE = "seq-explorer"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses elsewhere find it too
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    """Terminals under 100 columns get the ``-narrow`` class (see app.tcss)."""

    BINDINGS = [
        *_screen_bindings(),
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="List every key of this screen"),
        Binding("escape", "leave_box", "Leave box", id="app.leave_box", show=False, priority=True, system=True,
                tooltip="Leave the text box (keys act again)"),
        Binding("ctrl+p", "command_palette", "Palette", id="app.palette", tooltip="Search commands and screens",
                priority=True),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit (asks first while a run is active)",
                priority=True),
    ]

    torch_status: reactive[str] = reactive("")
    torch_ready: reactive[bool] = reactive(False)
    current_model: reactive[ModelChoice | None] = reactive(None)
    """The language model Gates and Generate show (:mod:`explorer.model_choice`): the ``--checkpoint``
    or the first bundled model at start, then the run the Train screen just finished or saved (or a
    watched run's save), or the model a screen's model box picked. Subscribe with
    ``self.watch(self.app, "current_model", callback)``."""

    def __init__(self, *, screen: str = "train", checkpoint: str | None = None,
                 embeddings: str = "glove", device: str = "auto", preload_torch: bool = True,
                 options: dict | None = None) -> None:
        """``options`` adds screen settings used by tests and benchmarks: ``autoload`` (False: screens
        load no model on mount), ``runs_dir`` (where training saves), ``train_overrides`` (extra
        ``TrainConfig`` fields); and ``watch`` (a run folder the Train screen follows, read-only:
        ``seq-explorer --watch RUN_DIR``)."""
        if screen not in SCREENS or (options or {}).get("watch"):
            screen = "train"
        # Start directly in the chosen screen's mode: no default screen is mounted, styled and
        # resumed first, which saved ~0.15 s of the first frame.
        self.DEFAULT_MODE = screen
        super().__init__()
        self.start_screen = screen
        self.checkpoint = checkpoint
        self.embeddings = embeddings
        self.device_name = device
        self.options = {"checkpoint": checkpoint, "embeddings": embeddings, "device": device, "autoload": True,
                        **(options or {})}
        self.preload_torch = preload_torch
        self.first_frame_torch_loaded: bool | None = None
        self._first_frame_callbacks: list | None = []
        """Callbacks waiting for the first frame (None once it is on screen)."""
        self.device_label = device
        self.set_reactive(SeqExplorerApp.current_model, initial_choice(checkpoint))
        for name in SCREENS:
            self.add_mode(name, lambda name=name: make_screen(name))

    # -- start -----------------------------------------------------------------
    def on_mount(self) -> None:
        self.switch_mode(self.start_screen)
        if not self.is_headless:
            self._catch_sigterm()

    def _catch_sigterm(self) -> None:
        """SIGTERM (``kill``, a system shutting down) quits like ``ctrl+q`` answered yes: the runs stop
        and save, and Textual restores the terminal. Without this Python died at once, leaving the
        terminal in the app's alternate screen, without a cursor and with the mouse still reported."""
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit, None, EXIT_TERMINATED)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass

    def after_first_frame(self, callback) -> None:
        """Run ``callback`` once the first frame is on the terminal (after the next refresh if it is).

        Textual draws nothing until the first screen is composed and mounted, so what the first
        look does not need (the Train form, model loads, the spare training process) waits for this.
        """
        if self._first_frame_callbacks is None:
            self.call_after_refresh(callback)
        else:
            self._first_frame_callbacks.append(callback)

    def _flush_first_frame_callbacks(self) -> None:
        callbacks, self._first_frame_callbacks = self._first_frame_callbacks or [], None
        for callback in callbacks:
            self.call_later(callback)

    def on_ready(self) -> None:
        """The first frame is on screen: only now start importing torch."""
        self.first_frame_torch_loaded = "torch" in sys.modules
        # A short pause lets the terminal writer thread send the frame before more widgets mount.
        self.set_timer(0.02, self._flush_first_frame_callbacks)
        path = os.environ.get(FIRST_FRAME_ENV)
        if path:
            t0 = float(os.environ.get(T0_ENV, "0") or 0)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(f"{time.time() - t0:.4f} {int(self.first_frame_torch_loaded)}\n")
            self.set_timer(0.5, self.exit)  # the benchmark reads the frame off the terminal meanwhile
            return
        if self.preload_torch:
            if not self.first_frame_torch_loaded:
                self.torch_status = "loading torch…"
            self.run_worker(self._import_torch, name="import torch", group="torch", thread=True,
                            exit_on_error=False)

    def _import_torch(self) -> None:
        """Worker thread: import torch (waits if another worker is importing it) and name the device."""
        t = time.perf_counter()
        device = self.device_name
        from explorer.runs import IMPORT_LOCK

        try:
            with IMPORT_LOCK:
                import torch

            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
        except ImportError as exc:  # reported again when a run needs it
            self.post_message(TorchReady(time.perf_counter() - t, device, exc))
            return
        self.post_message(TorchReady(time.perf_counter() - t, device))

    @on(TorchReady)
    def torch_arrived(self, message: TorchReady) -> None:
        # torch, textual and the first screen are loaded: move their millions of long-lived
        # objects out of the collector's sight. Full collections otherwise scanned them all and
        # stalled a key press now and then by 100-200 ms (measured on the Gates screen).
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        self.torch_ready = message.error is None
        self.device_label = message.device
        self.torch_status = f"device {message.device}" if message.error is None else "torch is not installed"

    # -- screens, palette, help ----------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for name, (_module, _cls, key) in SCREENS.items():
            yield SystemCommand(f"Screen: {TITLES[name]}", f"Show the {TITLES[name]} screen (key {key})",
                                lambda name=name: self.switch_mode(name))
        yield SystemCommand("Keys", "List every key of this screen", self.action_help)
        yield from super().get_system_commands(screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_box":  # only while a screen's text box has the focus: otherwise the
            return self._typing_in_box()  # screen's own Escape (stop a run) is listed and runs
        return True

    def _typing_in_box(self) -> bool:
        from explorer.screens.base import ExplorerScreen
        from explorer.widgets.keybar import typing_in_box

        try:
            screen = self.screen
        except Exception:  # noqa: BLE001 - no screen yet (start-up)
            return False
        return isinstance(screen, ExplorerScreen) and typing_in_box(screen)

    def action_leave_box(self) -> None:
        """Escape in a text box of a screen leaves it (nothing has the focus; single keys act again).

        Escape never goes *into* a box, so pressing it twice cannot put the focus back in one. Out of
        a box (or on a dialog, the palette), Escape is the screen's own key (stop a run, close)."""
        from textual.actions import SkipAction

        if not self._typing_in_box():
            raise SkipAction()  # the next binding of escape (the screen's) runs
        first = getattr(self.screen, "escape_in_box", None)  # a screen's own Escape that keeps the box focused
        if first is not None and first():
            return
        self.screen.set_focus(None)

    def action_help(self) -> None:
        from explorer.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        title = TITLES.get(getattr(self.screen, "mode_name", ""), self.screen.__class__.__name__)
        self.push_screen(HelpScreen.for_screen(self.screen, title))

    def get_driver_class(self):
        """Textual's driver; on Linux and macOS one that ends the app when its terminal goes away
        (:mod:`explorer.terminal`) instead of reading the dead terminal at 100 % of a core."""
        from textual import constants

        driver = super().get_driver_class()
        if constants.DRIVER is None and driver.__name__ == "LinuxDriver":  # not forced by TEXTUAL_DRIVER
            try:
                from explorer.terminal import HangupSafeDriver
            except ImportError:  # it uses Textual internals: a Textual that moved them gets its own driver
                return driver
            return HangupSafeDriver
        return driver

    # -- quitting -----------------------------------------------------------------
    async def action_quit(self) -> None:
        from explorer.runs import active_runs

        if not active_runs(self, to_confirm=True):
            self.exit()
            return
        from explorer.screens.dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmDialog("A run is still going. Stop it and quit?", yes="Quit", no="Keep running"),
                         answered)

    def on_unmount(self) -> None:
        from explorer.runs import stop_all

        stop_all(self)  # a run in a child process saves its checkpoint and ends (explorer.child_runs.relay)
        if "explorer.child_runs" in sys.modules:
            sys.modules["explorer.child_runs"].discard_spare()

    # -- errors ---------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure becomes a dialog."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        self.show_error(event.worker.error)

    def show_error(self, error: BaseException, labels: Mapping[str, str] | None = None,
                   then: Callable[[], None] | None = None) -> None:
        """Show ``error`` in a dialog; ``labels`` (config field → form label) words an engine
        ``InputError`` as the form does, and ``then`` runs when the dialog closes (focus the field)."""
        from explorer.screens.dialogs import ErrorDialog

        title, message, hint = describe_error(error, labels)
        self.push_screen(ErrorDialog(title, message, hint), (lambda _: then()) if then else None)


def make_app(**kwargs) -> SeqExplorerApp:
    """App factory shared by the command line and the tests."""
    return SeqExplorerApp(**kwargs)
