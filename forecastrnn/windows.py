"""Series validation, future timestamps, windowing, time splits and augmentation.

pandas in at the series level, numpy out at the window level: `check_series`
validates a target where it enters the library, `make_windows` turns it into
supervised samples ``(X, Y)`` without a Python loop over windows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "LagWindowTransformer",
    "LastWindow",
    "TimeSplit",
    "Windows",
    "calendar_features",
    "chain_augmentations",
    "check_series",
    "fill_missing",
    "future_index",
    "last_window",
    "make_jitter",
    "make_magnitude_scaling",
    "make_time_warp",
    "make_window_slicing",
    "make_windows",
    "time_split",
    "time_split_indices",
]


# --------------------------------------------------------------------------
# Validation at the boundary
# --------------------------------------------------------------------------


def _describe(obj) -> str:
    """Short description of an object for error messages."""
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
            f"{_describe(y)}. Wrap the values: `pd.Series(values, index=...)`, "
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


def _check_order(index: pd.Index, name: str) -> None:
    """Raise ValueError for duplicated or non-increasing index labels."""
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise ValueError(
            f"`{name}` has {len(dup)} duplicated index labels (first: {dup[0]}); "
            "expected unique timestamps. Aggregate them first, e.g. "
            f"`{name}.groupby(level=0).mean()`."
        )
    if not index.is_monotonic_increasing:
        ints = index.asi8 if isinstance(index, pd.DatetimeIndex) else index.to_numpy()
        pos = int(np.flatnonzero(np.diff(ints) < 0)[0]) + 1
        raise ValueError(
            f"`{name}` index is not sorted in increasing order (label {index[pos]} "
            f"at position {pos} comes after {index[pos - 1]}). Sort it first: "
            f"`{name}.sort_index()`."
        )


def _regular_datetime_index(index: pd.DatetimeIndex, name: str) -> pd.DatetimeIndex:
    """Return the index with ``freq`` set, inferring it when missing."""
    if index.freq is not None:
        return index
    if len(index) == 2:
        freq = pd.tseries.frequencies.to_offset(index[1] - index[0])
        return pd.DatetimeIndex(index, freq=freq)
    inferred = pd.DatetimeIndex(index, freq="infer") if len(index) > 2 else index
    if inferred.freq is None:
        steps = pd.Series(index[1:] - index[:-1]).value_counts()
        seen = ", ".join(str(s) for s in steps.index[:3])
        raise ValueError(
            f"`{name}` has an irregular DatetimeIndex: no frequency can be inferred "
            f"from its {len(index)} timestamps (spacings seen: {seen}); expected "
            "a regular frequency. Resample it (`"
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
            "method='ffill' (optionally with a `limit`), or drop the windows "
            "that contain them with `make_windows(..., dropna=True)`."
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
    index = y.index
    if isinstance(index, pd.DatetimeIndex):
        _check_order(index, name)
        if len(index) == 1 and index.freq is None:
            raise ValueError(
                f"`{name}` has a single timestamp and no `freq`; a frequency "
                "cannot be inferred. Pass more data or set the frequency: "
                f"`{name}.index = pd.DatetimeIndex({name}.index, freq='D')`."
            )
        index = _regular_datetime_index(index, name)
    elif pd.api.types.is_integer_dtype(index.dtype):
        _check_order(index, name)
        index = _regular_integer_index(index, name)
    else:
        raise TypeError(
            f"`{name}` must have a DatetimeIndex or an integer index; got "
            f"{type(index).__name__} of dtype {index.dtype}. Convert it, e.g. "
            f"`{name}.index = pd.to_datetime({name}.index)`, or use positions: "
            f"`{name}.reset_index(drop=True)`."
        )
    _check_finite(values, index, name, allow_nan)
    return pd.Series(values, index=index, name=y.name, copy=False)


def future_index(index: pd.Index, steps: int) -> pd.Index:
    """Return the `steps` index labels that follow the end of `index`.

    Parameters
    ----------
    index : pandas.DatetimeIndex or integer pandas.Index
        A `DatetimeIndex` with ``freq`` set (hourly, daily, business day,
        `CustomBusinessDay` with holidays, ...) or an integer index.
    steps : int
        Number of future labels, at least 1.

    Returns
    -------
    pandas.DatetimeIndex or pandas.RangeIndex
        The next `steps` timestamps continuing ``index.freq`` (same time zone
        and name), or the next integers: a `RangeIndex` continues with its own
        step, any other integer index with step 1.

    Raises
    ------
    TypeError
        If `index` is neither a `DatetimeIndex` nor an integer index.
    ValueError
        If `steps` < 1, `index` is empty or a `DatetimeIndex` has no ``freq``.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-05", periods=3, freq="B")
    >>> future_index(idx, 2).strftime("%a %d").tolist()
    ['Wed 10', 'Thu 11']
    """
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer):
        raise TypeError(
            f"`steps` must be an int; got {type(steps).__name__}. Pass e.g. steps=24."
        )
    if steps < 1:
        raise ValueError(f"`steps` must be at least 1; got {steps}. Pass steps >= 1.")
    if len(index) == 0:
        raise ValueError("`index` is empty; expected at least one label to continue.")
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is None:
            raise ValueError(
                "`index` has no frequency (`index.freq` is None); expected a "
                "regular DatetimeIndex. Validate the series first with "
                "`forecastrnn.windows.check_series`, which infers it, or set one."
            )
        start = index[-1] + index.freq
        return pd.date_range(
            start, periods=int(steps), freq=index.freq, name=index.name
        )
    if pd.api.types.is_integer_dtype(index.dtype):
        step = index.step if isinstance(index, pd.RangeIndex) else 1
        last = int(index[-1])
        return pd.RangeIndex(
            last + step, last + step * (int(steps) + 1), step, name=index.name
        )
    raise TypeError(
        f"`index` must be a DatetimeIndex or an integer index; got "
        f"{type(index).__name__}. Validate the series with `check_series` first."
    )


def fill_missing(y, method: str = "interpolate", *, limit: int | None = None):
    """Fill NaN in a series or frame, opt-in, without looking further than needed.

    Parameters
    ----------
    y : pandas.Series or pandas.DataFrame
        Numeric data with a regular index (see `check_series`).
    method : {"interpolate", "ffill"}, default="interpolate"
        ``"interpolate"`` draws a straight line between the observations on
        either side of a gap (it uses the value after the gap, so never use it
        on data you will forecast from); ``"ffill"`` carries the last
        observation forward and only uses the past.
    limit : int, optional
        Fill at most this many consecutive NaN in each gap; longer gaps keep
        their remaining NaN. ``None`` fills every gap.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        A new float64 object. Leading NaN (before the first observation) stay
        NaN with either method: drop them, or let ``make_windows(...,
        dropna=True)`` skip the windows that hold them.

    Raises
    ------
    TypeError, ValueError
        For non-numeric data or a bad index (see `check_series`), an unknown
        `method` or a negative `limit`.

    Examples
    --------
    >>> import pandas as pd
    >>> fill_missing(pd.Series([1.0, None, 3.0])).tolist()
    [1.0, 2.0, 3.0]
    """
    if method not in ("interpolate", "ffill"):
        raise ValueError(
            f"`method` must be 'interpolate' or 'ffill'; got {method!r}. "
            "Pick one of the two."
        )
    if limit is not None and (isinstance(limit, bool) or int(limit) < 1):
        raise ValueError(f"`limit` must be None or an int >= 1; got {limit!r}.")
    if isinstance(y, pd.DataFrame) and y.shape[1] != 1:
        cols = {c: check_series(y[c], name=f"y[{c!r}]", allow_nan=True) for c in y}
        out = pd.DataFrame(cols)
    else:
        out = check_series(y, name="y", allow_nan=True)
    if method == "ffill":
        return out.ffill(limit=limit)
    return out.interpolate(method="linear", limit=limit, limit_area="inside")


# --------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------


class Windows(NamedTuple):
    """Supervised samples cut from a series by `make_windows`.

    Attributes
    ----------
    X : numpy.ndarray of shape (n_windows, window_size, n_channels)
        Input windows, oldest step first; channel 0 is the target, then the
        past covariates of ``exog`` in column order.
    Y : numpy.ndarray of shape (n_windows, horizon)
        The target over the horizon that follows each input window.
    origins : pandas.Index of length n_windows
        Label (timestamp or integer) of the last observation of each input
        window: the time each forecast is made.
    future : numpy.ndarray of shape (n_windows, window_size + horizon, n_future)
        Future-known covariates over the input window and the horizon, or
        ``None`` without ``future_exog``.
    n_dropped : int
        Number of windows left out because they held NaN (``dropna=True``).
    """

    X: np.ndarray
    Y: np.ndarray
    origins: pd.Index
    future: np.ndarray | None
    n_dropped: int


class LastWindow(NamedTuple):
    """The final input window of a series, to forecast from (`last_window`).

    Attributes
    ----------
    X : numpy.ndarray of shape (1, window_size, n_channels)
        The last `window_size` observations, laid out as in `Windows.X`.
    origin : label
        Timestamp or integer of the last observation: the forecast origin.
    future : numpy.ndarray of shape (1, window_size + horizon, n_future)
        Future-known covariates over the window and the horizon, or ``None``.
    """

    X: np.ndarray
    origin: object
    future: np.ndarray | None


def _check_int(value, name: str, minimum: int = 1) -> int:
    """Return `value` as an int >= `minimum`, or raise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(
            f"`{name}` must be an int; got {type(value).__name__} ({value!r}). "
            f"Pass a whole number >= {minimum}."
        )
    if value < minimum:
        raise ValueError(
            f"`{name}` must be at least {minimum}; got {value}. "
            f"Pass {name} >= {minimum}."
        )
    return int(value)


