"""forecastrnn: recurrent time-series forecasting in JAX behind scikit-learn.

The public API, by stage of the data flow:

- data: :mod:`forecastrnn.datasets` (``load_energy``, ``load_weather``,
  ``load_stock``), :mod:`forecastrnn.windows` (``make_windows``, calendar
  features, time splits, augmentation), :mod:`forecastrnn.scaling`;
- models: :class:`RNNRegressor` (windows in, horizons out),
  :class:`RNNForecaster` (series in, future out), :mod:`forecastrnn.baselines`;
- evaluation: :func:`backtest`, :func:`compare`, :mod:`forecastrnn.metrics`,
  :mod:`forecastrnn.report` (HTML/Markdown reports), :mod:`forecastrnn.diagnostics`
  (gradient norms through time, attention weights);
- the functional JAX core: :mod:`forecastrnn.nn`, :mod:`forecastrnn.training`.
"""

from . import baselines, datasets, diagnostics, metrics, report, scaling, windows
from .backtest import (
    BacktestResult,
    Comparison,
    backtest,
    compare,
    conformal_interval,
    make_folds,
)
from .estimators import RNNRegressor
from .forecasters import RNNForecaster
from .persistence import load
from .windows import make_windows

__version__ = "0.5.0"

__all__ = [
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
    "load",
    "make_folds",
    "make_windows",
    "metrics",
    "report",
    "scaling",
    "windows",
]
