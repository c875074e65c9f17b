"""Ensembles and automatic choice: the seed lottery, and who decides.

A network trained once is one draw: its initial weights and the order of its
mini-batches move its forecasts as much as the choice of model does. The
script trains, on eight weeks of the bundled hourly electricity load before
December 2014:

- the default LSTM with three seeds, each alone;
- one ensemble of five LSTMs (``ensemble_size=5``: the members train at once,
  in one compiled program) with each of the same seeds;

and backtests every fit on the following days (one fit, then
``last_window``), printing the MASE per seed, its range over the seeds, and
the fit times. It then lets an ``AutoForecaster`` weigh the LSTM, the GRU
and the baselines by their errors on validation days before December (its
forecast is their weighted mean), and prints its ranking, the weights and
its reason. ``ensemble.png`` shows the five members' forecasts of
one day around their median.

The measured seed spread, accuracy and cost on two years of training data
are in ``benchmarks/accuracy.md`` (``benchmarks/bench_ensemble.py``).

Run ``python examples/ensemble_and_choice.py`` (a few minutes on two cores);
``--quick`` runs it in seconds with toy settings.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecastrnn import AutoForecaster, RNNForecaster, backtest
from forecastrnn.baselines import SeasonalNaive
from forecastrnn.datasets import load_energy
from forecastrnn.forecasters import default_network


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8, help="weeks of training")
    parser.add_argument("--folds", type=int, default=14, help="backtest days")
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", default="report/ensemble")
    parser.add_argument("--quick", action="store_true", help="toy settings")
    args = parser.parse_args(argv)
    if args.quick:
        args.weeks, args.folds, args.members, args.epochs = 2, 2, 2, 2
    return args


def forecaster(seed: int, members: int, epochs: int) -> RNNForecaster:
    network = default_network("lstm").set_params(
        random_state=seed, ensemble_size=members, max_epochs=epochs
    )
    return RNNForecaster(network, horizon=24)


def main(argv=None) -> pd.DataFrame:
    args = parse_args(argv)
    load = load_energy()["load_kw"]
    start = load.index.get_loc(pd.Timestamp("2014-12-01")) - args.weeks * 168
    y = load.iloc[start : start + args.weeks * 168 + args.folds * 24]
    folds = {"horizon": 24, "n_folds": args.folds, "m": 24, "refit": False}
    rows = []
    for members in (1, args.members):
        for seed in (0, 1, 2):
            began = time.perf_counter()
            result = backtest(forecaster(seed, members, args.epochs), y, **folds)
            rows.append({
                "model": "single LSTM" if members == 1 else f"ensemble of {members}",
                "seed": seed,
                "MASE": result.summary()["mase"],
                "fit s": time.perf_counter() - began,
            })  # fmt: skip
    table = pd.DataFrame(rows).pivot(index="model", columns="seed", values="MASE")
    table["max - min"] = table.max(axis=1) - table.min(axis=1)
    fits = pd.DataFrame(rows).groupby("model")["fit s"].median()
    table["fit s (median)"] = fits
    print(table.round(3).to_string())

    train = y.iloc[: -args.folds * 24]
    candidates = None  # the defaults: LSTM, GRU, naive, seasonal naive, ETS, Theta
    if args.quick:  # a toy network
        candidates = {"lstm": forecaster(0, 1, args.epochs),
                      "seasonal_naive": SeasonalNaive(24)}  # fmt: skip
    auto = AutoForecaster(
        candidates, horizon=24, n_folds=min(7, args.folds), season_length=24,
        random_state=0,
    ).fit(train)
    print()
    print(auto.selection_.round(3).to_string())
    print(auto.reason_)

    ensemble = forecaster(0, args.members, args.epochs).fit(train)
    window = ensemble.input_windows(train)[-1:]
    regressor = ensemble.regressor_
    members = regressor.predict_members(window)[:, 0, :]
    median = np.median(members, axis=0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(8, 4), layout="constrained")
    ax = fig.add_subplot()
    for k, member in enumerate(members):
        ax.plot(member, color="0.6", lw=1, label="members" if k == 0 else None)
    ax.plot(median, color="C0", lw=2, label="median (the forecast)")
    ax.set(xlabel="hours ahead", ylabel="network output (scaled, relative)",
           title=f"The {args.members} members of one ensemble, one day")  # fmt: skip
    ax.legend()
    fig.savefig(out / "ensemble.png", dpi=100)
    return table


if __name__ == "__main__":
    main()