def _target(y, allow_nan: bool) -> pd.Series:
    """Validate `y` (Series or 1-D array-like) into a regular float64 Series."""
    if isinstance(y, pd.Series | pd.DataFrame):
        return check_series(y, name="y", allow_nan=allow_nan)
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"`y` must be 1-D; got an array of shape {arr.shape}. Pass one "
            "series; put other variables in `exog` or `future_exog`."
        )
    return check_series(pd.Series(arr), name="y", allow_nan=allow_nan)


def _covariate_values(x, name: str) -> tuple[np.ndarray, pd.Index | None]:
    """Return covariates as a fresh 2-D float64 array and their index, if any."""
    if isinstance(x, pd.Series):
        x = x.to_frame()
    if isinstance(x, pd.DataFrame):
        bad = [
            str(c)
            for c, dt in x.dtypes.items()
            if not pd.api.types.is_numeric_dtype(dt)
            or pd.api.types.is_complex_dtype(dt)
        ]
        if bad:
            raise TypeError(
                f"`{name}` has non-numeric columns {bad}; expected numbers only. "
                f"Encode them (e.g. `pd.get_dummies`) or drop them."
            )
        return x.to_numpy(dtype=np.float64, na_value=np.nan, copy=True), x.index
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must hold real numbers; got an array of dtype {arr.dtype}. "
            "Convert it with `.astype(float)`."
        )
    if arr.ndim not in (1, 2):
        raise ValueError(
            f"`{name}` must be 1-D or 2-D (n_samples, n_columns); got shape "
            f"{arr.shape}."
        )
    return np.array(arr, dtype=np.float64).reshape(len(arr), -1), None


