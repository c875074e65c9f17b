"""Tests for forecastrnn.panel: panels in, the same kind out, and the long layout."""

import copy

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecastrnn.panel import (
    SERIES_ID,
    as_panel,
    covariates_from_long,
    describe,
    from_long,
    restore,
    to_long,
)

NAN = np.nan


def days(values, start="2024-01-01", freq="D"):
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq=freq))


def wide():
    """Three daily series: 'b' starts later, 'c' ends earlier and has a gap."""
    idx = pd.date_range("2024-01-01", periods=5, freq="D")
    return pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, 4.0, 5.0],
            "b": [NAN, NAN, 7.0, 8.0, 9.0],
            "c": [10.0, NAN, 12.0, NAN, NAN],
        },
        index=idx,
    )


def long_frame():
    return pd.DataFrame(
        {
            "unique_id": ["b", "a", "b", "a", "a", "b"],
            "ds": [
                "2024-01-02",
                "2024-01-03",
                "2024-01-01",
                "2024-01-01",
                "2024-01-02",
                "2024-01-03",
            ],
            "y": [20.0, 3.0, 10.0, 1.0, 2.0, 30.0],
            "price": [2.0, 0.3, 1.0, 0.1, 0.2, 3.0],
        }
    )


# ------------------------------------------------------------ as_panel: kinds


def test_series_is_a_panel_of_one_named_by_its_name():
    y = pd.Series(
        [1, 2, 3],
        index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"]),
        name="load",
    )
    panel = as_panel(y)
    assert panel.kind == "series" and panel.name == "load"
    assert list(panel.series) == ["load"]
    out = panel.series["load"]
    assert out.dtype == np.float64 and out.index.freqstr == "D" and out.name == "load"
    assert y.dtype == np.int64 and y.index.freq is None  # the input is untouched


def test_unnamed_series_has_the_id_series():
    panel = as_panel(pd.Series([1.0, 2.0]))
    assert SERIES_ID == "series" and list(panel.series) == ["series"]
    assert panel.name is None
    assert isinstance(panel.series["series"].index, pd.RangeIndex)


def test_single_series_errors_name_the_argument_alone():
    y = pd.Series([1.0, np.inf, 3.0])
    with pytest.raises(ValueError, match=r"^`target` has 1 infinite values"):
        as_panel(y, name="target")


def test_all_nan_series_is_refused():
    with pytest.raises(ValueError, match=r"`y` has no observed value \(all 3 are NaN"):
        as_panel(pd.Series([NAN, NAN, NAN]))


def test_wide_frame_trims_each_column_and_keeps_inner_nan():
    panel = as_panel(wide())
    assert panel.kind == "frame" and panel.name is None
    assert list(panel.series) == ["a", "b", "c"]
    b, c = panel.series["b"], panel.series["c"]
    assert list(b.index.day) == [3, 4, 5] and b.tolist() == [7.0, 8.0, 9.0]
    assert list(c.index.day) == [1, 2, 3] and np.isnan(c.iloc[1])
    assert b.index.freqstr == "D" and c.index.freqstr == "D"
    assert b.name == "b" and b.dtype == np.float64


def test_wide_frame_trailing_nan_is_fine_without_allow_nan():
    frame = wide()[["a", "b"]]
    panel = as_panel(frame, allow_nan=False)
    assert len(panel.series["b"]) == 3


def test_wide_frame_inner_nan_refused_without_allow_nan_names_the_column():
    with pytest.raises(ValueError, match=r"`y\['c'\]` has 1 missing values"):
        as_panel(wide(), allow_nan=False)


def test_one_column_frame_is_a_frame_of_one_series():
    panel = as_panel(wide()[["b"]])
    assert panel.kind == "frame" and list(panel.series) == ["b"]


def test_wide_frame_with_integer_index():
    frame = pd.DataFrame({0: [1.0, 2.0, NAN], 1: [NAN, 3.0, 4.0]}, index=[10, 11, 12])
    panel = as_panel(frame)
    assert list(panel.series[1].index) == [11, 12]
    assert isinstance(panel.series[1].index, pd.RangeIndex)


def test_wide_frame_keeps_a_custom_business_day():
    cbd = pd.offsets.CustomBusinessDay(holidays=["2024-01-03"])
    idx = pd.date_range("2024-01-01", periods=4, freq=cbd)
    panel = as_panel(pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [NAN, 1.0, 2, 3]}, idx))
    assert panel.series["y"].index.freq == cbd


