"""Rolling-origin backtests, model comparison and conformal intervals.

A backtest cuts a series into folds. Fold ``i`` trains on ``y[train_start:train_stop]``
and forecasts the next ``horizon`` points ``y[train_stop:train_stop + horizon]``; its
*origin* is the last training timestamp, the moment the forecast is made. Nothing
after the origin reaches ``fit`` or ``predict``, so every fitted state (a scaler, the
network weights) sees past data only.

Folds run in groups: a group is a fold that refits plus the following folds that
reuse its fitted model through ``predict(last_window=...)``. Groups are independent
tasks for :class:`joblib.Parallel`, so they run on local processes or, unchanged, on
a Dask cluster through ``joblib.parallel_config(backend="dask")``, which is
chosen by itself while a :class:`distributed.Client` is active.

Panels (a wide DataFrame or a mapping ``{series_id: Series}``, see
:func:`forecastrnn.panel.as_panel`) are backtested series by series on folds
aligned by the series' ends: fold ``k`` of every series has its origin at the
same distance from that series' last observation. A *global* forecaster (see
:func:`is_global`) is fit once per refit on every series' training part and
forecasts every series in one call; any other forecaster is cloned and fit
on each series alone, each (series, refit group) one parallel task.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone

from forecastrnn import metrics
from forecastrnn.checks import (
    check_covariates,
    check_int,
    check_probability,
    check_series,
)
from forecastrnn.naive import Naive2
from forecastrnn.panel import SERIES_ID, as_panel
from forecastrnn.progress import progress_bar

__all__ = [
    "BacktestResult",
    "Comparison",
    "Fold",
    "backtest",
    "compare",
    "conformal_interval",
    "is_global",
    "make_folds",
]

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
    return _layout(n_obs, horizon, n_folds, initial, step, window, "`y`")


def _layout(n_obs, horizon, n_folds, initial, step, window, what) -> list[Fold]:
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


def _refit_every(refit: bool | int, n_folds: int) -> int:
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


def _groups(folds: list[Fold], every: int) -> list[list[tuple[int, Fold]]]:
    """Split numbered folds into refit groups of ``every`` consecutive folds."""
    numbered = list(enumerate(folds))
    return [numbered[i : i + every] for i in range(0, len(numbered), every)]


# ---------------------------------------------------------------------- validation


def _check_y(y: Any) -> pd.Series:
    """Validate ``y``: numeric Series, regular DatetimeIndex, no NaN."""
    y = check_series(y, name="y")
    if not isinstance(y.index, pd.DatetimeIndex):
        raise TypeError(
            "`y` must be indexed by a regular DatetimeIndex to backtest; got "
            f"{type(y.index).__name__}. Index the series by its timestamps."
        )
    return y


def _plan(y, exog, horizon, n_folds, initial, step, window, m):
    """Validate the inputs and return ``(y, exog, folds)``."""
    y = _check_y(y)
    # the rows of ``y``, float64, so that folds slice both by position; NaN
    # are left to the forecasters, which may fill them
    exog = None if exog is None else check_covariates(exog, y.index, allow_nan=True)
    m = check_int(m, "m")
    folds = make_folds(
        len(y), horizon, n_folds=n_folds, initial=initial, step=step, window=window
    )
    n_train = folds[0].train_stop - folds[0].train_start
    if n_train <= m:
        raise ValueError(
            f"`m`={m} needs more than {m} training points in every fold for the "
            f"MASE scale; the first fold has {n_train}, so `y` needs "
            f"{len(y) + m + 1 - n_train} observations. Pass a longer series, a "
            "larger `initial`, or fewer folds."
        )
    return y, exog, folds


# ------------------------------------------------------------------------- running


def _forecast_values(pred: Any, expected: pd.Index, what: str) -> np.ndarray:
    """Check a forecaster's output covers the ``expected`` timestamps."""
    kind = type(pred).__name__
    if isinstance(pred, pd.Series):
        pred = pred.to_frame()
    if not isinstance(pred, pd.DataFrame) or not pred.index.equals(expected):
        index = getattr(pred, "index", None)
        raise ValueError(
            f"The forecaster's `{what}` returned {kind} indexed by "
            f"{list(index) if index is not None else None}; expected the "
            f"{len(expected)} timestamps {expected[0]} .. {expected[-1]}."
        )
    values = pred.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ValueError(
            f"The forecaster's `{what}` returned non-finite values (NaN or inf) "
            f"for {expected[0]} .. {expected[-1]}; expected finite forecasts."
        )
    return values


