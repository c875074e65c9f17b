"""Encoder + head: the whole forecasting network as two pure functions.

``y = W_hy h + b_y`` maps the encoder's summary state (the last hidden state,
or the attention context next to it) to all ``n_outputs`` at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from .cells import glorot_uniform, host_rng
from .layers import attention_pool, encode, init_attention, init_layers


class NetworkConfig(NamedTuple):
    """Static structure of a network (hashable, so it can key compiled code).

    ``unroll``, ``remat`` and ``fused`` choose the scan form (see
    ``scan_cell``); they do not change the result beyond float rounding.

    With ``embedding_size > 0`` the network learns a vector of that size for
    each of ``n_series`` series (a learned series embedding): the last of the
    ``n_inputs`` input channels holds each window's series code (``0`` to
    ``n_series - 1``, constant along the window; ``-1`` for a series not seen
    in training, which reads the mean of the learned vectors), and the
    recurrent layers read the other channels followed by the series' vector.

    With ``members = K > 1`` the network is an ensemble of ``K`` networks of
    this structure: every parameter has a leading axis of ``K``
    (:func:`init_network` draws each member afresh) and
    :func:`apply_network` runs the members at once (``jax.vmap``), returning
    one output per member.

    With ``n_head_inputs > 0`` the last ``n_head_inputs`` input channels go
    to the head beside the state, never to the recurrent layers (the
    future-known covariates of the steps a forecast covers, as in MQ-RNN).
    With ``forks = F > 1`` the head reads each of the last ``F`` steps'
    states (the recurrent layers only look back, so step ``t``'s state is
    the one a window ending at ``t`` gives) and the network returns the
    ``F`` forecasts one after the other: one pass of the encoder trains on
    ``F`` windows (forking sequences). It needs a forward-only network
    without attention.
    """

    cell: str
    n_inputs: int
    hidden_size: int
    n_outputs: int
    num_layers: int = 1
    bidirectional: bool = False
    attention: bool = False
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    unroll: int = 1
    remat: bool = False
    fused: bool = False
    n_series: int = 0
    embedding_size: int = 0
    members: int = 1
    n_head_inputs: int = 0
    forks: int = 1

    @property
    def state_size(self) -> int:
        """Width of the encoder output (``2 * hidden_size`` when bidirectional)."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    @property
    def layer_inputs(self) -> int:
        """Inputs of the first recurrent layer: the channels but the head's,
        the series code replaced by its embedding."""
        channels = self.n_inputs - self.n_head_inputs
        if not self.embedding_size:
            return channels
        return channels - 1 + self.embedding_size


def check_forks(config: NetworkConfig) -> None:
    """A network with ``forks > 1`` only looks back, or ValueError."""
    if config.forks > 1 and (config.bidirectional or config.attention):
        raise ValueError(
            f"Forking sequences (`forks={config.forks}`) read the state after "
            "each step, which must depend only on the steps before it; a "
            "network with `bidirectional=True` or `attention=True` reads the "
            "whole window. Turn those off, or train window by window."
        )


def init_network(config: NetworkConfig, key) -> dict:
    """Initialise the network parameters.

    Parameters
    ----------
    config : NetworkConfig
    key : jax.Array, numpy.random.Generator or int
        PRNG key, generator or seed; the same key gives the same parameters.

    Returns
    -------
    dict
        ``{"layers": [...], "head": {"W_hy", "b_y"}}`` plus ``"attention"`` when
        ``config.attention`` and ``"embedding"`` (``(n_series,
        embedding_size)``, normal with standard deviation 0.1) with an
        embedding. The head is Glorot-uniform with a zero bias. With
        ``config.members = K > 1``, every array has a leading axis of ``K``:
        the members are drawn one after the other from the same generator
        (the first is the network a single draw gives).

    Examples
    --------
    >>> import jax
    >>> cfg = NetworkConfig("lstm", n_inputs=1, hidden_size=8, n_outputs=3)
    >>> p = init_network(cfg, jax.random.key(0))
    >>> p["head"]["W_hy"].shape
    (8, 3)

    Notes
    -----
    The draws run in NumPy on the host (:func:`~forecastrnn.nn.cells.host_rng`
    seeds a generator from ``key``): run in JAX, the initialisation compiled
    a program (its QR of the orthogonal blocks above all) that took about a
    second of the first ``fit``.
    """
    rng = host_rng(key)
    if config.members > 1:
        single = config._replace(members=1)
        members = [init_network(single, rng) for _ in range(config.members)]
        return jax.tree.map(lambda *a: jnp.stack(a), *members)
    params = {
        "layers": init_layers(
            config.cell, rng, config.layer_inputs, config.hidden_size,
            config.num_layers, config.bidirectional,
        )
    }
    if config.embedding_size:
        table = rng.normal(0.0, 0.1, (config.n_series, config.embedding_size))
        params["embedding"] = jnp.asarray(table, jnp.float32)
    head_in = config.state_size
    if config.attention:
        params["attention"] = init_attention(rng, config.state_size)
        head_in *= 2
    head_in += config.n_head_inputs
    params["head"] = {
        "W_hy": jnp.asarray(glorot_uniform(rng, (head_in, config.n_outputs))),
        "b_y": jnp.zeros((config.n_outputs,), jnp.float32),
    }
    return params


