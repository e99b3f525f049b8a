from __future__ import annotations

import random

import pytest

SYLLABLES = ["ka", "ro", "mi", "sa", "tu", "ne", "lo", "vi", "da", "pe"]


def make_names(n: int = 200, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(["saurus", "don", "x"]) for _ in range(n)]


@pytest.fixture
def names_file(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("\n".join(make_names()) + "\n", encoding="utf-8")
    return path


def tiny_config(data, **kw):
    from engine.training import TrainConfig

    base = dict(data=str(data), hidden=8, steps=12, batch_size=8, lr=0.02, device="cpu", eval_every=6, sample_every=6,
                n_samples=2, sample_max_len=12, checkpoint_every=6, report_every_steps=1, report_every_s=0.0)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models run faster on one thread, and a shared 2-core box does not thrash."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
