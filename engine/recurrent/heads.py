"""Output heads for the three sequence shapes of the course.

- many-to-many (``T_x = T_y``): ``ŷ⟨t⟩ = W_y a⟨t⟩ + b_y`` on every step (:class:`ManyToManyHead`).
- many-to-one: one ``ŷ`` from the last step, ``W_y a⟨T_x⟩ + b_y``; when bidirectional from
  ``[→a⟨T_x⟩, ←a⟨1⟩]``, the two states that have read the whole sequence (:class:`ManyToOneHead`).
  In a padded batch ``T_x`` is each sequence's own length (``lengths``).
- one-to-many: generation, feeding each sampled ``ŷ⟨t⟩`` back as ``x⟨t+1⟩`` (:func:`generate`).

The heads return logits (scores before the softmax); the loss applies the softmax.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from engine.errors import InputError
from engine.recurrent.cells import State, check_positive_int
from engine.recurrent.layers import Recurrent


class ManyToManyHead(torch.nn.Module):
    """``ŷ⟨t⟩ = W_y a⟨t⟩ + b_y`` for every ``t``: ``(B, T, n_a·D) → (B, T, n_y)`` (or one step ``(B, ·)``)."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features = check_positive_int("in_features", in_features)
        self.out_features = check_positive_int("out_features", out_features)
        self.linear = torch.nn.Linear(in_features, out_features)

    def forward(self, a: Tensor) -> Tensor:
        if a.dim() not in (2, 3) or a.shape[-1] != self.in_features:
            raise InputError(f"head input must have shape (batch, time, {self.in_features}), got {tuple(a.shape)}")
        return self.linear(a)  # (B, T, n_y), or (B, n_y) for one step

    def by_direction(self, a: Tensor, hidden_size: int) -> tuple[Tensor, Tensor, Tensor]:
        """Each direction's share of the logits of a bidirectional layer's output ``a = [→a ; ←a]``.

        The head is linear, so with ``W_y = [W_→ ⋮ W_←]`` the logits split exactly::

            ŷ⟨t⟩ = W_→ →a⟨t⟩  +  W_← ←a⟨t⟩  +  b_y

        Returns ``(W_→ →a, W_← ←a, b_y)``, the first two shaped like the logits; their sum with
        ``b_y`` is ``forward(a)`` (up to rounding).
        """
        H = check_positive_int("hidden_size", hidden_size)
        if 2 * H != self.in_features or a.shape[-1] != self.in_features:
            raise InputError(f"by_direction needs a bidirectional output of size 2·{H} = {self.in_features}, "
                             f"got {tuple(a.shape)}")
        W, b = self.linear.weight, self.linear.bias
        return a[..., :H] @ W[:, :H].t(), a[..., H:] @ W[:, H:].t(), b


