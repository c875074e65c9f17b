"""Panels of series: many series in, the same kind out.

Every forecaster, backtest and report takes its target ``y`` as one of three
kinds, and a single series is a panel of one:

- a `pandas.Series`;
- a wide `pandas.DataFrame`, one column per series on a shared index (a series
  may start later or end earlier: its leading and trailing NaN are trimmed);
- a mapping ``{series_id: pandas.Series}``, each series on its own index.

`as_panel` validates any of them into a `Panel` (the ids in the user's order,
each series a regular float64 copy) and `restore` gives results back in the
kind that came in. `to_long` and `from_long` convert to and from the long
layout of statsforecast, neuralforecast and mlforecast (one row per series
and timestamp: ``unique_id, ds, y``); `covariates_from_long` takes the other
columns of such a frame. `describe` summarises a panel, one row per series.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .checks import check_series

__all__ = [
    "SERIES_ID",
    "Panel",
    "as_panel",
    "covariates_from_long",
    "describe",
    "from_long",
    "restore",
    "to_long",
]

#: The id of a single unnamed `pandas.Series` in its panel.
SERIES_ID = "series"

_KINDS = (
    "a pandas Series, a wide pandas DataFrame (one column per series) or a "
    "mapping {series_id: pandas.Series}"
)
_LONG_COLUMNS = ("unique_id", "ds")


class Panel(NamedTuple):
    """A validated panel: its series by id, and the kind of input they came as.

    Build one with `as_panel`; give results back with `restore`.

    Attributes
    ----------
    kind : {"series", "frame", "mapping"}
        What the user passed: a Series, a wide DataFrame or a mapping, so
        results go back in the same form.
    series : dict
        ``{series_id: pandas.Series}`` in the user's order; each a float64
        copy named by its id, on a `DatetimeIndex` with ``freq`` set or a
        step-1 `RangeIndex`, one frequency for all.
    name : hashable
        For kind ``"series"`` the Series' own name (restored on output);
        otherwise None.
    """

    kind: str
    series: dict
    name: Hashable


# --------------------------------------------------------------------------
# as_panel
# --------------------------------------------------------------------------


def as_panel(y, *, name: str = "y", allow_nan: bool = True) -> Panel:
    """Validate a series, a wide frame or a mapping of series into a `Panel`.

    Parameters
    ----------
    y : pandas.Series, pandas.DataFrame, Mapping or Panel
        - A `pandas.Series`: a panel of one, whose id is ``y.name``, or
          ``"series"`` (`SERIES_ID`) when the name is None.
        - A wide `pandas.DataFrame`: one column per series (the column label
          is the id) on a shared `DatetimeIndex` or integer index. Each
          column is trimmed of its leading and trailing NaN, so a series may
          start later or end earlier; a one-column frame is a panel of one
          series of kind ``"frame"``.
        - A mapping ``{series_id: pandas.Series}``: each series on its own
          regular index, of its own length; nothing is trimmed.
        - A `Panel` (from an earlier call): its series are checked again,
          its kind kept.
    name : str, default="y"
        Name of the argument, for messages. A series of a panel is named
        ``y['id']`` in them; the series of a single Series is named ``y``.
    allow_nan : bool, default=True
        Whether NaN may remain inside a series (the forecaster masks them).
        A series with no observed value at all is always refused.

    Returns
    -------
    Panel
        ``Panel(kind, series, name)``; each series is a new float64 Series
        named by its id (see `forecastrnn.checks.check_series`). The input is
        never modified.

    Raises
    ------
    TypeError
        If `y` is none of the kinds above (a long-format frame gets a hint to
        `from_long`), or a series is not numeric.
    ValueError
        If the frame has duplicated column labels or no columns, the mapping
        is empty, a series is empty, all NaN, has an unsorted, duplicated or
        irregular index or infinite values, or (unless `allow_nan`) NaN
        inside; or if the series mix kinds of index (timestamps and
        integers, time zones) or frequencies.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=4, freq="D")
    >>> wide = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [np.nan, 5, 6, np.nan]}, idx)
    >>> panel = as_panel(wide)
    >>> panel.kind, list(panel.series), len(panel.series["b"])
    ('frame', ['a', 'b'], 2)
    >>> list(as_panel(pd.Series([1.0, 2.0])).series)
    ['series']
    """
    if isinstance(y, Panel):
        return Panel(y.kind, _validate_all(y.series, y.kind, name, allow_nan), y.name)
    if isinstance(y, pd.Series):
        key = SERIES_ID if y.name is None else y.name
        return Panel(
            "series", _validate_all({key: y}, "series", name, allow_nan), y.name
        )
    if isinstance(y, pd.DataFrame):
        return Panel("frame", _frame_series(y, name, allow_nan), None)
    if isinstance(y, Mapping):
        _check_mapping(y, name)
        return Panel("mapping", _validate_all(y, "mapping", name, allow_nan), None)
    raise TypeError(
        f"`{name}` must be {_KINDS}; got {_type_text(y)}. Wrap the values: "
        "`pd.Series(values, index=...)` for one series, `pd.DataFrame(array, "
        "index=...)` for one column per series. A long frame (`unique_id, ds, "
        "y`) converts with `forecastrnn.panel.from_long(frame)`."
    )


def _type_text(obj) -> str:
    """``"a numpy array of shape (3,)"``-style text for messages."""
    if isinstance(obj, np.ndarray):
        return f"a numpy array of shape {obj.shape}"
    return f"an object of type {type(obj).__name__}"


def _series_name(name: str, key, kind: str) -> str:
    """How a series is named in messages: ``y`` alone, or ``y['id']``."""
    return name if kind == "series" else f"{name}[{key!r}]"


def _validate_all(mapping: Mapping, kind: str, name: str, allow_nan: bool) -> dict:
    """Check each series, then that they share a kind of index and a frequency."""
    series = {}
    for key, value in mapping.items():
        label = _series_name(name, key, kind)
        checked = check_series(value, name=label, allow_nan=allow_nan)
        if checked.isna().all():
            raise ValueError(
                f"`{label}` has no observed value (all {len(checked)} are NaN); "
                "expected at least one number. Drop this series from the panel."
            )
        checked.name = key  # a new object: check_series copies
        series[key] = checked
    _check_consistent(series, name)
    return series


def _check_mapping(mapping: Mapping, name: str) -> None:
    """Raise for an empty mapping or one holding something other than pandas."""
    if len(mapping) == 0:
        raise ValueError(
            f"`{name}` is an empty mapping; expected at least one series. Pass "
            "{series_id: pandas.Series, ...}."
        )
    for key, value in mapping.items():
        if not isinstance(value, pd.Series | pd.DataFrame):
            raise TypeError(
                f"`{name}` must be {_KINDS}; got a {type(mapping).__name__} whose "
                f"value for {key!r} is {_type_text(value)}. Wrap each series: "
                "`{id: pd.Series(values, index=...) for id, values in ...}`."
            )


def _frame_series(frame: pd.DataFrame, name: str, allow_nan: bool) -> dict:
    """The columns of a wide frame as series, leading and trailing NaN trimmed."""
    if frame.shape[1] == 0:
        raise ValueError(
            f"`{name}` is a DataFrame with no columns; expected one column per "
            "series. Pass the series as columns."
        )
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise ValueError(
            f"`{name}` has duplicated column labels {duplicated}; expected one "
            f"column per series, each label once. Rename them, e.g. "
            f"`{name}.columns = [...]`, or combine them first."
        )
    _check_not_long(frame, name)
    # one check of the shared index; each trimmed slice keeps its frequency
    index = check_series(pd.Series(0.0, index=frame.index), name=name).index
    columns = {}
    for j, key in enumerate(frame.columns):
        column = frame.iloc[:, j]
        observed = column.notna().to_numpy()
        if not observed.any():
            raise ValueError(
                f"`{name}` column {key!r} is all NaN; expected at least one "
                f"observed value per series. Drop it: `{name}.drop(columns="
                f"[{key!r}])`."
            )
        first = int(np.argmax(observed))
        stop = len(observed) - int(np.argmax(observed[::-1]))
        columns[key] = column.iloc[first:stop].set_axis(index[first:stop])
    return _validate_all(columns, "frame", name, allow_nan)


def _check_not_long(frame: pd.DataFrame, name: str) -> None:
    """Raise a TypeError pointing to `from_long` for a long-format frame."""
    for label, dtype in frame.dtypes.items():
        if label in _LONG_COLUMNS and not _is_real(dtype):
            raise TypeError(
                f"`{name}` looks like a long-format frame (column {label!r} of "
                f"dtype {dtype}); expected {_KINDS}. Convert it: "
                f"`forecastrnn.panel.from_long({name})`, or pivot it: "
                f"`{name}.pivot(index='ds', columns='unique_id', values='y')`."
            )


def _is_real(dtype) -> bool:
    """Whether a dtype holds real numbers (not bool, not complex)."""
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def _index_kind(index: pd.Index) -> str:
    """``"a DatetimeIndex (time zone UTC)"``-style text for messages."""
    if isinstance(index, pd.DatetimeIndex):
        zone = "no time zone" if index.tz is None else f"time zone {index.tz}"
        return f"a DatetimeIndex ({zone})"
    return "an integer index"


def _check_consistent(series: dict, name: str) -> None:
    """Raise unless all series share one kind of index and one frequency."""
    keys = list(series)
    first = series[keys[0]].index
    for key in keys[1:]:
        index = series[key].index
        if _index_kind(index) != _index_kind(first):
            raise ValueError(
                f"`{name}` mixes kinds of index: series {keys[0]!r} has "
                f"{_index_kind(first)} and series {key!r} {_index_kind(index)}; "
                "expected one kind for the whole panel. Give every series "
                "timestamps in one time zone (`s.tz_convert('UTC')`, "
                "`s.tz_localize(None)`), or positions (`s.reset_index(drop=True)`)."
            )
        if isinstance(index, pd.DatetimeIndex) and index.freq != first.freq:
            raise ValueError(
                f"`{name}` mixes frequencies: series {keys[0]!r} has frequency "
                f"{first.freqstr!r} and series {key!r} {index.freqstr!r}; expected "
                "one frequency for the whole panel. Resample the series to one "
                f"(e.g. `series.resample({first.freqstr!r}).mean()`), or split "
                "them into one panel per frequency."
            )


# --------------------------------------------------------------------------
# restore and describe
# --------------------------------------------------------------------------


def restore(panel: Panel, values: Mapping) -> pd.Series | pd.DataFrame | dict:
    """Give per-series results back in the kind of input the panel came from.

    Parameters
    ----------
    panel : Panel
        The panel the results belong to (from `as_panel`).
    values : Mapping
        ``{series_id: result}`` for every series of `panel`: a
        `pandas.Series` (a point forecast) or a `pandas.DataFrame` (quantiles
        or intervals, several columns), indexed by that series' timestamps.

    Returns
    -------
    pandas.Series, pandas.DataFrame or dict
        - kind ``"series"``: the single result; a Series is renamed to
          ``panel.name``, a DataFrame returned as is.
        - kind ``"mapping"``: a new dict ``{series_id: result}`` in the
          panel's order.
        - kind ``"frame"``: one DataFrame on the sorted union of the results'
          indexes (NaN where a series has no value: a series that ended
          earlier is forecast at earlier timestamps). Series results become
          its columns, labelled by id in the panel's order; DataFrame results
          sit under a column MultiIndex ``(series_id, column)``.

    Raises
    ------
    TypeError
        If `panel` is not a `Panel`, `values` not a mapping, a result neither
        a Series nor a DataFrame, or (kind ``"frame"``) Series and DataFrame
        results are mixed.
    ValueError
        If `values` lacks a series of the panel or holds one it does not have.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=3, freq="D")
    >>> panel = as_panel(pd.DataFrame({"a": [1.0, 2, 3], "b": [4.0, 5, None]}, idx))
    >>> values = {
    ...     "a": pd.Series([3.5], pd.date_range("2024-01-04", periods=1)),
    ...     "b": pd.Series([5.5], pd.date_range("2024-01-03", periods=1)),
    ... }
    >>> restore(panel, values)
                  a    b
    2024-01-03  NaN  5.5
    2024-01-04  3.5  NaN
    """
    results = _results(panel, values)
    if panel.kind == "series":
        (result,) = results.values()
        if isinstance(result, pd.Series):
            result = result.copy(deep=False)
            result.name = panel.name
        return result
    if panel.kind == "mapping":
        return results
    return _wide(results)


def _results(panel: Panel, values: Mapping) -> dict:
    """The results in the panel's order, after checking ids and types."""
    if not isinstance(panel, Panel):
        raise TypeError(
            f"`panel` must be a Panel; got {_type_text(panel)}. Build it with "
            "`forecastrnn.panel.as_panel(y)`."
        )
    if not isinstance(values, Mapping):
        raise TypeError(
            f"`values` must be a mapping {{series_id: Series or DataFrame}}; got "
            f"{_type_text(values)}."
        )
    missing = [key for key in panel.series if key not in values]
    extra = [key for key in values if key not in panel.series]
    if missing or extra:
        raise ValueError(
            f"`values` must hold one result per series of the panel; missing "
            f"{missing}, unknown {extra}. Pass {{id: result}} for the ids "
            f"{list(panel.series)}."
        )
    for key in panel.series:
        if not isinstance(values[key], pd.Series | pd.DataFrame):
            raise TypeError(
                f"`values[{key!r}]` must be a pandas Series or DataFrame; got "
                f"{_type_text(values[key])}."
            )
    return {key: values[key] for key in panel.series}


