"""What the three tasks share: a model with its vocabularies, its data splits, batches, loss, scores, saving.

Public API (the subclasses live in :mod:`engine.tasks.sentiment`, :mod:`~engine.tasks.ner`,
:mod:`~engine.tasks.dates`)::

    TaskModel.build(config) -> TaskModel              # reads the data, builds vocabularies and the model
    task.model / task.config / task.metric            # torch module, the filled TaskConfig, "accuracy" | "f1" | "exact_match"
    task.examples(split) -> list                      # "train" | "val" | "test", encoded, cached
    task.batches(split, rng=None) -> Iterator[Batch]  # shuffled when rng is given
    task.loss(batch) -> (mean loss tensor, items)     # cross-entropy, nats
    task.evaluate(split) -> Evaluation                # loss and metrics on a split
    task.trace(text) -> (tokens, Trace)               # every gate of the recurrent encoder, both directions
    task.save(path, *, scores=None) -> Path           # a checkpoint (engine.checkpoint), model_kind "task.<name>"
    TaskModel.from_checkpoint(data) -> TaskModel      # the inverse (engine.tasks.io.load_task picks the class)

A task never touches the data until asked: a checkpoint loaded to predict a sentence reads no
data set; ``examples`` reads (and caches) it the first time ``evaluate`` or training needs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterator

import numpy as np
import torch
from torch import Tensor

from engine.checkpoint import CheckpointData, write_checkpoint
from engine.errors import CheckpointError, InputError
from engine.recurrent.trace import Trace
from engine.tasks.config import MODEL_KINDS, TaskConfig


@dataclass
class Batch:
    """A padded batch: the model's inputs, the targets, and how many tokens it holds (for tokens/s)."""

    inputs: tuple[Tensor, ...]
    target: Tensor
    tokens: int
    size: int


@dataclass(frozen=True)
class Evaluation:
    """Scores of a model on one split."""

    loss: float
    """Mean cross-entropy per prediction (per sentence, per token, per output character), nats."""
    metric: str
    value: float
    """The headline metric (``metric``)."""
    metrics: dict[str, float] = field(default_factory=dict)
    """Every metric computed (the headline one included)."""
    size: int = 0
    """Examples scored."""

    def pairs(self) -> tuple[tuple[str, float], ...]:
        return tuple(self.metrics.items())