def test_duplicate_column_labels_are_named():
    frame = pd.DataFrame([[1.0, 2.0, 3.0]], columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"duplicated column labels \['a'\]"):
        as_panel(frame)


def test_all_nan_column_is_named():
    frame = wide().assign(d=NAN)
    with pytest.raises(ValueError, match=r"`y` column 'd' is all NaN.*drop"):
        as_panel(frame)


def test_non_numeric_column_is_named():
    frame = wide().assign(name=list("vwxyz"))
    with pytest.raises(TypeError, match=r"`y\['name'\]` must have a real numeric"):
        as_panel(frame)


def test_frame_without_columns():
    with pytest.raises(ValueError, match="no columns"):
        as_panel(pd.DataFrame(index=pd.date_range("2024", periods=3)))


def test_frame_with_irregular_index_names_the_argument():
    idx = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-09"])
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4]}, index=idx)
    with pytest.raises(ValueError, match="`y` has an irregular DatetimeIndex"):
        as_panel(frame)


def test_long_frame_gets_a_hint_to_from_long():
    with pytest.raises(TypeError, match=r"long-format.*panel\.from_long\(y\)"):
        as_panel(long_frame())


def test_mapping_keeps_order_and_each_own_index():
    y = {"z": days([1, 2, 3]), "a": days([4, 5], start="2024-02-01")}
    panel = as_panel(y)
    assert panel.kind == "mapping" and list(panel.series) == ["z", "a"]
    assert panel.series["a"].index[0] == pd.Timestamp("2024-02-01")
    assert panel.series["a"].name == "a"


def test_mapping_leading_nan_is_kept():
    panel = as_panel({"a": days([NAN, 1.0, 2.0])})
    assert len(panel.series["a"]) == 3


def test_mapping_errors_name_the_series():
    bad = pd.Series([1.0, 2.0, 3.0], index=[2, 1, 3])
    with pytest.raises(ValueError, match=r"`y\['b'\]` index is not sorted"):
        as_panel({"a": days([1, 2, 3]), "b": bad})


def test_empty_mapping():
    with pytest.raises(ValueError, match="`y` is an empty mapping"):
        as_panel({})


def test_dict_of_lists_lists_the_accepted_kinds():
    with pytest.raises(TypeError, match=r"pandas Series, a wide.*value for 'a' is"):
        as_panel({"a": [1.0, 2.0]})


@pytest.mark.parametrize("y", [[1.0, 2.0], np.ones(3), 3.0, "y"])
def test_other_types_list_the_accepted_kinds(y):
    with pytest.raises(TypeError, match=r"`y` must be a pandas Series, a wide"):
        as_panel(y)


def test_mixed_kinds_of_index():
    y = {"a": days([1, 2, 3]), "b": pd.Series([1.0, 2.0])}
    with pytest.raises(ValueError, match=r"mixes kinds of index: series 'a' has a "):
        as_panel(y)


def test_mixed_time_zones():
    y = {"a": days([1, 2, 3]), "b": days([1, 2, 3]).tz_localize("UTC")}
    with pytest.raises(
        ValueError,
        match=r"\(no time zone\) and series 'b' a DatetimeIndex \(time zone UTC",
    ):
        as_panel(y)


def test_mixed_frequencies_name_two_ids_and_the_fix():
    y = {"h": days([1, 2, 3], freq="h"), "d": days([1, 2, 3])}
    with pytest.raises(
        ValueError, match=r"'h' has frequency 'h' and series 'd' 'D'.*resample"
    ):
        as_panel(y)


def test_equal_frequencies_spelled_differently_are_one():
    y = {"a": days([1, 2], freq="h"), "b": days([1, 2], freq="60min")}
    assert len(as_panel(y).series) == 2


def test_panel_passes_through_and_is_checked_again():
    panel = as_panel(wide())
    again = as_panel(panel)
    assert again.kind == "frame" and list(again.series) == ["a", "b", "c"]
    for key in panel.series:
        pd.testing.assert_series_equal(again.series[key], panel.series[key])
    with pytest.raises(ValueError, match=r"`y\['c'\]` has 1 missing values"):
        as_panel(panel, allow_nan=False)


def test_the_name_argument_is_used_in_messages():
    with pytest.raises(ValueError, match=r"`train\['c'\]`"):
        as_panel(wide(), name="train", allow_nan=False)


# --------------------------------------------------------- never modify input


def test_frame_input_is_never_modified():
    frame = wide()
    frame.index.freq = None
    before = copy.deepcopy(frame)
    panel = as_panel(frame)
    panel.series["b"].iloc[0] = -1.0
    pd.testing.assert_frame_equal(frame, before, check_freq=True)
    assert frame.index.freq is None


