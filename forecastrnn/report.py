"""Backtest plots and the self-contained HTML / Markdown report of one series.

:func:`write_report` turns a :class:`~forecastrnn.Comparison` (or one
:class:`~forecastrnn.BacktestResult`) into two files with the same content:

- ``<name>.html``: one self-contained page. CSS is inline and every plot is an
  embedded ``data:image/png;base64`` URI, so the page opens offline and can be
  mailed as a single file; it loads no script, font or remote resource.
- ``<name>.md``: the Markdown twin, whose plots are PNG files in the folder
  ``<name>_files/`` next to it, referenced by relative links.

This module builds the report of a single series: its header, leaderboard,
error by horizon step, forecasts against actuals of the latest folds, error by
fold and training curves. For a panel of series (a backtest with a ``series``
column) :func:`write_report` dispatches to :mod:`forecastrnn.panel_report`,
which ranks the models by their mean sMAPE and MASE over series (and OWA
against Naive2 when the comparison has that reference), shows the spread of the
per-series MASE of each model and the forecasts of the worst series (by the
best model's MASE) against their actual values. The training section is built
here for both.

The plots are also public (:func:`plot_error_by_step`, :func:`plot_forecasts`,
and the panel plots :func:`plot_series_errors` and :func:`plot_worst_series`,
defined in :mod:`forecastrnn.panel_report` and re-exported here) and, like
:mod:`forecastrnn.diagnostics`, are drawn on :class:`matplotlib.figure.Figure`
directly: no pyplot, no backend or global state is touched.
"""

from __future__ import annotations

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
from .panel_report import (
    actual_values,
    as_comparison,
    check_y,
    is_panel,
    one_series,
    panel_header,
    panel_sections,
    plot_fold,
    plot_series_errors,
    plot_worst_series,
)
from .plotting import new_axes, series_label
from .render import (
    Image,
    Section,
    Table,
    column_label,
    describe_freq,
    format_numbers,
    format_when,
    leaderboard_table,
    to_html,
    to_markdown,
    to_png,
    wide_table,
)
from .version import __version__

__all__ = [
    "plot_error_by_step",
    "plot_forecasts",
    "plot_series_errors",
    "plot_worst_series",
    "write_report",
]

_HISTORY_COLUMNS = {"train_loss", "val_loss", "grad_norm"}
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
    comparison = as_comparison(result)
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
    label = column_label(metric)
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
    comparison = as_comparison(result)
    y = check_y(y, is_panel(comparison))
    n_folds = check_int(n_folds, "n_folds")
    if is_panel(comparison):
        comparison, y = one_series(comparison, y, series)
    names = list(comparison.results)
    fig = Figure(figsize=(9.0, 0.6 + 2.1 * len(names)), layout="constrained")
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for i, (ax, name) in enumerate(zip(axes, names, strict=True)):
        forecasts = comparison.results[name].forecasts
        latest = np.sort(forecasts["fold"].unique())[-n_folds:]
        shown = forecasts[forecasts["fold"].isin(latest)]
        actual = actual_values(shown, y)
        ax.plot(actual.index, actual.to_numpy(), color="#24292f", linewidth=1.1)
        for _, fold in shown.groupby("fold", sort=True):
            plot_fold(ax, fold, f"C{i % 10}")
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


# ------------------------------------------------------------------ tables


