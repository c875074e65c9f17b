"""Point and quantile losses, elementwise, for training.

Each loss maps ``(y_pred, y_true)`` of the same shape to elementwise losses; the
training loop averages them with per-sample weights. ``pinball`` takes
predictions with a trailing quantile axis.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array

LOSSES = ("mse", "mae", "huber", "quantile")


def mse(y_pred: Array, y_true: Array) -> Array:
    """Squared error ``(y_pred - y_true) ** 2``."""
    return (y_pred - y_true) ** 2


def mae(y_pred: Array, y_true: Array) -> Array:
    """Absolute error ``|y_pred - y_true|``."""
    return jnp.abs(y_pred - y_true)


def huber(y_pred: Array, y_true: Array, delta: float = 1.0) -> Array:
    """Huber loss: quadratic within ``delta`` of the target, linear beyond."""
    err = jnp.abs(y_pred - y_true)
    quad = jnp.minimum(err, delta)
    return 0.5 * quad**2 + delta * (err - quad)


def pinball(y_pred: Array, y_true: Array, quantiles: Array) -> Array:
    """Pinball (quantile) loss.

    Parameters
    ----------
    y_pred : jax.Array of shape (..., n_quantiles)
        Predicted quantiles.
    y_true : jax.Array of shape (...)
        Targets.
    quantiles : jax.Array of shape (n_quantiles,)
        Quantile levels in (0, 1).

    Returns
    -------
    jax.Array of shape (..., n_quantiles)
        ``max(q * (y - p), (q - 1) * (y - p))``.
    """
    diff = y_true[..., None] - y_pred
    q = jnp.broadcast_to(quantiles, diff.shape)
    return jnp.maximum(q * diff, (q - 1.0) * diff)


def check_loss(loss: str) -> str:
    """Return ``loss`` if it names a known loss, else raise a clear ``ValueError``."""
    if loss not in LOSSES:
        raise ValueError(
            f"`loss` must be one of {LOSSES}; got {loss!r}. Use 'mse' for mean "
            "forecasts, 'mae' or 'huber' for robustness to outliers, 'quantile' "
            "for prediction intervals."
        )
    return loss
