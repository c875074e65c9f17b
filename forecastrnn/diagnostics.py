"""Vanishing and exploding gradients made visible for fitted recurrent models.

Backpropagation through time multiplies one Jacobian per step; when those
factors are below one the gradient that reaches early steps of a window
vanishes, when above one it explodes. :func:`gradient_norms_through_time`
measures the result directly: the norm of the gradient of the loss with
respect to the hidden state ``h_t`` at every step back from the forecast
origin. An Elman network's curve falls off steeply with the lag; the LSTM's
additive cell state keeps it flatter.

Every function takes a fitted :class:`~forecastrnn.RNNRegressor` with windows
``X`` (2-D rows or 3-D ``(n_windows, window_size, n_channels)``), or a fitted
forecaster that exposes ``regressor_`` and ``input_windows`` (such as
``RNNForecaster``) with either a series (its windows are taken with
``input_windows``) or already scaled 3-D windows.

Plots are built on :class:`matplotlib.figure.Figure` directly: no pyplot, no
backend or global state is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.utils.validation import check_is_fitted

from .estimators import RNNRegressor
from .nn.network import apply_network
from .plotting import log_scale, new_axes, series_label

__all__ = [
    "attention_weights",
    "compare_gradient_flow",
    "gradient_norms_through_time",
    "plot_attention",
    "plot_gradient_flow",
    "plot_training_history",
]


# ---------------------------------------------------------------------- inputs


def _regressor(model: Any) -> RNNRegressor:
    """The fitted ``RNNRegressor`` of ``model`` (itself, or a forecaster's)."""
    if hasattr(model, "input_windows") and hasattr(model, "fit"):
        check_is_fitted(model)
        model = getattr(model, "regressor_", None)
        if not isinstance(model, RNNRegressor):
            raise TypeError(
                "`model` is a forecaster without a fitted `regressor_` "
                f"RNNRegressor (got {type(model).__name__}); diagnostics need a "
                "recurrent network."
            )
        return model
    if not isinstance(model, RNNRegressor):
        raise TypeError(
            "`model` must be a fitted RNNRegressor or a forecaster with "
            f"`regressor_` and `input_windows` (RNNForecaster); got "
            f"{type(model).__name__}. Baselines have no hidden state to inspect."
        )
    check_is_fitted(model)
    return model


def _windows(model: Any, regressor: RNNRegressor, X: Any) -> np.ndarray:
    """Validate ``X`` into float32 windows (n_windows, window_size, n_channels)."""
    if isinstance(X, pd.Series) and hasattr(model, "input_windows"):
        X = model.input_windows(X)
    window, channels = regressor.window_size_, regressor.n_channels
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 2 and X.shape[1] == window * channels:
        X = X.reshape(len(X), window, channels)
    if X.ndim != 3 or X.shape[1:] != (window, channels) or len(X) == 0:
        raise ValueError(
            f"`X` must hold windows of shape (n_windows, {window}, {channels}) or "
            f"rows of {window * channels} values (window_size={window} x "
            f"n_channels={channels}, oldest step first); got shape {X.shape}. "
            "Build the windows the model was fit on (for a forecaster, pass the "
            "series or `model.input_windows(y)`)."
        )
    if not np.isfinite(X).all():
        raise ValueError("`X` holds NaN or infinite values; pass finite windows.")
    return X


def _targets(regressor: RNNRegressor, y: Any, n_windows: int) -> np.ndarray | None:
    """Validate ``y`` into float32 targets of shape (n_windows, n_outputs_)."""
    if y is None:
        return None
    y = np.asarray(y, dtype=np.float32)
    horizon = regressor.n_outputs_
    if y.ndim == 1 and horizon == 1:
        y = y[:, None]
    if y.shape != (n_windows, horizon):
        raise ValueError(
            f"`y` must have shape ({n_windows}, {horizon}) (one target row per "
            f"window, horizon={horizon}); got shape {y.shape}."
        )
    return y


# ------------------------------------------------------------------ gradients


@partial(jax.jit, static_argnums=(0, 4))
def _hidden_gradient_norms(config, params, xs, y, quantile):
    """Per-window gradient norms ``(n_layers, n_windows, window_size)`` (an
    ensemble's: the members' mean)."""
    members = (config.members,) if config.members > 1 else ()
    shape = (*members, *xs.shape[:2], config.hidden_size)
    offsets = [{"fwd": jnp.zeros(shape, xs.dtype)} for _ in params["layers"]]

    def loss(offsets):
        out = apply_network(config, params, xs, state_offsets=offsets)
        if quantile is not None:  # (n_quantiles, index of the median level)
            out = out.reshape(*out.shape[:-1], -1, quantile[0])[..., quantile[1]]
        if y is None:
            return jnp.sum(out)
        # windows (and members) are independent, so the sum of their losses
        # has each window's own gradient in its row of the offsets
        target = jnp.broadcast_to(y, out.shape)
        return jnp.sum(jnp.mean((out - target) ** 2, axis=-1))

    grads = jax.grad(loss)(offsets)
    norms = jnp.stack([jnp.linalg.norm(g["fwd"], axis=-1) for g in grads])
    return norms.mean(axis=1) if members else norms


def gradient_norms_through_time(model: Any, X: Any, y: Any = None) -> pd.DataFrame:
    """Norm of the loss gradient with respect to the hidden state, per lag.

    For each window the gradient ``dL/dh_t`` is taken with respect to the hidden
    state at every step ``t`` of every layer; its Euclidean norm is averaged over
    the windows. Lag 0 is the last step of the window (the forecast origin), lag
    ``window_size - 1`` the first. A curve that falls by orders of magnitude
    with the lag is the vanishing gradient; one that grows is the exploding
    gradient.

    Parameters
    ----------
    model : RNNRegressor or RNNForecaster
        A fitted recurrent model; a forecaster is read through its
        ``regressor_`` and ``input_windows``.
    X : array-like or pandas.Series
        Windows as the network sees them: rows of ``window_size * n_channels``
        values or an array of shape (n_windows, window_size, n_channels). For a
        forecaster, a series (every window of it is used, through
        ``model.input_windows(X)``) or its already scaled 3-D windows.
    y : array-like of shape (n_windows,) or (n_windows, horizon), optional
        Targets of the windows, in the space the network is trained on (scaled,
        for a forecaster). Given, ``L`` is each window's mean squared error;
        omitted, ``L`` is the sum of the window's forecast outputs, which
        measures how strongly each past state moves the forecast. Not allowed
        with a series ``X``: its last window has no target.

    Returns
    -------
    pandas.DataFrame
        Index ``lag`` (0 .. window_size - 1), one column per layer (``0`` the
        first, as in ``params_["layers"]``; columns named ``layer``). Positive
        and finite unless the gradient itself under- or overflows.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    TypeError
        If ``model`` is not a recurrent model (a baseline, say).
    ValueError
        If ``X`` or ``y`` has the wrong shape or ``X`` is not finite.

    Notes
    -----
    A zero perturbation ``e_t`` is added to the hidden state after each step,
    ``h_t <- step(h_{t-1}, x_t) + e_t``, and the loss is differentiated with
    respect to ``e``: ``dL/de_t = dL/dh_t``, the total derivative through every
    later step (and, in a stacked or attention network, through the layers
    above and the attention). For the LSTM the perturbation is on ``h``, not
    on the cell state ``c``. A bidirectional layer reports its forward
    direction, whose lag 0 is next to the forecast. A quantile model's
    gradients are those of its median output (the level of ``quantiles_``
    nearest 0.5, the one ``predict`` returns). The network runs without
    dropout, as at prediction.

    Examples
    --------
    >>> import numpy as np
    >>> from forecastrnn import RNNRegressor
    >>> X = np.random.default_rng(0).normal(size=(16, 10))
    >>> model = RNNRegressor("rnn", hidden_size=4, max_epochs=1, random_state=0)
    >>> model = model.fit(X, X[:, -1])
    >>> norms = gradient_norms_through_time(model, X)
    >>> norms.shape
    (10, 1)
    """
    regressor = _regressor(model)
    if y is not None and isinstance(X, pd.Series):
        raise ValueError(
            "`y` cannot be given with a series `X`: the windows of a series have "
            "no aligned targets. Pass 3-D windows and their scaled targets, or "
            "omit `y` to differentiate the forecast."
        )
    windows = _windows(model, regressor, X)
    targets = _targets(regressor, y, len(windows))
    quantile = None
    if regressor.quantiles_:  # the head's outputs follow the sorted levels
        levels = np.asarray(regressor.quantiles_, float)
        quantile = (len(levels), int(np.argmin(np.abs(levels - 0.5))))
    norms = _hidden_gradient_norms(
        regressor.network_config(),
        regressor.params_,
        jnp.asarray(windows),
        None if targets is None else jnp.asarray(targets),
        quantile,
    )
    # mean over windows, then reverse time so that lag 0 is the last step
    mean = np.asarray(norms, np.float64).mean(axis=1)[:, ::-1]
    index = pd.RangeIndex(mean.shape[1], name="lag")
    columns = pd.Index(range(mean.shape[0]), name="layer")
    return pd.DataFrame(mean.T, index=index, columns=columns)


def compare_gradient_flow(
    models: Mapping[str, Any], X: Any, y: Any = None, *, layer: int = 0
) -> pd.DataFrame:
    """Gradient norms through time of several models, one column per model.

    Parameters
    ----------
    models : mapping of str to fitted model
        Recurrent models by name (e.g. ``{"rnn": ..., "lstm": ..., "gru": ...}``).
    X, y
        As in :func:`gradient_norms_through_time`, shared by every model.
    layer : int, default 0
        Which layer's norms to report (0 the first; negative counts from the
        last).

    Returns
    -------
    pandas.DataFrame
        Index ``lag``, one column per model in the order given. Models with
        shorter windows have NaN at the lags they do not reach.

    Raises
    ------
    TypeError
        If ``models`` is not a non-empty mapping.
    ValueError
        If a model has no layer ``layer``; otherwise as
        :func:`gradient_norms_through_time`.
    """
    if not isinstance(models, Mapping) or not models:
        raise TypeError(
            "`models` must be a non-empty dict of name to fitted model; got "
            f"{type(models).__name__}."
        )
    columns = {}
    for name, model in models.items():
        norms = gradient_norms_through_time(model, X, y)
        if not -norms.shape[1] <= layer < norms.shape[1]:
            raise ValueError(
                f"`layer`={layer} is out of range for model {name!r}, which has "
                f"{norms.shape[1]} layer(s). Use 0 for the first layer."
            )
        columns[name] = norms.iloc[:, layer]
    return pd.DataFrame(columns).rename_axis(index="lag", columns="model")


# ------------------------------------------------------------------ attention


def attention_weights(model: Any, X: Any) -> pd.Series:
    """Mean attention weight per lag, for a model fit with ``attention=True``.

    Parameters
    ----------
    model : RNNRegressor or RNNForecaster
        A fitted recurrent model with attention.
    X : array-like or pandas.Series
        Windows, as in :func:`gradient_norms_through_time`.

    Returns
    -------
    pandas.Series
        Index ``lag`` (0 the last step of the window), the attention weight
        averaged over the windows; non-negative, sums to one.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    ValueError
        If the model has no attention, or ``X`` has the wrong shape.
    """
    regressor = _regressor(model)
    if not regressor.attention:
        raise ValueError(
            "`model` has no attention to show: it was fit with `attention=False`. "
            "Fit it with `attention=True`, or use `gradient_norms_through_time` "
            "to see which lags the forecast depends on."
        )
    windows = _windows(model, regressor, X)
    weights = regressor.attention_weights(windows).mean(axis=0)[::-1]
    return pd.Series(
        weights, index=pd.RangeIndex(len(weights), name="lag"), name="attention"
    )


# ---------------------------------------------------------------------- plots


def plot_gradient_flow(
    norms: pd.DataFrame | pd.Series, ax: Axes | None = None, *, relative: bool = False
) -> Figure:
    """Plot gradient norms against the lag on a log scale, a line per column.

    Parameters
    ----------
    norms : pandas.DataFrame or pandas.Series
        From :func:`gradient_norms_through_time` (a line per layer) or
        :func:`compare_gradient_flow` (a line per model).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    relative : bool, default False
        Divide each line by its value at lag 0, so that cells with different
        gradient scales compare by their decay alone.

    Returns
    -------
    matplotlib.figure.Figure
    """
    frame = norms.to_frame() if isinstance(norms, pd.Series) else norms
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise TypeError(
            "`norms` must be a non-empty DataFrame from "
            "`gradient_norms_through_time` or `compare_gradient_flow`; got "
            f"{type(norms).__name__}."
        )
    if relative:
        frame = frame / frame.iloc[0]
    fig, ax = new_axes(ax, (7.0, 4.0))
    layer_columns = frame.columns.name == "layer"
    for column, values in frame.items():
        label = f"layer {column}" if layer_columns else series_label(column)
        positive = values.where(values > 0)  # log scale: drop zeros
        ax.plot(frame.index, positive, marker="o", markersize=2.5, label=label)
    log_scale(ax)
    ax.set_xlabel("lag (steps back from the forecast origin)")
    norm = r"$\|\partial L / \partial h_t\|$"
    ax.set_ylabel(f"{norm} relative to lag 0" if relative else norm)
    ax.set_title("Gradient flow through time")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False)
    return fig


