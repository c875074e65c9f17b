"""Tests for forecastrnn.report: the self-contained HTML page and its Markdown twin."""

import base64
import html
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from forecastrnn import RNNForecaster, RNNRegressor, backtest, compare
from forecastrnn.baselines import Drift, Naive, Naive2, SeasonalNaive
from forecastrnn.report import (
    plot_error_by_step,
    plot_forecasts,
    plot_series_errors,
    plot_worst_series,
    write_report,
)

NASTY = "<b>x</b> & 'co' | $5"
VOID = {"meta", "img", "br", "link", "hr", "input"}


@pytest.fixture(scope="module")
def series():
    index = pd.date_range("2024-03-01", periods=240, freq="h")
    t = np.arange(240)
    noise = np.random.default_rng(0).normal(0, 300, 240)
    values = 20_000 + 3_000 * np.sin(2 * np.pi * t / 24) + noise
    return pd.Series(values, index, name="load <kW>")


@pytest.fixture(scope="module")
def comparison(series):
    models = {
        "naive": Naive(),
        NASTY: SeasonalNaive(24),
        "drift": Drift(),
        "gru": RNNForecaster(
            RNNRegressor(
                "gru", hidden_size=4, max_epochs=2, loss="quantile", random_state=0
            ),
            window_size=24,
            horizon=6,
        ),
    }
    return compare(models, series, horizon=6, n_folds=4, refit=2, m=24, coverage=0.8)


@pytest.fixture(scope="module")
def written(comparison, series, tmp_path_factory):
    base = tmp_path_factory.mktemp("report") / "nested" / "energy report"
    html_path, md_path = write_report(comparison, base, y=series)
    return html_path, md_path, html_path.read_text("utf-8"), md_path.read_text("utf-8")


