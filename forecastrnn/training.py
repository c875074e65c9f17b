"""Training: jit-compiled backpropagation through time with optax.

Two engines run the same mini-batch updates (:func:`fit_network` picks one,
:func:`forecastrnn.engine.default_engine` says which ``"auto"`` takes):

``"threads"`` (one CPU device, unless the network is small)
    Each mini-batch is cut into two halves whose gradient sums
    (:func:`part_gradient`) are computed at once in two threads, then added
    and applied by one compiled optimizer update (:func:`apply_gradients`);
    :func:`forecastrnn.engine.threads_epoch` runs them. The halves always
    exist, so a model trained on one core equals the same model trained on
    two, bit for bit. Rows are gathered on the host and short batches are
    padded with zero-weight rows, so the compiled programs depend on the
    window shape and batch size only: a backtest whose training set grows
    fold by fold compiles the training step once.
``"scan"`` (accelerators, several devices, small networks)
    One compiled call runs a whole epoch (:func:`train_epoch`: a ``lax.scan``
    over mini-batches, then the validation loss), so Python is entered once
    per epoch. The training windows are padded to a power-of-two number of
    batches and the padding is masked out (empty batches are skipped with
    ``lax.cond``), so a growing training set reuses the compiled epoch. With
    more than one JAX device (several GPUs, or CPU devices from
    ``XLA_FLAGS=--xla_force_host_platform_device_count=N``) training is
    data-parallel: each mini-batch is sharded over the devices along the batch
    axis and the parameters and optimizer state are replicated (see
    :func:`forecastrnn.engine.data_mesh`); the result equals single-device
    training up to float rounding.

The engines agree up to float rounding without dropout or augmentation; with
them the random masks differ (each half draws its own), so the two engines
train different, equally valid models.

Prediction, the device mesh and the engine choice live in
:mod:`forecastrnn.engine`; their 0.5.0 names here (``predict_network``,
``predict_batch``, ``data_mesh``, ``bucket``, ``pad_rows``, ``step_work``,
``state_elements``, ``THREADS_MIN_WORK``, ``THREADS_MIN_STATES_FUSED_RNN``)
still work and warn.
"""

from __future__ import annotations

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

from . import engine as _engine  # `engine` is fit_network's argument
from . import losses
from .epoch_loop import run_epochs
from .indexed_windows import IndexedWindows, WindowLayout, cut_windows
from .nn.cells import host_rng
from .nn.network import NetworkConfig, apply_network
from .sampling import epoch_sampler

__all__ = [
    "EpochStats",
    "TrainSpec",
    "TrainState",
    "apply_gradients",
    "batch_rows",
    "check_training_callables",
    "fit_network",
    "make_optimizer",
    "optimizer_state",
    "part_gradient",
    "sample_losses",
    "train_epoch",
]

# 0.5.0 names that moved to forecastrnn.engine: still served here, with a warning
_MOVED = (
    "THREADS_MIN_STATES_FUSED_RNN",
    "THREADS_MIN_WORK",
    "bucket",
    "data_mesh",
    "pad_rows",
    "predict_batch",
    "predict_network",
    "state_elements",
    "step_work",
)


