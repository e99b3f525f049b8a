"""Saving and loading language models as checkpoint directories (see :mod:`engine.checkpoint`).

Public API::

    MODEL_KIND = "language-model"
    save_language_model(model, path, *, training=None, training_tensors=None, extra=None) -> Path
    load_language_model(path, device="cpu", *, which="best") -> LanguageModel
    model_from_checkpoint(data) -> LanguageModel           # validated: see below
    default_checkpoint(name="dinos-lstm") -> Path          # a bundled checkpoint under assets/checkpoints
    BUNDLED_CHECKPOINTS                                    # ("dinos-lstm", "dinos-gru", "dinos-rnn", "shakespeare-lstm")

``config.json`` holds ``config`` (the training configuration, with ``model`` = the
:class:`~engine.lm.model.ModelConfig` and the resolved ``case_mode``/``sequence_mode``) and
``vocab`` (:meth:`engine.text.Vocab.to_json`).

Loading validates before it builds: the configuration's types and sizes (:class:`ModelConfig`,
capped by :mod:`engine.limits`), then every tensor name and shape of ``model.safetensors``'s own
header against the model the configuration describes (computed on the ``meta`` device, so nothing
is allocated), then the vocabulary; only then is the model built. Model tensors must be floating
(F32, F16, BF16 or F64; int8 or bool weights are refused) and finite. Each refusal is one line.

A training run folder holds the last checkpoint and, in ``best/``, the one with the lowest
validation loss; :func:`load_language_model` takes ``best`` when it exists (``which="last"`` for
the other).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import torch

from engine.assets import BUNDLED_CHECKPOINTS, asset_path
from engine.checkpoint import CheckpointData, has_checkpoint, read_checkpoint, write_checkpoint
from engine.errors import CheckpointError, InputError
from engine.lm.model import LanguageModel, ModelConfig
from engine.safe_files import FLOAT_DTYPES
from engine.text import Vocab

MODEL_KIND = "language-model"
_KNOWN_LINES_MAX_BYTES = 5_000_000


def save_language_model(
    model: LanguageModel,
    path: str | os.PathLike,
    *,
    training: dict[str, Any] | None = None,
    training_tensors: dict[str, torch.Tensor] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` (and, for resuming, the training state) as a checkpoint directory, atomically.
    ``extra``: more top-level ``config.json`` keys (a best checkpoint's ``{"best": {"step", "val_loss"}}``)."""
    config = dict(model.config)
    config["model"] = model.model_config.to_json()
    return write_checkpoint(
        path,
        model_kind=MODEL_KIND,
        config=config,
        tensors=model.state_dict(),
        extra={"vocab": model.vocab.to_json(), **(extra or {})},
        training=training,
        training_tensors=training_tensors,
    )


_CONFIG_TYPES: dict[str, tuple[type, ...]] = {
    "data": (str,), "encoding": (str,), "case_mode": (str,), "sequence_mode": (str,), "level": (str,),
    "split_seed": (int,), "val_fraction": (int, float),
}


def _checked_config(path: Path, config: Any) -> dict[str, Any]:
    """The training configuration stored with the model, with the keys the loader uses type-checked."""
    if not isinstance(config, dict):
        raise CheckpointError(f"{path} has an invalid configuration (config is not a JSON object); retrain it")
    for key, types in _CONFIG_TYPES.items():
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, types)):
            raise CheckpointError(f"{path} has an invalid configuration ({key} = {value!r}); retrain it")
    for key, allowed in (("case_mode", ("lower", "keep")), ("sequence_mode", ("line", "stream"))):
        if config.get(key) is not None and config[key] not in allowed:
            raise CheckpointError(f"{path} has an invalid configuration ({key} = {config[key]!r}); retrain it")
    return {k: v for k, v in config.items() if k != "model"}


def model_from_checkpoint(data: CheckpointData) -> LanguageModel:
    """Build the model a :class:`~engine.checkpoint.CheckpointData` describes and load its weights,
    validating everything first (see the module docstring)."""
    meta, path = data.meta, data.path
    config = _checked_config(path, meta.get("config"))
    try:
        model_config = ModelConfig.from_json(meta["config"].get("model"))
    except InputError as exc:
        raise CheckpointError(f"{path} has an invalid configuration: {exc}") from None
    except TypeError as exc:  # an unknown or missing argument
        raise CheckpointError(f"{path} has an incomplete configuration ({' '.join(str(exc).split())}); retrain it") from None
    expected = model_config.expected_shapes()  # from the configuration alone, nothing allocated
    got = data.tensors
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    if missing or extra:
        raise CheckpointError(
            f"{path} does not match its configuration (missing {missing[:3]}, unexpected {extra[:3]}); the files are mixed up"
        )
    for name, shape in expected.items():
        if tuple(got[name].shape) != shape:
            raise CheckpointError(f"{path}: tensor {name} has shape {tuple(got[name].shape)}, the configuration needs {shape}")
    try:
        vocab = Vocab.from_json(meta.get("vocab"))
    except InputError as exc:
        raise CheckpointError(f"{path} has an invalid vocabulary: {exc}") from None
    if len(vocab) != model_config.vocab_size:
        raise CheckpointError(f"{path}: the vocabulary has {len(vocab)} tokens but the model {model_config.vocab_size}; the files are mixed up")
    model = LanguageModel(vocab, model_config, config=config)
    model.load_state_dict(got)
    return model


def load_language_model(path: str | os.PathLike, device: str | torch.device = "cpu", *,
                        which: Literal["best", "last"] = "best") -> LanguageModel:
    """Load a language-model checkpoint directory (no pickle) on ``device``, in eval mode.

    ``which``: a run folder's ``best/`` checkpoint (lowest validation loss) when it has one, else
    the folder's own ("best", the default); or always the folder's own, the last saved ("last").
    ``device`` "auto", "cpu" or "cuda" ("cuda" without CUDA is a one-line InputError).
    """
    from engine.device import DEVICE_NAMES, select_device

    dev = select_device(device) if isinstance(device, str) and device in DEVICE_NAMES else torch.device(device)
    data = read_checkpoint(path, model_kind=MODEL_KIND, which=which, dtypes=FLOAT_DTYPES)
    model = model_from_checkpoint(data)
    model.known_lines = _known_lines(model)
    return model.to(dev).eval()


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
    except (InputError, OSError, ValueError):  # the corpus moved or changed: samples are then not marked
        return None


def default_checkpoint(name: str = "dinos-lstm") -> Path:
    """Path of a bundled checkpoint (``assets/checkpoints/<name>``); one-line error if absent."""
    path = asset_path("checkpoints", name)
    if not has_checkpoint(path):
        raise InputError(
            f"bundled checkpoint {name!r} not found at {path}; choose one of {', '.join(BUNDLED_CHECKPOINTS)} or run 'make assets'"
        )
    return path