def _run_group(forecaster, y, exog, group, horizon, coverage):
    """Fit one model at the group's first fold and forecast every fold of it."""
    model = clone(forecaster)
    first = group[0][1]
    train = slice(first.train_start, first.train_stop)
    fit_kwargs = {} if exog is None else {"exog": exog.iloc[train]}
    start = time.perf_counter()
    model.fit(y.iloc[train], **fit_kwargs)
    fit_seconds = time.perf_counter() - start
    history = getattr(model, "history_", None)
    outputs = []
    for i, (_, fold) in enumerate(group):
        stop = fold.train_stop
        # a reused model gets the context as `last_window`, and exog rows for
        # it as well as for the horizon (forecasters match exog by label)
        context = slice(stop if i == 0 else fold.train_start, stop)
        kwargs = {"steps": horizon}
        if exog is not None:
            kwargs["exog"] = exog.iloc[context.start : stop + horizon]
        if i > 0:
            kwargs["last_window"] = y.iloc[context]
        expected = y.index[stop : stop + horizon]
        start = time.perf_counter()
        y_pred = _forecast_values(model.predict(**kwargs), expected, "predict")[:, 0]
        interval = None
        if coverage is not None and hasattr(model, "predict_interval"):
            frame = model.predict_interval(coverage=coverage, **kwargs)
            _forecast_values(frame, expected, "predict_interval")
            interval = frame[["lower", "upper"]].to_numpy(dtype=float)
        outputs.append(
            {
                "refit": i == 0,
                "model_fold": first,
                "fit_seconds": fit_seconds if i == 0 else 0.0,
                "predict_seconds": time.perf_counter() - start,
                "y_pred": y_pred,
                "interval": interval,
                "history": history if i == 0 else None,
            }
        )
    return outputs


def _active_client():
    """The active :class:`distributed.Client`, or None.

    Without ``distributed`` imported no client can exist, so it is not
    imported here (it is an optional, slow import).
    """
    module = sys.modules.get("distributed")
    if module is None:
        return None
    try:
        return module.get_client()
    except ValueError:  # "No global client found"
        return None


def _backend(n_jobs):
    """joblib's dask backend while a Client is active, else the active config."""
    if _active_client() is None:
        return contextlib.nullcontext()
    return joblib.parallel_config(
        backend="dask", n_jobs=-1 if n_jobs is None else n_jobs
    )


def _run(tasks, n_jobs, verbose):
    """Run ``(function, args)`` tasks via joblib, results in the tasks' order.

    With ``verbose`` a progress bar counts finished tasks (fits).
    """
    results = []
    with (
        _backend(n_jobs),
        progress_bar(len(tasks), "backtest", unit="fit", disable=not verbose) as bar,
    ):
        parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
        calls = (joblib.delayed(function)(*args) for function, args in tasks)
        for result in parallel(calls):
            results.append(result)
            bar.update(1)
    return results


# ------------------------------------------------------------------------- scoring


def _mase_scale(y_train: np.ndarray, m: int) -> float:
    """In-sample MAE of the seasonal naive forecast with period ``m``."""
    return float(metrics.mae(y_train[m:], y_train[:-m]))


def _pooled_mase(y_true, y_pred, scale) -> float:
    """Mean of ``|error| / scale``, each error scaled by its own fold's scale."""
    error = np.abs(y_true - y_pred)
    # the rule of `metrics.mase` for a zero scale: 0 / 0 = 0, x / 0 = inf
    scaled = np.where(error > 0, np.inf, 0.0)
    np.divide(error, scale, out=scaled, where=scale > 0)
    return float(np.mean(scaled))


def _score(frame: pd.DataFrame) -> dict[str, float]:
    """Point (and interval) metrics of forecast rows with a ``mase_scale`` column."""
    y_true = frame["y_true"].to_numpy()
    y_pred = frame["y_pred"].to_numpy()
    scores = {name: metric(y_true, y_pred) for name, metric in metrics.METRICS.items()}
    scores["mase"] = _pooled_mase(y_true, y_pred, frame["mase_scale"].to_numpy())
    if "lower" in frame:
        lower, upper = frame["lower"].to_numpy(), frame["upper"].to_numpy()
        scores["coverage"] = metrics.coverage(y_true, lower, upper)
        scores["width"] = metrics.interval_width(lower, upper)
    return scores


def _fold_rows(y, number, fold, out, horizon, m):
    """The forecast rows and the summary row (with metrics) of one fold."""
    index, values, stop = y.index, y.to_numpy(), fold.train_stop
    forecast = {
        "fold": number,
        "origin": index[stop - 1],
        "timestamp": index[stop : stop + horizon],
        "step": np.arange(1, horizon + 1),
        "y_true": values[stop : stop + horizon],
        "y_pred": out["y_pred"],
    }
    if out["interval"] is not None:
        forecast["lower"], forecast["upper"] = out["interval"].T
    trained = out["model_fold"]
    row = {
        "fold": number,
        "origin": index[stop - 1],
        "train_start": index[trained.train_start],
        "train_end": index[trained.train_stop - 1],
        "n_train": trained.train_stop - trained.train_start,
        "refit": out["refit"],
        "fit_seconds": out["fit_seconds"],
        "predict_seconds": out["predict_seconds"],
    }
    frame = pd.DataFrame(forecast)
    scale = _mase_scale(values[fold.train_start : stop], m)
    scores = _score(frame.assign(mase_scale=scale))
    return frame, row | scores | {"mase_scale": scale}


def _assemble(y, groups, outputs, horizon, m, window) -> BacktestResult:
    """Turn the groups' raw outputs into a :class:`BacktestResult`."""
    frames, rows, histories = [], [], {}
    for group, group_outputs in zip(groups, outputs, strict=True):
        for (number, fold), out in zip(group, group_outputs, strict=True):
            frame, row = _fold_rows(y, number, fold, out, horizon, m)
            frames.append(frame)
            rows.append(row)
            if out["history"] is not None:
                histories[number] = out["history"]
    forecasts = pd.concat(frames, ignore_index=True)
    folds = pd.DataFrame(rows)
    scale = folds.set_index("fold")["mase_scale"]
    scaled = forecasts.assign(mase_scale=forecasts["fold"].map(scale))
    by_step = pd.DataFrame(
        [{"step": s, "n": len(f), **_score(f)} for s, f in scaled.groupby("step")]
    )
    return BacktestResult(forecasts, folds, by_step, histories, window)