def _aligned(x, name: str, labels: pd.Index, allow_nan: bool) -> np.ndarray:
    """Return the rows of covariates `x` at `labels`, checking alignment and NaN.

    A DataFrame must hold every label in `labels`; an array must have exactly
    ``len(labels)`` rows, taken in order.
    """
    values, index = _covariate_values(x, name)
    if index is None:
        if len(values) != len(labels):
            raise ValueError(
                f"`{name}` has {len(values)} rows; expected {len(labels)} (one per "
                f"step, aligned with `y`). Pass a DataFrame indexed like `y` or an "
                "array of the right length."
            )
    else:
        pos = index.get_indexer(labels) if index.is_unique else np.array([-1])
        if (pos < 0).any():
            first = labels[int(np.argmax(pos < 0))] if len(pos) == len(labels) else ""
            raise ValueError(
                f"`{name}` is not aligned with `y`: its index lacks label {first} "
                f"(or is not unique); expected {len(labels)} labels from "
                f"{labels[0]} to {labels[-1]}. Reindex it like `y`: "
                f"`{name}.reindex(y.index)`."
            )
        values = values[pos]
    nan = np.isnan(values).any(axis=1)
    if nan.any() and not allow_nan:
        raise ValueError(
            f"`{name}` has missing values (NaN) in {int(nan.sum())} rows, the first "
            f"at {labels[int(np.argmax(nan))]}; expected none. Fill them with "
            "`fill_missing`, or pass `dropna=True` to drop the affected windows."
        )
    if np.isinf(values).any():
        raise ValueError(
            f"`{name}` has infinite values; expected finite numbers. Replace them."
        )
    return values


def _windows_with_nan(nan_rows: np.ndarray, span: int, n_windows, stride):
    """Boolean mask: which windows (of `span` rows) contain a NaN row."""
    counts = np.concatenate([[0], np.cumsum(nan_rows)])
    starts = np.arange(n_windows) * stride
    return counts[starts + span] - counts[starts] > 0


def _check_length(n: int, window_size: int, horizon: int) -> None:
    """Raise when a series is too short for one window plus its horizon."""
    need = window_size + horizon
    if n < need:
        raise ValueError(
            f"`y` has {n} observations; `window_size + horizon` = {window_size} + "
            f"{horizon} needs at least {need}. Lower `window_size` or `horizon`, "
            "or pass more data."
        )


