"""Windows cut inside compiled code from one flat array of every series.

A panel of 10,000 series of 1,000 steps holds about ten million windows;
materialised (72 steps each with the default window 48 and horizon 24, three
channels, float64) they would take some 16 GB. Instead the
series' per-step values sit one after the other in one ``values`` array
(``(n_steps, n_columns)``: memory grows with the total length of the series),
and a window is its start row there. :func:`cut_windows` turns a batch of
starts into the network's inputs and targets, normalised per window, in JAX:
the training step calls it on each mini-batch inside its compiled program,
and prediction calls it on the last window of each series, so the network
reads the same inputs in both.

The columns of ``values``, per step, in this order (see :class:`WindowLayout`):
the scaled target (missing values filled), the past covariates, the
future-known covariates and the static covariates. ``targets`` holds the
scaled target with NaN where an observation is missing (left out of the loss).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax import Array

__all__ = [
    "IndexedWindows", "PanelRows", "WindowLayout", "cut_windows", "window_starts"
]


class WindowLayout(NamedTuple):
    """How a window is read from the flat ``values`` (hashable: it keys
    compiled code).

    Attributes
    ----------
    window_size : int
        Past steps a window holds.
    block : int
        Target steps after the window (the steps the network forecasts).
    n_past : int
        Columns known up to the forecast origin: the target, then the past
        covariates.
    n_future : int
        Future-known covariate columns (calendar features, holidays). With
        any, a window also covers the ``block`` steps after the origin: the
        past columns read zero there, a 0/1 flag marks them, and the
        future-known columns are read over all ``window_size + block`` steps.
    n_static : int
        Static covariate columns, constant along a series.
    window_norm : {"season", "last", "mean"} or None
        The offset taken off the target channel of each window, and the
        reference the targets are taken relative to: ``"last"``, the last
        value; ``"season"``, the last value off the inputs and the last
        ``season_length`` values repeated as the reference; ``"mean"``, the
        window mean; None, nothing.
    season_length : int
        The period of ``"season"`` (a window may follow another up to
        ``window_size``: see :func:`cut_windows`' ``periods``).
    forks : int
        0: the window form above. ``F >= 1``: the forking-sequences form
        (Wen et al. 2017, MQ-RNN), whose inputs do not depend on where a
        forecast starts, so that one pass of the encoder over ``window_size
        + F - 1`` steps serves the ``F`` windows that end in its last ``F``
        steps. The target channel is the step's change from the step
        before (0 at the first step; with ``window_norm`` None, the scaled
        value itself); the future-known covariates at each
        step are followed by theirs over the ``block`` steps after it,
        flattened (:attr:`n_head`: the channels the network's head reads
        beside the state, never the recurrent layers), but for the calendar
        features, which follow from the step's own (the state carries
        them); there is no forecast-period flag. The targets of the ``F``
        forecast origins follow one another, each relative to its own reference
        (``window_norm``). A forecast reads the form with ``F = 1`` (see
        :meth:`for_prediction`).
    n_calendar : int
        The last ``n_calendar`` future-known columns are calendar features
        generated from the index (see ``forks``).
    """

    window_size: int
    block: int
    n_past: int = 1
    n_future: int = 0
    n_static: int = 0
    window_norm: str | None = None
    season_length: int = 1
    forks: int = 0
    n_calendar: int = 0

    @property
    def steps(self) -> int:
        """Steps of a network input: the window, plus the block with
        future-known covariates (the window form), or the ``forks - 1``
        later origins (the forking form)."""
        if self.forks:
            return self.window_size + self.forks - 1
        return self.window_size + (self.block if self.n_future else 0)

    @property
    def span(self) -> int:
        """Rows of ``values`` one window reads, its targets included."""
        return self.window_size + max(self.forks - 1, 0) + self.block

    @property
    def n_head(self) -> int:
        """The trailing channels the network's head reads (the forking
        form's future-known covariates after each step)."""
        return self.block * (self.n_future - self.n_calendar) if self.forks else 0

    @property
    def n_channels(self) -> int:
        """Channels of a network input."""
        flag = 1 if self.n_future and not self.forks else 0
        return self.n_past + flag + self.n_future + self.n_static + self.n_head

    @property
    def n_columns(self) -> int:
        """Columns of ``values``."""
        return self.n_past + self.n_future + self.n_static

    def for_prediction(self) -> WindowLayout:
        """The layout a forecast reads: this one, with one forecast origin
        in the forking form."""
        return self._replace(forks=min(self.forks, 1))


