"""Sampling from a language model, and the next-token distribution for step-through generation.

Public API::

    SampleConfig(n=10, temperature=1.0, top_k=None, prefix="", max_len=50, seed=None)   # validates itself
    sample(model, n=10, temperature=1.0, top_k=None, prefix="", max_len=50, seed=None) -> list[Sample]
    sample_with(model, config: SampleConfig) -> list[Sample]
    iter_samples(model, n=10, ...same...) -> Iterator[Sample]   # streamed in batches: any n in bounded memory
    step_distribution(model, prefix_tokens, k=10) -> list[(token, probability)]
    sampling_probs(logits, temperature, top_k) -> probs     # the distribution the sampler draws from
    walk_distributions(model, text, temperature=1.0, top_k=None, top=10) -> tuple[StepChoices, ...]
    prepare_text(model, text) -> str          # the letter case the model was trained on

Sampling runs the model one step at a time: ``x⟨1⟩ = 0``, then the prefix tokens (teacher forced),
then ``x⟨t+1⟩ = y⟨t⟩`` with ``y⟨t⟩ ~ softmax(z⟨t⟩ / temperature)`` restricted to the ``top_k``
likeliest tokens, until EOS or ``max_len`` new tokens. ``temperature = 0`` takes the argmax; any
finite temperature works (a tiny one is the argmax in effect, a huge one the uniform choice); NaN,
infinite or negative ones are refused. Samples are drawn in batches of at most 1024 (fewer for very
long ``max_len``) from one random generator, so :func:`iter_samples` streams any number of them in
bounded memory, and ``n`` ≤ 1024 samples are one batch (as before batches existed).
UNK is never sampled (its probability is shared out among the other tokens).
:func:`walk_distributions` shows, at every step of a text, both the distribution the sampler draws
from (after the temperature and top-k) and the model's own (``softmax(z)``, temperature 1).
For a model trained on running text ("stream" sequences) EOS is a line break and does not stop.
A sample's ``in_training_set`` is True/False for name-like corpora (line sequences whose lines the
loader knows), None otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch

from engine.errors import InputError
from engine.events import Sample
from engine.limits import MAX_BATCH_TOKENS, MAX_SAMPLE_LEN, MAX_SCORE_TOKENS, check_int, check_seed
from engine.text import EOS, EOS_ID, UNK_ID

SAMPLE_BATCH = 1024
_PREFIX_CHUNK = 512


def prepare_text(model, text: str) -> str:
    """``text`` in the letter case of the training data (lower-cased for the dinosaur names)."""
    return text.lower() if model.config.get("case_mode") == "lower" else text


def sampling_probs(logits: torch.Tensor, temperature: float, top_k: int | None) -> torch.Tensor:
    """The distribution the sampler draws the next token from, (..., V) from logits z (..., V).

    ``P(y = i) = exp(z_i / T) / Σ_{j ∈ K} exp(z_j / T)`` for ``i`` in ``K``, the ``top_k`` likeliest
    tokens (every token when ``top_k`` is None), and 0 outside ``K``; UNK is never in ``K`` (its
    probability is shared out among the others). ``T = 0``: all the mass on the likeliest token.
    At ``T = 1`` with every token this is the model's own ``softmax(z)`` without UNK.
    """
    logits = logits.clone()
    logits[..., UNK_ID] = float("-inf")  # never generate UNK: it is "some rare word", not text
    if temperature <= 0:
        return torch.nn.functional.one_hot(logits.argmax(dim=-1), logits.shape[-1]).to(torch.float32)
    z = logits / temperature
    if bool(torch.isnan(z).any() | torch.isposinf(z).any()):  # a tiny temperature overflowed: shift first
        z = (logits.double() - logits.max(dim=-1, keepdim=True).values.double()) / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = torch.topk(z, top_k, dim=-1).values[..., -1:]  # (..., 1)
        z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)


def _pick(logits: torch.Tensor, temperature: float, top_k: int | None, gen: torch.Generator) -> torch.Tensor:
    """Next token ids (B,) from logits (B, V), drawn from :func:`sampling_probs`."""
    if temperature <= 0:
        logits = logits.clone()
        logits[:, UNK_ID] = float("-inf")
        return logits.argmax(dim=-1)
    probs = sampling_probs(logits, temperature, top_k)
    return torch.multinomial(probs, 1, generator=gen).squeeze(1)


def _check(n: int, temperature: float, top_k: int | None, max_len: int, seed: int | None = None) -> None:
    check_int(n, "n", 1)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not math.isfinite(temperature) \
            or temperature < 0:
        raise InputError(f"temperature must be a finite number ≥ 0 (0 = always the likeliest token), got {temperature!r}",
                         field="temperature")
    if top_k is not None:
        check_int(top_k, "top_k", 1)
    check_int(max_len, "max_len", 1, MAX_SAMPLE_LEN)
    if seed is not None:
        check_seed(seed)


def _repeat_state(state, n: int):
    """A batch-1 recurrent state (h, or (h, c); batch on dim 1) repeated for ``n`` rows."""
    if isinstance(state, tuple):
        return tuple(_repeat_state(s, n) for s in state)
    return state.expand(state.shape[0], n, *state.shape[2:]).contiguous()


MAX_SAMPLES = 10_000
"""Most samples a :class:`SampleConfig` asks for (the app lists them all)."""


@dataclass(frozen=True)
class SampleConfig:
    """How to sample (see the module docstring); refuses a bad value with an InputError naming it."""

    n: int = 10
    """Samples (at most :data:`MAX_SAMPLES`: the app shows every one; the command line streams any number)."""
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
        check_int(self.n, "n", 1, MAX_SAMPLES)


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
    """``n`` samples; the same ``seed`` gives the same samples. See :func:`iter_samples`."""
    return list(iter_samples(model, n, temperature, top_k, prefix, max_len, seed))


def iter_samples(
    model,
    n: int = 10,
    temperature: float = 1.0,
    top_k: int | None = None,
    prefix: str = "",
    max_len: int = 50,
    seed: int | None = None,
) -> Iterator[Sample]:
    """Yield ``n`` samples, batch after batch (memory bounded whatever ``n``); see the module docstring."""
    _check(n, temperature, top_k, max_len, seed)
    gen = torch.Generator(device="cpu")
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    vocab = model.vocab
    prefix = prepare_text(model, prefix)
    prefix_ids = vocab.encode(vocab.tokenize(prefix))
    if len(prefix_ids) > MAX_SCORE_TOKENS:
        raise InputError(f"the prefix has {len(prefix_ids):,} tokens, more than the {MAX_SCORE_TOKENS:,} allowed", field="prefix")
    batch = max(1, min(SAMPLE_BATCH, MAX_BATCH_TOKENS // max_len))
    done = 0
    while done < n:
        rows = min(batch, n - done)
        yield from _sample_batch(model, rows, temperature, top_k, prefix, prefix_ids, max_len, gen)  # no_grad inside only
        done += rows


@torch.no_grad()
def _sample_batch(model, n, temperature, top_k, prefix, prefix_ids, max_len, gen) -> list[Sample]:
    was_training = model.training
    model.eval()
    vocab = model.vocab
    stream = model.sequence == "stream"
    dev = model.device
    ids = [-1] + prefix_ids  # -1 = the zero input
    if len(ids) <= _PREFIX_CHUNK:
        first = torch.tensor([ids], device=dev).expand(n, -1)  # (n, 1 + P)
        logits, state, _ = model.run(model.embed(first))
    else:  # a long prefix: read once, in chunks, then repeat its state for every row
        state = None
        for i in range(0, len(ids), _PREFIX_CHUNK):
            logits, state, _ = model.run(model.embed(torch.tensor([ids[i : i + _PREFIX_CHUNK]], device=dev)), state)
        logits, state = logits.expand(n, *logits.shape[1:]), _repeat_state(state, n)
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
    for ids_ in out:
        toks = ["\n" if (t == EOS_ID and stream) else vocab.tokens[t] for t in ids_]
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



@dataclass(frozen=True)
class Candidate:
    """One possible next token, with the model's probability and the sampler's."""

    token: str
    model: float
    """ŷ = softmax(z), temperature 1, every token (UNK included): the model's own probability."""
    sampled: float
    """The probability the sampler draws it with (:func:`sampling_probs`: temperature, top-k, no UNK)."""


