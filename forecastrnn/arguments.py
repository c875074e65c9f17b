"""The arguments of the ``forecastrnn`` command: its parser, checks and errors.

This module needs only the standard library, so ``forecastrnn --help``, ``--version``
and a mistake in the arguments are answered at once, before JAX, statsmodels or
matplotlib are read. :mod:`forecastrnn.__main__` (the command) parses with
:func:`build_parser`, then imports the implementation, :mod:`forecastrnn.cli`;
:func:`run_command` turns the errors of both into one line and an exit status.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .version import __version__

__all__ = [
    "DEFAULT_EPOCHS",
    "MODELS",
    "RNN_CELLS",
    "CLIError",
    "build_parser",
    "run_command",
]

RNN_CELLS = ("lstm", "gru", "rnn")
MODELS = (
    *RNN_CELLS,
    "naive",
    "seasonal_naive",
    "drift",
    "ets",
    "arima",
    "theta",
    "naive2",
)
DEFAULT_EPOCHS = 30


class CLIError(Exception):
    """Bad input to the command; reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, raised as `CLIError`."""

    def error(self, message: str):
        raise CLIError(f"{message} (see `{self.prog} --help`)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a coverage between 0 and 1 such as 0.8, got {text!r}"
        )
    return value


def _add_data_options(parser: argparse.ArgumentParser, panel: bool = False) -> None:
    data = parser.add_argument_group("data (one of --dataset or --csv)")
    data.add_argument(
        "--dataset",
        metavar="NAME",
        help="bundled dataset: energy, weather or stock (see `forecastrnn datasets`)",
    )
    data.add_argument(
        "--ticker",
        help="ticker for --dataset stock (default "
        + ("all four tickers as one panel)" if panel else "AAPL)"),
    )
    data.add_argument("--csv", metavar="PATH", help="your own CSV file")
    if panel:
        data.add_argument(
            "--id-col",
            metavar="C",
            help="series id column of a long --csv (one row per series and "
            "timestamp, e.g. unique_id,ds,y): backtest all its series as one "
            "panel. --time-col then defaults to ds, --target to y",
        )
    data.add_argument(
        "--time-col",
        metavar="C",
        help="timestamp column of --csv (default: the first). Whole numbers are "
        "years (YYYY), months (YYYYMM) or days (YYYYMMDD); timestamps with UTC "
        "offsets (2024-03-31T03:00+02:00) are converted to UTC, so that offsets "
        "changing with daylight saving time give one regular series",
    )
    data.add_argument(
        "--sep",
        metavar="S",
        help="field separator of --csv (default ','): one character, e.g. ';', "
        "or \\t for a tab",
    )
    data.add_argument(
        "--decimal",
        metavar="D",
        help="decimal mark of --csv (default '.'), e.g. ',' for 3,14 (then pass "
        "--sep ';' too)",
    )
    data.add_argument(
        "--dayfirst",
        action="store_true",
        help="read dates of --csv day first: 01/02/2024 is 1 February (ISO dates "
        "such as 2024-02-01 are read as they are)",
    )
    data.add_argument(
        "--target",
        metavar="COL",
        help="column to forecast (defaults: energy load_kw, weather temp_c, stock "
        "adj_close; for a CSV its only numeric column)",
    )
    data.add_argument(
        "--freq",
        help="frequency of --csv when it cannot be inferred (h, D, B, MS, ...)",
    )


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("models")
    model.add_argument(
        "--horizon",
        type=_positive_int,
        metavar="H",
        help="steps to forecast (defaults: 24 hourly, 5 stock, one season for a CSV)",
    )
    model.add_argument(
        "--train-size",
        type=_positive_int,
        metavar="N",
        help="train on at most the last N observations before each forecast "
        "(defaults: 1344 = 8 weeks hourly, 504 stock, max(56 seasons, 500) for a CSV)",
    )
    model.add_argument(
        "--season",
        type=_positive_int,
        metavar="S",
        help="seasonal period, of the models and of MASE (defaults: 24 hourly, 5 "
        "stock, from the CSV's frequency)",
    )
    model.add_argument(
        "--epochs",
        type=_positive_int,
        default=DEFAULT_EPOCHS,
        metavar="E",
        help=f"most training epochs of the networks, with early stopping "
        f"(default {DEFAULT_EPOCHS})",
    )
    model.add_argument(
        "--window",
        type=_positive_int,
        metavar="W",
        help="past steps a network reads (default: RNNForecaster's)",
    )
    model.add_argument(
        "--seed", type=int, default=0, help="random seed of the networks (default 0)"
    )
    model.add_argument(
        "--ensemble",
        type=_positive_int,
        default=1,
        metavar="K",
        help="train K networks per model at once and forecast their median "
        "(ensemble_size; default 1)",
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bars or notes (results and warnings are still printed)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show Python tracebacks on errors"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``forecastrnn`` command."""
    parser = _Parser(
        prog="forecastrnn",
        description="Recurrent (LSTM, GRU, Elman RNN) and statistical forecasting: "
        "backtest and compare models, or forecast the future of a series.",
    )
    parser.add_argument(
        "--version", action="version", version=f"forecastrnn {__version__}"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("datasets", help="list the bundled datasets")
    run = commands.add_parser(
        "backtest",
        help="rolling-origin backtest of several models; writes a report",
        description="Backtest models on the last --folds horizons of a series and "
        "write an HTML/Markdown report, the forecasts and the leaderboard to --out. "
        "Networks are fit at every 7th fold (the first included), baselines at "
        "every fold.",
    )
    _add_data_options(run, panel=True)
    _add_model_options(run)
    run.add_argument(
        "--models",
        metavar="LIST",
        help=f"comma-separated, from {','.join(MODELS)} (defaults: energy and "
        "weather lstm,gru,naive,seasonal_naive,ets,theta; stock "
        "lstm,gru,naive,drift,theta; a panel adds naive2, the reference of OWA)",
    )
    run.add_argument(
        "--folds",
        type=_positive_int,
        metavar="K",
        help="folds, one horizon apart (defaults: energy and weather 28, four "
        "weeks of daily origins; otherwise 5)",
    )
    run.add_argument(
        "--coverage",
        type=_probability,
        metavar="P",
        help="also score central prediction intervals of this coverage, e.g. 0.8 "
        "(the networks then train on the quantile loss)",
    )
    run.add_argument(
        "--auto",
        action="store_true",
        help="also backtest 'auto': at every refit, the mean of the --models "
        "weighted by the inverse square of their MASE on 7 validation origins "
        "before it (never the test folds); the report shows the weights",
    )
    run.add_argument(
        "--out", default="report", metavar="DIR", help="output folder (default report)"
    )
    _add_run_options(run)
    fc = commands.add_parser(
        "forecast",
        help="fit one model and write its forecast of the future to a CSV",
        description="Fit one model on the end of a series and write the next "
        "--steps values (with --interval, a central prediction interval too).",
    )
    _add_data_options(fc)
    _add_model_options(fc)
    fc.add_argument(
        "--model", default="lstm", choices=MODELS, metavar="NAME",
        help=f"one of {','.join(MODELS)} (default lstm)",
    )  # fmt: skip
    fc.add_argument(
        "--steps", type=_positive_int, metavar="N", help="steps (default: --horizon)"
    )
    fc.add_argument(
        "--interval",
        type=_probability,
        metavar="P",
        help="add `lower` and `upper` columns: a central interval of coverage P",
    )
    fc.add_argument(
        "--out", default="forecast.csv", metavar="FILE", help="default forecast.csv"
    )
    _add_run_options(fc)
    return parser


def _one_line(error: BaseException) -> str:
    """An error message on one line (a ``KeyError``'s without its quotes)."""
    text = error.args[0] if isinstance(error, KeyError) and error.args else error
    return " ".join(str(text).split())


def run_command(
    argv: Sequence[str], dispatch: Callable[[argparse.Namespace], int]
) -> int:
    """Parse ``argv`` and run ``dispatch(args)``; return the exit status.

    Parameters
    ----------
    argv : sequence of str
        The arguments, without the program name.
    dispatch : callable
        Runs the parsed command and returns its exit status.

    Returns
    -------
    int
        ``dispatch``'s status; 2 after bad input (reported as one line
        ``forecastrnn: error: ...`` on stderr, or a traceback with ``--debug``),
        1 when stdout was closed early, 130 when interrupted.
    """
    argv = list(argv)
    try:
        return dispatch(build_parser().parse_args(argv))
    except BrokenPipeError:  # e.g. `forecastrnn datasets | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (CLIError, ValueError, TypeError, KeyError, OSError) as error:
        if "--debug" in argv:
            raise
        print(f"forecastrnn: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("forecastrnn: interrupted", file=sys.stderr)
        return 130
