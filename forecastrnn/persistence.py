"""Save and load fitted models in a safe format.

A model file is a NumPy ``.npz`` archive: the configuration and small fitted
attributes as one JSON document (entry ``__meta__``), every array as its own
entry (the format is :mod:`forecastrnn.archive`). Loading uses
``numpy.load(..., allow_pickle=False)`` and ``json``, so a file can never
execute code, and it rebuilds only the library's own models. The library and
format versions are recorded. Pickling still works for scikit-learn's own
needs (``clone``, joblib).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import jax
import numpy as np

from . import archive
from .estimators import RNNRegressor
from .forecasters import RNNForecaster, SeriesState
from .nn.network import init_network
from .scaling import ScaleState
from .version import __version__

__all__ = ["load", "save"]

# The classes a model file may hold; nothing else is ever built from a file.
_CLASSES = {
    "RNNRegressor": RNNRegressor,
    "RNNForecaster": RNNForecaster,
    "ScaleState": ScaleState,
    "SeriesState": SeriesState,
}


def save(model, path) -> Path:
    """Write a fitted ``RNNRegressor`` or ``RNNForecaster`` to ``path``.

    Parameters
    ----------
    model : RNNRegressor or RNNForecaster
        A fitted model.
    path : str or os.PathLike
        Destination; ``.npz`` is appended when missing.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    NotFittedError
        If the model is not fitted.
    TypeError
        For an unsupported model, or a hyperparameter that cannot be stored
        as JSON (a callable ``optimizer``: pass its name instead).
    """
    if not isinstance(model, RNNRegressor | RNNForecaster):
        raise TypeError(
            "`model` must be an RNNRegressor or RNNForecaster; got "
            f"{type(model).__name__}. Baselines refit in seconds: save their "
            "parameters instead."
        )
    return archive.write(model, path)


def load(path):
    """Read a model written by :func:`save` (or a model's ``save`` method).

    Parameters
    ----------
    path : str or os.PathLike
        A model file: the path given to :func:`save` (which appends
        ``.npz`` when missing) or the one it returned.

    Returns
    -------
    RNNRegressor or RNNForecaster
        The fitted model, forecasting exactly as when it was saved.

    Raises
    ------
    FileNotFoundError
        If neither ``path`` nor ``path`` with ``.npz`` appended exists.
    ValueError
        If the file is not a forecastrnn model file, is truncated or
        corrupted, comes from another format version, or its arrays do not
        match its configuration.
    """
    meta, arrays = archive.read(path)
    path = Path(path)
    _check_meta(meta, path)
    try:
        model = archive.decode(meta["model"], arrays, _CLASSES)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ValueError(
            f"`path` {str(path)!r} holds an incomplete or inconsistent model "
            f"({type(exc).__name__}: {exc}). Save the model again."
        ) from exc
    if not isinstance(model, RNNRegressor | RNNForecaster):
        raise ValueError(f"`path` {str(path)!r} does not hold a forecastrnn model.")
    regressor = model if isinstance(model, RNNRegressor) else model.regressor_
    _check_arrays(regressor, path)
    return model


def _check_meta(meta, path: Path) -> None:
    if not isinstance(meta, dict) or meta.get("format") != archive.FORMAT:
        raise ValueError(
            f"`path` {str(path)!r} is not a readable forecastrnn model file "
            "(no forecastrnn model document in it)."
        )
    version = meta.get("format_version", 0)
    if version > archive.FORMAT_VERSION:
        raise ValueError(
            f"`path` {str(path)!r} uses model format {version}, newer than this "
            f"forecastrnn {__version__} reads ({archive.FORMAT_VERSION}). Upgrade "
            "forecastrnn."
        )
    if version < archive.FORMAT_VERSION:
        raise ValueError(
            f"`path` {str(path)!r} was written by forecastrnn "
            f"{meta.get('library_version')} (model format {version}); this "
            f"forecastrnn {__version__} reads format {archive.FORMAT_VERSION}. "
            f"Load it with forecastrnn {meta.get('library_version')} and refit, "
            "or refit the model with this version and save it again."
        )
    if meta.get("library_version") != __version__:
        warnings.warn(
            f"{path} was saved by forecastrnn {meta.get('library_version')}; this is "
            f"{__version__}. Check its forecasts before relying on them.",
            UserWarning,
            stacklevel=3,
        )


def _check_arrays(regressor: RNNRegressor, path: Path) -> None:
    """The saved network parameters have the shapes its configuration gives."""
    expected = init_network(regressor.network_config(), 0)
    params = regressor.params_
    if jax.tree.structure(expected) != jax.tree.structure(params) or any(
        np.shape(e) != np.shape(g)
        for e, g in zip(jax.tree.leaves(expected), jax.tree.leaves(params), strict=True)
    ):
        raise ValueError(
            f"`path` {str(path)!r}: the saved network parameters do not match the "
            f"saved configuration (cell={regressor.cell!r}, "
            f"hidden_size={regressor.hidden_size}); the file is inconsistent. "
            "Save the model again."
        )