def _wide(results: dict) -> pd.DataFrame:
    """Series results as columns, or DataFrame results under (id, column)."""
    parts = list(results.values())
    frames = [isinstance(part, pd.DataFrame) for part in parts]
    if any(frames) and not all(frames):
        raise TypeError(
            "`values` mixes Series and DataFrame results; expected one kind for "
            "a wide frame. Pass a Series (point forecast) for every series, or "
            "a DataFrame (quantiles) for every series."
        )
    index = _union([part.index for part in parts])
    wide = pd.concat([part.reindex(index) for part in parts], axis=1)
    if all(frames):
        labels = [(key, col) for key, part in results.items() for col in part.columns]
        wide.columns = pd.MultiIndex.from_tuples(labels, names=[None, None])
    else:
        wide.columns = pd.Index(list(results))
    return wide


def _union(indexes: list[pd.Index]) -> pd.Index:
    """The sorted union of the indexes, regular (freq or RangeIndex) if it can be."""
    first = indexes[0]
    if all(index.equals(first) for index in indexes[1:]):
        return first
    union = first.append(indexes[1:]).unique().sort_values()
    if isinstance(union, pd.DatetimeIndex) and first.freq is not None:
        try:
            return pd.DatetimeIndex(union, freq=first.freq)
        except ValueError:  # gaps between the series: no frequency
            return union
    ints = union.to_numpy()
    if (
        pd.api.types.is_integer_dtype(union.dtype)
        and len(ints)
        and np.all(np.diff(ints) == 1)
    ):
        return pd.RangeIndex(int(ints[0]), int(ints[-1]) + 1, name=union.name)
    return union


