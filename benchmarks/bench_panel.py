"""Global recurrent models on the M4 weekly panel, scored the M4 way.

One network per cell is trained on all 359 weekly series of the M4
competition (``benchmarks/data/m4_weekly/``) and forecasts the 13 test weeks
of every series; the statistical benchmarks (M4's Naive2, damped exponential
smoothing, Theta) are fit per series. Every model is scored with the
competition's metrics: sMAPE (percent) and MASE (scaled by the in-sample naive
MAE, m = 1) averaged over series, and OWA against Naive2 (see the data's
PROVENANCE.md). The table is printed beside the published one.

Defaults are chosen on validation folds, never on the test weeks:
``--split validation`` holds out the last 13 training weeks of every series
and scores on them (the test values are not read).

Usage (from the repository root)::

    python benchmarks/bench_panel.py                       # test split, all
    python benchmarks/bench_panel.py --quick               # smoke run
    python benchmarks/bench_panel.py --split validation --cells lstm \\
        --set loss=mae --log /tmp/val.jsonl                # choose settings
    python benchmarks/bench_panel.py --write               # update panel.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import jax
import joblib
import numpy as np
import pandas as pd

from forecastrnn import RNNForecaster, __version__
from forecastrnn.baselines import ETS, Naive2, Theta
from forecastrnn.forecasters import default_network
from forecastrnn.metrics import owa, panel_scores

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from m4 import load_m4  # noqa: E402  (a benchmark helper next to this file)

REPORT = HERE / "panel.md"
BEGIN, END = "<!-- BEGIN RESULTS -->", "<!-- END RESULTS -->"
CELLS = ("lstm", "gru", "rnn")
NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Elman RNN"}

# The competition's table for these 359 series (PROVENANCE.md).
PUBLISHED = [
    ("Naive2", 9.161, 2.777, 1.000),
    ("Theta", 9.093, 2.637, 0.971),
    ("Damped exponential smoothing", 8.866, 2.404, 0.917),
    ("M4's RNN benchmark", 15.220, 5.132, 1.755),
    ("ES-RNN (Smyl, M4 winner overall)", 7.817, 2.356, 0.851),
    ("Best weekly entry (method 235)", 6.582, 2.107, 0.739),
]


def global_model(cell: str, window: int, horizon: int, settings: dict):
    """The global network a user gets: ``RNNForecaster(cell)`` with its
    defaults, the input window and horizon of the benchmark, and any
    ``--set`` overrides (``network__...`` reach the network)."""
    model = RNNForecaster(default_network(cell), window_size=window, horizon=horizon)
    return model.set_params(**settings)


def _fit_one(model, y, horizon):
    return model.fit(y).predict(horizon)


def per_series(model, train, horizon, n_jobs):
    """Fit a clone of ``model`` to every series in parallel."""
    start = time.perf_counter()
    forecasts = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(_fit_one)(model, y, horizon) for y in train.values()
    )
    seconds = time.perf_counter() - start
    return dict(zip(train, forecasts, strict=True)), seconds


def score(test, forecasts, train, reference, m=1):
    """sMAPE (percent), MASE (seasonal period ``m``) and OWA against
    ``reference`` (Naive2's)."""
    table = panel_scores(test, forecasts, train, m=m)
    smape, mase = 100 * table["smape"].mean(), table["mase"].mean()
    value = owa(smape, mase, *reference) if reference else 1.0
    return smape, mase, value


def parse_settings(pairs):
    """``key=value`` pairs, values read as JSON when they parse (numbers)."""
    settings = {}
    for pair in pairs:
        key, _, text = pair.partition("=")
        try:
            settings[key] = json.loads(text)
        except json.JSONDecodeError:
            settings[key] = text
    return settings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument(
        "--cells", default=",".join(CELLS), help="comma-separated; '' for none"
    )
    parser.add_argument("--window", type=int, default=52, help="input weeks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--set",
        nargs="*",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="forecaster settings, e.g. network__loss=mae (repeatable)",
    )
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="40 series, 2 epochs: a smoke run"
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--log", help="append one JSON line per model here")
    parser.add_argument(
        "--write", action="store_true", help="write the table into benchmarks/panel.md"
    )
    args = parser.parse_args(argv)

    train, test, meta = load_m4("weekly")
    if args.split == "validation":  # the last 13 training weeks play the test
        test = {k: y.iloc[-meta.horizon :] for k, y in train.items()}
        train = {k: y.iloc[: -meta.horizon] for k, y in train.items()}
    settings = {"network__random_state": args.seed, **parse_settings(args.set)}
    if args.quick:
        keys = list(train)[:40]
        train = {k: train[k] for k in keys}
        test = {k: test[k] for k in keys}
        settings.setdefault("network__max_epochs", 2)
    horizon = meta.horizon
    load_before = os.getloadavg()[0]

    rows = []
    naive2, seconds = per_series(Naive2(season_length=1), train, horizon, args.n_jobs)
    reference = score(test, naive2, train, None)[:2]
    rows.append(("Naive2", *score(test, naive2, train, reference), seconds, None))
    if not args.no_baselines:
        for name, model in (
            ("Damped ETS (statsmodels)", ETS(trend="add", damped_trend=True)),
            ("Theta (statsmodels)", Theta(period=1)),
        ):
            forecasts, seconds = per_series(model, train, horizon, args.n_jobs)
            rows.append(
                (name, *score(test, forecasts, train, reference), seconds, None)
            )
    for cell in filter(None, args.cells.split(",")):
        model = global_model(cell, args.window, horizon, settings)
        start = time.perf_counter()
        model.fit(train)
        seconds = time.perf_counter() - start
        forecasts = model.predict()
        smape, mase, value = score(test, forecasts, train, reference)
        epochs = len(model.history_)
        rows.append((f"global {NAMES[cell]}", smape, mase, value, seconds, epochs))
        if args.log:
            with open(args.log, "a") as log:
                log.write(
                    json.dumps(
                        {
                            "cell": cell,
                            "split": args.split,
                            "window": args.window,
                            "settings": settings,
                            "smape": smape,
                            "mase": mase,
                            "owa": value,
                            "fit_seconds": seconds,
                            "epochs": epochs,
                            "windows_per_series": model.windows_per_series_,
                        }
                    )
                    + "\n"
                )
        print(
            f"{cell}: OWA {value:.3f} ({seconds:.0f} s, {epochs} epochs)",
            file=sys.stderr,
        )

    table = render(rows, args, settings, load_before, len(train))
    print(table)
    if args.write and not args.quick:
        text = REPORT.read_text()
        head, rest = text.split(BEGIN)
        _, tail = rest.split(END)
        REPORT.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")


def render_rows(rows, load_before):
    """The models' table and the machine it ran on."""
    lines = [
        "| model | sMAPE | MASE | OWA | fit seconds | epochs |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, smape, mase, value, seconds, epochs in rows:
        lines.append(
            f"| {name} | {smape:.3f} | {mase:.3f} | {value:.3f} | {seconds:.1f} | "
            f"{'' if epochs is None else epochs} |"
        )
    lines += [
        "",
        f"forecastrnn {__version__}, jax {jax.__version__} on "
        f"{jax.devices()[0].platform}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after.",
    ]
    return "\n".join(lines)


def render(rows, args, settings, load_before, n_series):
    shown = " ".join(f"{k}={v}" for k, v in settings.items())
    lines = [
        f"Split: **{args.split}** ({n_series} series, horizon 13, input window "
        f"{args.window} weeks, seed {args.seed}).",
        "",
        render_rows(rows, load_before),
        f"Settings: {shown}. Baselines run on {args.n_jobs} processes; the "
        "global models on the whole machine.",
        "",
        "Published (the competition's table):",
        "",
        "| method | sMAPE | MASE | OWA |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {n} | {s:.3f} | {m:.3f} | {o:.3f} |" for n, s, m, o in PUBLISHED]
    return "\n".join(lines)


if __name__ == "__main__":
    pd.set_option("display.width", 120)
    np.set_printoptions(linewidth=120)
    main()
