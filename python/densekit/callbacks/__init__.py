"""Callbacks: hooks into fit / evaluate / predict (keras/src/callbacks/). The C++ loop calls back at
epoch ends, and per batch only for hooks some callback implements (the progress bar's redraws
are throttled to one every 0.05 s)."""

from densekit.callbacks.backup_and_restore import BackupAndRestore
from densekit.callbacks.callback import Callback
from densekit.callbacks.callback_list import CallbackList
from densekit.callbacks.csv_logger import CSVLogger
from densekit.callbacks.early_stopping import EarlyStopping
from densekit.callbacks.history import History
from densekit.callbacks.lambda_callback import LambdaCallback
from densekit.callbacks.learning_rate_scheduler import LearningRateScheduler
from densekit.callbacks.model_checkpoint import ModelCheckpoint
from densekit.callbacks.monitor_callback import MonitorCallback
from densekit.callbacks.progbar_logger import ProgbarLogger
from densekit.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from densekit.callbacks.swap_ema_weights import SwapEMAWeights
from densekit.callbacks.tensorboard import TensorBoard
from densekit.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "ModelCheckpoint", "MonitorCallback", "ProgbarLogger", "ReduceLROnPlateau",
    "SwapEMAWeights", "TensorBoard", "TerminateOnNaN",
]
