"""Save and load fitted models in a safe format.

A model file is a NumPy ``.npz`` archive: the configuration and small fitted
attributes as one JSON document (entry ``__meta__``), every array as its own
entry. Loading uses ``numpy.load(..., allow_pickle=False)`` and ``json``, so a
file can never execute code. The library and format versions are recorded.
Pickling still works for scikit-learn's own needs (``clone``, joblib).
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import jax
import numpy as np
import pandas as pd

FORMAT = "forecastrnn-model"
FORMAT_VERSION = 2  # 2: RNNForecaster window_norm, season_length_, calendar_
_TUPLE_PARAMS = ("quantiles", "past_covariates", "calendar_features")


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
    from sklearn.utils.validation import check_is_fitted

    from . import __version__

    kind = type(model).__name__
    if kind not in _STATE:
        raise TypeError(
            f"`model` must be an RNNRegressor or RNNForecaster; got {kind}. "
            "Baselines refit in seconds: save their parameters instead."
        )
    check_is_fitted(model)
    arrays: dict[str, np.ndarray] = {}
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "class": kind,
        "params": _json_params(model),
        "state": _STATE[kind][0](model, arrays, ""),
    }
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, __meta__=blob, **arrays)
    return path


def load(path):
    """Read a model written by :func:`save`.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a forecastrnn model file, is truncated or corrupted,
        comes from a newer format, or its arrays do not match its configuration.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"`path` {str(path)!r} does not exist.")
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
        meta = json.loads(bytes(arrays.pop("__meta__")).decode())
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as exc:
        raise ValueError(
            f"`path` {str(path)!r} is not a readable forecastrnn model file "
            f"({type(exc).__name__}: {exc}). It may be truncated or corrupted: "
            "save the model again."
        ) from exc
    _check_meta(meta, path)
    if meta.get("format_version") == 1 and meta.get("class") == "RNNForecaster":
        # format 1 forecasters fed the scaled values as they were, with the
        # calendar features their parameter named
        meta["params"] = {"window_norm": None, **meta["params"]}
        meta["state"].setdefault("season_length_", 1)
        features = meta["params"].get("calendar_features")
        if features is True:
            features = ["hour", "day_of_week", "day_of_year"]
        meta["state"].setdefault("calendar_", features or [])
    try:
        return _build(meta["class"], meta["params"], meta["state"], arrays, "")
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(
            f"`path` {str(path)!r} holds an incomplete {meta['class']} "
            f"({type(exc).__name__}: {exc}). Save the model again."
        ) from exc


def _check_meta(meta, path: Path) -> None:
    from . import __version__

    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"`path` {str(path)!r} is not a forecastrnn model file.")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"`path` {str(path)!r} uses model format {meta['format_version']}, newer "
            f"than this forecastrnn {__version__} reads ({FORMAT_VERSION}). Upgrade "
            "forecastrnn."
        )
    if meta.get("class") not in _STATE:
        raise ValueError(
            f"`path` {str(path)!r} holds an unknown model {meta.get('class')!r}."
        )
    if meta.get("library_version") != __version__:
        warnings.warn(
            f"{path} was saved by forecastrnn {meta.get('library_version')}; this is "
            f"{__version__}. Check its forecasts before relying on them.",
            UserWarning,
            stacklevel=3,
        )


def _json_params(model, **override) -> dict:
    params = {**model.get_params(deep=False), **override}
    if callable(params.get("optimizer")):
        raise TypeError(
            "A model with a callable `optimizer` cannot be saved safely as JSON; "
            "pass the optimizer's name (e.g. optimizer='rmsprop') to save it."
        )
    if params.get("augment") is not None:
        from .windows import _augmentation_config

        params["augment"] = _augmentation_config(params["augment"])
    rs = params.get("random_state")
    if rs is not None and not isinstance(rs, int):
        params["random_state"] = None  # a RandomState instance: its seed is spent
    return json.loads(json.dumps(params, default=_json_default))


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot store {type(obj).__name__} {obj!r} as JSON")


