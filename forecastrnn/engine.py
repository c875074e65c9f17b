"""How compiled programs run: the CPU engine, the device mesh, prediction batches.

:mod:`forecastrnn.training` says what a training step computes; this module
says how it runs on the hardware at hand:

the engine choice
    :func:`default_engine` picks ``"threads"`` or ``"scan"`` (see
    :func:`forecastrnn.training.fit_network`) from the shapes of a step,
    by rules measured on a 2-core CPU (:data:`THREADS_MIN_WORK`,
    :data:`THREADS_MIN_STATES_FUSED_RNN`, :func:`step_work`,
    :func:`state_elements`).
the ``"threads"`` engine
    XLA's CPU runtime runs one program on one core at a time, so each
    mini-batch is cut into two halves whose gradient sums are computed by the
    same compiled program at once from two threads (JAX releases the GIL while
    a program runs), then added and applied by one compiled optimizer update
    (:func:`threads_epoch`, with the steps of :class:`ThreadsSteps`).
the device mesh
    With several JAX devices, :func:`data_mesh` and :func:`shard_batch` split
    each mini-batch over them.
prediction
    :func:`predict_network` runs windows in chunks of a fixed size (one
    compiled step, so a window's forecast does not depend on its call), in
    two threads when they are worth a core.

Shapes are bucketed (:func:`bucket`, :func:`pad_rows`) so that few programs
are compiled. The module knows networks (:class:`~forecastrnn.nn.NetworkConfig`)
but not losses or optimizers: the training steps it runs are passed in.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .nn.cells import get_cell
from .nn.network import NetworkConfig, apply_network

__all__ = [
    "ENGINES",
    "PREDICT_CHUNK",
    "THREADS_MIN_STATES_FUSED_RNN",
    "THREADS_MIN_WORK",
    "ThreadsSteps",
    "bucket",
    "data_mesh",
    "default_engine",
    "fine_bucket",
    "in_parallel",
    "pad_rows",
    "predict_batch",
    "predict_network",
    "shard_batch",
    "split_positions",
    "state_elements",
    "step_work",
    "threads_epoch",
    "worker_pool",
    "worth_splitting",
]

ENGINES = ("threads", "scan")

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

# Rows per compiled prediction step. Every window is computed by a step of
# exactly this many rows, so its forecast is the same bit for bit whichever
# windows share the call: XLA's CPU kernels change with the number of rows
# (below 8 rows, from 8 on, and again between 64 and 128 rows), and so does
# their rounding. Measured on 2 cores (min of runs, 0.6.0), one window / 10,000
# windows, chunks of 2, 4, 8, 32 rows against 0.5.0's padded batches:
#   rnn   H=64  T=24:  0.32/368, 0.32/228, 0.26/56,   0.42/60   vs 0.18/57 ms
#   lstm  H=64  T=24:  0.30/442, 0.23/199, 0.45/196,  1.01/178  vs 0.36/223 ms
#   gru   H=256 T=12:  0.79/3420, 0.70/2614, 0.94/1777, 3.19/1156 vs 0.79/895 ms
#   lstm  H=128 T=168 (2,000 windows): 1.9/1233, 2.1/1376, 4.9/945, 13.8/897
#   vs 1.9/917 ms.
# 8 rows keeps one window within 2.5x of 0.5.0 and 10,000 within 2x.
PREDICT_CHUNK = 8


# ----------------------------------------------------------- engine choice
def step_work(config: NetworkConfig, rows: int, window: int) -> float:
    """Multiply-adds of the recurrent layers' forward pass over ``rows`` windows
    (of every member of an ensemble).

    Parameters
    ----------
    config : NetworkConfig
    rows : int
        Windows in the step.
    window : int
        Time steps per window.

    Returns
    -------
    float
    """
    gates = get_cell(config.cell).n_gates
    directions = 2 if config.bidirectional else 1
    work, n_in = 0.0, config.n_inputs
    for _ in range(config.num_layers):
        h = config.hidden_size
        work += directions * gates * h * (h + n_in)
        n_in = h * directions
    return float(rows) * window * work * config.members


def state_elements(config: NetworkConfig, rows: int, window: int) -> float:
    """Hidden-state elements the recurrent layers compute over ``rows`` windows
    (of every member of an ensemble).

    Parameters
    ----------
    config : NetworkConfig
    rows : int
        Windows in the step.
    window : int
        Time steps per window.

    Returns
    -------
    float
    """
    directions = 2 if config.bidirectional else 1
    states = config.hidden_size * directions * config.num_layers * config.members
    return float(rows) * window * states


def worth_splitting(
    config: NetworkConfig, rows: int, window: int, *, train: bool = True
) -> bool:
    """Whether a part of ``rows`` windows is worth a second thread here.

    Parameters
    ----------
    config : NetworkConfig
    rows : int
        Windows in one part (half a mini-batch, or half the windows to predict).
    window : int
        Time steps per window.
    train : bool, default True
        A training step (forward and backward) or, with ``False``, inference.

    Returns
    -------
    bool
        Never on an accelerator or with several devices. On one CPU device:
        for training a cell run with its hand-written backward pass
        (``config.fused`` and ``get_cell(config.cell).fused``: the Elman
        cell), at least :data:`THREADS_MIN_STATES_FUSED_RNN` hidden-state
        elements (:func:`state_elements`); otherwise at least
        :data:`THREADS_MIN_WORK` forward multiply-adds (:func:`step_work`).
        The number of cores plays no part, so a model trains the same on any
        machine.
    """
    if jax.default_backend() != "cpu" or len(jax.devices()) > 1:
        return False
    if train and config.fused and get_cell(config.cell).fused:
        return state_elements(config, rows, window) >= THREADS_MIN_STATES_FUSED_RNN
    return step_work(config, rows, window) >= THREADS_MIN_WORK


def default_engine(config: NetworkConfig, batch_size: int, window: int) -> str:
    """The training engine ``engine="auto"`` picks for these shapes.

    Parameters
    ----------
    config : NetworkConfig
        The network as trained (its scan form included).
    batch_size : int
    window : int
        Time steps per window.

    Returns
    -------
    {"threads", "scan"}
        ``"threads"`` when half a mini-batch is :func:`worth_splitting`,
        else ``"scan"``.

    Examples
    --------
    >>> default_engine(NetworkConfig("gru", 1, 8, 3), batch_size=16, window=12)
    'scan'
    """
    rows = -(-batch_size // 2)
    return "threads" if worth_splitting(config, rows, window) else "scan"


# ----------------------------------------------------------------- shapes
def bucket(n: int, multiple: int = 1) -> int:
    """Smallest ``multiple * 2**k`` that is at least ``n`` (shape bucketing).

    Examples
    --------
    >>> bucket(33, 32)
    64
    """
    blocks = max(1, math.ceil(n / multiple))
    return multiple * (1 << (blocks - 1).bit_length())


def fine_bucket(n: int) -> int:
    """The smallest multiple of ``2**(bit_length(n) - 4)`` that is at least
    ``n``: shape bucketing that pads by less than 1/8 (eight buckets per
    doubling; sizes up to 16 exact).

    Examples
    --------
    >>> fine_bucket(1000), fine_bucket(1025)
    (1024, 1152)
    """
    step = 1 << max(n.bit_length() - 4, 0)
    return max(1, -(-n // step) * step)


def pad_rows(a: np.ndarray, n_rows: int) -> np.ndarray:
    """``a`` padded with zero rows to ``n_rows`` rows."""
    pad = np.zeros((n_rows - a.shape[0], *a.shape[1:]), a.dtype)
    return np.concatenate([a, pad])


# ------------------------------------------------------------ device mesh
def data_mesh(batch_size: int, devices=None) -> Mesh | None:
    """A one-axis ``("batch",)`` mesh over the devices, or None for one device.

    Data-parallel training needs ``batch_size`` to be a multiple of the number
    of devices; otherwise training stays on the first device.

    Parameters
    ----------
    batch_size : int
    devices : sequence of jax.Device, optional
        ``jax.devices()`` by default.

    Returns
    -------
    jax.sharding.Mesh or None
    """
    devices = jax.devices() if devices is None else list(devices)
    if len(devices) < 2 or batch_size % len(devices):
        return None
    return Mesh(np.asarray(devices), ("batch",))


def shard_batch(mesh: Mesh | None, a: Array, axis: int = 0) -> Array:
    """``a`` constrained to be split along its batch axis ``axis`` over ``mesh``
    (an ensemble's batches per member: 1, the members' axis replicated).

    For use inside a jitted step; without a mesh ``a`` is returned as is.
    """
    if mesh is None:
        return a
    spec = PartitionSpec(*([None] * axis), "batch", *([None] * (a.ndim - axis - 1)))
    return jax.lax.with_sharding_constraint(a, NamedSharding(mesh, spec))


# ------------------------------------------------------ the threads engine
def worker_pool(name: str = "forecastrnn-train") -> ThreadPoolExecutor | None:
    """A worker thread for the second half of each batch, if a second core exists.

    Parameters
    ----------
    name : str, default "forecastrnn-train"
        The thread's name prefix.

    Returns
    -------
    concurrent.futures.ThreadPoolExecutor or None
        One worker thread, or None on a single core (the halves then run in
        turn, with the same results). The caller shuts it down.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    if cores < 2:
        return None
    return ThreadPoolExecutor(1, thread_name_prefix=name)