class TaskModel:
    """One task's model with its vocabularies and (lazily) its data; subclasses fill in the task."""

    task: ClassVar[str] = ""
    metric: ClassVar[str] = "accuracy"
    eval_batch_size: ClassVar[int] = 256

    def __init__(self, config: TaskConfig, model: torch.nn.Module, vocabs: dict[str, Any],
                 info: dict[str, Any] | None = None) -> None:
        self.config = config.for_task()
        self.model = model
        self.vocabs = vocabs
        self.info: dict[str, Any] = dict(info or {})
        self._examples: dict[str, list] = {}

    # ------------------------------------------------------------------ subclasses provide

    @classmethod
    def build(cls, config: TaskConfig) -> "TaskModel":  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_examples(self) -> dict[str, list]:  # pragma: no cover - abstract
        """Every split, encoded with this task's vocabularies: {"train", "val", "test"}."""
        raise NotImplementedError

    def collate(self, examples: list) -> Batch:  # pragma: no cover - abstract
        raise NotImplementedError

    def loss(self, batch: Batch) -> tuple[Tensor, int]:  # pragma: no cover - abstract
        raise NotImplementedError

    def evaluate_examples(self, examples: list) -> Evaluation:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def _model_from(cls, config: TaskConfig, vocabs: dict[str, Any], info: dict[str, Any]) -> torch.nn.Module:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def _vocabs_from_json(cls, data: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def encoder(self):
        """The model's :class:`~engine.tasks.encoder.SequenceEncoder` (None for the averaging model)."""
        return getattr(self.model, "encoder", None)

    def _trace_inputs(self, text: str) -> tuple[tuple[str, ...], Tensor]:  # pragma: no cover - abstract
        """The tokens of ``text`` and the encoder's input ``x`` ``(1, T, n_x)``."""
        raise NotImplementedError

    @torch.no_grad()
    def trace(self, text: str) -> tuple[tuple[str, ...], Trace]:
        """Every gate and state of the recurrent encoder reading ``text``, every layer, both directions.

        The :class:`~engine.recurrent.trace.Trace` is the one the Gates screen reads for language
        models; ``trace.layer(1, "backward")`` is ←a in the original word order.
        """
        encoder = self.encoder
        if encoder is None:
            raise InputError("the averaging model has no recurrent layer to trace; train model 'rnn'")
        was = self.model.training
        self.model.eval()
        try:
            tokens, x = self._trace_inputs(text)
            trace = encoder(x, torch.tensor([x.shape[1]], device=x.device), record=True).trace
        finally:
            self.model.train(was)
        assert trace is not None
        return tokens, trace

    def describe(self) -> str:
        """One line for a progress display."""
        return f"{self.task}: {self.model.__class__.__name__}"

    # ------------------------------------------------------------------ shared

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device: torch.device | str) -> "TaskModel":
        self.model.to(device)
        return self

    def examples(self, split: str) -> list:
        if split not in ("train", "val", "test"):
            raise InputError(f"split must be train, val or test, got {split!r}")
        if not self._examples:
            self._examples = self._load_examples()
        return self._examples[split]

    def batches(self, split: str, rng: np.random.Generator | None = None, batch_size: int | None = None) -> Iterator[Batch]:
        """Batches of ``split`` in file order, or in a random order drawn from ``rng``."""
        examples = self.examples(split)
        size = batch_size or self.config.batch_size
        order = rng.permutation(len(examples)) if rng is not None else np.arange(len(examples))
        for start in range(0, len(examples), size):
            yield self.collate([examples[i] for i in order[start : start + size]])

    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(len(self.examples("train")) / self.config.batch_size))

    @torch.no_grad()
    def evaluate(self, split: str = "test") -> Evaluation:
        was = self.model.training
        self.model.eval()
        try:
            return self.evaluate_examples(self.examples(split))
        finally:
            self.model.train(was)

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        return [p for p in self.model.parameters() if p.requires_grad]

    # ------------------------------------------------------------------ checkpoints

    @property
    def model_kind(self) -> str:
        return MODEL_KINDS[self.task]

    def save(self, path: str | Path, *, scores: dict[str, Any] | None = None) -> Path:
        """Write the model, its configuration and vocabularies as a checkpoint directory."""
        extra = {"vocabs": {name: v.to_json() for name, v in self.vocabs.items()}, "info": self.info}
        if scores is not None:
            extra["scores"] = scores
        return write_checkpoint(path, model_kind=self.model_kind, config=self.config.to_json(),
                                tensors=self.model.state_dict(), extra=extra)

    @classmethod
    def from_checkpoint(cls, data: CheckpointData) -> "TaskModel":
        meta = data.meta
        try:
            config = TaskConfig.from_json(meta["config"]).for_task()
            vocabs = cls._vocabs_from_json(meta["vocabs"])
            info = dict(meta.get("info") or {})
            model = cls._model_from(config, vocabs, info)
        except (KeyError, TypeError) as exc:
            raise CheckpointError(f"{data.path} has an incomplete configuration (missing {exc}); retrain it") from None
        except InputError as exc:
            raise CheckpointError(f"{data.path} has an invalid configuration: {exc}") from None
        expected = model.state_dict()
        got = data.tensors
        if set(expected) != set(got) or any(tuple(got[k].shape) != tuple(v.shape) for k, v in expected.items()):
            raise CheckpointError(f"{data.path}: the weights do not match the configuration; the files are mixed up")
        model.load_state_dict(got)
        model.eval()
        task = cls(config, model, vocabs, info)
        task.info["scores"] = meta.get("scores")
        return task


def nan_to_none(value: float | None) -> float | None:
    """JSON has no NaN: None instead (``--json`` output never prints NaN)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value