# ---------------------------------------------------------------- regressor
def _regressor_state(model, arrays: dict, prefix: str) -> dict:
    for key, leaf in _flatten(model.params_, f"{prefix}params_"):
        arrays[key] = np.asarray(leaf)
    _put_frame(model.history_, arrays, f"{prefix}history_")
    return {
        "params_keys": [k for k, _ in _flatten(model.params_, f"{prefix}params_")],
        **{
            a: int(getattr(model, a))
            for a in (
                "n_features_in_",
                "y_ndim_",
                "window_size_",
                "n_outputs_",
                "n_epochs_",
            )
        },
    }


def _regressor_build(model, state: dict, arrays: dict, prefix: str):
    from .nn.network import init_network

    params = _unflatten(
        {k[len(prefix + "params_/") :]: arrays[k] for k in state["params_keys"]}
    )
    for name in (
        "n_features_in_",
        "y_ndim_",
        "window_size_",
        "n_outputs_",
        "n_epochs_",
    ):
        setattr(model, name, state[name])
    model.history_ = _get_frame(arrays, f"{prefix}history_").rename_axis("epoch")
    config = model._network_config(model.n_outputs_ * model._n_quantiles(), {})
    expected = init_network(config, 0)
    if jax.tree.structure(expected) != jax.tree.structure(params) or any(
        np.shape(e) != np.shape(g)
        for e, g in zip(
            jax.tree.leaves(expected), jax.tree.leaves(params), strict=True
        )
    ):
        raise ValueError(
            "The saved network parameters do not match the saved configuration "
            f"(cell={model.cell!r}, hidden_size={model.hidden_size}); the file is "
            "inconsistent. Save the model again."
        )
    model.params_ = params
    return model


# --------------------------------------------------------------- forecaster
def _forecaster_state(model, arrays: dict, prefix: str) -> dict:
    for name in ("y_scale_", "past_scale_", "future_scale_"):
        state = getattr(model, name)
        if state is not None:
            arrays[f"{prefix}{name}/center"] = np.asarray(state.center)
            arrays[f"{prefix}{name}/scale"] = np.asarray(state.scale)
    _put_series(model.y_tail_, arrays, f"{prefix}y_tail_")
    if model.exog_tail_ is not None:
        _put_frame(model.exog_tail_, arrays, f"{prefix}exog_tail_")
    name = model.y_name_
    return {
        "regressor_": _regressor_state(
            model.regressor_, arrays, f"{prefix}regressor_/"
        ),
        # the forecaster's `augment` (it only matters for training): a fitted
        # forecaster set to augment=None saves even if it trained with another
        "regressor_params": _json_params(model.regressor_, augment=model.augment),
        "scales": [
            n
            for n in ("y_scale_", "past_scale_", "future_scale_")
            if getattr(model, n) is not None
        ],
        "y_name_": name
        if name is None or isinstance(name, int | float | str)
        else str(name),
        "n_obs_": int(model.n_obs_),
        "exog_columns_": model.exog_columns_,
        "calendar_": list(model.calendar_),
        "season_length_": int(model.season_length_),
    }


def _forecaster_build(model, state: dict, arrays: dict, prefix: str):
    from . import scaling
    from .estimators import RNNRegressor

    regressor = RNNRegressor(**_tuples(state["regressor_params"]))
    model.regressor_ = _regressor_build(
        regressor, state["regressor_"], arrays, f"{prefix}regressor_/"
    )
    model.history_ = model.regressor_.history_
    for name in ("y_scale_", "past_scale_", "future_scale_"):
        value = None
        if name in state["scales"]:
            center, scale = (
                arrays[f"{prefix}{name}/center"],
                arrays[f"{prefix}{name}/scale"],
            )
            value = scaling.ScaleState(model.scaler, center, scale)
        setattr(model, name, value)
    model.y_tail_ = _get_series(arrays, f"{prefix}y_tail_", state["y_name_"])
    model.exog_columns_ = state["exog_columns_"]
    model.exog_tail_ = None
    if model.exog_columns_ is not None:
        model.exog_tail_ = _get_frame(arrays, f"{prefix}exog_tail_")
        model.exog_tail_.columns = model.exog_columns_
    model.y_name_, model.n_obs_ = state["y_name_"], state["n_obs_"]
    model.calendar_ = tuple(state["calendar_"])
    model.season_length_ = state["season_length_"]
    return model


