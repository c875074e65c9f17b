"""``RNNRegressor``: the recurrent networks behind a scikit-learn regressor.

Here: the estimator (its parameter and input checks, ``fit`` with its
validation split and ``warm_start``, ``predict`` and friends). The checkpoint
file a fit keeps and resumes from lives in :mod:`forecastrnn.checkpoints`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

import jax
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import archive, checkpoints, engine, training
from .checks import (
    check_groups,
    check_int,
    check_quantiles,
    check_real,
    check_series_codes,
    check_targets,
    count_series,
)
from .indexed_windows import IndexedWindows
from .losses import check_loss
from .nn.cells import check_cell
from .nn.network import NetworkConfig, apply_network, check_forks, init_network
from .progress import progress_bar
from .sampling import ValidationSplitWarning, validation_split

__all__ = ["PREDICT_SCAN", "RNNRegressor", "TRAIN_SCAN", "ValidationSplitWarning"]

# Scan form per mode, settled by benchmarks/bench_training.py against PyTorch
# (benchmarks/README.md lists what lost): training rematerialises the gated
# cells' step (XLA's CPU scan pays per byte stacked each step, so storing only
# the carry wins) and runs the Elman cell's hand-written backward pass
# (``fused``), without unrolling; inference needs neither. Other modules use
# :meth:`RNNRegressor.network_config` rather than these.
TRAIN_SCAN = {"unroll": 1, "remat": True, "fused": True}
PREDICT_SCAN = {"unroll": 1, "remat": False, "fused": False}


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
    hidden_size : int, default 64
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
        ``quantiles`` (pinball loss); ``predict`` then returns the level
        nearest 0.5 (see :meth:`predict`).
    quantiles : tuple of float, default (0.1, 0.5, 0.9)
        Quantile levels for ``loss="quantile"``, distinct, in any order: the
        fitted model works on them sorted (``quantiles_``).
    optimizer : str or callable, default "adam"
        Name of an optax optimizer taking a learning rate (``"adam"``,
        ``"sgd"``, ``"rmsprop"``, ...) or a callable
        ``learning_rate -> optax.GradientTransformation``.
    learning_rate : float, default 1e-2
    weight_decay : float, default 0.0
        Decoupled weight decay (AdamW) for Adam; L2 for other optimizers.
    clip_norm : float or None, default 1.0
        Clip gradients by global norm (the remedy for exploding gradients);
        ``None`` turns clipping off.
    batch_size : int, default 16
        Windows per mini-batch. Given ``IndexedWindows`` in the forking form
        (``layout.forks = F > 1``, each training input holding ``F``
        windows), a mini-batch holds ``ceil(batch_size / F)`` inputs.
    augment : callable or None, default None
        Data augmentation of every training mini-batch, ``augment(key, X, Y)
        -> (X, Y)`` on the 3-D windows and their targets, drawn afresh each
        epoch; never applied to the early-stopping windows or in ``predict``.
        Use the augmentations of :mod:`forecastrnn.augment`
        (``make_jitter``, ``make_magnitude_scaling``, ``make_window_slicing``,
        ``make_time_warp``, ``chain_augmentations``): they pickle and compare
        by value, so clones share one compiled training step.
    max_epochs : int, default 40
    early_stopping : bool, default True
        Hold out the last ``validation_fraction`` of the rows (the most recent
        windows: rows are taken to be consecutive windows in time order), stop
        after ``patience`` epochs without improvement and restore the best
        parameters. The ``horizon - 1`` rows before the held-out ones are left
        out of training: their targets overlap the first held-out targets.
    validation_fraction : float in (0, 1), default 0.1
    patience : int, default 10
    random_state : int, RandomState instance or None, default None
        Seeds initialisation, shuffling and dropout. The same seed gives
        bit-identical predictions.
    verbose : int, default 0
        ``1`` shows a progress bar over epochs.
    warm_start : bool, default False
        When the model is already fitted, ``fit`` continues from its
        parameters ``params_`` for ``max_epochs`` more epochs (fine-tuning,
        on the same or on new data) instead of initialising afresh; the
        epoch numbers of ``history_`` go on. The network must keep its
        shapes: ``cell``, ``hidden_size``, ``num_layers``, ``bidirectional``,
        ``attention``, ``n_channels`` and the outputs (targets per row times
        quantile levels); the window length may change, the network reads
        windows of any length. The optimizer's state (Adam's moments) and the
        early-stopping count start afresh.
    checkpoint : str, os.PathLike or None, default None
        A model file (``.npz`` appended when missing; its folder must exist)
        that ``fit`` keeps up to date: it is written, atomically, at each new
        best validation epoch (each epoch without early stopping) and when
        training ends, stops early or is interrupted. It holds the model as it
        stands (the best parameters so far, the history), which
        :func:`forecastrnn.load` reads as a fitted regressor, and the state to
        continue the run (``training_state_``: the last parameters, the
        optimizer's state and the random generator's). When ``fit`` starts
        and the file exists, it resumes that run: the epochs done count
        towards ``max_epochs`` and only the remaining ones run (none when the
        run had finished), giving the parameters an uninterrupted fit gives,
        bit for bit. The file must come from a fit of this data with the same
        parameters (``max_epochs``, ``verbose``, ``warm_start`` and
        ``checkpoint`` aside), otherwise ``fit`` raises ``ValueError`` rather
        than overwrite another run: delete the file to train afresh. (With
        ``warm_start``, a file that holds the fitted model itself, its last
        checkpoint, is the start of the new run and is overwritten.) Needs
        parameters the model file stores (an optimizer's name, the
        augmentations of :mod:`forecastrnn.augment`). One path per fit: not
        for ``GridSearchCV`` or cross-validation.
    embedding_size : int, default 0
        Learn a vector of this size for every series (a learned series
        embedding, as in DeepAR); 0: none. The last channel of every window
        then holds its series code, an integer from 0 (constant along the
        window; ``fit`` learns ``n_series_`` = the largest code + 1 vectors),
        and the recurrent layers read the other channels followed by the
        series' vector. At ``predict``, code -1 marks a series not seen in
        training: it reads the mean of the learned vectors.
        :class:`~forecastrnn.RNNForecaster` writes the codes itself.
    ensemble_size : int, default 1
        Train this many networks at once (a deep ensemble) and forecast their
        combination (``ensemble_combine``), output by output. The members
        differ in their initial weights, dropout masks and the order (and,
        with ``samples_per_group``, the sample) of their mini-batches; they
        train in one compiled program (``jax.vmap`` over the members), each with
        its own optimizer state, gradient clipping and early stopping: every
        member keeps the weights of its own best validation epoch, and
        training ends when all of them have waited ``patience`` epochs.
        ``params_`` then has a leading axis of ``ensemble_size`` on every
        array, ``history_`` holds the members' mean losses and gradient
        norms, and :meth:`predict_members` gives each member's forecast. A
        non-finite loss in any member stops the whole run. 1: one network.
    ensemble_combine : {"median", "mean"}, default "median"
        How an ensemble's members are combined in :meth:`predict` (and
        :meth:`predict_quantiles`, level by level). The median by default,
        chosen beforehand because one member stuck in a poor minimum moves a
        mean and not a median. Under the 0.13.0 defaults the two tie within
        0.005 MASE on the validation folds of the bundled energy and weather
        series; on the test folds the median did better on energy and they
        tied on weather (``benchmarks/accuracy.md``). It only acts at
        prediction, so it may be changed on a fitted model.

    Attributes
    ----------
    params_ : dict
        Trained network parameters (NumPy arrays; with a leading axis of
        ``ensemble_size`` when it is above 1).
    history_ : pandas.DataFrame
        Per epoch: ``train_loss``, ``val_loss``, ``grad_norm`` (mean global
        norm of the gradient before clipping), ``grad_norm_max``.
    n_epochs_ : int
        Epochs run (over all the fits of a ``warm_start`` model).
    window_size_ : int
        Steps of a window ``predict`` reads.
    n_outputs_ : int
        Horizon steps predicted per row.
    n_head_inputs_ : int
        Trailing input channels the head reads beside the state (the
        forking form of ``IndexedWindows``; 0 for windows given as arrays).
    quantiles_ : tuple of float
        The quantile levels, sorted (empty unless ``loss="quantile"``): the
        last axis of :meth:`predict_quantiles`.
    n_features_in_ : int
    n_series_ : int
        Series with a learned vector (0 without ``embedding_size``).

    Notes
    -----
    A window's forecast is the same bit for bit whichever windows share the
    ``predict`` call (see :func:`forecastrnn.engine.predict_network`).

    The defaults pass scikit-learn's ``check_regressors_train`` (R^2 > 0.5 on
    a small generic regression problem, with early stopping on) for every
    cell: R^2 0.66 (rnn), 0.79 (lstm) and 0.75 (gru) with ``random_state=0``.

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
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        attention: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        n_channels: int = 1,
        loss: str = "mse",
        quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
        optimizer: str | Callable = "adam",
        learning_rate: float = 1e-2,
        weight_decay: float = 0.0,
        clip_norm: float | None = 1.0,
        batch_size: int = 16,
        augment: Callable | None = None,
        max_epochs: int = 40,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        patience: int = 10,
        random_state=None,
        verbose: int = 0,
        warm_start: bool = False,
        checkpoint: str | os.PathLike | None = None,
        embedding_size: int = 0,
        ensemble_size: int = 1,
        ensemble_combine: str = "median",
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
        self.warm_start = warm_start
        self.checkpoint = checkpoint
        self.embedding_size = embedding_size
        self.ensemble_size = ensemble_size
        self.ensemble_combine = ensemble_combine

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, groups=None, samples_per_group=None) -> RNNRegressor:
        """Train the network on windows ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_size * n_channels) or \
