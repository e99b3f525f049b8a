"""A synthetic long-range agreement task: "The cat, which … , was full".

Each example is a subject (singular or plural), a distractor clause of ``d``
tokens, then the verb whose number must agree with the subject::

    the cat which already ate quickly … was
    the cats which already ate quickly … were
        └─┬┘ └────────── d tokens ─────────┘ └─ y

``d`` (the distance) is the number of tokens between the subject noun and the
verb: the clause is ``which`` followed by ``d − 1`` number-neutral filler words.
The model reads x⟨1⟩ … x⟨Tx⟩ (everything but the verb, so ``Tx = d + 2``) and
predicts y ∈ {was, were} from a⟨Tx⟩: the one bit it needs sits at x⟨2⟩, ``d``
steps before the prediction. A basic RNN must carry it through ∂a⟨t⟩/∂a⟨t−1⟩
products of length ``d`` during training, which is where vanishing gradients bite.

With ``attractors > 0`` some filler slots hold nouns of either number ("the cat
which saw the dogs … was"), the classic harder variant; by default the clause has
no nouns, so the label depends on the subject only.

Labels are right by construction: the verb is chosen from the subject's number,
never the other way round. Generation uses a numpy ``Generator`` and is fully
determined by its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import InputError
from engine.limits import check_seed

DETERMINER = "the"
RELATIVE = "which"
SINGULAR_NOUNS: tuple[str, ...] = ("cat", "dog", "bird", "child", "teacher", "farmer", "horse", "student")
PLURAL_NOUNS: tuple[str, ...] = ("cats", "dogs", "birds", "children", "teachers", "farmers", "horses", "students")
FILLERS: tuple[str, ...] = (
    "already", "ate", "quickly", "slowly", "near", "old", "red", "big", "small", "green",
    "in", "on", "very", "often", "never", "happily", "saw", "a", "garden", "yesterday",
)
VERBS: tuple[str, ...] = ("was", "were")
"""Label 0 is ``was`` (singular subject), label 1 is ``were`` (plural subject)."""

VOCAB: tuple[str, ...] = (DETERMINER, RELATIVE, *SINGULAR_NOUNS, *PLURAL_NOUNS, *FILLERS, *VERBS)
STOI: dict[str, int] = {w: i for i, w in enumerate(VOCAB)}

MAX_DISTANCE = 1000


@dataclass(frozen=True)
class AgreementExample:
    """One sentence: ``tokens`` ends with the verb; ``label`` 0 = was (singular), 1 = were (plural)."""

    tokens: tuple[str, ...]
    label: int

    @property
    def inputs(self) -> tuple[str, ...]:
        """x⟨1⟩ … x⟨Tx⟩: every token but the verb."""
        return self.tokens[:-1]

    @property
    def subject(self) -> str:
        return self.tokens[1]

    @property
    def verb(self) -> str:
        return self.tokens[-1]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


class AgreementTask:
    """Generator of agreement examples at one distance ``d``.

    ``sample(rng)`` draws one :class:`AgreementExample`; ``batch(n, rng)`` draws
    ``n`` of them as index arrays ``(n, Tx)`` and labels ``(n,)``;
    ``fixed_set(n, seed)`` is a reproducible evaluation set.
    """

    vocab: tuple[str, ...] = VOCAB

    def __init__(self, distance: int, *, attractors: float = 0.0) -> None:
        if not isinstance(distance, (int, np.integer)) or isinstance(distance, bool) or not 1 <= distance <= MAX_DISTANCE:
            raise InputError(f"distance must be an integer in 1..{MAX_DISTANCE}, got {distance!r}")
        if not 0.0 <= float(attractors) <= 1.0:
            raise InputError(f"attractors must be a probability in [0, 1], got {attractors!r}")
        self.distance = int(distance)
        self.attractors = float(attractors)

    @property
    def input_length(self) -> int:
        """Tx = d + 2: "the", the subject, "which" and the d − 1 filler words."""
        return self.distance + 2

    @property
    def vocab_size(self) -> int:
        return len(VOCAB)

    def sample(self, rng: np.random.Generator) -> AgreementExample:
        label = int(rng.integers(2))
        nouns = PLURAL_NOUNS if label == 1 else SINGULAR_NOUNS
        subject = nouns[int(rng.integers(len(nouns)))]
        clause = [RELATIVE]
        for _ in range(self.distance - 1):
            if self.attractors and rng.random() < self.attractors:
                pool = PLURAL_NOUNS if rng.random() < 0.5 else SINGULAR_NOUNS
                clause.append(pool[int(rng.integers(len(pool)))])
            else:
                clause.append(FILLERS[int(rng.integers(len(FILLERS)))])
        tokens = (DETERMINER, subject, *clause, VERBS[label])
        return AgreementExample(tokens=tokens, label=label)

    def encode(self, tokens: tuple[str, ...]) -> np.ndarray:
        return np.array([STOI[t] for t in tokens], dtype=np.int64)

    def batch(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` examples: inputs ``(n, Tx)`` int64 indices into :data:`VOCAB`, labels ``(n,)``."""
        if n <= 0:
            raise InputError(f"batch size must be > 0, got {n}")
        examples = [self.sample(rng) for _ in range(n)]
        x = np.stack([self.encode(e.inputs) for e in examples])
        y = np.array([e.label for e in examples], dtype=np.int64)
        return x, y

    def fixed_set(self, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """A reproducible set of ``n`` examples (evaluation uses a seed the training stream never uses)."""
        return self.batch(n, np.random.default_rng([check_seed(seed), self.distance, 7919]))

    def examples(self, n: int, seed: int) -> list[AgreementExample]:
        rng = np.random.default_rng([check_seed(seed), self.distance, 7919])
        return [self.sample(rng) for _ in range(n)]


def decode(indices: np.ndarray) -> tuple[str, ...]:
    """Token strings of a row of indices."""
    return tuple(VOCAB[int(i)] for i in indices)
