"""model.summary(): Keras's table (rendered by rich in Keras), drawn here without rich."""

import math
import os
import shutil
import sys


def readable_size(n_bytes):
    """``5.51 KB``-style sizes in steps of 1024."""
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def format_shape(shape):
    """``(None, 16)``: a shape as Keras prints it, batch dimension first."""
    text = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({text},)" if len(shape) == 1 else f"({text})"  # Python's tuple: (None,)


def weights_bytes(weights):
    """The memory the weights take, each at its dtype's size (an int64 count is 8 bytes), as
    Keras's weight_memory_size counts it."""
    return sum(int(math.prod(w.shape)) * (8 if w.dtype == "int64" else 4) for w in weights)


def built_shape(layer):
    """The output shape of a layer built on its own (``build()`` or ``adapt()``), from the shape
    it was built for, batch size included; "?" for a layer never built."""
    shapes = getattr(layer, "_build_shapes", None)
    return format_shape(shapes[1]) if shapes is not None else "?"


def layer_params(layer):
    """A row's "Param #": the layer's (or nested model's) weights, "0 (unbuilt)" before it has any."""
    weights = layer.weights
    if not weights and not layer.built:
        return "0 (unbuilt)"
    return f"{sum(int(math.prod(w.shape)) for w in weights):,}"


def _console_width():
    if "COLUMNS" in os.environ:
        try:
            return int(os.environ["COLUMNS"])
        except ValueError:
            pass
    if hasattr(sys.stdout, "isatty") and sys.stdout.isatty():
        return shutil.get_terminal_size((80, 24)).columns
    return 80


def _column_widths(line_length, positions):
    """Cell widths (padding included) as rich computes them for Keras's fixed-width columns."""
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths, current = [], 0
    for pos in positions:
        widths.append(pos - current + 2)  # rich adds one space of padding on each side
        current = pos
    # Too wide for the table: rich takes the excess off in proportion (rich's ratio_reduce).
    excess = sum(widths) - (line_length - (len(widths) + 1))
    if excess > 0:
        remaining, ratio_left = excess, len(widths)
        for i, w in enumerate(widths):
            take = min(w, round(remaining / ratio_left))
            widths[i] = w - take
            remaining -= take
            ratio_left -= 1
    return widths


def _wrap(text, width):
    """Word-wraps a cell's text into lines of at most ``width`` characters."""
    lines, line = [], ""
    for word in text.split(" "):
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _row(cells, widths, aligns, bar):
    wrapped = [_wrap(str(c), w - 2) for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    out = []
    for i in range(height):
        parts = []
        for lines, w, align in zip(wrapped, widths, aligns):
            text = lines[i] if i < len(lines) else ""
            parts.append(" " + (text.rjust(w - 2) if align == "right" else text.ljust(w - 2)) + " ")
        out.append(bar + bar.join(parts) + bar)
    return out


def render(model_name, rows, trainable, non_trainable, optimizer_params=None, line_length=None, positions=None,
           headers=("Layer (type)", "Output Shape", "Param #"), trainable_bytes=None, non_trainable_bytes=None):
    """The summary text. rows: (name cell, output shape, params) per layer; the counts are
    numbers of values, 4 bytes each unless their sizes in bytes are given; optimizer_params is
    None until the optimizer is built."""
    default_length = 88 if len(headers) == 3 else 108
    if line_length is None:
        line_length = min(default_length, _console_width() - 4)
    positions = positions or ([0.45, 0.80, 1.0] if len(headers) == 3 else [0.3, 0.56, 0.74, 1.0])
    widths = _column_widths(line_length, positions)
    aligns = ["left"] * (len(headers) - 1) + ["right"]
    if len(headers) == 4:
        aligns = ["left", "left", "right", "left"]
    lines = [f'Model: "{model_name}"']
    lines.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    lines += _row(headers, widths, aligns, "┃")
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    for i, row in enumerate(rows):
        if i:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
        lines += _row(row, widths, aligns, "│")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    trainable_bytes = trainable * 4 if trainable_bytes is None else trainable_bytes
    non_trainable_bytes = non_trainable * 4 if non_trainable_bytes is None else non_trainable_bytes
    total = trainable + non_trainable + (optimizer_params or 0)
    total_bytes = trainable_bytes + non_trainable_bytes + (optimizer_params or 0) * 4
    lines.append(f" Total params: {total:,} ({readable_size(total_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({readable_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {non_trainable:,} ({readable_size(non_trainable_bytes)})")
    if optimizer_params is not None:
        lines.append(f" Optimizer params: {optimizer_params:,} ({readable_size(optimizer_params * 4)})")
    return "\n".join(lines)
