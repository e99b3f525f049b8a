"""Greedy and beam-search decoding for any step-by-step decoder.

Public API::

    StepFn = (prev (N,) int64, state: tuple[Tensor, ...]) -> (log_probs (N, V), state)
    Candidate(tokens, log_prob, score, finished, state)
    greedy_decode(step_fn, state, bos, eos, max_len) -> Candidate
    beam_search(step_fn, state, bos, eos, max_len, beam_width=3, alpha=0.7) -> list[Candidate]  # best first

The decoder is a function of the previous output and a state (every tensor of which has the
hypotheses on its first axis, so the search can reorder them with ``index_select``). Greedy
takes ``argmax_y P(y⟨t⟩ | y⟨<t⟩, x)`` at every step; it can miss the most probable *sequence*,
because a likely first word can lead to unlikely continuations.

Beam search (the course's): keep the ``B = beam_width`` most probable partial sequences. At each
step every kept sequence is extended by every token, and the ``B`` extensions with the highest
``log P(y⟨1⟩…y⟨t⟩ | x) = Σ log P(y⟨t'⟩ | …)`` are kept; an extension that ends in EOS is set
aside as a finished candidate and the beam narrows by one. With ``B = 1`` this is exactly greedy.
The candidates are ranked by the length-normalised log-probability

    score = (1 / T_y^α) · Σ_t log P(y⟨t⟩ | x, y⟨<t⟩)         (α = 0.7; α = 0: no normalisation)

since a raw sum of negative terms favours short outputs. The search stops when ``B`` candidates
have finished or ``max_len`` tokens were produced (the unfinished ones are then returned too,
flagged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from engine.errors import InputError

StepFn = Callable[[Tensor, tuple[Tensor, ...]], tuple[Tensor, tuple[Tensor, ...]]]


@dataclass(frozen=True)
class Candidate:
    """One decoded sequence."""

    tokens: tuple[int, ...]
    """The output token ids, EOS excluded."""
    log_prob: float
    """``Σ_t log P(y⟨t⟩ | x, y⟨<t⟩)`` over the tokens and the final EOS (natural log)."""
    score: float
    """``log_prob / T_y^α`` with ``T_y`` counting EOS (the beam's ranking)."""
    finished: bool
    """False when ``max_len`` was reached before EOS."""
    state: tuple[Tensor, ...] = ()
    """The decoder's final state for this candidate (each tensor with a leading axis of 1)."""


def _normalised(log_prob: float, length: int, alpha: float) -> float:
    return log_prob / (max(length, 1) ** alpha)


MAX_BEAM_WIDTH = 1_000
"""Beam widths beyond this keep more hypotheses than a decoder of these sizes has distinct outputs."""


def _check(max_len: int, beam_width: int = 1, alpha: float = 0.0) -> None:
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise InputError(f"max_len must be a positive integer, got {max_len!r}", field="max_len")
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or not 1 <= beam_width <= MAX_BEAM_WIDTH:
        raise InputError(f"beam_width must be an integer in 1..{MAX_BEAM_WIDTH}, got {beam_width!r}", field="beam_width")
    if not 0.0 <= alpha <= 2.0:
        raise InputError(f"alpha (length normalisation) must be in [0, 2], got {alpha!r}", field="alpha")


def _take(state: tuple[Tensor, ...], rows: Tensor) -> tuple[Tensor, ...]:
    return tuple(s.index_select(0, rows) for s in state)


@torch.no_grad()
def greedy_decode(step_fn: StepFn, state: tuple[Tensor, ...], bos: int, eos: int, max_len: int) -> Candidate:
    """The arg-max token at every step, until EOS or ``max_len`` tokens (one sequence, N = 1)."""
    _check(max_len)
    prev = torch.tensor([bos], device=state[0].device if state else None)
    tokens: list[int] = []
    total = 0.0
    for _ in range(max_len):
        log_probs, state = step_fn(prev, state)
        y = int(log_probs[0].argmax())
        total += float(log_probs[0, y])
        if y == eos:
            return Candidate(tuple(tokens), total, _normalised(total, len(tokens) + 1, 0.0), True, state)
        tokens.append(y)
        prev = torch.tensor([y], device=prev.device)
    return Candidate(tuple(tokens), total, _normalised(total, len(tokens), 0.0), False, state)


@torch.no_grad()
def beam_search(
    step_fn: StepFn,
    state: tuple[Tensor, ...],
    bos: int,
    eos: int,
    max_len: int,
    beam_width: int = 3,
    alpha: float = 0.7,
) -> list[Candidate]:
    """The ``beam_width`` best sequences by length-normalised log-probability, best first."""
    _check(max_len, beam_width, alpha)
    device = state[0].device if state else None
    prev = torch.tensor([bos], device=device)
    alive: list[tuple[tuple[int, ...], float]] = [((), 0.0)]  # (tokens, log P) per row of state
    finished: list[Candidate] = []
    for _ in range(max_len):
        log_probs, state = step_fn(prev, state)  # (N, V)
        totals = torch.tensor([lp for _, lp in alive], device=log_probs.device, dtype=log_probs.dtype).unsqueeze(1) + log_probs
        width = beam_width - len(finished)
        flat = totals.flatten()
        top_vals, top_idx = flat.topk(min(width, flat.numel()))
        V = log_probs.shape[1]
        keep_rows: list[int] = []
        new_alive: list[tuple[tuple[int, ...], float]] = []
        next_prev: list[int] = []
        for value, index in zip(top_vals.tolist(), top_idx.tolist()):
            row, y = divmod(index, V)
            tokens = alive[row][0]
            if y == eos:
                one = _take(state, torch.tensor([row], device=log_probs.device))
                finished.append(Candidate(tokens, value, _normalised(value, len(tokens) + 1, alpha), True, one))
            else:
                keep_rows.append(row)
                new_alive.append((tokens + (y,), value))
                next_prev.append(y)
        if not new_alive or len(finished) >= beam_width:
            alive = []
            break
        rows = torch.tensor(keep_rows, device=log_probs.device)
        state = _take(state, rows)
        alive = new_alive
        prev = torch.tensor(next_prev, device=log_probs.device)
    for row, (tokens, lp) in enumerate(alive):  # max_len reached: unfinished candidates
        one = _take(state, torch.tensor([row], device=state[0].device)) if state else ()
        finished.append(Candidate(tokens, lp, _normalised(lp, len(tokens), alpha), False, one))
    finished.sort(key=lambda c: -c.score)
    return finished[:beam_width]
