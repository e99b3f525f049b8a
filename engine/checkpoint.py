"""Checkpoint directories: ``config.json`` + ``model.safetensors`` (+ training state) + ``metrics.jsonl``.

Public API::

    FORMAT_VERSION                                   # 1
    write_checkpoint(path, *, model_kind, config, tensors, extra=None, training=None, training_tensors=None) -> Path
    read_checkpoint(path, *, model_kind) -> CheckpointData
    append_metrics(path, record: dict)               # one JSON object a line, appended
    event_record(event) -> dict                      # a frozen event as a JSON-able dict
    atomic_write_bytes(path, data)                   # tmp file in the same folder, fsync, os.replace

Layout of a checkpoint directory::

    config.json             {"format": "seq-explorer.checkpoint", "format_version": 1, "model_kind": ...,
                             "config": {...}, "vocab": {...} (language models), "files": {name: sha256},
                             "training": {"step": ..., ...} (resumable checkpoints)}
    model.safetensors       the model's state dict (no pickle anywhere)
    training.safetensors    optimiser moments and RNG state, for resuming (optional)
    metrics.jsonl           training events, one a line, appended during training

Every file is written atomically (temporary file, ``fsync``, ``os.replace``). All new files are
written completely to temporary names first and only then renamed over the old ones, tensor files
first and ``config.json`` (which records their SHA-256) last: an interrupted save leaves the previous
checkpoint in place, except in the microseconds between the renames, and a mismatched pair is
refused on load rather than silently used.
Loading never unpickles: ``safetensors`` and ``json`` only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from engine.errors import CheckpointError

FORMAT = "seq-explorer.checkpoint"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
MODEL_FILE = "model.safetensors"
TRAINING_FILE = "training.safetensors"
METRICS_FILE = "metrics.jsonl"


@dataclass
class CheckpointData:
    """What :func:`read_checkpoint` returns."""

    path: Path
    meta: dict[str, Any]
    """The whole ``config.json``."""
    tensors: dict[str, torch.Tensor]
    training_tensors: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, Any]:
        return self.meta.get("config", {})

    @property
    def training(self) -> dict[str, Any] | None:
        return self.meta.get("training")


def _write_tmp(path: Path, data: bytes) -> Path:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def _fsync_dir(path: Path) -> None:
    try:  # make the renames themselves durable
        dfd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - e.g. Windows
        pass


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    path = Path(path)
    os.replace(_write_tmp(path, data), path)
    _fsync_dir(path.parent)




def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_checkpoint(
    path: str | os.PathLike,
    *,
    model_kind: str,
    config: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    extra: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    training_tensors: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write a checkpoint directory at ``path`` (created if needed) and return it.

    ``extra`` holds more top-level ``config.json`` keys (a language model's ``vocab``).
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    pending: list[tuple[Path, Path]] = []
    try:
        blobs = [(MODEL_FILE, tensors)]
        if training_tensors is not None:
            blobs.append((TRAINING_FILE, training_tensors))
        for name, tdict in blobs:
            data = st_save({k: v.detach().cpu().contiguous() for k, v in tdict.items()})
            files[name] = _sha256(data)
            pending.append((_write_tmp(path / name, data), path / name))
        meta: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model_kind": model_kind,
            "config": config,
            **(extra or {}),
            "files": files,
        }
        if training is not None:
            meta["training"] = training
        config_bytes = (json.dumps(meta, indent=1) + "\n").encode("utf-8")
        pending.append((_write_tmp(path / CONFIG_FILE, config_bytes), path / CONFIG_FILE))
    except BaseException:  # nothing renamed yet: the previous checkpoint is untouched
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in pending:  # every file is complete on disk before the first rename
        os.replace(tmp, final)
    _fsync_dir(path)
    if training_tensors is None and (path / TRAINING_FILE).exists():
        (path / TRAINING_FILE).unlink()
    return path


def read_checkpoint(path: str | os.PathLike, *, model_kind: str) -> CheckpointData:
    """Read and verify a checkpoint; every problem is a one-line :class:`CheckpointError`."""
    path = Path(path).expanduser()
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}; give a checkpoint directory written by 'seq-explorer train'")
    if not path.is_dir():
        raise CheckpointError(f"{path} is not a checkpoint directory (expected a folder holding {CONFIG_FILE})")
    cfg_file = path / CONFIG_FILE
    if not cfg_file.exists():
        raise CheckpointError(f"{path} has no {CONFIG_FILE}; it is not a seq-explorer checkpoint")
    try:
        meta = json.loads(cfg_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{cfg_file} is not valid JSON ({exc.__class__.__name__}); the checkpoint is damaged") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{cfg_file} is not a seq-explorer checkpoint configuration")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {path} has format version {version!r}; this seq-explorer reads version {FORMAT_VERSION} only "
            "(retrain it, or use the seq-explorer that wrote it)"
        )
    kind = meta.get("model_kind")
    if kind != model_kind:
        raise CheckpointError(f"checkpoint {path} holds a {kind!r} model, not a {model_kind!r}; give a {model_kind} checkpoint")
    files = meta.get("files") or {}
    tensors = _read_tensors(path, MODEL_FILE, files.get(MODEL_FILE))
    training_tensors: dict[str, torch.Tensor] = {}
    if TRAINING_FILE in files and (path / TRAINING_FILE).exists():
        training_tensors = _read_tensors(path, TRAINING_FILE, files[TRAINING_FILE])
    return CheckpointData(path, meta, tensors, training_tensors)


def _read_tensors(path: Path, name: str, sha: str | None) -> dict[str, torch.Tensor]:
    file = path / name
    if not file.exists():
        raise CheckpointError(f"checkpoint {path} has no {name}; it is incomplete")
    data = file.read_bytes()
    if sha is not None and _sha256(data) != sha:
        raise CheckpointError(f"{file} does not match its checksum in {CONFIG_FILE} (truncated or overwritten); retrain or restore it")
    try:
        return st_load(data)
    except Exception as exc:  # safetensors raises its own error type on truncated or corrupt files
        raise CheckpointError(f"{file} is truncated or corrupt ({' '.join(str(exc).split())[:120]})") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def event_record(event: Any) -> dict[str, Any]:
    """``{"event": ClassName, field: value, ...}`` for a frozen dataclass event."""
    record = {"event": type(event).__name__}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            value = [dataclasses.asdict(v) for v in value]
        record[f.name] = _jsonable(value)
    return record


def append_metrics(path: str | os.PathLike, record: dict[str, Any]) -> None:
    """Append one JSON line to ``<path>/metrics.jsonl``."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / METRICS_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