def __getattr__(name: str):
    """The 0.5.0 names that moved to :mod:`forecastrnn.engine`, with a warning."""
    if name in _MOVED:
        warnings.warn(
            f"`forecastrnn.training.{name}` moved to `forecastrnn.engine.{name}`; "
            "import it from there.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(_engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class TrainSpec(NamedTuple):
    """Everything static about a training run (hashable: it keys compiled code).

    ``optimizer`` is the name of an optax optimizer taking a learning rate
    (``"adam"``, ``"sgd"``, ``"rmsprop"``, ...) or a callable
    ``learning_rate -> optax.GradientTransformation``. ``augment``, if given,
    is an ``augment(key, X, Y) -> (X, Y)`` applied to every training
    mini-batch (never to the validation windows), e.g.
    :func:`forecastrnn.augment.make_jitter`; it must be hashable and compare
    by value (the augmentations of :mod:`forecastrnn.augment` do).
    ``missing_targets``: the targets may hold NaN, missing values masked out
    of the loss (off, the loss is compiled without the mask).
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
    missing_targets: bool = False


class EpochStats(NamedTuple):
    """Per-epoch figures returned by :func:`train_epoch`."""

    train_loss: Array
    val_loss: Array
    grad_norm: Array
    grad_norm_max: Array
    finite: Array  # every parameter finite after the epoch


class TrainState(NamedTuple):
    """A training run after some epochs: all :func:`fit_network` needs to go on.

    :func:`fit_network` takes one in place of the initial parameters and
    continues the run exactly (the same shuffles, dropout masks, optimizer
    moments and early-stopping count as if it had never stopped); its
    ``on_checkpoint`` callback receives them. Only ``params`` is required: a
    state of just the parameters and a ``history`` continues the epoch
    numbers with a fresh optimizer and a fresh early-stopping count
    (fine-tuning).
    """

    params: dict  # after the last epoch done
    opt_state: optax.OptState | None = None  # None: a fresh optimizer state
    history: dict | None = None  # the epochs done, as fit_network returns it
    best_params: dict | None = None  # of the best validation epoch so far
    best_loss: float = np.inf
    best_epoch: int = 0
    waited: int = 0  # epochs since the best one
    rng_state: dict | None = None  # the host generator's ``bit_generator.state``
    stopped: bool = False  # early stopping or a non-finite loss ended the run

    @property
    def epoch(self) -> int:
        """The number of the last epoch done (0: none)."""
        epochs = (self.history or {}).get("epoch", [])
        return int(epochs[-1]) if len(epochs) else 0


def check_training_callables(optimizer, augment) -> None:
    """``optimizer`` names an optax optimizer or is a callable, and ``augment``
    is None or a hashable callable; else ValueError or TypeError saying so."""
    named = isinstance(optimizer, str) and callable(getattr(optax, optimizer, None))
    if not callable(optimizer) and not named:
        raise ValueError(
            "`optimizer` must name an optax optimizer such as 'adam', 'sgd' or "
            f"'rmsprop', or be a callable learning_rate -> GradientTransformation; "
            f"got {optimizer!r}."
        )
    if augment is None:
        return
    if not callable(augment):
        raise TypeError(
            "`augment` must be None or a callable augment(key, X, Y) -> (X, Y) "
            f"such as forecastrnn.augment.make_jitter(0.05); got "
            f"{type(augment).__name__} {augment!r}."
        )
    try:
        hash(augment)
    except TypeError:
        raise TypeError(
            "`augment` must be hashable (it keys the compiled training "
            "step); wrap your function as a module-level function or use "
            "the augmentations of forecastrnn.augment."
        ) from None


def make_optimizer(spec: TrainSpec) -> optax.GradientTransformation:
    """The optax chain: clip by global norm, then the optimizer.

    Weight decay is decoupled (AdamW) for ``"adam"``; for other optimizers it
    adds ``weight_decay * params`` to the gradient (L2 regularisation). For an
    ensemble (``spec.network.members > 1``) the chain runs on each member on
    its own (``vmap``): each is clipped by its own gradient norm and keeps its
    own optimizer state, exactly as if it were trained alone.
    """
    chain = _optimizer_chain(spec)
    if spec.network.members == 1:
        return chain
    return optax.GradientTransformation(jax.vmap(chain.init), jax.vmap(chain.update))


def _optimizer_chain(spec: TrainSpec) -> optax.GradientTransformation:
    """:func:`make_optimizer` for one network."""
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
    """Loss per sample ``(batch,)``: the elementwise loss averaged over outputs.

    With ``spec.missing_targets``, a NaN target is a missing value: its loss
    is zero and sends no gradient (the sample's other outputs still count,
    the average stays over all of them). An ensemble's outputs
    ``(members, batch, n_outputs)`` give ``(members, batch)``, against
    targets ``(batch, horizon)`` all members share or one batch per member.
    """
    if y_pred.ndim == y_true.ndim + 1:
        y_true = jnp.broadcast_to(y_true, (y_pred.shape[0], *y_true.shape))
    missing = jnp.isnan(y_true) if spec.missing_targets else None
    if missing is not None:
        y_true = jnp.where(missing, 0.0, y_true)
    if spec.loss == "quantile":
        q = jnp.asarray(spec.quantiles, jnp.float32)
        y_pred = y_pred.reshape(*y_true.shape, len(spec.quantiles))
        elementwise = losses.pinball(y_pred, y_true, q)
        missing = None if missing is None else missing[..., None]
    else:
        elementwise = getattr(losses, spec.loss)(y_pred, y_true)
    if missing is not None:
        elementwise = jnp.where(missing, 0.0, elementwise)
    return elementwise.reshape(*y_true.shape[:-1], -1).mean(axis=-1)


def _member_loss_sums(spec, params, X, Y, w, key):
    """Weighted loss sum over the batch (weights ``w`` of shape ``(batch,)``):
    a scalar, or one per member ``(members,)`` for an ensemble."""
    per_sample = sample_losses(spec, apply_network(spec.network, params, X, key=key), Y)
    return jnp.sum(per_sample * jnp.broadcast_to(w, per_sample.shape), axis=-1)


def _loss_sum(spec, params, X, Y, w, key):
    """The weighted loss sum of every member: its gradient with respect to a
    member's parameters is that member's alone."""
    return jnp.sum(_member_loss_sums(spec, params, X, Y, w, key))


def _weighted_loss(spec, params, X, Y, w, key):
    return _loss_sum(spec, params, X, Y, w, key) / jnp.maximum(jnp.sum(w), 1.0)


def _grad_norm(spec, grads) -> Array:
    """The global gradient norm; for an ensemble, the members' mean."""
    if spec.network.members == 1:
        return optax.tree.norm(grads)
    return jnp.mean(jax.vmap(optax.tree.norm)(grads))


def _augmented(spec, key, X, Y):
    """``spec.augment`` applied to a batch (each member's, for an ensemble
    that reads one batch per member), in the batch's dtypes."""
    lead = X.shape[:-2]
    X_aug, Y_aug = spec.augment(
        key, X.reshape(-1, *X.shape[-2:]), Y.reshape(-1, Y.shape[-1])
    )
    X_aug = X_aug.reshape(*lead, *X_aug.shape[-2:]).astype(X.dtype)
    return X_aug, Y_aug.reshape(*lead, Y_aug.shape[-1]).astype(Y.dtype)


def batch_rows(
    layout: WindowLayout | None, data: tuple, positions: Array
) -> tuple[Array, Array]:
    """The windows and targets at ``positions`` of ``data``, in compiled code.

    Parameters
    ----------
    layout : WindowLayout or None
        None: ``data``'s arrays are materialised windows ``(X, Y)``; else
        the flat ``(values, targets, periods)`` windows are cut from
        (:func:`~forecastrnn.indexed_windows.cut_windows`; ``periods``: the
        season at each row, see
        :meth:`~forecastrnn.indexed_windows.IndexedWindows.row_periods`).
    data : ((array, array), array)
        The arrays and the index of the rows trained on: rows of ``X`` and
        ``Y``, or window starts in ``values``.
    positions : array of int
        Positions in the index, ``(batch,)``, or ``(members, batch)`` for an
        ensemble's batch per member; one past its end reads its last row
        (padding, given zero weight by the caller).

    Returns
    -------
    X, Y : array
        Network inputs and targets, with the leading axes of ``positions``.
    """
    arrays, index = data
    rows = jnp.take(index, positions.reshape(-1), mode="clip")
    if layout is None:
        X, Y = (jnp.take(a, rows, axis=0) for a in arrays)
    else:
        values, targets, periods = arrays
        X, Y, _ = cut_windows(layout, values, rows, targets, periods[rows])
    lead = positions.shape
    return X.reshape(*lead, *X.shape[1:]), Y.reshape(*lead, *Y.shape[1:])


@partial(jax.jit, static_argnames=("spec", "layout", "mesh"))
def train_epoch(
    spec: TrainSpec,
    layout: WindowLayout | None,
    params: dict,
    opt_state: optax.OptState,
    data: tuple,
    n_train: Array,
    val_data: tuple,
    n_val: Array,
    order: Array,
    seed: Array,
    mesh: Mesh | None = None,
) -> tuple[dict, optax.OptState, EpochStats]:
    """One epoch: mini-batch updates in the given order, then the validation loss.

    ``data`` (see :func:`batch_rows`) holds ``n_train`` real rows in its index,
    followed by padding; ``val_data`` holds ``n_val`` (``n_val = 0``: no
    validation, ``val_loss`` is NaN). Each mini-batch's windows are gathered
    (and, with a ``layout``, cut and normalised) inside this program.
    ``order`` is the shuffle, a multiple of the batch size long: the epoch's
    real positions (all of them, or a sample) followed by padding positions
    (``>= n_train``); an ensemble takes one row per member ``(members, n)``,
    every row with its padding in the same places. The dropout masks and the
    augmentation (``spec.augment``) come from ``seed`` (the ``uint32[2]`` data
    of a PRNG key), so a run is reproducible bit for bit. With a ``mesh`` (from
    :func:`forecastrnn.engine.data_mesh`) each mini-batch is sharded over its
    devices.
    """
    optimizer = make_optimizer(spec)
    batch_size = spec.batch_size
    # (n_batches, [members,] batch_size)
    order = jnp.moveaxis(order.reshape(*order.shape[:-1], -1, batch_size), -2, 0)
    batch_axis = order.ndim - 2
    k_drop = jax.random.wrap_key_data(seed)
    grad_fn = jax.value_and_grad(partial(_weighted_loss, spec))

    def update(carry, idx, k):
        params, opt_state = carry
        w = (idx.reshape(-1, batch_size)[0] < n_train).astype(jnp.float32)
        xb, yb = batch_rows(layout, data, idx)
        if spec.augment is not None:
            k_aug, k = jax.random.split(k)
            xb, yb = _augmented(spec, k_aug, xb, yb)
        xb, yb = (_engine.shard_batch(mesh, a, batch_axis) for a in (xb, yb))
        w = _engine.shard_batch(mesh, w)
        loss, grads = grad_fn(params, xb, yb, w, k)
        norm = _grad_norm(spec, grads)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        stats = jnp.stack([loss * w.sum() / spec.network.members, norm, w.sum()])
        return (optax.apply_updates(params, updates), opt_state), stats

    def skip(carry, idx, k):
        return carry, jnp.zeros(3, jnp.float32)

    def batch(carry, inputs):
        idx, k = inputs
        return jax.lax.cond(idx.reshape(-1)[0] < n_train, update, skip, carry, idx, k)

    keys = jax.random.split(k_drop, order.shape[0])
    (params, opt_state), stats = jax.lax.scan(batch, (params, opt_state), (order, keys))
    n_batches = jnp.maximum(jnp.sum(stats[:, 2] > 0), 1)
    n_val_rows = val_data[1].shape[0]
    X_val, Y_val = batch_rows(layout, val_data, jnp.arange(n_val_rows))
    w_val = (jnp.arange(n_val_rows) < n_val).astype(jnp.float32)
    val_sums = _member_loss_sums(spec, params, X_val, Y_val, w_val, None)
    val_loss = val_sums / jnp.maximum(jnp.sum(w_val), 1.0)
    return params, opt_state, EpochStats(
        train_loss=jnp.sum(stats[:, 0]) / jnp.maximum(jnp.sum(stats[:, 2]), 1),
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

    The ``"threads"`` engine's training step (its windows gathered by
    :func:`batch_rows` in a program of their own, so that this one is
    compiled once for any training set). The dropout masks and the
    augmentation come from the epoch's ``seed`` (the ``uint32[2]`` data of a
    PRNG key) folded with the batch and part numbers, so every part draws its
    own and a run is reproducible bit for bit.
    """
    k = jax.random.wrap_key_data(seed)
    k = jax.random.fold_in(jax.random.fold_in(k, batch), part)
    if spec.augment is not None:
        k_aug, k = jax.random.split(k)
        X, Y = _augmented(spec, k_aug, X, Y)
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
    gradient norm before clipping]`` (an ensemble's: the members' mean loss
    sum and mean norm). ``weight`` is the rows of the batch (of each member).
    """
    total = jax.tree.map(lambda *g: sum(g) / jnp.maximum(weight, 1.0), *grads)
    norm = _grad_norm(spec, total)
    updates, opt_state = make_optimizer(spec).update(total, opt_state, params)
    stats = jnp.stack([sum(loss_sums) / spec.network.members, norm])
    return optax.apply_updates(params, updates), opt_state, stats


