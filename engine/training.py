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

import threading
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Iterator, Literal

from engine.errors import InputError
from engine.events import Event
from engine.smoothing import smoothed
from engine.limits import (
    MAX_BATCH_SIZE,
    MAX_BATCH_TOKENS,
    MAX_CLIP_THRESHOLD,
    MAX_CPU_THREADS,
    MAX_EMBEDDING_DIM,
    MAX_HIDDEN,
    MAX_LAYERS,
    MAX_LR,
    MAX_SAMPLE_LEN,
    MAX_SAMPLES_PER_EVENT,
    MAX_SEQ_LEN,
    MAX_VOCAB_SIZE,
    check_float,
    check_int,
    check_seed,
)

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
    """Checkpoint directory (None: no checkpoint). The run locks it for its whole life; it keeps the
    last checkpoint there and the one with the lowest validation loss in ``best/``."""
    overwrite: bool = False
    """Start afresh in an ``out`` that already holds a checkpoint (kept until this run's first save;
    its ``best/`` and metrics go at once). Without it such a run is refused: resume it instead, or
    choose another folder."""
    report_every_steps: int = 50
    """A ``Step`` event at least every this many steps..."""
    report_every_s: float = 0.05
    """...or when this many seconds passed since the last one (the last step is always reported)."""
    smoothing: float = 0.98
    """β of the smoothed loss."""

    def __post_init__(self) -> None:
        """Every field is checked for type and range (caps in :mod:`engine.limits`), each refusal a
        one-line InputError whose ``field`` names the setting."""
        from engine.recurrent.kinds import CELL_KINDS  # torch-free: a form builds this config before torch loads
        from engine.text_files import check_encoding  # numpy-free, like the rest of this check

        def choice(name: str, allowed: tuple[str, ...]) -> None:
            value = getattr(self, name)
            if not isinstance(value, str) or value not in allowed:
                raise InputError(f"{name} must be one of {', '.join(allowed)}, got {value!r}", field=name)

        choice("level", ("char", "word"))
        choice("case", ("auto", "lower", "keep"))
        choice("sequence", ("auto", "line", "stream"))
        choice("cell", tuple(CELL_KINDS))
        choice("input", ("one-hot", "embedding"))
        choice("clip", CLIP_MODES)
        choice("optimizer", OPTIMIZERS)
        choice("device", ("auto", "cpu", "cuda"))
        if not isinstance(self.data, str) or not self.data:
            raise InputError(f"data must be a corpus name or a file path, got {self.data!r}", field="data")
        check_encoding(self.encoding)
        check_int(self.seq_len, "seq_len", 2, MAX_SEQ_LEN)
        check_int(self.layers, "layers", 1, MAX_LAYERS)
        check_int(self.hidden, "hidden", 1, MAX_HIDDEN)
        check_int(self.embedding_dim, "embedding_dim", 1, MAX_EMBEDDING_DIM)
        check_int(self.batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        if self.batch_size * self.seq_len > MAX_BATCH_TOKENS:
            raise InputError(f"batch_size × seq_len = {self.batch_size * self.seq_len:,} tokens a step, more than the "
                             f"{MAX_BATCH_TOKENS:,} allowed; lower batch_size or seq_len", field="batch_size")
        for name in ("steps", "eval_every", "checkpoint_every", "report_every_steps", "max_eval_sequences"):
            check_int(getattr(self, name), name, 1)
        check_int(self.sample_every, "sample_every", 0)
        check_int(self.n_samples, "n_samples", 1, MAX_SAMPLES_PER_EVENT)
        check_int(self.sample_max_len, "sample_max_len", 1, MAX_SAMPLE_LEN)
        if self.n_samples * self.sample_max_len > MAX_BATCH_TOKENS:
            raise InputError(f"n_samples × sample_max_len must be ≤ {MAX_BATCH_TOKENS:,}, got "
                             f"{self.n_samples * self.sample_max_len:,}", field="sample_max_len")
        check_int(self.min_count, "min_count", 1)
        if self.max_vocab is not None:
            check_int(self.max_vocab, "max_vocab", 1, MAX_VOCAB_SIZE)
        check_float(self.val_fraction, "val_fraction", 0.0, 0.9, lo_open=True, hi_open=True)
        check_float(self.dropout, "dropout", 0.0, 1.0, hi_open=True)
        check_float(self.lr, "lr", 0.0, MAX_LR, lo_open=True)
        check_float(self.clip_threshold, "clip_threshold", 0.0, MAX_CLIP_THRESHOLD, lo_open=True)
        check_float(self.smoothing, "smoothing", 0.0, 1.0, hi_open=True)
        check_float(self.report_every_s, "report_every_s", 0.0)
        if self.cpu_threads is not None:
            check_int(self.cpu_threads, "cpu_threads", 1, MAX_CPU_THREADS,
                      what=" (more threads than cores only slows a run down)")
        check_seed(self.seed, "seed")
        check_seed(self.split_seed, "split_seed")
        if self.out is not None and (not isinstance(self.out, str) or not self.out):
            raise InputError(f"out must be a folder path or None, got {self.out!r}", field="out")
        if not isinstance(self.overwrite, bool):
            raise InputError(f"overwrite must be true or false, got {self.overwrite!r}", field="overwrite")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


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


__all__ = ["TrainConfig", "train", "smoothed"]
