"""Per-series, per-channel scaling as functional state, fitted on training data.

`fit_scaler` computes a `ScaleState` from the training part only; `transform`
and `inverse_transform` apply it to any array whose last axis holds the
channels (a window batch ``(n_windows, window_size, n_channels)``, a series
``(n_samples, n_channels)`` or a single series ``(n_samples,)``).
`SeriesScaler` is the scikit-learn wrapper.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .checks import check_int

__all__ = [
    "MASE_FLOOR",
    "METHODS",
    "ScaleState",
    "SeriesScaler",
    "fit_scaler",
    "inverse_transform",
    "transform",
]

METHODS = ("standard", "minmax", "robust", "mase")
# the "mase" scale is at least this fraction of the standard deviation: a
# series that repeats itself exactly has a seasonal error near zero
MASE_FLOOR = 0.01


class ScaleState(NamedTuple):
    """Fitted scaling: ``scaled = (x - center) / scale``.

    Attributes
    ----------
    method : str
        ``"standard"``, ``"minmax"``, ``"robust"`` or ``"mase"``.
    center : numpy.ndarray of shape () or (n_channels,)
        Mean, minimum, median or mean of each channel.
    scale : numpy.ndarray of shape () or (n_channels,)
        Standard deviation, range (max - min), interquartile range or mean
        absolute seasonal difference; 1.0 for a constant channel.
    """

    method: str
    center: np.ndarray
    scale: np.ndarray


def _as_float_array(x, name: str) -> np.ndarray:
    """Return `x` as a float array without copying pandas/numpy data needlessly."""
    if isinstance(x, pd.Series | pd.DataFrame):
        x = x.to_numpy(dtype=np.float64, na_value=np.nan)
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must hold real numbers; got dtype {arr.dtype}. Convert it "
            "with `.astype(float)` or drop the non-numeric columns."
        )
    if arr.ndim == 0:
        raise ValueError(
            f"`{name}` must have at least one axis (n_samples, ...); got a scalar."
        )
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _statistics(
    flat: np.ndarray, method: str, season_length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Center and spread over axis 0 of a 2-D array, ignoring NaN."""
    if method == "standard":
        return np.nanmean(flat, axis=0), np.nanstd(flat, axis=0)
    if method == "mase":
        change = np.abs(flat[season_length:] - flat[:-season_length])
        seen = np.isfinite(change).sum(axis=0)
        spread = np.nanstd(flat, axis=0)
        # no pair of values a season apart: the standard deviation
        mad = np.where(
            seen > 0, np.nansum(change, axis=0) / np.maximum(seen, 1), spread
        )
        return np.nanmean(flat, axis=0), np.maximum(mad, MASE_FLOOR * spread)
    if method == "minmax":
        low = np.nanmin(flat, axis=0)
        return low, np.nanmax(flat, axis=0) - low
    q25, q50, q75 = np.nanpercentile(flat, [25.0, 50.0, 75.0], axis=0)
    return q50, q75 - q25


