"""Device selection and the CPU-thread rule for runs in worker threads."""

from __future__ import annotations

import threading

import pytest
import torch

from engine.device import auto_cpu_threads, select_device, torch_threads
from engine.errors import InputError


def test_select_device_cpu_and_errors():
    assert select_device("cpu").type == "cpu"
    assert select_device("auto").type in ("cpu", "cuda")
    with pytest.raises(InputError, match="device must be one of"):
        select_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="CUDA is not available"):
            select_device("cuda")


def in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_auto_threads_main_thread_keeps_torch_setting():
    assert auto_cpu_threads(None) is None
    assert auto_cpu_threads(3) == 3


def test_auto_threads_worker_thread_uses_one():
    assert in_thread(lambda: auto_cpu_threads(None)) == 1
    assert in_thread(lambda: auto_cpu_threads(2)) == 2


def test_torch_threads_sets_and_restores_in_a_worker():
    def body():
        before = torch.get_num_threads()
        with torch_threads():
            inside = torch.get_num_threads()
        return before, inside, torch.get_num_threads()

    before, inside, after = in_thread(body)
    assert inside == 1
    assert after == before
