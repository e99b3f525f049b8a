"""Vanishing and exploding gradients, headless.

    seq-explorer gradients --cells rnn,gru,lstm --distance 20 [--hidden 16] [--seed 0]
        [--method auto|bptt|autograd] [--json]         per-step ‖∂L⟨T⟩/∂a⟨t⟩‖ on one agreement sentence
    seq-explorer gradients --checkpoint dinos-lstm,dinos-gru --text tyrannosaurus [--json]
                                                       the same for language models on a text
    seq-explorer agreement [--distance 40] [--cells rnn,gru,gru-course,lstm] [--steps 300] [--budget 3000]
        [--gate-bias 5] [--attractors 0] [--seed 0] [--json]   race the cells on the agreement task
    seq-explorer exploding [--modes none,value,norm] [--steps 80] [--spectral-radius 1.3]
        [--clip-value 0.1] [--clip-norm 1.0] [--json] an RNN built to explode, with and without clipping
"""

from __future__ import annotations

import argparse
import math

from engine.recurrent import kinds  # the table of cell kinds, torch-free (no torch at --help)
from explorer.commands._output import write_json
from explorer.fields import flags_of


def _cells(text: str) -> tuple[str, ...]:
    from engine.errors import InputError

    cells = tuple(c.strip() for c in text.split(",") if c.strip())
    for c in cells:
        if c not in kinds.KINDS:
            raise InputError(f"--cells must be a comma list of {', '.join(kinds.CELL_KINDS)}, got {c!r}")
    if not cells:
        raise InputError(f"--cells must name at least one of {', '.join(kinds.CELL_KINDS)}")
    return cells


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("gradients", help="per-step gradient norms through time (vanishing gradients)",
                              description="‖∂L⟨T⟩/∂a⟨t⟩‖ at every step of one agreement sentence, per cell.")
    cell_help = f"comma list of cell kinds ({', '.join(kinds.CELL_KINDS)})"
    p.add_argument("--cells", "--cell", dest="cells", default="rnn,gru,lstm", help=cell_help)
    p.add_argument("--distance", type=int, default=20, help="tokens between subject and verb")
    p.add_argument("--hidden", type=int, default=16, help="hidden units")
    p.add_argument("--method", choices=("auto", "bptt", "autograd"), default="auto",
                   help="hand-written BPTT (rnn, lstm) or autograd; auto picks BPTT where it exists")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", metavar="DIR[,DIR…]",
                   help="language-model checkpoints (directories or bundled names) instead of fresh agreement models")
    p.add_argument("--text", help="text for --checkpoint; the loss is the prediction of its last token")
    p.add_argument("--json", action="store_true", help="print JSON to stdout")
    p.set_defaults(handler=run_gradients, flags=flags_of(p, hidden_size="--hidden", seed="--seed"))

    a = subparsers.add_parser(
        "agreement", help="train RNN/GRU/LSTM on the long-range agreement task",
        description="Train cells of equal parameter budget on 'the cat(s) which … was/were' and compare their "
                    "held-out accuracy (chance = 0.5). The defaults show the course's lesson in about 15 s: at "
                    "d = 40 the basic RNN stays at chance, the GRUs and the LSTM learn it.")
    # the defaults are AgreementTrainConfig's (tests/cli/test_gradients_cli.py checks they agree)
    a.add_argument("--distance", type=int, default=40, help="tokens between subject and verb (default 40)")
    a.add_argument("--cells", default="rnn,gru,gru-course,lstm", help=cell_help)
    a.add_argument("--steps", type=int, default=300, help="Adam steps per model (default 300)")
    a.add_argument("--budget", type=int, default=3000, help="trainable parameters per model (default 3000)")
    a.add_argument("--gate-bias", type=float, default=5.0,
                   help="initial bias that makes a fresh gated cell remember: +B on the LSTM's forget gate "
                        "and −B on the update gate of the LSTM and the GRUs (default 5; 0 keeps torch.nn's "
                        "initialisation, where the gated cells fail too at d ≥ 20)")
    a.add_argument("--attractors", type=float, default=0.0,
                   help="probability that a clause word is a noun of either number (default 0: none)")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--json", action="store_true", help="print JSON to stdout")
    a.set_defaults(handler=run_agreement, flags=flags_of(a))

    e = subparsers.add_parser("exploding", help="exploding gradients on purpose, with and without clipping",
                              description="A ReLU RNN with spectral radius > 1 trained with no clipping, clip by value, clip by norm.")
    e.add_argument("--modes", default="none,value,norm", help="comma list of none, value, norm")
    e.add_argument("--steps", type=int, default=80)
    e.add_argument("--spectral-radius", type=float, default=1.3)
    e.add_argument("--clip-value", type=float, default=0.1)
    e.add_argument("--clip-norm", type=float, default=1.0)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true", help="print JSON to stdout")
    e.set_defaults(handler=run_exploding, flags=flags_of(e))


