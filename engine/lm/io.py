"""Saving and loading language models as checkpoint directories (see :mod:`engine.checkpoint`).

Public API::

    MODEL_KIND = "language-model"
    save_language_model(model, path, *, training=None, training_tensors=None) -> Path
    load_language_model(path, device="cpu") -> LanguageModel
    default_checkpoint(name="dinos-lstm") -> Path          # a bundled checkpoint under assets/checkpoints
    BUNDLED_CHECKPOINTS                                    # ("dinos-lstm", "dinos-gru", "shakespeare-lstm")

``config.json`` holds ``config`` (the training configuration, with ``model`` = the
:class:`~engine.lm.model.ModelConfig` and the resolved ``case_mode``/``sequence_mode``) and
``vocab`` (:meth:`engine.text.Vocab.to_json`). Loading checks every tensor name and shape against
the model the configuration describes, and refuses a mismatch with one line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from engine.assets import BUNDLED_CHECKPOINTS, asset_path
from engine.checkpoint import read_checkpoint, write_checkpoint
from engine.errors import CheckpointError, InputError
from engine.lm.model import LanguageModel, ModelConfig
from engine.text import Vocab

MODEL_KIND = "language-model"
_KNOWN_LINES_MAX_BYTES = 5_000_000


def save_language_model(
    model: LanguageModel,
    path: str | os.PathLike,
    *,
    training: dict[str, Any] | None = None,
    training_tensors: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write ``model`` (and, for resuming, the training state) as a checkpoint directory."""
    config = dict(model.config)
    config["model"] = model.model_config.to_json()
    return write_checkpoint(
        path,
        model_kind=MODEL_KIND,
        config=config,
        tensors=model.state_dict(),
        extra={"vocab": model.vocab.to_json()},
        training=training,
        training_tensors=training_tensors,
    )


def model_from_checkpoint(data) -> LanguageModel:
    """Build the model a :class:`~engine.checkpoint.CheckpointData` describes and load its weights."""
    meta = data.meta
    try:
        vocab = Vocab.from_json(meta["vocab"])
        model_config = ModelConfig.from_json(meta["config"]["model"])
        model = LanguageModel(vocab, model_config, config={k: v for k, v in meta["config"].items() if k != "model"})
    except (KeyError, TypeError) as exc:
        raise CheckpointError(f"{data.path} has an incomplete configuration (missing {exc}); retrain it") from None
    except InputError as exc:
        raise CheckpointError(f"{data.path} has an invalid configuration: {exc}") from None
    expected = model.state_dict()
    got = data.tensors
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing or extra:
        raise CheckpointError(
            f"{data.path} does not match its configuration (missing {missing[:3]}, unexpected {extra[:3]}); the files are mixed up"
        )
    for name, tensor in expected.items():
        if tuple(got[name].shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"{data.path}: tensor {name} has shape {tuple(got[name].shape)}, the configuration needs {tuple(tensor.shape)}"
            )
    model.load_state_dict(got)
    return model


def load_language_model(path: str | os.PathLike, device: str | torch.device = "cpu") -> LanguageModel:
    """Load a language-model checkpoint directory (no pickle) on ``device``, in eval mode."""
    data = read_checkpoint(path, model_kind=MODEL_KIND)
    model = model_from_checkpoint(data)
    model.known_lines = _known_lines(model)
    return model.to(device).eval()


def _known_lines(model: LanguageModel) -> frozenset[str] | None:
    """The corpus lines of the training split (not the validation lines), to mark samples
    new/seen: only for line corpora of modest size."""
    if model.sequence != "line":
        return None
    from engine.corpora import resolve_corpus
    from engine.text import read_lines, training_line_flags

    try:
        spec = resolve_corpus(model.corpus_name)
        if not spec.path.is_file() or spec.path.stat().st_size > _KNOWN_LINES_MAX_BYTES:
            return None
        lines = read_lines(spec.path, model.config.get("encoding", "utf-8"), model.config.get("case_mode", "keep"))
        flags = training_line_flags(int(model.config.get("split_seed", 0)), float(model.config.get("val_fraction", 0.1)))
        return frozenset(line.strip() for line in lines if line.strip() and next(flags))
    except (InputError, OSError):
        return None


def default_checkpoint(name: str = "dinos-lstm") -> Path:
    """Path of a bundled checkpoint (``assets/checkpoints/<name>``); one-line error if absent."""
    path = asset_path("checkpoints", name)
    if not (path / "config.json").exists():
        raise InputError(
            f"bundled checkpoint {name!r} not found at {path}; choose one of {', '.join(BUNDLED_CHECKPOINTS)} or run 'make assets'"
        )
    return path