# -------------------------------------------------------------------------- panels


#: Forecaster classes that fit one model on a whole panel (see `is_global`).
def is_global(forecaster: Any) -> bool:
    """Whether a backtest fits ``forecaster`` once on all series of a panel.

    A *global* forecaster's ``fit`` takes a whole panel (a mapping
    ``{series_id: Series}``) and its ``predict`` answers a mapping of
    forecasts; any other forecaster is cloned and fit on each series alone.

    Parameters
    ----------
    forecaster : estimator

    Returns
    -------
    bool
        The forecaster's ``global_model`` attribute: a class declares
        ``global_model = True`` to be fit on panels, as
        :class:`~forecastrnn.RNNForecaster` does.

    Examples
    --------
    >>> from forecastrnn import RNNForecaster
    >>> from forecastrnn.baselines import Naive
    >>> is_global(RNNForecaster()), is_global(Naive())
    (True, False)
    """
    return bool(getattr(forecaster, "global_model", False))


class _Panel(NamedTuple):
    """A validated panel to backtest: series, covariates and folds, by id."""

    series: dict
    exog: dict | None
    folds: dict


def _panel_series(y: Any) -> dict:
    """``y`` as ``{id: Series}``: numeric, DatetimeIndex, no NaN inside."""
    series = as_panel(y, name="y", allow_nan=False).series
    for key, values in series.items():
        if not isinstance(values.index, pd.DatetimeIndex):
            raise TypeError(
                f"Series {key!r} of `y` must be indexed by a regular DatetimeIndex "
                f"to backtest; got {type(values.index).__name__}. Index every "
                "series by its timestamps."
            )
    return series


def _panel_exog(exog: Any, series: dict) -> dict | None:
    """``exog`` as ``{id: float frame on that series' index}``, or None."""
    if exog is None:
        return None
    if not isinstance(exog, Mapping):
        raise TypeError(
            "For a panel, `exog` must be a mapping {series_id: DataFrame} with the "
            f"covariates of each series; got {type(exog).__name__}. Build it with "
            "e.g. `forecastrnn.panel.covariates_from_long`."
        )
    missing = [key for key in series if key not in exog]
    unknown = [key for key in exog if key not in series]
    if missing or unknown:
        raise ValueError(
            f"`exog` must hold the covariates of every series of `y` and no "
            f"other; missing {missing[:5]}, unknown {unknown[:5]}. Pass "
            f"{{id: DataFrame}} for the ids {list(series)[:5]}."
        )
    return {
        key: check_covariates(
            exog[key],
            values.index,
            name=f"exog[{key!r}]",
            what=f"`y[{key!r}]`",
            allow_nan=True,
        )
        for key, values in series.items()
    }


def _plan_panel(y, exog, horizon, n_folds, initial, step, window, m) -> _Panel:
    """Validate a panel and place its folds, aligned by the series' ends."""
    series = _panel_series(y)
    exog = _panel_exog(exog, series)
    m = check_int(m, "m")
    lengths = {key: len(values) for key, values in series.items()}
    shortest = min(lengths, key=lengths.get)
    what = f"Series {shortest!r} of `y`" + (
        ", the shortest of the panel," if len(series) > 1 else ""
    )
    layout = _layout(lengths[shortest], horizon, n_folds, initial, step, window, what)
    folds = {}
    for key, n_obs in lengths.items():
        shift = n_obs - lengths[shortest]
        folds[key] = [
            Fold(
                f.train_start + shift if window == "sliding" else 0,
                f.train_stop + shift,
            )
            for f in layout
        ]
        n_train = folds[key][0].train_stop - folds[key][0].train_start
        if n_train <= m:
            raise ValueError(
                f"`m`={m} needs more than {m} training points in every fold for the "
                f"MASE scale; the first fold of series {key!r} has {n_train}. Pass "
                "longer series, a larger `initial`, or fewer folds."
            )
    return _Panel(series, exog, folds)


def _panel_values(pred: Any, expected: dict, what: str) -> dict:
    """Check a global forecaster's mapping of forecasts, one per series."""
    if not isinstance(pred, Mapping) or any(key not in pred for key in expected):
        held = list(pred)[:5] if isinstance(pred, Mapping) else type(pred).__name__
        raise ValueError(
            f"The forecaster's `{what}` returned {held}; a global forecaster given "
            "a mapping of series must answer a mapping {series_id: forecast} "
            f"holding every id ({list(expected)[:5]})."
        )
    values = {}
    for key, index in expected.items():
        try:
            values[key] = _forecast_values(pred[key], index, what)
        except ValueError as error:
            raise ValueError(f"Series {key!r}: {error}") from None
    return values


