"""Automatic model choice: ``AutoForecaster`` backtests candidate forecasters
on validation folds at the end of the data it is fit on and scores them by a
metric. By default it forecasts with all of them, each weighted by the
inverse square of its validation score (a ``CombinedForecaster``); or it
picks the best (one candidate, or the median of the best few). It refits
what it chose and says why. The candidates are a fixed set, or the trials of an
Optuna search over a space the user writes (the ``tune`` extra: ``pip
install "forecastrnn[tune]"``).

Because the choice is made inside ``fit``, a backtest of an
``AutoForecaster`` (:func:`forecastrnn.backtest`, ``forecastrnn backtest
--auto``) chooses again at every refit from the data before that origin
only: the test folds are never looked at.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

try:  # the optional `tune` extra: searches
    import optuna
except ModuleNotFoundError:
    optuna = None

from .backtest import backtest, parallel_slots, run_tasks
from .baselines import ETS, Naive, SeasonalNaive, Theta, seasonal_period
from .checks import check_choice, check_int, check_series
from .forecasters import RNNForecaster, default_network
from .scoring import Comparison, combine_results, combine_values

__all__ = [
    "METRICS",
    "STRATEGIES",
    "AutoForecaster",
    "CandidateWarning",
    "CombinedForecaster",
    "default_candidates",
]

# Leaderboard columns a choice can be made by (lower is better for all).
METRICS = ("mase", "smape", "mae", "rmse", "mape")
# What AutoForecaster forecasts with: the mean of the candidates weighted by
# their inverse squared validation scores, or the best of them.
STRATEGIES = ("weighted", "best")


class CandidateWarning(UserWarning):
    """A candidate failed on the validation folds and was left out."""


def default_candidates(
    horizon: int, season_length: int, random_state=None
) -> dict[str, Any]:
    """The forecasters :class:`AutoForecaster` chooses from by default.

    Parameters
    ----------
    horizon : int
        Steps forecast by the networks at once.
    season_length : int
        The baselines' seasonal period (1: none).
    random_state : int or None
        The networks' seed.

    Returns
    -------
    dict of str to forecaster
        The package's LSTM and GRU (:func:`~forecastrnn.forecasters.default_network`)
        and the baselines of the ``forecastrnn`` command: naive, seasonal
        naive (with a season), ETS (additive season, or a damped trend
        without one) and Theta.

    Examples
    --------
    >>> list(default_candidates(24, 24))
    ['lstm', 'gru', 'naive', 'seasonal_naive', 'ets', 'theta']
    """
    networks = {
        cell: RNNForecaster(
            default_network(cell).set_params(random_state=random_state),
            horizon=horizon,
        )
        for cell in ("lstm", "gru")
    }
    baselines: dict[str, Any] = {"naive": Naive()}
    if season_length > 1:
        baselines["seasonal_naive"] = SeasonalNaive(season_length)
        baselines["ets"] = ETS(seasonal="add", seasonal_periods=season_length)
    else:
        baselines["ets"] = ETS(trend="add", damped_trend=True)
    baselines["theta"] = Theta(period=season_length)
    return {**networks, **baselines}


class AutoForecaster(BaseEstimator):
    """Several forecasters, weighted or chosen on validation folds.

    ``fit(y)`` backtests every candidate on the last ``n_folds`` origins of
    ``y`` (``step`` apart, each forecasting ``horizon`` steps) and ranks them
    by ``metric``. With ``strategy="weighted"`` (the default for a set of
    candidates) it refits them all on ``y`` and forecasts their mean, each
    weighted by the inverse square of its validation score; with ``"best"`` it
    refits the best one and forecasts with it. The ranking, the weights and
    the reason are kept (``selection_``, ``reason_``); a backtest of this
    forecaster records them at every refit and its report shows them.

    Parameters
    ----------
    candidates : mapping of str to forecaster, callable or None, default None
        Unfitted forecasters by name (``fit(y, exog=None)``, ``predict(steps,
        exog, last_window)``); ties go to the first in this order. None:
        :func:`default_candidates`. Or a search space: a callable
        ``build(trial) -> forecaster`` that draws settings from an
        ``optuna.trial.Trial`` (``trial.suggest_int("hidden_size", 16,
        128)``, ...); ``n_trials`` trials are then drawn by Optuna's TPE
        sampler (seeded by ``random_state``), named ``"trial 0"``,
        ``"trial 1"``, ... (needs the ``tune`` extra).
    horizon : int, default 24
        Steps of every validation forecast, and the default ``steps`` of
        :meth:`predict`.
    n_folds : int, default 7
        Validation origins at the end of ``y``.
    step : int, optional
        Steps between origins (default ``horizon``).
    metric : {"mase", "smape", "mae", "rmse", "mape"}, default "mase"
        What the choice minimises (and the weights are the inverse square
        of), pooled over the validation folds.
    strategy : {"weighted", "best"}, optional
        ``"weighted"``: forecast the weighted mean of every candidate with a
        finite validation score, weight ``1 / score ** 2`` (normalised; the
        candidates that scored 0, if any, share all the weight). The square
        (Bates and Granger's inverse-MSE weights, on the chosen metric)
        leaves a candidate twice as bad a quarter of the weight, so one
        clearly better candidate takes nearly all of it. ``"best"``: forecast
        with the lowest-scoring candidate (or the median of the best
        ``combine_top``). None: ``"weighted"`` for a mapping of candidates,
        ``"best"`` for a search. A choice made on a few validation origins
        is noisy: the models are often within a few per cent of each other
        there, and a week's winner can be among the worst the next week.
        The weighted mean keeps every candidate but leans on the better
        ones, so a noisy ranking costs little; on the bundled series'
        validation periods it beat choosing (``benchmarks/accuracy.md``).
        It refits every candidate, where ``"best"`` refits one; a candidate
        whose refit fails is left out with a :class:`CandidateWarning`, the
        others' weights renormalised.
    season_length : int, optional
        The baselines' seasonal period and the MASE's ``m``. None:
        :func:`~forecastrnn.baselines.seasonal_period` of ``y``'s index.
    combine_top : int, default 3
        With ``strategy="best"``: also score the median forecast of the
        best ``combine_top`` candidates (a :class:`CombinedForecaster`, named
        ``"median of top 3"``), from the same validation forecasts (no extra
        fits); it is chosen when it scores best. 0 or 1: single candidates
        only.
    train_size : int, optional
        Each validation fold trains on at most this many observations before
        its origin (a sliding window), and the chosen model is refit on the
        last ``train_size`` of ``y``. None: everything before the origin, and
        all of ``y``.
    random_state : int or None, default None
        The seed of the default candidates' networks.
    n_trials : int, default 20
        Trials of a search (``candidates`` a callable).
    n_jobs : int, optional
        Candidates (or trials) validated at once, through joblib, or on the
        workers of an active :class:`distributed.Client` (see
        :func:`forecastrnn.backtest`). A search asks Optuna for that many
        trials at a time and tells it their scores before asking again.

    Attributes
    ----------
    best_name_ : str
        The chosen candidate, or the weighted mean (``"weighted mean of
        K"``).
    best_forecaster_ : forecaster
        It, refit on ``y`` (a :class:`CombinedForecaster` for a combination).
    selection_ : pandas.DataFrame
        One row per candidate that ran and one for a combination (the chosen
        first, the others best first): the validation ``metric`` and the
        other errors, ``fit_seconds``, ``chosen`` and, with
        ``strategy="weighted"``, each candidate's ``weight``. A
        combination's validation scores are those of its forecasts on the
        same folds; the weighted mean's weights come from those folds too.
    reason_ : str
        Why: the winner's score, against the runner-up and the worst (or
        the weights, against the best single candidate).
    history_ : pandas.DataFrame
        ``selection_`` (what a backtest records of each refit).
    validation_ : Comparison
        The candidates' validation backtests (their forecasts and errors by
        fold and step), as :func:`forecastrnn.compare` returns them.
    study_ : optuna.study.Study
        The search's study (only with a search space): its trials, their
        parameters (``study_.trials_dataframe()``) and scores.

    Notes
    -----
    Networks (:class:`~forecastrnn.RNNForecaster` candidates) are fit once
    on the data before the first validation origin and forecast the later
    ones from their context; the other candidates are refit at every origin,
    as a backtest of the ``forecastrnn`` command does. A candidate that
    raises is left out with a :class:`CandidateWarning`. On a panel, a
    backtest fits one ``AutoForecaster`` per series (``global_model`` is
    False): each series gets its own choice.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastrnn.baselines import Naive, SeasonalNaive
    >>> idx = pd.date_range("2024-01-01", periods=24 * 20, freq="h")
    >>> y = pd.Series(np.sin(np.arange(len(idx)) * 2 * np.pi / 24), idx)
    >>> auto = AutoForecaster(
    ...     {"naive": Naive(), "seasonal": SeasonalNaive(24)}, horizon=24, n_folds=3
    ... ).fit(y)
    >>> auto.best_name_  # seasonal naive is exact here: it takes all the weight
    'weighted mean of 2'
    >>> auto.selection_["weight"].dropna().round(6).to_dict()
    {'seasonal': 1.0, 'naive': 0.0}
    """

    global_model = False

    def __init__(
        self,
        candidates: Mapping[str, Any] | None = None,
        horizon: int = 24,
        n_folds: int = 7,
        step: int | None = None,
        metric: str = "mase",
        strategy: str | None = None,
        season_length: int | None = None,
        combine_top: int = 3,
        train_size: int | None = None,
        random_state=None,
        n_trials: int = 20,
        n_jobs: int | None = None,
    ):
        self.candidates = candidates
        self.horizon = horizon
        self.n_folds = n_folds
        self.step = step
        self.metric = metric
        self.strategy = strategy
        self.season_length = season_length
        self.combine_top = combine_top
        self.train_size = train_size
        self.random_state = random_state
        self.n_trials = n_trials
        self.n_jobs = n_jobs

    def fit(self, y, exog=None) -> AutoForecaster:
        """Choose the best candidate on the validation folds and refit it.

        Parameters
        ----------
        y : pandas.Series
            One series with a regular index and no NaN.
        exog : pandas.DataFrame, optional
            Exogenous variables on ``y``'s index, passed to every candidate.

        Returns
        -------
        self

        Raises
        ------
        TypeError
            For a panel (a mapping or a frame of several series), with how
            to choose per series instead.
        ValueError
            For a bad setting, a series too short for the validation folds,
            or when every candidate failed (their errors are listed).
        """
        if isinstance(y, Mapping) or (isinstance(y, pd.DataFrame) and y.shape[1] > 1):
            raise TypeError(
                "`y` must be one series: AutoForecaster chooses per series. For a "
                "panel, backtest it (`forecastrnn.backtest(AutoForecaster(...), "
                "panel, ...)` fits one per series) or fit one per series: "
                "`{k: AutoForecaster(...).fit(s) for k, s in panel.items()}`."
            )
        y = check_series(y)
        horizon = check_int(self.horizon, "horizon")
        n_folds = check_int(self.n_folds, "n_folds")
        step = check_int(self.step, "step", allow_none=True) or horizon
        check_int(self.train_size, "train_size", allow_none=True)
        top = check_int(self.combine_top, "combine_top", minimum=0)
        if self.metric not in METRICS:
            raise ValueError(
                f"`metric` must be one of {', '.join(METRICS)}; got {self.metric!r}."
            )
        search = callable(self.candidates) and not isinstance(self.candidates, Mapping)
        strategy = self.strategy or ("best" if search else "weighted")
        if strategy not in STRATEGIES:
            raise ValueError(
                f"`strategy` must be one of {', '.join(STRATEGIES)} (or None); got "
                f"{self.strategy!r}."
            )
        season = self._season(y)
        first = max(2 * horizon, season + 1)  # the MASE scale needs a season
        needed = horizon + (n_folds - 1) * step + first
        if len(y) < needed:
            raise ValueError(
                f"`y` has {len(y)} observations; {n_folds} validation folds of "
                f"horizon {horizon}, {step} apart, with at least {first} to train "
                f"on before them (twice the horizon, and a season of {season} "
                f"and one), need {needed}. Pass a longer series or lower "
                "`n_folds`, `step` or `horizon`."
            )
        folds = {
            "horizon": horizon, "n_folds": n_folds, "step": step, "m": season,
            "initial": self._initial(len(y), horizon, n_folds, step),
            "window": "expanding" if self.train_size is None else "sliding",
        }  # fmt: skip
        if search:
            candidates, outcomes = self._search(y, exog, folds)
        else:
            candidates = self._candidates(horizon, season)
            outcomes = _validate_all(candidates, y, exog, folds, self.n_jobs)
        results = {k: v for k, v in outcomes.items() if not isinstance(v, str)}
        for name, error in outcomes.items():
            if isinstance(error, str):
                warnings.warn(
                    f"candidate {name!r} failed on the validation folds and is "
                    f"left out: {error}",
                    CandidateWarning,
                    stacklevel=2,
                )
        if not results:
            raise ValueError(
                "every candidate failed on the validation folds: "
                + "; ".join(f"{k}: {v}" for k, v in outcomes.items())
            )
        order = [k for k in candidates if k in results]
        ranked = self._rank(Comparison(results).leaderboard, order)
        scores = ranked[self.metric].astype(float)
        finite = scores[np.isfinite(scores)]
        combination = self._combination(strategy, finite, candidates, results, top)
        weights = None
        if combination is not None:
            name, combined, results[name], weights = combination
            candidates = {**candidates, name: combined}
            order.append(name)
        self.validation_ = Comparison(results)
        self.selection_ = self._rank(
            self.validation_.leaderboard, order, None if weights is None else name
        )
        if weights is not None:
            self.selection_["weight"] = weights.reindex(self.selection_.index)
        self.best_name_ = str(self.selection_.index[0])
        self.reason_ = self._reason(y, n_folds, horizon, weights)
        self.history_ = self.selection_
        train = y if self.train_size is None else y.iloc[-self.train_size :]
        fit_kwargs = {} if exog is None else {"exog": exog.loc[train.index]}
        self.best_forecaster_ = clone(candidates[self.best_name_]).fit(
            train, **fit_kwargs
        )
        return self

    def _combination(self, strategy, scores, candidates, results, top):
        """The combination ``strategy`` adds to the candidates (``scores``:
        their finite validation scores, best first): the mean of all
        weighted by inverse squared scores, or the median of the best
        ``top``. Its name, forecaster, validation backtest and weights (None
        for a median); None when there are fewer than two to combine."""
        if strategy == "weighted" and len(scores) >= 2:
            weights = _inverse_weights(scores)
            members = [str(k) for k in weights.index]
            name, how = f"weighted mean of {len(members)}", "mean"
        elif strategy == "best" and min(top, len(scores)) >= 2:
            weights, members = None, [str(k) for k in scores.index[:top]]
            name, how = f"median of top {len(members)}", "median"
        else:
            return None
        combined = CombinedForecaster(
            {k: candidates[k] for k in members}, how,
            None if weights is None else weights.to_dict(), drop_failed=True,
        )  # fmt: skip
        result = combine_results(
            [results[k] for k in members], how,
            None if weights is None else weights.to_numpy(),
        )  # fmt: skip
        return name, combined, result, weights

    def _season(self, y: pd.Series) -> int:
        if self.season_length is not None:
            return check_int(self.season_length, "season_length")
        try:
            return seasonal_period(y.index)
        except ValueError:
            return 1

    def _candidates(self, horizon: int, season: int) -> dict:
        if self.candidates is None:
            return default_candidates(horizon, season, self.random_state)
        if not isinstance(self.candidates, Mapping) or not self.candidates:
            raise TypeError(
                "`candidates` must be a non-empty mapping of names to unfitted "
                f"forecasters, or None for the defaults; got {self.candidates!r:.80}."
            )
        bad = [k for k, v in self.candidates.items() if not hasattr(v, "fit")]
        if bad:
            raise TypeError(
                f"`candidates` {bad} are not forecasters (no `fit`); pass unfitted "
                "forecasters such as RNNForecaster('gru') or baselines.Theta()."
            )
        return {str(k): v for k, v in self.candidates.items()}

    def _search(self, y, exog, folds: dict) -> tuple[dict, dict]:
        """The trials of an Optuna search: their forecasters and validation
        backtests (or errors), ``parallel_slots(n_jobs)`` trials at a time."""
        tuner = _optuna()
        n_trials = check_int(self.n_trials, "n_trials")
        seed = self.random_state if isinstance(self.random_state, int) else None
        study = tuner.create_study(
            direction="minimize", sampler=tuner.samplers.TPESampler(seed=seed)
        )
        batch = parallel_slots(self.n_jobs)
        candidates, outcomes = {}, {}
        while len(candidates) < n_trials:
            size = min(batch, n_trials - len(candidates))
            trials = [study.ask() for _ in range(size)]
            built = {f"trial {t.number}": self.candidates(t) for t in trials}
            done = _validate_all(built, y, exog, folds, self.n_jobs)
            for trial, outcome in zip(trials, done.values(), strict=True):
                score = (
                    np.nan if isinstance(outcome, str)
                    else float(outcome.summary()[self.metric])
                )  # fmt: skip
                if np.isfinite(score):
                    study.tell(trial, score)
                else:
                    study.tell(trial, state=tuner.trial.TrialState.FAIL)
            candidates.update(built)
            outcomes.update(done)
        self.study_ = study
        return candidates, outcomes

    def _initial(self, n: int, horizon: int, n_folds: int, step: int) -> int | None:
        """The first fold's training size with a sliding window (None: the
        folds' default, everything before the first origin)."""
        if self.train_size is None:
            return None
        before = n - horizon - (n_folds - 1) * step
        return max(min(self.train_size, before), 1)

    def _rank(
        self, board: pd.DataFrame, order: list[str], first: str | None = None
    ) -> pd.DataFrame:
        """The leaderboard best first by ``metric`` (ties: the given order;
        non-finite scores last), or ``first`` first and the others so, with
        ``chosen`` (the first)."""
        board = board.reindex([k for k in order if k in board.index])
        score = board[self.metric].astype(float)
        if not np.isfinite(score).any():
            raise ValueError(
                f"no candidate has a finite validation {self.metric}: "
                f"{score.to_dict()}. Choose another `metric`."
            )
        key = score.where(np.isfinite(score), np.inf)
        index = key.sort_values(kind="stable").index
        if first is not None:
            index = [first, *[k for k in index if k != first]]
        ranked = board.loc[index]
        columns = [self.metric, *[c for c in METRICS if c != self.metric]]
        columns = [c for c in columns if c in ranked] + ["fit_seconds"]
        out = ranked[columns].copy()
        out["chosen"] = np.arange(len(out)) == 0
        return out.rename_axis("candidate")

    def _reason(self, y: pd.Series, n_folds: int, horizon: int, weights) -> str:
        scores = self.selection_[self.metric]
        best = scores.iloc[0]
        if weights is not None:
            label = self.metric.upper()
            single = scores.drop(self.best_name_)
            shares = ", ".join(f"{k} {w:.2f}" for k, w in weights.items())
            return (
                f"{self.best_name_} candidates, each weighted by the inverse "
                f"square of its validation {label} over the {n_folds} origins before "
                f"{y.index[-1]} ({horizon} steps ahead): {shares}. On those "
                f"origins the weighted mean scores {best:.4g} and the best single "
                f"candidate, {single.index[0]}, {single.iloc[0]:.4g}."
            )
        text = (
            f"{self.best_name_} has the lowest validation {self.metric.upper()} "
            f"({best:.4g}) over the {n_folds} origins before {y.index[-1]} "
            f"({horizon} steps ahead)"
        )
        if len(scores) > 1:
            runner, worst = scores.index[1], scores.index[-1]
            text += (
                f", {_percent(scores.iloc[1], best)} below the runner-up {runner} "
                f"({scores.iloc[1]:.4g})"
            )
            if worst != runner:
                text += f" and {_percent(scores.iloc[-1], best)} below {worst}"
        return text + "."

    # ------------------------------------------------------------- forecasts
    def predict(self, steps=None, exog=None, last_window=None) -> pd.Series:
        """Forecast with the chosen model (``steps`` defaults to ``horizon``)."""
        check_is_fitted(self)
        return self.best_forecaster_.predict(
            steps=self.horizon if steps is None else steps, exog=exog,
            last_window=last_window,
        )

    def predict_interval(
        self, steps=None, coverage=0.8, exog=None, last_window=None
    ) -> pd.DataFrame:
        """Prediction interval of the chosen model (columns ``mean``,
        ``lower``, ``upper``), or TypeError when it has none."""
        check_is_fitted(self)
        method = getattr(self.best_forecaster_, "predict_interval", None)
        if method is None:
            raise TypeError(
                f"the chosen candidate {self.best_name_!r} "
                f"({type(self.best_forecaster_).__name__}) has no predict_interval."
            )
        return method(
            steps=self.horizon if steps is None else steps, coverage=coverage,
            exog=exog, last_window=last_window,
        )


