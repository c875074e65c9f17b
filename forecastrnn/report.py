"""Backtest plots and the self-contained HTML / Markdown report.

:func:`write_report` turns a :class:`~forecastrnn.Comparison` (or one
:class:`~forecastrnn.BacktestResult`) into two files with the same content:

- ``<name>.html``: one self-contained page. CSS is inline and every plot is an
  embedded ``data:image/png;base64`` URI, so the page opens offline and can be
  mailed as a single file; it loads no script, font or remote resource.
- ``<name>.md``: the Markdown twin, whose plots are PNG files in the folder
  ``<name>_files/`` next to it, referenced by relative links.

For a panel of series (a backtest with a ``series`` column) the report ranks
the models by their mean sMAPE and MASE over series (and OWA against Naive2
when the comparison has that reference), shows the spread of the per-series
MASE of each model and the forecasts of the worst series (by the best model's
MASE) against their actual values.

The plots are also public (:func:`plot_error_by_step`, :func:`plot_forecasts`,
:func:`plot_series_errors`, :func:`plot_worst_series`) and, like
:mod:`forecastrnn.diagnostics`, are drawn on :class:`matplotlib.figure.Figure`
directly: no pyplot, no backend or global state is touched.
"""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .backtest import BacktestResult, Comparison
from .checks import check_int
from .diagnostics import plot_training_history
from .panel import as_panel
from .plotting import new_axes, series_label
from .render import Image, Section, Table, to_html, to_markdown
from .version import __version__

__all__ = [
    "plot_error_by_step",
    "plot_forecasts",
    "plot_series_errors",
    "plot_worst_series",
    "write_report",
]

# Leaderboard column -> (header label, number format); unknown columns keep
# their name and the "value" format.
_COLUMNS = {
    "mae": ("MAE", "value"),
    "rmse": ("RMSE", "value"),
    "mape": ("MAPE", "percent"),
    "smape": ("sMAPE", "percent"),
    "mase": ("MASE", "ratio"),
    "owa": ("OWA", "ratio"),
    "n_series": ("Series", "int"),
    "coverage": ("Coverage", "percent"),
    "width": ("Width", "value"),
    "n_folds": ("Folds", "int"),
    "n_refits": ("Refits", "int"),
    "fit_seconds": ("Fit (s)", "seconds"),
    "predict_seconds": ("Predict (s)", "seconds"),
    "total_seconds": ("Total (s)", "seconds"),
}
_HISTORY_COLUMNS = {"train_loss", "val_loss", "grad_norm"}
_LOWER_IS_BETTER = ("mae", "rmse", "mape", "smape", "mase", "owa")
_DPI = 120
_STYLE = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "axes.edgecolor": "#8c959f",
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "grid.color": "#d0d7de",
    "figure.facecolor": "white",
}


# ------------------------------------------------------------------------ input


def _as_comparison(result: Any) -> Comparison:
    """``result`` as a Comparison (a single BacktestResult is named "model")."""
    if isinstance(result, Comparison):
        return result
    if isinstance(result, BacktestResult):
        return Comparison({"model": result})
    raise TypeError(
        "`result` must be a Comparison from `forecastrnn.compare` or a "
        f"BacktestResult from `forecastrnn.backtest`; got {type(result).__name__}."
    )


def _check_y(y: Any, panel: bool = False) -> pd.Series | dict | None:
    """Validate the optional ``y``: the backtested series, or for a ``panel``
    the backtested panel, returned as ``{id: Series}``."""
    if y is None:
        return None
    if panel:
        series = as_panel(y, name="y").series
        if not all(isinstance(s.index, pd.DatetimeIndex) for s in series.values()):
            raise TypeError(
                "`y` must be the backtested panel, its series indexed by "
                "DatetimeIndexes, or None; got integer-indexed series."
            )
        return series
    if not (isinstance(y, pd.Series) and isinstance(y.index, pd.DatetimeIndex)):
        raise TypeError(
            "`y` must be the backtested pandas Series (with its DatetimeIndex) or "
            f"None; got {type(y).__name__}."
        )
    return y


def _is_panel(comparison: Comparison) -> bool:
    return next(iter(comparison.results.values())).is_panel


# ------------------------------------------------------------------------ plots


