"""Where densekit's printed messages go (keras/src/utils/io_utils.py): the progress bar, the
epoch lines and model.summary() print to stdout, unless interactive logging is disabled; then
they go to the "densekit" logger at INFO level, which shows nothing unless the program sets
logging up (Keras sends them to absl's logger, likewise silent by default)."""

import logging
import sys

_interactive = True


def enable_interactive_logging():
    global _interactive
    _interactive = True


def disable_interactive_logging():
    global _interactive
    _interactive = False


def is_interactive_logging_enabled():
    return _interactive


def print_msg(message, line_break=True):
    if _interactive:
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        logging.getLogger("densekit").info(message)
