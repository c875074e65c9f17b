"""The `forecastrnn` command: errors as one line, backtests, forecasts."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

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


def test_backtest_csv_notes_filled_gaps(capsys, hourly_csv, tmp_path):
    argv = ["backtest", "--csv", str(hourly_csv), "--target", "load"]
    argv += ["--models", "naive", "--horizon", "6", "--folds", "2"]
    status, _, err = run(capsys, *argv, "--out", str(tmp_path / "o"))
    assert status == 0
    assert "filled 2 missing values of 'load'" in err  # the NaN and the lost row
    assert "folds" in err  # the progress bar


def test_backtest_networks_fit_once_with_progress_and_intervals(capsys, tmp_path):
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
