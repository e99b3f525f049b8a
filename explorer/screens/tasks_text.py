"""What the Tasks screen draws, as rich ``Text``: the architecture diagram and each task's prediction.

Pure functions of engine data (:class:`~engine.tasks.architecture.Architecture`, the task models'
prediction dataclasses), so they are tested without an app. No torch: numpy arrays only.
"""

from __future__ import annotations

from rich.text import Text

CW = 8
"""Characters per time step in the diagram: a 7-wide label and one for the recurrent arrow."""

ROW_STYLES = {"x": "dim", "e": "cyan", "a→": "bold cyan", "a←": "bold magenta", "avg": "bold yellow",
              "s": "bold yellow", "y": "bold green"}
_BOX = {(0, 1, 0, 1): "┌", (1, 0, 0, 1): "┐", (0, 1, 1, 0): "└", (1, 0, 1, 0): "┘", (1, 1, 0, 1): "┬",
        (1, 1, 1, 0): "┴", (0, 1, 1, 1): "├", (1, 0, 1, 1): "┤", (1, 1, 1, 1): "┼", (1, 1, 0, 0): "─",
        (0, 0, 1, 1): "↑", (0, 0, 1, 0): "↑", (0, 0, 0, 1): "↑", (1, 0, 0, 0): "─", (0, 1, 0, 0): "─"}
_BUS = ("attention", "context", "average", "output")


def _centre(step: int) -> int:
    return (step - 1) * CW + 3


def diagram(arch, *, note: bool = True) -> Text:
    """The architecture as boxes per time step: rows top (ŷ) to bottom (x), an arrow per connection.

    Same-step arrows are ``↑``; recurrent arrows ``→`` (``←`` for ←a) between steps; arrows from other
    steps (attention α, the averaging mean, a bidirectional ŷ reading ←a⟨1⟩) a bus line below the target.
    """
    rows = list(arch.rows)
    index = {r: i for i, r in enumerate(rows)}
    width = arch.columns * CW
    nodes = {n.id: n for n in arch.nodes}
    gaps: list[dict[int, list[int]]] = [dict() for _ in rows[:-1]]  # gap k sits below row k: pos → [l, r, u, d]
    horizontal: dict[tuple[str, int], str] = {}
    bus_labels: dict[int, str] = {}

    def mark(k: int, pos: int, side: int) -> None:
        gaps[k].setdefault(pos, [0, 0, 0, 0])[side] = 1

    for a in arch.arrows:
        s, t = nodes[a.source], nodes[a.target]
        if a.kind == "recurrent" and s.row == t.row:
            horizontal[(s.row, min(s.step, t.step))] = "→" if t.step > s.step else "←"
            continue
        if a.kind == "feedback" or (a.kind == "recurrent"):
            continue
        if s.step == t.step and a.kind != "average":
            for k in range(index[t.row], index[s.row]):
                mark(k, _centre(t.step), 2)
                mark(k, _centre(t.step), 3)
            continue
        if a.kind not in _BUS:
            continue
        k = index[t.row]  # the gap right below the target
        ps, pt = _centre(s.step), _centre(t.step)
        mark(k, ps, 3)
        mark(k, pt, 2)
        lo, hi = min(ps, pt), max(ps, pt)
        for pos in range(lo, hi + 1):
            if pos > lo:
                mark(k, pos, 0)
            if pos < hi:
                mark(k, pos, 1)
        if a.kind == "attention":
            bus_labels[k] = " α "
    out = Text()
    out.append(arch.title, style="bold")
    out.append("\n")
    for i, row in enumerate(rows):
        chars = [" "] * width
        for n in arch.nodes:
            if n.row != row:
                continue
            x = (n.step - 1) * CW
            label = n.label.replace("T_x", "Tx").replace("T_y", "Ty")
            chars[x:x + CW - 1] = list(label.center(CW - 1)[: CW - 1])
            arrow = horizontal.get((row, n.step))
            if arrow:
                chars[x + CW - 1] = arrow
        out.append("".join(chars).rstrip(), style=ROW_STYLES.get(row, ""))
        out.append("\n")
        if i < len(gaps):
            chars = [" "] * width
            for pos, sides in gaps[i].items():
                if 0 <= pos < width:
                    chars[pos] = _BOX.get(tuple(sides), "┼")
            label = bus_labels.get(i)
            if label:
                ups = sorted(p for p, sd in gaps[i].items() if sd[2] and not sd[3])
                downs = sorted(p for p, sd in gaps[i].items() if sd[3] and not sd[2])
                if ups and downs and ups[0] - downs[-1] > len(label) + 1:
                    at = downs[-1] + 1 + (ups[0] - downs[-1] - 1 - len(label)) // 2
                    chars[at:at + len(label)] = list(label)
            out.append("".join(chars).rstrip(), style="dim")
            out.append("\n")
    if note:
        out.append(arch.note, style="italic dim")
    out.rstrip()
    return out


