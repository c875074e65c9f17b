"""Progress bars: redrawn in place on a terminal, a few whole lines in a log."""

import io

import pytest

from forecastrnn import progress
from forecastrnn.progress import progress_bar


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self):
        return True


def run_bar(file, steps=5, **options):
    with progress_bar(steps, "epochs", file=file, **options) as bar:
        for _ in range(steps):
            bar.update(1)
            bar.set_postfix(loss=0.5)  # refreshes on every call in plain tqdm
    return file.getvalue()


def test_log_gets_a_start_and_an_end_line_only():
    text = run_bar(io.StringIO(), steps=200)
    lines = text.splitlines()
    assert len(lines) == 2, text
    assert lines[0].startswith("epochs:   0%") and "0/200" in lines[0]
    assert "200/200" in lines[1] and "loss=0.5" in lines[1]
    assert "\r" not in text and "\x1b" not in text  # no redraws, no cursor moves


def test_log_gets_a_line_per_interval(monkeypatch):
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    lines = run_bar(io.StringIO(), steps=3).splitlines()
    assert len(lines) > 3  # start, updates, end
    assert lines[-1].count("3/3") == 1


def test_nested_bars_interleave_whole_lines():
    log = io.StringIO()
    with progress_bar(2, "folds", file=log, unit="fold") as outer:
        for _ in range(2):
            run_bar(log, steps=4)
            outer.update(1)
    lines = log.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["folds"] + ["epochs"] * 4 + [
        "folds"
    ]
    assert "2/2" in lines[-1] and "fold" in lines[-1]
    assert "\x1b" not in log.getvalue()


def test_terminal_bar_redraws_in_place():
    text = run_bar(Terminal(), steps=3)
    assert "\r" in text


@pytest.mark.parametrize("stream", [io.StringIO, Terminal])
def test_disabled_bar_writes_nothing(stream):
    assert run_bar(stream(), disable=True) == ""


def test_closing_twice_writes_one_end_line():
    log = io.StringIO()
    bar = progress_bar(1, "x", file=log)
    bar.update(1)
    bar.close()
    bar.close()
    assert len(log.getvalue().splitlines()) == 2
