"""Tests for forecastrnn.backtest: folds, no leakage, metrics, refits, parallel runs."""

import os
import threading

import distributed
import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.preprocessing import StandardScaler

from forecastrnn import metrics
from forecastrnn.backtest import (
    BacktestResult,
    Fold,
    backtest,
    compare,
    conformal_interval,
    make_folds,
)
from forecastrnn.baselines import ARIMA, Drift, Naive, Naive2, SeasonalNaive
from forecastrnn.calendar import future_index


class Probe(BaseEstimator):
    """Naive forecaster that reports what it saw.

    ``history_`` records the span of the data given to ``fit``; the forecast is
    the last value of the context (``last_window`` or the fit data) plus
    ``shift``, so on ``y = 0, 1, 2, ...`` it equals the context's last position.
    ``predict`` checks that future ``exog`` covers exactly the forecast dates.
    """

    def __init__(self, shift=0.0):
        self.shift = shift

    def fit(self, y, exog=None):
        self.y_ = y
        self.history_ = pd.DataFrame(
            {
                "y_start": [y.index[0]],
                "y_end": [y.index[-1]],
                "exog_end": [None if exog is None else exog.index[-1]],
                "pid": [os.getpid()],
            }
        )
        return self

    def predict(self, steps=None, exog=None, last_window=None):
        context = self.y_ if last_window is None else last_window
        index = future_index(context.index, steps)
        if exog is not None:  # rows for the context, if passed, and the horizon
            start = index[0] if last_window is None else last_window.index[0]
            expected = pd.date_range(start, index[-1], freq=index.freq)
            assert exog.index.equals(expected), "exog rows do not match the dates"
        return pd.Series(context.iloc[-1] + self.shift, index=index)


class IntervalProbe(Probe):
    """Probe with a ``predict_interval`` of half-width ``width * coverage``."""

    def __init__(self, shift=0.0, width=1.0):
        super().__init__(shift=shift)
        self.width = width

    def predict_interval(self, steps=None, coverage=0.9, exog=None, last_window=None):
        mean = self.predict(steps=steps, exog=exog, last_window=last_window)
        half = self.width * coverage
        return pd.DataFrame({"lower": mean - half, "upper": mean + half, "mean": mean})


class ScaledMean(BaseEstimator):
    """Forecasts the training mean through a scaler fit inside ``fit``."""

    def fit(self, y, exog=None):
        self.scaler_ = StandardScaler().fit(y.to_numpy()[:, None])
        self.index_ = y.index
        return self

    def predict(self, steps=None, exog=None, last_window=None):
        level = self.scaler_.inverse_transform(np.zeros((1, 1)))[0, 0]
        context = self.index_ if last_window is None else last_window.index
        return pd.Series(level, index=future_index(context, steps))


def _ramp(n=40, freq="D"):
    """The series 0, 1, 2, ... so a value is its own position."""
    return pd.Series(
        np.arange(n, dtype=float), pd.date_range("2024-01-01", periods=n, freq=freq)
    )