def _build(kind: str, params: dict, state: dict, arrays: dict, prefix: str):
    from .estimators import RNNRegressor
    from .forecasters import RNNForecaster

    cls = {"RNNRegressor": RNNRegressor, "RNNForecaster": RNNForecaster}[kind]
    return _STATE[kind][1](cls(**_tuples(params)), state, arrays, prefix)


_STATE = {
    "RNNRegressor": (_regressor_state, _regressor_build),
    "RNNForecaster": (_forecaster_state, _forecaster_build),
}


def _tuples(params: dict) -> dict:
    """Parameters as the constructor takes them (JSON lists back to tuples,
    augmentations rebuilt from their description)."""
    from .windows import _augmentation_from_config

    params = {
        k: tuple(v) if k in _TUPLE_PARAMS and isinstance(v, list) else v
        for k, v in params.items()
    }
    if params.get("augment") is not None:
        params["augment"] = _augmentation_from_config(params["augment"])
    return params


# ------------------------------------------------------------ pytree / pandas
def _flatten(tree, prefix: str):
    if isinstance(tree, dict):
        for k in sorted(tree):
            yield from _flatten(tree[k], f"{prefix}/{k}")
    elif isinstance(tree, list | tuple):
        for i, v in enumerate(tree):
            yield from _flatten(v, f"{prefix}/{i}")
    else:
        yield prefix, tree


def _unflatten(flat: dict):
    root: dict = {}
    for key, value in flat.items():
        node, parts = root, key.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[str(i)]) for i in range(len(node))]
    return {k: _lists(v) for k, v in node.items()}


def _put_index(index: pd.Index, arrays: dict, key: str) -> None:
    if isinstance(index, pd.DatetimeIndex):
        arrays[f"{key}/ticks"] = index.asi8
        arrays[f"{key}/unit"] = np.array(index.unit)
        freq = index.freq
        arrays[f"{key}/freq"] = np.array(freq.freqstr if freq is not None else "")
        if isinstance(freq, pd.offsets.CustomBusinessDay):
            arrays[f"{key}/holidays"] = np.asarray(
                freq.holidays, "datetime64[ns]"
            ).astype(np.int64)
            arrays[f"{key}/weekmask"] = np.array(freq.weekmask)
        if index.tz is not None:
            arrays[f"{key}/tz"] = np.array(str(index.tz))
    else:
        arrays[f"{key}/int"] = np.asarray(index, np.int64)


def _get_index(arrays: dict, key: str) -> pd.Index:
    if f"{key}/int" in arrays:
        values = arrays[f"{key}/int"]
        if len(values) > 1 and np.all(np.diff(values) == 1):
            return pd.RangeIndex(values[0], values[-1] + 1)
        return pd.Index(values)
    unit = str(arrays[f"{key}/unit"])
    index = pd.DatetimeIndex(arrays[f"{key}/ticks"].astype(f"datetime64[{unit}]"))
    if f"{key}/tz" in arrays:
        index = index.tz_localize("UTC").tz_convert(str(arrays[f"{key}/tz"]))
    freq = str(arrays[f"{key}/freq"])
    if f"{key}/holidays" in arrays:
        holidays = arrays[f"{key}/holidays"].astype("datetime64[ns]")
        freq = pd.offsets.CustomBusinessDay(
            holidays=list(holidays), weekmask=str(arrays[f"{key}/weekmask"])
        )
    return pd.DatetimeIndex(index, freq=freq or None)


def _put_series(series: pd.Series, arrays: dict, key: str) -> None:
    arrays[f"{key}/values"] = series.to_numpy(np.float64)
    _put_index(series.index, arrays, f"{key}/index")


def _get_series(arrays: dict, key: str, name) -> pd.Series:
    return pd.Series(
        arrays[f"{key}/values"], _get_index(arrays, f"{key}/index"), name=name
    )


def _put_frame(frame: pd.DataFrame, arrays: dict, key: str) -> None:
    arrays[f"{key}/values"] = frame.to_numpy(np.float64)
    arrays[f"{key}/columns"] = np.array([str(c) for c in frame.columns])
    _put_index(frame.index, arrays, f"{key}/index")


def _get_frame(arrays: dict, key: str) -> pd.DataFrame:
    columns = [str(c) for c in arrays[f"{key}/columns"]]
    return pd.DataFrame(
        arrays[f"{key}/values"], _get_index(arrays, f"{key}/index"), columns
    )
