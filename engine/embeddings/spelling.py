"""Close spellings for a word that is not in the vocabulary.

Norvig's spelling corrector, sized for vocabularies of 400,000 words: the candidates are
the words one edit away (a deletion, a transposition, a replacement or an insertion) and,
when none of those is known, two edits away, checked by dictionary lookup rather than by
comparing the word with every entry. Candidates are ranked by edit distance, then by
frequency rank (the vocabulary's order), so the suggestions a user sees are the common
words they most likely meant. A different capitalisation counts as the closest spelling.
"""

from __future__ import annotations

from typing import Mapping

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_MAX_EDITS2_SOURCE = 40  # longer words make edits² explode; one edit is enough there


def _edits1(word: str, alphabet: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [left + right[1:] for left, right in splits if right]
    transposes = [left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1]
    replaces = [left + ch + right[1:] for left, right in splits if right for ch in alphabet]
    inserts = [left + ch + right for left, right in splits for ch in alphabet]
    return set(deletes + transposes + replaces + inserts)


def close_spellings(word: str, index: Mapping[str, int], limit: int = 3) -> tuple[str, ...]:
    """Up to ``limit`` vocabulary words spelled like ``word``, closest and most frequent first.

    ``index`` maps each vocabulary word to its rank (0 = most frequent).
    """
    if not word or limit <= 0:
        return ()
    found: dict[str, tuple[int, int]] = {}
    for variant in {word.lower(), word.upper(), word.capitalize()} - {word}:
        if variant in index:
            found[variant] = (0, index[variant])
    lower = word.lower()
    alphabet = _ALPHABET + "".join(sorted({ch for ch in lower if ch not in _ALPHABET}))
    first = _edits1(lower, alphabet) - {word}
    for cand in first:
        if cand in index and cand not in found:
            found[cand] = (1, index[cand])
    if len(found) < limit and len(lower) <= _MAX_EDITS2_SOURCE:
        for near in first:
            for cand in _edits1(near, _ALPHABET):
                if cand != word and cand in index and cand not in found:
                    found[cand] = (2, index[cand])
    ranked = sorted(found, key=lambda w: found[w])
    return tuple(ranked[:limit])
