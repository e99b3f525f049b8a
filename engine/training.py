"""Training a language model as a generator of events.

Public API::

    TrainConfig(...)                                   # defaults = the demo run: char LSTM, dinosaur names, n_a = 50
    train(config, stop=None, resume_from=None, *, save_request=None, pause=None) -> Iterator[Event]
    smoothed(ema, t, beta) -> float                    # the bias-corrected moving average

Events, in order: ``Started``; then ``Step`` (rate-bounded: every ``report_every_steps`` steps or
``report_every_s`` seconds, whichever comes first, and always the last step; the gradient norms are
measured on the reported steps only, so unreported steps cost what a bare loop costs), ``Evaluated`` and
``Sampled`` every ``eval_every``/``sample_every`` steps, ``Saved`` every ``checkpoint_every``
steps and at the end (when ``out`` is set); ``Diverged`` if the loss or the gradient becomes NaN or
infinite; ``Finished`` last. Setting ``stop`` ends the run before the next step, with a checkpoint.

Each step: a batch of sequences y (B, T), ``L = Σ_t L⟨t⟩`` summed over the batch, optimised as the
per-token mean ``L / n_tokens`` (what ``Step.loss`` reports, in nats). The gradient is clipped by
value (each entry into ``[−N, N]``, the course's ``clip``) or by global norm (``g ← g·N/‖g‖`` when
``‖g‖ > N``). Smoothed loss, Adam-style: ``m_t = β m_{t−1} + (1 − β) L_t``, reported as
``m_t / (1 − β^t)`` (the course notebook starts its average at the loss of a random model,
which makes the first hundreds of steps look flat).

Reproducibility: the batch of step s is fixed by (seed, s): epoch e = (s − 1) // batches_per_epoch
uses the permutation ``default_rng([seed, e])``. A checkpoint stores the weights, the optimiser's
moments, torch's RNG state (dropout) and the step, so a resumed run repeats the unbroken run's
losses exactly on the CPU.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Iterator, Literal

from engine.errors import InputError
from engine.events import Event

CLIP_MODES = ("value", "norm", "none")
OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class TrainConfig:
    """A language-model training run. The defaults are the demo: a character LSTM (n_a = 50) on
    the course's dinosaur names, whose loss falls and whose samples look like names within seconds."""

    data: str = "dinos"
    """A bundled corpus (dinos, names, shakespeare) or a path to a UTF-8 text file."""
    level: Literal["char", "word"] = "char"
    """Tokens are characters or words (and punctuation marks)."""
    encoding: str = "utf-8"
    """Text encoding of a user file."""
    case: Literal["auto", "lower", "keep"] = "auto"
    """Letter case: "auto" uses the corpus default (lower for dinosaurs, keep otherwise)."""
    sequence: Literal["auto", "line", "stream"] = "auto"
    """"line": one sequence per line (name, sentence); "stream": windows over running text; "auto": corpus default."""
    seq_len: int = 100
    """Longest sequence in tokens (stream windows; longer lines are cut)."""
    val_fraction: float = 0.1
    """Share of the corpus held out for validation."""
    split_seed: int = 0
    """Seed of the train/validation split (independent of ``seed``)."""
    max_vocab: int | None = None
    """Keep at most this many tokens (None: no limit); the rest become UNK."""
    min_count: int = 1
    """Drop tokens seen fewer times than this (they become UNK)."""
    cell: str = "lstm"
    """Recurrent cell kind: rnn, gru, gru-course, gru-simple, lstm, lstm-peephole."""
    layers: int = 1
    """Stacked recurrent layers."""
    hidden: int = 50
    """n_a, the hidden size."""
    dropout: float = 0.0
    """Dropout between stacked layers."""
    input: Literal["one-hot", "embedding"] = "one-hot"
    """x⟨t⟩ as a one-hot vector (the course's) or an embedding lookup."""
    embedding_dim: int = 32
    """Embedding size when ``input`` is "embedding"."""
    steps: int = 800
    """Optimiser steps in total (a resumed run continues up to this number)."""
    batch_size: int = 32
    """Sequences per step."""
    lr: float = 0.01
    """Learning rate."""
    optimizer: Literal["adam", "sgd"] = "adam"
    """Adam or plain SGD."""
    clip: Literal["value", "norm", "none"] = "value"
    """Gradient clipping: by value (the course's), by global norm, or none."""
    clip_threshold: float = 5.0
    """N: clip each entry to [−N, N] ("value"), or rescale to norm N ("norm")."""
    seed: int = 0
    """Seed of weights, batch order, dropout and samples."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where to train."""
    cpu_threads: int | None = None
    """torch CPU threads during the run (None: torch's setting on the main thread, 1 in a worker
    thread, see :func:`engine.device.auto_cpu_threads`). Small models on a busy machine often run
    several times faster with 1 (threads wait for cores); restored at the end."""
    eval_every: int = 100
    """Validation loss every this many steps (and at the end)."""
    max_eval_sequences: int = 4000
    """Validation uses at most this many sequences (the first ones: a fixed set)."""
    sample_every: int = 100
    """A few samples every this many steps (0: never)."""
    n_samples: int = 5
    """Samples per ``Sampled`` event."""
    sample_max_len: int = 50
    """Longest sample in tokens."""
    checkpoint_every: int = 500
    """Save every this many steps when ``out`` is set (and always at the end)."""
    out: str | None = None
    """Checkpoint directory (None: no checkpoint)."""
    report_every_steps: int = 50
    """A ``Step`` event at least every this many steps..."""
    report_every_s: float = 0.05
    """...or when this many seconds passed since the last one (the last step is always reported)."""
    smoothing: float = 0.98
    """β of the smoothed loss."""

    def __post_init__(self) -> None:
        from engine.recurrent.kinds import CELL_KINDS  # torch-free: a form builds this config before torch loads

        def need(cond: bool, msg: str) -> None:
            if not cond:
                raise InputError(msg)

        need(self.level in ("char", "word"), f"level must be char or word, got {self.level!r}")
        need(self.case in ("auto", "lower", "keep"), f"case must be auto, lower or keep, got {self.case!r}")
        need(self.sequence in ("auto", "line", "stream"), f"sequence must be auto, line or stream, got {self.sequence!r}")
        need(self.cell in CELL_KINDS, f"cell must be one of {', '.join(CELL_KINDS)}, got {self.cell!r}")
        need(self.input in ("one-hot", "embedding"), f"input must be one-hot or embedding, got {self.input!r}")
        need(self.clip in CLIP_MODES, f"clip must be one of {', '.join(CLIP_MODES)}, got {self.clip!r}")
        need(self.optimizer in OPTIMIZERS, f"optimizer must be adam or sgd, got {self.optimizer!r}")
        need(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, got {self.device!r}")
        for name in ("seq_len", "layers", "hidden", "embedding_dim", "steps", "batch_size", "eval_every",
                     "checkpoint_every", "report_every_steps", "n_samples", "sample_max_len", "max_eval_sequences"):
            value = getattr(self, name)
            need(isinstance(value, int) and value > 0, f"{name} must be a positive integer, got {value!r}")
        need(self.seq_len >= 2, f"seq_len must be ≥ 2, got {self.seq_len}")
        need(self.sample_every >= 0, f"sample_every must be ≥ 0, got {self.sample_every}")
        need(self.min_count >= 1, f"min_count must be ≥ 1, got {self.min_count}")
        need(self.max_vocab is None or self.max_vocab >= 1, f"max_vocab must be ≥ 1 or None, got {self.max_vocab}")
        need(0.0 < self.val_fraction < 0.9, f"val_fraction must be in (0, 0.9), got {self.val_fraction}")
        need(0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout}")
        need(self.lr > 0 and math.isfinite(self.lr), f"lr must be > 0, got {self.lr}")
        need(self.clip_threshold > 0, f"clip threshold must be > 0, got {self.clip_threshold}")
        need(0.0 <= self.smoothing < 1.0, f"smoothing must be in [0, 1), got {self.smoothing}")
        need(self.report_every_s >= 0, f"report_every_s must be ≥ 0, got {self.report_every_s}")
        need(self.cpu_threads is None or (isinstance(self.cpu_threads, int) and self.cpu_threads >= 1),
             f"cpu_threads must be a positive integer or None, got {self.cpu_threads!r}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def smoothed(ema: float, t: int, beta: float) -> float:
    """Bias-corrected moving average ``m_t / (1 − β^t)`` (``t`` = number of updates)."""
    return ema / (1.0 - beta**t) if t > 0 else float("nan")


ADVICE = (
    "{what}: lower the learning rate (--lr, e.g. {lr:g}), clip the gradient "
    "(--clip-norm 1 or --clip-value 5), or use a gated cell (lstm, gru); the last good checkpoint is kept"
)


def train(
    config: TrainConfig,
    stop: threading.Event | None = None,
    resume_from: str | Path | None = None,
    *,
    save_request: threading.Event | None = None,
    pause: threading.Event | None = None,
) -> Iterator[Event]:
    """Train a language model, yielding events; see the module docstring.

    ``resume_from``: a checkpoint directory written by a previous run (weights, optimiser, RNG,
    step). ``save_request``: when set (by the app's "save" key), a checkpoint is written after the
    current step and the event is cleared. ``pause``: while set, the run waits before its next
    step (after reporting the last step done); the time paused counts in neither ``elapsed_s``,
    ``tokens_per_s`` nor the time left (``eta_s``). Setting ``stop`` ends a paused run too.
    """
    from engine.lm.loop import TrainingRun

    run = TrainingRun(config, stop or threading.Event(), resume_from, save_request, pause)
    try:
        yield from run.events()
    finally:
        run.close()


__all__ = ["TrainConfig", "train", "smoothed", "ADVICE"]