class CombinedForecaster(BaseEstimator):
    """The median, mean or weighted mean forecast of several forecasters fit
    on the same data.

    Parameters
    ----------
    members : mapping of str to forecaster
        Unfitted forecasters (each cloned in ``fit``).
    how : {"median", "mean"}, default "median"
    weights : mapping of str to float, optional
        A weight per member (non-negative, not all zero; normalised to sum to
        one), for a weighted mean (``how="mean"``). None: equal weights.
    drop_failed : bool, default False
        A member whose ``fit`` raises is left out with a
        :class:`CandidateWarning` (the others' weights renormalised), instead
        of the error ending ``fit``; ValueError if no member with a weight
        is left.

    Attributes
    ----------
    members_ : dict of str to forecaster
        The fitted members (without those left out).

    Notes
    -----
    An ensemble of configurations (members that differ in window length,
    loss or kind, as N-BEATS combines its own), fit one after the other; for
    many networks of one configuration, ``RNNRegressor(ensemble_size=K)``
    trains them in one program. :meth:`predict_interval` combines the
    members' bounds the same way (quantile averaging).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecastrnn.baselines import Naive, SeasonalNaive
    >>> y = pd.Series(np.arange(48.0) % 24, pd.date_range("2024", periods=48, freq="h"))
    >>> both = CombinedForecaster({"naive": Naive(), "seasonal": SeasonalNaive(24)})
    >>> both.fit(y).predict(steps=2).tolist()  # the mean of 23 and 0, of 23 and 1
    [11.5, 12.0]
    >>> weighted = both.set_params(how="mean", weights={"naive": 1, "seasonal": 3})
    >>> weighted.fit(y).predict(steps=2).tolist()  # (23 + 3 * 0) / 4, (23 + 3) / 4
    [5.75, 6.5]
    """

    global_model = False

    def __init__(
        self,
        members: Mapping[str, Any] | None = None,
        how: str = "median",
        weights: Mapping[str, float] | None = None,
        drop_failed: bool = False,
    ):
        self.members = members
        self.how = how
        self.weights = weights
        self.drop_failed = drop_failed

    def fit(self, y, exog=None) -> CombinedForecaster:
        """Fit a clone of every member on ``y`` (and ``exog``)."""
        if not isinstance(self.members, Mapping) or not self.members:
            raise TypeError(
                "`members` must be a non-empty mapping of names to unfitted "
                f"forecasters; got {self.members!r:.80}."
            )
        if self.how not in ("median", "mean"):
            raise ValueError(f"`how` must be 'median' or 'mean'; got {self.how!r}.")
        check_choice(self.drop_failed, "drop_failed", (True, False))
        if self.weights is not None:
            if not isinstance(self.weights, Mapping) or set(self.weights) != set(
                self.members
            ):
                raise ValueError(
                    "`weights` must map every member to its weight "
                    f"({sorted(self.members)}); got {self.weights!r:.80}."
                )
            combine_values(
                np.zeros((len(self.members), 1)), self.how, self._weights(self.members)
            )
        kwargs = {} if exog is None else {"exog": exog}
        fitted, failed = {}, {}
        for name, member in self.members.items():
            try:
                fitted[name] = clone(member).fit(y, **kwargs)
            except Exception as error:  # left out, if drop_failed says so
                if not self.drop_failed:
                    raise
                failed[name] = f"{type(error).__name__}: {error}"
        for name, error in failed.items():
            warnings.warn(
                f"member {name!r} failed to fit and is left out: {error}",
                CandidateWarning,
                stacklevel=2,
            )
        weights = self._weights(fitted)
        if not fitted or (weights is not None and sum(weights) <= 0):
            raise ValueError(
                "no member with a weight is left to combine; the members' errors: "
                + "; ".join(f"{k}: {v}" for k, v in failed.items())
            )
        self.members_ = fitted
        return self

    def predict(self, steps=None, exog=None, last_window=None) -> pd.Series:
        """The members' combined point forecasts (pass ``steps``: members'
        defaults differ)."""
        frames = self._forecasts("predict", steps, exog, last_window)
        return self._combine(frames)

    def predict_interval(
        self, steps=None, coverage=0.8, exog=None, last_window=None
    ) -> pd.DataFrame:
        """The members' intervals combined bound by bound (``mean``,
        ``lower``, ``upper``)."""
        frames = self._forecasts(
            "predict_interval", steps, exog, last_window, coverage=coverage
        )
        return pd.DataFrame(
            {c: self._combine([f[c] for f in frames]) for c in frames[0].columns}
        )

    def _weights(self, names) -> list[float] | None:
        """The weights of the members ``names``, in that order (None: equal)."""
        if self.weights is None:
            return None
        return [float(self.weights[k]) for k in names]

    def _forecasts(self, method, steps, exog, last_window, **extra) -> list:
        check_is_fitted(self)
        out = [
            getattr(m, method)(steps=steps, exog=exog, last_window=last_window, **extra)
            for m in self.members_.values()
        ]
        if any(not o.index.equals(out[0].index) for o in out):
            raise ValueError(
                "the members forecast different timestamps; pass `steps` so that "
                "they forecast the same ones."
            )
        return out

    def _combine(self, series: list) -> pd.Series:
        values = combine_values(
            [s.to_numpy(float) for s in series], self.how, self._weights(self.members_)
        )
        return pd.Series(values, index=series[0].index, name=series[0].name)


