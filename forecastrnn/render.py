"""Render a report's content as a self-contained HTML page or as Markdown.

:mod:`forecastrnn.report` and :mod:`forecastrnn.panel_report` build the content
(a header and a list of :class:`Section` holding paragraphs, :class:`Table` and
:class:`Image`); :func:`to_html` and :func:`to_markdown` turn it into text. The
HTML page inlines its CSS and embeds every image as a ``data:image/png;base64``
URI; the Markdown links its images as PNG files in a folder next to it.

The formatting helpers both report builders share live here too: numbers
(:func:`format_numbers`), timestamps (:func:`format_when`), frequencies
(:func:`describe_freq`), metric names (:func:`column_label`), plots as PNG bytes
(:func:`to_png`) and the tables built from frames (:func:`leaderboard_table`,
:func:`wide_table`, with :func:`best_cells` marking their best values).
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any, NamedTuple
from urllib.parse import quote

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = [
    "Image",
    "Section",
    "Table",
    "best_cells",
    "column_label",
    "describe_freq",
    "format_numbers",
    "format_when",
    "leaderboard_table",
    "to_html",
    "to_markdown",
    "to_png",
    "wide_table",
]


# --------------------------------------------------------- document structure


class Table(NamedTuple):
    """A formatted table: headers ``(label, tooltip)``, cells, emphasis.

    ``numeric`` flags the right-aligned columns, ``best`` holds the ``(row,
    column)`` cells shown in bold and ``scroll`` caps the table's height.
    """

    headers: list[tuple[str, str]]
    rows: list[list[str]]
    numeric: list[bool]
    best: set[tuple[int, int]]
    scroll: bool = False


class Image(NamedTuple):
    """A rendered plot: file name, alternative text, PNG bytes, caption."""

    name: str
    alt: str
    png: bytes
    caption: str


class Section(NamedTuple):
    """A titled part of the report: paragraphs (str), tables and images."""

    anchor: str
    title: str
    blocks: list


# ------------------------------------------------------------------------ HTML

_CSS = """
:root {
  --fg:#1f2328;
  --muted:#59636e;
  --line:#d1d9e0;
  --soft:#f6f8fa;
  --best:#1a7f37;
}
* {
  box-sizing:border-box;
}
body {
  margin:0;
  background:#fff;
  color:var(--fg);
  font-size:15px;
  line-height:1.55;
  font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Helvetica Neue",Arial,
    sans-serif;
}
main {
  max-width:1080px;
  margin:0 auto;
  padding:40px 28px 64px;
}
h1 {
  font-size:28px;
  line-height:1.2;
  margin:0 0 6px;
  letter-spacing:-.01em;
}
h2 {
  font-size:19px;
  margin:0 0 12px;
  padding-bottom:6px;
  border-bottom:1px solid var(--line);
}
.subtitle {
  color:var(--muted);
  margin:0 0 22px;
}
.generated {
  font-size:13px;
}
.facts {
  display:grid;
  grid-template-columns:repeat(auto-fill,minmax(230px,1fr));
  gap:10px;
  margin:0 0 18px;
}
.fact {
  background:var(--soft);
  border:1px solid var(--line);
  border-radius:8px;
  padding:9px 13px;
}
.fact .k {
  font-size:11px;
  text-transform:uppercase;
  letter-spacing:.06em;
  color:var(--muted);
}
.fact .v {
  font-weight:600;
  overflow-wrap:anywhere;
}
nav {
  font-size:14px;
  color:var(--muted);
}
nav a {
  color:#0969da;
  text-decoration:none;
  margin-right:14px;
}
section {
  margin-top:38px;
}
p {
  margin:0 0 12px;
  max-width:78ch;
}
.table {
  overflow:auto;
  border:1px solid var(--line);
  border-radius:8px;
  margin:0 0 14px;
  width:fit-content;
  max-width:100%;
}
.table.scroll {
  max-height:404px;
}
table {
  border-collapse:collapse;
  font-size:13.5px;
  font-variant-numeric:tabular-nums;
}
th,td {
  padding:6px 12px;
  border-bottom:1px solid var(--line);
  white-space:nowrap;
  text-align:left;
}
th {
  background:var(--soft);
  font-weight:600;
  position:sticky;
  top:0;
}
tr:last-child td {
  border-bottom:0;
}
tbody tr:hover {
  background:#f3f8ff;
}
.num {
  text-align:right;
}
td.best {
  color:var(--best);
  font-weight:700;
}
figure {
  margin:6px 0 18px;
}
figure img {
  display:block;
  max-width:100%;
  height:auto;
  border:1px solid var(--line);
  border-radius:8px;
}
figcaption {
  color:var(--muted);
  font-size:13px;
  margin-top:6px;
}
footer {
  margin-top:48px;
  padding-top:12px;
  border-top:1px solid var(--line);
  color:var(--muted);
  font-size:13px;
}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _html_table(table: Table) -> str:
    def cell(tag, text, numeric, extra=""):
        cls = " ".join(c for c in ("num" if numeric else "", extra) if c)
        return f"<{tag}{f' class={cls!r}' if cls else ''}>{text}</{tag}>"

    head = "".join(
        f'<th{" class=num" if num else ""} title="{_e(tip)}">{_e(label)}</th>'
        for (label, tip), num in zip(table.headers, table.numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            cell("td", _e(text), num, "best" if (i, j) in table.best else "")
            for j, (text, num) in enumerate(zip(row, table.numeric, strict=True))
        )
        + "</tr>"
        for i, row in enumerate(table.rows)
    )
    scroll = " scroll" if table.scroll else ""
    return (
        f'<div class="table{scroll}"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _html_block(block: Any) -> str:
    if isinstance(block, str):
        return f"<p>{_e(block)}</p>"
    if isinstance(block, Table):
        return _html_table(block)
    data = base64.b64encode(block.png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(block.alt)}">'
        f"<figcaption>{_e(block.caption)}</figcaption></figure>"
    )


