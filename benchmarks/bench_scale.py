"""How a global model's fit grows with the panel: peak memory and time.

A synthetic panel of ``N`` daily series of ``--length`` points (a weekly and a
yearly season, a random level and trend, noise) is fitted by the default
``RNNForecaster`` for ``--epochs`` epochs. Each size runs in a fresh process,
which reports its peak resident memory (``VmHWM``) before the fit (the panel
built) and after it, and the fit's wall time.

Windows are cut inside the compiled training step from one flat array of the
series (:mod:`forecastrnn.indexed_windows`), so memory grows with the total
length of the series, not with windows x window length: 10,000 series of
1,000 points hold 9.3 million windows of 72 steps (window 48, horizon 24)
and 3 channels (the target and two calendar columns), 16 GB as the float64
the 0.7.0 fit cut them in; their values take 120 MB as float32.

Usage (from the repository root)::

    python benchmarks/bench_scale.py                      # 1,000 and 10,000
    python benchmarks/bench_scale.py --source 0.7.0:/tmp/v070=1000  # and 0.7.0
    python benchmarks/bench_scale.py --write              # update panel.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORT = HERE / "panel.md"
BEGIN, END = "<!-- BEGIN SCALE -->", "<!-- END SCALE -->"

WORKER = """
import json, time
import numpy as np, pandas as pd
import forecastrnn
from forecastrnn import RNNForecaster
from forecastrnn.forecasters import default_network

def rss():  # VmHWM: the peak resident memory of this process, in MB
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024

rng = np.random.default_rng(0)
n, length = {n}, {length}
t = np.arange(length)
level = rng.uniform(10, 100, (1, n))
season = np.sin(2 * np.pi * t / 7)[:, None] * rng.uniform(0.5, 3, (1, n))
yearly = np.sin(2 * np.pi * t / 365.25)[:, None] * rng.uniform(0, 5, (1, n))
trend = t[:, None] * rng.normal(0, 0.01, (1, n))
noise = rng.standard_normal((length, n))
panel = pd.DataFrame(
    level + season + yearly + trend + noise,
    index=pd.date_range("2020-01-01", periods=length, freq="D"),
    columns=[f"s{{i}}" for i in range(n)],
)
model = RNNForecaster(default_network("lstm").set_params(max_epochs={epochs}))
before = rss()
start = time.perf_counter()
model.fit(panel)
fit_s = time.perf_counter() - start
start = time.perf_counter()
forecast = model.predict()
predict_s = time.perf_counter() - start
assert forecast.shape == (model.horizon, n) and np.isfinite(forecast.to_numpy()).all()
windows = n * (length - model.window_size - model.horizon + 1)
print(json.dumps(dict(
    version=forecastrnn.__version__, series=n, length=length, windows=windows,
    window_size=model.window_size, horizon=model.horizon,
    epoch_windows=(
        windows if model.windows_per_series_ is None
        else n * min(model.windows_per_series_, windows // n)
    ),
    before_mb=before, peak_mb=rss(), fit_s=fit_s, predict_s=predict_s,
)))
"""


def run(source: str | None, n: int, length: int, epochs: int) -> dict:
    """One panel size in a fresh process (importing forecastrnn from the
    checkout ``source``, or the installed one); its JSON record."""
    code = WORKER.format(n=n, length=length, epochs=epochs)
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = source
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd="/",
    )
    if out.returncode:
        raise RuntimeError(f"worker for {n} series failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    lines = [
        "| version | series x points | windows | epoch windows | peak RSS MB "
        "| during fit MB | fit s | predict s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['version']} | {r['series']:,} x {r['length']:,} "
            f"| {r['windows']:,} | {r['epoch_windows']:,} | {r['peak_mb']:,.0f} "
            f"| {r['peak_mb'] - r['before_mb']:,.0f} | {r['fit_s']:.1f} "
            f"| {r['predict_s']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", default="1000,10000")
    parser.add_argument("--length", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument(
        "--source",
        action="append",
        help="LABEL:PATH=N,N: a checkout of another version to measure too, at "
        "those panel sizes (e.g. 0.7.0:/tmp/v070=1000 for a worktree of "
        "0.7.0); repeatable",
    )
    parser.add_argument("--write", action="store_true", help="update panel.md")
    args = parser.parse_args()
    rows = []
    runs = [(None, None, args.series)]
    for text in args.source or []:
        label, rest = text.split(":", 1)
        runs.append((label, *rest.split("=")))
    for label, source, series in runs:
        for n in (int(s) for s in series.split(",")):
            row = run(source, n, args.length, args.epochs)
            row["version"] = label or row["version"]
            rows.append(row)
            print(json.dumps(row), flush=True)
    load = os.getloadavg()
    text = table(rows) + (
        f"\n\n{platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"cores, load average {load[0]:.2f} after the run; "
        f"`python benchmarks/bench_scale.py --series {args.series} "
        f"--length {args.length} --epochs {args.epochs}"
        + "".join(f" --source {s}" for s in args.source or [])
        + "`."
    )
    print(text)
    if args.write:
        report = REPORT.read_text()
        head, rest = report.split(BEGIN)
        _, tail = rest.split(END)
        REPORT.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


if __name__ == "__main__":
    main()
