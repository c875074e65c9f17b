"""forecastrnn: recurrent time-series forecasting in JAX behind scikit-learn.

The public API, by stage of the data flow:

- data: :mod:`forecastrnn.datasets` (``load_energy``, ``load_weather``,
  ``load_stock``), :mod:`forecastrnn.checks` (input checks),
  :mod:`forecastrnn.calendar` (future timestamps, calendar features),
  :mod:`forecastrnn.panel` (many series: ``to_long``, ``from_long``),
  :mod:`forecastrnn.windows` (``make_windows``, time splits),
  :mod:`forecastrnn.augment` (augmentations), :mod:`forecastrnn.scaling`;
- models: :class:`RNNRegressor` (windows in, horizons out),
  :class:`RNNForecaster` (series in, future out), :mod:`forecastrnn.baselines`,
  :class:`AutoForecaster` (the best of several, chosen on validation folds:
  :mod:`forecastrnn.selection`);
- evaluation: :func:`backtest`, :func:`compare`, :mod:`forecastrnn.metrics`,
  :mod:`forecastrnn.report` (HTML/Markdown reports), :mod:`forecastrnn.diagnostics`
  (gradient norms through time, attention weights);
- persistence: :func:`save` and :func:`load` (:mod:`forecastrnn.persistence`);
- the functional JAX core: :mod:`forecastrnn.nn`, :mod:`forecastrnn.training`
  and :mod:`forecastrnn.engine` (the CPU engine choice).

Everything is loaded on first use (PEP 562): ``import forecastrnn`` reads no
JAX, statsmodels or matplotlib, so the command line and the scripts that need
one corner of the package start at once. ``forecastrnn.RNNRegressor`` imports
:mod:`forecastrnn.estimators` when it is first looked up. This module's
``__getattr__`` is one of the two places in the package that import inside a
function (the other is the command line's dispatch, see
:mod:`forecastrnn.__main__`); ``tests/test_architecture.py`` allows exactly
these.
"""

import importlib
import sys
from types import ModuleType

__all__ = [
    "AutoForecaster",
    "BacktestResult",
    "Comparison",
    "RNNForecaster",
    "RNNRegressor",
    "__version__",
    "backtest",
    "baselines",
    "compare",
    "conformal_interval",
    "datasets",
    "diagnostics",
    "from_long",
    "load",
    "make_folds",
    "make_windows",
    "metrics",
    "panel",
    "report",
    "save",
    "scaling",
    "to_long",
    "windows",
]

# public names defined in a submodule: name -> the submodule that defines it
_ATTRIBUTES = {
    "AutoForecaster": "selection",
    "BacktestResult": "backtest",
    "Comparison": "backtest",
    "backtest": "backtest",
    "compare": "backtest",
    "conformal_interval": "backtest",
    "make_folds": "backtest",
    "RNNRegressor": "estimators",
    "RNNForecaster": "forecasters",
    "load": "persistence",
    "save": "persistence",
    "make_windows": "windows",
    "from_long": "panel",
    "to_long": "panel",
    "__version__": "version",
}


def __getattr__(name: str):
    """Import the submodule ``name``, or the one that defines ``name``, on first use."""
    if name in _ATTRIBUTES:
        module = importlib.import_module(f"{__name__}.{_ATTRIBUTES[name]}")
        value = getattr(module, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise  # the submodule exists but a dependency of it is missing
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names (``__all__``) and the module's own dunder names."""
    return sorted(set(__all__) | {name for name in globals() if name[:2] == "__"})


class _Package(ModuleType):
    """This package's module type: ``forecastrnn.backtest`` stays the function.

    Importing a submodule binds it as an attribute of its package, so without
    this the first import of :mod:`forecastrnn.backtest` (by the command line,
    by :mod:`forecastrnn.report`) would hide the function :func:`backtest`.
    """

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, ModuleType) and _ATTRIBUTES.get(name) == name:
            return  # the module stays reachable as sys.modules["forecastrnn.backtest"]
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
