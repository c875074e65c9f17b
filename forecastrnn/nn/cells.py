"""Recurrent cells: one record per cell, its initialisation and its time step.

Row-vector convention (``x @ W``), batch-first, float32. The parameter names and
gate orders are the public contract (see DESIGN.md):

========  ===========================================  ==========================
cell      parameters                                    gates (column blocks)
========  ===========================================  ==========================
``rnn``   ``W_xh (F, H)``, ``W_hh (H, H)``, ``b_h (H,)``  -
``lstm``  ``W_x (F, 4H)``, ``W_h (H, 4H)``, ``b (4H,)``   ``i, f, g, o``
``gru``   ``W_x (F, 3H)``, ``W_h (H, 3H)``,             ``r, z, n``
          ``b_x (3H,)``, ``b_h (3H,)``
========  ===========================================  ==========================

The LSTM and GRU layouts are PyTorch's ``nn.LSTM`` / ``nn.GRU`` transposed, so
weights copied from PyTorch (``weight_ih_l0.T`` and so on) give the same states.

Everything that differs between the cells lives in one :class:`Cell` record per
cell, looked up by name with :func:`get_cell`; no other module compares cell
names.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array


class LSTMCarry(NamedTuple):
    """The LSTM state: hidden state ``h`` and cell state ``c``, each ``(batch, H)``."""

    h: Array
    c: Array


def host_rng(key: Array | np.random.Generator | int) -> np.random.Generator:
    """A NumPy generator for host-side draws, seeded by a JAX PRNG key.

    Initialisation and shuffling run in NumPy on the host: run in JAX, each
    of their small operations compiled a program of its own, which made up
    most of the first ``fit``'s compile time. A ``Generator`` is passed
    through (so successive draws continue one stream) and an ``int`` seeds
    one.
    """
    if isinstance(key, np.random.Generator):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return np.random.default_rng(int(key))
    if not isinstance(key, jax.Array):
        raise TypeError(
            "`key` must be a JAX PRNG key (jax.random.key(0)), a "
            f"numpy.random.Generator or an int seed; got {type(key).__name__}."
        )
    return np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel().tolist())


def glorot_uniform(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Glorot-uniform weights ``U(-a, a)``, ``a = sqrt(6 / (fan_in + fan_out))``."""
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def _orthogonal_blocks(
    rng: np.random.Generator, hidden_size: int, n_blocks: int
) -> np.ndarray:
    """``n_blocks`` random orthogonal ``(H, H)`` blocks side by side (QR of a
    Gaussian matrix, signs fixed so the distribution is uniform)."""
    blocks = []
    for _ in range(n_blocks):
        q, r = np.linalg.qr(rng.standard_normal((hidden_size, hidden_size)))
        blocks.append(q * np.where(np.diag(r) < 0, -1.0, 1.0))
    return np.concatenate(blocks, axis=1).astype(np.float32)


def apply_mask(h: Array, mask: Array | None) -> Array:
    """``h * mask``, or ``h`` itself when ``mask`` is None (no dropout).

    Parameters
    ----------
    h : jax.Array of shape (batch, hidden_size)
        A hidden state (or its gradient).
    mask : jax.Array of shape (batch, hidden_size) or None
        A recurrent dropout mask from :func:`~forecastrnn.nn.dropout_mask`.

    Returns
    -------
    jax.Array of shape (batch, hidden_size)
    """
    return h if mask is None else h * mask


def rnn_step(params: dict, h: Array, x: Array, mask: Array | None = None) -> Array:
    """Elman step ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``.

    ``mask`` (optional, ``(batch, H)``) is the recurrent dropout mask, applied to
    ``h_{t-1}`` where it enters the recurrent matmul; the same holds for the
    other cells.
    """
    pre = x @ params["W_xh"] + apply_mask(h, mask) @ params["W_hh"]
    return jnp.tanh(pre + params["b_h"][None, :])


def lstm_step(
    params: dict, carry: LSTMCarry, x: Array, mask: Array | None = None
) -> LSTMCarry:
    """LSTM step with gate blocks ``i, f, g, o``.

    ``c_t = f * c_{t-1} + i * g`` and ``h_t = o * tanh(c_t)``, where
    ``i, f, o`` are sigmoid gates and ``g`` is the tanh candidate.
    """
    recurrent = apply_mask(carry.h, mask) @ params["W_h"]
    gates = x @ params["W_x"] + recurrent + params["b"][None, :]
    i, f, g, o = jnp.split(_lstm_activations(gates), 4, axis=-1)
    c = f * carry.c + i * g
    return LSTMCarry(o * jnp.tanh(c), c)