# ---------------------------------------------------------------------------------------- predictions

def bar(p: float, width: int = 10) -> str:
    """``p`` in [0, 1] as a bar of eighths."""
    p = min(max(float(p), 0.0), 1.0)
    full, rest = divmod(round(p * width * 8), 8)
    return ("█" * full + ("▏▎▍▌▋▊▉"[rest - 1] if rest else "")).ljust(width, "·")


def _p_style(p: float) -> str:
    return "green" if p >= 0.5 else "red"


def sentiment_view(result) -> Text:
    """The shown model's label, the other model's, and P(positive) as each word is read (both)."""
    pred, prefix, other, other_prefix = result.prediction, result.prefix, result.other, result.other_prefix
    names = result.names
    out = Text()
    p_pos = dict(pred.probabilities)["positive"]
    out.append(f"{names[0] if names else 'model'}: ", style="bold")
    out.append(f"{pred.label} ", style="bold " + _p_style(p_pos))
    out.append(f"P(positive) {p_pos:.2f}\n")
    if other is not None:
        q = dict(other.probabilities)["positive"]
        out.append(f"{names[1] if len(names) > 1 else 'other'}: ", style="bold")
        out.append(f"{other.label} ", style="bold " + _p_style(q))
        out.append(f"P(positive) {q:.2f}\n")
    if result.directions is not None:
        out.append_text(sentiment_directions(result.directions))
    out.append("P(positive) after each word (what each would answer if the sentence stopped there):\n", style="dim")
    w = max([len(t) for t in prefix.tokens] + [4])
    w = min(w, 14)
    head = f"{'word':<{w}}  {(names[0] if names else 'shown')[:15]:<15}"
    if other_prefix is not None:
        head += f"  {(names[1] if len(names) > 1 else 'other')[:15]:<15}"
    out.append(head + "\n", style="dim")
    for i, (tok, known, p) in enumerate(zip(prefix.tokens, prefix.known, prefix.positive)):
        out.append(f"{tok[:w]:<{w}}", style="" if known else "dim strike")
        out.append("  ")
        out.append(bar(p), style=_p_style(p))
        out.append(f" {p:.2f}")
        if other_prefix is not None and i < len(other_prefix.positive):
            q = other_prefix.positive[i]
            out.append("  ")
            out.append(bar(q), style=_p_style(q))
            out.append(f" {q:.2f}")
        out.append("\n")
    if not all(prefix.known):
        out.append("struck-through words are outside the vocabulary (read as UNK)\n", style="dim")
    out.rstrip()
    return out


def sentiment_directions(parts) -> Text:
    """A bidirectional RNN's two summaries: what →a⟨Tx⟩ and ←a⟨1⟩ each add to the logits, and the margin."""
    labels = list(parts.tag_names)
    neg, pos = labels.index("negative"), labels.index("positive")
    rows = (("W→·→a⟨Tx⟩", parts.forward[0], "bold cyan"), ("W←·←a⟨1⟩", parts.backward[0], "bold magenta"),
            ("b", parts.bias, "dim"))
    out = Text()
    out.append(f"{'':<11}{'negative':>9}{'positive':>9}{'pos−neg':>9}\n", style="dim")
    for name, row, style in rows:
        margin = float(row[pos] - row[neg])
        out.append(f"{name:<11}", style=style)
        out.append(f"{float(row[neg]):+9.2f}{float(row[pos]):+9.2f}")
        out.append(f"{margin:+9.2f}\n", style=_p_style(0.5 + margin))
    return out


TAG_STYLES = {"person": "bold black on green", "location": "bold black on cyan", "corporation": "bold black on yellow",
              "product": "bold black on magenta", "creative-work": "bold white on blue", "group": "bold black on red"}


def tag_style(tag: str) -> str:
    if tag == "O" or "-" not in tag:
        return ""
    return TAG_STYLES.get(tag.split("-", 1)[1], "reverse")


