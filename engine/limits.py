"""Sane upper bounds on every size the engine accepts, and the checks that enforce them.

Public API::

    MAX_*                                    # the caps below
    check_int(value, name, lo, hi)           # an int (not a bool) in [lo, hi], else InputError(field=name)
    check_float(value, name, lo, hi, ...)    # a finite number in [lo, hi]
    check_seed(value, name="seed")           # an int in 0..MAX_SEED

Why caps at all: a setting or a crafted ``config.json`` that asks for ``hidden = 20000`` or
``layers = 1000000`` used to allocate gigabytes (or segfault, for 100,000 torch threads) before
anything refused it. Each cap is generous for real use on one machine, and the refusal names it.

=========================  ==============  ==============================================================
cap                        value           why
=========================  ==============  ==============================================================
MAX_LAYERS                 64              deeper recurrent stacks do not train without residuals
MAX_HIDDEN                 16,384          n_a; an LSTM layer of 16k units is already 2·10⁹ weights
MAX_EMBEDDING_DIM          16,384          the embedding size e_j
MAX_VOCAB_SIZE             2,000,000       softmax size; the largest word vocabularies in use are ~10⁶
MAX_PARAMETERS             250,000,000     1 GB of float32 weights (~4 GB while training with Adam)
MAX_CPU_THREADS            256             more threads than cores only slows down; 100,000 crashed OpenMP
MAX_SEED                   2³² − 1         seeds are 32-bit everywhere (numpy, torch, the batch order)
MAX_LR                     10,000          any larger rate diverges at the first step (and 1e300
                                           overflows float32 inside the optimiser)
MAX_CLIP_THRESHOLD         1,000,000       gradient clipping threshold N (beyond float32's range torch fails;
                                           any N this large means "no clipping" anyway)
MAX_SEQ_LEN                1,000,000       tokens in one training sequence
MAX_BATCH_SIZE             1,000,000       sequences in one batch
MAX_BATCH_TOKENS           4,000,000       batch_size × seq_len: activations of one step stay < a few GB
MAX_STEP_BYTES             16 GiB          rough activation memory of one training step (one-hot input of a
                                           large word vocabulary is the usual culprit)
MAX_SAMPLE_LEN             1,000,000       new tokens in one sample
MAX_SAMPLES_PER_EVENT      1,000           samples in one training ``Sampled`` event
MAX_SCORE_TOKENS           100,000         tokens of one text to score or trace
MAX_LINE_CHARS             1,048,576       characters in one line of a corpus (a longer "line" is refused)
MAX_CONFIG_BYTES           64 MiB          size of a checkpoint's ``config.json`` (vocabulary included)
MAX_TENSOR_FILE_BYTES      8 GiB           size of one ``.safetensors`` file of a checkpoint
MAX_JSON_DEPTH             64              nesting of a checkpoint's ``config.json``
=========================  ==============  ==============================================================
"""

from __future__ import annotations

import math

from engine.errors import InputError

MAX_LAYERS = 64
MAX_HIDDEN = 16_384
MAX_EMBEDDING_DIM = 16_384
MAX_VOCAB_SIZE = 2_000_000
MAX_PARAMETERS = 250_000_000
MAX_CPU_THREADS = 256
MAX_SEED = 2**32 - 1
MAX_LR = 1e4
MAX_CLIP_THRESHOLD = 1e6
MAX_SEQ_LEN = 1_000_000
MAX_BATCH_SIZE = 1_000_000
MAX_BATCH_TOKENS = 4_000_000
MAX_STEP_BYTES = 16 << 30
MAX_SAMPLE_LEN = 1_000_000
MAX_SAMPLES_PER_EVENT = 1_000
MAX_SCORE_TOKENS = 100_000
MAX_LINE_CHARS = 1 << 20
MAX_CONFIG_BYTES = 64 << 20
MAX_TENSOR_FILE_BYTES = 8 << 30
MAX_JSON_DEPTH = 64


def is_int(value: object) -> bool:
    """An ``int`` that is not a ``bool`` (JSON ``true`` must not pass for 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(value: object, name: str, lo: int, hi: int | None = None, *, what: str = "") -> int:
    """``value`` when it is an int in ``[lo, hi]``; else a one-line InputError naming ``name``."""
    if not is_int(value):
        raise InputError(f"{name} must be an integer, got {value!r}", field=name)
    if value < lo or (hi is not None and value > hi):
        bound = f"in {lo:,}..{hi:,}" if hi is not None else f"≥ {lo:,}"
        raise InputError(f"{name} must be {bound}{what}, got {value:,}", field=name)
    return value


def check_float(value: object, name: str, lo: float, hi: float = math.inf, *, lo_open: bool = False,
                hi_open: bool = False, what: str = "") -> float:
    """``value`` as a float when it is a finite number in the interval; else a one-line InputError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name} must be a number, got {value!r}", field=name)
    v = float(value)
    low_bad = v <= lo if lo_open else v < lo
    high_bad = v >= hi if hi_open else v > hi
    if not math.isfinite(v) or low_bad or high_bad:
        left = "(" if lo_open else "["
        right = ")" if hi_open or math.isinf(hi) else "]"
        hi_text = "∞" if math.isinf(hi) else f"{hi:g}"
        raise InputError(f"{name} must be a finite number in {left}{lo:g}, {hi_text}{right}{what}, got {value!r}", field=name)
    return v


def check_seed(value: object, name: str = "seed") -> int:
    """A seed: an int in ``0..MAX_SEED`` (32 bits, what numpy and torch both take everywhere)."""
    return check_int(value, name, 0, MAX_SEED)


__all__ = [name for name in globals() if name.startswith("MAX_")] + ["check_float", "check_int", "check_seed", "is_int"]