def _wave(n=80, seed=0):
    """A noisy seasonal series with period 7."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.5, n)
    return pd.Series(values, pd.date_range("2023-01-01", periods=n, freq="D"))


# ----------------------------------------------------------------------- folds


def test_make_folds_default_places_folds_at_the_end():
    folds = make_folds(20, 3, n_folds=4)
    assert folds == [Fold(0, 8), Fold(0, 11), Fold(0, 14), Fold(0, 17)]
    assert folds[-1].train_stop + 3 == 20
    assert len(make_folds(100, 4)) == 5


def test_make_folds_initial_step_and_sliding():
    assert make_folds(20, 3, initial=10, step=2) == [
        Fold(0, 10),
        Fold(0, 12),
        Fold(0, 14),
        Fold(0, 16),
    ]
    assert make_folds(20, 3, initial=10, step=2, n_folds=2) == [
        Fold(0, 10),
        Fold(0, 12),
    ]
    sliding = make_folds(20, 3, initial=10, step=2, window="sliding")
    assert [f.train_stop - f.train_start for f in sliding] == [10] * 4
    assert [f.train_start for f in sliding] == [0, 2, 4, 6]
    # step < horizon: overlapping test parts, last one still ends at the end
    assert make_folds(10, 3, n_folds=3, step=1)[-1] == Fold(0, 7)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"horizon": 0}, ValueError, r"`horizon` must be a positive integer; got 0"),
        ({"horizon": 2.5}, TypeError, r"`horizon` must be a positive integer"),
        ({"horizon": 3, "step": 0}, ValueError, r"`step` must be"),
        ({"horizon": 3, "window": "rolling"}, ValueError, r"`window` must be one of"),
        ({"horizon": 4, "n_folds": 5}, ValueError, r"has 20 observations.*at least 21"),
        ({"horizon": 3, "initial": 18}, ValueError, r"at least 21"),
        ({"horizon": 3, "initial": 10, "n_folds": 4}, ValueError, r"at least 22"),
    ],
)
def test_make_folds_rejects_bad_sizes(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_folds(20, **kwargs)


# ----------------------------------------------------------------- no leakage


@pytest.mark.parametrize("window", ["expanding", "sliding"])
@pytest.mark.parametrize("refit", [True, 2, False])
def test_no_fit_or_forecast_sees_data_after_its_origin(window, refit):
    y = _ramp(40)
    exog = pd.DataFrame({"x": np.arange(40.0) * 2}, index=y.index)
    result = backtest(
        Probe(), y, exog, horizon=3, n_folds=6, window=window, refit=refit
    )
    forecasts, folds = result.forecasts, result.folds
    # the forecast is the context's last value, i.e. the origin's position
    origin_value = forecasts["origin"].map(pd.Series(y.to_numpy(), y.index))
    np.testing.assert_array_equal(forecasts["y_pred"], origin_value)
    assert (forecasts["timestamp"] > forecasts["origin"]).all()
    np.testing.assert_array_equal(
        forecasts["y_true"] - forecasts["y_pred"], forecasts["step"]
    )
    # each refit saw exactly its training part, exog included, ending at the origin
    for fold, history in result.histories.items():
        row = folds.set_index("fold").loc[fold]
        assert row["refit"]
        assert history["y_end"].iloc[0] == row["origin"] == row["train_end"]
        assert history["exog_end"].iloc[0] == row["origin"]
        assert history["y_start"].iloc[0] == row["train_start"]
    assert sorted(result.histories) == folds.loc[folds["refit"], "fold"].tolist()


def test_scaler_fit_inside_fit_sees_only_the_training_part():
    y = _wave(50)
    result = backtest(ScaledMean(), y, horizon=4, n_folds=3, window="sliding")
    for row in result.folds.itertuples():
        train = y.loc[row.train_start : row.train_end]
        expected = train.mean()
        got = result.forecasts.loc[result.forecasts["fold"] == row.fold, "y_pred"]
        np.testing.assert_allclose(got, expected)
        assert len(train) == row.n_train == 38


# --------------------------------------------------------- metrics and layout


def test_result_tables_and_metrics():
    y = _wave(60)
    result = backtest(Probe(), y, horizon=4, n_folds=5, m=7)
    assert isinstance(result, BacktestResult)
    f = result.forecasts
    assert list(f.columns) == [
        "fold",
        "origin",
        "timestamp",
        "step",
        "y_true",
        "y_pred",
    ]
    assert len(f) == 20 and f["step"].tolist() == [1, 2, 3, 4] * 5
    np.testing.assert_array_equal(f["y_true"], y.to_numpy()[-20:])
    np.testing.assert_array_equal(f["timestamp"], y.index[-20:])
    for row in result.folds.itertuples():
        part = f[f["fold"] == row.fold]
        n_train = 40 + 4 * row.fold
        assert row.n_train == n_train and row.origin == y.index[n_train - 1]
        assert row.mae == pytest.approx(metrics.mae(part["y_true"], part["y_pred"]))
        assert row.smape == pytest.approx(metrics.smape(part["y_true"], part["y_pred"]))
        mase = metrics.mase(part["y_true"], part["y_pred"], y.iloc[:n_train], m=7)
        assert row.mase == pytest.approx(mase)
        assert row.fit_seconds > 0 and row.predict_seconds > 0
    by_step = result.by_step
    assert by_step["step"].tolist() == [1, 2, 3, 4] and (by_step["n"] == 5).all()
    step2 = f[f["step"] == 2]
    assert by_step.loc[1, "rmse"] == pytest.approx(
        metrics.rmse(step2["y_true"], step2["y_pred"])
    )
    summary = result.summary()
    assert summary["mae"] == pytest.approx(metrics.mae(f["y_true"], f["y_pred"]))
    # pooled MASE: mean of the per-fold MASEs (equal fold sizes)
    assert summary["mase"] == pytest.approx(result.folds["mase"].mean())
    assert summary["n_folds"] == 5 and summary["n_refits"] == 5
    assert summary["total_seconds"] == pytest.approx(
        result.folds[["fit_seconds", "predict_seconds"]].to_numpy().sum()
    )


def test_refit_every_k_folds_reuses_the_model():
    y = _ramp(40)
    result = backtest(Probe(), y, horizon=2, n_folds=5, refit=2)
    folds = result.folds
    assert folds["refit"].tolist() == [True, False, True, False, True]
    assert (folds.loc[~folds["refit"], "fit_seconds"] == 0).all()
    # fold 1 is forecast by the model fit at fold 0
    assert folds.loc[1, "train_end"] == folds.loc[0, "origin"] != folds.loc[1, "origin"]
    once = backtest(Probe(), y, horizon=2, n_folds=5, refit=False)
    assert once.folds["refit"].tolist() == [True] + [False] * 4
    assert once.summary()["n_refits"] == 1
    pd.testing.assert_frame_equal(once.forecasts, result.forecasts)


def test_prediction_intervals_when_supported():
    y = _wave(40)
    result = backtest(IntervalProbe(width=4.0), y, horizon=3, n_folds=4, coverage=0.5)
    f = result.forecasts
    # half-width is width * coverage: `coverage` reached predict_interval
    np.testing.assert_allclose(f["upper"] - f["lower"], 4.0)
    np.testing.assert_allclose((f["upper"] + f["lower"]) / 2, f["y_pred"])
    inside = ((f["lower"] <= f["y_true"]) & (f["y_true"] <= f["upper"])).mean()
    assert result.summary()["coverage"] == pytest.approx(inside)
    assert {"coverage", "width"} <= set(result.folds.columns)
    # forecasters without predict_interval ignore `coverage`
    plain = backtest(Probe(), y, horizon=3, n_folds=4, coverage=0.5)
    assert "lower" not in plain.forecasts and "coverage" not in plain.summary()


# ------------------------------------------------------------------ baselines


def test_naive_and_seasonal_naive_forecasts():
    y = _wave(70)
    naive = backtest(Naive(), y, horizon=3, n_folds=4, window="sliding")
    values = pd.Series(y.to_numpy(), y.index)
    f = naive.forecasts
    np.testing.assert_array_equal(f["y_pred"], f["origin"].map(values))
    # fit once; later folds repeat the season before their own origin
    seasonal = backtest(SeasonalNaive(7), y, horizon=3, n_folds=4, refit=False)
    f = seasonal.forecasts
    stops = np.repeat([58, 61, 64, 67], 3)
    expected = y.to_numpy()[stops - 7 + (f["step"].to_numpy() - 1) % 7]
    np.testing.assert_array_equal(f["y_pred"], expected)


def test_compare_baselines_with_intervals():
    y = _wave(70)
    models = {"naive": Naive(), "seasonal": SeasonalNaive(7), "drift": Drift()}
    comparison = compare(models, y, horizon=7, n_folds=3, m=7, coverage=0.8)
    board = comparison.leaderboard
    assert board.index[0] == "seasonal"
    assert board["mase"].is_monotonic_increasing
    assert ((board["coverage"] >= 0) & (board["width"] > 0)).all()
    f = comparison.results["naive"].forecasts
    assert (f["lower"] < f["y_pred"]).all() and (f["y_pred"] < f["upper"]).all()


def test_arima_with_exog_reuses_its_fit_through_last_window():
    rng = np.random.default_rng(1)
    x, noise = rng.normal(size=60), rng.normal(0, 0.5, 60)
    values = np.zeros(60)
    for t in range(1, 60):
        values[t] = 0.6 * values[t - 1] + 2 * x[t] + noise[t]
    index = pd.date_range("2024-01-01", periods=60, freq="D")
    y, exog = pd.Series(values, index), pd.DataFrame({"x": x}, index)
    result = backtest(ARIMA(order=(1, 0, 0)), y, exog, horizon=3, n_folds=4, refit=2)
    # fold 1 reuses the model fit at fold 0 (origin position 48)
    model = ARIMA(order=(1, 0, 0)).fit(y.iloc[:48], exog=exog.iloc[:48])
    manual = model.predict(steps=3, exog=exog.iloc[:54], last_window=y.iloc[:51])
    got = result.forecasts.loc[result.forecasts["fold"] == 1, "y_pred"]
    np.testing.assert_allclose(got, manual.to_numpy())
    assert result.summary()["mase"] < 1


# ------------------------------------------------------------------ bad input


def _irregular():
    index = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-07"])
    return pd.Series(np.arange(4.0), index)


@pytest.mark.parametrize(
    ("y", "kwargs", "error", "match"),
    [
        (_ramp(), {"horizon": 0}, ValueError, r"`horizon` must be a positive"),
        (_ramp(), {"horizon": 5, "n_folds": 8}, ValueError, r"40 observations.*41"),
        (_ramp(), {"horizon": 2, "m": 40}, ValueError, r"`m`=40 needs more than 40"),
        (_ramp(), {"horizon": 2, "refit": 0}, ValueError, r"`refit` must be"),
        (_ramp(), {"horizon": 2, "coverage": 1.5}, ValueError, r"`coverage` must"),
        (np.arange(40.0), {"horizon": 2}, TypeError, r"`y` must be a pandas Series"),
        (pd.Series(np.arange(40.0)), {"horizon": 2}, TypeError, r"DatetimeIndex"),
        (_ramp().astype(str), {"horizon": 2}, TypeError, r"real numeric dtype"),
        (_irregular(), {"horizon": 1}, ValueError, r"irregular DatetimeIndex"),
        (_ramp().where(_ramp() != 5), {"horizon": 2}, ValueError, r"missing values"),
    ],
)
def test_backtest_rejects_bad_input(y, kwargs, error, match):
    with pytest.raises(error, match=match):
        backtest(Probe(), y, **kwargs)


def test_exog_must_be_aligned():
    y = _ramp(30)
    exog = pd.DataFrame({"x": np.arange(29.0)}, index=y.index[:-1])
    with pytest.raises(
        ValueError,
        match=r"`exog` has no rows for 1 of the 30 timestamps of `y` \(first "
        r"missing: 2024-01-30 00:00:00\)",
    ):
        backtest(Probe(), y, exog, horizon=2)
    with pytest.raises(TypeError, match=r"`exog` must be a pandas DataFrame"):
        backtest(Probe(), y, np.arange(30.0), horizon=2)
    with pytest.raises(TypeError, match=r"`exog` column 'city' has dtype str"):
        backtest(Probe(), y, pd.DataFrame({"city": ["x"] * 30}, y.index), horizon=2)


def test_exog_numbers_of_any_dtype_and_extra_rows_are_accepted():
    # issue 16: a bool column is a number; extra rows after `y` are ignored
    y = _ramp(30)
    index = pd.date_range(y.index[0], periods=35, freq=y.index.freq)
    exog = pd.DataFrame(
        {"temp": np.arange(35.0), "holiday": np.arange(35) % 7 == 0}, index
    )
    before = exog.copy()

    class DtypeProbe(Probe):
        def fit(self, y, exog=None):
            assert (exog.dtypes == np.float64).all() and exog.index.equals(y.index)
            return super().fit(y, exog)

    result = backtest(DtypeProbe(), y, exog, horizon=2, n_folds=2)
    assert len(result.forecasts) == 4
    pd.testing.assert_frame_equal(exog, before)
    with pytest.raises(
        TypeError, match=r"`coverage` must be a float in \(0, 1\); got str"
    ):
        backtest(Probe(), y, horizon=2, coverage="0.9")


def test_forecaster_output_is_checked():
    class Late(Probe):
        def predict(self, steps=None, exog=None, last_window=None):
            return super().predict(steps, exog, last_window).shift(1, freq="D")

    with pytest.raises(ValueError, match=r"`predict` returned Series indexed by"):
        backtest(Late(), _ramp(), horizon=2, n_folds=2)


# ------------------------------------------------------------------- compare


def test_compare_ranks_models_on_the_same_folds():
    y = _ramp(40)
    models = {"off": Probe(shift=-3.0), "good": Probe(shift=1.5), "mid": Probe()}
    comparison = compare(models, y, horizon=3, n_folds=4, refit=2)
    board = comparison.leaderboard
    assert board.index.tolist() == ["good", "mid", "off"]
    assert board.index.name == "model"
    assert {"mae", "rmse", "mape", "smape", "mase", "total_seconds"} <= set(board)
    assert board["n_folds"].tolist() == [4, 4, 4]
    alone = backtest(Probe(shift=1.5), y, horizon=3, n_folds=4, refit=2)
    pd.testing.assert_frame_equal(comparison.results["good"].forecasts, alone.forecasts)
    assert comparison.forecasts.columns[0] == "model"
    assert len(comparison.forecasts) == 3 * 12
    with pytest.raises(TypeError, match=r"`forecasters` must be a non-empty dict"):
        compare([Probe()], y, horizon=3)


def test_compare_with_a_refit_policy_per_model():
    y = _ramp(40)
    models = {"net": Probe(shift=1.0), "base": Probe()}
    comparison = compare(models, y, horizon=2, n_folds=4, refit={"net": False})
    assert comparison.results["net"].folds["refit"].tolist() == [True] + [False] * 3
    assert comparison.results["base"].folds["refit"].all()
    alone = backtest(Probe(shift=1.0), y, horizon=2, n_folds=4, refit=False)
    pd.testing.assert_frame_equal(comparison.results["net"].forecasts, alone.forecasts)
    with pytest.raises(ValueError, match=r"`refit` names \['lstm'\], which are not"):
        compare(models, y, horizon=2, n_folds=4, refit={"lstm": False})


# ------------------------------------------------------------------ conformal


def test_conformal_interval_uses_the_finite_sample_quantile():
    y = _wave(80)
    result = backtest(Probe(), y, horizon=2, n_folds=19)
    forecast = Probe().fit(y).predict(steps=2)
    interval = conformal_interval(result, forecast, coverage=0.9)
    assert interval.index.equals(forecast.index)
    f = result.forecasts
    for h in (1, 2):
        errors = np.sort(
            (f.loc[f["step"] == h, "y_true"] - f.loc[f["step"] == h, "y_pred"]).abs()
        )
        # n = 19: k = ceil(20 * 0.9) = 18, the 18th smallest error
        half = interval["upper"].iloc[h - 1] - forecast.iloc[h - 1]
        assert half == pytest.approx(errors[17])
        assert forecast.iloc[h - 1] - interval["lower"].iloc[h - 1] == pytest.approx(
            half
        )


def test_conformal_interval_needs_enough_folds():
    y = _wave(60)
    result = backtest(Probe(), y, horizon=2, n_folds=8)
    forecast = Probe().fit(y).predict(steps=2)
    with pytest.raises(ValueError, match=r"`coverage`=0.9 needs at least 9 .* has 8"):
        conformal_interval(result, forecast, coverage=0.9)
    assert len(conformal_interval(result, forecast, coverage=0.8)) == 2
    with pytest.raises(
        ValueError, match=r"`forecast` has 3 steps; the backtest covers 2"
    ):
        conformal_interval(result, Probe().fit(y).predict(steps=3), coverage=0.8)


# ------------------------------------------------------------------- parallel


@pytest.mark.slow
def test_dask_cluster_gives_the_sequential_results():
    y = _wave(60)
    models = {"probe": Probe(shift=0.5), "scaled": ScaledMean()}
    kwargs = {"horizon": 3, "n_folds": 6, "refit": 2, "m": 7}
    sequential = compare(models, y, **kwargs)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        on_dask = compare(models, y, n_jobs=2, **kwargs)
        single = backtest(models["probe"], y, n_jobs=2, **kwargs)
    # the fits ran in the worker processes
    pids = {h["pid"].iloc[0] for h in on_dask.results["probe"].histories.values()}
    assert pids and os.getpid() not in pids
    timing = ["fit_seconds", "predict_seconds"]
    for name in models:
        want, got = sequential.results[name], on_dask.results[name]
        pd.testing.assert_frame_equal(got.forecasts, want.forecasts)
        pd.testing.assert_frame_equal(
            got.folds.drop(columns=timing), want.folds.drop(columns=timing)
        )
        pd.testing.assert_frame_equal(got.by_step, want.by_step)
    pd.testing.assert_frame_equal(
        single.forecasts, sequential.results["probe"].forecasts
    )
    assert on_dask.leaderboard.index.tolist() == sequential.leaderboard.index.tolist()


# --------------------------------------------------------------------- panels


def _panel(lengths=(40, 34, 30), ends=None):
    """Ramps ``0, 1, 2, ...`` by id, of the given lengths, ending on ``ends``."""
    ends = ends or ["2024-03-01"] * len(lengths)
    return {
        key: pd.Series(
            np.arange(n, dtype=float) * (i + 1),
            pd.date_range(end=end, periods=n, freq="D"),
        )
        for i, (key, n, end) in enumerate(zip("abc", lengths, ends, strict=True))
    }


class PanelSpy(BaseEstimator):
    """A global forecaster: ``fit`` takes ``{id: Series}`` and records, per
    series, the first and last timestamps it saw; the forecast repeats the
    context's last value of each series."""

    global_model = True

    def fit(self, y, exog=None):
        assert isinstance(y, dict)
        self.y_ = dict(y)
        self.history_ = pd.DataFrame(
            {
                "series": list(y),
                "y_start": [s.index[0] for s in y.values()],
                "y_end": [s.index[-1] for s in y.values()],
                "exog_end": [None if exog is None else exog[k].index[-1] for k in y],
            }
        )
        return self

    def predict(self, steps=None, exog=None, last_window=None):
        context = self.y_ if last_window is None else last_window
        out = {}
        for key, series in context.items():
            index = future_index(series.index, steps)
            if exog is not None:
                assert exog[key].index[-1] == index[-1]
            out[key] = pd.Series(series.iloc[-1], index=index)
        return out


