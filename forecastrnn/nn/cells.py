"""Recurrent cells: parameter initialisation and one time step.

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
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

CELLS = ("rnn", "lstm", "gru")
_N_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class LSTMCarry(NamedTuple):
    """The LSTM state: hidden state ``h`` and cell state ``c``, each ``(batch, H)``."""

    h: Array
    c: Array


def check_cell(cell: str) -> str:
    """Return ``cell`` if it names a known cell, else raise a clear ``ValueError``."""
    if not isinstance(cell, str) or cell not in CELLS:
        raise ValueError(
            f"`cell` must be one of {CELLS}; got {cell!r}. "
            "Use 'rnn' (Elman), 'lstm' or 'gru'."
        )
    return cell


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


def init_cell(cell: str, key: Array, n_inputs: int, hidden_size: int) -> dict:
    """Initialise the parameters of one recurrent cell.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        The cell type.
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
    check_cell(cell)
    rng = host_rng(key)
    n_gates = _N_GATES[cell]
    w_x = glorot_uniform(rng, (n_inputs, n_gates * hidden_size))
    w_h = _orthogonal_blocks(rng, hidden_size, n_gates)
    bias = np.zeros((n_gates * hidden_size,), np.float32)
    if cell == "rnn":
        params = {"W_xh": w_x, "W_hh": w_h, "b_h": bias}
    elif cell == "lstm":
        bias[hidden_size : 2 * hidden_size] = 1.0  # forget gate
        params = {"W_x": w_x, "W_h": w_h, "b": bias}
    else:
        params = {"W_x": w_x, "W_h": w_h, "b_x": bias, "b_h": bias.copy()}
    return {k: jnp.asarray(v) for k, v in params.items()}


def _drop(h: Array, mask: Array | None) -> Array:
    return h if mask is None else h * mask


def rnn_step(params: dict, h: Array, x: Array, mask: Array | None = None) -> Array:
    """Elman step ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``.

    ``mask`` (optional, ``(batch, H)``) is the recurrent dropout mask, applied to
    ``h_{t-1}`` where it enters the recurrent matmul; the same holds for the
    other cells.
    """
    pre = x @ params["W_xh"] + _drop(h, mask) @ params["W_hh"]
    return jnp.tanh(pre + params["b_h"][None, :])


def lstm_step(
    params: dict, carry: LSTMCarry, x: Array, mask: Array | None = None
) -> LSTMCarry:
    """LSTM step with gate blocks ``i, f, g, o``.

    ``c_t = f * c_{t-1} + i * g`` and ``h_t = o * tanh(c_t)``, where
    ``i, f, o`` are sigmoid gates and ``g`` is the tanh candidate.
    """
    recurrent = _drop(carry.h, mask) @ params["W_h"]
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
    gh = _drop(h, mask) @ params["W_h"] + params["b_h"][None, :]
    split = 2 * hidden_size
    r, z = jnp.split(_sigmoid(gx[:, :split] + gh[:, :split]), 2, axis=-1)
    n = jnp.tanh(gx[:, split:] + r * gh[:, split:])
    return n + z * (h - n)


STEPS = {"rnn": rnn_step, "lstm": lstm_step, "gru": gru_step}


def init_carry(
    cell: str, batch: int, hidden_size: int, dtype=jnp.float32
) -> Array | LSTMCarry:
    """Zero initial state for a batch: an array, or an ``LSTMCarry`` for the LSTM."""
    h = jnp.zeros((batch, hidden_size), dtype)
    return LSTMCarry(h, h) if cell == "lstm" else h


def carry_hidden(carry: Array | LSTMCarry) -> Array:
    """The hidden state ``h`` of a carry."""
    return carry.h if isinstance(carry, LSTMCarry) else carry
