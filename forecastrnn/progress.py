"""Progress bars that suit where they are written.

On a terminal (or in a Jupyter notebook) a bar redraws itself in place, as
``tqdm`` does. Written to a file, a pipe or a CI log, every redraw would be a
new line, so a bar there writes plain lines instead, and few of them: a start
line, at most one line every ``LOG_INTERVAL`` seconds, and an end line. Nested
bars (the epochs of a network inside the folds of a backtest) then interleave
their lines without cursor movements.

Examples
--------
>>> import io
>>> log = io.StringIO()
>>> with progress_bar(3, "folds", file=log) as bar:
...     for _ in range(3):
...         bar.update(1)
>>> print(log.getvalue().count("\\n"))  # the start line and the end line
2
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from tqdm.auto import tqdm as auto_tqdm
from tqdm.std import tqdm as std_tqdm

__all__ = ["LOG_INTERVAL", "progress_bar"]

LOG_INTERVAL = 60.0  # seconds between lines when the stream is not a terminal


def _is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is an interactive terminal."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _in_notebook() -> bool:
    """Whether ``tqdm.auto`` chose notebook widgets (a Jupyter kernel runs)."""
    return any(cls.__module__ == "tqdm.notebook" for cls in auto_tqdm.__mro__)


class _LogBar(std_tqdm):
    """A bar for logs: whole lines, at most one every ``mininterval`` seconds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._line_time = -float("inf")
        super().__init__(*args, **kwargs)

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        """Write the bar as one line, unless one was written less than
        ``mininterval`` seconds ago; a clearing message (``msg=''``) is dropped."""
        if msg is not None or time.monotonic() - self._line_time < self.mininterval:
            return False
        self._write_line()
        return True

    def _write_line(self) -> None:
        """Write the bar's current state as one line."""
        self._line_time = time.monotonic()
        self.fp.write(f"{self}\n")
        self.fp.flush()

    def close(self) -> None:
        """Write the end line (the count reached, the time taken), then close."""
        if not self.disable:
            self._write_line()
        super().close()


def progress_bar(
    total: int,
    desc: str,
    *,
    leave: bool = False,
    file: TextIO | None = None,
    unit: str = "it",
    disable: bool = False,
) -> std_tqdm:
    """A ``tqdm`` bar over ``total`` steps, throttled when not on a terminal.

    Parameters
    ----------
    total : int
        Steps the bar counts.
    desc : str
        Its label.
    leave : bool, default False
        Keep the finished bar on a terminal. In a log every line stays.
    file : file-like, optional
        Where to write; ``sys.stderr`` by default.
    unit : str, default "it"
        What a step is called ("fold", "epoch").
    disable : bool, default False
        Write nothing; ``update`` and ``close`` still work.

    Returns
    -------
    tqdm.tqdm
        Use ``update``, ``set_postfix`` and ``close`` (or ``with``) as usual.

    Notes
    -----
    When ``file`` is not a terminal, the bar writes a start line, a line at
    most every ``LOG_INTERVAL`` seconds (``set_postfix`` included) and an end
    line on ``close``: a backtest of minutes leaves a handful of lines in a
    CI log, never one per epoch.
    """
    stream = sys.stderr if file is None else file
    options = {"total": total, "desc": desc, "unit": unit, "disable": disable}
    if _is_terminal(stream) or (file is None and _in_notebook()):
        return auto_tqdm(leave=leave, file=stream, **options)
    return _LogBar(leave=False, file=stream, mininterval=LOG_INTERVAL, **options)
