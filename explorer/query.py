"""Parse what the user types in the Analogies query box.

Pure Python (no engine, no textual), so it is cheap to import and easy to test.

Accepted forms::

    man : woman :: king : ?        an analogy: "a is to b as c is to ?"
    man:woman::king                the trailing ": ?" may be left out
    man : woman :: king : queen    an analogy with the expected answer (the app marks it)
    man is to woman as king is to ?
    king - man + woman             vector arithmetic: argmax cos(e_w, e_king − e_man + e_woman)
    king-man+woman                 the same, without spaces
    father ~ mother                cosine similarity of two words
    king                           a single word: its nearest neighbours

In the arithmetic form ``+`` always separates terms; ``-`` does too when it has
white space on either side, starts the query, or when the query has no white
space at all and contains a ``+`` — so ``well-known`` and ``well-known + x``
keep ``well-known`` as one word while ``king-man+woman`` is three terms.

Every syntax error is a :class:`QueryError` (a ``ValueError``) with a one-line
message that says what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

EXAMPLES = "man : woman :: king : ?  ·  king - man + woman  ·  father ~ mother  ·  a single word"


class QueryError(ValueError):
    """A query that cannot be parsed; the message is one line and shows a valid form."""


@dataclass(frozen=True)
class Neighbours:
    """The nearest neighbours of one word (cosine)."""

    word: str


@dataclass(frozen=True)
class Analogy:
    """"a is to b as c is to ?"; ``expected`` is the answer the user wrote, if any."""

    a: str
    b: str
    c: str
    expected: str | None = None

    @property
    def words(self) -> tuple[str, str, str]:
        return (self.a, self.b, self.c)


@dataclass(frozen=True)
class Arithmetic:
    """Σ positive − Σ negative, answered by cosine to the (normalised) sum."""

    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return self.positive + self.negative

    def as_analogy(self) -> Analogy | None:
        """``c − a + b`` is the analogy a : b :: c : ? (3CosAdd); None for other shapes."""
        if len(self.positive) == 2 and len(self.negative) == 1:
            return Analogy(a=self.negative[0], b=self.positive[1], c=self.positive[0])
        return None


@dataclass(frozen=True)
class Similarity:
    """Cosine similarity of two words."""

    first: str
    second: str


Query = Union[Neighbours, Analogy, Arithmetic, Similarity]

_WORD = re.compile(r"^[^\s:~+?]+$")
_IS_TO = re.compile(r"^\s*(\S+)\s+is\s+to\s+(\S+)\s+as\s+(\S+)\s+is\s+to\s+(\S+)\s*$", re.IGNORECASE)


def _word(text: str, what: str) -> str:
    word = text.strip()
    if not word:
        raise QueryError(f"{what} is missing; try: man : woman :: king : ?")
    if not _WORD.match(word):
        raise QueryError(f"{word!r} is not a single word ({what}); try: man : woman :: king : ?")
    return word


def _analogy(a: str, b: str, c: str, d: str | None) -> Analogy:
    words = [_word(a, "the first word"), _word(b, "the second word"), _word(c, "the third word")]
    expected = None
    if d is not None and d.strip() not in ("", "?"):
        expected = _word(d, "the answer")
    return Analogy(words[0], words[1], words[2], expected)


def _parse_analogy(text: str) -> Analogy:
    left, sep, right = text.partition("::")
    if "::" in right:
        raise QueryError("use '::' once, as in: man : woman :: king : ?")
    left_parts = left.split(":")
    right_parts = right.split(":")
    if len(left_parts) != 2:
        raise QueryError("the left side needs two words, as in: man : woman :: king : ?")
    if len(right_parts) > 2:
        raise QueryError("the right side is 'word : ?', as in: man : woman :: king : ?")
    d = right_parts[1] if len(right_parts) == 2 else None
    return _analogy(left_parts[0], left_parts[1], right_parts[0], d)


def _split_terms(text: str) -> list[tuple[str, str]]:
    """Split ``king - man + woman`` into [("+", "king"), ("-", "man"), ("+", "woman")]."""
    spaced = any(ch.isspace() for ch in text.strip())
    if spaced:
        # '-' is an operator only with white space around it on at least one side, or at the start.
        pattern = r"(\+|(?:(?<=\s)|^)-|-(?=\s))"
    else:
        pattern = r"([+-])"
    pieces = re.split(pattern, text.strip())
    terms: list[tuple[str, str]] = []
    sign = "+"
    expect_word = True
    for piece in pieces:
        if piece in ("+", "-"):
            if not expect_word:
                sign = piece
                expect_word = True
            elif not terms and sign == "+":
                sign = piece  # a leading sign
            else:
                raise QueryError("two signs in a row; write it like: king - man + woman")
            continue
        word = piece.strip()
        if not word:
            continue
        if not expect_word:
            raise QueryError(f"put + or - between words (near {word!r}); e.g. king - man + woman")
        if not _WORD.match(word):
            raise QueryError(f"{word!r} is not a single word; write it like: king - man + woman")
        terms.append((sign, word))
        expect_word = False
        sign = "+"
    if expect_word and terms:
        raise QueryError("the query ends with a sign; add a word, e.g. king - man + woman")
    return terms


def parse_query(text: str) -> Query:
    """Parse one query (see the module docstring for the forms); raise :class:`QueryError`."""
    text = text.strip()
    if not text:
        raise QueryError(f"type a query: {EXAMPLES}")
    match = _IS_TO.match(text)
    if match:
        return _analogy(*match.groups())
    if "::" in text:
        return _parse_analogy(text)
    if ":" in text:
        raise QueryError("an analogy needs '::' in the middle: man : woman :: king : ?")
    if "~" in text:
        parts = text.split("~")
        if len(parts) != 2:
            raise QueryError("compare two words: father ~ mother")
        return Similarity(_word(parts[0], "the first word"), _word(parts[1], "the second word"))
    if "?" in text:
        raise QueryError(f"'?' only ends an analogy: {EXAMPLES}")
    # '+' anywhere, or '-' at the start or with white space beside it, makes arithmetic;
    # a hyphen inside one token without '+' ("well-known") stays part of the word.
    has_operator = "+" in text or text.startswith("-") or bool(re.search(r"\s-|-\s", text))
    if has_operator:
        terms = _split_terms(text)
        positive = tuple(w for s, w in terms if s == "+")
        negative = tuple(w for s, w in terms if s == "-")
        if not positive:
            raise QueryError("add at least one word with '+', e.g. king - man + woman")
        if len(terms) == 1:
            return Neighbours(positive[0])
        return Arithmetic(positive, negative)
    words = text.split()
    if len(words) == 1:
        return Neighbours(_word(words[0], "the word"))
    if len(words) == 3:
        return Analogy(*(_word(w, "a word") for w in words))
    raise QueryError(f"{len(words)} words: give one word, three (a b c), or {EXAMPLES}")


def describe(query: Query) -> str:
    """A one-line reading of the query in the course's notation (shown above the answers)."""
    if isinstance(query, Neighbours):
        return f"nearest neighbours of {query.word}: argmax cos(e_w, e_{query.word})"
    if isinstance(query, Analogy):
        return f"{query.a} : {query.b} :: {query.c} : ?   argmax cos(e_w, e_{query.c} − e_{query.a} + e_{query.b})"
    if isinstance(query, Similarity):
        return f"cos(e_{query.first}, e_{query.second})"
    terms = " + ".join(f"e_{w}" for w in query.positive)
    if query.negative:
        terms += "".join(f" − e_{w}" for w in query.negative)
    return f"argmax cos(e_w, {terms})"