(n_samples, window_size, n_channels), or IndexedWindows
            Windows, oldest step first, rows in time order (within each group).
            Or windows as start rows into the flat values of a panel
            (:class:`~forecastrnn.indexed_windows.IndexedWindows`, as
            :class:`~forecastrnn.RNNForecaster` passes them), cut inside the
            compiled training step: memory then grows with the length of the
            series, not with the number of windows.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            Targets. NaN marks a missing target (a gap in a meter's record):
            it is left out of the loss. At least one target must be finite.
            None with IndexedWindows ``X``, which hold their targets.
        groups : array-like of shape (n_samples,), optional
            The series each window was cut from (a panel). Early stopping then
            holds out the most recent windows of every group, and
            ``samples_per_group`` balances the epochs. None: one series (with
            IndexedWindows ``X``: their ``groups``).
        samples_per_group : int, optional
            Each epoch trains on a fresh random sample of at most this many
            windows of every group (without replacement), so that long series
            do not drown short ones; the validation windows of a group are the
            most recent ``validation_fraction`` of at most this many. None:
            every window, every epoch.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            With ``warm_start=True``, when the fitted network's shapes do not
            fit this one's; with ``checkpoint``, when the file exists but
            comes from another fit (other parameters or data) or is not a
            checkpoint.

        Warns
        -----
        RuntimeWarning
            When ``KeyboardInterrupt`` (Ctrl-C) stops training: ``fit``
            returns the model with the best (or last) parameters so far and
            the history of the epochs done.
        """
        self._check_params()
        check_int(samples_per_group, "samples_per_group", allow_none=True)
        path = checkpoints.checkpoint_path(self.checkpoint)
        settings = None if path is None else checkpoints.run_settings(self)
        previous = self._previous_fit()
        if isinstance(X, IndexedWindows):
            windows, Y, groups, n_outputs = self._indexed(X, y)
            missing = bool(np.isnan(X.targets).any())
        else:
            X2 = validate_data(self, self._flatten(X), dtype=[np.float64, np.float32])
            y = check_targets(y, len(X2))
            groups = check_groups(groups, len(X2))
            windows = self._windows(X2)
            self.n_head_inputs_ = 0
            Y = np.asarray(y, np.float32).reshape(len(y), -1)
            self.y_ndim_, n_outputs = np.ndim(y), Y.shape[1]
            missing = bool(np.isnan(Y).any())
        quantiles = self._sorted_quantiles()
        n_series = 0
        if self.embedding_size:
            codes = (
                windows.values[windows.starts, -1]
                if isinstance(windows, IndexedWindows)
                else windows[:, 0, -1]
            )
            n_series = count_series(codes, self.embedding_size)
        if previous is not None:
            self._check_warm_start(previous, n_outputs, quantiles, n_series)
        self.window_size_ = self.n_features_in_ // self.n_channels
        self.n_outputs_ = n_outputs
        self.n_series_ = n_series
        self.quantiles_ = quantiles
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)  # initialisation, then the shuffles
        spec = self._train_spec()._replace(missing_targets=missing)
        if isinstance(X, IndexedWindows) and X.layout.forks > 1:
            # forking sequences: each training input serves `forks` windows,
            # and a batch holds about `batch_size` windows
            forks = X.layout.forks
            spec = spec._replace(
                network=spec.network._replace(forks=forks),
                batch_size=-(-spec.batch_size // forks),
            )
            check_forks(spec.network)
        params = init_network(spec.network, rng)
        data = (windows, Y, groups, samples_per_group)
        digest = None if path is None else checkpoints.data_digest(*data)
        run = checkpoints.CheckpointRun(
            path, settings, digest, (windows.shape, (len(windows), n_outputs))
        )
        start, first = self._start(spec, params, previous, run)
        params, history = self._train(
            spec,
            start,
            data,
            rng,
            first + self.max_epochs,
            None
            if path is None
            else partial(checkpoints.write_checkpoint, self, run, first),
        )
        self.params_ = jax.tree.map(np.asarray, params)
        self.history_ = pd.DataFrame(history).set_index("epoch")
        self.n_epochs_ = len(self.history_)
        self.__dict__.pop("training_state_", None)  # a loaded checkpoint's
        return self

    def _train(self, spec, start, data, rng, max_epochs, on_checkpoint):
        """Run the training loop, with a progress bar when ``verbose``."""
        windows, Y, groups, samples_per_group = data
        horizon = self.n_outputs_
        if Y is None:  # IndexedWindows: the targets of later origins overlap
            horizon += max(windows.layout.forks - 1, 0)
        rows, val_rows = validation_split(
            (len(windows), horizon),
            self.validation_fraction if self.early_stopping else None,
            groups,
            samples_per_group,
            self.max_epochs,
        )
        if Y is None:  # IndexedWindows: the same values, other starts
            train = (windows.take(rows), None)
            validation = None if val_rows is None else windows.take(val_rows)
        else:
            train = (windows[rows], Y[rows])
            validation = None if val_rows is None else (windows[val_rows], Y[val_rows])
        done = start.epoch if isinstance(start, training.TrainState) else 0
        bar = (
            progress_bar(max(max_epochs - done, 0), f"{self.cell} epochs")
            if self.verbose
            else None
        )
        try:
            return training.fit_network(
                spec,
                start,
                *train,
                key=rng,
                max_epochs=max_epochs,
                validation=validation,
                patience=self.patience if validation is not None else None,
                on_epoch=None if bar is None else partial(_show_epoch, bar),
                groups=None if groups is None else groups[rows],
                samples_per_group=samples_per_group,
                on_checkpoint=on_checkpoint,
            )
        finally:
            if bar is not None:
                bar.close()

    # ------------------------------------------------ warm start, checkpoints
    def _previous_fit(self):
        """What ``warm_start`` continues from (None: a fresh start): the fitted
        parameters, history and targets per row, and the input checks' record."""
        if not self.warm_start or not hasattr(self, "params_"):
            return None
        seen = ("n_features_in_", "feature_names_in_")
        kept = {k: getattr(self, k) for k in seen if hasattr(self, k)}
        return self.params_, self.history_, self.n_outputs_, kept

    def _check_warm_start(
        self, previous, n_targets: int, quantiles, n_series: int
    ) -> None:
        """The fitted network has the shapes this fit builds, or ValueError
        (the model left as it was)."""
        fitted, _, n_outputs, kept = previous
        if n_targets != n_outputs:
            detail = (
                f"`y` has {n_targets} targets per row, the fitted network "
                f"predicts {n_outputs}"
            )
        else:
            outputs = n_targets * max(len(quantiles), 1)
            detail = checkpoints.shape_mismatch(
                fitted, init_network(self._config(TRAIN_SCAN, outputs, n_series), 0)
            )
        if not detail:
            return
        for name in ("n_features_in_", "feature_names_in_"):
            self.__dict__.pop(name, None)
        self.__dict__.update(kept)  # validate_data's record of the fitted input
        raise ValueError(
            "`warm_start=True` continues from the fitted parameters, but this "
            f"fit builds a network of other shapes: {detail}. Keep `cell`, "
            "`hidden_size`, `num_layers`, `bidirectional`, `attention`, "
            "`n_channels`, `embedding_size`, `ensemble_size`, the number of "
            "`quantiles` and of targets per row (the window length may change), "
            "or set `warm_start=False` to train afresh."
        )

    def _start(self, spec, params, previous, run):
        """Where training starts, and the epoch the run started from: the
        checkpoint's run, the fitted model (``warm_start``) or ``params``."""
        fitted_history = None if previous is None else previous[1]
        resumed = checkpoints.resume(spec, params, run, type(self), fitted_history)
        if resumed is not None:
            return resumed
        if previous is None:
            return params, 0
        start = training.TrainState(
            previous[0], history=checkpoints.history_lists(previous[1])
        )
        return start, start.epoch

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
            check_int(getattr(self, name), name)
        check_int(self.embedding_size, "embedding_size", minimum=0)
        check_int(self.ensemble_size, "ensemble_size")
        self._check_combine()
        for name in ("dropout", "recurrent_dropout"):
            check_real(getattr(self, name), name, low=0, high=1, high_open=True)
        check_real(
            self.validation_fraction,
            "validation_fraction",
            low=0,
            high=1,
            low_open=True,
            high_open=True,
        )
        check_real(self.learning_rate, "learning_rate", low=0, low_open=True)
        check_real(self.weight_decay, "weight_decay", low=0)
        check_real(self.clip_norm, "clip_norm", low=0, low_open=True, allow_none=True)
        if not isinstance(self.warm_start, bool | np.bool_):
            raise TypeError(
                f"`warm_start` must be True or False; got "
                f"{type(self.warm_start).__name__} {self.warm_start!r}."
            )
        training.check_training_callables(self.optimizer, self.augment)
        if self.loss == "quantile":
            self._sorted_quantiles()

    def _sorted_quantiles(self) -> tuple[float, ...]:
        """The quantile levels, checked and sorted (``()`` without quantile loss)."""
        if self.loss != "quantile":
            return ()
        return tuple(sorted(check_quantiles(self.quantiles)))

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

    def _indexed(self, X: IndexedWindows, y):
        """Windows, targets (None: in ``X``), groups and targets per window of
        IndexedWindows ``X``; the input record ``validate_data`` would keep."""
        if y is not None:
            raise ValueError(
                "`y` must be None when `X` is IndexedWindows: their targets are "
                f"`X.targets`; got {type(y).__name__}. Drop `y`."
            )
        layout = X.layout
        if layout.n_channels != self.n_channels:
            raise ValueError(
                f"`X` has {layout.n_channels} channels but `n_channels="
                f"{self.n_channels}`. Set `n_channels={layout.n_channels}`."
            )
        if not len(X):
            raise ValueError("`X` holds no window; pass at least one.")
        self.n_features_in_ = layout.for_prediction().steps * layout.n_channels
        self.__dict__.pop("feature_names_in_", None)
        self.y_ndim_ = 2
        self.n_head_inputs_ = layout.n_head
        return X, None, X.groups, layout.block

    def _windows(self, X2: np.ndarray) -> np.ndarray:
        n_features = X2.shape[1]
        if n_features % self.n_channels:
            raise ValueError(
                f"`X` has {n_features} columns, not a multiple of "
                f"`n_channels={self.n_channels}`: each row must hold window_size x "
                "n_channels values, oldest step first. Check `n_channels`."
            )
        return np.asarray(X2, np.float32).reshape(len(X2), -1, self.n_channels)

    def network_config(self, *, training: bool = False) -> NetworkConfig:
        """The static structure of the fitted network.

        Parameters
        ----------
        training : bool, default False
            The scan form used in training (``True``) or in inference; the two
            compute the same outputs up to float rounding.

        Returns
        -------
        NetworkConfig
            Its ``n_outputs`` counts every output of the head: ``n_outputs_``
            horizon steps times ``len(quantiles_)`` levels with
            ``loss="quantile"``. With :attr:`params_` it runs the network, e.g.
            ``forecastrnn.nn.apply_network(model.network_config(),
            model.params_, windows)``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self)
        return self._config(TRAIN_SCAN if training else PREDICT_SCAN)

    def _config(
        self, scan: dict, n_outputs: int | None = None, n_series: int | None = None
    ) -> NetworkConfig:
        """The network of the fitted shapes (or of ``n_outputs`` outputs and
        ``n_series`` learned series vectors) with scan form ``scan``."""
        if n_outputs is None:
            n_outputs = self.n_outputs_ * max(len(self.quantiles_), 1)
        if n_series is None:
            n_series = getattr(self, "n_series_", 0)  # 0.7 models have none
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
            n_series=n_series if self.embedding_size else 0,
            embedding_size=int(self.embedding_size),
            members=int(self.ensemble_size),
            n_head_inputs=getattr(self, "n_head_inputs_", 0),  # 0.9 models: none
            **scan,
        )

    def _train_spec(self) -> training.TrainSpec:
        return training.TrainSpec(
            network=self._config(TRAIN_SCAN),
            loss=self.loss,
            quantiles=self.quantiles_,
            optimizer=self.optimizer,
            learning_rate=float(self.learning_rate),
            weight_decay=float(self.weight_decay),
            clip_norm=None if self.clip_norm is None else float(self.clip_norm),
            batch_size=int(self.batch_size),
            augment=self.augment,
        )

    # -------------------------------------------------------------- predict
    def _member_outputs(self, X) -> np.ndarray:
        """The head's outputs of every member, ``(members, n, outputs)``."""
        check_is_fitted(self)
        X2 = validate_data(
            self, self._flatten(X), reset=False, dtype=[np.float64, np.float32]
        )
        windows = self._windows(X2)
        if self.embedding_size:
            check_series_codes(windows[:, 0, -1], self.n_series_)
        config = self._config(PREDICT_SCAN)
        out = engine.predict_network(config, self.params_, windows)
        return out if config.members > 1 else out[None]

    def _outputs(self, X) -> np.ndarray:
        """The head's outputs ``(n, outputs)``: an ensemble's combination."""
        self._check_combine()
        out = self._member_outputs(X)
        if len(out) == 1:
            return out[0]
        return getattr(np, self.ensemble_combine)(out, axis=0)

    def _check_combine(self) -> None:
        if self.ensemble_combine not in ("median", "mean"):
            raise ValueError(
                "`ensemble_combine` must be 'median' or 'mean'; got "
                f"{self.ensemble_combine!r}."
            )

    def predict(self, X) -> np.ndarray:
        """Predict all horizon steps for each window.

        Returns
        -------
        numpy.ndarray of shape (n_samples,) or (n_samples, horizon)
            Same dimensionality as the ``y`` seen in ``fit``. With
            ``loss="quantile"``: the level of ``quantiles_`` nearest 0.5 (the
            lower of two equally near), exactly as in
            :meth:`predict_quantiles`.
        """
        if self.loss == "quantile":
            middle = int(np.argmin(np.abs(np.asarray(self.quantiles_) - 0.5)))
            out = self.predict_quantiles(X)[..., middle]
        else:
            out = self._outputs(X).astype(np.float64)
        return out[:, 0] if self.y_ndim_ == 1 else out

    def predict_members(self, X) -> np.ndarray:
        """Each ensemble member's prediction (see ``ensemble_size``).

        Returns
        -------
        numpy.ndarray of shape (ensemble_size, n_samples) or \
(ensemble_size, n_samples, horizon)
            Row ``k`` is what member ``k`` alone predicts (:meth:`predict`
            combines them, see ``ensemble_combine``); with
            ``loss="quantile"``, the level :meth:`predict` reports. The
            spread of the members shows how much the fit itself varies
            (initial weights, batch order); it is not a prediction interval,
            which must also cover the noise of the series.
        """
        out = self._member_outputs(X).astype(np.float64)
        if self.loss == "quantile":
            levels = np.asarray(self.quantiles_)
            out = out.reshape(*out.shape[:2], self.n_outputs_, len(levels))
            out = np.sort(out, axis=-1)[..., int(np.argmin(np.abs(levels - 0.5)))]
        return out[..., 0] if self.y_ndim_ == 1 else out

    def predict_quantiles(self, X) -> np.ndarray:
        """Predicted quantiles, for a model fit with ``loss="quantile"``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, horizon, n_quantiles)
            The last axis follows ``quantiles_`` (the levels sorted), and the
            values are sorted along it, so that the levels never cross.
        """
        check_is_fitted(self)
        if self.loss != "quantile":
            raise ValueError(
                "`predict_quantiles` needs a model fit with `loss='quantile'`; this "
                f"one used `loss={self.loss!r}`."
            )
        out = self._outputs(X).reshape(-1, self.n_outputs_, len(self.quantiles_))
        return np.sort(out.astype(np.float64), axis=-1)

    def attention_weights(self, X) -> np.ndarray:
        """Attention weights over each window, for a model with ``attention=True``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, window_size)
            Non-negative, each row sums to one; column ``-1`` is the most
            recent step. An ensemble's: the members' mean.
        """
        check_is_fitted(self)
        if not self.attention:
            raise ValueError(
                "`attention_weights` needs a model fit with `attention=True`."
            )
        X2 = validate_data(
            self, self._flatten(X), reset=False, dtype=[np.float64, np.float32]
        )
        windows = self._windows(X2)
        if self.embedding_size:
            check_series_codes(windows[:, 0, -1], self.n_series_)
        config = self._config(PREDICT_SCAN)
        weights = np.asarray(_attention(config, self.params_, windows), np.float64)
        return weights.mean(axis=0) if config.members > 1 else weights

    def __setstate__(self, state: dict) -> None:
        # a model pickled by 0.7 or earlier has no embedding, by 0.8 no ensemble
        state.setdefault("embedding_size", 0)
        state.setdefault("ensemble_size", 1)
        state.setdefault("ensemble_combine", "median")
        if "params_" in state:  # ... and no head inputs before 0.10
            state.setdefault("n_head_inputs_", 0)
        super().__setstate__(state)

    def save(self, path):
        """Save the fitted model to ``path`` (``.npz``: JSON config + arrays).

        Load it with :func:`forecastrnn.load`; see :mod:`forecastrnn.persistence`.
        """
        return archive.write(self, path)


@partial(jax.jit, static_argnames="config")
def _attention(config: NetworkConfig, params: dict, X) -> jax.Array:
    """Attention weights ``(n, window_size)`` of a network built with attention."""
    return apply_network(config, params, X, return_attention=True)[1]


def _show_epoch(bar, epoch: int, record: dict) -> None:
    """Advance the progress bar by one epoch and show its losses."""
    bar.update(1)
    bar.set_postfix(loss=f"{record['train_loss']:.4g}", val=f"{record['val_loss']:.4g}")
