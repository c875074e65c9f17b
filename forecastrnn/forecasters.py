"""``RNNForecaster``: a series, or a panel of series, in; their future out.

The forecaster composes the data-flow stages: `panel` takes one series or
many (a single series is a panel of one), `windows` cuts each series into
supervised samples, `scaling` puts each in MASE's units (fitted on each training
series only), one `RNNRegressor` learns the mapping from the windows of every
series (a global model), and the forecasts are scaled back and indexed by
each series' next timestamps. It re-implements none of them.

This module holds the estimator, ``RNNForecaster``, with its settings, fit,
predict and inspection. The network it trains by default and how a network
is given are `network_settings` (``default_network``, ``FORECASTER_NETWORK``
and ``NETWORK_PARAMS`` are re-exported here); turning each series and its
covariates into network inputs, and forecasts back into a series' context,
is `series_inputs` (``SeriesState`` is re-exported here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from . import archive, scaling
from .augment import past_only
from .calendar import future_index
from .checks import check_int
from .estimators import RNNRegressor
from .indexed_windows import PanelRows, WindowLayout, cut_windows, window_starts
from .network_settings import (
    FORECASTER_NETWORK,
    NETWORK_PARAMS,
    check_forecaster_settings,
    default_network,
    deprecated_network,
    interval_levels,
    is_quantile,
    network_of,
)
from .panel import Panel, as_panel, restore
from .seasons import infer_season_length, scale_period, series_season
from .series_inputs import (
    SeriesState,
    append_values,
    as_frame,
    check_context,
    check_lengths,
    check_observed_tails,
    check_same_series,
    context_states,
    covariate_rows,
    epoch_sample,
    exog_rows,
    fill_gaps,
    first_series,
    first_value,
    fit_static,
    has_future,
    known_state,
    new_static_rows,
    panel_exog,
    pop_flat_state,
    resolve_calendar,
    scaled,
    scaled_future,
    series_state,
    series_values,
    split_exog,
)

__all__ = [
    "EPOCH_WINDOWS",
    "FORECASTER_NETWORK",
    "NETWORK_PARAMS",
    "RNNForecaster",
    "SeriesState",
    "default_network",
]

# The windows a training epoch draws at most with `windows_per_series="auto"`:
# a single series of up to five years of hourly data trains on all its windows
# every epoch; a panel trains on an even sample of its series, so an epoch
# costs about the same whatever the panel's size (the sizes measured on M4
# weekly's validation folds: benchmarks/panel.md).
EPOCH_WINDOWS = 50_000


class RNNForecaster(BaseEstimator):
    """Recurrent forecaster for one series or a panel (Elman RNN, LSTM or GRU).

    ``fit(y)`` cuts ``y`` into windows of ``window_size`` past steps followed by
    ``horizon`` future steps, scales them with statistics of the training
    series only, and trains an :class:`~forecastrnn.RNNRegressor` on them.
    ``predict()`` forecasts the ``horizon`` steps after the end of the
    series (or of ``last_window``) as a pandas Series on the future timestamps.
    Given a panel (a wide DataFrame or ``{series_id: Series}``), one network
    learns from the windows of every series, each scaled on its own, and
    ``predict()`` forecasts every series in one call, answering in the kind
    it was given.

    Parameters
    ----------
    network : {"lstm", "gru", "rnn"} or RNNRegressor, default "lstm"
        The network to train: an :class:`~forecastrnn.RNNRegressor` with the
        network and training settings (cell, ``hidden_size``, ``loss``,
        ``learning_rate``, ``max_epochs``, ``augment``, ``random_state``,
        ...), or a cell name for that cell's
        :func:`~forecastrnn.forecasters.default_network` (the regressor's
        defaults but for the learning rate, batch size, patience and the
        absolute-error loss, ``FORECASTER_NETWORK``).
        It is cloned in ``fit`` (``n_channels`` set from the inputs), as
        scikit-learn's meta-estimators do; search its settings as
        ``network__hidden_size`` and so on. With the network's
        ``warm_start=True`` a fitted forecaster fine-tunes instead: ``fit``
        on new data trains the fitted network on (``max_epochs`` more), and
        the series it has seen keep their scaling. Its ``checkpoint`` file
        makes a long fit resumable (see :class:`~forecastrnn.RNNRegressor`).
    window_size : int, default 48
        Past steps the network reads for each forecast.
    horizon : int, default 24
        Steps forecast jointly (``strategy="direct"``).
    strategy : {"direct", "recursive"}, default "direct"
        ``"direct"``: one network predicts all ``horizon`` steps at once.
        ``"recursive"``: a one-step network is iterated, each forecast fed back
        as the newest observation. Forecasts longer than ``horizon`` extend a
        direct model the same way, ``horizon`` steps at a time.
    scaler : {"mase", "standard", "minmax", "robust"} or None, default "mase"
        Scaling of the target and numeric covariates, fitted on each training
        series (:func:`~forecastrnn.scaling.fit_scaler`). ``"mase"``: the
        target minus its mean over its in-sample seasonal naive error (MASE's
        denominator) at the lag of :func:`~forecastrnn.seasons.scale_period`
        (the day for sub-daily data, else ``season_length_``); covariates are
        standardised. The loss then weighs a panel's series as MASE does. With
        ``window_norm=None`` the network reads scaled values, which in these
        units reach hundreds for a smooth series: take ``"standard"`` there
        (the default before 0.12.0; ``"mase"`` did better on an hourly panel
        and tied elsewhere, ``benchmarks/panel.md``).
    window_norm : {"season", "last", "mean"} or None, default "season"
        What the network forecasts relative to, per window (on the scaled
        target). The newest value is taken off the window's target channel,
        and the network learns the difference between the future and a
        reference the forecast adds back: ``"last"``, the newest value (a zero
        output is the naive forecast); ``"season"``, the window's last
        ``season_length`` values repeated (a zero output is the seasonal naive
        forecast; with ``season_length`` 1 it is ``"last"``); ``"mean"``, the
        window mean (also the input's offset). Levels outside the training
        range (a trending price, load growth) then need no extrapolation.
        ``None`` feeds the scaled values as they are.
    season_length : int or None, default None
        The period of ``window_norm="season"``, for every series. None infers
        one per series when fitting: the panel's period
        (:func:`~forecastrnn.seasons.infer_season_length`), the steps in a
        day for sub-daily data (24 for hourly) if the window holds a day, or
        on an integer index the period up to ``window_size`` most of the
        series follow best, if any; each series then follows it if its
        seasonal naive forecast has a lower in-sample error over ``horizon``
        steps than the naive one, else forecasts relative to its newest
        value (:func:`~forecastrnn.seasons.series_season`; a series first
        seen by ``predict(last_window=...)`` is tested on the history it
        comes with). Daily and longer data have no universal cycle: pass 7
        for a weekly cycle in daily data. Must not exceed ``window_size``.
    calendar_features : "auto", bool or tuple of str, default "auto"
        Future-known calendar covariates generated from the index, as sin/cos
        pairs (see :func:`forecastrnn.calendar.calendar_features`). ``"auto"``
        takes the weekly and daily cycles the frequency resolves: hour and
        day of week for sub-daily data, day of week for daily data, none for
        business-day or trading-day series (markets: the weekday feature made
        the stock validation folds worse), weekly or longer frequencies and
        integer indexes. ``True``: hour, day of week and day of year;
        ``False``: none; or the tuple of names given.
    past_covariates : tuple of str, default ()
        Columns of ``exog`` known only up to the forecast origin (they enter the
        input window only). Every other ``exog`` column is future-known: its
        values over the forecast period must be passed to ``predict``, as for
        ``ARIMA``.
    windows_per_series : "auto", int or None, default "auto"
        Each training epoch draws a fresh random sample of at most this many
        windows from every series (without replacement), so that long series
        do not drown short ones and an epoch of a large panel stays short.
        ``"auto"``: every window when the series hold at most
        ``EPOCH_WINDOWS`` (50,000) in all, as for most single series;
        otherwise the largest number that keeps an epoch within
        ``EPOCH_WINDOWS`` windows (series with fewer give all theirs), which
        is about 170 per series on the 359 series of M4 weekly. None: every
        window of every series, every epoch. Early stopping holds out the
        most recent ``validation_fraction`` of each series' windows (of at
        most this many). The number used is ``windows_per_series_``.
    forking : int or None, default 1
        The network's input form and how it trains. An integer ``F``: the
        network reads inputs that do not depend on the forecast origin (the
        target's change from the step before, or with ``window_norm=None``
        its scaled value; calendar features at each step; the user's
        future-known covariates of the ``horizon`` steps after each step go
        to the head beside the state, as MQ-RNN's decoder reads them), so
        one pass of the encoder over ``window_size + F - 1`` steps gives the
        forecasts, and the loss, of the ``F`` windows that end in its last
        ``F`` steps: forking sequences (Wen et al. 2017, "A Multi-Horizon
        Quantile Recurrent Forecaster"). ``F = 1`` trains window by window.
        A sequence starts at each window; near the end of a series its
        later origins have no targets and are left out of the loss. An
        epoch draws ``windows_per_series / F`` sequences per series (rounded
        up), about as many windows as with ``F = 1``, and a mini-batch holds
        the network's ``batch_size`` windows (``batch_size / F`` sequences,
        rounded up). A forecast reads the last ``window_size`` steps
        whatever ``F``. ``F > 1`` needs a forward-only network without
        attention. None: the window form of 0.9 and earlier, each window's
        target relative to its newest value (its ``window_norm`` offset)
        and the forecast period appended as steps with a flag (see Notes).
        ``F = 1`` was chosen on validation folds, as accurate as the window
        form over both cells and better on an hourly panel; ``F = 24`` fits
        4 to 10 times faster, less accurately on weather (figures:
        ``benchmarks/accuracy.md``, ``benchmarks/panel.md``).
    **network_params
        Deprecated since 0.6: the flat network settings of 0.5.0
        (``RNNForecaster("gru", hidden_size=8, max_epochs=2)``). They build
        ``network=RNNRegressor("gru", hidden_size=8, max_epochs=2)`` and warn;
        pass the regressor instead. Settings not given take the values of
        :func:`default_network`, as the forecaster's defaults did in 0.5.0.

    The network's ``augment`` sees the windows as the network reads them:
    scaled, relative to the window's reference (``window_norm``), the target
    in channel 0; with future-known covariates only the past ``window_size``
    steps are augmented, never the forecast period or its channels.

    Attributes
    ----------
    regressor_ : RNNRegressor
        The fitted network.
    history_ : pandas.DataFrame
        Training history (``regressor_.history_``).
    season_length_ : int
        The panel's period of ``window_norm="season"`` (each series' own,
        this or 1, is ``series_[i].season_length``).
    calendar_ : tuple of str
        The calendar features the network reads (``calendar_features``).
    series_ : list of SeriesState
        Per training series, in the panel's order: its id, the scaling fitted
        on it (``scale``), whether it was constant (then it is forecast as
        that constant, quantiles and intervals collapsed onto it), its length,
        its last window and its period (``season_length``).
    panel_kind_ : {"series", "frame", "mapping"}
        What ``y`` was; ``predict()`` answers in the same kind.
    forking_ : int or None
        The forecast origins per training sequence (``forking``); None
        without forking.
    windows_per_series_ : int or None
        The training windows (with forking: sequences) each epoch draws per
        series; None: all of them.

    Notes
    -----
    In the window form (``forking=None``), with future-known covariates the
    network reads ``window_size + horizon`` steps: the window, then the
    forecast period with the target and past covariates set to zero, a 0/1
    flag channel marking the forecast period, and the future-known
    covariates over both.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=300, freq="h")
    >>> y = pd.Series(np.sin(np.arange(300) * 2 * np.pi / 24), idx, name="load")
    >>> from forecastrnn import RNNRegressor
    >>> network = RNNRegressor("gru", max_epochs=2, random_state=0)
    >>> f = RNNForecaster(network, window_size=24, horizon=6).fit(y)
    >>> f.predict().index[0]
    Timestamp('2024-01-13 12:00:00')
    """

    # one network for a whole panel: backtests fit it once on all series
    global_model = True

    def __init__(
        self,
        network: str | RNNRegressor = "lstm",
        window_size: int = 48,
        horizon: int = 24,
        *,
        strategy: str = "direct",
        scaler: str | None = "mase",
        window_norm: str | None = "season",
        season_length: int | None = None,
        calendar_features: str | bool | tuple[str, ...] = "auto",
        past_covariates: tuple[str, ...] = (),
        windows_per_series: str | int | None = "auto",
        forking: int | None = 1,
        **network_params,
    ):
        if network_params:
            network = deprecated_network(network, network_params)
        self.network = network
        self.window_size = window_size
        self.horizon = horizon
        self.strategy = strategy
        self.scaler = scaler
        self.window_norm = window_norm
        self.season_length = season_length
        self.calendar_features = calendar_features
        self.past_covariates = past_covariates
        self.windows_per_series = windows_per_series
        self.forking = forking

    # ------------------------------------------------------------------ fit
    def fit(self, y, exog=None, static=None) -> RNNForecaster:
        """Fit one network to a series or to a panel of series.

        Parameters
        ----------
        y : pandas.Series, pandas.DataFrame or mapping of pandas.Series
            The target: one series; a wide frame, one column per series on a
            shared index (leading and trailing NaN trimmed per series); or
            ``{series_id: Series}``, each series on its own index (see
            :func:`forecastrnn.panel.as_panel`). Numeric, on a regular
            DatetimeIndex (one frequency for all series) or a step-1 integer
            index. NaN inside a series is a missing value: the network reads
            it linearly interpolated and it is left out of the loss.
        exog : pandas.DataFrame or mapping of pandas.DataFrame, optional
            Covariates with a row for every timestamp of their series (matched
            by label): a frame for a single series, ``{series_id: frame}``
            with the same columns for a panel. See ``past_covariates``.
        static : pandas.DataFrame, optional
            Static covariates: one row per series (index: the series ids),
            numeric columns (a store's size, a station's altitude). They are
            standardised over the series and read by the network at every
            step. ``predict`` takes them again only for series it has not
            seen.

        Returns
        -------
        self
        """
        check_forecaster_settings(self)
        data = as_panel(y, name="y")
        # fine-tuning (the network's warm_start): the fitted network trains
        # on, and the series it knows keep the scaling it learnt them with
        warm = network_of(self).warm_start and hasattr(self, "regressor_")
        previous = {state.key: state for state in self.series_} if warm else {}
        self.calendar_ = resolve_calendar(
            self.calendar_features, first_series(data).index
        )
        covariates = panel_exog(exog, data)
        self.static_columns_, self.static_scale_, static_rows = fit_static(
            static, list(data.series), self.static_scale_ if warm else None
        )
        check_lengths(data, self.window_size + self._block())
        check_observed_tails(data, self.window_size, "y")
        if warm and network_of(self).embedding_size:
            check_same_series(list(previous), list(data.series))
        self.season_length_ = (
            infer_season_length(data.series.values(), self.window_size, self.horizon)
            if self.season_length is None
            else self.season_length
        )
        lengths = [len(series) for series in data.series.values()]
        # with forking, `forking - 1` rows after each series (targets NaN, so
        # left out of the loss) let a sequence start at any of its windows:
        # the origins past the series' end forecast nothing
        pad = 0 if self.forking is None else self.forking - 1
        # every series' columns in one float32 array, as training reads them
        # (one copy: windows are start rows into it)
        panel_rows, states = PanelRows(lengths, pad, self.season_length_), []
        for code, (key, series) in enumerate(data.series.items()):
            filled = fill_gaps(series)
            past, future = self._split_exog(
                covariates.get(key), series.index, f"`y[{key!r}]`"
            )
            state = self._series_state(key, filled, past, future)._replace(
                static=None if static_rows is None else static_rows[key]
            )
            if key in previous:
                old = previous[key]
                state = state._replace(
                    scale=old.scale,
                    past_scale=old.past_scale,
                    future_scale=old.future_scale,
                    season_length=old.season_length,
                )
            # NaN stays in the targets: a missing value is left out of the loss
            panel_rows.put(
                code,
                self._series_values(state, filled, past, future, code),
                scaled(series, state.scale).to_numpy(),
                state.season_length,
            )
            exog_tail = None
            if key in covariates:
                exog_tail = covariate_rows(
                    as_frame(covariates[key]), series.index, f"`y[{key!r}]`"
                ).iloc[-self.window_size :]
            states.append(
                state._replace(
                    tail=filled.iloc[-self.window_size :], exog_tail=exog_tail
                )
            )
        sizes = [n - self.window_size - self._block() + 1 for n in lengths]
        per_series = self.windows_per_series
        if per_series == "auto":
            per_series = epoch_sample(sizes, EPOCH_WINDOWS)
        self.forking_ = self.forking
        layout = self._layout(past, future, self._static_inputs(states[0], 0))
        if self.forking_ is not None:
            # a training input is a sequence of `forking_` windows, one per
            # window it starts at
            if self.forking_ > 1:
                per_series = -(-(per_series or max(sizes)) // self.forking_)
            layout = layout._replace(forks=self.forking_)
        X = panel_rows.windows(layout, sizes)
        del panel_rows  # the only copy is X's
        network = clone(network_of(self)).set_params(n_channels=X.layout.n_channels)
        if warm:
            network = self.regressor_.set_params(**network.get_params(deep=False))
        if network.augment is not None and (
            has_future(covariates, self.past_covariates, self.calendar_)
            or static_rows is not None
            or network.embedding_size
        ):
            # the forecast period, its flag, the future-known covariates and
            # the series' attributes and code are facts, not noisy
            # observations: augment only the past
            n_past = 1 + len(self.past_covariates)
            past_steps = layout.steps if layout.forks else self.window_size
            network.set_params(augment=past_only(network.augment, past_steps, n_past))
        self.windows_per_series_ = per_series
        self.regressor_ = network.fit(
            X, None, samples_per_group=self.windows_per_series_
        )
        self.history_ = self.regressor_.history_
        self.series_ = states
        self.panel_kind_, self.panel_name_ = data.kind, data.name
        self.exog_columns_ = (
            None if not covariates else list(as_frame(first_value(covariates)).columns)
        )
        return self

    def _series_state(self, key, y: pd.Series, past, future) -> SeriesState:
        """The scaling a series' windows take and the season they follow
        (fitted on that series)."""
        state = series_state(
            key,
            y,
            past,
            future,
            scaler=self.scaler,
            n_calendar=self._n_calendar(),
            scale_lag=scale_period(y.index, self.season_length_),
        )
        return state._replace(season_length=self._season(y))

    def _season(self, y: pd.Series) -> int:
        """The period series ``y`` follows: ``season_length`` if given, else
        ``season_length_`` if ``y`` follows it, else 1 (`series_season`)."""
        if self.season_length is not None:
            return self.season_length_
        return series_season(y, self.season_length_, self.horizon)

    def _block(self) -> int:
        """Steps the network predicts per call."""
        return 1 if self.strategy == "recursive" else self.horizon

    def _n_calendar(self) -> int:
        """The calendar columns of the future-known covariates (sin/cos pairs)."""
        return 2 * len(self.calendar_)

    def _split_exog(self, exog, index: pd.Index, against: str):
        """Past and future-known covariate frames on ``index`` (calendar added)."""
        return split_exog(
            exog,
            index,
            against,
            past_covariates=self.past_covariates,
            calendar=self.calendar_,
        )

    def _layout(self, past, future, static) -> WindowLayout:
        """How the network's windows are read from a series' values (see
        `series_values`), given its covariate frames and static row."""
        return WindowLayout(
            window_size=self.window_size,
            block=self._block(),
            n_past=1 + (0 if past is None else past.shape[1]),
            n_future=0 if future is None else future.shape[1],
            n_static=0 if static is None else len(static),
            window_norm=self.window_norm,
            season_length=self.season_length_,
            forks=0 if getattr(self, "forking_", None) is None else 1,
            n_calendar=0 if future is None else self._n_calendar(),
        )

    def _series_values(self, state, y, past, future, code: int) -> np.ndarray:
        """A series' per-step columns, scaled by ``state`` (`series_values`);
        ``code`` is its row of the learned embedding (-1: none learnt)."""
        return series_values(
            scaled(y, state.scale),
            scaled(past, state.past_scale),
            scaled_future(future, state, self._n_calendar()),
            self._static_inputs(state, code),
        )

    def _static_inputs(self, state: SeriesState, code: int) -> np.ndarray | None:
        """The constant channels of a series' windows: its static covariates,
        then, with a series embedding, its code (see `RNNRegressor`'s
        ``embedding_size``)."""
        if not network_of(self).embedding_size:
            return state.static
        static = [] if state.static is None else list(state.static)
        return np.array([*static, code], np.float64)

    def _codes(self) -> dict:
        """The embedding row of each fitted series (its place among them); a
        series not seen in training has none (code -1)."""
        return {state.key: i for i, state in enumerate(self.series_)}

    # -------------------------------------------------------------- predict
    def predict(self, steps=None, exog=None, last_window=None, static=None):
        """Forecast the next ``steps`` values.

        Parameters
        ----------
        steps : int, optional
            Number of steps; defaults to ``horizon``. Longer forecasts are
            produced ``horizon`` steps at a time, feeding forecasts back (not
            possible with past covariates).
        exog : pandas.DataFrame, optional
            Future-known covariates over the forecast period (and, with
            ``last_window``, over its last ``window_size`` steps), matched by
            label; extra rows are ignored.
        last_window : pandas.Series, optional
            A new context: the recent tail (at least ``window_size`` points) of
            a series of the same kind, or a panel of them (any kind ``fit``
            takes; the result is of that kind). The model is not refit; a
            series it has not seen is scaled by its own last window.
        static : pandas.DataFrame, optional
            Static covariates of the series of ``last_window`` that the model
            has not seen (rows by series id); the others keep theirs.

        Returns
        -------
        pandas.Series
            Named like the training series, indexed by the next ``steps``
            timestamps after the context.
        """
        return restore(*self._forecast(steps, exog, last_window, static, False))

    @available_if(is_quantile)
    def predict_quantiles(
        self, steps=None, exog=None, last_window=None, static=None
    ) -> pd.DataFrame:
        """Forecast quantiles (model fit with ``loss="quantile"``).

        Returns
        -------
        pandas.DataFrame
            One column per level of ``quantiles`` (float labels), indexed like
            :meth:`predict`. Beyond ``horizon`` steps the median is fed back.
            For a panel, the kind :meth:`predict` gives: a dict of such
            frames, or for a wide frame one frame with columns ``(series_id,
            level)``.
        """
        return restore(*self._forecast(steps, exog, last_window, static, True))

    @available_if(is_quantile)
    def predict_interval(
        self,
        steps=None,
        coverage: float = 0.8,
        exog=None,
        last_window=None,
        static=None,
    ) -> pd.DataFrame:
        """Central prediction interval from the fitted quantiles.

        ``coverage`` must be the spread of a symmetric pair of the fitted
        levels (e.g. 0.8 for (0.1, 0.9)). Like ``predict_quantiles``, only
        available with ``loss="quantile"``; for any other model, wrap a
        backtest in :func:`forecastrnn.conformal_interval`.

        Returns
        -------
        pandas.DataFrame
            Columns ``mean`` (the median), ``lower`` and ``upper``; for a
            panel, the kind :meth:`predict` gives (a dict of such frames, or
            one wide frame with columns ``(series_id, column)``).
        """
        check_is_fitted(self)
        columns = interval_levels(self.regressor_.quantiles_, coverage)
        data, results = self._forecast(steps, exog, last_window, static, True)
        intervals = {
            key: pd.DataFrame({name: q[level] for name, level in columns.items()})
            for key, q in results.items()
        }
        return restore(data, intervals)

    def _forecast(self, steps, exog, last_window, static, quantiles: bool):
        """The panel and ``{series_id: forecast Series or quantile frame}``."""
        check_is_fitted(self)
        steps = self.horizon if steps is None else check_int(steps, "steps")
        if exog is not None and self.exog_columns_ is None:
            raise ValueError(
                "`exog` was given to `predict` but the model was fit without "
                "covariates. Drop it, or refit with `exog`."
            )
        block = self._block()
        if steps > block and self.past_covariates:
            raise ValueError(
                f"`steps={steps}` exceeds the {block} step(s) the model forecasts at "
                "once, and the past covariates "
                f"{list(self.past_covariates)} are unknown beyond the origin. Pass "
                f"steps <= {block} or refit with a longer `horizon`."
            )
        data, states = self._contexts(last_window, static)
        new_context = last_window is not None
        covariates = {} if exog is None else panel_exog(exog, data, require=False)
        targets = [scaled(state.tail, state.scale) for state in states]
        outputs = []
        while sum(o.shape[1] for o in outputs) < steps:
            out = self._predict_block(
                targets, states, covariates, new_context, quantiles
            )
            outputs.append(out)
            if sum(o.shape[1] for o in outputs) >= steps:
                break
            # the point fed back is what `predict` gives: the median level
            point = out[..., self._median_level()] if quantiles else out
            targets = [append_values(t, p) for t, p in zip(targets, point, strict=True)]
        values = np.concatenate(outputs, axis=1)[:, :steps]
        results, indexes = {}, {}
        for state, v in zip(states, values, strict=True):
            if state.scale is not None:
                v = scaling.inverse_transform(state.scale, v)
            last = state.tail.index[-1]
            if last not in indexes:  # series that end together share it
                indexes[last] = future_index(state.tail.index, steps)
            index = indexes[last]
            results[state.key] = (
                pd.DataFrame(v, index=index, columns=list(self.regressor_.quantiles_))
                if quantiles
                else pd.Series(v, index=index, name=state.key)
            )
        return data, results

    def _median_level(self) -> int:
        """Column of the level nearest 0.5 among the sorted fitted quantiles."""
        levels = np.asarray(self.regressor_.quantiles_)
        return int(np.argmin(np.abs(levels - 0.5)))

    def _contexts(self, last_window, static) -> tuple[Panel, list[SeriesState]]:
        """The panel forecast and each series' state, its tail the context."""
        if last_window is None:
            data = Panel(
                self.panel_kind_,
                {state.key: state.tail for state in self.series_},
                self.panel_name_,
            )
            return data, list(self.series_)
        data = as_panel(last_window, name="last_window")
        fitted = {state.key: state for state in self.series_}
        new = [k for k in data.series if known_state(data, fitted, k) is None]
        static_rows = new_static_rows(
            static, new, self.static_columns_, self.static_scale_
        )
        freq = getattr(self.series_[0].tail.index, "freq", None)
        check_context(data, self.window_size, freq)
        check_observed_tails(data, self.window_size, "last_window")

        def unseen(key, history):  # scaled by its own window
            tail = history.iloc[-self.window_size :]
            state = self._series_state(key, tail, None, None)
            return state._replace(
                static=static_rows.get(key), season_length=self._season(history)
            )

        return data, context_states(data, fitted, self.window_size, unseen)

    def _predict_block(self, targets, states, covariates, new_context, quantiles):
        """Scaled network outputs for the block after each ``target``:
        ``(n_series, block)`` or ``(n_series, block, n_quantiles)``."""
        block, n, codes = self._block(), self.window_size, self._codes()
        values = []
        shared = {}  # series on the same timestamps share labels and calendar
        for target, state in zip(targets, states, strict=True):
            when = (target.index[0], target.index[-1], len(target))
            if when not in shared:
                labels = target.index.append(future_index(target.index, block))
                shared[when] = (labels, None)
            labels, calendar = shared[when]
            past = future = None
            if self.exog_columns_ is not None or self.calendar_:
                frame = exog_rows(
                    covariates.get(state.key),
                    state,
                    labels,
                    new_context,
                    columns=self.exog_columns_,
                    past_covariates=self.past_covariates,
                    block=block,
                    of=""
                    if self.panel_kind_ == "series"
                    else f" of series {state.key!r}",
                )
                if frame is not None:
                    past, future = self._split_exog(
                        frame, labels, "the forecast period"
                    )
                else:  # the calendar alone
                    if calendar is None:
                        calendar = self._split_exog(None, labels, "the forecast period")
                        shared[when] = (labels, calendar)
                    past, future = calendar
                past = (
                    None
                    if past is None
                    else scaled(past.iloc[:-block], state.past_scale).iloc[-n:]
                )
                future = scaled_future(future, state, self._n_calendar())
                if future is not None:
                    future = future.iloc[-(n + block) :]
            static = self._static_inputs(state, codes.get(state.key, -1))
            values.append(series_values(target.to_numpy()[-n:], past, future, static))
        layout = self._layout(past, future, static)
        starts = np.arange(len(values)) * len(values[0])
        periods = [state.season_length for state in states]
        X, _, reference = cut_windows(
            layout, np.concatenate(values), starts, periods=periods
        )
        if quantiles:
            out = self.regressor_.predict_quantiles(X)
            reference = reference[..., None]
        else:
            out = self.regressor_.predict(X).reshape(len(X), -1)
        # a constant training series taught the network nothing (every target
        # was zero): its forecast is the constant, not the untrained output
        constant = np.array([state.constant for state in states])
        out = np.where(constant.reshape(-1, *[1] * (out.ndim - 1)), 0.0, out)
        return reference + out

    # ---------------------------------------------------------- inspection
    def input_windows(self, y, exog=None) -> np.ndarray:
        """The network inputs (scaled, level-normalised) of every training
        window of ``y``.

        The windows are those ``fit`` would cut from ``y``: each has its
        ``horizon`` target steps inside ``y`` (the last one ends ``horizon``
        steps before the end of ``y``). For a panel, the series' windows one
        after the other, each series scaled as in training (a series the
        model has not seen by its own statistics).

        Returns
        -------
        numpy.ndarray of shape (n_windows, window_size, n_channels)
            As the network reads them (``window_size + horizon`` steps with
            future-known covariates); for diagnostics such as gradient norms.
        """
        check_is_fitted(self)
        data = as_panel(y, name="y")
        covariates = panel_exog(exog, data)
        fitted = {state.key: state for state in self.series_}
        codes, values, sizes, periods = self._codes(), [], [], []
        for key, series in data.series.items():
            filled = fill_gaps(series)
            past, future = self._split_exog(
                covariates.get(key), series.index, f"`y[{key!r}]`"
            )
            state = known_state(data, fitted, key) or self._series_state(
                key, filled, past, future
            )
            code = 0 if state is self.series_[0] else codes.get(state.key, -1)
            values.append(self._series_values(state, filled, past, future, code))
            sizes.append(len(series) - self.window_size - self._block() + 1)
            periods.append(state.season_length)
        layout = self._layout(past, future, self._static_inputs(state, code))
        starts = window_starts(np.cumsum([0, *map(len, values[:-1])]), sizes)
        periods = np.repeat(periods, sizes)
        return cut_windows(layout, np.concatenate(values), starts, periods=periods)[0]

    def __setstate__(self, state: dict) -> None:
        # a forecaster fitted by 0.6 (one series, its state in flat
        # attributes) becomes a panel of one
        if "y_tail_" in state:
            series = pop_flat_state(state)
            state.update(series_=[series], panel_kind_="series", panel_name_=series.key)
            state.update(static_columns_=None, static_scale_=None)
        state.setdefault("forking", None)  # before 0.10: no forking sequences
        if "regressor_" in state:
            state.setdefault("forking_", None)
        if "series_" in state:  # before 0.13: one period for every series
            state["series_"] = [
                s if s.season_length is not None
                else s._replace(season_length=state.get("season_length_", 1))
                for s in state["series_"]
            ]
        super().__setstate__(state)

    def save(self, path):
        """Save the fitted forecaster to ``path`` (``.npz``: JSON config + arrays).

        Load it with :func:`forecastrnn.load`; see :mod:`forecastrnn.persistence`.
        """
        return archive.write(self, path)
