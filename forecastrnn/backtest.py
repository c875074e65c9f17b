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

This module validates the inputs and runs the fits and forecasts;
:mod:`forecastrnn.folds` places the folds, and :mod:`forecastrnn.scoring`
scores the raw outputs into a :class:`BacktestResult` (and several of them
into a :class:`Comparison`) and turns a backtest into a conformal interval.
``Fold``, ``make_folds``, ``BacktestResult``, ``Comparison`` and
``conformal_interval`` are re-exported here.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone

from forecastrnn.checks import (
    check_covariates,
    check_int,
    check_probability,
    check_series,
)
from forecastrnn.folds import Fold, fold_layout, make_folds, refit_every, refit_groups
from forecastrnn.naive import Naive2
from forecastrnn.panel import as_panel
from forecastrnn.progress import progress_bar
from forecastrnn.scoring import (
    BacktestResult,
    Comparison,
    assemble,
    assemble_panel,
    conformal_interval,
)

__all__ = [
    "BacktestResult",
    "Comparison",
    "Fold",
    "backtest",
    "compare",
    "conformal_interval",
    "is_global",
    "make_folds",
    "parallel_slots",
    "run_tasks",
]

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


def parallel_slots(n_jobs: int | None) -> int:
    """How many tasks :func:`run_tasks` runs at once with ``n_jobs``: the
    workers' threads of an active :class:`distributed.Client`, else joblib's
    count (1 for None, the cores for -1)."""
    with _backend(n_jobs):
        return max(1, int(joblib.effective_n_jobs(n_jobs)))


def run_tasks(tasks: list, n_jobs: int | None, verbose: bool = False) -> list:
    """Run ``(function, args)`` tasks via joblib, results in the tasks' order.

    The backtests' parallel runner: joblib with ``n_jobs`` (the active
    :func:`joblib.parallel_config` applies), or the workers of the active
    :class:`distributed.Client` (joblib's ``"dask"`` backend, every worker
    when ``n_jobs`` is None). With ``verbose`` a progress bar counts finished
    tasks (fits).
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
    layout = fold_layout(
        lengths[shortest], horizon, n_folds, initial, step, window, what
    )
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
    groups = {key: refit_groups(folds, every) for key, folds in data.folds.items()}
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
        every = refit_every(refit, len(next(iter(data.folds.values()))))
        groups, tasks = _panel_tasks(forecaster, data, every, horizon, coverage)
        shared = is_global(forecaster)
        outputs = _panel_outputs(shared, groups, run_tasks(tasks, n_jobs, verbose))
        return assemble_panel(data.series, groups, outputs, horizon, m, window, shared)
    y, exog, folds = _plan(y, exog, horizon, n_folds, initial, step, window, m)
    groups = refit_groups(folds, refit_every(refit, len(folds)))
    tasks = [
        (_run_group, (forecaster, y, exog, group, horizon, coverage))
        for group in groups
    ]
    outputs = run_tasks(tasks, n_jobs, verbose)
    return assemble(y, groups, outputs, horizon, m, window)


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
                refit_every(policies.get(name, True), n_total),
                horizon,
                coverage,
            )
            for name, forecaster in forecasters.items()
        }
        results = run_tasks(
            [task for _, tasks in plans.values() for task in tasks], n_jobs, verbose
        )
        assembled, done = {}, 0
        for name, (groups, tasks) in plans.items():
            shared = is_global(forecasters[name])
            outputs = _panel_outputs(shared, groups, results[done : done + len(tasks)])
            done += len(tasks)
            assembled[name] = assemble_panel(
                data.series, groups, outputs, horizon, m, window, shared
            )
        return Comparison(assembled, reference)
    y, exog, folds = _plan(y, exog, horizon, n_folds, initial, step, window, m)
    groups = {
        name: refit_groups(folds, refit_every(policies.get(name, True), len(folds)))
        for name in forecasters
    }
    tasks = [
        (_run_group, (forecaster, y, exog, group, horizon, coverage))
        for name, forecaster in forecasters.items()
        for group in groups[name]
    ]
    outputs = iter(run_tasks(tasks, n_jobs, verbose))
    return Comparison(
        {
            name: assemble(
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
