"""The architecture types of the course as data, for a diagram (no torch: the app can import it at once).

Public API::

    ARCHITECTURE_KINDS            # ("many-to-one", "many-to-many", "encoder-decoder", "one-to-many")
    TASK_KINDS                    # task → its kind: sentiment many-to-one, ner many-to-many, dates encoder-decoder
    Node(id, row, step, label)    # one box: row "x" | "e" | "a→" | "a←" | "avg" | "s" | "y", step = column (1-based)
    Arrow(source, target, kind)   # "input" | "recurrent" | "output" | "attention" | "context" | "feedback" | "average"
    Architecture(kind, title, rows, nodes, arrows, note)
    architecture(task=None, *, kind=None, model="rnn", bidirectional=False, attention=False,
                 steps=4, output_steps=3) -> Architecture

Rows are listed top (outputs) to bottom (inputs); a screen draws one column per time step and
one arrow per :class:`Arrow`. Labels use the course's notation (``x⟨1⟩``, ``a⟨1⟩``, ``ŷ⟨1⟩``):

- many-to-one (sentiment): ``x⟨t⟩ → a⟨t⟩ → a⟨t+1⟩ …``, one ``ŷ`` from ``a⟨T_x⟩``; bidirectional
  adds a row ``←a`` whose arrows run right to left, ``ŷ`` reads ``→a⟨T_x⟩`` and ``←a⟨1⟩``. The
  averaging model has no recurrent arrows: every ``e⟨t⟩`` goes into one mean.
- many-to-many (NER, ``T_x = T_y``): a ``ŷ⟨t⟩`` above every step, from ``→a⟨t⟩`` (and ``←a⟨t⟩``).
- encoder-decoder (dates): the encoder reads ``x⟨1⟩ … x⟨T_x⟩``, then the decoder's states
  ``s⟨1⟩ … s⟨T_y⟩`` emit ``ŷ⟨t⟩``, each fed back as the next input; with attention every encoder
  state has an arrow into every decoder state (weighted by α⟨t,t'⟩), without it the encoder's
  final state(s) feed every decoder step ("context").
- one-to-many (language-model sampling): one ``x⟨1⟩``, then each ``ŷ⟨t⟩`` is fed back as ``x⟨t+1⟩``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ARCHITECTURE_KINDS: tuple[str, ...] = ("many-to-one", "many-to-many", "encoder-decoder", "one-to-many")
TASK_KINDS: dict[str, str] = {"sentiment": "many-to-one", "ner": "many-to-many", "dates": "encoder-decoder",
                              "lm": "one-to-many"}
ArrowKind = Literal["input", "recurrent", "output", "attention", "context", "feedback", "average"]


@dataclass(frozen=True)
class Node:
    id: str
    """Unique, e.g. ``"a→3"``."""
    row: str
    """``x``, ``e``, ``a→``, ``a←``, ``avg``, ``s`` or ``y``."""
    step: int
    """1-based column."""
    label: str
    """In the course's notation, e.g. ``"a⟨3⟩"``."""


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    kind: ArrowKind


@dataclass(frozen=True)
class Architecture:
    kind: str
    title: str
    rows: tuple[str, ...]
    """Row names, top to bottom."""
    nodes: tuple[Node, ...]
    arrows: tuple[Arrow, ...]
    note: str
    columns: int

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def arrows_of(self, kind: str) -> tuple[Arrow, ...]:
        return tuple(a for a in self.arrows if a.kind == kind)


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.arrows: list[Arrow] = []

    def node(self, row: str, step: int, label: str) -> str:
        nid = f"{row}{step}"
        self.nodes.append(Node(nid, row, step, label))
        return nid

    def arrow(self, a: str, b: str, kind: ArrowKind) -> None:
        self.arrows.append(Arrow(a, b, kind))


def _t(i: int, last: int, name: str = "T_x") -> str:
    return name if i == last and last > 3 else str(i)


