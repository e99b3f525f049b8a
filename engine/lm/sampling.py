"""Sampling from a language model, and the next-token distribution for step-through generation.

Public API::

    SampleConfig(n=10, temperature=1.0, top_k=None, prefix="", max_len=50, seed=None)   # validates itself
    sample(model, n=10, temperature=1.0, top_k=None, prefix="", max_len=50, seed=None) -> list[Sample]
    sample_with(model, config: SampleConfig) -> list[Sample]
    step_distribution(model, prefix_tokens, k=10) -> list[(token, probability)]
    prepare_text(model, text) -> str          # the letter case the model was trained on

Sampling runs the model one step at a time: ``x⟨1⟩ = 0``, then the prefix tokens (teacher forced),
then ``x⟨t+1⟩ = y⟨t⟩`` with ``y⟨t⟩ ~ softmax(z⟨t⟩ / temperature)`` restricted to the ``top_k``
likeliest tokens, until EOS or ``max_len`` new tokens. ``temperature`` 0 (or below 1e-6) takes the argmax.
UNK is never sampled (its probability is shared out among the other tokens).
For a model trained on running text ("stream" sequences) EOS is a line break and does not stop.
A sample's ``in_training_set`` is True/False for name-like corpora (line sequences whose lines the
loader knows), None otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch

from engine.errors import InputError
from engine.events import Sample
from engine.text import EOS_ID, UNK_ID


def prepare_text(model, text: str) -> str:
    """``text`` in the letter case of the training data (lower-cased for the dinosaur names)."""
    return text.lower() if model.config.get("case_mode") == "lower" else text


GREEDY_BELOW = 1e-6
"""A temperature below this samples the likeliest token (the limit T → 0 of softmax(z / T)); dividing by
a smaller one would only overflow."""


def _pick(logits: torch.Tensor, temperature: float, top_k: int | None, gen: torch.Generator) -> torch.Tensor:
    """Next token ids (B,) from logits (B, V)."""
    logits = logits.clone()
    logits[:, UNK_ID] = float("-inf")  # never generate UNK: it is "some rare word", not text
    if temperature < GREEDY_BELOW:
        return logits.argmax(dim=-1)
    # Shifted so that the largest is 0 before dividing: a small temperature gives −inf, never inf − inf;
    # a huge one is held at 1e30 (already uniform), so float32 never divides UNK's −inf by inf.
    z = (logits - logits.max(dim=-1, keepdim=True).values) / min(temperature, 1e30)
    if top_k is not None and top_k < z.shape[-1]:
        kth = torch.topk(z, top_k, dim=-1).values[:, -1:]  # (B, 1)
        z = z.masked_fill(z < kth, float("-inf"))
    probs = torch.softmax(z, dim=-1)
    return torch.multinomial(probs, 1, generator=gen).squeeze(1)


MAX_SAMPLES = 10_000
"""Most samples in one call (they run as one batch)."""


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(n: int, temperature: float, top_k: int | None, max_len: int, seed: int | None = None) -> None:
    if not _whole(n) or not 1 <= n <= MAX_SAMPLES:
        raise InputError(f"n must be between 1 and {MAX_SAMPLES:,}, got {n!r}", field="n")
    if not isinstance(temperature, (int, float)) or not math.isfinite(temperature) or temperature < 0:
        raise InputError(f"temperature must be a number ≥ 0 (0 = always the likeliest token), got {temperature!r}",
                         field="temperature")
    if top_k is not None and (not _whole(top_k) or top_k < 1):
        raise InputError(f"top_k must be ≥ 1, got {top_k!r}", field="top_k")
    if not _whole(max_len) or max_len < 1:
        raise InputError(f"max_len must be ≥ 1, got {max_len!r}", field="max_len")
    if seed is not None and (not _whole(seed) or not 0 <= seed < 2**63):
        raise InputError(f"seed must be a whole number from 0 to 2^63 − 1, got {seed!r}", field="seed")


@dataclass(frozen=True)
class SampleConfig:
    """How to sample (see the module docstring); refuses a bad value with an InputError naming it."""

    n: int = 10
    """Samples, drawn as one batch."""
    temperature: float = 1.0
    """Divides the logits before the softmax; 0 always takes the likeliest token."""
    top_k: int | None = None
    """Sample among the ``top_k`` likeliest tokens (None: all)."""
    prefix: str = ""
    """Text every sample starts with (read by the model first)."""
    max_len: int = 50
    """Most new tokens per sample."""
    seed: int | None = None
    """The same seed gives the same samples (None: a fresh one)."""

    def __post_init__(self) -> None:
        _check(self.n, self.temperature, self.top_k, self.max_len, self.seed)


def sample_with(model, config: SampleConfig) -> list[Sample]:
    """:func:`sample` with the settings of ``config``."""
    return sample(model, config.n, config.temperature, config.top_k, config.prefix, config.max_len, config.seed)


@torch.no_grad()
def sample(
    model,
    n: int = 10,
    temperature: float = 1.0,
    top_k: int | None = None,
    prefix: str = "",
    max_len: int = 50,
    seed: int | None = None,
) -> list[Sample]:
    """``n`` samples (run as one batch); the same ``seed`` gives the same samples."""
    _check(n, temperature, top_k, max_len, seed)
    was_training = model.training
    model.eval()
    gen = torch.Generator(device="cpu")
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    vocab = model.vocab
    prefix = prepare_text(model, prefix)
    prefix_ids = vocab.encode(vocab.tokenize(prefix))
    stream = model.sequence == "stream"
    dev = model.device
    first = torch.tensor([[-1] + prefix_ids], device=dev).expand(n, -1)  # (n, 1 + P); -1 = the zero input
    logits, state, _ = model.run(model.embed(first))
    last = logits[:, -1].float().cpu()  # (n, V)
    out: list[list[int]] = [[] for _ in range(n)]
    done = torch.zeros(n, dtype=torch.bool)
    for _ in range(max_len):
        nxt = _pick(last, temperature, top_k, gen)  # (n,)
        for row in range(n):
            if not done[row]:
                tok = int(nxt[row])
                if tok == EOS_ID and not stream:
                    done[row] = True
                else:
                    out[row].append(tok)
        if bool(done.all()):
            break
        logits, state, _ = model.run(model.embed(nxt.to(dev).unsqueeze(1)), state)
        last = logits[:, -1].float().cpu()
    model.train(was_training)
    known = model.known_lines if not stream else None
    samples = []
    for ids in out:
        toks = ["\n" if (t == EOS_ID and stream) else vocab.tokens[t] for t in ids]
        if prefix and vocab.level == "word" and toks:
            text = vocab.join(vocab.tokenize(prefix) + toks)
        else:
            text = prefix + vocab.join(toks)
        samples.append(Sample(text=text, in_training_set=(text.strip() in known) if known is not None else None))
    return samples


@torch.no_grad()
def step_distribution(model, prefix_tokens: Sequence[str], k: int = 10) -> list[tuple[str, float]]:
    """The ``k`` likeliest next tokens after ``prefix_tokens`` (vocabulary tokens), with P.

    ``prefix_tokens`` may be empty: the distribution of y⟨1⟩ given x⟨1⟩ = 0. Unknown tokens are
    read as UNK; EOS appears as ``"<eos>"``.
    """
    was_training = model.training
    model.eval()
    ids = model.vocab.encode(list(prefix_tokens))
    y = torch.tensor([[-1] + ids], device=model.device)
    logits, _, _ = model.run(model.embed(y))
    probs = torch.softmax(logits[0, -1].float(), dim=-1).cpu()
    model.train(was_training)
    k = min(k, probs.shape[0])
    top = torch.topk(probs, k)
    return [(model.vocab.tokens[int(i)], float(p)) for p, i in zip(top.values, top.indices)]

