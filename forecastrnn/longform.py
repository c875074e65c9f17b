"""The long layout of many series: one row per series and timestamp.

statsforecast, neuralforecast and mlforecast hold panels as ``unique_id, ds,
y`` rows. `from_long` reads such a frame into ``{series_id: Series}`` (ready
for `forecastrnn.panel.as_panel`), `covariates_from_long` takes its other
columns per series, and `long_frame` writes series back in that layout
(`forecastrnn.panel.to_long` validates any panel first). `check_column_names`
is the check the three share.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .checks import describe_value, infer_frequency, is_real_dtype, spacings

__all__ = ["check_column_names", "covariates_from_long", "from_long", "long_frame"]


def long_frame(
    series: Mapping,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target: str = "y",
) -> pd.DataFrame:
    """Validated series ``{id: Series}`` as long rows, missing values left out.

    See `forecastrnn.panel.to_long`, which checks any panel and calls this.

    Examples
    --------
    >>> import pandas as pd
    >>> long_frame({"a": pd.Series([1.0, None], [0, 1])})
      unique_id  ds    y
    0         a   0  1.0
    """
    check_column_names(id_col, time_col, target)
    values_list = list(series.values())
    lengths = [len(s) for s in values_list]
    ids = pd.Index(list(series), tupleize_cols=False).repeat(lengths)
    times = values_list[0].index.append([s.index for s in values_list[1:]])
    values = np.concatenate([s.to_numpy() for s in values_list])
    keep = ~np.isnan(values)
    return pd.DataFrame(
        {id_col: ids[keep], time_col: times[keep], target: values[keep]}
    )


def check_column_names(id_col, time_col, *columns) -> None:
    """Raise ``ValueError`` unless the column names are distinct."""
    names = [id_col, time_col, *columns]
    if len(set(names)) < len(names):
        raise ValueError(
            f"`id_col`, `time_col` and the value columns must be distinct; got "
            f"{names}. Pass different names."
        )


def from_long(
    frame: pd.DataFrame,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target: str = "y",
    freq=None,
) -> dict:
    """Split a long frame (one row per series and timestamp) into series.

    Parameters
    ----------
    frame : pandas.DataFrame
        The long layout of statsforecast, neuralforecast and mlforecast.
        Other columns (covariates) are ignored here; see
        `covariates_from_long`.
    id_col : str, default="unique_id"
        The column of series ids (no NaN).
    time_col : str, default="ds"
        The column of timestamps: datetimes, datetime strings (parsed with
        `pandas.to_datetime`) or integers (an integer index).
    target : str, default="y"
        The column of values (numbers; NaN marks a missing value).
    freq : str, pandas.DateOffset or int, optional
        None infers each series' frequency from its timestamps, which must
        then be regular. Given, each series is put on a regular grid of that
        frequency from its first to its last timestamp, missing points NaN
        (with integer timestamps, ``freq=1`` fills the gaps).

    Returns
    -------
    dict
        ``{series_id: pandas.Series}`` with ids in order of first appearance,
        each a float64 Series sorted by time on a `DatetimeIndex` with
        ``freq`` set (or a `RangeIndex`) named `time_col`, the Series named
        `target`; ready for `as_panel`.

    Raises
    ------
    TypeError
        If `frame` is not a DataFrame, or `target` holds non-numbers.
    ValueError
        If a column is missing, an id or timestamp is missing or unparseable,
        a (series, timestamp) pair repeats, or a series' frequency cannot be
        inferred (pass `freq`) or its timestamps are off the grid of `freq`.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"unique_id": ["a", "a", "a", "b", "b"],
    ...                      "ds": ["2024-01-01", "2024-01-02", "2024-01-03",
    ...                             "2024-01-01", "2024-01-03"],
    ...                      "y": [1.0, 2, 3, 4, 5]})
    >>> series = from_long(long, freq="D")
    >>> series["b"]
    ds
    2024-01-01    4.0
    2024-01-02    NaN
    2024-01-03    5.0
    Freq: D, Name: y, dtype: float64
    """
    layout = _long_layout(frame, id_col, time_col, [target], freq)
    values = _target_values(frame, target, layout)
    out = {}
    for key, rows, index, where in layout:
        if where is None:
            series_values = values[rows]
        else:
            series_values = np.full(len(index), np.nan)
            series_values[where] = values[rows]
        out[key] = pd.Series(series_values, index=index, name=target, copy=False)
    return out


def covariates_from_long(
    frame: pd.DataFrame,
    columns,
    *,
    id_col: str = "unique_id",
    time_col: str = "ds",
    freq=None,
) -> dict:
    """Split the covariate columns of a long frame into one frame per series.

    Parameters
    ----------
    frame : pandas.DataFrame
        The long layout, as for `from_long`.
    columns : str or list of str
        The covariate columns to take.
    id_col, time_col, freq
        As for `from_long`; pass the same values, so that each covariate
        frame has the timestamps of its series.

    Returns
    -------
    dict
        ``{series_id: pandas.DataFrame}`` with ids in order of first
        appearance; each frame holds `columns` (their dtypes kept, except
        that grid points `freq` adds are NaN) on the index `from_long` gives
        that series.

    Raises
    ------
    TypeError, ValueError
        As `from_long`.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [0, 1, 0],
    ...                      "y": [1.0, 2.0, 3.0], "price": [9.5, 9.0, 4.0]})
    >>> covariates_from_long(long, "price")["a"].reset_index()
       ds  price
    0   0    9.5
    1   1    9.0
    """
    columns = [columns] if isinstance(columns, str) else list(columns)
    if not columns:
        raise ValueError("`columns` is empty; expected at least one covariate column.")
    layout = _long_layout(frame, id_col, time_col, columns, freq)
    out = {}
    for key, rows, index, where in layout:
        part = frame[columns].iloc[rows]
        part = part.set_axis(index if where is None else index[where])
        out[key] = part if where is None else part.reindex(index)
    return out


def _long_layout(frame, id_col, time_col, columns, freq) -> list[tuple]:
    """``(id, row positions sorted by time, regular index, grid positions)``."""
    _check_long_frame(frame, id_col, time_col, columns)
    codes, ids = _series_codes(frame, id_col)
    times = _parse_times(frame[time_col], time_col)
    keys = times.asi8 if isinstance(times, pd.DatetimeIndex) else times.to_numpy()
    order = np.lexsort((keys, codes))
    _check_no_duplicates(codes[order], keys[order], times[order], ids, id_col)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(ids)))])
    offset = _check_freq(freq, times)
    layout = []
    for i, key in enumerate(ids):
        rows = order[indptr[i] : indptr[i + 1]]
        index, where = _grid(times[rows], key, offset, time_col)
        layout.append((key, rows, index, where))
    return layout


def _target_values(frame: pd.DataFrame, target, layout: list) -> np.ndarray:
    """The target column as float64, or a TypeError naming a series."""
    column = frame[target]
    if is_real_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    with warnings.catch_warnings():  # only locating the bad value
        warnings.simplefilter("ignore")
        numbers = pd.to_numeric(column, errors="coerce")
    bad = (numbers.isna() & column.notna()).to_numpy()
    if not bad.any():  # bool, or numbers stored as objects
        raise TypeError(
            f"`frame` column {target!r} has dtype {column.dtype}; expected real "
            f"numbers. Convert it: `frame[{target!r}] = "
            f"frame[{target!r}].astype(float)`."
        )
    row = int(np.argmax(bad))
    key = next(key for key, rows, _, _ in layout if row in rows)
    raise TypeError(
        f"`frame` column {target!r} has values that are not numbers (first: "
        f"{column.iloc[row]!r} of series {key!r}, row {frame.index[row]!r}); "
        f"expected real numbers. Convert it: `frame[{target!r}] = "
        f"pd.to_numeric(frame[{target!r}], errors='coerce')` (what does not "
        "parse becomes NaN)."
    )


def _check_long_frame(frame, id_col, time_col, columns) -> None:
    """Raise unless `frame` is a DataFrame holding each needed column once."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"`frame` must be a pandas DataFrame in the long layout (columns "
            f"{id_col!r}, {time_col!r}, ...); got {describe_value(frame)}."
        )
    check_column_names(id_col, time_col, *columns)
    needed = [id_col, time_col, *columns]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"`frame` has no column {', '.join(repr(c) for c in missing)}; columns "
            f"present: {list(frame.columns)}. Name the columns to use with "
            "`id_col=`, `time_col=` and `target=` (or `columns=`), or rename them: "
            f"`frame.rename(columns={{...}})`."
        )
    repeated = [c for c in needed if int((frame.columns == c).sum()) > 1]
    if repeated:
        raise ValueError(
            f"`frame` has more than one column named {repeated}; expected each "
            "once. Rename or drop the copies."
        )


