"""The cell's equations in the course's notation, with the selected unit's numbers filled in.

:func:`filled_equations` is pure (numbers in, lines out) so it is tested against
the course formulas directly; :class:`EquationPanel` shows its lines together
with the symbolic equations and the variant note of the kind (the engine's table,
:mod:`engine.recurrent.kinds`, which also says which family's update a kind uses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from engine.recurrent.kinds import KINDS


def _n(v: float) -> str:
    """A number as an operand: negative ones in parentheses, ``0.93·(−0.30)``."""
    s = f"{v:.2f}"
    return f"({s})" if v < 0 else s


def _v(v: float) -> str:
    """A number as a result."""
    return f"{v:.2f}"


@dataclass(frozen=True)
class UnitStep:
    """One unit's numbers at one step (``None`` where the cell kind has no such quantity)."""

    kind: str
    t: int
    """0-based step; shown 1-based as in the course."""
    a: float
    a_prev: float
    c: float | None = None
    c_prev: float | None = None
    update: float | None = None
    forget: float | None = None
    output: float | None = None
    relevance: float | None = None
    candidate: float | None = None
    z: float | None = None
    """The basic RNN's pre-activation ``z⟨t⟩ = W_a[a⟨t−1⟩, x⟨t⟩] + b_a`` (``a⟨t⟩ = tanh(z⟨t⟩)``)."""
    backward: bool = False
    """A backward (←) direction: it reads ``x⟨T⟩`` first, so the previous state is ``⟨t+1⟩``."""


def filled_equations(u: UnitStep) -> list[str]:
    """The update equations of ``u.kind`` with ``u``'s numbers substituted and evaluated."""
    t = u.t + 1
    p = t + 1 if u.backward else t - 1  # the state this step reads: ⟨t+1⟩ for ←, ⟨t−1⟩ for →
    lines: list[str] = []
    family = KINDS[u.kind].family if u.kind in KINDS else ""
    if family == "rnn":
        lines.append(f"a⟨{p}⟩ = {_v(u.a_prev)}")
        if u.z is None:
            lines.append(f"a⟨{t}⟩ = g(W_a[a⟨{p}⟩, x⟨{t}⟩] + b_a) = {_v(u.a)}")
            return lines
        lines.append(f"z⟨{t}⟩ = W_a[a⟨{p}⟩, x⟨{t}⟩] + b_a = {_v(u.z)}")
        value = math.tanh(u.z)
        lines.append(f"a⟨{t}⟩ = tanh(z⟨{t}⟩) = tanh({_v(u.z)}) = {_v(value)}")
        _check(lines, value, u.a, "a")
        return lines
    if u.update is not None:
        lines.append(f"Γu = σ(W_u[·] + b_u) = {u.update:.2f}")
    if u.relevance is not None:
        lines.append(f"Γr = σ(W_r[·] + b_r) = {u.relevance:.2f}")
    if u.forget is not None:
        lines.append(f"Γf = σ(W_f[·] + b_f) = {u.forget:.2f}")
    if u.output is not None:
        lines.append(f"Γo = σ(W_o[·] + b_o) = {u.output:.2f}")
    if u.candidate is not None:
        lines.append(f"c̃⟨{t}⟩ = tanh(W_c[·] + b_c) = {_v(u.candidate)}")
    c_prev = u.c_prev if u.c_prev is not None else u.a_prev
    if family == "lstm" and None not in (u.update, u.forget, u.candidate, u.c):
        value = u.update * u.candidate + u.forget * c_prev
        lines.append(
            f"c⟨{t}⟩ = Γu·c̃ + Γf·c⟨{p}⟩ = {u.update:.2f}·{_n(u.candidate)} + {u.forget:.2f}·{_n(c_prev)}"
            f" = {_v(value)}"
        )
        if u.output is not None:
            a_value = u.output * math.tanh(u.c)
            lines.append(f"a⟨{t}⟩ = Γo·tanh(c⟨{t}⟩) = {u.output:.2f}·tanh({_v(u.c)}) = {_v(a_value)}")
        _check(lines, value, u.c, "c")
    elif family == "gru" and None not in (u.update, u.candidate):
        value = u.update * u.candidate + (1 - u.update) * c_prev
        lines.append(
            f"c⟨{t}⟩ = Γu·c̃ + (1−Γu)·c⟨{p}⟩ = {u.update:.2f}·{_n(u.candidate)} + "
            f"{1 - u.update:.2f}·{_n(c_prev)} = {_v(value)}"
        )
        lines.append(f"a⟨{t}⟩ = c⟨{t}⟩ = {_v(u.a)}")
        _check(lines, value, u.c if u.c is not None else u.a, "c")
    else:
        lines.append(f"a⟨{t}⟩ = {_v(u.a)}")
    return lines


