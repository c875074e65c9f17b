"""The report of a panel backtest, and the helpers both reports share.

For a panel of series (a backtest with a ``series`` column)
:func:`forecastrnn.report.write_report` builds its page from this module: the
header (:func:`panel_header`) and the body (:func:`panel_sections`) rank the
models by their mean sMAPE and MASE over series (and OWA against Naive2 when
the comparison has that reference), show the spread of the per-series MASE of
each model, the forecasts of the worst series (by the best model's MASE)
against their actual values, and the mean MASE of each fold.

Its plots are public (:func:`plot_series_errors`, :func:`plot_worst_series`;
also importable from :mod:`forecastrnn.report`) and are drawn on
:class:`matplotlib.figure.Figure` directly: no pyplot, no backend or global
state is touched.

It also holds the helpers :mod:`forecastrnn.report` shares with it (which
imports this module, so this one cannot import that one): reading the
``result`` and ``y`` arguments (:func:`as_comparison`, :func:`check_y`,
:func:`is_panel`), restricting a panel comparison to one series
(:func:`one_series`) and drawing a fold's forecasts against the actual values
(:func:`actual_values`, :func:`plot_fold`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .backtest import BacktestResult, Comparison
from .checks import check_int
from .panel import as_panel
from .plotting import new_axes, series_label
from .render import (
    Image,
    Section,
    Table,
    best_cells,
    column_label,
    describe_freq,
    format_numbers,
    format_when,
    leaderboard_table,
    to_png,
    wide_table,
)
from .version import __version__

__all__ = [
    "actual_values",
    "as_comparison",
    "check_y",
    "is_panel",
    "one_series",
    "panel_header",
    "panel_sections",
    "plot_fold",
    "plot_series_errors",
    "plot_worst_series",
]


# ------------------------------------------------------------------------ input


def as_comparison(result: Any) -> Comparison:
    """``result`` as a Comparison (a single BacktestResult is named "model").

    Raises
    ------
    TypeError
        If ``result`` is neither a Comparison nor a BacktestResult.
    """
    if isinstance(result, Comparison):
        return result
    if isinstance(result, BacktestResult):
        return Comparison({"model": result})
    raise TypeError(
        "`result` must be a Comparison from `forecastrnn.compare` or a "
        f"BacktestResult from `forecastrnn.backtest`; got {type(result).__name__}."
    )


def check_y(y: Any, panel: bool = False) -> pd.Series | dict | None:
    """Validate the optional ``y``: the backtested series, or for a ``panel``
    the backtested panel, returned as ``{id: Series}``.

    Raises
    ------
    TypeError
        If ``y`` is not None nor a Series with a DatetimeIndex (for a
        ``panel``: a panel whose series have DatetimeIndexes).
    """
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


def is_panel(comparison: Comparison) -> bool:
    """Whether ``comparison`` holds the backtests of a panel of series."""
    return next(iter(comparison.results.values())).is_panel


def one_series(
    comparison: Comparison, y: dict | None, key: Any
) -> tuple[Comparison, pd.Series | None]:
    """The comparison restricted to one series of its panel, and that series.

    ``key`` is the series id (None: the first series); ``y`` the panel as
    returned by :func:`check_y`, or None.

    Raises
    ------
    ValueError
        If ``key`` is not a series of the backtest.
    """
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
    comparison = as_comparison(result)
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
    label = column_label(metric)
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
    comparison = as_comparison(result)
    if not is_panel(comparison):
        raise ValueError(
            "`result` is the backtest of a single series; `plot_worst_series` "
            "needs a panel backtest. Use `plot_forecasts` for one series."
        )
    y = check_y(y, panel=True)
    k, n_folds = check_int(k, "k"), check_int(n_folds, "n_folds")
    best = comparison.leaderboard.index[0]
    scores = comparison.results[best].per_series()["mase"]
    worst = scores.sort_values(ascending=False, kind="stable").index[:k]
    fig = Figure(figsize=(9.0, 0.6 + 2.1 * len(worst)), layout="constrained")
    axes = fig.subplots(len(worst), 1, squeeze=False)[:, 0]
    for ax, key in zip(axes, worst, strict=True):
        one, series = one_series(comparison, y, key)
        for i, res in enumerate(one.results.values()):
            latest = np.sort(res.forecasts["fold"].unique())[-n_folds:]
            shown = res.forecasts[res.forecasts["fold"].isin(latest)]
            if i == 0:
                actual = actual_values(shown, series)
                ax.plot(actual.index, actual.to_numpy(), color="#24292f", lw=1.1)
            for _, fold in shown.groupby("fold", sort=True):
                plot_fold(
                    ax,
                    fold.drop(columns=["lower", "upper"], errors="ignore"),
                    f"C{i % 10}",
                )
        mase = format_numbers([scores[key]], "ratio")[0]
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


def actual_values(shown: pd.DataFrame, y: pd.Series | None) -> pd.Series:
    """The actual values behind the folds shown, with some history when ``y``."""
    truth = shown.drop_duplicates("timestamp").set_index("timestamp")["y_true"]
    if y is None:
        return truth.sort_index()
    horizon = int(shown["step"].max())
    start = y.index.searchsorted(shown["origin"].min())
    stop = y.index.searchsorted(shown["timestamp"].max(), side="right")
    return y.iloc[max(start - 2 * horizon, 0) : stop]


def plot_fold(ax: Axes, fold: pd.DataFrame, color: str) -> None:
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


# ---------------------------------------------------------------------- sections


def panel_header(comparison: Comparison, y: dict | None, title: str) -> dict:
    """The header of a panel backtest's report."""
    first = next(iter(comparison.results.values()))
    folds, board = first.folds, comparison.leaderboard
    ids = list(first.per_series().index)
    shown = ", ".join(map(str, ids[:4])) + (", ..." if len(ids) > 4 else "")
    facts = [("Series", f"{len(ids):,} · {shown}")]
    if y is not None:
        index = next(iter(y.values())).index
        freq = index.freqstr
        described = describe_freq(freq)
        total = sum(len(s) for s in y.values())
        start = min(s.index[0] for s in y.values())
        end = max(s.index[-1] for s in y.values())
        facts += [
            ("Observations", f"{total:,} · {described}"),
            ("Span", f"{format_when(start)} → {format_when(end)}"),
        ]
    best = (
        f"{board.index[0]} · MASE {format_numbers([board['mase'].iloc[0]], 'ratio')[0]}"
    )
    if "owa" in board:
        best += f" · OWA {format_numbers([board['owa'].iloc[0]], 'ratio')[0]}"
    facts += [
        ("Horizon", f"{int(first.forecasts['step'].max())} steps"),
        (
            "Folds",
            f"{folds['fold'].nunique()} per series, aligned by their ends · "
            f"{first.window} window",
        ),
        (
            "Forecast origins",
            f"{format_when(folds['origin'].min())} → "
            f"{format_when(folds['origin'].max())}",
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


def _spread_table(table: pd.DataFrame, names: list) -> Table:
    """Quantiles of each model's per-series scores, a row per model."""
    levels = {"Min": 0.0, "25%": 0.25, "Median": 0.5, "75%": 0.75, "Max": 1.0}
    quantiles = np.array(
        [[table.loc[name].quantile(q) for q in levels.values()] for name in names]
    )
    cells = format_numbers(quantiles.ravel(), "ratio")
    n = len(levels)
    rows = [[str(name), *cells[i * n : (i + 1) * n]] for i, name in enumerate(names)]
    headers = [("Model", "model")] + [
        (label, f"quantile {q:g} of the per-series MASE") for label, q in levels.items()
    ]
    best = (
        {(i, j + 1) for i, j in best_cells(quantiles, axis=0)}
        if len(names) > 1
        else set()
    )
    return Table(headers, rows, [False] + [True] * n, best, len(rows) > 12)


def panel_sections(
    comparison: Comparison,
    y: dict | None,
    *,
    error_by_step: Figure,
    training: list,
) -> list[Section]:
    """The body of a panel backtest's report.

    Parameters
    ----------
    comparison : Comparison
        Of a panel backtest.
    y : dict of pandas.Series or None
        The panel as returned by :func:`check_y`.
    error_by_step : matplotlib.figure.Figure
        The MASE by horizon step
        (:func:`forecastrnn.report.plot_error_by_step`).
    training : list
        The blocks of the training section (none: no such section), built by
        :mod:`forecastrnn.report` like those of a single series' report.

    Returns
    -------
    list of Section
    """
    results, board = comparison.results, comparison.leaderboard
    n_series = int(board["n_series"].iloc[0])
    leaderboard = [
        f"sMAPE and MASE are means over the {n_series:,} series (the M4 "
        "competition's scores; each series' MASE is scaled by its own in-sample "
        "naive error), the other errors pooled over every forecast; best mean "
        "MASE first, the best value of each error metric highlighted. Times are "
        "compute seconds summed over folds and series.",
        leaderboard_table(board),
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
                    to_png(plot_series_errors(comparison)),
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
                    to_png(error_by_step),
                    "MASE by horizon step.",
                ),
                wide_table(
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
                    to_png(plot_worst_series(comparison, y, k=k)),
                    "The latest folds of each series: actual values in black, each "
                    "model's forecasts in its colour.",
                ),
                wide_table(worst_table, ("Series", "series id"), "ratio"),
            ],
        ),
        Section(
            "folds",
            "Error by fold",
            [
                "Mean MASE over series of each fold (fold k of every series "
                "forecasts the same stretch before that series' end).",
                wide_table(
                    mase_by_fold,
                    ("Fold", "fold"),
                    "ratio",
                    scroll=len(mase_by_fold) > 12,
                ),
            ],
        ),
    ]
    if training:
        sections.append(Section("training", "Training", training))
    return sections
