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
    "check_groups",
    "check_int",
    "check_probability",
    "check_quantiles",
    "check_real",
    "check_series",
    "check_series_codes",
    "check_targets",
    "count_series",
    "describe_value",
    "infer_frequency",
    "is_real_dtype",
    "spacings",
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
    ValueError: `horizon` must be a positive integer; got 0. Pass horizon >= 1.
    """
    if value is None and allow_none:
        return None
    expected = _integer_kind(minimum) + (" or None" if allow_none else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be {expected}; got {value!r} "
            f"({type(value).__name__}). Pass a whole number >= {minimum}."
        )
    if value < minimum:
        raise ValueError(
            f"`{name}` must be {expected}; got {value}. Pass {name} >= {minimum}."
        )
    return int(value)


def _integer_kind(minimum: int) -> str:
    """``"a positive integer"``-style text for ``check_int``."""
    if minimum == 1:
        return "a positive integer"
    if minimum == 0:
        return "a non-negative integer"
    return f"an integer >= {minimum}"


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

    The one rule for quantile levels and interval coverages.

    Examples
    --------
    >>> check_probability(0.9, "coverage")
    0.9
    >>> check_probability(90, "coverage")
    Traceback (most recent call last):
    ...
    ValueError: `coverage` must be strictly between 0 and 1; got 90. Pass e.g. \
coverage=0.9.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a float in (0, 1); got {type(value).__name__} "
            f"{value!r}. Pass e.g. {name}=0.9."
        )
    if not 0.0 < value < 1.0:  # also rejects NaN
        raise ValueError(
            f"`{name}` must be strictly between 0 and 1; got {value}. Pass e.g. "
            f"{name}=0.9."
        )
    return float(value)


def check_quantiles(value: Any, name: str = "quantiles") -> tuple[float, ...]:
    """Return quantile levels as a tuple of distinct floats in (0, 1), or raise.

    Examples
    --------
    >>> check_quantiles([0.1, 0.5, 0.9])
    (0.1, 0.5, 0.9)
    """
    try:
        levels = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        levels = np.array([np.nan])
    if (
        isinstance(value, str)
        or levels.ndim != 1
        or levels.size == 0
        or not np.all((levels > 0) & (levels < 1))
        or len(set(levels.tolist())) < levels.size
    ):
        raise ValueError(
            f"`{name}` must be a non-empty sequence of distinct levels strictly "
            f"between 0 and 1 (each in (0, 1)); got {value!r}. Pass e.g. "
            f"{name}=(0.1, 0.5, 0.9)."
        )
    return tuple(levels.tolist())


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


# --------------------------------------------------------------------------
# A target series
# --------------------------------------------------------------------------


def describe_value(obj) -> str:
    """Short description of an object for error messages.

    Examples
    --------
    >>> import numpy as np
    >>> describe_value(np.zeros(3))
    'a numpy array of shape (3,)'
    """
    if isinstance(obj, pd.DataFrame):
        return f"a DataFrame with {obj.shape[1]} columns"
    if isinstance(obj, np.ndarray):
        return f"a numpy array of shape {obj.shape}"
    return f"an object of type {type(obj).__name__}"


def _as_series(y, name: str) -> pd.Series:
    """Accept a Series or a one-column DataFrame; anything else is a TypeError."""
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        return y.iloc[:, 0]
    if not isinstance(y, pd.Series):
        raise TypeError(
            f"`{name}` must be a pandas Series (or a one-column DataFrame); got "
            f"{describe_value(y)}. Wrap the values: `pd.Series(values, index=...)`, "
            "or select one column: `df['column']`."
        )
    return y


def _numeric_values(y: pd.Series, name: str) -> np.ndarray:
    """Return the values as a fresh float64 array, or raise TypeError."""
    dtype = y.dtype
    if (
        not pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_complex_dtype(dtype)
    ):
        raise TypeError(
            f"`{name}` must have a real numeric dtype; got dtype {dtype}. Convert "
            f"it first, e.g. `pd.to_numeric({name}, errors='coerce')`."
        )
    return y.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)


def _check_unique(index: pd.Index, name: str) -> None:
    """Raise ValueError for duplicated index labels, naming the first."""
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise ValueError(
            f"`{name}` has {len(dup)} duplicated index labels (first: {dup[0]}); "
            "expected unique timestamps, one row each. Aggregate them first, e.g. "
            f"`{name}.groupby(level=0).mean()`."
        )


def _check_order(index: pd.Index, name: str) -> None:
    """Raise ValueError for duplicated or non-increasing index labels."""
    _check_unique(index, name)
    if not index.is_monotonic_increasing:
        ints = index.asi8 if isinstance(index, pd.DatetimeIndex) else index.to_numpy()
        pos = int(np.flatnonzero(np.diff(ints) < 0)[0]) + 1
        raise ValueError(
            f"`{name}` index is not sorted in increasing order (label {index[pos]} "
            f"at position {pos} comes after {index[pos - 1]}). Sort it first: "
            f"`{name}.sort_index()`."
        )


def infer_frequency(times: pd.DatetimeIndex) -> pd.DatetimeIndex | None:
    """``times`` (at least two, sorted) with their frequency inferred, or None
    when they are irregular. Two timestamps a whole number of days apart give
    ``Day``, as pandas infers for more.

    Examples
    --------
    >>> infer_frequency(pd.DatetimeIndex(["2024-01-01", "2024-01-02"])).freqstr
    'D'
    """
    if len(times) == 2:
        step = times[1] - times[0]
        whole_days = step % pd.Timedelta(days=1) == pd.Timedelta(0)
        offset = (
            pd.offsets.Day(step.days)
            if whole_days
            else pd.tseries.frequencies.to_offset(step)
        )
        return pd.DatetimeIndex(times, freq=offset)
    inferred = pd.DatetimeIndex(times, freq="infer")
    return None if inferred.freq is None else inferred


def spacings(times: pd.DatetimeIndex, most: int = 3) -> str:
    """The ``most`` commonest spacings of ``times``, for error messages."""
    steps = pd.Series(times[1:] - times[:-1]).value_counts()
    return ", ".join(str(s) for s in steps.index[:most])


def _regular_datetime_index(index: pd.DatetimeIndex, name: str) -> pd.DatetimeIndex:
    """Return the index with ``freq`` set, inferring it when missing."""
    if index.freq is not None:
        return index
    if len(index) == 1:
        raise ValueError(
            f"`{name}` has a single timestamp and no `freq`; a frequency "
            "cannot be inferred. Pass more data or set the frequency: "
            f"`{name}.index = pd.DatetimeIndex({name}.index, freq='D')`."
        )
    inferred = infer_frequency(index)
    if inferred is None:
        raise ValueError(
            f"`{name}` has an irregular DatetimeIndex: no frequency can be inferred "
            f"from its {len(index)} timestamps (spacings seen: {spacings(index)}); "
            "expected a regular frequency. Resample it (`"
            f"{name}.asfreq('h')` and fill the gaps), give the index a frequency "
            "that fits it (e.g. a `pd.offsets.CustomBusinessDay` for trading "
            f"days), or use positions: `{name}.reset_index(drop=True)`."
        )
    return inferred


def _regular_integer_index(index: pd.Index, name: str) -> pd.RangeIndex:
    """Return a step-1 RangeIndex equal to an integer index, or raise."""
    if isinstance(index, pd.RangeIndex) and index.step == 1:
        return index
    values = index.to_numpy()
    if len(values) > 1 and not np.all(np.diff(values) == 1):
        raise ValueError(
            f"`{name}` has an integer index that is not consecutive (step 1); "
            f"got steps {sorted(set(np.diff(values).tolist()))[:3]}. Use "
            f"`{name}.reset_index(drop=True)` for positional steps."
        )
    start = int(values[0])
    return pd.RangeIndex(start, start + len(values), name=index.name)


def _regular_index(index: pd.Index, name: str) -> pd.Index:
    """A sorted, unique, regular DatetimeIndex (freq set) or step-1 RangeIndex."""
    if isinstance(index, pd.DatetimeIndex):
        _check_order(index, name)
        return _regular_datetime_index(index, name)
    if pd.api.types.is_integer_dtype(index.dtype):
        _check_order(index, name)
        return _regular_integer_index(index, name)
    raise TypeError(
        f"`{name}` must have a DatetimeIndex or an integer index; got "
        f"{type(index).__name__} of dtype {index.dtype}. Convert it, e.g. "
        f"`{name}.index = pd.to_datetime({name}.index)`, or use positions: "
        f"`{name}.reset_index(drop=True)`."
    )


def _check_finite(values: np.ndarray, index: pd.Index, name: str, allow_nan) -> None:
    """Raise ValueError for infinite values, and for NaN unless allowed."""
    inf = np.isinf(values)
    if inf.any():
        first = index[int(np.argmax(inf))]
        raise ValueError(
            f"`{name}` has {int(inf.sum())} infinite values (first at {first}); "
            f"expected finite numbers. Replace them, e.g. "
            f"`{name}.replace([np.inf, -np.inf], np.nan)` and then fill."
        )
    nan = np.isnan(values)
    if nan.any() and not allow_nan:
        first = index[int(np.argmax(nan))]
        raise ValueError(
            f"`{name}` has {int(nan.sum())} missing values (NaN), the first at "
            f"{first}; expected none. Fill them with "
            f"`forecastrnn.windows.fill_missing({name}, method='interpolate')` or "
            "method='ffill' (optionally with a `limit`)."
        )


def check_series(y, *, name: str = "y", allow_nan: bool = False) -> pd.Series:
    """Validate a target series and return a regular float64 copy.

    Parameters
    ----------
    y : pandas.Series or one-column pandas.DataFrame
        The target. A one-column DataFrame is squeezed to its column. The index
        is a `pandas.DatetimeIndex` (its ``freq`` is inferred when missing; a
        frequency already set, such as the `CustomBusinessDay` of
        `forecastrnn.datasets.load_stock`, is kept) or an integer index with
        step 1 (positional steps).
    name : str, default="y"
        Name of the argument, used in error messages.
    allow_nan : bool, default=False
        Whether NaN values are accepted. Infinite values are never accepted.

    Returns
    -------
    pandas.Series
        A new float64 Series with the same values and name; its index is a
        `DatetimeIndex` with ``freq`` set or a `RangeIndex` with step 1. The
        input is never modified.

    Raises
    ------
    TypeError
        If `y` is not a Series (or one-column DataFrame), has a non-numeric
        dtype, or an index that is neither datetime nor integer.
    ValueError
        If `y` is empty, its index is unsorted, has duplicates or irregular
        spacing, or it holds infinite values or (unless `allow_nan`) NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"])
    >>> check_series(pd.Series([1, 2, 3], index=idx)).index.freqstr
    'D'
    """
    y = _as_series(y, name)
    values = _numeric_values(y, name)
    if len(values) == 0:
        raise ValueError(
            f"`{name}` is empty; expected at least one observation. Pass the "
            "series with its data."
        )
    index = _regular_index(y.index, name)
    _check_finite(values, index, name, allow_nan)
    return pd.Series(values, index=index, name=y.name, copy=False)


# --------------------------------------------------------------------------
# Covariates
# --------------------------------------------------------------------------


def _as_frame(exog, name: str) -> pd.DataFrame:
    """A Series as a one-column frame; anything but pandas is a TypeError."""
    if isinstance(exog, pd.Series):
        return exog.to_frame()
    if not isinstance(exog, pd.DataFrame):
        raise TypeError(
            f"`{name}` must be a pandas DataFrame (or Series) indexed like `y`; got "
            f"{type(exog).__name__}. Wrap it: `pd.DataFrame(values, index=y.index)`."
        )
    return exog


def is_real_dtype(dtype) -> bool:
    """Whether a dtype holds real numbers (not bool, not complex).

    Examples
    --------
    >>> import numpy as np
    >>> is_real_dtype(np.dtype("int64")), is_real_dtype(np.dtype(bool))
    (True, False)
    """
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def _is_number(dtype) -> bool:
    """Bool, integer (nullable too) or real float: a covariate the network reads."""
    return pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def _check_dtypes(frame: pd.DataFrame, name: str) -> None:
    """Raise TypeError naming the columns that are not numbers, and the fix."""
    bad = [(c, d) for c, d in frame.dtypes.items() if not _is_number(d)]
    if not bad:
        return
    cols = [c for c, _ in bad]
    what = (
        f"column {cols[0]!r} has dtype {bad[0][1]}"
        if len(bad) == 1
        else f"columns {cols} have dtypes {', '.join(str(d) for _, d in bad)}"
    )
    raise TypeError(
        f"`{name}` {what}; expected numbers (bool, integer or float). One-hot "
        f"encode text or categories, e.g. `pd.get_dummies({name}, columns={cols}, "
        f"dtype=float)`, or drop them: `{name}.drop(columns={cols})`."
    )


def _positions(frame: pd.DataFrame, index, name: str, what: str) -> np.ndarray:
    """Row positions of the labels `index` in `frame`, or a ValueError."""
    if index is None:
        return np.arange(len(frame))
    pos = frame.index.get_indexer(index)
    missing = pos < 0
    if missing.any():
        zones = getattr(frame.index, "tz", None), getattr(index, "tz", None)
        hint = (
            f" Its index is in time zone {zones[0]}, that of {what} in "
            f"{zones[1]}: convert one (`tz_convert`, or `tz_localize(None)`)."
            if zones[0] != zones[1]
            else ""
        )
        raise ValueError(
            f"`{name}` has no rows for {int(missing.sum())} of the {len(index)} "
            f"timestamps of {what} (first missing: {index[int(np.argmax(missing))]}"
            f"); expected a row for each, matched by index label. Pass `{name}` "
            f"indexed like `y`, covering {index[0]} to {index[-1]} (extra rows "
            f"are ignored).{hint}"
        )
    return pos


def _check_values(values, labels, columns, name: str, what: str, allow_nan) -> None:
    """Raise ValueError for infinite values, and for NaN unless allowed."""
    bad = np.isinf(values) if allow_nan else ~np.isfinite(values)
    if not bad.any():
        return
    row = int(np.flatnonzero(bad.any(axis=1))[0])
    cols = [columns[j] for j in np.flatnonzero(bad.any(axis=0))]
    kind = "infinite" if allow_nan else "missing or infinite"
    raise ValueError(
        f"`{name}` has {int(bad.sum())} {kind} values for {what} (first at "
        f"{labels[row]}) in columns {cols}; expected finite numbers, no NaN. "
        f"Fill the gaps, e.g. `{name}.interpolate()` or `{name}.ffill()`, and "
        f"replace infinities, e.g. `{name}.replace([np.inf, -np.inf], np.nan)`."
    )


def check_covariates(
    exog,
    index: pd.Index | None = None,
    *,
    name: str = "exog",
    what: str = "`y`",
    allow_nan: bool = False,
) -> pd.DataFrame:
    """Validate covariates and return their rows at `index` as float64 columns.

    The one covariate check of the library: forecasters, baselines, windows
    and backtests all call it, so a given mistake in ``exog`` gets one message.

    Parameters
    ----------
    exog : pandas.DataFrame or pandas.Series
        Covariates, one row per timestamp, matched by index label. Columns of
        bool, integer (nullable ``Int64``/``boolean`` too) or float dtype are
        numbers; text, category, datetime or object columns are refused.
    index : pandas.Index, optional
        The labels whose rows are needed (the timestamps of ``y``, of a window
        or of a forecast period); `exog` may hold more rows, which are
        ignored. ``None`` keeps every row of `exog`.
    name : str, default="exog"
        The argument's name as the user passed it, for messages.
    what : str, default="`y`"
        What `index` is, for messages ("the forecast period", ...).
    allow_nan : bool, default=False
        Whether NaN values are accepted. Infinite values never are.

    Returns
    -------
    pandas.DataFrame
        A new frame with the columns of `exog` as float64 (``True`` is 1.0),
        indexed by `index` (or by the index of `exog`).

    Raises
    ------
    TypeError
        If `exog` is not a DataFrame or Series, or a column is not numeric.
    ValueError
        If its index has duplicated labels, lacks labels of `index`, or the
        rows needed hold infinite values or (unless `allow_nan`) NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=3, freq="D")
    >>> exog = pd.DataFrame({"temp": [1.5, 2.0, 2.5], "holiday": [True, False, False]},
    ...                     index=idx)
    >>> check_covariates(exog, idx[1:]).to_numpy().tolist()
    [[2.0, 0.0], [2.5, 0.0]]
    """
    frame = _as_frame(exog, name)
    _check_dtypes(frame, name)
    _check_unique(frame.index, name)
    pos = _positions(frame, index, name, what)
    labels = frame.index[pos] if index is None else index
    values = np.empty((len(pos), frame.shape[1]), dtype=np.float64)
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan)
        values[:, j] = column[pos]
    _check_values(values, labels, list(frame.columns), name, what, allow_nan)
    return pd.DataFrame(values, index=labels, columns=frame.columns.copy())


def check_targets(y, n: int) -> np.ndarray:
    """``y`` as float64 ``(n,)`` or ``(n, horizon)``: the targets of ``n``
    windows. NaN (a missing target) is allowed; infinity, all-NaN targets, a
    wrong number of rows or non-numeric values raise ``ValueError``."""
    if y is None:
        raise ValueError(
            "RNNRegressor requires y to be passed, but the target y is None. "
            "Pass the targets of the windows."
        )
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "`y` must be numeric; got values that do not convert to float "
            f"(dtype {np.asarray(y).dtype}). Encode the targets as numbers."
        ) from None
    if values.ndim not in (1, 2):
        raise ValueError(
            f"`y` must be 1-D (one step) or 2-D (n_samples, horizon); got shape "
            f"{values.shape}."
        )
    if len(values) != n:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: `X` has "
            f"{n} rows, `y` has {len(values)}. Pass one target row per window."
        )
    if np.isinf(values).any():
        raise ValueError(
            "Input y contains infinity; expected finite targets (NaN marks a "
            "missing one). Replace or drop the infinite values."
        )
    if np.isnan(values).all():
        raise ValueError(
            "Input y contains NaN only: every target is missing, there is "
            "nothing to learn. Pass windows with observed targets."
        )
    return values


def check_groups(groups, n: int) -> np.ndarray | None:
    """``groups`` as an array of one non-missing label per window (the series
    each of ``n`` windows was cut from), or None; ``ValueError`` otherwise."""
    if groups is None:
        return None
    labels = np.asarray(groups)
    if labels.shape != (n,):
        raise ValueError(
            f"`groups` must hold one label per window: shape ({n},); got "
            f"{labels.shape}. Pass the series id of each row of `X`."
        )
    if pd.isna(labels).any():
        raise ValueError(
            "`groups` holds missing labels (None or NaN); every window needs the "
            "id of its series."
        )
    return labels


def count_series(codes: np.ndarray, embedding_size: int) -> int:
    """The series with a learned vector: the largest of the windows' series
    ``codes`` (their last channel) + 1; ValueError for codes that are not
    whole numbers from 0."""
    if not (np.all(codes >= 0) and np.all(codes == np.round(codes))):
        bad = codes[(codes < 0) | (codes != np.round(codes))][:3]
        raise ValueError(
            f"With `embedding_size={embedding_size}` the last channel of `X` "
            "holds each window's series code, a whole number from 0; got "
            f"{bad.tolist()}. Append the codes as the last channel, or set "
            "`embedding_size=0`."
        )
    return int(codes.max()) + 1


def check_series_codes(codes: np.ndarray, n_series: int) -> None:
    """Every series code is a learned one (0 to ``n_series - 1``) or -1 (a
    series not seen in training), or ValueError."""
    bad = (codes < -1) | (codes >= n_series) | (codes != np.round(codes))
    if bad.any():
        raise ValueError(
            f"The last channel of `X` holds series codes: 0 to {n_series - 1} "
            "for the series learnt in training, -1 for an unseen one (it reads "
            f"the mean vector); got {codes[bad][:3].tolist()}."
        )