def to_html(header: dict, sections: list[Section]) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    header : dict
        ``"title"``, ``"subtitle"`` and ``"generated"`` (str) and ``"facts"``
        (a list of ``(key, value)`` pairs).
    sections : list of Section
        The report's body, in order.

    Returns
    -------
    str
        The page: inline CSS, images as ``data:`` URIs, no script.

    Examples
    --------
    >>> header = {"title": "T", "subtitle": "S", "generated": "G", "facts": []}
    >>> to_html(header, [Section("a", "A", ["x < y"])]).count("<p>x &lt; y</p>")
    1
    """
    facts = "".join(
        f'<div class="fact"><div class="k">{_e(k)}</div>'
        f'<div class="v">{_e(v)}</div></div>'
        for k, v in header["facts"]
    )
    nav = "".join(f'<a href="#{s.anchor}">{_e(s.title)}</a>' for s in sections)
    body = "".join(
        f'<section id="{s.anchor}"><h2>{_e(s.title)}</h2>'
        + "".join(_html_block(b) for b in s.blocks)
        + "</section>"
        for s in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(header['title'])}</title><style>{_CSS}</style></head><body><main>"
        f"<header><h1>{_e(header['title'])}</h1>"
        f'<p class="subtitle">{_e(header["subtitle"])}<br>'
        f'<span class="generated">{_e(header["generated"])}</span></p>'
        f'<div class="facts">{facts}</div><nav>{nav}</nav></header>{body}'
        f"<footer>{_e(header['generated'])}. A self-contained page: no scripts, "
        "fonts or remote resources.</footer></main></body></html>\n"
    )


# -------------------------------------------------------------------- Markdown


def _md(text: Any) -> str:
    """Markdown-safe text: HTML escaped, Markdown punctuation backslashed."""
    text = html.escape(str(text), quote=False)
    return re.sub(r"([\\`*_\[\]|#])", r"\\\1", text)


def _md_table(table: Table) -> str:
    def row(cells):
        return "| " + " | ".join(cells) + " |"

    lines = [
        row([_md(label) for label, _ in table.headers]),
        row(["---:" if num else "---" for num in table.numeric]),
    ]
    for i, cells in enumerate(table.rows):
        lines.append(
            row(
                [
                    f"**{_md(t)}**" if (i, j) in table.best else _md(t)
                    for j, t in enumerate(cells)
                ]
            )
        )
    return "\n".join(lines)


def to_markdown(header: dict, sections: list[Section], folder: str) -> str:
    """The report as Markdown, linking its images as PNG files in ``folder``.

    Parameters
    ----------
    header : dict
        As for :func:`to_html`.
    sections : list of Section
        The report's body, in order.
    folder : str
        The folder holding ``<image name>.png``, relative to the Markdown file.

    Returns
    -------
    str
        The Markdown text, ending with one newline.

    Examples
    --------
    >>> header = {"title": "T", "subtitle": "S", "generated": "G", "facts": []}
    >>> text = to_markdown(header, [Section("a", "A", ["x_y"])], "f")
    >>> text.splitlines()[-3:]
    ['## A', '', 'x\\\\_y']
    """
    out = [
        f"# {_md(header['title'])}",
        "",
        f"_{_md(header['subtitle'])}_  ",
        _md(header["generated"]),
        "",
    ]
    out += [f"- **{_md(k)}:** {_md(v)}" for k, v in header["facts"]]
    for section in sections:
        out += ["", f"## {_md(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, str):
                out += [_md(block), ""]
            elif isinstance(block, Table):
                out += [_md_table(block), ""]
            else:
                link = quote(f"{folder}/{block.name}.png")
                out += [
                    f"![{_md(block.alt)}]({link})",
                    "",
                    f"_{_md(block.caption)}_",
                    "",
                ]
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------ formatting

# Leaderboard column -> (header label, number format); unknown columns keep
# their name and the "value" format.
_COLUMNS = {
    "mae": ("MAE", "value"),
    "rmse": ("RMSE", "value"),
    "mape": ("MAPE", "percent"),
    "smape": ("sMAPE", "percent"),
    "mase": ("MASE", "ratio"),
    "owa": ("OWA", "ratio"),
    "n_series": ("Series", "int"),
    "coverage": ("Coverage", "percent"),
    "width": ("Width", "value"),
    "n_folds": ("Folds", "int"),
    "n_refits": ("Refits", "int"),
    "fit_seconds": ("Fit (s)", "seconds"),
    "predict_seconds": ("Predict (s)", "seconds"),
    "total_seconds": ("Total (s)", "seconds"),
    "weight": ("Weight", "ratio"),
}
_LOWER_IS_BETTER = ("mae", "rmse", "mape", "smape", "mase", "owa")
_DPI = 120
_FREQUENCIES = {
    "h": "hourly",
    "D": "daily",
    "B": "business-daily",
    "W": "weekly",
    "min": "minutely",
    "s": "secondly",
    "MS": "monthly",
    "ME": "monthly",
    "QS": "quarterly",
    "QE": "quarterly",
    "YS": "yearly",
    "YE": "yearly",
}


def column_label(column: str) -> str:
    """The display label of a metric column (``"mase"`` -> ``"MASE"``).

    Examples
    --------
    >>> column_label("smape"), column_label("custom")
    ('sMAPE', 'custom')
    """
    return _COLUMNS.get(column, (column, ""))[0]


def describe_freq(freq: Any) -> str:
    """A pandas frequency string in words (``"MS"`` -> ``"monthly"``).

    Examples
    --------
    >>> describe_freq("W-SUN"), describe_freq(None)
    ('weekly', 'irregular')
    """
    return _FREQUENCIES.get(str(freq).split("-")[0], freq or "irregular")


def _decimals(values: np.ndarray, most: int = 4) -> int:
    """Decimals giving the largest value of a column about four significant digits."""
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0 or finite.max() == 0:
        return min(2, most)
    digits = int(np.floor(np.log10(finite.max()))) + 1
    return int(np.clip(4 - digits, 0, most))


def format_numbers(values: Any, kind: str) -> list[str]:
    """Format a column of numbers: thousands separators, shared decimals.

    Parameters
    ----------
    values : array-like of float
    kind : {"int", "percent", "ratio", "seconds", "value"}
        ``percent`` multiplies by 100, ``ratio`` shows three decimals, the
        others as many as give the largest value about four significant digits.

    Returns
    -------
    list of str
        NaN as ``"–"``, infinities as ``"∞"`` / ``"−∞"``.

    Examples
    --------
    >>> format_numbers([1500.0, 2.0, float("nan")], "value")
    ['1,500', '2', '–']
    >>> format_numbers([0.125], "percent")
    ['12.5%']
    """
    values = np.asarray(values, dtype=float)
    if kind == "int":
        return [f"{v:,.0f}" if np.isfinite(v) else "–" for v in values]
    if kind == "percent":
        decimals = 2 if np.nanmax(np.abs(values), initial=0) < 0.01 else 1
        values, suffix = 100 * values, "%"
    else:
        decimals = {"ratio": 3}.get(kind) or _decimals(
            values, 2 if kind == "seconds" else 4
        )
        suffix = ""
    out = []
    for v in values:
        if np.isnan(v):
            out.append("–")
        elif np.isinf(v):
            out.append("∞" if v > 0 else "−∞")
        else:
            out.append(f"{v:,.{decimals}f}{suffix}".replace("-", "−"))
    return out


def format_when(stamp: Any) -> str:
    """A timestamp without a midnight time of day.

    Examples
    --------
    >>> format_when("2024-01-02"), format_when("2024-01-02 06:30")
    ('2024-01-02', '2024-01-02 06:30')
    """
    stamp = pd.Timestamp(stamp)
    return stamp.strftime(
        "%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M"
    )


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (no timestamp or software metadata)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()


def best_cells(values: np.ndarray, axis: int) -> set[tuple[int, int]]:
    """Cells ``(row, column)`` holding the (finite) minimum along ``axis`` of a
    2-D array."""
    best = set()
    lines = values.T if axis == 0 else values
    for i, line in enumerate(lines):
        if np.isfinite(line).any():
            for j in np.flatnonzero(line == np.nanmin(line)):
                best.add((int(j), i) if axis == 0 else (i, int(j)))
    return best


def leaderboard_table(board: pd.DataFrame) -> Table:
    """A leaderboard (a row per model, best first) as a ranked table, the best
    value of each error metric in bold."""
    headers = [("#", "rank by MASE"), ("Model", "model")]
    columns = [
        format_numbers(board[c], _COLUMNS.get(c, (c, "value"))[1]) for c in board
    ]
    headers += [(column_label(c), str(c)) for c in board]
    rows = [
        [str(r + 1), str(name), *(col[r] for col in columns)]
        for r, name in enumerate(board.index)
    ]
    best = set()
    for j, column in enumerate(board.columns):
        if column in _LOWER_IS_BETTER and len(board) > 1:
            cells = best_cells(board[[column]].to_numpy(float), axis=0)
            best |= {(i, j + 2) for i, _ in cells}
    return Table(headers, rows, [True, False] + [True] * len(board.columns), best)


def wide_table(
    frame: pd.DataFrame, first: tuple[str, str], kind: str, scroll: bool = False
) -> Table:
    """Rows of ``frame`` (index shown first), one numeric column per model.

    ``first`` is the ``(label, tooltip)`` of the index column, ``kind`` the
    number format (as for :func:`format_numbers`); the lowest value of each
    row is shown in bold.
    """
    values = frame.to_numpy(float)
    cells = format_numbers(values.ravel(), kind)
    n = values.shape[1]
    rows = [
        [str(label), *cells[i * n : (i + 1) * n]] for i, label in enumerate(frame.index)
    ]
    best = {(i, j + 1) for i, j in best_cells(values, axis=1)} if n > 1 else set()
    headers = [first, *((str(c), str(c)) for c in frame.columns)]
    return Table(headers, rows, [False] + [True] * n, best, scroll)
