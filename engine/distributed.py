"""Data-parallel training on ``torch.distributed``: the process-group plumbing, in one place.

Public API::

    init_from_environment(device) -> Group | None   # joins the group torchrun describes; None alone
    current() -> Group | None                        # the group this process is in, if any
    is_main() -> bool                                # rank 0, or not distributed at all
    barrier()                                        # wait for every rank (no-op alone)
    average_(*tensors)                               # all-reduce to the mean across ranks, in place
    any_rank(flag) -> bool                           # True on every rank when one rank says True
    total(value) -> float                            # the sum of a number across ranks
    shard(items) -> items[rank::world]               # this rank's share of a sequence
    cleanup()                                        # leave the group (if this module joined it)

Launch ``torchrun --nproc_per_node N -m explorer.cli word2vec train …`` (or ``… train lm …``):
torchrun starts N processes and gives each ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the
rendezvous address in its environment. :func:`init_from_environment` reads them and joins the
group with the backend that suits the device: **gloo** on the CPU, **NCCL** on CUDA (each rank on
GPU ``LOCAL_RANK``). Started any other way (``WORLD_SIZE`` unset or 1), nothing is initialised and
every helper here acts as if there were one process, so the engine calls them unconditionally.

Conventions the training code follows: every rank computes, **rank 0 alone writes** (checkpoint,
metrics, vectors); every collective is reached by every rank in the same order (a rank that skips
one hangs the others), so stopping early is agreed with :func:`any_rank` first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence, TypeVar

import torch

T = TypeVar("T")


@dataclass(frozen=True)
class Group:
    """This process's place in the data-parallel group."""

    rank: int
    world_size: int
    local_rank: int
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0


_joined = False  # whether this module initialised the default process group (and so must destroy it)


def _dist():
    import torch.distributed as dist

    return dist if dist.is_available() else None


def init_from_environment(device: torch.device | str = "cpu", timeout_s: float = 300.0) -> Group | None:
    """Join the process group described by torchrun's environment; None when there is no group.

    Idempotent: a process already in a group (joined here or by the caller) gets that group back.
    On CUDA each rank uses the GPU ``LOCAL_RANK``.
    """
    global _joined
    dist = _dist()
    if dist is None:
        return None
    if dist.is_initialized():
        return current()
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if world <= 1:
        return None
    device = torch.device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    local_rank = int(os.environ.get("LOCAL_RANK", "0") or 0)
    if device.type == "cuda":
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend=backend, timeout=timedelta(seconds=timeout_s))
    _joined = True
    return current()


def writes_here() -> bool:
    """Whether this process may write a run's files: alone, or rank 0 of torchrun's group.

    Read from torchrun's environment (``RANK``, ``WORLD_SIZE``) before any group is joined, so a
    run folder is locked and checked by rank 0 alone (the other ranks never touch it)."""
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    return world <= 1 or int(os.environ.get("RANK", "0") or 0) == 0


def current() -> Group | None:
    """The group this process belongs to, or None when it runs alone."""
    dist = _dist()
    if dist is None or not dist.is_initialized() or dist.get_world_size() <= 1:
        return None
    return Group(rank=dist.get_rank(), world_size=dist.get_world_size(),
                 local_rank=int(os.environ.get("LOCAL_RANK", "0") or 0), backend=str(dist.get_backend()))


def is_main() -> bool:
    """True on rank 0 and in a process that is not part of a group: the one that writes files."""
    group = current()
    return group is None or group.is_main


def barrier() -> None:
    if current() is not None:
        _dist().barrier()


def average_(*tensors: torch.Tensor) -> None:
    """Replace each tensor by its mean over the ranks (``all_reduce`` SUM, then ÷ world), in place."""
    group = current()
    if group is None:
        return
    dist = _dist()
    for t in tensors:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        t.div_(group.world_size)


def _reduce_scalar(value: float, op: str) -> float:
    group = current()
    if group is None:
        return value
    dist = _dist()
    device = torch.device("cuda", torch.cuda.current_device()) if group.backend == "nccl" else torch.device("cpu")
    t = torch.tensor([float(value)], dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)
    return float(t.item())


def any_rank(flag: bool) -> bool:
    """True on every rank as soon as one rank passes True (to stop together, never half the group)."""
    return _reduce_scalar(1.0 if flag else 0.0, "max") > 0.5


def total(value: float) -> float:
    """The sum of ``value`` over the ranks (``value`` itself when alone)."""
    return _reduce_scalar(value, "sum")


def shard(items: Sequence[T]) -> Sequence[T]:
    """This rank's share ``items[rank::world]`` (all of them when alone)."""
    group = current()
    return items if group is None else items[group.rank :: group.world_size]


def cleanup() -> None:
    """Leave the process group if :func:`init_from_environment` joined it (no-op otherwise)."""
    global _joined
    dist = _dist()
    if _joined and dist is not None and dist.is_initialized():
        dist.destroy_process_group()
    _joined = False


class DataParallelRun:
    """What a language-model training run needs to be data-parallel: the hook of ``engine/lm/loop.py``.

    Alone (no torchrun), every method is the identity and nothing is initialised. Under torchrun:
    the model is wrapped in ``DistributedDataParallel`` (its gradients are averaged across ranks
    during ``backward``), each rank trains its share ``spans[rank::world]`` of every batch (the
    global batch size stays the configured one), stopping and divergence are agreed by all ranks,
    and ranks other than 0 write nothing (their ``out`` is None).
    """

    def __init__(self, model: torch.nn.Module, group: Group | None, joined_here: bool) -> None:
        self.model, self.group, self._joined_here = model, group, joined_here
        self.ddp = None
        if group is not None:
            from torch.nn.parallel import DistributedDataParallel

            device_ids = [group.local_rank] if group.backend == "nccl" else None
            self.ddp = DistributedDataParallel(_LossOf(model), device_ids=device_ids)

    @classmethod
    def attach(cls, run) -> "DataParallelRun":
        """Join torchrun's group (if any) for ``run`` (a ``TrainingRun`` after its set-up)."""
        joined_here = current() is None
        group = init_from_environment(run.device)
        if group is not None and not group.is_main:
            run.out = run.folder = None  # rank 0 alone writes the checkpoint and the metrics
        return cls(run.model, group, joined_here and group is not None)

    def shard(self, spans):
        return shard(spans)

    def loss(self, y: torch.Tensor):
        """(Σ loss, tokens) of this rank's batch; through DDP so that backward averages the gradients."""
        return self.model.loss(y) if self.ddp is None else self.ddp(y)

    def stop(self, asked: bool) -> bool:
        return asked if self.group is None else any_rank(asked)

    def all_finite(self, value: float) -> bool:
        import math

        finite = math.isfinite(value)
        return finite if self.group is None else not any_rank(not finite)

    def close(self) -> None:
        if self._joined_here:
            cleanup()
            self._joined_here = False


class _LossOf(torch.nn.Module):
    """A module whose forward is ``model.loss`` (DDP hooks forward; the loop trains on the loss)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, y: torch.Tensor):
        return self.model.loss(y)
