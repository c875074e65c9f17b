"""Training loop: losses, clipping, early stopping, non-finite losses, bucketing,
and the two engines (one program per epoch, two half batches in two threads)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pandas as pd
import pytest

from forecastrnn import engine, losses, training
from forecastrnn.nn import NetworkConfig, apply_network, init_network


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


@pytest.mark.slow
def test_one_epoch_equals_manual_minibatch_loop_with_padding(key):
    """The scanned, padded, bucketed epoch equals plain optax updates."""
    X, Y = _data(n=20)  # 20 rows, batch 8: batches of 8, 8, 4; bucket = 32 rows
    spec = _spec(optimizer="sgd", learning_rate=0.1, clip_norm=None)
    params = init_network(spec.network, key)
    opt = training.make_optimizer(spec)
    Xp, Yp = engine.pad_rows(X, 32), engine.pad_rows(Y, 32)
    order = np.random.default_rng(3).permutation(20)
    padded_order = np.concatenate([order, np.arange(20, 32)])
    data = ((Xp, Yp), np.arange(32))
    new, _, stats = training.train_epoch(
        spec, None, params, opt.init(params), data, 20, data, 0, padded_order, SEED
    )
    # replay the same order by hand
    ref, state, total = params, opt.init(params), 0.0
    for start in range(0, 20, 8):
        idx = order[start : start + 8]

        def loss(p, idx=idx):
            out = apply_network(spec.network, p, jnp.asarray(X[idx]))
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


@pytest.mark.slow
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
        data = ((X, Y), np.arange(40))
        new, _, stats = training.train_epoch(
            spec, None, params, opt.init(params), data, 40, data, 0, np.arange(40),
            SEED,
        )
        diff = jax.tree.map(lambda a, b: a - b, new, params)
        step = float(optax.tree.norm(diff))
        assert float(stats.grad_norm) > 100 * clip  # recorded before clipping
        if bounded:
            assert step <= lr * clip * (1 + 1e-5)
        else:
            assert step > 10 * lr * clip


@pytest.mark.parametrize("which", ["scan", "threads"])
def test_early_stopping_restores_best_epoch(key, which):
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
        engine=which,
    )
    val = np.asarray(history["val_loss"])
    best = int(np.argmin(val))
    assert len(val) == best + 1 + 3  # stopped after `patience` epochs without gain
    out = engine.predict_network(spec.network, params, Xv)
    loss = float(np.mean(training.sample_losses(spec, out, Yv)))
    assert loss == pytest.approx(val[best], rel=1e-4)


@pytest.mark.parametrize("which", ["scan", "threads"])
def test_non_finite_loss_stops_and_keeps_last_finite_params(key, which):
    X, Y = _data()
    spec = _spec(optimizer="sgd", learning_rate=1e30, clip_norm=None)
    start = init_network(spec.network, key)
    with pytest.warns(
        RuntimeWarning,
        match=r"stopped at epoch \d+: the loss became non-finite.*Lower "
        r"`learning_rate`",
    ):
        params, history = training.fit_network(
            spec, start, X, Y, key=key, max_epochs=20, engine=which
        )
    assert len(history["epoch"]) < 20
    assert all(np.all(np.isfinite(np.asarray(a))) for a in jax.tree.leaves(params))
    assert np.all(np.isfinite(engine.predict_network(spec.network, params, X)))


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
@pytest.mark.slow
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
    monkeypatch.setattr(engine, "worker_pool", lambda: None)
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

    if engine.worker_pool() is None:
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
    assert {name for name, part in seen if part == 1} == {"forecastrnn-train_0"}


_TWO_DEVICES = """
import json, sys
import jax, numpy as np
from forecastrnn import engine, training
from forecastrnn.nn import NetworkConfig, init_network
assert len(jax.devices()) == 2, jax.devices()
rng = np.random.default_rng(0)
X = rng.standard_normal((40, 6, 1)).astype(np.float32)
Y = np.stack([X[:, -1, 0] * 0.5, X[:, -2, 0]], axis=1).astype(np.float32)
members = int(sys.argv[2])
network = NetworkConfig("lstm", 1, 8, 2, members=members)
spec = training.TrainSpec(network=network, batch_size=8)
mesh = engine.data_mesh(spec.batch_size)
assert mesh is not None and mesh.size == 2
assert engine.data_mesh(7) is None  # batch not divisible: one device
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
data = ((X, Y), np.arange(40))
order = np.arange(40) if members == 1 else np.tile(np.arange(40), (members, 1))
args = jax.device_put((params, opt.init(params), data, 40, data, 0, order,
                       np.array([0, 2], np.uint32)), replicated)
