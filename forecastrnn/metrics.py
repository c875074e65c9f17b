"""Forecast accuracy metrics: point errors, scaled errors, quantiles, intervals.

Every metric takes array-likes of equal shape, 1-D (one forecast path) or 2-D
(for example ``(n_folds, horizon)`` from a backtest), and averages over all
entries. Values are compared by position; pandas index labels are not aligned.
Percentage errors are fractions, as in `sklearn.metrics`: a MAPE of 0.05 means
5 %.

Division by zero follows one rule throughout: ``0 / 0`` counts as 0 (a perfect
forecast of a zero is not an error) and ``x / 0`` with ``x > 0`` as ``inf``
(the relative error is unbounded). No warning is issued; the result says it.

For panels, `panel_scores` scores a forecast of every series, and `owa` turns
the M4 competition's two averages into its Overall Weighted Average relative to
`forecastrnn.baselines.Naive2`.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .checks import check_int, check_probability

__all__ = [
    "METRICS",
    "coverage",
    "interval_width",
    "mae",
    "mape",
    "mase",
    "owa",
    "panel_scores",
    "pinball_loss",
    "point_metrics",
    "rmse",
    "smape",
]


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _as_values(x, name: str) -> np.ndarray:
    """Return `x` as a finite float64 array of 1 or 2 dimensions, or raise."""
    try:
        values = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"`{name}` must be array-like of real numbers; got "
            f"{type(x).__name__} that cannot be converted ({err}). Pass a numpy "
            "array, a list or a pandas Series of numbers."
        ) from err
    if values.ndim not in (1, 2):
        raise ValueError(
            f"`{name}` must be 1-D or 2-D; got {values.ndim} dimensions (shape "
            f"{values.shape}). Reshape it, e.g. `np.ravel({name})`."
        )
    if values.size == 0:
        raise ValueError(f"`{name}` is empty; expected at least one value.")
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"`{name}` has {int(bad.sum())} non-finite values (NaN or inf); "
            "expected finite numbers. Drop or fill them before scoring."
        )
    return values


def _check_arrays(reference: str, **arrays) -> list[np.ndarray]:
    """Validate named arrays and require the shape of the `reference` one."""
    values = {name: _as_values(x, name) for name, x in arrays.items()}
    shape = values[reference].shape
    for name, v in values.items():
        if v.shape != shape:
            raise ValueError(
                f"`{name}` has shape {v.shape}; expected the shape of "
                f"`{reference}`, {shape}. Pass one value per observation, in "
                "the same order."
            )
    return list(values.values())


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Elementwise ``num / den`` with ``0/0 = 0`` and ``x/0 = inf`` for x > 0."""
    out = np.zeros_like(num)
    nonzero = den != 0
    out[nonzero] = num[nonzero] / den[nonzero]
    out[~nonzero & (num != 0)] = np.inf
    return out


