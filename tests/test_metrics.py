"""Tests for forecastrnn.metrics: sklearn parity, zero division, bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as skm

from forecastrnn.metrics import (
    METRICS,
    coverage,
    interval_width,
    mae,
    mape,
    mase,
    owa,
    panel_scores,
    pinball_loss,
    point_metrics,
    rmse,
    smape,
)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
nonzero = finite.filter(lambda v: abs(v) > 1e-3)


def _pair(elements):
    return st.integers(1, 20).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, n, elements=elements),
            arrays(np.float64, n, elements=finite),
        )
    )


# --------------------------------------------------------------------------
# Parity with sklearn.metrics
# --------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(_pair(finite))
def test_mae_rmse_match_sklearn(pair):
    y, f = pair
    assert mae(y, f) == pytest.approx(skm.mean_absolute_error(y, f), rel=1e-12)
    assert rmse(y, f) == pytest.approx(
        skm.root_mean_squared_error(y, f), rel=1e-12, abs=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(_pair(nonzero))
def test_mape_matches_sklearn_without_zeros(pair):
    y, f = pair
    expected = skm.mean_absolute_percentage_error(y, f)
    assert mape(y, f) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(_pair(finite), st.floats(0.01, 0.99))
def test_pinball_matches_sklearn(pair, q):
    y, f = pair
    expected = skm.mean_pinball_loss(y, f, alpha=q)
    assert pinball_loss(y, f, quantile=q) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_two_dimensional_input_averages_over_all_entries():
    rng = np.random.default_rng(0)
    y, f = rng.normal(size=(2, 3, 4)) + 5.0
    assert mae(y, f) == pytest.approx(skm.mean_absolute_error(y, f))
    assert mape(y, f) == pytest.approx(skm.mean_absolute_percentage_error(y, f))
    # rmse pools all entries; sklearn would average per-column RMSEs
    assert rmse(y, f) == pytest.approx(
        skm.root_mean_squared_error(y.ravel(), f.ravel())
    )
    assert rmse(y, f) != pytest.approx(skm.root_mean_squared_error(y, f))


def test_pandas_inputs_are_compared_by_position():
    y = pd.Series([1.0, 2.0, 4.0], index=[10, 11, 12])
    f = pd.Series([1.0, 3.0, 2.0], index=[0, 1, 2])
    assert mae(y, f) == pytest.approx(1.0)


# --------------------------------------------------------------------------
# Definitions and zero division
# --------------------------------------------------------------------------


def test_smape_definition_and_both_zero_term():
    assert smape([1.0, 2.0], [3.0, 2.0]) == pytest.approx(0.5)  # 2*2/4 and 0
    assert smape([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert smape([0.0], [5.0]) == pytest.approx(2.0)  # the upper bound
    assert smape([-1.0], [1.0]) == pytest.approx(2.0)


def test_mape_zero_observation():
    assert mape([0.0, 2.0], [0.0, 1.0]) == pytest.approx(0.25)  # 0/0 counts as 0
    assert mape([0.0, 2.0], [1e-9, 2.0]) == np.inf


def test_mase_definition_and_seasonal_scale():
    y_train = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 8.0])
    scale_1 = np.mean(np.abs(np.diff(y_train)))
    scale_2 = np.mean(np.abs(y_train[2:] - y_train[:-2]))
    y, f = [6.0, 7.0], [5.0, 9.0]
    assert mase(y, f, y_train) == pytest.approx(1.5 / scale_1)
    assert mase(y, f, y_train, m=2) == pytest.approx(1.5 / scale_2)
    assert mase(y, f, list(y_train), m=5) == pytest.approx(1.5 / 7.0)


def test_mase_zero_scale():
    flat = [2.0, 2.0, 2.0]
    assert mase([2.0, 2.0], [2.0, 2.0], flat) == 0.0
    assert mase([2.0, 2.0], [2.0, 2.5], flat) == np.inf
    seasonal = [1.0, 5.0, 1.0, 5.0, 1.0]
    assert mase([1.0], [1.5], seasonal, m=2) == np.inf
    assert np.isfinite(mase([1.0], [1.5], seasonal, m=1))


def test_coverage_includes_bounds_and_width():
    y = [1.0, 2.0, 3.0, 4.0]
    lower = [1.0, 0.0, 3.5, 0.0]
    upper = [1.0, 2.0, 4.0, 10.0]
    assert coverage(y, lower, upper) == pytest.approx(0.75)
    assert interval_width(lower, upper) == pytest.approx((0 + 2 + 0.5 + 10) / 4)


def test_point_metrics_collects_every_metric():
    y, f, train = [1.0, 2.0, 4.0], [1.5, 2.0, 3.0], [0.0, 1.0, 3.0, 2.0]
    scores = point_metrics(y, f)
    assert list(scores) == list(METRICS) == ["mae", "rmse", "mape", "smape"]
    assert scores["rmse"] == rmse(y, f)
    with_mase = point_metrics(y, f, y_train=train, m=2)
    assert with_mase["mase"] == mase(y, f, train, m=2)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y_true", "y_pred", "error", "match"),
    [
        (
            [1.0, 2.0],
            [1.0],
            ValueError,
            r"`y_pred` has shape \(1,\); expected the shape of `y_true`, \(2,\)",
        ),
        (
            [1.0, np.nan],
            [1.0, 2.0],
            ValueError,
            r"`y_true` has 1 non-finite values \(NaN or inf\).*Drop or fill",
        ),
        ([1.0, 2.0], [1.0, np.inf], ValueError, r"`y_pred` has 1 non-finite"),
        ([], [], ValueError, r"`y_true` is empty"),
        (
            np.ones((2, 2, 2)),
            np.ones((2, 2, 2)),
            ValueError,
            r"`y_true` must be 1-D or 2-D; got 3 dimensions.*np.ravel",
        ),
        (
            ["a", "b"],
            [1.0, 2.0],
            TypeError,
            r"`y_true` must be array-like of real numbers; got list",
        ),
    ],
)
@pytest.mark.parametrize("metric", [mae, rmse, mape, smape])
def test_point_metric_bad_input(metric, y_true, y_pred, error, match):
    with pytest.raises(error, match=match):
        metric(y_true, y_pred)


def test_mase_bad_input():
    with pytest.raises(
        ValueError,
        match=r"`y_train` has 2 values.*`m`=2 needs at "
        r"least 3\. Pass more training data or a smaller `m`",
    ):
        mase([1.0], [1.0], [1.0, 2.0], m=2)
    with pytest.raises(ValueError, match=r"`y_train` must be 1-D.*got shape \(2, 2\)"):
        mase([1.0], [1.0], np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"`m` must be a positive integer; got 0"):
        mase([1.0], [1.0], [1.0, 2.0], m=0)
    with pytest.raises(
        TypeError, match=r"`m` must be a positive integer; got 1\.5 \(float\)"
    ):
        mase([1.0], [1.0], [1.0, 2.0], m=1.5)


@pytest.mark.parametrize(
    ("quantile", "error", "match"),
    [
        (0.0, ValueError, r"`quantile` must be strictly between 0 and 1; got 0\.0"),
        (1.5, ValueError, r"`quantile` must be strictly between 0 and 1; got 1\.5"),
        ("0.5", TypeError, r"`quantile` must be a float in \(0, 1\); got str"),
    ],
)
def test_pinball_bad_quantile(quantile, error, match):
    with pytest.raises(error, match=match):
        pinball_loss([1.0], [1.0], quantile=quantile)


def test_crossed_or_misshaped_interval():
    with pytest.raises(
        ValueError,
        match=r"`lower` exceeds `upper` at 1 positions "
        r"\(first at flat position 1: 3\.0 > 2\.0\).*swapped",
    ):
        coverage([1.0, 2.0], [0.0, 3.0], [2.0, 2.0])
    with pytest.raises(
        ValueError,
        match=r"`upper` has shape \(1,\); expected the "
        r"shape of `lower`, \(2,\)",
    ):
        interval_width([0.0, 1.0], [2.0])


# --------------------------------------------------------------------------
# Panels and the M4 OWA (issue 14)
# --------------------------------------------------------------------------


def _panel():
    y_true = {"a": [10.0, 12.0, 11.0], "b": [5.0, 5.0, 6.0], 7: [1.0, 0.0, 2.0]}
    y_pred = {7: [1.5, 0.5, 1.0], "a": [11.0, 11.0, 11.0], "b": [5.0, 6.0, 6.0]}
    y_train = {"b": [4.0, 6.0, 5.0], "a": [8.0, 9.0, 11.0, 10.0], 7: [0.0, 3.0]}
    return y_true, y_pred, y_train


def test_panel_scores_are_the_metrics_of_each_series():
    y_true, y_pred, y_train = _panel()
    scores = panel_scores(y_true, y_pred, y_train)
    assert list(scores.index) == ["a", "b", 7] and scores.index.name == "id"
    assert list(scores.columns) == ["smape", "mase"]
    for key in y_true:
        assert scores.loc[key, "smape"] == smape(y_true[key], y_pred[key])
        assert scores.loc[key, "mase"] == mase(y_true[key], y_pred[key], y_train[key])
    seasonal = panel_scores(
        y_true, y_pred, {k: [1.0, 2.0, 4.0, 3.0] for k in y_true}, m=2
    )
    assert seasonal["mase"].tolist() == pytest.approx(
        [mase(y_true[k], y_pred[k], [1.0, 2.0, 4.0, 3.0], m=2) for k in y_true]
    )


def test_panel_smape_is_the_m4_percent_over_100():
    y_true, y_pred, y_train = _panel()
    scores = panel_scores(y_true, y_pred, y_train)
    for key in y_true:
        y, f = np.asarray(y_true[key]), np.asarray(y_pred[key])
        m4 = np.mean(200 * np.abs(y - f) / (np.abs(y) + np.abs(f)))  # M4's R code
        assert 100 * scores.loc[key, "smape"] == pytest.approx(m4, rel=1e-12)


def test_panel_scores_bad_input():
    y_true, y_pred, y_train = _panel()
    with pytest.raises(
        ValueError,
        match=r"`y_pred` lacks 1 ids of `y_true`: \['b'\]; it has 1 ids not in "
        r"`y_true`: \['c'\]\. Expected the same series",
    ):
        renamed = {("c" if k == "b" else k): v for k, v in y_pred.items()}
        panel_scores(y_true, renamed, y_train)
    many = {i: [1.0] for i in range(8)}
    with pytest.raises(
        ValueError,
        match=r"`y_train` lacks 8 ids of `y_true`: \[0, 1, 2, 3, 4, \.\.\.\]",
    ):
        panel_scores(many, many, {"x": [1.0, 2.0]})
    with pytest.raises(
        ValueError,
        match=r"Series 'b': `y_pred` has shape \(2,\); expected the shape of "
        r"`y_true`, \(3,\)",
    ):
        panel_scores(y_true, {**y_pred, "b": [5.0, 6.0]}, y_train)
    with pytest.raises(ValueError, match=r"Series 7: `y_train` has 1 values"):
        panel_scores(y_true, y_pred, {**y_train, 7: [1.0]})
    with pytest.raises(TypeError, match=r"`y_true` must be a mapping from series id"):
        panel_scores(pd.DataFrame(y_true), y_pred, y_train)
    with pytest.raises(ValueError, match=r"`y_true` is empty; expected at least one"):
        panel_scores({}, y_pred, y_train)
    with pytest.raises(TypeError, match=r"`m` must be a positive integer"):
        panel_scores(y_true, y_pred, y_train, m=1.0)


def test_owa_definition():
    assert owa(9.0, 2.5, 10.0, 2.5) == pytest.approx(0.95)
    assert owa(0.09161, 2.777, 0.09161, 2.777) == 1.0
    assert owa(0.0, 0.0, 1.0, 1.0) == 0.0
    # the sMAPE scale cancels: fractions or M4's percent give the same OWA
    assert owa(8.866, 2.404, 9.161, 2.777) == pytest.approx(
        owa(0.08866, 2.404, 0.09161, 2.777), rel=1e-12
    )
    assert owa(np.float32(1.0), np.int64(2), 2, 4.0) == 0.5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(smape_naive2=0.0), ValueError, r"`smape_naive2` must be a positive "
         r"finite number; got 0\.0\. Pass Naive2's mean over the same series"),
        (dict(mase_naive2=-1.0), ValueError, r"`mase_naive2` must be a positive"),
        (dict(smape=-0.1), ValueError, r"`smape` must be a non-negative finite "
         r"number; got -0\.1\. Pass the mean over series"),
        (dict(mase=np.nan), ValueError, r"`mase` must be a non-negative finite "
         r"number; got nan"),
        (dict(mase_naive2=np.inf), ValueError, r"`mase_naive2` .* got inf"),
        (dict(smape=True), TypeError, r"`smape` must be a non-negative finite "
         r"number; got bool True"),
        (dict(mase=[1.0]), TypeError, r"`mase` must be .*; got list \[1\.0\]"),
    ],
)  # fmt: skip
def test_owa_bad_input(kwargs, error, match):
    scores = dict(smape=0.1, mase=2.0, smape_naive2=0.1, mase_naive2=2.0)
    with pytest.raises(error, match=match):
        owa(**{**scores, **kwargs})
