"""Locate the bundled ``assets/`` folder (corpora, checkpoints, evaluation sets).

Public API::

    asset_path(*parts) -> pathlib.Path     # e.g. asset_path("corpora", "dinos.txt")
    assets_root() -> pathlib.Path          # the folder itself

The folder is searched, first match wins:

1. ``$SEQ_EXPLORER_ASSETS`` (an explicit override, for tests or unusual installs);
2. ``<repository>/assets`` beside the ``engine`` package (a source checkout or an
   editable install, the normal case);
3. ``engine/assets_data`` inside the installed package (where a wheel that
   bundles the assets would put them);
4. ``<sys.prefix>/share/seq-explorer/assets`` (setuptools ``data-files``).

The path returned need not exist (callers decide whether that is an error), so
``asset_path("checkpoints", "new")`` can name a place to write.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

BUNDLED_CHECKPOINTS: tuple[str, ...] = ("dinos-lstm", "dinos-gru", "dinos-rnn", "shakespeare-lstm")
"""Language-model checkpoints under ``assets/checkpoints`` (here, not in engine.lm, so the
command line and the app can name them without importing torch)."""

ENV_VAR = "SEQ_EXPLORER_ASSETS"


def _candidates() -> list[Path]:
    here = Path(__file__).resolve().parent
    found: list[Path] = []
    env = os.environ.get(ENV_VAR)
    if env:
        found.append(Path(env).expanduser())
    found.append(here.parent / "assets")
    found.append(here / "assets_data")
    found.append(Path(sys.prefix) / "share" / "seq-explorer" / "assets")
    return found


@lru_cache(maxsize=None)
def _root_for(env: str | None) -> Path:
    candidates = _candidates()
    for path in candidates:
        if path.is_dir():
            return path
    return candidates[0] if env else candidates[1 if len(candidates) > 1 else 0]


def assets_root() -> Path:
    """The ``assets/`` folder (see the module docstring for the search order)."""
    return _root_for(os.environ.get(ENV_VAR))


def asset_path(*parts: str) -> Path:
    """Path of ``assets/<parts...>``; it may not exist yet."""
    return assets_root().joinpath(*parts)
