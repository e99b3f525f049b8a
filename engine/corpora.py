"""Bundled corpora: names → files under ``assets/corpora`` and how each is read.

Public API::

    CORPUS_NAMES                                  # ("dinos", "names", "shakespeare")
    resolve_corpus(name_or_path) -> CorpusSpec    # a bundled name or a path to any text file

=============  =======================  ==========  ==========  =======================================
name           file                     case        sequences   what it is
=============  =======================  ==========  ==========  =======================================
dinos          corpora/dinos.txt        lower       line        1,536 dinosaur names (the course's)
names          corpora/names.txt        keep        line        32,033 US first names (makemore's)
shakespeare    corpora/tinyshakespeare  keep        stream      1.1 MB of Shakespeare (char-rnn's)
=============  =======================  ==========  ==========  =======================================

A user's file defaults to case "keep" and line sequences.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.assets import asset_path
from engine.errors import InputError


@dataclass(frozen=True)
class CorpusSpec:
    name: str
    """The bundled name, or the file's stem for a user file."""
    path: Path
    case: str = "keep"
    """Default letter case: "lower" lower-cases every line (the course does so for dinosaurs)."""
    sequence: str = "line"
    """Default sequence mode: "line" (one name/sentence each) or "stream" (running text)."""
    bundled: bool = False
    description: str = ""


_BUNDLED = {
    "dinos": ("dinos.txt", "lower", "line", "dinosaur names from the course's Dinosaurus Island exercise"),
    "names": ("names.txt", "keep", "line", "32,033 US first names (karpathy/makemore names.txt)"),
    "shakespeare": ("tinyshakespeare.txt", "keep", "stream", "tiny Shakespeare (karpathy/char-rnn)"),
}
CORPUS_NAMES: tuple[str, ...] = tuple(_BUNDLED)


def resolve_corpus(name_or_path: str) -> CorpusSpec:
    """Return the spec of a bundled corpus name, or of a user file path (not checked here)."""
    if name_or_path in _BUNDLED:
        file, case, sequence, desc = _BUNDLED[name_or_path]
        path = asset_path("corpora", file)
        if not path.exists():
            raise InputError(f"bundled corpus {name_or_path!r} is missing ({path}); reinstall seq-explorer")
        return CorpusSpec(name_or_path, path, case, sequence, True, desc)
    if not name_or_path:
        raise InputError(f"data must be one of {', '.join(CORPUS_NAMES)} or a path to a text file")
    path = Path(name_or_path).expanduser()
    return CorpusSpec(path.stem, path, "keep", "line", False, str(path))
