"""The ``forecastrnn`` command (also ``python -m forecastrnn``).

It parses its arguments with :mod:`forecastrnn.arguments`, which needs only
the standard library, so ``--help``, ``--version`` and mistakes in the
arguments are answered in a fraction of a second. Only then, in
:func:`_dispatch`, does it import the implementation, :mod:`forecastrnn.cli`,
and with it JAX, statsmodels and matplotlib. That import after parsing and the
lazy attributes of ``forecastrnn/__init__.py`` are the only imports inside a
function in the package (``tests/test_architecture.py`` checks it).
"""

import argparse
import sys
from collections.abc import Sequence

from forecastrnn.arguments import run_command

__all__ = ["main"]


def _dispatch(args: argparse.Namespace) -> int:
    """Import the command's implementation (JAX and all) and run ``args``."""
    from forecastrnn import cli  # after parsing: see the module docstring

    return cli.run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``forecastrnn`` command; return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments, without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit status: 0 on success, 2 after bad input.
    """
    return run_command(sys.argv[1:] if argv is None else argv, _dispatch)


if __name__ == "__main__":
    sys.exit(main())
