"""Timestamps: the ones that follow a series, and their calendar features.

`future_index` continues an index by its frequency (business days and
exchange calendars included); `calendar_features` turns timestamps into
cyclical covariates known in advance; `auto_calendar` picks the cycles a
frequency resolves (``RNNForecaster(calendar_features="auto")``);
`seasonal_period` counts the steps in an index's natural cycle (the seasonal
period the baselines and the ``forecastrnn`` command default to).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .checks import check_int

__all__ = [
    "CALENDAR_FEATURES",
    "auto_calendar",
    "calendar_features",
    "future_index",
    "seasonal_period",
]

#: The cycles `calendar_features` knows, in its default order.
CALENDAR_FEATURES = ("hour", "day_of_week", "day_of_year")


def future_index(index: pd.Index, steps: int) -> pd.Index:
    """Return the `steps` index labels that follow the end of `index`.

    Parameters
    ----------
    index : pandas.DatetimeIndex or integer pandas.Index
        A `DatetimeIndex` with ``freq`` set (hourly, daily, business day,
        `CustomBusinessDay` with holidays, ...) or an integer index.
    steps : int
        Number of future labels, at least 1.

    Returns
    -------
    pandas.DatetimeIndex or pandas.RangeIndex
        The next `steps` timestamps continuing ``index.freq`` (same time zone
        and name), or the next integers: a `RangeIndex` continues with its own
        step, any other integer index with step 1.

    Raises
    ------
    TypeError
        If `index` is neither a `DatetimeIndex` nor an integer index, or
        `steps` is not an integer.
    ValueError
        If `steps` < 1, `index` is empty or a `DatetimeIndex` has no ``freq``.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-05", periods=3, freq="B")
    >>> future_index(idx, 2).strftime("%a %d").tolist()
    ['Wed 10', 'Thu 11']
    """
    steps = check_int(steps, "steps")
    if len(index) == 0:
        raise ValueError("`index` is empty; expected at least one label to continue.")
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is None:
            raise ValueError(
                "`index` has no frequency (`index.freq` is None); expected a "
                "regular DatetimeIndex. Validate the series first with "
                "`forecastrnn.checks.check_series`, which infers it, or set one."
            )
        start = index[-1] + index.freq
        return pd.date_range(start, periods=steps, freq=index.freq, name=index.name)
    if pd.api.types.is_integer_dtype(index.dtype):
        step = index.step if isinstance(index, pd.RangeIndex) else 1
        last = int(index[-1])
        return pd.RangeIndex(
            last + step, last + step * (steps + 1), step, name=index.name
        )
    raise TypeError(
        f"`index` must be a DatetimeIndex or an integer index; got "
        f"{type(index).__name__}. Validate the series with `check_series` first."
    )


def _calendar_phase(index: pd.DatetimeIndex, feature: str) -> np.ndarray:
    """Position in the cycle of `feature`, as a fraction in [0, 1)."""
    if feature == "hour":
        return (index.hour + index.minute / 60.0).to_numpy() / 24.0
    if feature == "day_of_week":
        return index.day_of_week.to_numpy() / 7.0
    days = np.where(index.is_leap_year, 366.0, 365.0)
    return (index.day_of_year.to_numpy() - 1.0) / days


def _holiday_column(index: pd.DatetimeIndex, holidays) -> np.ndarray:
    """1.0 on the dates of `holidays` (dates or a holiday calendar), else 0.0."""
    local = index.tz_localize(None) if index.tz is not None else index
    if hasattr(holidays, "holidays"):
        holidays = holidays.holidays(local.min().normalize(), local.max())
    days = pd.DatetimeIndex(holidays).normalize()
    return local.normalize().isin(days).astype(np.float64)


def calendar_features(
    index: pd.DatetimeIndex,
    features: tuple[str, ...] = CALENDAR_FEATURES,
    *,
    holidays=None,
) -> pd.DataFrame:
    """Cyclical calendar covariates for a DatetimeIndex (future-known).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Timestamps, e.g. ``y.index`` or ``future_index(y.index, horizon)``.
        A time-zone-aware index gives features of its local wall-clock time.
    features : tuple of str, default=("hour", "day_of_week", "day_of_year")
        Cycles to encode, each as a ``<name>_sin``, ``<name>_cos`` pair.
    holidays : array-like of dates or AbstractHolidayCalendar, optional
        If given, adds a ``holiday`` column: 1.0 on those dates, else 0.0.

    Returns
    -------
    pandas.DataFrame of shape (len(index), 2 * len(features) [+ 1])
        float64 columns indexed by `index`.

    Notes
    -----
    For a cycle of phase :math:`p \\in [0, 1)` (hour/24, day_of_week/7,
    (day_of_year - 1)/days_in_year) the pair is :math:`\\sin 2\\pi p` and
    :math:`\\cos 2\\pi p`, so the last hour and the first are neighbours.

    Raises
    ------
    TypeError
        If `index` is not a DatetimeIndex.
    ValueError
        For an unknown feature name.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=2, freq="6h")
    >>> calendar_features(idx, ("hour",)).round(3).to_numpy().tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(
            f"`index` must be a DatetimeIndex; got {type(index).__name__}. "
            "Calendar features need timestamps: pass `y.index` of a dated series."
        )
    unknown = [f for f in features if f not in CALENDAR_FEATURES]
    if unknown or isinstance(features, str):
        raise ValueError(
            f"`features` must be a tuple drawn from {CALENDAR_FEATURES}; got "
            f"{features!r}."
        )
    columns = {}
    for feature in features:
        angle = 2.0 * np.pi * _calendar_phase(index, feature)
        columns[f"{feature}_sin"] = np.sin(angle)
        columns[f"{feature}_cos"] = np.cos(angle)
    if holidays is not None:
        columns["holiday"] = _holiday_column(index, holidays)
    return pd.DataFrame(columns, index=index, dtype=np.float64)


