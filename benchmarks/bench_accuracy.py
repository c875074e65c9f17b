"""Accuracy of the RNN cells against statistical baselines on the bundled data.

Every series is split in time. The *test* period is the last ``n_folds``
rolling origins of the series; the *validation* period is the ``n_folds``
origins just before it (the series cut at the first test origin, so nothing of
the test period is seen). Defaults are chosen on validation only; the test
folds are run once with them.

Protocol per series (see ``SPECS``):

- Each RNN cell is ``RNNForecaster(RNNRegressor(cell, random_state=0),
  horizon=h)`` with the package defaults, fit once at the first fold on a
  trailing window of the history (``rnn_obs`` points) and forecasting every
  later origin with ``predict(last_window=...)`` (``refit=False``).
- Baselines are refit at every origin on a trailing window (``baseline_obs``
  points), as statistical models are used in practice.
- MASE uses each fold's full history before the origin for its scale, with
  ``m`` = 24 (hourly) or 1 (daily stocks); both runs use identical folds.

Usage::

    python benchmarks/bench_accuracy.py                         # test, all
    python benchmarks/bench_accuracy.py --datasets energy --quick
    python benchmarks/bench_accuracy.py --split validation --cells gru \\
        --set window_size=168 --no-baselines --log /tmp/val.jsonl

A full test run rewrites the generated part of ``benchmarks/accuracy.md``
(between the RESULTS markers; the text around them is kept). Other runs only
print their tables (``--write`` forces the file update).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

import forecastrnn
from forecastrnn import RNNForecaster, RNNRegressor, compare
from forecastrnn.baselines import ETS, Drift, Naive, SeasonalNaive, Theta
from forecastrnn.datasets import TICKERS, load_energy, load_stock, load_weather
from forecastrnn.forecasters import default_network

HERE = Path(__file__).resolve().parent
REPORT = HERE / "accuracy.md"
BEGIN, END = "<!-- BEGIN RESULTS -->", "<!-- END RESULTS -->"
CELLS = ("lstm", "gru", "rnn")
WEEKS_8 = 8 * 168


class Trailing(BaseEstimator):
    """Fit ``forecaster`` on the last ``n_obs`` points of the series it is given.

    Forecasts pass straight through, so the fold's origin and future timestamps
    are those of the full series.
    """

    def __init__(self, forecaster=None, n_obs=None):
        self.forecaster = forecaster
        self.n_obs = n_obs

    def fit(self, y, exog=None):
        tail = y if self.n_obs is None else y.iloc[-self.n_obs :]
        self.forecaster_ = clone(self.forecaster).fit(tail)
        self.history_ = getattr(self.forecaster_, "history_", None)
        return self

    def predict(self, steps=None, exog=None, last_window=None):
        return self.forecaster_.predict(steps=steps, last_window=last_window)


@dataclass(frozen=True)
class Spec:
    """One dataset of the benchmark and its protocol."""

    load: Callable[[], dict[str, pd.Series]]
    horizon: int
    m: int
    step: int
    n_folds: int
    rnn_obs: int | None
    baseline_obs: int | None
    baselines: Callable[[], dict[str, BaseEstimator]]
    val_folds: int | None = None  # validation origins (default ``n_folds``)


def _hourly_baselines() -> dict[str, BaseEstimator]:
    return {
        "Naive": Naive(),
        "SeasonalNaive(24)": SeasonalNaive(24),
        "SeasonalNaive(168)": SeasonalNaive(168),
        "ETS(A,N,A) 24": ETS(seasonal="add", seasonal_periods=24),
        "ETS(A,Ad,A) 24": ETS(
            trend="add", damped_trend=True, seasonal="add", seasonal_periods=24
        ),
        "Theta(24)": Theta(period=24),
    }


def _daily_baselines() -> dict[str, BaseEstimator]:
    return {
        "Naive": Naive(),
        "Drift": Drift(),
        "ETS(A,Ad,N)": ETS(trend="add", damped_trend=True),
        "Theta": Theta(period=1),
    }


SPECS = {
    "energy": Spec(
        load=lambda: {"energy": load_energy()["load_kw"]},
        horizon=24, m=24, step=24, n_folds=28,
        rnn_obs=2 * 8760, baseline_obs=WEEKS_8, baselines=_hourly_baselines,
        val_folds=56,
    ),
    "weather": Spec(
        load=lambda: {"weather": load_weather()["temp_c"]},
        horizon=24, m=24, step=24, n_folds=28,
        rnn_obs=2 * 8760, baseline_obs=WEEKS_8, baselines=_hourly_baselines,
        val_folds=56,
    ),
    # checks on series the defaults were not chosen on (not in the default run)
    "dewpoint": Spec(
        load=lambda: {"dewpoint": load_weather()["dewpoint_c"]},
        horizon=24, m=24, step=24, n_folds=28,
        rnn_obs=2 * 8760, baseline_obs=WEEKS_8, baselines=_hourly_baselines,
    ),
    "pressure": Spec(
        load=lambda: {"pressure": load_weather()["pressure_hpa"]},
        horizon=24, m=24, step=24, n_folds=28,
        rnn_obs=2 * 8760, baseline_obs=WEEKS_8, baselines=_hourly_baselines,
    ),
    "energy2013": Spec(
        load=lambda: {"energy 2013": load_energy()["load_kw"].loc[:"2013-12-31 23:00"]},
        horizon=24, m=24, step=24, n_folds=28,
        rnn_obs=2 * 8760, baseline_obs=WEEKS_8, baselines=_hourly_baselines,
    ),
    "stock": Spec(
        load=lambda: {f"stock:{t}": load_stock(t)["adj_close"] for t in TICKERS},
        horizon=5, m=1, step=5, n_folds=50,
        rnn_obs=None, baseline_obs=500, baselines=_daily_baselines,
    ),
}  # fmt: skip


def quick(spec: Spec) -> Spec:
    """A smoke-test version of ``spec``: few folds, short training, 2 baselines."""
    names = ("Naive", "SeasonalNaive(24)") if spec.m > 1 else ("Naive", "Drift")
    return replace(
        spec, n_folds=5, val_folds=5, rnn_obs=4 * 168 if spec.m > 1 else 300,
        baselines=lambda: {k: v for k, v in spec.baselines().items() if k in names},
    )  # fmt: skip


def split(y: pd.Series, spec: Spec, which: str) -> tuple[pd.Series, Spec]:
    """The series whose last origins form the ``which`` period, and its spec.

    Validation cuts the series at the first test origin, so that every
    validation target comes before every test target.
    """
    if which == "test":
        return y, spec
    first_test_stop = len(y) - spec.horizon - (spec.n_folds - 1) * spec.step
    n_folds = spec.val_folds or spec.n_folds
    return y.iloc[:first_test_stop], replace(spec, n_folds=n_folds)


def fold_kwargs(spec: Spec) -> dict:
    return {"horizon": spec.horizon, "n_folds": spec.n_folds, "step": spec.step,
            "m": spec.m, "n_jobs": 1}  # fmt: skip


def make_rnn(cell: str, horizon: int, rnn_params: dict) -> RNNForecaster:
    """The forecaster of ``cell``; ``rnn_params`` names settings of either the
    network (``RNNRegressor``) or the forecaster."""
    network_names = set(RNNRegressor().get_params())
    network = {k: v for k, v in rnn_params.items() if k in network_names}
    own = {k: v for k, v in rnn_params.items() if k not in network_names}
    network = default_network(cell).set_params(**{"random_state": 0, **network})
    return RNNForecaster(network, **{"horizon": horizon, **own})


def run_series(y, spec, cells, rnn_params, baselines):
    """Leaderboard of the RNN cells (fit once) and the baselines (refit) on ``y``."""
    kw = fold_kwargs(spec)
    rnns = {
        cell.upper(): Trailing(make_rnn(cell, spec.horizon, rnn_params), spec.rnn_obs)
        for cell in cells
    }
    boards, epochs = [], {}
    if rnns:
        result = compare(rnns, y, refit=False, **kw)
        boards.append(result.leaderboard)
        epochs = {k: len(r.histories[0]) for k, r in result.results.items()}
    if baselines:
        models = {
            k: Trailing(v, spec.baseline_obs) for k, v in spec.baselines().items()
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels convergence chatter
            boards.append(compare(models, y, refit=True, **kw).leaderboard)
    board = pd.concat(boards).sort_values("mase", kind="stable")
    board["epochs"] = pd.Series(epochs, dtype="Int64")
    return board


def describe_period(y: pd.Series, spec: Spec) -> str:
    """First and last origin, first and last forecast target."""
    first = len(y) - spec.horizon - (spec.n_folds - 1) * spec.step
    return (
        f"origins {y.index[first - 1]} .. {y.index[len(y) - spec.horizon - 1]}, "
        f"targets {y.index[first]} .. {y.index[-1]}"
    )


COLUMNS = ["mase", "mae", "rmse", "smape", "fit_seconds", "total_seconds", "n_refits",
           "epochs"]  # fmt: skip


def markdown(frame: pd.DataFrame, fmt: str = "{:.3f}") -> str:
    """A pipe table of ``frame`` (index first), floats formatted with ``fmt``."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else fmt.format(v)
        return "" if v is pd.NA else str(v)

    head = [frame.index.name or "", *map(str, frame.columns)]
    pairs = zip(frame.index, frame.to_numpy(), strict=True)
    rows = [[str(i), *map(cell, row)] for i, row in pairs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def board_markdown(board: pd.DataFrame) -> str:
    table = board[COLUMNS].rename(
        columns={"fit_seconds": "fit s", "total_seconds": "fit+predict s",
                 "n_refits": "fits"}  # fmt: skip
    )
    return markdown(table)


def stock_markdown(boards: dict[str, pd.DataFrame]) -> str:
    """MASE per ticker (rows) and model (columns), with means and ratio to Naive."""
    mase = pd.DataFrame({k: b["mase"] for k, b in boards.items()}).T
    mase.loc["mean"] = mase.mean()
    if "Naive" not in mase:
        return markdown(mase)
    ratio = mase.div(mase["Naive"], axis=0)
    order = mase.loc["mean"].sort_values().index
    table = mase[order].round(3).astype(str)
    table.loc["mean / Naive"] = ratio.loc["mean", order].round(3).astype(str)
    wins = (ratio.drop(index="mean")[order] < 1).sum()
    table.loc["tickers beating Naive"] = wins.astype(str)
    fit = pd.DataFrame({k: b["fit_seconds"] for k, b in boards.items()}).T.sum()
    table.loc["fit s (4 tickers)"] = fit[order].round(1).astype(str)
    return markdown(table)


def machine() -> str:
    import jax

    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs (shared), Python {platform.python_version()}, "
        f"jax {jax.__version__}, pandas {pd.__version__}, "
        f"forecastrnn {forecastrnn.__version__}"
    )


