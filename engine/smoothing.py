"""The bias-corrected moving average of a training loss (torch-free).

Adam-style: ``m_t = β m_{t−1} + (1 − β) L_t``, reported as ``m_t / (1 − β^t)``. The course notebook
starts its average at the loss of a random model instead, which makes the first hundreds of steps
look flat. Shared by the language model's loop and the tasks' loop.
"""

from __future__ import annotations


def smoothed(ema: float, t: int, beta: float) -> float:
    """Bias-corrected moving average ``m_t / (1 − β^t)`` (``t`` = number of updates)."""
    return ema / (1.0 - beta**t) if t > 0 else float("nan")


__all__ = ["smoothed"]