def auto_calendar(index: pd.Index) -> tuple[str, ...]:
    """The calendar cycles worth reading for a series indexed by `index`.

    The weekly and daily cycles its frequency resolves: hour and day of week
    for sub-daily data, day of week for daily data, none for business-day or
    trading-day series (markets: the weekday feature made the stock
    validation folds worse), weekly or longer frequencies and integer
    indexes. This is ``RNNForecaster(calendar_features="auto")``.

    Parameters
    ----------
    index : pandas.Index
        A validated index (see `forecastrnn.checks.check_series`).

    Returns
    -------
    tuple of str
        Names for `calendar_features`; empty when none applies.

    Examples
    --------
    >>> import pandas as pd
    >>> auto_calendar(pd.date_range("2024-01-01", periods=3, freq="h"))
    ('hour', 'day_of_week')
    >>> auto_calendar(pd.date_range("2024-01-01", periods=3, freq="B"))
    ()
    """
    freq = getattr(index, "freq", None)
    if not isinstance(index, pd.DatetimeIndex) or freq is None:
        return ()
    if isinstance(freq, pd.offsets.Tick) and freq.nanos < pd.Timedelta(days=1).value:
        return ("hour", "day_of_week")
    if isinstance(freq, pd.offsets.Day) and freq.n == 1:
        return ("day_of_week",)
    return ()


# ------------------------------------------------------------ seasonal periods

