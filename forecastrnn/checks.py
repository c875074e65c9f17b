"""Input checks at the boundary: one helper per kind of check.

Every public function and estimator validates its arguments with these, so a
given mistake gets the same message everywhere: the argument's name in
backticks, what was expected, what came, and the fix. They raise
``TypeError`` for a wrong type and ``ValueError`` for a wrong value, and
return the value in its canonical type (a new object: nothing the caller
passed is modified).

Scalars: `check_int`, `check_real`, `check_probability`, `check_quantiles`,
`check_choice`. Data: `check_series` (a target series) and `check_covariates`
(the ``exog`` frame of every forecaster, baseline, window and backtest).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "check_choice",
    "check_covariates",
    "check_int",
    "check_probability",
    "check_quantiles",
    "check_real",
    "check_series",
]


def check_int(
    value: Any, name: str, *, minimum: int = 1, allow_none: bool = False
) -> int | None:
    """Return ``value`` as an ``int >= minimum``, or raise.

    ``bool`` is rejected (``True`` is not a count). ``None`` passes through
    when ``allow_none``.

    Examples
    --------
    >>> check_int(3, "horizon")
    3
    >>> check_int(0, "horizon")
    Traceback (most recent call last):
    ...
    ValueError: `horizon` must be an integer >= 1; got 0. Pass horizon >= 1.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        extra = " or None" if allow_none else ""
        raise TypeError(
            f"`{name}` must be an integer >= {minimum}{extra}; got "
            f"{type(value).__name__} {value!r}. Pass a whole number."
        )
    if value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}; got {value}. "
            f"Pass {name} >= {minimum}."
        )
    return int(value)


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> float | None:
    """Return ``value`` as a finite ``float`` within the bounds given, or raise.

    ``low``/``high`` are inclusive unless ``low_open``/``high_open``.

    Examples
    --------
    >>> check_real(0.5, "dropout", low=0, high=1, high_open=True)
    0.5
    >>> check_real(1.0, "dropout", low=0, high=1, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: `dropout` must be a number in [0, 1); got 1.0.
    """
    if value is None and allow_none:
        return None
    span = _interval(low, high, low_open, high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a number{span}; got {type(value).__name__} {value!r}."
        )
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if value != value or below or above:
        raise ValueError(f"`{name}` must be a number{span}; got {value!r}.")
    return value


def check_probability(value: Any, name: str, *, allow_none: bool = False):
    """Return ``value`` as a float strictly between 0 and 1, or raise.

    For quantile levels and interval coverages.

    Examples
    --------
    >>> check_probability(0.9, "coverage")
    0.9
    """
    return check_real(
        value, name, low=0, high=1, low_open=True, high_open=True,
        allow_none=allow_none,
    )


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, or raise a ``ValueError``.

    Examples
    --------
    >>> check_choice("direct", "strategy", ("direct", "recursive"))
    'direct'
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value against a set
        ok = False
    if not ok or isinstance(value, bool) and not any(c is value for c in choices):
        shown = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {shown}; got {value!r}.")
    return value


def _interval(low, high, low_open, high_open) -> str:
    """`` in (0, 1]``-style text for the bounds given."""
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f" {'<' if high_open else '<='} {high:g}"
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    return f" in {left}{low:g}, {high:g}{right}"
