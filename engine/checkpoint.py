"""Checkpoint directories: ``config.json`` + tensor files (+ training state) + ``metrics.jsonl``.

Public API::

    FORMAT_VERSION                                   # 2 (version 1 folders are still read)
    write_checkpoint(path, *, model_kind, config, tensors, extra=None, training=None, training_tensors=None) -> Path
    read_checkpoint(path, *, model_kind, which="last", dtypes=None, training_dtypes=None) -> CheckpointData
    resolve_checkpoint(path, which="best") -> Path   # path/best when which == "best" and it exists, else path
    has_checkpoint(path) -> bool                     # path holds a checkpoint (config.json)
    append_metrics(path, record: dict)               # one JSON object a line, appended
    event_record(event) -> dict                      # a frozen event as a JSON-able dict
    atomic_write_bytes(path, data)                   # tmp file in the same folder, fsync, os.replace
    save_in_progress() -> bool                       # a write_checkpoint is running (in any thread)
    read_json_file(path, *, root=None) -> Any        # the safe readers, for other folder formats (word vectors)
    read_tensor_file(path, *, root=None, dtypes=None, finite=False, sha256=None) -> dict[str, Tensor]
    install_files(folder, {name: bytes}, commit=name) # tmp + fsync + rename each, ``commit`` last, under the lock
    remove_orphans(path, keep=()) -> list[str]       # what interrupted saves left (call holding the lock)
    BEST_DIR, CONFIG_FILE, METRICS_FILE

Layout (format version 2)::

    <run>/config.json                 the manifest: {"format": "seq-explorer.checkpoint", "format_version": 2,
                                      "model_kind": ..., "config": {...}, "vocab": {...} (language models),
                                      "files": {"model": {"name", "sha256", "bytes"}, "training": {...}},
                                      "training": {"step": ..., ...} (resumable checkpoints)}
    <run>/model-<sha256[:16]>.safetensors      the model's state dict (no pickle anywhere)
    <run>/training-<sha256[:16]>.safetensors   optimiser moments and RNG state, for resuming (optional)
    <run>/metrics.jsonl               training events, one a line, appended during training
    <run>/best/                       the checkpoint with the lowest validation loss so far (same layout)
    <run>/.lock                       present while a process writes the folder (engine.run_lock)

Version 1 (written before; the bundled checkpoints of older releases and users' old runs) kept the
same ``config.json`` with ``"files": {"model.safetensors": sha256, ...}`` and fixed file names; it is
read as before, and a save into such a folder turns it into version 2.

**One save is one atomic step.** The tensor files are written under names taken from their content
(``model-<sha256[:16]>.safetensors``), each to a temporary file that is ``fsync``-ed and renamed; none of
them is visible to a reader, because only ``config.json`` names them. Then the new ``config.json`` is
written the same way, and its ``os.replace`` is the commit: before it a reader (or a restart after
``kill -9``) sees the previous checkpoint whole, after it the new one whole. Only then are the files
that neither the new nor the previous manifest names removed; the previous generation stays one save
longer, so a reader who read the old manifest a moment ago still finds its files. A reader that does
find a file gone (it was two saves behind) reads the manifest again.

Why a manifest and not a new directory per save behind a symlink or a renamed directory:
``os.replace`` of one small file is atomic on every POSIX file system (a directory cannot be renamed
over a non-empty one, and a swap by two renames has a window between them); ``config.json`` keeps its
place, so every tool that looks for ``<run>/config.json`` still works; and content-derived names make a
rebuilt checkpoint byte-identical (``make assets`` is deterministic).

The file operations (temporary file, ``fsync``, rename; the test hook between steps) are in
:mod:`engine.atomic_files`. Writers are serialised by :class:`engine.run_lock.FolderLock`.
Readers take no lock. Every reader
goes through :mod:`engine.safe_files`: regular files only, size caps, no symlink out of the folder,
safetensors headers checked before any tensor is built. Loading never unpickles.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Literal

import torch
from safetensors.torch import save as st_save

from engine import atomic_files as atomic
from engine.atomic_files import atomic_write_bytes, install_files, save_in_progress
from engine.errors import CheckpointError, CheckpointWriteError
from engine.limits import MAX_CONFIG_BYTES, MAX_JSON_DEPTH, MAX_TENSOR_FILE_BYTES
from engine.safe_files import decode_safetensors, read_json, read_regular, safetensors_header

FORMAT = "seq-explorer.checkpoint"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
BEST_DIR = "best"
MODEL_FILE = "model.safetensors"  # version 1 names
TRAINING_FILE = "training.safetensors"
ROLES = ("model", "training")
_TENSOR_NAME = re.compile(r"^(model|training)(-[0-9a-f]{16})?\.safetensors$")
_TMP_NAME = re.compile(r"^\..+\.tmp-(\d+)$")
_READ_ATTEMPTS = 5


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
        config = self.meta.get("config", {})
        return config if isinstance(config, dict) else {}

    @property
    def training(self) -> dict[str, Any] | None:
        training = self.meta.get("training")
        return training if isinstance(training, dict) else None


# ----------------------------------------------------------------------------- writing


def _sha256(data: bytes | bytearray) -> str:
    return hashlib.sha256(data).hexdigest()


def _referenced(path: Path) -> set[str]:
    """The tensor files the folder's current ``config.json`` names (none when it has none)."""
    try:
        meta = read_json(path / CONFIG_FILE, root=path, max_bytes=MAX_CONFIG_BYTES, max_depth=MAX_JSON_DEPTH,
                         what=CONFIG_FILE)
        return set(_file_table(path, meta))
    except (OSError, CheckpointError):
        return set()


