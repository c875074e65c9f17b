"""forecastrnn: recurrent time-series forecasting in JAX behind scikit-learn."""

from .estimators import RNNRegressor

__version__ = "0.1.0"

__all__ = ["RNNRegressor", "__version__"]
