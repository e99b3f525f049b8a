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
"""

from __future__ import annotations

import json
import os
from typing import Literal

import numpy as np

from engine.embeddings.vectors import WordVectors
from engine.errors import InputError

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
    from safetensors.numpy import save_file

    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(f"{path} is a file; the project format needs a directory")
    os.makedirs(path, exist_ok=True)
    tensors = {"vectors": np.ascontiguousarray(wv.vectors, dtype=np.float32)}
    if wv.counts is not None:
        tensors["counts"] = np.ascontiguousarray(wv.counts, dtype=np.int64)
    save_file(tensors, os.path.join(path, VECTORS_FILE), metadata={"format": FORMAT_NAME})
    vocab = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "name": wv.name, "dim": wv.dim,
             "words": list(wv.words)}
    with open(os.path.join(path, VOCAB_FILE), "w", encoding="utf8") as out:
        json.dump(vocab, out, ensure_ascii=False)


def _load_project(path: str) -> WordVectors:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    vec_path, vocab_path = os.path.join(path, VECTORS_FILE), os.path.join(path, VOCAB_FILE)
    missing = [name for name, p in ((VECTORS_FILE, vec_path), (VOCAB_FILE, vocab_path)) if not os.path.exists(p)]
    if missing:
        raise InputError(f"{path} holds no saved vectors (missing {', '.join(missing)}); {_WHERE}")
    try:
        with open(vocab_path, encoding="utf8") as fin:
            vocab = json.load(fin)
        tensors = load_file(vec_path)
    except (json.JSONDecodeError, UnicodeDecodeError, SafetensorError) as exc:
        raise InputError(f"{path} holds damaged vectors ({_first_line(exc)}); save them again") from None
    words = vocab.get("words") if isinstance(vocab, dict) else None
    if not isinstance(words, list) or "vectors" not in tensors:
        raise InputError(f"{path} is not a saved-vectors directory (no word list or no 'vectors' tensor)")
    vectors = tensors["vectors"]
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise InputError(f"{path}: {len(words)} words but vectors of shape {vectors.shape}; save them again")
    name = vocab.get("name") or os.path.basename(os.path.normpath(path))
    return WordVectors(words, vectors, counts=tensors.get("counts"), name=str(name))


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


def _load_word2vec_text(path: str) -> WordVectors:
    words: list[str] = []
    rows: list[list[float]] = []
    with open(path, "rb") as fin:
        lines = fin.read().splitlines()
    if not lines:
        raise InputError(f"{path} is empty; {_WHERE}")
    header = _header(lines[0])
    body = lines[1:] if header else lines
    dim = header[1] if header else len(lines[0].split()) - 1
    for line_no, raw in enumerate(body, start=2 if header else 1):
        parts = raw.rstrip().split(b" ")
        if len(parts) == 1 and not parts[0]:
            continue
        if len(parts) != dim + 1:
            raise InputError(f"{path} line {line_no}: expected a word and {dim} numbers, got {len(parts)} fields")
        try:
            words.append(parts[0].decode("utf8"))
            rows.append([float(x) for x in parts[1:]])
        except (UnicodeDecodeError, ValueError):
            raise InputError(f"{path} line {line_no} is not a word followed by numbers") from None
    if header and len(words) != header[0]:
        raise InputError(f"{path}: the header promises {header[0]} words but the file has {len(words)}")
    if not words:
        raise InputError(f"{path} holds no vectors")
    return WordVectors(words, np.array(rows, dtype=np.float32), name=path)


def _load_word2vec_binary(path: str) -> WordVectors:
    with open(path, "rb") as fin:
        data = fin.read()
    end = data.find(b"\n")
    header = _header(data[:end]) if end >= 0 else None
    if header is None:
        raise InputError(f"{path} is not a word2vec file (its first line must be 'words dimensions'); {_WHERE}")
    count, dim = header
    width = 4 * dim
    pos = end + 1
    words: list[str] = []
    vectors = np.empty((count, dim), dtype=np.float32)
    for i in range(count):
        while pos < len(data) and data[pos : pos + 1] == b"\n":
            pos += 1
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + width > len(data):
            raise InputError(f"{path} is truncated: the header promises {count} words, found {i}")
        try:
            words.append(data[pos:space].decode("utf8"))
        except UnicodeDecodeError:
            raise InputError(f"{path}: word {i + 1} is not UTF-8; is this a word2vec binary file?") from None
        vectors[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + width
    return WordVectors(words, vectors, name=path)