# --------------------------------------------------------------------------
# Point metrics
# --------------------------------------------------------------------------


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,) or (n_rows, n_cols)
        Observations and forecasts, finite, of equal shape.

    Returns
    -------
    float
        ``mean(|y_true - y_pred|)`` over all entries. Equals
        `sklearn.metrics.mean_absolute_error`.

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, not 1-D or 2-D, or not finite.
    TypeError
        If an input is not numeric.

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    0.6666666666666666
    """
    y_true, y_pred = _check_arrays("y_true", y_true=y_true, y_pred=y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,) or (n_rows, n_cols)
        Observations and forecasts, finite, of equal shape.

    Returns
    -------
    float
        ``sqrt(mean((y_true - y_pred) ** 2))`` over all entries. Equals
        `sklearn.metrics.root_mean_squared_error` for 1-D input; for 2-D input
        it pools all entries (sklearn averages per-column RMSEs instead).

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, not 1-D or 2-D, or not finite.

    Examples
    --------
    >>> rmse([0.0, 0.0], [3.0, 4.0])
    3.5355339059327378
    """
    y_true, y_pred = _check_arrays("y_true", y_true=y_true, y_pred=y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute percentage error, as a fraction.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,) or (n_rows, n_cols)
        Observations and forecasts, finite, of equal shape.

    Returns
    -------
    float
        ``mean(|y_true - y_pred| / |y_true|)``; 0.05 means 5 %. Equals
        `sklearn.metrics.mean_absolute_percentage_error` when `y_true` has no
        zeros.

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, not 1-D or 2-D, or not finite.

    Notes
    -----
    A term with ``y_true == 0`` is 0 when the forecast is also 0 and ``inf``
    otherwise, so the mean is ``inf`` as soon as a zero is missed. sklearn
    divides by machine epsilon instead, giving a finite but meaningless value
    near 1e15. Use `smape` or `mase` for series that cross zero.

    Examples
    --------
    >>> mape([100.0, 200.0], [150.0, 100.0])
    0.5
    >>> mape([0.0, 1.0], [0.5, 1.0])
    inf
    """
    y_true, y_pred = _check_arrays("y_true", y_true=y_true, y_pred=y_pred)
    return float(np.mean(_ratio(np.abs(y_true - y_pred), np.abs(y_true))))


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Symmetric mean absolute percentage error, as a fraction in [0, 2].

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,) or (n_rows, n_cols)
        Observations and forecasts, finite, of equal shape.

    Returns
    -------
    float
        ``mean(2 |y_true - y_pred| / (|y_true| + |y_pred|))``, the M4
        competition's definition divided by 100.

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty, not 1-D or 2-D, or not finite.

    Notes
    -----
    A term where both the observation and the forecast are 0 counts as 0. The
    denominator is zero only then, so sMAPE is always finite.

    Examples
    --------
    >>> smape([1.0, 0.0], [3.0, 0.0])
    0.5
    """
    y_true, y_pred = _check_arrays("y_true", y_true=y_true, y_pred=y_pred)
    terms = _ratio(2.0 * np.abs(y_true - y_pred), np.abs(y_true) + np.abs(y_pred))
    return float(np.mean(terms))


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_train: ArrayLike, m: int = 1) -> float:
    """Mean absolute scaled error (Hyndman & Koehler, 2006).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,) or (n_rows, n_cols)
        Observations and forecasts of the evaluation period, of equal shape.
    y_train : array-like of shape (n_train,)
        The training part of the series, oldest first, at least ``m + 1``
        values long.
    m : int, default=1
        Seasonal period of the scaling naive forecast; 1 is the plain naive
        forecast.

    Returns
    -------
    float
        ``mae(y_true, y_pred) / mean(|y_train[m:] - y_train[:-m]|)``: below 1
        means better than the in-sample seasonal naive forecast.

    Raises
    ------
    ValueError
        If the shapes differ, an input is not finite, `m` < 1 or `y_train` has
        at most `m` values.
    TypeError
        If `m` is not an integer.

    Notes
    -----
    When the training series repeats itself exactly every `m` steps the scale
    is 0: MASE is then 0 for a perfect forecast and ``inf`` otherwise.

    Examples
    --------
    >>> mase([5.0, 6.0], [5.0, 7.0], y_train=[1.0, 2.0, 3.0, 4.0])
    0.5
    """
    y_true, y_pred = _check_arrays("y_true", y_true=y_true, y_pred=y_pred)
    y_train = _as_values(y_train, "y_train")
    if y_train.ndim != 1:
        raise ValueError(
            f"`y_train` must be 1-D, the training series oldest first; got shape "
            f"{y_train.shape}. Pass the single series the model was trained on."
        )
    m = check_int(m, "m")
    if y_train.size <= m:
        raise ValueError(
            f"`y_train` has {y_train.size} values; the seasonal naive scale with "
            f"`m`={m} needs at least {m + 1}. Pass more training data or a smaller "
            "`m`."
        )
    scale = float(np.mean(np.abs(y_train[m:] - y_train[:-m])))
    error = float(np.mean(np.abs(y_true - y_pred)))
    if scale == 0.0:
        return 0.0 if error == 0.0 else float("inf")
    return error / scale


