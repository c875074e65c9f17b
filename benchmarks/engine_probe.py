"""Probe: which training engine is faster for a network shape on this machine?

``fit_network`` trains with one of two engines (``forecastrnn.training``): the
``"threads"`` engine computes each mini-batch's gradient in two halves at once
from two threads, the ``"scan"`` engine runs a whole epoch as one compiled
program. ``engine="auto"`` picks one from the shapes alone
(``forecastrnn.engine.default_engine``). This probe times both, interleaved,
on random windows, and prints the speed ratio threads / scan next to the rule's choice:

    python benchmarks/engine_probe.py --cell rnn --shapes 64x48x6x64,1024x24x1x32

A shape is ``batch x window x inputs x hidden``. Each repetition trains
``--epochs`` epochs of ``--batches`` mini-batches per engine (compiled
beforehand), after a first untimed run; the medians are printed.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import numpy as np

from forecastrnn import training
from forecastrnn.engine import default_engine, state_elements, step_work
from forecastrnn.estimators import TRAIN_SCAN
from forecastrnn.nn.network import NetworkConfig, init_network

DEFAULT_SHAPES = (
    "64x48x6x64,256x24x4x64,128x48x6x64,1024x24x1x32,256x48x8x64,"
    "32x168x4x128,128x48x3x128,64x168x4x128"
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=("rnn", "lstm", "gru"), default="rnn")
    parser.add_argument("--shapes", default=DEFAULT_SHAPES)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=8)
    args = parser.parse_args(argv)
    print(f"{args.cell}: threads / scan speed (> 1: threads faster), "
          f"{args.reps} interleaved repetitions of {args.epochs} epochs of "
          f"{args.batches} batches")
    for shape in args.shapes.split(","):
        batch, window, n_inputs, hidden = (int(v) for v in shape.split("x"))
        network = NetworkConfig(args.cell, n_inputs, hidden, 1, **TRAIN_SCAN)
        spec = training.TrainSpec(network=network, batch_size=batch)
        times = probe(args, spec, window)
        rows = -(-batch // 2)
        work = step_work(spec.network, rows, window)
        states = state_elements(spec.network, rows, window)
        ratio = statistics.median(times["scan"]) / statistics.median(times["threads"])
        print(
            f"  ({batch}, {window}, {n_inputs}, {hidden}): per half "
            f"{work / 1e6:5.1f} M multiply-adds, {states / 1e3:4.0f} k states; "
            f"per epoch threads "
            f"{statistics.median(times['threads']) * 1e3:7.1f} ms, scan "
            f"{statistics.median(times['scan']) * 1e3:7.1f} ms, threads / scan "
            f"{ratio:.2f}; the rule picks "
            f"{default_engine(spec.network, batch, window)!r}",
            flush=True,
        )


def probe(args, spec: training.TrainSpec, window: int) -> dict[str, list[float]]:
    """Seconds per epoch of each engine, ``args.reps`` interleaved runs."""
    params = init_network(spec.network, jax.random.key(0))
    rng = np.random.default_rng(0)
    n = spec.batch_size * args.batches
    X = rng.standard_normal((n, window, spec.network.n_inputs)).astype(np.float32)
    Y = rng.standard_normal((n, 1)).astype(np.float32)
    times: dict[str, list[float]] = {"threads": [], "scan": []}

    def fit(engine: str, epochs: int) -> float:
        start = time.perf_counter()
        training.fit_network(
            spec, params, X, Y, key=0, max_epochs=epochs, engine=engine
        )
        return (time.perf_counter() - start) / epochs

    for engine in times:
        fit(engine, 1)  # compile
    for _ in range(args.reps):
        for engine in times:
            times[engine].append(fit(engine, args.epochs))
    return times


if __name__ == "__main__":
    main()