@pytest.mark.parametrize("refit", [True, 2, False])
@pytest.mark.parametrize("window", ["expanding", "sliding"])
def test_global_fit_sees_each_series_only_up_to_its_origin(refit, window):
    y = _panel(ends=["2024-03-01", "2024-02-20", "2024-03-05"])
    exog = {k: pd.DataFrame({"x": -s.to_numpy()}, s.index) for k, s in y.items()}
    result = backtest(
        PanelSpy(), y, exog, horizon=3, n_folds=4, window=window, refit=refit
    )
    folds = result.folds.set_index(["series", "fold"])
    refits = sorted(result.folds.loc[result.folds["refit"], "fold"].unique())
    assert sorted(result.histories) == refits  # one global fit per refit fold
    for fold, history in result.histories.items():
        for row in history.itertuples():
            expected = folds.loc[(row.series, fold)]
            assert row.y_end == row.exog_end == expected["origin"]
            assert row.y_start == expected["train_start"]
    f = result.forecasts
    values = {k: pd.Series(s.to_numpy(), s.index) for k, s in y.items()}
    origin_value = [values[k][o] for k, o in zip(f["series"], f["origin"], strict=True)]
    np.testing.assert_array_equal(f["y_pred"], origin_value)
    assert (f["timestamp"] > f["origin"]).all()


