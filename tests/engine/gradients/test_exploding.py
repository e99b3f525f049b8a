"""The exploding-gradient demo explodes without clipping and not with it."""

from __future__ import annotations

import math

import pytest
import torch

from engine.errors import InputError
from engine.events import Finished
from engine.gradients.events import ExplodingDiverged, ExplodingStarted, ExplodingStep
from engine.gradients.exploding import ExplodingConfig, run_exploding, scale_to_spectral_radius, spectral_radius


def test_scale_to_spectral_radius():
    torch.manual_seed(0)
    w = torch.randn(6, 6)
    scale_to_spectral_radius(w, 1.7)
    eig = torch.linalg.eigvals(w.double()).abs().max().item()
    assert eig == pytest.approx(1.7, rel=1e-6) and spectral_radius(w) == pytest.approx(1.7, rel=1e-6)


def test_explodes_without_clipping_and_not_with_it():
    torch.set_num_threads(1)
    events = list(run_exploding(ExplodingConfig(steps=30)))
    assert isinstance(events[0], ExplodingStarted) and events[0].spectral_radius == pytest.approx(1.3, rel=1e-5)
    assert isinstance(events[-1], Finished)
    diverged = {e.mode: e for e in events if isinstance(e, ExplodingDiverged)}
    assert set(diverged) == {"none"} and diverged["none"].step <= 10
    steps = {m: [e for e in events if isinstance(e, ExplodingStep) and e.mode == m] for m in ("none", "value", "norm")}
    assert max(e.grad_norm for e in steps["none"]) > 1e3  # the gradient exploded before the loss went
    for mode in ("value", "norm"):
        assert len(steps[mode]) == 30
        assert all(math.isfinite(e.loss) for e in steps[mode])
        assert steps[mode][-1].loss < steps[mode][0].loss / 2
        assert any(e.clipped for e in steps[mode])
    for e in steps["norm"]:
        assert e.grad_norm_after <= 1.0 + 1e-5 and e.threshold == 1.0
    assert all(e.grad_norm_after == e.grad_norm and not e.clipped and e.threshold is None for e in steps["none"])


@pytest.mark.parametrize(
    "kwargs, match",
    [({"modes": ("none", "sideways")}, "clip mode"), ({"spectral_radius": 0}, "spectral_radius"),
     ({"clip_norm": 0}, "clip_norm"), ({"steps": -1}, "steps")],
)
def test_bad_config(kwargs, match):
    with pytest.raises(InputError, match=match):
        ExplodingConfig(**kwargs)
