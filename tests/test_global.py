"""One network over many series: RNNForecaster on panels."""

import copy

import numpy as np
import pandas as pd
import pytest

from forecastrnn import RNNForecaster, RNNRegressor, backtest
from forecastrnn.forecasters import EPOCH_WINDOWS

TINY = {"hidden_size": 4, "max_epochs": 2, "batch_size": 16, "random_state": 0}


def net(cell="gru", **kw):
    return RNNRegressor(cell, **{**TINY, **kw})


def hourly(n=150, seed=0, start="2024-01-01", name=None):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(n)
    return pd.Series(values, pd.date_range(start, periods=n, freq="h"), name=name)


def panel():
    return {
        "a": hourly(150, 0),
        "b": hourly(120, 1, start="2024-01-02"),
        "c": hourly(100, 2, start="2024-01-01 05:00"),
    }


def model(**kw):
    return RNNForecaster(net(), window_size=12, horizon=4, **kw)


def test_predict_answers_in_the_kind_it_was_given():
    data = panel()
    as_dict = model().fit(data).predict()
    assert list(as_dict) == ["a", "b", "c"]
    for key, series in data.items():
        expected = pd.date_range(series.index[-1], periods=5, freq="h")[1:]
        assert as_dict[key].index.equals(expected)
        assert as_dict[key].name == key
    wide = pd.DataFrame(data)  # shared index: NaN before b's start, after c's end
    as_frame = model().fit(wide).predict()
    assert isinstance(as_frame, pd.DataFrame) and list(as_frame.columns) == list("abc")
    assert as_frame["c"].dropna().index.equals(as_dict["c"].index)
    # the same panel in two layouts trains the same network
    for key in data:
        np.testing.assert_allclose(
            as_frame[key].dropna().to_numpy(), as_dict[key].to_numpy(), rtol=1e-6
        )


def test_a_single_series_is_a_panel_of_one():
    y = hourly(150, name="load")
    alone = model().fit(y).predict()
    in_panel = model().fit({"load": y}).predict()["load"]
    assert isinstance(alone, pd.Series) and alone.name == "load"
    pd.testing.assert_series_equal(alone, in_panel)


def test_each_series_is_scaled_on_its_own():
    # a series and an affine copy read the same scaled windows: the network
    # cannot tell them apart, so their forecasts are the same affine copies
    y = hourly(150)
    f = model().fit({"small": y, "large": 1000 * y + 5})
    out = f.predict()
    np.testing.assert_allclose(
        out["large"].to_numpy(), 1000 * out["small"].to_numpy() + 5, rtol=1e-5
    )
    # an unseen series is scaled by its own last window, same argument
    tail = y.iloc[-40:]
    new = f.predict(last_window={"x": tail, "y": 3 * tail - 2})
    np.testing.assert_allclose(
        new["y"].to_numpy(), 3 * new["x"].to_numpy() - 2, rtol=1e-5
    )


def test_gaps_are_read_interpolated_and_masked_out_of_the_loss():
    y = hourly(150)
    gappy = y.copy()
    gappy.iloc[60:63] = np.nan
    before = gappy.copy()
    f = model().fit({"a": gappy, "b": y})
    pd.testing.assert_series_equal(gappy, before)  # the input is untouched
    assert np.isfinite(f.history_.to_numpy()).all()
    assert np.isfinite(f.predict()["a"]).all()
    # NaN targets make the loss skip them: a model trained on the gappy series
    # differs from one trained on the complete series
    full = model().fit({"a": y, "b": y}).predict()["a"]
    assert not np.allclose(full.to_numpy(), f.predict()["a"].to_numpy())