def test_panel_folds_are_aligned_by_the_series_ends():
    y = _panel(lengths=(40, 34, 30), ends=["2024-03-01", "2024-02-20", "2024-03-05"])
    result = backtest(Naive(), y, horizon=3, n_folds=3, initial=20, window="sliding")
    f = result.forecasts
    assert f["series"].unique().tolist() == ["a", "b", "c"]
    for key, series in y.items():
        # placed on the shortest series (30 points): origins at positions
        # 19, 22, 25, i.e. 11, 8 and 5 points before the end of every series
        rows = result.folds[result.folds["series"] == key]
        origins = series.index.get_indexer(rows["origin"])
        np.testing.assert_array_equal(len(series) - 1 - origins, [10, 7, 4])
        assert (rows["n_train"] == 20).all()  # sliding: each trains on 20
        part = f[f["series"] == key]
        assert series.index.get_indexer(part["timestamp"]).max() == len(series) - 2
    assert result.summary()["n_folds"] == 3 and result.summary()["n_series"] == 3


@pytest.mark.parametrize(
    ("model", "kwargs"),
    [
        (Naive(), {"n_folds": 3}),
        (SeasonalNaive(7), {"n_folds": 4, "refit": 2, "m": 7}),
        (Drift(), {"n_folds": 2, "step": 2, "refit": False}),
    ],
)
def test_panel_backtest_of_a_baseline_equals_its_backtest_per_series(model, kwargs):
    y = {"w1": _wave(60, seed=1), "w2": _wave(50, seed=2).iloc[3:], "w3": _wave(70)}
    panel = backtest(model, y, horizon=3, **kwargs)
    timing = ["fit_seconds", "predict_seconds"]
    for key, series in y.items():
        alone = backtest(model, series, horizon=3, **kwargs)
        mine = panel.forecasts[panel.forecasts["series"] == key]
        pd.testing.assert_frame_equal(
            mine.drop(columns="series").reset_index(drop=True), alone.forecasts
        )
        rows = panel.folds[panel.folds["series"] == key]
        pd.testing.assert_frame_equal(
            rows.drop(columns=["series", *timing]).reset_index(drop=True),
            alone.folds.drop(columns=timing),
        )
        scores = panel.per_series().loc[key]
        assert scores["smape"] == pytest.approx(alone.summary()["smape"])
        assert scores["mase"] == pytest.approx(alone.summary()["mase"])
        assert scores["n"] == len(alone.forecasts)


