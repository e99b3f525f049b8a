"""Worker-side helpers for the screens that show a language model (Gates, Generate).

Every function here runs inside a thread worker (through
:func:`explorer.runs.start_call`): they import the engine (and so torch) when
called, never at module import. :func:`correlate_pattern` is pure numpy and runs
on the UI thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.assets import BUNDLED_CHECKPOINTS


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

    @property
    def summary(self) -> str:
        where = f" on {self.corpus}" if self.corpus else ""
        return f"{self.level} {self.cell}, {self.layers}×{self.hidden}{where} — {self.path}"


@dataclass(frozen=True)
class Loaded:
    model: object
    info: ModelInfo


BUNDLED = BUNDLED_CHECKPOINTS


def model_choices(checkpoint: str | None, latest_run: str | None = None) -> list[tuple[str, str]]:
    """Options of the model selector: the ``--checkpoint`` directory (if any), the latest run trained
    on the Train screen (if any), then the bundled ones."""
    choices = [(f"checkpoint {checkpoint}", checkpoint)] if checkpoint else []
    if latest_run and latest_run != checkpoint:
        choices.append(("latest run (Train)", latest_run))
    return choices + [(name, f"bundled:{name}") for name in BUNDLED]


def refresh_model_choices(screen) -> None:
    """Offer the Train screen's latest checkpoint in ``screen``'s ``#model`` selector (keeps the choice)."""
    from textual.widgets import Select

    latest = getattr(screen.app, "latest_checkpoint", None)
    select = screen.query_one("#model", Select)
    if not latest or getattr(screen, "_offered_run", None) == latest:
        return
    screen._offered_run = latest
    value = select.value
    select.set_options(model_choices(screen.options.get("checkpoint"), latest))
    if value is not Select.NULL:
        select.value = value


def load_model(choice: str | None) -> Loaded:
    """Load a checkpoint directory, ``"bundled:NAME"``, or (None) the bundled default; describe it."""
    from engine import lm

    if choice is None:
        path = str(lm.default_checkpoint())
    elif choice.startswith("bundled:"):
        path = str(lm.default_checkpoint(choice.split(":", 1)[1]))
    else:
        path = choice
    model = lm.load_language_model(path)
    return Loaded(model, describe(model, path))


def describe(model: object, path: str = "") -> ModelInfo:
    from engine.recurrent.kinds import KINDS

    cfg = getattr(model, "model_config", None) or getattr(model, "config", None)
    cell = getattr(model, "cell_kind", None) or getattr(cfg, "cell", "lstm")
    layers = int(getattr(cfg, "layers", 1) or 1)
    hidden = int(getattr(cfg, "hidden", 0) or 0)
    vocab = getattr(model, "vocab", None)
    return ModelInfo(
        path=str(path), cell=cell, layers=layers, hidden=hidden, level=getattr(vocab, "level", "char"),
        variant_note=KINDS[cell].note if cell in KINDS else "", equations=KINDS[cell].equations if cell in KINDS else (),
        bidirectional=bool(getattr(cfg, "bidirectional", False)), corpus=str(getattr(model, "corpus_name", "") or ""),
    )


@dataclass(frozen=True)
class StepView:
    """Step ``t`` of a generation: the tokens so far, the top candidates, the token that came next."""

    prefix: tuple[str, ...]
    candidates: tuple[tuple[str, float], ...]
    chosen: str


@dataclass(frozen=True)
class Walk:
    text: str
    steps: tuple[StepView, ...] = field(default_factory=tuple)


def walk(model: object, text: str, top: int = 10) -> Walk:
    """The next-token distribution at every step of ``text`` (then EOS)."""
    from engine import lm
    from engine.text import EOS

    tokens = list(model.vocab.tokenize(text)) + [EOS]
    steps = []
    for t, chosen in enumerate(tokens):
        dist = sorted(lm.step_distribution(model, tokens[:t]), key=lambda tp: -tp[1])[:top]
        steps.append(StepView(tuple(tokens[:t]), tuple((str(a), float(b)) for a, b in dist), chosen))
    return Walk(text, tuple(steps))


def correlate_pattern(tokens: list[str], values, pattern: str, top: int = 5) -> list[tuple[int, float]]:
    """Units whose activation best tracks where ``pattern`` (a regex over the characters) matches.

    The indicator ``m⟨t⟩`` is 1 where token ``t`` overlaps a match, else 0; each unit's
    score is the Pearson correlation of ``values[:, unit]`` (T × H) with ``m``.
    Returns ``(unit, r)`` by decreasing ``|r|``. Raises ``ValueError`` for a bad pattern
    or one that matches everywhere or nowhere.
    """
    import numpy as np

    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from None
    text = "".join(tokens)
    starts, pos = [], 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok)
    covered = np.zeros(len(text) + 1, dtype=bool)
    for m in regex.finditer(text):
        covered[m.start():max(m.end(), m.start() + 1)] = True
    indicator = np.array([covered[s:s + max(len(tok), 1)].any() for s, tok in zip(starts, tokens)], dtype=float)
    if indicator.min() == indicator.max():
        where = "every" if indicator[0] else "no"
        raise ValueError(f"pattern {pattern!r} matches {where} token of the text; try another pattern")
    x = np.asarray(values, dtype=float)[: len(tokens)]
    xc = x - x.mean(axis=0)
    mc = indicator - indicator.mean()
    denom = np.sqrt((xc ** 2).sum(axis=0) * (mc ** 2).sum())
    r = np.divide(xc.T @ mc, denom, out=np.zeros(x.shape[1]), where=denom > 0)
    order = np.argsort(-np.abs(r))[:top]
    return [(int(u), float(r[u])) for u in order]
