"""Looking at a language model (Gates, Generate): load it, trace it, sample it, walk a text, score one.

Each function runs in a thread worker (:func:`explorer.runs.start_call`) and returns a small result
that reaches the screen as an ``EngineEvent[<result>]`` message. The engine (and so torch) is imported
when a function is called, never at module import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BUNDLED_PREFIX = "bundled:"


@dataclass(frozen=True)
class ModelInfo:
    """What the screens say about a loaded model."""

    path: str
    cell: str
    layers: int
    hidden: int
    level: str
    variant_note: str
    equations: tuple[str, ...]
    bidirectional: bool = False
    corpus: str = ""
    best: bool = False
    """The folder's ``best/`` checkpoint (lowest validation loss) was read, not its last save."""
    task: str = ""
    """A sequence task's model (``ner``, ``sentiment``, ``dates``: its recurrent encoder), not a
    language model."""

    @property
    def short(self) -> str:
        """``char lstm 1×50 · dinos`` (what the model is, without where it lives); a task's model:
        ``ner bi-lstm 1×64 · wnut17``."""
        where = f" · {self.corpus}" if self.corpus else ""
        if self.task:
            return f"{self.task} {'bi-' if self.bidirectional else ''}{self.cell} {self.layers}×{self.hidden}{where}"
        return f"{self.level} {self.cell} {self.layers}×{self.hidden}{where}"

    @property
    def summary(self) -> str:
        where = f" on {self.corpus}" if self.corpus else ""
        return f"{self.level} {self.cell}, {self.layers}×{self.hidden}{where} — {self.path}"


@dataclass(frozen=True)
class ModelLoaded:
    """A checkpoint was loaded: the model and what to say about it."""

    model: Any
    info: ModelInfo


@dataclass(frozen=True)
class TraceRecorded:
    """Every gate and state of the model reading ``tokens`` (an :class:`engine.recurrent.trace.Trace`)."""

    tokens: tuple[str, ...]
    trace: Any


@dataclass(frozen=True)
class SamplesDrawn:
    samples: tuple[Any, ...]
    """:class:`engine.events.Sample` objects."""
    config: Any = None
    """The ``engine.lm.sampling.SampleConfig`` they were drawn with (its temperature and top-k are
    what a step-through of one of them shows)."""


@dataclass(frozen=True)
class Walked:
    """Every step of a text, with the next-token distributions: the model's own and the one sampled
    from at ``temperature`` and ``top_k`` (:class:`engine.lm.sampling.StepChoices`)."""

    text: str
    steps: tuple[Any, ...]
    temperature: float = 1.0
    top_k: int | None = None
    prefix_tokens: int = 0
    """How many first tokens were the prefix (given, not sampled)."""


@dataclass(frozen=True)
class Scored:
    """The probability of a text (:class:`engine.lm.scoring.SentenceScore`)."""

    score: Any


def load_model(choice: str | None) -> ModelLoaded:
    """Load a checkpoint directory (its ``best/`` when it has one), ``"bundled:NAME"``, or (None) the
    bundled default; describe it."""
    from engine import lm
    from engine.checkpoint import resolve_checkpoint

    if choice is None:
        path = str(lm.default_checkpoint())
    elif choice.startswith(BUNDLED_PREFIX):
        path = str(lm.default_checkpoint(choice[len(BUNDLED_PREFIX):]))
    else:
        path = choice
    model = lm.load_language_model(path)  # which="best"
    best = resolve_checkpoint(path) != resolve_checkpoint(path, "last")
    return ModelLoaded(model, model_info(model, path, best=best))


def model_info(model: Any, path: str = "", best: bool = False) -> ModelInfo:
    """The :class:`ModelInfo` of a loaded ``LanguageModel`` (its cell kind's note and equations)."""
    from engine.recurrent.kinds import kind_of

    cfg = model.model_config
    kind = kind_of(model.cell_kind)
    return ModelInfo(
        path=str(path), cell=kind.name, layers=int(cfg.layers), hidden=int(cfg.hidden), level=model.vocab.level,
        variant_note=kind.note, equations=kind.equations, bidirectional=bool(getattr(cfg, "bidirectional", False)),
        corpus=str(model.corpus_name or ""), best=best,
    )


def trace(model: Any, text: str) -> TraceRecorded:
    from engine import lm

    tokens, recorded = lm.record_trace(model, text)
    return TraceRecorded(tuple(tokens), recorded)


def draw_samples(model: Any, config: Any) -> SamplesDrawn:
    """Samples of ``model`` with the settings of ``config`` (an ``engine.lm.sampling.SampleConfig``)."""
    from engine.lm.sampling import sample_with

    return SamplesDrawn(tuple(sample_with(model, config)), config)


def walk_text(model: Any, text: str, temperature: float = 1.0, top_k: int | None = None,
              prefix: str = "") -> Walked:
    """Step through ``text``: at every step the model's own next-token distribution and the one a
    sample at ``temperature`` and ``top_k`` is drawn from; ``prefix`` (given, not sampled) begins it."""
    from engine.lm.sampling import prepare_text, walk_distributions

    steps = walk_distributions(model, text, temperature, top_k)
    given = len(model.vocab.tokenize(prepare_text(model, prefix))) if prefix and text.startswith(prefix) else 0
    return Walked(text, steps, temperature, top_k, given)


def score(model: Any, text: str) -> Scored:
    from engine import lm

    return Scored(lm.sentence_probability(model, text))
