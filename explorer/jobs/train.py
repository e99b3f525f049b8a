"""The Train screen's job: ``engine.training.train`` on a :class:`~engine.training.TrainConfig`.

The screen builds the config from its form; :func:`start` runs it in a child process (the default:
its training loop never waits for the UI's GIL, so it trains as fast as ``seq-explorer train``), where
the config arrives as JSON and ``train(config, …)`` runs on it, or in a thread worker. (A run started
elsewhere is watched through its metrics file: :mod:`explorer.jobs.watch`.)

Textual-free: a child process imports this module to know the job (:data:`TRAIN`).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path
from typing import Iterator

from engine.training import TrainConfig  # torch-free
from explorer import child_runs


def run(config: TrainConfig, stop: threading.Event, save_request: threading.Event | None = None,
        pause: threading.Event | None = None) -> Iterator[object]:
    """``engine.training.train`` on ``config``, honouring ``stop``, ``save_request`` and ``pause``."""
    from engine import training

    return training.train(config, stop, save_request=save_request, pause=pause)


TRAIN = child_runs.register_job(child_runs.ChildJob(
    name="train", config_type=TrainConfig, run=run, holds_pause=True,
    preload=("torch", "engine.training", "engine.lm.loop", "explorer.jobs.train"),
))
"""Training in a child process; a spare child imports ``preload`` while the user reads the form
(``train`` imports the rest on its first step)."""


def runs_dir(options: dict) -> Path:
    """Where the app's training runs save checkpoints (``runs_dir`` option, else ~/.local/share)."""
    chosen = options.get("runs_dir") or os.environ.get("SEQ_EXPLORER_RUNS")
    return Path(chosen) if chosen else Path.home() / ".local" / "share" / "seq-explorer" / "runs"


def new_run_dir(options: dict, what: str) -> str:
    """A fresh directory name for a run of ``what`` (a cell kind, "word2vec"), stamped with the time."""
    return str(runs_dir(options) / f"{what}-{time.strftime('%Y%m%d-%H%M%S')}")


def start_spare() -> None:
    """Start the spare child process now, in the background (it imports torch meanwhile)."""
    threading.Thread(target=child_runs.warm_up, args=(TRAIN.preload,), name="warm-up", daemon=True).start()


def start(node, config: TrainConfig, *, in_process: bool = True):
    """Train on ``config``: in a child process, or (``in_process=False``) in a thread worker of this
    one. Events arrive at ``node`` as messages of group "train"; returns the run's handle."""
    from explorer.runs import RunHandle, start_child_run, start_run

    if in_process:  # the child's main thread runs train: torch's own thread count, as the CLI
        return start_child_run(node, TRAIN, config, group="train")
    # The engine holds a paused run itself (time paused is then not training time).
    handle = RunHandle(group="train", stop_event=threading.Event(), save_request=threading.Event(),
                       holds_itself=True)

    def factory(stop: threading.Event) -> Iterator[object]:
        chosen = config
        if chosen.cpu_threads is None:
            # torch's own thread count, as the command line uses: the app's main thread runs no torch,
            # so this worker's OpenMP pool is the only one (engine.device.auto_cpu_threads would pick 1
            # for a worker thread, ~8% slower here on 2 cores).
            import torch

            chosen = dataclasses.replace(config, cpu_threads=max(1, torch.get_num_threads()))
        return run(chosen, stop, handle.save_request, handle.paused)

    return start_run(node, factory, group="train", handle=handle)