def _series_codes(frame: pd.DataFrame, id_col) -> tuple[np.ndarray, list]:
    """Integer codes per row and the ids in order of first appearance."""
    column = frame[id_col]
    missing = column.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"`frame` column {id_col!r} has {int(missing.sum())} missing ids "
            f"(first in row {frame.index[int(np.argmax(missing))]!r}); expected "
            f"an id on every row. Drop or fill them, e.g. "
            f"`frame.dropna(subset=[{id_col!r}])`."
        )
    codes, ids = pd.factorize(column, sort=False)
    return codes, list(ids)


def _parse_times(column: pd.Series, time_col) -> pd.Index:
    """The timestamps as a DatetimeIndex, or whole numbers as an int64 Index."""
    missing = column.isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"`frame` column {time_col!r} has {int(missing.sum())} missing "
            f"timestamps (first in row {column.index[int(np.argmax(missing))]!r}); "
            "expected one on every row. Drop those rows or fill them."
        )
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pd.DatetimeIndex(column)
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
        raise TypeError(
            f"`frame` column {time_col!r} has dtype {dtype}; expected datetimes, "
            "datetime strings or integers."
        )
    if pd.api.types.is_numeric_dtype(dtype):
        numbers = column.to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        if not whole.all():
            raise ValueError(
                f"`frame` column {time_col!r} holds numbers that are not whole "
                f"(first: {float(numbers[int(np.argmin(whole))])!r}); expected "
                "datetimes, datetime strings or integer steps. Convert it, e.g. "
                f"`pd.to_datetime(frame[{time_col!r}], unit='s')`."
            )
        return pd.Index(numbers.astype(np.int64))
    return _parse_datetimes(column, time_col)


