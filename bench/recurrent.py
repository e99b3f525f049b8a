"""Recurrent engine throughput: ``python -m bench.recurrent [--quick]``.

Training throughput (forward + backward + Adam step, tokens/s) of a character model
(vocabulary 65, one-hot input, hidden 256, sequence 100, batch 32; 1 and 2 layers) for
``torch.nn.LSTM`` directly, the engine's fused fast path, the engine's recording loop, and
the per-step loops of ``gru-course`` and ``lstm-peephole``; then the time to record a trace
of one 500-token sequence. Ratios are against ``torch.nn.LSTM`` measured in the same run,
interleaved step by step so that load from other processes hits every variant alike.

Targets: fast path ≥ 0.95×, loop variants ≥ 0.5×, a 500-token trace < 50 ms on CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from engine.recurrent import Recurrent

VOCAB, HIDDEN, SEQ, BATCH = 65, 256, 100, 32


class CharModel(torch.nn.Module):
    """one-hot x⟨t⟩ → recurrent → ŷ⟨t⟩ = W_y a⟨t⟩ + b_y."""

    def __init__(self, variant: str, layers: int) -> None:
        super().__init__()
        self.variant = variant
        if variant == "torch.nn.LSTM":
            self.rnn = torch.nn.LSTM(VOCAB, HIDDEN, num_layers=layers, batch_first=True)
            self.record = False
        else:
            kind, _, mode = variant.partition(" ")
            self.rnn = Recurrent(kind, VOCAB, HIDDEN, num_layers=layers)
            self.record = mode == "record"
        self.head = torch.nn.Linear(HIDDEN, VOCAB)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.one_hot(ids, VOCAB).float()  # (B, T, 65)
        if isinstance(self.rnn, torch.nn.LSTM):
            a, _ = self.rnn(x)
        else:
            a, _, _ = self.rnn(x, record=self.record)
        return self.head(a)  # (B, T, 65)


VARIANTS = ("torch.nn.LSTM", "lstm fast", "lstm record", "gru-course loop", "lstm-peephole loop")
TARGETS = {"torch.nn.LSTM": 1.0, "lstm fast": 0.95, "lstm record": 0.5, "gru-course loop": 0.5, "lstm-peephole loop": 0.5}


def train_throughput(layers: int, steps: int, warmup: int) -> dict[str, float]:
    """Median tokens/s per variant, the variants interleaved step by step."""
    torch.manual_seed(0)
    models = {v: CharModel(v, layers) for v in VARIANTS}
    opts = {v: torch.optim.Adam(m.parameters(), lr=1e-3) for v, m in models.items()}
    ids = torch.randint(0, VOCAB, (BATCH, SEQ + 1))
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for i in range(warmup + steps):
        for v in VARIANTS:
            m, opt = models[v], opts[v]
            t0 = time.perf_counter()
            logits = m(ids[:, :-1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if i >= warmup:
                times[v].append(time.perf_counter() - t0)
    return {v: BATCH * SEQ / statistics.median(ts) for v, ts in times.items()}


def trace_time(kind: str, layers: int, repeats: int) -> tuple[float, float, float]:
    """Median wall and CPU seconds to record a trace of one 500-token sequence (batch 1, no
    gradients), and the wall time of a plain ``torch.nn.LSTM`` forward over the same input
    (interleaved). CPU time (this process only) is what an idle machine would show as wall
    time with one thread; on a loaded machine the wall time also counts waiting for a core."""
    torch.manual_seed(0)
    rec = Recurrent(kind, VOCAB, HIDDEN, num_layers=layers).eval()
    ref = torch.nn.LSTM(VOCAB, HIDDEN, num_layers=layers, batch_first=True).eval()
    x = torch.nn.functional.one_hot(torch.randint(0, VOCAB, (1, 500)), VOCAB).float()
    ts, cpu, refs = [], [], []
    with torch.no_grad():
        for i in range(repeats + 1):
            c0, t0 = time.process_time(), time.perf_counter()
            rec(x, record=True)
            c1, t1 = time.process_time(), time.perf_counter()
            ref(x)
            if i:
                ts.append(t1 - t0)
                cpu.append(c1 - c0)
                refs.append(time.perf_counter() - t1)
    return statistics.median(ts), statistics.median(cpu), statistics.median(refs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recurrent", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 layer, few steps (well under 2 minutes)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave torch's default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    steps, warmup = (3, 1) if args.quick else (10, 2)
    layer_counts = (1,) if args.quick else (1, 2)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; char model vocab {VOCAB}, hidden {HIDDEN},"
          f" seq {SEQ}, batch {BATCH}; {steps} timed steps (median), variants interleaved")
    ok = True
    for layers in layer_counts:
        tps = train_throughput(layers, steps, warmup)
        ref = tps["torch.nn.LSTM"]
        print(f"\n{layers} layer(s): training tokens/s (forward + backward + Adam)")
        for v in VARIANTS:
            ratio = tps[v] / ref
            met = ratio >= TARGETS[v]
            ok &= met
            print(f"  {v:<20} {tps[v]:>9.0f} tok/s  {ratio:5.2f}x torch.nn.LSTM  (target >= {TARGETS[v]:.2f}x{'' if met else ', MISSED'})")
    print("\ntrace of one 500-token sequence (batch 1, record=True, no grad); target < 50 ms for 1 layer")
    for kind in ("lstm", "gru", "gru-course", "gru-simple", "lstm-peephole", "rnn"):
        for layers in layer_counts:
            t, cpu, ref = trace_time(kind, layers, 3 if args.quick else 7)
            met = t < 0.050
            ok &= met or layers > 1
            print(f"  {kind:<14} {layers} layer(s)  {t * 1e3:7.1f} ms wall, {cpu * 1e3:6.1f} ms CPU"
                  f"{'' if met or layers > 1 else ' (wall over 50 ms)'}   [torch.nn.LSTM forward alone: {ref * 1e3:5.1f} ms wall]")
    print("\nall targets met" if ok else "\nsome targets missed (see above; the machine may be loaded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
