"""Load an M4 competition panel for the benchmarks (not part of the package).

The M4 files (``<Frequency>-train.csv.gz`` and ``<Frequency>-test.csv.gz``, as
in the competition's repository Mcompetitions/M4-methods, gzip-compressed) hold
one row per series: the id, then the values oldest first, padded with empty
fields to the longest series. M4 gave no dates, so every series gets a regular
index of our choosing: all training series end at the same date (the end of
2018, see ``FREQUENCIES``) and the test values continue from there, so that the
forecast periods of the whole panel coincide. Only the weekly files are stored
here (``benchmarks/data/m4_weekly/``, see its PROVENANCE.md); the other
frequencies load from any folder holding files of the same layout.

Usage::

    from m4 import load_m4                  # from the benchmarks/ folder
    train, test, meta = load_m4("weekly")
    meta.horizon, meta.m                    # 13, 1
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"


class Frequency(NamedTuple):
    """How M4 treats one frequency, and the dates we give it."""

    horizon: int  # the competition's forecast horizon
    m: int  # the seasonal period of M4's benchmarks and of its MASE scale
    freq: str  # pandas frequency of the index we give the series
    train_end: str  # the date of every series' last training value


FREQUENCIES = {
    "yearly": Frequency(6, 1, "YS", "2018-01-01"),
    "quarterly": Frequency(8, 4, "QS", "2018-10-01"),
    "monthly": Frequency(18, 12, "MS", "2018-12-01"),
    "weekly": Frequency(13, 1, "W-SUN", "2018-12-30"),
    "daily": Frequency(14, 1, "D", "2018-12-31"),
    "hourly": Frequency(48, 24, "h", "2018-12-31 23:00"),
}


class M4Meta(NamedTuple):
    """What a loaded panel is: its frequency, horizon, seasonal period and dates."""

    name: str  # "weekly", ...
    horizon: int
    m: int
    freq: str
    train_end: pd.Timestamp
    n_series: int


def _read_rows(path: Path) -> dict[str, np.ndarray]:
    """The rows of an M4 file: id -> float values, without the padding."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist. Pass `data_dir`, the folder holding the M4 "
            "files of this frequency (e.g. Weekly-train.csv.gz)."
        )
    with gzip.open(path, "rt", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)  # the header: "V1", "V2", ...
        return {
            row[0]: np.array([v for v in row[1:] if v != ""], dtype=np.float64)
            for row in rows
        }


def load_m4(
    name: str = "weekly", data_dir: str | Path | None = None
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], M4Meta]:
    """Load an M4 panel: training and test series by id, and what they are.

    Parameters
    ----------
    name : str, default="weekly"
        The frequency: "yearly", "quarterly", "monthly", "weekly", "daily" or
        "hourly" (any case).
    data_dir : str or Path, optional
        The folder holding ``<Name>-train.csv.gz`` and ``<Name>-test.csv.gz``;
        by default ``benchmarks/data/m4_<name>``.

    Returns
    -------
    train : dict of str to pandas.Series
        Each series' training values (float64, named by its id, in file
        order) on a regular index of frequency ``meta.freq`` ending at
        ``meta.train_end``.
    test : dict of str to pandas.Series
        The ``meta.horizon`` test values of each series, on the dates after.
    meta : M4Meta
        The frequency's name, horizon, seasonal period ``m`` (for Naive2 and
        the MASE scale), pandas frequency, last training date and the number
        of series.

    Raises
    ------
    ValueError
        If `name` is not an M4 frequency, or the files disagree (ids, or a
        test series whose length is not the horizon).
    FileNotFoundError
        If a file is missing.
    """
    key = str(name).lower()
    if key not in FREQUENCIES:
        raise ValueError(f"`name` must be one of {sorted(FREQUENCIES)}; got {name!r}.")
    spec = FREQUENCIES[key]
    folder = Path(data_dir) if data_dir is not None else DATA_DIR / f"m4_{key}"
    train_rows = _read_rows(folder / f"{key.capitalize()}-train.csv.gz")
    test_rows = _read_rows(folder / f"{key.capitalize()}-test.csv.gz")
    if list(train_rows) != list(test_rows):
        raise ValueError(
            f"The train and test files in {folder} hold different series ids; "
            "expected the same ids in the same order."
        )
    end = pd.Timestamp(spec.train_end)
    longest = max(values.size for values in train_rows.values())
    dates = pd.date_range(end=end, periods=longest, freq=spec.freq)
    future = pd.date_range(end, periods=spec.horizon + 1, freq=spec.freq)[1:]
    train, test = {}, {}
    for sid, values in train_rows.items():
        if test_rows[sid].size != spec.horizon:
            raise ValueError(
                f"Series {sid!r} has {test_rows[sid].size} test values; M4's "
                f"{key} horizon is {spec.horizon}."
            )
        train[sid] = pd.Series(values, dates[longest - values.size :], name=sid)
        test[sid] = pd.Series(test_rows[sid], future, name=sid)
    meta = M4Meta(key, spec.horizon, spec.m, spec.freq, end, len(train))
    return train, test, meta
