"""Text for language models: vocabularies with UNK and EOS, tokenisers, streaming corpus readers.

Public API::

    Vocab(tokens, level, counts=None)      # index 0 is EOS "<eos>", index 1 is UNK "<unk>"
    Vocab.encode(tokens) / decode(ids) / tokenize(text) / join(tokens) / to_json() / from_json(d)
    tokenize(text, level) -> list[str]     # "char": one token per character; "word": words and punctuation
    read_lines(path, encoding="utf-8")     # streams a file line by line; one-line InputError on bad input
    check_encoding(name) -> str            # a text encoding Python knows, else InputError(field="encoding")
    remove_orphan_token_files() -> list[str]   # temporary token files whose process is gone
    build_vocab(lines, level, max_size=None, min_count=1) -> Vocab          # one streaming pass
    encode_corpus(path, vocab, ...) -> EncodedCorpus                         # a second streaming pass

Each training sequence ``y⟨1⟩ … y⟨T⟩`` is a line followed by EOS (``"line"`` mode: one name, one
sentence) or a fixed-length window over the whole token stream in which every line end is an EOS
(``"stream"`` mode, char-rnn style, for running text such as Shakespeare). The model reads
``x⟨1⟩ = 0`` and ``x⟨t⟩ = y⟨t−1⟩``; that shift is done by the model, not here.

Memory: a file is never read at once, nor a line: lines are read with a bounded buffer and a line
longer than :data:`engine.limits.MAX_LINE_CHARS` characters (a file without line breaks) is refused
with one line. The vocabulary is counted in one pass over the lines; the
encoded token ids are written in chunks, to a temporary memory-mapped file once the corpus has more
than ``spill_tokens`` tokens. That file (``seq-explorer-tokens-<pid>-*.i32`` in the temporary
folder) is unlinked as soon as it is created: it lives on through its open descriptor and mapping
only, so no crash can leave it behind. What does stay in memory is one (start, length) pair per sequence
(16 bytes a line or window: about 160 MB for a 1 GB character file in windows of 100) and, for small line corpora (≤ ``max_known_lines``), the set of lines used to
mark samples as new or seen.

The train/validation split is reproducible: in line mode each line goes to validation with
probability ``val_fraction`` drawn from ``numpy.random.default_rng(split_seed)`` in file order; in
stream mode the last ``val_fraction`` of the tokens is the validation part (as char-rnn does).
"""

from __future__ import annotations

import os
import re
import tempfile
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal, Sequence

import numpy as np

from engine.errors import InputError
from engine.limits import MAX_VOCAB_SIZE, is_int
from engine.text_files import check_encoding, check_text_file, read_lines  # noqa: F401 - public API of this module

Level = Literal["char", "word"]
LEVELS: tuple[str, ...] = ("char", "word")
EOS = "<eos>"
UNK = "<unk>"
EOS_ID = 0
UNK_ID = 1
_WORD_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = set(".,;:!?)]}'’%")


def tokenize(text: str, level: str) -> list[str]:
    """Split ``text`` into tokens: characters, or words and punctuation marks."""
    if level == "char":
        return list(text)
    if level == "word":
        return _WORD_RE.findall(text)
    raise InputError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")


def join_tokens(tokens: Sequence[str], level: str) -> str:
    """Inverse of :func:`tokenize` as far as possible (words: no space before punctuation)."""
    if level == "char":
        return "".join(tokens)
    out: list[str] = []
    for tok in tokens:
        if out and not (tok and tok[0] in _NO_SPACE_BEFORE) and out[-1] not in "([{":
            out.append(" ")
        out.append(tok)
    return "".join(out)