def ner_view(result) -> Text:
    """The sentence coloured by entity; per token: tag, P(tag), and for a BiLSTM → and ← contributions."""
    pred, parts = result.prediction, result.directions
    out = Text()
    for tok, tag in zip(pred.tokens, pred.tags):
        out.append(tok, style=tag_style(tag))
        out.append(" ")
    out.append("\n")
    if pred.entities:
        out.append("entities: ", style="dim")
        out.append(", ".join(f"{' '.join(pred.tokens[a:b + 1])} ({kind})" for a, b, kind in pred.entities))
        out.append("\n")
    else:
        out.append("no entity found\n", style="dim")
    w = min(max([len(t) for t in pred.tokens] + [5]), 14)
    head = f"{'token':<{w}} {'tag':<15} {'P':>4}"
    if parts is not None:
        head += "   W→·→a   W←·←a"
    out.append(head + "\n", style="dim")
    for t, (tok, tag, p) in enumerate(zip(pred.tokens, pred.tags, pred.probabilities)):
        out.append(f"{tok[:w]:<{w}} ", style="" if pred.known[t] else "dim strike")
        out.append(f"{tag:<15}", style=tag_style(tag) or "dim")
        out.append(f" {p:4.2f}")
        if parts is not None:
            j = list(parts.tag_names).index(tag)
            f, b = float(parts.forward[t, j]), float(parts.backward[t, j])
            out.append(f"  {f:+6.2f}", style="bold cyan")
            out.append(f"  {b:+6.2f}", style="bold magenta")
        out.append("\n")
    out.rstrip()
    return out


def teddy_view(report) -> Text:
    """The course's example: "Teddy"'s tag in two sentences that share the words before it."""
    out = Text()
    kind = "bidirectional" if report.bidirectional else "forward-only"
    out.append(f"Teddy Roosevelt vs Teddy bears ({kind} tagger)\n", style="bold")
    for sentence, pred, i in zip(report.sentences, report.predictions, report.positions):
        order = pred.distribution[i].argsort()[::-1][:3]
        out.append(sentence + "\n")
        out.append("  Teddy → ", style="dim")
        out.append(", ".join(f"{pred.tag_names[j]} {pred.distribution[i, j]:.2f}" for j in order))
        out.append("\n")
    out.append(f"largest difference at Teddy: {report.max_difference:.3f}\n")
    if report.bidirectional:
        out.append("←a reads what follows Teddy (Roosevelt / bears), so the tags may differ.", style="italic dim")
    else:
        out.append("a forward-only tagger sees only \"He said , Teddy\" in both: the tags must be equal.",
                   style="italic dim")
    return out


SHADES = " ░▒▓█"


def dates_view(result, width: int = 60) -> Text:
    """The greedy output, the beam's candidates with scores, and α⟨t,t'⟩ as a small heatmap."""
    tr = result.prediction
    out = Text()
    out.append("output  ", style="dim")
    out.append(tr.output or "∅", style="bold green")
    out.append(f"   (greedy, log P {tr.log_prob:.2f})\n")
    out.append("beam    ", style="dim")
    out.append("   ".join(f"{c.text} {c.score:.2f}" for c in tr.candidates[:3]))
    out.append("\n")
    att = tr.attention
    if att is None:
        out.append("no attention: the decoder reads one summary of the input", style="dim")
        return out
    src = list(tr.source_tokens)
    tgt = list(tr.output_tokens)
    cols = min(len(src), max(width - 4, 8))
    out.append("α⟨t,t'⟩: output (rows) attends to input (columns)\n", style="dim")
    out.append("   " + "".join(("␣" if c == " " else c) for c in src[:cols]) + "\n", style="bold")
    for r in range(min(att.shape[0], len(tgt))):
        ch = tgt[r]
        out.append(f"{'⏎' if ch.startswith('<') else ch[:1]:>2} ", style="bold green")
        row = att[r, :cols]
        top = float(row.max()) if row.size else 1.0
        for v in row:
            level = 0 if top <= 0 else min(len(SHADES) - 1, int(round(float(v) / top * (len(SHADES) - 1))))
            out.append(SHADES[level], style="yellow")
        out.append("\n")
    out.rstrip()
    return out


def result_view(result, width: int = 60) -> Text:
    """A :class:`~explorer.jobs.tasks.TaskPredicted` drawn as its task's view (Teddy when asked)."""
    if result.teddy is not None:
        return teddy_view(result.teddy)
    if result.task == "sentiment":
        return sentiment_view(result)
    if result.task == "ner":
        return ner_view(result)
    return dates_view(result, width=width)
