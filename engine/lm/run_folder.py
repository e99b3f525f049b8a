"""A training run's output folder: its lock, the refusal to overwrite, the last and best checkpoints.

Used by :class:`engine.lm.loop.TrainingRun`; nothing here is public API::

    RunFolder(out, *, resume_from=None, overwrite=False)
    .open()                           # before anything else: lock, writability, overwrite policy, leftovers
    .check_space(needed_bytes)        # before training starts
    .begin()                          # training starts: a fresh run drops the old run's best/ and metrics
    .save_last(model, training, training_tensors) -> Path
    .offer_best(model, step, val_loss) -> bool    # saves best/ when val_loss is the lowest so far
    .append(record)                   # one line of metrics.jsonl
    .close()

Layout: ``<out>`` holds the last checkpoint (resumable: weights, optimiser, RNG, step) and
``<out>/best`` the checkpoint with the lowest validation loss seen so far (weights only, with
``"best": {"step", "val_loss"}`` in its ``config.json``). A run that overfits — the README's own
``--steps 2000`` run on the dinosaur names reaches its lowest validation loss at step 600 — keeps
that model, and ``sample``/``score``/``gates`` and the app load it by default.

Rules, checked by :meth:`RunFolder.open` before the corpus is read:

- The folder is locked for the run's whole life (:class:`engine.run_lock.FolderLock`); a second
  writer is refused with one line naming the first. Taking the lock is the first write, so an
  unwritable folder is refused now, not after hours of training.
- A folder that already holds a checkpoint is refused unless the run resumes that very checkpoint
  or ``overwrite`` is set. With ``overwrite`` the old last checkpoint stays until the first save
  replaces it; its ``best/`` and ``metrics.jsonl`` belong to the old run and go when the new run
  has passed every check and training begins (a refused run changes nothing).
- What crashed saves left (temporary files of dead processes, unnamed tensor files, token files
  in the temporary folder) is removed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from engine.atomic_files import open_append
from engine.checkpoint import BEST_DIR, CONFIG_FILE, METRICS_FILE, has_checkpoint, remove_orphans
from engine.errors import InputError
from engine.limits import MAX_CONFIG_BYTES, MAX_JSON_DEPTH
from engine.lm.io import save_language_model
from engine.run_lock import FolderLock
from engine.safe_files import read_json
from engine.text import remove_orphan_token_files

_SPACE_MARGIN = 1 << 20


def _same_folder(a: Path, b: Path | None) -> bool:
    return b is not None and os.path.realpath(a) == os.path.realpath(b)


def _read_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = read_json(folder / CONFIG_FILE, root=folder, max_bytes=MAX_CONFIG_BYTES, max_depth=MAX_JSON_DEPTH,
                         what=CONFIG_FILE)
    except (OSError, InputError):
        return {}
    return meta if isinstance(meta, dict) else {}


class RunFolder:
    """See the module docstring."""

    def __init__(self, out: str | os.PathLike, *, resume_from: str | os.PathLike | None = None,
                 overwrite: bool = False) -> None:
        self.out = Path(out).expanduser()
        self.resume_from = Path(resume_from).expanduser() if resume_from is not None else None
        self.overwrite = overwrite
        self.lock = FolderLock(self.out, field="out")
        self.best_val = math.inf
        self.continuing = False
        self._metrics = None

    @property
    def best_path(self) -> Path:
        return self.out / BEST_DIR

    def open(self) -> None:
        self.lock.acquire()
        try:
            continuing = _same_folder(self.out, self.resume_from)
            if not continuing and has_checkpoint(self.out) and not self.overwrite:
                step = (_read_meta(self.out).get("training") or {}).get("step")
                at = f" (step {step})" if isinstance(step, int) else ""
                raise InputError(
                    f"{self.out} already holds a checkpoint{at}; resume it, allow overwriting it (overwrite), "
                    "or choose another folder", field="overwrite")
            self.continuing = continuing
            if continuing:
                best = (_read_meta(self.best_path).get("best") or {}).get("val_loss")
                self.best_val = float(best) if isinstance(best, (int, float)) and not isinstance(best, bool) else math.inf
            remove_orphans(self.out)
            remove_orphan_token_files()
        except BaseException:
            self.lock.release()
            raise

    def begin(self) -> None:
        """Training starts: a fresh run drops the old run's best model and metrics (not this run's)."""
        if not self.continuing:
            self._remove_best()
            (self.out / METRICS_FILE).unlink(missing_ok=True)

    def _remove_best(self) -> None:
        best = self.best_path
        if best.is_symlink() or best.is_file():
            best.unlink()
        elif best.is_dir():
            shutil.rmtree(best)

    def check_space(self, needed: int) -> None:
        """Refuse to start when the folder's file system has less than ``needed`` bytes free."""
        try:
            free = shutil.disk_usage(self.out).free
        except OSError:
            return
        if free < needed + _SPACE_MARGIN:
            raise InputError(
                f"only {free / 1e6:,.1f} MB free where {self.out} is; a checkpoint of this model needs about "
                f"{(needed + _SPACE_MARGIN) / 1e6:,.1f} MB — free some space or choose another folder", field="out")

    def save_last(self, model, training: dict[str, Any], training_tensors: dict[str, torch.Tensor]) -> Path:
        return save_language_model(model, self.out, training=training, training_tensors=training_tensors)

    def offer_best(self, model, step: int, val_loss: float) -> bool:
        """Save ``best/`` when ``val_loss`` is finite and lower than every one before (weights finite too)."""
        if not math.isfinite(val_loss) or val_loss >= self.best_val:
            return False
        if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
            return False
        save_language_model(model, self.best_path, extra={"best": {"step": step, "val_loss": val_loss}})
        self.best_val = val_loss
        return True

    def append(self, record: dict[str, Any]) -> None:
        """One line of ``metrics.jsonl`` (the file stays open for the run; each line is flushed)."""
        if self._metrics is None:
            self._metrics = open_append(self.out / METRICS_FILE)
        self._metrics.write(json.dumps(record) + "\n")
        self._metrics.flush()

    def close(self) -> None:
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None
        self.lock.release()