def _log_bar(v: float, lo: float, hi: float, width: int = 30) -> str:
    if v <= 0 or hi <= lo:
        return ""
    return "█" * max(1, int(round((math.log10(v) - lo) / (hi - lo) * width)))


def _lm_results(args: argparse.Namespace) -> tuple[str, list]:
    from engine.errors import InputError
    from engine.gradients.lm_text import lm_gradients
    from engine.lm import BUNDLED_CHECKPOINTS, default_checkpoint, load_language_model

    if not args.text:
        raise InputError("--checkpoint needs --text TEXT (the loss is the prediction of its last token)")
    results = []
    for name in (n.strip() for n in args.checkpoint.split(",") if n.strip()):
        path = default_checkpoint(name) if name in BUNDLED_CHECKPOINTS else name
        results.append(lm_gradients(load_language_model(path), args.text, method=args.method))
    return args.text, results


def run_gradients(args: argparse.Namespace) -> int:
    if args.checkpoint:
        text, results = _lm_results(args)
        return _print_results(args, text, "", results, f"language models on {text!r}")
    cells = _cells(args.cells)
    from engine.gradients.agreement import AgreementTask
    from engine.gradients.agreement_training import example_profiles

    example = AgreementTask(args.distance).examples(1, seed=args.seed)[0]
    results = list(example_profiles(args.distance, cells, example_seed=args.seed, hidden_size=args.hidden,
                                    init_seed=args.seed, method=args.method))
    return _print_results(args, example.text, example.verb, results, f"untrained models, hidden {args.hidden}")


def _print_results(args: argparse.Namespace, text: str, label: str, results: list, what: str) -> int:
    if args.json:
        write_json({
            "sentence": text, "label": label, "distance": None if args.checkpoint else args.distance,
            "models": [{"cell": r.cell, "method": r.method, "loss": r.loss, "tokens": list(r.tokens),
                        "layers": [{"layer": l.layer, "a": list(l.a), "c": None if l.c is None else list(l.c)} for l in r.layers]}
                       for r in results],
        })
        return 0
    from rich.console import Console

    console = Console()
    console.print(f"[b]{text}[/b]  ({what}; ‖∂L⟨T⟩/∂a⟨t⟩‖, log scale)")
    values = [v for r in results for v in r.top().a if v > 0]
    lo, hi = math.log10(min(values)), math.log10(max(values))
    for r in results:
        console.print(f"[b]{r.cell}[/b] ({r.method}): ‖da⟨1⟩‖/‖da⟨T⟩‖ = {r.top().a[0] / r.top().a[-1]:.2e}")
        for t, (tok, v) in enumerate(zip(r.tokens, r.top().a), start=1):
            console.print(f"  {t:3d} {tok:>10} {v:10.3e} {_log_bar(v, lo, hi)}")
    return 0


