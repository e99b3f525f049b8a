"""Saving and loading word vectors: the project's format and the two word2vec formats.

- **project** (a directory): ``vectors.safetensors`` holds ``vectors`` (V, D) float32 and, when
  known, ``counts`` (V,) int64; ``vocab.json`` holds ``{"format": "seq-explorer-vectors",
  "version": 1, "name": ..., "dim": D, "words": [...]}`` in row order (most frequent first).
- **word2vec-text**: a header ``"V D"``, then one line per word: the word and D numbers,
  separated by spaces (``%.9g``, which gives float32 back exactly). Headerless files such as
  the original GloVe ``.txt`` are read too.
- **word2vec-binary**: the header line, then per word the word, a space, D little-endian
  float32 and a newline, exactly as the original C tool's ``word2vec -binary 1`` writes it
  (and as its ``distance`` / ``word-analogy`` programs and gensim's
  ``KeyedVectors.load_word2vec_format(binary=True)`` read it).

:func:`load_vectors` accepts ``"glove"`` (the pretrained default), a project directory, or a
word2vec file (``.bin`` is binary; anything else is sniffed: text when its first line is text).

Hostile files are refused with one line, in bounded memory: only regular files are read (a FIFO or
a device is refused before it is opened); the project directory goes through the checkpoint
readers (:func:`engine.checkpoint.read_json_file`, :func:`~engine.checkpoint.read_tensor_file`:
size caps, no symlink out of the folder, safetensors header checked, float vectors only, finite);
a word2vec header (``count dim``) must fit the file's size before anything is allocated, and the
files are read through a memory map (binary) or line by line (text), never whole. A project
directory is saved file by file through temporary files, ``vocab.json`` last and recording the
SHA-256 of ``vectors.safetensors``, under the folder's lock: a save torn by a crash between the two
renames is detected on load instead of pairing words with the wrong vectors.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import stat
from typing import Literal

import numpy as np

from engine.embeddings.vectors import WordVectors
from engine.errors import CheckpointError, InputError
from engine.limits import MAX_EMBEDDING_DIM

VECTORS_FILE = "vectors.safetensors"
VOCAB_FILE = "vocab.json"
FORMAT_NAME = "seq-explorer-vectors"
FORMAT_VERSION = 1
Format = Literal["project", "word2vec-text", "word2vec-binary"]
FORMATS: tuple[str, ...] = ("project", "word2vec-text", "word2vec-binary")

_WHERE = "use glove, a directory saved by `word2vec train`, or a word2vec .txt/.bin file"


def load_vectors(path_or_name: str) -> WordVectors:
    """Vectors named ``"glove"``, or read from a project directory or a word2vec file."""
    if path_or_name == "glove":
        from engine.embeddings.glove import load_glove

        return load_glove()
    path = os.path.expanduser(str(path_or_name))
    if os.path.isdir(path):
        return _load_project(path)
    if not os.path.exists(path):
        raise InputError(f"no embeddings at {path_or_name}; {_WHERE}")
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the reader, a device never end
        raise InputError(f"{path} is not a regular file (a pipe or a device); {_WHERE}")
    if path.endswith(".bin") or not _looks_like_text(path):
        return _load_word2vec_binary(path)
    return _load_word2vec_text(path)


def save_vectors(wv: WordVectors, path: str, format: Format = "project") -> str:
    """Write ``wv`` to ``path`` (a directory for "project", a file otherwise); returns the path."""
    if format not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    path = os.path.expanduser(str(path))
    if format == "project":
        _save_project(wv, path)
        return path
    for word in wv.words:
        if not word or any(ch.isspace() for ch in word):
            raise InputError(f"the word2vec formats cannot hold the word {word!r} (empty or with spaces); "
                             "save in the project format instead")
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    vectors = np.asarray(wv.vectors, dtype=np.float32)
    with open(path, "wb") as out:
        out.write(f"{len(wv)} {wv.dim}\n".encode())
        if format == "word2vec-text":
            for word, row in zip(wv.words, vectors):
                out.write((word + " " + " ".join(f"{x:.9g}" for x in row.tolist()) + "\n").encode("utf8"))
        else:
            little = vectors.astype("<f4", copy=False)
            for word, row in zip(wv.words, little):
                out.write(word.encode("utf8") + b" " + row.tobytes() + b"\n")
    return path


# ------------------------------------------------------------------------- project


def _save_project(wv: WordVectors, path: str) -> None:
    from safetensors.numpy import save as st_save

    from engine.checkpoint import install_files

    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"{path} is a file; the project format needs a directory")
    tensors = {"vectors": np.ascontiguousarray(wv.vectors, dtype=np.float32)}
    if wv.counts is not None:
        tensors["counts"] = np.ascontiguousarray(wv.counts, dtype=np.int64)
    data = st_save(tensors, metadata={"format": FORMAT_NAME})
    vocab = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "name": wv.name, "dim": wv.dim,
             "vectors_sha256": hashlib.sha256(data).hexdigest(), "words": list(wv.words)}
    install_files(path, {VECTORS_FILE: data, VOCAB_FILE: json.dumps(vocab, ensure_ascii=False).encode("utf8")},
                  commit=VOCAB_FILE)


def _load_project(path: str) -> WordVectors:
    from engine.checkpoint import read_json_file, read_tensor_file

    vec_path, vocab_path = os.path.join(path, VECTORS_FILE), os.path.join(path, VOCAB_FILE)
    missing = [name for name, p in ((VECTORS_FILE, vec_path), (VOCAB_FILE, vocab_path)) if not os.path.lexists(p)]
    if missing:
        raise InputError(f"{path} holds no saved vectors (missing {', '.join(missing)}); {_WHERE}")
    try:
        vocab = read_json_file(vocab_path, root=path)
        sha = vocab.get("vectors_sha256") if isinstance(vocab, dict) else None
        tensors = read_tensor_file(vec_path, root=path, dtypes=("F32", "F16", "BF16", "F64", "I64", "I32"),
                                   sha256=sha if isinstance(sha, str) else None)
    except FileNotFoundError:
        raise InputError(f"{path} lost a file while it was read; try again") from None
    except CheckpointError as exc:
        raise InputError(f"{path} holds damaged vectors ({_first_line(exc)}); save them again") from None
    words = vocab.get("words") if isinstance(vocab, dict) else None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words) or "vectors" not in tensors:
        raise InputError(f"{path} is not a saved-vectors directory (no word list or no 'vectors' tensor)")
    vectors = tensors["vectors"]
    if not vectors.is_floating_point() or vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise InputError(f"{path}: {len(words)} words but vectors of shape {tuple(vectors.shape)} "
                         f"({str(vectors.dtype).replace('torch.', '')}); save them again")
    if not bool(vectors.isfinite().all()):
        raise InputError(f"{path}: the vectors hold NaN or infinite values (the training diverged?); train them again")
    counts = tensors.get("counts")
    if counts is not None and (counts.is_floating_point() or tuple(counts.shape) != (len(words),)):
        raise InputError(f"{path}: counts of shape {tuple(counts.shape)} do not match {len(words)} words; save them again")
    name = vocab.get("name") or os.path.basename(os.path.normpath(path))
    return WordVectors(words, vectors.float().numpy(), counts=None if counts is None else counts.numpy(), name=str(name))


# ------------------------------------------------------------------------- word2vec


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _looks_like_text(path: str) -> bool:
    with open(path, "rb") as fin:
        head = fin.read(4096)
    first, _, rest = head.partition(b"\n")
    try:
        first.decode("utf8")
        (rest[:512]).decode("utf8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def _header(line: bytes) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _check_header(path: str, count: int, dim: int, body: int, least_per_row: int) -> None:
    """Refuse a header that the file cannot hold (``least_per_row`` bytes a word at the least) before
    anything of ``count × dim`` is allocated."""
    if not 1 <= dim <= MAX_EMBEDDING_DIM:
        raise InputError(f"{path}: the header gives dimension {dim:,}; it must be in 1..{MAX_EMBEDDING_DIM:,}")
    if count < 1 or count * least_per_row > body:
        raise InputError(f"{path} is truncated or not a word2vec file: the header promises {count:,} words of dimension "
                         f"{dim:,}, which needs at least {count * least_per_row:,} bytes, and the file has {body:,}")


def _load_word2vec_text(path: str) -> WordVectors:
    """Line by line, into a matrix no larger than the file can fill (whatever its header says); a
    headerless file (GloVe's) grows its matrix in blocks."""
    size = os.path.getsize(path)
    words: list[str] = []
    with open(path, "rb") as fin:
        first = fin.readline(1 << 20)
        if not first.strip():
            raise InputError(f"{path} is empty; {_WHERE}")
        header = _header(first)
        if header:
            count, dim = header
            if not 1 <= dim <= MAX_EMBEDDING_DIM:
                raise InputError(f"{path}: the header gives dimension {dim:,}; it must be in 1..{MAX_EMBEDDING_DIM:,}")
            fits = (size - len(first)) // (2 * dim + 2)  # "w x x …\n": 2 bytes a number, 2 more: no file holds more rows
            rows = np.empty((max(1, min(count, fits)), dim), dtype=np.float32)  # what a lying header cannot inflate
            lines, line_no = iter(lambda: fin.readline(64 * dim + 1024), b""), 2
        else:
            dim = len(first.split()) - 1
            if not 1 <= dim <= MAX_EMBEDDING_DIM:
                raise InputError(f"{path} line 1 is not a word followed by numbers; {_WHERE}")
            count, rows = None, np.empty((1024, dim), dtype=np.float32)
            lines, line_no = _chain(first, iter(lambda: fin.readline(64 * dim + 1024), b"")), 1
        for raw in lines:
            parts = raw.rstrip().split(b" ")
            if len(parts) == 1 and not parts[0]:
                line_no += 1
                continue
            if len(parts) != dim + 1:
                raise InputError(f"{path} line {line_no}: expected a word and {dim} numbers, got {len(parts)} fields")
            i = len(words)
            if count is not None and i >= count:
                raise InputError(f"{path}: the header promises {count} words but the file has more")
            if i == len(rows):
                rows = np.concatenate([rows, np.empty_like(rows)])
            try:
                words.append(parts[0].decode("utf8"))
                rows[i] = np.array(parts[1:]).astype(np.float32)
            except (UnicodeDecodeError, ValueError):
                raise InputError(f"{path} line {line_no} is not a word followed by numbers") from None
            line_no += 1
    if header and len(words) != header[0]:
        raise InputError(f"{path}: the header promises {header[0]} words but the file has {len(words)}")
    if not words:
        raise InputError(f"{path} holds no vectors")
    return WordVectors(words, rows[: len(words)], name=path)


def _chain(first: bytes, rest):
    yield first
    yield from rest


def _load_word2vec_binary(path: str) -> WordVectors:
    """Through a memory map: the file is never copied whole, and the header must fit its size."""
    with open(path, "rb") as fin:
        size = os.fstat(fin.fileno()).st_size
        if size == 0:
            raise InputError(f"{path} is empty; {_WHERE}")
        with mmap.mmap(fin.fileno(), 0, access=mmap.ACCESS_READ) as data:
            end = data.find(b"\n", 0, 256)
            header = _header(data[:end]) if end >= 0 else None
            if header is None:
                raise InputError(f"{path} is not a word2vec file (its first line must be 'words dimensions'); {_WHERE}")
            count, dim = header
            width = 4 * dim
            _check_header(path, count, dim, size - end - 1, width + 2)  # "w " + 4·dim bytes (+ "\n")
            pos = end + 1
            words: list[str] = []
            vectors = np.empty((count, dim), dtype=np.float32)
            for i in range(count):
                while pos < size and data[pos : pos + 1] == b"\n":
                    pos += 1
                space = data.find(b" ", pos, pos + (1 << 16))
                if space < 0 or space + 1 + width > size:
                    raise InputError(f"{path} is truncated: the header promises {count} words, found {i}")
                try:
                    words.append(data[pos:space].decode("utf8"))
                except UnicodeDecodeError:
                    raise InputError(f"{path}: word {i + 1} is not UTF-8; is this a word2vec binary file?") from None
                vectors[i] = np.frombuffer(data[space + 1 : space + 1 + width], dtype="<f4")
                pos = space + 1 + width
    return WordVectors(words, vectors, name=path)
