"""The configuration of one task-training run (sentiment, NER or dates).

Public API::

    TASKS                                   # ("sentiment", "ner", "dates")
    TaskConfig(task="sentiment", ...)       # frozen, validated; to_json() / from_json(d)
    config.for_task() -> TaskConfig         # the task's own defaults where a field is left as None

Fields left ``None`` take the task's default (:data:`TASK_DEFAULTS`): e.g. ``embeddings`` is
GloVe for the word tasks and "none" for the character-level dates.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Literal

from engine.errors import InputError

TASKS: tuple[str, ...] = ("sentiment", "ner", "dates")
MODELS: tuple[str, ...] = ("average", "rnn")
MODEL_KINDS: dict[str, str] = {t: f"task.{t}" for t in TASKS}
"""The checkpoint ``model_kind`` of each task."""

MAX_DATES = 10_000_000
"""Synthetic date pairs a run may generate."""
MAX_EPOCHS = 100_000
"""Passes over the training set."""

TASK_DEFAULTS: dict[str, dict[str, object]] = {
    "sentiment": {"data": "rt-polarity", "embeddings": "glove", "embedding_dim": 50, "epochs": 8, "lr": 2e-3},
    "ner": {"data": "wnut17", "embeddings": "glove", "embedding_dim": 50, "epochs": 15, "lr": 2e-3},
    "dates": {"data": "synthetic", "embeddings": "none", "embedding_dim": 32, "epochs": 4, "lr": 3e-3},
}


@dataclass(frozen=True)
class TaskConfig:
    """One training run of a sequence task. ``None`` fields take the task's default."""

    task: Literal["sentiment", "ner", "dates"] = "sentiment"
    """sentiment (many-to-one), ner (many-to-many tagging) or dates (encoder-decoder)."""
    data: str | None = None
    """sentiment: rt-polarity, yelp or a 'sentence<TAB>0|1' file; ner: wnut17 or a CoNLL file
    (validation and test then come from the seeded split); dates: synthetic."""
    model: Literal["average", "rnn"] = "rnn"
    """sentiment only: the average of the word embeddings, or a recurrent network."""
    cell: str = "lstm"
    """Recurrent cell kind: rnn, gru, gru-course, gru-simple, lstm, lstm-peephole."""
    hidden: int = 64
    """n_a, the hidden size of each direction."""
    layers: int = 1
    """Stacked recurrent layers."""
    bidirectional: bool = False
    """Read each sequence both ways (→a and ←a)."""
    attention: bool = True
    """dates only: the decoder attends over the encoder's states (else it reads one summary)."""
    dropout: float = 0.3
    """Dropout on the embeddings and on what the output layer reads (training only)."""
    embeddings: str | None = None
    """Initial word embeddings: none (random), glove (GloVe 6B 50d) or a vectors directory / word2vec file."""
    freeze_embeddings: bool = False
    """Keep the pretrained embeddings fixed (True) or fine-tune them on the task (False)."""
    embedding_dim: int | None = None
    """Embedding size (taken from the pretrained vectors when there are some)."""
    pretrained_vocab: int = 20_000
    """The most frequent pretrained words added to the vocabulary beyond the training words."""
    min_count: int = 2
    """Training words seen fewer times become UNK (unless the pretrained vectors know them)."""
    train_size: int | None = None
    """Train on only this many training examples (a nested seeded subset; None: all)."""
    val_fraction: float = 0.1
    """Share of the data held out for validation (seeded split; WNUT-17 uses its own dev set)."""
    test_fraction: float = 0.1
    """Share held out for the final test (seeded split; WNUT-17 uses its own test set)."""
    split_seed: int = 0
    """Seed of the train/validation/test split (and of the synthetic dates)."""
    n_dates: int = 10_000
    """dates only: synthetic training pairs (validation and test get a tenth each, at least 200)."""
    epochs: int | None = None
    """Passes over the training set."""
    batch_size: int = 32
    """Examples per optimiser step."""
    lr: float | None = None
    """Adam learning rate."""
    clip_norm: float = 5.0
    """Rescale the gradient to this global norm when larger."""
    seed: int = 0
    """Seed of the weights, the batch order and dropout."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where to train."""
    cpu_threads: int | None = None
    """torch CPU threads during the run (None: see engine.device.auto_cpu_threads)."""
    keep: Literal["best", "last"] = "best"
    """Keep the weights of the best validation score, or those of the last step."""
    out: str | None = None
    """Checkpoint directory (None: no checkpoint)."""
    report_every_steps: int = 20
    """A Step event at least every this many steps ..."""
    report_every_s: float = 0.1
    """... or when this many seconds passed since the last one."""

    def __post_init__(self) -> None:
        from engine.limits import (
            MAX_BATCH_SIZE, MAX_CPU_THREADS, MAX_EMBEDDING_DIM, MAX_HIDDEN, MAX_LAYERS, MAX_LR, MAX_PARAMETERS,
            MAX_VOCAB_SIZE, check_int, check_seed,
        )
        from engine.recurrent.kinds import CELL_KINDS, KINDS  # torch-free: the Tasks screen builds this on the UI thread

        def need(cond: bool, msg: str, name: str) -> None:
            if not cond:
                raise InputError(msg, field=name)

        need(self.task in TASKS, f"task must be one of {', '.join(TASKS)}, got {self.task!r}", "task")
        need(self.model in MODELS, f"model must be one of {', '.join(MODELS)}, got {self.model!r}", "model")
        need(self.cell in CELL_KINDS, f"cell must be one of {', '.join(CELL_KINDS)}, got {self.cell!r}", "cell")
        for name in ("hidden", "layers", "pretrained_vocab", "min_count", "n_dates", "batch_size", "report_every_steps"):
            value = getattr(self, name)
            need(isinstance(value, int) and not isinstance(value, bool) and value > 0,
                 f"{name} must be a positive integer, got {value!r}", name)
        for name in ("embedding_dim", "train_size", "epochs", "cpu_threads"):
            value = getattr(self, name)
            need(value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0),
                 f"{name} must be a positive integer or None, got {value!r}", name)
        # Sizes the machine cannot hold are refused here, before anything is allocated (engine/limits.py).
        caps = {"hidden": MAX_HIDDEN, "layers": MAX_LAYERS, "embedding_dim": MAX_EMBEDDING_DIM,
                "pretrained_vocab": MAX_VOCAB_SIZE, "batch_size": MAX_BATCH_SIZE, "cpu_threads": MAX_CPU_THREADS,
                "n_dates": MAX_DATES, "epochs": MAX_EPOCHS}
        for name, cap in caps.items():
            if getattr(self, name) is not None:
                check_int(getattr(self, name), name, 1, cap)
        check_seed(self.seed, "seed")
        check_seed(self.split_seed, "split_seed")
        need(self.lr is None or (isinstance(self.lr, (int, float)) and self.lr <= MAX_LR),
             f"lr must be at most {MAX_LR:g}, got {self.lr!r}", "lr")
        if self.cell in CELL_KINDS:
            D, E, H = (2 if self.bidirectional else 1), self.embedding_dim or 300, self.hidden
            chunks = KINDS[self.cell].n_chunks
            params = self.layers * D * chunks * H * (H + max(E, D * H) + 2)  # the recurrent layers, roughly
            need(params <= MAX_PARAMETERS,
                 f"hidden {H:,} × layers {self.layers} make ~{params:,} recurrent weights, more than "
                 f"{MAX_PARAMETERS:,}; use a smaller hidden size or fewer layers", "hidden")
        for name in ("bidirectional", "attention", "freeze_embeddings"):
            need(isinstance(getattr(self, name), bool), f"{name} must be True or False, got {getattr(self, name)!r}", name)
        need(isinstance(self.dropout, (int, float)) and 0.0 <= self.dropout < 1.0,
             f"dropout must be in [0, 1), got {self.dropout!r}", "dropout")
        need(self.lr is None or (isinstance(self.lr, (int, float)) and self.lr > 0 and math.isfinite(self.lr)),
             f"lr must be > 0, got {self.lr!r}", "lr")
        need(self.clip_norm > 0 and math.isfinite(self.clip_norm), f"clip_norm must be > 0, got {self.clip_norm!r}", "clip_norm")
        need(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, got {self.device!r}", "device")
        need(self.keep in ("best", "last"), f"keep must be best or last, got {self.keep!r}", "keep")
        need(self.report_every_s >= 0, f"report_every_s must be ≥ 0, got {self.report_every_s!r}", "report_every_s")
        need(0.0 < self.val_fraction < 0.5, f"val_fraction must be in (0, 0.5), got {self.val_fraction!r}", "val_fraction")
        need(0.0 < self.test_fraction < 0.5, f"test_fraction must be in (0, 0.5), got {self.test_fraction!r}", "test_fraction")
        need(self.task == "sentiment" or self.model == "rnn",
             f"model 'average' is a sentiment classifier (one label per sentence); task {self.task!r} needs model 'rnn'",
             "model")
        if self.task == "dates":
            need(self.embeddings in (None, "none"),
                 f"the dates task reads characters, so word embeddings do not apply; use embeddings 'none', got {self.embeddings!r}",
                 "embeddings")
            need(self.data in (None, "synthetic"), f"the dates task uses synthetic data; data must be 'synthetic', got {self.data!r}", "data")
        if self.freeze_embeddings:
            need((self.embeddings or TASK_DEFAULTS[self.task]["embeddings"]) != "none",
                 "freeze_embeddings needs pretrained embeddings (glove or a directory); random ones must be trained",
                 "freeze_embeddings")

    def for_task(self) -> "TaskConfig":
        """This configuration with every ``None`` default filled in from :data:`TASK_DEFAULTS`."""
        defaults = TASK_DEFAULTS[self.task]
        return replace(self, **{k: v for k, v in defaults.items() if getattr(self, k) is None})

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TaskConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