def _run_panel_group(forecaster, series, exog, groups, horizon, coverage):
    """Fit one global model on every series at the group's first fold and
    forecast every fold of the group; ``{id: outputs}`` as `_run_group` gives.

    The time of each call is split evenly among the series.
    """
    model = clone(forecaster)
    share = 1.0 / len(series)
    first = {key: group[0][1] for key, group in groups.items()}
    train = {
        key: series[key].iloc[f.train_start : f.train_stop] for key, f in first.items()
    }
    fit_kwargs = {}
    if exog is not None:
        fit_kwargs["exog"] = {
            key: exog[key].iloc[f.train_start : f.train_stop]
            for key, f in first.items()
        }
    start = time.perf_counter()
    model.fit(train, **fit_kwargs)
    fit_seconds = (time.perf_counter() - start) * share
    history = getattr(model, "history_", None)
    outputs = {key: [] for key in series}
    for i in range(len(next(iter(groups.values())))):
        folds = {key: group[i][1] for key, group in groups.items()}
        kwargs = {"steps": horizon}
        if exog is not None:
            kwargs["exog"] = {
                key: exog[key].iloc[
                    (f.train_stop if i == 0 else f.train_start) : f.train_stop + horizon
                ]
                for key, f in folds.items()
            }
        if i > 0:
            kwargs["last_window"] = {
                key: series[key].iloc[f.train_start : f.train_stop]
                for key, f in folds.items()
            }
        expected = {
            key: series[key].index[f.train_stop : f.train_stop + horizon]
            for key, f in folds.items()
        }
        start = time.perf_counter()
        y_pred = _panel_values(model.predict(**kwargs), expected, "predict")
        intervals = dict.fromkeys(series)
        if coverage is not None and hasattr(model, "predict_interval"):
            frames = model.predict_interval(coverage=coverage, **kwargs)
            _panel_values(frames, expected, "predict_interval")
            intervals = {
                key: frames[key][["lower", "upper"]].to_numpy(dtype=float)
                for key in series
            }
        predict_seconds = (time.perf_counter() - start) * share
        for key in series:
            outputs[key].append(
                {
                    "refit": i == 0,
                    "model_fold": first[key],
                    "fit_seconds": fit_seconds if i == 0 else 0.0,
                    "predict_seconds": predict_seconds,
                    "y_pred": y_pred[key][:, 0],
                    "interval": intervals[key],
                    "history": history if i == 0 else None,
                }
            )
    return outputs


def _panel_tasks(forecaster, data: _Panel, every: int, horizon, coverage):
    """The refit groups of every series and the parallel tasks that run them."""
    groups = {key: _groups(folds, every) for key, folds in data.folds.items()}
    if is_global(forecaster):
        n_groups = len(next(iter(groups.values())))
        tasks = [
            (
                _run_panel_group,
                (
                    forecaster,
                    data.series,
                    data.exog,
                    {key: g[i] for key, g in groups.items()},
                    horizon,
                    coverage,
                ),
            )
            for i in range(n_groups)
        ]
    else:
        tasks = [
            (
                _run_group,
                (
                    forecaster,
                    data.series[key],
                    None if data.exog is None else data.exog[key],
                    group,
                    horizon,
                    coverage,
                ),
            )
            for key, series_groups in groups.items()
            for group in series_groups
        ]
    return groups, tasks


def _panel_outputs(shared: bool, groups: dict, results: list) -> dict:
    """The tasks' results as ``{id: [outputs of each refit group]}``."""
    if shared:
        return {key: [result[key] for result in results] for key in groups}
    outputs, done = {}, 0
    for key, series_groups in groups.items():
        outputs[key] = results[done : done + len(series_groups)]
        done += len(series_groups)
    return outputs


def _assemble_panel(data, groups, outputs, horizon, m, window, shared):
    """Turn a panel's raw outputs into a :class:`BacktestResult`."""
    frames, rows, histories = [], [], {}
    for key, values in data.series.items():
        for group, group_outputs in zip(groups[key], outputs[key], strict=True):
            for (number, fold), out in zip(group, group_outputs, strict=True):
                frame, row = _fold_rows(values, number, fold, out, horizon, m)
                frame.insert(0, "series", [key] * len(frame))
                frames.append(frame)
                rows.append({"series": key} | row)
                if out["history"] is not None:
                    histories[number if shared else (key, number)] = out["history"]
    forecasts = pd.concat(frames, ignore_index=True)
    folds = pd.DataFrame(rows)
    scaled = _with_scale(forecasts, folds)
    by_step = pd.DataFrame(
        [{"step": s, "n": len(f), **_score(f)} for s, f in scaled.groupby("step")]
    )
    return BacktestResult(forecasts, folds, by_step, histories, window)


def _with_scale(forecasts: pd.DataFrame, folds: pd.DataFrame) -> pd.DataFrame:
    """The forecast rows with the ``mase_scale`` of their (series and) fold."""
    if "series" not in forecasts:
        scale = folds.set_index("fold")["mase_scale"]
        return forecasts.assign(mase_scale=forecasts["fold"].map(scale))
    scale = {
        (key, fold): value
        for key, fold, value in zip(
            folds["series"], folds["fold"], folds["mase_scale"], strict=True
        )
    }
    pairs = zip(forecasts["series"], forecasts["fold"], strict=True)
    return forecasts.assign(mase_scale=[scale[pair] for pair in pairs])


