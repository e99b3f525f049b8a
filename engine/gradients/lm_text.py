"""Gradients through time of a language model on a piece of text.

For tokens y⟨1⟩ … y⟨T⟩ under teacher forcing (x⟨t⟩ = y⟨t−1⟩, x⟨1⟩ = 0), take the loss of
the last prediction only, ``L⟨T⟩ = −log P(y⟨T⟩ | y⟨1⟩ … y⟨T−1⟩)``, and carry
``∂L⟨T⟩/∂a⟨T⟩ = W_yaᵀ(ŷ⟨T⟩ − y⟨T⟩)`` back through time (see
:mod:`engine.gradients.through_time`): how much does predicting the last character or word
teach each earlier step?
"""

from __future__ import annotations

import torch

from engine.errors import InputError
from engine.gradients.events import GradientsThroughTime
from engine.gradients.through_time import norms_through_time


def lm_gradients(model, text: str, *, method: str = "auto") -> GradientsThroughTime:
    """Per-step ‖∂L⟨T⟩/∂a⟨t⟩‖ of a :class:`engine.lm.LanguageModel` on ``text``.

    ``tokens`` of the result are the inputs the model read at each step: ``·`` (the zero
    input) then y⟨1⟩ … y⟨T−1⟩; the loss is for predicting y⟨T⟩, the last token of ``text``.
    """
    from engine.lm.sampling import prepare_text

    vocab = model.vocab
    words = vocab.tokenize(prepare_text(model, text))
    if len(words) < 2:
        raise InputError("the text needs at least two tokens (the last one is the prediction the loss reads)")
    if len(words) > 400:
        raise InputError(f"the text has {len(words)} tokens; give at most 400")
    was_training = model.training
    model.eval()
    try:
        y = torch.tensor([vocab.encode(words)], device=model.device)  # (1, T)
        with torch.no_grad():
            x = model.inputs(y)  # (1, T, n_x)
            out, _, _ = model.rnn(x)  # (1, T, H)
        with torch.enable_grad():
            a_T = out[:, -1].detach().requires_grad_(True)
            loss = torch.nn.functional.cross_entropy(model.head(a_T), y[:, -1])
            (seed,) = torch.autograd.grad(loss, a_T)
        used, layers = norms_through_time(model.rnn, x, seed, method=method)
    finally:
        model.train(was_training)
    shown = ("·", *words[:-1])
    return GradientsThroughTime(
        cell=model.cell_kind, method=used, tokens=tuple(shown), layers=layers,  # type: ignore[arg-type]
        hidden_size=model.rnn.hidden_size, loss=float(loss.item()),
    )