def make_windows(
    y,
    window_size: int,
    horizon: int,
    *,
    exog=None,
    future_exog=None,
    stride: int = 1,
    dropna: bool = False,
) -> Windows:
    """Cut a series into input windows and the targets that follow them.

    Window ``i`` starts at position ``i * stride``: its input covers
    ``y[i*stride : i*stride + window_size]`` and its target the next `horizon`
    values. Windows are strided views of the data, copied once; there is no
    Python loop over windows.

    Parameters
    ----------
    y : pandas.Series or array-like of shape (n_samples,)
        The target, validated with `check_series` (a regular index is
        required; an array gets positions ``0..n_samples-1``).
    window_size : int
        Number of past steps in each input window, at least 1.
    horizon : int
        Number of future target steps per window, at least 1.
    exog : pandas.DataFrame, pandas.Series or array-like, optional
        Past covariates, known only up to the forecast origin: they enter `X`
        as channels 1, 2, ... over the input window only. Indexed like `y`
        (same labels) or an array with one row per step of `y`.
    future_exog : pandas.DataFrame, pandas.Series or array-like, optional
        Future-known covariates (calendar features, holidays), known over the
        horizon too: returned in `future` over the input window and the
        horizon. A DataFrame must hold every label of `y` (it may extend
        further); an array needs one row per step of `y`.
    stride : int, default=1
        Step between the starts of consecutive windows.
    dropna : bool, default=False
        If False, NaN anywhere in `y` or the covariates raises. If True, every
        window whose input, target or future covariates hold a NaN is left out
        and counted in `n_dropped`.

    Returns
    -------
    Windows
        ``(X, Y, origins, future, n_dropped)``; see `Windows`. `X`, `Y` and
        `future` are float64 arrays that own their data.

    Raises
    ------
    TypeError
        For a non-numeric `y` or covariate, or non-integer sizes.
    ValueError
        For sizes < 1, a series shorter than ``window_size + horizon``,
        unaligned covariates, NaN (unless `dropna`), or when every window holds
        a NaN.

    Examples
    --------
    >>> import numpy as np
    >>> w = make_windows(np.arange(6.0), window_size=3, horizon=2)
    >>> w.X[:, :, 0].tolist(), w.Y.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [[3.0, 4.0], [4.0, 5.0]])
    """
    window_size = _check_int(window_size, "window_size")
    horizon = _check_int(horizon, "horizon")
    stride = _check_int(stride, "stride")
    series = _target(y, allow_nan=dropna)
    n, span = len(series), window_size + horizon
    _check_length(n, window_size, horizon)
    n_windows = (n - span) // stride + 1
    rows = slice(0, n_windows * stride, stride)
    target = series.to_numpy()
    data = target[:, None]
    if exog is not None:
        past = _aligned(exog, "exog", series.index, dropna)
        data = np.concatenate([data, past], axis=1)
    X = sliding_window_view(data, window_size, axis=0)[rows]
    X = np.ascontiguousarray(X.transpose(0, 2, 1))
    Y = np.ascontiguousarray(sliding_window_view(target[window_size:], horizon)[rows])
    future, fut = None, None
    if future_exog is not None:
        fut = _future_rows(future_exog, series.index, dropna)
        future = sliding_window_view(fut, span, axis=0)[rows]
        future = np.ascontiguousarray(future.transpose(0, 2, 1))
    origins = series.index[np.arange(n_windows) * stride + window_size - 1]
    windows = Windows(X, Y, origins, future, 0)
    return _drop_nan_windows(windows, data, fut, stride) if dropna else windows


def _drop_nan_windows(windows: Windows, data, fut, stride: int) -> Windows:
    """Leave out the windows whose input, target or future rows hold NaN."""
    n_windows, window_size, _ = windows.X.shape
    span = window_size + windows.Y.shape[1]
    bad = _windows_with_nan(np.isnan(data[:, 0]), span, n_windows, stride)
    bad |= _windows_with_nan(np.isnan(data).any(axis=1), window_size, n_windows, stride)
    if fut is not None:
        bad |= _windows_with_nan(np.isnan(fut).any(axis=1), span, n_windows, stride)
    if bad.all():
        raise ValueError(
            f"All {n_windows} windows of `y` contain NaN, so none is left with "
            "`dropna=True`. Fill the gaps with `fill_missing` or use a smaller "
            "`window_size`."
        )
    keep = ~bad
    X, Y, origins, future, _ = windows
    future = None if future is None else future[keep]
    return Windows(X[keep], Y[keep], origins[keep], future, int(bad.sum()))


def _future_rows(future_exog, index: pd.Index, allow_nan: bool) -> np.ndarray:
    """Rows of `future_exog` at `index`; an array may run past the end of `y`."""
    if isinstance(future_exog, pd.Series | pd.DataFrame):
        return _aligned(future_exog, "future_exog", index, allow_nan)
    values, _ = _covariate_values(future_exog, "future_exog")
    if len(values) < len(index):
        raise ValueError(
            f"`future_exog` has {len(values)} rows; expected at least {len(index)} "
            "(one per step of `y`). Pass an array aligned with `y`."
        )
    return _aligned(values[: len(index)], "future_exog", index, allow_nan)


def last_window(
    y,
    window_size: int,
    *,
    exog=None,
    future_exog=None,
    horizon: int | None = None,
) -> LastWindow:
    """Build the final input window of a series, to forecast what follows it.

    Parameters
    ----------
    y : pandas.Series or array-like of shape (n_samples,)
        The target, validated with `check_series`; no NaN in the last window.
    window_size : int
        Number of past steps in the window.
    exog : pandas.DataFrame, pandas.Series or array-like, optional
        Past covariates aligned with `y`, as in `make_windows`.
    future_exog : pandas.DataFrame, pandas.Series or array-like, optional
        Future-known covariates over the window and the next `horizon` steps.
        A DataFrame must hold the last `window_size` labels of `y` and the
        `horizon` labels of ``future_index(y.index, horizon)``; an array must
        have ``n_samples + horizon`` rows (history, then the future).
    horizon : int, optional
        Number of steps to forecast; required with `future_exog`.

    Returns
    -------
    LastWindow
        ``(X, origin, future)`` with `X` of shape (1, window_size, n_channels).

    Raises
    ------
    TypeError, ValueError
        As `make_windows`, plus a missing `horizon` with `future_exog`, or a
        `future_exog` that does not reach `horizon` steps past the end of `y`.

    Examples
    --------
    >>> import numpy as np
    >>> last_window(np.arange(5.0), 3).X[0, :, 0].tolist()
    [2.0, 3.0, 4.0]
    """
    window_size = _check_int(window_size, "window_size")
    series = _target(y, allow_nan=False)
    if len(series) < window_size:
        raise ValueError(
            f"`y` has {len(series)} observations; `window_size` = {window_size} "
            "needs at least as many. Lower `window_size` or pass more data."
        )
    index = series.index
    data = series.to_numpy()[-window_size:, None]
    if exog is not None:
        past = _aligned(exog, "exog", index, allow_nan=False)[-window_size:]
        data = np.concatenate([data, past], axis=1)
    future = None
    if future_exog is not None:
        if horizon is None:
            raise ValueError(
                "`horizon` is required with `future_exog`; got None. Pass the "
                "number of steps to forecast, e.g. horizon=24."
            )
        horizon = _check_int(horizon, "horizon")
        labels = index[-window_size:].append(future_index(index, horizon))
        if not isinstance(future_exog, pd.Series | pd.DataFrame):
            values, _ = _covariate_values(future_exog, "future_exog")
            if len(values) != len(index) + horizon:
                raise ValueError(
                    f"`future_exog` has {len(values)} rows; expected "
                    f"{len(index) + horizon} (the {len(index)} steps of `y`, then "
                    f"the {horizon} forecast steps). Extend it over the horizon."
                )
            future_exog = values[-(window_size + horizon) :]
        future = _aligned(future_exog, "future_exog", labels, allow_nan=False)[None]
    return LastWindow(np.ascontiguousarray(data[None]), index[-1], future)