def _parse_datetimes(column: pd.Series, time_col) -> pd.DatetimeIndex:
    """Datetime strings (or objects) parsed by `pandas.to_datetime`, or raise."""
    try:
        return pd.DatetimeIndex(pd.to_datetime(column))
    except (ValueError, TypeError, OverflowError) as error:
        reason = error
    with warnings.catch_warnings():  # only locating the bad value
        warnings.simplefilter("ignore")
        try:
            bad = pd.to_datetime(column, errors="coerce").isna().to_numpy()
        except (ValueError, TypeError, OverflowError):
            bad = np.zeros(len(column), dtype=bool)
    where = (
        f" (first: {column.iloc[int(np.argmax(bad))]!r} in row "
        f"{column.index[int(np.argmax(bad))]!r})"
        if bad.any()
        else ""
    )
    raise ValueError(
        f"`frame` column {time_col!r} has values that are not timestamps"
        f"{where}: {reason}. Expected datetimes, datetime strings or integers. "
        f"Fix or drop those rows, or parse the column yourself: "
        f"`frame[{time_col!r}] = pd.to_datetime(frame[{time_col!r}], format=...)`."
    ) from None


def _check_no_duplicates(codes, keys, times, ids, id_col) -> None:
    """Raise for a repeated (series, timestamp) pair, rows sorted by both."""
    same = (codes[1:] == codes[:-1]) & (keys[1:] == keys[:-1])
    if same.any():
        pos = int(np.argmax(same))
        raise ValueError(
            f"`frame` has {int(same.sum())} repeated (series, timestamp) rows "
            f"(first: series {ids[codes[pos]]!r} at {times[pos]}); expected one "
            "row per series and timestamp. Aggregate them first, e.g. "
            f"`frame.groupby([{id_col!r}, 'ds'], as_index=False).mean()`."
        )


def _check_freq(freq, times: pd.Index):
    """`freq` as an offset for timestamps, or 1 for integer steps; None stays."""
    if freq is None:
        return None
    if not isinstance(times, pd.DatetimeIndex):
        if isinstance(freq, bool) or freq != 1:
            raise ValueError(
                f"`freq` must be None or 1 for integer timestamps; got {freq!r}. "
                "Pass freq=1 to fill the missing steps with NaN."
            )
        return 1
    try:
        return pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError):
        raise ValueError(
            f"`freq` must be a pandas frequency such as 'h', 'D' or "
            f"`pd.offsets.BDay()`; got {freq!r}."
        ) from None


def _grid(times: pd.Index, key, offset, time_col) -> tuple[pd.Index, Any]:
    """A regular index for one series' sorted timestamps, and their positions.

    The positions are None when the timestamps are the whole grid.
    """
    if not isinstance(times, pd.DatetimeIndex):
        return _integer_grid(times.to_numpy(), key, offset, time_col)
    if offset is None:
        return _inferred(times, key).rename(time_col), None
    grid = pd.date_range(times[0], times[-1], freq=offset, name=time_col)
    grid = grid.as_unit(times.unit)
    where = grid.get_indexer(times)
    if (where < 0).any():
        raise ValueError(
            f"`frame` series {key!r} has timestamps off the grid of `freq` "
            f"{offset.freqstr!r} (first: {times[int(np.argmax(where < 0))]}); "
            "expected each on that grid. Pass the frequency of the data, or "
            "resample the data to this one first."
        )
    return grid, None if len(grid) == len(times) else where


def _inferred(times: pd.DatetimeIndex, key) -> pd.DatetimeIndex:
    """The timestamps with their inferred frequency set, or a ValueError."""
    fix = (
        "Pass `freq=` (e.g. freq='h'): each series is then put on a regular grid "
        "of that frequency, the missing points NaN."
    )
    if len(times) == 1:
        raise ValueError(
            f"`frame` series {key!r} has a single timestamp, so its frequency "
            f"cannot be inferred. {fix}"
        )
    inferred = infer_frequency(times)
    if inferred is None:
        raise ValueError(
            f"`frame` series {key!r} has irregular timestamps (spacings seen: "
            f"{spacings(times)}), so its frequency cannot be inferred. {fix}"
        )
    return inferred


def _integer_grid(steps: np.ndarray, key, offset, time_col) -> tuple[pd.Index, Any]:
    """A step-1 RangeIndex over integer timestamps, and their positions."""
    grid = pd.RangeIndex(int(steps[0]), int(steps[-1]) + 1, name=time_col)
    if len(grid) == len(steps):
        return grid, None
    if offset is None:
        gaps = sorted(set(np.diff(steps).tolist()) - {1})[:3]
        raise ValueError(
            f"`frame` series {key!r} has integer timestamps that are not "
            f"consecutive (gaps of {gaps}); expected steps of 1. Pass `freq=1` "
            "to fill the missing steps with NaN."
        )
    return grid, steps - steps[0]