# ------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BacktestResult:
    """Forecasts and metrics of one backtest.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per fold and horizon step: ``fold``, ``origin`` (the last
        training timestamp), ``timestamp``, ``step`` (1 .. horizon), ``y_true``,
        ``y_pred``, plus ``lower`` and ``upper`` when intervals were computed.
        A panel's rows start with a ``series`` column (the id), ordered by
        series, then fold and step; a single Series has no such column.
    folds : pandas.DataFrame
        One row per fold (per series and fold for a panel, with ``series``
        first): ``fold``, ``origin``, ``train_start``, ``train_end`` and
        ``n_train`` (the training data of the model that forecast the fold, fit at
        the latest refit fold), ``refit``, ``fit_seconds``, ``predict_seconds``,
        the metrics ``mae``, ``rmse``, ``mape``, ``smape``, ``mase`` (plus
        ``coverage`` and ``width`` with intervals) and ``mase_scale``, the
        in-sample seasonal-naive MAE of the data before the fold's origin. The
        time of a global forecaster's call, which serves every series, is
        split evenly among the series' rows.
    by_step : pandas.DataFrame
        Metrics per horizon step pooled over folds (and series): ``step``,
        ``n`` and the metrics above, each error of the MASE scaled by its own
        series' and fold's ``mase_scale``.
    histories : dict
        Training history (the fitted model's ``history_``) per refit fold, for
        forecasters that record one. Keys are fold numbers, or ``(series_id,
        fold)`` for a per-series forecaster on a panel.
    window : {"expanding", "sliding"}
        How the training part moved from fold to fold.
    """

    forecasts: pd.DataFrame
    folds: pd.DataFrame
    by_step: pd.DataFrame
    histories: dict[Any, pd.DataFrame] = field(default_factory=dict)
    window: str = "expanding"

    @property
    def is_panel(self) -> bool:
        """Whether the backtest ran on a panel (``forecasts`` has ``series``)."""
        return "series" in self.forecasts

    def per_series(self) -> pd.DataFrame:
        """sMAPE and MASE of each series over all its folds.

        Returns
        -------
        pandas.DataFrame
            Indexed by series id (index name ``series``) in the panel's order,
            columns ``smape``, ``mase`` (each error scaled by the in-sample
            naive MAE of its own series before its fold's origin, as in
            ``folds``) and ``n``, the number of forecasts. A single Series
            gives one row, ``"series"``.
        """
        rows = _with_scale(self.forecasts, self.folds)
        if not self.is_panel:
            rows = rows.assign(series=SERIES_ID)
        table = {}
        for key, part in rows.groupby("series", sort=False):
            y_true, y_pred = part["y_true"].to_numpy(), part["y_pred"].to_numpy()
            table[key] = {
                "smape": metrics.smape(y_true, y_pred),
                "mase": _pooled_mase(y_true, y_pred, part["mase_scale"].to_numpy()),
                "n": len(part),
            }
        frame = pd.DataFrame.from_dict(table, orient="index")
        frame.index = pd.Index(list(table), name="series", tupleize_cols=False)
        return frame.astype({"smape": float, "mase": float, "n": int})

    def summary(self) -> pd.Series:
        """Overall metrics, with counts and runtime.

        Returns
        -------
        pandas.Series
            The metrics of :attr:`by_step` pooled over all rows, ``n_folds``,
            ``n_refits``, ``fit_seconds`` and ``predict_seconds`` (sums over
            folds) and ``total_seconds``, their sum: the compute time, which
            under parallel execution exceeds the wall-clock time. For a panel,
            ``smape`` and ``mase`` are the means over series of
            :meth:`per_series` (the M4 competition's scores), the other metrics
            pooled over every forecast, and ``n_series`` follows the metrics.
        """
        rows = _with_scale(self.forecasts, self.folds)
        scores = _score(rows)
        if self.is_panel:
            per_series = self.per_series()
            scores["smape"] = float(per_series["smape"].mean())
            scores["mase"] = float(per_series["mase"].mean())
            scores["n_series"] = len(per_series)
        fit = float(self.folds["fit_seconds"].sum())
        predict = float(self.folds["predict_seconds"].sum())
        refits = self.folds.loc[self.folds["refit"].astype(bool), "fold"]
        return pd.Series(
            {
                **scores,
                "n_folds": self.folds["fold"].nunique(),
                "n_refits": refits.nunique(),
                "fit_seconds": fit,
                "predict_seconds": predict,
                "total_seconds": fit + predict,
            },
            dtype=float,
        )


