"""Train RNN, GRU and LSTM side by side on the agreement task, same budget, same batches.

Each model is ``embedding → Recurrent(kind) → Linear`` reading a⟨Tx⟩ only
(many-to-one)::

    e⟨t⟩ = E x⟨t⟩,   a⟨t⟩ = cell(a⟨t−1⟩, e⟨t⟩),   ŷ = softmax(W_y a⟨Tx⟩ + b_y)

and the hidden size of each kind is the largest whose total parameter count fits
the shared ``budget`` (an LSTM has four weight blocks per unit, an RNN one, so the
RNN gets more units: that is what "the same size" fairly means). Every model sees
the same batches in the same order, takes the same number of Adam steps with the
same learning rate and gradient clipping, and is evaluated on the same held-out
set (a seed the training stream never uses; at very short d the task has only a few
hundred distinct sentences, so "held out" there means "drawn independently", not "unseen").

:func:`train_agreement` is a generator of events (see
:mod:`engine.gradients.events`): one :class:`AgreementModel` per model, then
:class:`AgreementEvaluated` every ``eval_every`` steps per model (with ``profile``, also
each model's :class:`GradientsThroughTime` on one held-out sentence), then
:class:`engine.events.Finished`. It honours ``stop`` at every step.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch
from torch import nn

from engine.device import torch_threads
from engine.errors import InputError
from engine.events import Event, Finished, Started
from engine.gradients.agreement import AgreementTask
from engine.gradients.configs import AGREEMENT_CELLS, DEFAULT_CELLS, AgreementTrainConfig  # noqa: F401 - re-exported
from engine.gradients.events import AgreementEvaluated, AgreementModel
from engine.limits import check_seed
from engine.recurrent.kinds import KINDS


class AgreementClassifier(nn.Module):
    """``embedding → Recurrent(kind) → Linear(H, 2)`` on the last step's a⟨Tx⟩."""

    def __init__(self, kind: str, vocab_size: int, embed_size: int, hidden_size: int, *, nonlinearity: str = "tanh") -> None:
        super().__init__()
        from engine.recurrent.layers import Recurrent

        self.kind = kind
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.recurrent = Recurrent(kind, embed_size, hidden_size, nonlinearity=nonlinearity)
        self.head = nn.Linear(hidden_size, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = self.embedding(x)  # (B, Tx, E)
        out, _, _ = self.recurrent(e)  # (B, Tx, H)
        return self.head(out[:, -1])  # (B, 2)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def hidden_size_for_budget(kind: str, budget: int, vocab_size: int, embed_size: int) -> int:
    """The largest hidden size whose :class:`AgreementClassifier` has at most ``budget`` parameters."""

    def size(h: int) -> int:
        return count_parameters(AgreementClassifier(kind, vocab_size, embed_size, h))

    if size(1) > budget:
        raise InputError(f"budget {budget} is too small for a {kind} model (needs at least {size(1)} parameters)")
    lo, hi = 1, 2
    while size(hi) <= budget:
        lo, hi = hi, hi * 2
        if hi > 4096:
            raise InputError(f"budget must be at most about 4096 hidden units' worth, got {budget}")
    while hi - lo > 1:  # size(lo) <= budget < size(hi)
        mid = (lo + hi) // 2
        if size(mid) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


def bias_gates_to_remember(rec: nn.Module, gate_bias: float) -> None:
    """Bias every layer's gates so that a fresh cell remembers: c⟨t⟩ ≈ c⟨t−1⟩.

    LSTMs: ``b_f += gate_bias`` and ``b_u −= gate_bias``; GRUs: ``b_u −= gate_bias`` (PyTorch's
    z chunk gets ``+gate_bias``). With ``gate_bias = b`` a fresh cell keeps σ(b) of its memory
    per step (σ(5) ≈ 0.993, not σ(0) = 0.5) and lets in only σ(−b) of each new c̃, so one early
    token's trace and its gradient along c⟨t⟩ survive about 1/(1 − σ(b)) ≈ 150 steps instead of
    2 before training even starts (forget-gate bias: Gers et al. 2000, Jozefowicz et al. 2015;
    coupled input gate: "chrono" init, Tallec & Ollivier 2018). The GRU couples the two by
    construction (Γu and 1 − Γu), which is why it needs only one bias. No effect on ``rnn``.

    Which chunks of ``bias_ih`` move, and which way, is the kind's ``remember`` in
    :data:`engine.recurrent.kinds.KINDS`: LSTM ``i|f|g|o``: Γf = σ(pre_f) opened (+), Γu = σ(pre_i)
    closed (−), as the "chrono" initialisation does (Tallec & Ollivier 2018); GRU ``r|z|n`` with
    PyTorch's z = 1 − Γu: +z keeps c⟨t−1⟩ and lets little of c̃ in (the simplified GRU: ``z|n``).
    """
    kind = KINDS.get(getattr(rec, "kind", ""))
    chunks = kind.remember if kind is not None else ()
    if not chunks or not gate_bias:
        return
    H = rec.hidden_size
    with torch.no_grad():
        for name, p in rec.named_parameters():
            if name.startswith("bias_ih"):
                for chunk, sign in chunks:
                    p[chunk * H:(chunk + 1) * H] += sign * gate_bias


@dataclass
class _Contender:
    kind: str
    model: AgreementClassifier
    optimizer: torch.optim.Optimizer
    losses: list[float] = field(default_factory=list)


def build_contenders(config: AgreementTrainConfig, vocab_size: int) -> list[_Contender]:
    out = []
    for kind in config.cells:
        hidden = hidden_size_for_budget(kind, config.budget, vocab_size, config.embed_size)
        torch.manual_seed(config.seed)  # every kind starts from the same seed
        model = AgreementClassifier(kind, vocab_size, config.embed_size, hidden)
        bias_gates_to_remember(model.recurrent, config.gate_bias)
        out.append(_Contender(kind, model, torch.optim.Adam(model.parameters(), lr=config.learning_rate)))
    return out


@torch.no_grad()
def evaluate_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(accuracy, mean cross-entropy) of ``model`` on ``x`` (N, Tx), ``y`` (N,)."""
    model.eval()
    logits = model(x)
    model.train()
    loss = nn.functional.cross_entropy(logits, y).item()
    return float((logits.argmax(-1) == y).float().mean().item()), float(loss)


def train_agreement(config: AgreementTrainConfig, stop: threading.Event | None = None) -> Iterator[Event]:
    """Race ``config.cells`` on the agreement task; yields events (see module docstring)."""
    stop = stop or threading.Event()
    with torch_threads():  # 1 thread in a worker: OpenMP's per-thread pool is far slower here
        task = AgreementTask(config.distance, attractors=config.attractors)
        contenders = build_contenders(config, task.vocab_size)
        x_eval, y_eval = (torch.from_numpy(a) for a in task.fixed_set(config.eval_size, config.seed))
        rng = np.random.default_rng([config.seed, config.distance, 1])
        t0 = time.perf_counter()
        yield Started(
            total_steps=config.steps,
            device="cpu",
            description=f"agreement d={config.distance}: {', '.join(config.cells)}; budget {config.budget} parameters",
        )
        for c in contenders:
            note = c.model.recurrent.cell(1).variant_note
            yield AgreementModel(c.kind, c.model.hidden_size, count_parameters(c.model), config.budget, note)
        step = 0
        last_loss = float("nan")
        while step < config.steps and not stop.is_set():
            xb, yb = (torch.from_numpy(a) for a in task.batch(config.batch_size, rng))
            step += 1
            for c in contenders:
                c.optimizer.zero_grad(set_to_none=True)
                loss = nn.functional.cross_entropy(c.model(xb), yb)
                loss.backward()
                if config.clip_norm:
                    nn.utils.clip_grad_norm_(c.model.parameters(), config.clip_norm)
                c.optimizer.step()
                c.losses.append(float(loss.item()))
            if step % config.eval_every == 0 or step == config.steps:
                for c in contenders:
                    acc, eval_loss = evaluate_classifier(c.model, x_eval, y_eval)
                    last_loss = float(np.mean(c.losses[-config.eval_every:]))
                    yield AgreementEvaluated(c.kind, step, config.steps, config.distance, acc, eval_loss, last_loss)
                if config.profile:
                    yield from _profiles(contenders, task, config.seed)
        reason = "stopped" if step < config.steps else "completed"
        yield Finished(step=step, reason=reason, final_loss=last_loss, elapsed_s=time.perf_counter() - t0)


def _profiles(contenders: list[_Contender], task: AgreementTask, seed: int) -> Iterator[Event]:
    from engine.gradients.through_time import classifier_gradients

    example = task.examples(1, seed)[0]  # the first sentence of the evaluation set
    ids = torch.from_numpy(task.encode(example.inputs))
    for c in contenders:
        c.model.eval()
        yield classifier_gradients(c.model, example.inputs, ids, example.label)
        c.model.train()


def final_accuracies(events: list[Event]) -> dict[str, float]:
    """The last accuracy of each model in a list of events."""
    out: dict[str, float] = {}
    for e in events:
        if isinstance(e, AgreementEvaluated):
            out[e.cell] = e.accuracy
    return out


def example_profiles(
    distance: int, cells: tuple[str, ...], *, example_seed: int = 0, hidden_size: int = 16,
    init_seed: int = 0, gate_bias: float = 0.0, method: str = "auto", stop: threading.Event | None = None,
) -> Iterator[Event]:
    """Gradients through time of fresh (untrained, seeded) models on one agreement sentence.

    Yields one :class:`GradientsThroughTime` per cell kind (all with the same hidden size,
    embedding and sentence), so the ribbons show what each architecture does to the
    gradient before any learning.
    """
    from engine.gradients.through_time import classifier_gradients

    if not isinstance(hidden_size, int) or isinstance(hidden_size, bool) or hidden_size <= 0:
        raise InputError(f"hidden size must be an integer > 0, got {hidden_size!r}")
    check_seed(init_seed, "init_seed")
    task = AgreementTask(distance)
    for kind in cells:
        if kind not in AGREEMENT_CELLS:
            raise InputError(f"cell must be one of {', '.join(AGREEMENT_CELLS)}, got {kind!r}")
    example = task.examples(1, seed=example_seed)[0]
    ids = torch.from_numpy(task.encode(example.inputs))
    for kind in cells:
        if stop is not None and stop.is_set():
            return
        torch.manual_seed(init_seed)
        model = AgreementClassifier(kind, task.vocab_size, 16, hidden_size)
        bias_gates_to_remember(model.recurrent, gate_bias)
        model.eval()
        yield classifier_gradients(model, example.inputs, ids, example.label, method=method)
