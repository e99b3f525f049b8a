"""Gate traces of a language model reading a text, and their JSON form ``seq-explorer.trace/1``.

Public API::

    TRACE_FORMAT = "seq-explorer.trace/1"
    record_trace(model, text) -> (tokens, Trace)
    trace_to_json(model, tokens, trace, parameters=False, layer=None) -> dict

The model reads ``x⟨1⟩ = 0`` then ``x⟨t⟩ = y⟨t−1⟩`` for the text's tokens followed by EOS, so
there are T + 1 steps for T tokens; ``tokens[t]`` is ``y⟨t⟩``, the token step t predicts, and
``inputs[t]`` (JSON) the token it read (null for the zero vector of step 1).

The JSON, one entry per layer and direction::

    {"format": "seq-explorer.trace/1", "cell": KIND, "variant_note": ..., "equations": [...],
     "tokens": [...], "inputs": [null, ...],
     "layers": [{"layer": 1, "direction": "forward", "x": T×n_x, "a0": n_a, "c0": n_a (LSTM/GRU),
                 "a": T×n_a, "c": T×n_a (LSTM/GRU), "gates": {"update": T×n_a, ...},
                 "parameters": {"W_u": n_a×(n_a+n_x), "b_u": n_a, ...}  (only with parameters=True)}]}

Every ``W_*`` multiplies the stacked ``[a⟨t−1⟩ ; x⟨t⟩]`` (``[c⟨t−1⟩ ; x⟨t⟩]`` for the GRUs), so
the course's equations recompute every gate from ``x``, ``a0``/``c0`` and the parameters (the
PyTorch ``gru`` kind, which has no exact course form, lists PyTorch's per-gate matrices).
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from engine.errors import InputError
from engine.lm.sampling import prepare_text
from engine.text import EOS, EOS_ID

TRACE_FORMAT = "seq-explorer.trace/1"


@torch.no_grad()
def record_trace(model, text: str):
    """Run ``model`` over ``text`` + EOS recording every gate; returns (tokens incl. EOS, Trace)."""
    text = prepare_text(model, text)
    words = model.vocab.tokenize(text)
    if not words:
        raise InputError("the text to trace is empty; give at least one character or word")
    ids = model.vocab.encode(words) + [EOS_ID]
    was = model.training
    model.eval()
    y = torch.tensor([ids], device=model.device)  # (1, T)
    _, _, trace = model.forward(y, record=True)
    model.train(was)
    return words + [EOS], trace


def _rows(array) -> list:
    return array.tolist()


def trace_to_json(
    model, tokens: Sequence[str], trace, parameters: bool = False, layer: int | None = None
) -> dict[str, Any]:
    """The trace of batch row 0 as a JSON-able dict (see the module docstring)."""
    rnn = model.rnn
    if layer is not None and not 1 <= layer <= rnn.num_layers:
        raise InputError(f"layer must be in 1..{rnn.num_layers}, got {layer}")
    cell0 = rnn.cell(1, "forward")
    out: dict[str, Any] = {
        "format": TRACE_FORMAT,
        "cell": trace.cell,
        "variant_note": cell0.variant_note,
        "equations": list(cell0.equations),
        "tokens": list(tokens),
        "inputs": [None] + list(tokens[:-1]),
        "layers": [],
    }
    for lt in trace.layers:
        if layer is not None and lt.layer != layer:
            continue
        entry: dict[str, Any] = {
            "layer": lt.layer,
            "direction": lt.direction,
            "x": _rows(lt.x[0]),
            "a0": _rows(lt.a0[0]),
        }
        if lt.c0 is not None:
            entry["c0"] = _rows(lt.c0[0])
        entry["a"] = _rows(lt.a[0])
        if lt.c is not None:
            entry["c"] = _rows(lt.c[0])
        entry["gates"] = {name: _rows(values[0]) for name, values in lt.gates.items()}
        if parameters:
            with torch.no_grad():
                params = rnn.cell(lt.layer, lt.direction).course_parameters()
                entry["parameters"] = {k: v.detach().cpu().tolist() for k, v in params.items()}
        out["layers"].append(entry)
    return out