# --------------------------------------------------------------------------
# Calendar features
# --------------------------------------------------------------------------

_CALENDAR = ("hour", "day_of_week", "day_of_year")


def _calendar_phase(index: pd.DatetimeIndex, feature: str) -> np.ndarray:
    """Position in the cycle of `feature`, as a fraction in [0, 1)."""
    if feature == "hour":
        return (index.hour + index.minute / 60.0).to_numpy() / 24.0
    if feature == "day_of_week":
        return index.day_of_week.to_numpy() / 7.0
    days = np.where(index.is_leap_year, 366.0, 365.0)
    return (index.day_of_year.to_numpy() - 1.0) / days


def calendar_features(
    index: pd.DatetimeIndex,
    features: tuple[str, ...] = _CALENDAR,
    *,
    holidays=None,
) -> pd.DataFrame:
    """Cyclical calendar covariates for a DatetimeIndex (future-known).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Timestamps, e.g. ``y.index`` or ``future_index(y.index, horizon)``.
        A time-zone-aware index gives features of its local wall-clock time.
    features : tuple of str, default=("hour", "day_of_week", "day_of_year")
        Cycles to encode, each as a ``<name>_sin``, ``<name>_cos`` pair.
    holidays : array-like of dates or AbstractHolidayCalendar, optional
        If given, adds a ``holiday`` column: 1.0 on those dates, else 0.0.

    Returns
    -------
    pandas.DataFrame of shape (len(index), 2 * len(features) [+ 1])
        float64 columns indexed by `index`.

    Notes
    -----
    For a cycle of phase :math:`p \\in [0, 1)` (hour/24, day_of_week/7,
    (day_of_year - 1)/days_in_year) the pair is :math:`\\sin 2\\pi p` and
    :math:`\\cos 2\\pi p`, so the last hour and the first are neighbours.

    Raises
    ------
    TypeError
        If `index` is not a DatetimeIndex.
    ValueError
        For an unknown feature name.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=2, freq="6h")
    >>> calendar_features(idx, ("hour",)).round(3).to_numpy().tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(
            f"`index` must be a DatetimeIndex; got {type(index).__name__}. "
            "Calendar features need timestamps: pass `y.index` of a dated series."
        )
    unknown = [f for f in features if f not in _CALENDAR]
    if unknown or isinstance(features, str):
        raise ValueError(
            f"`features` must be a tuple drawn from {_CALENDAR}; got {features!r}."
        )
    columns = {}
    for feature in features:
        angle = 2.0 * np.pi * _calendar_phase(index, feature)
        columns[f"{feature}_sin"] = np.sin(angle)
        columns[f"{feature}_cos"] = np.cos(angle)
    if holidays is not None:
        local = index.tz_localize(None) if index.tz is not None else index
        if hasattr(holidays, "holidays"):
            holidays = holidays.holidays(local.min().normalize(), local.max())
        days = pd.DatetimeIndex(holidays).normalize()
        columns["holiday"] = local.normalize().isin(days).astype(np.float64)
    return pd.DataFrame(columns, index=index, dtype=np.float64)


# --------------------------------------------------------------------------
# scikit-learn transformer
# --------------------------------------------------------------------------


class LagWindowTransformer(TransformerMixin, BaseEstimator):
    """Turn a series (rows = time steps) into lag windows, one row per step.

    Row ``t`` of the output is the flattened window ``X[t - window_size + 1 :
    t + 1]``, oldest step first, ``n_channels`` values per step: the layout
    that `RNNRegressor` expects. The output keeps one row per input row so
    that it fits in a `Pipeline`; the first ``window_size - 1`` rows have no
    full history and are padded.

    Parameters
    ----------
    window_size : int, default=24
        Number of lagged steps per row.
    padding : {"edge", "nan"}, default="edge"
        How the missing history of the first rows is filled: with the first
        row of `X` (``"edge"``) or with NaN (``"nan"``, for estimators that
        accept NaN or for dropping those rows yourself).

    Attributes
    ----------
    n_features_in_ : int
        Number of channels (columns) seen in `fit`.

    Examples
    --------
    >>> import numpy as np
    >>> LagWindowTransformer(window_size=2).fit_transform(np.arange(3.0)[:, None])
    array([[0., 0.],
           [0., 1.],
           [1., 2.]])
    """

    def __init__(self, window_size: int = 24, padding: str = "edge"):
        self.window_size = window_size
        self.padding = padding

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y=None):
        """Check the parameters and record the number of channels."""
        _check_int(self.window_size, "window_size")
        if self.padding not in ("edge", "nan"):
            raise ValueError(
                f"`padding` must be 'edge' or 'nan'; got {self.padding!r}."
            )
        validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        return self

    def transform(self, X):
        """Return lag windows of shape (n_samples, window_size * n_channels)."""
        check_is_fitted(self, "n_features_in_")
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        w = self.window_size
        fill = X[:1] if self.padding == "edge" else np.full((1, X.shape[1]), np.nan)
        padded = np.concatenate([np.repeat(fill, w - 1, axis=0), X], axis=0)
        lags = sliding_window_view(padded, w, axis=0).transpose(0, 2, 1)
        return lags.reshape(len(X), w * X.shape[1])

    def get_feature_names_out(self, input_features=None):
        """Names ``<channel>_lag<k>``, k = window_size - 1 down to 0."""
        check_is_fitted(self, "n_features_in_")
        if input_features is None:
            input_features = getattr(self, "feature_names_in_", None)
        if input_features is None:
            input_features = [f"x{i}" for i in range(self.n_features_in_)]
        lags = range(self.window_size - 1, -1, -1)
        return np.asarray(
            [f"{c}_lag{k}" for k in lags for c in input_features], dtype=object
        )


# --------------------------------------------------------------------------
# Time-ordered splits
# --------------------------------------------------------------------------


class TimeSplit(NamedTuple):
    """Consecutive train / validation / test parts, in time order.

    ``validation`` is ``None`` when no validation part was asked for.
    """

    train: object
    validation: object
    test: object


def _part_size(size, n_samples: int, name: str) -> int:
    """Turn a count or a fraction of `n_samples` into a count."""
    if isinstance(size, float) and 0.0 < size < 1.0:
        return math.ceil(size * n_samples)
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 0:
        raise ValueError(
            f"`{name}` must be an int >= 0 (a count) or a float in (0, 1) (a "
            f"fraction); got {size!r}."
        )
    return int(size)


def _bounds(n_samples: int, test_size, validation_size, gap) -> list[int]:
    """Start/stop positions: [train_stop, val_start, val_stop, test_start]."""
    n_test = _part_size(test_size, n_samples, "test_size")
    n_val = _part_size(validation_size, n_samples, "validation_size")
    gap = _check_int(gap, "gap", minimum=0)
    if n_test < 1:
        raise ValueError(f"`test_size` must give at least 1 sample; got {test_size!r}.")
    n_gaps = 2 if n_val else 1
    n_train = n_samples - n_test - n_val - n_gaps * gap
    if n_train < 1:
        raise ValueError(
            f"{n_samples} samples leave {n_train} for training after test_size="
            f"{n_test}, validation_size={n_val} and {n_gaps} gap(s) of {gap}; "
            "expected at least 1. Lower the sizes or the gap, or pass more data."
        )
    val_start = n_train + gap
    test_start = val_start + n_val + (gap if n_val else 0)
    return [n_train, val_start, val_start + n_val, test_start]


def time_split_indices(
    n_samples: int, *, test_size, validation_size=0, gap: int = 0
) -> TimeSplit:
    """Positions of consecutive train, validation and test parts; no shuffling.

    Parameters
    ----------
    n_samples : int
        Number of samples (time steps or windows), in time order.
    test_size : int or float
        The last samples: a count, or a fraction in (0, 1) (rounded up).
    validation_size : int or float, default=0
        Samples just before the test part (before its gap); 0 for none.
    gap : int, default=0
        Samples left out between consecutive parts. With windows, a gap of
        ``window_size + horizon - 1`` keeps the parts free of shared steps.

    Returns
    -------
    TimeSplit
        Integer arrays of positions ``(train, validation, test)``; every train
        position precedes every validation position, which precedes every test
        position. ``validation`` is ``None`` when `validation_size` is 0.

    Raises
    ------
    ValueError
        For negative sizes or when no training sample would remain.

    Examples
    --------
    >>> s = time_split_indices(10, test_size=2, validation_size=2, gap=1)
    >>> s.train.tolist(), s.validation.tolist(), s.test.tolist()
    ([0, 1, 2, 3], [5, 6], [8, 9])
    """
    n_samples = _check_int(n_samples, "n_samples")
    stop, v0, v1, t0 = _bounds(n_samples, test_size, validation_size, gap)
    validation = np.arange(v0, v1) if v1 > v0 else None
    return TimeSplit(np.arange(stop), validation, np.arange(t0, n_samples))


def _take(data, start: int, stop: int):
    """Rows `start:stop` of a pandas object, an array or a `Windows` tuple."""
    if isinstance(data, Windows):
        future = None if data.future is None else data.future[start:stop]
        return Windows(
            data.X[start:stop],
            data.Y[start:stop],
            data.origins[start:stop],
            future,
            data.n_dropped,
        )
    if isinstance(data, pd.Series | pd.DataFrame):
        return data.iloc[start:stop]
    return data[start:stop]


def time_split(data, *, test_size, validation_size=0, gap: int = 0) -> TimeSplit:
    """Split data into consecutive train, validation and test parts.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame, array-like or Windows
        Rows in time order (a `Windows` tuple is split window-wise, keeping
        `X`, `Y`, `origins` and `future` together).
    test_size, validation_size, gap
        As in `time_split_indices`.

    Returns
    -------
    TimeSplit
        ``(train, validation, test)``, each of the type of `data`;
        ``validation`` is ``None`` when `validation_size` is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> parts = time_split(pd.Series(range(5)), test_size=0.4)
    >>> parts.train.tolist(), parts.validation, parts.test.tolist()
    ([0, 1, 2], None, [3, 4])
    """
    n = len(data.X) if isinstance(data, Windows) else len(data)
    stop, v0, v1, t0 = _bounds(n, test_size, validation_size, gap)
    validation = _take(data, v0, v1) if v1 > v0 else None
    return TimeSplit(_take(data, 0, stop), validation, _take(data, t0, n))


# --------------------------------------------------------------------------
# Augmentation (JAX, pure functions of a key)
# --------------------------------------------------------------------------

Augmentation = Callable[[jax.Array, jax.Array, jax.Array], tuple[jax.Array, jax.Array]]


@dataclass(frozen=True)
class _Augment:
    """``fn(key, X, Y, **params)`` as a picklable object compared by value.

    Value equality matters: the training step is compiled once per augmentation
    *value*, so a cloned estimator (e.g. one per backtest fold) reuses it.
    """

    fn: Callable
    params: tuple

    def __call__(self, key, X, Y):
        return self.fn(key, X, Y, **dict(self.params))


def _jitter(key, X, Y, *, sigma):
    X = jnp.asarray(X)
    return X + sigma * jax.random.normal(key, X.shape, X.dtype), jnp.asarray(Y)


def _magnitude(key, X, Y, *, sigma):
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    factor = 1.0 + sigma * jax.random.normal(key, (X.shape[0], 1, X.shape[2]), X.dtype)
    return X * factor, Y * factor[:, 0, :1].astype(Y.dtype)


def _slicing(key, X, Y, *, min_ratio):
    X = jnp.asarray(X)
    n, w = X.shape[0], X.shape[1]
    length = jax.random.uniform(key, (n, 1), X.dtype, min_ratio, 1.0) * (w - 1)
    steps = jnp.linspace(0.0, 1.0, w, dtype=X.dtype)[None, :]
    return _resample(X, (w - 1) - length + length * steps), jnp.asarray(Y)


def _time_warp(key, X, Y, *, sigma, n_knots):
    X = jnp.asarray(X)
    n, w = X.shape[0], X.shape[1]
    knots = 1.0 + sigma * jax.random.normal(key, (n, n_knots + 2, 1), X.dtype)
    knots = jnp.maximum(knots, 0.1)
    at = jnp.linspace(0.0, n_knots + 1.0, max(w - 1, 1), dtype=X.dtype)
    speed = _resample(knots, jnp.broadcast_to(at[None, :], (n, at.shape[0])))
    zero = jnp.zeros((n, 1), X.dtype)
    warped = jnp.concatenate([zero, jnp.cumsum(speed[:, : w - 1, 0], axis=1)], 1)
    warped = warped * ((w - 1) / jnp.maximum(warped[:, -1:], 1e-12))
    return _resample(X, warped), jnp.asarray(Y)


def _chain(key, X, Y, *, augmentations):
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    keys = jax.random.split(key, len(augmentations))
    for sub, fn in zip(keys, augmentations, strict=True):
        X, Y = fn(sub, X, Y)
    return X, Y


def _check_scale(value, name: str) -> float:
    """Return a positive float parameter, or raise."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"`{name}` must be a positive number; got {value!r}.")
    return float(value)