def _split_top(text: str, sep: str, level: int = 0) -> list[str]:
    """``text`` split at each ``sep`` at bracket depth ``level`` (brackets ``(``, ``[``, ``⟨``)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([⟨":
            depth += 1
        elif ch in ")]⟩":
            depth -= 1
        elif depth == level and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _pack(pieces: list[str], sep: str, first: str, lead: str, width: int) -> list[str]:
    """``pieces`` joined by ``sep`` onto lines of at most ``width``: the first starts with ``first``,
    the others with ``lead`` + the operator (``= …``, ``+ …``)."""
    out, current = [], first + pieces[0]
    for piece in pieces[1:]:
        if len(current) + len(sep) + len(piece) <= width or (sep == " = " and current == first + pieces[0]
                                                              and len(pieces[0]) <= 8):  # a short left side stays
            current += sep + piece
        else:
            out.append(current)
            current = lead + sep.strip() + " " + piece
    out.append(current)
    return out


def wrap_formula(line: str, width: int, indent: str = "") -> list[str]:
    """``line`` cut into lines of at most ``width`` characters at its operators, never inside a term:
    first at ``=`` (continuation lines start ``= …``), then, for a side still too wide, at ``+``
    outside brackets, then inside the outermost ones (``+ …``). A remark after three spaces
    (``   (the lecture slide …)``) goes on its own line. A term wider than ``width`` stays whole
    (the panel cuts it with …)."""
    formula, _, remark = line.partition("   (")
    remark = f"{indent}  ({remark}" if remark else ""
    if len(indent) + len(formula) <= width:
        return [indent + formula] + ([remark] if remark else [])
    out: list[str] = []
    for row in _pack(_split_top(formula, " = "), " = ", indent, indent + "  ", width):
        if len(row) <= width:
            out.append(row)
            continue
        head = row[: len(row) - len(row.lstrip())]
        body = row.lstrip()
        for level in (0, 1):
            terms = _split_top(body, " + ", level)
            if len(terms) > 1:
                out.extend(_pack(terms, " + ", head, head + "  ", width))
                break
        else:
            out.append(row)
    return out + ([remark] if remark else [])


def _check(lines: list[str], computed: float, recorded: float | None, name: str) -> None:
    if recorded is not None and abs(computed - recorded) > 5e-3:
        lines.append(f"(recorded {name} = {recorded:.4f}; differs from the formula)")


class EquationPanel(Widget):
    """Symbolic equations (from the engine), the variant note and the filled-in numbers."""

    DEFAULT_CSS = """
    EquationPanel {
        height: auto;
        width: 1fr;
        padding: 0 1;
    }
    """

    version: reactive[int] = reactive(0, layout=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.equations: tuple[str, ...] = ()
        self.variant_note = ""
        self.unit_step: UnitStep | None = None
        self.unit = 0
        self.heading = ""
        """What the numbers are of, after ``unit u, step t`` (e.g. the direction: ``← reads t = T…1``)."""
        self._wrap_width = 0
        """The content width the formulas are cut to (0: not laid out yet, no cut)."""

    def get_content_height(self, container, viewport, width: int) -> int:
        self._wrap_width = width
        return super().get_content_height(container, viewport, width)

    def on_resize(self) -> None:
        if self.content_size.width != self._wrap_width:
            self._wrap_width = self.content_size.width
            self.refresh(layout=True)

    def set_cell(self, equations: tuple[str, ...], variant_note: str) -> None:
        self.equations, self.variant_note = tuple(equations), variant_note
        self.version += 1

    def set_values(self, unit_step: UnitStep | None, unit: int = 0) -> None:
        """New numbers: a repaint, and a layout pass only when the number of lines changes."""
        before = len(filled_equations(self.unit_step)) if self.unit_step is not None else -1
        self.unit_step, self.unit = unit_step, unit
        after = len(filled_equations(unit_step)) if unit_step is not None else -1
        self.refresh(layout=before != after)

    def _formula(self, line: str, style: str = "") -> list[Text]:
        """A formula as lines cut at its operators to the panel's width (never mid-term)."""
        width = self._wrap_width or 10_000
        return [Text(part, style=style, no_wrap=not part.lstrip().startswith("("), overflow="ellipsis")
                for part in wrap_formula(line, width, "  ")]  # a remark in brackets is prose: it may wrap

    def render(self) -> Group:
        parts: list[Text] = []
        if self.unit_step is not None:  # the numbers first: they matter most on a small terminal
            head = f"unit {self.unit}, step {self.unit_step.t + 1}" + (f" {self.heading}" if self.heading else "")
            parts.append(Text(head + ":", style="bold"))
            for line in filled_equations(self.unit_step):
                parts.extend(self._formula(line))
        if self.variant_note:
            parts.append(Text(self.variant_note, style="italic"))
        for eq in self.equations:
            parts.extend(self._formula(eq, "dim"))
        if not parts:
            parts.append(Text("(equations appear once a model is traced)", style="dim"))
        return Group(*parts)
