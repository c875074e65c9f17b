"""Checkpoints of a fit: write the model file as training goes, resume from it.

:class:`forecastrnn.RNNRegressor` with ``checkpoint`` keeps a model file up
to date while it trains (:func:`write_checkpoint`) and, when the file exists
as ``fit`` starts, resumes that run (:func:`resume`). A file is resumed only
by a fit of the same data (:func:`data_digest`) and the same parameters
(:func:`run_settings`, ``RUN_SETTINGS`` aside); :func:`read_checkpoint`
reads and checks it. The file is the safe model format of
:mod:`forecastrnn.archive`, so :func:`forecastrnn.load` reads it as a fitted
regressor. Also here, shared with ``warm_start``: :func:`history_lists` and
:func:`shape_mismatch`.

This module knows no estimator class: its callers pass the model or its class.
"""

from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path
from typing import NamedTuple

import jax
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from . import archive, training
from .indexed_windows import IndexedWindows

__all__ = [
    "RUN_SETTINGS",
    "CheckpointRun",
    "checkpoint_path",
    "data_digest",
    "history_lists",
    "read_checkpoint",
    "resume",
    "run_settings",
    "shape_mismatch",
    "write_checkpoint",
]

# The parameters a checkpoint's run may change when it is resumed.
RUN_SETTINGS = ("checkpoint", "ensemble_combine", "max_epochs", "verbose", "warm_start")


class CheckpointRun(NamedTuple):
    """A fit's checkpoint file, its parameters as stored and its data's digest.

    Attributes
    ----------
    path : pathlib.Path or None
        The checkpoint file (see :func:`checkpoint_path`).
    settings : dict or None
        The parameters the file must share (see :func:`run_settings`).
    digest : str or None
        The training data's fingerprint (see :func:`data_digest`).
    shapes : tuple of two tuples of int
        The shapes of the windows and of the targets, for error messages.
    """

    path: Path | None
    settings: dict | None
    digest: str | None
    shapes: tuple[tuple[int, ...], tuple[int, ...]]


def checkpoint_path(checkpoint) -> Path | None:
    """The checkpoint file (``.npz`` appended when missing), checked, or None.

    Parameters
    ----------
    checkpoint : str, os.PathLike or None
        The ``checkpoint`` parameter of the estimator.

    Returns
    -------
    pathlib.Path or None
        None when ``checkpoint`` is None.

    Raises
    ------
    TypeError
        When ``checkpoint`` is neither None nor a path.
    ValueError
        When the file's folder does not exist.
    """
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, str | os.PathLike):
        raise TypeError(
            "`checkpoint` must be None or a file path (str or os.PathLike); got "
            f"{type(checkpoint).__name__} {checkpoint!r}."
        )
    path = Path(checkpoint)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if not path.parent.is_dir():
        raise ValueError(
            f"`checkpoint` {str(path)!r}: the folder {str(path.parent)!r} does not "
            "exist. Create it first, or pass a path in an existing folder."
        )
    return path


def run_settings(model: BaseEstimator) -> dict:
    """The parameters a checkpoint must share, as the model file stores them.

    Parameters
    ----------
    model : BaseEstimator
        The estimator about to fit (its constructor parameters are read).

    Returns
    -------
    dict
        The stored constructor parameters, less ``RUN_SETTINGS``.

    Raises
    ------
    TypeError
        When a parameter cannot be stored in the model file format.
    """
    fresh = type(model)(**model.get_params(deep=False))
    try:
        stored = archive.encode(fresh, {}, "model")["params"]
    except TypeError as exc:
        raise TypeError(
            f"`checkpoint` writes the model in the safe model file format: {exc}"
        ) from None
    return {k: v for k, v in stored.items() if k not in RUN_SETTINGS}