def plot_error_by_step(
    result: Comparison | BacktestResult, metric: str = "mae", ax: Axes | None = None
) -> Figure:
    """Plot a metric against the horizon step, a line per model.

    Parameters
    ----------
    result : Comparison or BacktestResult
    metric : str, default "mae"
        A column of each result's ``by_step`` (``mae``, ``rmse``, ``mape``,
        ``smape``, ``mase``, ...).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    comparison = _as_comparison(result)
    fig, ax = new_axes(ax, (9.0, 3.6))
    for i, (name, res) in enumerate(comparison.results.items()):
        if metric not in res.by_step:
            raise ValueError(
                f"`metric`={metric!r} is not a per-step metric; choose one of "
                f"{[c for c in res.by_step.columns if c not in ('step', 'n')]}."
            )
        steps = res.by_step["step"].to_numpy()
        ax.plot(
            steps,
            res.by_step[metric].to_numpy(),
            color=f"C{i % 10}",
            marker="o" if len(steps) <= 48 else None,
            markersize=3,
            label=series_label(name),
        )
    label = _COLUMNS.get(metric, (metric, ""))[0]
    ax.set(xlabel="horizon step", ylabel=label, title=f"{label} by horizon step")
    ax.set_xlim(left=0.5)
    ax.grid(True, alpha=0.6)
    ax.legend(frameon=False, ncols=min(len(comparison.results), 4))
    return fig


def plot_forecasts(
    result: Comparison | BacktestResult,
    y: pd.Series | None = None,
    *,
    n_folds: int = 3,
    series: Any = None,
) -> Figure:
    """Forecasts against the actual values for the most recent folds.

    One panel per model (small multiples sharing the time axis): the actual
    series in black, each fold's forecast in the model's colour, its prediction
    interval shaded when the backtest computed intervals, and a dotted line at
    each forecast origin.

    Parameters
    ----------
    result : Comparison or BacktestResult
    y : pandas.Series, optional
        The backtested series; given, the panels also show the two horizons of
        history before the first fold shown.
    n_folds : int, default 3
        How many of the latest folds to show.
    series : hashable, optional
        For a panel backtest, the id of the series to show (default: the
        first); ``y`` may then be the whole panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    comparison = _as_comparison(result)
    y = _check_y(y, _is_panel(comparison))
    n_folds = check_int(n_folds, "n_folds")
    if _is_panel(comparison):
        comparison, y = _one_series(comparison, y, series)
    names = list(comparison.results)
    fig = Figure(figsize=(9.0, 0.6 + 2.1 * len(names)), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, name) in enumerate(zip(axes, names, strict=True)):
        forecasts = comparison.results[name].forecasts
        latest = np.sort(forecasts["fold"].unique())[-n_folds:]
        shown = forecasts[forecasts["fold"].isin(latest)]
        actual = _actual(shown, y)
        ax.plot(actual.index, actual.to_numpy(), color="#24292f", linewidth=1.1)
        for _, fold in shown.groupby("fold", sort=True):
            _plot_fold(ax, fold, f"C{i % 10}")
        ax.set_title(series_label(name), loc="left")
        ax.grid(True, alpha=0.6)
    locator = AutoDateLocator()
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(ConciseDateFormatter(locator))
    # neutral legend entries: each panel draws its forecasts in its own colour
    handles = [
        Line2D([], [], color="#24292f", linewidth=1.1, label="actual"),
        Line2D([], [], color="#8c959f", linewidth=1.6, label="forecast"),
    ]
    if any("lower" in r.forecasts for r in comparison.results.values()):
        handles.append(
            Patch(color="#8c959f", alpha=0.3, linewidth=0, label="prediction interval")
        )
    handles.append(
        Line2D(
            [],
            [],
            color="#8c959f",
            linewidth=0.8,
            linestyle=":",
            label="forecast origin",
        )
    )
    fig.legend(
        handles=handles, loc="outside upper right", ncols=len(handles), frameon=False
    )
    return fig


def _one_series(comparison: Comparison, y: dict | None, key: Any):
    """The comparison restricted to one series of its panel, and that series."""
    ids = list(next(iter(comparison.results.values())).per_series().index)
    key = ids[0] if key is None else key
    if key not in ids:
        raise ValueError(
            f"`series`={key!r} is not a series of the backtest; choose one of "
            f"{ids[:5]}{'...' if len(ids) > 5 else ''}."
        )
    results = {
        name: BacktestResult(
            r.forecasts[r.forecasts["series"] == key].drop(columns="series"),
            r.folds[r.folds["series"] == key].drop(columns="series"),
            r.by_step,
            window=r.window,
        )
        for name, r in comparison.results.items()
    }
    return Comparison(results), None if y is None else y.get(key)