def test_panel_scores_are_means_over_series_of_their_own_scale():
    y = pd.DataFrame({"small": _wave(50, seed=3), "large": 100 * _wave(50, seed=4)})
    result = backtest(Naive(), y, horizon=5, n_folds=1, m=7)
    per_series = result.per_series()
    assert per_series.index.tolist() == ["small", "large"]
    assert per_series.index.name == "series"
    for key in y:
        f = result.forecasts[result.forecasts["series"] == key]
        mase = metrics.mase(f["y_true"], f["y_pred"], y[key].iloc[:45], m=7)
        assert per_series.loc[key, "mase"] == pytest.approx(mase)
        smape = metrics.smape(f["y_true"], f["y_pred"])
        assert per_series.loc[key, "smape"] == pytest.approx(smape)
    summary = result.summary()
    assert summary["mase"] == pytest.approx(per_series["mase"].mean())
    assert summary["smape"] == pytest.approx(per_series["smape"].mean())
    f = result.forecasts
    assert summary["mae"] == pytest.approx(metrics.mae(f["y_true"], f["y_pred"]))
    assert result.by_step["n"].tolist() == [2] * 5


def test_single_series_has_no_series_column_but_one_row_per_series():
    result = backtest(Naive(), _wave(40), horizon=2, n_folds=2)
    assert "series" not in result.forecasts and "series" not in result.folds
    assert not result.is_panel and "n_series" not in result.summary()
    per_series = result.per_series()
    assert per_series.index.tolist() == ["series"]
    assert per_series.loc["series", "mase"] == pytest.approx(result.summary()["mase"])


