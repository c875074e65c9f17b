"""Replay rules of automatic choice on the forecasts of one long backtest.

``AutoForecaster`` looks at the last few validation origins before each
refit and decides how to forecast until the next one: choose a candidate,
or combine them with weights. Refitting every candidate for every rule is
slow; this script replays the rules on forecasts already made. It reads the
``forecasts.csv`` of ``forecastrnn backtest`` (every model on the same
origins) and, for each of the last ``--period`` origins, every ``--every``
origins, lets a rule look at the ``--lookback`` origins before and forecast
the next ``--every`` with what it chose. It prints the mean MASE of each
rule over the replayed origins, the single models' own beside them.

Only validation data may choose a rule: cut the series before its test
period first (as ``benchmarks/accuracy.md`` did: 56 daily origins before
the first test origin, the last 28 replayed).

Usage (from the repository root)::

    forecastrnn backtest --csv cut.csv --time-col datetime --target load_kw \\
        --horizon 24 --train-size 1344 --season 24 --folds 56 \\
        --models lstm,gru,naive,seasonal_naive,ets,theta --out val
    python benchmarks/replay_choice.py val/forecasts.csv cut.csv \\
        --time-col datetime --target load_kw --m 24 --scale-window 1344
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import pandas as pd

Rule = Callable[[pd.Series, list], pd.Series]


def load(forecasts: str, series: str, time_col: str, target: str, m: int, window: int):
    """The forecasts ``(origin, step) x model``, the actuals, and each origin's
    MASE scale: the in-sample seasonal naive MAE (period ``m``) of the
    ``window`` points up to the origin, as the backtest scores it."""
    rows = pd.read_csv(forecasts, parse_dates=["origin", "timestamp"])
    y = pd.read_csv(series, parse_dates=[time_col]).set_index(time_col)[target]
    position = pd.Series(np.arange(len(y)), index=y.index)
    scale = {}
    for origin in rows["origin"].unique():
        end = int(position[pd.Timestamp(origin)]) + 1
        history = y.to_numpy(float)[max(0, end - window) : end]
        scale[pd.Timestamp(origin)] = float(np.mean(np.abs(history[m:] - history[:-m])))
    pred = rows.pivot_table(index=["origin", "step"], columns="model", values="y_pred")
    true = rows.groupby(["origin", "step"])["y_true"].first()
    return pred, true, pd.Series(scale)


class Replay:
    """The forecasts of one backtest, and the rules' mean MASE on them."""

    def __init__(self, pred: pd.DataFrame, true: pd.Series, scale: pd.Series):
        self.pred, self.true, self.scale = pred, true, scale
        self.origins = sorted(pred.index.get_level_values(0).unique())
        self.models = list(pred.columns)
        self.single = self.mase(pred)

    def mase(self, forecast):
        """MASE per origin of a forecast (a Series) or of each column."""
        error = forecast.sub(self.true, axis=0).abs().groupby(level=0).mean()
        return error.div(self.scale.loc[error.index], axis=0)

    def combine(self, weights: pd.Series) -> pd.Series:
        """The weighted mean of the models (``weights`` by name, summing to 1)."""
        return (self.pred[weights.index] * weights).sum(axis=1)

    def run(self, rule: Rule, period: int, lookback: int, every: int) -> float:
        """Mean MASE of ``rule`` over the last ``period`` origins."""
        n = len(self.origins)
        if n - period - lookback < 0:
            return float("nan")
        parts = []
        for start in range(n - period, n, every):
            seen = self.origins[start - lookback : start]
            ahead = self.origins[start : start + every]
            parts.append(rule(self.single.loc[seen].mean(), seen).loc[ahead])
        return float(self.mase(pd.concat(parts)).mean())


def rules(replay: Replay) -> dict[str, Rule]:
    """The rules compared: choosing, medians, inverse-score weights and
    Caruana et al.'s greedy ensemble selection."""

    def best(scores, seen):
        return replay.pred[scores.idxmin()]

    def median_of(k):
        def rule(scores, seen):
            return replay.pred[list(scores.nsmallest(k).index)].median(axis=1)

        return rule

    def inverse(power):
        def rule(scores, seen):
            weights = 1 / scores**power
            return replay.combine(weights / weights.sum())

        return rule

    def greedy(rounds):
        def rule(scores, seen):
            pred = replay.pred.loc[seen]
            counts = pd.Series(0.0, index=replay.models)
            for _ in range(rounds):
                trials = {
                    name: replay.mase(
                        (pred[counts.index] @ counts + pred[name]) / (counts.sum() + 1)
                    ).mean()
                    for name in replay.models
                }
                counts[min(trials, key=trials.get)] += 1
            return replay.combine(counts / counts.sum())

        return rule

    return {
        "best single candidate": best,
        "median of the best 3": median_of(3),
        "median of all": median_of(len(replay.models)),
        "mean weighted by 1 / MASE": inverse(1),
        "mean weighted by 1 / MASE^2 (the default)": inverse(2),
        "greedy selection, 10 rounds": greedy(10),
        "greedy selection, 25 rounds": greedy(25),
        "greedy selection, 100 rounds": greedy(100),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("forecasts", help="forecasts.csv of `forecastrnn backtest`")
    parser.add_argument("series", help="the CSV the backtest read")
    parser.add_argument("--time-col", default="datetime")
    parser.add_argument("--target", required=True)
    parser.add_argument("--m", type=int, default=24, help="the MASE's season")
    parser.add_argument(
        "--scale-window", type=int, default=1344,
        help="points before each origin the MASE scale reads (--train-size)",
    )  # fmt: skip
    parser.add_argument("--period", type=int, default=28, help="origins replayed")
    parser.add_argument("--lookbacks", default="7,14,28")
    parser.add_argument("--every", type=int, default=7, help="origins per refit")
    args = parser.parse_args(argv)
    replay = Replay(
        *load(args.forecasts, args.series, args.time_col, args.target, args.m,
              args.scale_window)
    )  # fmt: skip
    lookbacks = [int(x) for x in args.lookbacks.split(",")]
    header = " / ".join(str(x) for x in lookbacks)
    print(f"| rule, looking back {header} origins | MASE |")
    print("| --- | --- |")
    for name, rule in rules(replay).items():
        scores = [replay.run(rule, args.period, x, args.every) for x in lookbacks]
        print(f"| {name} | {' / '.join(f'{s:.3f}' for s in scores)} |")
    period = replay.single.iloc[-args.period :].mean().sort_values()
    singles = ", ".join(f"{k} {v:.3f}" for k, v in period.items())
    print(f"\nThe single models over the replayed origins: {singles}")


if __name__ == "__main__":
    main()