def plot_series_errors(
    result: Comparison | BacktestResult, metric: str = "mase", ax: Axes | None = None
) -> Figure:
    """The spread over series of each model's error: a box per model.

    Each box spans the quartiles of the model's per-series ``metric`` (its
    whiskers 1.5 times the interquartile range), each point is one series.

    Parameters
    ----------
    result : Comparison or BacktestResult
        Of a panel backtest (a single series gives one point per model).
    metric : {"mase", "smape"}, default "mase"
        A column of :meth:`~forecastrnn.BacktestResult.per_series`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    comparison = _as_comparison(result)
    table = comparison.per_series(metric)
    names = list(comparison.leaderboard.index)
    fig, ax = new_axes(ax, (9.0, 1.0 + 0.5 * len(names)))
    values = [table.loc[name].to_numpy(float) for name in names]
    values = [v[np.isfinite(v)] for v in values]
    positions = np.arange(len(names), 0, -1)
    ax.boxplot(
        values,
        positions=positions,
        orientation="horizontal",
        widths=0.5,
        showfliers=False,
        medianprops={"color": "#24292f"},
    )
    colour = {name: f"C{i % 10}" for i, name in enumerate(comparison.results)}
    for name, position, v in zip(names, positions, values, strict=True):
        jitter = np.linspace(-0.15, 0.15, len(v)) if len(v) > 1 else np.zeros(1)
        ax.scatter(v, position + jitter[: len(v)], s=9, color=colour[name], zorder=3)
    ax.set_yticks(positions, [series_label(name) for name in names])
    label = _COLUMNS.get(metric, (metric, ""))[0]
    ax.set(xlabel=f"{label} of a series", title=f"{label} per series")
    ax.grid(True, axis="x", alpha=0.6)
    return fig


def plot_worst_series(
    result: Comparison | BacktestResult,
    y: Any = None,
    *,
    k: int = 3,
    n_folds: int = 3,
) -> Figure:
    """Forecasts against actuals of the series the best model forecasts worst.

    The best model is the leaderboard's first (lowest mean MASE); the ``k``
    series with its highest MASE get a panel each, showing the actual values
    in black and every model's forecasts of the latest folds in its colour.

    Parameters
    ----------
    result : Comparison or BacktestResult
        Of a panel backtest.
    y : pandas.DataFrame or mapping of pandas.Series, optional
        The backtested panel; given, the panels also show two horizons of
        history before the first fold shown.
    k : int, default 3
        How many series to show (all when the panel has fewer).
    n_folds : int, default 3
        How many of the latest folds to show.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``result`` is the backtest of a single series (use
        :func:`plot_forecasts`).
    """
    comparison = _as_comparison(result)
    if not _is_panel(comparison):
        raise ValueError(
            "`result` is the backtest of a single series; `plot_worst_series` "
            "needs a panel backtest. Use `plot_forecasts` for one series."
        )
    y = _check_y(y, panel=True)
    k, n_folds = check_int(k, "k"), check_int(n_folds, "n_folds")
    best = comparison.leaderboard.index[0]
    scores = comparison.results[best].per_series()["mase"]
    worst = scores.sort_values(ascending=False, kind="stable").index[:k]
    fig = Figure(figsize=(9.0, 0.6 + 2.1 * len(worst)), layout="constrained")
    axes = fig.subplots(len(worst), 1, squeeze=False)[:, 0]
    for ax, key in zip(axes, worst, strict=True):
        one, series = _one_series(comparison, y, key)
        for i, res in enumerate(one.results.values()):
            latest = np.sort(res.forecasts["fold"].unique())[-n_folds:]
            shown = res.forecasts[res.forecasts["fold"].isin(latest)]
            if i == 0:
                actual = _actual(shown, series)
                ax.plot(actual.index, actual.to_numpy(), color="#24292f", lw=1.1)
            for _, fold in shown.groupby("fold", sort=True):
                _plot_fold(
                    ax,
                    fold.drop(columns=["lower", "upper"], errors="ignore"),
                    f"C{i % 10}",
                )
        mase = _format([scores[key]], "ratio")[0]
        ax.set_title(
            f"{series_label(key)} · MASE {mase} ({series_label(best)})", loc="left"
        )
        ax.grid(True, alpha=0.6)
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    handles = [Line2D([], [], color="#24292f", linewidth=1.1, label="actual")]
    handles += [
        Line2D([], [], color=f"C{i % 10}", linewidth=1.6, label=series_label(name))
        for i, name in enumerate(comparison.results)
    ]
    fig.legend(
        handles=handles, loc="outside upper right", ncols=min(len(handles), 6),
        frameon=False,
    )  # fmt: skip
    return fig


def _actual(shown: pd.DataFrame, y: pd.Series | None) -> pd.Series:
    """The actual values behind the folds shown, with some history when ``y``."""
    truth = shown.drop_duplicates("timestamp").set_index("timestamp")["y_true"]
    if y is None:
        return truth.sort_index()
    horizon = int(shown["step"].max())
    start = y.index.searchsorted(shown["origin"].min())
    stop = y.index.searchsorted(shown["timestamp"].max(), side="right")
    return y.iloc[max(start - 2 * horizon, 0) : stop]


def _plot_fold(ax: Axes, fold: pd.DataFrame, color: str) -> None:
    """One fold's forecast (and interval) with its origin marked."""
    times = fold["timestamp"].to_numpy()
    if "lower" in fold:
        ax.fill_between(
            times,
            fold["lower"].to_numpy(),
            fold["upper"].to_numpy(),
            color=color,
            alpha=0.18,
            linewidth=0,
        )
    ax.plot(times, fold["y_pred"].to_numpy(), color=color, linewidth=1.6)
    ax.axvline(fold["origin"].iloc[0], color="#8c959f", linewidth=0.8, linestyle=":")


