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
    message = str(message)
    if _interactive:
        message += "\n" if line_break else ""
        try:
            sys.stdout.write(message)
        except UnicodeEncodeError:
            # A console in another encoding (cp1251, ascii): the progress bar's "━" becomes "=", as
            # in Keras, and what the encoding still lacks is left out.
            encoding = sys.stdout.encoding or "utf-8"
            sys.stdout.write(message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding))
        sys.stdout.flush()
    else:
        logging.getLogger("densekit").info(message)


def can_print(text):
    """Whether stdout's encoding can show ``text`` (box-drawing characters, say)."""
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def set_logging_verbosity(level):
    """The level of the "densekit" logger, which takes the messages when interactive logging is
    disabled: "FATAL", "ERROR", "WARNING", "INFO" or "DEBUG", as Keras's (for absl's logger)."""
    levels = {"FATAL": logging.FATAL, "ERROR": logging.ERROR, "WARNING": logging.WARNING, "INFO": logging.INFO,
              "DEBUG": logging.DEBUG}
    if level not in levels:
        raise ValueError("Please pass a valid level for logging verbosity. "
                         f"Expected one of: {set(levels)}. Received: {level}")
    logging.getLogger("densekit").setLevel(levels[level])
