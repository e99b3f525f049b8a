"""The course's two sentiment classifiers: the average of the word embeddings, and a many-to-one RNN.

Public API::

    AveragingClassifier(vocab_size, dim, n_classes=2)
    RecurrentClassifier(vocab_size, dim, cell, hidden, layers=1, bidirectional=False, n_classes=2)
    model(ids (B, T), lengths (B,)) -> logits (B, n_classes)
    model.prefix_logits(ids (1, T)) -> (T, n_classes)    # the prediction after each word is read

(1) Averaging, the simple model of the course::

    avg = (1/T_x) Σ_t e⟨t⟩                 (B, D)     e⟨t⟩ = E·O_{word t}, PAD excluded
    ŷ   = softmax(W avg + b)

It reads a bag of words: "not good" and "good, not bad" can only differ by which words they
hold, not by their order, so a negation that flips the meaning of the word after it is beyond
it.

(2) Many-to-one RNN: ``e⟨t⟩ → a⟨t⟩ = cell(e⟨t⟩, a⟨t−1⟩)``, then ``ŷ = softmax(W_y a⟨T_x⟩ + b_y)``
(bidirectional: ``W_y [→a⟨T_x⟩ ; ←a⟨1⟩] + b_y``). The state carries what came before, so "not"
can change how "good" is read. Both models share the embedding layer of
:func:`make_embedding` (pretrained rows, frozen or trained). Dropout (training only) applies to
the embeddings and to the vector the softmax reads.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from engine.recurrent.heads import ManyToOneHead
from engine.tasks.encoder import SequenceEncoder


def make_embedding(matrix: np.ndarray | None, vocab_size: int, dim: int, freeze: bool = False) -> torch.nn.Embedding:
    """``torch.nn.Embedding`` (PAD = row 0), initialised from ``matrix`` ``(V, D)`` when given."""
    emb = torch.nn.Embedding(vocab_size, dim, padding_idx=0)
    if matrix is not None:
        with torch.no_grad():
            emb.weight.copy_(torch.from_numpy(np.ascontiguousarray(matrix, dtype=np.float32)))
    emb.weight.requires_grad_(not freeze)
    return emb


def _mask(lengths: Tensor, T: int) -> Tensor:
    return torch.arange(T, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T)


class AveragingClassifier(torch.nn.Module):
    """``softmax(W · mean_t e⟨t⟩ + b)`` over the sentence's true length (logits returned)."""

    def __init__(self, vocab_size: int, dim: int, n_classes: int = 2, *, dropout: float = 0.0,
                 matrix: np.ndarray | None = None, freeze_embeddings: bool = False) -> None:
        super().__init__()
        self.embedding = make_embedding(matrix, vocab_size, dim, freeze_embeddings)  # E
        self.dropout = float(dropout)
        self.output = torch.nn.Linear(dim, n_classes)  # W, b

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        e = F.dropout(self.embedding(ids), self.dropout, self.training)  # (B, T, D), PAD rows are 0
        e = e * _mask(lengths, ids.shape[1]).unsqueeze(-1).to(e.dtype)  # dropout never revives PAD
        avg = e.sum(1) / lengths.to(e.dtype).unsqueeze(1)  # (B, D)
        return self.output(F.dropout(avg, self.dropout, self.training))  # (B, n_classes)

    @torch.no_grad()
    def prefix_logits(self, ids: Tensor) -> Tensor:
        """``(T, n_classes)``: row t is the logits of the first t+1 words (running means, O(T))."""
        e = self.embedding(ids[0])  # (T, D)
        running = e.cumsum(0) / torch.arange(1, e.shape[0] + 1, device=e.device, dtype=e.dtype).unsqueeze(1)
        return self.output(running)


class RecurrentClassifier(torch.nn.Module):
    """Embedding → recurrent encoder (uni or bi) → last state at each true length → softmax."""

    def __init__(self, vocab_size: int, dim: int, cell: str, hidden: int, layers: int = 1,
                 bidirectional: bool = False, n_classes: int = 2, *, dropout: float = 0.0,
                 matrix: np.ndarray | None = None, freeze_embeddings: bool = False) -> None:
        super().__init__()
        self.embedding = make_embedding(matrix, vocab_size, dim, freeze_embeddings)
        self.encoder = SequenceEncoder(cell, dim, hidden, layers, bidirectional, dropout)
        self.head = ManyToOneHead(hidden, n_classes, bidirectional=bidirectional)
        self.dropout = float(dropout)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        x = F.dropout(self.embedding(ids), self.dropout, self.training)  # (B, T, D)
        out = self.encoder(x, lengths).out  # (B, T, D·H)
        summary = self.head.summary(out, lengths)  # (B, D·H): →a⟨T_x⟩ (‖ ←a⟨1⟩), each at its own T_x
        return self.head.linear(F.dropout(summary, self.dropout, self.training))  # (B, n_classes)

    @torch.no_grad()
    def by_direction(self, ids: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Bidirectional: ``(W_→ →a⟨T_x⟩, W_← ←a⟨1⟩, b_y)``, each class's logit split by direction (eval mode)."""
        out = self.encoder(self.embedding(ids), lengths).out  # (B, T, 2H)
        return self.head.by_direction(out, lengths)

    @torch.no_grad()
    def prefix_logits(self, ids: Tensor) -> Tensor:
        """``(T, n_classes)``: row t is the prediction once words 1…t+1 are read.

        Unidirectional: one pass, ``W_y a⟨t⟩ + b_y`` for every t (each a⟨t⟩ is exactly the last
        state of the prefix), O(T). Bidirectional: ←a of a prefix starts at the prefix's own end,
        so every prefix is run on its own (T runs, exact).
        """
        x = self.embedding(ids[:1])  # (1, T, D)
        T = x.shape[1]
        if not self.encoder.bidirectional:
            out = self.encoder(x, torch.tensor([T], device=x.device)).out  # (1, T, H)
            return self.head.linear(out[0])
        lengths = torch.arange(1, T + 1, device=x.device)
        out = self.encoder(x.expand(T, -1, -1), lengths).out  # row t reads the prefix of length t+1
        return self.head(out, lengths)