def embed_series(table: Array, xs: Array) -> Array:
    """``xs`` with its last channel, the series code, replaced by the series'
    row of ``table`` at every step (the mean row for code -1: a series not
    seen in training).

    Parameters
    ----------
    table : jax.Array of shape (n_series, embedding_size)
    xs : jax.Array of shape (batch, steps, n_inputs)

    Returns
    -------
    jax.Array of shape (batch, steps, n_inputs - 1 + embedding_size)
    """
    codes = jnp.round(xs[:, 0, -1]).astype(jnp.int32)
    known = (codes >= 0)[:, None]
    mean = table.mean(axis=0)[None, :]
    vectors = jnp.where(known, table[jnp.maximum(codes, 0)], mean)
    steps = jnp.broadcast_to(
        vectors[:, None, :].astype(xs.dtype), (*xs.shape[:2], table.shape[1])
    )
    return jnp.concatenate([xs[..., :-1], steps], axis=-1)


def apply_network(
    config: NetworkConfig,
    params: dict,
    xs: Array,
    *,
    key: Array | None = None,
    return_attention: bool = False,
    state_offsets: Sequence[Mapping[str, Array]] | None = None,
) -> Array | tuple[Array, Array]:
    """Forecast from a batch of windows.

    Parameters
    ----------
    config : NetworkConfig
    params : dict
        From :func:`init_network`.
    xs : jax.Array of shape (batch, window_size, n_inputs)
    key : jax.Array, optional
        Dropout key. Give it during training only; without it the network is
        deterministic (inference).
    return_attention : bool, default False
        Also return the attention weights ``(batch, window_size)`` (requires
        ``config.attention``).
    state_offsets : list of dict of str to jax.Array, optional
        Arrays added to the hidden states, one dict per layer keyed by
        direction (``"fwd"``, ``"bwd"``), each of shape (batch, window_size,
        hidden_size); see :func:`~forecastrnn.nn.encode`. Zeros change
        nothing; the gradient with respect to them is the gradient with
        respect to the hidden states (what
        :func:`~forecastrnn.diagnostics.gradient_norms_through_time`
        measures). Omitted, no operation is added.

    Returns
    -------
    jax.Array of shape (batch, forks * n_outputs)
        ``W_hy h + b_y`` where ``h`` is the last state, or
        ``[context, last state]`` with attention (followed by the head's
        input channels at that step, with any); with ``forks = F > 1``, the
        outputs at each of the last ``F`` steps in turn. An ensemble
        (``config.members = K > 1``) returns ``(K, batch, n_outputs)`` (and
        attention weights ``(K, batch, window_size)``): ``xs`` is then one
        batch all members read, or ``(K, batch, window_size, n_inputs)``, a
        batch per member; each member draws its own dropout masks from
        ``key``.
    """
    if config.members > 1:
        return _apply_members(
            config, params, xs, key, return_attention, state_offsets
        )
    check_forks(config)
    ahead = None
    if config.n_head_inputs:
        ahead = xs[..., -config.n_head_inputs :]
        xs = xs[..., : -config.n_head_inputs]
    if config.embedding_size:
        xs = embed_series(params["embedding"], xs)
    hs, last = encode(
        config.cell, params["layers"], xs,
        dropout=config.dropout, recurrent_dropout=config.recurrent_dropout,
        key=key, unroll=config.unroll, remat=config.remat, fused=config.fused,
        state_offsets=state_offsets,
    )
    weights = None
    if config.attention:
        context, weights = attention_pool(params["attention"], hs, last)
        last = jnp.concatenate([context, last], axis=-1)
    if config.forks > 1:
        last = hs[:, -config.forks :]
    if ahead is not None:
        read = ahead[:, -1] if config.forks == 1 else ahead[:, -config.forks :]
        last = jnp.concatenate([last, read], axis=-1)
    bias = params["head"]["b_y"]
    y = last @ params["head"]["W_hy"] + bias.reshape((1,) * (last.ndim - 1) + (-1,))
    if config.forks > 1:
        y = y.reshape(y.shape[0], -1)
    if return_attention:
        if weights is None:
            raise ValueError(
                "`return_attention=True` needs a network built with "
                "`attention=True`."
            )
        return y, weights
    return y


def _apply_members(config, params, xs, key, return_attention, state_offsets):
    """:func:`apply_network` of an ensemble: the members at once (``vmap``)."""
    single = config._replace(members=1)
    keys = None if key is None else jax.random.split(key, config.members)
    x_axis = 0 if xs.ndim == 4 else None
    offsets_axis = None if state_offsets is None else 0

    def member(p, x, k, offsets):
        return apply_network(
            single, p, x, key=k, return_attention=return_attention,
            state_offsets=offsets,
        )

    axes = (0, x_axis, None if keys is None else 0, offsets_axis)
    return jax.vmap(member, in_axes=axes)(params, xs, keys, state_offsets)
