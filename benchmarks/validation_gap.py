"""Why the main job's LSTM validation loss sat 50 times above its training loss.

Issue 15 asked whether the README main job's validation loss (0.62 from the
first epoch to the last, against a training loss of 0.012) was the Christmas
week in the validation windows or a defect. This fits the main job's LSTM
(defaults, 8 weeks of hourly energy, seed 0) at three training ends and
prints, next to the network's losses, the loss of a network that outputs
zero: the seasonal naive forecast (the reference the network's output is
added to), on the same training and validation windows, in the same units.

If the zero-output loss of the validation windows is as high as the
network's, the validation windows are hard for any model (the data); if
only the network's is, the network or the split is at fault (a defect).

Usage (from the repository root)::

    python benchmarks/validation_gap.py
"""

from __future__ import annotations

import numpy as np

from forecastrnn import RNNForecaster
from forecastrnn.datasets import load_energy
from forecastrnn.forecasters import default_network
from forecastrnn.series_inputs import scaled

TRAIN = 1344  # the main job's eight weeks of hourly history
HORIZON = 24


def probe(y, end: int) -> str:
    """The losses of a fit on the ``TRAIN`` hours before position ``end``."""
    train = y.iloc[end - TRAIN : end]
    network = default_network("lstm").set_params(random_state=0)
    model = RNNForecaster(network, horizon=HORIZON).fit(train)
    history = model.history_
    best = history["val_loss"].idxmin()
    # the windows and the split the network trained on (RNNRegressor._split)
    w, m = model.window_size, model.season_length_
    n = len(train) - w - HORIZON + 1
    n_val = int(np.ceil(network.validation_fraction * n))
    n_train = n - n_val - (HORIZON - 1)
    z = np.asarray(scaled(train, model.series_[0].scale))
    reference = np.stack([z[i + w - m + np.arange(HORIZON) % m] for i in range(n)])
    target = np.stack([z[i + w : i + w + HORIZON] for i in range(n)])
    zero = ((target - reference) ** 2).mean(axis=1)
    first_val = train.index[n - n_val + w - 1]
    return (
        f"| {train.index[-1]:%Y-%m-%d} | {first_val:%Y-%m-%d %H:%M} | "
        f"{history.loc[best, 'train_loss']:.3f} | {history.loc[best, 'val_loss']:.3f} "
        f"| {zero[:n_train].mean():.3f} | {zero[-n_val:].mean():.3f} |"
    )


def main() -> None:
    y = load_energy()["load_kw"]
    print(
        "| training ends | validation windows from | network train | network "
        "val | zero-output train | zero-output val |\n"
        "| --- | --- | ---: | ---: | ---: | ---: |"
    )
    # the main job's 0.7.0 first fold (five days before the end), three weeks
    # earlier, and late summer
    for hours_back in (5 * 24, 26 * 24, 125 * 24):
        print(probe(y, len(y) - hours_back), flush=True)


if __name__ == "__main__":
    main()
