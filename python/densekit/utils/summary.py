"""model.summary(): Keras's table (rendered by rich in Keras), drawn here without rich."""

import math
import os
import re
import shutil
import sys

from densekit.utils import io_utils


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


_WORD = re.compile(r"\s*\S+\s*")  # a word with the spaces around it, as rich splits text


def _console_width():
    # shutil.get_terminal_size ignores a COLUMNS of 0 or less; so does this.
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    if hasattr(sys.stdout, "isatty") and sys.stdout.isatty():
        return shutil.get_terminal_size((80, 24)).columns
    return 80


def _column_widths(line_length, positions):
    """Cell widths (padding included) as rich computes them for Keras's fixed-width columns.

    A column under 4 characters raises, as Keras's print_summary does (keras/src/utils/summary_utils.py):
    narrower cells leave no room for even a truncated name."""
    if all(p <= 1 for p in positions):
        positions = [int(line_length * p) for p in positions]
    widths, current = [], 0
    for pos in positions:
        if pos - current < 4:
            raise ValueError("Insufficient console width to print summary.")
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


def _divide(text, width, fold):
    """The lines rich breaks ``text`` into for ``width`` columns (rich's divide_line): a word that
    does not fit starts a new line; one longer than a whole line is chopped (``fold``) or left
    whole for the caller to cut. Every loop walks the text once, so no width can stall it."""
    lines = []
    for paragraph in text.split("\n"):
        breaks, used = [], 0
        for match in _WORD.finditer(paragraph):
            start, word = match.start(), match.group()
            length = len(word.rstrip())
            if length <= width - used:
                used += len(word)
            elif length > width:
                if fold and width > 0:
                    pieces = [word[i:i + width] for i in range(0, len(word), width)]
                    for piece in pieces[:-1]:
                        if start:
                            breaks.append(start)
                        start += len(piece)
                    if start:
                        breaks.append(start)
                    used = len(pieces[-1])
                else:
                    if start:
                        breaks.append(start)
                    used = len(word)
            elif used and start:
                breaks.append(start)
                used = len(word)
        bounds = [0] + breaks + [len(paragraph)]
        for begin, end in zip(bounds, bounds[1:]):
            line = paragraph[begin:end]
            # rich drops only the trailing spaces that stick out past the width
            excess = len(line) - max(width, 0)
            if excess > 0:
                spaces = len(line) - len(line.rstrip())
                line = line[:len(line) - min(spaces, excess)]
            lines.append(line)
    return lines


def _wrap(text, width, align="left"):
    """A cell's lines, each exactly ``width`` characters: words wrapped, a word longer than the
    cell cut with "…" (rich's default overflow for table columns), then aligned. A cell of no
    width (rich crops it to nothing) keeps its line count."""
    out = []
    for line in _divide(text, width, fold=False):
        if width <= 0:
            out.append("")
            continue
        line = line.rstrip()
        if len(line) > width:
            line = line[:width - 1] + "…"
        if align == "right":
            line = line.rjust(width)
        elif align == "center":
            left = (width - len(line)) // 2  # rich puts the odd space on the right
            line = " " * left + line + " " * (width - len(line) - left)
        else:
            line = line.ljust(width)
        out.append(line)
    return out


def _row(cells, widths, aligns, bar, bottom=False):
    """A table row's lines; header cells sit at the bottom of their row, as rich aligns them."""
    wrapped = [_wrap(str(c), w - 2, align) for c, w, align in zip(cells, widths, aligns)]
    height = max(len(w) for w in wrapped)
    for lines, w in zip(wrapped, widths):
        blank = [" " * max(w - 2, 0)] * (height - len(lines))
        lines[:] = blank + lines if bottom else lines + blank
    return [bar + bar.join(f" {lines[i]} " for lines in wrapped) + bar for i in range(height)]