class Vocab:
    """Token ↔ index map. ``EOS`` is index 0 and ``UNK`` index 1, then the corpus tokens.

    Unknown tokens encode to ``UNK_ID``. Character vocabularies list their characters in sorted
    order (as the course does); word vocabularies by decreasing count, ties alphabetically.
    """

    def __init__(self, tokens: Sequence[str], level: str, counts: Sequence[int] | None = None) -> None:
        if level not in LEVELS:
            raise InputError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
        tokens = list(tokens)
        if tokens[:2] != [EOS, UNK]:
            if counts is not None:
                counts = [0, 0] + [c for t, c in zip(tokens, counts) if t not in (EOS, UNK)]
            tokens = [EOS, UNK] + [t for t in tokens if t not in (EOS, UNK)]
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.level = level
        self.counts: tuple[int, ...] | None = tuple(counts) if counts is not None else None
        self.index: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise InputError("vocabulary has repeated tokens")

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self.index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and (self.tokens, self.level) == (other.tokens, other.level)

    def __repr__(self) -> str:
        return f"Vocab({len(self)} {self.level} tokens)"

    def tokenize(self, text: str) -> list[str]:
        return tokenize(text, self.level)

    def join(self, tokens: Sequence[str]) -> str:
        return join_tokens(tokens, self.level)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Token indices; tokens outside the vocabulary become ``UNK_ID``."""
        get = self.index.get
        return [get(t, UNK_ID) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]

    def to_json(self) -> dict:
        return {"level": self.level, "tokens": list(self.tokens), "counts": list(self.counts) if self.counts else None}

    @classmethod
    def from_json(cls, data: dict) -> "Vocab":
        """The inverse of :meth:`to_json`; malformed data (a crafted checkpoint) is one InputError."""
        if not isinstance(data, dict):
            raise InputError("vocabulary JSON is malformed (not an object); rebuild the checkpoint")
        tokens, level, counts = data.get("tokens"), data.get("level"), data.get("counts")
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise InputError("vocabulary JSON is malformed (tokens must be a list of strings); rebuild the checkpoint")
        if len(tokens) > MAX_VOCAB_SIZE:
            raise InputError(f"the vocabulary has {len(tokens):,} tokens, more than the {MAX_VOCAB_SIZE:,} allowed")
        if counts is not None and (not isinstance(counts, list) or len(counts) != len(tokens)
                                   or not all(is_int(c) and c >= 0 for c in counts)):
            raise InputError("vocabulary JSON is malformed (counts must be one non-negative integer per token); rebuild the checkpoint")
        if level not in LEVELS:
            raise InputError(f"vocabulary JSON is malformed (level must be one of {', '.join(LEVELS)}, got {level!r})")
        return cls(tokens, level, counts)


# ----------------------------------------------------------------------------- vocabulary
# (the file readers check_encoding, check_text_file and read_lines are in engine.text_files)


def build_vocab(
    lines: Iterable[str], level: str, *, max_size: int | None = None, min_count: int = 1, skip_blank: bool = True
) -> Vocab:
    """Count tokens in one pass and keep those with ``count ≥ min_count`` (at most ``max_size``).

    ``max_size`` counts the corpus tokens only, not EOS and UNK.
    """
    counts: Counter[str] = Counter()
    n_lines = 0
    for line in lines:
        if skip_blank and not line.strip():
            continue
        n_lines += 1
        counts.update(tokenize(line, level))
    if not counts:
        raise InputError("the corpus has no text; give a file with at least one non-empty line")
    kept = [(t, c) for t, c in counts.items() if c >= min_count and t not in (EOS, UNK)]
    if not kept:
        top = max(counts.values())
        raise InputError(f"min_count {min_count} leaves an empty vocabulary (the commonest token occurs {top} times); "
                         f"lower min_count to at most {top}", field="min_count")
    if level == "char":
        kept.sort(key=lambda tc: (-tc[1], tc[0]))
        kept = kept[:max_size] if max_size else kept
        kept.sort(key=lambda tc: tc[0])
    else:
        kept.sort(key=lambda tc: (-tc[1], tc[0]))
        kept = kept[:max_size] if max_size else kept
    return Vocab([EOS, UNK] + [t for t, _ in kept], level, [0, 0] + [c for _, c in kept])


# ----------------------------------------------------------------------------- encoded corpus


@dataclass
class EncodedCorpus:
    """A corpus as one stream of token ids plus the (start, length) spans of its sequences.

    ``tokens`` may be a memory-mapped array (large corpora); call :meth:`close` to remove its file.
    """

    vocab: Vocab
    tokens: np.ndarray  # (N,) int32
    train_spans: np.ndarray  # (S_train, 2) int64: start, length (EOS included where the line ends)
    val_spans: np.ndarray  # (S_val, 2)
    known_lines: frozenset[str] | None = None
    n_lines: int = 0
    _tmpfile: str | None = field(default=None, repr=False)

    @property
    def n_tokens(self) -> int:
        return int(self.tokens.shape[0])

    def batch(self, spans: np.ndarray, pad: int = -100) -> np.ndarray:
        """Targets ``y`` for these spans as a (B, T_max) int64 array padded with ``pad``."""
        lengths = spans[:, 1]
        out = np.full((len(spans), int(lengths.max())), pad, dtype=np.int64)
        for row, (start, length) in enumerate(spans):
            out[row, :length] = self.tokens[start : start + length]
        return out

    def close(self) -> None:
        """Release the token ids; a spilled corpus's file (already unlinked) goes with its mapping."""
        if isinstance(self.tokens, np.memmap):
            self.tokens = np.zeros(0, dtype=np.int32)
        if self._tmpfile:
            self.tokens = np.zeros(0, dtype=np.int32)
            try:
                os.unlink(self._tmpfile)
            except OSError:
                pass
            self._tmpfile = None


