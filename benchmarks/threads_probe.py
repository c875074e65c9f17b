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

It also prints the process's CPU time / wall time of each mode and the number
of operations in each time loop of the compiled gradient: XLA's CPU runtime
runs a loop body of at most 8 operations on one thread, and a bigger one as a
dataflow graph over its thread pool (README.md, 0.4.0). ``--no-fused`` trains
the Elman cell by autodiff with remat instead of its hand-written backward
pass, for comparison.
"""

from __future__ import annotations

import argparse
import re
import resource
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np

from forecastrnn import training
from forecastrnn.estimators import TRAIN_SCAN
from forecastrnn.nn.network import NetworkConfig, init_network

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
    parser.add_argument(
        "--no-fused", action="store_true",
        help="Elman cell: autodiff with remat instead of the hand-written backward",
    )
    args = parser.parse_args(argv)
    batch, window, channels, hidden, horizon = CONFIGS[args.config]
    network = NetworkConfig(args.cell, channels, hidden, horizon, **TRAIN_SCAN)
    spec = training.TrainSpec(network=network, batch_size=batch)
    if args.no_fused:
        spec = spec._replace(network=spec.network._replace(fused=False))
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

    def in_threads() -> None:
        threads = [threading.Thread(target=run, args=h) for h in halves]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def timed(fn, *a) -> tuple[float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime
        start = time.perf_counter()
        fn(*a)
        wall = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return wall, (usage.ru_utime + usage.ru_stime - cpu) / wall

    run(X, Y, w)  # compile both shapes
    run(*halves[0])
    compiled = grad.lower(params, *halves[0]).compile().as_text()
    print(
        f"{args.config} {args.cell}, operations per time-loop body of the "
        f"half-batch gradient: {loop_body_sizes(compiled)}"
    )
    print(f"{args.steps} gradients, seconds (CPU / wall):")
    for _ in range(args.reps):
        full, full_cpu = timed(run, X, Y, w)
        half, half_cpu = timed(run, *halves[0])
        parallel, parallel_cpu = timed(in_threads)
        print(
            f"  full batch {full:.3f} ({full_cpu:.2f}), one half {half:.3f} "
            f"({half_cpu:.2f}), two halves in two threads {parallel:.3f} "
            f"({parallel_cpu:.2f}; x{full / parallel:.2f} against the full batch)"
        )


def loop_body_sizes(hlo: str) -> list[int]:
    """Operations (XLA thunks: fusions, dots, copies, ...) of each loop body."""
    sizes = []
    for body in re.finditer(r"\n%[^\n]*region[^\n]* \{\n(.*?)\n\}", hlo, re.S):
        ops = re.findall(
            r"= \S+ (?:fusion|dot|copy|concatenate|dynamic-update-slice|"
            r"dynamic-slice|custom-call|reduce|transpose|while)\(",
            body.group(1),
        )
        if len(ops) > 2:  # not a reduction's or a comparison's tiny region
            sizes.append(len(ops))
    return sizes


if __name__ == "__main__":
    main()