def test_mapping_input_is_never_modified():
    b = pd.Series(
        [1, 2, 3], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"])
    )
    y = {"a": days([NAN, 1.0, 2.0]), "b": b}
    y["a"].index.freq = None
    before = copy.deepcopy(y)
    panel = as_panel(y)
    panel.series["a"].iloc[1] = -1.0
    assert list(y) == list(before)
    for key in y:
        pd.testing.assert_series_equal(y[key], before[key], check_freq=True)
    assert y["b"].dtype == np.int64 and y["b"].index.freq is None


# -------------------------------------------------------------------- restore


def future(start, n, freq="D", name=None):
    return pd.Series(
        np.arange(n, dtype=float), pd.date_range(start, periods=n, freq=freq), name=name
    )


def test_restore_series_renames_to_the_original_name():
    panel = as_panel(days([1, 2, 3]).rename("load"))
    out = restore(panel, {"load": future("2024-01-04", 2, name="whatever")})
    assert isinstance(out, pd.Series) and out.name == "load"
    unnamed = as_panel(days([1, 2, 3]))
    assert restore(unnamed, {SERIES_ID: future("2024-01-04", 2, name="x")}).name is None


def test_restore_series_returns_a_frame_as_is():
    panel = as_panel(days([1, 2, 3]))
    quantiles = pd.DataFrame(
        {0.1: [0.0], 0.9: [1.0]}, pd.date_range("2024-01-04", periods=1)
    )
    assert restore(panel, {SERIES_ID: quantiles}) is quantiles


def test_restore_mapping_is_a_plain_dict_in_panel_order():
    panel = as_panel({"z": days([1, 2]), "a": days([3, 4])})
    values = {"a": future("2024-01-03", 1), "z": future("2024-01-03", 1)}
    out = restore(panel, values)
    assert type(out) is dict and list(out) == ["z", "a"]
    assert out["a"] is values["a"]


def test_restore_frame_of_series_is_wide_on_the_sorted_union():
    panel = as_panel(wide())  # a ends on the 5th, b on the 5th, c on the 3rd
    values = {
        "c": future("2024-01-04", 2),
        "a": future("2024-01-06", 2),
        "b": future("2024-01-06", 2),
    }
    out = restore(panel, values)
    assert list(out.columns) == ["a", "b", "c"]
    assert list(out.index.day) == [4, 5, 6, 7] and out.index.freqstr == "D"
    assert out["c"].tolist()[:2] == [0.0, 1.0] and out["c"].isna().tolist()[2:] == [
        True,
        True,
    ]
    assert out["a"].isna().tolist() == [True, True, False, False]


def test_restore_frame_with_a_gap_has_no_frequency():
    panel = as_panel(wide()[["a", "c"]])
    out = restore(panel, {"a": future("2024-01-10", 1), "c": future("2024-01-04", 1)})
    assert list(out.index.day) == [4, 10] and out.index.freq is None


def test_restore_frame_of_frames_has_id_column_multiindex():
    panel = as_panel(wide()[["a", "b"]])
    q = pd.DataFrame(
        {"lo": [0.0, 1.0], "hi": [2.0, 3.0]}, pd.date_range("2024-01-06", periods=2)
    )
    out = restore(panel, {"a": q, "b": q + 1})
    assert list(out.columns) == [("a", "lo"), ("a", "hi"), ("b", "lo"), ("b", "hi")]
    assert out[("b", "hi")].tolist() == [3.0, 4.0]


def test_restore_integer_frame_gives_a_range_index():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, NAN]})
    panel = as_panel(frame)
    values = {"a": pd.Series([9.0], [3]), "b": pd.Series([8.0, 7.0], [2, 3])}
    out = restore(panel, values)
    assert isinstance(out.index, pd.RangeIndex) and list(out.index) == [2, 3]


def test_restore_keeps_tuple_ids_as_multiindex_columns():
    frame = pd.DataFrame({("x", 1): [1.0, 2.0], ("x", 2): [3.0, 4.0]})
    panel = as_panel(frame)
    out = restore(panel, panel.series)
    pd.testing.assert_frame_equal(out, frame)


