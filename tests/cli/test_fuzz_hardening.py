"""Fuzz the command line's numeric flags and mutated checkpoint folders (issue 12).

Every case must end in exit 0 or one line ``seq-explorer: error: ...`` (no traceback, no "internal
error") within a bounded time, and leave the checkpoints it touched loadable; the whole run stays
under 1 GB (``RLIMIT_DATA`` on the child, its peak RSS checked here). The cases run in one child
process (:mod:`tests.cli._fuzz_child`) so that torch is imported once.

The default suite runs a modest, fixed (seeded) set; the deep run is

    python tests/cli/_fuzz_child.py flags 500 1
    python tests/cli/_fuzz_child.py checkpoints 2000 1

(or ``SEQ_EXPLORER_FUZZ=500 pytest tests/cli/test_fuzz_hardening.py``; any seed other than 0 picks
another fixed sequence).
"""

from __future__ import annotations

import os
import sys

import pytest

from tests._bounded import run_bounded

CHILD = os.path.join(os.path.dirname(__file__), "_fuzz_child.py")
LIMIT = 1 << 30


def _fuzz(what: str, default_n: int) -> None:
    n = int(os.environ.get("SEQ_EXPLORER_FUZZ", default_n))
    code = f"import runpy, sys; runpy.run_path({CHILD!r}, run_name='__main__')"
    result = run_bounded([sys.executable, "-c", code, what, str(n), os.environ.get("SEQ_EXPLORER_FUZZ_SEED", "0")],
                         data_limit=LIMIT, timeout=60 + 20 * n)
    assert not result.timed_out, result.err[-3000:]
    assert result.rc == 0, result.err[-3000:]
    assert f"{n} cases passed" in result.out
    assert 0 < result.peak_rss < LIMIT, result.peak_rss


@pytest.mark.slow
def test_fuzz_numeric_flags():
    _fuzz("flags", 25)


@pytest.mark.slow
def test_fuzz_mutated_checkpoint_folders():
    _fuzz("checkpoints", 40)