# ------------------------------------------------------------------- formatting


def _decimals(values: np.ndarray, most: int = 4) -> int:
    """Decimals giving the largest value of a column about four significant digits."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0 or finite.max() == 0:
        return min(2, most)
    digits = int(np.floor(np.log10(finite.max()))) + 1
    return int(np.clip(4 - digits, 0, most))


def _format(values: Any, kind: str) -> list[str]:
    """Format a column of numbers: thousands separators, shared decimals."""
    values = np.asarray(values, dtype=float)
    if kind == "int":
        return [f"{v:,.0f}" if np.isfinite(v) else "–" for v in values]
    if kind == "percent":
        decimals = 2 if np.nanmax(np.abs(values), initial=0) < 0.01 else 1
        values, suffix = 100 * values, "%"
    else:
        decimals = {"ratio": 3}.get(kind) or _decimals(
            values, 2 if kind == "seconds" else 4
        )
        suffix = ""
    out = []
    for v in values:
        if np.isnan(v):
            out.append("–")
        elif np.isinf(v):
            out.append("∞" if v > 0 else "−∞")
        else:
            out.append(f"{v:,.{decimals}f}{suffix}".replace("-", "−"))
    return out


def _when(stamp: Any) -> str:
    """A timestamp without a midnight time of day."""
    stamp = pd.Timestamp(stamp)
    return stamp.strftime(
        "%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M"
    )


def _png(fig: Figure) -> bytes:
    """The figure as PNG bytes (no timestamp or software metadata)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def _best_cells(values: np.ndarray, axis: int) -> set[tuple[int, int]]:
    """Cells holding the (finite) minimum along ``axis`` of a 2-D array."""
    best = set()
    lines = values.T if axis == 0 else values
    for i, line in enumerate(lines):
        if np.isfinite(line).any():
            for j in np.flatnonzero(line == np.nanmin(line)):
                best.add((int(j), i) if axis == 0 else (i, int(j)))
    return best


def _leaderboard_table(comparison: Comparison) -> Table:
    board = comparison.leaderboard
    headers = [("#", "rank by MASE"), ("Model", "model")]
    columns = [_format(board[c], _COLUMNS.get(c, (c, "value"))[1]) for c in board]
    headers += [(_COLUMNS.get(c, (c, ""))[0], str(c)) for c in board]
    rows = [
        [str(r + 1), str(name), *(col[r] for col in columns)]
        for r, name in enumerate(board.index)
    ]
    best = set()
    for j, column in enumerate(board.columns):
        if column in _LOWER_IS_BETTER and len(board) > 1:
            cells = _best_cells(board[[column]].to_numpy(float), axis=0)
            best |= {(i, j + 2) for i, _ in cells}
    return Table(headers, rows, [True, False] + [True] * len(board.columns), best)


