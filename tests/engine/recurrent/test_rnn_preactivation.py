"""The basic RNN's recorded pre-activation z⟨t⟩ = W_a[a⟨t−1⟩, x⟨t⟩] + b_a, checked by hand in numpy
against torch.nn.RNN's states (both directions; the backward one reads x⟨T⟩ first)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.recurrent import Recurrent


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_preactivation_is_w_a_times_the_previous_state_and_input(nonlinearity):
    torch.manual_seed(4)
    ref = torch.nn.RNN(3, 5, bidirectional=True, batch_first=True, nonlinearity=nonlinearity).double()
    rec = Recurrent("rnn", 3, 5, bidirectional=True, nonlinearity=nonlinearity).double()
    rec.load_state_dict(ref.state_dict())
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    want, _ = ref(x)  # (B, T, 2·H)
    _, _, trace = rec(x, record=True)
    g = np.tanh if nonlinearity == "tanh" else (lambda v: np.maximum(v, 0.0))
    sd = {k: v.numpy() for k, v in ref.state_dict().items()}
    for d, sfx in ((0, ""), (1, "_reverse")):
        lt = trace.layer(1, "forward" if d == 0 else "backward")
        a = want[..., d * 5:(d + 1) * 5].detach().numpy()
        order = range(6) if d == 0 else range(5, -1, -1)
        prev = np.zeros((2, 5))
        for t in order:
            z = x[:, t].numpy() @ sd[f"weight_ih_l0{sfx}"].T + sd[f"bias_ih_l0{sfx}"] \
                + prev @ sd[f"weight_hh_l0{sfx}"].T + sd[f"bias_hh_l0{sfx}"]
            np.testing.assert_allclose(lt.z[:, t], z, atol=1e-10)
            np.testing.assert_allclose(g(lt.z[:, t]), a[:, t], atol=1e-10)
            prev = a[:, t]


def test_gated_kinds_record_no_preactivation():
    _, _, trace = Recurrent("lstm", 3, 4)(torch.randn(1, 5, 3), record=True)
    assert trace.layers[0].z is None