def _validate(model, y, exog, folds: dict):
    """One candidate's validation backtest, or the error that stopped it (a
    string). Networks are fit once, at the first fold; others at every fold."""
    refit = not isinstance(model, RNNForecaster)
    try:
        return backtest(model, y, exog, refit=refit, n_jobs=1, **folds)
    except Exception as error:  # a candidate that fails is left out, not fatal
        return f"{type(error).__name__}: {error}"


def _validate_all(candidates: dict, y, exog, folds: dict, n_jobs) -> dict:
    """:func:`_validate` of every candidate, ``n_jobs`` at once."""
    tasks = [(_validate, (model, y, exog, folds)) for model in candidates.values()]
    return dict(zip(candidates, run_tasks(tasks, n_jobs), strict=True))


def _inverse_weights(scores: pd.Series) -> pd.Series:
    """Weights proportional to ``1 / score ** 2``, summing to one (all on
    the candidates that scored 0, if any did).

    >>> _inverse_weights(pd.Series({"a": 1.0, "b": 2.0})).tolist()
    [0.8, 0.2]
    """
    perfect = scores == 0
    raw = perfect.astype(float) if perfect.any() else scores**-2.0
    return raw / raw.sum()


def _optuna():
    """The optuna module, or ImportError saying how to install it."""
    if optuna is None:
        raise ImportError(
            "A search space (`candidates` a callable) needs Optuna: pip install "
            '"forecastrnn[tune]" (or pip install optuna).'
        )
    return optuna


def _percent(worse: float, best: float) -> str:
    """How much lower ``best`` is than ``worse``, as a percentage."""
    if not np.isfinite(worse) or worse == 0:
        return "far"
    return f"{100 * (worse - best) / worse:.1f} %"