def run_agreement(args: argparse.Namespace) -> int:
    from engine.events import Started
    from engine.gradients.agreement_training import AgreementTrainConfig, train_agreement
    from engine.gradients.events import AgreementEvaluated, AgreementModel

    config = AgreementTrainConfig(distance=args.distance, cells=_cells(args.cells), steps=args.steps,
                                  budget=args.budget, gate_bias=args.gate_bias, attractors=args.attractors,
                                  seed=args.seed, eval_every=max(1, args.steps // 10) if args.steps > 0 else 1)
    models: dict[str, dict] = {}
    if not args.json:
        from rich.console import Console

        console = Console()
    for event in train_agreement(config):
        if isinstance(event, Started) and not args.json:
            console.print(f"{event.description}; chance = 0.5")
        elif isinstance(event, AgreementModel):
            models[event.cell] = {"cell": event.cell, "hidden_size": event.hidden_size, "parameters": event.parameters}
        elif isinstance(event, AgreementEvaluated):
            models[event.cell].update(accuracy=event.accuracy, eval_loss=event.eval_loss, step=event.step)
            if not args.json:
                console.print(f"step {event.step:5d}  {event.cell:12} accuracy {event.accuracy:.3f}")
    if args.json:
        write_json({"distance": args.distance, "steps": args.steps, "gate_bias": args.gate_bias,
                    "attractors": args.attractors, "models": list(models.values())})
    else:
        for m in models.values():
            acc = m.get("accuracy", float("nan"))
            verdict = "≈ chance" if acc < 0.6 else ("learned it" if acc >= 0.9 else "")
            console.print(f"[b]{m['cell']:12}[/b] H={m['hidden_size']:3d} ({m['parameters']} params)  "
                          f"accuracy {acc:.3f}  {verdict}")
        if any(m.get("accuracy", 1.0) < 0.6 for m in models.values()):
            console.print(f"A model at chance (0.5) never carried the subject's number across the "
                          f"{args.distance} words to the verb.")
    return 0


MODE_NAMES = {"none": "no clipping", "value": "clip by value", "norm": "clip by norm"}
MODE_STYLES = {"none": "bold red", "value": "bold yellow", "norm": "bold green"}  # as the app's chart


def run_exploding(args: argparse.Namespace) -> int:
    from engine.gradients.events import ExplodingDiverged, ExplodingStarted, ExplodingStep
    from engine.gradients.exploding import ExplodingConfig, run_exploding as run

    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    config = ExplodingConfig(modes=modes, steps=args.steps, spectral_radius=args.spectral_radius,
                             clip_value=args.clip_value, clip_norm=args.clip_norm, seed=args.seed)
    curves: dict[str, dict] = {m: {"mode": m, "loss": [], "grad_norm": [], "diverged_at": None} for m in modes}
    progress = task = console = None
    if not args.json:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console()
        progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[norms]}"), console=Console(stderr=True), transient=True)
        progress.start()
    try:
        for event in run(config):
            if isinstance(event, ExplodingStarted) and console is not None:
                console.print(f"A ReLU RNN with ρ(W_aa) = {event.spectral_radius:.2f} (hidden {config.hidden_size}, "
                              f"d = {config.distance}), trained by SGD (α = {event.learning_rate}) for "
                              f"{event.total_steps} steps: no clipping, clip by value (N = {event.clip_value}), "
                              f"clip by norm (N = {event.clip_norm}).")
                task = progress.add_task("exploding", total=event.total_steps, norms="")
            elif isinstance(event, ExplodingStep):
                curves[event.mode]["loss"].append(event.loss)
                curves[event.mode]["grad_norm"].append(event.grad_norm)
                if task is not None:
                    norms = "  ".join(f"{m} ‖g‖ {c['grad_norm'][-1]:.2g}" for m, c in curves.items()
                                      if c["grad_norm"] and c["diverged_at"] is None)
                    progress.update(task, completed=event.step, norms=norms)
            elif isinstance(event, ExplodingDiverged):
                curves[event.mode]["diverged_at"] = event.step
    finally:
        if progress is not None:
            progress.stop()
    if args.json:
        write_json({"spectral_radius": args.spectral_radius, "modes": list(curves.values())})
        return 0
    _print_exploding(console, curves)
    return 0


def _print_exploding(console, curves: dict[str, dict]) -> None:
    """‖g‖ per run on a log scale (it spans orders of magnitude), then one line per mode."""
    from explorer.commands._log_chart import log_panels

    styles = {MODE_NAMES[m]: MODE_STYLES[m] for m in curves}
    notes = {MODE_NAMES[m]: f"✗ diverged at step {c['diverged_at']}" for m, c in curves.items() if c["diverged_at"]}
    width = min(console.width, 100)
    series = {MODE_NAMES[m]: c["grad_norm"] for m, c in curves.items()}
    for line in log_panels("‖g‖ per step before clipping, log scale (one panel per run, one scale)", series,
                           styles, notes=notes, width=width, rows=4):
        console.print(line, overflow="crop", no_wrap=True)
    for c in curves.values():
        end = f"diverged at step {c['diverged_at']}" if c["diverged_at"] else f"final loss {c['loss'][-1]:.3f}"
        peak = max(c["grad_norm"]) if c["grad_norm"] else float("nan")
        console.print(f"[b]{MODE_NAMES[c['mode']]:13}[/b] first loss {c['loss'][0] if c['loss'] else float('nan'):.3g}, "
                      f"largest ‖g‖ {peak:.3g}, {end}")
