"""Named-entity data in the CoNLL format: one ``token<TAB>tag`` a line, BIO tags.

Public API::

    TaggedSentence(tokens, tags)                     # tuples of str
    read_conll(path) -> list[TaggedSentence]
    load_wnut(split) -> list[TaggedSentence]         # split: "train" | "dev" | "test"
    WNUT_TAGS                                        # "O", then B-/I- of the six WNUT-17 types
    case_feature(token) -> int                       # 0..4: lower, Capitalised, UPPER, digits, other

WNUT-17 (Derczynski et al. 2017, CC BY 4.0) tags emerging entities in tweets and forum posts:
person, location, group, corporation, product, creative-work. A sentence ends at an empty
line *or* at a line holding only a tab (the training file uses both). The three official
splits are used as they are: train to learn, dev to choose the best epoch, test to report.

The models read words lower-cased (so GloVe covers them) plus :func:`case_feature`, since
capitals are much of what marks a name ("Teddy" vs "teddy").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.assets import asset_path
from engine.errors import InputError

ENTITY_TYPES: tuple[str, ...] = ("person", "location", "group", "corporation", "product", "creative-work")
WNUT_TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))
WNUT_FILES: dict[str, str] = {"train": "wnut17train.conll", "dev": "emerging.dev.conll", "test": "emerging.test.annotated"}
CASE_FEATURES: tuple[str, ...] = ("lower", "Capitalised", "UPPER", "digits", "other")


@dataclass(frozen=True)
class TaggedSentence:
    tokens: tuple[str, ...]
    tags: tuple[str, ...]


def read_conll(path: str | Path) -> list[TaggedSentence]:
    """Sentences of a ``token<TAB>tag`` file; a blank line or a lone tab ends a sentence."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"no CoNLL file at {path}; give a file of 'token<TAB>tag' lines")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():  # "" or "\t": the end of a sentence
            if tokens:
                sentences.append(TaggedSentence(tuple(tokens), tuple(tags)))
                tokens, tags = [], []
            continue
        token, sep, tag = line.partition("\t")
        tag = tag.strip()
        if not sep or not token or not tag or (tag != "O" and tag[:2] not in ("B-", "I-")):
            raise InputError(f"{path} line {n} is not 'token<TAB>tag' with a BIO tag: {line[:60]!r}")
        tokens.append(token)
        tags.append(tag)
    if tokens:
        sentences.append(TaggedSentence(tuple(tokens), tuple(tags)))
    if not sentences:
        raise InputError(f"{path} holds no sentences")
    return sentences


def load_wnut(split: str) -> list[TaggedSentence]:
    """One of the bundled WNUT-17 splits: ``train`` (3,394 sentences), ``dev`` (1,009), ``test`` (1,287)."""
    if split not in WNUT_FILES:
        raise InputError(f"WNUT-17 split must be one of {', '.join(WNUT_FILES)}, got {split!r}")
    path = asset_path("tasks", "wnut17", WNUT_FILES[split])
    if not path.is_file():
        raise InputError(f"the bundled WNUT-17 file {path} is missing; reinstall seq-explorer")
    return read_conll(path)


def case_feature(token: str) -> int:
    """The token's shape: 0 lower, 1 Capitalised, 2 UPPER (2+ letters), 3 digits, 4 other."""
    if token.isdigit():
        return 3
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return 4
    if all(c.isupper() for c in letters):
        return 2 if len(letters) > 1 else 1
    if letters[0].isupper() and token[0].isalpha():
        return 1
    if all(c.islower() for c in letters):
        return 0
    return 4