hlo = training.train_epoch.lower(spec, None, *args, mesh=mesh).compile().as_text()
# an ensemble's batches (members, rows, ...) are split along the rows
per_device = "f32[4,6,1]" if members == 1 else f"f32[{members},4,6,1]"
assert "all-reduce(" in hlo and per_device in hlo, hlo[:2000]
np.savez(sys.argv[1], *[np.asarray(a) for a in jax.tree.leaves(params)])
print(json.dumps(history["train_loss"]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("members", [1, 3])
def test_data_parallel_over_two_cpu_devices_matches_one_device(tmp_path, members):
    """Batch-sharded training on 2 forced CPU devices equals 1-device training
    (an ensemble's too: each member's batch is split over the devices)."""
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
        [sys.executable, "-c", _TWO_DEVICES, str(out), str(members)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    two_losses = json.loads(run.stdout.strip().splitlines()[-1])

    X, Y = _data(n=40)
    network = NetworkConfig("lstm", 1, 8, 2, members=members)
    spec = training.TrainSpec(network=network, batch_size=8)
    assert engine.data_mesh(spec.batch_size, jax.devices()[:1]) is None
    params, history = training.fit_network(
        spec, init_network(spec.network, jax.random.key(0)), X, Y,
        key=jax.random.key(1), max_epochs=3, validation=(X[:8], Y[:8]),
    )
    np.testing.assert_allclose(two_losses, history["train_loss"], rtol=1e-5)
    with np.load(out) as two:
        for i, leaf in enumerate(jax.tree.leaves(params)):
            np.testing.assert_allclose(two[f"arr_{i}"], leaf, rtol=1e-4, atol=1e-6)


def test_unknown_engine_is_refused():
    X, Y = _data()
    spec = _spec()
    with pytest.raises(ValueError, match="`engine` must be 'auto', 'threads'"):
        training.fit_network(
            spec, init_network(spec.network, jax.random.key(0)), X, Y,
            key=jax.random.key(0), max_epochs=1, engine="fast",
        )


@pytest.mark.parametrize(
    "name",
    ["predict_network", "predict_batch", "bucket", "data_mesh", "THREADS_MIN_WORK"],
)
def test_names_moved_to_engine_still_work_and_warn(name):
    with pytest.warns(DeprecationWarning, match=f"forecastrnn.engine.{name}"):
        moved = getattr(training, name)
    assert moved is getattr(engine, name)
    with pytest.raises(AttributeError):
        training.no_such_name  # noqa: B018


# --------------------------------------------------- resuming and interrupting
def _resumable(which):
    """Initial parameters and a fit (the spec and shapes of the early-stopping
    test, so that the compiled programs are shared)."""
    X, Y = _data(n=64)
    spec = _spec(learning_rate=0.05)
    start = init_network(spec.network, jax.random.key(0))

    def fit(params, max_epochs, patience=20, **more):
        return training.fit_network(
            spec, params, X, Y, key=1, max_epochs=max_epochs,
            validation=(X[:16], Y[:16]), patience=patience, engine=which, **more,
        )

    return start, fit


def _same(a, b):
    jax.tree.map(np.testing.assert_array_equal, a, b)


@pytest.mark.parametrize("which", ["scan", "threads"])
def test_a_run_continued_from_its_state_equals_the_uninterrupted_run(which):
    start, fit = _resumable(which)
    whole, history = fit(start, 5)
    states = []
    fit(start, 2, on_checkpoint=states.append)
    assert states and states[-1].epoch == 2
    resumed, resumed_history = fit(states[-1], 5)
    assert resumed_history == history  # epochs numbered on, all five
    _same(resumed, whole)
    # the generator's state matters: from the parameters alone, other shuffles
    other, _ = fit(states[-1]._replace(rng_state=None), 5)
    assert not np.array_equal(other["head"]["W_hy"], whole["head"]["W_hy"])


@pytest.mark.parametrize("which", ["scan", "threads"])
def test_checkpoints_at_each_best_epoch_and_when_training_ends(which):
    X, Y = _data(n=64)
    spec = _spec(learning_rate=0.05)
    Xv, Yv = X[:16], -Y[:16] * 50  # training only makes the validation worse
    states = []
    params, history = training.fit_network(
        spec, init_network(spec.network, jax.random.key(0)), X, Y, key=0,
        max_epochs=50, validation=(Xv, Yv), patience=3, engine=which,
        on_checkpoint=states.append,
    )
    val = history["val_loss"]
    best = int(np.argmin(val)) + 1
    improved = [e for e in history["epoch"] if val[e - 1] < min(val[: e - 1] or [1e30])]
    assert [s.epoch for s in states] == [*improved, best + 3]
    assert [s.stopped for s in states] == [False] * len(improved) + [True]
    last = states[-1]
    assert (last.best_epoch, last.waited) == (best, 3)
    _same(last.best_params, params)
    assert last.history == history
    # the run had stopped: continuing it runs no epoch
    again, again_history = training.fit_network(
        spec, last, X, Y, key=0, max_epochs=50, validation=(Xv, Yv), patience=3,
        engine=which,
    )
    assert again_history == history
    _same(again, params)


@pytest.mark.parametrize("which", ["scan", "threads"])
def test_ctrl_c_keeps_the_best_weights_and_shuts_the_worker_down(which):
    import threading

    start, fit = _resumable(which)

    def stop_at_3(epoch, record):
        if epoch == 3:
            raise KeyboardInterrupt

    states = []
    with pytest.warns(
        RuntimeWarning,
        match=r"Training interrupted at epoch 3 \(KeyboardInterrupt\); keeping "
        r"the best weights \(epoch \d\)\. The history holds the 3 epochs done",
    ):
        params, history = fit(
            start, 6, on_epoch=stop_at_3, on_checkpoint=states.append
        )
    assert history["epoch"] == [1, 2, 3]
    assert states[-1].epoch == 3
    _same(params, states[-1].best_params)
    # the training worker is gone (prediction's persistent one may be there)
    training_workers = [
        t for t in threading.enumerate() if t.name.startswith("forecastrnn-train")
    ]
    assert not training_workers
    whole, whole_history = fit(start, 6)
    resumed, resumed_history = fit(states[-1], 6)
    assert resumed_history == whole_history
    _same(resumed, whole)


@pytest.mark.parametrize(
    ("call", "kept"),
    [(3, "keeping the weights after epoch 2"), (1, "no epoch finished; keeping")],
)
def test_ctrl_c_inside_an_epoch_leaves_no_trace_of_it(monkeypatch, call, kept):
    """An epoch cut short is not recorded: the state continues before it."""
    start, fit = _resumable("threads")
    whole, whole_history = fit(start, 4, patience=None)
    real, calls = engine.threads_epoch, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(engine, "threads_epoch", interrupted)
    states = []
    with pytest.warns(RuntimeWarning, match=f"interrupted at epoch {call}.*{kept}"):
        params, history = fit(start, 4, patience=None, on_checkpoint=states.append)
    assert history["epoch"] == list(range(1, call))
    if call == 1:  # nothing done, nothing to save
        assert states == []
        _same(params, start)
        return
    assert states[-1].epoch == call - 1
    monkeypatch.setattr(engine, "threads_epoch", real)
    resumed, resumed_history = fit(states[-1], 4, patience=None)
    assert resumed_history == whole_history
    _same(resumed, whole)


def test_a_state_of_parameters_and_history_numbers_the_epochs_on():
    start, fit = _resumable("scan")
    params, history = fit(start, 2)
    state = training.TrainState(params, history=history)
    assert state.epoch == 2
    _, more = fit(state, 4)
    assert more["epoch"] == [1, 2, 3, 4]
    assert more["train_loss"][:2] == history["train_loss"]


def test_optimizer_state_from_leaves_and_mismatched_leaves():
    spec = _spec()
    params = init_network(spec.network, jax.random.key(0))
    fresh = training.optimizer_state(spec, params)
    leaves = [np.asarray(a) for a in jax.tree.leaves(fresh)]
    restored = training.optimizer_state(spec, params, leaves)
    assert jax.tree.structure(restored) == jax.tree.structure(fresh)
    with pytest.raises(ValueError, match=r"`leaves` \(\d+ arrays\) do not make a"):
        training.optimizer_state(spec, params, leaves[:-1])
    X, Y = _data()
    with pytest.raises(ValueError, match="`rng_state` must be a NumPy bit"):
        training.fit_network(
            spec, training.TrainState(params, rng_state={"bit_generator": "os"}),
            X, Y, key=0, max_epochs=1,
        )


@pytest.mark.parametrize("consecutive", [True, False])
def test_each_epoch_samples_at_most_k_distinct_windows_of_every_group(
    consecutive, epoch_orders
):
    """The epoch sample: min(size, k) distinct rows of every group, fresh each
    epoch, whether or not a group's rows are consecutive."""
    sizes = {"a": 50, "b": 3, "c": 20}
    groups = np.repeat(list(sizes), list(sizes.values()))
    if not consecutive:
        groups = np.random.default_rng(0).permutation(groups)
    X, Y = _data(n=len(groups))
    orders = epoch_orders
    spec = _spec(batch_size=8)
    training.fit_network(
        spec, init_network(spec.network, 0), X, Y, key=1, max_epochs=2,
        engine="threads", groups=groups, samples_per_group=10,
    )
    for order in orders:
        assert len(set(order.tolist())) == len(order)  # without replacement
        counts = pd.Series(groups[order]).value_counts().to_dict()
        assert counts == {"a": 10, "b": 3, "c": 10}
    assert set(orders[0]) != set(orders[1])  # a fresh sample each epoch
