"""Encoder-decoder (many-to-many, ``T_x ≠ T_y``) with optional attention, character level.

Public API::

    Translator(in_vocab_size, out_vocab_size, dim=32, hidden=64, cell="lstm", bidirectional=True,
               attention=True, attention_hidden=16)
    translator(src (B, T_x), lengths (B,), prev (B, T_y)) -> logits (B, T_y, V_out)   # teacher forcing
    translator.memory(src, lengths) -> Memory                     # the encoder's states, once
    translator.step_fn(memory) -> beam.StepFn                     # for greedy_decode / beam_search

Encoder: the source characters' embeddings through a :class:`SequenceEncoder`, giving
``a⟨t'⟩ = [→a⟨t'⟩ ; ←a⟨t'⟩]`` for t' = 1 … T_x.

Decoder, one step (``s`` its own recurrent state, ``y⟨0⟩ = <s>``):

- with attention (Bahdanau et al. 2015, the course's date-translation model): a small network
  scores every source position against the previous decoder state, the softmax of the scores
  says where to look, and the context is the weighted sum of the encoder's states::

      e⟨t,t'⟩ = vᵀ tanh(W_s s⟨t−1⟩ + W_a a⟨t'⟩ + b)          (padding positions: −∞)
      α⟨t,t'⟩ = exp(e⟨t,t'⟩) / Σ_t'' exp(e⟨t,t''⟩)            Σ_t' α⟨t,t'⟩ = 1
      context⟨t⟩ = Σ_t' α⟨t,t'⟩ a⟨t'⟩

- without attention (Sutskever et al. 2014 / Cho et al. 2014): ``context⟨t⟩ = [→a⟨T_x⟩ ; ←a⟨1⟩]``
  for every t, the one vector the encoder summarised the whole input into.

then ``s⟨t⟩ = cell([e(y⟨t−1⟩) ; context⟨t⟩], s⟨t−1⟩)`` (the project's :class:`RecurrentCell`) and
``P(y⟨t⟩ | x, y⟨<t⟩) = softmax(W_y s⟨t⟩ + b_y)``. Training feeds the true previous character
(teacher forcing); decoding feeds the model's own choice (greedy or beam search). The
attention weights α of every step are kept in the decoding state, for a heatmap.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.recurrent.cells import RecurrentCell
from engine.recurrent.heads import ManyToOneHead
from engine.tasks.beam import StepFn
from engine.tasks.encoder import SequenceEncoder


@dataclass
class Memory:
    """The encoder's output for a batch, computed once and read at every decoding step."""

    states: Tensor
    """``(N, T_x, C)`` ``a⟨t'⟩`` for every source position."""
    keys: Tensor | None
    """``(N, T_x, A)`` ``W_a a⟨t'⟩ + b``, precomputed (attention only)."""
    mask: Tensor
    """``(N, T_x)`` True at real (non-padding) positions."""
    summary: Tensor
    """``(N, C)`` ``[→a⟨T_x⟩ ; ←a⟨1⟩]`` (the context without attention)."""

    def expand(self, n: int) -> "Memory":
        """The same memory for ``n`` hypotheses of one source sentence (no copy)."""
        keys = self.keys.expand(n, -1, -1) if self.keys is not None else None
        return Memory(self.states.expand(n, -1, -1), keys, self.mask.expand(n, -1), self.summary.expand(n, -1))