def _lstm_activations(gates: Array) -> Array:
    """``sigmoid`` on the ``i, f, o`` blocks and ``tanh`` on ``g``, as one ``tanh``.

    ``sigmoid(x) = tanh(x / 2) / 2 + 1 / 2``, so one elementwise pass over all
    ``4H`` columns, ``tanh(gates * s) * s + t`` with ``s = 1/2`` and ``t = 1/2``
    on the sigmoid blocks (``s = 1, t = 0`` on ``g``), replaces four sliced
    activations: XLA on CPU fuses it into one loop. Measured on a 2-core CPU:
    the forward step 2.4x faster, a training step 1.4x (benchmarks/README.md).
    """
    hidden_size = gates.shape[-1] // 4
    scale = np.repeat(np.float32([0.5, 0.5, 1.0, 0.5]), hidden_size)[None, :]
    offset = np.repeat(np.float32([0.5, 0.5, 0.0, 0.5]), hidden_size)[None, :]
    return jnp.tanh(gates * scale) * scale + offset


def _sigmoid(x: Array) -> Array:
    """``sigmoid`` through ``tanh`` (one fused transcendental on XLA's CPU)."""
    return 0.5 * jnp.tanh(0.5 * x) + 0.5


def gru_step(params: dict, h: Array, x: Array, mask: Array | None = None) -> Array:
    """GRU step with gate blocks ``r, z, n`` (PyTorch's variant).

    ``n = tanh(x W_xn + b_xn + r * (h W_hn + b_hn))`` and
    ``h_t = (1 - z) * n + z * h_{t-1}``: the reset gate is applied after the
    hidden matmul, as in PyTorch, flax and equinox.
    """
    hidden_size = h.shape[-1]
    w_x = params["W_x"]
    if x.shape[-1] == 1:
        # XLA on CPU runs the GRU step 2-3x slower with a (batch, 1) @ (1, 3H)
        # input product than with two input columns (benchmarks/README.md);
        # a zero column changes nothing but the float rounding
        x = jnp.concatenate([x, jnp.zeros_like(x)], axis=-1)
        w_x = jnp.concatenate([w_x, jnp.zeros_like(w_x)], axis=0)
    gx = x @ w_x + params["b_x"][None, :]
    gh = apply_mask(h, mask) @ params["W_h"] + params["b_h"][None, :]
    split = 2 * hidden_size
    r, z = jnp.split(_sigmoid(gx[:, :split] + gh[:, :split]), 2, axis=-1)
    n = jnp.tanh(gx[:, split:] + r * gh[:, split:])
    return n + z * (h - n)


def _elman_forward(w_xh, w_hh, b, xs, h0, mask, unroll):
    """Elman states ``(time, batch, H)`` by a plain scan (time-major)."""

    def body(h, x):
        h = jnp.tanh(x @ w_xh + apply_mask(h, mask) @ w_hh + b[None, :])
        return h, h

    return jax.lax.scan(body, h0, xs, unroll=unroll)[1]


