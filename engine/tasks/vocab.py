"""Token vocabularies for the tasks: words (sentiment, NER) and characters (dates), with PAD and UNK.

Public API::

    PAD, UNK, BOS, EOS                          # "<pad>", "<unk>", "<s>", "</s>"
    TokenVocab(tokens, specials=(PAD, UNK))     # index 0 is PAD, 1 is UNK (when listed)
    TokenVocab.build(sequences, min_count=1, max_size=None, extra=(), specials=(PAD, UNK))
    vocab.encode(tokens) / decode(ids) / index(token) / to_json() / from_json(d)
    words(text) -> list[str]                    # lower-cased words, clitics split as GloVe's corpus was
    pad_batch(sequences, pad_id=0) -> (ids (B, T) int64 array, lengths (B,) int64 array)

PAD is row 0 so that a padded batch ``(B, T)`` can carry sequences of different lengths; every
model here reads each sequence only up to its true length, so PAD never changes a prediction.
UNK stands for every word outside the vocabulary (rare in training, or never seen).

:func:`words` lower-cases and splits English clitics the way the Stanford tokenizer behind GloVe
did (``"didn't" → "did n't"``, ``"it's" → "it 's"``), so that the pretrained vectors cover the
words a sentence is made of: GloVe has ``n't`` and ``'s`` but not ``didn't``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from engine.errors import InputError

PAD = "<pad>"
UNK = "<unk>"
BOS = "<s>"
EOS = "</s>"

_WORD_RE = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|[^\w\s]+|_+")
_CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")


def words(text: str) -> list[str]:
    """Lower-cased word tokens with clitics split (``"Didn't like it." → did n't like it .``).

    Hyphenated words (``co-writer``) and runs of punctuation (``"..."``, ``"!!"``) stay one token,
    as in GloVe's vocabulary.
    """
    out: list[str] = []
    for tok in _WORD_RE.findall(text.lower().replace("’", "'")):
        for clitic in _CLITICS:
            if tok.endswith(clitic) and len(tok) > len(clitic):
                out.extend((tok[: -len(clitic)], clitic))
                break
        else:
            out.append(tok)
    return out


class TokenVocab:
    """Token ↔ index. The ``specials`` come first (PAD = 0, UNK = 1 by default), then the tokens.

    Unknown tokens encode to UNK (an :class:`InputError` when the vocabulary has no UNK).
    """

    def __init__(self, tokens: Sequence[str], specials: Sequence[str] = (PAD, UNK)) -> None:
        specials = tuple(specials)
        rest = [t for t in tokens if t not in specials]
        self.specials: tuple[str, ...] = specials
        self.tokens: tuple[str, ...] = specials + tuple(rest)
        self._index: dict[str, int] = {t: i for i, t in enumerate(self.tokens)}
        if len(self._index) != len(self.tokens):
            raise InputError("vocabulary has repeated tokens")
        self.unk_id: int | None = self._index.get(UNK)
        self.pad_id: int | None = self._index.get(PAD)

    @classmethod
    def build(
        cls,
        sequences: Iterable[Sequence[str]],
        *,
        min_count: int = 1,
        max_size: int | None = None,
        extra: Iterable[str] = (),
        specials: Sequence[str] = (PAD, UNK),
    ) -> "TokenVocab":
        """Tokens seen ``≥ min_count`` times, most frequent first (ties alphabetical), at most
        ``max_size`` of them, then the ``extra`` tokens not already in (e.g. pretrained words)."""
        counts: Counter[str] = Counter()
        for seq in sequences:
            counts.update(seq)
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size]
        seen = set(kept)
        kept.extend(t for t in extra if t not in seen and not seen.add(t))  # type: ignore[func-returns-value]
        return cls(kept, specials)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenVocab) and self.tokens == other.tokens and self.specials == other.specials

    def __repr__(self) -> str:
        return f"TokenVocab({len(self)} tokens)"

    def index(self, token: str) -> int:
        """The index of ``token``, or −1 when it is not in the vocabulary."""
        return self._index.get(token, -1)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Indices; a token outside the vocabulary becomes UNK."""
        get = self._index.get
        if self.unk_id is None:
            out = []
            for t in tokens:
                i = get(t)
                if i is None:
                    raise InputError(f"{t!r} is not in the vocabulary, which has no UNK entry")
                out.append(i)
            return out
        unk = self.unk_id
        return [get(t, unk) for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[int(i)] for i in ids]

    def to_json(self) -> dict:
        return {"tokens": list(self.tokens[len(self.specials) :]), "specials": list(self.specials)}

    @classmethod
    def from_json(cls, data: dict) -> "TokenVocab":
        try:
            return cls(list(data["tokens"]), tuple(data["specials"]))
        except (KeyError, TypeError) as exc:
            raise InputError(f"vocabulary JSON is malformed ({exc}); retrain the checkpoint") from None


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(ids (B, T), lengths (B,))``: each sequence left-aligned, padded with ``pad_id`` to the longest.

    Every sequence must hold at least one token (an empty one has no last state to read).
    """
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    if lengths.size == 0:
        raise InputError("an empty batch: give at least one sequence")
    if lengths.min() < 1:
        raise InputError("a sequence with no tokens cannot be read; drop it or give some text")
    ids = np.full((len(sequences), int(lengths.max())), pad_id, dtype=np.int64)
    for row, seq in zip(ids, sequences):
        row[: len(seq)] = seq
    return ids, lengths