@dataclass(frozen=True)
class Comparison:
    """Backtests of several forecasters on the same folds.

    Attributes
    ----------
    results : dict of str to BacktestResult
        The full backtest of each forecaster, by name, in the order given.
    reference : str, optional
        The name of the M4 competition's reference, a
        :class:`~forecastrnn.baselines.Naive2` (set by :func:`compare` when
        one is among the forecasters); the leaderboard then has ``owa``.
    """

    results: dict[str, BacktestResult]
    reference: str | None = None

    @property
    def leaderboard(self) -> pd.DataFrame:
        """One row per model (index ``model``): its summary, sorted by MASE.

        For a panel ``smape`` and ``mase`` are means over series. With a
        :attr:`reference`, ``owa`` follows ``mase``: the M4 competition's
        Overall Weighted Average, ``(smape / smape_ref + mase / mase_ref) / 2``
        (see :func:`forecastrnn.metrics.owa`); 1 is the reference's accuracy,
        below 1 better. It is NaN, with a warning, when a reference score is
        0 or not finite.
        """
        board = pd.DataFrame({name: r.summary() for name, r in self.results.items()})
        board = board.T.rename_axis("model")
        counts = [c for c in ("n_series", "n_folds", "n_refits") if c in board]
        board = board.astype(dict.fromkeys(counts, int))
        if self.reference is not None:
            board.insert(board.columns.get_loc("mase") + 1, "owa", self._owa(board))
        return board.sort_values("mase", kind="stable", na_position="last")

    def _owa(self, board: pd.DataFrame) -> np.ndarray:
        """OWA of every row of ``board`` against the reference's row."""
        if self.reference not in board.index:
            raise ValueError(
                f"`reference`={self.reference!r} is not a model of the comparison "
                f"({list(board.index)}). Name one of them, or None."
            )
        smape_ref, mase_ref = board.loc[self.reference, ["smape", "mase"]]
        finite = np.isfinite([smape_ref, mase_ref]).all()
        if not (finite and smape_ref > 0 and mase_ref > 0):
            warnings.warn(
                f"OWA is undefined: the reference {self.reference!r} has sMAPE "
                f"{smape_ref} and MASE {mase_ref}; both must be positive and "
                "finite. The `owa` column is NaN.",
                stacklevel=3,
            )
            return np.full(len(board), np.nan)
        ratios = board["smape"] / smape_ref + board["mase"] / mase_ref
        return (ratios / 2.0).to_numpy(dtype=float)

    def per_series(self, metric: str | None = None) -> pd.DataFrame:
        """Every model's scores on every series.

        Parameters
        ----------
        metric : {"smape", "mase", "n"}, optional
            None gives the long table; a name gives that metric as a wide
            table, one row per model and one column per series.

        Returns
        -------
        pandas.DataFrame
            Without ``metric``: indexed by ``(model, series)``, the columns
            of :meth:`BacktestResult.per_series`. With it: index ``model``,
            columns the series ids.
        """
        long = pd.concat(
            {name: r.per_series() for name, r in self.results.items()},
            names=["model", "series"],
        )
        if metric is None:
            return long
        if metric not in long:
            raise ValueError(
                f"`metric` must be one of {list(long.columns)} or None; got {metric!r}."
            )
        wide = pd.DataFrame(
            {name: r.per_series()[metric] for name, r in self.results.items()}
        ).T
        return wide.rename_axis(index="model", columns="series")

    @property
    def forecasts(self) -> pd.DataFrame:
        """Every model's forecasts in one long frame with a leading ``model``."""
        frames = [
            r.forecasts.assign(model=name).set_index("model").reset_index()
            for name, r in self.results.items()
        ]
        return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------- public API


def backtest(
    forecaster: Any,
    y: pd.Series,
    exog: pd.DataFrame | None = None,
    *,
    horizon: int,
    n_folds: int | None = None,
    initial: int | None = None,
    step: int | None = None,
    window: str = "expanding",
    refit: bool | int = True,
    m: int = 1,
    coverage: float | None = None,
    n_jobs: int | None = None,
    verbose: bool = False,
) -> BacktestResult:
    """Evaluate a forecaster on rolling origins.

    Each fold fits a clone of ``forecaster`` on the data before its origin (or
    reuses the model of the latest refit fold, see ``refit``) and forecasts the
    next ``horizon`` points, which are compared with the truth.

    Parameters
    ----------
    forecaster : estimator
        Unfitted forecaster with ``fit(y, exog=None)`` and
        ``predict(steps=None, exog=None, last_window=None)``; it is cloned, never
        modified.
    y : pandas.Series, pandas.DataFrame or mapping of pandas.Series
        Numeric series with a regular DatetimeIndex and no NaN; or a panel:
        a wide DataFrame (one column per series, leading and trailing NaN
        trimmed) or ``{series_id: Series}`` (see
        :func:`forecastrnn.panel.as_panel`), its series of one frequency and
        of any lengths and ends.
    exog : pandas.DataFrame or mapping of pandas.DataFrame, optional
        Exogenous variables on exactly ``y``'s index (for a panel,
        ``{series_id: DataFrame}`` for every series). Each fit gets the rows of
        its training part, each forecast the ``horizon`` rows that follow its
        origin, preceded by the rows of ``last_window`` when one is passed.
    horizon : int
        Number of points each fold forecasts.
    n_folds, initial, step, window
        Fold placement, see :func:`make_folds`. By default the last 5 horizons of
        ``y`` are forecast from expanding windows. For a panel the folds are
        placed on its shortest series and carried to every other series at
        the same distance from its end: fold ``k`` of every series forecasts
        the same number of its last points; ``initial`` is the first training
        size of the shortest series (of every series with
        ``window="sliding"``, whose training parts all have that size).
    refit : bool or int, default=True
        ``True`` fits a model for every fold; an integer ``k`` refits every ``k``
        folds; ``False`` fits once, at the first fold. A fold that does not refit
        calls ``predict(steps=horizon, last_window=y[train_start:origin])`` on the
        model of the latest refit fold (``train_start`` is 0 with expanding
        windows).
    m : int, default=1
        Seasonal period of the MASE scale: the in-sample MAE of the seasonal
        naive forecast on each fold's data before the origin.
    coverage : float, optional
        Nominal coverage of prediction intervals, in (0, 1). Forecasters with a
        ``predict_interval`` method then add ``lower``/``upper`` columns and the
        ``coverage`` and ``width`` metrics; others are unaffected (see
        :func:`conformal_interval` for intervals from any forecaster).
    n_jobs : int, optional
        Parallel jobs over refit groups (and, for a per-series forecaster on
        a panel, over series), passed to :class:`joblib.Parallel`; the active
        :func:`joblib.parallel_config` applies. While a
        :class:`distributed.Client` is active the tasks run on its cluster
        (joblib's ``"dask"`` backend, every worker when ``n_jobs`` is None).
    verbose : bool, default=False
        Show a progress bar over the fits (parallel tasks).

    Returns
    -------
    BacktestResult
        Long forecasts, per-fold and per-step metrics, ``summary()``, and for
        a panel a ``series`` column and ``per_series()``.

    Raises
    ------
    TypeError
        If ``y`` is not a numeric Series with a DatetimeIndex or a panel of
        them, or ``exog`` not a DataFrame (a mapping of them for a panel).
    ValueError
        If ``horizon`` or another size is not positive, ``y`` holds NaN or has an
        irregular index, ``exog`` is not aligned with ``y``, or ``y`` (a series
        of the panel, named) is too short for the folds asked (the message says
        how many points are needed).

    Notes
    -----
    On a panel, a global forecaster (:func:`is_global`, e.g.
    :class:`~forecastrnn.RNNForecaster`) is fit once per refit on the mapping
    ``{series_id: training part}``, each series cut at its own origin, and
    forecasts all series in one ``predict`` call (with a mapping as
    ``last_window`` for the folds that reuse it). Any other forecaster (the
    baselines) is cloned and backtested on each series alone, exactly as on
    that single series with the panel's folds.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecastrnn.baselines import Naive
    >>> y = pd.Series(range(20), pd.date_range("2024-01-01", periods=20), dtype=float)
    >>> result = backtest(Naive(), y, horizon=2, n_folds=3)
    >>> result.folds[["fold", "n_train", "mae"]]
       fold  n_train  mae
    0     0       14  1.5
    1     1       16  1.5
    2     2       18  1.5
    """
    check_probability(coverage, "coverage", allow_none=True)
    if not isinstance(y, pd.Series):
        data = _plan_panel(y, exog, horizon, n_folds, initial, step, window, m)
        every = _refit_every(refit, len(next(iter(data.folds.values()))))
        groups, tasks = _panel_tasks(forecaster, data, every, horizon, coverage)
        shared = is_global(forecaster)
        outputs = _panel_outputs(shared, groups, _run(tasks, n_jobs, verbose))
        return _assemble_panel(data, groups, outputs, horizon, m, window, shared)
    y, exog, folds = _plan(y, exog, horizon, n_folds, initial, step, window, m)
    groups = _groups(folds, _refit_every(refit, len(folds)))
    tasks = [
        (_run_group, (forecaster, y, exog, group, horizon, coverage))
        for group in groups
    ]
    outputs = _run(tasks, n_jobs, verbose)
    return _assemble(y, groups, outputs, horizon, m, window)


