"""Training loop: losses, clipping, early stopping, non-finite losses, bucketing,
and the two engines (one program per epoch, two half batches in two threads)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from forecastrnn import losses, training
from forecastrnn.nn import NetworkConfig, init_network


def _data(n=40, window=6, horizon=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, window, 1)).astype(np.float32)
    Y = np.stack([X[:, -1, 0] * 0.5, X[:, -2, 0]], axis=1)[:, :horizon].astype(
        np.float32
    )
    return X, Y


SEED = np.array([0, 7], np.uint32)  # the data of a PRNG key


def _spec(**kw):
    net = NetworkConfig("gru", 1, 8, 2)
    return training.TrainSpec(**{"network": net, "batch_size": 8, **kw})


def test_losses_against_numpy():
    p = jnp.array([[0.0, 2.0, -3.0]])
    y = jnp.array([[1.0, 2.0, 0.5]])
    np.testing.assert_allclose(losses.mse(p, y), [[1.0, 0.0, 12.25]])
    np.testing.assert_allclose(losses.mae(p, y), [[1.0, 0.0, 3.5]])
    np.testing.assert_allclose(losses.huber(p, y, 1.0), [[0.5, 0.0, 3.0]])
    q = jnp.array([0.1, 0.9])
    pin = losses.pinball(jnp.array([[0.0, 0.0]]), jnp.array([2.0]), q)
    np.testing.assert_allclose(pin, [[0.2, 1.8]], rtol=1e-6)  # under-prediction
    pin = losses.pinball(jnp.array([[4.0, 4.0]]), jnp.array([2.0]), q)
    np.testing.assert_allclose(pin, [[1.8, 0.2]], rtol=1e-6)  # over-prediction


def test_bucket_rounds_to_powers_of_two_multiples():
    assert training.bucket(1, 32) == 32
    assert training.bucket(33, 32) == 64
    assert training.bucket(100, 32) == 128
    assert training.bucket(129, 32) == 256
    assert training.bucket(5) == 8


def test_one_epoch_equals_manual_minibatch_loop_with_padding(key):
    """The scanned, padded, bucketed epoch equals plain optax updates."""
    X, Y = _data(n=20)  # 20 rows, batch 8: batches of 8, 8, 4; bucket = 32 rows
    spec = _spec(optimizer="sgd", learning_rate=0.1, clip_norm=None)
    params = init_network(spec.network, key)
    opt = training.make_optimizer(spec)
    Xp, Yp = training.pad_rows(X, 32), training.pad_rows(Y, 32)
    order = np.random.default_rng(3).permutation(20)
    padded_order = np.concatenate([order, np.arange(20, 32)])
    new, _, stats = training.train_epoch(
        spec, params, opt.init(params), Xp, Yp, 20, Xp, Yp, 0, padded_order, SEED
    )
    # replay the same order by hand
    ref, state, total = params, opt.init(params), 0.0
    for start in range(0, 20, 8):
        idx = order[start : start + 8]

        def loss(p, idx=idx):
            out = training.apply_network(spec.network, p, jnp.asarray(X[idx]))
            return jnp.mean(training.sample_losses(spec, out, jnp.asarray(Y[idx])))

        value, grads = jax.value_and_grad(loss)(ref)
        total += float(value) * len(idx)
        updates, state = opt.update(grads, state, ref)
        ref = optax.apply_updates(ref, updates)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-6), new, ref
    )
    assert float(stats.train_loss) == pytest.approx(total / 20, rel=1e-4)
    assert np.isnan(float(stats.val_loss))


def test_clipping_bounds_the_update_norm(key):
    X, Y = _data()
    Y = Y * 1000.0  # huge errors, huge gradients
    lr, clip = 0.01, 0.5
    for clip_norm, bounded in [(clip, True), (None, False)]:
        spec = _spec(
            optimizer="sgd", learning_rate=lr, clip_norm=clip_norm, batch_size=40
        )
        params = init_network(spec.network, key)
        opt = training.make_optimizer(spec)
        new, _, stats = training.train_epoch(
            spec, params, opt.init(params), X, Y, 40, X, Y, 0, np.arange(40), SEED
        )
        diff = jax.tree.map(lambda a, b: a - b, new, params)
        step = float(optax.tree.norm(diff))
        assert float(stats.grad_norm) > 100 * clip  # recorded before clipping
        if bounded:
            assert step <= lr * clip * (1 + 1e-5)
        else:
            assert step > 10 * lr * clip


@pytest.mark.parametrize("engine", ["scan", "threads"])
def test_early_stopping_restores_best_epoch(key, engine):
    X, Y = _data(n=64)
    spec = _spec(learning_rate=0.05)
    Xv, Yv = X[:16], -Y[:16] * 50  # validation that training can only get worse on
    params, history = training.fit_network(
        spec,
        init_network(spec.network, key),
        X,
        Y,
        key=key,
        max_epochs=50,
        validation=(Xv, Yv),
        patience=3,
        engine=engine,
    )
    val = np.asarray(history["val_loss"])
    best = int(np.argmin(val))
    assert len(val) == best + 1 + 3  # stopped after `patience` epochs without gain
    out = training.predict_network(spec.network, params, Xv)
    loss = float(np.mean(training.sample_losses(spec, out, Yv)))
    assert loss == pytest.approx(val[best], rel=1e-4)


@pytest.mark.parametrize("engine", ["scan", "threads"])
def test_non_finite_loss_stops_and_keeps_last_finite_params(key, engine):
    X, Y = _data()
    spec = _spec(optimizer="sgd", learning_rate=1e30, clip_norm=None)
    start = init_network(spec.network, key)
    with pytest.warns(
        RuntimeWarning,
        match=r"stopped at epoch \d+: the loss became non-finite.*Lower "
        r"`learning_rate`",
    ):
        params, history = training.fit_network(
            spec, start, X, Y, key=key, max_epochs=20, engine=engine
        )
    assert len(history["epoch"]) < 20
    assert all(np.all(np.isfinite(np.asarray(a))) for a in jax.tree.leaves(params))
    assert np.all(np.isfinite(training.predict_network(spec.network, params, X)))


def test_growing_training_set_reuses_the_compiled_epoch(key):
    spec = _spec(batch_size=16)
    params = init_network(spec.network, key)
    before = training.train_epoch._cache_size()
    for n in (70, 90, 110, 128):  # all bucket to 128 rows
        X, Y = _data(n=n)
        training.fit_network(spec, params, X, Y, key=key, max_epochs=1, engine="scan")
    assert training.train_epoch._cache_size() - before == 1


def test_threads_engine_compiles_the_step_once_for_any_training_set(key):
    spec = _spec(batch_size=14)
    params = init_network(spec.network, key)
    before = training.part_gradient._cache_size()
    for n in (20, 70, 129, 300):  # four buckets, short last batches
        X, Y = _data(n=n)
        training.fit_network(
            spec, params, X, Y, key=key, max_epochs=1, engine="threads"
        )
    assert training.part_gradient._cache_size() - before == 1


@pytest.mark.parametrize(
    ("cell", "batch_size", "n"),
    [("lstm", 8, 40), ("gru", 7, 45), ("rnn", 1, 5)],  # even, odd, one-row batches
)
def test_engines_train_the_same_model(cell, batch_size, n):
    """Two half-batch gradient sums in threads equal the one-program epoch."""
    X, Y = _data(n=n)
    spec = training.TrainSpec(
        network=NetworkConfig(cell, 1, 8, 2, remat=True),
        batch_size=batch_size,
        weight_decay=1e-3,
        clip_norm=0.5,
    )
    start = init_network(spec.network, jax.random.key(0))
    runs = {
        engine: training.fit_network(
            spec, start, X, Y, key=jax.random.key(1), max_epochs=4,
            validation=(X[:9], Y[:9]), patience=10, engine=engine,
        )
        for engine in ("scan", "threads")
    }
    (p_scan, h_scan), (p_threads, h_threads) = runs["scan"], runs["threads"]
    for name in ("train_loss", "val_loss", "grad_norm", "grad_norm_max"):
        np.testing.assert_allclose(h_threads[name], h_scan[name], rtol=1e-4)
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6),
        p_threads, p_scan,
    )
    # the updates really happened (the engines did not both do nothing)
    moved = jax.tree.map(lambda a, b: float(np.abs(a - b).max()), p_threads, start)
    assert max(jax.tree.leaves(moved)) > 1e-3


def test_threads_engine_is_the_same_on_one_core_and_reproducible(monkeypatch):
    """The halves run in turn without a worker thread, with identical bits."""
    X, Y = _data(n=50)
    spec = _spec(batch_size=10, network=NetworkConfig("lstm", 1, 8, 2, dropout=0.2))
    start = init_network(spec.network, jax.random.key(0))

    def fit():
        return training.fit_network(
            spec, start, X, Y, key=jax.random.key(1), max_epochs=3,
            validation=(X[:8], Y[:8]), engine="threads",
        )

    two, again = fit(), fit()
    monkeypatch.setattr(training, "_pool", lambda: None)
    one = fit()
    for other in (again, one):
        assert other[1] == two[1]
        jax.tree.map(np.testing.assert_array_equal, other[0], two[0])
    # dropout draws its own masks per half: a different, valid model
    scan = training.fit_network(
        spec, start, X, Y, key=jax.random.key(1), max_epochs=3, engine="scan"
    )
    assert not np.allclose(scan[1]["train_loss"], two[1]["train_loss"])


def test_threads_engine_runs_the_halves_at_once(monkeypatch):
    """The two halves of a batch run at the same time, one in a worker thread."""
    import threading

    if training._pool() is None:
        pytest.skip("one core: the halves run in turn")
    seen = []
    both_running = threading.Barrier(2, timeout=30)  # breaks if run in turn
    real = training.part_gradient

    def spy(*args):
        seen.append((threading.current_thread().name, int(args[-1])))
        both_running.wait()
        return real(*args)

    monkeypatch.setattr(training, "part_gradient", spy)
    X, Y = _data(n=16)
    training.fit_network(
        _spec(batch_size=8), init_network(_spec().network, jax.random.key(0)),
        X, Y, key=jax.random.key(1), max_epochs=1, engine="threads",
    )
    assert len(seen) == 4  # two batches of 8 rows, two halves each
    assert {name for name, part in seen if part == 0} == {"MainThread"}
    assert {name for name, part in seen if part == 1} == {"forecastrnn_0"}


def test_engine_choice_follows_the_work_per_half_batch(monkeypatch):
    config = NetworkConfig("lstm", 3, 32, 24, num_layers=2, bidirectional=True)
    # layer 1: 2 directions * 4 gates * 32 * (32 + 3); layer 2 reads 64 inputs
    per_step = 2 * 4 * 32 * 35 + 2 * 4 * 32 * 96
    assert training.step_work(config, 16, 48) == 16 * 48 * per_step
    tiny = training.TrainSpec(network=NetworkConfig("gru", 1, 8, 3), batch_size=16)
    big = training.TrainSpec(network=NetworkConfig("lstm", 4, 128, 24), batch_size=64)
    assert training._default_engine(tiny, 12) == "scan"
    assert training._default_engine(big, 168) == "threads"
    # the fused Elman cell goes by hidden-state elements per half instead:
    # RNNForecaster's default shape has 6.9 M multiply-adds but 32 * 48 * 64
    # = 98,304 elements, and trains faster in one program
    elman = NetworkConfig("rnn", 6, 64, 24, fused=True)
    assert training.state_elements(elman, 32, 48) == 32 * 48 * 64
    assert training.step_work(elman, 32, 48) >= training.THREADS_MIN_WORK
    spec = training.TrainSpec(network=elman, batch_size=64)
    assert training._default_engine(spec, 48) == "scan"
    assert training._default_engine(spec._replace(batch_size=1024), 24) == "threads"
    # prediction (forward only) keeps the multiply-add rule for every cell
    assert training._worth_splitting(elman, 32, 48, train=False)
    assert not training._worth_splitting(elman, 32, 48)
    # the autodiff Elman keeps the multiply-add rule
    autodiff = spec._replace(network=elman._replace(fused=False))
    assert training._default_engine(autodiff, 48) == "threads"
    stacked = elman._replace(num_layers=2, bidirectional=True)
    assert training.state_elements(stacked, 32, 48) == 4 * 32 * 48 * 64
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert training._default_engine(big, 168) == "scan"
    with pytest.raises(ValueError, match="`engine` must be 'auto', 'threads'"):
        X, Y = _data()
        training.fit_network(
            tiny, init_network(tiny.network, jax.random.key(0)), X, Y,
            key=jax.random.key(0), max_epochs=1, engine="fast",
        )


_TWO_DEVICES = """
import json, sys
import jax, numpy as np
from forecastrnn import training
from forecastrnn.nn import NetworkConfig, init_network
assert len(jax.devices()) == 2, jax.devices()
rng = np.random.default_rng(0)
X = rng.standard_normal((40, 6, 1)).astype(np.float32)
Y = np.stack([X[:, -1, 0] * 0.5, X[:, -2, 0]], axis=1).astype(np.float32)
spec = training.TrainSpec(network=NetworkConfig("lstm", 1, 8, 2), batch_size=8)
mesh = training.data_mesh(spec.batch_size)
assert mesh is not None and mesh.size == 2
assert training.data_mesh(7) is None  # batch not divisible: one device
params, history = training.fit_network(
    spec, init_network(spec.network, jax.random.key(0)), X, Y,
    key=jax.random.key(1), max_epochs=3, validation=(X[:8], Y[:8]),
)
leaf = params["head"]["W_hy"]
assert len(leaf.sharding.device_set) == 2  # replicated over both devices
# the compiled epoch really splits each batch: per-device batches of 4 rows and
# an all-reduce of the gradients
replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
opt = training.make_optimizer(spec)
args = jax.device_put((params, opt.init(params), X, Y, 40, X, Y, 0, np.arange(40),
                       np.array([0, 2], np.uint32)), replicated)
