"""Tune a recurrent network with scikit-learn: Pipeline + GridSearchCV.

``RNNRegressor`` is a scikit-learn estimator, so the usual tools apply. The
pipeline below turns hourly load (plus the hour of day as sin/cos) into lag
windows with ``LagWindowTransformer``, standardises each channel and fits an
``RNNRegressor`` that predicts the next 24 hours at once; the target is
standardised too (``TransformedTargetRegressor``). ``GridSearchCV`` then picks
the cell and the hidden size with ``TimeSeriesSplit``, whose folds always
validate on data after their training part. The best model is scored on a
final held-out week against the seasonal naive forecast (the same hours the
day before).

Run ``python examples/sklearn_pipeline.py`` (about two minutes on two cores);
``--quick`` runs it in seconds with toy settings.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import mean_absolute_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from forecastrnn import RNNRegressor
from forecastrnn.calendar import calendar_features
from forecastrnn.datasets import load_energy
from forecastrnn.windows import LagWindowTransformer

HORIZON = 24
WINDOW = 48


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8, help="weeks of history")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="toy settings (smoke test)"
    )
    args = parser.parse_args(argv)
    args.cells, args.sizes = ["rnn", "lstm", "gru"], [16, 32]
    if args.quick:
        args.weeks, args.epochs, args.splits = 3, 1, 2
        args.cells, args.sizes = ["rnn", "gru"], [4]
    return args


def supervised(load: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """Inputs per hour (load, hour sin/cos) and the next ``HORIZON`` loads."""
    X = pd.concat([load, calendar_features(load.index, ("hour",))], axis=1)
    values = load.to_numpy()
    Y = np.lib.stride_tricks.sliding_window_view(values[1:], HORIZON)
    n = len(Y)  # rows whose whole next day is known
    return X.iloc[:n], Y


def make_search(args) -> GridSearchCV:
    rnn = RNNRegressor(
        n_channels=3,  # load, hour sin, hour cos
        learning_rate=1e-3,  # the settings of the figures above (0.5.0's
        batch_size=32,  # defaults; 0.6.0's are 1e-2 and 16)
        max_epochs=args.epochs,
        early_stopping=not args.quick,
        random_state=0,
    )
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            ("lags", LagWindowTransformer(window_size=WINDOW)),
            ("rnn", rnn),
        ]
    )
    model = TransformedTargetRegressor(regressor=pipeline, transformer=StandardScaler())
    grid = {
        "regressor__rnn__cell": args.cells,
        "regressor__rnn__hidden_size": args.sizes,
    }
    return GridSearchCV(
        model,
        grid,
        cv=TimeSeriesSplit(n_splits=args.splits, gap=HORIZON),
        scoring="neg_mean_absolute_error",
    )


def main(argv=None) -> GridSearchCV:
    args = parse_args(argv)
    load = load_energy()["load_kw"].iloc[-args.weeks * 168 :]
    X, Y = supervised(load)
    test = 168  # the last week of origins is held out
    train_X, train_Y = X.iloc[: -test - HORIZON], Y[: -test - HORIZON]  # no overlap
    search = make_search(args).fit(train_X, train_Y)

    results = pd.DataFrame(search.cv_results_)
    columns = ["param_regressor__rnn__cell", "param_regressor__rnn__hidden_size"]
    table = results[[*columns, "mean_test_score", "mean_fit_time"]]
    table = table.set_axis(["cell", "hidden_size", "cv MAE", "fit s"], axis=1)
    table["cv MAE"] = -table["cv MAE"]
    print(table.sort_values("cv MAE").to_string(index=False))
    print("best:", search.best_params_)

    # The held-out week. A row's window also holds the hours before it, so the
    # full series goes in and the first rows, seen in training, are dropped.
    predicted = search.predict(X)[-test:]
    actual = Y[-test:]
    values = load.to_numpy()
    origins = range(len(X) - test, len(X))
    naive = np.stack([values[i - HORIZON + 1 : i + 1] for i in origins])
    best = mean_absolute_error(actual, predicted)
    print(
        f"held-out week MAE: best model {best:.1f} kW, seasonal naive "
        f"{mean_absolute_error(actual, naive):.1f} kW"
    )
    return search


if __name__ == "__main__":
    main()
