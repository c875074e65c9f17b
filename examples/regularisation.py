"""Regularisation: weight decay, dropout, data augmentation and early stopping.

A network with more weights than its data can pin down fits the training
windows ever better while its error on new windows stops falling and then
rises: it overfits. The script trains the same over-sized GRU (hidden size
128) on a few weeks of Beijing's hourly temperature, four ways:

- ``plain``: no regularisation;
- ``weight decay``: decoupled weight decay (AdamW, ``weight_decay``);
- ``dropout``: variational dropout on the inputs and on the recurrent state
  (``dropout``, ``recurrent_dropout``: one mask per window);
- ``augmentation``: every training batch jittered and rescaled afresh
  (``augment=chain_augmentations(make_jitter(...), make_magnitude_scaling(...))``).

Each keeps its most recent 10 % of windows for validation and runs every epoch
(``patience`` as long as the run) so that the whole curves can be seen; early
stopping then restores the weights of the best validation epoch, which is the
fourth regulariser. The script prints, per variant, the best epoch, the
training and validation losses there and at the end, and the MASE of a
day-ahead backtest on the following days (one fit, then ``last_window``), and
writes ``regularisation.png`` with the training and validation curves.

What the default run showed with forecastrnn 0.3.0 (6 weeks, 40 epochs, MASE
over 7 days):

- ``plain`` overfits: its training loss falls to 0.10 while the validation
  loss stays near 0.34 to 0.35 (best at epoch 37); MASE 1.33;
- ``weight decay`` keeps the weights from fitting the noise (training loss
  0.27 at the end) at about the same validation loss; MASE 1.40, no gain here;
- ``dropout`` keeps the two curves together (0.32 and 0.37 at the end) and
  gives the best backtest, MASE 1.24;
- ``augmentation`` reaches the lowest validation loss (0.32); MASE 1.33.

With 0.2.0 (other initial weights) the same run gave 1.39 / 1.35 / 1.25 /
1.22: the order of the regularisers moves with the draw of the weights;
dropout helped both times.

Every variant stays above 1, worse than the in-sample seasonal naive forecast:
six weeks are far too few windows for 128 hidden units, which is the point
here. With the package defaults (hidden size 64, two years of data) the GRU
reaches 0.84 and the LSTM 0.82 on this series (``benchmarks/accuracy.md``).
One series, one seed: an illustration of the knobs, not a benchmark.

Run ``python examples/regularisation.py`` (about a minute on two cores);
``--quick`` runs it in seconds with toy settings.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from forecastrnn import RNNForecaster, RNNRegressor, backtest
from forecastrnn.augment import chain_augmentations, make_jitter, make_magnitude_scaling
from forecastrnn.datasets import load_weather

VARIANTS = {
    "plain": {},
    "weight decay": {"weight_decay": 2.0},  # AdamW: each step shrinks by lr x 2.0
    "dropout": {"dropout": 0.2, "recurrent_dropout": 0.2},
    "augmentation": {
        "augment": chain_augmentations(make_jitter(0.05), make_magnitude_scaling(0.1))
    },
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=6, help="weeks of training")
    parser.add_argument("--folds", type=int, default=7, help="backtest days")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", default="report/regularisation")
    parser.add_argument(
        "--quick", action="store_true", help="toy settings (smoke test)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.weeks, args.folds, args.epochs = 3, 2, 3
    return args


def make_gru(options: dict, epochs: int, quick: bool) -> RNNForecaster:
    network = RNNRegressor(
        "gru",
        hidden_size=8 if quick else 128,
        learning_rate=3e-3,
        batch_size=64,
        max_epochs=epochs,
        patience=epochs,  # run every epoch; the best one is restored at the end
        random_state=0,
        **options,
    )
    return RNNForecaster(network, window_size=48, horizon=24)


def summarise(history: pd.DataFrame, mase: float) -> dict:
    best = int(history["val_loss"].idxmin())
    return {
        "best epoch": best,
        "train loss at best": history.loc[best, "train_loss"],
        "val loss at best": history.loc[best, "val_loss"],
        "train loss at end": history["train_loss"].iloc[-1],
        "val loss at end": history["val_loss"].iloc[-1],
        "backtest MASE": mase,
    }


def plot(histories: dict[str, pd.DataFrame]) -> Figure:
    fig = Figure(figsize=(10, 6), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    for ax, (name, history) in zip(axes, histories.items(), strict=True):
        ax.plot(history.index, history["train_loss"], label="training")
        ax.plot(history.index, history["val_loss"], label="validation")
        best = history["val_loss"].idxmin()
        ax.axvline(best, color="grey", ls=":", label=f"best epoch ({best})")
        ax.set(title=name, yscale="log")
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False)
    for ax in axes[2:]:
        ax.set_xlabel("epoch")
    for ax in axes[::2]:
        ax.set_ylabel("loss (MSE, scaled)")
    fig.suptitle("GRU, hidden size 128, on a few weeks of temperature")
    return fig


def main(argv=None) -> pd.DataFrame:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n_train, n_test = args.weeks * 168, args.folds * 24
    y = load_weather()["temp_c"].iloc[-(n_train + n_test) :]
    rows, histories = {}, {}
    for name, options in VARIANTS.items():
        model = make_gru(options, args.epochs, args.quick)
        # one fit on the first n_train hours, then day-ahead forecasts from
        # each later midnight without refitting
        result = backtest(model, y, horizon=24, n_folds=args.folds, refit=False, m=24)
        histories[name] = result.histories[0]
        rows[name] = summarise(histories[name], result.summary()["mase"])
    table = pd.DataFrame(rows).T.astype({"best epoch": int})
    print(table.to_string(float_format="{:.4f}".format))
    plot(histories).savefig(out / "regularisation.png", dpi=110)
    print(f"wrote {out / 'regularisation.png'}")
    return table


if __name__ == "__main__":
    main()