def compare(
    forecasters: Mapping[str, Any],
    y: pd.Series,
    exog: pd.DataFrame | None = None,
    *,
    horizon: int,
    n_folds: int | None = None,
    initial: int | None = None,
    step: int | None = None,
    window: str = "expanding",
    refit: bool | int = True,
    m: int = 1,
    coverage: float | None = None,
    n_jobs: int | None = None,
    verbose: bool = False,
) -> Comparison:
    """Backtest several forecasters on the same folds.

    Every (forecaster, refit group) pair is one parallel task, so models and
    folds share the workers.

    Parameters
    ----------
    forecasters : mapping of str to estimator
        Forecasters by name (the leaderboard's index).
    y, exog, horizon, n_folds, initial, step, window, m, coverage, n_jobs, verbose
        As in :func:`backtest`.
    refit : bool, int or mapping of str to bool or int, default=True
        As in :func:`backtest`, for every model; or a policy per model name
        (models not named refit every fold), e.g. ``{"lstm": False}`` to fit a
        network once and refit the baselines at every origin.

    Returns
    -------
    Comparison
        ``.leaderboard``: one row per model with every metric and the runtime,
        sorted by MASE ascending (for a panel, mean sMAPE and MASE over
        series); ``.results``: each model's :class:`BacktestResult`;
        ``.forecasts``: all forecasts in one frame; ``.per_series()``: the
        scores of every model on every series. When a forecaster is a
        :class:`~forecastrnn.baselines.Naive2`, it is the
        ``.reference`` and the leaderboard gains the M4 competition's
        ``owa`` relative to it (add ``"naive2": Naive2()`` to get it).

    Raises
    ------
    TypeError, ValueError
        As :func:`backtest`; also if ``forecasters`` is not a non-empty mapping
        with string keys.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastrnn.baselines import Drift, Naive
    >>> y = pd.Series(np.arange(30.0), pd.date_range("2024-01-01", periods=30))
    >>> board = compare({"naive": Naive(), "drift": Drift()}, y, horizon=3).leaderboard
    >>> list(board.index)
    ['drift', 'naive']
    """
    if not isinstance(forecasters, Mapping) or not forecasters:
        raise TypeError(
            "`forecasters` must be a non-empty dict of name to forecaster; got "
            f"{forecasters!r}."
        )
    if not all(isinstance(name, str) for name in forecasters):
        raise TypeError(f"`forecasters` keys must be str; got {list(forecasters)}.")
    check_probability(coverage, "coverage", allow_none=True)
    policies = (
        refit if isinstance(refit, Mapping) else dict.fromkeys(forecasters, refit)
    )
    unknown = set(policies) - set(forecasters)
    if unknown:
        raise ValueError(
            f"`refit` names {sorted(unknown)}, which are not in `forecasters` "
            f"({list(forecasters)}). Use the same names."
        )
    reference = next(
        (name for name, f in forecasters.items() if isinstance(f, Naive2)), None
    )
    if not isinstance(y, pd.Series):
        data = _plan_panel(y, exog, horizon, n_folds, initial, step, window, m)
        n_total = len(next(iter(data.folds.values())))
        plans = {
            name: _panel_tasks(
                forecaster,
                data,
                _refit_every(policies.get(name, True), n_total),
                horizon,
                coverage,
            )
            for name, forecaster in forecasters.items()
        }
        results = _run(
            [task for _, tasks in plans.values() for task in tasks], n_jobs, verbose
        )
        assembled, done = {}, 0
        for name, (groups, tasks) in plans.items():
            shared = is_global(forecasters[name])
            outputs = _panel_outputs(shared, groups, results[done : done + len(tasks)])
            done += len(tasks)
            assembled[name] = _assemble_panel(
                data, groups, outputs, horizon, m, window, shared
            )
        return Comparison(assembled, reference)
    y, exog, folds = _plan(y, exog, horizon, n_folds, initial, step, window, m)
    groups = {
        name: _groups(folds, _refit_every(policies.get(name, True), len(folds)))
        for name in forecasters
    }
    tasks = [
        (_run_group, (forecaster, y, exog, group, horizon, coverage))
        for name, forecaster in forecasters.items()
        for group in groups[name]
    ]
    outputs = iter(_run(tasks, n_jobs, verbose))
    return Comparison(
        {
            name: _assemble(
                y,
                groups[name],
                [next(outputs) for _ in groups[name]],
                horizon,
                m,
                window,
            )
            for name in forecasters
        },
        reference,
    )


