"""scikit-learn's estimator checks, for each cell on a tiny configuration."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from forecastrnn import RNNRegressor

# Small but able to learn: check_regressors_train asks for R^2 > 0.5 on a
# generic (non-sequential) regression problem.
TINY = {
    "hidden_size": 16,
    "max_epochs": 20,
    "learning_rate": 0.02,
    "batch_size": 16,
    "early_stopping": False,
    "random_state": 0,
}


@pytest.mark.slow
@parametrize_with_checks(
    [RNNRegressor(cell, **TINY) for cell in ("rnn", "lstm", "gru")],
    expected_failed_checks=lambda est: {},
)
@pytest.mark.filterwarnings("ignore::forecastrnn.estimators.ValidationSplitWarning")
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
