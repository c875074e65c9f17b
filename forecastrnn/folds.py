"""Rolling-origin folds: where each backtest fold trains and forecasts.

`make_folds` places the folds on a series of ``n_obs`` points (``fold_layout``
with the errors naming the series), `refit_every` turns a backtest's
``refit`` argument into a period, and `refit_groups` cuts the folds into the
groups that share one fitted model (see :mod:`forecastrnn.backtest`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from forecastrnn.checks import check_int

__all__ = ["Fold", "fold_layout", "make_folds", "refit_every", "refit_groups"]

_WINDOWS = ("expanding", "sliding")


class Fold(NamedTuple):
    """Positions of one fold: train on ``y[train_start:train_stop]``, test after."""

    train_start: int
    train_stop: int


# --------------------------------------------------------------------------- folds


def _too_few(n_obs: int, needed: int, detail: str, what: str = "`y`") -> ValueError:
    """The error for a series too short for the folds asked."""
    fix = "Pass a longer series"
    if what != "`y`":
        fix = "Leave that series out of the panel, pass a longer one"
    return ValueError(
        f"{what} has {n_obs} observations; {detail} need at least {needed}. "
        f"{fix} or lower `n_folds`, `initial`, `step` or `horizon`."
    )


def make_folds(
    n_obs: int,
    horizon: int,
    *,
    n_folds: int | None = None,
    initial: int | None = None,
    step: int | None = None,
    window: str = "expanding",
) -> list[Fold]:
    """Place rolling-origin folds on a series of ``n_obs`` points.

    Every fold has a full ``horizon`` of test points; consecutive origins are
    ``step`` points apart.

    Parameters
    ----------
    n_obs : int
        Length of the series.
    horizon : int
        Number of points each fold forecasts.
    n_folds : int, optional
        Number of folds. Without ``initial`` (default 5 folds) the folds are placed
        at the end: the last fold's horizon ends at the last observation and the
        first fold trains on everything before its origin. With ``initial``, the
        first ``n_folds`` folds after ``initial`` are taken; when omitted, as many
        folds as fit.
    initial : int, optional
        Training size of the first fold; its origin is at position ``initial``.
    step : int, optional
        Points between consecutive origins; defaults to ``horizon`` (test parts
        that tile the end of the series).
    window : {"expanding", "sliding"}
        ``"expanding"`` trains each fold on everything before its origin;
        ``"sliding"`` keeps the training part at the first fold's size
        (``initial`` when given).

    Returns
    -------
    list of Fold
        ``Fold(train_start, train_stop)`` per fold, in time order: the fold trains
        on ``y[train_start:train_stop]`` and tests on
        ``y[train_stop:train_stop + horizon]``.

    Raises
    ------
    ValueError
        If a size is not positive, ``window`` is unknown, or ``n_obs`` is too
        small for the folds asked (the message says how many points are needed).

    Examples
    --------
    >>> make_folds(10, 2, n_folds=3)
    [Fold(train_start=0, train_stop=4), Fold(train_start=0, train_stop=6), \
Fold(train_start=0, train_stop=8)]
    >>> make_folds(10, 3, initial=4, step=2, window="sliding")
    [Fold(train_start=0, train_stop=4), Fold(train_start=2, train_stop=6)]
    """
    return fold_layout(n_obs, horizon, n_folds, initial, step, window, "`y`")


def fold_layout(n_obs, horizon, n_folds, initial, step, window, what) -> list[Fold]:
    """`make_folds`, its errors naming the series ``what``."""
    horizon = check_int(horizon, "horizon")
    n_folds = check_int(n_folds, "n_folds", allow_none=True)
    initial = check_int(initial, "initial", allow_none=True)
    step = check_int(step, "step", allow_none=True)
    if window not in _WINDOWS:
        raise ValueError(f"`window` must be one of {_WINDOWS}; got {window!r}.")
    step = horizon if step is None else int(step)
    if initial is None:
        n_folds = 5 if n_folds is None else int(n_folds)
        first = n_obs - horizon - (n_folds - 1) * step
        if first < 1:
            detail = (
                f"{n_folds} folds of `horizon`={horizon} every `step`={step} "
                "after at least 1 training point"
            )
            raise _too_few(n_obs, n_obs - first + 1, detail, what)
    else:
        first = int(initial)
        if n_folds is None:  # as many folds as fit, at least one
            n_folds = max((n_obs - first - horizon) // step + 1, 1)
        needed = first + (n_folds - 1) * step + horizon
        if needed > n_obs:
            detail = (
                f"{n_folds} fold(s) of `horizon`={horizon} every `step`={step} "
                f"after `initial`={first} training points"
            )
            raise _too_few(n_obs, needed, detail, what)
    stops = [first + i * step for i in range(n_folds)]
    if window == "sliding":
        return [Fold(stop - first, stop) for stop in stops]
    return [Fold(0, stop) for stop in stops]


def refit_every(refit: bool | int, n_folds: int) -> int:
    """Turn the ``refit`` argument into a refit period in folds."""
    if refit is True:
        return 1
    if refit is False:
        return max(n_folds, 1)
    if not isinstance(refit, int | np.integer) or refit < 1:
        raise ValueError(
            f"`refit` must be True, False or a positive integer k (refit every k "
            f"folds); got {refit!r}."
        )
    return int(refit)


def refit_groups(folds: list[Fold], every: int) -> list[list[tuple[int, Fold]]]:
    """Split numbered folds into refit groups of ``every`` consecutive folds."""
    numbered = list(enumerate(folds))
    return [numbered[i : i + every] for i in range(0, len(numbered), every)]