def test_restore_checks_ids_and_types():
    panel = as_panel(wide()[["a", "b"]])
    one = future("2024-01-06", 1)
    with pytest.raises(ValueError, match=r"missing \['b'\], unknown \['q'\]"):
        restore(panel, {"a": one, "q": one})
    with pytest.raises(TypeError, match=r"`values\['b'\]` must be a pandas"):
        restore(panel, {"a": one, "b": [1.0]})
    with pytest.raises(TypeError, match="mixes Series and DataFrame"):
        restore(panel, {"a": one, "b": one.to_frame()})
    with pytest.raises(TypeError, match="`panel` must be a Panel"):
        restore(wide(), {"a": one, "b": one})
    with pytest.raises(TypeError, match="`values` must be a mapping"):
        restore(panel, [one, one])


frames = st.integers(2, 6).flatmap(
    lambda n: st.lists(
        st.lists(
            st.one_of(st.just(NAN), st.floats(-1e3, 1e3)), min_size=n, max_size=n
        ).filter(lambda col: not all(np.isnan(col))),
        min_size=1,
        max_size=4,
    )
)


@settings(max_examples=30, deadline=None)
@given(columns=frames, freq=st.sampled_from(["h", "D", None]))
def test_restore_of_the_panel_series_gives_the_frame_back(columns, freq):
    n = len(columns[0])
    index = (
        pd.RangeIndex(n)
        if freq is None
        else pd.date_range("2024", periods=n, freq=freq)
    )
    frame = pd.DataFrame({f"s{j}": col for j, col in enumerate(columns)}, index=index)
    before = frame.copy()
    panel = as_panel(frame)
    pd.testing.assert_frame_equal(frame, before, check_freq=True)
    out = restore(panel, panel.series)
    assert out.index.isin(frame.index).all() and out.index.is_monotonic_increasing
    # rows in no series' span (all NaN) are the only ones left out
    left_out = frame.loc[~frame.index.isin(out.index)]
    assert left_out.isna().all(axis=None)
    pd.testing.assert_frame_equal(out.reindex(frame.index), frame, check_freq=False)


# ------------------------------------------------------------------- describe


def test_describe_one_row_per_series():
    table = describe(as_panel(wide()))
    assert list(table.index) == ["a", "b", "c"]
    assert list(table.columns) == ["start", "end", "length", "missing"]
    assert table.loc["b", "start"] == pd.Timestamp("2024-01-03")
    assert table.loc["c", "end"] == pd.Timestamp("2024-01-03")
    assert table["length"].tolist() == [5, 3, 3]
    assert table["missing"].tolist() == [0, 0, 1]
    assert pd.api.types.is_datetime64_any_dtype(table["start"])


def test_describe_accepts_what_as_panel_accepts():
    table = describe(pd.Series([1.0, NAN], name="x"))
    assert list(table.index) == ["x"] and table.loc["x", "missing"] == 1


# -------------------------------------------------------------------- to_long


def test_to_long_orders_by_series_then_time_and_drops_nan():
    long = to_long(wide())
    assert list(long.columns) == ["unique_id", "ds", "y"]
    assert long["unique_id"].tolist() == ["a"] * 5 + ["b"] * 3 + ["c"] * 2
    assert long["ds"].is_monotonic_increasing is False
    c = long[long["unique_id"] == "c"]
    assert c["ds"].dt.day.tolist() == [1, 3] and c["y"].tolist() == [10.0, 12.0]
    assert isinstance(long.index, pd.RangeIndex) and long["y"].dtype == np.float64


def test_to_long_custom_names_and_time_zone():
    y = {"a": days([1, 2]).tz_localize("Europe/Paris")}
    long = to_long(y, id_col="item", time_col="when", target="sales")
    assert list(long.columns) == ["item", "when", "sales"]
    assert str(long["when"].dt.tz) == "Europe/Paris"


def test_to_long_takes_the_dict_restore_returns():
    panel = as_panel({"a": days([1, 2]), "b": days([3])})
    forecasts = restore(
        panel, {"a": future("2024-01-03", 2), "b": future("2024-01-02", 1)}
    )
    long = to_long(forecasts)
    assert long["unique_id"].tolist() == ["a", "a", "b"]


def test_to_long_names_must_differ():
    with pytest.raises(ValueError, match="must be distinct"):
        to_long(wide(), target="ds")


# ------------------------------------------------------------------ from_long


def test_from_long_parses_sorts_and_keeps_first_appearance_order():
    out = from_long(long_frame())
    assert list(out) == ["b", "a"]
    b = out["b"]
    assert b.tolist() == [10.0, 20.0, 30.0] and b.name == "y"
    assert b.index.freqstr == "D" and b.index.name == "ds"
    assert b.dtype == np.float64