def test_compare_on_a_panel_has_owa_against_naive2_and_per_series_tables():
    y = {"w1": _wave(60, seed=1), "w2": _wave(60, seed=2), "w3": _wave(60, seed=5)}
    models = {"naive": Naive(), "seasonal": SeasonalNaive(7), "ref": Naive2(1)}
    comparison = compare(models, y, horizon=3, n_folds=3, m=7)
    assert comparison.reference == "ref"
    board = comparison.leaderboard
    assert list(board.columns[:7]) == [
        "mae", "rmse", "mape", "smape", "mase", "owa", "n_series"
    ]  # fmt: skip
    assert board.loc["ref", "owa"] == pytest.approx(1.0)
    # Naive2 without a season is Naive
    assert board.loc["naive", "owa"] == pytest.approx(1.0)
    ref = board.loc["ref"]
    expected = metrics.owa(
        board.loc["seasonal", "smape"], board.loc["seasonal", "mase"],
        ref["smape"], ref["mase"],
    )  # fmt: skip
    assert board.loc["seasonal", "owa"] == pytest.approx(expected)
    assert board.index[0] == "seasonal" and board.loc["seasonal", "owa"] < 1
    assert (board["n_series"] == 3).all()
    wide = comparison.per_series("mase")
    assert wide.index.tolist() == list(models) and wide.columns.tolist() == list(y)
    long = comparison.per_series()
    assert long.index.names == ["model", "series"] and len(long) == 9
    assert long.loc[("seasonal", "w2"), "mase"] == wide.loc["seasonal", "w2"]
    with pytest.raises(ValueError, match=r"`metric` must be one of"):
        comparison.per_series("rmse")
    alone = backtest(SeasonalNaive(7), y, horizon=3, n_folds=3, m=7)
    pd.testing.assert_frame_equal(
        comparison.results["seasonal"].forecasts, alone.forecasts
    )
    assert "owa" not in compare({"naive": Naive()}, y, horizon=3).leaderboard


