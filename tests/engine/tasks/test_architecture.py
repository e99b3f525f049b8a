"""The architecture diagrams as data: the arrows each type has (and the ones it must not have)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.tasks.architecture import ARCHITECTURE_KINDS, architecture


def test_many_to_one_reads_the_last_state_and_bi_the_first_backward_one():
    uni = architecture("sentiment", steps=4)
    assert uni.kind == "many-to-one" and [(a.source, a.target) for a in uni.arrows_of("output")] == [("a→4", "y4")]
    assert len(uni.arrows_of("recurrent")) == 3
    bi = architecture("sentiment", bidirectional=True, steps=4)
    assert {(a.source, a.target) for a in bi.arrows_of("output")} == {("a→4", "y4"), ("a←1", "y4")}
    assert ("a←2", "a←1", "recurrent") in {(a.source, a.target, a.kind) for a in bi.arrows}  # right to left
    avg = architecture("sentiment", model="average")
    assert not avg.arrows_of("recurrent") and len(avg.arrows_of("average")) == 4


def test_many_to_many_has_an_output_per_step():
    d = architecture("ner", bidirectional=True, steps=5)
    assert d.rows == ("y", "a←", "a→", "x")
    outputs = d.arrows_of("output")
    assert len(outputs) == 10 and {d.node(a.target).step for a in outputs} == set(range(1, 6))
    assert "cannot see" in architecture("ner").note


@pytest.mark.parametrize("attention", [True, False])
def test_encoder_decoder(attention):
    d = architecture("dates", attention=attention, bidirectional=True, steps=4, output_steps=3)
    assert d.columns == 7 and len(d.arrows_of("feedback")) == 2
    if attention:
        assert len(d.arrows_of("attention")) == 4 * 2 * 3 and not d.arrows_of("context")
    else:
        assert not d.arrows_of("attention") and len(d.arrows_of("context")) == 2 * 3


def test_one_to_many_and_every_kind():
    d = architecture("lm", steps=3)
    assert [(a.source, a.target) for a in d.arrows_of("feedback")] == [("y1", "x2"), ("y2", "x3")]
    for kind in ARCHITECTURE_KINDS:
        assert architecture(kind=kind).kind == kind
    with pytest.raises(ValueError):
        architecture("poetry")


def test_imports_no_torch():
    code = "import sys, engine.tasks.architecture, engine.tasks.config; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