def elman_sequence(
    w_xh: Array, w_hh: Array, b: Array, xs: Array, h0: Array,
    mask: Array | None = None, unroll: int = 1,
) -> Array:
    """Elman states ``hs`` ``(time, batch, H)`` for time-major inputs ``xs``.

    ``w_xh`` ``(F, H)``, ``w_hh`` ``(H, H)`` and ``b`` ``(H,)`` are the cell's
    ``W_xh``, ``W_hh`` and ``b_h``; ``xs`` is ``(time, batch, F)``, ``h0`` and
    the optional recurrent dropout ``mask`` are ``(batch, H)``.

    The same states as :func:`~forecastrnn.nn.scan_cell`, with a
    hand-written backward pass. Going back through time, the loop only
    carries the state gradient ``dh_{t-1} = (dh_t * (1 - h_t^2)) W_hh^T``;
    the pre-activation gradients are stacked and the weight gradients are
    then one matrix product over all steps (``W_hh``: ``(T * B, H)^T
    (T * B, H)``). Both loops keep so few operations per step that XLA's CPU
    runtime runs them on one thread, which is what lets the ``"threads"``
    training engine use both cores (benchmarks/README.md). Nothing but the
    states is stored. The recurrent dropout ``mask`` is a constant (its
    cotangent is zero).
    """
    hidden, n_inputs, batch = w_hh.shape[-1], w_xh.shape[0], h0.shape[0]
    wanted = [
        ("w_hh", w_hh, (hidden, hidden)),
        ("w_xh", w_xh, (n_inputs, hidden)),
        ("b", b, (hidden,)),
        ("xs", xs, (None, batch, n_inputs)),
        ("h0", h0, (batch, hidden)),
    ]
    if mask is not None:
        wanted.append(("mask", mask, (batch, hidden)))
    for name, array, shape in wanted:
        if array.ndim != len(shape) or any(
            w is not None and g != w for g, w in zip(array.shape, shape, strict=False)
        ):
            want = tuple("time" if w is None else w for w in shape)
            raise ValueError(
                f"`{name}` must have shape {want} here (`xs` is time-major: "
                f"(time, batch, F), e.g. `jnp.swapaxes(X, 0, 1)`); got "
                f"{array.shape}."
            )
    return _elman_sequence(w_xh, w_hh, b, xs, h0, mask, unroll)


@partial(jax.custom_vjp, nondiff_argnums=(6,))
def _elman_sequence(w_xh, w_hh, b, xs, h0, mask, unroll):
    """:func:`elman_sequence` without the checks, with its backward pass."""
    return _elman_forward(w_xh, w_hh, b, xs, h0, mask, unroll)


def _elman_sequence_fwd(w_xh, w_hh, b, xs, h0, mask, unroll):
    """Forward pass: the states, kept with the inputs for the backward pass."""
    hs = _elman_forward(w_xh, w_hh, b, xs, h0, mask, unroll)
    return hs, (w_xh, w_hh, xs, h0, mask, hs)


def _elman_sequence_bwd(unroll, residuals, d_hs):
    """Backward pass through time, weight gradients as one product each."""
    w_xh, w_hh, xs, h0, mask, hs = residuals
    steps, batch, hidden = hs.shape
    w_hh_t = w_hh.T

    def body(dh_next, inputs):
        dh_out, h = inputs
        d_pre = (dh_out + dh_next) * (1.0 - h * h)
        return apply_mask(d_pre @ w_hh_t, mask), d_pre

    dh0, d_pre = jax.lax.scan(
        body, jnp.zeros_like(h0), (d_hs, hs), reverse=True, unroll=unroll
    )
    h_prev = jnp.concatenate([h0[None], hs[:-1]])
    if mask is not None:
        h_prev = h_prev * mask[None]
    d_pre = d_pre.reshape(steps * batch, hidden)
    d_w_hh = h_prev.reshape(steps * batch, hidden).T @ d_pre
    d_w_xh = xs.reshape(steps * batch, -1).T @ d_pre
    d_xs = (d_pre @ w_xh.T).reshape(xs.shape)
    d_mask = None if mask is None else jnp.zeros_like(mask)
    return d_w_xh, d_w_hh, d_pre.sum(0), d_xs, dh0, d_mask


_elman_sequence.defvjp(_elman_sequence_fwd, _elman_sequence_bwd)


