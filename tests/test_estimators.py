"""RNNRegressor: forecasting skill, scikit-learn composition, bad input."""

import pickle
import warnings

import jax
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_regressors_train

from forecastrnn import RNNRegressor, training
from forecastrnn.augment import make_jitter
from forecastrnn.estimators import ValidationSplitWarning

TINY = {"hidden_size": 4, "max_epochs": 2, "batch_size": 16, "random_state": 0}


def sine_windows(n=400, window=24, horizon=12, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n + window + horizon)
    s = np.sin(2 * np.pi * t / 24) + noise * rng.standard_normal(len(t))
    X = np.stack([s[i : i + window] for i in range(n)])
    Y = np.stack([s[i + window : i + window + horizon] for i in range(n)])
    return X, Y


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_noisy_sine_beats_last_value_by_a_wide_margin(cell):
    X, Y = sine_windows()
    model = RNNRegressor(
        cell, hidden_size=16, max_epochs=15, learning_rate=5e-3, random_state=0
    )
    model.fit(X[:300], Y[:300])
    pred = model.predict(X[300:])
    assert pred.shape == (100, 12)
    mse = np.mean((pred - Y[300:]) ** 2)
    naive = np.mean((X[300:, -1:] - Y[300:]) ** 2)
    assert mse < 0.1 * naive  # measured 0.011 to 0.013 x naive (0.3.0)
    assert list(model.history_.columns) == [
        "train_loss",
        "val_loss",
        "grad_norm",
        "grad_norm_max",
    ]
    assert model.history_["train_loss"].iloc[-1] < model.history_["train_loss"].iloc[0]