def rnn_defaults() -> str:
    params = {**default_network().get_params(), **RNNForecaster().get_params()}
    keys = ("window_size", "hidden_size", "learning_rate", "max_epochs",
            "batch_size", "patience", "scaler", "window_norm", "season_length",
            "calendar_features")  # fmt: skip
    return ", ".join(f"{k}={params[k]!r}" for k in keys)


def parse_set(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--datasets",
        default="energy,weather,stock",
        help="comma-separated, from: " + ", ".join(SPECS),
    )
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--set", nargs="*", default=[], metavar="PARAM=VALUE",
                        help="override RNNForecaster or RNNRegressor parameters "
                             "(validation sweeps)")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smoke test, ~2 min")
    parser.add_argument("--log", help="append one JSON line per series here")
    parser.add_argument("--write", action="store_true", help="update accuracy.md")
    args = parser.parse_args(argv)
    cells = [c for c in args.cells.split(",") if c]
    rnn_params = parse_set(args.set)
    if args.quick:
        cells, rnn_params = cells[:1], {"max_epochs": 3, **rnn_params}
    sections = []
    for name in args.datasets.split(","):
        spec = quick(SPECS[name]) if args.quick else SPECS[name]
        boards, periods = {}, []
        for label, series in spec.load().items():
            y, fold_spec = split(series, spec, args.split)
            start = time.perf_counter()
            board = run_series(y, fold_spec, cells, rnn_params, not args.no_baselines)
            wall = time.perf_counter() - start
            boards[label] = board
            period = describe_period(y, fold_spec)
            periods.append(period)
            print(f"\n## {label} ({args.split}: {period}; wall {wall:.0f} s)\n")
            print(board_markdown(board), flush=True)
            if args.log:
                with open(args.log, "a") as f:
                    record = {"series": label, "split": args.split, "set": rnn_params,
                              "quick": args.quick, "wall_s": round(wall, 1),
                              "period": period,
                              "mase": board["mase"].round(4).to_dict(),
                              "fit_s": board["fit_seconds"].round(1).to_dict(),
                              "epochs": board["epochs"].dropna().astype(int)
                              .to_dict()}  # fmt: skip
                    f.write(json.dumps(record) + "\n")
        sections.append(section(name, fold_spec, boards, periods[0], args.split))
    full = (
        args.split == "test" and not args.quick and not rnn_params
        and not args.no_baselines and sorted(cells) == sorted(CELLS)
    )
    if args.write or (full and args.datasets == "energy,weather,stock"):
        write_report(sections, sys.argv[1:])


