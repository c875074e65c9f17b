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

from collections.abc import Hashable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from .checks import check_series, describe_value, is_real_dtype
from .longform import check_column_names, covariates_from_long, from_long, long_frame

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
        f"`{name}` must be {_KINDS}; got {describe_value(y)}. Wrap the values: "
        "`pd.Series(values, index=...)` for one series, `pd.DataFrame(array, "
        "index=...)` for one column per series. A long frame (`unique_id, ds, "
        "y`) converts with `forecastrnn.panel.from_long(frame)`."
    )


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
                f"value for {key!r} is {describe_value(value)}. Wrap each series: "
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
        if label in _LONG_COLUMNS and not is_real_dtype(dtype):
            raise TypeError(
                f"`{name}` looks like a long-format frame (column {label!r} of "
                f"dtype {dtype}); expected {_KINDS}. Convert it: "
                f"`forecastrnn.panel.from_long({name})`, or pivot it: "
                f"`{name}.pivot(index='ds', columns='unique_id', values='y')`."
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
            f"`panel` must be a Panel; got {describe_value(panel)}. Build it with "
            "`forecastrnn.panel.as_panel(y)`."
        )
    if not isinstance(values, Mapping):
        raise TypeError(
            f"`values` must be a mapping {{series_id: Series or DataFrame}}; got "
            f"{describe_value(values)}."
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
                f"{describe_value(values[key])}."
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
    shared = all(part.index.equals(index) for part in parts)
    if shared and not any(frames) and len({part.dtype for part in parts}) == 1:
        wide = pd.DataFrame(
            np.column_stack([part.to_numpy() for part in parts]), index=index
        )
    else:
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
# The long layout (the reading side lives in `forecastrnn.longform`)
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
    check_column_names(id_col, time_col, target)
    panel = (
        panel_like
        if isinstance(panel_like, Panel)
        else as_panel(panel_like, name="panel_like")
    )
    return long_frame(panel.series, id_col=id_col, time_col=time_col, target=target)