def test_same_seed_bit_identical_and_clone_and_pickle_round_trip():
    X, Y = sine_windows(n=80)
    a = RNNRegressor("lstm", dropout=0.2, recurrent_dropout=0.2, **TINY).fit(X, Y)
    b = RNNRegressor("lstm", dropout=0.2, recurrent_dropout=0.2, **TINY).fit(X, Y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(clone(a).fit(X, Y).predict(X), a.predict(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict(X), a.predict(X))
    c = RNNRegressor(
        "lstm", dropout=0.2, recurrent_dropout=0.2, **{**TINY, "random_state": 1}
    )
    assert not np.allclose(c.fit(X, Y).predict(X), a.predict(X))


def test_three_d_input_and_channels_layout():
    rng = np.random.default_rng(0)
    X3 = rng.standard_normal((50, 6, 3))
    y = rng.standard_normal(50)
    flat = X3.reshape(50, 18)  # oldest step first, channels interleaved
    a = RNNRegressor("gru", n_channels=3, **TINY).fit(X3, y)
    b = RNNRegressor("gru", n_channels=3, **TINY).fit(flat, y)
    np.testing.assert_array_equal(a.predict(X3), b.predict(flat))
    assert (
        a.predict(X3).shape == (50,) and a.n_features_in_ == 18 and a.window_size_ == 6
    )
    with pytest.raises(
        ValueError, match=r"3-D `X` has 3 channels .* Set `n_channels=3`"
    ):
        RNNRegressor(**TINY).fit(X3, y)


@pytest.mark.parametrize(
    ("options"),
    [
        {"num_layers": 2, "bidirectional": True, "attention": True, "loss": "huber"},
        {"loss": "mae", "optimizer": "rmsprop", "weight_decay": 1e-3},
    ],
)
@pytest.mark.slow
def test_architecture_and_training_options_fit_and_predict(options):
    X, Y = sine_windows(n=60, horizon=3)
    model = RNNRegressor("gru", **{**TINY, **options}).fit(X, Y)
    assert model.predict(X).shape == (60, 3)
    assert np.all(np.isfinite(model.predict(X)))


def test_quantile_loss_gives_ordered_quantiles_and_median_point():
    X, Y = sine_windows(n=120, horizon=4, noise=0.3)
    model = RNNRegressor(
        "gru",
        hidden_size=8,
        max_epochs=10,
        learning_rate=1e-2,
        loss="quantile",
        quantiles=(0.1, 0.5, 0.9),
        random_state=0,
    )
    q = model.fit(X, Y).predict_quantiles(X)
    assert q.shape == (120, 4, 3)
    assert np.all(np.diff(q, axis=-1) >= 0)
    below = np.mean(Y < q[..., 0]), np.mean(Y < q[..., 2])
    assert below[0] < 0.35 and below[1] > 0.65  # the band spreads the right way
    np.testing.assert_allclose(model.predict(X), q[..., 1], rtol=1e-6)
    with pytest.raises(ValueError, match="needs a model fit with `loss='quantile'`"):
        RNNRegressor(**TINY).fit(X, Y).predict_quantiles(X)


@pytest.mark.slow
def test_attention_weights_method():
    X, Y = sine_windows(n=40, horizon=2)
    model = RNNRegressor("lstm", attention=True, **TINY).fit(X, Y)
    w = model.attention_weights(X[:5])
    assert w.shape == (5, 24)
    np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="needs a model fit with `attention=True`"):
        RNNRegressor(**TINY).fit(X, Y).attention_weights(X)


@pytest.mark.slow
def test_pipeline_and_grid_search_with_time_series_split():
    X, Y = sine_windows(n=120, horizon=2)
    # one batch of 128 rows: every split's training set falls in the same
    # shape bucket, so each (cell, hidden_size) compiles once
    fast = {**TINY, "max_epochs": 1, "batch_size": 128, "early_stopping": False}
    pipe = Pipeline([("scale", StandardScaler()), ("rnn", RNNRegressor(**fast))])
    search = GridSearchCV(
        pipe,
        {"rnn__cell": ["rnn", "lstm", "gru"], "rnn__hidden_size": [2, 4]},
        cv=TimeSeriesSplit(5),
    )
    search.fit(X, Y)
    assert set(search.cv_results_["param_rnn__cell"]) == {"rnn", "lstm", "gru"}
    assert search.predict(X).shape == (120, 2)


def test_caller_arrays_are_never_modified():
    X, Y = sine_windows(n=40, horizon=2)
    X.setflags(write=False)
    Y.setflags(write=False)
    X_copy, Y_copy = X.copy(), Y.copy()
    RNNRegressor(**TINY).fit(X, Y).predict(X)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Y, Y_copy)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (
            {"cell": "elman"},
            ValueError,
            r"`cell` must be one of \('rnn', 'lstm', 'gru'\); got 'elman'",
        ),
        ({"hidden_size": 0}, ValueError, r"`hidden_size` must be a positive.*got 0"),
        ({"num_layers": -1}, ValueError, r"`num_layers` must be .* got -1"),
        ({"batch_size": 2.5}, TypeError, r"`batch_size` must be a positive int.*2.5"),
        ({"max_epochs": 0}, ValueError, r"`max_epochs` must be a positive integer"),
        ({"dropout": 1.0}, ValueError, r"`dropout` must be a number in \[0, 1\)"),
        (
            {"recurrent_dropout": -0.1},
            ValueError,
            r"`recurrent_dropout` must be a number in \[0, 1\)",
        ),
        ({"loss": "mape"}, ValueError, r"`loss` must be one of"),
        ({"optimizer": "adamx"}, ValueError, r"`optimizer` must name an optax"),
        ({"learning_rate": 0}, ValueError, r"`learning_rate` must be a number > 0"),
        ({"weight_decay": -1}, ValueError, r"`weight_decay` must be a number >= 0"),
        ({"clip_norm": 0}, ValueError, r"`clip_norm` must be a number > 0"),
        (
            {"validation_fraction": 1.5},
            ValueError,
            r"`validation_fraction` must be a number in \(0, 1\)",
        ),
        (
            {"loss": "quantile", "quantiles": (0.5, 1.2)},
            ValueError,
            r"`quantiles` must be .* in \(0, 1\)",
        ),
        (
            {"loss": "quantile", "quantiles": (0.1, 0.5, 0.1)},
            ValueError,
            r"`quantiles` must be .* distinct levels",
        ),
    ],
)
def test_bad_hyperparameters(params, error, match):
    X, Y = sine_windows(n=20, horizon=1)
    with pytest.raises(error, match=match):
        RNNRegressor(**{**TINY, **params}).fit(X, Y)


def _zero_targets(key, X, Y):
    """An augmentation that replaces every target by 0 (module level: hashable)."""
    return X, Y * 0


