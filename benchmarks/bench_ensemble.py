"""Seed spread, accuracy and cost of ensembles (``ensemble_size``) on the
bundled series.

For each series, cell and seed (``random_state`` 0, 1, 2) the script fits the
default network once (``ensemble_size=1``) and an ensemble of ``--size``
members, on the protocol of ``bench_accuracy.py`` (one fit on two years before
the first origin, 28 daily origins, day-ahead forecasts, MASE with m = 24).
The ensemble is scored twice from the same fit: the members' median and their
mean (``ensemble_combine``). It reports, per series:

- the MASE per seed, its max - min over the seeds (the spread) and its mean;
- how many times the spread shrinks with the ensemble (the target is 3x);
- the fit time of the ensemble over the single network's (median over the
  seeds; each seed fits the two one after the other, so both see the same
  load; the target is at most 2x).

Choose the combination on ``--split validation`` (the 56 origins before the
test period); run the test split once.

Usage::

    python benchmarks/bench_ensemble.py --split validation
    python benchmarks/bench_ensemble.py --datasets energy --cells gru --size 5
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd
from bench_accuracy import (
    SPECS,
    Trailing,
    fold_kwargs,
    machine,
    make_rnn,
    markdown,
    split,
)

from forecastrnn import compare

COMBINES = ("median", "mean")
_FITS: dict = {}  # fitted ensembles, to score both combinations of one fit


class Cached(Trailing):
    """``Trailing`` whose fit is kept under ``key`` (a fit is reused when the
    same key is fitted again), predicting with ``combine``."""

    def __init__(self, forecaster=None, n_obs=None, key=None, combine="median"):
        super().__init__(forecaster, n_obs)
        self.key = key
        self.combine = combine

    def fit(self, y, exog=None):
        key = (self.key, len(y))
        if key not in _FITS:
            _FITS[key] = super().fit(y).forecaster_
        self.forecaster_ = _FITS[key]
        self.forecaster_.regressor_.set_params(ensemble_combine=self.combine)
        self.history_ = self.forecaster_.history_
        return self


def run(dataset: str, which: str, cell: str, seeds: list[int], size: int) -> list:
    """One record per seed and model: MASE and fit seconds."""
    spec = SPECS[dataset]
    (name, series), = spec.load().items()
    y, spec = split(series, spec, which)
    records = []
    for seed in seeds:
        for members in (1, size):
            params = {"random_state": seed, "ensemble_size": members}
            combines = COMBINES if members > 1 else ("median",)
            models = {
                f"{members}:{combine}": Cached(
                    make_rnn(cell, spec.horizon, params), spec.rnn_obs,
                    key=(dataset, which, cell, seed, members), combine=combine,
                )
                for combine in combines
            }
            result = compare(models, y, refit=False, **fold_kwargs(spec))
            board = result.leaderboard
            fit_s = float(board["fit_seconds"].max())  # the one real fit
            epochs = len(next(iter(result.results.values())).histories[0])
            for label, row in board.iterrows():
                size_, combine = label.split(":")
                records.append({
                    "dataset": dataset, "split": which, "cell": cell, "seed": seed,
                    "ensemble_size": int(size_), "combine": combine,
                    "mase": float(row["mase"]), "fit_seconds": fit_s,
                    "epochs": epochs,
                })
                print(json.dumps(records[-1]), flush=True)
    return records


def summary(records: list) -> pd.DataFrame:
    """Per series and model: MASE per seed, spread, mean and fit time."""
    frame = pd.DataFrame(records)
    rows = []
    for (dataset, cell), part in frame.groupby(["dataset", "cell"], sort=False):
        single = part[part.ensemble_size == 1].set_index("seed")
        for (size, combine), group in part.groupby(
            ["ensemble_size", "combine"], sort=False
        ):
            group = group.set_index("seed")
            spread = np.ptp(group["mase"])
            ratio = (group["fit_seconds"] / single["fit_seconds"]).median()
            rows.append({
                "series": dataset, "cell": cell,
                "model": "single" if size == 1 else f"ensemble {size}, {combine}",
                **{f"seed {s}": round(m, 3) for s, m in group["mase"].items()},
                "max - min": round(spread, 3),
                "mean": round(group["mase"].mean(), 3),
                "spread / single": round(spread / np.ptp(single["mase"]), 2),
                "epochs": "/".join(str(e) for e in group["epochs"]),
                "fit s (median)": round(group["fit_seconds"].median(), 1),
                "fit / single": round(ratio, 2),
            })
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="energy,weather")
    parser.add_argument("--split", choices=("test", "validation"), default="test")
    parser.add_argument("--cells", default="lstm")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--log", help="append the records here (JSON lines)")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    started = time.perf_counter()
    records = []
    for dataset in args.datasets.split(","):
        for cell in args.cells.split(","):
            records += run(dataset, args.split, cell, seeds, args.size)
    if args.log:
        with open(args.log, "a") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)
    print(f"\n{machine()}; load average {os.getloadavg()[0]:.2f}; "
          f"{time.perf_counter() - started:.0f} s; "
          f"command: python benchmarks/bench_ensemble.py {' '.join(sys.argv[1:])}")
    print(markdown(summary(records).set_index("series")))


if __name__ == "__main__":
    main()
