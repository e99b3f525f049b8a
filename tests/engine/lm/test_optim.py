"""The written-out Adam and SGD match torch.optim step for step."""

from __future__ import annotations

import pytest
import torch

from engine.lm.optim import make_optimizer


@pytest.mark.parametrize("kind", ["adam", "sgd"])
def test_matches_torch_optim(kind):
    torch.manual_seed(0)
    a = torch.nn.Linear(4, 3)
    b = torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    ours = make_optimizer(kind, a.parameters(), 0.05)
    ref = (torch.optim.Adam if kind == "adam" else torch.optim.SGD)(b.parameters(), lr=0.05)
    for step in range(5):
        x = torch.randn(8, 4)
        for model, opt in ((a, ours), (b, ref)):
            opt.zero_grad()
            model(x).pow(2).sum().backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)


def test_adam_state_round_trip():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    opt = make_optimizer("adam", lin.parameters(), 0.1)
    lin(torch.randn(5, 3)).sum().backward()
    opt.step()
    other = make_optimizer("adam", lin.parameters(), 0.1)
    other.load_state_tensors(opt.state_tensors())
    assert other.t == 1 and all(torch.equal(x, y) for x, y in zip(opt.m, other.m))
