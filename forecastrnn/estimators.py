"""``RNNRegressor``: the recurrent networks behind a scikit-learn regressor."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from functools import partial

import jax
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import archive, training
from .losses import check_loss
from .nn.cells import check_cell
from .nn.network import NetworkConfig, apply_network, init_network

# Scan form per mode, settled by benchmarks/bench_training.py against PyTorch
# (benchmarks/README.md lists what lost): training rematerialises the gated
# cells' step (XLA's CPU scan pays per byte stacked each step, so storing only
# the carry wins) and runs the Elman cell's hand-written backward pass
# (``fused``), without unrolling; inference needs neither.
TRAIN_SCAN = {"unroll": 1, "remat": True, "fused": True}
PREDICT_SCAN = {"unroll": 1, "remat": False, "fused": False}


class ValidationSplitWarning(UserWarning):
    """Too few samples to hold out a validation set; early stopping is off."""


class RNNRegressor(RegressorMixin, BaseEstimator):
    """Recurrent network regressor over windows (Elman RNN, LSTM or GRU).

    Each row of ``X`` is one window of ``window_size`` time steps with
    ``n_channels`` values per step, flattened oldest step first (so
    ``X.reshape(n, window_size, n_channels)`` recovers the window); 3-D ``X``
    of shape ``(n, window_size, n_channels)`` is accepted too. ``y`` is 1-D
    (one output) or ``(n, horizon)``: all horizon steps are predicted jointly
    by the head ``y = W_hy h + b_y`` on the encoder's last state.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default "lstm"
        Recurrent cell; ``"rnn"`` is the Elman network
        ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``.
    hidden_size : int, default 32
        Size of the hidden state.
    num_layers : int, default 1
        Stacked recurrent layers.
    bidirectional : bool, default False
        Also read each window backwards; the two states are concatenated.
    attention : bool, default False
        Additive attention over the last layer's states; the context feeds the
        head next to the last state (see :meth:`attention_weights`).
    dropout : float in [0, 1), default 0.0
        Variational dropout (one mask per window) on each layer's input.
    recurrent_dropout : float in [0, 1), default 0.0
        Variational dropout on the recurrent state.
    n_channels : int, default 1
        Values per time step in a flattened row of ``X``.
    loss : {"mse", "mae", "huber", "quantile"}, default "mse"
        Training loss. ``"quantile"`` trains one output per level of
        ``quantiles`` (pinball loss); ``predict`` then returns the median.
    quantiles : tuple of float, default (0.1, 0.5, 0.9)
        Quantile levels for ``loss="quantile"``.
    optimizer : str or callable, default "adam"
        Name of an optax optimizer taking a learning rate (``"adam"``,
        ``"sgd"``, ``"rmsprop"``, ...) or a callable
        ``learning_rate -> optax.GradientTransformation``.
    learning_rate : float, default 1e-3
    weight_decay : float, default 0.0
        Decoupled weight decay (AdamW) for Adam; L2 for other optimizers.
    clip_norm : float or None, default 1.0
        Clip gradients by global norm (the remedy for exploding gradients);
        ``None`` turns clipping off.
    batch_size : int, default 32
    augment : callable or None, default None
        Data augmentation of every training mini-batch, ``augment(key, X, Y)
        -> (X, Y)`` on the 3-D windows and their targets, drawn afresh each
        epoch; never applied to the early-stopping windows or in ``predict``.
        Use the augmentations of :mod:`forecastrnn.windows`
        (``make_jitter``, ``make_magnitude_scaling``, ``make_window_slicing``,
        ``make_time_warp``, ``chain_augmentations``): they pickle and compare
        by value, so clones share one compiled training step.
    max_epochs : int, default 100
    early_stopping : bool, default True
        Hold out the last ``validation_fraction`` of the rows (the most recent
        windows: rows are taken to be in time order), stop after ``patience``
        epochs without improvement and restore the best parameters.
    validation_fraction : float in (0, 1), default 0.1
    patience : int, default 10
    random_state : int, RandomState instance or None, default None
        Seeds initialisation, shuffling and dropout. The same seed gives
        bit-identical predictions.
    verbose : int, default 0
        ``1`` shows a progress bar over epochs.

    Attributes
    ----------
    params_ : dict
        Trained network parameters (NumPy arrays).
    history_ : pandas.DataFrame
        Per epoch: ``train_loss``, ``val_loss``, ``grad_norm`` (mean global
        norm of the gradient before clipping), ``grad_norm_max``.
    n_epochs_ : int
        Epochs run.
    window_size_ : int
    n_outputs_ : int
        Horizon steps predicted per row.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(300, dtype=float)
    >>> s = np.sin(2 * np.pi * t / 24)
    >>> X = np.stack([s[i : i + 24] for i in range(264)])
    >>> y = np.stack([s[i + 24 : i + 36] for i in range(264)])
    >>> model = RNNRegressor("gru", hidden_size=8, max_epochs=3, random_state=0)
    >>> model.fit(X, y).predict(X[:2]).shape
    (2, 12)
    """

    def __init__(
        self,
        cell: str = "lstm",
        hidden_size: int = 32,
        num_layers: int = 1,
        bidirectional: bool = False,
        attention: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        n_channels: int = 1,
        loss: str = "mse",
        quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
        optimizer: str | Callable = "adam",
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        clip_norm: float | None = 1.0,
        batch_size: int = 32,
        augment: Callable | None = None,
        max_epochs: int = 100,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        patience: int = 10,
        random_state=None,
        verbose: int = 0,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.attention = attention
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.n_channels = n_channels
        self.loss = loss
        self.quantiles = quantiles
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.batch_size = batch_size
        self.augment = augment
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y) -> RNNRegressor:
        """Train the network on windows ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_size * n_channels) or \
