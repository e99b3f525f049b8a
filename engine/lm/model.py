"""The language model: one-hot or embedding input → recurrent cells → softmax.

Public API::

    ModelConfig(vocab_size, cell="lstm", layers=1, hidden=50, dropout=0.0, input="one-hot", embedding_dim=32)
    LanguageModel(vocab, model_config, *, config=None)      # .vocab .config .cell_kind .corpus_name
    LanguageModel.inputs(y) -> x                             # x⟨1⟩ = 0, x⟨t⟩ = y⟨t−1⟩ (teacher forcing)
    LanguageModel.forward(y, state=None, record=False) -> (logits, state, Trace | None)
    LanguageModel.loss(y) -> (L_sum, n_tokens)               # L = Σ_t L⟨t⟩

The maths, for one sequence ``y⟨1⟩ … y⟨T⟩`` (the last one EOS)::

    x⟨1⟩ = 0,  x⟨t⟩ = O_{y⟨t−1⟩}   (one-hot)   or   x⟨t⟩ = e_{y⟨t−1⟩} = E·O_{y⟨t−1⟩}   (embedding)
    a⟨t⟩ = cell(x⟨t⟩, a⟨t−1⟩)       (any engine cell; stacked layers feed a of one to x of the next)
    ŷ⟨t⟩ = softmax(W_ya a⟨t⟩ + b_y)
    L⟨t⟩ = −Σ_i y_i⟨t⟩ log ŷ_i⟨t⟩,   L = Σ_t L⟨t⟩,   per-token mean = L / T

Padding (targets ``-100``) only follows the end of a sequence, so it never changes an earlier step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from engine.errors import InputError
from engine.limits import MAX_EMBEDDING_DIM, MAX_HIDDEN, MAX_LAYERS, MAX_PARAMETERS, MAX_VOCAB_SIZE, check_float, check_int
from engine.text import Vocab

PAD = -100
INPUT_KINDS: tuple[str, ...] = ("one-hot", "embedding")


def _cell_kinds() -> tuple[str, ...]:
    from engine.recurrent.kinds import CELL_KINDS

    return CELL_KINDS


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a language model."""

    vocab_size: int
    """Size of the softmax (and of the one-hot input), EOS and UNK included."""
    cell: str = "lstm"
    """Recurrent cell kind: rnn, gru, gru-course, gru-simple, lstm, lstm-peephole."""
    layers: int = 1
    """Stacked recurrent layers."""
    hidden: int = 50
    """n_a, the size of a⟨t⟩ (and c⟨t⟩)."""
    dropout: float = 0.0
    """Dropout between stacked layers (0 ≤ p < 1)."""
    input: Literal["one-hot", "embedding"] = "one-hot"
    """x⟨t⟩ as a one-hot vector O_j (the course's) or an embedding lookup e_j = E·O_j."""
    embedding_dim: int = 32
    """Size of e_j when ``input`` is "embedding"."""

    def __post_init__(self) -> None:
        """Types and sizes are checked before anything is allocated (the caps are in :mod:`engine.limits`):
        a crafted checkpoint or a setting such as ``hidden = 20000`` is refused here, by name."""
        check_int(self.vocab_size, "vocab_size", 3, MAX_VOCAB_SIZE, what=" (EOS, UNK and at least one token)")
        if not isinstance(self.cell, str) or self.cell not in _cell_kinds():
            raise InputError(f"cell must be one of {', '.join(_cell_kinds())}, got {self.cell!r}", field="cell")
        check_int(self.layers, "layers", 1, MAX_LAYERS)
        check_int(self.hidden, "hidden", 1, MAX_HIDDEN)
        check_float(self.dropout, "dropout", 0.0, 1.0, hi_open=True)
        if not isinstance(self.input, str) or self.input not in INPUT_KINDS:
            raise InputError(f"input must be one of {', '.join(INPUT_KINDS)}, got {self.input!r}", field="input")
        check_int(self.embedding_dim, "embedding_dim", 1, MAX_EMBEDDING_DIM)
        n = self.parameter_count()
        if n > MAX_PARAMETERS:
            raise InputError(
                f"this model would have {n:,} parameters ({self.layers} × {self.cell} of {self.hidden} units, vocabulary "
                f"{self.vocab_size:,}), more than the {MAX_PARAMETERS:,} seq-explorer allows; lower hidden or layers",
                field="hidden",
            )

    def parameter_count(self) -> int:
        """Number of weights, by arithmetic (nothing allocated): per layer ``k·H·(n_in + H) + 2·k·H``
        (k gate chunks; + 3H peepholes), the head ``V·H + V``, the embedding ``V·E``."""
        from engine.recurrent.kinds import KINDS

        k, H, V = KINDS[self.cell].n_chunks, self.hidden, self.vocab_size
        total = 0
        for layer in range(self.layers):
            n_in = self.input_size if layer == 0 else H
            total += k * H * (n_in + H) + 2 * k * H + (3 * H if self.cell == "lstm-peephole" else 0)
        total += V * H + V
        if self.input == "embedding":
            total += V * self.embedding_dim
        return total

    @property
    def input_size(self) -> int:
        return self.vocab_size if self.input == "one-hot" else self.embedding_dim

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModelConfig":
        if not isinstance(data, dict):
            raise InputError(f"the model configuration must be a JSON object, got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        if "vocab_size" not in data:
            raise InputError("the model configuration has no vocab_size")
        return cls(**{k: v for k, v in data.items() if k in names})

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        """Name → shape of every tensor of the state dict, from a model built on the ``meta`` device
        (no memory is allocated), so that a checkpoint's tensors can be checked before building."""
        with torch.device("meta"):
            model = LanguageModel(_SizedVocab(self.vocab_size), self)  # type: ignore[arg-type]
        return {name: tuple(t.shape) for name, t in model.state_dict().items()}


class _SizedVocab:
    """Stands in for a :class:`Vocab` where only its size matters (:meth:`ModelConfig.expected_shapes`)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def make_recurrent(cfg: ModelConfig) -> nn.Module:
    """The engine's :class:`~engine.recurrent.layers.Recurrent` for ``cfg``."""
    from engine.recurrent.layers import Recurrent

    return Recurrent(cfg.cell, cfg.input_size, cfg.hidden, num_layers=cfg.layers, dropout=cfg.dropout)


class LanguageModel(nn.Module):
    """Embedding or one-hot → recurrent → linear → softmax over the vocabulary.

    Attributes for the app: ``vocab``, ``model_config``, ``config`` (the whole training
    configuration as a dict, empty for an untrained model), ``cell_kind``, ``corpus_name``,
    ``sequence`` ("line" or "stream"), ``known_lines`` (set of training lines for name corpora or
    None: set by the loader).
    """

    def __init__(self, vocab: Vocab, model_config: ModelConfig, *, config: dict[str, Any] | None = None) -> None:
        super().__init__()
        if model_config.vocab_size != len(vocab):
            raise InputError(f"model vocab_size {model_config.vocab_size} differs from the vocabulary's {len(vocab)}")
        self.vocab = vocab
        self.model_config = model_config
        self.config: dict[str, Any] = dict(config or {})
        self.known_lines: frozenset[str] | None = None
        V = model_config.vocab_size
        self.embedding = nn.Embedding(V, model_config.embedding_dim) if model_config.input == "embedding" else None
        self.rnn = make_recurrent(model_config)
        self.head = nn.Linear(model_config.hidden, V)  # W_ya, b_y

    @property
    def cell_kind(self) -> str:
        return self.model_config.cell

    @property
    def corpus_name(self) -> str:
        return str(self.config.get("data", ""))

    @property
    def sequence(self) -> str:
        return str(self.config.get("sequence_mode", "line"))

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """x for token ids (B, T) → (B, T, n_x); negative ids give the zero vector."""
        mask = (ids >= 0).unsqueeze(-1)
        safe = ids.clamp(min=0)
        if self.embedding is None:
            x = F.one_hot(safe, self.model_config.vocab_size).to(self.head.weight.dtype)  # O_j
        else:
            x = self.embedding(safe)  # e_j = E·O_j
        return x * mask

    def inputs(self, y: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: x⟨1⟩ = 0 and x⟨t⟩ = y⟨t−1⟩. y: (B, T) → x: (B, T, n_x)."""
        prev = torch.cat([torch.full_like(y[:, :1], -1), y[:, :-1]], dim=1)  # (B, T), -1 = the zero input
        return self.embed(prev)

    def run(self, x: torch.Tensor, state=None, *, record: bool = False):
        """x (B, T, n_x) → (logits (B, T, V), final state, Trace | None)."""
        out, state, trace = self.rnn(x, state, record=record)  # (B, T, H)
        return self.head(out), state, trace

    def forward(self, y: torch.Tensor, state=None, *, record: bool = False):
        """Logits for targets y (B, T) under teacher forcing."""
        return self.run(self.inputs(y), state, record=record)

    def loss(self, y: torch.Tensor) -> tuple[torch.Tensor, int]:
        """(L = Σ_t L⟨t⟩ summed over the batch, number of real tokens)."""
        logits, _, _ = self.forward(y)
        V = logits.shape[-1]
        total = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1), ignore_index=PAD, reduction="sum")
        return total, int((y != PAD).sum())