@dataclass(frozen=True, eq=False)
class IndexedWindows:
    """Training windows as start rows into the series' flat values.

    Attributes
    ----------
    layout : WindowLayout
    values : numpy.ndarray of shape (n_steps, layout.n_columns), float32
        Every series' per-step columns, one series after another.
    targets : numpy.ndarray of shape (n_steps,), float32
        The scaled target, NaN where an observation is missing.
    starts : numpy.ndarray of shape (n_windows,), int32
        The row of ``values`` each window starts at; its targets are the
        ``block`` rows after its ``window_size`` rows, inside its series.
    groups : numpy.ndarray of shape (n_windows,)
        The series code of each window; a series' windows in time order.
    periods : numpy.ndarray of shape (n_steps,), int32, optional
        The period of ``window_norm="season"`` at each row (its series'),
        from 1 to ``layout.window_size``: a window follows the period of its
        start row. None: ``layout.season_length`` everywhere.
    """

    layout: WindowLayout
    values: np.ndarray
    targets: np.ndarray
    starts: np.ndarray
    groups: np.ndarray
    periods: np.ndarray | None = None

    def __post_init__(self) -> None:
        # compiled code clamps an index out of range without a word: every
        # window must lie inside the values, or ValueError here
        layout, values = self.layout, self.values
        _check_layout(layout)
        if np.ndim(values) != 2 or np.shape(values)[1] != layout.n_columns:
            raise ValueError(
                f"`values` must be 2-D with the layout's {layout.n_columns} columns "
                f"(n_past + n_future + n_static); got shape {np.shape(values)}."
            )
        if np.shape(self.targets) != (len(values),):
            raise ValueError(
                f"`targets` must hold one value per row of `values` "
                f"({len(values)},); got shape {np.shape(self.targets)}."
            )
        starts = np.asarray(self.starts)
        if starts.ndim != 1 or not np.issubdtype(starts.dtype, np.integer):
            raise ValueError(
                f"`starts` must be a 1-D integer array; got {starts.dtype} of "
                f"shape {starts.shape}."
            )
        if np.shape(self.groups) != starts.shape:
            raise ValueError(
                f"`groups` must hold one label per window {starts.shape}; got "
                f"shape {np.shape(self.groups)}."
            )
        if self.periods is not None:
            periods = np.asarray(self.periods)
            if periods.shape != (len(values),) or not np.issubdtype(
                periods.dtype, np.integer
            ):
                raise ValueError(
                    f"`periods` must hold one integer per row of `values` "
                    f"({len(values)},); got {periods.dtype} of shape "
                    f"{periods.shape}."
                )
            if len(periods) and (
                periods.min() < 1 or periods.max() > layout.window_size
            ):
                raise ValueError(
                    f"`periods` must lie from 1 to `window_size="
                    f"{layout.window_size}`: a window must hold its season; got "
                    f"{periods.min()} to {periods.max()}."
                )
        span = layout.span
        if len(starts) and (starts.min() < 0 or starts.max() + span > len(values)):
            raise ValueError(
                f"`starts` must leave each window and its targets ({span} rows) "
                f"inside the {len(values)} rows of `values`: 0 to "
                f"{len(values) - span}; got {starts.min()} to {starts.max()}."
            )

    def __len__(self) -> int:  # the number of windows, as for an array
        return len(self.starts)

    def row_periods(self) -> np.ndarray:
        """``periods``, or ``layout.season_length`` at every row (int32)."""
        if self.periods is None:
            return np.full(len(self.values), self.layout.season_length, np.int32)
        return np.asarray(self.periods, np.int32)

    def take(self, rows: np.ndarray) -> IndexedWindows:
        """The windows ``rows`` (the same values, no copy of them)."""
        return replace(self, starts=self.starts[rows], groups=self.groups[rows])

    @property
    def shape(self) -> tuple[int, int, int]:
        """The shape the windows would have, materialised."""
        return (len(self.starts), self.layout.steps, self.layout.n_channels)


