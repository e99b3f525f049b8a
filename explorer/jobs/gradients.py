"""The Gradients screen's jobs: gradients through time, the agreement race, exploding gradients.

Run factories for :func:`explorer.runs.start_run`; torch and the engine's models are imported inside
them, in the worker. The race and the demo run on configs the screen builds
(:class:`~engine.gradients.configs.AgreementTrainConfig`, :class:`~engine.gradients.configs.ExplodingConfig`).
"""

from __future__ import annotations

import threading
from typing import Iterator, Sequence


def fresh_ribbons(distance: int, cells: Sequence[str], *, example_seed: int, gate_bias: float):
    """Gradients through time of fresh (untrained) models of ``cells`` on one agreement sentence."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.gradients.agreement_training import example_profiles

        return example_profiles(distance, tuple(cells), example_seed=example_seed, init_seed=0,
                                gate_bias=gate_bias, stop=stop)

    return factory


def text_ribbons(checkpoints: Sequence[str], text: str):
    """Gradients through time of language models (directories or bundled names) reading ``text``."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.gradients.lm_text import lm_gradients
        from engine.lm import BUNDLED_CHECKPOINTS, default_checkpoint, load_language_model

        for name in checkpoints:
            if stop.is_set():
                return
            path = default_checkpoint(name) if name in BUNDLED_CHECKPOINTS else name
            yield lm_gradients(load_language_model(path), text)

    return factory


def race(config):
    """The agreement race on ``config`` (an ``AgreementTrainConfig``)."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.gradients.agreement_training import train_agreement

        return train_agreement(config, stop)

    return factory


def explode(config):
    """The exploding-gradient demo on ``config`` (an ``ExplodingConfig``)."""

    def factory(stop: threading.Event) -> Iterator[object]:
        from engine.gradients.exploding import run_exploding

        return run_exploding(config, stop)

    return factory
