"""Which windows train: the validation split for early stopping, and the
rows of each epoch (every window, or a sample per series).

:func:`validation_split` holds out the most recent windows of every series;
:func:`epoch_sampler` draws an epoch's rows, so that long series do not drown
short ones and an epoch of a large panel stays short.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .checks import check_int

__all__ = ["ValidationSplitWarning", "epoch_sampler", "validation_split"]


class ValidationSplitWarning(UserWarning):
    """Too few samples to hold out a validation set; early stopping is off."""


def validation_split(
    shape: tuple[int, int],
    fraction: float | None,
    groups: np.ndarray | None = None,
    samples_per_group: int | None = None,
    max_epochs: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows that train and rows that validate, for early stopping.

    Each group (every row, without ``groups``; rows in time order within a
    group) holds out its most recent ``fraction`` of windows (of at most
    ``samples_per_group``), and the ``horizon - 1`` windows before them,
    whose targets overlap the validation targets, are left out. A group too
    short for that trains on all its windows.

    Parameters
    ----------
    shape : (int, int)
        Rows and horizon steps per row.
    fraction : float or None
        The share held out; None: no early stopping.
    groups : numpy.ndarray of shape (n,), optional
    samples_per_group : int, optional
    max_epochs : int, optional
        Named in the warning.

    Returns
    -------
    rows : numpy.ndarray
    val_rows : numpy.ndarray or None
        None without early stopping, or when no group can hold out a window
        (with a :class:`ValidationSplitWarning`).
    """
    n, gap = shape[0], shape[1] - 1
    everything = np.arange(n)
    if fraction is None:
        return everything, None
    if groups is None:
        blocks = [everything]
    else:
        codes = pd.factorize(groups)[0]
        order = np.argsort(codes, kind="stable")
        blocks = np.split(order, np.cumsum(np.bincount(codes))[:-1])
    train, validation = [], []
    for rows in blocks:
        size = len(rows)
        if samples_per_group is not None:
            size = min(size, samples_per_group)
        n_val = math.ceil(fraction * size)
        n_train = len(rows) - n_val - gap
        if n_train < 1:
            train.append(rows)
        else:
            train.append(rows[:n_train])
            validation.append(rows[-n_val:])
    if not validation:
        what = "samples" if groups is None else "samples in every group"
        warnings.warn(
            f"{n} {what} are too few to hold out `validation_fraction="
            f"{fraction}` and the {gap} rows before it (a horizon of "
            f"{shape[1]}) for early stopping; training on all of them for "
            f"`max_epochs={max_epochs}` epochs without early stopping. Pass "
            "more samples or `early_stopping=False`.",
            ValidationSplitWarning,
            stacklevel=4,
        )
        return everything, None
    return np.concatenate(train), np.concatenate(validation)


def epoch_sampler(n: int, groups, samples_per_group, members: int = 1):
    """``draw(rng)``: the rows of an epoch, shuffled.

    Parameters
    ----------
    n : int
        Training rows.
    groups : numpy.ndarray of shape (n,) or None
        The series of each row.
    samples_per_group : int or None
        With ``groups``, each epoch trains on a fresh sample of at most that
        many rows of every group, drawn without replacement and shuffled
        together; None: every row.
    members : int, default 1
        An ensemble's members draw theirs in turn.

    Returns
    -------
    callable
        ``draw(rng)`` (``rng`` a NumPy generator) returns the positions
        ``(n_rows,)``, or ``(members, n_rows)``.

    Notes
    -----
    Memory is the groups' rows once (none when each group's rows are
    consecutive, as a panel's windows are); an epoch draws its sample group
    by group, each without replacement.
    """
    if members > 1:
        draw = epoch_sampler(n, groups, samples_per_group)
        return lambda rng: np.stack([draw(rng) for _ in range(members)])
    if groups is None or samples_per_group is None:
        return lambda rng: rng.permutation(n)
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(
            f"`groups` must hold one label per training window ({n}); got shape "
            f"{groups.shape}."
        )
    k = check_int(samples_per_group, "samples_per_group")
    codes = pd.factorize(groups)[0]
    sizes = np.bincount(codes)
    if sizes.max() <= k:
        return lambda rng: rng.permutation(n)
    consecutive = bool(np.all(codes[1:] >= codes[:-1]))
    rows = None if consecutive else np.argsort(codes, kind="stable").astype(np.int64)
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    del codes

    def draw(rng):
        picked = []
        for first, size in zip(firsts, sizes, strict=True):
            offsets = (
                rng.choice(size, k, replace=False) if size > k else np.arange(size)
            )
            picked.append(first + offsets)
        sample = np.concatenate(picked)
        return rng.permutation(sample if rows is None else rows[sample])

    return draw
