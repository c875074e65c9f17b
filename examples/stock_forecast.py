"""Forecast a week of a stock's adjusted close, with a conformal interval.

Daily prices are close to a random walk, so the honest benchmark is the naive
forecast (tomorrow's price is today's) and the drift line. The script backtests
an LSTM and a GRU against both on weekly rolling origins over the bundled data
of ``--ticker`` (trading days of the NYSE calendar), every model fit once at the
first origin. It then turns the LSTM's backtest errors into an 80 % split-
conformal interval (``conformal_interval``) around its forecast of the next five
trading days, and writes the forecast (CSV), a plot (PNG) and the report.

Run ``python examples/stock_forecast.py --ticker MSFT`` (about a minute on two
cores); ``--quick`` runs it in seconds with toy settings. Outputs go to
``--out`` (default ``report/stock_forecast``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from forecastrnn import RNNForecaster, RNNRegressor, compare, conformal_interval
from forecastrnn.baselines import Drift, Naive
from forecastrnn.datasets import TICKERS, load_stock
from forecastrnn.report import write_report

HORIZON = 5  # one trading week
COVERAGE = 0.8


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticker", default="AAPL", choices=TICKERS)
    parser.add_argument("--days", type=int, default=750, help="trading days used")
    parser.add_argument("--folds", type=int, default=20, help="backtest weeks")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", default="report/stock_forecast")
    parser.add_argument(
        "--quick", action="store_true", help="toy settings (smoke test)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.folds, args.epochs = 200, 4, 2
    return args


def make_network(cell: str, epochs: int, quick: bool) -> RNNForecaster:
    network = RNNRegressor(
        cell,
        hidden_size=8 if quick else 32,
        learning_rate=3e-3,
        batch_size=64,
        max_epochs=epochs,
        patience=5,
        random_state=0,
    )
    return RNNForecaster(network, window_size=20 if quick else 60, horizon=HORIZON)


def plot(y: pd.Series, forecast: pd.Series, interval: pd.DataFrame, ticker: str):
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(y.index, y.to_numpy(), color="black", lw=1, label="adjusted close")
    ax.plot(forecast.index, forecast.to_numpy(), color="C0", label="LSTM")
    ax.fill_between(
        interval.index, interval["lower"], interval["upper"], color="C0", alpha=0.25,
        label=f"{COVERAGE:.0%} conformal interval",
    )  # fmt: skip
    ax.set(ylabel="US dollars", title=f"{ticker}: the next {HORIZON} trading days")
    ax.legend(frameon=False, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def main(argv=None) -> pd.DataFrame:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    y = load_stock(args.ticker)["adj_close"].iloc[-args.days :]
    cells = ("lstm",) if args.quick else ("lstm", "gru")
    models = {cell: make_network(cell, args.epochs, args.quick) for cell in cells}
    models |= {"naive": Naive(), "drift": Drift()}
    comparison = compare(models, y, horizon=HORIZON, n_folds=args.folds, refit=False)
    board = comparison.leaderboard
    print(board[["mase", "mae", "smape", "fit_seconds"]])
    print(
        f"best: {board.index[0]}. MASE divides by the in-sample error of the "
        "one-day naive forecast, so five-day forecasts of a random walk score above "
        "1: compare the models with each other, and with naive above all."
    )
    html, _ = write_report(comparison, out / "report", y=y, title=f"{args.ticker}")
    print(f"wrote {html}")

    lstm = make_network("lstm", args.epochs, args.quick).fit(y)
    forecast = lstm.predict()
    interval = conformal_interval(comparison.results["lstm"], forecast, COVERAGE)
    table = interval.assign(forecast=forecast)[["forecast", "lower", "upper"]]
    table.to_csv(out / "forecast.csv")
    plot(y.iloc[-60:], forecast, interval, args.ticker).savefig(
        out / "forecast.png", dpi=110
    )
    print(table)
    print(f"wrote {out / 'forecast.csv'} and {out / 'forecast.png'}")
    return table


if __name__ == "__main__":
    main()
