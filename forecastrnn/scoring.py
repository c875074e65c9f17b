"""Scored backtest results: per-fold, per-step and per-series metrics, leaderboards.

:mod:`forecastrnn.backtest` runs the folds and hands each fold's raw output
(the point forecast, an optional interval, timings, the training history) to
:func:`assemble` (one series) or :func:`assemble_panel` (a panel), which score
them into a :class:`BacktestResult`: long forecasts, per-fold and per-step
metrics, ``summary()`` and ``per_series()``. :class:`Comparison` holds several
results on the same folds and ranks them in a leaderboard, with the M4
competition's OWA against a :class:`~forecastrnn.baselines.Naive2` reference.
:func:`conformal_interval` turns a result's errors into a split-conformal
interval around any forecast.

The MASE of pooled rows scales each error by the in-sample seasonal-naive MAE
of its own series before its own fold's origin (``mase_scale``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecastrnn import metrics
from forecastrnn.checks import check_probability
from forecastrnn.panel import SERIES_ID

__all__ = [
    "BacktestResult",
    "Comparison",
    "assemble",
    "assemble_panel",
    "combine_results",
    "combine_values",
    "conformal_interval",
]


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


def assemble(y, groups, outputs, horizon, m, window) -> BacktestResult:
    """Turn the refit groups' raw outputs on one series into a result.

    Parameters
    ----------
    y : pandas.Series
        The backtested series (validated, DatetimeIndex).
    groups : list of list of (int, Fold)
        The refit groups: numbered folds, each group's first fold refits.
    outputs : list of list of dict
        Per group, per fold, the raw output of the fold: ``refit``,
        ``model_fold``, ``fit_seconds``, ``predict_seconds``, ``y_pred``,
        ``interval`` (None or array of shape (horizon, 2)) and ``history``.
    horizon : int
        Number of points each fold forecasts.
    m : int
        Seasonal period of the MASE scale.
    window : {"expanding", "sliding"}
        How the training part moved, stored on the result.

    Returns
    -------
    BacktestResult
    """
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


def assemble_panel(series, groups, outputs, horizon, m, window, shared):
    """Turn a panel's raw outputs into a :class:`BacktestResult`.

    Parameters
    ----------
    series : dict
        ``{series_id: Series}``, the panel's validated series in order.
    groups, outputs : dict
        Per series id, the refit groups and their raw outputs, as
        :func:`assemble` takes them for one series.
    horizon, m, window
        As in :func:`assemble`.
    shared : bool
        Whether one global model served every series: histories are then
        keyed by fold number, else by ``(series_id, fold)``.

    Returns
    -------
    BacktestResult
        With a leading ``series`` column in ``forecasts`` and ``folds``.
    """
    frames, rows, histories = [], [], {}
    for key, values in series.items():
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


def combine_values(values, how: str = "median", weights=None) -> np.ndarray:
    """Combine the members' forecasts (rows of ``values``) point by point.

    Parameters
    ----------
    values : array-like of shape (n_members, ...)
        One forecast per member.
    how : {"median", "mean"}, default "median"
    weights : array-like of shape (n_members,), optional
        With ``how="mean"``: a weighted mean (non-negative, finite, not all
        zero; they need not sum to one).

    Returns
    -------
    numpy.ndarray
        The combination, of the shape of one member's forecast.

    Examples
    --------
    >>> combine_values([[1.0, 2.0], [3.0, 6.0]], "mean", weights=[3, 1]).tolist()
    [1.5, 3.0]
    """
    if how not in ("median", "mean"):
        raise ValueError(f"`how` must be 'median' or 'mean'; got {how!r}.")
    try:
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim < 1 or len(values) == 0:
        raise ValueError(
            "`values` must be the members' numeric forecasts, one row per member "
            "and all of one shape; pass a list of equal-length arrays."
        )
    if weights is None:
        return getattr(np, how)(values, axis=0)
    w = np.asarray(weights, dtype=float)
    if how != "mean":
        raise ValueError(
            "`weights` need `how='mean'` (a weighted median is not defined here); "
            f"got how={how!r}."
        )
    good = w.shape == values.shape[:1] and np.isfinite(w).all()
    if not good or (w < 0).any() or w.sum() <= 0:
        raise ValueError(
            f"`weights` must be {values.shape[0]} finite non-negative numbers, "
            f"one per member, not all zero; got {w.tolist()}."
        )
    return np.tensordot(w / w.sum(), values, axes=1)


def combine_results(results: list, how: str = "median", weights=None) -> BacktestResult:
    """The backtest of a forecast combination, from its members' backtests.

    Parameters
    ----------
    results : list of BacktestResult
        Backtests of the members on the same folds (and series).
    how : {"median", "mean"}, default "median"
        How each forecast is combined across the members.
    weights : array-like, optional
        One weight per result, for a weighted mean (:func:`combine_values`).

    Returns
    -------
    BacktestResult
        Each forecast the members' combination (:func:`combine_values`); the
        errors of every fold and step rescored; ``fit_seconds`` and
        ``predict_seconds`` the members' sums (the combination fits every
        member); no intervals and no histories.

    Raises
    ------
    ValueError
        If ``results`` is empty, ``how`` or ``weights`` bad, or the members
        forecast other folds, steps or series.
    """
    if not results:
        raise ValueError("`results` must hold at least one backtest; got none.")
    first = results[0]
    keys = [c for c in ("series", "fold", "step", "timestamp") if c in first.forecasts]
    for other in results[1:]:
        same = other.forecasts[keys].reset_index(drop=True)
        if not same.equals(first.forecasts[keys].reset_index(drop=True)):
            raise ValueError(
                "`results` must be backtests on the same folds and series; their "
                f"forecast rows ({', '.join(keys)}) differ."
            )
    preds = np.stack([r.forecasts["y_pred"].to_numpy(float) for r in results])
    forecasts = first.forecasts.drop(columns=["lower", "upper"], errors="ignore")
    forecasts = forecasts.assign(y_pred=combine_values(preds, how, weights))
    group = ["series", "fold"] if "series" in forecasts else ["fold"]
    folds = first.folds.copy()
    for column in ("fit_seconds", "predict_seconds"):
        folds[column] = sum(r.folds[column].to_numpy(float) for r in results)
    scored = _with_scale(forecasts, folds)
    per_fold = pd.DataFrame(
        [dict(zip(group, np.atleast_1d(key), strict=True)) | _score(f)
         for key, f in scored.groupby(group, sort=False)]
    )  # fmt: skip
    metric_columns = [c for c in per_fold if c not in group]
    stale = [*metric_columns, "coverage", "width"]
    folds = folds.drop(columns=stale, errors="ignore").merge(
        per_fold, on=group, how="left"
    )
    folds = folds[[c for c in first.folds.columns if c in folds]]
    by_step = pd.DataFrame(
        [{"step": s, "n": len(f), **_score(f)} for s, f in scored.groupby("step")]
    )
    return BacktestResult(forecasts, folds, by_step, {}, first.window)


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
    >>> from forecastrnn import backtest
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
