"""The network an ``RNNForecaster`` trains: its defaults and how it is given,
and the checks of the forecaster's own settings.

A forecaster takes a cell name (the network of :func:`default_network`) or an
``RNNRegressor``; :func:`network_of` resolves either. 0.5.0's flat network
keywords (``RNNForecaster("gru", hidden_size=8)``) still work through
:func:`deprecated_network`, with a warning.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import scaling
from .checks import check_int, check_probability
from .estimators import RNNRegressor
from .nn.cells import check_cell

__all__ = [
    "FORECASTER_NETWORK",
    "NETWORK_PARAMS",
    "check_forecaster_settings",
    "default_network",
    "deprecated_network",
    "interval_levels",
    "is_quantile",
    "network_of",
]

# The settings a network takes through the deprecated flat keywords of 0.5.0
# (``RNNForecaster("gru", hidden_size=8)``): every RNNRegressor parameter but
# `n_channels`, which the forecaster sets from its inputs.
NETWORK_PARAMS = tuple(
    name for name in RNNRegressor().get_params(deep=False) if name != "n_channels"
)


# Where the forecaster's network differs from RNNRegressor's defaults, and why:
# one series gives many strongly overlapping windows, so larger batches with a
# smaller step train as well in a quarter of the updates, and a validation loss
# that stops improving for 5 epochs on the most recent windows rarely recovers
# (0.5.0's values, chosen on validation folds, benchmarks/accuracy.md). The
# absolute error (0.11.0) forecasts the median: with the origin-free input of
# `forking=1` it beat the squared error on the validation folds of M4 weekly
# and energy (both cells, three seeds) and of the hourly panel (two seeds),
# and lost only for the LSTM on weather (benchmarks/panel.md, accuracy.md).
# RNNRegressor's defaults are chosen to pass scikit-learn's estimator checks
# on small generic problems.
FORECASTER_NETWORK = {
    "learning_rate": 3e-3,
    "batch_size": 64,
    "patience": 5,
    "loss": "mae",
}


def default_network(cell: str = "lstm") -> RNNRegressor:
    """The network an ``RNNForecaster`` trains when it is given a cell name.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default "lstm"

    Returns
    -------
    RNNRegressor
        ``RNNRegressor(cell, learning_rate=3e-3, batch_size=64, patience=5,
        loss="mae")``: the regressor's defaults except these four (see
        ``FORECASTER_NETWORK`` for why).

    Examples
    --------
    >>> default_network("gru").batch_size
    64
    >>> default_network("gru").loss
    'mae'
    """
    return RNNRegressor(check_cell(cell), **FORECASTER_NETWORK)


def network_of(forecaster) -> RNNRegressor:
    """The unfitted network of ``forecaster`` (its ``network``: a cell name
    gives :func:`default_network`), or TypeError."""
    network = forecaster.network
    if isinstance(network, str):
        return default_network(network)
    if not isinstance(network, RNNRegressor):
        raise TypeError(
            "`network` must be a cell name ('lstm', 'gru', 'rnn') or an "
            f"RNNRegressor; got {type(network).__name__} {network!r}. Pass e.g. "
            "network=RNNRegressor('gru', hidden_size=32)."
        )
    return network


def deprecated_network(network, params: dict) -> RNNRegressor:
    """The network of 0.5.0's flat keywords, with a ``DeprecationWarning``."""
    unknown = sorted(set(params) - set(NETWORK_PARAMS))
    if unknown:
        raise TypeError(
            f"RNNForecaster got unexpected keyword arguments {unknown}. Network "
            "settings go in `network=RNNRegressor(...)`; the forecaster's own are "
            "window_size, horizon, strategy, scaler, window_norm, season_length, "
            "calendar_features and past_covariates."
        )
    if isinstance(network, RNNRegressor):
        raise TypeError(
            f"Pass the network settings {sorted(params)} to the RNNRegressor given "
            "as `network`, not to RNNForecaster."
        )
    params = {"cell": network, **FORECASTER_NETWORK, **params}
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    warnings.warn(
        "Network settings passed to RNNForecaster directly are deprecated since "
        f"forecastrnn 0.6; pass network=RNNRegressor({shown}) instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return RNNRegressor(**params)


def check_forecaster_settings(forecaster) -> None:
    """The series-level settings of an ``RNNForecaster`` (window, horizon,
    strategy, scaling, window norm, season, epoch sample, forking, past
    covariates) are valid, or ValueError / TypeError naming the setting."""
    for name in ("window_size", "horizon"):
        check_int(getattr(forecaster, name), name)
    if forecaster.strategy not in ("direct", "recursive"):
        raise ValueError(
            f"`strategy` must be 'direct' or 'recursive'; got {forecaster.strategy!r}."
        )
    if forecaster.scaler is not None and forecaster.scaler not in scaling.METHODS:
        raise ValueError(
            f"`scaler` must be one of {scaling.METHODS} or None; got "
            f"{forecaster.scaler!r}."
        )
    if forecaster.window_norm not in ("season", "last", "mean", None):
        raise ValueError(
            "`window_norm` must be 'season', 'last', 'mean' or None; got "
            f"{forecaster.window_norm!r}."
        )
    m = check_int(forecaster.season_length, "season_length", allow_none=True)
    if m is not None and m > forecaster.window_size:
        raise ValueError(
            f"`season_length={m}` exceeds `window_size={forecaster.window_size}`: the "
            "window must hold a whole season. Raise `window_size` or lower "
            "`season_length`."
        )
    if forecaster.windows_per_series != "auto":
        check_int(forecaster.windows_per_series, "windows_per_series", allow_none=True)
    check_int(forecaster.forking, "forking", allow_none=True)
    if forecaster.forking is not None and forecaster.forking > 1:
        network = network_of(forecaster)
        if network.bidirectional or network.attention:
            raise ValueError(
                f"`forking={forecaster.forking}` needs a forward-only network "
                "without attention: the state after each step must depend "
                "only on the steps before it. Set the network's "
                "`bidirectional=False` and `attention=False`, or "
                "`forking=1`."
            )
    if isinstance(forecaster.past_covariates, str):
        raise TypeError(
            "`past_covariates` must be a tuple of column names; got the string "
            f"{forecaster.past_covariates!r}. Write ({forecaster.past_covariates!r},)."
        )


def is_quantile(forecaster) -> bool:
    """Whether ``forecaster`` predicts quantiles; raises a clear error if not."""
    loss = network_of(forecaster).loss
    if loss != "quantile":
        raise AttributeError(
            "Quantiles and intervals need `loss='quantile'`; this forecaster uses "
            f"`loss={loss!r}`. Refit with "
            "network=RNNRegressor(..., loss='quantile'), or wrap a backtest of any "
            "forecaster in `forecastrnn.conformal_interval`."
        )
    return True


def interval_levels(levels, coverage) -> dict:
    """The fitted quantile ``levels`` an interval of ``coverage`` reads:
    ``{"mean": the level nearest 0.5, "lower": (1 - coverage) / 2, "upper":
    (1 + coverage) / 2}``, or a ValueError naming the levels it needs.

    >>> interval_levels((0.1, 0.5, 0.9), 0.8)
    {'mean': 0.5, 'lower': 0.1, 'upper': 0.9}
    """
    coverage = check_probability(coverage, "coverage")
    levels = np.asarray(levels, float)
    lo, hi = (1 - coverage) / 2, (1 + coverage) / 2
    found = [levels[np.isclose(levels, v)] for v in (lo, hi)]
    if not all(len(f) for f in found):
        raise ValueError(
            f"`coverage={coverage}` needs the quantiles {lo:g} and {hi:g}; the "
            f"model was fit with {tuple(levels.tolist())}. Pass a coverage they "
            f"span, or refit with quantiles=({lo:g}, 0.5, {hi:g})."
        )
    middle = levels[np.argmin(np.abs(levels - 0.5))]
    chosen = (middle, found[0][0], found[1][0])
    return dict(zip(("mean", "lower", "upper"), map(float, chosen), strict=True))
