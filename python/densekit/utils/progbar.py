"""Keras's progress bar, character for character (keras/src/utils/progbar.py)."""

import math
import os
import sys
import time

from densekit.utils import io_utils

_BOLD, _RESET, _GREEN, _WHITE = "\x1b[1m", "\x1b[0m", "\x1b[32m", "\x1b[37m"


def format_value(value, exponent_below_abs=True):
    """``{:.4f}`` for values above 1e-3 (by absolute value with verbose 1), else ``{:.4e}``."""
    big = abs(value) > 1e-3 if exponent_below_abs else value > 1e-3
    return f" {value:.4f}" if big else f" {value:.4e}"


def _scalar(value):
    """A metric's array (one value per threshold or class) shows as its mean, as Keras's bar does."""
    if getattr(value, "ndim", None) == 0:  # a 0-d array is one number (it has __len__, which raises)
        return float(value)
    return sum(float(v) for v in value) / max(len(value), 1) if hasattr(value, "__len__") else float(value)


def format_time_per_step(seconds, unit_name="step"):
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


class Progbar:
    """A progress bar for ``target`` steps (None: unknown). ``update(current, values, finalize)``
    redraws at most every ``interval`` seconds (verbose 1), or prints one line when finalized
    (verbose 2); ``add(n, values)`` moves it ``n`` steps on. A value shows as its mean over the
    steps so far, weighted by the steps each update covered, unless its name is in
    ``stateful_metrics`` (or, given ``stateless_metrics`` instead, not in it): then as given.
    ``stream`` (densekit's): where to write, standard output by default."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, stateless_metrics=None,
                 unit_name="step", stream=None):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be provided. "
                             "`stateful_metrics` is used to make metrics stateless by default (with an exclusion "
                             "list), while `stateless_metrics` is used to make metrics stateful by default (with an "
                             "exclusion list).")
        self.target, self.width, self.verbose, self.interval, self.unit_name = target, width, verbose, interval, unit_name
        # As Keras's: values are averaged unless named in stateful_metrics, or, with
        # stateless_metrics given, shown as given unless named there.
        self.stateful_metrics = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        self._stream = stream
        self._seen_so_far = 0
        self._dynamic_display = (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or \
            "ipykernel" in sys.modules or "posix" in sys.modules or "PYCHARM_HOSTED" in os.environ
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _write(self, text):
        if self._stream is None:
            io_utils.print_msg(text, line_break=False)
            return
        self._stream.write(text)
        self._stream.flush()

    def _step_duration(self, current, now):
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step

    def _averaged(self, key):
        if self.stateful_metrics is not None:
            return key not in self.stateful_metrics
        return key in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for key, value in values or []:
            if key not in self._values_order:
                self._values_order.append(key)
            value = _scalar(value)
            if self._averaged(key) and not finalize:
                steps = max(current - self._seen_so_far, 1)  # at least 1: an update that did not move
                total, count = self._values.get(key, (0.0, 0))
                self._values[key] = (total + value * steps, count + steps)
            else:  # as given (a finalizing update restarts the mean, as Keras's)
                self._values[key] = (value, 1)
        self._seen_so_far = current
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
            special = 0
            if self.target is not None and self.target > 0:
                digits = int(math.log10(self.target)) + 1
                bar = f"{_BOLD}{current:>{digits}}/{self.target}{_RESET} "
                special += 8
                done = int(self.width * current / self.target)
                if done > 0:
                    bar += _GREEN + "━" * done + _RESET
                    special += 9
                bar += _WHITE + "━" * (self.width - done) + _RESET
                special += 9
            else:
                bar = "%7d/Unknown" % current
            if self.target is not None and self.target > 0 and not finalize:
                eta = per_step * (self.target - current)
                if eta > 3600:
                    eta_text = "%d:%02d:%02d" % (eta // 3600, (eta % 3600) // 60, eta % 60)
                elif eta > 60:
                    eta_text = "%d:%02d" % (eta // 60, eta % 60)
                else:
                    eta_text = "%ds" % eta
                info = f" {_BOLD}{eta_text}{_RESET}"
            else:
                info = f" {_BOLD}{now - self._start:.0f}s{_RESET}"
            special += 8
            info += format_time_per_step(per_step, self.unit_name)
            for key in self._values_order:
                info += f" - {key}:" + format_value(self._mean(key))
            total_width = len(bar) + len(info) - special
            message += bar + info
            if self._prev_total_width > total_width:
                message += " " * (self._prev_total_width - total_width)
            if finalize:
                message += "\n"
            self._write(message)
            self._prev_total_width = total_width
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            info = f"{current:>{digits}}/{self.target} - {now - self._start:.0f}s -"
            info += format_time_per_step(per_step, self.unit_name)
            for key in self._values_order:
                info += f" - {key}:" + format_value(self._mean(key), exponent_below_abs=False)
            self._write(info + "\n")
        self._last_update = now

    def _mean(self, key):
        total, count = self._values[key]
        return total / max(1, count)

    def add(self, n, values=None):
        """Moves the bar ``n`` steps on."""
        self.update(self._seen_so_far + n, values)