def _wide_table(
    frame: pd.DataFrame, first: tuple[str, str], kind: str, scroll: bool = False
) -> Table:
    """Rows of ``frame`` (index shown first), one numeric column per model."""
    values = frame.to_numpy(float)
    cells = _format(values.ravel(), kind)
    n = values.shape[1]
    rows = [
        [str(label), *cells[i * n : (i + 1) * n]] for i, label in enumerate(frame.index)
    ]
    best = {(i, j + 1) for i, j in _best_cells(values, axis=1)} if n > 1 else set()
    headers = [first, *((str(c), str(c)) for c in frame.columns)]
    return Table(headers, rows, [False] + [True] * n, best, scroll)


def _history_table(histories: dict[int, pd.DataFrame]) -> Table:
    rows, columns = [], {"epochs": [], "train": [], "val": [], "grad": [], "max": []}
    for frame in histories.values():
        columns["epochs"].append(len(frame))
        columns["train"].append(frame["train_loss"].iloc[-1])
        columns["val"].append(frame["val_loss"].min())
        columns["grad"].append(frame["grad_norm"].iloc[-1])
        columns["max"].append(frame.get("grad_norm_max", frame["grad_norm"]).max())
    formatted = {
        k: _format(v, "int" if k == "epochs" else "value") for k, v in columns.items()
    }
    for i, fold in enumerate(histories):
        rows.append([str(fold), *(formatted[k][i] for k in columns)])
    headers = [
        ("Fold", "refit fold"),
        ("Epochs", "epochs run"),
        ("Final train loss", "train_loss at the last epoch"),
        ("Best val loss", "lowest val_loss"),
        ("Final grad norm", "grad_norm at the last epoch"),
        ("Max grad norm", "largest grad_norm_max"),
    ]
    return Table(headers, rows, [False] + [True] * 5, set(), len(rows) > 12)


# ---------------------------------------------------------------------- sections


_FREQUENCIES = {
    "h": "hourly",
    "D": "daily",
    "B": "business-daily",
    "W": "weekly",
    "min": "minutely",
    "s": "secondly",
    "MS": "monthly",
    "ME": "monthly",
    "QS": "quarterly",
    "QE": "quarterly",
    "YS": "yearly",
    "YE": "yearly",
}


def _panel_header(comparison: Comparison, y: dict | None, title: str) -> dict:
    """The header of a panel backtest's report."""
    first = next(iter(comparison.results.values()))
    folds, board = first.folds, comparison.leaderboard
    ids = list(first.per_series().index)
    shown = ", ".join(map(str, ids[:4])) + (", ..." if len(ids) > 4 else "")
    facts = [("Series", f"{len(ids):,} · {shown}")]
    if y is not None:
        index = next(iter(y.values())).index
        freq = index.freqstr
        described = _FREQUENCIES.get(str(freq).split("-")[0], freq or "irregular")
        total = sum(len(s) for s in y.values())
        start = min(s.index[0] for s in y.values())
        end = max(s.index[-1] for s in y.values())
        facts += [
            ("Observations", f"{total:,} · {described}"),
            ("Span", f"{_when(start)} → {_when(end)}"),
        ]
    best = f"{board.index[0]} · MASE {_format([board['mase'].iloc[0]], 'ratio')[0]}"
    if "owa" in board:
        best += f" · OWA {_format([board['owa'].iloc[0]], 'ratio')[0]}"
    facts += [
        ("Horizon", f"{int(first.forecasts['step'].max())} steps"),
        (
            "Folds",
            f"{folds['fold'].nunique()} per series, aligned by their ends · "
            f"{first.window} window",
        ),
        (
            "Forecast origins",
            f"{_when(folds['origin'].min())} → {_when(folds['origin'].max())}",
        ),
        ("Training size", f"{folds['n_train'].min():,} → {folds['n_train'].max():,}"),
        ("Best model", best),
    ]
    n_models = len(comparison.results)
    return {
        "title": title,
        "subtitle": f"Rolling-origin backtest of {n_models} "
        f"model{'s' if n_models > 1 else ''} on {len(ids):,} series",
        "generated": f"Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} "
        f"by forecastrnn {__version__}",
        "facts": facts,
    }


