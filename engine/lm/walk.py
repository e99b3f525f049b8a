"""Step-through generation: the next-token distribution at every step of a text.

Public API::

    walk(model, text, top=10) -> Walk        # Walk.steps[t]: prefix y⟨1⟩…y⟨t⟩, top candidates, y⟨t+1⟩

The model reads ``x⟨1⟩ = 0`` then ``x⟨t+1⟩ = y⟨t⟩`` (teacher forcing), and its output at step t is
``ŷ⟨t⟩ = softmax(z⟨t⟩)``, the distribution of the next token given the prefix. One pass over the
text gives every step's distribution: the state a⟨t⟩ is carried from step to step, so the walk
costs O(T), where asking :func:`engine.lm.sampling.step_distribution` for each prefix anew would
cost O(T²).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from engine.errors import InputError
from engine.text import EOS, EOS_ID


@dataclass(frozen=True)
class WalkStep:
    """Step ``t`` of a text: the tokens before it, the likeliest next tokens, and the one that came."""

    prefix: tuple[str, ...]
    """y⟨1⟩ … y⟨t−1⟩, the tokens the model has read (after the zero input)."""
    candidates: tuple[tuple[str, float], ...]
    """The ``top`` likeliest tokens for y⟨t⟩ with their probability ŷ⟨t⟩, best first (EOS as "<eos>")."""
    chosen: str
    """y⟨t⟩, the token the text has at this step (EOS at the end)."""


@dataclass(frozen=True)
class Walk:
    """Every step of ``text`` followed by EOS."""

    text: str
    steps: tuple[WalkStep, ...] = field(default_factory=tuple)


@torch.no_grad()
def walk(model, text: str, top: int = 10) -> Walk:
    """The next-token distribution at every step of ``text`` (then EOS), from one pass of ``model``."""
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise InputError(f"top must be a positive integer, got {top!r}", field="top")
    vocab = model.vocab
    tokens = list(vocab.tokenize(text)) + [EOS]
    ids = vocab.encode(tokens[:-1]) + [EOS_ID]
    was_training = model.training
    model.eval()
    y = torch.tensor([ids], device=model.device)  # (1, T)
    logits, _, _ = model.forward(y)  # (1, T, V): step t reads y⟨t−1⟩ (zero for t = 1)
    model.train(was_training)
    probs = torch.softmax(logits[0].float(), dim=-1).cpu()  # (T, V)
    best = torch.topk(probs, min(top, probs.shape[1]), dim=-1)  # (T, k)
    steps = tuple(
        WalkStep(tuple(tokens[:t]), tuple((vocab.tokens[int(i)], float(p)) for p, i in zip(values, indices)),
                 chosen)
        for t, (chosen, values, indices) in enumerate(zip(tokens, best.values, best.indices))
    )
    return Walk(text, steps)


__all__ = ["Walk", "WalkStep", "walk"]