(n_samples, window_size, n_channels)
            Windows, oldest step first, rows in time order.
        y : array-like of shape (n_samples,) or (n_samples, horizon)

        Returns
        -------
        self
        """
        self._check_params()
        X2 = self._flatten(X)
        X2, y = validate_data(
            self,
            X2,
            y,
            multi_output=True,
            y_numeric=True,
            dtype=[np.float64, np.float32],
        )
        windows = self._windows(X2)
        Y = np.asarray(y, np.float32).reshape(len(y), -1)
        self.y_ndim_ = np.ndim(y)
        self.window_size_, self.n_outputs_ = windows.shape[1], Y.shape[1]
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)  # initialisation, then the shuffles
        spec = self._train_spec(n_outputs=self.n_outputs_ * self._n_quantiles())
        params = init_network(spec.network, rng)
        train, validation = self._split(windows, Y)
        params, history = training.fit_network(
            spec,
            params,
            *train,
            key=rng,
            max_epochs=self.max_epochs,
            validation=validation,
            patience=self.patience if validation is not None else None,
            on_epoch=self._progress(),
        )
        self.params_ = jax.tree.map(np.asarray, params)
        self.history_ = pd.DataFrame(history).set_index("epoch")
        self.n_epochs_ = len(self.history_)
        return self

    def _check_params(self) -> None:
        check_cell(self.cell)
        check_loss(self.loss)
        for name in (
            "hidden_size",
            "num_layers",
            "n_channels",
            "batch_size",
            "max_epochs",
            "patience",
        ):
            value = getattr(self, name)
            if (
                not isinstance(value, numbers.Integral)
                or isinstance(value, bool)
                or value < 1
            ):
                raise ValueError(f"`{name}` must be a positive integer; got {value!r}.")
        for name in ("dropout", "recurrent_dropout"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not 0 <= value < 1:
                raise ValueError(
                    f"`{name}` must be a float in [0, 1); got {value!r}. "
                    "Use 0 for no dropout."
                )
        if not 0 < self.validation_fraction < 1:
            raise ValueError(
                "`validation_fraction` must be in (0, 1); got "
                f"{self.validation_fraction!r}."
            )
        if not self.learning_rate > 0:
            raise ValueError(
                f"`learning_rate` must be > 0; got {self.learning_rate!r}."
            )
        if self.weight_decay < 0:
            raise ValueError(f"`weight_decay` must be >= 0; got {self.weight_decay!r}.")
        if self.clip_norm is not None and not self.clip_norm > 0:
            raise ValueError(
                "`clip_norm` must be > 0 or None (no clipping); got "
                f"{self.clip_norm!r}."
            )
        if not callable(self.optimizer) and not _is_optax_optimizer(self.optimizer):
            raise ValueError(
                "`optimizer` must name an optax optimizer such as 'adam', 'sgd' or "
                f"'rmsprop', or be a callable learning_rate -> GradientTransformation; "
                f"got {self.optimizer!r}."
            )
        if self.augment is not None and not callable(self.augment):
            raise TypeError(
                "`augment` must be None or a callable augment(key, X, Y) -> (X, Y) "
                f"such as forecastrnn.windows.make_jitter(0.05); got "
                f"{type(self.augment).__name__} {self.augment!r}."
            )
        if self.augment is not None:
            try:
                hash(self.augment)
            except TypeError:
                raise TypeError(
                    "`augment` must be hashable (it keys the compiled training "
                    "step); wrap your function as a module-level function or use "
                    "the augmentations of forecastrnn.windows."
                ) from None
        if self.loss == "quantile":
            q = np.asarray(self.quantiles, float)
            if q.ndim != 1 or q.size == 0 or not np.all((q > 0) & (q < 1)):
                raise ValueError(
                    "`quantiles` must be a non-empty sequence of levels in (0, 1); "
                    f"got {self.quantiles!r}."
                )

    def _flatten(self, X):
        """3-D windows to rows; anything else goes to ``validate_data`` as is."""
        if hasattr(X, "ndim") and X.ndim == 3 and not hasattr(X, "columns"):
            if X.shape[2] != self.n_channels:
                raise ValueError(
                    f"3-D `X` has {X.shape[2]} channels (last axis) but "
                    f"`n_channels={self.n_channels}`. Set `n_channels={X.shape[2]}`."
                )
            return np.reshape(X, (X.shape[0], -1))
        return X

    def _windows(self, X2: np.ndarray) -> np.ndarray:
        n_features = X2.shape[1]
        if n_features % self.n_channels:
            raise ValueError(
                f"`X` has {n_features} columns, not a multiple of "
                f"`n_channels={self.n_channels}`: each row must hold window_size x "
                "n_channels values, oldest step first. Check `n_channels`."
            )
        return np.asarray(X2, np.float32).reshape(len(X2), -1, self.n_channels)

    def _n_quantiles(self) -> int:
        return len(self.quantiles) if self.loss == "quantile" else 1

    def _network_config(self, n_outputs: int, scan: dict) -> NetworkConfig:
        return NetworkConfig(
            cell=self.cell,
            n_inputs=self.n_channels,
            hidden_size=self.hidden_size,
            n_outputs=n_outputs,
            num_layers=self.num_layers,
            bidirectional=bool(self.bidirectional),
            attention=bool(self.attention),
            dropout=float(self.dropout),
            recurrent_dropout=float(self.recurrent_dropout),
            **scan,
        )

    def _train_spec(self, n_outputs: int) -> training.TrainSpec:
        return training.TrainSpec(
            network=self._network_config(n_outputs, TRAIN_SCAN),
            loss=self.loss,
            quantiles=tuple(float(q) for q in self.quantiles)
            if self.loss == "quantile"
            else (),
            optimizer=self.optimizer,
            learning_rate=float(self.learning_rate),
            weight_decay=float(self.weight_decay),
            clip_norm=None if self.clip_norm is None else float(self.clip_norm),
            batch_size=int(self.batch_size),
            augment=self.augment,
        )

    def _split(self, windows, Y):
        if not self.early_stopping:
            return (windows, Y), None
        n = len(windows)
        n_val = math.ceil(self.validation_fraction * n)
        if n - n_val < 1:
            warnings.warn(
                f"{n} samples are too few to hold out `validation_fraction="
                f"{self.validation_fraction}` for early stopping; training on all "
                f"of them for `max_epochs={self.max_epochs}` epochs without early "
                "stopping. Pass more samples or `early_stopping=False`.",
                ValidationSplitWarning,
                stacklevel=3,
            )
            return (windows, Y), None
        return (windows[:-n_val], Y[:-n_val]), (windows[-n_val:], Y[-n_val:])

    def _progress(self):
        if not self.verbose:
            return None
        from tqdm.auto import tqdm

        bar = tqdm(total=self.max_epochs, desc=f"{self.cell} epochs", leave=False)

        def on_epoch(epoch, record):
            bar.update(1)
            bar.set_postfix(
                loss=f"{record['train_loss']:.4g}", val=f"{record['val_loss']:.4g}"
            )
            if epoch == self.max_epochs:
                bar.close()

        return on_epoch

    # -------------------------------------------------------------- predict
    def _outputs(self, X) -> np.ndarray:
        check_is_fitted(self)
        X2 = validate_data(
            self, self._flatten(X), reset=False, dtype=[np.float64, np.float32]
        )
        windows = self._windows(X2)
        config = self._network_config(
            self.n_outputs_ * self._n_quantiles(), PREDICT_SCAN
        )
        return training.predict_network(config, self.params_, windows)

    def predict(self, X) -> np.ndarray:
        """Predict all horizon steps for each window.

        Returns
        -------
        numpy.ndarray of shape (n_samples,) or (n_samples, horizon)
            Same dimensionality as the ``y`` seen in ``fit``. With
            ``loss="quantile"`` the median (or the middle level) is returned.
        """
        out = self._outputs(X)
        if self.loss == "quantile":
            q = np.asarray(self.quantiles, float)
            middle = int(np.argmin(np.abs(q - 0.5)))
            out = out.reshape(len(out), self.n_outputs_, len(q))[..., middle]
        out = out.astype(np.float64)
        return out[:, 0] if self.y_ndim_ == 1 else out

    def predict_quantiles(self, X) -> np.ndarray:
        """Predicted quantiles, for a model fit with ``loss="quantile"``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, horizon, n_quantiles)
            Sorted along the last axis (so the levels never cross).
        """
        check_is_fitted(self)
        if self.loss != "quantile":
            raise ValueError(
                "`predict_quantiles` needs a model fit with `loss='quantile'`; this "
                f"one used `loss={self.loss!r}`."
            )
        out = self._outputs(X).reshape(-1, self.n_outputs_, len(self.quantiles))
        return np.sort(out.astype(np.float64), axis=-1)

    def attention_weights(self, X) -> np.ndarray:
        """Attention weights over each window, for a model with ``attention=True``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, window_size)
            Non-negative, each row sums to one; column ``-1`` is the most
            recent step.
        """
        check_is_fitted(self)
        if not self.attention:
            raise ValueError(
                "`attention_weights` needs a model fit with `attention=True`."
            )
        X2 = validate_data(
            self, self._flatten(X), reset=False, dtype=[np.float64, np.float32]
        )
        config = self._network_config(
            self.n_outputs_ * self._n_quantiles(), PREDICT_SCAN
        )
        weights = _attention(config, self.params_, self._windows(X2))
        return np.asarray(weights, np.float64)

    def save(self, path):
        """Save the fitted model to ``path`` (``.npz``: JSON config + arrays).

        Load it with :func:`forecastrnn.load`; see :mod:`forecastrnn.persistence`.
        """
        return archive.write(self, path)


@partial(jax.jit, static_argnames="config")
def _attention(config: NetworkConfig, params: dict, X) -> jax.Array:
    """Attention weights ``(n, window_size)`` of a network built with attention."""
    return apply_network(config, params, X, return_attention=True)[1]


def _is_optax_optimizer(name) -> bool:
    import optax

    return isinstance(name, str) and callable(getattr(optax, name, None))