def conformal_interval(
    result: BacktestResult, forecast: pd.Series, coverage: float = 0.9
) -> pd.DataFrame:
    """Split-conformal prediction interval around a forecast, from backtest errors.

    Works for any forecaster: the backtest's absolute errors at horizon step
    ``h`` calibrate the interval of the forecast's ``h``-th point.

    Parameters
    ----------
    result : BacktestResult
        Backtest of the forecaster that made ``forecast``.
    forecast : pandas.Series
        Point forecast of at most the backtest's horizon; its ``h``-th value
        is treated as horizon step ``h``.
    coverage : float, default=0.9
        Nominal coverage ``1 - alpha``, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        ``lower`` and ``upper`` on ``forecast``'s index.

    Raises
    ------
    ValueError
        If ``forecast`` is longer than the backtest's horizon, or there are too
        few backtest errors per step for ``coverage`` (the message says how many
        folds are needed).

    Notes
    -----
    With the ``n`` absolute errors :math:`r_{(1)} \\le \\dots \\le r_{(n)}` of step
    ``h``, the half-width is :math:`q_h = r_{(k)}`, :math:`k = \\lceil (n+1)(1 -
    \\alpha) \\rceil`: the empirical quantile at level :math:`k / n`. If the
    errors are exchangeable with the new one, the interval
    :math:`\\hat y_h \\pm q_h` covers the truth with probability at least
    :math:`1 - \\alpha`. It needs :math:`k \\le n`, i.e.
    :math:`n \\ge (1 - \\alpha) / \\alpha`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastrnn.baselines import Naive
    >>> y = pd.Series(np.sin(np.arange(60.0)), pd.date_range("2024", periods=60))
    >>> result = backtest(Naive(), y, horizon=2, n_folds=10)
    >>> forecast = Naive().fit(y).predict(steps=2)
    >>> conformal_interval(result, forecast, coverage=0.8).columns.tolist()
    ['lower', 'upper']
    """
    coverage = check_probability(coverage, "coverage")
    if not isinstance(forecast, pd.Series):
        raise TypeError(f"`forecast` must be a pandas Series; got {type(forecast)}.")
    errors = result.forecasts.assign(
        error=(result.forecasts["y_true"] - result.forecasts["y_pred"]).abs()
    )
    by_step = errors.groupby("step", sort=True)["error"]
    if len(forecast) > by_step.ngroups:
        raise ValueError(
            f"`forecast` has {len(forecast)} steps; the backtest covers "
            f"{by_step.ngroups}. Backtest with `horizon`>={len(forecast)} or pass a "
            "shorter forecast."
        )
    half = [
        _conformal_quantile(by_step.get_group(h).to_numpy(), coverage)
        for h in range(1, len(forecast) + 1)
    ]
    values = forecast.to_numpy(dtype=float)
    return pd.DataFrame(
        {"lower": values - half, "upper": values + half}, index=forecast.index
    )


def _conformal_quantile(errors: np.ndarray, coverage: float) -> float:
    """The ``ceil((n + 1) * coverage)``-th smallest of ``n`` absolute errors."""
    errors = np.sort(errors[~np.isnan(errors)])
    n = len(errors)
    # a tolerance so that e.g. (9 + 1) * 0.9 counts as 9, not 9.000000000000002
    k = math.ceil((n + 1) * coverage - 1e-9)
    if k > n:
        needed = math.ceil(coverage / (1 - coverage) - 1e-9)
        raise ValueError(
            f"`coverage`={coverage} needs at least {needed} backtest errors per "
            f"horizon step; the backtest has {n}. Backtest with `n_folds`>={needed} "
            "or lower `coverage`."
        )
    return float(errors[k - 1])