def data_digest(windows, Y, groups, samples_per_group) -> str:
    """A fingerprint of the training data.

    Parameters
    ----------
    windows : numpy.ndarray of shape (n_windows, window_size, n_channels) \
or IndexedWindows
    Y : numpy.ndarray of shape (n_windows, horizon), or None with IndexedWindows
    groups : array-like of shape (n_windows,) or None
    samples_per_group : int or None

    Returns
    -------
    str
        A hexadecimal digest; equal data give equal digests.
    """
    h = hashlib.blake2b(digest_size=16)
    arrays = (windows, Y)
    if isinstance(windows, IndexedWindows):
        h.update(repr(windows.layout).encode())
        arrays = (windows.values, windows.targets, windows.starts)
        periods = windows.row_periods()
        if (periods != windows.layout.season_length).any():  # series differ
            arrays = (*arrays, periods)
    for a in arrays:
        h.update(repr(a.shape).encode())
        h.update(np.ascontiguousarray(a))
    if groups is not None:
        h.update(pd.factorize(groups)[0].astype(np.int64))
    h.update(repr(samples_per_group).encode())
    return h.hexdigest()


def read_checkpoint(path: Path, cls: type) -> tuple[dict, BaseEstimator]:
    """The JSON document and the model of a checkpoint file, checked.

    Parameters
    ----------
    path : pathlib.Path
        An existing checkpoint file.
    cls : type
        The estimator class the file holds.

    Returns
    -------
    meta : dict
        The file's JSON document.
    model : BaseEstimator
        The model, with its ``training_state_``.

    Raises
    ------
    ValueError
        When the file is not a checkpoint this version can resume.
    """
    try:
        meta, arrays = archive.read(path)
        if meta.get("format_version") != archive.FORMAT_VERSION:
            raise ValueError(
                f"model format {meta.get('format_version')}, this forecastrnn "
                f"writes {archive.FORMAT_VERSION}"
            )
        saved = archive.decode(meta["model"], arrays, {cls.__name__: cls})
        saved.training_state_["opt_state"]  # noqa: B018 (a checkpoint's)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"`checkpoint` {str(path)!r} exists but is not a checkpoint this "
            f"forecastrnn can resume ({type(exc).__name__}: {exc}). Delete it to "
            "train afresh, or pass another `checkpoint` path."
        ) from exc
    return meta, saved


def history_lists(history: pd.DataFrame) -> dict:
    """A ``history_`` frame as the lists of :func:`forecastrnn.training.fit_network`.

    Parameters
    ----------
    history : pandas.DataFrame
        Indexed by epoch, one column per record.

    Returns
    -------
    dict
        ``"epoch"`` and each column, as lists.
    """
    lists = {"epoch": [int(e) for e in history.index]}
    return lists | {name: history[name].tolist() for name in history.columns}


def shape_mismatch(fitted: dict, params: dict) -> str:
    """How ``fitted`` differs in shapes from ``params`` ('' when it does not).

    Parameters
    ----------
    fitted, params : dict
        Two network parameter pytrees.

    Returns
    -------
    str
        The first difference (structure, or a parameter's shape), or ``''``.
    """
    if jax.tree.structure(fitted) != jax.tree.structure(params):
        return "the parameters have another structure"
    paths = jax.tree_util.tree_flatten_with_path(params)[0]
    for (where, new), old in zip(paths, jax.tree.leaves(fitted), strict=True):
        if np.shape(old) != np.shape(new):
            name = jax.tree_util.keystr(where)
            return (
                f"parameter {name} has shape {np.shape(old)} fitted, "
                f"{np.shape(new)} now"
            )
    return ""