class PanelRows:
    """Builds the flat arrays of :class:`IndexedWindows` series by series,
    in one copy: every series' rows one after another, each followed by
    ``pad`` rows (targets NaN, so left out of the loss) that let a forking
    sequence start at any of its windows.

    Parameters
    ----------
    lengths : list of int
        Rows of each series, in the panel's order.
    pad : int
        Rows after each series.
    season_length : int
        The period of the padding rows (never read).
    """

    def __init__(self, lengths: list[int], pad: int, season_length: int):
        self.lengths = list(lengths)
        self.offsets = np.cumsum([0, *self.lengths[:-1]]) + pad * np.arange(
            len(self.lengths)
        )
        n_rows = sum(self.lengths) + pad * len(self.lengths)
        self.values = None
        self.targets = np.full(n_rows, np.nan, np.float32)
        self.periods = np.full(n_rows, season_length, np.int32)

    def put(self, code: int, rows: np.ndarray, target: np.ndarray, period: int):
        """Series ``code``'s columns, scaled target (NaN where missing) and
        period."""
        if self.values is None:
            self.values = np.zeros((len(self.targets), rows.shape[1]), np.float32)
        here = slice(self.offsets[code], self.offsets[code] + self.lengths[code])
        self.values[here] = rows
        self.targets[here] = target
        self.periods[here] = period

    def windows(self, layout: WindowLayout, sizes: list[int]) -> IndexedWindows:
        """The first ``sizes[i]`` windows of each series (start rows in time
        order, grouped by series code)."""
        return IndexedWindows(
            layout=layout,
            values=self.values,
            targets=self.targets,
            starts=window_starts(self.offsets, sizes),
            groups=np.repeat(np.arange(len(sizes), dtype=np.int32), sizes),
            periods=self.periods,
        )


def window_starts(offsets, sizes: list[int]) -> np.ndarray:
    """The first ``sizes[i]`` rows from each of ``offsets``: the windows'
    start rows (int32, as the compiled step indexes)."""
    sizes = np.asarray(sizes)
    first = np.repeat(np.asarray(offsets) - np.cumsum([0, *sizes[:-1]]), sizes)
    return (first + np.arange(sizes.sum())).astype(np.int32)


def _check_layout(layout: WindowLayout) -> None:
    """A layout's sizes and normalisation are valid, or ValueError."""
    if not isinstance(layout, WindowLayout):
        raise TypeError(
            f"`layout` must be a WindowLayout; got {type(layout).__name__}."
        )
    lowest = {"window_size": 1, "block": 1, "n_past": 1, "n_future": 0,
              "n_static": 0, "season_length": 1, "forks": 0,
              "n_calendar": 0}  # fmt: skip
    for name, low in lowest.items():
        value = getattr(layout, name)
        if not isinstance(value, int | np.integer) or value < low:
            raise ValueError(
                f"`layout.{name}` must be an integer >= {low}; got {value!r}."
            )
    if layout.window_norm not in ("season", "last", "mean", None):
        raise ValueError(
            "`layout.window_norm` must be 'season', 'last', 'mean' or None; got "
            f"{layout.window_norm!r}."
        )
    if layout.n_calendar > layout.n_future:
        raise ValueError(
            f"`layout.n_calendar={layout.n_calendar}` exceeds `n_future="
            f"{layout.n_future}`: the calendar columns are future-known columns."
        )
    if layout.season_length > layout.window_size:
        raise ValueError(
            f"`layout.season_length={layout.season_length}` exceeds "
            f"`window_size={layout.window_size}`: the window must hold a season."
        )