def _console_lines(text, width):
    """How a console of ``width`` columns shows a line of text: rich wraps it, chopping words
    longer than a line."""
    if width <= 0:
        return [text]
    return [line[:width] for line in _divide(text, width, fold=True)]


def render(model_name, rows, trainable, non_trainable, optimizer_params=None, line_length=None, positions=None,
           headers=("Layer (type)", "Output Shape", "Param #"), trainable_bytes=None, non_trainable_bytes=None,
           show_trainable=False):
    """The summary text. rows: (name cell, output shape, params[, connected to][, trainable]) per
    row; the counts are numbers of values, 4 bytes each unless their sizes in bytes are given;
    optimizer_params is None until the optimizer is built."""
    headers = list(headers)
    connected = len(headers) == 4
    default_length = 108 if connected else 88
    positions = list(positions or ([0.3, 0.56, 0.74, 1.0] if connected else [0.45, 0.80, 1.0]))
    aligns = ["left", "left", "right"] + (["left"] if connected else [])
    if show_trainable:
        # The Trainable column takes the last tenth of the line (12 more characters by default).
        default_length += 12
        absolute = any(p > 1 for p in positions)
        positions = [p * 0.9 for p in positions] + [None]
        headers.append("Trainable")
        aligns.append("center")
    console = _console_width()
    # Keras takes any false line_length (None or 0) as "the default".
    line_length = line_length or min(default_length, console - 4)
    if show_trainable:
        positions[-1] = line_length if absolute else 1.0
    widths = _column_widths(line_length, positions)
    if io_utils.can_print("┏━┃│─"):
        table = ["┏" + "┳".join("━" * w for w in widths) + "┓"]
        table += _row(headers, widths, aligns, "┃", bottom=True)
        table.append("┡" + "╇".join("━" * w for w in widths) + "┩")
        for i, row in enumerate(rows):
            if i:
                table.append("├" + "┼".join("─" * w for w in widths) + "┤")
            table += _row(row, widths, aligns, "│")
        table.append("└" + "┴".join("─" * w for w in widths) + "┘")
    else:  # a console that cannot show the box characters (cp1251, ascii): rich's ASCII box, as Keras
        edge = "+" + "-" * (sum(widths) + len(widths) - 1) + "+"
        rule = "|" + "+".join("-" * w for w in widths) + "|"
        table = [edge] + _row(headers, widths, aligns, "|", bottom=True) + [rule]
        for i, row in enumerate(rows):
            table += ([rule] if i else []) + _row(row, widths, aligns, "|")
        table = [line.replace("…", ".") for line in table + [edge]]  # (a cut cell keeps its width)
    trainable_bytes = trainable * 4 if trainable_bytes is None else trainable_bytes
    non_trainable_bytes = non_trainable * 4 if non_trainable_bytes is None else non_trainable_bytes
    total = trainable + non_trainable + (optimizer_params or 0)
    # One of the optimizer's values is its step count, an int64 in Keras: 8 bytes.
    optimizer_bytes = optimizer_params * 4 + 4 if optimizer_params else 0
    total_bytes = trainable_bytes + non_trainable_bytes + optimizer_bytes
    footer = [f" Total params: {total:,} ({readable_size(total_bytes)})",
              f" Trainable params: {trainable:,} ({readable_size(trainable_bytes)})",
              f" Non-trainable params: {non_trainable:,} ({readable_size(non_trainable_bytes)})"]
    if optimizer_params is not None:
        footer.append(f" Optimizer params: {optimizer_params:,} ({readable_size(optimizer_bytes)})")
    # Keras prints through a rich console as wide as the terminal, where the title and footer
    # lines wrap. (That console also cuts a table wider than itself at its edge; densekit prints
    # such a table whole: its line_length was asked for, and a cut table loses its last columns.)
    lines = _console_lines(f'Model: "{model_name}"', console)
    lines += table
    for line in footer:
        lines += _console_lines(line, console)
    return "\n".join(lines)
