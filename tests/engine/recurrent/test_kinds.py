"""The table of cell kinds (engine.recurrent.kinds): complete, consistent with the arithmetic, torch-free."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from engine.errors import InputError
from engine.recurrent import cells, kinds, loops
from engine.recurrent.layers import Recurrent


@pytest.mark.parametrize("name", kinds.CELL_KINDS)
def test_every_kind_has_its_step_and_its_loop(name):
    spec = kinds.KINDS[name]
    assert name in cells.STEPS
    loop = "rnn-tanh" if spec.family == "rnn" else name
    assert loop in loops.LOOPS


@pytest.mark.parametrize("name", kinds.CELL_KINDS)
def test_an_entry_is_consistent(name):
    spec = kinds.KINDS[name]
    assert spec.name == name and spec.title and spec.note and spec.equations
    assert set(spec.gates) <= set(kinds.GATE_NAMES)
    assert all(0 <= b.chunk < spec.n_chunks for b in spec.course_view or ())
    assert all(0 <= chunk < spec.n_chunks for chunk, _ in spec.remember)
    assert spec.memory_cell == (spec.family == "lstm")
    assert not (spec.peephole and spec.fused)  # torch.nn has no peephole kernel


@pytest.mark.parametrize("name", kinds.CELL_KINDS)
def test_the_table_describes_what_the_layer_does(name):
    """Chunks size the weights, the gates are what a trace records, memory_cell shapes the state."""
    spec = kinds.KINDS[name]
    torch.manual_seed(0)
    rec = Recurrent(name, 3, 4)
    assert rec.weight_ih_l0.shape == (spec.n_chunks * 4, 3)
    assert hasattr(rec, "peephole_l0") == spec.peephole
    _, state, trace = rec(torch.randn(2, 5, 3), record=True)
    assert set(trace.layers[0].gates) == set(spec.gates)
    assert isinstance(state, tuple) == spec.memory_cell
    assert (trace.layers[0].c is not None) == (spec.memory_cell or spec.c_is_a)
    course = rec.cell(1).course_parameters()
    if spec.course_view is not None:
        assert [k for k in course if k.startswith("W_")] == [f"W_{b.name}" for b in spec.course_view]


def test_unknown_kinds_name_the_field():
    with pytest.raises(InputError, match="cell must be one of rnn, gru") as info:
        kinds.kind_of("tree")
    assert info.value.field == "cell"
    with pytest.raises(InputError) as info:
        Recurrent("tree", 3, 4)
    assert info.value.field == "kind"


def test_the_table_imports_without_torch():
    code = ("import json, sys\nfrom engine.recurrent import kinds\nfrom engine.training import TrainConfig\n"
            "TrainConfig(cell='gru-course')\n"
            "print(json.dumps(['torch' in sys.modules, list(kinds.CELL_KINDS)]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [False, list(kinds.CELL_KINDS)]