def remove_orphans(path: str | os.PathLike, keep: Collection[str] = ()) -> list[str]:
    """Remove what an interrupted save left in ``path``: temporary files whose writer process is
    gone, and tensor files that no manifest names (besides ``keep``). Call it holding the folder's lock.
    Returns the names removed."""
    path = Path(path)
    keep = set(keep) | _referenced(path)
    removed = []
    try:
        entries = list(os.scandir(path))
    except OSError:
        return removed
    for entry in entries:
        tmp = _TMP_NAME.match(entry.name)
        stale_tmp = tmp is not None and not atomic.pid_alive(int(tmp.group(1)))
        unnamed = _TENSOR_NAME.match(entry.name) is not None and entry.name not in keep
        if (stale_tmp or unnamed) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except OSError:
                pass
    return removed


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
    """Write a checkpoint directory at ``path`` (created if needed), as one atomic step, and return it.

    ``extra`` holds more top-level ``config.json`` keys (a language model's ``vocab``). A failure
    (a full disk, Ctrl+C) leaves the previous checkpoint in place and no temporary file behind; an
    ``OSError`` becomes a one-line :class:`~engine.errors.CheckpointWriteError`.
    """
    path = Path(path)
    with atomic.saving(), atomic.save_lock(path):
        previous = _referenced(path)
        written: list[str] = []
        committed = False
        try:
            path.mkdir(parents=True, exist_ok=True)
            files: dict[str, dict[str, Any]] = {}
            blobs = [("model", tensors)] + ([("training", training_tensors)] if training_tensors is not None else [])
            for role, tdict in blobs:
                data = st_save({k: v.detach().cpu().contiguous() for k, v in tdict.items()})
                sha = _sha256(data)
                name = f"{role}-{sha[:16]}.safetensors"
                written.append(name)
                atomic.install(path / name, data)
                files[role] = {"name": name, "sha256": sha, "bytes": len(data)}
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
            written.append(CONFIG_FILE)
            tmp = atomic.write_tmp(path / CONFIG_FILE, config_bytes)
            atomic.step("written", CONFIG_FILE)
            os.replace(tmp, path / CONFIG_FILE)  # the commit
            committed = True
            atomic.step("renamed", CONFIG_FILE)
            atomic.fsync_dir(path)
            atomic.step("committed", CONFIG_FILE)
        except BaseException as exc:
            for name in written:  # nothing of this save stays behind unless it was committed
                atomic.tmp_name(path / name).unlink(missing_ok=True)
                if not committed and name != CONFIG_FILE and name not in previous:
                    (path / name).unlink(missing_ok=True)
            if isinstance(exc, OSError) and not committed:
                raise CheckpointWriteError(
                    f"could not save the checkpoint in {path} ({exc.strerror or exc}); the previous checkpoint there "
                    "is unchanged — free some space or choose another folder"
                ) from None
            raise
        remove_orphans(path, keep=previous)
    return path


