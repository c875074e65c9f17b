"""Tests for forecastrnn.checks: scalar checks, the series and covariate checks."""

import numpy as np
import pandas as pd
import pytest

from forecastrnn.checks import (
    check_choice,
    check_covariates,
    check_int,
    check_probability,
    check_quantiles,
    check_real,
    check_series,
)
from forecastrnn.datasets import NYSE_TRADING_DAY, load_stock


def hourly(values, start="2024-01-01"):
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="h"))


def no_freq(series):
    """The same series with its index frequency dropped."""
    return pd.Series(series.to_numpy(), index=pd.DatetimeIndex(list(series.index)))


# ---------------------------------------------------------------- check_series


def test_check_series_returns_float_copy_with_inferred_freq():
    y = pd.Series(
        [1, 2, 3], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"])
    )
    out = check_series(y)
    assert out.dtype == np.float64 and out.index.freqstr == "D"
    assert y.dtype == np.int64 and y.index.freq is None  # caller's object untouched
    out.iloc[0] = 99.0
    assert y.iloc[0] == 1


def test_check_series_two_points_and_dataframe():
    two = no_freq(hourly([1.0, 2.0]))
    assert check_series(two).index.freqstr == "h"
    frame = hourly([1.0, 2.0, 3.0]).to_frame("load")
    out = check_series(frame)
    assert isinstance(out, pd.Series) and out.name == "load"


def test_check_series_keeps_custom_business_day():
    y = load_stock("IBM")["adj_close"]
    out = check_series(y)
    assert out.index.freq == NYSE_TRADING_DAY


def test_check_series_integer_index_becomes_range():
    out = check_series(pd.Series([1.0, 2.0, 3.0], index=[5, 6, 7]))
    assert isinstance(out.index, pd.RangeIndex) and list(out.index) == [5, 6, 7]


def test_check_series_nullable_float_with_nan_allowed():
    out = check_series(pd.Series([1.0, None, 3.0], dtype="Float64"), allow_nan=True)
    assert out.dtype == np.float64 and np.isnan(out.iloc[1])


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.arange(3.0), TypeError, "`y` must be a pandas Series .*numpy array"),
        (pd.DataFrame({"a": [1.0], "b": [2.0]}), TypeError, "got a DataFrame with 2"),
        (pd.Series(["a", "b"]), TypeError, "real numeric dtype; got dtype str"),
        (pd.Series([True, False]), TypeError, "real numeric dtype; got dtype bool"),
        (pd.Series([], dtype=float), ValueError, "`y` is empty"),
        (
            pd.Series([1.0, 2.0], index=["a", "b"]),
            TypeError,
            "DatetimeIndex or an integer index; got Index",
        ),
        (
            pd.Series([1.0, 2.0, 3.0], index=[0, 2, 1]),
            ValueError,
            r"not sorted .*label 1 at position 2 comes after 2.*sort_index",
        ),
        (
            pd.Series([1.0, 2.0], index=[0, 2]),
            ValueError,
            r"integer index that is not consecutive \(step 1\); got steps \[2\]",
        ),
        (
            pd.Series(
                [1.0, 2.0, 3.0],
                index=pd.DatetimeIndex(["2024-01-01"] * 2 + ["2024-01-02"]),
            ),
            ValueError,
            "1 duplicated index labels \\(first: 2024-01-01",
        ),
        (
            pd.Series(
                np.ones(4),
                index=pd.DatetimeIndex(
                    ["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-05"]
                ),
            ),
            ValueError,
            "irregular DatetimeIndex.*spacings seen: 1 days.*2 days.*asfreq",
        ),
        (
            pd.Series([1.0], index=pd.DatetimeIndex(["2024-01-01"])),
            ValueError,
            "single timestamp and no `freq`",
        ),
        (
            hourly([1.0, np.inf, 2.0]),
            ValueError,
            "1 infinite values \\(first at 2024-01-01 01:00",
        ),
        (
            hourly([1.0, np.nan, np.nan, 4.0]),
            ValueError,
            r"2 missing values \(NaN\), the first at 2024-01-01 01:00:00"
            ".*interpolate.*ffill",
        ),
    ],
)
def test_check_series_errors(bad, error, match):
    with pytest.raises(error, match=match):
        check_series(bad)


