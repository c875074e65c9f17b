"""The model file format: one JSON document and named arrays in a ``.npz`` file.

A fitted estimator is written as its constructor parameters
(``get_params(deep=False)``) and its fitted attributes (the public names that
end in ``_``, from ``__getstate__``, the state scikit-learn pickles). Values
that JSON holds (numbers, strings, lists) go into the document; arrays,
pandas objects, named tuples, augmentations and nested estimators are encoded
as small tagged objects whose arrays are separate entries of the archive.

Reading never runs code: ``numpy.load(..., allow_pickle=False)`` and ``json``.
This module knows no estimator class: :func:`decode` rebuilds objects only
from the classes its caller allows (:func:`forecastrnn.load` passes the
library's models), through their constructor and ``__setstate__``.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .augment import Augmentation, augmentation_config, augmentation_from_config
from .version import __version__

__all__ = ["FORMAT", "FORMAT_VERSION", "decode", "encode", "read", "write"]

FORMAT = "forecastrnn-model"
# 1: 0.1-0.2; 2: 0.3-0.5 (RNNForecaster window_norm, season_length_, calendar_);
# 3: 0.6 (generic state, RNNForecaster's `network`, index and series names)
FORMAT_VERSION = 3


def write(model: BaseEstimator, path) -> Path:
    """Write a fitted estimator to ``path`` (``.npz`` is appended when missing).

    :func:`forecastrnn.save` and the models' ``save`` methods call this.

    Parameters
    ----------
    model : BaseEstimator
        A fitted model whose parameters and fitted attributes this format
        holds (see :func:`encode`).
    path : str or os.PathLike
        Destination.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    NotFittedError
        If the model is not fitted.
    TypeError
        For a hyperparameter that cannot be stored without pickling (a
        callable ``optimizer`` or a custom ``augment``: pass an optimizer's
        name, or use the augmentations of :mod:`forecastrnn.augment`).
    """
    check_is_fitted(model)
    arrays: dict[str, np.ndarray] = {}
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "model": encode(model, arrays, "model"),
    }
    path = _npz_name(path)
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, __meta__=blob, **arrays)
    return path


def _npz_name(path) -> Path:
    """``path`` with ``.npz`` appended when it has another suffix or none."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def read(path) -> tuple[dict, dict[str, np.ndarray]]:
    """The JSON document and the arrays of a model file, unchecked.

    Raises
    ------
    FileNotFoundError
        If neither ``path`` nor ``path`` with ``.npz`` appended (the name
        ``write`` gives a file) exists.
    ValueError
        If ``path`` is not a readable ``.npz`` archive with a JSON document
        (a ``.npy`` array, a truncated or corrupted file, another archive).
    """
    path = Path(path)
    if not path.exists() and _npz_name(path).exists():
        path = _npz_name(path)  # the name `write` gave it
    if not path.exists():
        raise FileNotFoundError(f"`path` {str(path)!r} does not exist.")
    try:
        with open(path, "rb") as handle:
            loaded = np.load(handle, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise ValueError(
                    f"it holds one array of shape {np.shape(loaded)} (a .npy "
                    "file), not a model archive"
                )
            with loaded as archive:
                arrays = {k: archive[k] for k in archive.files}
        meta = json.loads(bytes(arrays.pop("__meta__")).decode())
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as exc:
        raise ValueError(
            f"`path` {str(path)!r} is not a readable forecastrnn model file "
            f"({type(exc).__name__}: {exc}). It may be truncated or corrupted, "
            "or another kind of file: save the model again with "
            "`forecastrnn.save`."
        ) from exc
    return meta, arrays


# ---------------------------------------------------------------- encoding
def encode(value: Any, arrays: dict[str, np.ndarray], key: str) -> Any:
    """``value`` as JSON, its arrays added to ``arrays`` under ``key/...``.

    Handles None, numbers, strings, file paths (stored as strings), lists,
    tuples, dicts with string keys, NumPy and JAX arrays (of strings too, as
    ``feature_names_in_``), pandas Index, Series and DataFrame (names kept),
    named tuples, the augmentations of :mod:`forecastrnn.augment`, and
    scikit-learn estimators (parameters and fitted attributes).

    Raises
    ------
    TypeError
        For anything else, naming where it was found.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):  # a file path setting, read back as str
        return os.fspath(value)
    if isinstance(value, BaseEstimator):
        return _encode_estimator(value, arrays, key)
    if isinstance(value, Augmentation):
        try:
            return {"$augmentation": augmentation_config(value)}
        except TypeError:
            raise TypeError(_unstorable(value, key)) from None
    if isinstance(value, pd.DataFrame):
        return _encode_frame(value, arrays, key)
    if isinstance(value, pd.Series):
        arrays[f"{key}/values"] = value.to_numpy(np.float64)
        return {
            "$series": key,
            "name": encode(value.name, arrays, f"{key}/name"),
            "index": _encode_index(value.index, arrays, f"{key}/index"),
        }
    if isinstance(value, pd.Index):
        return _encode_index(value, arrays, key)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        fields = {
            f: encode(v, arrays, f"{key}/{f}") for f, v in value._asdict().items()
        }
        return {"$namedtuple": type(value).__name__, "fields": fields}
    if isinstance(value, tuple):
        return {
            "$tuple": [encode(v, arrays, f"{key}/{i}") for i, v in enumerate(value)]
        }
    if isinstance(value, list):
        return [encode(v, arrays, f"{key}/{i}") for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$dict": {k: encode(v, arrays, f"{key}/{k}") for k, v in value.items()}}
    if hasattr(value, "__array__") and not callable(value):
        array = np.asarray(value)
        if array.dtype == object:  # names (feature_names_in_): NumPy would pickle
            if array.ndim != 1 or not all(isinstance(v, str) for v in array):
                raise TypeError(_unstorable(value, key))
            return {"$strings": array.tolist()}
        arrays[key] = array
        return {"$array": key}
    raise TypeError(_unstorable(value, key))


def _unstorable(value: Any, key: str) -> str:
    """The message for a value the format cannot hold."""
    name = key.rsplit("/", 1)[-1]
    if callable(value) and name == "optimizer":
        return (
            "A model with a callable `optimizer` cannot be saved safely as JSON; "
            "pass the optimizer's name (e.g. optimizer='rmsprop') to save it."
        )
    if callable(value) and name == "augment":
        return (
            "Only the augmentations of forecastrnn.augment (make_jitter, "
            "make_time_warp, ...) can be saved; this model's `augment` is "
            f"{value!r}. Set augment=None before saving (it only affects "
            "training), or use those augmentations."
        )
    return f"cannot store `{name}` ({type(value).__name__} {value!r}) in a model file."


def _encode_estimator(model: BaseEstimator, arrays: dict, key: str) -> dict:
    params = model.get_params(deep=False)
    rs = params.get("random_state")
    if rs is not None and not isinstance(rs, int):
        params["random_state"] = None  # a RandomState instance: its seed is spent
    fitted = {
        k: v
        for k, v in model.__getstate__().items()
        if k.endswith("_") and not k.startswith("_") and k not in params
    }
    return {
        "$estimator": type(model).__name__,
        "params": {
            k: encode(v, arrays, f"{key}/params/{k}") for k, v in params.items()
        },
        "state": {
            k: _encode_fitted(v, arrays, f"{key}/state/{k}") for k, v in fitted.items()
        },
    }


def _encode_fitted(value: Any, arrays: dict, key: str) -> Any:
    """A fitted attribute. A fitted sub-estimator's training-only callables
    that cannot be stored (a custom ``augment`` or ``optimizer``) are stored
    as None: they do not change its forecasts, and its owner refits from its
    own parameters, which must be storable."""
    if not isinstance(value, BaseEstimator):
        return encode(value, arrays, key)
    overrides = {}
    for name in ("augment", "optimizer"):
        setting = getattr(value, name, None)
        if callable(setting):
            try:
                encode(setting, {}, name)
            except TypeError:
                overrides[name] = None
    if overrides:
        value = _with_params(value, overrides)
    return _encode_estimator(value, arrays, key)


def _with_params(model: BaseEstimator, params: dict) -> BaseEstimator:
    """A shallow copy of ``model`` (fitted attributes kept) with ``params`` set."""
    copy = type(model).__new__(type(model))
    copy.__setstate__({**model.__getstate__(), **params})
    return copy


def _encode_index(index: pd.Index, arrays: dict, key: str) -> dict:
    out = {"$index": key, "name": encode(index.name, arrays, f"{key}/name")}
    if isinstance(index, pd.DatetimeIndex):
        arrays[f"{key}/ticks"] = index.asi8
        out["unit"] = index.unit
        out["tz"] = None if index.tz is None else str(index.tz)
        freq = index.freq
        out["freq"] = None if freq is None else freq.freqstr
        if isinstance(freq, pd.offsets.CustomBusinessDay):
            arrays[f"{key}/holidays"] = np.asarray(
                freq.holidays, "datetime64[ns]"
            ).astype(np.int64)
            out["weekmask"] = freq.weekmask
        return out
    if not pd.api.types.is_integer_dtype(index.dtype):
        raise TypeError(
            f"cannot store an index of dtype {index.dtype} in a model file; "
            "use a DatetimeIndex or an integer index."
        )
    arrays[f"{key}/int"] = np.asarray(index, np.int64)
    out["range"] = isinstance(index, pd.RangeIndex)
    return out


def _encode_frame(frame: pd.DataFrame, arrays: dict, key: str) -> dict:
    arrays[f"{key}/values"] = frame.to_numpy(np.float64)
    return {
        "$frame": key,
        "columns": encode(list(frame.columns), arrays, f"{key}/columns"),
        "index": _encode_index(frame.index, arrays, f"{key}/index"),
    }


# ---------------------------------------------------------------- decoding
def decode(
    node: Any, arrays: Mapping[str, np.ndarray], classes: Mapping[str, Callable]
) -> Any:
    """The object :func:`encode` wrote as ``node``.

    ``classes`` maps the names of the estimator and named-tuple classes that
    may be rebuilt to the classes; any other name is a ``ValueError``.
    Estimators are built from their parameters, then given their fitted
    attributes through ``__setstate__`` (scikit-learn's pickling protocol).

    Raises
    ------
    ValueError
        For an unknown class or a malformed document.
    """
    if isinstance(node, list):
        return [decode(v, arrays, classes) for v in node]
    if not isinstance(node, dict):
        return node
    if "$array" in node:
        return arrays[node["$array"]]
    if "$strings" in node:
        return np.array(node["$strings"], dtype=object)
    if "$tuple" in node:
        return tuple(decode(v, arrays, classes) for v in node["$tuple"])
    if "$dict" in node:
        return {k: decode(v, arrays, classes) for k, v in node["$dict"].items()}
    if "$augmentation" in node:
        return augmentation_from_config(node["$augmentation"])
    if "$index" in node:
        return _decode_index(node, arrays, classes)
    if "$series" in node:
        key = node["$series"]
        return pd.Series(
            arrays[f"{key}/values"],
            _decode_index(node["index"], arrays, classes),
            name=decode(node["name"], arrays, classes),
        )
    if "$frame" in node:
        key = node["$frame"]
        return pd.DataFrame(
            arrays[f"{key}/values"],
            _decode_index(node["index"], arrays, classes),
            decode(node["columns"], arrays, classes),
        )
    if "$namedtuple" in node:
        cls = _known(node["$namedtuple"], classes)
        return cls(**{k: decode(v, arrays, classes) for k, v in node["fields"].items()})
    if "$estimator" in node:
        cls = _known(node["$estimator"], classes)
        model = cls(
            **{k: decode(v, arrays, classes) for k, v in node["params"].items()}
        )
        state = {k: decode(v, arrays, classes) for k, v in node["state"].items()}
        model.__setstate__({**model.__getstate__(), **state})
        return model
    raise ValueError(f"malformed entry {sorted(node)[:3]} in the model document")


def _known(name: str, classes: Mapping[str, Callable]) -> Callable:
    if name not in classes:
        raise ValueError(
            f"the file holds a {name!r}, which this forecastrnn does not load "
            f"(it loads {sorted(classes)})"
        )
    return classes[name]


def _decode_index(node: dict, arrays: Mapping, classes: Mapping) -> pd.Index:
    key, name = node["$index"], decode(node["name"], arrays, classes)
    if f"{key}/int" in arrays:
        values = arrays[f"{key}/int"]
        if node.get("range") and len(values) and np.all(np.diff(values) == 1):
            return pd.RangeIndex(values[0], values[0] + len(values), name=name)
        return pd.Index(values, name=name)
    ticks = arrays[f"{key}/ticks"].astype(f"datetime64[{node['unit']}]")
    index = pd.DatetimeIndex(ticks, name=name)
    if node["tz"] is not None:
        index = index.tz_localize("UTC").tz_convert(node["tz"])
    freq = node["freq"]
    if f"{key}/holidays" in arrays:
        holidays = arrays[f"{key}/holidays"].astype("datetime64[ns]")
        freq = pd.offsets.CustomBusinessDay(
            holidays=list(holidays), weekmask=node["weekmask"]
        )
    return pd.DatetimeIndex(index, freq=freq)