def architecture(
    task: str | None = None,
    *,
    kind: str | None = None,
    model: str = "rnn",
    bidirectional: bool = False,
    attention: bool = False,
    steps: int = 4,
    output_steps: int = 3,
) -> Architecture:
    """The diagram of ``task`` (sentiment, ner, dates, lm) or of an architecture ``kind``."""
    if kind is None:
        if task not in TASK_KINDS:
            raise ValueError(f"task must be one of {', '.join(TASK_KINDS)}, got {task!r}")
        kind = TASK_KINDS[task]
    if kind not in ARCHITECTURE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ARCHITECTURE_KINDS)}, got {kind!r}")
    if steps < 1 or output_steps < 1:
        raise ValueError("steps and output_steps must be ≥ 1")
    b = _Builder()
    T = steps
    if kind == "one-to-many":
        for t in range(1, T + 1):
            x = b.node("x", t, "x⟨1⟩" if t == 1 else f"ŷ⟨{t - 1}⟩")
            a = b.node("a→", t, f"a⟨{t}⟩")
            y = b.node("y", t, f"ŷ⟨{t}⟩")
            b.arrow(x, a, "input")
            b.arrow(a, y, "output")
            if t > 1:
                b.arrow(f"a→{t - 1}", a, "recurrent")
                b.arrow(f"y{t - 1}", x, "feedback")
        return Architecture(kind, "one-to-many: sampling a language model", ("y", "a→", "x"), tuple(b.nodes),
                            tuple(b.arrows), "each sampled ŷ⟨t⟩ is fed back as the next input x⟨t+1⟩", T)
    if kind == "many-to-one" and model == "average":
        for t in range(1, T + 1):
            x = b.node("x", t, f"x⟨{_t(t, T)}⟩")
            e = b.node("e", t, f"e⟨{_t(t, T)}⟩")
            b.arrow(x, e, "input")
        avg = b.node("avg", T, "mean e")
        y = b.node("y", T, "ŷ")
        for t in range(1, T + 1):
            b.arrow(f"e{t}", avg, "average")
        b.arrow(avg, y, "output")
        return Architecture(kind, "many-to-one: average of the word embeddings", ("y", "avg", "e", "x"),
                            tuple(b.nodes), tuple(b.arrows), "no order: the mean is the same for any order of the words", T)
    enc_rows = ("a←", "a→") if bidirectional else ("a→",)
    enc_label = {"a→": "→a" if bidirectional else "a", "a←": "←a"}
    for t in range(1, T + 1):
        x = b.node("x", t, f"x⟨{_t(t, T)}⟩")
        for row in enc_rows:
            a = b.node(row, t, f"{enc_label[row]}⟨{_t(t, T)}⟩")
            b.arrow(x, a, "input")
    for t in range(1, T):
        b.arrow(f"a→{t}", f"a→{t + 1}", "recurrent")
        if bidirectional:
            b.arrow(f"a←{t + 1}", f"a←{t}", "recurrent")
    if kind == "many-to-one":
        y = b.node("y", T, "ŷ")
        b.arrow(f"a→{T}", y, "output")
        if bidirectional:
            b.arrow("a←1", y, "output")
        note = "ŷ reads →a⟨T_x⟩ and ←a⟨1⟩, the states that read the whole sentence" if bidirectional else \
            "ŷ reads a⟨T_x⟩, the state after the last word"
        return Architecture(kind, "many-to-one: sentence → label", ("y",) + enc_rows + ("x",), tuple(b.nodes),
                            tuple(b.arrows), note, T)
    if kind == "many-to-many":
        for t in range(1, T + 1):
            y = b.node("y", t, f"ŷ⟨{_t(t, T, 'T_y')}⟩")
            for row in enc_rows:
                b.arrow(f"{row}{t}", y, "output")
        note = "ŷ⟨t⟩ reads →a⟨t⟩ (the words up to t) and ←a⟨t⟩ (the words from t on)" if bidirectional else \
            "ŷ⟨t⟩ reads a⟨t⟩ only: it cannot see the words after t"
        return Architecture(kind, "many-to-many (T_x = T_y): a tag per word", ("y",) + enc_rows + ("x",),
                            tuple(b.nodes), tuple(b.arrows), note, T)
    # encoder-decoder
    Ty = output_steps
    for j in range(1, Ty + 1):
        col = T + j
        s = b.node("s", col, f"s⟨{_t(j, Ty, 'T_y')}⟩")
        y = b.node("y", col, f"ŷ⟨{_t(j, Ty, 'T_y')}⟩")
        b.arrow(s, y, "output")
        if j > 1:
            b.arrow(f"s{col - 1}", s, "recurrent")
            b.arrow(f"y{col - 1}", s, "feedback")
        if attention:
            for t in range(1, T + 1):
                for row in enc_rows:
                    b.arrow(f"{row}{t}", s, "attention")
        else:
            b.arrow(f"a→{T}", s, "context")
            if bidirectional:
                b.arrow("a←1", s, "context")
    note = ("every decoder step s⟨t⟩ attends over all encoder states: context⟨t⟩ = Σ α⟨t,t'⟩ a⟨t'⟩" if attention
            else "every decoder step sees the input only through one summary, the encoder's final state(s)")
    return Architecture(kind, "encoder-decoder (T_x ≠ T_y)", ("y", "s") + enc_rows + ("x",), tuple(b.nodes),
                        tuple(b.arrows), note, T + Ty)
