"""The version of the installed forecastrnn, read from the package metadata.

``pyproject.toml`` is the one place the version is written; this module reads
it back from the installed distribution, so every module (and a model file
written by :mod:`forecastrnn.persistence`) reports the same one.

Examples
--------
>>> from importlib.metadata import version
>>> from forecastrnn.version import __version__
>>> __version__ == version("forecastrnn")
True
"""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__: str = version("forecastrnn")
except PackageNotFoundError:  # a source tree on sys.path, never installed
    __version__ = "0+unknown"