class ManyToOneHead(torch.nn.Module):
    """``ŷ = W_y a⟨T_x⟩ + b_y``, or ``W_y [→a⟨T_x⟩, ←a⟨1⟩] + b_y`` when bidirectional.

    Takes the recurrent output ``(B, T, D·H)`` and returns ``(B, n_y)``. With ``lengths`` ``(B,)``
    (a padded batch) ``T_x`` is each sequence's true length: →a is read at ``lengths − 1``; ←a is
    read at step 1, which is right only when the backward direction read each sequence from its
    own end (:class:`engine.tasks.encoder.SequenceEncoder` does; ``Recurrent(bidirectional=True)``
    on a padded batch does not: its backward pass starts on the padding).
    """

    def __init__(self, hidden_size: int, out_features: int, *, bidirectional: bool = False) -> None:
        super().__init__()
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.out_features = check_positive_int("out_features", out_features)
        self.bidirectional = bool(bidirectional)
        D = 2 if bidirectional else 1
        self.linear = torch.nn.Linear(D * hidden_size, out_features)

    def summary(self, a: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The vector the head reads: ``a⟨T_x⟩`` or ``[→a⟨T_x⟩, ←a⟨1⟩]`` ``(B, D·H)``."""
        H = self.hidden_size
        D = 2 if self.bidirectional else 1
        if a.dim() != 3 or a.shape[2] != D * H:
            raise InputError(f"head input must have shape (batch, time, {D * H}), got {tuple(a.shape)}")
        if lengths is None:
            last = a[:, -1, :H]
        else:
            lengths = lengths.to(device=a.device, dtype=torch.long)
            if lengths.shape != a.shape[:1] or int(lengths.min()) < 1 or int(lengths.max()) > a.shape[1]:
                raise InputError(f"lengths must be {a.shape[0]} values in 1..{a.shape[1]}, got {lengths.tolist()}")
            last = a[torch.arange(a.shape[0], device=a.device), lengths - 1, :H]  # →a⟨T_x⟩ per sequence
        if not self.bidirectional:
            return last
        return torch.cat([last, a[:, 0, H:]], dim=1)

    def forward(self, a: Tensor, lengths: Tensor | None = None) -> Tensor:
        return self.linear(self.summary(a, lengths))  # (B, n_y)

    def by_direction(self, a: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Each direction's share of a bidirectional head's logits (the head is linear)::

            ŷ = W_→ →a⟨T_x⟩  +  W_← ←a⟨1⟩  +  b_y,      W_y = [W_→ ⋮ W_←]

        Returns ``(W_→ →a⟨T_x⟩, W_← ←a⟨1⟩, b_y)``, the first two ``(B, n_y)``; their sum with
        ``b_y`` is ``forward(a, lengths)`` (up to rounding).
        """
        if not self.bidirectional:
            raise InputError("by_direction needs a bidirectional head (bidirectional=True)", field="bidirectional")
        H = self.hidden_size
        s = self.summary(a, lengths)  # (B, 2H): [→a⟨T_x⟩, ←a⟨1⟩]
        W, b = self.linear.weight, self.linear.bias
        return s[:, :H] @ W[:, :H].t(), s[:, H:] @ W[:, H:].t(), b


def generate(
    recurrent: Recurrent,
    head: Callable[[Tensor], Tensor],
    first_input: Tensor,
    steps: int,
    feed_back: Callable[[Tensor], Tensor],
    *,
    state: State | None = None,
    temperature: float = 1.0,
    greedy: bool = False,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, State]:
    """One-to-many: sample ``steps`` outputs, each fed back as the next input.

    ``first_input`` ``(B, n_x)`` is ``x⟨1⟩`` (a zero vector or a start token's vector).
    At each step ``ŷ⟨t⟩ = softmax(head(a⟨t⟩) / temperature)``; the sampled index ``y⟨t⟩``
    (or the arg-max when ``greedy``) becomes ``x⟨t+1⟩ = feed_back(y⟨t⟩)`` (e.g. one-hot or an
    embedding lookup, ``(B,) → (B, n_x)``). Returns the indices ``(B, steps)`` and the final
    state. Runs without gradients; only unidirectional models can generate.
    """
    if recurrent.bidirectional:
        raise InputError("a bidirectional model cannot generate: it needs the future; use a unidirectional one")
    check_positive_int("steps", steps)
    if not (isinstance(temperature, (int, float)) and temperature > 0):
        raise InputError(f"temperature must be > 0, got {temperature!r}")
    if first_input.dim() != 2:
        raise InputError(f"first_input must have shape (batch, {recurrent.input_size}), got {tuple(first_input.shape)}")
    out_ids = []
    x = first_input
    with torch.no_grad():
        for _ in range(steps):
            a, state, _ = recurrent(x.unsqueeze(1), state)  # (B, 1, H)
            logits = head(a[:, -1])  # (B, n_y)
            if greedy:
                y = logits.argmax(dim=-1)
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
                y = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            out_ids.append(y)
            x = feed_back(y)
    return torch.stack(out_ids, dim=1), state  # type: ignore[return-value]
