"""The `forecastrnn` command: errors as one line, backtests, forecasts."""

import importlib.metadata
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecastrnn.__main__ import main as forecastrnn_main
from forecastrnn.cli import main


def run(capsys, *argv):
    """Run the command in-process; return (exit status, stdout, stderr)."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def hourly_csv(tmp_path):
    """A daily-periodic hourly series in a CSV, with one missing row and one NaN."""
    index = pd.date_range("2024-01-01", periods=400, freq="h")
    values = 10 + np.sin(2 * np.pi * np.arange(400) / 24)
    frame = pd.DataFrame({"when": index, "other": 1.0, "load": values})
    frame.loc[50, "load"] = np.nan
    frame = frame.drop(index=120)
    path = tmp_path / "load.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_unknown_dataset_is_one_line_without_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "forecastrnn", "backtest", "--dataset", "no_such_data"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("forecastrnn: error: unknown dataset 'no_such_data'")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["backtest", "--dataset", "energy", "--target", "zzz"],
            "unknown column 'zzz'",
        ),
        (["backtest", "--dataset", "stock", "--ticker", "XYZ"], "unknown ticker 'XYZ'"),
        (["backtest", "--dataset", "energy", "--ticker", "AAPL"], "--ticker applies"),
        (["backtest", "--dataset", "energy", "--models", "lstm,svm"], "model(s) svm"),
        (["backtest", "--dataset", "energy", "--horizon", "0"], "--horizon: expected"),
        (
            ["backtest", "--dataset", "energy", "--ensemble", "0"],
            "--ensemble: expected",
        ),
        (
            ["backtest", "--dataset", "energy", "--coverage", "2"],
            "--coverage: expected",
        ),
        (["backtest", "--dataset", "energy", "--bogus"], "unrecognized arguments"),
        (["backtest"], "exactly one of --dataset NAME or --csv PATH"),
        (["backtest", "--csv", "missing.csv"], "cannot read --csv 'missing.csv'"),
        (["forecast", "--dataset", "energy", "--model", "svm"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("forecastrnn: error: ")
    assert message in err


def test_bad_csv_files_are_one_line(capsys, tmp_path):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    text = tmp_path / "text.csv"
    text.write_text("when,load\n2024-01-01,1\n2024-01-02,high\n2024-01-03,3\n")
    dates = tmp_path / "dates.csv"
    dates.write_text("when,load\nmonday,1\ntuesday,2\n")
    cases = [
        (binary, "cannot read --csv"),
        (empty, "the file is empty"),
        (text, "column 'load' of"),
        (dates, "is not a column of timestamps"),
    ]
    for path, message in cases:
        status, _, err = run(capsys, "backtest", "--csv", str(path))
        assert status == 2
        assert err.count("\n") == 1 and message in err, err


def test_version_is_the_installed_one(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    expected = f"forecastrnn {importlib.metadata.version('forecastrnn')}"
    assert capsys.readouterr().out.strip() == expected


def test_command_entry_point_is_the_light_main():
    entry_points = importlib.metadata.entry_points(group="console_scripts")
    (command,) = [e for e in entry_points if e.name == "forecastrnn"]
    assert command.value == "forecastrnn.__main__:main"
    assert command.load() is forecastrnn_main


def test_command_reports_bad_input_like_main(capsys):
    assert forecastrnn_main(["backtest", "--horizon", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("forecastrnn: error: argument --horizon: expected")


def test_datasets_lists_data_and_licences(capsys):
    status, out, _ = run(capsys, "datasets")
    assert status == 0
    for name in ("energy", "weather", "stock:AAPL", "CC BY 4.0", "Public domain"):
        assert name in out


def test_backtest_csv_writes_report_and_tables(capsys, hourly_csv, tmp_path):
    out_dir = tmp_path / "out"
    argv = ["backtest", "--csv", str(hourly_csv), "--time-col", "when"]
    argv += ["--target", "load", "--models", "naive,seasonal_naive", "--horizon", "6"]
    argv += ["--folds", "3", "--train-size", "100", "--quiet", "--out", str(out_dir)]
    status, out, err = run(capsys, *argv)
    assert status == 0
    assert err == ""  # --quiet: no bars, no notes, and no warnings here
    board = pd.read_csv(out_dir / "leaderboard.csv", index_col="model")
    assert list(board.index) == ["seasonal_naive", "naive"]
    # the series is exactly periodic (the gaps are far before the folds)
    assert board.loc["seasonal_naive", "mae"] == pytest.approx(0.0, abs=1e-9)
    assert board.loc["naive", "mae"] > 0.1
    assert (board["n_folds"] == 3).all() and (board["n_refits"] == 3).all()
    forecasts = pd.read_csv(out_dir / "forecasts.csv")
    assert len(forecasts) == 2 * 3 * 6
    assert (out_dir / "report.html").stat().st_size > 10_000
    assert (out_dir / "report.md").exists()
    assert "seasonal_naive" in out and f"wrote {out_dir / 'report.html'}" in out


def test_backtest_auto_chooses_before_each_refit_and_says_why(
    capsys, hourly_csv, tmp_path
):
    out_dir = tmp_path / "out"
    argv = ["backtest", "--csv", str(hourly_csv), "--time-col", "when"]
    argv += ["--target", "load", "--models", "naive,seasonal_naive", "--horizon", "6"]
    argv += ["--folds", "8", "--train-size", "100", "--quiet", "--auto"]
    status, out, _ = run(capsys, *argv, "--out", str(out_dir))
    assert status == 0
    board = pd.read_csv(out_dir / "leaderboard.csv", index_col="model")
    # the series is exactly periodic: seasonal naive takes all the weight,
    # every time
    assert board.loc["auto", "mae"] == pytest.approx(0.0, abs=1e-9)
    assert board.loc["auto", "n_refits"] == 2  # refit weekly, like the networks
    assert "auto chose weighted mean of 2 (folds 0, 7)" in out
    assert "(mean weights: seasonal_naive 1.00, naive 0.00)" in out
    report = (out_dir / "report.md").read_text()
    assert "## Model choice" in report
    assert "| 0 | weighted mean of 2 |" in report
    assert "the inverse square of its validation MASE (the Weight column)" in report


def test_backtest_csv_notes_filled_gaps(capsys, hourly_csv, tmp_path):
    argv = ["backtest", "--csv", str(hourly_csv), "--target", "load"]
    argv += ["--models", "naive", "--horizon", "6", "--folds", "2"]
    status, _, err = run(capsys, *argv, "--out", str(tmp_path / "o"))
    assert status == 0
    assert "filled 2 missing values of 'load'" in err  # the NaN and the lost row
    assert "folds" in err  # the progress bar


@pytest.mark.slow
def test_backtest_networks_fit_once_in_a_week_with_progress_and_intervals(
    capsys, tmp_path
):
    argv = ["backtest", "--dataset", "energy", "--models", "gru,seasonal_naive"]
    argv += ["--horizon", "6", "--folds", "2", "--train-size", "200", "--window", "24"]
    argv += ["--epochs", "2", "--coverage", "0.8", "--out", str(tmp_path)]
    status, out, err = run(capsys, *argv)
    assert status == 0
    board = pd.read_csv(tmp_path / "leaderboard.csv", index_col="model")
    assert board.loc["gru", "n_refits"] == 1
    assert board.loc["seasonal_naive", "n_refits"] == 2
    assert board["coverage"].between(0, 1).all()
    assert "gru epochs" in err and "folds" in err
    assert "coverage" in out
    # stderr is not a terminal: whole lines, no redraws, a start and an end line
    # per bar (a note, the folds, the epochs), never one per epoch
    assert "\r" not in err and "\x1b" not in err
    assert len(err.splitlines()) <= 8, err


@pytest.mark.slow
def test_hourly_datasets_backtest_four_weeks_and_refit_networks_weekly(
    capsys, tmp_path
):
    """The main job's default: 28 daily origins (--folds unset); the networks
    refit at every seventh origin, the baselines at every one."""
    argv = ["backtest", "--dataset", "energy", "--models", "gru,naive"]
    argv += ["--train-size", "200", "--window", "24", "--epochs", "1", "--quiet"]
    status, _, _ = run(capsys, *argv, "--out", str(tmp_path))
    assert status == 0
    board = pd.read_csv(tmp_path / "leaderboard.csv", index_col="model")
    assert (board["n_folds"] == 28).all()
    assert board.loc["gru", "n_refits"] == 4 and board.loc["naive", "n_refits"] == 28
    forecasts = pd.read_csv(tmp_path / "forecasts.csv", parse_dates=["origin"])
    origins = forecasts["origin"].drop_duplicates()
    assert origins.diff().dropna().eq(pd.Timedelta(hours=24)).all()  # daily
    assert origins.max() == pd.Timestamp("2014-12-30 23:00")  # the year's last day


def test_forecast_writes_future_with_interval(capsys, hourly_csv, tmp_path):
    path = tmp_path / "forecast.csv"
    argv = ["forecast", "--csv", str(hourly_csv), "--target", "load"]
    argv += ["--model", "seasonal_naive", "--steps", "30", "--interval", "0.8"]
    status, out, _ = run(capsys, *argv, "--out", str(path), "--quiet")
    assert status == 0
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    assert list(frame.columns) == ["forecast", "lower", "upper"]
    assert frame.index[0] == pd.Timestamp("2024-01-17 16:00")  # after the last row
    assert len(frame) == 30 and frame.index.freq is None  # read back from CSV
    assert (frame["lower"] < frame["forecast"]).all()
    assert (frame["forecast"] < frame["upper"]).all()
    assert f"wrote {path}" in out


def test_forecast_with_an_ensemble_of_networks(capsys, hourly_csv, tmp_path):
    """--ensemble K trains K networks and forecasts their median: not the
    forecast of the single network of the same seed."""
    frames = []
    for k in ("1", "3"):
        path = tmp_path / f"forecast{k}.csv"
        argv = ["forecast", "--csv", str(hourly_csv), "--target", "load"]
        argv += ["--model", "gru", "--epochs", "2", "--window", "12", "--horizon", "4"]
        status, _, _ = run(capsys, *argv, "--ensemble", k, "--out", str(path),
                           "--quiet")
        assert status == 0
        frames.append(pd.read_csv(path, index_col=0))
    single, ensemble = (f["forecast"].to_numpy() for f in frames)
    assert np.isfinite(ensemble).all() and not np.allclose(single, ensemble)


# ------------------------------------------------- reading CSV files (issue 16)


def _forecast(capsys, tmp_path, csv, *options, model="naive", steps="3"):
    """Run `forecast` on ``csv``; return (status, stderr, the forecast or None)."""
    out = tmp_path / "forecast.csv"
    argv = ["forecast", "--csv", str(csv), "--model", model, "--quiet"]
    argv += [*options, "--out", str(out)] + (["--steps", steps] if steps else [])
    before = csv.read_bytes()
    status, _, err = run(capsys, *argv)
    assert csv.read_bytes() == before  # the input file is never modified
    frame = pd.read_csv(out, index_col=0) if status == 0 else None
    return status, err, frame


def test_integer_years_are_dates_not_nanoseconds(capsys, tmp_path):
    csv = tmp_path / "gdp.csv"
    years = np.arange(1900, 2020)
    pd.DataFrame({"year": years, "gdp": years - 1890.0}).to_csv(csv, index=False)
    status, err, frame = _forecast(capsys, tmp_path, csv)
    assert status == 0, err
    assert list(frame.index) == ["2020-01-01", "2021-01-01", "2022-01-01"]
    assert frame.index.name == "year"


@pytest.mark.parametrize(
    ("stamps", "first"),
    [
        (["202301", "202302", "202303", "202304"], "2023-05-01"),
        (["20240101", "20240102", "20240103", "20240104"], "2024-01-05"),
    ],
)
def test_whole_number_months_and_days_are_dates(capsys, tmp_path, stamps, first):
    csv = tmp_path / "numbers.csv"
    csv.write_text("when,v\n" + "".join(f"{s},{i}\n" for i, s in enumerate(stamps)))
    status, err, frame = _forecast(capsys, tmp_path, csv)
    assert status == 0, err
    assert frame.index[0] == first


@pytest.mark.parametrize(
    ("stamps", "message"),
    [
        (["1700000000", "1700003600", "1700007200"], "numbers (first: "
         "1700000000), not timestamps; expected dates such as 2024-01-31, or "
         "whole-number years (YYYY), months (YYYYMM) or days (YYYYMMDD)"),
        (["202311", "202312", "202313"], "read as months (YYYYMM), but 202313 "
         "is not one"),
        (["1999", "2000", "20010"], "all with the same number of digits"),
    ],
)  # fmt: skip
def test_other_numbers_are_not_timestamps(capsys, tmp_path, stamps, message):
    csv = tmp_path / "numbers.csv"
    csv.write_text("when,v\n" + "".join(f"{s},{i}\n" for i, s in enumerate(stamps)))
    status, err, _ = _forecast(capsys, tmp_path, csv)
    assert status == 2 and err.count("\n") == 1
    assert f"column 'when' of '{csv}' holds" in err and message in err


def test_utc_offsets_across_daylight_saving_become_utc(capsys, tmp_path):
    csv = tmp_path / "paris.csv"
    local = pd.date_range("2024-03-30", periods=72, freq="h", tz="Europe/Paris")
    stamps = [t.isoformat() for t in local]  # +01:00, then +02:00 from 31 March
    pd.DataFrame({"when": stamps, "load": np.arange(72.0)}).to_csv(csv, index=False)
    status, err, frame = _forecast(capsys, tmp_path, csv)
    assert status == 0, err
    assert frame.index[0] == "2024-04-01 23:00:00+00:00"  # 2024-04-02 01:00+02:00
    with pytest.raises(SystemExit):
        main(["forecast", "--help"])
    assert "are converted to UTC" in " ".join(capsys.readouterr().out.split())


def _european_csv(path):
    """Day-first dates, semicolons and decimal commas: a spreadsheet export."""
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    rows = [f"{d:%d/%m/%Y};{i},5" for i, d in enumerate(days)]
    path.write_text("date;value\n" + "\n".join(rows) + "\n")
    return path


def test_separator_decimal_and_dayfirst_options(capsys, tmp_path):
    csv = _european_csv(tmp_path / "eu.csv")
    options = ["--sep", ";", "--decimal", ",", "--dayfirst"]
    status, err, frame = _forecast(capsys, tmp_path, csv, *options)
    assert status == 0, err
    assert frame.index[0] == "2024-02-10"
    assert frame.iloc[0, 0] == pytest.approx(39.5)
    # --dayfirst keeps ISO dates year-month-day
    iso = tmp_path / "iso.csv"
    iso.write_text("when,v\n2024-01-05,1\n2024-01-06,2\n2024-01-07,3\n")
    status, err, frame = _forecast(capsys, tmp_path, iso, "--dayfirst")
    assert status == 0, err
    assert frame.index[0] == "2024-01-08"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "has 1 column(s) and 40 row(s) separated by ','; expected a timestamp "
         "column and at least one value column, with a header; its header line "
         "holds ';': pass --sep ';'"),
        (["--sep", ";"], "column 'value' of '{csv}' is not numeric: line 2 holds "
         "'0,5'; if ',' is its decimal mark, pass --decimal ','"),
        (["--sep", ";", "--decimal", ","], "column 'date' of '{csv}' is not a "
         "column of timestamps"),
        (["--sep", ";", "--decimal", ","], "or pass --dayfirst for dates like "
         "31/12/2024"),
        (["--sep", ";;"], "--sep must be one character, such as ';' or ',' (\\t for "
         "a tab); got ';;'"),
        (["--sep", ";", "--decimal", ";"], "--sep and --decimal are both ';'"),
    ],
)  # fmt: skip
def test_european_csv_errors_say_which_option(capsys, tmp_path, options, message):
    csv = _european_csv(tmp_path / "eu.csv")
    status, err, _ = _forecast(capsys, tmp_path, csv, *options)
    assert status == 2 and err.count("\n") == 1, err
    assert message.format(csv=csv) in err


def test_csv_options_need_a_csv(capsys):
    for option in (["--sep", ";"], ["--decimal", ","], ["--dayfirst"]):
        status, _, err = run(capsys, "forecast", "--dataset", "energy", *option)
        assert status == 2
        assert "--sep, --decimal and --dayfirst apply to --csv only" in err


def test_csv_season_follows_the_frequency_multiplier(capsys, tmp_path):
    csv = tmp_path / "two_hourly.csv"
    index = pd.date_range("2024-01-01", periods=300, freq="2h")
    values = 10 + np.sin(2 * np.pi * np.arange(300) / 12)  # a daily cycle
    pd.DataFrame({"t": index, "y": values}).to_csv(csv, index=False)
    status, err, frame = _forecast(
        capsys, tmp_path, csv, model="seasonal_naive", steps=None
    )
    assert status == 0, err
    assert len(frame) == 12  # one season ahead: a day of 2h steps, not two days
    np.testing.assert_allclose(frame["forecast"], values[-12:])
    out = tmp_path / "bt"
    argv = ["backtest", "--csv", str(csv), "--models", "seasonal_naive,naive"]
    status, text, err = run(capsys, *argv, "--folds", "2", "--quiet", "--out", str(out))
    assert status == 0, err
    assert "seasonal naive (period 12)" in text  # the MASE scale


# --------------------------------------------------------------------- panels


@pytest.fixture
def long_csv(tmp_path):
    """Three daily-periodic hourly series of different lengths, long layout."""
    frames = []
    for i, (key, n) in enumerate((("north", 150), ("south", 130), ("west", 140))):
        index = pd.date_range("2024-01-01", periods=n, freq="h")
        values = 10 * (i + 1) + np.sin(2 * np.pi * np.arange(n) / 24)
        frames.append(pd.DataFrame({"unique_id": key, "ds": index, "y": values}))
    path = tmp_path / "long.csv"
    pd.concat(frames).sample(frac=1.0, random_state=0).to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_backtest_long_csv_is_one_panel(capsys, long_csv, tmp_path):
    out_dir = tmp_path / "out"
    argv = ["backtest", "--csv", str(long_csv), "--id-col", "unique_id"]
    argv += ["--horizon", "6", "--folds", "2"]  # --time-col ds, --target y
    argv += ["--models", "naive,seasonal_naive,naive2", "--train-size", "48"]
    status, out, err = run(capsys, *argv, "--quiet", "--out", str(out_dir))
    assert status == 0, err
    assert err == ""
    board = pd.read_csv(out_dir / "leaderboard.csv", index_col="model")
    assert list(board.index)[0] == "seasonal_naive"
    assert board.loc["naive2", "owa"] == pytest.approx(1.0)
    assert (board["n_series"] == 3).all()
    per_series = pd.read_csv(out_dir / "per_series.csv", index_col=[0, 1])
    assert len(per_series) == 9
    assert set(per_series.index.get_level_values("series")) == {
        "north", "south", "west"
    }  # fmt: skip
    forecasts = pd.read_csv(out_dir / "forecasts.csv")
    assert list(forecasts.columns[:2]) == ["model", "series"]
    assert len(forecasts) == 3 * 3 * 2 * 6
    assert "mean MASE over the 3 series" in out and "OWA" in out
    assert (out_dir / "report.html").exists()


@pytest.mark.slow
def test_backtest_auto_on_a_panel_chooses_per_series(capsys, tmp_path):
    """--auto on a long CSV with a short --train-size: as many validation
    folds as the MASE's season allows, one choice per series, said in one
    short line."""
    rng = np.random.default_rng(0)
    frames = []
    for i, key in enumerate(("north", "south", "west")):
        index = pd.date_range("2024-01-01", periods=120, freq="h")
        values = 10 * (i + 1) + np.sin(2 * np.pi * np.arange(120) / 24)
        values += rng.normal(0, 0.05, 120)
        frames.append(pd.DataFrame({"unique_id": key, "ds": index, "y": values}))
    path = tmp_path / "long.csv"
    pd.concat(frames).to_csv(path, index=False)
    argv = ["backtest", "--csv", str(path), "--id-col", "unique_id", "--horizon"]
    argv += ["6", "--folds", "2", "--models", "naive,seasonal_naive", "--auto"]
    argv += ["--train-size", "48", "--quiet", "--out", str(tmp_path / "out")]
    status, out, err = run(capsys, *argv)
    assert status == 0, err
    board = pd.read_csv(tmp_path / "out" / "leaderboard.csv", index_col="model")
    assert board.loc["auto", "mase"] < board.loc["naive", "mase"]
    assert "auto chose weighted mean of 2 (3 refits of 3 series)" in out
    assert "mean weights: seasonal_naive 0.9" in out


def test_long_csv_errors(capsys, long_csv, tmp_path):
    cases = [
        (["--id-col", "series"], "--id-col 'series' is not a column of"),
        (["--id-col", "unique_id", "--target", "z"], "unknown column 'z'"),
        (["--id-col", "unique_id", "--target", "ds"], "three different columns"),
        (["--id-col", "y"], "has 0 numeric columns besides 'y' and 'ds'"),
    ]
    for extra, message in cases:
        status, _, err = run(capsys, "backtest", "--csv", str(long_csv), *extra)
        assert status == 2 and err.count("\n") == 1 and message in err, err
    status, _, err = run(capsys, "backtest", "--dataset", "energy", "--id-col", "x")
    assert status == 2 and "--id-col applies to --csv only" in err
    status, _, err = run(capsys, "forecast", "--csv", str(long_csv), "--id-col", "x")
    assert status == 2 and "unrecognized arguments: --id-col" in err


@pytest.mark.slow
def test_stock_without_ticker_backtests_every_ticker(capsys, tmp_path):
    argv = ["backtest", "--dataset", "stock", "--models", "naive,drift"]
    argv += ["--horizon", "5", "--folds", "2", "--train-size", "60", "--quiet"]
    status, out, err = run(capsys, *argv, "--out", str(tmp_path / "all"))
    assert status == 0, err
    per_series = pd.read_csv(tmp_path / "all" / "per_series.csv", index_col=[0, 1])
    assert sorted(set(per_series.index.get_level_values("series"))) == [
        "AAPL", "GOOG", "IBM", "MSFT"
    ]  # fmt: skip
    status, out, err = run(capsys, *argv, "--ticker", "msft", "--out", str(tmp_path))
    assert status == 0, err
    assert not (tmp_path / "per_series.csv").exists()
    assert "series" not in pd.read_csv(tmp_path / "forecasts.csv").columns


@pytest.mark.slow
def test_panel_backtest_fits_a_network_once_for_all_series(capsys, long_csv, tmp_path):
    argv = ["backtest", "--csv", str(long_csv), "--id-col", "unique_id"]
    argv += ["--models", "gru,naive", "--horizon", "6", "--folds", "2"]
    argv += ["--train-size", "60", "--window", "12", "--epochs", "1"]
    status, out, err = run(capsys, *argv, "--out", str(tmp_path))
    assert status == 0, err
    board = pd.read_csv(tmp_path / "leaderboard.csv", index_col="model")
    assert board.loc["gru", "n_refits"] == 1 and board.loc["naive", "n_refits"] == 2
    assert "3 series" in err and "gru epochs" in err