def make_jitter(sigma: float = 0.03) -> Augmentation:
    """Return ``augment(key, X, Y) -> (X + noise, Y)``: Gaussian jitter.

    Every input value gets independent noise :math:`N(0, \\sigma^2)`; `Y` is
    unchanged. Meant for scaled data, where `sigma` is in units of the scale.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> jitter = make_jitter(0.1)
    >>> X, Y = jitter(jax.random.key(0), jnp.zeros((2, 3, 1)), jnp.ones((2, 1)))
    >>> X.shape, bool((Y == 1).all())
    ((2, 3, 1), True)
    """
    return _Augment(_jitter, (("sigma", _check_scale(sigma, "sigma")),))


def make_magnitude_scaling(sigma: float = 0.1) -> Augmentation:
    """Return ``augment(key, X, Y)`` multiplying each window by a random factor.

    Each window and channel gets one factor :math:`s \\sim N(1, \\sigma^2)`;
    the target channel's factor also scales `Y`, so the input and its target
    stay consistent.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> scale = make_magnitude_scaling()
    >>> X, Y = scale(jax.random.key(0), jnp.ones((2, 3, 1)), jnp.ones((2, 4)))
    >>> bool(jnp.allclose(X[:, :1, 0], Y[:, :1]))
    True
    """
    return _Augment(_magnitude, (("sigma", _check_scale(sigma, "sigma")),))