def test_owa_is_nan_with_a_warning_when_the_reference_is_perfect():
    y = {k: pd.Series(5.0, pd.date_range("2024", periods=30)) for k in "ab"}
    comparison = compare({"ref": Naive2(1), "drift": Drift()}, y, horizon=2)
    with pytest.warns(UserWarning, match=r"OWA is undefined: the reference 'ref'"):
        board = comparison.leaderboard
    assert board["owa"].isna().all()


def test_panel_bad_input_names_the_series():
    y = _panel(lengths=(40, 34, 10))
    with pytest.raises(
        ValueError,
        match=r"Series 'c' of `y`, the shortest of the panel, has 10 observations; "
        r"5 folds .* need at least 16\. Leave that series out of the panel",
    ):
        backtest(Naive(), y, horizon=3)
    with pytest.raises(ValueError, match=r"first fold of series 'c' has 4"):
        backtest(Naive(), y, horizon=2, n_folds=3, m=4)
    with pytest.raises(TypeError, match=r"Series 'a' of `y` must be indexed by"):
        backtest(Naive(), {"a": pd.Series(np.arange(20.0))}, horizon=2)
    with pytest.raises(ValueError, match=r"missing values"):
        backtest(Naive(), {"a": _ramp().where(_ramp() != 5)}, horizon=2)
    with pytest.raises(TypeError, match=r"For a panel, `exog` must be a mapping"):
        backtest(Naive(), y, pd.DataFrame({"x": [1.0]}), horizon=2, n_folds=2)
    with pytest.raises(ValueError, match=r"missing \['b', 'c'\], unknown \['z'\]"):
        exog = {"a": pd.DataFrame({"x": 0.0}, y["a"].index), "z": None}
        backtest(Naive(), y, exog, horizon=2, n_folds=2)

    class Lost(PanelSpy):
        def predict(self, steps=None, exog=None, last_window=None):
            return super().predict(steps, exog, last_window)["a"]

    with pytest.raises(ValueError, match=r"must answer a mapping \{series_id"):
        backtest(Lost(), y, horizon=2, n_folds=2)


