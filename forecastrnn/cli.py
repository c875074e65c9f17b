"""The ``forecastrnn`` command: list the bundled data, backtest models, forecast.

::

    forecastrnn datasets
    forecastrnn backtest --dataset energy [--models lstm,gru,naive] [--out DIR]
    forecastrnn backtest --csv sales.csv --time-col date --target units
    forecastrnn backtest --csv long.csv --id-col unique_id --time-col ds --target y
    forecastrnn forecast --dataset stock --ticker MSFT --interval 0.8 --out f.csv

Every model trains on the same trailing ``--train-size`` observations of the
series (a sliding window of fixed length), so a backtest on years of hourly
data finishes in minutes. The recurrent networks are fit at the first fold
and every ``NETWORK_REFIT`` (7) folds after it (weekly, with the daily origins
of the hourly datasets' 28 default folds), and forecast the folds in between
from their new context (``last_window``); the statistical baselines refit at
every fold. Progress bars go to stderr,
results (the leaderboard, the forecast, the paths written) to stdout. Bad input
ends the command with one line ``forecastrnn: error: ...`` and exit status 2.

``backtest`` also takes a panel of series: a long CSV (``--id-col``, one row
per series and timestamp) or ``--dataset stock`` without ``--ticker`` (the four
bundled tickers). Every series is cut to the same trailing length, the
networks learn from all of them at once (a global model) and the baselines are
fit series by series; the leaderboard ranks by the mean MASE over series and,
with ``naive2`` among the models (added by default), shows the M4 OWA.

Reading the user's CSV files lives in :mod:`forecastrnn.csvfiles`. The parser
lives in :mod:`forecastrnn.arguments` (standard library only): the
``forecastrnn`` command, :mod:`forecastrnn.__main__`, parses first and imports
this module, and JAX, statsmodels and matplotlib behind it, only to run a
command. :func:`main` parses and runs in one go, in this process.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
from sklearn.base import BaseEstimator, clone

from . import baselines, datasets, windows
from .arguments import (
    DEFAULT_EPOCHS,
    MODELS,
    RNN_CELLS,
    CLIError,
    build_parser,
    run_command,
)
from .backtest import Comparison, backtest, is_global
from .csvfiles import check_column, read_csv_series, read_long_csv
from .forecasters import RNNForecaster, default_network
from .progress import progress_bar
from .report import write_report
from .selection import AutoForecaster

__all__ = [
    "COMMANDS",
    "DEFAULT_EPOCHS",
    "MODELS",
    "PRESETS",
    "RNN_CELLS",
    "CLIError",
    "Console",
    "Preset",
    "Series",
    "Settings",
    "build_parser",
    "cmd_backtest",
    "cmd_datasets",
    "cmd_forecast",
    "load_series",
    "main",
    "make_model",
    "parse_models",
    "run",
    "settings",
]


@dataclass(frozen=True)
class Preset:
    """Defaults of a bundled dataset."""

    target: str
    horizon: int
    season: int  # seasonal period of the models (seasonal naive, ETS, Theta)
    m: int  # seasonal period of the MASE scale
    train_size: int
    models: str
    folds: int = 5  # backtest origins, one horizon apart


# The networks of a backtest are refit every this many origins (weekly with
# daily origins) and forecast the others from their new context; the
# baselines, cheap to fit, are refit at every origin.
NETWORK_REFIT = 7
# Validation origins (one horizon apart) before each refit of `--auto`.
AUTO_FOLDS = 7

_HOURLY_MODELS = "lstm,gru,naive,seasonal_naive,ets,theta"
PRESETS = {
    # 8 weeks of hourly history (a daily cycle 56 times over) before each of
    # four weeks of daily origins
    "energy": Preset("load_kw", 24, 24, 24, 1344, _HOURLY_MODELS, 28),
    "weather": Preset("temp_c", 24, 24, 24, 1344, _HOURLY_MODELS, 28),
    # two years of trading days; prices have no cycle worth scaling MASE by
    "stock": Preset("adj_close", 5, 5, 1, 504, "lstm,gru,naive,drift,theta"),
}


@dataclass(frozen=True)
class Series:
    """The series to model (or ``{id: Series}``, a panel) and how it was chosen."""

    y: pd.Series | dict
    label: str
    preset: Preset | None


# -------------------------------------------------------------------------- data


def _dataset_series(
    name: str, ticker: str | None, target: str | None, panel: bool = False
) -> Series:
    """The target series of a bundled dataset (every ticker with ``panel``)."""
    name = name.lower()
    if name.startswith("stock:") and ticker is None:  # names of `datasets`
        name, ticker = name.split(":", 1)
    if name not in PRESETS:
        raise CLIError(
            f"unknown dataset {name!r}; choose energy, weather or stock "
            "(`forecastrnn datasets` lists them), or pass --csv"
        )
    if ticker is not None and name != "stock":
        raise CLIError(f"--ticker applies to --dataset stock, not {name!r}")
    preset = PRESETS[name]
    if name == "stock" and ticker is None and panel:
        frames = {ticker: datasets.load_stock(ticker) for ticker in datasets.TICKERS}
        column = check_column(frames["AAPL"], target or preset.target, "stock")
        label = f"stock ({', '.join(datasets.TICKERS)})"
        return Series({k: f[column] for k, f in frames.items()}, label, preset)
    if name == "stock":
        ticker = (ticker or "AAPL").upper()
        if ticker not in datasets.TICKERS:
            choices = ", ".join(datasets.TICKERS)
            raise CLIError(f"unknown ticker {ticker!r}; choose one of {choices}")
        frame, label = datasets.load_stock(ticker), f"stock {ticker}"
    else:
        frame, label = getattr(datasets, f"load_{name}")(), name
    column = check_column(frame, target or preset.target, label)
    return Series(frame[column], label, preset)


def load_series(
    args: argparse.Namespace, note: Callable[[str], None], panel: bool = False
) -> Series:
    """The series chosen by the data options, its gaps filled from the past.

    With ``panel`` (the backtest) a long CSV (``--id-col``) or ``--dataset
    stock`` without ``--ticker`` gives ``{id: Series}``.
    """
    if (args.dataset is None) == (args.csv is None):
        raise CLIError("pass exactly one of --dataset NAME or --csv PATH")
    id_col = getattr(args, "id_col", None)
    given = (args.time_col, args.freq, args.sep, args.decimal, args.dayfirst or None)
    if args.csv is None and any(option is not None for option in given):
        raise CLIError(
            "--time-col, --freq, --sep, --decimal and --dayfirst apply to --csv only"
        )
    if args.csv is None and id_col is not None:
        raise CLIError("--id-col applies to --csv only (a long CSV of many series)")
    if args.dataset is not None:
        series = _dataset_series(args.dataset, args.ticker, args.target, panel)
    else:
        if args.ticker is not None:
            raise CLIError("--ticker applies to --dataset stock only")
        read = (
            read_csv_series if id_col is None
            else partial(read_long_csv, id_col=id_col)
        )
        y, label = read(
            args.csv, time_col=args.time_col, target=args.target, freq=args.freq,
            sep=args.sep, decimal=args.decimal, dayfirst=args.dayfirst,
        )  # fmt: skip
        series = Series(y, label, None)
    if not _is_panel(series.y):
        trimmed, n_ends, n_missing = _trimmed(series.y, series.label)
        name = series.y.name
        if n_ends:
            note(f"dropped {n_ends} missing values at the ends of {name!r}")
        if n_missing:
            note(f"filled {n_missing} missing values of {name!r} with the last value")
        return Series(trimmed, series.label, series.preset)
    filled, n_ends, n_missing = {}, 0, 0
    for key, y in series.y.items():
        filled[key], ends, missing = _trimmed(y, f"series {key!r} of {series.label}")
        n_ends, n_missing = n_ends + ends, n_missing + missing
    if n_ends:
        note(f"dropped {n_ends} missing values at the ends of the series")
    if n_missing:
        note(f"filled {n_missing} missing values of the series with the last value")
    return Series(filled, series.label, series.preset)


def _trimmed(y: pd.Series, label: str) -> tuple[pd.Series, int, int]:
    """``y`` without leading and trailing gaps, the last value carried over inner
    ones; and the numbers of values dropped and filled."""
    valid = y.notna().to_numpy()
    if not valid.any():
        raise CLIError(f"column {y.name!r} of {label} has no values")
    first, last = valid.argmax(), len(valid) - valid[::-1].argmax()
    trimmed = y.iloc[first:last]
    n_missing = int(trimmed.isna().sum())
    if n_missing:
        trimmed = windows.fill_missing(trimmed, "ffill")
    return trimmed, len(y) - (last - first), n_missing


# ------------------------------------------------------------------------ models


@dataclass(frozen=True)
class Settings:
    """What the models need to know, resolved from options and presets."""

    horizon: int
    season: int
    m: int
    train_size: int
    folds: int
    epochs: int
    window: int | None
    seed: int
    coverage: float | None
    progress: bool
    ensemble: int = 1  # networks per model (ensemble_size)


def _is_panel(y) -> bool:
    return isinstance(y, dict)


def _season_of(index: pd.DatetimeIndex) -> int:
    """The seasonal period of the frequency of ``index`` (1 if it has none)."""
    try:
        return baselines.seasonal_period(index)
    except ValueError:  # e.g. custom business days: no standard cycle
        return 1


def settings(args: argparse.Namespace, series: Series, coverage) -> Settings:
    """Resolve the model settings: options, else the dataset's preset, else rules."""
    preset = series.preset
    if preset is None:  # a CSV: a season from the frequency, one season ahead
        first = next(iter(series.y.values())) if _is_panel(series.y) else series.y
        season = _season_of(first.index)
        preset = Preset("", season if season > 1 else 10, season, season,
                        max(56 * season, 500), "")  # fmt: skip
    season = args.season or preset.season
    m = args.season or preset.m
    horizon = args.horizon or preset.horizon
    train_size = args.train_size or preset.train_size
    return Settings(
        horizon=horizon, season=season, m=m, train_size=train_size,
        folds=getattr(args, "folds", None) or preset.folds, epochs=args.epochs,
        window=args.window, seed=args.seed, coverage=coverage,
        progress=not args.quiet, ensemble=args.ensemble,
    )  # fmt: skip