def cut_windows(
    layout: WindowLayout,
    values: Array,
    starts: Array,
    targets: Array | None = None,
    periods: Array | None = None,
) -> tuple[Array, Array | None, Array]:
    """The network inputs and targets of the windows at ``starts``.

    Traceable: the training step calls it on JAX arrays inside its compiled
    program. On NumPy arrays it computes with NumPy, in their precision
    (prediction passes float64 values, so that the reference the forecast
    is added to keeps every digit of the data).

    Parameters
    ----------
    layout : WindowLayout
    values : array of shape (n_steps, layout.n_columns)
    starts : array of int of shape (n,)
        Start rows; a window reads ``layout.steps`` rows from its start.
    targets : array of shape (n_steps,), optional
        The scaled target; None: no targets (prediction).
    periods : array of int of shape (n,), optional
        Each window's period of ``window_norm="season"`` (from 1 to
        ``layout.window_size``; a panel's series follow their own). None:
        ``layout.season_length``.

    Returns
    -------
    X : array of shape (n, layout.steps, layout.n_channels)
        The target channel relative to the window's offset (zero over the
        forecast period), the past covariates, the forecast-period flag and
        the future-known covariates (with any), the static covariates. In
        the forking form (``layout.forks``): the target's change from the
        step before, the past, future-known and static covariates, then the
        future-known covariates but the calendar's of the ``block`` steps
        after each step.
    Y : array of shape (n, max(layout.forks, 1) * layout.block) or None
        The targets relative to the reference (NaN where missing); in the
        forking form, those of each forecast origin in turn.
    reference : array of shape (n, max(layout.forks, 1) * layout.block)
        What the network's output is added to (see ``window_norm``).
    """
    xp = np if isinstance(values, np.ndarray) else jnp
    n = len(starts)
    if layout.window_norm != "season":
        periods = xp.ones((n, 1), np.int32)
    elif periods is None:
        periods = xp.full((n, 1), layout.season_length, np.int32)
    else:
        periods = xp.asarray(periods, np.int32).reshape(n, 1)
    if layout.forks:
        return _cut_forking(xp, layout, values, xp.asarray(starts), targets, periods)
    w, block, n_past = layout.window_size, layout.block, layout.n_past
    starts = xp.asarray(starts)[:, None]
    rows = values[starts + np.arange(layout.steps)[None, :]]
    target = rows[:, :w, 0]
    if layout.window_norm is None:
        offset = xp.zeros((n, 1), values.dtype)
        reference = xp.zeros((n, block), values.dtype)
    elif layout.window_norm == "mean":
        offset = target.mean(axis=1, keepdims=True)
        reference = xp.repeat(offset, block, axis=1)
    else:
        offset = target[:, -1:]
        # the last `period` values repeated (the last value with period 1)
        back = w - periods + np.arange(block)[None, :] % periods
        reference = xp.take_along_axis(target, back, axis=1)
    past = xp.concatenate([(target - offset)[:, :, None], rows[:, :w, 1:n_past]], 2)
    parts = [past]
    if layout.n_future:
        flag = (np.arange(layout.steps) >= w).astype(values.dtype)
        parts = [
            xp.concatenate([past, xp.zeros((n, block, n_past), past.dtype)], 1),
            xp.broadcast_to(flag[None, :, None], (n, layout.steps, 1)),
            rows[:, :, n_past : n_past + layout.n_future],
        ]
    if layout.n_static:
        parts.append(rows[:, :, n_past + layout.n_future :])
    X = xp.concatenate(parts, axis=2)
    Y = None
    if targets is not None:
        Y = targets[starts + w + np.arange(block)[None, :]] - reference
    return X, Y, reference


def _cut_forking(xp, layout: WindowLayout, values, starts, targets, periods):
    """:func:`cut_windows` in the forking form (``layout.forks >= 1``);
    ``periods`` of shape ``(n, 1)``."""
    w, block, forks = layout.window_size, layout.block, layout.forks
    n, steps = len(starts), layout.steps
    at = starts[:, None] + np.arange(steps)[None, :]
    rows = values[at]
    target = rows[:, :, 0]
    read = target  # window_norm None: the scaled values, as MQ-RNN reads them
    if layout.window_norm is not None:
        read = xp.concatenate(
            [xp.zeros((n, 1), values.dtype), target[:, 1:] - target[:, :-1]], axis=1
        )
    parts = [read[:, :, None], rows[:, :, 1:]]
    if layout.n_head:
        known = layout.n_future - layout.n_calendar
        future = slice(layout.n_past, layout.n_past + known)
        ahead = values[at[:, :, None] + 1 + np.arange(block)[None, None, :], future]
        parts.append(ahead.reshape(n, steps, block * known))
    X = xp.concatenate(parts, axis=2)
    origins = w - 1 + np.arange(forks)  # each forecast origin's step
    if layout.window_norm is None:
        reference = xp.zeros((n, forks, block), values.dtype)
    elif layout.window_norm == "mean":
        spans = origins[:, None] - w + 1 + np.arange(w)[None, :]
        level = target[:, spans].mean(axis=2)
        reference = xp.broadcast_to(level[:, :, None], (n, forks, block))
    else:
        period = periods[:, :, None]  # (n, 1, 1)
        ahead = np.arange(block)[None, None, :] % period
        back = origins[None, :, None] - period + 1 + ahead
        reference = xp.take_along_axis(target, back.reshape(n, forks * block), axis=1)
    reference = reference.reshape(n, forks * block)
    Y = None
    if targets is not None:
        ahead = (origins[:, None] + 1 + np.arange(block)[None, :]).reshape(-1)
        Y = targets[starts[:, None] + ahead[None, :]] - reference
    return X, Y, reference