def describe(panel) -> pd.DataFrame:
    """Summarise a panel: one row per series with its span and missing count.

    Parameters
    ----------
    panel : Panel or anything `as_panel` accepts

    Returns
    -------
    pandas.DataFrame
        Indexed by series id, in the panel's order, with columns ``start``
        and ``end`` (first and last label), ``length`` (number of steps) and
        ``missing`` (NaN count).

    Examples
    --------
    >>> import pandas as pd
    >>> describe({"a": pd.Series([1.0, None, 3.0]), "b": pd.Series([2.0], [5])})
       start  end  length  missing
    a      0    2       3        1
    b      5    5       1        0
    """
    panel = panel if isinstance(panel, Panel) else as_panel(panel, name="panel")
    series = list(panel.series.values())
    return pd.DataFrame(
        {
            "start": pd.Index([s.index[0] for s in series]),
            "end": pd.Index([s.index[-1] for s in series]),
            "length": np.array([len(s) for s in series], dtype=np.int64),
            "missing": np.array([s.isna().sum() for s in series], dtype=np.int64),
        },
        index=pd.Index(list(panel.series), tupleize_cols=False),
    )


# --------------------------------------------------------------------------
# The long layout
# --------------------------------------------------------------------------


def to_long(
    panel_like, *, id_col: str = "unique_id", time_col: str = "ds", target: str = "y"
) -> pd.DataFrame:
    """Convert a panel to the long layout: one row per series and timestamp.

    The layout of statsforecast, neuralforecast and mlforecast.

    Parameters
    ----------
    panel_like : pandas.Series, pandas.DataFrame, Mapping or Panel
        Anything `as_panel` accepts, such as the wide frame or the dict of
        Series forecasts that `restore` returns.
    id_col, time_col, target : str, default "unique_id", "ds", "y"
        Names of the id, timestamp and value columns.

    Returns
    -------
    pandas.DataFrame
        Columns `id_col`, `time_col`, `target` and a fresh `RangeIndex`;
        rows ordered by series (the panel's order), then time. Missing
        values (NaN) have no row: the long layout leaves them out, and
        `from_long` with ``freq=`` puts them back.

    Raises
    ------
    TypeError, ValueError
        As `as_panel` for `panel_like`; ValueError if the three column names
        are not distinct.

    Examples
    --------
    >>> import pandas as pd
    >>> y = {"a": pd.Series([1.0, 2.0], pd.date_range("2024-01-01", periods=2)),
    ...      "b": pd.Series([3.0], pd.date_range("2024-01-02", periods=1, freq="D"))}
    >>> to_long(y)
      unique_id         ds    y
    0         a 2024-01-01  1.0
    1         a 2024-01-02  2.0
    2         b 2024-01-02  3.0
    """
    _check_names(id_col, time_col, target)
    panel = (
        panel_like
        if isinstance(panel_like, Panel)
        else as_panel(panel_like, name="panel_like")
    )
    series = list(panel.series.values())
    lengths = [len(s) for s in series]
    ids = pd.Index(list(panel.series), tupleize_cols=False).repeat(lengths)
    times = series[0].index.append([s.index for s in series[1:]])
    values = np.concatenate([s.to_numpy() for s in series])
    keep = ~np.isnan(values)
    return pd.DataFrame(
        {id_col: ids[keep], time_col: times[keep], target: values[keep]}
    )


def _check_names(id_col, time_col, *columns) -> None:
    """Raise unless the column names are distinct."""
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
    if _is_real(column.dtype):
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
            f"{id_col!r}, {time_col!r}, ...); got {_type_text(frame)}."
        )
    _check_names(id_col, time_col, *columns)
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
    if len(times) == 2:  # whole days as `Day`, as inference of more gives
        step = times[1] - times[0]
        whole_days = step % pd.Timedelta(days=1) == pd.Timedelta(0)
        offset = (
            pd.offsets.Day(step.days)
            if whole_days
            else pd.tseries.frequencies.to_offset(step)
        )
        return pd.DatetimeIndex(times, freq=offset)
    inferred = pd.DatetimeIndex(times, freq="infer")
    if inferred.freq is None:
        steps = pd.Series(times[1:] - times[:-1]).value_counts()
        seen = ", ".join(str(s) for s in steps.index[:3])
        raise ValueError(
            f"`frame` series {key!r} has irregular timestamps (spacings seen: "
            f"{seen}), so its frequency cannot be inferred. {fix}"
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
