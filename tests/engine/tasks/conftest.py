"""Tiny data sets for the task tests, and one torch thread (tiny tensors; see tests/engine/recurrent)."""

from __future__ import annotations

import random

import pytest
import torch

POSITIVE = ["good", "great", "fun", "lovely", "superb"]
NEGATIVE = ["bad", "dull", "awful", "boring", "poor"]
FILLER = ["the", "film", "was", "really", "quite", "a", "story", "and"]


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def sentiment_lines(n: int = 240, seed: int = 0) -> list[str]:
    """``sentence<TAB>label``: a positive or negative word among fillers; "not" flips it."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        label = i % 2
        word = rng.choice(POSITIVE if label else NEGATIVE)
        negate = rng.random() < 0.3
        if negate:
            word = "not " + rng.choice(NEGATIVE if label else POSITIVE)
        words = [rng.choice(FILLER) for _ in range(rng.randint(1, 5))] + [word]
        lines.append(" ".join(words) + f"\t{label}")
    return lines


@pytest.fixture
def sentiment_file(tmp_path):
    path = tmp_path / "sentiment.tsv"
    path.write_text("\n".join(sentiment_lines()) + "\n", encoding="utf-8")
    return path


def conll_text(n: int = 120, seed: int = 0) -> str:
    """Sentences where a capitalised name after "met" is a person; "in" + Name is a location."""
    rng = random.Random(seed)
    names, places = ["Anna", "Boris", "Chen", "Dora"], ["Paris", "Lima", "Oslo"]
    blocks = []
    for i in range(n):
        rows = [("i", "O"), ("met", "O")]
        rows.append((rng.choice(names), "B-person"))
        if rng.random() < 0.5:
            rows.append(("Smith", "I-person"))
        rows += [("in", "O"), (rng.choice(places), "B-location")]
        rows.append((rng.choice(["today", "again", "."]), "O"))
        sep = "\n" if i % 2 else "\n\t\n"  # both WNUT sentence separators
        blocks.append("\n".join(f"{w}\t{t}" for w, t in rows) + sep)
    return "".join(blocks)


@pytest.fixture
def conll_file(tmp_path):
    path = tmp_path / "tiny.conll"
    path.write_text(conll_text(), encoding="utf-8")
    return path


def tiny(task: str, data=None, **kw):
    from engine.tasks.config import TaskConfig

    base = dict(task=task, hidden=8, epochs=2, batch_size=16, device="cpu", embeddings="none", embedding_dim=8,
                min_count=1, dropout=0.0, report_every_steps=1, report_every_s=0.0, lr=0.02)
    if task == "dates":
        base.update(n_dates=300, embedding_dim=8)
        base.pop("embeddings")
    elif data is not None:
        base["data"] = str(data)
    base.update(kw)
    return TaskConfig(**base)