# ----------------------------------------------------------------------------- reading


def has_checkpoint(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds a checkpoint (a ``config.json``, whatever its state)."""
    return os.path.lexists(Path(path).expanduser() / CONFIG_FILE)


def resolve_checkpoint(path: str | os.PathLike, which: Literal["best", "last"] = "best") -> Path:
    """The folder to read: ``path/best`` when ``which`` is "best" and a best checkpoint exists there,
    else ``path`` itself (a run saved before best checkpoints existed, or ``which="last"``)."""
    if which not in ("best", "last"):
        raise CheckpointError(f"which must be best or last, got {which!r}")
    path = Path(path).expanduser()
    if which == "best" and os.path.isfile(path / BEST_DIR / CONFIG_FILE):
        return path / BEST_DIR
    return path


def _file_table(path: Path, meta: Any) -> dict[str, tuple[str, str | None, int | None]]:
    """``{file name: (role, sha256 or None, bytes or None)}`` of a parsed manifest."""
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path / CONFIG_FILE} is not a seq-explorer checkpoint configuration")
    files = meta.get("files") or {}
    if not isinstance(files, dict):
        raise CheckpointError(f"{path / CONFIG_FILE} has a malformed file list; the checkpoint is damaged")
    out: dict[str, tuple[str, str | None, int | None]] = {}
    if meta.get("format_version") == 1:
        for name, role in ((MODEL_FILE, "model"), (TRAINING_FILE, "training")):
            sha = files.get(name)
            if name == MODEL_FILE or sha is not None:
                out[name] = (role, sha if isinstance(sha, str) else None, None)
        return out
    for role, entry in files.items():
        if role not in ROLES:
            continue
        name = entry.get("name") if isinstance(entry, dict) else None
        sha, size = (entry.get("sha256"), entry.get("bytes")) if isinstance(entry, dict) else (None, None)
        if not isinstance(name, str) or not _TENSOR_NAME.match(name) or not isinstance(sha, str) \
                or not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise CheckpointError(f"{path / CONFIG_FILE} names its {role} file wrongly ({entry!r}); the checkpoint is damaged")
        out[name] = (role, sha, size)
    if "model" not in {role for role, _, _ in out.values()}:
        raise CheckpointError(f"{path / CONFIG_FILE} names no model file; the checkpoint is incomplete")
    return out


class _Replaced(Exception):
    """A file the manifest names is gone: a save replaced the checkpoint while it was being read."""


def read_checkpoint(
    path: str | os.PathLike,
    *,
    model_kind: str,
    which: Literal["best", "last"] = "last",
    dtypes: Collection[str] | None = None,
    training_dtypes: Collection[str] | None = None,
) -> CheckpointData:
    """Read and verify a checkpoint; every problem is a one-line :class:`CheckpointError`.

    ``which``: "last" (the folder itself, the default) or "best" (``path/best`` when it exists).
    ``dtypes``: safetensors dtype names the model file may hold (default: floating types, int32 and
    int64), ``training_dtypes`` the same for the training file (default: any). Floating model
    weights must be finite. The result is one consistent snapshot even while a writer saves.
    """
    path = resolve_checkpoint(path, which)
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}; give a checkpoint directory written by 'seq-explorer train'")
    if not path.is_dir():
        raise CheckpointError(f"{path} is not a checkpoint directory (expected a folder holding {CONFIG_FILE})")
    for _ in range(_READ_ATTEMPTS):
        try:
            return _read_once(path, model_kind, dtypes, training_dtypes)
        except _Replaced:
            continue
    raise CheckpointError(f"checkpoint {path} changed {_READ_ATTEMPTS} times while being read; try again")


def _read_meta(path: Path) -> dict[str, Any]:
    cfg_file = path / CONFIG_FILE
    try:
        meta = read_json(cfg_file, root=path, max_bytes=MAX_CONFIG_BYTES, max_depth=MAX_JSON_DEPTH, what=CONFIG_FILE)
    except FileNotFoundError:
        raise CheckpointError(f"{path} has no {CONFIG_FILE}; it is not a seq-explorer checkpoint") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{cfg_file} is not a seq-explorer checkpoint configuration")
    version = meta.get("format_version")
    if version not in READABLE_VERSIONS:
        raise CheckpointError(
            f"checkpoint {path} has format version {version!r}; this seq-explorer reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))} (retrain it, or use the seq-explorer that wrote it)"
        )
    return meta


def _read_once(path: Path, model_kind: str, dtypes, training_dtypes) -> CheckpointData:
    meta = _read_meta(path)
    kind = meta.get("model_kind")
    if kind != model_kind:
        raise CheckpointError(f"checkpoint {path} holds a {kind!r} model, not a {model_kind!r}; give a {model_kind} checkpoint")
    if not isinstance(meta.get("config", {}), dict):
        raise CheckpointError(f"{path / CONFIG_FILE}: config is not a JSON object; the checkpoint is damaged")
    tensors: dict[str, torch.Tensor] = {}
    training_tensors: dict[str, torch.Tensor] = {}
    for name, (role, sha, size) in _file_table(path, meta).items():
        if role == "training" and meta.get("format_version") == 1 and not os.path.lexists(path / name):
            continue  # version 1 dropped the training file of exported models without always updating the list
        allowed = (dtypes if dtypes is not None else ("F64", "F32", "F16", "BF16", "I64", "I32")) if role == "model" \
            else training_dtypes
        loaded = _read_tensors(path, name, sha, size, allowed, finite=role == "model")
        (tensors if role == "model" else training_tensors).update(loaded)
    return CheckpointData(path, meta, tensors, training_tensors)


def _read_tensors(path: Path, name: str, sha: str | None, size: int | None, allowed, *, finite: bool) -> dict[str, torch.Tensor]:
    file = path / name
    try:
        data = read_regular(file, root=path, max_bytes=MAX_TENSOR_FILE_BYTES, expect_size=size, what="tensor file")
    except FileNotFoundError:
        if name not in _referenced(path):
            raise _Replaced from None
        raise CheckpointError(f"checkpoint {path} has no {name}; it is incomplete") from None
    if sha is not None and _sha256(data) != sha:
        raise CheckpointError(f"{file} does not match its checksum in {CONFIG_FILE} (truncated or overwritten); retrain or restore it")
    header = safetensors_header(data, what=str(file))
    return decode_safetensors(data, header, allowed=allowed, finite=finite, what=str(file))


# ----------------------------------------------------------------------------- other folder formats


def read_json_file(path: str | os.PathLike, *, root: str | os.PathLike | None = None) -> Any:
    """A JSON file read like a checkpoint's ``config.json``: regular file, size and depth capped,
    one-line :class:`CheckpointError` otherwise (:class:`FileNotFoundError` when missing)."""
    return read_json(path, root=root, max_bytes=MAX_CONFIG_BYTES, max_depth=MAX_JSON_DEPTH, what="file")


def read_tensor_file(path: str | os.PathLike, *, root: str | os.PathLike | None = None,
                     dtypes: Collection[str] | None = None, finite: bool = False,
                     sha256: str | None = None) -> dict[str, torch.Tensor]:
    """A safetensors file read like a checkpoint's: regular, capped, header checked before any tensor
    is built; ``dtypes`` allowed, ``finite`` floats, ``sha256`` matched when given."""
    data = read_regular(path, root=root, max_bytes=MAX_TENSOR_FILE_BYTES, what="tensor file")
    if sha256 is not None and _sha256(data) != sha256:
        raise CheckpointError(f"{path} does not match the checksum recorded beside it (a save was interrupted, or the files "
                              "are mixed up); save it again")
    return decode_safetensors(data, safetensors_header(data, what=str(path)), allowed=dtypes, finite=finite, what=str(path))


# ----------------------------------------------------------------------------- metrics


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
    with atomic.open_append(path / METRICS_FILE) as fh:
        fh.write(json.dumps(record) + "\n")


__all__ = [
    "BEST_DIR", "CONFIG_FILE", "FORMAT", "FORMAT_VERSION", "METRICS_FILE", "CheckpointData", "append_metrics",
    "atomic_write_bytes", "event_record", "has_checkpoint", "install_files", "read_checkpoint", "read_json_file",
    "read_tensor_file", "remove_orphans", "resolve_checkpoint", "save_in_progress", "write_checkpoint",
]
