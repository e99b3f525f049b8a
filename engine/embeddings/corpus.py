"""Streaming corpus reader for word2vec: text files (plain or ``.gz``) → sentences of tokens.

Public API::

    CorpusOptions(lowercase=True, punctuation="strip", max_sentence_length=10_000)
    iter_sentences(source, options) -> Iterator[list[str]]
    default_corpus_paths() -> tuple[Path, ...]      # the bundled assets/word2vec corpus
    corpus_files(spec) -> tuple[Path, ...]           # "default" or a path, checked
    SentenceFiles(paths, options)                    # re-iterable: every iteration re-reads the files

(Named apart from the language model's :func:`engine.corpora.resolve_corpus`, a different function.)

A *sentence* is a paragraph: the lines between two blank lines (the Gutenberg books wrap
their lines at ~70 characters, so one line per sentence would cut most context windows in
two). Paragraphs longer than ``max_sentence_length`` tokens are cut into pieces, as gensim
cuts sentences at 10,000 words. Files are read line by line (never whole), decoded as
strict UTF-8: a file that is not UTF-8 is an :class:`InputError` naming it.

``source`` may also be any iterable of strings (lines), so tests and callers can stream
text from memory or a generator.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Literal, Sequence

from engine.errors import InputError

Punctuation = Literal["strip", "keep", "split"]
PUNCTUATION_MODES: tuple[str, ...] = ("strip", "keep", "split")

# Words: letters/digits, with inner apostrophes or hyphens kept ("don't", "well-known").
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# "split": words as above plus every other non-space character as its own token.
_WORD_OR_PUNCT = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*|[^\w\s]")


@dataclass(frozen=True)
class CorpusOptions:
    """How raw text becomes tokens."""

    lowercase: bool = True
    """Fold case ("The" and "the" are one word), as word2vec corpora usually are."""
    punctuation: Punctuation = "strip"
    """``strip``: keep words only (letters/digits with inner ' or -); ``split``: punctuation
    marks become tokens of their own; ``keep``: split on whitespace only, punctuation stays
    glued to words (``"said,"``)."""
    max_sentence_length: int = 10_000
    """Paragraphs longer than this many tokens are cut (gensim's ``MAX_WORDS_IN_BATCH``)."""

    def __post_init__(self) -> None:
        if self.punctuation not in PUNCTUATION_MODES:
            raise InputError(
                f"punctuation must be one of {', '.join(PUNCTUATION_MODES)}, got {self.punctuation!r}"
            )
        if self.max_sentence_length < 1:
            raise InputError(f"max_sentence_length must be >= 1, got {self.max_sentence_length}")


def tokenize(line: str, options: CorpusOptions = CorpusOptions()) -> list[str]:
    """Tokens of one line of text under ``options``."""
    if options.lowercase:
        line = line.lower()
    if options.punctuation == "keep":
        return line.split()
    if options.punctuation == "split":
        return _WORD_OR_PUNCT.findall(line)
    return _WORD.findall(line)


def _open_lines(path: Path) -> Iterator[str]:
    """Lines of a plain or gzip file, decoded strictly as UTF-8, read lazily."""
    if not path.exists():
        raise InputError(f"corpus file {str(path)!r} does not exist; give a text file (or .gz) or 'default'")
    if path.is_dir():
        raise InputError(f"corpus {str(path)!r} is a folder; give a text file (or .gz) or 'default'")
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    with raw, io.TextIOWrapper(raw, encoding="utf-8", errors="strict") as text:
        lineno = 0
        try:
            for lineno, line in enumerate(text, 1):  # noqa: B007 - used in the error below
                yield line
        except UnicodeDecodeError as exc:
            raise InputError(
                f"corpus file {str(path)!r} is not UTF-8 text (bad byte near line {lineno + 1}); "
                "convert it to UTF-8 first"
            ) from exc
        except (gzip.BadGzipFile, EOFError) as exc:
            raise InputError(f"corpus file {str(path)!r} is not a readable gzip file: {exc}") from exc


def _lines(source: str | Path | Sequence[str | Path] | Iterable[str]) -> Iterator[str]:
    if isinstance(source, (str, Path)):
        yield from _open_lines(Path(source))
        return
    items = list(source) if isinstance(source, (list, tuple)) else None
    if items is not None and items and all(isinstance(p, Path) for p in items):
        for p in items:
            yield from _open_lines(p)
            yield "\n"  # a file boundary ends a paragraph
        return
    for line in (items if items is not None else source):  # an iterable of text lines
        yield line


def iter_sentences(
    source: str | Path | Sequence[Path] | Iterable[str],
    options: CorpusOptions = CorpusOptions(),
) -> Iterator[list[str]]:
    """Yield sentences (paragraphs, lists of tokens) from ``source``, streaming.

    ``source`` is a path, a list of paths (read one after another), or an iterable of text
    lines (a list, a generator: anything; only one paragraph is held at a time).
    """
    limit = options.max_sentence_length
    current: list[str] = []
    for line in _lines(source):
        if not line.strip():
            if current:
                yield from _cut(current, limit)
                current = []
            continue
        current.extend(tokenize(line, options))
        if len(current) >= 4 * limit:  # a huge paragraph: do not let it grow unbounded
            full = len(current) - len(current) % limit
            yield from _cut(current[:full], limit)
            current = current[full:]
    if current:
        yield from _cut(current, limit)


def _cut(tokens: list[str], limit: int) -> Iterator[list[str]]:
    for start in range(0, len(tokens), limit):
        yield tokens[start : start + limit]


DEFAULT_CORPUS_FILES: tuple[str, ...] = ("gutenberg_part1.txt.gz", "enwiki_2016_sample.txt.gz")


def default_corpus_paths() -> tuple[Path, ...]:
    """The bundled corpus: 46 Gutenberg books + 106 Wikipedia articles (≈ 5.1M words)."""
    from engine.assets import asset_path

    return tuple(asset_path("word2vec", name) for name in DEFAULT_CORPUS_FILES)


def corpus_files(spec: str | Path) -> tuple[Path, ...]:
    """``"default"`` → the bundled files; otherwise a path that must be a readable file."""
    if str(spec) == "default":
        paths = default_corpus_paths()
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise InputError(f"the bundled corpus is missing ({', '.join(missing)}); reinstall seq-explorer "
                             "or set corpus to a text file", field="corpus")
        return paths
    path = Path(spec).expanduser()
    if not path.exists():
        raise InputError(f"corpus file {str(path)!r} does not exist; give a text file (or .gz) or 'default'",
                         field="corpus")
    if not path.is_file():
        raise InputError(f"corpus {str(path)!r} is not a file; give a text file (or .gz) or 'default'", field="corpus")
    if path.stat().st_size == 0:
        raise InputError(f"corpus file {str(path)!r} is empty; give a text file with some words", field="corpus")
    return (path,)



class SentenceFiles:
    """The sentences of corpus files, re-read from disk on every iteration (nothing is kept).

    word2vec and GloVe iterate it once to count words and once per training pass, so a corpus of
    any size needs only one paragraph in memory at a time.
    """

    def __init__(self, paths: Sequence[Path], options: CorpusOptions = CorpusOptions()) -> None:
        self.paths = tuple(Path(p) for p in paths)
        self.options = options

    def __iter__(self) -> Iterator[list[str]]:
        return iter_sentences(self.paths, self.options)

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.paths)