@dataclass(frozen=True)
class StepChoices:
    """Step ``t`` of a text: the tokens read, the likeliest next tokens, and the one the text has."""

    prefix: tuple[str, ...]
    """y⟨1⟩ … y⟨t−1⟩ (after the zero input)."""
    candidates: tuple[Candidate, ...]
    """The ``top`` likeliest tokens by the model's own probability, best first (the sampler keeps
    their order: a temperature and top-k never reorder tokens), plus ``chosen`` if it is not among them."""
    chosen: str
    """y⟨t⟩, the token the text has at this step (``"<eos>"`` at the end)."""


@torch.no_grad()
def walk_distributions(model, text: str, temperature: float = 1.0, top_k: int | None = None,
                       top: int = 10) -> tuple[StepChoices, ...]:
    """Every step of ``text`` then EOS, from one pass of ``model``: at step t the model's own ŷ⟨t⟩ =
    softmax(z⟨t⟩) and the distribution :func:`sample` draws y⟨t⟩ from at ``temperature`` and ``top_k``."""
    _check(1, temperature, top_k, 1)
    check_int(top, "top", 1)
    vocab = model.vocab
    tokens = list(vocab.tokenize(prepare_text(model, text))) + [EOS]
    ids = vocab.encode(tokens[:-1]) + [EOS_ID]
    if len(ids) > MAX_SCORE_TOKENS:
        raise InputError(f"the text has {len(ids):,} tokens, more than the {MAX_SCORE_TOKENS:,} allowed", field="text")
    was_training = model.training
    model.eval()
    logits, _, _ = model.forward(torch.tensor([ids], device=model.device))  # (1, T, V): step t reads y⟨t−1⟩
    model.train(was_training)
    z = logits[0].float().cpu()  # (T, V)
    own = torch.softmax(z, dim=-1)  # (T, V)
    drawn = sampling_probs(z, temperature, top_k)  # (T, V)
    best = torch.topk(own, min(top, own.shape[1]), dim=-1).indices  # (T, k)
    steps = []
    for t, chosen in enumerate(tokens):
        shown = [int(i) for i in best[t]]
        chosen_id = ids[t]
        if chosen_id not in shown:
            shown.append(chosen_id)
        steps.append(StepChoices(
            tuple(tokens[:t]),
            tuple(Candidate(vocab.tokens[i], float(own[t, i]), float(drawn[t, i])) for i in shown),
            chosen,
        ))
    return tuple(steps)
