"""Forecast Portugal's hourly electricity load a day ahead with an LSTM.

The script

1. takes the last weeks of the bundled hourly load (``load_energy``),
2. backtests an LSTM with quantile outputs (an 80 % interval) against the
   seasonal naive forecast and ETS on the same rolling origins, every model fit
   once at the first origin and moved forward with ``last_window``,
3. writes the backtest report, then refits the LSTM on all the weeks and
   forecasts the next two days with their interval (CSV and PNG).

Run ``python examples/energy_forecast.py`` (about two minutes on two cores);
``--quick`` runs it in seconds with toy settings. Outputs go to ``--out``
(default ``report/energy_forecast``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from forecastrnn import RNNForecaster, RNNRegressor, compare
from forecastrnn.baselines import ETS, SeasonalNaive
from forecastrnn.datasets import load_energy
from forecastrnn.report import write_report

COVERAGE = 0.8


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12, help="weeks of history")
    parser.add_argument("--folds", type=int, default=7, help="backtest days")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", default="report/energy_forecast")
    parser.add_argument(
        "--quick", action="store_true", help="toy settings (smoke test)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.weeks, args.folds, args.epochs = 3, 2, 2
    return args


def make_lstm(epochs: int, quick: bool) -> RNNForecaster:
    """A day-ahead LSTM that also learns the 10 % and 90 % quantiles."""
    lo, hi = (1 - COVERAGE) / 2, (1 + COVERAGE) / 2
    network = RNNRegressor(
        "lstm",
        hidden_size=8 if quick else 64,
        loss="quantile",
        quantiles=(lo, 0.5, hi),
        learning_rate=3e-3,
        batch_size=64,
        max_epochs=epochs,
        patience=5,
        random_state=0,
    )
    return RNNForecaster(
        network,
        window_size=48,
        horizon=24,
        calendar_features=("hour", "day_of_week"),
    )


def plot_forecast(history: pd.Series, forecast: pd.DataFrame) -> Figure:
    """The last week of load and the forecast with its interval."""
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(history.index, history.to_numpy(), color="black", lw=1, label="load")
    ax.plot(forecast.index, forecast["mean"], color="C0", label="LSTM median")
    ax.fill_between(
        forecast.index, forecast["lower"], forecast["upper"], color="C0", alpha=0.25,
        label=f"{COVERAGE:.0%} interval",
    )  # fmt: skip
    ax.set(ylabel="load (kW)", title="Electricity load: next two days")
    ax.legend(frameon=False, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def main(argv=None) -> pd.DataFrame:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    y = load_energy()["load_kw"].iloc[-args.weeks * 168 :]
    models = {
        "lstm": make_lstm(args.epochs, args.quick),
        "seasonal_naive": SeasonalNaive(season_length=24),
        "ets": ETS(seasonal="add", seasonal_periods=24),
    }
    comparison = compare(
        models, y, horizon=24, n_folds=args.folds, refit=False, m=24, coverage=COVERAGE
    )
    print(comparison.leaderboard[["mase", "mae", "coverage", "width", "fit_seconds"]])
    html, _ = write_report(comparison, out / "report", y=y, title="Energy: day ahead")
    print(f"wrote {html}")

    model = make_lstm(args.epochs, args.quick).fit(y)
    forecast = model.predict_interval(steps=48, coverage=COVERAGE)
    forecast.to_csv(out / "forecast.csv")
    plot_forecast(y.iloc[-168:], forecast).savefig(out / "forecast.png", dpi=110)
    print(f"wrote {out / 'forecast.csv'} and {out / 'forecast.png'}")
    return forecast


if __name__ == "__main__":
    main()
