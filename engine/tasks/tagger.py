"""The many-to-many tagger (``T_x = T_y``): one BIO tag per token, from a uni- or bidirectional RNN.

Public API::

    Tagger(vocab_size, dim, n_tags, cell="lstm", hidden=64, layers=1, bidirectional=True, ...)
    tagger(ids (B, T), cases (B, T), lengths (B,)) -> logits (B, T, n_tags)
    tagger.encode(ids, cases, lengths, record=False) -> Encoded     # the recurrent states (and trace)
    tagger.by_direction(ids, cases) -> (forward part, backward part, bias)   # one sentence, bi only

Per token::

    x⟨t⟩ = [e⟨t⟩ ; c⟨t⟩]                    word embedding (lower-cased word) ‖ case-shape embedding
    →a⟨t⟩ = cell(x⟨t⟩, →a⟨t−1⟩)            reads x⟨1⟩ … x⟨t⟩: only what came before
    ←a⟨t⟩ = cell(x⟨t⟩, ←a⟨t+1⟩)            (bidirectional) reads x⟨T_x⟩ … x⟨t⟩: what follows
    ŷ⟨t⟩ = softmax(W_y [→a⟨t⟩ ; ←a⟨t⟩] + b_y)

The course's "He said, Teddy Roosevelt was a great President" vs "He said, Teddy bears are on
sale": a forward-only tagger's ŷ⟨t⟩ for "Teddy" depends on x⟨1⟩ … x⟨t⟩ only, the same words in
both sentences, so it must be the same; the bidirectional one also reads "Roosevelt" or "bears"
through ←a⟨t⟩.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from engine.errors import InputError
from engine.recurrent.heads import ManyToManyHead
from engine.tasks.encoder import Encoded, SequenceEncoder
from engine.tasks.ner_data import CASE_FEATURES
from engine.tasks.sentiment_models import make_embedding

CASE_DIM = 4
"""Size of the case-shape embedding (lower, Capitalised, UPPER, digits, other)."""


class Tagger(torch.nn.Module):
    """Word + case embeddings → recurrent encoder → a linear layer on every step (logits returned)."""

    def __init__(self, vocab_size: int, dim: int, n_tags: int, cell: str = "lstm", hidden: int = 64,
                 layers: int = 1, bidirectional: bool = True, *, dropout: float = 0.0,
                 matrix: np.ndarray | None = None, freeze_embeddings: bool = False) -> None:
        super().__init__()
        self.embedding = make_embedding(matrix, vocab_size, dim, freeze_embeddings)  # E
        self.case_embedding = torch.nn.Embedding(len(CASE_FEATURES), CASE_DIM)
        self.encoder = SequenceEncoder(cell, dim + CASE_DIM, hidden, layers, bidirectional, dropout)
        self.head = ManyToManyHead(self.encoder.output_size, n_tags)  # W_y, b_y
        self.dropout = float(dropout)

    def inputs(self, ids: Tensor, cases: Tensor) -> Tensor:
        """``x⟨t⟩ = [e⟨t⟩ ; c⟨t⟩]`` ``(B, T, D + 4)``."""
        x = torch.cat([self.embedding(ids), self.case_embedding(cases)], dim=-1)
        return F.dropout(x, self.dropout, self.training)

    def encode(self, ids: Tensor, cases: Tensor, lengths: Tensor, *, record: bool = False) -> Encoded:
        return self.encoder(self.inputs(ids, cases), lengths, record=record)

    def forward(self, ids: Tensor, cases: Tensor, lengths: Tensor) -> Tensor:
        out = self.encode(ids, cases, lengths).out  # (B, T, D·H)
        return self.head(F.dropout(out, self.dropout, self.training))  # (B, T, n_tags)

    @torch.no_grad()
    def by_direction(self, ids: Tensor, cases: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """For one unpadded sentence ``(1, T)``: ``(W_→ →a⟨t⟩ (T, n_tags), W_← ←a⟨t⟩ (T, n_tags), b_y)``.

        Their sum is the logits exactly (the output layer is linear over ``[→a ; ←a]``).
        """
        if not self.encoder.bidirectional:
            raise InputError("a forward-only tagger has one direction; its logits are all →a's")
        out = self.encode(ids[:1], cases[:1], torch.tensor([ids.shape[1]], device=ids.device)).out[0]  # (T, 2H)
        return self.head.by_direction(out, self.encoder.hidden_size)