def _header(comparison: Comparison, y: pd.Series | None, title: str) -> dict:
    """Title, subtitle, generation line and the key facts of the report."""
    if _is_panel(comparison):
        return _panel_header(comparison, y, title)
    first = next(iter(comparison.results.values()))
    folds, board = first.folds, comparison.leaderboard
    series = "unnamed series" if y is None or y.name is None else str(y.name)
    facts = [("Series", series)]
    if y is not None:
        freq = y.index.freqstr or (pd.infer_freq(y.index) if len(y) > 2 else None)
        described = _FREQUENCIES.get(str(freq).split("-")[0], freq or "irregular")
        facts += [
            ("Observations", f"{len(y):,} · {described}"),
            ("Span", f"{_when(y.index[0])} → {_when(y.index[-1])}"),
        ]
    facts += [
        ("Horizon", f"{int(first.forecasts['step'].max())} steps"),
        (
            "Folds",
            f"{len(folds)} · {first.window} window · refits per model in the "
            "leaderboard",
        ),
        (
            "Forecast origins",
            f"{_when(folds['origin'].iloc[0])} → {_when(folds['origin'].iloc[-1])}",
        ),
        ("Training size", f"{folds['n_train'].min():,} → {folds['n_train'].max():,}"),
        (
            "Best model",
            f"{board.index[0]} · MASE {_format([board['mase'].iloc[0]], 'ratio')[0]}",
        ),
    ]
    n_models = len(comparison.results)
    return {
        "title": title,
        "subtitle": f"Rolling-origin backtest of {n_models} "
        f"model{'s' if n_models > 1 else ''} on {series}",
        "generated": f"Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} "
        f"by forecastrnn {__version__}",
        "facts": facts,
    }


def _spread_table(table: pd.DataFrame, names: list) -> Table:
    """Quantiles of each model's per-series scores, a row per model."""
    levels = {"Min": 0.0, "25%": 0.25, "Median": 0.5, "75%": 0.75, "Max": 1.0}
    quantiles = np.array(
        [[table.loc[name].quantile(q) for q in levels.values()] for name in names]
    )
    cells = _format(quantiles.ravel(), "ratio")
    n = len(levels)
    rows = [[str(name), *cells[i * n : (i + 1) * n]] for i, name in enumerate(names)]
    headers = [("Model", "model")] + [
        (label, f"quantile {q:g} of the per-series MASE") for label, q in levels.items()
    ]
    best = (
        {(i, j + 1) for i, j in _best_cells(quantiles, axis=0)}
        if len(names) > 1
        else set()
    )
    return Table(headers, rows, [False] + [True] * n, best, len(rows) > 12)


def _panel_sections(comparison: Comparison, y: dict | None) -> list[Section]:
    """The body of a panel backtest's report."""
    results, board = comparison.results, comparison.leaderboard
    n_series = int(board["n_series"].iloc[0])
    leaderboard = [
        f"sMAPE and MASE are means over the {n_series:,} series (the M4 "
        "competition's scores; each series' MASE is scaled by its own in-sample "
        "naive error), the other errors pooled over every forecast; best mean "
        "MASE first, the best value of each error metric highlighted. Times are "
        "compute seconds summed over folds and series.",
        _leaderboard_table(comparison),
    ]
    if "owa" in board:
        leaderboard.insert(
            1,
            f"OWA is the mean of sMAPE and MASE, each relative to that of "
            f"{comparison.reference} (the M4 competition's Naive2): below 1 beats it.",
        )
    names = list(board.index)
    mase = comparison.per_series("mase")
    mase_by_step = pd.DataFrame(
        {name: r.by_step.set_index("step")["mase"] for name, r in results.items()}
    )
    mase_by_fold = pd.DataFrame(
        {name: r.folds.groupby("fold")["mase"].mean() for name, r in results.items()}
    )
    k = min(3, n_series)
    best = names[0]
    worst = (
        results[best].per_series()["mase"].sort_values(ascending=False, kind="stable")
    )
    worst_table = mase.T.loc[worst.index[:k]]
    worst_table.index = [str(key) for key in worst_table.index]
    sections = [
        Section("leaderboard", "Leaderboard", leaderboard),
        Section(
            "spread",
            "Errors across series",
            [
                "How each model's MASE varies from series to series: a box spans "
                "the middle half of the series, each point is one series.",
                Image(
                    "series_errors",
                    "MASE per series, a box per model",
                    _png(plot_series_errors(comparison)),
                    "MASE of each series, per model (best first).",
                ),
                _spread_table(mase, names),
            ],
        ),
        Section(
            "horizon",
            "Error by horizon step",
            [
                "MASE at each step ahead, pooled over folds and series (each "
                "error scaled by its own series); errors usually grow with the step.",
                Image(
                    "error_by_step",
                    "MASE by horizon step, a line per model",
                    _png(plot_error_by_step(comparison, metric="mase")),
                    "MASE by horizon step.",
                ),
                _wide_table(
                    mase_by_step,
                    ("Step", "horizon step"),
                    "ratio",
                    scroll=len(mase_by_step) > 12,
                ),
            ],
        ),
        Section(
            "worst",
            "Worst series",
            [
                f"The {k} series the best model, {best}, forecasts worst (highest "
                "MASE), and every model's MASE on them.",
                Image(
                    "worst_series",
                    "Forecasts of the worst series against their actual values",
                    _png(plot_worst_series(comparison, y, k=k)),
                    "The latest folds of each series: actual values in black, each "
                    "model's forecasts in its colour.",
                ),
                _wide_table(worst_table, ("Series", "series id"), "ratio"),
            ],
        ),
        Section(
            "folds",
            "Error by fold",
            [
                "Mean MASE over series of each fold (fold k of every series "
                "forecasts the same stretch before that series' end).",
                _wide_table(
                    mase_by_fold,
                    ("Fold", "fold"),
                    "ratio",
                    scroll=len(mase_by_fold) > 12,
                ),
            ],
        ),
    ]
    training = _training_blocks(results)
    if training:
        sections.append(Section("training", "Training", training))
    return sections


