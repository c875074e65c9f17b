"""Reading the user's CSV files for the command line.

One series (`read_csv_series`: a timestamp column and a numeric target) or a
panel in the long layout (`read_long_csv`: an id column too), each on a
regular index, with one-line errors (`CLIError`) that name the file, the
column and the line at fault and say which option fixes it (``--sep``,
``--decimal``, ``--dayfirst``, ``--freq``).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from .arguments import CLIError
from .panel import from_long

__all__ = ["check_column", "read_csv_series", "read_long_csv"]


def check_column(frame: pd.DataFrame, target: str, where: str) -> str:
    """``target`` if it is a column of ``frame``, else a `CLIError` listing
    the columns (``where`` names the file or dataset)."""
    if target not in frame.columns:
        raise CLIError(
            f"unknown column {target!r} in {where}; its columns are "
            f"{', '.join(map(str, frame.columns))}"
        )
    return target


def _csv_char(text: str | None, option: str, default: str) -> str:
    """The one character given to --sep or --decimal (``\\t`` or tab for a tab)."""
    if text is None:
        return default
    char = "\t" if text in ("\\t", "tab", "TAB") else text
    if len(char) != 1:
        raise CLIError(
            f"{option} must be one character, such as ';' or ',' (\\t for a tab); "
            f"got {text!r}"
        )
    return char


def _separator_hint(path: str, sep: str) -> str:
    """A hint naming --sep when the header line holds another usual separator."""
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            header = file.readline()
    except OSError:
        return ""
    for char, shown in ((";", ";"), ("\t", "\\t"), ("|", "|")):
        if char != sep and char in header:
            return f"; its header line holds '{shown}': pass --sep '{shown}'"
    return ""


def _read_csv(path: str, sep: str = ",", decimal: str = ".") -> pd.DataFrame:
    """Read --csv with its separator and decimal mark; the file is only read."""
    if sep == decimal:
        raise CLIError(
            f"--sep and --decimal are both {sep!r}; the decimal mark must differ "
            "from the field separator (e.g. --sep ';' --decimal ',')"
        )
    try:
        frame = pd.read_csv(path, sep=sep, decimal=decimal)
    except FileNotFoundError:
        raise CLIError(f"cannot read --csv {path!r}: no such file") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        reason = " ".join(str(error).split())
        raise CLIError(f"cannot read --csv {path!r} as CSV: {reason}") from None
    except pd.errors.EmptyDataError:
        raise CLIError(f"cannot read --csv {path!r}: the file is empty") from None
    if frame.shape[1] < 2 or frame.empty:
        raise CLIError(
            f"--csv {path!r} has {frame.shape[1]} column(s) and {len(frame)} row(s) "
            f"separated by {sep!r}; expected a timestamp column and at least one "
            f"value column, with a header{_separator_hint(path, sep)}"
        )
    return frame


# Whole numbers in a time column: their digits say which calendar unit they count.
_NUMBER_DATES = {4: ("%Y", "years (YYYY)"), 6: ("%Y%m", "months (YYYYMM)"),
                 8: ("%Y%m%d", "days (YYYYMMDD)")}  # fmt: skip
_NUMBER_HELP = "whole-number years (YYYY), months (YYYYMM) or days (YYYYMMDD)"


def _number_dates(values: pd.Series, path: str) -> pd.DatetimeIndex:
    """Read a numeric time column as YYYY, YYYYMM or YYYYMMDD; never as epochs."""
    where = f"column {values.name!r} of {path!r}"
    numbers = values.dropna().to_numpy(dtype=float)
    whole = ((numbers > 0) & (numbers == numbers.round())).all()
    digits = {len(str(int(v))) for v in numbers} if whole else set()
    found = _NUMBER_DATES.get(digits.pop()) if len(digits) == 1 else None
    if found is None:
        raise CLIError(
            f"{where} holds numbers (first: {values.iloc[0]}), not timestamps; "
            f"expected dates such as 2024-01-31, or {_NUMBER_HELP}, all with the "
            "same number of digits. Convert the column to dates, or pick another "
            "with --time-col"
        )
    fmt, unit = found
    text = values.map(lambda v: f"{int(v)}" if pd.notna(v) else None)
    index = pd.DatetimeIndex(pd.to_datetime(text, format=fmt, errors="coerce"))
    invalid = text[index.isna() & text.notna()]
    if len(invalid):
        raise CLIError(
            f"{where} holds whole numbers read as {unit}, but {invalid.iloc[0]} is "
            "not one; fix it, or convert the column to dates"
        )
    return index


def _text_dates(values: pd.Series, dayfirst: bool) -> pd.DatetimeIndex:
    """Parse text timestamps; differing UTC offsets (DST) are converted to UTC."""
    with warnings.catch_warnings():  # dateutil's fallback is fine for a CLI
        warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
        warnings.filterwarnings("ignore", "Parsing dates in", UserWarning)
        if dayfirst:  # ISO dates stay year-month-day: pandas would read %Y-%d-%m
            try:
                return pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601"))
            except ValueError:
                return pd.DatetimeIndex(pd.to_datetime(values, dayfirst=True))
        try:
            return pd.DatetimeIndex(pd.to_datetime(values))
        except ValueError as error:
            try:  # offsets that change, e.g. across daylight saving time
                return pd.DatetimeIndex(pd.to_datetime(values, utc=True))
            except ValueError:
                raise error from None


def _time_index(values: pd.Series, path: str, dayfirst: bool = False):
    """Parse and check the timestamps of a CSV; aware ones end up in UTC."""
    if pd.api.types.is_numeric_dtype(values) and not values.isna().all():
        index = _number_dates(values, path)
    else:
        try:
            index = _text_dates(values, dayfirst)
        except (ValueError, TypeError) as error:
            reason = " ".join(str(error).split("You might")[0].split())[:120]
            hint = "" if dayfirst else ", or pass --dayfirst for dates like 31/12/2024"
            raise CLIError(
                f"column {values.name!r} of {path!r} is not a column of timestamps "
                f"({reason}); pick the right one with --time-col{hint}"
            ) from None
    if index.tz is not None:
        index = index.tz_convert("UTC")
    if index.hasnans:
        raise CLIError(f"column {values.name!r} of {path!r} has empty timestamps")
    if index.has_duplicates:
        first = index[index.duplicated()][0]
        raise CLIError(f"column {values.name!r} of {path!r} repeats timestamp {first}")
    return index.rename(values.name)


def _infer_freq(index: pd.DatetimeIndex, freq: str | None, path: str):
    """The regular frequency of ``index``: ``freq``, inferred, or the usual gap."""
    if freq is not None:
        try:
            return pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            raise CLIError(
                f"--freq {freq!r} is not a frequency (h, D, B, MS)"
            ) from None
    # freq="infer", not pd.infer_freq: that one warns of its pandas 4 return type
    inferred = pd.DatetimeIndex(index, freq="infer").freq if len(index) >= 3 else None
    if inferred is not None:
        return inferred
    gaps = pd.Series(index[1:] - index[:-1])
    usual = gaps.mode()
    if len(usual) == 0 or usual.iloc[0] <= pd.Timedelta(0):
        raise CLIError(f"cannot infer the frequency of {path!r}; pass --freq (h, D)")
    return pd.tseries.frequencies.to_offset(usual.iloc[0])


def read_csv_series(
    path: str,
    time_col: str | None,
    target: str | None,
    freq,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    dayfirst: bool = False,
) -> tuple[pd.Series | dict, str]:
    """The target series of a user's CSV file, on a regular index.

    Returns ``(series, label)``, the label the file's name.
    """
    sep, decimal = _csv_char(sep, "--sep", ","), _csv_char(decimal, "--decimal", ".")
    frame = _read_csv(path, sep, decimal)
    time_col = str(frame.columns[0]) if time_col is None else time_col
    check_column(frame, time_col, repr(path))
    values = frame.drop(columns=time_col)
    if target is None:
        numeric = values.columns
        if len(numeric) > 1:
            numeric = values.select_dtypes("number").columns
        if len(numeric) != 1:
            raise CLIError(
                f"{path!r} has {len(numeric)} numeric columns besides {time_col!r}; "
                f"choose one with --target ({', '.join(map(str, values.columns))})"
            )
        target = str(numeric[0])
    check_column(values, target, repr(path))
    y = _numbers(values[target], path, decimal)
    index = _time_index(frame[time_col], path, dayfirst)
    y = pd.Series(y.to_numpy(dtype=float), index=index, name=target).sort_index()
    offset = _infer_freq(y.index, freq, path)
    regular = y.asfreq(offset)
    off_grid = y.index.difference(regular.index)
    if len(off_grid):
        raise CLIError(
            f"{path!r} has timestamps off a regular {offset.freqstr!r} grid (first: "
            f"{off_grid[0]}); pass the right --freq or resample the file"
        )
    return regular, Path(path).name


def _numbers(column: pd.Series, path: str, decimal: str) -> pd.Series:
    """A CSV column as floats (empty cells NaN), or an error naming the line."""
    y = pd.to_numeric(column, errors="coerce")
    bad = column.notna() & y.isna()
    if bad.any():
        line = int(bad.to_numpy().argmax()) + 2  # 1-based, after the header
        held = column[bad].iloc[0]
        hint = ""
        if decimal != "," and re.fullmatch(r"\s*[-+]?\d*,\d+\s*", str(held)):
            hint = "; if ',' is its decimal mark, pass --decimal ','"
        raise CLIError(
            f"column {column.name!r} of {path!r} is not numeric: line {line} holds "
            f"{held!r}{hint}"
        )
    return y


def read_long_csv(
    path: str,
    id_col: str,
    time_col: str | None,
    target: str | None,
    freq,
    *,
    sep: str | None = None,
    decimal: str | None = None,
    dayfirst: bool = False,
) -> tuple[pd.Series | dict, str]:
    """The series of a long CSV (one row per series and timestamp) as a panel."""
    sep, decimal = _csv_char(sep, "--sep", ","), _csv_char(decimal, "--decimal", ".")
    frame = _read_csv(path, sep, decimal)
    if id_col not in frame.columns:
        raise CLIError(
            f"--id-col {id_col!r} is not a column of {path!r}; its columns are "
            f"{', '.join(map(str, frame.columns))}. Name the series id column "
            "with --id-col"
        )
    others = [c for c in frame.columns if c != id_col]
    if time_col is None:
        time_col = "ds" if "ds" in others else str(others[0])
    check_column(frame, time_col, repr(path))
    if target is None:
        rest = frame[[c for c in others if c != time_col]]
        numeric = ["y"] if "y" in rest else list(rest.select_dtypes("number").columns)
        if len(numeric) != 1:
            raise CLIError(
                f"{path!r} has {len(numeric)} numeric columns besides {id_col!r} "
                f"and {time_col!r}; choose one with --target "
                f"({', '.join(map(str, rest.columns))})"
            )
        target = str(numeric[0])
    check_column(frame, target, repr(path))
    if len({id_col, time_col, target}) < 3:
        raise CLIError(
            f"--id-col, --time-col and --target must be three different columns; "
            f"got {id_col!r}, {time_col!r} and {target!r}"
        )
    times = frame[time_col]
    if pd.api.types.is_numeric_dtype(times) and not times.isna().all():
        stamps = _number_dates(times, path)
    else:
        try:
            stamps = _text_dates(times, dayfirst)
        except (ValueError, TypeError):
            raise CLIError(
                f"column {time_col!r} of {path!r} is not a column of timestamps; "
                "pick the right one with --time-col"
            ) from None
    if stamps.tz is not None:
        stamps = stamps.tz_convert("UTC")
    long = pd.DataFrame(
        {
            "unique_id": frame[id_col].to_numpy(),
            "ds": stamps,
            "y": _numbers(frame[target], path, decimal).to_numpy(dtype=float),
        }
    )
    try:
        series = from_long(long, freq=freq)
    except (ValueError, TypeError) as error:
        message = str(error).replace("`frame`", repr(path))
        message = message.replace("Pass `freq=` (e.g. freq='h')", "Pass --freq h")
        raise CLIError(f"{message} (--id-col {id_col!r})") from None
    series = {key: s.rename(target) for key, s in series.items()}
    return series, f"{Path(path).name} ({len(series)} series)"
