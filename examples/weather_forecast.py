"""Forecast Beijing's hourly temperature a day ahead, with and without covariates.

The bundled weather data (``load_weather``) holds temperature with dew point,
pressure and PM2.5, measured up to now but unknown in the future: *past
covariates*. The script backtests a GRU that reads only the temperature, a GRU
that also reads those three covariates (PM2.5's gaps carried forward with
``fill_missing(..., "ffill")``, which uses the past only) and the seasonal naive
forecast, on the same rolling origins, then writes the report, the next day's
forecast of both networks (CSV) and a plot (PNG).

Run ``python examples/weather_forecast.py`` (about two minutes on two cores);
``--quick`` runs it in seconds with toy settings. Outputs go to ``--out``
(default ``report/weather_forecast``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from forecastrnn import Comparison, RNNForecaster, RNNRegressor, backtest
from forecastrnn.baselines import SeasonalNaive
from forecastrnn.datasets import load_weather
from forecastrnn.report import write_report
from forecastrnn.windows import fill_missing

COVARIATES = ("dewpoint_c", "pressure_hpa", "pm25_ugm3")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8, help="weeks of history")
    parser.add_argument("--folds", type=int, default=7, help="backtest days")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="report/weather_forecast")
    parser.add_argument(
        "--quick", action="store_true", help="toy settings (smoke test)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.weeks, args.folds, args.epochs = 3, 2, 2
    return args


def load(weeks: int) -> tuple[pd.Series, pd.DataFrame]:
    """The last ``weeks`` of temperature and of the (gap-filled) covariates."""
    weather = load_weather()
    weather["pm25_ugm3"] = fill_missing(weather["pm25_ugm3"], "ffill")
    recent = weather.iloc[-weeks * 168 :]
    return recent["temp_c"], recent[list(COVARIATES)]


def make_gru(covariates: tuple[str, ...], epochs: int, quick: bool) -> RNNForecaster:
    network = RNNRegressor(
        "gru",
        hidden_size=8 if quick else 48,
        learning_rate=3e-3,
        batch_size=64,
        max_epochs=epochs,
        patience=5,
        random_state=0,
    )
    return RNNForecaster(
        network, window_size=72, horizon=24, past_covariates=covariates
    )


def plot(y: pd.Series, forecasts: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(y.index, y.to_numpy(), color="black", lw=1, label="temperature")
    for name, values in forecasts.items():
        ax.plot(values.index, values.to_numpy(), label=name)
    ax.set(ylabel="deg C", title="Beijing temperature: the next day")
    ax.legend(frameon=False, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def main(argv=None) -> pd.DataFrame:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    y, exog = load(args.weeks)
    folds = {"horizon": 24, "n_folds": args.folds, "refit": False, "m": 24}
    plain = make_gru((), args.epochs, args.quick)
    with_covariates = make_gru(COVARIATES, args.epochs, args.quick)
    # the same folds for every model, so the results form one comparison
    results = {
        "gru": backtest(plain, y, **folds),
        "gru + covariates": backtest(with_covariates, y, exog, **folds),
        "seasonal_naive": backtest(SeasonalNaive(24), y, **folds),
    }
    comparison = Comparison(results)
    print(comparison.leaderboard[["mase", "mae", "rmse", "fit_seconds"]])
    html, _ = write_report(comparison, out / "report", y=y, title="Weather: day ahead")
    print(f"wrote {html}")

    # Past covariates are read up to the origin only: the model keeps the
    # last window of them, so the forecast needs no future covariate rows.
    forecasts = pd.DataFrame(
        {
            "gru": plain.fit(y).predict(),
            "gru + covariates": with_covariates.fit(y, exog).predict(),
        }
    )
    forecasts.to_csv(out / "forecast.csv")
    plot(y.iloc[-72:], forecasts).savefig(out / "forecast.png", dpi=110)
    print(f"wrote {out / 'forecast.csv'} and {out / 'forecast.png'}")
    return forecasts


if __name__ == "__main__":
    main()
