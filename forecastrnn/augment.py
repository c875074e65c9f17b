"""Training-time augmentations of window batches (JAX, pure functions of a key).

An augmentation is called as ``augment(key, X, Y) -> (X, Y)`` on a mini-batch:
``X`` of shape ``(batch, steps, n_channels)``, oldest step first, the target in
channel 0, and ``Y`` its targets ``(batch, horizon)``. Each factory here
(`make_jitter`, `make_magnitude_scaling`, `make_window_slicing`,
`make_time_warp`, `chain_augmentations`, `past_only`) returns an
`Augmentation`: picklable, hashable and compared by value, so the compiled
training step is reused by equal augmentations (a cloned estimator, one per
backtest fold), and described as JSON by `augmentation_config` for a model file.

The forecast block is never touched: ``RNNForecaster`` feeds the network,
with future-known covariates, ``window_size + horizon`` steps (the window,
then the forecast period with a 0/1 flag channel and the covariates known in
advance). `past_only` restricts any augmentation to the window's past channels,
so the flag and the future-known covariates reach the network unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from .checks import check_int, check_real

__all__ = [
    "Augmentation",
    "augmentation_config",
    "augmentation_from_config",
    "chain_augmentations",
    "make_jitter",
    "make_magnitude_scaling",
    "make_time_warp",
    "make_window_slicing",
    "past_only",
]


@dataclass(frozen=True)
class Augmentation:
    """An augmentation ``fn(key, X, Y, **params)``, picklable and compared by value.

    Build one with the factories of this module rather than directly. Value
    equality matters: the training step is compiled once per augmentation
    *value*, so a cloned estimator (e.g. one per backtest fold) reuses it.

    Attributes
    ----------
    fn : callable
        ``fn(key, X, Y, **params) -> (X, Y)``, a module-level function.
    params : tuple of (str, value) pairs
        Its settings, hashable.
    """

    fn: Callable
    params: tuple

    def __call__(self, key: jax.Array, X: jax.Array, Y: jax.Array):
        """Return the augmented ``(X, Y)`` for the PRNG `key`."""
        return self.fn(key, X, Y, **dict(self.params))


def _jitter(key, X, Y, *, sigma):
    X = jnp.asarray(X)
    return X + sigma * jax.random.normal(key, X.shape, X.dtype), jnp.asarray(Y)


def _magnitude(key, X, Y, *, sigma):
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    factor = 1.0 + sigma * jax.random.normal(key, (X.shape[0], 1, X.shape[2]), X.dtype)
    return X * factor, Y * factor[:, 0, :1].astype(Y.dtype)


def _slicing(key, X, Y, *, min_ratio):
    X = jnp.asarray(X)
    n, w = X.shape[0], X.shape[1]
    length = jax.random.uniform(key, (n, 1), X.dtype, min_ratio, 1.0) * (w - 1)
    steps = jnp.linspace(0.0, 1.0, w, dtype=X.dtype)[None, :]
    return _resample(X, (w - 1) - length + length * steps), jnp.asarray(Y)


def _time_warp(key, X, Y, *, sigma, n_knots):
    X = jnp.asarray(X)
    n, w = X.shape[0], X.shape[1]
    knots = 1.0 + sigma * jax.random.normal(key, (n, n_knots + 2, 1), X.dtype)
    knots = jnp.maximum(knots, 0.1)
    at = jnp.linspace(0.0, n_knots + 1.0, max(w - 1, 1), dtype=X.dtype)
    speed = _resample(knots, jnp.broadcast_to(at[None, :], (n, at.shape[0])))
    zero = jnp.zeros((n, 1), X.dtype)
    warped = jnp.concatenate([zero, jnp.cumsum(speed[:, : w - 1, 0], axis=1)], 1)
    warped = warped * ((w - 1) / jnp.maximum(warped[:, -1:], 1e-12))
    return _resample(X, warped), jnp.asarray(Y)


def _chain(key, X, Y, *, augmentations):
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    keys = jax.random.split(key, len(augmentations))
    for sub, fn in zip(keys, augmentations, strict=True):
        X, Y = fn(sub, X, Y)
    return X, Y


def _past_only(key, X, Y, *, augmentation, window_size, n_past_channels):
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    if X.ndim != 3 or X.shape[1] < window_size or X.shape[2] < n_past_channels:
        raise ValueError(
            f"`past_only` needs X of shape (batch, >= {window_size} steps, >= "
            f"{n_past_channels} channels); got {X.shape}. Pass the `window_size` "
            "and `n_past_channels` of the windows being augmented."
        )
    past = X[:, :window_size, :n_past_channels]
    past, Y = augmentation(key, past, Y)
    return X.at[:, :window_size, :n_past_channels].set(past.astype(X.dtype)), Y


def _resample(X, positions):
    """Values of each window of X (n, w, c) at fractional steps `positions` (n, m).

    Linear interpolation between neighbouring steps; positions are clipped to
    ``[0, w - 1]``. Returns an array of shape (n, m, c).
    """
    w = X.shape[1]
    if w == 1:
        return jnp.broadcast_to(X, (X.shape[0], positions.shape[1], X.shape[2]))
    pos = jnp.clip(positions, 0.0, w - 1.0)
    low = jnp.clip(jnp.floor(pos).astype(jnp.int32), 0, w - 2)[:, :, None]
    frac = (pos[:, :, None] - low.astype(pos.dtype)).astype(X.dtype)
    x0 = jnp.take_along_axis(X, low, axis=1)
    x1 = jnp.take_along_axis(X, low + 1, axis=1)
    return x0 + frac * (x1 - x0)


def _positive(value, name: str) -> float:
    """A number > 0, or raise."""
    return check_real(value, name, low=0, low_open=True)


def make_jitter(sigma: float = 0.03) -> Augmentation:
    """Return ``augment(key, X, Y) -> (X + noise, Y)``: Gaussian jitter.

    Every input value gets independent noise :math:`N(0, \\sigma^2)`; `Y` is
    unchanged. Meant for scaled data, where `sigma` is in units of the scale.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> jitter = make_jitter(0.1)
    >>> X, Y = jitter(jax.random.key(0), jnp.zeros((2, 3, 1)), jnp.ones((2, 1)))
    >>> X.shape, bool((Y == 1).all())
    ((2, 3, 1), True)
    """
    return Augmentation(_jitter, (("sigma", _positive(sigma, "sigma")),))


def make_magnitude_scaling(sigma: float = 0.1) -> Augmentation:
    """Return ``augment(key, X, Y)`` multiplying each window by a random factor.

    Each window and channel gets one factor :math:`s \\sim N(1, \\sigma^2)`;
    the target channel's factor also scales `Y`, so the input and its target
    stay consistent.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> scale = make_magnitude_scaling()
    >>> X, Y = scale(jax.random.key(0), jnp.ones((2, 3, 1)), jnp.ones((2, 4)))
    >>> bool(jnp.allclose(X[:, :1, 0], Y[:, :1]))
    True
    """
    return Augmentation(_magnitude, (("sigma", _positive(sigma, "sigma")),))


def make_window_slicing(min_ratio: float = 0.9) -> Augmentation:
    """Return ``augment(key, X, Y)`` that stretches a random recent slice of X.

    Each window keeps its last ``L`` steps, ``L`` uniform in
    ``[min_ratio * window_size, window_size]``, linearly resampled back to
    `window_size` steps. The slice always ends at the forecast origin, so the
    target `Y` (unchanged) still follows it.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> X = jnp.arange(8.0).reshape(1, 8, 1)
    >>> Xs, _ = make_window_slicing(0.5)(jax.random.key(1), X, jnp.zeros((1, 1)))
    >>> float(Xs[0, -1, 0]), bool(Xs[0, 0, 0] >= 0)
    (7.0, True)
    """
    ratio = check_real(min_ratio, "min_ratio", low=0, high=1, low_open=True)
    return Augmentation(_slicing, (("min_ratio", ratio),))


def make_time_warp(sigma: float = 0.2, n_knots: int = 4) -> Augmentation:
    """Return ``augment(key, X, Y)`` that warps the time axis of X smoothly.

    A random speed curve, piecewise linear through ``n_knots + 2`` knots drawn
    from :math:`N(1, \\sigma^2)` (clipped at 0.1), is integrated into a
    monotone warped time that keeps the first and last step in place; each
    window is read (linearly interpolated) at the warped times, so stretches
    where the speed is high are compressed. `Y` is unchanged.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> X = jnp.arange(6.0).reshape(1, 6, 1)
    >>> Xw, _ = make_time_warp()(jax.random.key(0), X, jnp.zeros((1, 1)))
    >>> float(Xw[0, 0, 0]), float(Xw[0, -1, 0])
    (0.0, 5.0)
    """
    params = (
        ("sigma", _positive(sigma, "sigma")),
        ("n_knots", check_int(n_knots, "n_knots")),
    )
    return Augmentation(_time_warp, params)


def chain_augmentations(*augmentations: Augmentation) -> Augmentation:
    """Compose augmentations into one, each with its own split of the key.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> aug = chain_augmentations(make_jitter(0.01), make_magnitude_scaling(0.1))
    >>> aug(jax.random.key(0), jnp.ones((2, 3, 1)), jnp.ones((2, 1)))[0].shape
    (2, 3, 1)
    """
    if not augmentations or not all(callable(a) for a in augmentations):
        raise ValueError(
            "`chain_augmentations` needs one or more augmentations such as "
            f"make_jitter(); got {augmentations!r}."
        )
    return Augmentation(_chain, (("augmentations", tuple(augmentations)),))


def past_only(
    augment: Callable, window_size: int, n_past_channels: int
) -> Augmentation:
    """Restrict an augmentation to the past part of the windows.

    ``past_only(augment, w, c)(key, X, Y)`` applies ``augment`` to
    ``X[:, :w, :c]`` (the input window's target and past covariates) and to
    `Y`, and returns every other value of `X` unchanged: the forecast period
    ``X[:, w:]`` with its 0/1 flag channel, and the channels ``c:`` of the
    future-known covariates (calendar features, ...) over the whole input.

    Parameters
    ----------
    augment : callable
        ``augment(key, X, Y) -> (X, Y)``, e.g. ``make_time_warp()``. It must
        keep the shape of the `X` it gets.
    window_size : int
        Steps of the input window (the rest of `X` is the forecast period).
    n_past_channels : int
        Leading channels of past data: the target and the past covariates,
        ``1 + len(past_covariates)`` in the layout of ``RNNForecaster``.

    Returns
    -------
    Augmentation
        Compared by value, picklable when `augment` is.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> X = jnp.concatenate([jnp.ones((1, 4, 1)), jnp.zeros((1, 2, 1))], axis=1)
    >>> flag = jnp.concatenate([jnp.zeros((1, 4, 1)), jnp.ones((1, 2, 1))], axis=1)
    >>> aug = past_only(make_window_slicing(0.5), window_size=4, n_past_channels=1)
    >>> Xa, _ = aug(jax.random.key(0), jnp.concatenate([X, flag], 2), jnp.ones((1, 2)))
    >>> Xa[0, :, 1].tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    """
    if not callable(augment):
        raise TypeError(
            "`augment` must be a callable augment(key, X, Y) -> (X, Y) such as "
            f"make_jitter(); got {type(augment).__name__} {augment!r}."
        )
    params = (
        ("augmentation", augment),
        ("window_size", check_int(window_size, "window_size")),
        ("n_past_channels", check_int(n_past_channels, "n_past_channels")),
    )
    return Augmentation(_past_only, params)


# --------------------------------------------------------------------------
# A JSON description, for model files
# --------------------------------------------------------------------------

_FUNCTIONS = {
    "jitter": _jitter,
    "magnitude_scaling": _magnitude,
    "window_slicing": _slicing,
    "time_warp": _time_warp,
    "chain": _chain,
    "past_only": _past_only,
}


def augmentation_config(augment: Augmentation) -> dict:
    """A JSON-able description of an augmentation of this module.

    Parameters
    ----------
    augment : Augmentation
        Made by the factories of this module (nested ones included).

    Returns
    -------
    dict
        ``{"augmentation": name, "params": {...}}``; `augmentation_from_config`
        rebuilds an equal augmentation from it.

    Raises
    ------
    TypeError
        For any other callable, e.g. a custom function.

    Examples
    --------
    >>> augmentation_config(make_jitter(0.1))
    {'augmentation': 'jitter', 'params': {'sigma': 0.1}}
    """
    names = {fn: name for name, fn in _FUNCTIONS.items()}
    if not isinstance(augment, Augmentation) or augment.fn not in names:
        raise TypeError(
            f"Only the augmentations of forecastrnn.augment can be saved; got "
            f"{augment!r}. Set augment=None before saving (it only affects "
            "training), or use make_jitter, make_magnitude_scaling, "
            "make_window_slicing, make_time_warp, chain_augmentations or past_only."
        )
    name = names[augment.fn]
    params = {}
    for key, value in augment.params:
        if key == "augmentations":
            value = [augmentation_config(a) for a in value]
        elif key == "augmentation":
            value = augmentation_config(value)
        params[key] = value
    return {"augmentation": name, "params": params}


def augmentation_from_config(config: Mapping[str, Any]) -> Augmentation:
    """The augmentation `augmentation_config` described; no code is run.

    Raises
    ------
    ValueError
        For a name this module does not know, or a malformed description.

    Examples
    --------
    >>> augmentation_from_config(augmentation_config(make_jitter(0.1))) == (
    ...     make_jitter(0.1))
    True
    """
    try:
        name, params = config["augmentation"], dict(config["params"])
    except (KeyError, TypeError) as err:
        raise ValueError(
            f"malformed augmentation in the model file: {config!r}; expected "
            "{'augmentation': name, 'params': {...}}."
        ) from err
    if name not in _FUNCTIONS:
        raise ValueError(
            f"unknown augmentation {name!r} in the model file; expected one of "
            f"{sorted(_FUNCTIONS)}."
        )
    if name == "chain":
        parts = tuple(augmentation_from_config(c) for c in params["augmentations"])
        params["augmentations"] = parts
    elif name == "past_only":
        params["augmentation"] = augmentation_from_config(params["augmentation"])
    return Augmentation(_FUNCTIONS[name], tuple(params.items()))