hlo = training.train_epoch.lower(spec, *args, mesh=mesh).compile().as_text()
assert "all-reduce(" in hlo and "f32[4,6,1]" in hlo
np.savez(sys.argv[1], *[np.asarray(a) for a in jax.tree.leaves(params)])
print(json.dumps(history["train_loss"]))
"""


def test_data_parallel_over_two_cpu_devices_matches_one_device(tmp_path):
    """Batch-sharded training on 2 forced CPU devices equals 1-device training."""
    import json
    import os
    import subprocess
    import sys

    out = tmp_path / "params.npz"
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": (
            os.environ.get("XLA_FLAGS", "")
            + " --xla_force_host_platform_device_count=2"
        ).strip(),
    }
    run = subprocess.run(
        [sys.executable, "-c", _TWO_DEVICES, str(out)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    two_losses = json.loads(run.stdout.strip().splitlines()[-1])

    X, Y = _data(n=40)
    spec = training.TrainSpec(network=NetworkConfig("lstm", 1, 8, 2), batch_size=8)
    assert training.data_mesh(spec.batch_size, jax.devices()[:1]) is None
    params, history = training.fit_network(
        spec, init_network(spec.network, jax.random.key(0)), X, Y,
        key=jax.random.key(1), max_epochs=3, validation=(X[:8], Y[:8]),
    )
    np.testing.assert_allclose(two_losses, history["train_loss"], rtol=1e-5)
    with np.load(out) as two:
        for i, leaf in enumerate(jax.tree.leaves(params)):
            np.testing.assert_allclose(two[f"arr_{i}"], leaf, rtol=1e-4, atol=1e-6)


def test_predict_runs_two_halves_with_the_same_outputs(monkeypatch):
    config = NetworkConfig("lstm", 4, 64, 3)
    X = np.random.default_rng(0).standard_normal((301, 48, 4)).astype(np.float32)
    assert training.step_work(config, 151, 48) >= training.THREADS_MIN_WORK
    params = init_network(config, 0)
    calls = []
    real = training._predict_chunks

    def spy(config, params, X, chunk):
        calls.append(len(X))
        return real(config, params, X, chunk)

    monkeypatch.setattr(training, "_predict_chunks", spy)
    out = training.predict_network(config, params, X)
    assert sorted(calls) == [150, 151] and out.shape == (301, 3)
    calls.clear()
    one = training.predict_network(config, params, X[:1])  # nothing to split
    assert calls == [1] and one.shape == (1, 3)
    np.testing.assert_allclose(one, out[:1], rtol=1e-5, atol=1e-6)
    monkeypatch.setattr(training, "_PREDICT_POOL", [None])  # one core: in turn
    np.testing.assert_array_equal(training.predict_network(config, params, X), out)
    np.testing.assert_allclose(
        training.predict_network(config, params, X[-5:]), out[-5:], rtol=1e-5,
        atol=1e-6,
    )
    calls.clear()
    training.predict_network(NetworkConfig("gru", 1, 8, 3), init_network(
        NetworkConfig("gru", 1, 8, 3), 0), X[:, :, :1])
    assert calls == [301]  # a tiny network is not split


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_window_forecast_does_not_depend_on_its_call(cell, monkeypatch):
    """One window runs a two-row program (latency), and its forecast is the one
    it gets in any call of up to 32 windows, bit for bit."""
    config = NetworkConfig(cell, 3, 16, 2)
    params = init_network(config, 0)
    X = np.random.default_rng(1).standard_normal((32, 12, 3)).astype(np.float32)
    shapes = []
    real = training.predict_batch

    def spy(config, params, X):
        shapes.append(X.shape[0])
        return real(config, params, X)

    monkeypatch.setattr(training, "predict_batch", spy)
    alone = training.predict_network(config, params, X[:1])
    assert shapes == [2]
    for n in (2, 3, 7, 16, 32):
        together = training.predict_network(config, params, X[:n])
        np.testing.assert_array_equal(together[:1], alone)
    assert shapes[1:] == [2, 4, 8, 16, 32]
