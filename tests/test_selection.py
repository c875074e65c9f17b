"""AutoForecaster: the best candidate on validation folds before the data's
end, refit; never a look past the data it is fit on."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone

from forecastrnn import AutoForecaster, backtest, compare
from forecastrnn.baselines import Drift, Naive, SeasonalNaive
from forecastrnn.scoring import combine_results, combine_values
from forecastrnn.selection import (
    CandidateWarning,
    CombinedForecaster,
    default_candidates,
)


def _series(n=24 * 30, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=n, freq="h")
    t = np.arange(n)
    values = 10 + np.sin(2 * np.pi * t / 24) * 3 + rng.normal(0, 0.3, n)
    return pd.Series(values, idx, name="load")


CANDIDATES = {"naive": Naive(), "seasonal": SeasonalNaive(24), "drift": Drift()}


def test_chooses_the_lowest_validation_score_and_refits_it_on_everything():
    y = _series()
    auto = AutoForecaster(
        CANDIDATES, horizon=24, n_folds=5, strategy="best", combine_top=0
    ).fit(y)
    board = compare(CANDIDATES, y, horizon=24, n_folds=5, m=24).leaderboard
    assert auto.best_name_ == board["mase"].idxmin() == "seasonal"
    np.testing.assert_allclose(
        auto.selection_["mase"], board.loc[auto.selection_.index, "mase"]
    )
    assert list(auto.selection_["chosen"]) == [True, False, False]
    assert auto.selection_["mase"].is_monotonic_increasing
    assert "seasonal has the lowest validation MASE" in auto.reason_
    assert "runner-up" in auto.reason_
    alone = SeasonalNaive(24).fit(y)
    pd.testing.assert_series_equal(auto.predict(), alone.predict(steps=24))
    pd.testing.assert_frame_equal(
        auto.predict_interval(coverage=0.8), alone.predict_interval(24, coverage=0.8)
    )
    # another metric, another protocol: still the argmin
    by_mae = AutoForecaster(
        CANDIDATES, horizon=12, n_folds=3, metric="mae", strategy="best",
        combine_top=0,
    ).fit(y)
    board = compare(CANDIDATES, y, horizon=12, n_folds=3, m=24).leaderboard
    assert by_mae.best_name_ == board["mae"].idxmin()


class _Spy(BaseEstimator):
    """Naive forecasts that record the last timestamp each call saw."""

    seen: list = []

    def __init__(self, offset=0.0):
        self.offset = offset

    def fit(self, y, exog=None):
        self.last_ = y.iloc[-1]
        self.index_ = y.index
        _Spy.seen.append(y.index[-1])
        return self

    def predict(self, steps=None, exog=None, last_window=None):
        seen = self.index_ if last_window is None else last_window.index
        _Spy.seen.append(seen[-1])
        level = self.last_ if last_window is None else last_window.iloc[-1]
        index = pd.date_range(seen[-1], periods=steps + 1, freq=seen.freq)[1:]
        return pd.Series(level + self.offset, index)


@pytest.mark.parametrize("strategy", ["best", "weighted"])
def test_a_backtest_of_it_never_shows_a_candidate_the_test_folds(strategy):
    """Each refit chooses on the data before its origin: no candidate is fit
    on, or forecasts from, anything past the origin of the refit fold."""
    y = _series(24 * 20)
    _Spy.seen = []
    auto = AutoForecaster(
        {"a": _Spy(), "b": _Spy(5.0)}, horizon=24, n_folds=3, strategy=strategy
    )
    result = backtest(auto, y, horizon=24, n_folds=4, refit=2)
    folds = result.folds.set_index("fold")
    # the choices of the refits at folds 0 and 2, in turn
    first = _Spy.seen.index(folds.loc[0, "origin"])  # the refit of the winner
    assert max(_Spy.seen[: first + 1]) == folds.loc[0, "origin"]
    later = [t for t in _Spy.seen[first + 1 :] if t not in set(folds["origin"])]
    assert later and max(later) < folds.loc[2, "origin"]
    assert max(_Spy.seen) <= folds["origin"].max()
    # the backtest recorded each refit's choice: the unbiased naive forecast,
    # or a mean leaning on it
    assert set(result.histories) == {0, 2}
    for h in result.histories.values():
        if strategy == "best":
            assert h.index[0] == "a" and "weight" not in h
        else:
            assert h.index[0] == "weighted mean of 2"
            assert h.loc["a", "weight"] > 0.5 > h.loc["b", "weight"]


class _Broken(BaseEstimator):
    def fit(self, y, exog=None):
        raise RuntimeError("no convergence")


def test_a_failing_candidate_is_left_out_with_a_warning():
    y = _series()
    with pytest.warns(CandidateWarning, match="'bad' failed .* no convergence"):
        auto = AutoForecaster(
            {"bad": _Broken(), "seasonal": SeasonalNaive(24)}, n_folds=3
        ).fit(y)
    assert list(auto.selection_.index) == ["seasonal"]  # alone: no combination
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CandidateWarning)
        with pytest.raises(ValueError, match="every candidate failed.*no convergence"):
            AutoForecaster({"bad": _Broken()}, n_folds=3).fit(y)


def test_the_median_of_the_best_candidates_is_a_candidate_too():
    """Two forecasts biased in opposite directions: their median (with an
    unbiased third) wins, scored from the same validation forecasts."""
    y = _series()
    candidates = {
        "low": _Spy(-1.0), "high": _Spy(1.0), "mid": _Spy(0.05), "far": _Spy(9.0),
    }  # fmt: skip
    auto = AutoForecaster(
        candidates, horizon=24, n_folds=4, strategy="best", combine_top=3
    ).fit(y)
    names = list(auto.selection_.index)
    assert "median of top 3" in names and len(names) == 5
    top3 = [n for n in names if n != "median of top 3"][:3]
    want = combine_results([auto.validation_.results[n] for n in top3])
    assert auto.selection_.loc["median of top 3", "mase"] == pytest.approx(
        want.summary()["mase"]
    )
    combined = auto.best_forecaster_
    if auto.best_name_ == "median of top 3":
        assert isinstance(combined, CombinedForecaster)
        assert set(combined.members_) == set(top3)
        members = [m.predict(steps=24) for m in combined.members_.values()]
        np.testing.assert_allclose(
            auto.predict(), np.median(np.stack(members), axis=0)
        )
    # the median of the three best of naive, seasonal naive and drift
    plain = AutoForecaster(CANDIDATES, horizon=24, n_folds=4, strategy="best").fit(y)
    assert plain.selection_.index.tolist().count("median of top 3") == 1


def test_the_default_forecasts_the_inverse_square_weighted_mean():
    """Weights 1 / score**2 of the validation scores, normalised; the forecast
    is the weighted mean of every candidate refit on all of ``y``; its
    validation score is that of the same combination of the validation
    forecasts."""
    y = _series()
    candidates = {"low": _Spy(-1.0), "high": _Spy(2.0), "far": _Spy(9.0)}
    auto = AutoForecaster(candidates, horizon=24, n_folds=4).fit(y)
    assert auto.best_name_ == "weighted mean of 3"
    selection = auto.selection_
    assert selection.index[0] == auto.best_name_ and selection["chosen"].iloc[0]
    assert set(selection.index[1:]) == set(candidates)
    assert selection["mase"].iloc[1:].is_monotonic_increasing  # best first
    scores = selection["mase"].drop(auto.best_name_)
    want = scores**-2 / (scores**-2).sum()
    np.testing.assert_allclose(selection["weight"].drop(auto.best_name_), want)
    assert np.isnan(selection.loc[auto.best_name_, "weight"])
    assert want.is_monotonic_decreasing and want.sum() == pytest.approx(1)
    combined = combine_results(
        [auto.validation_.results[k] for k in want.index], "mean", want.to_numpy()
    )
    assert selection.loc[auto.best_name_, "mase"] == pytest.approx(
        combined.summary()["mase"]
    )
    members = {k: clone(v).fit(y).predict(steps=24) for k, v in candidates.items()}
    np.testing.assert_allclose(
        auto.predict(), sum(want[k] * members[k] for k in want.index)
    )
    assert "weighted by the inverse square of its validation MASE" in auto.reason_
    assert f"best single candidate, {selection.index[1]}," in auto.reason_
    # one clearly better candidate takes nearly all the weight
    sharp = AutoForecaster(CANDIDATES, horizon=24, n_folds=4).fit(y)
    assert sharp.selection_.loc["seasonal", "weight"] > 0.9


def test_a_candidate_that_scores_zero_takes_all_the_weight():
    idx = pd.date_range("2024-01-01", periods=24 * 20, freq="h")
    y = pd.Series(np.tile(np.arange(24.0), 20), idx)  # exactly periodic
    auto = AutoForecaster(CANDIDATES, horizon=24, n_folds=3, metric="mae").fit(y)
    weights = auto.selection_["weight"].dropna()
    assert weights["seasonal"] == 1.0 and (weights.drop("seasonal") == 0).all()
    pd.testing.assert_series_equal(
        auto.predict(), SeasonalNaive(24).fit(y).predict(steps=24)
    )


class _FailsOnLong(Naive):
    """Naive forecasts that fail to fit more than ``longest`` observations."""

    def __init__(self, longest=10**9):
        self.longest = longest

    def fit(self, y, exog=None):
        if len(y) > self.longest:
            raise RuntimeError("too long")
        return super().fit(y)


def test_a_candidate_whose_last_refit_fails_is_left_out_of_the_mean():
    """It passed the validation folds (shorter data) but fails on all of
    ``y``: the weighted mean goes on without it, its weights renormalised."""
    y = _series()
    candidates = {
        "seasonal": SeasonalNaive(24), "drift": Drift(),
        "flaky": _FailsOnLong(len(y) - 1),
    }  # fmt: skip
    with pytest.warns(CandidateWarning, match="'flaky' failed to fit.*too long"):
        auto = AutoForecaster(candidates, horizon=24, n_folds=3).fit(y)
    weights = auto.selection_["weight"].dropna()
    assert weights["flaky"] > 0  # it was weighed on the validation folds
    combined = auto.best_forecaster_
    assert set(combined.members_) == {"seasonal", "drift"}
    kept = weights.drop("flaky") / weights.drop("flaky").sum()
    want = sum(
        kept[k] * clone(candidates[k]).fit(y).predict(steps=24) for k in kept.index
    )
    np.testing.assert_allclose(auto.predict(), want)
    # without drop_failed, a member's error ends fit
    plain = CombinedForecaster({"a": Naive(), "b": _FailsOnLong(5)})
    with pytest.raises(RuntimeError, match="too long"):
        plain.fit(y)
    unweighted = CombinedForecaster(
        {"a": _FailsOnLong(5), "b": Naive()}, how="mean",
        weights={"a": 1, "b": 0}, drop_failed=True,
    )  # fmt: skip
    with pytest.warns(CandidateWarning), pytest.raises(ValueError, match="no member"):
        unweighted.fit(y)
    assert not hasattr(unweighted, "members_")  # not left half fitted


def test_combine_values_refuses_what_it_cannot_combine():
    np.testing.assert_allclose(combine_values([[1.0, 4.0], [3.0, 2.0]]), [2.0, 3.0])
    for values in ([], [[1.0, 2.0], [3.0]], [["a", "b"]], 5.0):
        with pytest.raises(ValueError, match="`values` must be the members'"):
            combine_values(values)
    with pytest.raises(ValueError, match="`weights` must be 2 finite"):
        combine_values([[1.0], [2.0]], "mean", weights=[1.0])


def test_combined_forecaster_weights():
    y = _series()
    members = {"a": Naive(), "b": SeasonalNaive(24)}
    weighted = CombinedForecaster(members, how="mean", weights={"a": 1, "b": 3})
    a, b = Naive().fit(y), SeasonalNaive(24).fit(y)
    np.testing.assert_allclose(
        weighted.fit(y).predict(steps=5),
        (a.predict(steps=5) + 3 * b.predict(steps=5)) / 4,
    )
    pd.testing.assert_frame_equal(
        weighted.predict_interval(steps=5, coverage=0.8),
        (a.predict_interval(5, 0.8) + 3 * b.predict_interval(5, 0.8)) / 4,
    )
    bad = [
        ({"a": 1}, "`weights` must map every member"),
        ({"a": 1, "b": -1}, "finite non-negative"),
        ({"a": 0, "b": 0}, "not all zero"),
        ({"a": 1, "b": np.nan}, "finite non-negative"),
    ]
    for weights, message in bad:
        with pytest.raises(ValueError, match=message):
            CombinedForecaster(members, how="mean", weights=weights).fit(y)
    with pytest.raises(ValueError, match="`weights` need `how='mean'`"):
        CombinedForecaster(members, weights={"a": 1, "b": 1}).fit(y)


def test_combined_forecaster_combines_point_forecasts_and_intervals():
    y = _series()
    both = CombinedForecaster({"a": Naive(), "b": SeasonalNaive(24)}, how="mean")
    both.fit(y)
    a, b = Naive().fit(y), SeasonalNaive(24).fit(y)
    np.testing.assert_allclose(
        both.predict(steps=5), (a.predict(steps=5) + b.predict(steps=5)) / 2
    )
    interval = both.predict_interval(steps=5, coverage=0.8)
    want = (a.predict_interval(5, 0.8) + b.predict_interval(5, 0.8)) / 2
    pd.testing.assert_frame_equal(interval, want)
    with pytest.raises(TypeError, match="`members` must be a non-empty mapping"):
        CombinedForecaster({}).fit(y)
    with pytest.raises(ValueError, match="`how` must be 'median' or 'mean'"):
        CombinedForecaster({"a": Naive()}, how="mode").fit(y)
    with pytest.raises(ValueError, match="`drop_failed` must be one of True, False"):
        CombinedForecaster({"a": Naive()}, drop_failed="yes").fit(y)


def test_ties_go_to_the_first_candidate():
    y = _series()
    auto = AutoForecaster(
        {"second": SeasonalNaive(24), "first": SeasonalNaive(24)}, n_folds=3,
        strategy="best", combine_top=0,
    ).fit(y)
    assert auto.best_name_ == "second"


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"metric": "r2"}, ValueError, "`metric` must be one of mase"),
        ({"candidates": {}}, TypeError, "`candidates` must be a non-empty mapping"),
        ({"candidates": {"x": 3}}, TypeError, r"`candidates` \['x'\] are not"),
        ({"horizon": 0}, ValueError, "horizon"),
        ({"combine_top": -1}, ValueError, "combine_top"),
        ({"strategy": "vote"}, ValueError, "`strategy` must be one of weighted, best"),
        ({"n_folds": 40}, ValueError, "`y` has 720 observations; 40 validation"),
        ({"season_length": 600}, ValueError, "a season of 600 and one\\), need 769"),
    ],
)
def test_bad_settings_are_refused(params, error, message):
    y = _series()
    before = y.copy()
    with pytest.raises(error, match=message):
        AutoForecaster(**{"candidates": CANDIDATES, **params}).fit(y)
    pd.testing.assert_series_equal(y, before)  # nothing the user passed changes


def test_a_panel_is_refused_with_how_to_choose_per_series():
    y = _series()
    for panel in ({"a": y, "b": y}, pd.DataFrame({"a": y, "b": y})):
        with pytest.raises(TypeError, match="AutoForecaster chooses per series"):
            AutoForecaster(CANDIDATES).fit(panel)
    # a one-column frame is one series
    assert AutoForecaster(CANDIDATES, n_folds=2).fit(y.to_frame()).best_name_


def test_clones_and_default_candidates():
    auto = AutoForecaster(horizon=6, random_state=3)
    copy = clone(auto)
    assert copy.get_params()["horizon"] == 6 and copy.candidates is None
    names = default_candidates(6, 24, random_state=3)
    assert list(names) == ["lstm", "gru", "naive", "seasonal_naive", "ets", "theta"]
    assert names["lstm"].network.random_state == 3
    assert list(default_candidates(5, 1)) == ["lstm", "gru", "naive", "ets", "theta"]


# ------------------------------------------------------------- Optuna search


def _season_space(trial):
    return SeasonalNaive(trial.suggest_categorical("season_length", [5, 12, 24]))


def test_a_search_space_runs_optuna_trials_and_refits_the_best():
    y = _series()
    auto = AutoForecaster(
        _season_space, horizon=24, n_folds=3, n_trials=6, random_state=0,
        combine_top=0,
    ).fit(y)
    assert auto.study_.best_trial.params == {"season_length": 24}
    assert auto.best_name_ == f"trial {auto.study_.best_trial.number}"
    assert len(auto.study_.trials) == 6 and len(auto.selection_) == 6
    assert auto.selection_.index[0] == auto.best_name_
    assert auto.selection_["mase"].iloc[0] == pytest.approx(auto.study_.best_value)
    assert isinstance(auto.best_forecaster_, SeasonalNaive)
    assert auto.best_forecaster_.season_length == 24
    # reproducible with the seed
    again = AutoForecaster(
        _season_space, horizon=24, n_folds=3, n_trials=6, random_state=0,
        combine_top=0,
    ).fit(y)
    assert [t.params for t in again.study_.trials] == [
        t.params for t in auto.study_.trials
    ]


def test_a_search_space_without_optuna_says_how_to_install(monkeypatch):
    from forecastrnn import selection

    monkeypatch.setattr(selection, "optuna", None)
    with pytest.raises(ImportError, match=r"forecastrnn\[tune\]"):
        AutoForecaster(_season_space, n_folds=3).fit(_series())


class _PidNaive(Naive):
    """Naive forecasts whose history records the process that fit them."""

    def fit(self, y, exog=None):
        super().fit(y, exog)
        self.history_ = pd.DataFrame({"pid": [os.getpid()]})
        return self


def _pid_space(trial):
    trial.suggest_float("unused", 0.0, 1.0)
    return _PidNaive()


@pytest.mark.slow
def test_search_trials_run_on_a_dask_cluster_two_at_a_time():
    distributed = pytest.importorskip("distributed")
    y = _series(24 * 12)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        auto = AutoForecaster(_pid_space, horizon=24, n_folds=2, n_trials=4).fit(y)
    assert len(auto.study_.trials) == 4
    pids = {
        h["pid"].iloc[0]
        for result in auto.validation_.results.values()
        for h in result.histories.values()
    }
    assert pids and os.getpid() not in pids  # the trials ran on the workers
    # the trials were asked two at a time: each pair started before either ended
    trials = auto.study_.trials
    for a, b in ((trials[0], trials[1]), (trials[2], trials[3])):
        assert max(a.datetime_start, b.datetime_start) <= min(
            a.datetime_complete, b.datetime_complete
        )
    assert trials[2].datetime_start >= trials[1].datetime_complete
