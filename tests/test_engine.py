"""The engine: its choice by shape, bucketing, threads, prediction in chunks."""

import jax
import numpy as np
import pytest

from forecastrnn import engine
from forecastrnn.nn import NetworkConfig, init_network


def test_bucket_rounds_to_powers_of_two_multiples():
    assert engine.bucket(1, 32) == 32
    assert engine.bucket(33, 32) == 64
    assert engine.bucket(100, 32) == 128
    assert engine.bucket(129, 32) == 256
    assert engine.bucket(5) == 8
    padded = engine.pad_rows(np.ones((3, 2), np.float32), 8)
    assert padded.shape == (8, 2) and padded[3:].sum() == 0


def test_split_positions_pads_two_parts_with_weights():
    parts = engine.split_positions(np.array([4, 1, 7]), rows=2)
    (p0, w0), (p1, w1) = parts
    assert p0.tolist() == [4, 1] and w0.tolist() == [1, 1]
    assert p1.tolist() == [7, 7] and w1.tolist() == [1, 0]  # padding: weight 0
    assert len(engine.split_positions(np.array([3]), rows=2)) == 1


def test_engine_choice_follows_the_work_per_half_batch(monkeypatch):
    config = NetworkConfig("lstm", 3, 32, 24, num_layers=2, bidirectional=True)
    # layer 1: 2 directions * 4 gates * 32 * (32 + 3); layer 2 reads 64 inputs
    per_step = 2 * 4 * 32 * 35 + 2 * 4 * 32 * 96
    assert engine.step_work(config, 16, 48) == 16 * 48 * per_step
    tiny, big = NetworkConfig("gru", 1, 8, 3), NetworkConfig("lstm", 4, 128, 24)
    assert engine.default_engine(tiny, 16, 12) == "scan"
    assert engine.default_engine(big, 64, 168) == "threads"
    # the fused Elman cell goes by hidden-state elements per half instead:
    # RNNForecaster's default shape has 6.9 M multiply-adds but 32 * 48 * 64
    # = 98,304 elements, and trains faster in one program
    elman = NetworkConfig("rnn", 6, 64, 24, fused=True)
    assert engine.state_elements(elman, 32, 48) == 32 * 48 * 64
    assert engine.step_work(elman, 32, 48) >= engine.THREADS_MIN_WORK
    assert engine.default_engine(elman, 64, 48) == "scan"
    assert engine.default_engine(elman, 1024, 24) == "threads"
    # prediction (forward only) keeps the multiply-add rule for every cell
    assert engine.worth_splitting(elman, 32, 48, train=False)
    assert not engine.worth_splitting(elman, 32, 48)
    # the autodiff Elman keeps the multiply-add rule
    assert engine.default_engine(elman._replace(fused=False), 64, 48) == "threads"
    stacked = elman._replace(num_layers=2, bidirectional=True)
    assert engine.state_elements(stacked, 32, 48) == 4 * 32 * 48 * 64
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert engine.default_engine(big, 64, 168) == "scan"


def test_predict_runs_two_halves_with_the_same_outputs(monkeypatch):
    config = NetworkConfig("lstm", 4, 64, 3)
    X = np.random.default_rng(0).standard_normal((301, 48, 4)).astype(np.float32)
    assert engine.step_work(config, 151, 48) >= engine.THREADS_MIN_WORK
    params = init_network(config, 0)
    calls = []
    real = engine._predict_calls

    def spy(config, params, X, chunk):
        calls.append(len(X))
        return real(config, params, X, chunk)

    monkeypatch.setattr(engine, "_predict_calls", spy)
    out = engine.predict_network(config, params, X)
    assert sorted(calls) == [150, 151] and out.shape == (301, 3)
    calls.clear()
    one = engine.predict_network(config, params, X[:1])  # nothing to split
    assert calls == [1] and one.shape == (1, 3)
    np.testing.assert_array_equal(one, out[:1])
    monkeypatch.setattr(engine, "_PREDICT_POOL", [None])  # one core: in turn
    np.testing.assert_array_equal(engine.predict_network(config, params, X), out)
    np.testing.assert_array_equal(engine.predict_network(config, params, X[-5:]),
                                  out[-5:])
    calls.clear()
    small = NetworkConfig("gru", 1, 8, 3)
    engine.predict_network(small, init_network(small, 0), X[:, :, :1])
    assert calls == [301]  # a tiny network is not split
    assert engine.predict_network(small, init_network(small, 0), X[:0]).shape == (
        0, 3
    )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    ("hidden", "window", "channels", "outputs"), [(4, 3, 1, 1), (16, 12, 3, 2)]
)
def test_a_window_forecast_does_not_depend_on_its_call(
    cell, hidden, window, channels, outputs
):
    """Bit for bit, whichever windows share the call and wherever the window
    sits in it (0.5.0 differed by 1.5e-7 between one row and 20 rows)."""
    config = NetworkConfig(cell, channels, hidden, outputs)
    params = init_network(config, 0)
    rng = np.random.default_rng(1)
    X = (3 * rng.uniform(size=(100, window, channels))).astype(np.float32)
    full = engine.predict_network(config, params, X, chunk=64)  # two calls
    for i in (0, 5, 17, 63, 64, 99):
        np.testing.assert_array_equal(
            engine.predict_network(config, params, X[i : i + 1]), full[i : i + 1]
        )
    for n in (2, 3, 7, 8, 9, 16, 17, 33):
        np.testing.assert_array_equal(engine.predict_network(config, params, X[:n]),
                                      full[:n])
        np.testing.assert_array_equal(
            engine.predict_network(config, params, X[-n:]), full[-n:]
        )


def test_threads_epoch_runs_the_steps_it_is_given():
    """The engine runs any steps: here, a counter instead of a network."""
    calls = []

    def part_gradient(params, positions, w, seed, batch, part):
        calls.append((batch, part, int(w.sum())))
        return float(w.sum()), {"g": np.float32(w.sum())}

    def apply_gradients(params, opt_state, grads, loss_sums, weight):
        total = sum(g["g"] for g in grads)
        return params + 1, opt_state, np.array([sum(loss_sums), total / weight])

    steps = engine.ThreadsSteps(part_gradient, apply_gradients, lambda *a: 2.0)
    params, state, stats, val_sum = engine.threads_epoch(
        steps, 0, None, 0, np.arange(7), np.zeros(2, np.uint32), 4, None
    )
    assert params == 2 and state is None and np.isnan(val_sum)
    assert sorted(calls) == [(0, 0, 2), (0, 1, 2), (1, 0, 2), (1, 1, 1)]
    np.testing.assert_array_equal(stats, [[4, 1], [3, 1]])
