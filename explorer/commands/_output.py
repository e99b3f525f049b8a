"""What every command prints with ``--json``: strict JSON, one document a line.

    write_json(value, *, default=None)     # sys.stdout, NaN/±inf → null, one line
    json_safe(value) -> value              # the same conversion, without writing

Python's ``json`` writes ``NaN`` and ``Infinity`` by default, which are not JSON (``jq`` and
``JSON.parse`` refuse them): a diverged run's loss or a zero probability's log would break a
pipeline. Non-finite floats become ``null`` here, and ``allow_nan=False`` makes sure none slips by.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Callable, Iterable


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (dicts, lists and tuples walked)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def dumps(value: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """One line of strict JSON for ``value``."""
    if default is not None:  # values the default turns into floats are made safe too
        value = json.loads(json.dumps(value, default=default))
    return json.dumps(json_safe(value), allow_nan=False, default=default)


def write_json(value: Any, *, default: Callable[[Any], Any] | None = None) -> None:
    """Print ``value`` as one line of strict JSON on stdout."""
    sys.stdout.write(dumps(value, default=default) + "\n")


def write_json_array(items: Iterable[Any]) -> None:
    """Print a JSON array item by item as the items come (bounded memory for any length); the
    output is the same bytes as ``write_json(list(items))``."""
    out = sys.stdout
    out.write("[")
    for i, item in enumerate(items):
        out.write((", " if i else "") + dumps(item))
        if i % 256 == 255:
            out.flush()
    out.write("]\n")


__all__ = ["dumps", "json_safe", "write_json", "write_json_array"]
