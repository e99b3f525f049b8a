"""Synthetic date translation: human-written dates → ISO 8601 ("25th of March 2026" → "2026-03-25").

Public API::

    DATE_FORMATS                                    # names of the written forms
    DatePair(source, target)
    format_date(day: datetime.date, form: str, case="as is") -> str
    generate_dates(n, seed=0, *, exclude=frozenset()) -> list[DatePair]   # n distinct sources
    date_splits(n_train, n_val, n_test, seed) -> (train, val, test)       # disjoint sources

The course's encoder-decoder exercise: the input is a string of characters in one of many
formats, the output the ten characters ``YYYY-MM-DD``. Nothing is downloaded: dates are drawn
uniformly from 1950-01-01 … 2049-12-31 with ``numpy.random.default_rng(seed)``, and each is
written in a format drawn uniformly from :data:`DATE_FORMATS`, with a random letter case for
the forms with words. Weekdays are the true ones. Two-digit years follow the POSIX pivot:
50–99 → 19xx, 00–49 → 20xx. Slashes are month first (US), dots day first (European), so no
form is ambiguous.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from engine.errors import InputError

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST_DAY = dt.date(1950, 1, 1)
LAST_DAY = dt.date(2049, 12, 31)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _forms(d: dt.date) -> dict[str, str]:
    M, Mon, W = MONTHS[d.month - 1], MONTHS[d.month - 1][:3], WEEKDAYS[d.weekday()]
    yy = f"{d.year % 100:02d}"
    return {
        "ordinal-of": f"{_ordinal(d.day)} of {M} {d.year}",  # 25th of March 2026
        "the-ordinal-of": f"the {_ordinal(d.day)} of {M}, {d.year}",  # the 25th of March, 2026
        "us-slash-short": f"{d.month}/{d.day}/{yy}",  # 3/25/26
        "us-slash": f"{d.month:02d}/{d.day:02d}/{d.year}",  # 03/25/2026
        "weekday-long": f"{W}, {M} {d.day}, {d.year}",  # Wednesday, March 25, 2026
        "weekday-short": f"{W[:3]} {d.day} {Mon} {d.year}",  # Wed 25 Mar 2026
        "dots": f"{d.day:02d}.{d.month:02d}.{d.year}",  # 25.03.2026
        "dots-short": f"{d.day}.{d.month}.{yy}",  # 25.3.26
        "month-day-year": f"{M} {d.day} {d.year}",  # March 25 2026
        "month-day-comma": f"{M} {d.day}, {d.year}",  # March 25, 2026
        "month-ordinal": f"{M} {_ordinal(d.day)}, {d.year}",  # March 25th, 2026
        "day-month-year": f"{d.day} {M} {d.year}",  # 25 March 2026
        "abbrev": f"{Mon} {d.day}, {d.year}",  # Mar 25, 2026
        "day-abbrev-dash": f"{d.day:02d}-{Mon}-{d.year}",  # 25-Mar-2026
        "day-abbrev-short": f"{d.day} {Mon} {yy}",  # 25 Mar 26
        "iso-slash": f"{d.year}/{d.month:02d}/{d.day:02d}",  # 2026/03/25
    }


DATE_FORMATS: tuple[str, ...] = tuple(_forms(dt.date(2026, 3, 25)))
CASES: tuple[str, ...] = ("as is", "lower", "upper")
_WORDY = frozenset(f for f, s in _forms(dt.date(2026, 3, 25)).items() if any(c.isalpha() for c in s))


@dataclass(frozen=True)
class DatePair:
    source: str
    """The date as a person might write it."""
    target: str
    """ISO 8601, ``YYYY-MM-DD``."""


def format_date(day: dt.date, form: str, case: str = "as is") -> str:
    """``day`` written in ``form`` (one of :data:`DATE_FORMATS`), in ``case`` ("as is", "lower", "upper")."""
    forms = _forms(day)
    if form not in forms:
        raise InputError(f"date format must be one of {', '.join(DATE_FORMATS)}, got {form!r}")
    text = forms[form]
    return text.lower() if case == "lower" else text.upper() if case == "upper" else text


def generate_dates(n: int, seed: int = 0, *, exclude: frozenset[str] | set[str] = frozenset()) -> list[DatePair]:
    """``n`` pairs with distinct sources (none in ``exclude``), reproducible from ``seed``."""
    if not isinstance(n, int) or n < 1:
        raise InputError(f"the number of dates must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    span = (LAST_DAY - FIRST_DAY).days + 1
    seen = set(exclude)
    out: list[DatePair] = []
    while len(out) < n:
        k = n - len(out)
        offsets = rng.integers(0, span, size=k)
        forms = rng.integers(0, len(DATE_FORMATS), size=k)
        cases = rng.integers(0, len(CASES), size=k)
        for off, f, c in zip(offsets.tolist(), forms.tolist(), cases.tolist()):
            day = FIRST_DAY + dt.timedelta(days=off)
            form = DATE_FORMATS[f]
            source = format_date(day, form, CASES[c] if form in _WORDY else "as is")
            if source in seen:
                continue
            seen.add(source)
            out.append(DatePair(source, day.isoformat()))
    return out


def date_splits(n_train: int, n_val: int, n_test: int, seed: int = 0) -> tuple[list[DatePair], list[DatePair], list[DatePair]]:
    """Three disjoint sets (no source string in two of them), all from ``seed``."""
    pairs = generate_dates(n_train + n_val + n_test, seed)
    return pairs[:n_train], pairs[n_train : n_train + n_val], pairs[n_train + n_val :]