@pytest.mark.slow
def test_windows_per_series_auto_keeps_an_epoch_within_budget():
    data = panel()
    assert model().fit(data).windows_per_series_ is None  # few windows: all
    assert model(windows_per_series=5).fit(data).windows_per_series_ == 5
    long = {k: hourly(EPOCH_WINDOWS // 2, seed=k) for k in range(3)}  # 1.5x
    f = RNNForecaster(net(max_epochs=1, batch_size=256), window_size=4, horizon=2).fit(
        long
    )
    assert f.windows_per_series_ == EPOCH_WINDOWS // 3


def test_last_window_panel_forecasts_known_and_new_series():
    data = panel()
    f = model().fit(data)
    context = {"b": data["b"].iloc[:-10], "new": hourly(30, 5)}
    out = f.predict(last_window=context)
    assert list(out) == ["b", "new"]
    assert out["b"].index[0] == data["b"].index[-10]
    with pytest.raises(ValueError, match=r"Series 'new' of `last_window` has 5"):
        f.predict(last_window={"new": hourly(5)})


def test_the_user_panel_is_not_modified():
    data = panel()
    snapshot = copy.deepcopy(data)
    wide = pd.DataFrame(data)
    wide_before = wide.copy()
    model().fit(data).predict()
    model().fit(wide)
    for key in data:
        pd.testing.assert_series_equal(data[key], snapshot[key])
    pd.testing.assert_frame_equal(wide, wide_before)


def test_quantiles_and_intervals_answer_in_the_kind_predict_gives():
    data = panel()
    quantile = RNNForecaster(net(loss="quantile"), window_size=12, horizon=4)
    quantile.fit(data)
    levels = quantile.predict_quantiles()
    intervals = quantile.predict_interval(coverage=0.8)
    assert list(intervals) == ["a", "b", "c"]
    for key in data:
        q = levels[key]
        expected = pd.DataFrame({"mean": q[0.5], "lower": q[0.1], "upper": q[0.9]})
        pd.testing.assert_frame_equal(intervals[key], expected)
    wide = quantile.fit(pd.DataFrame(data)).predict_interval(coverage=0.8)
    assert isinstance(wide, pd.DataFrame)
    columns = ("mean", "lower", "upper")
    assert list(wide.columns) == [(k, c) for k in "abc" for c in columns]
    lower, upper = wide.xs("lower", axis=1, level=1), wide.xs("upper", axis=1, level=1)
    width = (upper - lower).stack().dropna()  # a series' rows where it forecasts
    assert len(width) == 3 * 4 and (width >= 0).all()
    with pytest.raises(ValueError, match="`coverage` must be strictly between 0 and 1"):
        quantile.predict_interval(coverage=1.5)
    with pytest.raises(ValueError, match=r"needs the quantiles 0.25 and 0.75"):
        quantile.predict_interval(coverage=0.5)
    # a panel backtest with intervals (`forecastrnn backtest --coverage`)
    result = backtest(quantile, data, horizon=4, n_folds=2, refit=False, coverage=0.8)
    assert result.forecasts[["lower", "upper"]].notna().all().all()
    assert 0 <= result.summary()["coverage"] <= 1


def test_a_window_of_missing_values_at_the_end_is_refused_not_filled():
    data = panel()
    b = data["b"].copy()
    b.iloc[-12:] = np.nan  # window_size: the forecast would read no observation
    with pytest.raises(ValueError, match=r"Series 'b' of `y` ends in 12 missing"):
        model().fit({**data, "b": b})
    fitted = model().fit(data)
    with pytest.raises(ValueError, match=r"Series 'b' of `last_window` ends in 12"):
        fitted.predict(last_window={"b": b})
    b.iloc[-12] = 1.0  # one observation in the window: the gaps are filled
    assert np.isfinite(fitted.predict(last_window={"b": b})["b"]).all()
    # a wide frame trims each column's missing tail: that series ended earlier
    wide = pd.DataFrame({**data, "b": data["b"].iloc[:-12].reindex(data["b"].index)})
    assert model().fit(wide).predict()["b"].notna().sum() == 4


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: {**d, "c": d["c"].iloc[:10]}, r"Series 'c' of `y` has 10 obs"),
        (
            lambda d: {**d, "d": hourly(100).resample("2h").mean()},
            r"frequenc",
        ),
        (lambda d: {**d, "b": d["b"].astype(str)}, r"'b'"),
        (lambda d: pd.concat([pd.DataFrame(d), pd.DataFrame(d)["a"]], axis=1), "a"),
    ],
    ids=["too-short", "mixed-frequency", "non-numeric", "duplicate-id"],
)
def test_bad_panels_name_the_series(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        model().fit(make(panel()))


@pytest.mark.slow
def test_covariates_per_series():
    data = panel()
    exog = {
        k: pd.DataFrame(
            {"temp": np.cos(np.arange(len(s) + 4))},
            pd.date_range(s.index[0], periods=len(s) + 4, freq="h"),
        )
        for k, s in data.items()
    }
    f = model().fit(data, exog={k: e.iloc[:-4] for k, e in exog.items()})
    out = f.predict(exog=exog)
    assert list(out) == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"no covariates for series \['c'\]"):
        model().fit(data, exog={k: exog[k] for k in ("a", "b")})
    with pytest.raises(TypeError, match="mapping"):
        model().fit(data, exog=exog["a"])
    broken = exog["b"].iloc[:-4].copy()
    broken.iloc[7, 0] = np.inf
    with pytest.raises(ValueError, match=r"1 infinite values for series 'b' \(first"):
        model().fit(data, exog={**exog, "b": broken})