@pytest.mark.slow
def test_augmentation_changes_training_reproducibly_and_spares_validation():
    X, Y = sine_windows(n=200)
    plain = RNNRegressor(**TINY).fit(X, Y)
    jitter = RNNRegressor(augment=make_jitter(0.5), **TINY).fit(X, Y)
    again = clone(jitter).fit(X, Y)
    assert clone(jitter).augment == make_jitter(0.5)  # compared by value
    assert not np.allclose(plain.predict(X), jitter.predict(X))
    np.testing.assert_array_equal(jitter.predict(X), again.predict(X))
    # zeroed targets in training only: the training loss collapses, the
    # early-stopping loss on the true sine targets (mean square 0.5) does not
    zeroed = RNNRegressor(
        augment=_zero_targets, **{**TINY, "max_epochs": 5, "learning_rate": 0.01}
    ).fit(X, Y)
    last = zeroed.history_.iloc[-1]
    assert last["val_loss"] > 0.2 > 10 * last["train_loss"]


def test_bad_augment():
    X, Y = sine_windows(n=20, horizon=1)
    with pytest.raises(TypeError, match=r"`augment` must be None or a callable"):
        RNNRegressor(augment="jitter", **TINY).fit(X, Y)

    class Unhashable:
        __hash__ = None

        def __call__(self, key, X, Y):
            return X, Y

    with pytest.raises(TypeError, match=r"`augment` must be hashable"):
        RNNRegressor(augment=Unhashable(), **TINY).fit(X, Y)


