"""Peer benchmarks for panels: neuralforecast on M4 weekly, darts on energy.

Two comparisons, run in one process so that every ratio comes from one run:

a) **Accuracy on M4 weekly** (359 series, horizon 13; see ``m4.py``): one
   global network fit on the whole panel, forecasting the 13 test weeks of
   every series, scored with the M4 sMAPE, MASE (``m = 1``) and OWA against
   Naive2 (computed here with ``forecastrnn.baselines.Naive2``; M4 published
   9.161 / 2.777 for weekly).

   - neuralforecast ``LSTM(h=13, input_size=W)`` with its defaults otherwise
     (3.3.0: ``encoder_n_layers=2``, ``encoder_hidden_size=128``, MLP decoder
     ``decoder_hidden_size=128``, ``decoder_layers=2``, ``recurrent=False``
     (direct multi-step), ``loss=MAE()``, ``scaler_type="robust"`` (per
     window), ``max_steps=1000``, ``learning_rate=1e-3``, ``batch_size=32``
     series x ``windows_batch_size=128`` windows, ``random_seed=1``, no
     early stopping, ``val_size=0``). Only the trainer's cosmetics are set:
     CPU, no progress bar, logger or model summary.
   - forecastrnn ``forecastrnn_model(cell)`` below, fit on the ``{id:
     Series}`` panel.

b) **Training speed on the bundled energy series** (last two years, hourly,
   17 520 points): window 168, horizon 24, LSTM hidden 64, batch 256, 3
   epochs, fit timed end to end (pandas in, fitted model out; scaling, window
   cutting, compilation included), A/B interleaved ``--repeats`` times.

   - darts ``BlockRNNModel(model="LSTM", input_chunk_length=168,
     output_chunk_length=24, hidden_dim=64, batch_size=256, n_epochs=3)``
     on the series as a float32 ``TimeSeries`` scaled by darts' ``Scaler``
     (its default, min-max). darts trains in the series' dtype; float32 is
     what its documentation recommends and what forecastrnn uses.
   - forecastrnn ``RNNForecaster(RNNRegressor("lstm", hidden_size=64,
     batch_size=256, max_epochs=3, early_stopping=False), window_size=168,
     horizon=24)`` with its defaults otherwise (standard scaling, seasonal
     window norm, hour and day-of-week calendar features).

Both torch and XLA run on the CPU; ``torch.set_num_threads(2)``.

This needs torch, neuralforecast and darts besides forecastrnn, kept out of the
project's environment: a separate virtual environment with the CPU torch wheel
installed first, then ``neuralforecast==3.3.*``, ``darts==0.48.*``,
``pytorch-lightning`` and ``pip install -e .``.

Usage::

    python benchmarks/bench_peers.py --quick             # smoke run, minutes
    python benchmarks/bench_peers.py --parts m4          # accuracy only
    python benchmarks/bench_peers.py --parts energy --repeats 3

Prints a Markdown table and writes the figures as JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from darts import TimeSeries
from darts.dataprocessing.transformers import Scaler
from darts.models import BlockRNNModel
from m4 import load_m4
from neuralforecast import NeuralForecast
from neuralforecast.models import LSTM

import forecastrnn
from forecastrnn import RNNForecaster, RNNRegressor
from forecastrnn.baselines import Naive2
from forecastrnn.datasets import load_energy
from forecastrnn.forecasters import default_network
from forecastrnn.metrics import owa, panel_scores

# M4's published Naive2 scores for the weekly panel (sMAPE in percent, MASE)
M4_NAIVE2_WEEKLY = (9.161, 2.777)
PACKAGES = (
    "forecastrnn",
    "jax",
    "torch",
    "neuralforecast",
    "darts",
    "pytorch-lightning",
    "numpy",
    "pandas",
)
QUICK_SERIES = 24  # M4 series in a --quick run
QUICK_HOURS = 24 * 7 * 8  # energy hours in a --quick run


def forecastrnn_model(
    cell: str = "lstm", window_size: int = 52, horizon: int = 13
) -> RNNForecaster:
    """The forecastrnn configuration of the M4 comparison (the lead tunes it).

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default "lstm"
    window_size : int, default 52
    horizon : int, default 13

    Returns
    -------
    RNNForecaster
        Unfitted: ``default_network(cell)`` and the forecaster's defaults
        (``windows_per_series="auto"``), with a fixed seed: what
        ``benchmarks/bench_panel.py`` scores as the global model.
    """
    network = default_network(cell).set_params(random_state=0)
    return RNNForecaster(network, window_size=window_size, horizon=horizon)


# --------------------------------------------------------------------- M4
def long_frame(panel: dict[str, pd.Series]) -> pd.DataFrame:
    """A ``{id: Series}`` panel as a long ``unique_id, ds, y`` frame."""
    return pd.concat(
        [
            pd.DataFrame({"unique_id": sid, "ds": s.index, "y": s.to_numpy()})
            for sid, s in panel.items()
        ],
        ignore_index=True,
    )


def from_long(frame: pd.DataFrame, column: str) -> dict[str, np.ndarray]:
    """Forecasts of a long frame as ``{id: values}``, oldest first."""
    frame = frame.reset_index() if "unique_id" not in frame else frame
    return {
        sid: group.sort_values("ds")[column].to_numpy()
        for sid, group in frame.groupby("unique_id", sort=False)
    }


def scores(pred, test, train, m: int, naive2: tuple[float, float]) -> dict:
    """Mean sMAPE (percent), mean MASE and OWA of a panel forecast."""
    table = panel_scores(
        {k: v.to_numpy() for k, v in test.items()},
        {k: np.asarray(pred[k]) for k in test},
        {k: v.to_numpy() for k, v in train.items()},
        m=m,
    )
    smape, mase = 100 * table["smape"].mean(), table["mase"].mean()
    return {
        "smape": float(smape),
        "mase": float(mase),
        "owa": float(owa(smape, mase, *naive2)),
        "nan_forecasts": int(sum(np.isnan(np.asarray(pred[k])).any() for k in test)),
    }


def fit_neuralforecast(train, meta, window_size: int, max_steps: int | None):
    """Fit neuralforecast's LSTM on the panel; forecasts and fit seconds."""
    options = {} if max_steps is None else {"max_steps": max_steps}
    model = LSTM(
        h=meta.horizon,
        input_size=window_size,
        accelerator="cpu",
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        **options,
    )
    frame = long_frame(train)
    start = time.perf_counter()
    nf = NeuralForecast(models=[model], freq=meta.freq)
    nf.fit(frame)
    seconds = time.perf_counter() - start
    return from_long(nf.predict(), "LSTM"), seconds, model.hparams.get("max_steps")


