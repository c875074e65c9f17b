"""Training: jit-compiled backpropagation through time with optax.

Two engines run the same mini-batch updates (:func:`fit_network` picks one):

``"threads"`` (one CPU device, unless the network is small)
    XLA's CPU runtime runs one program on one core at a time, so each
    mini-batch is cut into two halves whose gradient sums are computed by the
    same compiled program at once from two threads (JAX releases the GIL while
    a program runs), then added and applied by one compiled optimizer update.
    The halves always exist, so a model trained on one core equals the same
    model trained on two, bit for bit. Rows are gathered on the host and
    short batches are padded with zero-weight rows, so the compiled programs
    depend on the window shape and batch size only: a backtest whose training
    set grows fold by fold compiles the training step once.
``"scan"`` (accelerators, several devices, small networks)
    One compiled call runs a whole epoch (a ``lax.scan`` over mini-batches,
    then the validation loss), so Python is entered once per epoch. The
    training windows are padded to a power-of-two number of batches and the
    padding is masked out (empty batches are skipped with ``lax.cond``), so a
    growing training set reuses the compiled epoch. With more than one JAX
    device (several GPUs, or CPU devices from
    ``XLA_FLAGS=--xla_force_host_platform_device_count=N``) training is
    data-parallel: each mini-batch is sharded over the devices along the batch
    axis and the parameters and optimizer state are replicated (see
    :func:`data_mesh`); the result equals single-device training up to float
    rounding.

The engines agree up to float rounding without dropout or augmentation; with
them the random masks differ (each half draws its own), so the two engines
train different, equally valid models.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from . import losses
from .nn.cells import host_rng
from .nn.network import NetworkConfig, apply_network


class TrainSpec(NamedTuple):
    """Everything static about a training run (hashable: it keys compiled code).

    ``optimizer`` is the name of an optax optimizer taking a learning rate
    (``"adam"``, ``"sgd"``, ``"rmsprop"``, ...) or a callable
    ``learning_rate -> optax.GradientTransformation``. ``augment``, if given,
    is an ``augment(key, X, Y) -> (X, Y)`` applied to every training
    mini-batch (never to the validation windows), e.g.
    :func:`forecastrnn.windows.make_jitter`; it must be hashable and compare
    by value (the augmentations of :mod:`forecastrnn.windows` do).
    """

    network: NetworkConfig
    loss: str = "mse"
    quantiles: tuple[float, ...] = ()
    optimizer: str | Callable = "adam"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    clip_norm: float | None = 1.0
    batch_size: int = 32
    augment: Callable | None = None


class EpochStats(NamedTuple):
    """Per-epoch figures returned by :func:`train_epoch`."""

    train_loss: Array
    val_loss: Array
    grad_norm: Array
    grad_norm_max: Array
    finite: Array  # every parameter finite after the epoch


def make_optimizer(spec: TrainSpec) -> optax.GradientTransformation:
    """The optax chain: clip by global norm, then the optimizer.

    Weight decay is decoupled (AdamW) for ``"adam"``; for other optimizers it
    adds ``weight_decay * params`` to the gradient (L2 regularisation).
    """
    if callable(spec.optimizer):
        base = spec.optimizer(spec.learning_rate)
    elif spec.optimizer in ("adam", "adamw") and spec.weight_decay > 0:
        base = optax.adamw(spec.learning_rate, weight_decay=spec.weight_decay)
    else:
        base = getattr(optax, spec.optimizer)(spec.learning_rate)
        if spec.weight_decay > 0:
            base = optax.chain(optax.add_decayed_weights(spec.weight_decay), base)
    if spec.clip_norm is None:
        return base
    return optax.chain(optax.clip_by_global_norm(spec.clip_norm), base)


def sample_losses(spec: TrainSpec, y_pred: Array, y_true: Array) -> Array:
    """Loss per sample ``(batch,)``: the elementwise loss averaged over outputs."""
    if spec.loss == "quantile":
        q = jnp.asarray(spec.quantiles, jnp.float32)
        y_pred = y_pred.reshape(*y_true.shape, len(spec.quantiles))
        elementwise = losses.pinball(y_pred, y_true, q)
    else:
        elementwise = getattr(losses, spec.loss)(y_pred, y_true)
    return elementwise.reshape(elementwise.shape[0], -1).mean(axis=1)


def _loss_sum(spec, params, X, Y, w, key):
    per_sample = sample_losses(spec, apply_network(spec.network, params, X, key=key), Y)
    return jnp.sum(per_sample * w)


def _weighted_loss(spec, params, X, Y, w, key):
    return _loss_sum(spec, params, X, Y, w, key) / jnp.maximum(jnp.sum(w), 1.0)


def data_mesh(batch_size: int, devices=None) -> Mesh | None:
    """A one-axis ``("batch",)`` mesh over the devices, or None for one device.

    Data-parallel training needs ``batch_size`` to be a multiple of the number
    of devices; otherwise training stays on the first device.
    """
    devices = jax.devices() if devices is None else list(devices)
    if len(devices) < 2 or batch_size % len(devices):
        return None
    return Mesh(np.asarray(devices), ("batch",))


def _shard_batch(mesh: Mesh | None, a: Array) -> Array:
    if mesh is None:
        return a
    spec = PartitionSpec("batch", *([None] * (a.ndim - 1)))
    return jax.lax.with_sharding_constraint(a, NamedSharding(mesh, spec))


@partial(jax.jit, static_argnames=("spec", "mesh"))
def train_epoch(
    spec: TrainSpec,
    params: dict,
    opt_state: optax.OptState,
    X: Array,
    Y: Array,
    n_train: Array,
    X_val: Array,
    Y_val: Array,
    n_val: Array,
    order: Array,
    seed: Array,
    mesh: Mesh | None = None,
) -> tuple[dict, optax.OptState, EpochStats]:
    """One epoch: mini-batch updates in the given order, then the validation loss.

    ``X`` (``(n_bucket, window_size, n_inputs)``, ``n_bucket`` a multiple of the
    batch size) holds ``n_train`` real windows followed by padding; ``X_val``
    holds ``n_val`` real windows followed by padding (``n_val = 0``: no
    validation, ``val_loss`` is NaN). ``order`` (``(n_bucket,)``) is the
    shuffle: a permutation of the real rows followed by the padding rows. The
    dropout masks and the augmentation (``spec.augment``) come from ``seed``
    (the ``uint32[2]`` data of a PRNG key), so a run is reproducible bit for
    bit. With a ``mesh`` (from :func:`data_mesh`) each mini-batch is sharded
    over its devices.
    """
    optimizer = make_optimizer(spec)
    n_bucket, batch_size = X.shape[0], spec.batch_size
    order = order.reshape(n_bucket // batch_size, batch_size)
    k_drop = jax.random.wrap_key_data(seed)
    grad_fn = jax.value_and_grad(partial(_weighted_loss, spec))

    def update(carry, idx, k):
        params, opt_state = carry
        w = (idx < n_train).astype(jnp.float32)
        xb, yb = X[idx], Y[idx]
        if spec.augment is not None:
            k_aug, k = jax.random.split(k)
            xb, yb = spec.augment(k_aug, xb, yb)
            xb, yb = xb.astype(X.dtype), yb.astype(Y.dtype)
        xb, yb, w = (_shard_batch(mesh, a) for a in (xb, yb, w))
        loss, grads = grad_fn(params, xb, yb, w, k)
        norm = optax.tree.norm(grads)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        stats = jnp.stack([loss * w.sum(), norm, w.sum()])
        return (optax.apply_updates(params, updates), opt_state), stats

    def skip(carry, idx, k):
        return carry, jnp.zeros(3, jnp.float32)

    def batch(carry, inputs):
        idx, k = inputs
        return jax.lax.cond(idx[0] < n_train, update, skip, carry, idx, k)

    keys = jax.random.split(k_drop, order.shape[0])
    (params, opt_state), stats = jax.lax.scan(batch, (params, opt_state), (order, keys))
    n_batches = jnp.maximum(jnp.sum(stats[:, 2] > 0), 1)
    w_val = (jnp.arange(X_val.shape[0]) < n_val).astype(jnp.float32)
    val_loss = _weighted_loss(spec, params, X_val, Y_val, w_val, None)
    return params, opt_state, EpochStats(
        train_loss=jnp.sum(stats[:, 0]) / jnp.maximum(n_train, 1),
        val_loss=jnp.where(n_val > 0, val_loss, jnp.nan),
        grad_norm=jnp.sum(stats[:, 1]) / n_batches,
        grad_norm_max=jnp.max(stats[:, 1]),
        finite=jnp.all(
            jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(params)])
        ),
    )


@partial(jax.jit, static_argnames="spec")
def part_gradient(
    spec: TrainSpec,
    params: dict,
    X: Array,
    Y: Array,
    w: Array,
    seed: Array,
    batch: Array,
    part: Array,
) -> tuple[Array, dict]:
    """Weighted loss sum of one part of a mini-batch, and its gradient.

    The ``"threads"`` engine's training step. The dropout masks and the
    augmentation come from the epoch's ``seed`` (the ``uint32[2]`` data of a
    PRNG key) folded with the batch and part numbers, so every part draws its
    own and a run is reproducible bit for bit.
    """
    k = jax.random.wrap_key_data(seed)
    k = jax.random.fold_in(jax.random.fold_in(k, batch), part)
    if spec.augment is not None:
        k_aug, k = jax.random.split(k)
        X_aug, Y_aug = spec.augment(k_aug, X, Y)
        X, Y = X_aug.astype(X.dtype), Y_aug.astype(Y.dtype)
    return jax.value_and_grad(partial(_loss_sum, spec))(params, X, Y, w, k)


@partial(jax.jit, static_argnames="spec")
def apply_gradients(
    spec: TrainSpec,
    params: dict,
    opt_state: optax.OptState,
    grads: tuple[dict, ...],
    loss_sums: tuple[Array, ...],
    weight: Array,
) -> tuple[dict, optax.OptState, Array]:
    """One optimizer update from the parts' gradient sums of a mini-batch.

    Returns the new parameters and optimizer state and ``[loss sum, global
    gradient norm before clipping]``.
    """
    total = jax.tree.map(lambda *g: sum(g) / jnp.maximum(weight, 1.0), *grads)
    norm = optax.tree.norm(total)
    updates, opt_state = make_optimizer(spec).update(total, opt_state, params)
    stats = jnp.stack([sum(loss_sums), norm])
    return optax.apply_updates(params, updates), opt_state, stats


@partial(jax.jit, static_argnames="spec")
def _validation_sum(spec, params, X, Y, w):
    return _loss_sum(spec, params, X, Y, w, None)


def _in_parallel(pool: ThreadPoolExecutor | None, fn: Callable, calls: list) -> list:
    """``fn(*args)`` for every ``args`` in ``calls``, finished.

    The first call runs in this thread and the others in ``pool`` at the same
    time (XLA releases the GIL while a program runs); without a pool (one core)
    they run in turn, with the same results.
    """
    if pool is None:
        return [fn(*args) for args in calls]
    futures = [
        pool.submit(lambda a: jax.block_until_ready(fn(*a)), a) for a in calls[1:]
    ]
    first = jax.block_until_ready(fn(*calls[0]))
    return [first, *(f.result() for f in futures)]


def _parts(
    X: np.ndarray, Y: np.ndarray, idx: np.ndarray, rows: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Rows ``idx`` in two parts of ``rows`` rows, zero-padded, with weights."""
    out = []
    for part in (idx[:rows], idx[rows:]):
        if len(part):
            w = np.zeros(rows, np.float32)
            w[: len(part)] = 1.0
            out.append((pad_rows(X[part], rows), pad_rows(Y[part], rows), w))
    return out


