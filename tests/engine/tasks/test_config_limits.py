"""Sizes a machine cannot hold are refused by the configs, in one line, before anything is allocated."""

from __future__ import annotations

import pytest

from engine.errors import InputError


@pytest.mark.parametrize("values, field, words", [
    ({"hidden": 999_999_999}, "hidden", "hidden must be in 1..16,384"),
    ({"hidden": 16_000}, "hidden", "recurrent weights, more than 250,000,000"),
    ({"layers": 100}, "layers", "layers must be in 1..64"),
    ({"seed": -1}, "seed", "seed must be in 0..4,294,967,295"),
    ({"split_seed": 2**40}, "split_seed", "split_seed must be in"),
    ({"lr": 1e300}, "lr", "lr must be at most"),
    ({"batch_size": 10**9}, "batch_size", "batch_size must be in"),
    ({"cpu_threads": 100_000}, "cpu_threads", "cpu_threads must be in"),
    ({"n_dates": 10**9}, "n_dates", "n_dates must be in"),
])
def test_task_config_refuses_sizes_it_cannot_hold(values, field, words):
    from engine.tasks.config import TaskConfig

    with pytest.raises(InputError) as err:
        TaskConfig(task="dates", **values)
    assert err.value.field == field and words in str(err.value) and "\n" not in str(err.value)


def test_task_config_keeps_sizes_that_fit():
    from engine.tasks.config import TaskConfig

    TaskConfig(task="ner", hidden=1024, layers=2, bidirectional=True, cpu_threads=256, seed=2**32 - 1)


@pytest.mark.parametrize("values, field", [
    ({"dim": 999_999_999}, "dim"), ({"hidden": 999_999_999}, "hidden"), ({"context": 100_000_000}, "context"),
    ({"max_vocab": 999_999_999}, "max_vocab"), ({"max_vocab": 2_000_000, "dim": 1_000}, "dim"), ({"seed": -1}, "seed"),
])
def test_nplm_config_refuses_sizes_it_cannot_hold(values, field):
    from engine.embeddings.nplm import NPLMConfig

    with pytest.raises(InputError) as err:
        NPLMConfig(**values)
    assert err.value.field == field


def test_beam_width_is_capped():
    from engine.tasks.beam import MAX_BEAM_WIDTH, _check

    _check(10, MAX_BEAM_WIDTH)
    with pytest.raises(InputError, match="beam_width must be an integer in 1..1000"):
        _check(10, MAX_BEAM_WIDTH + 1)