def in_parallel(pool: ThreadPoolExecutor | None, fn: Callable, calls: list) -> list:
    """``fn(*args)`` for every ``args`` in ``calls``, finished, in order.

    The first call runs in this thread and the others in ``pool`` at the same
    time (XLA releases the GIL while a program runs); without a pool (one
    core) they run in turn, with the same results.
    """
    if pool is None:
        return [fn(*args) for args in calls]
    futures = [
        pool.submit(lambda a: jax.block_until_ready(fn(*a)), a) for a in calls[1:]
    ]
    first = jax.block_until_ready(fn(*calls[0]))
    return [first, *(f.result() for f in futures)]


def split_positions(idx: np.ndarray, rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Positions ``idx`` in two parts of ``rows`` positions, with weights.

    Each part is padded to ``rows`` positions (repeating its last one) and
    comes with its weights (1 for a real position, 0 for padding), so one
    compiled program serves every part; an empty second part is left out.
    ``idx`` of shape ``(members, n)`` (an ensemble's batch per member) is
    split along its last axis.
    """
    out = []
    for part in (idx[..., :rows], idx[..., rows:]):
        n = part.shape[-1]
        if n:
            w = np.zeros(rows, np.float32)
            w[:n] = 1.0
            padded = np.empty((*part.shape[:-1], rows), np.int32)
            padded[...] = part[..., -1:]
            padded[..., :n] = part
            out.append((padded, w))
    return out


class ThreadsSteps(NamedTuple):
    """The compiled steps :func:`threads_epoch` runs (training's, specialised).

    ``part_gradient(params, positions, w, seed, batch, part) -> (loss_sum,
    grads)`` for one part of a mini-batch (the training rows at
    ``positions``, weighed by ``w``); ``apply_gradients(params, opt_state,
    grads, loss_sums, weight) -> (params, opt_state, [loss_sum, grad_norm])``
    with the parts' results as tuples; ``validation_sum(params, positions, w)
    -> loss_sum`` (the validation rows at ``positions``).
    See :func:`forecastrnn.training.part_gradient` and
    :func:`~forecastrnn.training.apply_gradients`.
    """

    part_gradient: Callable
    apply_gradients: Callable
    validation_sum: Callable


def threads_epoch(
    steps: ThreadsSteps,
    params: dict,
    opt_state,
    n_val: int,
    order: np.ndarray,
    seed: np.ndarray,
    batch_size: int,
    pool: ThreadPoolExecutor | None,
) -> tuple[dict, object, np.ndarray, float]:
    """One epoch of the ``"threads"`` engine.

    Parameters
    ----------
    steps : ThreadsSteps
    params, opt_state
        Network parameters and optimizer state.
    n_val : int
        Validation rows (0: no validation).
    order : numpy.ndarray
        The shuffle: the positions of the training rows the epoch trains on,
        in order.
    seed : numpy.ndarray
        The ``uint32[2]`` data of the epoch's PRNG key.
    batch_size : int
    pool : ThreadPoolExecutor or None
        From :func:`worker_pool`.

    Returns
    -------
    params, opt_state
        After the epoch's updates.
    batch_stats : numpy.ndarray of shape (n_batches, 2)
        Per mini-batch: loss sum and gradient norm before clipping.
    val_sum : float
        Sum of the validation losses (NaN without validation).
    """
    rows = -(-batch_size // 2)
    stats = []
    for b, start in enumerate(range(0, order.shape[-1], batch_size)):
        idx = order[..., start : start + batch_size]
        calls = [
            (params, positions, w, seed, b, i)
            for i, (positions, w) in enumerate(split_positions(idx, rows))
        ]
        results = in_parallel(pool, steps.part_gradient, calls)
        params, opt_state, stat = steps.apply_gradients(
            params, opt_state, tuple(g for _, g in results),
            tuple(loss for loss, _ in results), np.float32(idx.shape[-1]),
        )
        stats.append(stat)
    stats = np.asarray(jax.device_get(stats), np.float64).reshape(-1, 2)
    if not n_val:
        return params, opt_state, stats, np.nan
    parts = split_positions(np.arange(n_val), bucket(n_val, 2) // 2)
    calls = [(params, *part) for part in parts]
    sums = in_parallel(pool, steps.validation_sum, calls)
    val_sum = sum(np.asarray(v, np.float64) for v in sums)
    return params, opt_state, stats, val_sum


# -------------------------------------------------------------- prediction
@partial(jax.jit, static_argnames="config")
def predict_batch(config: NetworkConfig, params: dict, X: Array) -> Array:
    """Network outputs for a batch of windows, without dropout, in one program.

    The rounding of XLA's CPU kernels depends on the number of rows, so a
    window's outputs may differ in the last bit from one batch size to the
    next; :func:`predict_network` avoids that.
    """
    return apply_network(config, params, X)


@partial(jax.jit, static_argnames="config")
def _predict_in_chunks(config: NetworkConfig, params: dict, X: Array) -> Array:
    """Outputs for ``X`` (rows a multiple of ``PREDICT_CHUNK``), one chunk a step."""
    chunks = X.reshape(-1, PREDICT_CHUNK, *X.shape[1:])
    out = jax.lax.map(partial(apply_network, config, params), chunks)
    # (chunks, [members,] rows, outputs) to ([members,] n, outputs)
    out = jnp.moveaxis(out, 0, -3)
    return out.reshape(*out.shape[:-3], X.shape[0], out.shape[-1])


def predict_network(
    config: NetworkConfig, params: dict, X: np.ndarray, chunk: int = 4096
) -> np.ndarray:
    """Network outputs for windows ``X``, each the same whatever shares the call.

    Parameters
    ----------
    config : NetworkConfig
    params : dict
    X : numpy.ndarray of shape (n, window_size, n_inputs)
    chunk : int, default 4096
        Rows per program call (rounded up to a multiple of
        :data:`PREDICT_CHUNK`).

    Returns
    -------
    numpy.ndarray of shape (n, n_outputs)
        Or ``(members, n, n_outputs)``: each member's of an ensemble.

    Notes
    -----
    Every window is computed by one compiled step over :data:`PREDICT_CHUNK`
    rows (a ``lax.map`` over the chunks of a call; short calls are padded
    with zero rows, to a power-of-two number of chunks so that few programs
    are compiled), so its outputs are the same bit for bit whichever windows
    share the call, for every cell. A single window runs one step of
    :data:`PREDICT_CHUNK` rows: on 2 cores a 64-unit LSTM over 24 steps
    answered in about 0.5 ms (0.4 ms in 0.5.0), a 128-unit LSTM over 168
    steps in 5 ms (2 ms).
    On a single CPU device, when half the windows are worth a core
    (:func:`worth_splitting`), the two halves run at once in two threads, as
    in training.
    """
    if len(X) == 0:
        lead = (config.members,) if config.members > 1 else ()
        return np.zeros((*lead, 0, config.n_outputs), np.float32)
    chunk = max(PREDICT_CHUNK, chunk - chunk % PREDICT_CHUNK)
    half = len(X) // 2
    if half == 0 or not worth_splitting(config, half, X.shape[1], train=False):
        return _predict_calls(config, params, X, chunk)
    params = jax.device_put(params)  # once for both threads
    calls = [(config, params, part, chunk) for part in (X[:half], X[half:])]
    return np.concatenate(in_parallel(_predict_pool(), _predict_calls, calls), -2)


def _predict_calls(config, params, X, chunk):
    """Outputs for ``X`` in calls of at most ``chunk`` rows, each padded."""
    out = []
    for start in range(0, len(X), chunk):
        part = X[start : start + chunk]
        padded = pad_rows(part, bucket(len(part), PREDICT_CHUNK))
        batch = _predict_in_chunks(config, params, jnp.asarray(padded))
        out.append(np.asarray(batch)[..., : len(part), :])
    return np.concatenate(out, axis=-2)


_PREDICT_POOL: list[ThreadPoolExecutor | None] = []


def _predict_pool() -> ThreadPoolExecutor | None:
    """The worker thread of :func:`predict_network`, started on first use."""
    if not _PREDICT_POOL:
        _PREDICT_POOL.append(worker_pool("forecastrnn-predict"))
    return _PREDICT_POOL[0]
