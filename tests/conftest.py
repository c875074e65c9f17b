"""Shared test configuration: strict JAX rank promotion, a PRNG key fixture,
and a record of the epochs' shuffles."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from forecastrnn import engine  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def key():
    return jax.random.key(0)


@pytest.fixture
def epoch_orders(monkeypatch):
    """The order of every epoch the threads engine runs, as it is given one."""
    orders = []
    real = engine.threads_epoch

    def spy(steps, params, opt_state, n_val, order, *args):
        orders.append(np.array(order))
        return real(steps, params, opt_state, n_val, order, *args)

    monkeypatch.setattr(engine, "threads_epoch", spy)
    return orders