def _history_table(histories: dict[int, pd.DataFrame]) -> Table:
    rows, columns = [], {"epochs": [], "train": [], "val": [], "grad": [], "max": []}
    for frame in histories.values():
        columns["epochs"].append(len(frame))
        columns["train"].append(frame["train_loss"].iloc[-1])
        columns["val"].append(frame["val_loss"].min())
        columns["grad"].append(frame["grad_norm"].iloc[-1])
        columns["max"].append(frame.get("grad_norm_max", frame["grad_norm"]).max())
    formatted = {
        k: format_numbers(v, "int" if k == "epochs" else "value")
        for k, v in columns.items()
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


def _header(comparison: Comparison, y: pd.Series | None, title: str) -> dict:
    """Title, subtitle, generation line and the key facts of the report."""
    if is_panel(comparison):
        return panel_header(comparison, y, title)
    first = next(iter(comparison.results.values()))
    folds, board = first.folds, comparison.leaderboard
    series = "unnamed series" if y is None or y.name is None else str(y.name)
    facts = [("Series", series)]
    if y is not None:
        freq = y.index.freqstr or (pd.infer_freq(y.index) if len(y) > 2 else None)
        described = describe_freq(freq)
        facts += [
            ("Observations", f"{len(y):,} · {described}"),
            ("Span", f"{format_when(y.index[0])} → {format_when(y.index[-1])}"),
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
            f"{format_when(folds['origin'].iloc[0])} → "
            f"{format_when(folds['origin'].iloc[-1])}",
        ),
        ("Training size", f"{folds['n_train'].min():,} → {folds['n_train'].max():,}"),
        (
            "Best model",
            f"{board.index[0]} · MASE "
            f"{format_numbers([board['mase'].iloc[0]], 'ratio')[0]}",
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


def _sections(comparison: Comparison, y: pd.Series | None) -> list[Section]:
    """The body of the report; a panel's from :func:`panel_sections`."""
    choice = _choice_blocks(comparison.results)
    choice = [Section("choice", "Model choice", choice)] if choice else []
    if is_panel(comparison):
        return panel_sections(
            comparison,
            y,
            error_by_step=plot_error_by_step(comparison, metric="mase"),
            training=_training_blocks(comparison.results),
        ) + choice
    results = comparison.results
    board = comparison.leaderboard
    leaderboard = [
        "Metrics pooled over every forecast of every fold, best MASE first; the "
        "best value of each error metric is highlighted. MASE below 1 beats the "
        "in-sample (seasonal) naive forecast. Times are compute seconds summed "
        "over folds.",
        leaderboard_table(board),
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
    mae_by_fold.index = [f"{i} · {format_when(origins[i])}" for i in mae_by_fold.index]
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
                    to_png(plot_error_by_step(comparison)),
                    "MAE by horizon step.",
                ),
                wide_table(
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
                    to_png(plot_forecasts(comparison, y)),
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
                wide_table(
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
    return sections + choice


def _choice_blocks(results: dict[str, BacktestResult]) -> list:
    """What an :class:`~forecastrnn.AutoForecaster` chose at each refit, and
    why (its ``history_``: the candidates' validation scores, best first)."""
    blocks = []
    for name, result in results.items():
        choices = {
            k: h
            for k, h in result.histories.items()
            if isinstance(h, pd.DataFrame) and "chosen" in h.columns and len(h)
        }
        if not choices:
            continue
        metric = next(iter(choices.values())).columns[0]
        rows = []
        for fold, frame in choices.items():
            scores = frame[metric].astype(float)
            runner = scores.index[1] if len(scores) > 1 else ""
            margin = (
                f"{100 * (scores.iloc[1] - scores.iloc[0]) / scores.iloc[1]:.1f} %"
                if len(scores) > 1 and np.isfinite(scores.iloc[1]) and scores.iloc[1]
                else ""
            )
            second = format_numbers([scores.iloc[1]], "value")[0] if runner else ""
            rows.append([
                str(fold), str(scores.index[0]),
                format_numbers([scores.iloc[0]], "value")[0], str(runner), second,
                margin,
            ])  # fmt: skip
        label = metric.upper()
        headers = [
            ("Fold", "refit fold: the choice was made on data before its origin"),
            ("Chosen", "the candidate with the lowest validation score"),
            (label, f"its validation {label}"),
            ("Runner-up", "the second best candidate"),
            (f"Runner-up {label}", f"its validation {label}"),
            ("Margin", "how much lower the chosen candidate's score is"),
        ]
        weighted = (
            " A weighted mean forecasts with every candidate, each weighted by "
            f"the inverse square of its validation {label} (the Weight column)."
            if "weight" in frame.columns else ""
        )  # fmt: skip
        blocks += [
            f"{name} chose a model at every refit fold by backtesting its "
            f"candidates on validation folds before that fold's origin (never on "
            f"the test folds), by {label}. The chosen one forecast until the "
            f"next refit.{weighted}",
            Table(headers, rows, [False, False, True, False, True, True], set(),
                  len(rows) > 12),
            f"The candidates' validation scores at the last refit (fold {fold}), "
            "best first:",
            _selection_table(frame.drop(columns="chosen")),
        ]
    return blocks


def _selection_table(frame: pd.DataFrame) -> Table:
    """Candidates (rows) by validation scores, fit time and weight (columns,
    each formatted on its own; the lowest score and time in bold)."""
    columns = {
        c: format_numbers(frame[c].to_numpy(float),
                          "seconds" if c == "fit_seconds" else "value")
        for c in frame.columns
    }  # fmt: skip
    rows = [
        [str(label), *(columns[c][i] for c in frame.columns)]
        for i, label in enumerate(frame.index)
    ]
    best = {
        (int(np.nanargmin(frame[c].to_numpy(float))), j + 1)
        for j, c in enumerate(frame.columns)
        if c != "weight" and np.isfinite(frame[c].to_numpy(float)).any()
    }
    headers = [("Candidate", "candidate")]
    headers += [(column_label(c), c) for c in frame.columns]
    return Table(headers, rows, [False] + [True] * len(frame.columns), best)


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
                to_png(fig),
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
    comparison = as_comparison(result)
    y = check_y(y, is_panel(comparison))
    if title is None and is_panel(comparison):
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