def _resample(X, positions):
    """Values of each window of X (n, w, c) at fractional steps `positions` (n, m).

    Linear interpolation between neighbouring steps; positions are clipped to
    ``[0, w - 1]``. Returns an array of shape (n, m, c).
    """
    w = X.shape[1]
    if w == 1:
        return jnp.broadcast_to(X, (X.shape[0], positions.shape[1], X.shape[2]))
    pos = jnp.clip(positions, 0.0, w - 1.0)
    low = jnp.clip(jnp.floor(pos).astype(jnp.int32), 0, w - 2)[:, :, None]
    frac = (pos[:, :, None] - low.astype(pos.dtype)).astype(X.dtype)
    x0 = jnp.take_along_axis(X, low, axis=1)
    x1 = jnp.take_along_axis(X, low + 1, axis=1)
    return x0 + frac * (x1 - x0)


def make_window_slicing(min_ratio: float = 0.9) -> Augmentation:
    """Return ``augment(key, X, Y)`` that stretches a random recent slice of X.

    Each window keeps its last ``L`` steps, ``L`` uniform in
    ``[min_ratio * window_size, window_size]``, linearly resampled back to
    `window_size` steps. The slice always ends at the forecast origin, so the
    target `Y` (unchanged) still follows it.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> X = jnp.arange(8.0).reshape(1, 8, 1)
    >>> Xs, _ = make_window_slicing(0.5)(jax.random.key(1), X, jnp.zeros((1, 1)))
    >>> float(Xs[0, -1, 0]), bool(Xs[0, 0, 0] >= 0)
    (7.0, True)
    """
    if not isinstance(min_ratio, int | float) or not 0.0 < min_ratio <= 1.0:
        raise ValueError(f"`min_ratio` must be in (0, 1]; got {min_ratio!r}.")
    return _Augment(_slicing, (("min_ratio", float(min_ratio)),))


