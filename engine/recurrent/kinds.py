"""The recurrent cell kinds: one table, read by the engine, the command line and the app.

Torch-free (the app's forms and the command line's ``--help`` read it before torch is imported).
Each :class:`CellKind` says everything about a kind that is not arithmetic: its fused weight
chunks in ``torch.nn`` order, the gates it records (course names), whether its state carries a
memory cell c, whether a fused ``torch.nn`` kernel runs it, the course's equations and a one-line
note on the variant, its course-notation view of the weights, and the initial bias that makes a
fresh cell remember.

The arithmetic is one step function per kind in :data:`engine.recurrent.cells.STEPS` and, for
the kinds without a fused kernel, one sequence loop in :data:`engine.recurrent.loops.LOOPS`.
Adding a kind: an entry in :data:`KINDS`, its step (and loop); a test checks that every kind
here has both and matches its own equations. The command line's ``--cell`` choices, the Train
form's cell options, the Gates equation panel and the agreement race read :data:`CELL_KINDS`.

GRU convention (all GRU kinds): PyTorch's update chunk ``z`` is ``1 − Γu``, so the course view
negates it (``W_u = −[W_hz ⋮ W_iz]``, ``b_u = −(b_iz + b_hz)``); traces report Γu in the course's
sense.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.errors import InputError

Family = Literal["rnn", "gru", "lstm"]
Variant = Literal["course", "pytorch", "simplified", "peephole"]

GATE_NAMES: tuple[str, ...] = ("update", "forget", "output", "relevance", "candidate")
"""Names of the recorded gates everywhere (engine, JSON, UI), in display order."""
GATE_SYMBOLS: dict[str, str] = {"update": "Γu", "forget": "Γf", "output": "Γo", "relevance": "Γr",
                                "candidate": "c̃"}
"""The course's symbol of each gate."""


@dataclass(frozen=True)
class CourseBlock:
    """One course-notation block ``W_<name>``, ``b_<name>`` cut from fused chunk ``chunk``.

    ``W_<name> = sign·[W_h ⋮ W_i]`` of that chunk (it multiplies ``[a⟨t−1⟩ ; x⟨t⟩]``) and
    ``b_<name> = sign·(b_i + b_h)``; ``sign`` is −1 where PyTorch stores ``1 − Γu``.
    """

    name: str
    chunk: int
    sign: float = 1.0


@dataclass(frozen=True)
class CellKind:
    """Everything about one cell kind except its arithmetic."""

    name: str
    """The kind's id: ``--cell`` on the command line, ``cell`` in configs and checkpoints."""
    title: str
    """Display name."""
    family: Family
    """Basic RNN, GRU or LSTM."""
    variant: Variant
    """Which form: the course's own, PyTorch/cuDNN's, the simplified GRU, or the peephole LSTM."""
    chunks: tuple[str, ...]
    """PyTorch's names of the ``H``-row chunks of ``weight_ih``/``weight_hh``, in row order."""
    gates: tuple[str, ...]
    """The gates a trace records (a subset of :data:`GATE_NAMES`), Γu in the course's sense."""
    memory_cell: bool
    """The state is ``(a, c)`` (LSTMs); otherwise one tensor ``a`` (and c = a for GRUs)."""
    fused: bool
    """``torch.nn.RNN/GRU/LSTM`` (cuDNN on a GPU) runs it on the same weights."""
    note: str
    """One line on how this variant differs."""
    equations: tuple[str, ...]
    """One step in the course's notation."""
    course_view: tuple[CourseBlock, ...] | None
    """The ``W_*``/``b_*`` course blocks, in order; None where no exact course form exists
    (the cuDNN GRU: PyTorch's per-chunk names instead)."""
    remember: tuple[tuple[int, float], ...] = ()
    """``(chunk, sign)`` of ``bias_ih`` that a "remember" bias shifts: ``+b`` holds c⟨t−1⟩, ``−b``
    lets little of c̃ in (see :func:`engine.gradients.agreement_training.bias_gates_to_remember`)."""
    peephole: bool = False
    """Gates also read the memory cell: a ``(3, H)`` parameter, rows ``p_u|p_f|p_o``."""
    reset_after_product: bool = False
    """PyTorch/cuDNN GRU: Γr multiplies ``W_hn a⟨t−1⟩ + b_hn`` (so ``b_hn`` stays inside the gate)."""

    @property
    def n_chunks(self) -> int:
        """``k``: ``weight_ih`` is ``(k·H, n_x)``."""
        return len(self.chunks)

    @property
    def c_is_a(self) -> bool:
        """GRUs: the memory cell is the state itself (traces show c = a)."""
        return self.family == "gru"


