"""Speed of forecastrnn's training and inference against a hand-written PyTorch loop.

Every ratio is forecastrnn / PyTorch (higher is better), measured in one process
with the two runs interleaved, from medians over repetitions: on a shared
machine only ratios measured this way mean anything, absolute numbers do not.

Sections (``--sections``, comma-separated; default all):

``train``
    Per-epoch time of ``RNNRegressor.fit`` (warm compile, the whole ``fit``
    with its Python overhead, divided by the epochs) against a PyTorch loop
    (``nn.RNN(tanh)`` / ``nn.LSTM`` / ``nn.GRU``, ``batch_first=True``, an
    ``nn.Linear`` head on the last hidden state, ``torch.optim.Adam``, float32,
    ``torch.set_num_threads(2)``, shuffled mini-batches) on the same windows.
``fit``
    The first ``fit`` in a fresh process, its compile time (JAX's trace, lower
    and compile events) and a warm ``fit`` of the same epochs.
``predict``
    Latency for one window and throughput for 10,000 windows against the
    PyTorch module under ``torch.inference_mode``.
``memory``
    Peak RSS of C2 training (forecastrnn and PyTorch, each in a fresh process)
    and of a 2,000-step window.
``backtest``
    A 10-fold expanding-window backtest: how many times the training epoch is
    compiled (shape bucketing keeps it at most 2).
``darts``
    darts' ``BlockRNNModel`` / ``RNNModel`` end-to-end ``fit`` time on the same
    series, epochs and hidden size (needs darts: in this interpreter or the one
    given by ``--darts-python``; skipped with a message otherwise).

Examples
--------
    python benchmarks/bench_training.py --quick
    python benchmarks/bench_training.py --sections train --configs C2 --cells lstm
    python benchmarks/bench_training.py --sections darts \
        --darts-python /tmp/darts-venv/bin/python
"""

# ruff: noqa: B023  (the lambdas are timed at once, inside their loop iteration)
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from typing import NamedTuple

import numpy as np

CELLS = ("rnn", "lstm", "gru")


class Config(NamedTuple):
    batch: int
    window: int
    channels: int
    hidden: int
    horizon: int


CONFIGS = {
    "C1": Config(256, 48, 8, 64, 24),
    "C2": Config(64, 168, 4, 128, 24),
    "C3": Config(1024, 24, 1, 32, 12),
}


