"""Shared matplotlib helpers for the diagnostics and report figures.

Figures are built on :class:`matplotlib.figure.Figure` directly: no pyplot, no
backend or global state is touched.
"""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter

__all__ = ["log_scale", "new_axes", "series_label"]


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The axes to draw on and its figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Axes given by the caller, returned with its figure as they are.
    figsize : tuple of float
        ``(width, height)`` in inches of the new figure made when ``ax`` is
        None (constrained layout, one axes).

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> fig, ax = new_axes(None, (4.0, 3.0))
    >>> new_axes(ax, (9.0, 9.0))[0] is fig
    True
    """
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def series_label(name: Any) -> str:
    """A legend or title text that matplotlib shows verbatim.

    Parameters
    ----------
    name : object
        A series, model or column name.

    Returns
    -------
    str
        ``str(name)`` with ``$`` escaped (no mathtext) and a leading space
        before a leading underscore (which would hide a legend entry).

    Examples
    --------
    >>> series_label("_hidden"), series_label("$5")
    (' _hidden', '\\\\$5')
    """
    text = str(name).replace("$", r"\$")
    return " " + text if text.startswith("_") else text


class _PlainLogFormatter(LogFormatter):
    """Log-axis labels as plain numbers (0.03, 200) where matplotlib labels a tick."""

    def __call__(self, x, pos=None):
        return f"{x:.3g}" if super().__call__(x, pos) else ""


def log_scale(ax: Axes) -> None:
    """Give ``ax`` a log y axis labelled in plain numbers.

    Major and (the few labelled) minor ticks read ``0.03`` or ``200`` rather
    than powers of ten.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Changed in place.
    """
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(_PlainLogFormatter(labelOnlyBase=False))
    ax.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))
