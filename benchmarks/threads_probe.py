"""Probe: do two jitted training gradients run in parallel from two threads?

XLA's CPU runtime executes one program's steps one after another on one core
(process CPU time / wall time = 1.0 during training, see README.md), and
sharding a batch over two host "devices" did not help. This probe times the
gradient of the training loss (forward + backward, the estimator's own loss
and scan settings) for one full mini-batch, for its two halves one after the
other, and for the two halves at once from two Python threads (JAX releases
the GIL while a program runs).

    python benchmarks/threads_probe.py --config C2 --cell lstm

It measured whether a thread-parallel training loop (two half-batch
gradients at once, summed, then one optimizer update) was worth building; it
was, and it is now the library's ``"threads"`` training engine
(``forecastrnn.training.part_gradient`` and ``apply_gradients``).
"""

from __future__ import annotations

import argparse
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np

from forecastrnn import RNNRegressor, training
from forecastrnn.nn.network import init_network

# (batch, window, channels, hidden, horizon), as in bench_training.py
CONFIGS = {
    "C1": (256, 48, 8, 64, 24),
    "C2": (64, 168, 4, 128, 24),
    "C3": (1024, 24, 1, 32, 12),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=CONFIGS, default="C2")
    parser.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="lstm")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    batch, window, channels, hidden, horizon = CONFIGS[args.config]
    regressor = RNNRegressor(
        args.cell, hidden_size=hidden, n_channels=channels, batch_size=batch
    )
    spec = regressor._train_spec(horizon)
    params = init_network(spec.network, jax.random.key(0))
    rng = np.random.default_rng(0)
    X = jnp.asarray(rng.standard_normal((batch, window, channels)), jnp.float32)
    Y = jnp.asarray(rng.standard_normal((batch, horizon)), jnp.float32)
    w = jnp.ones(batch)
    half = batch // 2
    halves = [(X[:half], Y[:half], w[:half]), (X[half:], Y[half:], w[half:])]

    @jax.jit
    def grad(params, X, Y, w):
        return jax.grad(
            lambda p: training._weighted_loss(spec, p, X, Y, w, None)
        )(params)

    def run(X, Y, w) -> None:
        for _ in range(args.steps):
            jax.block_until_ready(grad(params, X, Y, w))

    run(X, Y, w)  # compile both shapes
    run(*halves[0])
    print(f"{args.config} {args.cell}, {args.steps} gradients, seconds:")
    for _ in range(args.reps):
        start = time.perf_counter()
        run(X, Y, w)
        full = time.perf_counter() - start
        start = time.perf_counter()
        run(*halves[0])
        run(*halves[1])
        sequential = time.perf_counter() - start
        threads = [threading.Thread(target=run, args=h) for h in halves]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        parallel = time.perf_counter() - start
        print(
            f"  full batch {full:.3f}, two halves in turn {sequential:.3f}, "
            f"two halves in two threads {parallel:.3f} "
            f"(x{full / parallel:.2f} against the full batch)"
        )


if __name__ == "__main__":
    main()