def test_from_long_does_not_modify_the_frame():
    frame = long_frame()
    before = frame.copy()
    from_long(frame, freq="D")
    covariates_from_long(frame, ["price"])
    pd.testing.assert_frame_equal(frame, before)


def test_from_long_datetimes_and_integers():
    frame = long_frame()
    frame["ds"] = pd.to_datetime(frame["ds"])
    assert from_long(frame)["a"].index.freqstr == "D"
    ints = pd.DataFrame(
        {"unique_id": [1, 1, 1, 2], "ds": [5, 6, 7, 0], "y": [1.0, 2, 3, 4]}
    )
    out = from_long(ints)
    assert list(out) == [1, 2]
    assert isinstance(out[1].index, pd.RangeIndex) and list(out[1].index) == [5, 6, 7]


def test_from_long_two_timestamps_infer_their_step():
    frame = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": ["2024-01-01 00:00", "2024-01-01 02:00"],
            "y": [1.0, 2.0],
        }
    )
    assert from_long(frame)["a"].index.freqstr == "2h"


def test_from_long_freq_fills_gaps_with_nan():
    frame = long_frame().drop(index=4)  # a on the 2nd
    out = from_long(frame, freq="D")
    assert out["a"].index.freqstr == "D" and len(out["a"]) == 3
    assert np.isnan(out["a"].iloc[1]) and out["a"].iloc[2] == 3.0
    cov = covariates_from_long(frame, "price", freq="D")
    assert cov["a"].index.equals(out["a"].index)
    assert np.isnan(cov["a"]["price"].iloc[1]) and cov["a"]["price"].iloc[2] == 0.3


def test_from_long_without_freq_refuses_gaps_and_single_points():
    with pytest.raises(ValueError, match=r"series 'a' has irregular.*Pass `freq=`"):
        from_long(
            pd.concat(
                [
                    long_frame(),
                    pd.DataFrame(
                        {"unique_id": ["a"], "ds": ["2024-01-09"], "y": [1.0]}
                    ),
                ]
            )
        )
    single = pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "y": [1.0]})
    with pytest.raises(ValueError, match=r"single timestamp.*Pass `freq=`"):
        from_long(single)
    assert from_long(single, freq="D")["a"].index.freqstr == "D"


def test_from_long_off_grid_timestamps():
    frame = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": ["2024-01-01 00:00", "2024-01-01 12:00", "2024-01-02 00:00"],
            "y": 1.0,
        }
    )
    with pytest.raises(
        ValueError, match=r"off the grid of `freq` 'D' \(first: 2024-01-01 12:00"
    ):
        from_long(frame, freq="D")


def test_from_long_integer_gaps():
    frame = pd.DataFrame({"unique_id": "a", "ds": [0, 1, 3], "y": [1.0, 2.0, 4.0]})
    with pytest.raises(ValueError, match=r"not consecutive \(gaps of \[2\]\).*freq=1"):
        from_long(frame)
    out = from_long(frame, freq=1)["a"]
    assert list(out.index) == [0, 1, 2, 3] and np.isnan(out[2])
    with pytest.raises(ValueError, match="`freq` must be None or 1"):
        from_long(frame, freq="D")


def test_from_long_whole_floats_are_steps():
    frame = pd.DataFrame({"unique_id": "a", "ds": [0.0, 1.0], "y": [1.0, 2.0]})
    assert list(from_long(frame)["a"].index) == [0, 1]
    with pytest.raises(ValueError, match=r"not whole \(first: 0.5\)"):
        from_long(frame.assign(ds=[0.5, 1.0]))


def test_from_long_missing_columns_listed():
    with pytest.raises(
        ValueError,
        match=r"no column 'target'; columns present: "
        r"\['unique_id', 'ds', 'y', 'price'\]",
    ):
        from_long(long_frame(), target="target")


def test_from_long_duplicates_named():
    frame = pd.concat([long_frame(), long_frame().iloc[[1]]])
    with pytest.raises(
        ValueError, match=r"1 repeated.*series 'a' at 2024-01-03.*groupby"
    ):
        from_long(frame)


def test_from_long_non_numeric_target_names_the_series():
    frame = long_frame().astype({"y": object})
    frame.loc[5, "y"] = "n/a"
    with pytest.raises(TypeError, match=r"not numbers \(first: 'n/a' of series 'b'"):
        from_long(frame)


def test_from_long_bool_or_object_target_is_refused():
    with pytest.raises(TypeError, match=r"'y' has dtype bool.*astype\(float\)"):
        from_long(long_frame().assign(y=True))