def make_time_warp(sigma: float = 0.2, n_knots: int = 4) -> Augmentation:
    """Return ``augment(key, X, Y)`` that warps the time axis of X smoothly.

    A random speed curve, piecewise linear through ``n_knots + 2`` knots drawn
    from :math:`N(1, \\sigma^2)` (clipped at 0.1), is integrated into a
    monotone warped time that keeps the first and last step in place; each
    window is read (linearly interpolated) at the warped times, so stretches
    where the speed is high are compressed. `Y` is unchanged.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> X = jnp.arange(6.0).reshape(1, 6, 1)
    >>> Xw, _ = make_time_warp()(jax.random.key(0), X, jnp.zeros((1, 1)))
    >>> float(Xw[0, 0, 0]), float(Xw[0, -1, 0])
    (0.0, 5.0)
    """
    params = (("sigma", _check_scale(sigma, "sigma")),)
    return _Augment(_time_warp, (*params, ("n_knots", _check_int(n_knots, "n_knots"))))


def chain_augmentations(*augmentations: Augmentation) -> Augmentation:
    """Compose augmentations into one, each with its own split of the key.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> aug = chain_augmentations(make_jitter(0.01), make_magnitude_scaling(0.1))
    >>> aug(jax.random.key(0), jnp.ones((2, 3, 1)), jnp.ones((2, 1)))[0].shape
    (2, 3, 1)
    """
    if not augmentations or not all(callable(a) for a in augmentations):
        raise ValueError(
            "`chain_augmentations` needs one or more augmentations such as "
            f"make_jitter(); got {augmentations!r}."
        )
    return _Augment(_chain, (("augmentations", tuple(augmentations)),))


_AUGMENTATIONS = {
    "jitter": _jitter,
    "magnitude_scaling": _magnitude,
    "window_slicing": _slicing,
    "time_warp": _time_warp,
    "chain": _chain,
}


def _augmentation_config(augment) -> dict:
    """A JSON-able description of an augmentation of this module."""
    names = {fn: name for name, fn in _AUGMENTATIONS.items()}
    if not isinstance(augment, _Augment) or augment.fn not in names:
        raise TypeError(
            f"Only the augmentations of forecastrnn.windows can be saved; got "
            f"{augment!r}. Set augment=None before saving (it only affects "
            "training), or use make_jitter, make_magnitude_scaling, "
            "make_window_slicing, make_time_warp or chain_augmentations."
        )
    params = {
        k: [_augmentation_config(a) for a in v] if k == "augmentations" else v
        for k, v in augment.params
    }
    return {"augmentation": names[augment.fn], "params": params}


def _augmentation_from_config(config: dict) -> _Augment:
    """The augmentation `_augmentation_config` described (no code is run)."""
    name = config["augmentation"]
    if name not in _AUGMENTATIONS:
        raise ValueError(f"unknown augmentation {name!r} in the model file")
    params = config["params"]
    if name == "chain":
        parts = tuple(_augmentation_from_config(c) for c in params["augmentations"])
        return _Augment(_chain, (("augmentations", parts),))
    return _Augment(_AUGMENTATIONS[name], tuple(params.items()))