# Calendar offsets with multiplier 1: the steps in their natural cycle.
_CALENDAR_CYCLES = (
    ((pd.offsets.BusinessDay,), 5),  # a working week
    ((pd.offsets.Week,), 52),  # a year
    ((pd.offsets.SemiMonthBegin, pd.offsets.SemiMonthEnd), 24),
    ((pd.offsets.MonthBegin, pd.offsets.MonthEnd, pd.offsets.BMonthBegin,
      pd.offsets.BMonthEnd), 12),
    ((pd.offsets.QuarterBegin, pd.offsets.QuarterEnd, pd.offsets.BQuarterBegin,
      pd.offsets.BQuarterEnd), 4),
    ((pd.offsets.YearBegin, pd.offsets.YearEnd, pd.offsets.BYearBegin,
      pd.offsets.BYearEnd), 1),
)  # fmt: skip
_SECOND, _MINUTE, _HOUR, _DAY, _WEEK = (
    pd.Timedelta(1, unit) for unit in ("s", "min", "h", "D", "W")
)


def seasonal_period(index: pd.Index) -> int:
    """The seasonal period of a regular index: the steps in its natural cycle.

    The baselines use it when their period is None, and so does the
    ``forecastrnn`` command for its models and its MASE scale.

    Parameters
    ----------
    index : pandas.DatetimeIndex, pandas.PeriodIndex or integer index
        A regular index with a frequency (``index.freq``), such as the index
        of a series validated by `forecastrnn.checks.check_series`.

    Returns
    -------
    int
        The number of steps after which the series returns to the same phase
        of its natural cycle; 1 if it has none.

    Raises
    ------
    ValueError
        If `index` has no frequency, or one with no natural cycle in the table
        below (custom business days, business hours, week of month...).
    TypeError
        If `index` is neither a date nor an integer index.

    Notes
    -----
    The natural cycle depends on the step: steps under a minute follow the
    hour, steps under a day the day, longer steps the week, and steps of whole
    weeks the year of 52 weeks; business days follow the working week (5),
    semi-months, months and quarters the year (24, 12, 4), years nothing (1).
    With a cycle of ``C`` base units and a step of ``n`` units the period is
    ``C / gcd(C, n)``: ``C / n`` when ``n`` divides ``C`` (2h: 12, 15min: 96,
    3h: 8, 2 months: 6, 2 weeks: 26), and otherwise the few cycles after which
    the phase repeats (5h: 24 steps, five days; 2 days: 7 steps, two weeks).
    A step of a whole cycle (24h, 12 months) takes the next cycle (7, 1).
    Steps under a second and integer indexes have no cycle: 1.

    Examples
    --------
    >>> import pandas as pd
    >>> [seasonal_period(pd.date_range("2024", periods=3, freq=f))
    ...  for f in ("h", "2h", "15min", "D", "B", "W", "MS", "2MS", "QS", "YS")]
    [24, 12, 96, 7, 5, 52, 12, 6, 4, 1]
    """
    if pd.api.types.is_integer_dtype(index):
        return 1
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        raise TypeError(
            f"`index` must be a DatetimeIndex, a PeriodIndex or an integer index; "
            f"got {type(index).__name__}. Pass the index of the series."
        )
    offset = index.freq
    if offset is None:
        raise ValueError(
            "`index` has no frequency, so it has no seasonal period. Make it "
            "regular first, e.g. `y.asfreq('h')`."
        )
    if isinstance(offset, (pd.offsets.Tick, pd.offsets.Day)):
        return _duration_period(pd.Timedelta(offset))
    for kinds, cycle in _CALENDAR_CYCLES:
        # CustomBusinessDay subclasses BusinessDay but has its own week
        if type(offset) in kinds:
            return cycle // math.gcd(cycle, abs(offset.n))
    raise ValueError(
        f"`index` has frequency {offset.freqstr!r}, which has no standard seasonal "
        "period. Pass the period explicitly."
    )


def _duration_period(step: pd.Timedelta) -> int:
    """The seasonal period of a fixed step (see `seasonal_period`)."""
    if step < _SECOND:
        return 1
    if step % _WEEK == pd.Timedelta(0):
        return 52 // math.gcd(52, step // _WEEK)
    cycle = _HOUR if step < _MINUTE else _DAY if step < _DAY else _WEEK
    return cycle.value // math.gcd(cycle.value, step.value)
