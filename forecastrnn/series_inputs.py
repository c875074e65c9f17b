"""A panel's series as network inputs, and the network's outputs back.

The stage between a panel (`panel`) and ``RNNForecaster``'s network: what the
forecaster keeps of each series (``SeriesState``), its covariates as
``{series_id: frame}`` split into past and future-known columns (calendar
features added), gaps filled for the network and masked out of the loss, the
windows' channels as the network reads them (forecast-period flag, static
covariates) relative to each window's reference (``window_norm``), the season
length that reference follows, and a forecast appended to a series' context.
``forecasters`` composes these functions; they hold no state of their own.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import scaling
from .calendar import auto_calendar, calendar_features, future_index
from .checks import check_covariates
from .panel import Panel

__all__ = [
    "SeriesState",
    "append_values",
    "as_frame",
    "check_context",
    "check_lengths",
    "check_same_series",
    "context_states",
    "covariate_rows",
    "epoch_sample",
    "exog_rows",
    "fill_gaps",
    "first_series",
    "first_value",
    "fit_static",
    "has_future",
    "known_state",
    "new_static_rows",
    "panel_exog",
    "pop_flat_state",
    "resolve_calendar",
    "scaled",
    "scaled_future",
    "series_state",
    "series_values",
    "split_exog",
    "static_frame",
]


class SeriesState(NamedTuple):
    """What a fitted ``RNNForecaster`` keeps of each series of its panel.

    Attributes
    ----------
    key : hashable
        The series id.
    scale, past_scale, future_scale : forecastrnn.scaling.ScaleState or None
        Scaling of the target, the past and the future-known covariates,
        fitted on that series.
    constant : bool
        The training series was constant: it is forecast as that constant.
    n_obs : int
        Observations of the training series.
    tail : pandas.Series
        Its last ``window_size`` values (gaps interpolated): the context of
        ``predict()``.
    exog_tail : pandas.DataFrame or None
        The covariates over ``tail``.
    static : numpy.ndarray or None
        Its static covariates, standardised over the training series.
    season_length : int or None
        The period of its ``window_norm="season"``: the forecaster's
        ``season_length_`` or 1 (see :func:`forecastrnn.seasons.series_season`);
        None (models saved before 0.13): ``season_length_``.
    """

    key: Hashable
    scale: scaling.ScaleState | None
    past_scale: scaling.ScaleState | None
    future_scale: scaling.ScaleState | None
    constant: bool
    n_obs: int
    tail: pd.Series | None
    exog_tail: pd.DataFrame | None
    static: np.ndarray | None = None
    season_length: int | None = None


def pop_flat_state(state: dict) -> SeriesState:
    """The ``SeriesState`` of a forecaster fitted by 0.6, which kept its one
    series' state in flat attributes (``y_tail_``, ``y_scale_``, ...).

    Parameters
    ----------
    state : dict
        The pickled forecaster's ``__dict__``; the flat attributes are popped
        from it (``__setstate__``'s own copy, replaced by ``series_``).

    Returns
    -------
    SeriesState
        Keyed by the series' name (``y_name_``).
    """
    return SeriesState(
        key=state.pop("y_name_", None),
        scale=state.pop("y_scale_", None),
        past_scale=state.pop("past_scale_", None),
        future_scale=state.pop("future_scale_", None),
        constant=state.pop("y_constant_", False),
        n_obs=state.pop("n_obs_", 0),
        tail=state.pop("y_tail_"),
        exog_tail=state.pop("exog_tail_", None),
    )


# ------------------------------------------------------------------ series
def first_series(data: Panel) -> pd.Series:
    """The first series of the panel ``data``."""
    return next(iter(data.series.values()))


def first_value(mapping: dict):
    """The first value of ``mapping`` (e.g. the first series' covariates)."""
    return next(iter(mapping.values()))


def check_lengths(data: Panel, needed: int) -> None:
    """Raise a ``ValueError`` unless every series of ``data`` has more than
    ``needed`` (``window_size + horizon``) observations: two windows."""
    for key, series in data.series.items():
        if len(series) < needed + 1:
            what = "`y`" if data.kind == "series" else f"Series {key!r} of `y`"
            raise ValueError(
                f"{what} has {len(series)} observations; "
                f"`window_size + horizon` = {needed} and at least two windows "
                f"need {needed + 1}. Lower `window_size` or `horizon`, pass "
                "more data, or leave that series out (forecast it later "
                "with `predict(last_window=...)`)."
            )


def check_context(data: Panel, window_size: int, freq) -> None:
    """Raise a ``ValueError`` unless every series of ``last_window`` (``data``)
    has ``window_size`` observations and the frequency ``freq`` of the
    training series (None: any)."""
    for key, series in data.series.items():
        if len(series) < window_size:
            raise ValueError(
                f"Series {key!r} of `last_window` has {len(series)} "
                f"observations; the model reads `window_size` = "
                f"{window_size}. Pass a longer tail."
            )
        if freq is not None and getattr(series.index, "freq", None) != freq:
            raise ValueError(
                f"Series {key!r} of `last_window` has frequency "
                f"{getattr(series.index, 'freqstr', None)!r}; the model was fit "
                f"on {freq.freqstr!r} data. Pass series of the same kind."
            )


def check_observed_tails(data: Panel, window_size: int, name: str) -> None:
    """Raise a ``ValueError`` when a series of ``data`` (the argument
    ``name``) has no observed value in its last ``window_size`` points: the
    window a forecast reads would be made of filled gaps only."""
    for key, series in data.series.items():
        if series.iloc[-window_size:].notna().any():
            continue
        what = f"`{name}`" if data.kind == "series" else f"Series {key!r} of `{name}`"
        last = series.last_valid_index()
        after = len(series) - 1 - series.index.get_loc(last)
        raise ValueError(
            f"{what} ends in {after} missing values, its last observation at "
            f"{last}; the forecast reads the last `window_size` = {window_size} "
            "points, and none of them would be observed. Cut the missing tail "
            "(`s.loc[:s.last_valid_index()]`; the columns of a wide DataFrame "
            "are trimmed so), or pass data up to the forecast origin."
        )


def fill_gaps(y: pd.Series) -> pd.Series:
    """``y`` with gaps (NaN) linearly interpolated, as the network reads it.

    Returns ``y`` itself when it has no gap.
    """
    if not y.isna().any():
        return y
    return y.interpolate(method="linear", limit_direction="both")


def known_state(data: Panel, fitted: dict, key) -> SeriesState | None:
    """The state a fitted model keeps for series ``key`` of ``data``
    (``fitted``: ``{series_id: state}``): a model of one series gives its
    own to any single series; None for a series it has not seen."""
    if data.kind == "series" and len(fitted) == 1:
        return first_value(fitted)
    return fitted.get(key)


def context_states(
    data: Panel, fitted: dict, window_size: int, unseen
) -> list[SeriesState]:
    """Each series of ``data`` as a forecast context: a state whose tail is the
    series' last ``window_size`` points, gaps filled; its fitted state
    (:func:`known_state`) or, for a series not seen in training,
    ``unseen(key, history)`` (the whole series given, gaps filled).
    """
    states = []
    for key, series in data.series.items():
        history = fill_gaps(series)
        tail = history.iloc[-window_size:]
        state = known_state(data, fitted, key) or unseen(key, history)
        states.append(state._replace(key=key, tail=tail, exog_tail=None))
    return states


def append_values(target: pd.Series, values: np.ndarray) -> pd.Series:
    """``target`` moved forward by ``values`` on its next labels, same length.

    The context of the next block of a forecast longer than the network's:
    the oldest ``len(values)`` points drop off, the forecast is appended.
    """
    labels = future_index(target.index, len(values))
    index = target.index.append(labels)[-len(target) :]
    if isinstance(index, pd.DatetimeIndex):
        index = pd.DatetimeIndex(index, freq=labels.freq)
    data = np.concatenate([target.to_numpy(), values])[-len(target) :]
    return pd.Series(data, index=index, name=target.name)


def scaled(frame, state: scaling.ScaleState | None):
    """``frame`` scaled by ``state`` (as it is when either is None)."""
    if frame is None or state is None:
        return frame
    return scaling.transform(state, frame)


def series_state(
    key,
    y: pd.Series,
    past,
    future,
    *,
    scaler: str | None,
    n_calendar: int,
    scale_lag: int = 1,
) -> SeriesState:
    """The scaling a series' windows take (fitted on that series).

    Parameters
    ----------
    key : hashable
        The series id.
    y : pandas.Series
        The series (gaps filled).
    past, future : pandas.DataFrame or None
        Its past and future-known covariates (see `split_exog`).
    scaler : {"standard", "minmax", "robust", "mase"} or None
        The scaling method (None: none). With ``"mase"`` the target takes
        MASE's scale at lag ``scale_lag`` and the covariates the
        standard one.
    n_calendar : int
        The calendar columns at the end of ``future``: they are not scaled.
    scale_lag : int, default 1
        The lag of the ``"mase"`` scale (see `seasons.scale_period`).

    Returns
    -------
    SeriesState
        Without ``tail``, ``exog_tail`` and ``static``.
    """

    def fit(values: np.ndarray):
        method = "standard" if scaler == "mase" else scaler
        return None if method is None else scaling.fit_scaler(values, method)

    user_future = None if future is None else _user_columns(future, n_calendar)
    return SeriesState(
        key=key,
        scale=(
            None
            if scaler is None
            else scaling.fit_scaler(y.to_numpy(), scaler, scale_lag)
        ),
        past_scale=None if past is None else fit(past.to_numpy()),
        future_scale=(
            None if user_future is None else fit(future[user_future].to_numpy())
        ),
        constant=bool(np.ptp(y.to_numpy()) == 0),
        n_obs=len(y),
        tail=None,
        exog_tail=None,
        static=None,
    )


def scaled_future(future, state: SeriesState, n_calendar: int):
    """The future-known covariates ``future`` with the user's columns scaled by
    ``state.future_scale`` (the last ``n_calendar`` columns, calendar
    features, as they are); ``future`` itself when there is nothing to scale.
    """
    if future is None or state.future_scale is None:
        return future
    future = future.copy()
    cols = _user_columns(future, n_calendar)
    future[cols] = scaling.transform(state.future_scale, future[cols])
    return future


def _user_columns(future: pd.DataFrame, n_calendar: int) -> list[str] | None:
    """The columns of ``future`` before its ``n_calendar`` calendar columns."""
    cols = list(future.columns)
    return cols[: len(cols) - n_calendar] or None


# -------------------------------------------------------------- covariates
def as_frame(exog, what: str = "`y`") -> pd.DataFrame:
    """``exog`` as float64 columns, every row kept (see `check_covariates`;
    ``what`` names the series it belongs to in the error message)."""
    return check_covariates(exog, allow_nan=True, what=what)


def covariate_rows(frame: pd.DataFrame, labels: pd.Index, against: str) -> pd.DataFrame:
    """The rows of ``frame`` at ``labels``, finite (see `check_covariates`);
    ``against`` names what the labels are in the error message."""
    return check_covariates(frame, labels, what=against)


def panel_exog(exog, data: Panel, *, require: bool = True) -> dict:
    """``exog`` as ``{series_id: frame}`` for the series of ``data``.

    A single series takes a frame; a panel a mapping with an entry for every
    series (``require``) and the same columns in each.

    Parameters
    ----------
    exog : pandas.DataFrame, mapping of pandas.DataFrame or None
    data : forecastrnn.panel.Panel
        The series the covariates belong to.
    require : bool, default True
        Whether every series needs covariates. With False, either every
        series or none of them (new contexts at ``predict``).

    Returns
    -------
    dict
        ``{series_id: frame}``; empty when ``exog`` is None.

    Raises
    ------
    TypeError
        A panel's ``exog`` is not a mapping.
    ValueError
        Unknown or missing series, or different columns across series.
    """
    if exog is None:
        return {}
    if data.kind == "series" and not isinstance(exog, Mapping):
        return {first_series(data).name: exog}
    if not isinstance(exog, Mapping):
        raise TypeError(
            "For a panel, `exog` must be a mapping {series_id: DataFrame} with "
            f"the covariates of each series; got {type(exog).__name__}. Build it "
            "with e.g. `forecastrnn.panel.covariates_from_long`."
        )
    keys = list(data.series)
    if data.kind == "series" and len(exog) == 1:
        exog = {keys[0]: first_value(exog)}
    unknown = [k for k in exog if k not in data.series]
    if unknown:
        raise ValueError(
            f"`exog` has covariates for series {unknown[:5]} that are not in the "
            f"panel ({keys[:5]}{'...' if len(keys) > 5 else ''}). Fix the ids."
        )
    missing = [k for k in keys if k not in exog]
    if missing and (require or len(missing) < len(keys)):
        raise ValueError(
            f"`exog` has no covariates for series {missing[:5]} (of {len(keys)}). "
            "Every series needs the same covariates: pass a frame for each."
        )
    columns = None
    for key, frame in exog.items():
        what = "`y`" if data.kind == "series" else f"series {key!r}"
        cols = list(as_frame(frame, what).columns)
        if columns is not None and cols != columns:
            raise ValueError(
                f"`exog` of series {key!r} has columns {cols}; the first series "
                f"has {columns}. Give every series the same covariates."
            )
        columns = cols
    return dict(exog)


def has_future(
    covariates: dict, past_covariates: tuple[str, ...], calendar: tuple[str, ...]
) -> bool:
    """Whether the network reads a forecast period: calendar features, or
    ``covariates`` (``{series_id: frame}``) with a column not among the
    ``past_covariates`` (future-known inputs)."""
    if calendar:
        return True
    return any(
        set(as_frame(c).columns) - set(past_covariates) for c in covariates.values()
    )


def resolve_calendar(features, index: pd.Index) -> tuple[str, ...]:
    """The calendar features named by ``calendar_features`` for ``index``.

    Parameters
    ----------
    features : "auto", bool, None or tuple of str
        ``RNNForecaster``'s ``calendar_features``.
    index : pandas.Index
        The (first) training series' index, for ``"auto"``.

    Returns
    -------
    tuple of str
    """
    if isinstance(features, str) and features == "auto":
        return auto_calendar(index)
    if features is True:
        return ("hour", "day_of_week", "day_of_year")
    if features is False or features is None:
        return ()
    if isinstance(features, str):
        raise ValueError(
            "`calendar_features` must be 'auto', True, False or a tuple of "
            f"feature names; got the string {features!r}. Write "
            f"({features!r},) for one feature."
        )
    return tuple(features)


def split_exog(
    exog,
    index: pd.Index,
    against: str,
    *,
    past_covariates: tuple[str, ...],
    calendar: tuple[str, ...],
):
    """Past and future-known covariate frames on ``index`` (calendar added).

    Parameters
    ----------
    exog : pandas.DataFrame or None
        One series' covariates, with a row for every label of ``index``.
    index : pandas.Index
        The labels the frames take (a series', or a window and its forecast
        period).
    against : str
        What ``index`` is, for error messages.
    past_covariates : tuple of str
        The columns known only up to the forecast origin.
    calendar : tuple of str
        The calendar features generated from ``index`` (future-known).

    Returns
    -------
    past, future : pandas.DataFrame or None
        The past covariates, and the other covariates followed by the
        calendar features; None where there are none.
    """
    past = future = None
    if exog is not None:
        frame = covariate_rows(as_frame(exog), index, against)
        missing = [c for c in past_covariates if c not in frame.columns]
        if missing:
            raise ValueError(
                f"`past_covariates` names {missing}, not columns of `exog` "
                f"({list(frame.columns)}). Fix the names."
            )
        past_cols = list(past_covariates)
        past = frame[past_cols] if past_cols else None
        rest = frame.drop(columns=past_cols)
        future = rest if len(rest.columns) else None
    elif past_covariates:
        raise ValueError(
            f"`past_covariates={past_covariates!r}` but no `exog` was given. "
            "Pass `exog` with those columns."
        )
    if calendar:
        if not isinstance(index, pd.DatetimeIndex):
            raise ValueError(
                "`calendar_features` needs a DatetimeIndex; `y` has an integer "
                "index. Set `calendar_features=False` or pass dated data."
            )
        cal = calendar_features(index, calendar)
        future = cal if future is None else pd.concat([future, cal], axis=1)
    return past, future


def exog_rows(
    exog,
    state: SeriesState,
    labels: pd.Index,
    new_context: bool,
    *,
    columns: list[str],
    past_covariates: tuple[str, ...],
    block: int,
    of: str = "",
):
    """Covariate rows for the window and forecast ``labels``, or None.

    Parameters
    ----------
    exog : pandas.DataFrame or None
        The covariates given to ``predict`` for the series of ``state``.
    state : SeriesState
        The series; its ``exog_tail`` covers the window unless
        ``new_context``.
    labels : pandas.Index
        The window's labels followed by the forecast period's.
    new_context : bool
        Whether the window is a ``last_window`` (then ``exog`` covers it).
    columns : list of str or None
        The covariates the model was fit with (None: none).
    past_covariates : tuple of str
    block : int
        Steps of the forecast period.
    of : str, default ""
        Which series, for error messages (e.g. ``" of series 'a'"``).

    Returns
    -------
    pandas.DataFrame or None
        ``columns`` on ``labels``.
    """
    if columns is None:
        return None
    sources = [] if exog is None else [as_frame(exog)]
    missing = [c for s in sources for c in columns if c not in s.columns]
    if missing:
        raise ValueError(
            f"`exog`{of} lacks the columns {missing} the model was fit with "
            f"({columns}). Pass all of them."
        )
    if not new_context:
        sources.append(state.exog_tail)
    if not sources:
        raise ValueError(
            f"The model was fit with covariates {columns}: pass "
            f"`exog`{of}, covering `last_window`'s last steps and the "
            "forecast period."
        )
    frame = pd.concat(sources)
    frame = frame[~frame.index.duplicated(keep="first")][columns]
    if set(columns) <= set(past_covariates):
        # past covariates only: the forecast period's rows are never read
        # (zeros, not NaN, so that the rows pass the covariate check)
        window = labels[:-block]
        return covariate_rows(frame, window, "the window").reindex(
            labels, fill_value=0.0
        )
    return covariate_rows(frame, labels, "the window and forecast period")


# ------------------------------------------------------------------ static
def static_frame(static, keys: list, name: str, columns=None) -> pd.DataFrame:
    """``static``'s rows for ``keys``, checked (numeric, finite, complete).

    Parameters
    ----------
    static : pandas.DataFrame or pandas.Series
        One row per series (index: the series ids); a Series for a single
        series.
    keys : list
        The series ids whose rows are taken, in this order.
    name : str
        The argument's name in error messages; any other than ``"static"``
        (a ``predict`` argument) must have the fitted ``columns``.
    columns : list of str, optional
        The static columns the model was fit with.

    Returns
    -------
    pandas.DataFrame
        Float columns, one row per key.
    """
    if isinstance(static, pd.Series) and len(keys) == 1:
        static = static.to_frame().T.set_axis(keys)
    if not isinstance(static, pd.DataFrame):
        raise TypeError(
            f"`{name}` must be a pandas DataFrame with one row per series "
            f"(index: the series ids); got {type(static).__name__}."
        )
    if static.index.has_duplicates:
        dup = static.index[static.index.duplicated()].unique().tolist()
        raise ValueError(f"`{name}` has duplicate rows for series {dup[:5]}.")
    missing = [k for k in keys if k not in static.index]
    if missing:
        raise ValueError(
            f"`{name}` has no row for series {missing[:5]} (of {len(keys)}). "
            "Give every series its static covariates."
        )
    if name != "static" and list(static.columns) != columns:
        raise ValueError(
            f"`{name}` has columns {list(static.columns)}; the model was fit "
            f"with {columns}. Pass the same columns."
        )
    return check_covariates(static.loc[keys], name=name.split()[0], what="the series")


def fit_static(static, keys: list, scale=None):
    """Columns, scaling (fitted unless given) and scaled rows ``{id: array}``
    of ``static`` for the series ``keys``; three None when ``static`` is None.
    """
    if static is None:
        return None, None, None
    frame = static_frame(static, keys, "static")
    if scale is None:
        scale = scaling.fit_scaler(frame.to_numpy(), "standard")
    rows = scaling.transform(scale, frame.to_numpy())
    return list(frame.columns), scale, dict(zip(frame.index, rows, strict=True))


def new_static_rows(static, keys: list, columns: list[str], scale) -> dict:
    """Scaled static rows ``{id: array}`` of series ``keys`` not seen in
    training, given to ``predict`` as ``static``.

    Parameters
    ----------
    static : pandas.DataFrame or None
        ``predict``'s ``static``.
    keys : list
        The new series' ids.
    columns : list of str or None
        The static columns the model was fit with (None: no static rows).
    scale : forecastrnn.scaling.ScaleState
        The static covariates' scaling fitted in ``fit``.

    Returns
    -------
    dict
        Empty without ``columns`` or ``keys``.
    """
    if columns is None or not keys:
        return {}
    if static is None:
        raise ValueError(
            f"The model was fit with static covariates "
            f"{columns}; `last_window` has series it has not "
            f"seen ({keys[:5]}): pass their rows as `static`."
        )
    frame = static_frame(static, keys, "static (predict)", columns)
    rows = scaling.transform(scale, frame.to_numpy())
    return dict(zip(keys, rows, strict=True))


# ----------------------------------------------------------------- windows
def epoch_sample(sizes: list[int], limit: int) -> int | None:
    """The most windows per series an epoch draws so that it holds at most
    ``limit`` windows: the largest ``k`` with ``sum(min(size, k)) <= limit``
    (at least 1), for series of ``sizes`` windows; None (every window) when
    they hold at most ``limit`` in all."""
    if sum(sizes) <= limit:
        return None
    sizes = np.sort(np.asarray(sizes))
    below = np.concatenate([[0], np.cumsum(sizes)])  # windows of the i smallest
    for i in range(len(sizes)):
        k = (limit - below[i]) // (len(sizes) - i)
        if k <= sizes[i]:
            return max(int(k), 1)
    return None


def series_values(target, past=None, future=None, static=None) -> np.ndarray:
    """A series' per-step columns as indexed windows read them (see
    :mod:`forecastrnn.indexed_windows`): the scaled target, the past
    covariates, the future-known covariates, the static covariates.

    Parameters
    ----------
    target : array-like of shape (n,)
        The scaled target (gaps filled).
    past : array-like of shape (n, n_past_covariates), optional
    future : array-like of shape (n_rows, n_future), optional
        Over the target's steps and, at prediction, the forecast period
        after them (``n_rows >= n``): the target and past covariates read
        zero there.
    static : array-like of shape (n_static,), optional
        Repeated at every step.

    Returns
    -------
    numpy.ndarray of shape (n_rows, n_columns), float64
    """
    target = np.asarray(target, np.float64).reshape(-1, 1)
    n_rows = len(target) if future is None else len(future)
    known = target if past is None else np.hstack([target, np.asarray(past, float)])
    columns = [np.vstack([known, np.zeros((n_rows - len(known), known.shape[1]))])]
    if future is not None:
        columns.append(np.asarray(future, np.float64))
    if static is not None:
        row = np.asarray(static, np.float64)
        columns.append(np.broadcast_to(row, (n_rows, len(row))))
    return np.hstack(columns)


def check_same_series(fitted: list, given: list) -> None:
    """Fine-tuning a network with a series embedding needs the series it
    learnt, in the same order (each has its row), or ValueError."""
    if fitted != given:
        raise ValueError(
            "Fine-tuning (`warm_start=True`) a network with a series embedding "
            "needs the series it was fit on, in the same order: it learnt one "
            f"vector per series. Fitted on {fitted[:5]}..., got {given[:5]}.... "
            "Pass those series, or set `warm_start=False` to train afresh."
        )
