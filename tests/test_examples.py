"""Smoke tests: every script in examples/ runs end to end with --quick settings."""

import runpy
from pathlib import Path

import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_main(name):
    """The ``main`` function of ``examples/<name>.py`` (not run as a script)."""
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=name)["main"]


def test_every_example_has_a_smoke_test():
    tested = {"energy_forecast", "weather_forecast", "stock_forecast"}
    tested |= {"sklearn_pipeline", "gradient_flow", "regularisation", "panel_forecast"}
    tested |= {"ensemble_and_choice"}
    assert {path.stem for path in EXAMPLES.glob("*.py")} == tested


@pytest.mark.slow
@pytest.mark.parametrize("name", ["energy_forecast", "weather_forecast"])
def test_hourly_examples(name, tmp_path):
    forecast = example_main(name)(["--quick", "--out", str(tmp_path)])
    assert isinstance(forecast, pd.DataFrame) and len(forecast) >= 24
    assert forecast.notna().all().all()
    for written in ("report.html", "report.md", "forecast.csv", "forecast.png"):
        assert (tmp_path / written).stat().st_size > 0


@pytest.mark.slow
def test_stock_example(tmp_path):
    table = example_main("stock_forecast")(["--quick", "--out", str(tmp_path)])
    assert list(table.columns) == ["forecast", "lower", "upper"] and len(table) == 5
    assert (table["lower"] <= table["forecast"]).all()
    assert (table["forecast"] <= table["upper"]).all()
    assert (tmp_path / "forecast.png").exists() and (tmp_path / "report.html").exists()


@pytest.mark.slow
def test_sklearn_pipeline_example():
    search = example_main("sklearn_pipeline")(["--quick"])
    assert isinstance(search, GridSearchCV)
    assert search.best_params_["regressor__rnn__cell"] in ("rnn", "gru")
    assert len(search.cv_results_["params"]) == 2


@pytest.mark.slow
def test_gradient_flow_example(tmp_path):
    summary = example_main("gradient_flow")(["--quick", "--out", str(tmp_path)])
    assert list(summary.index) == ["rnn", "lstm", "gru"]
    decay = summary.filter(like="decay")
    assert ((decay > 0) & (decay < 1)).all().all()  # gradients fade with the lag
    assert (tmp_path / "gradient_flow.png").stat().st_size > 0


@pytest.mark.slow
def test_regularisation_example(tmp_path):
    table = example_main("regularisation")(["--quick", "--out", str(tmp_path)])
    assert list(table.index) == ["plain", "weight decay", "dropout", "augmentation"]
    assert table.notna().all().all() and (table["backtest MASE"] > 0).all()
    assert (table["best epoch"] >= 1).all()
    assert (tmp_path / "regularisation.png").stat().st_size > 0


@pytest.mark.slow
def test_panel_example(tmp_path):
    forecast = example_main("panel_forecast")(["--quick", "--out", str(tmp_path)])
    assert list(forecast.columns) == ["AAPL", "GOOG", "IBM", "MSFT"]
    assert len(forecast) == 5 and forecast.notna().all().all()
    long = pd.read_csv(tmp_path / "panel_long.csv")
    assert list(long.columns) == ["unique_id", "ds", "y"]
    assert set(long["unique_id"]) == set(forecast.columns)
    assert (tmp_path / "forecast.png").stat().st_size > 0


@pytest.mark.slow
def test_ensemble_and_choice_example(tmp_path):
    table = example_main("ensemble_and_choice")(["--quick", "--out", str(tmp_path)])
    assert list(table.index) == ["ensemble of 2", "single LSTM"]
    assert table[[0, 1, 2]].notna().all().all() and (table[[0, 1, 2]] > 0).all().all()
    assert (tmp_path / "ensemble.png").stat().st_size > 0