def _network(cell: str, s: Settings) -> RNNForecaster:
    """The package's network for ``cell``; the command sets only these options."""
    network = default_network(cell).set_params(
        max_epochs=s.epochs, random_state=s.seed, verbose=int(s.progress),
        ensemble_size=s.ensemble,
    )
    if s.coverage is not None:
        lo, hi = (1 - s.coverage) / 2, (1 + s.coverage) / 2
        network.set_params(loss="quantile", quantiles=(lo, 0.5, hi))
    model = RNNForecaster(network, horizon=s.horizon)
    if s.window is not None:
        model.set_params(window_size=s.window)
    return model


def make_model(name: str, s: Settings):
    """The unfitted forecaster called ``name``."""
    if name in RNN_CELLS:
        return _network(name, s)
    seasonal = s.season > 1
    if name == "naive":
        return baselines.Naive()
    if name == "seasonal_naive":
        return baselines.SeasonalNaive(season_length=s.season)
    if name == "drift":
        return baselines.Drift()
    if name == "ets":
        if seasonal:
            return baselines.ETS(seasonal="add", seasonal_periods=s.season)
        return baselines.ETS(trend="add", damped_trend=True)
    if name == "arima":
        if seasonal:
            return baselines.ARIMA(order=(2, 0, 0), seasonal_order=(1, 1, 0, s.season))
        return baselines.ARIMA(order=(1, 1, 1))
    if name == "theta":
        return baselines.Theta(period=s.season)
    if name == "naive2":
        return baselines.Naive2(season_length=s.season)
    raise CLIError(f"unknown model {name!r}; choose from {','.join(MODELS)}")