def fit_forecastrnn(train, meta, window_size: int, cell: str, quick: bool):
    """Fit ``forecastrnn_model(cell)`` on the panel; forecasts and fit seconds."""
    model = forecastrnn_model(cell, window_size=window_size, horizon=meta.horizon)
    if quick:
        model.set_params(network__max_epochs=2)
    start = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - start
    forecasts = model.predict()
    return {k: v.to_numpy() for k, v in forecasts.items()}, seconds, model


def run_m4(args) -> dict:
    """Part a): neuralforecast's LSTM and forecastrnn on M4 weekly."""
    train, test, meta = load_m4("weekly")
    if args.quick:
        ids = list(train)[:QUICK_SERIES]
        train, test = {k: train[k] for k in ids}, {k: test[k] for k in ids}
    naive2_pred = {
        k: Naive2(season_length=meta.m).fit(s).predict(steps=meta.horizon)
        for k, s in train.items()
    }
    table = panel_scores(
        {k: v.to_numpy() for k, v in test.items()},
        {k: v.to_numpy() for k, v in naive2_pred.items()},
        {k: v.to_numpy() for k, v in train.items()},
        m=meta.m,
    )
    naive2 = (100 * float(table["smape"].mean()), float(table["mase"].mean()))
    result = {
        "n_series": len(train),
        "horizon": meta.horizon,
        "window_size": args.window_size,
        "naive2": {"smape": naive2[0], "mase": naive2[1]},
        "naive2_published": dict(zip(("smape", "mase"), M4_NAIVE2_WEEKLY, strict=True)),
        "load_before": os.getloadavg(),
    }
    pred, seconds, steps = fit_neuralforecast(
        train, meta, args.window_size, 20 if args.quick else None
    )
    result["neuralforecast"] = {
        "fit_s": seconds,
        "max_steps": steps,
        **scores(pred, test, train, meta.m, naive2),
    }
    pred, seconds, model = fit_forecastrnn(
        train, meta, args.window_size, args.cell, args.quick
    )
    result["forecastrnn"] = {
        "fit_s": seconds,
        "epochs": len(model.history_),
        "config": repr(model),
        **scores(pred, test, train, meta.m, naive2),
    }
    result["load_after"] = os.getloadavg()
    return result


# ----------------------------------------------------------------- energy
def energy_series(quick: bool) -> pd.Series:
    """The last two years of the bundled hourly load (8 weeks if `quick`)."""
    load = load_energy()["load_kw"]
    return load.iloc[-(QUICK_HOURS if quick else 2 * 365 * 24) :]


def fit_darts(y: pd.Series, epochs: int) -> float:
    """Seconds to fit darts' BlockRNNModel on `y`, data in to model out."""
    start = time.perf_counter()
    series = TimeSeries.from_series(y).astype(np.float32)
    scaled = Scaler().fit_transform(series)
    model = BlockRNNModel(
        model="LSTM",
        input_chunk_length=168,
        output_chunk_length=24,
        hidden_dim=64,
        batch_size=256,
        n_epochs=epochs,
        random_state=0,
        pl_trainer_kwargs={
            "accelerator": "cpu",
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "logger": False,
        },
    )
    model.fit(scaled, verbose=False)
    return time.perf_counter() - start


