"""Training: jit-compiled backpropagation through time with optax.

One compiled call runs a whole epoch (a ``lax.scan`` over mini-batches, then the
validation loss), so Python is entered once per epoch, not once per batch.
Shapes are bucketed: the training windows are padded to a power-of-two number
of batches and the padding is masked out (empty batches are skipped with
``lax.cond``), so a backtest whose training set grows fold by fold reuses the
compiled epoch instead of recompiling it for every fold.

With more than one JAX device (several GPUs, or CPU devices from
``XLA_FLAGS=--xla_force_host_platform_device_count=N``) training is
data-parallel: each mini-batch is sharded over the devices along the batch axis
and the parameters and optimizer state are replicated (see :func:`data_mesh`);
the result equals single-device training up to float rounding.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from . import losses
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


def _weighted_loss(spec, params, X, Y, w, key):
    per_sample = sample_losses(spec, apply_network(spec.network, params, X, key=key), Y)
    return jnp.sum(per_sample * w) / jnp.maximum(jnp.sum(w), 1.0)


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
    key: Array,
    mesh: Mesh | None = None,
) -> tuple[dict, optax.OptState, EpochStats]:
    """One epoch: shuffled mini-batch updates, then the validation loss.

    ``X`` (``(n_bucket, window_size, n_inputs)``, ``n_bucket`` a multiple of the
    batch size) holds ``n_train`` real windows followed by padding; ``X_val``
    holds ``n_val`` real windows followed by padding (``n_val = 0``: no
    validation, ``val_loss`` is NaN). The shuffle, the dropout masks and the
    augmentation (``spec.augment``) come from ``key``, so a run is
    reproducible bit for bit. With a ``mesh`` (from
    :func:`data_mesh`) each mini-batch is sharded over its devices.
    """
    optimizer = make_optimizer(spec)
    n_bucket, batch_size = X.shape[0], spec.batch_size
    k_perm, k_drop = jax.random.split(key)
    u = jax.random.uniform(k_perm, (n_bucket,))
    u = jnp.where(jnp.arange(n_bucket) < n_train, u, 2.0)  # padding sorts last
    order = jnp.argsort(u).reshape(n_bucket // batch_size, batch_size)
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
) -> tuple[dict, dict]:
    """Train ``params`` on windows ``X`` (``(n, window_size, n_inputs)``) and ``Y``.

    Parameters
    ----------
    spec : TrainSpec
    params : dict
        Initial network parameters.
    X, Y : numpy.ndarray
        Training windows and targets, float32.
    key : jax.Array
        Drives the shuffles and the dropout masks.
    max_epochs : int
    validation : (X_val, Y_val), optional
        Held-out windows; with ``patience`` they drive early stopping and the
        parameters of the best validation epoch are returned.
    patience : int, optional
        Epochs without improvement of the validation loss before stopping.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, record)`` after each epoch (progress bars).

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
    optimizer = make_optimizer(spec)
    opt_state = optimizer.init(params)
    n_bucket = bucket(len(X), spec.batch_size)
    X_dev = jnp.asarray(pad_rows(X, n_bucket))
    Y_dev = jnp.asarray(pad_rows(Y, n_bucket))
    if validation is None:
        X_val, Y_val = X[:1], Y[:1]
        n_val = 0
    else:
        X_val, Y_val = validation
        n_val = len(X_val)
    v_bucket = bucket(max(len(X_val), 1))
    X_val = jnp.asarray(pad_rows(X_val, v_bucket))
    Y_val = jnp.asarray(pad_rows(Y_val, v_bucket))
    mesh = data_mesh(spec.batch_size)
    if mesh is not None:  # replicate everything; train_epoch shards each batch
        replicated = NamedSharding(mesh, PartitionSpec())
        params, opt_state, X_dev, Y_dev, X_val, Y_val = jax.device_put(
            (params, opt_state, X_dev, Y_dev, X_val, Y_val), replicated
        )
    history = {k: [] for k in ("epoch", *EpochStats._fields[:-1])}
    best_params, best_loss, waited = params, np.inf, 0
    for epoch, k in enumerate(jax.random.split(key, max_epochs), start=1):
        new_params, opt_state, stats = train_epoch(
            spec, params, opt_state, X_dev, Y_dev, len(X), X_val, Y_val, n_val, k,
            mesh=mesh,
        )
        stats = jax.device_get(stats)
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
                stacklevel=3,
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

    Chunks are padded to ``32 * 2**k`` rows: few compiled programs, and every
    batch of up to 32 windows runs the same program, so a window's forecast
    does not depend on which other windows share its call.
    """
    out = []
    for start in range(0, len(X), chunk):
        part = X[start : start + chunk]
        padded = pad_rows(part, bucket(len(part), 32))
        batch = predict_batch(config, params, jnp.asarray(padded))
        out.append(np.asarray(batch)[: len(part)])
    return np.concatenate(out) if out else np.zeros((0, config.n_outputs), np.float32)
