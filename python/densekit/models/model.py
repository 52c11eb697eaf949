"""Model: compile / fit / evaluate / predict / summary. The work happens in the C++ model; this
class arranges the data, the callbacks and the printed output around it."""

import json
import math
import numbers
import signal
import threading

import numpy as np

from densekit import _core, losses as losses_module, metrics as metrics_module, optimizers, saving
from densekit.callbacks import CallbackList
from densekit.layers.input_layer import KerasTensor
from densekit.models import data as data_utils
from densekit.utils import naming, summary as summary_utils


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"Argument `verbose` must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r}")
    return verbose


def _sorted_logs(logs):
    """Keras's pythonified logs: sorted by key, values Python floats."""
    return {key: float(value) for key, value in sorted(logs)}


def _epoch_logs(logs):
    """An epoch's logs as Keras builds them: the training results sorted, then the validation
    results (sorted) appended."""
    train = sorted((k, v) for k, v in logs if not k.startswith("val_"))
    val = sorted((k, v) for k, v in logs if k.startswith("val_"))
    return {key: float(value) for key, value in train + val}


# The accuracy functions: compiled by name they are wrapped without a direction, so
# mode="auto" cannot tell which way they improve (Keras's behaviour); their classes can.
_DIRECTIONLESS = {"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                  "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"}


def _metric_direction(identifier, core):
    """(name, "up" / "down" / None) of a compiled metric, as callbacks' mode="auto" sees it."""
    name = identifier if isinstance(identifier, str) else core.name
    fn_name = identifier if isinstance(identifier, str) else getattr(identifier, "__name__", None)
    if fn_name in _DIRECTIONLESS and not isinstance(identifier, metrics_module.Metric):
        return name, None
    return name, "up" if core.higher_is_better else "down"


class Model:
    """Base of Sequential (and of functional and subclassed models)."""

    _keras_class = "Functional"  # the class name the config and model files record

    def __init__(self, *args, name=None, trainable=True, **kwargs):
        if args or kwargs:
            raise TypeError("densekit.Model(inputs, outputs) (the functional API) is not available in this version; "
                            "build the network with densekit.Sequential.")
        self.name = name if name is not None else naming.auto_name(type(self).__name__)
        self.trainable = trainable
        self._graph = None       # the C++ graph (built)
        self._core = None        # the C++ model (built)
        self._compile_args = None
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._initial_epoch = None  # set by BackupAndRestore to resume an interrupted fit
        self._metric_directions = {}

    # --- subclass interface -----------------------------------------------------------------
    def _input_shapes(self):
        """Per-sample input shapes, or None while they are unknown (deferred build)."""
        raise NotImplementedError

    def _make_graph(self, input_shapes):
        raise NotImplementedError

    @property
    def layers(self):
        raise NotImplementedError

    # --- building -----------------------------------------------------------------------------
    @property
    def built(self):
        return self._core is not None

    def build(self, input_shape):
        """Builds the weights for inputs of ``input_shape`` (batch dimension first)."""
        self._build([tuple(int(d) for d in input_shape[1:])])

    def _build(self, input_shapes):
        saved = {id(layer): layer.get_weights() for layer in self.layers if layer.built}
        graph = self._make_graph(input_shapes)
        graph.finalize()
        for layer in self.layers:
            layer._graph = graph
            if id(layer) in saved:
                layer.set_weights(saved[id(layer)])
        self._graph = graph
        self._core = _core.Model(graph, _core.draw_seed())
        self._core.output_names = self.output_names
        self._core.name, self._core.class_name = self.name, self._keras_class
        if self._compile_args is not None:
            self._apply_compile()

    def _ensure_built(self, xs):
        if self._core is None:
            self._build([tuple(x.shape[1:]) for x in xs])

    @property
    def output_names(self):
        return [self.layers[-1].name] if self.layers else []

    def _require_built(self, what):
        if self._core is None:
            raise AttributeError(f"The model '{self.name}' has not been built yet, so it has no {what}. Call it on "
                                 "data, fit it, or start it with an Input.")

    @property
    def input_shape(self):
        self._require_built("input_shape")
        return (None,) + tuple(self._graph.node_shape(self._graph.input_nodes[0]))

    @property
    def output_shape(self):
        self._require_built("output_shape")
        return (None,) + tuple(self._graph.node_shape(self._graph.output_nodes[0]))

    # --- weights ------------------------------------------------------------------------------
    @property
    def weights(self):
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self):
        return [w for w in self.weights if w.trainable]

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.trainable]

    def get_weights(self):
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on model '{self.name}' with a weight list of length "
                             f"{len(weights)}, but the model was expecting {len(own)} weights.")
        for variable, value in zip(own, weights):
            variable.assign(value)

    def count_params(self):
        if self._core is None:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                             f"You can build it manually via: `{self.name}.build(batch_input_shape)`.")
        return int(sum(np.prod(w.shape) for w in self.weights))

    def get_layer(self, name=None, index=None):
        if name is not None and index is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    # --- compile ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
            raise ValueError("Expected `metrics` argument to be a list, tuple, or dict. "
                             f"Received instead: metrics={metrics} of type {type(metrics)}")
        if weighted_metrics is not None and not isinstance(weighted_metrics, (list, tuple, dict)):
            raise ValueError("Expected `weighted_metrics` argument to be a list, tuple, or dict. "
                             f"Received instead: weighted_metrics={weighted_metrics} of type {type(weighted_metrics)}")
        if isinstance(loss, (list, tuple)):
            if len(loss) != 1:
                raise ValueError(f"The model has 1 output but {len(loss)} losses were given.")
            loss = loss[0]
        if isinstance(loss, dict):
            loss = loss.get(self.output_names[0]) if len(loss) == 1 else loss
            if isinstance(loss, dict):
                raise ValueError(f"The loss dict {sorted(loss)} does not match the model's outputs {self.output_names}.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        loss_object = None if loss is None else losses_module.get(loss)
        if isinstance(loss_weights, (list, tuple)):
            loss_weights = loss_weights[0] if len(loss_weights) == 1 else loss_weights
        if loss_weights is not None and not isinstance(loss_weights, numbers.Real):
            raise ValueError(f"`loss_weights` must be a float (or a list of one) for a single-output model. "
                             f"Received: loss_weights={loss_weights!r}")
        def metric_list(given):
            items = list(given.values())[0] if isinstance(given, dict) else list(given or [])
            return list(items) if isinstance(items, (list, tuple)) else [items]

        # Repeated names are told apart in the logs by the C++ model ("_1", "weighted_").
        plain = [(m, metrics_module.get(m)) for m in metric_list(metrics)]
        weighted = [(m, metrics_module.get(m)) for m in metric_list(weighted_metrics)]
        cores, weighted_cores = [c for _, c in plain], [c for _, c in weighted]
        self._compile_args = (loss_object, 1.0 if loss_weights is None else float(loss_weights), cores,
                              weighted_cores)
        self._metric_names = [c.name for c in cores + weighted_cores]
        self._metric_directions = dict(_metric_direction(m, c) for m, c in plain + weighted)
        self.compiled = True
        self.stop_training = False
        if self._core is not None:
            self._apply_compile()

    def _apply_compile(self):
        loss, weight, metric_cores, weighted_cores = self._compile_args
        if loss is not None:
            self._core.compile(self.optimizer._core, [loss._core], [weight], [metric_cores], [weighted_cores])

    def _adopt_compile(self, compile_config, core_optimizer):
        """Mirrors the compile settings of a C++ model loaded already compiled (its optimizer
        keeps the loaded slots and iteration count)."""
        self.optimizer = optimizers._wrap(core_optimizer, compile_config["optimizer"])
        loss = compile_config["loss"]
        weight = compile_config.get("loss_weights")
        plain = [(m, metrics_module.get(m)) for m in compile_config.get("metrics") or []]
        weighted = [(m, metrics_module.get(m)) for m in compile_config.get("weighted_metrics") or []]
        self.loss = loss if isinstance(loss, str) else losses_module.get(loss)
        self._compile_args = (losses_module.get(loss), 1.0 if weight is None else float(weight),
                              [c for _, c in plain], [c for _, c in weighted])
        self._metric_names = [c.name for _, c in plain + weighted]
        self._metric_directions = dict(_metric_direction(m.get("config", {}).get("name", m) if isinstance(m, dict)
                                                         else m, c) for m, c in plain + weighted)
        self.compiled = True

    def _require_compiled(self):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        if self._compile_args[0] is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")

    # --- data ---------------------------------------------------------------------------------
    def _inputs(self, x):
        xs = data_utils.as_list(x, 1, "x")
        data_utils.check_same_length(xs, "x")
        if len(xs[0]) == 0:
            raise ValueError("The data is empty: `x` has 0 samples. Pass at least one sample.")
        self._ensure_built(xs)
        first = self.layers[0].name if self.layers else self.name
        return data_utils.check_input_shapes(xs, [self._graph.node_shape(n) for n in self._graph.input_nodes], first)

    def _targets(self, y, xs):
        if y is None:
            raise ValueError("Target data `y` is missing: pass the targets to train or evaluate on.")
        ys = data_utils.as_list(y, 1, "y")
        if len(ys[0]) != len(xs[0]):
            raise ValueError(f"Data cardinality is ambiguous: x has {len(xs[0])} samples but y has {len(ys[0])}. "
                             "Make sure all arrays contain the same number of samples.")
        return ys

    @staticmethod
    def _weights(sample_weight, n):
        if sample_weight is None:
            return None
        w = data_utils.to_array(sample_weight, "sample_weight").reshape(-1)
        if len(w) != n:
            raise ValueError(f"`sample_weight` must have one value per sample: expected {n}, received {len(w)}.")
        return w

    @staticmethod
    def _class_weights(class_weight, y):
        if not isinstance(class_weight, dict):
            raise ValueError(f"`class_weight` must be a dict mapping class indices to weights. Received: {class_weight!r}")
        pairs = []
        for key, value in class_weight.items():
            if isinstance(key, bool) or not isinstance(key, numbers.Integral):
                raise ValueError("Expected `class_weight` to be a dict with keys from 0 to one less than the number "
                                 f"of classes, found {class_weight}")
            pairs.append((int(key), float(value)))
        return _core.class_weights_to_sample_weights(y, pairs)

    def _format_logs(self, logs, return_dict):
        logs = dict(logs)
        if return_dict:
            return {k: float(v) for k, v in sorted(logs.items())}
        values = [float(v) for v in logs.values()]
        return values[0] if len(values) == 1 else values

    # --- training -----------------------------------------------------------------------------
    @staticmethod
    def _handle_sigint():
        """Whether the C++ loop takes over Ctrl-C (stopping between batches, then raising
        KeyboardInterrupt): in the main thread, where Python delivers KeyboardInterrupt, and only
        while SIGINT has Python's default handler (a handler of the user's own, or SIG_IGN, keeps
        the signal)."""
        return (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler)

    def _test_hooks(self, cbl, handle_sigint, in_fit=False):
        """evaluate's hooks into the C++ loop for the callbacks in ``cbl``: only those some
        callback implements (the progress bar's batch updates throttled; none for validation
        inside fit, which the bar does not show)."""
        hooks = _core.LoopHooks()
        hooks.handle_sigint = handle_sigint
        if cbl.implements("on_test_begin") or cbl.implements("on_test_end") or cbl.implements("on_test_batch_end"):
            hooks.begin = lambda: cbl.on_test_begin()
            hooks.end = lambda logs: cbl.on_test_end(_sorted_logs(logs))
        if cbl.implements("on_test_batch_begin"):
            def batch_begin(batch):
                cbl.on_test_batch_begin(batch)
                return bool(getattr(self, "stop_evaluating", False))
            hooks.batch_begin = batch_begin
        interval = cbl.batch_end_interval("on_test_batch_end", progbar=not in_fit)
        if interval is not None:
            def batch_end(batch, logs):
                cbl.on_test_batch_end(batch, _sorted_logs(logs))
                return bool(getattr(self, "stop_evaluating", False))
            hooks.batch_end = batch_end
            hooks.batch_end_interval = interval
        return hooks

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        self._require_compiled()
        verbose = _verbose(verbose)
        epochs = int(epochs)
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        n = len(xs[0])
        sw = self._weights(sample_weight, n)
        if class_weight is not None:
            if sw is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            sw = self._class_weights(class_weight, ys[0])
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                raise ValueError("`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight).")
            vx = self._inputs(validation_data[0])
            vy = self._targets(validation_data[1], vx)
            vw = self._weights(validation_data[2], len(vx[0])) if len(validation_data) == 3 else None
            validation = (vx, vy, vw)
        if batch_size is None:
            batch_size = math.ceil(n / steps_per_epoch) if steps_per_epoch else 32
        batch_size = _positive_int("batch_size", batch_size)
        if validation_split and validation_data is None:
            (xs_t, ys_t, sw_t), (xs_v, ys_v, sw_v) = self._split(xs, ys, sw, validation_split)
            xs, ys, sw, validation = xs_t, ys_t, sw_t, (xs_v, ys_v, sw_v)
        options = _core.FitOptions()
        if shuffle not in (True, False):
            raise ValueError(f"densekit supports shuffle=True or False. Received: shuffle={shuffle!r}")
        options.shuffle = bool(shuffle)
        if validation_batch_size is not None:
            options.validation_batch_size = _positive_int("validation_batch_size", validation_batch_size)
        if isinstance(validation_freq, (list, tuple, set)):
            options.validation_epochs = sorted(int(e) for e in validation_freq)
        else:
            options.validation_freq = _positive_int("validation_freq", validation_freq)
        steps = math.ceil(len(xs[0]) / min(batch_size, len(xs[0])))
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=epochs,
            steps=steps)
        handle_sigint = self._handle_sigint()
        options.handle_sigint = handle_sigint

        hooks = _core.FitHooks()
        hooks.validation = self._test_hooks(cbl, handle_sigint, in_fit=True)
        last_logs = [None]  # the last epoch's logs, for on_train_end

        def epoch_begin(epoch):
            cbl.on_epoch_begin(epoch)
            return bool(self.stop_training)

        def epoch_end(epoch, logs):
            last_logs[0] = _epoch_logs(logs)
            cbl.on_epoch_end(epoch, last_logs[0])
            return bool(self.stop_training)

        if cbl.implements("on_epoch_begin"):  # else no call into Python at epoch begin
            hooks.epoch_begin = epoch_begin
        hooks.epoch_end = epoch_end
        if cbl.implements("on_train_batch_begin"):
            def batch_begin(epoch, batch):
                cbl.on_train_batch_begin(batch)
                return bool(self.stop_training)
            hooks.batch_begin = batch_begin
        interval = cbl.batch_end_interval("on_train_batch_end")
        if interval is not None:
            def batch_end(epoch, batch, logs):
                cbl.on_train_batch_end(batch, _sorted_logs(logs))
                return bool(self.stop_training)
            hooks.batch_end = batch_end
            options.batch_hook_interval = interval

        self.stop_training = False
        cbl.on_train_begin()
        # BackupAndRestore sets _initial_epoch in on_train_begin to resume where a fit stopped.
        initial_epoch = self._initial_epoch or initial_epoch
        self._initial_epoch = None
        options.batch_size, options.epochs, options.initial_epoch = batch_size, epochs, int(initial_epoch)
        # Ctrl-C: the loop stops between batches and raises KeyboardInterrupt; model.history
        # keeps the finished epochs, and on_train_end is not called (as in Keras).
        self._core.fit(xs, ys, sw, validation, options, hooks)
        cbl.on_train_end(last_logs[0])
        return self.history

    @staticmethod
    def _split(xs, ys, sw, fraction):
        train_x, val_x = data_utils.split_validation(xs, fraction)
        train_y, val_y = data_utils.split_validation(ys, fraction)
        (train_w,), (val_w,) = data_utils.split_validation([sw], fraction) if sw is not None else ((None,), (None,))
        return (train_x, train_y, train_w), (val_x, val_y, val_w)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        self._require_compiled()
        verbose = _verbose(verbose)
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        sw = self._weights(sample_weight, len(xs[0]))
        batch_size = _positive_int("batch_size", batch_size or 32)
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=math.ceil(len(xs[0]) / batch_size))
        self.stop_evaluating = False
        logs = self._core.evaluate(xs, ys, sw, batch_size, self._test_hooks(cbl, self._handle_sigint()))
        return self._format_logs(logs, return_dict)

    def _ready_input(self, x):
        """x itself when it is already what the C++ core reads (one float32 C-ordered array of the
        single input's shape): the fast path of predict, predict_on_batch and calling the model."""
        shape = self._single_input_shape
        if (shape is not None and type(x) is np.ndarray and x.dtype == np.float32 and x.flags.c_contiguous
                and x.shape[1:] == shape and len(x)):
            return x
        return None

    @property
    def _single_input_shape(self):
        if self._core is None or len(self._graph.input_nodes) != 1 or len(self._graph.output_nodes) != 1:
            return None
        cached = getattr(self, "_input_shape_cache", None)
        if cached is None or cached[0] is not self._graph:
            cached = (self._graph, tuple(self._graph.node_shape(self._graph.input_nodes[0])))
            self._input_shape_cache = cached
        return cached[1]

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        if verbose == 0 and callbacks is None and (batch_size is None or batch_size > 0):
            ready = self._ready_input(x)
            if ready is not None:
                return self._core.predict_single(ready, batch_size or 32)
        verbose = _verbose(verbose)
        xs = self._inputs(x)
        batch_size = _positive_int("batch_size", batch_size or 32)
        cbl = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=math.ceil(len(xs[0]) / batch_size))
        hooks = _core.LoopHooks()
        hooks.handle_sigint = self._handle_sigint()
        out = None
        self.stop_predicting = False
        if cbl.callbacks:
            hooks.begin = lambda: cbl.on_predict_begin()
            hooks.end = lambda logs: cbl.on_predict_end()
            if cbl.implements("on_predict_batch_begin"):
                def batch_begin(batch):
                    cbl.on_predict_batch_begin(batch)
                    return bool(self.stop_predicting)
                hooks.batch_begin = batch_begin
            interval = cbl.batch_end_interval("on_predict_batch_end")
            if interval is not None:
                # The callbacks see each batch's rows of the output arrays being filled.
                rows = len(xs[0])
                out = [np.empty((rows,) + tuple(self._graph.node_shape(o)), dtype=np.float32)
                       for o in self._graph.output_nodes]

                def batch_end(batch, logs):
                    part = [o[batch * batch_size:(batch + 1) * batch_size] for o in out]
                    cbl.on_predict_batch_end(batch, {"outputs": part[0] if len(part) == 1 else part})
                    return bool(self.stop_predicting)
                hooks.batch_end = batch_end
                hooks.batch_end_interval = interval
        outputs = self._core.predict(xs, batch_size, hooks, out)
        return outputs[0] if len(outputs) == 1 else outputs

    def predict_on_batch(self, x):
        ready = self._ready_input(x)
        if ready is not None:
            return self._core.predict_single(ready, len(ready))
        xs = self._inputs(x)
        outputs = self._core.predict(xs, len(xs[0]))
        return outputs[0] if len(outputs) == 1 else outputs

    def __call__(self, x, training=False):
        if isinstance(x, KerasTensor):
            raise TypeError("Calling a densekit model on a symbolic tensor (the functional API) is not available in "
                            "this version.")
        return self.predict_on_batch(x)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._require_compiled()
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        sw = self._weights(sample_weight, len(xs[0]))
        if class_weight is not None:
            sw = self._class_weights(class_weight, ys[0])
        return self._format_logs(self._core.train_on_batch(xs, ys, sw), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled()
        xs = self._inputs(x)
        ys = self._targets(y, xs)
        sw = self._weights(sample_weight, len(xs[0]))
        return self._format_logs(self._core.test_on_batch(xs, ys, sw), return_dict)

    @property
    def metrics_names(self):
        return ["loss", "compile_metrics"] if getattr(self, "_metric_names", None) else ["loss"]

    # --- saving and configs ---------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the whole model to one file in densekit's format (any path; ``.keras`` and
        ``.h5`` paths get densekit's format too, with a warning)."""
        saving.save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and the optimizer state, once built) in densekit's format."""
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights saved by save_weights or save, matched to this model's weights in order."""
        saving.load_weights(self, filepath)

    def _serialized(self):
        """Keras's serialized model: module, class_name, config, build_config, compile_config."""
        self._require_built("config")
        return json.loads(_core.model_config_json(self._core))

    def get_config(self):
        return self._serialized()["config"]

    def to_json(self, **kwargs):
        return json.dumps(self._serialized(), **kwargs)

    def __reduce__(self):
        self._require_built("state to pickle")
        return saving.model_from_bytes, (_core.save_model_to_bytes(self._core),)

    # --- summary ------------------------------------------------------------------------------
    def _summary_rows(self):
        raise NotImplementedError

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        rows = self._summary_rows()
        trainable = sum(int(np.prod(w.shape)) for w in self.trainable_weights)
        non_trainable = sum(int(np.prod(w.shape)) for w in self.non_trainable_weights)
        optimizer_params = None
        if self.optimizer is not None and self.optimizer.built:
            optimizer_params = self.optimizer.count_params()
        text = summary_utils.render(self.name, rows, trainable, non_trainable, optimizer_params,
                                    line_length=line_length, positions=positions)
        if print_fn is not None:
            print_fn(text)
        else:
            print(text)
