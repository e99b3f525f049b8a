"""What the command-line tests share: a tiny names corpus and checkpoint, one torch thread, and the
check that a refusal is exactly one line ``seq-explorer: error: …``."""

from __future__ import annotations

import pytest

from explorer.cli import main


@pytest.fixture
def one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def corpus(tmp_path):
    from tests.engine.lm.conftest import make_names

    path = tmp_path / "names.txt"
    path.write_text("\n".join(make_names(120)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def checkpoint(tmp_path):
    from engine.lm import save_language_model
    from tests.engine.lm.test_model import tiny_model

    return save_language_model(tiny_model("lstm"), tmp_path / "ckpt")


def error_line(capsys, argv, code=1):
    """Run ``seq-explorer argv`` in-process: it exits ``code`` with one error line on stderr (returned)."""
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith("seq-explorer: error: "), err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    return err