def _threads_epoch(spec, params, opt_state, X, Y, validation, order, seed, pool):
    """One epoch of the ``"threads"`` engine, with :func:`train_epoch`'s figures."""
    rows = -(-spec.batch_size // 2)
    stats = []
    for b, start in enumerate(range(0, len(X), spec.batch_size)):
        idx = order[start : start + spec.batch_size]
        calls = [
            (spec, params, Xp, Yp, w, seed, b, i)
            for i, (Xp, Yp, w) in enumerate(_parts(X, Y, idx, rows))
        ]
        results = _in_parallel(pool, part_gradient, calls)
        params, opt_state, stat = apply_gradients(
            spec, params, opt_state, tuple(g for _, g in results),
            tuple(loss for loss, _ in results), np.float32(len(idx)),
        )
        stats.append(stat)
    stats = np.asarray(jax.device_get(stats), np.float64)
    X_val, Y_val, n_val = validation
    if n_val:
        rows = bucket(n_val, 2) // 2
        calls = [(spec, params, *part) for part in _parts(
            X_val, Y_val, np.arange(n_val), rows
        )]
        val_loss = sum(float(v) for v in _in_parallel(pool, _validation_sum, calls))
        val_loss /= n_val
    else:
        val_loss = np.nan
    leaves = jax.device_get(jax.tree.leaves(params))
    return params, opt_state, EpochStats(
        train_loss=stats[:, 0].sum() / max(len(X), 1),
        val_loss=val_loss,
        grad_norm=stats[:, 1].mean(),
        grad_norm_max=stats[:, 1].max(),
        finite=all(np.isfinite(a).all() for a in leaves),
    )


def _pool() -> ThreadPoolExecutor | None:
    """A worker thread for the second half of each batch, if a second core exists."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if cores < 2:
        return None
    return ThreadPoolExecutor(1, thread_name_prefix="forecastrnn")


@partial(jax.jit, static_argnames="config")
def predict_batch(config: NetworkConfig, params: dict, X: Array) -> Array:
    """Network outputs for a batch of windows, without dropout."""
    return apply_network(config, params, X)


def bucket(n: int, multiple: int = 1) -> int:
    """Smallest ``multiple * 2**k`` that is at least ``n`` (shape bucketing)."""
    blocks = max(1, math.ceil(n / multiple))
    return multiple * (1 << (blocks - 1).bit_length())


def pad_rows(a: np.ndarray, n_rows: int) -> np.ndarray:
    """``a`` padded with zero rows to ``n_rows`` rows."""
    pad = np.zeros((n_rows - a.shape[0], *a.shape[1:]), a.dtype)
    return np.concatenate([a, pad])


def fit_network(
    spec: TrainSpec,
    params: dict,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    key: Array,
    max_epochs: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    patience: int | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    engine: str = "auto",
) -> tuple[dict, dict]:
    """Train ``params`` on windows ``X`` (``(n, window_size, n_inputs)``) and ``Y``.

    Parameters
    ----------
    spec : TrainSpec
    params : dict
        Initial network parameters.
    X, Y : numpy.ndarray
        Training windows and targets, float32.
    key : jax.Array, numpy.random.Generator or int
        Drives the shuffles, the dropout masks and the augmentation (drawn on
        the host, see :func:`~forecastrnn.nn.cells.host_rng`).
    max_epochs : int
    validation : (X_val, Y_val), optional
        Held-out windows; with ``patience`` they drive early stopping and the
        parameters of the best validation epoch are returned.
    patience : int, optional
        Epochs without improvement of the validation loss before stopping.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, record)`` after each epoch (progress bars).
    engine : {"auto", "threads", "scan"}, default "auto"
        How the mini-batch updates run (see the module docstring). ``"auto"``
        picks ``"threads"`` on a single CPU device when half a mini-batch's
        forward pass takes at least :data:`THREADS_MIN_WORK` multiply-adds
        (:func:`step_work`), or, for the Elman cell with its hand-written
        backward pass, computes at least :data:`THREADS_MIN_STATES_FUSED_RNN`
        hidden-state elements (:func:`state_elements`), and ``"scan"``
        otherwise: the choice depends on the shapes and the platform, never
        on the number of cores.

    Returns
    -------
    params : dict
        The trained (or best, or last finite) parameters.
    history : dict of str to list
        Per epoch: ``epoch``, ``train_loss``, ``val_loss``, ``grad_norm`` (mean
        global norm of the gradient before clipping) and ``grad_norm_max``.

    Warns
    -----
    RuntimeWarning
        When the loss becomes non-finite (exploding gradients): training stops
        and the parameters from before that epoch are kept.
    """
    if engine == "auto":
        engine = _default_engine(spec, X.shape[1])
    if engine not in ("threads", "scan"):
        raise ValueError(
            f"`engine` must be 'auto', 'threads' or 'scan'; got {engine!r}."
        )
    opt_state = _init_optimizer(spec, params)
    if validation is None:
        X_val, Y_val, n_val = X[:1], Y[:1], 0
    else:
        X_val, Y_val = validation
        n_val = len(X_val)
    pool = _pool() if engine == "threads" else None
    if engine == "threads":
        def run_epoch(params, opt_state, order, seed):
            return _threads_epoch(
                spec, params, opt_state, X, Y, (X_val, Y_val, n_val), order, seed,
                pool,
            )
    else:
        run_epoch = _scan_epochs(spec, X, Y, X_val, Y_val, n_val)
    try:
        return _epochs(
            spec, run_epoch, params, opt_state, host_rng(key), len(X), max_epochs,
            n_val, patience, on_epoch,
        )
    finally:
        if pool is not None:
            pool.shutdown()


# Per-part forward multiply-adds below which the "threads" engine's per-batch
# Python work (two gathers, three program calls, a thread hand-off: about
# 0.5 ms) costs more than the second core gains; measured on 2 cores
# (benchmarks/README.md): 3.4M lost 8%, 6.9M gained 14-24%.
THREADS_MIN_WORK = 5e6

# The Elman cell with its hand-written backward pass (``NetworkConfig.fused``)
# trains in short loops that XLA runs on one thread, so the one-program epoch
# stays ahead for longer, and what decides is the number of hidden-state
# elements a part computes (:func:`state_elements`), not its multiply-adds.
# Measured on 2 cores for 22 shapes (benchmarks/README.md, 0.5.0): parts of
# at most 2.0e5 elements trained 1.04x to 1.22x faster in one program, parts
# of 2.6e5 to 3.0e5 within 10% either way, and parts of at least 3.4e5
# elements 1.0x to 1.4x faster in two threads.
THREADS_MIN_STATES_FUSED_RNN = 3e5


def step_work(config: NetworkConfig, rows: int, window: int) -> float:
    """Multiply-adds of the recurrent layers' forward pass over ``rows`` windows."""
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[config.cell]
    directions = 2 if config.bidirectional else 1
    work, n_in = 0.0, config.n_inputs
    for _ in range(config.num_layers):
        h = config.hidden_size
        work += directions * gates * h * (h + n_in)
        n_in = h * directions
    return float(rows) * window * work