def parse_models(text: str) -> list[str]:
    """Model names from a comma-separated list, checked, duplicates removed."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in MODELS]
    if unknown or not names:
        raise CLIError(
            f"unknown model(s) {', '.join(unknown) or repr(text)} in --models; "
            f"choose from {','.join(MODELS)}"
        )
    return list(dict.fromkeys(names))


class _Tracked(BaseEstimator):
    """A forecaster that calls ``on_predict()`` after each point forecast."""

    def __init__(self, forecaster=None, on_predict=None):
        self.forecaster = forecaster
        self.on_predict = on_predict

    @property
    def global_model(self) -> bool:
        """Whether a backtest fits the wrapped forecaster on a whole panel."""
        return is_global(self.forecaster)

    def fit(self, y, exog=None):
        self.forecaster_ = clone(self.forecaster).fit(y, exog=exog)
        return self

    @property
    def history_(self):
        return self.forecaster_.history_

    def predict(self, **kwargs):
        forecast = self.forecaster_.predict(**kwargs)
        if self.on_predict is not None:
            self.on_predict()
        return forecast

    def predict_interval(self, **kwargs):
        return self.forecaster_.predict_interval(**kwargs)


# ------------------------------------------------------------------------ output


class Console:
    """Where the command writes: results to stdout, the rest to stderr."""

    def __init__(self, quiet: bool, out=None, err=None):
        self.quiet = quiet
        self.out = sys.stdout if out is None else out
        self.err = sys.stderr if err is None else err

    def result(self, text: str = "") -> None:
        print(text, file=self.out)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(f"forecastrnn: {text}", file=self.err)

    def warn(self, text: str) -> None:
        print(f"forecastrnn: warning: {text}", file=self.err)


def _report_warnings(caught, model: str, console: Console) -> None:
    """One line per distinct warning raised while ``model`` ran."""
    seen = set()
    for record in caught:
        text = " ".join(str(record.message).split())
        if text not in seen:
            seen.add(text)
            console.warn(f"{model}: {text[:300]}")


def _leaderboard_text(board: pd.DataFrame) -> str:
    metrics = ("mase", "owa", "smape", "mae", "rmse", "coverage", "width")
    columns = [c for c in metrics if c in board]
    table = board[columns].copy()
    table["seconds"] = board["total_seconds"]
    return table.to_string(float_format=lambda v: f"{v:.4g}")


# ---------------------------------------------------------------------- commands


def cmd_datasets(args: argparse.Namespace, console: Console) -> int:
    table = datasets.list_datasets()
    table["start"] = table["start"].dt.strftime("%Y-%m-%d")
    table["end"] = table["end"].dt.strftime("%Y-%m-%d")
    shown = table[["name", "frequency", "rows", "start", "end", "licence"]]
    console.result(shown.to_string(index=False))
    console.result()
    for row in table.itertuples():
        console.result(f"{row.name:<11} columns: {row.columns}")
    console.result()
    console.result("Backtest one: forecastrnn backtest --dataset energy")
    return 0


def _fold_data(y, s: Settings, n_folds: int) -> tuple[pd.Series | dict, int]:
    """The tail of ``y`` the folds use and the training size of every fold.

    Every series of a panel is cut to the same length: its last ``train +
    n_folds * horizon`` observations.
    """
    test = n_folds * s.horizon
    lengths = {k: len(v) for k, v in y.items()} if _is_panel(y) else {None: len(y)}
    shortest = min(lengths, key=lengths.get)
    train = min(s.train_size, lengths[shortest] - test)
    if train < 2 * s.horizon:
        which = "the series" if shortest is None else f"series {shortest!r}"
        raise CLIError(
            f"{which} has {lengths[shortest]} observations: too few for {n_folds} "
            f"folds of --horizon {s.horizon} after a training part; lower --folds "
            "or --horizon" + ("" if shortest is None else ", or drop that series")
        )
    if _is_panel(y):
        return {k: v.iloc[-(train + test) :] for k, v in y.items()}, train
    return y.iloc[-(train + test) :], train


def _run_backtests(models: dict, y, train: int, n_folds: int, s, console):
    """Backtest every model on the same sliding folds, with a progress bar.

    Every fold trains on the ``train`` observations before its origin; the
    networks are fit at every ``NETWORK_REFIT``-th fold (the first included)
    and forecast the others from their new context, the baselines refit at
    every fold. On a panel the
    networks forecast every series in one call, the baselines one by one.
    """
    results = {}
    n_series = len(y) if _is_panel(y) else 1
    total = sum(n_folds * (1 if is_global(m) else n_series) for m in models.values())
    bar = progress_bar(total, "folds", unit="fold", disable=not s.progress)
    with bar:
        for name, model in models.items():
            bar.set_postfix_str(name)
            tracked = _Tracked(model, on_predict=lambda: bar.update(1))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                results[name] = backtest(
                    tracked, y, horizon=s.horizon, n_folds=n_folds, initial=train,
                    window="sliding",
                    refit=NETWORK_REFIT if _trains(name) else True, m=s.m,
                    coverage=s.coverage,
                )  # fmt: skip
            _report_warnings(caught, name, console)
    return Comparison(
        results, "naive2" if _is_panel(y) and "naive2" in results else None
    )


def _trains(name: str) -> bool:
    """Whether model ``name`` trains networks (refit every ``NETWORK_REFIT``)."""
    return name in RNN_CELLS or name == "auto"


def _auto(models: dict, s: Settings, train: int) -> AutoForecaster:
    """The ``--auto`` model: ``models`` weighted by their scores on
    validation folds inside each refit's ``train`` observations."""
    first = max(2 * s.horizon, s.m + 1)  # the first fold's training points
    folds = max(1, min(AUTO_FOLDS, (train - s.horizon - first) // s.horizon + 1))
    return AutoForecaster(
        dict(models), horizon=s.horizon, n_folds=folds, season_length=s.m,
        random_state=s.seed,
    )  # fmt: skip


def _choices_text(result, n_folds: int) -> str:
    """One line: what ``--auto`` chose at its refit folds, each on the
    ``n_folds`` validation origins before it (and the candidates' mean
    weights, for a weighted mean)."""
    chosen: dict[str, list[str]] = {}
    weights = []
    for fold, frame in result.histories.items():
        if isinstance(frame, pd.DataFrame) and "chosen" in frame:
            chosen.setdefault(str(frame.index[0]), []).append(fold)
            if "weight" in frame:
                weights.append(frame["weight"].dropna())
    picks = "; ".join(f"{k} ({_refits_text(v)})" for k, v in chosen.items())
    text = f"auto chose {picks} by MASE on the {n_folds} origins before each refit"
    if weights:
        mean = pd.concat(weights, axis=1).fillna(0.0).mean(axis=1)
        shares = ", ".join(
            f"{k} {w:.2f}" for k, w in mean.sort_values(ascending=False).items()
        )
        text += f", weighted by inverse squared MASE (mean weights: {shares})"
    return text + " (see the report's Model choice)."


def _refits_text(keys: list) -> str:
    """The refit folds of one choice: ``folds 0, 7`` (a series), or
    ``8 refits of 4 series`` (a panel's keys are ``(series, fold)``)."""
    if all(isinstance(k, tuple) for k in keys):
        return f"{len(keys)} refits of {len({k[0] for k in keys})} series"
    return "folds " + ", ".join(map(str, keys))


def _write_outputs(comparison: Comparison, y, out: Path, title: str):
    """Write the report, the forecasts and the leaderboard to ``out`` (and, for
    a panel, every model's scores on every series)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CLIError(f"cannot create --out {str(out)!r}: {error.strerror}") from None
    html, md = write_report(comparison, out / "report", title=title, y=y)
    forecasts = out / "forecasts.csv"
    comparison.forecasts.to_csv(forecasts, index=False)
    leaderboard = out / "leaderboard.csv"
    comparison.leaderboard.to_csv(leaderboard)
    paths = [html, md, forecasts, leaderboard]
    if _is_panel(y):
        paths.append(out / "per_series.csv")
        comparison.per_series().to_csv(paths[-1])
    return paths


def cmd_backtest(args: argparse.Namespace, console: Console) -> int:
    series = load_series(args, console.note, panel=True)
    s = settings(args, series, args.coverage)
    default_models = series.preset.models if series.preset else "lstm,gru,naive,theta"
    if _is_panel(series.y):
        default_models += ",naive2"
    names = parse_models(args.models or default_models)
    y, train = _fold_data(series.y, s, s.folds)
    models = {name: make_model(name, s) for name in names}
    if args.auto:
        models["auto"] = _auto(models, s, train)
        names.append("auto")
    if _is_panel(y):
        console.note(
            f"backtesting {', '.join(names)} on {series.label}: {len(y)} series, "
            f"{s.folds} folds of {s.horizon} steps at the end of each, each "
            f"trained on the {train} observations before its origin"
        )
        title = f"Backtest report: {series.label}"
    else:
        console.note(
            f"backtesting {', '.join(names)} on {series.label} {y.name!r}: "
            f"{s.folds} folds of {s.horizon} steps from {y.index[train]}, each "
            f"trained on the {train} observations before its origin"
        )
        title = f"Backtest report: {series.label} {y.name}"
    comparison = _run_backtests(models, y, train, s.folds, s, console)
    paths = _write_outputs(comparison, y, Path(args.out), title)
    console.result(_leaderboard_text(comparison.leaderboard))
    console.result()
    naive = "naive" if s.m == 1 else f"seasonal naive (period {s.m})"
    sorted_by = f"mean MASE over the {len(y)} series" if _is_panel(y) else "MASE"
    console.result(
        f"Sorted by {sorted_by}: the MAE over that of the in-sample one-step "
        f"{naive} forecast."
    )
    if "auto" in comparison.results:
        console.result(
            _choices_text(comparison.results["auto"], models["auto"].n_folds)
        )
    if "owa" in comparison.leaderboard:
        console.result(
            "OWA: mean of sMAPE and MASE relative to naive2's (M4); below 1 beats it."
        )
    for path in paths:
        console.result(f"wrote {path}")
    return 0


def cmd_forecast(args: argparse.Namespace, console: Console) -> int:
    series = load_series(args, console.note)
    s = settings(args, series, args.interval)
    steps = args.steps or s.horizon
    y = series.y.iloc[-s.train_size :]
    model = make_model(args.model, s)
    console.note(
        f"fitting {args.model} on the last {len(y)} observations of {series.label} "
        f"{y.name!r} ({y.index[0]} to {y.index[-1]})"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(y)
        if args.interval is None:
            frame = model.predict(steps=steps).rename("forecast").to_frame()
        else:
            frame = model.predict_interval(steps=steps, coverage=args.interval)
            frame = frame.rename(columns={"mean": "forecast"})
    _report_warnings(caught, args.model, console)
    frame.index.name = y.index.name or "timestamp"
    out = Path(args.out)
    try:
        frame.to_csv(out)
    except OSError as error:
        raise CLIError(f"cannot write --out {str(out)!r}: {error.strerror}") from None
    console.result(frame.to_string(float_format=lambda v: f"{v:.6g}"))
    console.result(f"wrote {out}")
    return 0


COMMANDS = {
    "datasets": cmd_datasets,
    "backtest": cmd_backtest,
    "forecast": cmd_forecast,
}


def run(args: argparse.Namespace) -> int:
    """Run the parsed command ``args``; return its exit status.

    Parameters
    ----------
    args : argparse.Namespace
        Arguments parsed by :func:`forecastrnn.arguments.build_parser`.

    Returns
    -------
    int
        0 on success. Bad input raises :class:`CLIError` (or ``ValueError``,
        ``TypeError``, ...); :func:`main` reports it as one line.
    """
    console = Console(quiet=getattr(args, "quiet", False))
    return COMMANDS[args.command](args, console)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``forecastrnn`` command in this process; return its exit status."""
    return run_command(sys.argv[1:] if argv is None else argv, run)
