"""Vanishing and exploding gradients, headless.

    seq-explorer gradients --cells rnn,gru,lstm --distance 20 [--hidden 16] [--seed 0]
        [--method auto|bptt|autograd] [--json]         per-step ‖∂L⟨T⟩/∂a⟨t⟩‖ on one agreement sentence
    seq-explorer gradients --checkpoint dinos-lstm,dinos-gru --text tyrannosaurus [--json]
                                                       the same for language models on a text
    seq-explorer agreement --distance 20 --cells rnn,lstm --steps 300 [--budget 3000] [--gate-bias 5]
        [--seed 0] [--json]                            race the cells on the agreement task
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

    a = subparsers.add_parser("agreement", help="train RNN/GRU/LSTM on the long-range agreement task",
                              description="Train cells of equal parameter budget on 'the cat(s) which … was/were'.")
    a.add_argument("--distance", type=int, default=20, help="tokens between subject and verb")
    a.add_argument("--cells", default="rnn,gru,gru-course,lstm", help=cell_help)
    a.add_argument("--steps", type=int, default=300, help="Adam steps per model")
    a.add_argument("--budget", type=int, default=3000, help="parameters per model")
    a.add_argument("--gate-bias", type=float, default=5.0, help="remember-gate bias of gated cells (0: torch init)")
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
    from engine.gradients.agreement_training import AgreementTrainConfig, train_agreement
    from engine.gradients.events import AgreementEvaluated, AgreementModel

    config = AgreementTrainConfig(distance=args.distance, cells=_cells(args.cells), steps=args.steps,
                                  budget=args.budget, gate_bias=args.gate_bias, seed=args.seed,
                                  eval_every=max(1, args.steps // 10) if args.steps > 0 else 1)
    models: dict[str, dict] = {}
    if not args.json:
        from rich.console import Console

        console = Console()
    for event in train_agreement(config):
        if isinstance(event, AgreementModel):
            models[event.cell] = {"cell": event.cell, "hidden_size": event.hidden_size, "parameters": event.parameters}
        elif isinstance(event, AgreementEvaluated):
            models[event.cell].update(accuracy=event.accuracy, eval_loss=event.eval_loss, step=event.step)
            if not args.json:
                console.print(f"step {event.step:5d}  {event.cell:12} accuracy {event.accuracy:.3f}")
    if args.json:
        write_json({"distance": args.distance, "steps": args.steps, "models": list(models.values())})
    else:
        for m in models.values():
            console.print(f"[b]{m['cell']:12}[/b] H={m['hidden_size']:3d} ({m['parameters']} params)  accuracy {m.get('accuracy', float('nan')):.3f}")
    return 0


def run_exploding(args: argparse.Namespace) -> int:
    from engine.gradients.events import ExplodingDiverged, ExplodingStep
    from engine.gradients.exploding import ExplodingConfig, run_exploding as run

    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    config = ExplodingConfig(modes=modes, steps=args.steps, spectral_radius=args.spectral_radius,
                             clip_value=args.clip_value, clip_norm=args.clip_norm, seed=args.seed)
    curves: dict[str, dict] = {m: {"mode": m, "loss": [], "grad_norm": [], "diverged_at": None} for m in modes}
    for event in run(config):
        if isinstance(event, ExplodingStep):
            curves[event.mode]["loss"].append(event.loss)
            curves[event.mode]["grad_norm"].append(event.grad_norm)
        elif isinstance(event, ExplodingDiverged):
            curves[event.mode]["diverged_at"] = event.step
    if args.json:
        write_json({"spectral_radius": args.spectral_radius, "modes": list(curves.values())})
        return 0
    from rich.console import Console

    console = Console()
    for c in curves.values():
        end = f"diverged at step {c['diverged_at']}" if c["diverged_at"] else f"final loss {c['loss'][-1]:.3f}"
        peak = max(c["grad_norm"]) if c["grad_norm"] else float("nan")
        console.print(f"[b]{c['mode']:6}[/b] first loss {c['loss'][0] if c['loss'] else float('nan'):.3g}, "
                      f"largest ‖g‖ {peak:.3g}, {end}")
    return 0
