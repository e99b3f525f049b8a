"""Text panels of the Gradients screen: pure functions from state to console markup.

Kept apart from the screen so the wording can be tested (and read) without an app.
"""

from __future__ import annotations

import math
from typing import Mapping

MODE_TITLES = {"none": "no clipping", "value": "clip by value", "norm": "clip by norm"}
_CELL_COLOURS = {"rnn": "bold red", "gru": "bold green", "gru-course": "bold yellow", "lstm": "bold cyan",
                 "gru-simple": "magenta", "lstm-peephole": "blue"}
_SPARE_COLOURS = ("bold magenta", "bold blue", "yellow", "green", "cyan", "red")
MODE_STYLES = {"none": "bold red", "value": "bold yellow", "norm": "bold green"}


def cell_style(kind: str) -> str:
    """The colour of a cell kind's curve and label (a kind new to the table gets a spare one)."""
    if kind in _CELL_COLOURS:
        return _CELL_COLOURS[kind]
    from engine.recurrent.kinds import CELL_KINDS

    index = CELL_KINDS.index(kind) if kind in CELL_KINDS else len(kind)
    return _SPARE_COLOURS[index % len(_SPARE_COLOURS)]


def ribbon_info(distance: int, what: str, tokens: tuple[str, ...], source: str) -> str:
    """The lines above the ribbons: which models and the sentence (agreement: d and the subject
    underlined; a text: its tokens and the one the loss predicts)."""
    text = " ".join(tokens) if tokens else "…"
    if tokens and source == "text":
        return f"{what}\n{text} [b]→ next token?[/]"
    if len(tokens) > 1:
        words = list(tokens)
        words[1] = f"[b u]{words[1]}[/]"
        text = " ".join(words) + " [b]→ was/were?[/]"
    return f"d = [b]{distance}[/]: {what}\n{text}"


def ribbon_caption(source: str) -> str:
    """How to read the ribbons of the current source: an agreement sentence, or a language model
    reading a text (its loss is the next-token prediction, there is no verb)."""
    if source == "text":
        return ("[dim]Loss L⟨T⟩ = −log P(next token | the text), read from a⟨T⟩ only; each row is "
                "‖∂L⟨T⟩/∂a⟨t⟩‖ for t = 1…T on one log scale. Where a row fades, the tokens there get no "
                "learning signal from that prediction: the model cannot learn to use them for it. "
                "LSTM 'c': the memory path ‖∂L/∂c⟨t⟩‖, scaled only by Γf.[/]")
    return ("[dim]Loss L⟨T⟩ = −log ŷ(verb), read from a⟨T⟩ only; each row is ‖∂L⟨T⟩/∂a⟨t⟩‖ for t = 1…T on "
            "one log scale. Where a row fades, step t gets no learning signal from the verb: the subject's "
            "number (underlined) cannot be learned. LSTM 'c': the memory path ‖∂L/∂c⟨t⟩‖, scaled only by Γf.[/]")


def race_table(distance: int, step: int, total: int, rows: Mapping[str, dict], cells: tuple[str, ...],
               state: str) -> str:
    """One line per model: size under the budget and held-out accuracy with a bar above chance."""
    status = {"finished": "   [b]finished[/]", "running": "   [i]running…[/]"}.get(state, "   press t to start")
    lines = [f"agreement race at d = [b]{distance}[/]   step {step}/{total or '–'}{status}"]
    for cell in cells:
        row = rows.get(cell)
        if row is None:
            continue
        acc = row.get("accuracy")
        bar = "█" * int(round(max(0.0, acc - 0.5) * 40)) if acc is not None else ""
        acc_text = f"{acc:.3f}" if acc is not None else "  –  "
        lines.append(f"[{cell_style(cell)}]{cell:11}[/] H={row.get('hidden', '?'):>3} "
                     f"({row.get('parameters', '?')} params)  accuracy {acc_text} {bar}")
    return "\n".join(lines)


def explode_info(info: Mapping[str, object], clip_mode: str, diverged: Mapping[str, int], finished: bool) -> str:
    """The demo's settings, the selected clipping mode and its threshold, and who diverged when."""
    if not info:
        return ("An RNN with ρ(W_aa) > 1 trained three ways: press [b]e[/] to start, [b]m[/] to switch which "
                f"mode's gradient the lower chart shows (now: [b]{MODE_TITLES[clip_mode]}[/]). Both charts "
                "use a log scale: the gradient norm spans orders of magnitude.")
    thr = {"none": "‖g‖, no threshold", "value": f"max |gᵢ| against N = {info['value']}",
           "norm": f"‖g‖ against N = {info['norm']}"}[clip_mode]
    div = ", ".join(f"{MODE_TITLES[m]} diverged at step {s}" for m, s in diverged.items())
    return (f"ρ(W_aa) = {info['rho']:.2f}, SGD α = {info['lr']}, step {info.get('step', 0)}/{info['steps']}"
            f"{'  finished' if finished else ''}   [dim](both charts: log scale)[/]\n"
            f"upper: loss per step · lower: [b]{MODE_TITLES[clip_mode]}[/], {thr}"
            + (f"   [b red]{div}[/]" if div else ""))


def grad_point(event) -> tuple[float, float, float, bool]:
    """(step, before, after, clipped) of an ExplodingStep: clip by value compares each |gᵢ| with N,
    so its curve is max |gᵢ|; the others plot the global norm ‖g‖."""
    if event.mode == "value":
        threshold = event.threshold if event.threshold is not None else math.inf
        return event.step, event.grad_max, min(event.grad_max, threshold), event.clipped
    return event.step, event.grad_norm, event.grad_norm_after, event.clipped
