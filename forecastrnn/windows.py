"""Series validation, future timestamps, windowing, time splits and augmentation.

pandas in at the series level, numpy out at the window level: `check_series`
validates a target where it enters the library, `make_windows` turns it into
supervised samples ``(X, Y)`` without a Python loop over windows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
        return pd.date_range(start, periods=int(steps), freq=index.freq, name=index.name)
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
