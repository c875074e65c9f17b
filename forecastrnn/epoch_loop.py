"""The epoch loop of :func:`forecastrnn.training.fit_network`: the shuffles
and dropout seeds, the history, the non-finite stop, early stopping (per
member of an ensemble), checkpoints and Ctrl-C, whichever engine runs the
epochs."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["run_epochs"]


def run_epochs(spec, run_epoch, state, rng, draw, max_epochs, early, patience,
               on_epoch, on_checkpoint, fields):
    """The epoch loop both engines share: the shuffles and dropout seeds (from
    ``rng``), the history, the non-finite stop, early stopping, checkpoints and
    Ctrl-C. ``state`` is the run so far, replaced in one step when an epoch
    has finished, so an interrupted epoch leaves no trace. ``fields`` names
    the per-epoch figures the history keeps; :func:`forecastrnn.training.
    fit_network` runs it."""
    history = state.history or {k: [] for k in ("epoch", *fields)}
    state = state._replace(
        history={k: list(v) for k, v in history.items()},
        rng_state=rng.bit_generator.state,
    )
    reported, epoch = True, state.epoch
    try:
        for epoch in range(state.epoch + 1, max_epochs + 1):
            if state.stopped:
                break
            order = draw(rng)
            seed = rng.integers(0, 2**32, size=2, dtype=np.uint32)
            params, opt_state, stats = run_epoch(
                state.params, state.opt_state, order, seed
            )
            # an ensemble's figures are its members' means; each member stops
            # early on its own validation loss
            record = {
                name: float(np.mean(getattr(stats, name)))
                for name in state.history
                if name != "epoch"
            }
            if not (np.isfinite(record["train_loss"]) and stats.finite):
                _warn_non_finite(spec, epoch, record)
                state, reported = state._replace(stopped=True), False
                break
            val_loss = np.asarray(stats.val_loss, np.float64)
            state = _advance(state, params, opt_state, rng, epoch, record, val_loss,
                             early)
            waited = np.asarray(state.waited)
            state = state._replace(stopped=early and bool(np.all(waited >= patience)))
            reported = False
            if on_epoch is not None:
                on_epoch(epoch, record)
            if on_checkpoint is not None and (not early or np.any(waited == 0)):
                on_checkpoint(state)
                reported = True
    except KeyboardInterrupt:
        _warn_interrupted(state, epoch, early)
    if on_checkpoint is not None and not reported:
        on_checkpoint(state)
    if early and state.best_params is not None:
        return state.best_params, state.history
    return state.params, state.history


def _advance(state, params, opt_state, rng, epoch, record, val_loss, early):
    """The run's state after epoch ``epoch`` finished with ``record`` (new
    lists: a state handed out never changes, and it changes in one step).

    ``val_loss`` is one per member for an ensemble (then ``best_loss``,
    ``best_epoch`` and ``waited`` are arrays, and ``best_params`` holds each
    member's best epoch)."""
    history = {
        k: [*v, epoch if k == "epoch" else record[k]]
        for k, v in state.history.items()
    }
    state = state._replace(
        params=params, opt_state=opt_state, history=history,
        rng_state=rng.bit_generator.state,
    )
    if not early:
        return state
    improved = val_loss < state.best_loss
    best = params if state.best_params is None else state.best_params
    return state._replace(
        best_params=_pick(improved, params, best),
        best_loss=np.where(improved, val_loss, state.best_loss)[()],
        best_epoch=np.where(improved, epoch, state.best_epoch)[()],
        waited=np.where(improved, 0, np.asarray(state.waited) + 1)[()],
    )


def _pick(mask, new: dict, old: dict) -> dict:
    """``new`` where ``mask``, else ``old``: whole networks, or an ensemble's
    members (``mask`` one per member)."""
    mask = np.asarray(mask)
    if mask.ndim == 0:
        return new if mask else old

    def leaf(a, b):
        return jnp.where(mask.reshape(mask.shape + (1,) * (a.ndim - 1)), a, b)

    return jax.tree.map(leaf, new, old)


def _warn_non_finite(spec, epoch, record):
    """Warn that training stopped at a non-finite loss."""
    warnings.warn(
        f"Training stopped at epoch {epoch}: the loss became non-finite "
        f"({record['train_loss']}), a sign of exploding gradients. The "
        f"parameters after epoch {epoch - 1} are kept. Lower "
        f"`learning_rate` (now {spec.learning_rate}) or clip gradients "
        f"harder with a smaller `clip_norm` (now {spec.clip_norm}).",
        RuntimeWarning,
        stacklevel=5,
    )


def _warn_interrupted(state, epoch, early):
    """Warn that a KeyboardInterrupt stopped training, and what is kept."""
    if early and state.best_params is not None:
        epochs = ", ".join(str(e) for e in np.ravel(state.best_epoch))
        kept = f"keeping the best weights (epoch {epochs})"
    elif state.epoch:
        kept = f"keeping the weights after epoch {state.epoch}"
    else:
        kept = "no epoch finished; keeping the initial weights"
    warnings.warn(
        f"Training interrupted at epoch {epoch} (KeyboardInterrupt); {kept}. "
        f"The history holds the {len(state.history['epoch'])} epochs done.",
        RuntimeWarning,
        stacklevel=5,
    )
