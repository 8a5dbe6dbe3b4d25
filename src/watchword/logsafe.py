"""Log lines carry no report content and no addresses.

What a reported message says, and whom it was sent to, belongs in the store
(sealed where it is the reporter's), not in a log that is copied to other
machines and kept for years. Three layers:

* the engines are created with `hide_parameters=True` (store/db.py), so a
  failed statement's exception names the SQL but none of its values;
* call sites that log an exception log `describe(exc)`: its type and a short,
  masked first line, never the whole message;
* `install()` puts `NoPersonalData` on the handlers of the root logger (the CLI
  calls it after configuring logging), and `watchword serve` runs uvicorn with
  `uvicorn_log_config()`, the same filter on uvicorn's handlers: every line,
  tracebacks included, has email addresses masked and is cut to a bounded length.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MAX_MESSAGE_CHARS = 1000
MAX_TRACEBACK_CHARS = 4000
MAX_DESCRIBE_CHARS = 160
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}(?:@|%40|＠)[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}")
MASK = "[address]"


def mask(text: str, limit: int) -> str:
    text = _ADDRESS.sub(MASK, text[: limit * 2])
    return text if len(text) <= limit else text[:limit] + " …[cut]"


def describe(exc: BaseException) -> str:
    """An exception for a log line: its type and the start of its first line, addresses masked."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {mask(first, MAX_DESCRIBE_CHARS)}" if first else type(exc).__name__


class NoPersonalData(logging.Filter):
    """Masks addresses and bounds the length of every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = mask(message, MAX_MESSAGE_CHARS), None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask(text, MAX_TRACEBACK_CHARS)
            record.exc_info = None  # formatted (and masked) above; the handler uses exc_text
        elif record.exc_text:
            record.exc_text = mask(record.exc_text, MAX_TRACEBACK_CHARS)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, NoPersonalData) for f in handler.filters):
            handler.addFilter(NoPersonalData())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up with the filter on every handler, and Watchword's loggers
    (the in-process worker, mail intake) written through the same filtered handler."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"no_personal_data": {"()": NoPersonalData}}
    for handler in config["handlers"].values():
        handler["filters"] = ["no_personal_data"]
    config["loggers"]["watchword"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