def test_bad_data():
    X, Y = sine_windows(n=20, horizon=2)
    X_nan = X.copy()
    X_nan[3, 4] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        RNNRegressor(**TINY).fit(X_nan, Y)
    Y_inf = Y.copy()
    Y_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input y contains infinity"):
        RNNRegressor(**TINY).fit(X, Y_inf)
    with pytest.raises(
        ValueError, match=r"`X` has 24 columns, not a multiple of `n_channels=5`"
    ):
        RNNRegressor(n_channels=5, **TINY).fit(X, Y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        RNNRegressor(**TINY).fit(X, Y[:-1])
    with pytest.raises(NotFittedError):
        RNNRegressor(**TINY).predict(X)
    model = RNNRegressor(**TINY).fit(X, Y)
    with pytest.raises(
        ValueError, match="X has 20 features, but RNNRegressor is expecting 24"
    ):
        model.predict(X[:, :20])


def test_too_few_samples_for_validation_warns_and_trains_without_early_stopping():
    X, Y = sine_windows(n=1, horizon=2)
    with pytest.warns(
        ValidationSplitWarning, match=r"1 samples are too few .* without early stopping"
    ):
        model = RNNRegressor(**TINY).fit(X, Y)
    assert model.n_epochs_ == 2
    assert model.history_["val_loss"].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RNNRegressor(**{**TINY, "early_stopping": False}).fit(X, Y)


def test_training_windows_stop_a_horizon_before_the_validation_windows(monkeypatch):
    """The targets of the last training row end before the first validation
    target (0.5.0 trained on the `horizon - 1` rows whose targets overlap)."""
    X, Y = sine_windows(n=100, horizon=6)
    seen = {}
    real = training.fit_network

    def spy(spec, params, X_train, Y_train, **kw):
        seen["n_train"], seen["n_val"] = len(X_train), len(kw["validation"][0])
        return real(spec, params, X_train, Y_train, **kw)

    monkeypatch.setattr(training, "fit_network", spy)
    RNNRegressor(**TINY).fit(X, Y)
    assert seen["n_val"] == 10
    # row i's targets are steps i + 24 .. i + 29: the last training row's end
    # before the first validation row's start
    assert seen["n_train"] == 100 - 10 - 5
    assert (seen["n_train"] - 1) + 5 < 100 - seen["n_val"]
    RNNRegressor(**TINY).fit(X, Y[:, 0])  # one step ahead: no gap needed
    assert seen["n_train"] == 90


def test_too_few_samples_for_the_validation_gap_warns():
    X, Y = sine_windows(n=8, horizon=8)
    with pytest.warns(ValidationSplitWarning, match=r"and the 7 rows before it"):
        model = RNNRegressor(**TINY).fit(X, Y)
    assert model.history_["val_loss"].isna().all()


def test_network_config_of_the_fitted_model():
    X, Y = sine_windows(n=40, horizon=3)
    model = RNNRegressor("gru", loss="quantile", **TINY)
    with pytest.raises(NotFittedError):
        model.network_config()
    model.fit(X, Y)
    config = model.network_config()
    assert (config.cell, config.n_inputs, config.hidden_size) == ("gru", 1, 4)
    assert config.n_outputs == 3 * 3  # horizon x quantile levels
    assert not config.remat
    assert model.network_config(training=True).remat
    assert model.network_config(training=True)._replace(
        remat=False, fused=False
    ) == config


def test_unsorted_quantile_levels_are_sorted_and_predict_is_their_median():
    X, Y = sine_windows(n=60, horizon=2, noise=0.3)
    kw = {**TINY, "max_epochs": 3, "loss": "quantile"}
    shuffled = RNNRegressor(quantiles=(0.9, 0.1, 0.5), **kw).fit(X, Y)
    ordered = RNNRegressor(quantiles=(0.1, 0.5, 0.9), **kw).fit(X, Y)
    assert shuffled.quantiles_ == (0.1, 0.5, 0.9)
    assert shuffled.get_params()["quantiles"] == (0.9, 0.1, 0.5)  # as passed
    q = shuffled.predict_quantiles(X)
    np.testing.assert_array_equal(q, ordered.predict_quantiles(X))
    np.testing.assert_array_equal(shuffled.predict(X), q[..., 1])
    assert np.all(np.diff(q, axis=-1) >= 0)
    # no level at 0.5: the lower of the two nearest, the very same column
    even = RNNRegressor(quantiles=(0.6, 0.4), **kw).fit(X, Y)
    assert even.quantiles_ == (0.4, 0.6)
    np.testing.assert_array_equal(even.predict(X), even.predict_quantiles(X)[..., 0])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_row_prediction_does_not_depend_on_the_other_rows(cell):
    """Bit for bit (0.5.0: 1.5e-7 apart between one row and 20 rows)."""
    rng = np.random.default_rng(0)
    X = 3 * rng.uniform(size=(20, 3))
    model = RNNRegressor(cell, **{**TINY, "early_stopping": False}).fit(X, X[:, 0])
    full = model.predict(X)
    for i in range(20):
        np.testing.assert_array_equal(model.predict(X[i : i + 1]), full[i : i + 1])
    np.testing.assert_array_equal(model.predict(X[7:13]), full[7:13])


def test_verbose_progress_is_throttled_off_a_terminal(capsys):
    X, Y = sine_windows(n=40, horizon=2)
    RNNRegressor(**{**TINY, "max_epochs": 6, "verbose": 1}).fit(X, Y)
    err = capsys.readouterr().err
    assert "lstm epochs" in err
    assert err.count("\n") + err.count("\r") <= 3  # not a line per epoch


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_defaults_pass_check_regressors_train(cell):
    """R^2 > 0.5 on sklearn's small regression problem, with the defaults."""
    check_regressors_train("RNNRegressor", RNNRegressor(cell))


# ------------------------------------------- warm start, checkpoints, Ctrl-C
SMALL = {"cell": "gru", "hidden_size": 4, "batch_size": 16, "random_state": 0}


def _same_params(a, b):
    jax.tree.map(np.testing.assert_array_equal, a, b)


def _interrupt_at(monkeypatch, epoch):
    """Ctrl-C during epoch ``epoch`` of the next fit, whichever engine runs."""
    from forecastrnn import engine

    calls = []

    def wrap(real):
        def run(*args, **kwargs):
            calls.append(1)
            if len(calls) == epoch:
                raise KeyboardInterrupt
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(training, "train_epoch", wrap(training.train_epoch))
    monkeypatch.setattr(engine, "threads_epoch", wrap(engine.threads_epoch))


def test_warm_start_continues_from_the_fitted_parameters(monkeypatch):
    X, Y = sine_windows(n=60, window=8, horizon=2)
    model = RNNRegressor(**SMALL, max_epochs=3).fit(X, Y)
    first, starts = model.params_, []
    real = training.fit_network

    def spy(spec, params, *args, **kw):
        starts.append(params)
        return real(spec, params, *args, **kw)

    monkeypatch.setattr(training, "fit_network", spy)
    model.set_params(warm_start=True, max_epochs=2).fit(X[5:], Y[5:])
    assert starts[0].params is first and starts[0].opt_state is None
    assert list(model.history_.index) == [1, 2, 3, 4, 5]
    assert model.n_epochs_ == 5
    cold = clone(model).set_params(warm_start=False).fit(X, Y)
    assert list(cold.history_.index) == [1, 2]
    assert not isinstance(starts[1], training.TrainState)
    assert not np.allclose(starts[1]["head"]["W_hy"], first["head"]["W_hy"])


@pytest.mark.slow
def test_warm_start_on_windows_of_another_length():
    X, Y = sine_windows(n=60, window=8, horizon=2)
    model = RNNRegressor(**SMALL, max_epochs=1, warm_start=True).fit(X, Y)
    model.fit(X[:, 2:], Y)  # shorter windows: the network reads any length
    assert list(model.history_.index) == [1, 2]
    assert model.n_features_in_ == 6 and model.window_size_ == 6
    assert model.predict(X[:3, 2:]).shape == (3, 2)


def test_warm_start_refuses_other_shapes():
    X, Y = sine_windows(n=60, window=8, horizon=2)
    model = RNNRegressor(**SMALL, max_epochs=1, warm_start=True).fit(X, Y)
    with pytest.raises(
        ValueError, match=r"`y` has 3 targets per row, the fitted network predicts 2"
    ):
        model.fit(X[:, 1:], np.c_[Y, Y[:, 0]])
    assert model.n_features_in_ == 8 and model.n_outputs_ == 2  # left as it was
    with pytest.raises(
        ValueError,
        match=r"other shapes: parameter .* has shape \(1, 12\) fitted, \(2, 12\) "
        r"now\. Keep `cell`.*or set `warm_start=False`",
    ):
        model.set_params(n_channels=2).fit(X, Y)
    with pytest.raises(TypeError, match="`warm_start` must be True or False"):
        RNNRegressor(warm_start="yes").fit(X, Y)


def test_a_fit_resumed_from_its_checkpoint_equals_the_uninterrupted_fit(tmp_path):
    from forecastrnn import load

    X, Y = sine_windows(n=60, window=8, horizon=2)
    settings = {**SMALL, "patience": 3}
    whole = RNNRegressor(**settings, max_epochs=6).fit(X, Y)
    path = tmp_path / "run"
    # a checkpoint changes nothing in the training
    part = RNNRegressor(**settings, max_epochs=3, checkpoint=path).fit(X, Y)
    np.testing.assert_array_equal(
        part.history_.to_numpy(), whole.history_.to_numpy()[:3]
    )
    saved = load(tmp_path / "run.npz")  # a fitted regressor, the best epoch's
    assert type(saved) is RNNRegressor and saved.n_epochs_ == 3
    np.testing.assert_array_equal(saved.predict(X), part.predict(X))
    resumed = RNNRegressor(**settings, max_epochs=6, checkpoint=str(path)).fit(X, Y)
    assert resumed.history_.equals(whole.history_)
    _same_params(resumed.params_, whole.params_)
    assert not hasattr(resumed, "training_state_")
    # a finished run is not run again
    again = RNNRegressor(**settings, max_epochs=6, checkpoint=path).fit(X, Y)
    assert again.history_.equals(whole.history_)
    _same_params(again.params_, whole.params_)


def test_warm_start_goes_on_from_its_own_checkpoint(tmp_path):
    from forecastrnn import load

    X, Y = sine_windows(n=60, window=8, horizon=2)
    path = tmp_path / "run.npz"
    model = RNNRegressor(**SMALL, max_epochs=2, checkpoint=path).fit(X, Y)
    model.set_params(warm_start=True).fit(X, Y)  # the file holds the model
    assert list(model.history_.index) == [1, 2, 3, 4]
    assert list(load(path).history_.index) == [1, 2, 3, 4]
    # the same data, a model that did not fit it: the file is another run's
    other = RNNRegressor(**SMALL, max_epochs=1, warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="Delete the file"):
        other.set_params(checkpoint=path).fit(X, Y * 2)


def _interrupted_then_resumed(tmp_path, monkeypatch, **fit):
    """An uninterrupted fit, and the same fit stopped by Ctrl-C and resumed."""
    X, Y = sine_windows(n=60, window=8, horizon=2)
    settings = {**SMALL, "max_epochs": 5}
    whole = RNNRegressor(**settings).fit(X, Y, **fit)
    path = tmp_path / "run.npz"
    _interrupt_at(monkeypatch, 4)
    with pytest.warns(
        RuntimeWarning,
        match=r"interrupted at epoch 4 \(KeyboardInterrupt\); keeping the best "
        r"weights \(epoch \d\)",
    ):
        model = RNNRegressor(**settings, checkpoint=path).fit(X, Y, **fit)
    assert model.n_epochs_ == 3 and model.predict(X[:2]).shape == (2, 2)
    monkeypatch.undo()
    resumed = RNNRegressor(**settings, checkpoint=path).fit(X, Y, **fit)
    return whole, resumed


def test_ctrl_c_returns_the_fitted_model_and_the_checkpoint_resumes(
    tmp_path, monkeypatch
):
    whole, resumed = _interrupted_then_resumed(tmp_path, monkeypatch)
    assert resumed.history_.equals(whole.history_)
    _same_params(resumed.params_, whole.params_)


@pytest.mark.slow
def test_a_panel_fit_resumes_with_its_samples_per_group(tmp_path, monkeypatch):
    groups = np.repeat(["a", "b"], 30)
    whole, resumed = _interrupted_then_resumed(
        tmp_path, monkeypatch, groups=groups, samples_per_group=20
    )
    assert resumed.history_.equals(whole.history_)
    _same_params(resumed.params_, whole.params_)


def test_a_checkpoint_of_another_fit_is_refused(tmp_path):
    X, Y = sine_windows(n=60, window=8, horizon=2)
    path = tmp_path / "run.npz"
    RNNRegressor(**SMALL, max_epochs=1, checkpoint=path).fit(X, Y)
    with pytest.raises(
        ValueError, match=r"other parameters \(learning_rate differ\).*Delete the"
    ):
        RNNRegressor(**SMALL, learning_rate=0.1, checkpoint=path).fit(X, Y)
    with pytest.raises(
        ValueError,
        match=r"on other data \(windows and targets of shapes \[\[60, 8, 1\], "
        r"\[60, 2\]\] then, \[\(50, 8, 1\), \(50, 2\)\] now",
    ):
        RNNRegressor(**SMALL, checkpoint=path).fit(X[:50], Y[:50])
    with pytest.raises(ValueError, match="on other data"):
        RNNRegressor(**SMALL, checkpoint=path).fit(X, Y * 2)
    not_a_checkpoint = tmp_path / "model.npz"
    RNNRegressor(**SMALL, max_epochs=1).fit(X, Y).save(not_a_checkpoint)
    with pytest.raises(ValueError, match="exists but is not a checkpoint"):
        RNNRegressor(**SMALL, checkpoint=not_a_checkpoint).fit(X, Y)


def test_bad_checkpoint_settings(tmp_path):
    X, Y = sine_windows(n=20, window=8, horizon=1)
    with pytest.raises(TypeError, match="`checkpoint` must be None or a file path"):
        RNNRegressor(**SMALL, checkpoint=3).fit(X, Y)
    with pytest.raises(ValueError, match="the folder .* does not exist"):
        RNNRegressor(**SMALL, checkpoint=tmp_path / "no" / "run").fit(X, Y)
    with pytest.raises(TypeError, match="`checkpoint` writes the model in the safe"):
        RNNRegressor(
            **SMALL, optimizer=training.optax.sgd, checkpoint=tmp_path / "run"
        ).fit(X, Y)
    assert not list(tmp_path.iterdir())


def test_a_model_with_a_path_checkpoint_saves_and_loads(tmp_path):
    """A path and the column names of a DataFrame survive the model file."""
    from pathlib import Path

    import pandas as pd

    from forecastrnn import load

    X, Y = sine_windows(n=60, window=8, horizon=2)
    X = pd.DataFrame(X, columns=[f"t{i}" for i in range(8)])
    model = RNNRegressor(**SMALL, max_epochs=1, checkpoint=tmp_path / "c").fit(X, Y)
    assert isinstance(model.checkpoint, Path)  # stored as given
    for path in (model.save(tmp_path / "model"), tmp_path / "c.npz"):
        loaded = load(path)
        assert loaded.checkpoint == str(tmp_path / "c")
        assert list(loaded.feature_names_in_) == list(X.columns)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # and the checkpoint resumes (here: the run had finished)
    again = RNNRegressor(**SMALL, max_epochs=1, checkpoint=tmp_path / "c").fit(X, Y)
    _same_params(again.params_, model.params_)