def resume(
    spec: training.TrainSpec,
    params: dict,
    run: CheckpointRun,
    cls: type,
    fitted_history: pd.DataFrame | None = None,
) -> tuple[training.TrainState, int] | None:
    """The state and first epoch of the checkpoint's run, or None.

    Parameters
    ----------
    spec : forecastrnn.training.TrainSpec
        The training of this fit.
    params : dict
        Freshly initialised parameters of this fit's network (their shapes
        are checked against the file's).
    run : CheckpointRun
        This fit's checkpoint file, parameters and data digest.
    cls : type
        The estimator class the file holds.
    fitted_history : pandas.DataFrame, optional
        With ``warm_start``, the fitted model's ``history_``.

    Returns
    -------
    (forecastrnn.training.TrainState, int) or None
        The state to continue from and the epoch the run started from; None
        when there is no file, or (``warm_start``) the file is the fitted
        model's own last checkpoint.

    Raises
    ------
    ValueError
        When the file is not a checkpoint, or comes from a fit with other
        parameters or data.
    """
    if run.path is None or not run.path.exists():
        return None
    meta, saved = read_checkpoint(run.path, cls)
    if fitted_history is not None and saved.history_.equals(fitted_history):
        return None  # the run that fitted this model: go on from the model
    theirs = {k: v for k, v in meta["model"]["params"].items() if k not in RUN_SETTINGS}
    if theirs != run.settings:
        differ = sorted(
            k
            for k in theirs.keys() | run.settings.keys()
            if theirs.get(k) != run.settings.get(k)
        )
        raise ValueError(
            f"`checkpoint` {str(run.path)!r} was written by a fit with other "
            f"parameters ({', '.join(differ)} differ), so it cannot be "
            "resumed. Delete the file to train afresh, or pass another "
            "`checkpoint` path."
        )
    state = saved.training_state_
    if state["data"] != run.digest:
        raise ValueError(
            f"`checkpoint` {str(run.path)!r} was written by a fit on other "
            f"data (windows and targets of shapes {state['shapes']} then, "
            f"{list(run.shapes)} now, or other values or groups), so it "
            "cannot be resumed. Delete the file to train afresh, or pass "
            "another `checkpoint` path."
        )
    best = saved.params_
    current = best if state["params"] is None else state["params"]
    if shape_mismatch(current, params):
        raise ValueError(
            f"`checkpoint` {str(run.path)!r} holds parameters that do not "
            f"match its configuration ({shape_mismatch(current, params)}); "
            "delete it to train afresh."
        )
    has_best = state["best_loss"] is not None
    start = training.TrainState(
        params=current,
        opt_state=training.optimizer_state(spec, current, state["opt_state"]),
        history=history_lists(saved.history_),
        best_params=best if has_best else None,
        # an ensemble's are lists, one per member
        best_loss=np.asarray(state["best_loss"])[()] if has_best else np.inf,
        best_epoch=np.asarray(state["best_epoch"])[()],
        waited=np.asarray(state["waited"])[()],
        rng_state=state["rng_state"],
        stopped=state["stopped"],
    )
    return start, state["first_epoch"]


def write_checkpoint(
    model: BaseEstimator,
    run: CheckpointRun,
    first_epoch: int,
    state: training.TrainState,
) -> None:
    """Write the model as ``state`` leaves it, and how to go on, to the
    checkpoint file (atomically: a temporary file, then ``os.replace``).

    Parameters
    ----------
    model : BaseEstimator
        The estimator being fitted, its fitted shapes set; it is copied, not
        modified.
    run : CheckpointRun
        The checkpoint file and the data digest to store.
    first_epoch : int
        The epoch the run started from.
    state : forecastrnn.training.TrainState
        The training loop's state.
    """
    has_best = state.best_params is not None
    snapshot = copy.copy(model)  # the fitted shapes set by this fit
    snapshot.params_ = jax.tree.map(
        np.asarray, state.best_params if has_best else state.params
    )
    snapshot.history_ = pd.DataFrame(state.history).set_index("epoch")
    snapshot.n_epochs_ = len(snapshot.history_)
    separate = has_best and bool(np.any(state.best_epoch != state.epoch))
    snapshot.training_state_ = {
        "params": jax.tree.map(np.asarray, state.params) if separate else None,
        "opt_state": [np.asarray(a) for a in jax.tree.leaves(state.opt_state)],
        "rng_state": state.rng_state,
        # numbers, or lists of one per member of an ensemble
        "best_loss": np.asarray(state.best_loss, float).tolist() if has_best else None,
        "best_epoch": np.asarray(state.best_epoch, int).tolist(),
        "waited": np.asarray(state.waited, int).tolist(),
        "stopped": bool(state.stopped),
        "first_epoch": int(first_epoch),
        "data": run.digest,
        "shapes": [list(shape) for shape in run.shapes],
    }
    temporary = run.path.with_name(f".{run.path.name}.{os.getpid()}.tmp.npz")
    try:
        archive.write(snapshot, temporary)
        os.replace(temporary, run.path)
    finally:
        temporary.unlink(missing_ok=True)
