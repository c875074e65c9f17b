"""One network for four stocks: a global model over the bundled tickers.

A forecaster that learns across series sees every ticker's history at once: the
four bundled stocks (AAPL, GOOG, IBM, MSFT; GOOG starts in 2004) become one
panel, a wide DataFrame with one column per ticker (NaN before a ticker's
first trading day). Each series is scaled on its own, so a $30 stock and a
$700 stock train the same network. The script

1. fits one LSTM on the panel's first part, then forecasts the next five
   trading days of every ticker from each of ``--folds`` weekly origins in one
   call per origin (``predict(last_window=panel)``, the model is not refit);
2. scores those forecasts per ticker against the naive forecast (a random walk
   is hard to beat: MASE near 1 is the honest result for daily prices);
3. refits on everything and writes the forecast of the next five trading days
   of every ticker (CSV, PNG), with the panel in the long ``unique_id, ds, y``
   layout of statsforecast and neuralforecast beside it.

Run ``python examples/panel_forecast.py`` (a minute or two on two cores);
``--quick`` runs it in seconds with toy settings. Outputs go to ``--out``
(default ``report/panel_forecast``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecastrnn import RNNForecaster, RNNRegressor, to_long
from forecastrnn.datasets import TICKERS, load_stock
from forecastrnn.metrics import panel_scores

HORIZON = 5  # one trading week


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1000, help="trading days used")
    parser.add_argument("--folds", type=int, default=20, help="weekly origins")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", default="report/panel_forecast")
    parser.add_argument(
        "--quick", action="store_true", help="toy settings (smoke test)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.days, args.folds, args.epochs = 150, 3, 2
    return args


def load_panel(days: int) -> pd.DataFrame:
    """The adjusted close of every ticker, one column each, last ``days`` rows."""
    frame = pd.DataFrame({t: load_stock(t)["adj_close"] for t in TICKERS})
    return frame.iloc[-days:]


def make_model(epochs: int, quick: bool) -> RNNForecaster:
    network = RNNRegressor(
        "lstm",
        hidden_size=8 if quick else 32,
        learning_rate=3e-3,
        batch_size=64,
        max_epochs=epochs,
        patience=5,
        random_state=0,
    )
    return RNNForecaster(network, window_size=20 if quick else 60, horizon=HORIZON)


def rolling_scores(panel: pd.DataFrame, model: RNNForecaster, folds: int):
    """sMAPE and MASE per ticker over ``folds`` weekly origins, of the global
    model (fit once, before the first origin) and of the naive forecast."""
    first = len(panel) - folds * HORIZON
    model.fit(panel.iloc[:first])
    rows = []
    for fold in range(folds):
        origin = first + fold * HORIZON
        context, actual = panel.iloc[:origin], panel.iloc[origin : origin + HORIZON]
        forecast = model.predict(last_window=context)
        naive = pd.DataFrame(
            np.repeat(context.iloc[-1:].to_numpy(), HORIZON, axis=0),
            index=actual.index,
            columns=panel.columns,
        )
        for name, pred in (("global LSTM", forecast), ("naive", naive)):
            scores = panel_scores(
                {t: actual[t] for t in panel},
                {t: pred[t].to_numpy() for t in panel},
                {t: context[t].dropna() for t in panel},
            )
            rows.append(scores.assign(model=name, fold=fold))
    table = pd.concat(rows).reset_index()
    return table.pivot_table(index="id", columns="model", values=["mase", "smape"])


def plot(panel: pd.DataFrame, forecast: pd.DataFrame):
    fig = Figure(figsize=(10, 6), layout="constrained")
    for i, ticker in enumerate(panel):
        ax = fig.add_subplot(2, 2, i + 1)
        history = panel[ticker].dropna().iloc[-60:]
        ax.plot(history.index, history.to_numpy(), color="black", lw=1)
        ax.plot(forecast.index, forecast[ticker].to_numpy(), color="C0", marker=".")
        ax.set_title(ticker)
        ax.grid(alpha=0.3)
    fig.suptitle(f"One LSTM, four stocks: the next {HORIZON} trading days")
    return fig


def main(argv=None) -> pd.DataFrame:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    panel = load_panel(args.days)
    scores = rolling_scores(panel, make_model(args.epochs, args.quick), args.folds)
    print(scores.round(3))
    mase = scores["mase"].mean()
    print(
        f"mean MASE over tickers: global LSTM {mase['global LSTM']:.3f}, naive "
        f"{mase['naive']:.3f}. Daily prices are close to a random walk: a "
        "network that matches naive has learnt not to invent patterns."
    )

    model = make_model(args.epochs, args.quick).fit(panel)
    forecast = model.predict()
    forecast.to_csv(out / "forecast.csv")
    to_long(panel).to_csv(out / "panel_long.csv", index=False)
    plot(panel, forecast).savefig(out / "forecast.png", dpi=110)
    print(forecast.round(2))
    print(
        f"wrote {out / 'forecast.csv'}, {out / 'forecast.png'} and the panel in "
        f"long layout, {out / 'panel_long.csv'}"
    )
    return forecast


if __name__ == "__main__":
    main()