def fit_ours(y: pd.Series, epochs: int, forking="default") -> float:
    """Seconds to fit forecastrnn's RNNForecaster on `y`, data in to model out
    (``forking``: the forecaster's setting, or its default)."""
    start = time.perf_counter()
    network = RNNRegressor(
        "lstm",
        hidden_size=64,
        batch_size=256,
        max_epochs=epochs,
        early_stopping=False,
        random_state=0,
    )
    model = RNNForecaster(network, window_size=168, horizon=24)
    if forking != "default":
        model.set_params(forking=forking)
    model.fit(y)
    return time.perf_counter() - start


def run_energy(args) -> dict:
    """Part b): darts vs forecastrnn fit time, interleaved A/B."""
    y = energy_series(args.quick)
    epochs = 1 if args.quick else 3
    runs = {"darts": [], "forecastrnn": []}
    loads = [os.getloadavg()]
    for _ in range(args.repeats):
        runs["darts"].append(fit_darts(y, epochs))
        runs["forecastrnn"].append(fit_ours(y, epochs, args.forking))
        loads.append(os.getloadavg())
    medians = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "n_obs": len(y),
        "epochs": epochs,
        "forking": args.forking,
        "repeats": args.repeats,
        "fit_s": runs,
        "median_s": medians,
        "ratio_darts_over_forecastrnn": medians["darts"] / medians["forecastrnn"],
        "load": loads,
    }


# ----------------------------------------------------------------- report
def markdown(result: dict) -> str:
    """The figures of a run as Markdown tables."""
    lines = []
    if "m4" in result:
        m4 = result["m4"]
        n2 = m4["naive2"]
        lines += [
            f"M4 weekly, {m4['n_series']} series, h={m4['horizon']}, "
            f"window {m4['window_size']} (load {_load(m4['load_before'])} "
            f"-> {_load(m4['load_after'])})",
            "",
            "| model | sMAPE % | MASE | OWA | fit s |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| Naive2 (computed) | {n2['smape']:.3f} | {n2['mase']:.3f} | 1.000 | |",
        ]
        for name in ("neuralforecast", "forecastrnn"):
            r = m4[name]
            lines.append(
                f"| {name} LSTM | {r['smape']:.3f} | {r['mase']:.3f} | "
                f"{r['owa']:.3f} | {r['fit_s']:.1f} |"
            )
        lines.append("")
    if "energy" in result:
        en = result["energy"]
        runs = ", ".join(
            f"{name} {' '.join(f'{s:.1f}' for s in v)}"
            for name, v in en["fit_s"].items()
        )
        lines += [
            f"Energy, {en['n_obs']} hourly points, window 168, h=24, hidden 64, "
            f"batch 256, {en['epochs']} epochs, {en['repeats']} A/B repeats "
            f"(load {' -> '.join(_load(x) for x in en['load'])})",
            "",
            "| library | median fit s |",
            "| --- | ---: |",
            f"| darts BlockRNNModel | {en['median_s']['darts']:.1f} |",
            f"| forecastrnn RNNForecaster (forking {en.get('forking')}) | "
            f"{en['median_s']['forecastrnn']:.1f} |",
            f"| ratio darts / forecastrnn | {en['ratio_darts_over_forecastrnn']:.2f} |",
            "",
            f"Runs (s): {runs}",
        ]
    return "\n".join(lines)


def _load(triple) -> str:
    """A load average triple, one decimal."""
    return "/".join(f"{x:.1f}" for x in triple)


def forking_setting(text: str):
    """``--forking``: an integer, ``none``, or ``default`` (argparse also
    passes the string default through here)."""
    if text in ("default", "none"):
        return None if text == "none" else text
    return int(text)


def parse_args(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument("--parts", nargs="+", choices=("m4", "energy"))
    parser.add_argument("--window-size", type=int, default=52)
    parser.add_argument("--cell", default="lstm", choices=("lstm", "gru", "rnn"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--forking",
        default="default",
        type=forking_setting,
        help="RNNForecaster's `forking` in part b) (an integer, or none); "
        "default: the forecaster's default",
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_peers.json"))
    args = parser.parse_args(argv)
    args.parts = args.parts or ["m4", "energy"]
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1; got {args.repeats}.")
    return args


def main(argv=None) -> dict:
    """Run the parts asked for, print the tables and write the JSON."""
    args = parse_args(argv)
    torch.set_num_threads(2)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="(lightning|pytorch_lightning|darts)")
    result = {
        "quick": args.quick,
        "versions": {p: version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "forecastrnn_path": str(Path(forecastrnn.__file__).parent),
    }
    if "m4" in args.parts:
        result["m4"] = run_m4(args)
    if "energy" in args.parts:
        result["energy"] = run_energy(args)
    args.out.write_text(json.dumps(result, indent=2, default=float))
    print(markdown(result))
    print(f"\nJSON written to {args.out}")
    return result


if __name__ == "__main__":
    main()