# ----------------------------------------------------------------------- data
def make_windows(cfg: Config, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` windows ``(n, window, channels)`` and targets ``(n, horizon)``, float32.

    Noisy daily and weekly cycles, one phase per channel; the target is the
    first channel's continuation.
    """
    rng = np.random.default_rng(seed)
    length = n + cfg.window + cfg.horizon
    t = np.arange(length)[:, None]
    phase = rng.uniform(0, 2 * np.pi, cfg.channels)[None, :]
    series = (
        np.sin(2 * np.pi * t / 24 + phase)
        + 0.5 * np.sin(2 * np.pi * t / 168 + phase)
        + 0.3 * rng.standard_normal((length, cfg.channels))
    ).astype(np.float32)
    idx = np.arange(n)[:, None]
    X = series[idx + np.arange(cfg.window)[None, :]]
    Y = series[idx + cfg.window + np.arange(cfg.horizon)[None, :], 0]
    return X, Y


def median(values) -> float:
    return float(np.median(np.asarray(values, float)))


# ---------------------------------------------------------------------- torch
def torch_setup():
    import torch

    torch.set_num_threads(2)
    return torch


def torch_model(cell: str, cfg: Config, seed: int = 0):
    """The PyTorch reference: recurrent module + linear head on the last state."""
    torch = torch_setup()
    torch.manual_seed(seed)
    rnn = {
        "rnn": lambda: torch.nn.RNN(
            cfg.channels, cfg.hidden, nonlinearity="tanh", batch_first=True
        ),
        "lstm": lambda: torch.nn.LSTM(cfg.channels, cfg.hidden, batch_first=True),
        "gru": lambda: torch.nn.GRU(cfg.channels, cfg.hidden, batch_first=True),
    }[cell]()

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnn
            self.head = torch.nn.Linear(cfg.hidden, cfg.horizon)

        def forward(self, x):
            _, state = self.rnn(x)
            h = state[0] if isinstance(state, tuple) else state
            return self.head(h[-1])

    return Net()


class TorchTrainer:
    """Shuffled mini-batch epochs of forward + backward + Adam, float32."""

    def __init__(self, cell: str, cfg: Config, X: np.ndarray, Y: np.ndarray):
        torch = torch_setup()
        self.torch, self.batch = torch, cfg.batch
        self.model = torch_model(cell, cfg)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.X, self.Y = torch.from_numpy(X), torch.from_numpy(Y)
        self.gen = torch.Generator().manual_seed(0)

    def epoch(self) -> None:
        torch = self.torch
        order = torch.randperm(len(self.X), generator=self.gen)
        for start in range(0, len(order), self.batch):
            idx = order[start : start + self.batch]
            self.opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.mse_loss(self.model(self.X[idx]), self.Y[idx])
            loss.backward()
            self.opt.step()

    def fit(self, epochs: int) -> None:
        for _ in range(epochs):
            self.epoch()


def torch_predict(model, X: np.ndarray, chunk: int = 4096) -> np.ndarray:
    torch = torch_setup()
    with torch.inference_mode():
        parts = [
            model(torch.from_numpy(X[s : s + chunk])) for s in range(0, len(X), chunk)
        ]
        return torch.cat(parts).numpy()


# ---------------------------------------------------------------- forecastrnn
def regressor(cell: str, cfg: Config, epochs: int, **kw):
    from forecastrnn import RNNRegressor

    return RNNRegressor(
        cell=cell,
        hidden_size=cfg.hidden,
        batch_size=cfg.batch,
        n_channels=cfg.channels,
        max_epochs=epochs,
        early_stopping=False,
        random_state=0,
        **kw,
    )


def flat(X: np.ndarray) -> np.ndarray:
    return X.reshape(len(X), -1)


class CompileClock:
    """Sums JAX's trace, lowering and backend-compile durations while active.

    ``seconds`` is the total; ``by_function`` splits it by jitted function
    (``train_epoch`` or ``part_gradient`` is the training step; eager ops of
    the initialisation each compile a small program of their own).
    """

    EVENTS = (
        "/jax/core/compile/jaxpr_trace_duration",
        "/jax/core/compile/jaxpr_to_mlir_module_duration",
        "/jax/core/compile/backend_compile_duration",
    )

    def __init__(self):
        import jax

        self.seconds, self.compiles, self.active = 0.0, 0, False
        self.by_function: dict[str, float] = {}

        def listener(event, duration, fun_name="?", **_):
            if self.active and event in self.EVENTS:
                self.seconds += duration
                self.compiles += event == self.EVENTS[-1]
                name = str(fun_name)
                self.by_function[name] = self.by_function.get(name, 0.0) + duration

        jax.monitoring.register_event_duration_secs_listener(listener)

    def of(self, name: str) -> float:
        """Seconds spent compiling functions whose name contains ``name``."""
        return sum(v for k, v in self.by_function.items() if name in k)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ---------------------------------------------------------------- sections
def section_train(args) -> list[dict]:
    """Per-epoch training time, forecastrnn ``fit`` vs the PyTorch loop."""
    rows = []
    for name in args.configs:
        cfg = CONFIGS[name]
        X, Y = make_windows(cfg, cfg.batch * args.batches)
        for cell in args.cells:
            est = regressor(cell, cfg, args.epochs)
            trainer = TorchTrainer(cell, cfg, X, Y)
            est.set_params(max_epochs=1).fit(flat(X), Y)  # compile
            est.set_params(max_epochs=args.epochs)
            trainer.fit(2)  # warm up oneDNN / the allocator
            t_jax, t_torch = [], []
            for rep in range(args.reps):
                runs = [
                    (t_jax, lambda: est.fit(flat(X), Y)),
                    (t_torch, lambda: trainer.fit(args.epochs)),
                ]
                for times, fn in runs[:: 1 if rep % 2 else -1]:
                    times.append(_timed(fn) / args.epochs)
            row = {
                "config": name,
                "cell": cell,
                "n_windows": len(X),
                "jax_epoch_s": median(t_jax),
                "torch_epoch_s": median(t_torch),
            }
            row["jax_samples_s"] = len(X) / row["jax_epoch_s"]
            row["torch_samples_s"] = len(X) / row["torch_epoch_s"]
            row["ratio"] = row["torch_epoch_s"] / row["jax_epoch_s"]
            rows.append(row)
            print(
                f"train {name} {cell:4s} jax {row['jax_samples_s']:9.0f}/s  torch "
                f"{row['torch_samples_s']:9.0f}/s  ratio {row['ratio']:.2f}",
                flush=True,
            )
    if rows:
        print(
            f"train: minimum ratio {min(r['ratio'] for r in rows):.2f} over "
            f"{len(rows)} cases",
            flush=True,
        )
    return rows


def section_predict(args) -> list[dict]:
    """One-window latency and 10,000-window throughput against torch inference."""
    rows = []
    for name in args.configs:
        cfg = CONFIGS[name]
        X, Y = make_windows(cfg, args.predict_windows)
        for cell in args.cells:
            est = regressor(cell, cfg, 1).fit(flat(X[: cfg.batch]), Y[: cfg.batch])
            model = torch_model(cell, cfg).eval()
            one, many = flat(X[:1]), flat(X)
            for fn in (
                lambda: est.predict(one),
                lambda: est.predict(many),
                lambda: torch_predict(model, X[:1]),
                lambda: torch_predict(model, X),
            ):
                fn()  # compile / warm up
            lat_j, lat_t, thr_j, thr_t = [], [], [], []
            for _ in range(args.reps):
                lat_j.append(min(_timed(lambda: est.predict(one)) for _ in range(20)))
                lat_t.append(
                    min(_timed(lambda: torch_predict(model, X[:1])) for _ in range(20))
                )
                thr_j.append(_timed(lambda: est.predict(many)))
                thr_t.append(_timed(lambda: torch_predict(model, X)))
            row = {
                "config": name,
                "cell": cell,
                "jax_latency_ms": 1e3 * median(lat_j),
                "torch_latency_ms": 1e3 * median(lat_t),
                "jax_windows_s": len(X) / median(thr_j),
                "torch_windows_s": len(X) / median(thr_t),
            }
            row["latency_ratio"] = row["torch_latency_ms"] / row["jax_latency_ms"]
            row["throughput_ratio"] = row["jax_windows_s"] / row["torch_windows_s"]
            rows.append(row)
            print(
                f"predict {name} {cell:4s} latency jax {row['jax_latency_ms']:.3f} ms "
                f"torch {row['torch_latency_ms']:.3f} ms "
                f"(x{row['latency_ratio']:.2f}); "
                f"{len(X)} windows jax {row['jax_windows_s']:.0f}/s torch "
                f"{row['torch_windows_s']:.0f}/s (x{row['throughput_ratio']:.2f})",
                flush=True,
            )
    return rows


FIT_WORKER = """
import json, sys, time
sys.path.insert(0, {bench_dir!r})
import bench_training as b
cfg = b.CONFIGS[{name!r}]
X, Y = b.make_windows(cfg, cfg.batch * {batches})
clock = b.CompileClock()
est = b.regressor({cell!r}, cfg, {epochs})
clock.active = True
first = b._timed(lambda: est.fit(b.flat(X), Y))
clock.active = False
warm = b.median([b._timed(lambda: est.fit(b.flat(X), Y)) for _ in range(2)])
trainer = b.TorchTrainer({cell!r}, cfg, X, Y)
trainer.fit(1)
torch_fit = b.median([b._timed(lambda: trainer.fit({epochs})) for _ in range(2)])
print(json.dumps(dict(first_fit_s=first, compile_s=clock.seconds,
                      compiles=clock.compiles,
                      step_compile_s=clock.of("train_epoch")
                      + clock.of("part_gradient"),
                      warm_fit_s=warm, torch_fit_s=torch_fit)))
"""


def _worker(code: str, env: dict | None = None, python: str = sys.executable) -> dict:
    out = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if out.returncode:
        raise RuntimeError(f"worker failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def section_fit(args) -> list[dict]:
    """First fit in a fresh process: compile time separately; then a warm fit."""
    rows = []
    for name in args.fit_configs:
        for cell in args.cells:
            code = FIT_WORKER.format(
                bench_dir=os.path.dirname(os.path.abspath(__file__)),
                name=name,
                cell=cell,
                batches=args.batches,
                epochs=args.fit_epochs,
            )
            row = {
                "config": name,
                "cell": cell,
                "epochs": args.fit_epochs,
                **_worker(code),
            }
            row["ratio"] = row["torch_fit_s"] / row["warm_fit_s"]
            rows.append(row)
            print(
                f"fit {name} {cell:4s} {args.fit_epochs} epochs: "
                f"first {row['first_fit_s']:.2f} s "
                f"(compile {row['compile_s']:.2f} s in {row['compiles']} programs, "
                f"training step {row['step_compile_s']:.2f} s), warm "
                f"{row['warm_fit_s']:.2f} s, torch {row['torch_fit_s']:.2f} s "
                f"(x{row['ratio']:.2f})",
                flush=True,
            )
    return rows


MEMORY_WORKER = """
import json, sys
sys.path.insert(0, {bench_dir!r})
import bench_training as b
cfg = b.Config(*{cfg!r})
X, Y = b.make_windows(cfg, cfg.batch * {batches})
def rss():  # VmHWM: unlike ru_maxrss it is not inherited from the parent's fork
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
if {framework!r} == "torch":
    t = b.TorchTrainer({cell!r}, cfg, X, Y); t.fit(0); before = rss(); t.fit(1)
else:
    import forecastrnn.estimators as E
    E.TRAIN_SCAN = {{**E.TRAIN_SCAN, **{scan!r}}}
    est = b.regressor({cell!r}, cfg, 1); before = rss(); est.fit(b.flat(X), Y)
print(json.dumps(dict(before_mb=before, peak_mb=rss())))
"""


def section_memory(args) -> list[dict]:
    """Peak RSS (VmHWM) of one epoch, each in a fresh process."""
    rows = []
    c2 = CONFIGS["C2"]
    long = c2._replace(window=args.long_window)
    cases = [
        ("C2", c2, args.batches, cell, fw, {})
        for cell in args.cells
        for fw in ("forecastrnn", "torch")
    ]
    cases += [
        (f"C2 window {long.window}", long, 4, "lstm", fw, {})
        for fw in ("forecastrnn", "torch")
    ]
    # the same long window without rematerialisation: what remat saves
    cases.append(
        (
            f"C2 window {long.window}, remat off",
            long,
            4,
            "lstm",
            "forecastrnn",
            {"remat": False},
        )
    )
    for label, cfg, batches, cell, fw, scan in cases:
        code = MEMORY_WORKER.format(
            bench_dir=os.path.dirname(os.path.abspath(__file__)),
            cfg=tuple(cfg),
            batches=batches,
            framework=fw,
            cell=cell,
            scan=scan,
        )
        row = {"case": label, "cell": cell, "framework": fw, **_worker(code)}
        rows.append(row)
        print(
            f"memory {label} {cell:4s} {fw:11s} peak RSS {row['peak_mb']:.0f} MB "
            f"(+{row['peak_mb'] - row['before_mb']:.0f} MB during training)",
            flush=True,
        )
    return rows


BACKTEST_WORKER = """
import json, sys
import numpy as np, pandas as pd
import forecastrnn
from forecastrnn import training
noise = 0.1 * np.random.default_rng(0).standard_normal({n})
index = pd.date_range("2020-01-01", periods={n}, freq="h")
y = pd.Series(np.sin(np.arange({n}) * 2 * np.pi / 24) + noise, index=index)
from forecastrnn import RNNForecaster, RNNRegressor
steps = (training.train_epoch, training.part_gradient)  # either engine's step
before = sum(f._cache_size() for f in steps)
network = RNNRegressor("gru", hidden_size=16, max_epochs=2, batch_size=32,
                       random_state=0)
model = RNNForecaster(network, window_size=24, horizon=12)
result = forecastrnn.backtest(model, y, horizon=12, n_folds=10)
print(json.dumps(dict(folds=10, compiles=sum(f._cache_size() for f in steps) - before)))
"""


def section_backtest(args) -> list[dict]:
    """Compiles of the training epoch during a 10-fold expanding backtest."""
    row = _worker(BACKTEST_WORKER.format(n=args.backtest_length))
    print(
        f"backtest: {row['folds']} folds compiled the training epoch "
        f"{row['compiles']} time(s)",
        flush=True,
    )
    return [row]


DARTS_WORKER = """
import json, time, warnings, logging
import numpy as np, torch
warnings.filterwarnings("ignore"); logging.disable(logging.WARNING)
torch.set_num_threads(2)
from darts import TimeSeries
from darts.models import BlockRNNModel, RNNModel
series = TimeSeries.from_values(np.asarray({values!r}, np.float32))
kw = dict(hidden_dim={hidden}, n_epochs={epochs}, batch_size={batch}, random_state=0,
          pl_trainer_kwargs=dict(accelerator="cpu", enable_progress_bar=False,
                                 logger=False, enable_model_summary=False,
                                 enable_checkpointing=False))
out = {{}}
for name, make in [
    ("BlockRNNModel", lambda: BlockRNNModel(model="{cell}", input_chunk_length={window},
                                            output_chunk_length={horizon}, **kw)),
    ("RNNModel", lambda: RNNModel(model="{cell}", input_chunk_length={window},
                                  training_length={window} + {horizon}, **kw)),
]:
    times = []
    for _ in range({reps}):
        model = make(); start = time.perf_counter(); model.fit(series)
        times.append(time.perf_counter() - start)
    out[name] = float(np.median(times))
import darts
out["darts_version"] = darts.__version__; out["torch_version"] = torch.__version__
print(json.dumps(out))
"""


def section_darts(args) -> list[dict]:
    """End-to-end fit time against darts on the same series, epochs, hidden size."""
    python = args.darts_python or sys.executable
    probe = subprocess.run(
        [python, "-c", "import darts"], capture_output=True, check=False
    )
    if probe.returncode:
        print(
            f"darts: skipped, `import darts` fails in {python} (install darts in a "
            "separate environment and pass --darts-python)",
            flush=True,
        )
        return []
    cfg = CONFIGS["C3"]._replace(batch=32, hidden=32)
    n_points = args.darts_length
    rng = np.random.default_rng(0)
    t = np.arange(n_points)
    values = (np.sin(2 * np.pi * t / 24) + 0.3 * rng.standard_normal(n_points)).astype(
        np.float32
    )
    rows = []
    for cell, darts_cell in (("lstm", "LSTM"), ("gru", "GRU"), ("rnn", "RNN")):
        if cell not in args.cells:
            continue
        code = DARTS_WORKER.format(
            values=values.tolist(),
            hidden=cfg.hidden,
            epochs=args.fit_epochs,
            batch=cfg.batch,
            cell=darts_cell,
            window=cfg.window,
            horizon=cfg.horizon,
            reps=max(1, args.reps // 2),
        )
        darts_out = _worker(code, python=python)
        n = n_points - cfg.window - cfg.horizon + 1
        idx = np.arange(n)[:, None]
        X = values[idx + np.arange(cfg.window)]
        Y = values[idx + cfg.window + np.arange(cfg.horizon)]
        est = regressor(cell, cfg, args.fit_epochs)
        ours = median(
            [_timed(lambda: est.fit(X, Y)) for _ in range(max(2, args.reps // 2))]
        )
        row = {
            "cell": cell,
            "windows": n,
            "epochs": args.fit_epochs,
            "forecastrnn_fit_s": ours,
            **darts_out,
        }
        for model in ("BlockRNNModel", "RNNModel"):
            row[f"speedup_vs_{model}"] = darts_out[model] / ours
        rows.append(row)
        print(
            f"darts {cell:4s} ({n} windows, {args.fit_epochs} epochs): forecastrnn "
            f"{ours:.2f} s, BlockRNNModel {darts_out['BlockRNNModel']:.2f} s "
            f"(x{row['speedup_vs_BlockRNNModel']:.1f}), RNNModel "
            f"{darts_out['RNNModel']:.2f} s (x{row['speedup_vs_RNNModel']:.1f})",
            flush=True,
        )
    return rows


SECTIONS = {
    "train": section_train,
    "fit": section_fit,
    "predict": section_predict,
    "memory": section_memory,
    "backtest": section_backtest,
    "darts": section_darts,
}


def machine() -> dict:
    import jax
    import torch

    return {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "torch": torch.__version__,
        "XLA_FLAGS": os.environ.get("XLA_FLAGS", ""),
        "devices": [str(d) for d in jax.devices()],
        "load_average": os.getloadavg(),
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(
                line.split(":", 1)[1].strip() for line in f if "model name" in line
            )
    except (OSError, StopIteration):
        return platform.processor()


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sections", default=",".join(SECTIONS))
    p.add_argument("--configs", default="C1,C2,C3")
    p.add_argument("--cells", default=",".join(CELLS))
    p.add_argument("--reps", type=int, default=7, help="interleaved repetitions")
    p.add_argument("--epochs", type=int, default=3, help="epochs per timed train run")
    p.add_argument("--batches", type=int, default=8, help="mini-batches per epoch")
    p.add_argument("--fit-configs", default="C1")
    p.add_argument("--fit-epochs", type=int, default=5)
    p.add_argument("--predict-windows", type=int, default=10_000)
    p.add_argument("--long-window", type=int, default=2000)
    p.add_argument("--backtest-length", type=int, default=2000)
    p.add_argument("--darts-python", default=None)
    p.add_argument("--darts-length", type=int, default=2000)
    p.add_argument("--json", default=None, help="also write the results here")
    p.add_argument(
        "--quick",
        action="store_true",
        help="3 repetitions, 2 epochs, 4 batches, 2,000 predict windows",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.reps, args.epochs, args.batches = 3, 2, 4
        args.predict_windows, args.fit_epochs = 2000, 3
    args.sections = args.sections.split(",")
    args.configs = args.configs.split(",")
    args.cells = args.cells.split(",")
    args.fit_configs = args.fit_configs.split(",")
    unknown = set(args.sections) - set(SECTIONS) | set(args.configs) - set(CONFIGS)
    unknown |= set(args.cells) - set(CELLS)
    if unknown:
        p.error(f"unknown section, config or cell: {sorted(unknown)}")
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    results = {"machine": machine(), "args": {k: v for k, v in vars(args).items()}}
    print(json.dumps(results["machine"]), flush=True)
    for name in args.sections:
        results[name] = SECTIONS[name](args)
    results["load_average_after"] = os.getloadavg()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    return results


if __name__ == "__main__":
    main()