def fit_scaler(x, method: str = "standard", season_length: int = 1) -> ScaleState:
    """Fit a scaler to training data, one center and scale per channel.

    Parameters
    ----------
    x : array-like of shape (n_samples,) or (..., n_channels)
        Training data only (e.g. the train part of `time_split`); statistics
        are taken over every axis but the last. A 1-D series gives scalar
        state. NaN values are ignored.
    method : {"standard", "minmax", "robust", "mase"}, default="standard"
        ``standard``: mean and standard deviation (population, ``ddof=0``, as
        `sklearn.preprocessing.StandardScaler`); ``minmax``: minimum and range,
        so training data maps to [0, 1]; ``robust``: median and interquartile
        range (25th to 75th percentile); ``mase``: mean and the mean absolute
        difference between values ``season_length`` steps apart (the
        in-sample error of the seasonal naive forecast, which MASE divides
        by), at least ``MASE_FLOOR`` (0.01) times the standard deviation, or
        the standard deviation when no two values are a season apart. An
        error in ``mase`` units is an error in MASE's. ``x`` is then a series
        or a ``(n_samples, n_channels)`` array, rows in time order.
    season_length : int, default=1
        The lag of ``mase`` (1: the naive forecast's error); other methods
        ignore it.

    Returns
    -------
    ScaleState
        float64 `center` and `scale`. A channel with zero spread (constant),
        or a spread too small to divide by without overflow, gets scale 1.0,
        so it is only shifted.

    Raises
    ------
    TypeError
        For non-numeric data.
    ValueError
        For an unknown method, empty data, infinite values, a channel with
        no finite value, a ``season_length`` below 1, or ``mase`` on data of
        more than two axes.

    Examples
    --------
    >>> state = fit_scaler([1.0, 2.0, 3.0])
    >>> float(state.center), round(float(state.scale), 4)
    (2.0, 0.8165)
    >>> float(fit_scaler([1.0, 5.0, 2.0, 6.0], "mase", season_length=2).scale)
    1.0
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}; got {method!r}.")
    season_length = check_int(season_length, "season_length")
    arr = _as_float_array(x, "x")
    if method == "mase" and arr.ndim > 2:
        raise ValueError(
            f"`x` has shape {arr.shape}; the 'mase' method reads a series "
            "(n_samples,) or (n_samples, n_channels) in time order. Fit it on "
            "the series, not on windows."
        )
    if arr.size == 0:
        raise ValueError(
            f"`x` is empty (shape {arr.shape}); expected training data to fit on."
        )
    if np.isinf(arr).any():
        raise ValueError("`x` has infinite values; expected finite numbers or NaN.")
    flat = arr.reshape(-1, 1) if arr.ndim == 1 else arr.reshape(-1, arr.shape[-1])
    empty = np.isnan(flat).all(axis=0)
    if empty.any():
        raise ValueError(
            f"`x` has channels with no value (all NaN): {np.flatnonzero(empty)}. "
            "Drop them or fill them before fitting."
        )
    center, scale = _statistics(flat.astype(np.float64), method, season_length)
    # a spread so small that dividing by it overflows (a denormal IQR of
    # near-identical values) is no spread: such a channel is only shifted
    reach = np.nanmax(np.abs(flat - center), axis=0)
    scale = np.where(scale > np.maximum(reach, 1.0) * 1e-200, scale, 1.0)
    if arr.ndim == 1:
        return ScaleState(method, center.reshape(()), scale.reshape(()))
    return ScaleState(method, center, scale)


def _broadcastable(state: ScaleState, x) -> tuple[np.ndarray, np.ndarray]:
    """`center` and `scale` shaped to broadcast against `x` with equal rank."""
    n_channels = state.center.size if state.center.ndim else None
    if n_channels is None:
        return state.center, state.scale
    if x.ndim == 0 or x.shape[-1] != n_channels:
        raise ValueError(
            f"`x` has shape {x.shape}; expected {n_channels} channels on its last "
            "axis, as in the data the scaler was fitted on."
        )
    shape = (1,) * (x.ndim - 1) + (n_channels,)
    return state.center.reshape(shape), state.scale.reshape(shape)


def _apply(state: ScaleState, x, forward: bool):
    """Scale or unscale `x`, keeping pandas objects, jax arrays and dtypes."""
    if not isinstance(state, ScaleState):
        raise TypeError(
            f"`state` must be a ScaleState from `fit_scaler`; got "
            f"{type(state).__name__}."
        )
    frame = x if isinstance(x, pd.Series | pd.DataFrame) else None
    jax_input = _is_jax(x)
    if not jax_input:
        x = _as_float_array(x, "x")
    center, scale = _broadcastable(state, x)
    if jax_input and np.dtype(x.dtype).kind == "f":
        center, scale = center.astype(x.dtype), scale.astype(x.dtype)
    out = (x - center) / scale if forward else x * scale + center
    if not jax_input:
        out = np.asarray(out, dtype=x.dtype)
    if frame is None:
        return out
    if isinstance(frame, pd.Series):
        return pd.Series(out, index=frame.index, name=frame.name)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _is_jax(x) -> bool:
    """Whether `x` is a jax array or tracer (without importing jax)."""
    return type(x).__module__.startswith("jax")


def transform(state: ScaleState, x):
    """Scale `x` with fitted state: ``(x - center) / scale``.

    Parameters
    ----------
    state : ScaleState
        From `fit_scaler`.
    x : array-like of shape (..., n_channels), or any shape for scalar state
        numpy or jax array, pandas Series or DataFrame. Not modified.

    Returns
    -------
    Same kind as `x`
        A new array (floating dtype of `x` kept; integers become float64), or
        a pandas object with the same index and columns.

    Raises
    ------
    ValueError
        If the last axis of `x` does not match the fitted channels.

    Examples
    --------
    >>> import numpy as np
    >>> state = fit_scaler(np.array([[0.0, 10.0], [2.0, 30.0]]), "minmax")
    >>> transform(state, np.array([[1.0, 20.0]])).tolist()
    [[0.5, 0.5]]
    """
    return _apply(state, x, forward=True)


def inverse_transform(state: ScaleState, x):
    """Undo `transform`: ``x * scale + center``.

    Parameters
    ----------
    state : ScaleState
        From `fit_scaler`.
    x : array-like of shape (..., n_channels), or any shape for scalar state
        Scaled values (e.g. forecasts of the target). Not modified.

    Returns
    -------
    Same kind as `x`
        Values in the original units.

    Examples
    --------
    >>> import numpy as np
    >>> state = fit_scaler(np.array([1.0, 3.0]))
    >>> inverse_transform(state, np.array([-1.0, 1.0])).tolist()
    [1.0, 3.0]
    """
    return _apply(state, x, forward=False)


class SeriesScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """scikit-learn wrapper around `fit_scaler` / `transform`, column-wise.

    Parameters
    ----------
    method : {"standard", "minmax", "robust", "mase"}, default="standard"
        See `fit_scaler`.
    season_length : int, default=1
        The lag of ``"mase"`` (see `fit_scaler`); rows are time steps.

    Attributes
    ----------
    scale_state_ : ScaleState
        Fitted state, one center and scale per column.
    n_features_in_ : int
        Number of columns seen in `fit`.

    Examples
    --------
    >>> import numpy as np
    >>> SeriesScaler("minmax").fit_transform(np.array([[1.0], [3.0]])).ravel().tolist()
    [0.0, 1.0]
    """

    def __init__(self, method: str = "standard", season_length: int = 1):
        self.method = method
        self.season_length = season_length

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y=None):
        """Fit the state on `X` (rows = time steps, columns = channels)."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        self.scale_state_ = fit_scaler(X, self.method, self.season_length)
        return self

    def transform(self, X):
        """Return the scaled `X`."""
        check_is_fitted(self, "scale_state_")
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        return transform(self.scale_state_, X)

    def inverse_transform(self, X):
        """Return `X` in the original units."""
        check_is_fitted(self, "scale_state_")
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        return inverse_transform(self.scale_state_, X)