@partial(jax.jit, static_argnames="spec")
def _validation_sum(spec, params, X, Y, w):
    return _member_loss_sums(spec, params, X, Y, w, None)


_gather = jax.jit(batch_rows, static_argnames="layout")


def fit_network(
    spec: TrainSpec,
    params: dict | TrainState,
    X: np.ndarray | IndexedWindows,
    Y: np.ndarray | None = None,
    *,
    key: Array,
    max_epochs: int,
    validation: tuple | IndexedWindows | None = None,
    patience: int | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    engine: str = "auto",
    groups: np.ndarray | None = None,
    samples_per_group: int | None = None,
    on_checkpoint: Callable[[TrainState], None] | None = None,
) -> tuple[dict, dict]:
    """Train ``params`` on windows ``X`` (``(n, window_size, n_inputs)``) and ``Y``,
    or on :class:`~forecastrnn.indexed_windows.IndexedWindows`.

    Parameters
    ----------
    spec : TrainSpec
    params : dict or TrainState
        Initial network parameters, or the state of a run to continue (from
        ``on_checkpoint``): its epochs count towards ``max_epochs``, its
        history is continued, and its generator state, when it has one,
        replaces ``key``.
    X, Y : numpy.ndarray
        Training windows and targets, float32; or ``X`` an
        :class:`~forecastrnn.indexed_windows.IndexedWindows` and ``Y`` None:
        each mini-batch's windows are then cut from its flat values inside
        the compiled step, so memory grows with the length of the series,
        not with the number of windows.
    key : jax.Array, numpy.random.Generator or int
        Drives the shuffles, the dropout masks and the augmentation (drawn on
        the host, see :func:`~forecastrnn.nn.cells.host_rng`).
    max_epochs : int
        The number of the last epoch: a run continued from a state of ``k``
        epochs runs ``max_epochs - k`` more (none if ``k >= max_epochs``).
    validation : (X_val, Y_val) or IndexedWindows, optional
        Held-out windows (of the same kind as ``X``); with ``patience``
        they drive early stopping and the parameters of the best validation
        epoch are returned.
    patience : int, optional
        Epochs without improvement of the validation loss before stopping.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, record)`` after each epoch (progress bars).
    engine : {"auto", "threads", "scan"}, default "auto"
        How the mini-batch updates run (see the module docstring). ``"auto"``
        takes :func:`forecastrnn.engine.default_engine`'s choice, which
        depends on the shapes and the platform, never on the number of cores.
    groups : numpy.ndarray of shape (n,), optional
        A label per training window (the series it was cut from). With
        ``samples_per_group``, each epoch trains on a fresh sample of at most
        that many windows of every group, drawn without replacement and
        shuffled together, so that long series do not drown short ones and
        an epoch costs the same however long the series are.
    samples_per_group : int, optional
        See ``groups``; None trains on every window every epoch.
    on_checkpoint : callable, optional
        Called as ``on_checkpoint(state)`` with the run's :class:`TrainState`
        after each epoch that improves the best validation loss (every epoch
        without early stopping), and once more when training ends (stopped
        early, at a non-finite loss or by ``KeyboardInterrupt``, or after
        epochs that did not improve), so that a run can be saved and
        continued exactly.

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
        and the parameters from before that epoch are kept. When a
        ``KeyboardInterrupt`` (Ctrl-C) stops training: the best (or last)
        parameters so far and the history of the epochs done are returned.
    """
    if engine == "auto":
        steps = X.layout.steps if isinstance(X, IndexedWindows) else X.shape[1]
        engine = _engine.default_engine(spec.network, spec.batch_size, steps)
    if engine not in _engine.ENGINES:
        raise ValueError(
            f"`engine` must be 'auto', 'threads' or 'scan'; got {engine!r}."
        )
    state = params if isinstance(params, TrainState) else TrainState(params)
    if state.opt_state is None:
        state = state._replace(opt_state=_init_optimizer(spec, state.params))
    rng = host_rng(key) if state.rng_state is None else _generator(state.rng_state)
    layout, data, val_data = _device_data(spec, X, Y, validation)
    if validation is None:
        n_val = 0
    else:
        n_val = len(validation if layout is not None else validation[0])
    draw = epoch_sampler(len(X), groups, samples_per_group, spec.network.members)
    pool = _engine.worker_pool() if engine == "threads" else None
    if engine == "threads":
        run_epoch = _threads_epochs(spec, layout, data, (val_data, n_val), pool)
    else:
        run_epoch = _scan_epochs(spec, layout, data, len(X), val_data, n_val)
    try:
        return run_epochs(
            spec, run_epoch, state, rng, draw, max_epochs,
            bool(n_val) and patience is not None, patience, on_epoch, on_checkpoint,
            EpochStats._fields[:-1],
        )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _generator(rng_state: dict) -> np.random.Generator:
    """A NumPy generator in the saved ``bit_generator.state`` ``rng_state``."""
    name = rng_state.get("bit_generator") if isinstance(rng_state, dict) else None
    if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise ValueError(
            "`rng_state` must be a NumPy bit generator's state (a dict with "
            f"'bit_generator': 'PCG64', ...); got {rng_state!r:.80}."
        )
    bit_generator = getattr(np.random, name)()
    bit_generator.state = rng_state
    return np.random.Generator(bit_generator)