_LSTM_EQUATIONS_TAIL = "a⟨t⟩ = Γo ∗ tanh(c⟨t⟩)   (the lecture slide drops this tanh; PyTorch keeps it)"
_LSTM_VIEW = (CourseBlock("u", 0), CourseBlock("f", 1), CourseBlock("o", 3), CourseBlock("c", 2))
_LSTM_REMEMBER = ((1, 1.0), (0, -1.0))  # Γf opened, Γu closed ("chrono" initialisation)

KINDS: dict[str, CellKind] = {
    k.name: k
    for k in (
        CellKind(
            name="rnn", title="basic RNN", family="rnn", variant="course", chunks=("a",), gates=(),
            memory_cell=False, fused=True,
            note="Basic RNN: one matrix W_a on [a⟨t−1⟩, x⟨t⟩]; same kernel as torch.nn.RNN",
            equations=("a⟨t⟩ = g(W_a[a⟨t−1⟩, x⟨t⟩] + b_a)",),
            course_view=(CourseBlock("a", 0),),
        ),
        CellKind(
            name="gru", title="GRU (PyTorch)", family="gru", variant="pytorch", chunks=("r", "z", "n"),
            gates=("update", "relevance", "candidate"), memory_cell=False, fused=True,
            note="cuDNN/PyTorch GRU: reset Γr applied after W_hn·a⟨t−1⟩; PyTorch's z = 1 − Γu",
            equations=(
                "Γr = σ(W_ir x⟨t⟩ + b_ir + W_hr a⟨t−1⟩ + b_hr)",
                "Γu = 1 − σ(W_iz x⟨t⟩ + b_iz + W_hz a⟨t−1⟩ + b_hz)",
                "c̃⟨t⟩ = tanh(W_in x⟨t⟩ + b_in + Γr ∗ (W_hn a⟨t−1⟩ + b_hn))",
                "c⟨t⟩ = Γu ∗ c̃⟨t⟩ + (1 − Γu) ∗ c⟨t−1⟩",
                "a⟨t⟩ = c⟨t⟩",
            ),
            course_view=None, remember=((1, 1.0),), reset_after_product=True,
        ),
        CellKind(
            name="gru-course", title="GRU (course)", family="gru", variant="course", chunks=("r", "z", "n"),
            gates=("update", "relevance", "candidate"), memory_cell=False, fused=False,
            note="Course GRU (Cho et al. 2014): Γr multiplies c⟨t−1⟩ inside W_c; z = 1 − Γu stored",
            equations=(
                "Γu = σ(W_u[c⟨t−1⟩, x⟨t⟩] + b_u)",
                "Γr = σ(W_r[c⟨t−1⟩, x⟨t⟩] + b_r)",
                "c̃⟨t⟩ = tanh(W_c[Γr ∗ c⟨t−1⟩, x⟨t⟩] + b_c)",
                "c⟨t⟩ = Γu ∗ c̃⟨t⟩ + (1 − Γu) ∗ c⟨t−1⟩",
                "a⟨t⟩ = c⟨t⟩",
            ),
            course_view=(CourseBlock("u", 1, -1.0), CourseBlock("r", 0), CourseBlock("c", 2)),
            remember=((1, 1.0),),
        ),
        CellKind(
            name="gru-simple", title="GRU (simplified)", family="gru", variant="simplified", chunks=("z", "n"),
            gates=("update", "candidate"), memory_cell=False, fused=False,
            note="Simplified GRU: update gate only, no Γr; chunks z|n with z = 1 − Γu",
            equations=(
                "Γu = σ(W_u[c⟨t−1⟩, x⟨t⟩] + b_u)",
                "c̃⟨t⟩ = tanh(W_c[c⟨t−1⟩, x⟨t⟩] + b_c)",
                "c⟨t⟩ = Γu ∗ c̃⟨t⟩ + (1 − Γu) ∗ c⟨t−1⟩",
                "a⟨t⟩ = c⟨t⟩",
            ),
            course_view=(CourseBlock("u", 0, -1.0), CourseBlock("c", 1)),
            remember=((0, 1.0),),
        ),
        CellKind(
            name="lstm", title="LSTM", family="lstm", variant="course", chunks=("i", "f", "g", "o"),
            gates=("update", "forget", "output", "candidate"), memory_cell=True, fused=True,
            note="LSTM as torch.nn.LSTM: a = Γo∗tanh(c) (the lecture slide drops the tanh; we keep it)",
            equations=(
                "Γu = σ(W_u[a⟨t−1⟩, x⟨t⟩] + b_u)",
                "Γf = σ(W_f[a⟨t−1⟩, x⟨t⟩] + b_f)",
                "Γo = σ(W_o[a⟨t−1⟩, x⟨t⟩] + b_o)",
                "c̃⟨t⟩ = tanh(W_c[a⟨t−1⟩, x⟨t⟩] + b_c)",
                "c⟨t⟩ = Γu ∗ c̃⟨t⟩ + Γf ∗ c⟨t−1⟩",
                _LSTM_EQUATIONS_TAIL,
            ),
            course_view=_LSTM_VIEW, remember=_LSTM_REMEMBER,
        ),
        CellKind(
            name="lstm-peephole", title="LSTM (peephole)", family="lstm", variant="peephole",
            chunks=("i", "f", "g", "o"), gates=("update", "forget", "output", "candidate"), memory_cell=True,
            fused=False, peephole=True,
            note="Peephole LSTM (Gers & Schmidhuber 2000): Γu, Γf read c⟨t−1⟩, Γo reads c⟨t⟩",
            equations=(
                "Γu = σ(W_u[a⟨t−1⟩, x⟨t⟩] + p_u ∗ c⟨t−1⟩ + b_u)",
                "Γf = σ(W_f[a⟨t−1⟩, x⟨t⟩] + p_f ∗ c⟨t−1⟩ + b_f)",
                "c̃⟨t⟩ = tanh(W_c[a⟨t−1⟩, x⟨t⟩] + b_c)",
                "c⟨t⟩ = Γu ∗ c̃⟨t⟩ + Γf ∗ c⟨t−1⟩",
                "Γo = σ(W_o[a⟨t−1⟩, x⟨t⟩] + p_o ∗ c⟨t⟩ + b_o)",
                _LSTM_EQUATIONS_TAIL,
            ),
            course_view=_LSTM_VIEW, remember=_LSTM_REMEMBER,
        ),
    )
}

CELL_KINDS: tuple[str, ...] = tuple(KINDS)
"""Every kind's name, in the table's order (the choices offered everywhere)."""
FUSED_KINDS: tuple[str, ...] = tuple(name for name, k in KINDS.items() if k.fused)
"""Kinds with a fused kernel (``torch.nn.RNN/GRU/LSTM``, cuDNN on a GPU)."""


def kind_of(name: object, *, field: str = "cell") -> CellKind:
    """The :class:`CellKind` named ``name``; :class:`InputError` (naming ``field``) for any other."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise InputError(f"{field} must be one of {', '.join(CELL_KINDS)}, got {name!r}", field=field)
    return kind


__all__ = ["CELL_KINDS", "FUSED_KINDS", "GATE_NAMES", "GATE_SYMBOLS", "KINDS", "CellKind", "CourseBlock",
           "kind_of"]
