"""Functional JAX core: recurrent cells, layers and the forecasting network.

Pure functions over parameter pytrees, batch-first, float32. See DESIGN.md for
the parameter layout of each cell.
"""

from .cells import (
    CELLS,
    Cell,
    LSTMCarry,
    elman_sequence,
    get_cell,
    gru_step,
    init_carry,
    init_cell,
    lstm_step,
    rnn_step,
)
from .layers import (
    attention_pool,
    dropout_mask,
    encode,
    init_layers,
    scan_cell,
)
from .network import (
    NetworkConfig,
    apply_network,
    check_forks,
    embed_series,
    init_network,
)

__all__ = [
    "CELLS",
    "Cell",
    "LSTMCarry",
    "NetworkConfig",
    "apply_network",
    "attention_pool",
    "check_forks",
    "dropout_mask",
    "elman_sequence",
    "embed_series",
    "encode",
    "get_cell",
    "gru_step",
    "init_carry",
    "init_cell",
    "init_layers",
    "init_network",
    "lstm_step",
    "rnn_step",
    "scan_cell",
]