def optimizer_state(
    spec: TrainSpec, params: dict, leaves: list | None = None
) -> optax.OptState:
    """The optimizer state of ``spec`` for ``params``: fresh, or from saved leaves.

    Parameters
    ----------
    spec : TrainSpec
    params : dict
        Network parameters.
    leaves : list of array, optional
        ``jax.tree.leaves`` of a state of this optimizer for parameters of
        these shapes (as a checkpoint stores it). None: a fresh state.

    Returns
    -------
    optax.OptState

    Raises
    ------
    ValueError
        If ``leaves`` do not fit this optimizer and these parameters.
    """
    fresh = _init_optimizer(spec, params)
    if leaves is None:
        return fresh
    expected = jax.tree.leaves(fresh)
    shapes = [np.shape(a) for a in expected]
    got = [np.shape(a) for a in leaves]
    if shapes != got:
        raise ValueError(
            f"`leaves` ({len(got)} arrays) do not make a state of this optimizer "
            f"({spec.optimizer!r}, {len(shapes)} arrays) for these parameters: "
            f"shapes {got[:4]}... against {shapes[:4]}.... Pass the leaves of a "
            "state of the same optimizer and network."
        )
    restored = [
        np.asarray(a, np.asarray(e).dtype)
        for a, e in zip(leaves, expected, strict=True)
    ]
    return jax.tree.unflatten(jax.tree.structure(fresh), restored)