def test_long_round_trip_keeps_tuple_ids_and_time_zone():
    idx = pd.date_range("2024", periods=3, freq="h", tz="UTC")
    frame = pd.DataFrame({("x", 1): [1.0, 2, 3], ("x", 2): [NAN, 3.0, 4]}, idx)
    back = from_long(to_long(frame))
    assert list(back) == [("x", 1), ("x", 2)]
    assert str(back[("x", 2)].index.tz) == "UTC"
    pd.testing.assert_series_equal(
        back[("x", 2)], as_panel(frame).series[("x", 2)], check_names=False
    )


def test_from_long_nan_ids():
    frame = long_frame()
    frame.loc[2, "unique_id"] = None
    with pytest.raises(ValueError, match=r"1 missing ids \(first in row 2\)"):
        from_long(frame)


def test_from_long_bad_timestamps_named():
    frame = long_frame()
    frame.loc[3, "ds"] = "tomorrow-ish"
    with pytest.raises(
        ValueError,
        match=r"column 'ds' has values that are not timestamps "
        r"\(first: 'tomorrow-ish' in row 3\)",
    ):
        from_long(frame)
    frame.loc[3, "ds"] = None
    with pytest.raises(ValueError, match=r"1 missing timestamps \(first in row 3\)"):
        from_long(frame)


def test_from_long_bad_arguments():
    with pytest.raises(TypeError, match="`frame` must be a pandas DataFrame"):
        from_long({"unique_id": ["a"]})
    with pytest.raises(ValueError, match="`freq` must be a pandas frequency"):
        from_long(long_frame(), freq="fortnightly")
    with pytest.raises(ValueError, match="`columns` is empty"):
        covariates_from_long(long_frame(), [])
    with pytest.raises(ValueError, match="no column 'temp'"):
        covariates_from_long(long_frame(), ["price", "temp"])


def test_from_long_output_is_ready_for_as_panel():
    panel = as_panel(from_long(long_frame()))
    assert panel.kind == "mapping" and list(panel.series) == ["b", "a"]


def test_covariates_on_the_series_timestamps():
    cov = covariates_from_long(long_frame(), ["price"])
    assert list(cov) == ["b", "a"]
    assert cov["b"]["price"].tolist() == [1.0, 2.0, 3.0]
    assert cov["b"].index.equals(from_long(long_frame())["b"].index)


# ----------------------------------------------------------------- round trip


def panels(kind):
    """Small NaN-free panels: 1-4 series of varying lengths and starts."""
    lengths = st.integers(1 if kind == "given" else 2, 8)
    shape = st.lists(st.tuples(lengths, st.integers(0, 5)), min_size=1, max_size=4)
    values = st.floats(-1e6, 1e6, allow_nan=False)
    return shape.flatmap(
        lambda spec: st.tuples(
            st.just(spec),
            st.lists(
                values,
                min_size=sum(n for n, _ in spec),
                max_size=sum(n for n, _ in spec),
            ),
        )
    )


def build(spec, values, freq):
    series, at = {}, 0
    for i, (n, start) in enumerate(spec):
        if freq is None:
            index = pd.RangeIndex(start, start + n)
        else:
            index = pd.date_range(
                pd.Timestamp("2024-03-30")
                + start * pd.tseries.frequencies.to_offset(freq),
                periods=n,
                freq=freq,
            )
        series[f"id{i}"] = pd.Series(values[at : at + n], index=index)
        at += n
    return series


@settings(max_examples=40, deadline=None)
@given(data=panels("inferred"), freq=st.sampled_from(["h", "D", None]))
def test_round_trip_with_inferred_frequency(data, freq):
    panel = as_panel(build(*data, freq))
    back = from_long(to_long(panel))
    assert list(back) == list(panel.series)
    for key, series in panel.series.items():
        pd.testing.assert_series_equal(back[key], series, check_names=False)
    assert as_panel(back).series.keys() == panel.series.keys()


@settings(max_examples=60, deadline=None)
@given(data=panels("given"), freq=st.sampled_from(["h", "D"]))
def test_round_trip_with_freq_given(data, freq):
    panel = as_panel(build(*data, freq))
    back = from_long(
        to_long(panel, id_col="k", time_col="t", target="v"),
        id_col="k",
        time_col="t",
        target="v",
        freq=freq,
    )
    for key, series in panel.series.items():
        pd.testing.assert_series_equal(back[key], series, check_names=False)
        assert back[key].name == "v" and back[key].index.name == "t"