TOKEN_FILE_PREFIX = "seq-explorer-tokens-"
_TOKEN_FILE = re.compile(r"^seq-explorer-tokens-(\d+)-.*\.i32$")


def remove_orphan_token_files(folder: str | None = None) -> list[str]:
    """Remove ``seq-explorer-tokens-<pid>-*.i32`` files of processes that are gone (from the temporary
    folder, or ``folder``). Token files are unlinked as soon as they are made, so only a process
    killed in that instant leaves one. Older files without a pid in their name are left alone: their
    owner cannot be told. Returns the paths removed."""
    folder = folder or tempfile.gettempdir()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TOKEN_FILE.match(entry.name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # alive (or not ours to judge)
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_uid == os.getuid():
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            pass
    return removed


class _TokenWriter:
    """Collects token ids in memory, spilling to an unlinked temporary file past ``spill_tokens``."""

    def __init__(self, spill_tokens: int) -> None:
        self.spill = spill_tokens
        self.chunks: list[np.ndarray] = []
        self.buf = array("i")
        self.n = 0
        self.fh = None
        self.path: str | None = None

    def extend(self, ids: list[int]) -> None:
        self.buf.extend(ids)
        self.n += len(ids)
        if len(self.buf) >= 65536:
            self._flush()

    def _flush(self) -> None:
        if not self.buf:
            return
        chunk = np.frombuffer(self.buf, dtype=np.int32).copy()
        self.buf = array("i")
        if self.fh is None and self.n > self.spill:
            fd, path = tempfile.mkstemp(prefix=f"{TOKEN_FILE_PREFIX}{os.getpid()}-", suffix=".i32")
            os.unlink(path)  # lives on through fd and, later, the memory map: nothing to clean up, ever
            self.fh = os.fdopen(fd, "w+b")
            for c in self.chunks:
                self.fh.write(c.tobytes())
            self.chunks = []
        if self.fh is not None:
            self.fh.write(chunk.tobytes())
        else:
            self.chunks.append(chunk)

    def discard(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    def finish(self) -> tuple[np.ndarray, str | None]:
        self._flush()
        if self.fh is not None:
            self.fh.flush()
            tokens = np.memmap(self.fh, dtype=np.int32, mode="r", shape=(self.n,))  # mmap keeps its own fd
            self.fh.close()
            self.fh = None
            return tokens, None
        return (np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int32)), None


def encode_corpus(
    lines: Iterable[str],
    vocab: Vocab,
    *,
    sequence: Literal["line", "stream"] = "line",
    seq_len: int = 100,
    val_fraction: float = 0.1,
    split_seed: int = 0,
    spill_tokens: int = 20_000_000,
    max_known_lines: int = 200_000,
) -> EncodedCorpus:
    """Encode ``lines`` (one streaming pass) into token ids and train/validation spans.

    Line mode: blank lines are skipped, each line becomes ``tokens + [EOS]``, cut into pieces of
    at most ``seq_len`` tokens. Stream mode: every line (blank ones too) adds ``tokens + [EOS]`` to
    one stream, cut into windows of ``seq_len`` tokens.
    """
    if sequence not in ("line", "stream"):
        raise InputError(f"sequence must be 'line' or 'stream', got {sequence!r}")
    writer = _TokenWriter(spill_tokens)
    spans = (array("q"), array("i"), array("q"), array("i"))  # train starts, lengths; val starts, lengths
    try:
        n_lines, known = _encode_lines(lines, vocab, writer, sequence, seq_len, val_fraction, split_seed, max_known_lines, spans)
        tokens, tmp = writer.finish()
    except BaseException:  # a decoding error half-way: remove the temporary file
        writer.discard()
        raise
    if n_lines == 0:
        writer.discard()
        raise InputError("the corpus has no text; give a file with at least one non-empty line")
    if sequence == "stream":
        n_val = int(round(len(tokens) * val_fraction))
        cut = len(tokens) - n_val
        train, val = _windows(0, cut, seq_len), _windows(cut, len(tokens), seq_len)
    else:
        train, val = _spans(spans[0], spans[1]), _spans(spans[2], spans[3])
    if len(val) == 0 and len(train) > 1:  # a tiny corpus: keep at least one validation sequence
        train, val = train[:-1], train[-1:]
    return EncodedCorpus(vocab, tokens, train, val, known, n_lines, tmp)


def training_line_flags(split_seed: int, val_fraction: float) -> Iterator[bool]:
    """Line corpora: for each successive non-blank line, True when it goes to the training split.

    The split of :func:`encode_corpus` (one uniform draw per line from ``split_seed``; a draw
    below ``val_fraction`` sends the line to validation), so the lines a model was trained on
    can be told again from its corpus, seed and fraction.
    """
    rng = np.random.default_rng(split_seed)
    while True:
        for draw in rng.random(4096).tolist():
            yield draw >= val_fraction


def _encode_lines(lines, vocab, writer, sequence, seq_len, val_fraction, split_seed, max_known_lines, spans):
    train_s, train_l, val_s, val_l = spans
    flags = training_line_flags(split_seed, val_fraction)
    # The training split's lines: samples are marked new or seen against these, not the validation lines.
    known: set[str] | None = set() if sequence == "line" else None
    n_lines = 0
    for line in lines:
        if sequence == "line" and not line.strip():
            continue
        ids = vocab.encode(tokenize(line, vocab.level))
        ids.append(EOS_ID)
        start = writer.n
        writer.extend(ids)
        n_lines += 1
        if sequence == "stream":
            continue
        to_val = not next(flags)
        if known is not None and not to_val:
            known.add(line.strip())
            if len(known) > max_known_lines:
                known = None
        starts, lens = (val_s, val_l) if to_val else (train_s, train_l)
        for off in range(0, len(ids), seq_len):
            starts.append(start + off)
            lens.append(min(seq_len, len(ids) - off))
    return n_lines, (frozenset(known) if known is not None else None)


def _windows(lo: int, hi: int, seq_len: int) -> np.ndarray:
    """(start, length) of consecutive windows of ``seq_len`` tokens over ``[lo, hi)``."""
    starts = np.arange(lo, hi, seq_len, dtype=np.int64)
    return np.stack([starts, np.minimum(seq_len, hi - starts)], axis=1) if len(starts) else np.zeros((0, 2), np.int64)


def _spans(starts: array, lens: array) -> np.ndarray:
    out = np.zeros((len(starts), 2), dtype=np.int64)
    if len(starts):
        out[:, 0] = np.frombuffer(starts, dtype=np.int64)
        out[:, 1] = np.frombuffer(lens, dtype=np.int32)
    return out