@partial(jax.jit, static_argnames="spec")
def _init_optimizer(spec: TrainSpec, params: dict) -> optax.OptState:
    """The optimizer state as one program (eagerly, one small one per leaf)."""
    return make_optimizer(spec).init(params)


def _device_data(spec, X, Y, validation):
    """The layout (None: materialised windows) and the training and validation
    data as :func:`batch_rows` reads them, on the device(s) once.

    The arrays and indexes are padded to power-of-two buckets (see
    :func:`forecastrnn.engine.bucket`), so that a training set that grows
    (a backtest's folds) reuses the compiled steps; the validation data of
    windows cut from the flat values shares them.
    """
    mesh = _engine.data_mesh(spec.batch_size)
    place = (
        jnp.asarray
        if mesh is None
        else partial(jax.device_put, device=NamedSharding(mesh, PartitionSpec()))
    )

    def padded(a, multiple=1, size=None):
        size = _engine.bucket(len(a), multiple) if size is None else size
        return place(_engine.pad_rows(np.asarray(a), size))

    if isinstance(X, IndexedWindows):
        if Y is not None:
            raise ValueError(
                "`Y` must be None with IndexedWindows `X`: the targets are in "
                f"`X.targets`; got {type(Y).__name__}."
            )
        # the series' values (the bulk of the memory) padded by at most 1/8
        size = _engine.fine_bucket(len(X.values))
        arrays = tuple(
            padded(a, size=size) for a in (X.values, X.targets, X.row_periods())
        )
        val_starts = X.starts[:1] if validation is None else validation.starts
        return (
            X.layout,
            (arrays, padded(X.starts.astype(np.int32), spec.batch_size)),
            (arrays, padded(val_starts.astype(np.int32))),
        )
    X_val, Y_val = (X[:1], Y[:1]) if validation is None else validation
    train = (padded(X, spec.batch_size), padded(Y, spec.batch_size))
    val = (padded(X_val), padded(Y_val))
    return (
        None,
        (train, jnp.arange(len(train[0]))),
        (val, jnp.arange(len(val[0]))),
    )


