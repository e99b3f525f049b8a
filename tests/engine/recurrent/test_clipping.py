"""Gradient clipping by value (the course's clip) and by global norm (vs torch.nn.utils)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.clipping import clip_by_norm, clip_by_value
from engine.errors import InputError


def test_clip_by_value_on_the_course_gradients_dict():
    grads = {"dWaa": torch.tensor([[10.0, -12.0], [0.5, -0.5]]), "dba": torch.tensor([3.0, -7.0])}
    want = {k: np.clip(v.numpy(), -5, 5) for k, v in grads.items()}
    before = float(np.sqrt(sum((v.numpy() ** 2).sum() for v in grads.values())))
    res = clip_by_value(grads, 5)
    for k in grads:
        np.testing.assert_array_equal(grads[k].numpy(), want[k])
    assert res.clipped and res.norm_before == pytest.approx(before)
    assert res.norm_after == pytest.approx(float(np.sqrt(sum((v**2).sum() for v in want.values()))))


def test_clip_by_value_on_parameters_clips_their_grads_and_skips_missing():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    frozen = torch.nn.Parameter(torch.ones(2))  # no .grad
    (lin(torch.randn(4, 3)) * 100).sum().backward()
    raw = lin.weight.grad.clone()
    res = clip_by_value(list(lin.parameters()) + [frozen], 1.0)
    assert res.clipped
    torch.testing.assert_close(lin.weight.grad, raw.clamp(-1, 1))
    assert float(lin.weight.data.abs().max()) < 1.0  # the weights themselves are untouched
    assert frozen.grad is None
    res2 = clip_by_value(lin.parameters(), 1.0)
    assert not res2.clipped and res2.norm_after == res2.norm_before


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e6])
def test_clip_by_norm_matches_torch_clip_grad_norm(max_norm):
    torch.manual_seed(1)
    a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    x = torch.randn(5, 4)
    a(x).pow(2).sum().backward()
    b(x).pow(2).sum().backward()
    want_norm = torch.nn.utils.clip_grad_norm_(b.parameters(), max_norm)
    res = clip_by_norm(a.parameters(), max_norm)
    assert res.norm_before == pytest.approx(float(want_norm), rel=1e-6)
    assert res.clipped == (float(want_norm) > max_norm)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p.grad, q.grad)
    assert res.norm_after == pytest.approx(min(max_norm, res.norm_before), rel=1e-5)


def test_clip_by_norm_leaves_non_finite_gradients_for_the_caller():
    g = torch.tensor([float("inf"), 1.0])
    res = clip_by_norm([g], 1.0)
    assert res.norm_before == float("inf") and not res.clipped
    assert g[1] == 1.0


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "5", True])
def test_bad_thresholds(bad):
    with pytest.raises(InputError, match="must be a positive number"):
        clip_by_value([torch.zeros(2)], bad)
    with pytest.raises(InputError, match="must be a positive number"):
        clip_by_norm([torch.zeros(2)], bad)
