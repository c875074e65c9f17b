"""Recurrent layers: scan over time, stacking, bidirectional, dropout, attention.

Everything is a pure function over parameter pytrees; randomness comes from an
explicit ``key``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax import Array

from .cells import (
    STEPS,
    LSTMCarry,
    _drop,
    carry_hidden,
    check_cell,
    glorot_uniform,
    host_rng,
    init_carry,
    init_cell,
)


def scan_cell(
    cell: str,
    params: dict,
    xs: Array,
    h0: Array | LSTMCarry | None = None,
    *,
    reverse: bool = False,
    mask: Array | None = None,
    unroll: int = 1,
    remat: bool = False,
    fused: bool = False,
) -> tuple[Array, Array | LSTMCarry]:
    """Run one cell over a batch of sequences with ``jax.lax.scan``.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        The cell type.
    params : dict
        Cell parameters from :func:`init_cell`.
    xs : jax.Array of shape (batch, time, n_inputs)
        Input sequences, oldest step first.
    h0 : jax.Array of shape (batch, hidden_size) or LSTMCarry, optional
        Initial state; zeros when omitted. For the LSTM a bare array is taken as
        ``h`` with a zero cell state.
    reverse : bool, default False
        Scan from the last step to the first (the backward half of a
        bidirectional layer). ``hs`` stays aligned with ``xs``.
    mask : jax.Array of shape (batch, hidden_size), optional
        Recurrent (variational) dropout mask, the same at every step.
    unroll : int, default 1
        Steps unrolled per loop iteration (``jax.lax.scan``'s ``unroll``).
    remat : bool, default False
        Rematerialise the step in the backward pass (``jax.checkpoint``):
        less memory for long windows, often faster on CPU.
    fused : bool, default False
        For the Elman cell, use the hand-written backward pass of
        :func:`elman_sequence` instead of differentiating the scan (same
        gradients up to float rounding; ``remat`` is then moot, as nothing but
        the states is stored). The gated cells ignore it.

    Returns
    -------
    hs : jax.Array of shape (batch, time, hidden_size)
        Hidden state at every step.
    final_state : jax.Array or LSTMCarry
        The state after the last step scanned.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> p = init_cell("rnn", jax.random.key(0), 2, 4)
    >>> hs, h = scan_cell("rnn", p, jnp.ones((3, 5, 2)))
    >>> hs.shape, h.shape
    ((3, 5, 4), (3, 4))
    """
    step = STEPS[check_cell(cell)]
    if xs.ndim != 3:
        raise ValueError(
            f"`xs` must have shape (batch, time, n_inputs); got shape {xs.shape}."
        )
    batch, hidden_size = xs.shape[0], _hidden_size(cell, params)
    if h0 is None:
        h0 = init_carry(cell, batch, hidden_size, xs.dtype)
    elif cell == "lstm" and not isinstance(h0, LSTMCarry):
        h0 = LSTMCarry(h0, jnp.zeros_like(h0))

    if fused and cell == "rnn":
        xs_t = jnp.swapaxes(xs, 0, 1)
        if reverse:
            xs_t = xs_t[::-1]
        hs = elman_sequence(
            params["W_xh"], params["W_hh"], params["b_h"], xs_t, h0,
            None if mask is None else jax.lax.stop_gradient(mask), unroll,
        )
        final = hs[-1] if hs.shape[0] else h0
        return jnp.swapaxes(hs[::-1] if reverse else hs, 0, 1), final

    def body(carry, x):
        carry = step(params, carry, x, mask)
        return carry, carry_hidden(carry)

    if remat:
        body = jax.checkpoint(body)
    final, hs = jax.lax.scan(
        body, h0, jnp.swapaxes(xs, 0, 1), reverse=reverse, unroll=unroll
    )
    return jnp.swapaxes(hs, 0, 1), final


def _elman_forward(w_xh, w_hh, b, xs, h0, mask, unroll):
    def body(h, x):
        h = jnp.tanh(x @ w_xh + _drop(h, mask) @ w_hh + b[None, :])
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

    The same states as :func:`scan_cell`, with a hand-written backward pass.
    Going back through time, the loop only carries the state gradient
    ``dh_{t-1} = (dh_t * (1 - h_t^2)) W_hh^T``; the pre-activation gradients
    are stacked and the weight gradients are then one matrix product over all
    steps (``W_hh``: ``(T * B, H)^T (T * B, H)``). Both loops keep so few
    operations per step that XLA's CPU runtime runs them on one thread, which
    is what lets the ``"threads"`` training engine use both cores
    (benchmarks/README.md). Nothing but the states is stored. The recurrent
    dropout ``mask`` is a constant (its cotangent is zero).
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
    return _elman_forward(w_xh, w_hh, b, xs, h0, mask, unroll)


def _elman_sequence_fwd(w_xh, w_hh, b, xs, h0, mask, unroll):
    hs = _elman_forward(w_xh, w_hh, b, xs, h0, mask, unroll)
    return hs, (w_xh, w_hh, xs, h0, mask, hs)


def _elman_sequence_bwd(unroll, residuals, d_hs):
    w_xh, w_hh, xs, h0, mask, hs = residuals
    steps, batch, hidden = hs.shape
    w_hh_t = w_hh.T

    def body(dh_next, inputs):
        dh_out, h = inputs
        d_pre = (dh_out + dh_next) * (1.0 - h * h)
        return _drop(d_pre @ w_hh_t, mask), d_pre

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


def _hidden_size(cell: str, params: dict) -> int:
    return params["W_hh" if cell == "rnn" else "W_h"].shape[0]


def init_layers(
    cell: str,
    key: Array,
    n_inputs: int,
    hidden_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
) -> list[dict]:
    """Parameters of a stack of (optionally bidirectional) recurrent layers.

    Returns a list with one dict per layer: ``{"fwd": cell_params}``, plus
    ``"bwd"`` when bidirectional. Layer ``k > 0`` reads the ``H`` (or ``2H``)
    outputs of layer ``k - 1``.
    """
    rng = host_rng(key)
    layers = []
    for _ in range(num_layers):
        layer = {"fwd": init_cell(cell, rng, n_inputs, hidden_size)}
        if bidirectional:
            layer["bwd"] = init_cell(cell, rng, n_inputs, hidden_size)
        layers.append(layer)
        n_inputs = hidden_size * (2 if bidirectional else 1)
    return layers


def dropout_mask(key: Array, shape: tuple[int, ...], rate: float) -> Array:
    """Inverted-dropout mask: zeros with probability ``rate``, else ``1/(1-rate)``."""
    keep = jax.random.bernoulli(key, 1.0 - rate, shape)
    return keep.astype(jnp.float32) / (1.0 - rate)


def encode(
    cell: str,
    layers: list[dict],
    xs: Array,
    *,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    key: Array | None = None,
    unroll: int = 1,
    remat: bool = False,
    fused: bool = False,
) -> tuple[Array, Array]:
    """Run a stack of recurrent layers over ``xs``.

    Dropout is variational (one mask per sequence, the same at every step) and
    active only when ``key`` is given (training): ``dropout`` on each layer's
    input (the raw inputs, then between layers), ``recurrent_dropout`` on the
    recurrent state.

    Returns
    -------
    hs : jax.Array of shape (batch, time, D)
        Outputs of the last layer, ``D = H`` or ``2H`` when bidirectional
        (forward and backward states concatenated).
    last : jax.Array of shape (batch, D)
        Summary state: the forward state after the last step, concatenated with
        the backward state after its last step (which is time 0) when
        bidirectional.
    """
    batch = xs.shape[0]
    for layer in layers:
        keys = jax.random.split(key, 4) if key is not None else [None] * 4
        key, k_in, k_f, k_b = keys
        if key is not None and dropout > 0:
            xs = xs * dropout_mask(k_in, (batch, 1, xs.shape[-1]), dropout)
        outputs, finals = [], []
        for direction, k_rec in (("fwd", k_f), ("bwd", k_b)):
            if direction not in layer:
                continue
            params = layer[direction]
            mask = None
            if key is not None and recurrent_dropout > 0:
                shape = (batch, _hidden_size(cell, params))
                mask = dropout_mask(k_rec, shape, recurrent_dropout)
            hs, final = scan_cell(
                cell, params, xs, reverse=direction == "bwd", mask=mask,
                unroll=unroll, remat=remat, fused=fused,
            )
            outputs.append(hs)
            finals.append(carry_hidden(final))
        xs = jnp.concatenate(outputs, axis=-1) if len(outputs) > 1 else outputs[0]
    last = jnp.concatenate(finals, axis=-1) if len(finals) > 1 else finals[0]
    return xs, last


def init_attention(key: Array, size: int) -> dict:
    """Parameters of additive attention pooling over states of width ``size``."""
    rng = host_rng(key)
    return {
        "W_k": jnp.asarray(glorot_uniform(rng, (size, size))),
        "W_q": jnp.asarray(glorot_uniform(rng, (size, size))),
        "b_a": jnp.zeros((size,), jnp.float32),
        "v": jnp.asarray(glorot_uniform(rng, (size, 1))[:, 0]),
    }


def attention_pool(params: dict, hs: Array, query: Array) -> tuple[Array, Array]:
    """Additive (Bahdanau) attention of ``query`` over the encoder states ``hs``.

    ``e_t = v . tanh(h_t W_k + q W_q + b_a)``, ``alpha = softmax(e)`` over time,
    ``context = sum_t alpha_t h_t``.

    Returns
    -------
    context : jax.Array of shape (batch, D)
    weights : jax.Array of shape (batch, time)
        The attention weights; each row sums to one.
    """
    scores = jnp.tanh(
        hs @ params["W_k"]
        + (query @ params["W_q"])[:, None, :]
        + params["b_a"][None, None, :]
    )
    weights = jax.nn.softmax(scores @ params["v"], axis=-1)
    context = jnp.einsum("bt,btd->bd", weights, hs)
    return context, weights
