"""Reading files a user may have crafted: bounded, regular files only, and safetensors decoded by hand.

Public API::

    read_regular(path, *, root=None, max_bytes, expect_size=None, what) -> bytearray
    read_json(path, *, root=None, max_bytes, max_depth, what) -> Any
    TensorInfo(dtype, shape, start, end)
    safetensors_header(data, *, what) -> dict[str, TensorInfo]       # validated against len(data)
    decode_safetensors(data, header, *, allowed, finite, what) -> dict[str, torch.Tensor]
    DTYPES                                                           # safetensors dtype name -> torch dtype
    FLOAT_DTYPES                                                     # the floating ones

Every refusal is a one-line :class:`~engine.errors.CheckpointError`.

- **Regular files only.** The file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with
  ``fstat`` before a byte is read: a FIFO (which would block the reader forever), a device such as
  ``/dev/zero`` (endless) or a directory is refused. ``O_NONBLOCK`` makes the open of a FIFO return
  at once instead of waiting for a writer; it changes nothing for regular files.
- **Symlinks stay inside.** With ``root`` given, a symlink is followed only when its target lies in
  ``root`` (the checkpoint folder); one that leaves it is refused. The resolved path is then opened
  with ``O_NOFOLLOW``, so a link swapped in after the check fails to open instead of being followed.
- **Bounded.** A file larger than ``max_bytes`` is refused from its ``fstat`` size, and the read
  stops at ``max_bytes`` however the file grows meanwhile.
- **safetensors by hand.** The 8-byte little-endian header length and the JSON header are checked
  (known dtype, non-negative integer shapes, ``numel × itemsize == end − start``, every range inside
  the file and no two overlapping) before any tensor is built, so a header cannot make the reader
  allocate more than the file holds. Tensors are copied out of the file's bytes (aligned, owned).
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection

import torch

from engine.errors import CheckpointError

DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}
FLOAT_DTYPES: frozenset[str] = frozenset({"F64", "F32", "F16", "BF16"})
_MAX_HEADER_BYTES = 100 << 20  # safetensors' own limit


def _fail(message: str) -> CheckpointError:
    return CheckpointError(" ".join(message.split()))


def _inside(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def _open_regular(path: Path, root: Path | None, what: str) -> tuple[int, os.stat_result]:
    """An fd on ``path``, which must be a regular file (inside ``root`` once symlinks are resolved)."""
    target = os.fspath(path)
    try:
        lst = os.lstat(target)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _fail(f"cannot read {what} {path} ({exc.strerror})") from None
    if stat.S_ISLNK(lst.st_mode):
        real = os.path.realpath(target)
        if root is not None and not _inside(real, os.path.realpath(root)):
            raise _fail(f"{what} {path} is a symlink that leaves the checkpoint folder (to {real}); refused")
        target = real
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _fail(f"cannot read {what} {path} ({exc.strerror or exc})") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
        raise _fail(f"{what} {path} is {kind}; a checkpoint holds regular files only")
    return fd, st


def read_regular(path: str | os.PathLike, *, root: str | os.PathLike | None = None, max_bytes: int,
                 expect_size: int | None = None, what: str = "file") -> bytearray:
    """The bytes of a regular file of at most ``max_bytes`` (see the module docstring), in a
    ``bytearray`` (writable, so that tensors can be built on it without a warning or a copy).
    ``expect_size``: the size the file must have (from a manifest), checked before reading.

    A missing file raises :class:`FileNotFoundError` (callers tell "incomplete" from "replaced
    meanwhile"); everything else that is wrong is a :class:`CheckpointError`.
    """
    path = Path(path)
    fd, st = _open_regular(path, Path(root) if root is not None else None, what)
    try:
        if st.st_size > max_bytes:
            raise _fail(f"{what} {path} is {st.st_size:,} bytes, more than the {max_bytes:,} a checkpoint may hold; refused")
        if expect_size is not None and st.st_size != expect_size:
            raise _fail(f"{what} {path} is {st.st_size:,} bytes but its checkpoint records {expect_size:,} "
                        "(truncated or overwritten); retrain or restore it")
        buf = bytearray(st.st_size)
        view, got = memoryview(buf), 0
        while got < st.st_size:
            n = os.readv(fd, [view[got:]])
            if n == 0:
                break  # shrank while being read: the size check below refuses it
            got += n
        if got != st.st_size or os.read(fd, 1):
            raise _fail(f"{what} {path} changed size while being read; try again")
        return buf
    finally:
        os.close(fd)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed JSON value (iterative: no recursion on hostile input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, d)
            if deepest > limit:
                return deepest
            stack.extend((child, d + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def read_json(path: str | os.PathLike, *, root: str | os.PathLike | None = None, max_bytes: int, max_depth: int,
              what: str = "file") -> Any:
    """A JSON file read with :func:`read_regular`; nesting deeper than ``max_depth`` is refused."""
    data = read_regular(path, root=root, max_bytes=max_bytes, what=what)
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise _fail(f"{what} {path} is nested too deeply; it is not a seq-explorer checkpoint") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail(f"{what} {path} is not valid JSON ({exc.__class__.__name__}); the checkpoint is damaged") from None
    if _depth(value, max_depth) > max_depth:
        raise _fail(f"{what} {path} is nested more than {max_depth} levels deep; it is not a seq-explorer checkpoint")
    return value


@dataclass(frozen=True)
class TensorInfo:
    """One entry of a safetensors header: ``data[start:end]`` (offsets after the header)."""

    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int


def safetensors_header(data: bytes | bytearray, *, what: str = "tensor file") -> dict[str, TensorInfo]:
    """Parse and check the header of a safetensors file held in ``data``; nothing is allocated
    beyond the header itself."""
    if len(data) < 8:
        raise _fail(f"{what} is truncated or corrupt (shorter than a safetensors header)")
    n = int.from_bytes(data[:8], "little")
    if n < 2 or n > _MAX_HEADER_BYTES or 8 + n > len(data):
        raise _fail(f"{what} is truncated or corrupt (header length {n:,} for a file of {len(data):,} bytes)")
    try:
        raw = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _fail(f"{what} is truncated or corrupt (its header is not JSON)") from None
    if not isinstance(raw, dict):
        raise _fail(f"{what} is corrupt (its header is not a JSON object)")
    body = len(data) - 8 - n
    out: dict[str, TensorInfo] = {}
    for name, entry in raw.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        except (TypeError, KeyError):
            raise _fail(f"{what} is corrupt (header entry {name!r} is malformed)") from None
        if dtype not in DTYPES:
            raise _fail(f"{what}: tensor {name} has dtype {dtype!r}, which seq-explorer does not read")
        if (not isinstance(shape, list) or len(shape) > 8
                or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= 1 << 40 for s in shape)):
            raise _fail(f"{what}: tensor {name} has an invalid shape {shape!r}")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
            raise _fail(f"{what}: tensor {name} has invalid data offsets {offsets!r}")
        start, end = offsets
        size = math.prod(shape) * DTYPES[dtype].itemsize
        if not 0 <= start <= end <= body or end - start != size:
            raise _fail(f"{what} is truncated or corrupt (tensor {name} {dtype}{tuple(shape)} does not fit its byte range)")
        out[name] = TensorInfo(dtype, tuple(shape), start, end)
    ranges = sorted((i.start, i.end) for i in out.values() if i.end > i.start)
    if any(a_end > b_start for (_, a_end), (b_start, _) in zip(ranges, ranges[1:])):
        raise _fail(f"{what} is corrupt (two tensors share bytes)")
    return out


def decode_safetensors(data: bytes | bytearray, header: dict[str, TensorInfo], *, allowed: Collection[str] | None = None,
                       finite: bool = False, what: str = "tensor file") -> dict[str, torch.Tensor]:
    """The tensors of a file whose header :func:`safetensors_header` returned.

    ``allowed``: the dtype names accepted (others are refused by name); ``finite``: refuse NaN or
    infinite values in floating tensors.
    """
    if sys.byteorder != "little":  # pragma: no cover - every platform torch ships for
        raise _fail("reading checkpoints needs a little-endian machine")
    base = 8 + int.from_bytes(data[:8], "little")
    if isinstance(data, bytes):
        data = bytearray(data)  # torch.frombuffer wants a writable buffer (the tensors are copied out anyway)
    out: dict[str, torch.Tensor] = {}
    for name, info in header.items():
        if allowed is not None and info.dtype not in allowed:
            raise _fail(f"{what}: tensor {name} has dtype {info.dtype}; this model expects {', '.join(sorted(allowed))}")
        dtype = DTYPES[info.dtype]
        count = math.prod(info.shape)
        if count == 0:
            tensor = torch.empty(info.shape, dtype=dtype)
        else:
            tensor = torch.frombuffer(data, dtype=dtype, count=count, offset=base + info.start).reshape(info.shape).clone()
        if finite and info.dtype in FLOAT_DTYPES and count and not bool(torch.isfinite(tensor).all()):
            raise _fail(f"{what}: tensor {name} holds NaN or infinite weights (the run diverged?); "
                        "this checkpoint cannot be used — retrain, or use an earlier checkpoint")
        out[name] = tensor
    return out