def plot_attention(weights: pd.Series | pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Plot mean attention weights against the lag.

    Parameters
    ----------
    weights : pandas.Series or pandas.DataFrame
        From :func:`attention_weights` (bars), or several of them as columns
        of a DataFrame (a line per column).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(weights, pd.Series | pd.DataFrame) or weights.empty:
        raise TypeError(
            "`weights` must be a non-empty Series from `attention_weights` (or a "
            f"DataFrame of them); got {type(weights).__name__}."
        )
    fig, ax = new_axes(ax, (7.0, 3.5))
    if isinstance(weights, pd.Series):
        ax.bar(weights.index, weights.to_numpy(), width=0.85, color="#4C72B0")
    else:
        for column, values in weights.items():
            ax.plot(values.index, values.to_numpy(), label=series_label(column))
        ax.legend(frameon=False)
    ax.set_xlabel("lag (steps back from the forecast origin)")
    ax.set_ylabel("mean attention weight")
    ax.set_title("Attention over the window")
    ax.set_ylim(bottom=0)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def plot_training_history(
    history: pd.DataFrame | Mapping[Any, pd.DataFrame], *, title: str | None = None
) -> Figure:
    """Two panels per epoch: train and validation loss, and the gradient norm.

    Parameters
    ----------
    history : pandas.DataFrame or mapping of label to pandas.DataFrame
        A model's ``history_`` (columns ``train_loss``, ``val_loss``,
        ``grad_norm``, optionally ``grad_norm_max``; index ``epoch``), or
        several (e.g. a backtest's ``histories``, one per refit fold), drawn in
        one colour each: train solid, validation dashed (with a legend for up
        to six runs).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Left: losses on a log scale (the validation loss is absent when no
        validation set was held out). Right: the mean global gradient norm
        before clipping, with the per-epoch maximum as a thin line.
    """
    runs = {None: history} if isinstance(history, pd.DataFrame) else history
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError(
            "`history` must be a DataFrame like `model.history_` or a non-empty "
            f"dict of them; got {type(history).__name__}."
        )
    required = {"train_loss", "val_loss", "grad_norm"}
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    loss_ax, grad_ax = fig.subplots(1, 2)
    for i, (label, frame) in enumerate(runs.items()):
        missing = required - set(getattr(frame, "columns", ()))
        if missing:
            raise ValueError(
                f"`history` entry {label!r} lacks the columns {sorted(missing)}; "
                "expected a `history_` DataFrame with train_loss, val_loss and "
                "grad_norm per epoch."
            )
        _plot_run(loss_ax, grad_ax, frame, f"C{i % 10}", label, single=len(runs) == 1)
    loss_ax.set(xlabel="epoch", ylabel="loss", title="Loss")
    grad_ax.set(
        xlabel="epoch", ylabel="global norm", title="Gradient norm (before clipping)"
    )
    for ax in (loss_ax, grad_ax):
        log_scale(ax)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        if len(runs) <= 6:  # beyond that the colours speak for themselves
            ax.legend(frameon=False, fontsize="small")
    if title is not None:
        fig.suptitle(series_label(title), fontweight="bold", fontsize="large")
    return fig


def _plot_run(loss_ax, grad_ax, frame, color, label, *, single):
    """Draw one training run's curves in ``color``."""
    epochs = frame.index.to_numpy()
    name = "" if label is None else f"{series_label(label)} "
    loss_ax.plot(epochs, frame["train_loss"], color=color, label=f"{name}train")
    if frame["val_loss"].notna().any():
        loss_ax.plot(
            epochs,
            frame["val_loss"],
            color=color,
            linestyle="--",
            label=f"{name}validation",
        )
    grad_ax.plot(
        epochs,
        frame["grad_norm"],
        color=color,
        label="mean" if single else name.strip(),
    )
    if "grad_norm_max" in frame:
        grad_ax.plot(
            epochs,
            frame["grad_norm_max"],
            color=color,
            linewidth=0.8,
            alpha=0.5,
            label="max" if single else None,
        )
