"""One torch thread for the recurrent engine's tests.

These tests use tiny tensors; on a shared 2-core machine torch's OpenMP worker threads spend
far longer waiting for a core than computing (a 3-layer float32 LSTM parity test took ~4 s
with 2 threads under load). The previous setting is restored after the package's tests.
"""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