# --------------------------------------------------------------------------
# Probabilistic metrics
# --------------------------------------------------------------------------


def pinball_loss(y_true: ArrayLike, y_quantile: ArrayLike, quantile: float) -> float:
    """Mean pinball (quantile) loss of a forecast of one quantile level.

    Parameters
    ----------
    y_true, y_quantile : array-like of shape (n,) or (n_rows, n_cols)
        Observations and forecasts of their `quantile`-quantile.
    quantile : float
        The quantile level, strictly between 0 and 1.

    Returns
    -------
    float
        ``mean(max(q * (y - f), (q - 1) * (y - f)))``. Equals
        `sklearn.metrics.mean_pinball_loss` with ``alpha=quantile``; at 0.5 it
        is half the MAE.

    Raises
    ------
    ValueError
        If the shapes differ, an input is not finite or `quantile` is not in
        (0, 1).

    Examples
    --------
    >>> pinball_loss([1.0, 2.0], [3.0, 2.0], quantile=0.75)
    0.25
    """
    q = check_probability(quantile, "quantile")
    y_true, y_quantile = _check_arrays("y_true", y_true=y_true, y_quantile=y_quantile)
    diff = y_true - y_quantile
    return float(np.mean(np.maximum(q * diff, (q - 1.0) * diff)))


def _check_crossed(lower: np.ndarray, upper: np.ndarray) -> None:
    """Raise ValueError where a lower bound exceeds its upper bound."""
    crossed = lower > upper
    if crossed.any():
        first = int(np.argmax(crossed.ravel()))
        raise ValueError(
            f"`lower` exceeds `upper` at {int(crossed.sum())} positions (first at "
            f"flat position {first}: {lower.ravel()[first]} > "
            f"{upper.ravel()[first]}); expected lower <= upper. Check that the "
            "bounds are not swapped."
        )


def coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Fraction of observations inside their prediction interval.

    Parameters
    ----------
    y_true, lower, upper : array-like of shape (n,) or (n_rows, n_cols)
        Observations and the interval bounds, of equal shape, ``lower <= upper``.

    Returns
    -------
    float
        The share of entries with ``lower <= y_true <= upper`` (bounds
        included), to compare with the nominal coverage of the intervals.

    Raises
    ------
    ValueError
        If the shapes differ, an input is not finite or a lower bound exceeds
        its upper bound.

    Examples
    --------
    >>> coverage([1.0, 2.0, 3.0, 4.0], [0.0, 2.0, 3.5, 0.0], [2.0, 3.0, 4.0, 1.0])
    0.5
    """
    y_true, lower, upper = _check_arrays(
        "y_true", y_true=y_true, lower=lower, upper=upper
    )
    _check_crossed(lower, upper)
    return float(np.mean((lower <= y_true) & (y_true <= upper)))


def interval_width(lower: ArrayLike, upper: ArrayLike) -> float:
    """Mean width of prediction intervals, ``mean(upper - lower)``.

    Parameters
    ----------
    lower, upper : array-like of shape (n,) or (n_rows, n_cols)
        The interval bounds, of equal shape, ``lower <= upper``.

    Returns
    -------
    float
        The mean width, in the units of the series: report it beside
        `coverage`, since wide intervals cover easily.

    Raises
    ------
    ValueError
        If the shapes differ, an input is not finite or a lower bound exceeds
        its upper bound.

    Examples
    --------
    >>> interval_width([0.0, 1.0], [2.0, 2.0])
    1.5
    """
    lower, upper = _check_arrays("lower", lower=lower, upper=upper)
    _check_crossed(lower, upper)
    return float(np.mean(upper - lower))


# --------------------------------------------------------------------------
# All point metrics at once
# --------------------------------------------------------------------------

#: Point metrics of signature ``metric(y_true, y_pred) -> float``, by name.
METRICS = {"mae": mae, "rmse": rmse, "mape": mape, "smape": smape}


def point_metrics(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    y_train: ArrayLike | None = None,
    m: int = 1,
) -> dict[str, float]:
    """Compute every point metric of a forecast, for backtest tables.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,) or (n_rows, n_cols)
        Observations and forecasts, finite, of equal shape.
    y_train : array-like of shape (n_train,), optional
        The training part of the series; when given, ``"mase"`` is added.
    m : int, default=1
        Seasonal period of the MASE scale.

    Returns
    -------
    dict of str to float
        ``{"mae", "rmse", "mape", "smape"}`` and ``"mase"`` with `y_train`, in
        that order.

    Raises
    ------
    ValueError
        As the individual metrics.

    Examples
    --------
    >>> point_metrics([1.0, 2.0], [1.0, 3.0])
    {'mae': 0.5, 'rmse': 0.7071067811865476, 'mape': 0.25, 'smape': 0.2}
    """
    scores = {name: metric(y_true, y_pred) for name, metric in METRICS.items()}
    if y_train is not None:
        scores["mase"] = mase(y_true, y_pred, y_train, m=m)
    return scores


# --------------------------------------------------------------------------
# Panels and the M4 competition's OWA
# --------------------------------------------------------------------------


def _check_panel(panel, name: str) -> Mapping:
    """Raise TypeError unless `panel` is a non-empty mapping of series."""
    if not isinstance(panel, Mapping):
        raise TypeError(
            f"`{name}` must be a mapping from series id to values, like "
            f"{{'W1': [...], 'W2': [...]}}; got {type(panel).__name__}. Pass a dict "
            "(for a wide DataFrame, `frame.to_dict('series')`)."
        )
    if not panel:
        raise ValueError(
            f"`{name}` is empty; expected at least one series. Pass the panel's "
            "series by id."
        )
    return panel


def _listed(ids: list) -> str:
    """Up to five ids for messages, with an ellipsis when there are more."""
    return repr(ids[:5])[:-1] + (", ...]" if len(ids) > 5 else "]")


def _check_ids(ids: list, panel: Mapping, name: str) -> None:
    """Raise ValueError unless `panel` has exactly the series `ids`."""
    known = set(ids)
    missing = [i for i in ids if i not in panel]
    extra = [i for i in panel if i not in known]
    problems = []
    if missing:
        problems.append(f"lacks {len(missing)} ids of `y_true`: {_listed(missing)}")
    if extra:
        problems.append(f"has {len(extra)} ids not in `y_true`: {_listed(extra)}")
    if problems:
        raise ValueError(
            f"`{name}` {'; it '.join(problems)}. Expected the same series as "
            "`y_true`: pass one entry per series of `y_true`."
        )


def _series_scores(key: Hashable, y_true, y_pred, y_train, m: int) -> tuple:
    """sMAPE and MASE of one series; errors name the series."""
    try:
        return smape(y_true, y_pred), mase(y_true, y_pred, y_train, m=m)
    except (TypeError, ValueError) as err:
        raise type(err)(f"Series {key!r}: {err}") from err


def panel_scores(
    y_true: Mapping[Hashable, ArrayLike],
    y_pred: Mapping[Hashable, ArrayLike],
    y_train: Mapping[Hashable, ArrayLike],
    m: int = 1,
) -> pd.DataFrame:
    """sMAPE and MASE of a forecast of every series of a panel, one row each.

    Parameters
    ----------
    y_true : mapping of hashable to array-like of shape (horizon,)
        The observations of the evaluation period, by series id.
    y_pred : mapping of hashable to array-like of shape (horizon,)
        The forecasts, with the same ids and, per series, the shape of
        `y_true`; compared by position (pandas labels are not aligned).
    y_train : mapping of hashable to array-like of shape (n_train,)
        The training part of each series, oldest first, with the same ids,
        for the MASE scale.
    m : int, default=1
        Seasonal period of the MASE scale (the M4 competition used 1 for
        yearly, weekly and daily data, 4 quarterly, 12 monthly, 24 hourly).

    Returns
    -------
    pandas.DataFrame
        Columns ``smape`` and ``mase`` (float64), one row per series, indexed
        by the ids of `y_true` in its order (index name ``"id"``). ``smape`` is
        a fraction, as `smape` returns it: the M4 competition's tables print
        ``100 * smape`` (its percent definition). Average the columns over
        series for the M4 scores, and pass them to `owa`.

    Raises
    ------
    TypeError
        If a panel is not a mapping, or a series is not numeric.
    ValueError
        If a panel is empty, the ids of `y_pred` or `y_train` differ from
        those of `y_true` (the message names them), or a series is invalid for
        `smape` or `mase` (the message names the series).

    Examples
    --------
    >>> panel_scores(
    ...     {"a": [2.0, 2.0], "b": [1.0, 3.0]},
    ...     {"a": [2.0, 2.0], "b": [3.0, 3.0]},
    ...     {"a": [1.0, 2.0], "b": [0.0, 1.0, 2.0]},
    ... ).to_dict("index")
    {'a': {'smape': 0.0, 'mase': 0.0}, 'b': {'smape': 0.5, 'mase': 1.0}}
    """
    ids = list(_check_panel(y_true, "y_true"))
    for name, panel in (("y_pred", y_pred), ("y_train", y_train)):
        _check_ids(ids, _check_panel(panel, name), name)
    m = check_int(m, "m")
    rows = [_series_scores(i, y_true[i], y_pred[i], y_train[i], m) for i in ids]
    return pd.DataFrame(
        rows, index=pd.Index(ids, name="id"), columns=["smape", "mase"], dtype=float
    )


def _check_score(value, name: str, zero_ok: bool) -> float:
    """Return `value` as a finite float, >= 0 (or > 0 unless `zero_ok`)."""
    sign = "non-negative" if zero_ok else "positive"
    fix = (
        "Pass the mean over series of the forecast's scores."
        if zero_ok
        else "Pass Naive2's mean over the same series; OWA divides by it."
    )
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a {sign} finite number; got "
            f"{type(value).__name__} {value!r}. {fix}"
        )
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not zero_ok):
        raise ValueError(
            f"`{name}` must be a {sign} finite number; got {value!r}. {fix}"
        )
    return value


def owa(smape: float, mase: float, smape_naive2: float, mase_naive2: float) -> float:
    """Overall Weighted Average of the M4 competition, relative to Naive2.

    Parameters
    ----------
    smape, mase : float
        The forecast's sMAPE and MASE, each averaged over all series of the
        panel; finite, at least 0.
    smape_naive2, mase_naive2 : float
        The same averages for `forecastrnn.baselines.Naive2` on the same
        series; finite, positive.

    Returns
    -------
    float
        ``(smape / smape_naive2 + mase / mase_naive2) / 2``: 1 is Naive2's
        accuracy, below 1 better.

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If an argument is not finite or negative, or a Naive2 score is 0.

    Notes
    -----
    M4 divides the averages over series, not series by series, so average
    the columns of `panel_scores` first. sMAPE enters as a ratio, so its
    scale (our fraction or M4's percent) cancels, as long as both sMAPEs use
    the same one.

    Examples
    --------
    >>> owa(smape=0.09, mase=2.5, smape_naive2=0.1, mase_naive2=2.5)
    0.95
    """
    values = [
        _check_score(smape, "smape", zero_ok=True),
        _check_score(mase, "mase", zero_ok=True),
        _check_score(smape_naive2, "smape_naive2", zero_ok=False),
        _check_score(mase_naive2, "mase_naive2", zero_ok=False),
    ]
    return (values[0] / values[2] + values[1] / values[3]) / 2.0
