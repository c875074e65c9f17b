"""Recurrent layers: scan over time, stacking, bidirectional, dropout, attention.

Everything is a pure function over parameter pytrees; randomness comes from an
explicit ``key``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
from jax import Array

from . import cells
from .cells import Cell, LSTMCarry, get_cell, glorot_uniform, host_rng, init_cell


def scan_cell(
    cell: str | Cell,
    params: dict,
    xs: Array,
    h0: Array | LSTMCarry | None = None,
    *,
    reverse: bool = False,
    mask: Array | None = None,
    unroll: int = 1,
    remat: bool = False,
    fused: bool = False,
    state_offsets: Array | None = None,
) -> tuple[Array, Array | LSTMCarry]:
    """Run one cell over a batch of sequences with ``jax.lax.scan``.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"} or Cell
        The cell type (see :func:`~forecastrnn.nn.get_cell`).
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
        For a cell with a hand-written backward pass (``get_cell(cell).fused``:
        the Elman cell's :func:`~forecastrnn.nn.elman_sequence`), use it instead
        of differentiating the scan (same gradients up to float rounding;
        ``remat`` is then moot, as nothing but the states is stored). The
        other cells ignore it.
    state_offsets : jax.Array of shape (batch, time, hidden_size), optional
        Added to the hidden state after each step, ``h_t <- step(h_{t-1},
        x_t) + state_offsets[:, t]``, before the next step reads it (the LSTM
        cell state is kept). Zeros leave the states as they are, and the
        gradient of a loss with respect to them is ``dL/dh_t`` (see
        :func:`~forecastrnn.diagnostics.gradient_norms_through_time`). Given,
        the scan is differentiated by JAX (``fused`` is ignored). Omitted, no
        operation is added.

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
    spec = get_cell(cell)
    if xs.ndim != 3:
        raise ValueError(
            f"`xs` must have shape (batch, time, n_inputs); got shape {xs.shape}."
        )
    shape = (*xs.shape[:2], spec.hidden_size(params))
    if h0 is None:
        h0 = spec.init_carry(shape[0], shape[2], xs.dtype)
    else:
        h0 = spec.as_carry(h0)
    if state_offsets is not None and state_offsets.shape != shape:
        raise ValueError(
            f"`state_offsets` must have shape (batch, time, hidden_size) = "
            f"{shape}, like the hidden states; got {state_offsets.shape}."
        )
    if fused and spec.fused and state_offsets is None:
        return _scan_fused(spec, params, xs, h0, reverse, mask, unroll)

    def body(carry, x):
        carry = spec.step(params, carry, x, mask)
        return carry, spec.hidden(carry)

    def offset_body(carry, inputs):
        x, offset = inputs
        carry = spec.add_hidden(spec.step(params, carry, x, mask), offset)
        return carry, spec.hidden(carry)

    inputs = jnp.swapaxes(xs, 0, 1)
    if state_offsets is not None:
        body, inputs = offset_body, (inputs, jnp.swapaxes(state_offsets, 0, 1))
    if remat:
        body = jax.checkpoint(body)
    final, hs = jax.lax.scan(body, h0, inputs, reverse=reverse, unroll=unroll)
    return jnp.swapaxes(hs, 0, 1), final


def _scan_fused(spec, params, xs, h0, reverse, mask, unroll):
    """:func:`scan_cell` through the cell's hand-written backward pass."""
    xs_t = jnp.swapaxes(xs, 0, 1)
    if reverse:
        xs_t = xs_t[::-1]
    if mask is not None:
        mask = jax.lax.stop_gradient(mask)
    hs = spec.sequence(params, xs_t, h0, mask, unroll)
    final = hs[-1] if hs.shape[0] else h0
    return jnp.swapaxes(hs[::-1] if reverse else hs, 0, 1), final


def __getattr__(name: str):
    """``elman_sequence`` (0.5.0) moved to :mod:`forecastrnn.nn.cells`."""
    if name == "elman_sequence":
        warnings.warn(
            "`forecastrnn.nn.layers.elman_sequence` moved; use "
            "`forecastrnn.nn.elman_sequence`.",
            DeprecationWarning,
            stacklevel=2,
        )
        return cells.elman_sequence
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    cell: str | Cell,
    layers: list[dict],
    xs: Array,
    *,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    key: Array | None = None,
    unroll: int = 1,
    remat: bool = False,
    fused: bool = False,
    state_offsets: Sequence[Mapping[str, Array]] | None = None,
) -> tuple[Array, Array]:
    """Run a stack of recurrent layers over ``xs``.

    Dropout is variational (one mask per sequence, the same at every step) and
    active only when ``key`` is given (training): ``dropout`` on each layer's
    input (the raw inputs, then between layers), ``recurrent_dropout`` on the
    recurrent state.

    ``state_offsets`` (optional) mirrors ``layers``: one dict per layer whose
    ``"fwd"`` and/or ``"bwd"`` entry, an array ``(batch, time, hidden_size)``,
    is added to that direction's hidden states (see :func:`scan_cell`); a
    direction left out runs as usual. Zero offsets change nothing, and the
    gradient with respect to them is the gradient with respect to the states.

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
    spec = get_cell(cell)
    scan = {"unroll": unroll, "remat": remat, "fused": fused}
    batch = xs.shape[0]
    offsets_by_layer = _layer_offsets(layers, state_offsets)
    for layer, offsets in zip(layers, offsets_by_layer, strict=True):
        keys = jax.random.split(key, 4) if key is not None else [None] * 4
        key, k_in, k_f, k_b = keys
        if key is not None and dropout > 0:
            xs = xs * dropout_mask(k_in, (batch, 1, xs.shape[-1]), dropout)
        outputs, finals = [], []
        for direction, k_rec in (("fwd", k_f), ("bwd", k_b)):
            if direction in layer:
                hs, last = _scan_direction(
                    spec, layer[direction], xs, direction, k_rec,
                    recurrent_dropout, offsets.get(direction), scan,
                )
                outputs.append(hs)
                finals.append(last)
        xs = jnp.concatenate(outputs, axis=-1) if len(outputs) > 1 else outputs[0]
    last = jnp.concatenate(finals, axis=-1) if len(finals) > 1 else finals[0]
    return xs, last


def _scan_direction(spec, params, xs, direction, k_rec, rate, offsets, scan):
    """States and last hidden state of one direction of a layer."""
    mask = None
    if k_rec is not None and rate > 0:
        shape = (xs.shape[0], spec.hidden_size(params))
        mask = dropout_mask(k_rec, shape, rate)
    hs, final = scan_cell(
        spec, params, xs, reverse=direction == "bwd", mask=mask,
        state_offsets=offsets, **scan,
    )
    return hs, spec.hidden(final)


def _layer_offsets(layers: list[dict], state_offsets) -> list[Mapping[str, Array]]:
    """``state_offsets`` checked against ``layers`` (empty dicts when None)."""
    if state_offsets is None:
        return [{}] * len(layers)
    if len(state_offsets) != len(layers) or not all(
        isinstance(o, Mapping) and set(o) <= set(layer)
        for o, layer in zip(state_offsets, layers, strict=False)
    ):
        raise ValueError(
            "`state_offsets` must hold one dict per layer "
            f"({len(layers)}), keyed by that layer's directions "
            f"{[sorted(layer) for layer in layers]}; got "
            f"{[sorted(o) if isinstance(o, Mapping) else o for o in state_offsets]}."
        )
    return list(state_offsets)


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