def _sections(comparison: Comparison, y: pd.Series | None) -> list[Section]:
    if _is_panel(comparison):
        return _panel_sections(comparison, y)
    results = comparison.results
    board = comparison.leaderboard
    leaderboard = [
        "Metrics pooled over every forecast of every fold, best MASE first; the "
        "best value of each error metric is highlighted. MASE below 1 beats the "
        "in-sample (seasonal) naive forecast. Times are compute seconds summed "
        "over folds.",
        _leaderboard_table(comparison),
    ]
    if "coverage" in board:
        leaderboard.insert(
            1,
            "Coverage is the share of actual values inside the "
            "prediction interval; width its mean width.",
        )
    mae_by_step = pd.DataFrame(
        {name: r.by_step.set_index("step")["mae"] for name, r in results.items()}
    )
    mae_by_fold = pd.DataFrame(
        {name: r.folds.set_index("fold")["mae"] for name, r in results.items()}
    )
    origins = next(iter(results.values())).folds.set_index("fold")["origin"]
    mae_by_fold.index = [f"{i} · {_when(origins[i])}" for i in mae_by_fold.index]
    n_shown = min(3, len(origins))
    sections = [
        Section("leaderboard", "Leaderboard", leaderboard),
        Section(
            "horizon",
            "Error by horizon step",
            [
                "Mean absolute error at each step ahead, pooled over folds; errors "
                "usually grow with the step.",
                Image(
                    "error_by_step",
                    "MAE by horizon step, a line per model",
                    _png(plot_error_by_step(comparison)),
                    "MAE by horizon step.",
                ),
                _wide_table(
                    mae_by_step,
                    ("Step", "horizon step"),
                    "value",
                    scroll=len(mae_by_step) > 12,
                ),
            ],
        ),
        Section(
            "forecasts",
            "Forecasts against actuals",
            [
                Image(
                    "forecasts",
                    "Forecasts of the latest folds against the actual "
                    "series, a panel per model",
                    _png(plot_forecasts(comparison, y)),
                    f"The latest {n_shown} fold{'s' if n_shown > 1 else ''}: actual "
                    "values in black, forecasts in colour"
                    + (
                        " with their prediction intervals shaded"
                        if "coverage" in board
                        else ""
                    )
                    + "; dotted lines mark the forecast origins.",
                ),
            ],
        ),
        Section(
            "folds",
            "Error by fold",
            [
                "Mean absolute error of each fold (its number and forecast origin).",
                _wide_table(
                    mae_by_fold,
                    ("Fold · origin", "fold and origin"),
                    "value",
                    scroll=len(mae_by_fold) > 12,
                ),
            ],
        ),
    ]
    training = _training_blocks(results)
    if training:
        sections.append(Section("training", "Training", training))
    return sections