def section(name: str, spec: Spec, boards: dict, period: str, which: str) -> str:
    """The markdown of one dataset: protocol line and table(s)."""
    head = (
        f"### {name} ({which} folds)\n\n"
        f"horizon {spec.horizon}, {spec.n_folds} folds every {spec.step} steps, "
        f"MASE with m={spec.m}; {period}. RNNs: one fit, on "
        f"{_span(spec.rnn_obs)} before the first origin; baselines: refit at "
        f"every origin on {_span(spec.baseline_obs)} before it.\n\n"
    )
    if name == "stock":
        body = stock_markdown(boards)
        body += "\n\nPer ticker:\n\n" + "\n\n".join(
            f"{k}\n\n{board_markdown(b)}" for k, b in boards.items()
        )
    else:
        body = board_markdown(next(iter(boards.values())))
    return head + body + "\n"


def _span(n_obs: int | None) -> str:
    return "the whole history" if n_obs is None else f"the last {n_obs} points"


def write_report(sections: list[str], argv: list[str]) -> None:
    generated = "\n".join(
        [
            BEGIN,
            f"Generated by `python benchmarks/bench_accuracy.py {' '.join(argv)}`"
            f" on {time.strftime('%Y-%m-%d')}.",
            "",
            f"Machine: {machine()}.",
            "",
            f"RNN defaults: {rnn_defaults()}.",
            "",
            *sections,
            END,
        ]
    )
    text = REPORT.read_text() if REPORT.exists() else f"# Accuracy\n\n{BEGIN}\n{END}\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    REPORT.write_text(pattern.sub(lambda _: generated, text))
    print(f"\nwrote {REPORT}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
