"""Long-range agreement: accuracy against distance d for RNN, GRU (both forms) and LSTM.

``python -m bench.long_range [--quick] [--distances 20,40] [--steps N] [--seeds N] [--gate-bias B]
[--attractors P]``. Every model has the same parameter budget, the same
batches, the same number of Adam steps; several seeds give mean ± spread (half the
max − min range). Chance is 0.5. The reference is the LSTM measured in the same run: the
table ends with each model's accuracy as a ratio of the LSTM's at each d.
"""

from __future__ import annotations

import argparse
import sys
import time


LETTERS = {"rnn": "R", "gru": "G", "gru-course": "C", "lstm": "L"}


def text_plot(means: dict[tuple[str, int], float], cells, distances) -> str:
    """Accuracy (rows, 1.0 at the top, 0.5 = chance) against d (columns); one letter per cell."""
    lines = ["accuracy   " + "".join(f"{'d=' + str(d):^8}" for d in distances)]
    for level in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4):
        row = f"{level:4.1f} ┤    "
        for d in distances:
            here = "".join(LETTERS.get(c, c[0].upper()) for c in cells if abs(means[(c, d)] - level) < 0.05)
            row += f"{here or ('·' if level != 0.5 else '-'):^8}"
        lines.append(row)
    lines.append("      " + "; ".join(f"{LETTERS.get(c, c[0].upper())} = {c}" for c in cells) + "; 0.5 = chance")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.long_range", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="d ∈ {5, 20, 80}, 1 seed, 150 steps (< 2 minutes)")
    p.add_argument("--steps", type=int, help="Adam steps per model (default 300; quick 150)")
    p.add_argument("--seeds", type=int, help="seeds per point (default 3; quick 1)")
    p.add_argument("--gate-bias", type=float, default=5.0, help="remember-gate bias of the gated cells (0: torch.nn init)")
    p.add_argument("--distances", help="comma list of distances d (default 2,5,10,20,40,80; quick 5,20,80)")
    p.add_argument("--attractors", type=float, default=0.0, help="probability of a noun in each clause slot")
    p.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    args = p.parse_args(argv)

    import numpy as np
    import torch

    from engine.gradients.agreement_training import AgreementTrainConfig, final_accuracies, train_agreement

    torch.set_num_threads(args.threads)
    distances = (5, 20, 80) if args.quick else (2, 5, 10, 20, 40, 80)
    if args.distances:
        distances = tuple(int(d) for d in args.distances.split(","))
    steps = args.steps or (150 if args.quick else 300)
    seeds = args.seeds or (1 if args.quick else 3)
    cells = ("rnn", "gru", "gru-course", "lstm")
    print(f"agreement accuracy, {steps} steps, {seeds} seed(s), gate bias {args.gate_bias}, attractors "
          f"{args.attractors}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s)", flush=True)
    table: dict[tuple[str, int], list[float]] = {}
    sizes: dict[str, str] = {}
    t0 = time.perf_counter()
    for d in distances:
        for seed in range(seeds):
            t = time.perf_counter()
            config = AgreementTrainConfig(distance=d, cells=cells, steps=steps, eval_every=steps, seed=seed,
                                          gate_bias=args.gate_bias, attractors=args.attractors)
            events = list(train_agreement(config))
            for e in events:
                if type(e).__name__ == "AgreementModel":
                    sizes[e.cell] = f"{e.cell} H={e.hidden_size} ({e.parameters} params)"
            for cell, acc in final_accuracies(events).items():
                table.setdefault((cell, d), []).append(acc)
            print(f"  d={d:3d} seed={seed}: " + "  ".join(f"{c} {table[(c, d)][-1]:.3f}" for c in cells)
                  + f"   ({time.perf_counter() - t:.0f} s)", flush=True)
    print("models: " + "; ".join(sizes[c] for c in cells))
    header = "cell        " + "".join(f"{'d=' + str(d):>14}" for d in distances)
    print(header)
    for c in cells:
        row = ""
        for d in distances:
            v = np.array(table[(c, d)])
            row += f"{v.mean():8.3f}±{(v.max() - v.min()) / 2:.2f}".rjust(14)
        print(f"{c:12}" + row)
    print("ratio to lstm (same run)")
    for c in cells:
        print(f"{c:12}" + "".join(f"{np.mean(table[(c, d)]) / max(np.mean(table[('lstm', d)]), 1e-9):14.2f}" for d in distances))
    print(text_plot({k: float(np.mean(v)) for k, v in table.items()}, cells, distances))
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