def _training_blocks(results: dict[str, BacktestResult]) -> list:
    blocks, used = [], set()
    for name, result in results.items():
        # recurrent models' histories; other forecasters may record anything
        histories = {
            k: h
            for k, h in result.histories.items()
            if isinstance(h, pd.DataFrame) and _HISTORY_COLUMNS <= set(h.columns)
        }
        if not histories:
            continue
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "model"
        while f"training-{slug}" in used:
            slug += "-x"
        used.add(f"training-{slug}")
        runs = {f"fold {k}": h for k, h in histories.items()}
        fig = plot_training_history(runs, title=name)
        blocks += [
            Image(
                f"training-{slug}",
                f"Training curves of {name}",
                _png(fig),
                f"{name}: loss per epoch (train solid, validation dashed) and the "
                "gradient's global norm before clipping (thick: mean over batches, "
                "thin: largest batch), one colour per refit fold.",
            ),
            _history_table(histories),
        ]
    if blocks:
        blocks.insert(
            0,
            "Learning curves of the recurrent models at each refit fold, "
            "and the gradient norm per epoch: a norm that keeps growing "
            "signals exploding gradients, one that collapses towards "
            "zero vanishing ones.",
        )
    return blocks


# ---------------------------------------------------------------------- public


def write_report(
    result: Comparison | BacktestResult,
    path: str | os.PathLike,
    *,
    title: str | None = None,
    y: pd.Series | None = None,
) -> tuple[Path, Path]:
    """Write the backtest report as a self-contained HTML page and a Markdown twin.

    The report holds a header (series, horizon, folds, best model, generation
    time, library version), the leaderboard (every metric and the runtime of
    every model), the error by horizon step (plot and table), forecasts against
    actuals for the latest folds (with prediction intervals when the backtest
    computed them), the error of every fold and, for recurrent models, their
    training curves and gradient norms per epoch. A panel backtest's report
    ranks by mean sMAPE and MASE over series (and OWA), shows the spread of
    per-series MASE per model and, instead of the latest folds of one series,
    the forecasts of the worst series of the best model.

    Parameters
    ----------
    result : Comparison or BacktestResult
        From :func:`forecastrnn.compare` or :func:`forecastrnn.backtest` (a
        single result is reported as the model ``"model"``).
    path : str or os.PathLike
        Where to write; the suffix is replaced by ``.html`` and ``.md``. Missing
        parent folders are created; existing files are overwritten.
    title : str, optional
        Page title; defaults to ``"Backtest report: <series name>"``.
    y : pandas.Series, optional
        The backtested series: adds its name, length and span to the header and
        some history before the folds shown in the forecast plot. For a panel
        backtest, the panel (a wide DataFrame or a mapping of Series).

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The HTML file and the Markdown file. The Markdown file's plots are PNG
        files in the folder ``<name>_files`` next to it, linked relatively; the
        HTML page embeds the same plots as ``data:`` URIs and needs nothing else.

    Raises
    ------
    TypeError
        If ``result`` is neither a Comparison nor a BacktestResult, or ``y`` is
        not a Series with a DatetimeIndex.

    Examples
    --------
    >>> import numpy as np, pandas as pd, tempfile
    >>> from forecastrnn import compare
    >>> from forecastrnn.baselines import Drift, Naive
    >>> y = pd.Series(np.arange(40.0), pd.date_range("2024", periods=40), name="y")
    >>> result = compare({"naive": Naive(), "drift": Drift()}, y, horizon=3)
    >>> html_path, md_path = write_report(result, f"{tempfile.mkdtemp()}/report")
    >>> html_path.suffix, md_path.suffix
    ('.html', '.md')
    """
    comparison = _as_comparison(result)
    y = _check_y(y, _is_panel(comparison))
    if title is None and _is_panel(comparison):
        title = "Backtest report"
    elif title is None:
        title = "Backtest report" + (
            "" if y is None or y.name is None else f": {y.name}"
        )
    base = Path(path)
    html_path, md_path = base.with_suffix(".html"), base.with_suffix(".md")
    folder = md_path.with_name(f"{md_path.stem}_files")
    with matplotlib.rc_context(_STYLE):
        header = _header(comparison, y, str(title))
        sections = _sections(comparison, y)
    folder.mkdir(parents=True, exist_ok=True)
    for section in sections:
        for block in section.blocks:
            if isinstance(block, Image):
                (folder / f"{block.name}.png").write_bytes(block.png)
    html_path.write_text(to_html(header, sections), encoding="utf-8")
    md_path.write_text(to_markdown(header, sections, folder.name), encoding="utf-8")
    return html_path, md_path