def _gate_weights(
    rng: np.random.Generator, n_inputs: int, hidden_size: int, n_gates: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Glorot input weights, orthogonal recurrent blocks, a zero bias (drawn so)."""
    w_x = glorot_uniform(rng, (n_inputs, n_gates * hidden_size))
    w_h = _orthogonal_blocks(rng, hidden_size, n_gates)
    return w_x, w_h, np.zeros((n_gates * hidden_size,), np.float32)


def _init_rnn(rng: np.random.Generator, n_inputs: int, hidden_size: int) -> dict:
    """Elman parameters ``W_xh, W_hh, b_h`` (NumPy)."""
    w_x, w_h, b = _gate_weights(rng, n_inputs, hidden_size, 1)
    return {"W_xh": w_x, "W_hh": w_h, "b_h": b}


def _init_lstm(rng: np.random.Generator, n_inputs: int, hidden_size: int) -> dict:
    """LSTM parameters ``W_x, W_h, b``, forget-gate bias one (NumPy)."""
    w_x, w_h, b = _gate_weights(rng, n_inputs, hidden_size, 4)
    b[hidden_size : 2 * hidden_size] = 1.0  # forget gate
    return {"W_x": w_x, "W_h": w_h, "b": b}


def _init_gru(rng: np.random.Generator, n_inputs: int, hidden_size: int) -> dict:
    """GRU parameters ``W_x, W_h, b_x, b_h`` (NumPy)."""
    w_x, w_h, b = _gate_weights(rng, n_inputs, hidden_size, 3)
    return {"W_x": w_x, "W_h": w_h, "b_x": b, "b_h": b.copy()}


def _state(carry: Array) -> Array:
    """The carry of a one-array cell is its hidden state."""
    return carry


def _lstm_hidden(carry: LSTMCarry) -> Array:
    """The hidden state ``h`` of an LSTM carry."""
    return carry.h


def _add(carry: Array, offset: Array) -> Array:
    """A one-array carry plus ``offset``."""
    return carry + offset


def _lstm_add(carry: LSTMCarry, offset: Array) -> LSTMCarry:
    """An LSTM carry with ``offset`` added to ``h`` (the cell state is kept)."""
    return LSTMCarry(carry.h + offset, carry.c)


def _zeros(batch: int, hidden_size: int, dtype=jnp.float32) -> Array:
    """A zero one-array carry."""
    return jnp.zeros((batch, hidden_size), dtype)


def _lstm_zeros(batch: int, hidden_size: int, dtype=jnp.float32) -> LSTMCarry:
    """A zero LSTM carry."""
    h = jnp.zeros((batch, hidden_size), dtype)
    return LSTMCarry(h, h)


def _lstm_carry(state: Array | LSTMCarry) -> LSTMCarry:
    """An ``LSTMCarry``; a bare array is taken as ``h`` with a zero cell state."""
    if isinstance(state, LSTMCarry):
        return state
    return LSTMCarry(state, jnp.zeros_like(state))


def _elman_params_sequence(
    params: dict, xs: Array, h0: Array, mask: Array | None, unroll: int
) -> Array:
    """:func:`elman_sequence` on a parameter dict."""
    return elman_sequence(
        params["W_xh"], params["W_hh"], params["b_h"], xs, h0, mask, unroll
    )


class Cell(NamedTuple):
    """Everything that differs between recurrent cells, as one record.

    Look a record up by name with :func:`get_cell`; the functions of
    :mod:`forecastrnn.nn` take either. A carry is the state passed from one
    step to the next: an array ``(batch, H)``, or an :class:`LSTMCarry`.

    Attributes
    ----------
    name : str
        The cell's name, one of :data:`CELLS`.
    n_gates : int
        Column blocks of the input and recurrent weights (``W_h`` is
        ``(H, n_gates * H)``): 1 for the Elman cell, 4 for the LSTM, 3 for the
        GRU. Multiply-adds per step grow with it.
    init : callable
        ``init(rng, n_inputs, hidden_size) -> dict`` of NumPy parameters, drawn
        from a ``numpy.random.Generator`` (see :func:`init_cell`).
    step : callable
        ``step(params, carry, x, mask=None) -> carry``: one time step.
    init_carry : callable
        ``init_carry(batch, hidden_size, dtype=float32) -> carry``: the zero
        state.
    as_carry : callable
        ``as_carry(state) -> carry``: an initial state as a carry (a bare
        array is the hidden state; the LSTM adds a zero cell state).
    hidden : callable
        ``hidden(carry) -> h``: the hidden state of a carry.
    add_hidden : callable
        ``add_hidden(carry, offset) -> carry``: ``offset`` added to the hidden
        state (the LSTM cell state is kept).
    hidden_size : callable
        ``hidden_size(params) -> int``: ``H`` of a parameter dict.
    sequence : callable or None
        ``sequence(params, xs, h0, mask, unroll) -> hs``, time-major, with a
        hand-written backward pass (:func:`elman_sequence` for the Elman
        cell); None where the scan is differentiated by JAX.
    """

    name: str
    n_gates: int
    init: Callable[[np.random.Generator, int, int], dict]
    step: Callable[..., Any]
    init_carry: Callable[..., Any]
    as_carry: Callable[[Any], Any]
    hidden: Callable[[Any], Array]
    add_hidden: Callable[[Any, Array], Any]
    hidden_size: Callable[[dict], int]
    sequence: Callable[..., Array] | None = None

    @property
    def fused(self) -> bool:
        """Whether the cell has a hand-written backward pass (``sequence``)."""
        return self.sequence is not None


def _rnn_hidden_size(params: dict) -> int:
    """``H`` of Elman parameters."""
    return params["W_hh"].shape[0]


def _gated_hidden_size(params: dict) -> int:
    """``H`` of LSTM or GRU parameters."""
    return params["W_h"].shape[0]


_ONE_ARRAY = {
    "init_carry": _zeros, "as_carry": _state, "hidden": _state, "add_hidden": _add
}
_TABLE = {
    cell.name: cell
    for cell in (
        Cell(
            name="rnn", n_gates=1, init=_init_rnn, step=rnn_step,
            hidden_size=_rnn_hidden_size, sequence=_elman_params_sequence,
            **_ONE_ARRAY,
        ),
        Cell(
            name="lstm", n_gates=4, init=_init_lstm, step=lstm_step,
            init_carry=_lstm_zeros, as_carry=_lstm_carry, hidden=_lstm_hidden,
            add_hidden=_lstm_add,
            hidden_size=_gated_hidden_size,
        ),
        Cell(
            name="gru", n_gates=3, init=_init_gru, step=gru_step,
            hidden_size=_gated_hidden_size, **_ONE_ARRAY,
        ),
    )
}
CELLS = tuple(_TABLE)


def check_cell(cell: str) -> str:
    """Return ``cell`` if it names a known cell, else raise a clear ``ValueError``."""
    if not isinstance(cell, str) or cell not in CELLS:
        raise ValueError(
            f"`cell` must be one of {CELLS}; got {cell!r}. "
            "Use 'rnn' (Elman), 'lstm' or 'gru'."
        )
    return cell


def get_cell(cell: str | Cell) -> Cell:
    """The :class:`Cell` record of a cell name.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"} or Cell
        A cell name; a record is returned as it is.

    Returns
    -------
    Cell

    Raises
    ------
    ValueError
        If ``cell`` names no known cell.

    Examples
    --------
    >>> get_cell("lstm").n_gates
    4
    >>> get_cell("rnn").fused, get_cell("gru").fused
    (True, False)
    """
    if isinstance(cell, Cell):
        return cell
    return _TABLE[check_cell(cell)]


def init_cell(cell: str | Cell, key: Array, n_inputs: int, hidden_size: int) -> dict:
    """Initialise the parameters of one recurrent cell.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"} or Cell
        The cell type (see :func:`get_cell`).
    key : jax.Array, numpy.random.Generator or int
        PRNG key (or a generator or seed, see :func:`host_rng`); the draws run
        in NumPy on the host.
    n_inputs : int
        Number of input features ``F`` per time step.
    hidden_size : int
        Size ``H`` of the hidden state.

    Returns
    -------
    dict of str to jax.Array
        Parameters named as in the module table. Input weights are
        Glorot-uniform, recurrent weights orthogonal (one orthogonal block per
        gate), biases zero except the LSTM forget-gate bias, which is one (as
        in Keras, so that the cell remembers by default).

    Examples
    --------
    >>> import jax
    >>> p = init_cell("gru", jax.random.key(0), n_inputs=3, hidden_size=8)
    >>> sorted((k, v.shape) for k, v in p.items())
    [('W_h', (8, 24)), ('W_x', (3, 24)), ('b_h', (24,)), ('b_x', (24,))]
    """
    params = get_cell(cell).init(host_rng(key), n_inputs, hidden_size)
    return {k: jnp.asarray(v) for k, v in params.items()}


def init_carry(
    cell: str | Cell, batch: int, hidden_size: int, dtype=jnp.float32
) -> Array | LSTMCarry:
    """Zero initial state for a batch: an array, or an ``LSTMCarry`` for the LSTM."""
    return get_cell(cell).init_carry(batch, hidden_size, dtype)


def carry_hidden(carry: Array | LSTMCarry) -> Array:
    """The hidden state ``h`` of a carry."""
    return carry.h if isinstance(carry, LSTMCarry) else carry


def __getattr__(name: str):
    """``STEPS`` (0.5.0), deprecated: ``get_cell(name).step``."""
    if name == "STEPS":
        warnings.warn(
            "`forecastrnn.nn.cells.STEPS` is deprecated; use "
            "`forecastrnn.nn.cells.get_cell(cell).step`.",
            DeprecationWarning,
            stacklevel=2,
        )
        return {name: cell.step for name, cell in _TABLE.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