def state_elements(config: NetworkConfig, rows: int, window: int) -> float:
    """Hidden-state elements the recurrent layers compute over ``rows`` windows."""
    directions = 2 if config.bidirectional else 1
    return float(rows) * window * config.hidden_size * directions * config.num_layers


@partial(jax.jit, static_argnames="spec")
def _init_optimizer(spec: TrainSpec, params: dict) -> optax.OptState:
    """The optimizer state as one program (eagerly, one small one per leaf)."""
    return make_optimizer(spec).init(params)


def _worth_splitting(
    config: NetworkConfig, rows: int, window: int, train: bool = True
) -> bool:
    """Whether a part of ``rows`` windows is worth a second thread here
    (training, or with ``train=False`` inference)."""
    if jax.default_backend() != "cpu" or len(jax.devices()) > 1:
        return False
    if train and config.cell == "rnn" and config.fused:
        return state_elements(config, rows, window) >= THREADS_MIN_STATES_FUSED_RNN
    return step_work(config, rows, window) >= THREADS_MIN_WORK


def _default_engine(spec: TrainSpec, window: int) -> str:
    """``"threads"`` on one CPU device for steps worth splitting, else ``"scan"``."""
    rows = -(-spec.batch_size // 2)
    return "threads" if _worth_splitting(spec.network, rows, window) else "scan"


def _scan_epochs(spec, X, Y, X_val, Y_val, n_val):
    """The ``"scan"`` engine: data padded and placed on the device(s) once."""
    n_train, n_bucket = len(X), bucket(len(X), spec.batch_size)
    X_dev = jnp.asarray(pad_rows(X, n_bucket))
    Y_dev = jnp.asarray(pad_rows(Y, n_bucket))
    v_bucket = bucket(max(len(X_val), 1))
    X_val = jnp.asarray(pad_rows(X_val, v_bucket))
    Y_val = jnp.asarray(pad_rows(Y_val, v_bucket))
    mesh = data_mesh(spec.batch_size)
    replicated = None if mesh is None else NamedSharding(mesh, PartitionSpec())
    if mesh is not None:  # replicate the data; train_epoch shards each batch
        X_dev, Y_dev, X_val, Y_val = jax.device_put(
            (X_dev, Y_dev, X_val, Y_val), replicated
        )

    padding = np.arange(n_train, n_bucket)

    def run_epoch(params, opt_state, order, seed):
        if replicated is not None:
            params, opt_state = jax.device_put((params, opt_state), replicated)
        order = np.concatenate([order, padding]).astype(np.int32)
        params, opt_state, stats = train_epoch(
            spec, params, opt_state, X_dev, Y_dev, n_train, X_val, Y_val, n_val,
            order, seed, mesh=mesh,
        )
        return params, opt_state, jax.device_get(stats)

    return run_epoch


def _epochs(spec, run_epoch, params, opt_state, rng, n_train, max_epochs, n_val,
            patience, on_epoch):
    """The epoch loop both engines share: the shuffles and dropout seeds (from
    ``rng``), the history, the non-finite stop and early stopping."""
    history = {k: [] for k in ("epoch", *EpochStats._fields[:-1])}
    best_params, best_loss, waited = params, np.inf, 0
    for epoch in range(1, max_epochs + 1):
        order = rng.permutation(n_train)
        seed = rng.integers(0, 2**32, size=2, dtype=np.uint32)
        new_params, opt_state, stats = run_epoch(params, opt_state, order, seed)
        record = {
            name: float(getattr(stats, name)) for name in history if name != "epoch"
        }
        if not (np.isfinite(record["train_loss"]) and stats.finite):
            warnings.warn(
                f"Training stopped at epoch {epoch}: the loss became non-finite "
                f"({record['train_loss']}), a sign of exploding gradients. The "
                f"parameters after epoch {epoch - 1} are kept. Lower "
                f"`learning_rate` (now {spec.learning_rate}) or clip gradients "
                f"harder with a smaller `clip_norm` (now {spec.clip_norm}).",
                RuntimeWarning,
                stacklevel=4,
            )
            break
        params = new_params
        history["epoch"].append(epoch)
        for name, value in record.items():
            history[name].append(value)
        if on_epoch is not None:
            on_epoch(epoch, record)
        if n_val and patience is not None:
            if record["val_loss"] < best_loss:
                best_params, best_loss, waited = params, record["val_loss"], 0
            else:
                waited += 1
                if waited >= patience:
                    break
    if n_val and patience is not None and np.isfinite(best_loss):
        params = best_params
    return params, history


def predict_network(
    config: NetworkConfig, params: dict, X: np.ndarray, chunk: int = 4096
) -> np.ndarray:
    """Outputs ``(n, n_outputs)`` for windows ``X``, in padded chunks.

    Chunks are padded to a power of two of at least two rows (few compiled
    programs): a single window runs a two-row program, which on a 2-core CPU
    answered a C2-sized LSTM in 0.8 ms against 12 ms for the 32-row program
    of 0.3.0 (benchmarks/README.md). One row is avoided: XLA computes a lone
    row by another kernel, whose rounding differs from a batch's. From two to
    32 rows, a window's forecast is the same bit for bit whichever windows
    share its call (tested). On a single CPU
    device, when half the windows are worth a core (:data:`THREADS_MIN_WORK`),
    the two halves run at once in two threads, as in training.
    """
    if len(X) == 0:
        return np.zeros((0, config.n_outputs), np.float32)
    half = len(X) // 2
    if half == 0 or not _worth_splitting(config, half, X.shape[1], train=False):
        return _predict_chunks(config, params, X, chunk)
    params = jax.device_put(params)  # once for both threads
    calls = [(config, params, part, chunk) for part in (X[:half], X[half:])]
    return np.concatenate(_in_parallel(_predict_pool(), _predict_chunks, calls))


def _predict_chunks(config, params, X, chunk):
    out = []
    for start in range(0, len(X), chunk):
        part = X[start : start + chunk]
        padded = pad_rows(part, bucket(len(part), 2))
        batch = predict_batch(config, params, jnp.asarray(padded))
        out.append(np.asarray(batch)[: len(part)])
    return np.concatenate(out)


_PREDICT_POOL: list[ThreadPoolExecutor | None] = []


def _predict_pool() -> ThreadPoolExecutor | None:
    """The worker thread of :func:`predict_network`, started on first use."""
    if not _PREDICT_POOL:
        _PREDICT_POOL.append(_pool())
    return _PREDICT_POOL[0]
