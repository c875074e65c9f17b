"""Global models on an hourly panel cut from the bundled series, scored the M4 way.

M4's hourly panel (414 series of 700 to 960 hours, horizon 48) is not stored
here, so this benchmark builds a panel of the same shape from the bundled
hourly data: the energy load and three Beijing weather columns (temperature
and dew point in kelvin, air pressure) cut into consecutive, non-overlapping
pieces of ``TRAIN + 48`` hours, each piece a series with its own dates (so
calendar features and daily cycles are real). Pieces of one source are different
periods of one process, not independent series: this is a check of how the
global defaults behave on an hourly panel, not a public leaderboard. M4's
series are positive; temperatures in kelvin keep sMAPE's denominators away
from zero as theirs are (MASE and the forecasts' shapes are unchanged).

One network per cell (``RNNForecaster(cell, horizon=48)`` with every other
setting at its default, ``--set`` overrides) is fit on all pieces at once
and forecasts the 48 hours after each; the baselines are fit per piece:
M4's Naive2 (seasonality test at m = 24), the seasonal naive forecast
(m = 24) and the naive forecast. Scores follow the M4 protocol for hourly
data: sMAPE (percent) and MASE with m = 24 averaged over series, OWA against
Naive2.

``--split validation`` holds out the last 48 training hours of every piece
and scores on them (the test hours are not read): choose settings there.

Usage (from the repository root)::

    python benchmarks/bench_hourly_panel.py --split validation --cells lstm,gru
    python benchmarks/bench_hourly_panel.py --split validation --cells lstm \\
        --no-baselines --columns load_kw --set network__loss=mae
    python benchmarks/bench_hourly_panel.py --quick         # smoke run
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from forecastrnn import RNNForecaster
from forecastrnn.baselines import Naive, Naive2, SeasonalNaive
from forecastrnn.datasets import load_energy, load_weather
from forecastrnn.forecasters import default_network
from forecastrnn.metrics import panel_scores

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_panel import parse_settings, per_series, render_rows, score  # noqa: E402

HORIZON, M = 48, 24
TRAIN = 1008  # six weeks of training hours per piece (M4 hourly: 700 to 960)
SOURCES = {
    "energy": ("load_kw",),
    "weather": ("temp_c", "dewpoint_c", "pressure_hpa"),
}
KELVIN = 273.15  # added to the columns in degrees Celsius
NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Elman RNN"}


def hourly_panel(train_hours: int = TRAIN, columns=None) -> tuple[dict, dict]:
    """The pieces: ``{id: training series}`` and ``{id: the 48 hours after}``.

    Every source column (or those in ``columns``) is cut from its start into
    consecutive pieces of ``train_hours + 48`` hours, ids ``<column>_<k>``;
    a piece with a missing value is dropped.
    """
    frames = {"energy": load_energy(), "weather": load_weather()}
    train, test = {}, {}
    length = train_hours + HORIZON
    for source, names in SOURCES.items():
        for column in names:
            if columns is not None and column not in columns:
                continue
            y = frames[source][column]
            if column.endswith("_c"):
                y = y + KELVIN
            for k in range(len(y) // length):
                piece = y.iloc[k * length : (k + 1) * length]
                if piece.isna().any():
                    continue
                name = f"{column}_{k:02d}"
                train[name] = piece.iloc[:train_hours]
                test[name] = piece.iloc[train_hours:]
    return train, test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--cells", default="lstm,gru")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--set", nargs="*", action="extend", default=[], metavar="KEY=VALUE"
    )
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="every 8th series, 2 epochs"
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--columns", help="comma-separated source columns (default: all four)"
    )
    parser.add_argument(
        "--integer-index",
        action="store_true",
        help="number the hours 0, 1, ... as M4's files do (no dates)",
    )
    args = parser.parse_args(argv)

    train, test = hourly_panel(
        columns=None if args.columns is None else args.columns.split(",")
    )
    if args.integer_index:
        train, test = drop_dates(train, test)
    if args.split == "validation":  # the last 48 training hours play the test
        test = {k: y.iloc[-HORIZON:] for k, y in train.items()}
        train = {k: y.iloc[:-HORIZON] for k, y in train.items()}
    settings = {"network__random_state": args.seed, **parse_settings(args.set)}
    if args.quick:
        keys = list(train)[::8]
        train, test = {k: train[k] for k in keys}, {k: test[k] for k in keys}
        settings.setdefault("network__max_epochs", 2)
    load_before = os.getloadavg()[0]

    rows, by_source = [], {}
    naive2, seconds = per_series(Naive2(season_length=M), train, HORIZON, args.n_jobs)
    reference = score(test, naive2, train, None, m=M)[:2]
    by_source["Naive2"] = source_mase(test, naive2, train)
    rows.append(("Naive2", *score(test, naive2, train, reference, m=M), seconds, None))
    if not args.no_baselines:
        for name, model in (
            ("Seasonal naive (m = 24)", SeasonalNaive(season_length=M)),
            ("Naive", Naive()),
        ):
            forecasts, seconds = per_series(model, train, HORIZON, args.n_jobs)
            by_source[name] = source_mase(test, forecasts, train)
            rows.append(
                (name, *score(test, forecasts, train, reference, m=M), seconds, None)
            )
    for cell in args.cells.split(","):
        model = RNNForecaster(default_network(cell), horizon=HORIZON)
        model.set_params(**settings)
        start = time.perf_counter()
        model.fit(train)
        seconds = time.perf_counter() - start
        forecasts = model.predict()
        value = score(test, forecasts, train, reference, m=M)
        by_source[f"global {NAMES[cell]}"] = source_mase(test, forecasts, train)
        rows.append((f"global {NAMES[cell]}", *value, seconds, len(model.history_)))
        print(f"{cell}: OWA {value[2]:.3f} ({seconds:.0f} s)", file=sys.stderr)

    counts = {
        source: sum(k.rsplit("_", 1)[0] in cols for k in train)
        for source, cols in SOURCES.items()
    }
    shown = " ".join(f"{k}={v}" for k, v in settings.items())
    print(
        f"Split: **{args.split}** ({len(train)} series: "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
        + f"; {len(next(iter(train.values())))} training hours each, horizon "
        f"{HORIZON}, MASE m = {M}"
        + ("; integer index" if args.integer_index else "")
        + f"). Settings: {shown}.\n"
    )
    print(render_rows(rows, load_before))
    table = pd.DataFrame(by_source).T
    print("\nMASE per source column:\n")
    print("| model | " + " | ".join(table.columns) + " |")
    print("| --- |" + " ---: |" * len(table.columns))
    for name, row in table.iterrows():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in row) + " |")


def drop_dates(train: dict, test: dict) -> tuple[dict, dict]:
    """The pieces on integer indexes: hours ``0 .. n - 1`` for the training
    series and ``n .. n + 47`` after, as M4's files number them."""
    out_train, out_test = {}, {}
    for key, y in train.items():
        n = len(y)
        out_train[key] = pd.Series(y.to_numpy(), index=pd.RangeIndex(n), name=y.name)
        after = pd.RangeIndex(n, n + len(test[key]))
        out_test[key] = pd.Series(test[key].to_numpy(), index=after, name=y.name)
    return out_train, out_test


def source_mase(test, forecasts, train) -> pd.Series:
    """The mean MASE (m = 24) of each source column's pieces."""
    mase = panel_scores(test, forecasts, train, m=M)["mase"]
    return mase.groupby([k.rsplit("_", 1)[0] for k in mase.index]).mean()


if __name__ == "__main__":
    main()
