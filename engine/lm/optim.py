"""Adam and SGD written out, with state that saves to safetensors as plain tensors.

Public API::

    make_optimizer(kind, params, lr) -> Optimizer      # kind: "adam" | "sgd"
    Optimizer.zero_grad(), .step(), .lr, .state_tensors() -> dict[str, Tensor], .load_state_tensors(d)

Why not ``torch.optim``: its first use imports ``torch._dynamo`` (seconds on a busy CPU, before
the first training step) and its state dict needs translating for a pickle-free checkpoint.
The arithmetic is exactly ``torch.optim.Adam``'s (default settings), which a test checks::

    m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²
    θ ← θ − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
"""

from __future__ import annotations

import math

import torch

from engine.errors import InputError


class Optimizer:
    def __init__(self, params, lr: float) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr = float(lr)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def state_tensors(self) -> dict[str, torch.Tensor]:
        return {}

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        pass


class SGD(Optimizer):
    """θ ← θ − lr · g."""

    kind = "sgd"

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with torch.optim.Adam's defaults: β1 = 0.9, β2 = 0.999, ε = 1e-8."""

    kind = "adam"

    def __init__(self, params, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        bc1 = 1 - self.beta1**self.t
        bc2_sqrt = math.sqrt(1 - self.beta2**self.t)
        step_size = self.lr / bc1
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            if g is None:
                continue
            m.lerp_(g, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            denom = (v.sqrt() / bc2_sqrt).add_(self.eps)
            p.addcdiv_(m, denom, value=-step_size)

    def state_tensors(self) -> dict[str, torch.Tensor]:
        out = {"adam.t": torch.tensor(self.t, dtype=torch.int64)}
        for i, (m, v) in enumerate(zip(self.m, self.v)):
            out[f"adam.m.{i}"] = m
            out[f"adam.v.{i}"] = v
        return out

    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        try:
            self.t = int(tensors["adam.t"])
            for i, p in enumerate(self.params):
                for name, store in (("m", self.m), ("v", self.v)):
                    t = tensors[f"adam.{name}.{i}"]
                    if t.shape != p.shape:
                        raise InputError(f"optimizer state adam.{name}.{i} has shape {tuple(t.shape)}, expected {tuple(p.shape)}")
                    store[i] = t.to(p.device, p.dtype).clone()
        except KeyError as exc:
            raise InputError(f"optimizer state is incomplete (missing {exc}); the checkpoint cannot be resumed") from None


def make_optimizer(kind: str, params, lr: float) -> Optimizer:
    if kind == "adam":
        return Adam(params, lr)
    if kind == "sgd":
        return SGD(params, lr)
    raise InputError(f"optimizer must be adam or sgd, got {kind!r}")