def _threads_epochs(spec, layout, data, validation, pool):
    """The ``"threads"`` engine: :func:`forecastrnn.engine.threads_epoch` running
    this spec's steps, with :func:`train_epoch`'s figures."""
    val_data, n_val = validation

    def part(params, positions, w, seed, batch, part):
        X, Y = _gather(layout, data, positions)
        return part_gradient(spec, params, X, Y, w, seed, batch, part)

    def validation_sum(params, positions, w):
        X, Y = _gather(layout, val_data, positions)
        return _validation_sum(spec, params, X, Y, w)

    steps = _engine.ThreadsSteps(part, partial(apply_gradients, spec), validation_sum)

    def run_epoch(params, opt_state, order, seed):
        params, opt_state, stats, val_sum = _engine.threads_epoch(
            steps, params, opt_state, n_val, order, seed, spec.batch_size, pool,
        )
        leaves = jax.device_get(jax.tree.leaves(params))
        return params, opt_state, EpochStats(
            train_loss=stats[:, 0].sum() / max(order.shape[-1], 1),
            val_loss=val_sum / max(n_val, 1),
            grad_norm=stats[:, 1].mean(),
            grad_norm_max=stats[:, 1].max(),
            finite=all(np.isfinite(a).all() for a in leaves),
        )

    return run_epoch


def _scan_epochs(spec, layout, data, n_train, val_data, n_val):
    """The ``"scan"`` engine: one compiled call an epoch."""
    mesh = _engine.data_mesh(spec.batch_size)
    replicated = None if mesh is None else NamedSharding(mesh, PartitionSpec())
    n_bucket = data[1].shape[0]

    def run_epoch(params, opt_state, order, seed):
        if replicated is not None:
            params, opt_state = jax.device_put((params, opt_state), replicated)
        # padding positions fill the order up to a whole number of batches:
        # past the real rows, with zero weight
        n = order.shape[-1]
        padding = np.full(
            (*order.shape[:-1], _engine.bucket(n, spec.batch_size) - n), n_bucket
        )
        order = np.concatenate([order, padding], axis=-1).astype(np.int32)
        params, opt_state, stats = train_epoch(
            spec, layout, params, opt_state, data, n_train, val_data, n_val,
            order, seed, mesh=mesh,
        )
        return params, opt_state, jax.device_get(stats)

    return run_epoch