def test_check_series_error_names_the_argument():
    with pytest.raises(ValueError, match="`target` has 1 missing values"):
        check_series(hourly([1.0, np.nan, 2.0]), name="target")


# ---------------------------------------------------------------- scalars


def test_check_int_messages():
    assert check_int(3, "horizon") == 3 and type(check_int(np.int64(3), "h")) is int
    assert check_int(None, "n_folds", allow_none=True) is None
    assert check_int(0, "gap", minimum=0) == 0
    with pytest.raises(
        ValueError, match=r"`horizon` must be a positive integer; got 0\. Pass horizon"
    ):
        check_int(0, "horizon")
    with pytest.raises(
        TypeError, match=r"`steps` must be a positive integer; got 2\.5 \(float\)"
    ):
        check_int(2.5, "steps")
    with pytest.raises(TypeError, match="`steps` must be a positive integer"):
        check_int(True, "steps")
    with pytest.raises(ValueError, match="`gap` must be a non-negative integer"):
        check_int(-1, "gap", minimum=0)
    with pytest.raises(ValueError, match="`k` must be an integer >= 2 or None; got 1"):
        check_int(1, "k", minimum=2, allow_none=True)


def test_check_probability_and_quantiles():
    assert check_probability(0.9, "coverage") == 0.9
    assert check_probability(None, "coverage", allow_none=True) is None
    for bad in (0, 1, 90, float("nan")):
        with pytest.raises(
            ValueError, match="`coverage` must be strictly between 0 and 1; got"
        ):
            check_probability(bad, "coverage")
    with pytest.raises(
        TypeError, match=r"`coverage` must be a float in \(0, 1\); got str"
    ):
        check_probability("0.9", "coverage")
    assert check_quantiles(np.array([0.1, 0.9])) == (0.1, 0.9)
    for bad in ((), (0.5, 0.5), (0.5, 1.2), "0.5", [[0.1]], ("a",)):
        with pytest.raises(
            ValueError,
            match=r"`quantiles` must be a non-empty sequence of distinct levels "
            r"strictly between 0 and 1 \(each in \(0, 1\)\)",
        ):
            check_quantiles(bad)


def test_check_real_and_choice():
    assert check_real(2, "learning_rate", low=0, low_open=True) == 2.0
    with pytest.raises(ValueError, match=r"`dropout` must be a number in \[0, 1\)"):
        check_real(1.0, "dropout", low=0, high=1, high_open=True)
    assert check_choice("ffill", "method", ("interpolate", "ffill")) == "ffill"
    with pytest.raises(ValueError, match="`method` must be one of 'a', 'b'; got 'c'"):
        check_choice("c", "method", ("a", "b"))


# ---------------------------------------------------------------- covariates


def mixed_exog(index):
    """A frame a user would build: float, bool, integer and nullable integer."""
    n = len(index)
    return pd.DataFrame(
        {
            "temp": np.linspace(10.0, 20.0, n),
            "holiday": np.arange(n) % 7 == 0,
            "count": np.arange(n),
            "visitors": pd.array(np.arange(n), dtype="Int64"),
            "open": pd.array(np.arange(n) % 2 == 0, dtype="boolean"),
        },
        index=index,
    )