def test_static_covariates_reach_the_network_and_new_series_need_them():
    data = panel()
    static = pd.DataFrame(
        {"size": [1.0, 2.0, 3.0], "urban": [True, False, True]}, index=["c", "a", "b"]
    )  # any row order
    f = model().fit(data, static=static)
    plain = model().fit(data)
    assert f.regressor_.n_channels == plain.regressor_.n_channels + 2
    out = f.predict()
    # the static channels change the network's inputs, so its forecasts
    moved = model().fit(data, static=static.assign(size=[3.0, 2.0, 1.0])).predict()
    assert not np.allclose(out["a"].to_numpy(), moved["a"].to_numpy())
    tail = data["a"].iloc[-30:]
    with pytest.raises(ValueError, match=r"pass their rows as `static`"):
        f.predict(last_window={"new": tail})
    new = f.predict(
        last_window={"new": tail},
        static=pd.DataFrame({"size": [2.0], "urban": [False]}, ["new"]),
    )
    assert np.isfinite(new["new"]).all()
    with pytest.raises(ValueError, match=r"no row for series \['b'\]"):
        model().fit(data, static=static.drop(index="b"))
    with pytest.raises(TypeError, match="one row per series"):
        model().fit(data, static=[1, 2, 3])


_TWO_DEVICES = """
import json, sys
import jax
from forecastrnn import engine
sys.path.insert(0, sys.argv[2])
from test_global import model, panel
assert len(jax.devices()) == 2 and engine.data_mesh(16) is not None
out = model(windows_per_series=40).fit(panel()).predict()
print(json.dumps({k: v.tolist() for k, v in out.items()}))
"""


@pytest.mark.slow
def test_panel_training_shards_over_two_devices_like_one(tmp_path):
    """The global model trains data-parallel on 2 forced CPU devices (each
    batch split over them) to the forecasts of one device, up to rounding."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": (
            os.environ.get("XLA_FLAGS", "")
            + " --xla_force_host_platform_device_count=2"
        ).strip(),
    }
    run = subprocess.run(
        [sys.executable, "-c", _TWO_DEVICES, str(tmp_path), str(Path(__file__).parent)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    two = json.loads(run.stdout.strip().splitlines()[-1])
    one = model(windows_per_series=40).fit(panel()).predict()
    for key, values in one.items():
        np.testing.assert_allclose(two[key], values.to_numpy(), rtol=2e-3)


_PROCESS = """
import json, sys
import jax
port, rank, tests = sys.argv[1], int(sys.argv[2]), sys.argv[3]
jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(f"localhost:{port}", num_processes=2, process_id=rank)
sys.path.insert(0, tests)
from test_global import model, panel
assert len(jax.devices()) == 2 and len(jax.local_devices()) == 1
out = model(windows_per_series=40).fit(panel()).predict()
print(json.dumps({k: v.tolist() for k, v in out.items()}))
"""


@pytest.mark.slow
def test_panel_training_across_two_processes_with_jax_distributed():
    """JAX's own multi-process runtime (``jax.distributed``, gloo collectives
    on CPU): two processes, one device each, the same data and seed, train
    one model data-parallel; both get the forecasts of a single process."""
    import json
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS, str(port), str(rank),
             str(Path(__file__).parent)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for rank in (0, 1)
    ]  # fmt: skip
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-2000:]
    one = model(windows_per_series=40).fit(panel()).predict()
    for stdout, _ in outputs:
        two = json.loads(stdout.strip().splitlines()[-1])
        for key, values in one.items():
            np.testing.assert_allclose(two[key], values.to_numpy(), rtol=1e-5)


def test_fine_tuning_continues_the_fitted_network():
    data = panel()
    f = model().fit(data)
    before = f.predict()
    scales = {s.key: s.scale for s in f.series_}
    first = f.regressor_
    newer = {k: v + 0.5 for k, v in data.items()}  # the level moved
    f.set_params(network__warm_start=True, network__max_epochs=1)
    f.fit(newer)
    assert f.regressor_ is first  # trained on, not refit
    assert list(f.history_.index) == [1, 2, 3]  # epoch numbers go on
    assert {s.key: s.scale for s in f.series_} == scales  # scaling kept
    after = f.predict()
    assert not np.allclose(after["a"].to_numpy(), before["a"].to_numpy())


@pytest.mark.parametrize("steps", [4, 9])  # one block, and fed back beyond it
def test_each_series_forecast_is_its_own_whatever_shares_the_call(steps):
    """The panel forecast of each series equals its forecast alone: series that
    end together share their calendar and forecast index, the others do not."""
    data = panel()
    data["d"] = hourly(150, 3)  # ends with "a"
    fitted = model().fit(data)
    together = fitted.predict(steps)
    for key, series in data.items():
        alone = fitted.predict(steps, last_window={key: series})[key]
        pd.testing.assert_series_equal(together[key], alone)