class _Structure(HTMLParser):
    """Collects tags, attributes and text; checks that elements nest."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.attrs, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _parse(page):
    parser = _Structure()
    parser.feed(page)
    parser.close()
    return parser


def test_writes_both_files_and_the_images(written):
    html_path, md_path, page, markdown = written
    assert html_path.name == "energy report.html" and md_path.name == "energy report.md"
    folder = md_path.parent / "energy report_files"
    images = sorted(p.name for p in folder.iterdir())
    assert images == ["error_by_step.png", "forecasts.png", "training-gru.png"]
    for name in images:
        assert (folder / name).read_bytes().startswith(b"\x89PNG")
        assert f"](energy%20report_files/{name})" in markdown


def test_html_is_self_contained(written):
    page = written[2]
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert "@import" not in page and "url(" not in page
    images = [a["src"] for tag, a in parsed.attrs if tag == "img"]
    assert len(images) == 3
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
    links = [a["href"] for tag, a in parsed.attrs if tag == "a"]
    assert links and all(link.startswith("#") for link in links)
    anchors = {a.get("id") for _, a in parsed.attrs}
    assert all(link[1:] in anchors for link in links)


def test_html_has_every_model_and_metric(written, comparison):
    page = written[2]
    text = "".join(_parse(page).text)
    for name in comparison.leaderboard.index:
        assert name in text
    for column in comparison.leaderboard.columns:  # every metric and runtime
        assert f'title="{column}"' in page
    for label in (
        "MAE",
        "RMSE",
        "MAPE",
        "sMAPE",
        "MASE",
        "Coverage",
        "Width",
        "Fit (s)",
        "Predict (s)",
        "Total (s)",
    ):
        assert f">{html.escape(label)}</th>" in page


def test_html_escapes_names(written):
    page = written[2]
    assert "<b>x</b>" not in page
    assert html.escape(NASTY) in page
    assert "load &lt;kW&gt;" in page and "<kW>" not in page


def test_html_header_and_sections(written, series):
    page = written[2]
    text = "".join(_parse(page).text)
    import forecastrnn

    assert f"forecastrnn {forecastrnn.__version__}" in text
    assert "Generated 20" in text and "UTC" in text
    assert "6 steps" in text  # horizon
    assert "4 · expanding window · refits per model in the leaderboard" in text
    assert f"{len(series):,} · hourly" in text
    for title in (
        "Leaderboard",
        "Error by horizon step",
        "Forecasts against actuals",
        "Error by fold",
        "Training",
    ):
        assert f">{title}</h2>" in page


def test_numbers_are_formatted(written, comparison):
    page, markdown = written[2], written[3]
    board = comparison.leaderboard
    # errors of a series around 20,000 are in the hundreds: no long decimals,
    # thousands separators for widths in the thousands, percentages for MAPE
    assert not re.search(r"\d\.\d{5,}", page)
    mape = f"{100 * board['mape'].iloc[0]:.1f}%"
    assert mape in page and mape in markdown
    assert re.search(r">\d{1,3},\d{3}<", page)


def test_markdown_has_the_leaderboard(written, comparison):
    markdown = written[3]
    lines = markdown.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| \\# | Model"))
    assert "| MAE | RMSE | MAPE | sMAPE | MASE | Coverage | Width |" in lines[header]
    assert set(lines[header + 1].strip("| ").split(" | ")) == {"---", "---:"}
    rows = lines[header + 2 : header + 2 + len(comparison.leaderboard)]
    for rank, row in enumerate(rows, 1):
        assert row.startswith(f"| {rank} | ")
        assert row.count(" | ") == len(comparison.leaderboard.columns) + 1
    for name in ("naive", "drift", "gru"):
        assert any(f" | {name} | " in row for row in rows)
    assert any("&lt;b&gt;x&lt;/b&gt; &amp; 'co' \\| $5" in row for row in rows)
    assert "<b>" not in markdown
    assert "## Training" in markdown


class Recorder(Naive):
    """A naive forecaster with a ``history_`` that is not a training history."""

    def fit(self, y, exog=None):
        self.history_ = pd.DataFrame({"n_obs": [len(y)]})
        return super().fit(y, exog)


def test_single_result_without_series(series, tmp_path):
    result = backtest(Recorder(), series, horizon=4, n_folds=2)
    assert result.histories  # recorded, but not a recurrent model's
    html_path, md_path = write_report(result, tmp_path / "r.html", title="A & <B>")
    page = html_path.read_text("utf-8")
    assert "<title>A &amp; &lt;B&gt;</title>" in page
    assert "unnamed series" in page
    assert 'id="training"' not in page  # no recurrent model, no training section
    assert md_path.read_text("utf-8").startswith("# A &amp; &lt;B&gt;\n")


def test_bad_input(comparison, tmp_path):
    with pytest.raises(TypeError, match="`result` must be a Comparison"):
        write_report({"naive": None}, tmp_path / "r")
    with pytest.raises(TypeError, match="`y` must be the backtested pandas Series"):
        write_report(comparison, tmp_path / "r", y=[1.0, 2.0])
    with pytest.raises(ValueError, match="`metric`='nope' is not a per-step metric"):
        plot_error_by_step(comparison, metric="nope")
    with pytest.raises(ValueError, match="`n_folds` must be a positive integer"):
        plot_forecasts(comparison, n_folds=0)


def test_plots(comparison, series):
    fig = plot_error_by_step(comparison, metric="rmse")
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["naive", NASTY.replace("$", r"\$"), "drift", "gru"]
    panels = plot_forecasts(comparison, series, n_folds=2).axes
    assert len(panels) == 4
    # two folds per panel, each with its shaded prediction interval
    assert all(
        sum(isinstance(c, PolyCollection) for c in ax.collections) == 2 for ax in panels
    )


# --------------------------------------------------------------------- panels


@pytest.fixture(scope="module")
def panel(series):
    return {
        "north": series.iloc[:200],
        "south": (series * 0.5 + 100).iloc[20:],
        "east <i>": series.iloc[::-1].set_axis(series.index) + 10,
    }


@pytest.fixture(scope="module")
def panel_comparison(panel):
    models = {"naive": Naive(), "seasonal": SeasonalNaive(24), "naive2": Naive2(24)}
    return compare(models, panel, horizon=6, n_folds=3, m=24)


@pytest.mark.slow
def test_panel_report_ranks_by_series_means_and_shows_the_worst_series(
    panel, panel_comparison, tmp_path
):
    html_path, md_path = write_report(panel_comparison, tmp_path / "p", y=panel)
    page, markdown = html_path.read_text("utf-8"), md_path.read_text("utf-8")
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []
    text = "".join(parsed.text)
    for title in (
        "Leaderboard",
        "Errors across series",
        "Worst series",
        "Error by fold",
    ):
        assert f">{title}</h2>" in page
    assert ">OWA</th>" in page and ">Series</th>" in page
    assert "on 3 series" in text and "east &lt;i&gt;" in page
    images = sorted(p.name for p in (tmp_path / "p_files").iterdir())
    assert images == ["error_by_step.png", "series_errors.png", "worst_series.png"]
    board = panel_comparison.leaderboard
    assert f"Best model: {board.index[0]}" in markdown.replace("**", "")
    # the worst series of the best model comes first in its table
    scores = panel_comparison.results[board.index[0]].per_series()["mase"]
    lines = markdown.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Series |"))
    worst = str(scores.idxmax()).replace("<", "&lt;").replace(">", "&gt;")
    assert lines[header + 2].startswith(f"| {worst} |")


def test_panel_plots(panel, panel_comparison):
    fig = plot_series_errors(panel_comparison)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(
        panel_comparison.leaderboard.index
    )
    assert sum(len(c.get_offsets()) for c in ax.collections) == 9  # 3 x 3 points
    worst = plot_worst_series(panel_comparison, panel, k=2).axes
    assert len(worst) == 2
    one = plot_forecasts(panel_comparison, panel, series="south").axes
    assert len(one) == 3
    with pytest.raises(ValueError, match=r"`series`='west' is not a series"):
        plot_forecasts(panel_comparison, series="west")


def test_panel_plots_reject_a_single_series(comparison):
    with pytest.raises(ValueError, match=r"`plot_worst_series` needs a panel"):
        plot_worst_series(comparison)