class Translator(torch.nn.Module):
    """Character encoder-decoder; see the module docstring for the equations."""

    def __init__(self, in_vocab_size: int, out_vocab_size: int, dim: int = 32, hidden: int = 64, cell: str = "lstm",
                 bidirectional: bool = True, attention: bool = True, attention_hidden: int = 16) -> None:
        super().__init__()
        self.src_embedding = torch.nn.Embedding(in_vocab_size, dim, padding_idx=0)
        self.encoder = SequenceEncoder(cell, dim, hidden, 1, bidirectional)
        C = self.encoder.output_size
        self.summary_head = ManyToOneHead(hidden, 1, bidirectional=bidirectional)  # only its summary() is used
        self.attention = bool(attention)
        if attention:
            self.attn_keys = torch.nn.Linear(C, attention_hidden)  # W_a, b
            self.attn_query = torch.nn.Linear(hidden, attention_hidden, bias=False)  # W_s
            self.attn_v = torch.nn.Linear(attention_hidden, 1, bias=False)  # vᵀ
        self.tgt_embedding = torch.nn.Embedding(out_vocab_size, dim)
        self.decoder = RecurrentCell(cell, dim + C, hidden)
        self.output = torch.nn.Linear(hidden, out_vocab_size)  # W_y, b_y

    def memory(self, src: Tensor, lengths: Tensor) -> Memory:
        lengths = lengths.to(src.device)
        states = self.encoder(self.src_embedding(src), lengths).out  # (N, T_x, C)
        mask = torch.arange(src.shape[1], device=src.device).unsqueeze(0) < lengths.unsqueeze(1)
        keys = self.attn_keys(states) if self.attention else None
        return Memory(states, keys, mask, self.summary_head.summary(states, lengths))

    def attend(self, memory: Memory, s_prev: Tensor) -> tuple[Tensor, Tensor]:
        """``(context⟨t⟩ (N, C), α⟨t,·⟩ (N, T_x))`` given ``s⟨t−1⟩`` (N, H)."""
        if not self.attention:
            return memory.summary, memory.mask.to(s_prev.dtype) / memory.mask.sum(1, keepdim=True)
        assert memory.keys is not None
        e = self.attn_v(torch.tanh(memory.keys + self.attn_query(s_prev).unsqueeze(1))).squeeze(-1)  # (N, T_x)
        alpha = torch.softmax(e.masked_fill(~memory.mask, float("-inf")), dim=1)
        context = torch.bmm(alpha.unsqueeze(1), memory.states).squeeze(1)  # Σ_t' α⟨t,t'⟩ a⟨t'⟩
        return context, alpha

    def initial_state(self, n: int, like: Tensor) -> tuple[Tensor, ...]:
        s0 = self.decoder.initial_state(n, like)
        return s0 if isinstance(s0, tuple) else (s0,)

    def step(self, prev: Tensor, state: tuple[Tensor, ...], memory: Memory) -> tuple[Tensor, tuple[Tensor, ...], Tensor]:
        """One decoder step: ``(logits (N, V), new state, α (N, T_x))``."""
        s_prev = state[0]
        context, alpha = self.attend(memory, s_prev)
        x = torch.cat([self.tgt_embedding(prev), context], dim=1)  # [e(y⟨t−1⟩) ; context⟨t⟩]
        cell_state = state if len(state) == 2 else state[0]
        new, _ = self.decoder(x, cell_state)
        new_state = new if isinstance(new, tuple) else (new,)
        return self.output(new_state[0]), new_state, alpha

    def forward(self, src: Tensor, lengths: Tensor, prev: Tensor) -> Tensor:
        """Teacher forcing: ``prev`` ``(B, T_y)`` holds ``<s>, y⟨1⟩ … y⟨T_y−1⟩``; logits ``(B, T_y, V)``."""
        memory = self.memory(src, lengths)
        state = self.initial_state(src.shape[0], memory.states)
        logits = []
        for t in range(prev.shape[1]):
            out, state, _ = self.step(prev[:, t], state, memory)
            logits.append(out)
        return torch.stack(logits, dim=1)

    def step_fn(self, memory: Memory) -> StepFn:
        """A :data:`~engine.tasks.beam.StepFn` over one source sentence's memory.

        The state is ``(s, [c,] α-history (N, t, T_x))``: the attention weights of every step
        travel with each hypothesis, so a finished candidate carries its own.
        """
        def fn(prev: Tensor, state: tuple[Tensor, ...]) -> tuple[Tensor, tuple[Tensor, ...]]:
            mem = memory.expand(prev.shape[0])
            *cell_state, history = state
            logits, new_state, alpha = self.step(prev, tuple(cell_state), mem)
            history = torch.cat([history, alpha.unsqueeze(1)], dim=1)
            return F.log_softmax(logits, dim=-1), (*new_state, history)

        return fn

    def start_state(self, memory: Memory) -> tuple[Tensor, ...]:
        """The decoding state before the first step for :meth:`step_fn` (one sentence)."""
        history = memory.states.new_zeros(1, 0, memory.states.shape[1])
        return (*self.initial_state(1, memory.states), history)
