"""Tests for forecastrnn.plotting: the shared matplotlib helpers."""

from matplotlib.figure import Figure

from forecastrnn.plotting import log_scale, new_axes, series_label


def test_new_axes_makes_a_figure_or_uses_the_given_axes():
    fig, ax = new_axes(None, (5.0, 2.5))
    assert isinstance(fig, Figure) and ax.figure is fig
    assert tuple(fig.get_size_inches()) == (5.0, 2.5)
    other = Figure().add_subplot()
    assert new_axes(other, (9.0, 9.0)) == (other.figure, other)


def test_series_label_is_shown_verbatim():
    assert series_label("lstm") == "lstm"
    assert series_label("$x$") == r"\$x\$"  # no mathtext
    assert series_label("_hidden") == " _hidden"  # legends skip a leading "_"
    assert series_label(3) == "3"


def test_log_scale_labels_ticks_as_plain_numbers():
    fig, ax = new_axes(None, (4.0, 3.0))
    ax.plot([1, 2, 3], [0.03, 1.0, 200.0])
    log_scale(ax)
    fig.canvas.draw()
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all("10^" not in t and "$" not in t for t in labels)
    assert "100" in labels