def test_check_covariates_numbers_become_float64_rows_at_the_labels():
    index = pd.date_range("2024-01-01", periods=6, freq="h")
    exog = mixed_exog(index)
    before = exog.copy()
    out = check_covariates(exog, index[2:5])
    assert (out.dtypes == np.float64).all() and list(out.columns) == list(exog)
    assert out.index.equals(index[2:5])  # extra rows are ignored
    np.testing.assert_array_equal(out["holiday"], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(out["visitors"], [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(out["open"], [1.0, 0.0, 1.0])
    pd.testing.assert_frame_equal(exog, before)  # nothing the user passed changes
    whole = check_covariates(exog["temp"])  # a Series, every row
    assert list(whole.columns) == ["temp"] and whole.index.equals(index)
    with_nan = exog.astype({"visitors": "Int64"})
    with_nan.loc[index[0], "visitors"] = pd.NA
    assert np.isnan(check_covariates(with_nan, allow_nan=True).iloc[0, 3])


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            lambda e: e.assign(city="Lisbon"),
            TypeError,
            r"`exog` column 'city' has dtype str; expected numbers \(bool, integer "
            r"or float\)\. One-hot encode .*pd\.get_dummies\(exog, columns=\['city'\]"
            r".*exog\.drop\(columns=\['city'\]\)",
        ),
        (
            lambda e: e.assign(kind=pd.Categorical(["a", "b"] * 3), when=e.index),
            TypeError,
            r"`exog` columns \['kind', 'when'\] have dtypes category, datetime64",
        ),
        (
            lambda e: e.to_numpy(),
            TypeError,
            r"`exog` must be a pandas DataFrame \(or Series\) indexed like `y`; got "
            "ndarray",
        ),
        (
            lambda e: pd.concat([e, e.iloc[[2]]]),
            ValueError,
            r"`exog` has 1 duplicated index labels \(first: 2024-01-01 02:00:00\).*"
            r"groupby\(level=0\)",
        ),
        (
            lambda e: e.iloc[:-2],
            ValueError,
            r"`exog` has no rows for 2 of the 6 timestamps of `y` \(first missing: "
            r"2024-01-01 04:00:00\); expected a row for each",
        ),
        (
            lambda e: e.tz_localize("UTC"),
            ValueError,
            r"no rows for 6 of the 6 .* Its index is in time zone UTC, that of `y` "
            r"in None: convert one",
        ),
        (
            lambda e: e.assign(temp=e["temp"].where(e.index.hour != 3)),
            ValueError,
            r"`exog` has 1 missing or infinite values for `y` \(first at "
            r"2024-01-01 03:00:00\) in columns \['temp'\].*exog\.interpolate\(\)",
        ),
        (
            lambda e: e.assign(temp=np.r_[np.inf, np.ones(5)]),
            ValueError,
            r"`exog` has 1 missing or infinite values .* \['temp'\]",
        ),
    ],
)
def test_check_covariates_errors(change, error, match):
    index = pd.date_range("2024-01-01", periods=6, freq="h")
    with pytest.raises(error, match=match) as info:
        check_covariates(change(mixed_exog(index)), index)
    assert "dropna" not in str(info.value) and "`x`" not in str(info.value)


def test_check_covariates_allow_nan_still_refuses_infinity():
    index = pd.RangeIndex(3)
    exog = pd.DataFrame({"a": [1.0, np.nan, np.inf]})
    assert np.isnan(
        check_covariates(exog.iloc[:2], index[:2], allow_nan=True).iloc[1, 0]
    )
    with pytest.raises(
        ValueError, match=r"`future_exog` has 1 infinite values for the forecast"
    ):
        check_covariates(
            exog, index, name="future_exog", what="the forecast period", allow_nan=True
        )


def test_two_timestamps_a_day_apart_are_daily_like_more():
    """Two timestamps infer the frequency more would: whole days are ``Day``
    (the long layout reader and check_series share the rule)."""
    from forecastrnn.checks import infer_frequency

    two = pd.DatetimeIndex(["2024-01-01", "2024-01-02"])
    three = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"])
    assert infer_frequency(two).freq == infer_frequency(three).freq == pd.offsets.Day()
    hours = pd.DatetimeIndex(["2024-01-01 00:00", "2024-01-01 02:00"])
    assert infer_frequency(hours).freq == pd.offsets.Hour(2)
    assert (
        infer_frequency(pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05"]))
        is None
    )
    y = check_series(pd.Series([1.0, 2.0], index=two))
    assert y.index.freq == pd.offsets.Day()