def test_is_global_reads_the_attribute_or_the_class():
    from forecastrnn import RNNForecaster
    from forecastrnn.backtest import is_global

    assert is_global(RNNForecaster()) and is_global(PanelSpy())
    assert not is_global(Naive()) and not is_global(Probe())


@pytest.mark.slow
def test_rnn_forecaster_backtests_a_panel_with_one_fit_per_refit():
    from forecastrnn import RNNForecaster, RNNRegressor

    rng = np.random.default_rng(0)
    index = pd.date_range("2024-01-01", periods=120, freq="D")
    y = pd.DataFrame(
        {k: 10 + np.sin(np.arange(120) / 3) + rng.normal(0, 0.1, 120) for k in "abc"},
        index,
    )
    y.iloc[:20, 2] = np.nan  # series "c" starts later
    network = RNNRegressor(hidden_size=4, max_epochs=1, random_state=0)
    model = RNNForecaster(network, window_size=8, horizon=4)
    result = backtest(model, y, horizon=4, n_folds=3, refit=2)
    assert sorted(result.histories) == [0, 2]
    assert result.folds.groupby("fold")["refit"].all().tolist() == [True, False, True]
    assert len(result.forecasts) == 3 * 3 * 4
    assert np.isfinite(result.forecasts["y_pred"]).all()
    assert result.per_series().index.tolist() == ["a", "b", "c"]


class ThreadProbe(Probe):
    """A Probe that records the thread it was fit in."""

    def fit(self, y, exog=None):
        super().fit(y, exog)
        self.history_["thread"] = threading.current_thread().name
        return self


@pytest.mark.slow
def test_an_active_dask_client_runs_panel_tasks_on_its_cluster():
    y = {"w1": _wave(60, seed=1), "w2": _wave(60, seed=2)}
    models = {"probe": ThreadProbe(shift=0.5), "global": PanelSpy()}
    kwargs = {"horizon": 3, "n_folds": 4, "refit": 2, "m": 7}
    sequential = compare(models, y, **kwargs)
    # two threads: with one, joblib runs the tasks in this thread (n_jobs=1)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        on_dask = compare(models, y, **kwargs)
    threads = {h["thread"].iloc[0] for h in on_dask.results["probe"].histories.values()}
    assert threads and threading.current_thread().name not in threads
    timing = ["fit_seconds", "predict_seconds"]
    for name in models:
        want, got = sequential.results[name], on_dask.results[name]
        pd.testing.assert_frame_equal(got.forecasts, want.forecasts)
        pd.testing.assert_frame_equal(
            got.folds.drop(columns=timing), want.folds.drop(columns=timing)
        )
