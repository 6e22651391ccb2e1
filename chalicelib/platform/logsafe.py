"""Logs without the data they could carry: failures described safely, lines written as JSON.

An exception's message can quote what it was handling: a botocore parameter error
quotes the request (an upload's body holds every answer), a bug may format a user
key or an answer into its text. Logs say which exception, its AWS error code if any,
and where it was raised (file, line, function of each frame), never the message.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The ids of the request being handled (Lambda's and API Gateway's), added to every line logged for it.
_correlation: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar("correlation", default=())


@contextmanager
def correlated(**ids: str) -> Iterator[None]:
    """Every line logged inside carries ``ids`` (empty ones left out): what joins a request's lines."""
    token = _correlation.set(tuple((k, v) for k, v in ids.items() if v))
    try:
        yield
    finally:
        _correlation.reset(token)


def failure(exc: BaseException) -> dict[str, Any]:
    """Log fields for ``exc``: type, AWS error code, and the frames, without its message or arguments."""
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    frames = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in traceback.extract_tb(exc.__traceback__)]
    out: dict[str, Any] = {"error": type(exc).__name__, "frames": frames[-8:]}
    if code:
        out["code"] = str(code)
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        out["cause"] = type(cause).__name__
    return out


# --- JSON log lines -----------------------------------------------------------------------------

# LogRecord's own attributes: everything else on a record came from ``extra=`` and is logged as a field.
_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class JsonLines(logging.Formatter):
    """One JSON object per record, in the shape Powertools' Logger writes.

    ``level``, ``location`` (function:line), ``message``, ``timestamp``, ``service``,
    the request's correlation ids (:func:`correlated`), then the record's ``extra``
    fields, and ``xray_trace_id`` on Lambda with tracing.
    A record's exception is written as its type and frames (:func:`failure`), never
    its message.
    """

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": self.formatTime(record),
            "service": self.service,
            **dict(_correlation.get()),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS:
                out[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            out.setdefault("exception_name", type(record.exc_info[1]).__name__)
            out.setdefault("exception", failure(record.exc_info[1]))
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        if trace:
            out["xray_trace_id"] = trace.split(";")[0].replace("Root=", "")
        return json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=str)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """``2025-03-01 09:30:00,123+0000``: local time (UTC on Lambda), milliseconds, offset."""
        moment = time.localtime(record.created)
        return time.strftime(f"%Y-%m-%d %H:%M:%S,{int(record.msecs):03d}%z", moment)


_stamped: list[Any] = [-1, ""]  # the second last stamped, and its text up to the milliseconds


def _stamp(now: float) -> str:
    """:meth:`JsonLines.formatTime` of the moment ``now``, its per-second part kept for the next line."""
    second = int(now)
    if _stamped[0] != second:
        moment = time.localtime(second)
        _stamped[:] = [second, (time.strftime("%Y-%m-%d %H:%M:%S", moment), time.strftime("%z", moment))]
    head, zone = _stamped[1]
    return f"{head},{int((now - second) * 1000):03d}{zone}"


def info_line(log: logging.Logger, message: str, location: str, fields: dict[str, Any], tail: str = "") -> bool:
    """Write one INFO line as :class:`JsonLines` writes it, straight to the JSON handlers' streams: no LogRecord,
    no formatter, one ``json.dumps`` (the per-message line). ``tail``: JSON members rendered already (the metric
    block, metrics.emf_parts), added as they are. False when no JSON handler took it (the caller logs it the
    ordinary way, which reports a broken stream without failing the message)."""
    if not log.isEnabledFor(logging.INFO):
        return True
    wrote = False
    for handler in log.handlers:
        fmt = handler.formatter
        if not isinstance(fmt, JsonLines) or not isinstance(handler, logging.StreamHandler):
            continue
        out: dict[str, Any] = {
            "level": "INFO",
            "location": location,
            "message": message,
            "timestamp": _stamp(time.time()),
            "service": fmt.service,
            **dict(_correlation.get()),
            **fields,
        }
        trace = os.environ.get("_X_AMZN_TRACE_ID")
        if trace:
            out["xray_trace_id"] = trace.split(";")[0].replace("Root=", "")
        body = json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=str)
        if tail:
            body = f"{body[:-1]},{tail}}}"
        try:
            with handler.lock or contextlib.nullcontext():
                handler.stream.write(body + "\n")
                handler.stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: the ordinary way reports it and goes on
            continue
        wrote = True
    return wrote


def configure_logging(name: str, service: str) -> logging.Logger:
    """Send logger ``name`` to stdout as JSON lines, once (a second call replaces the first handler).

    The level is ``POWERTOOLS_LOG_LEVEL`` or ``LOG_LEVEL`` from the environment, INFO
    when neither names one. Records do not propagate: the Lambda runtime's root
    handler would write each line a second time.
    """
    log = logging.getLogger(name)
    for handler in [h for h in log.handlers if isinstance(h.formatter, JsonLines)]:
        log.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines(service))
    log.addHandler(handler)
    wanted = (os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO").upper()
    log.setLevel(wanted if wanted in _LEVELS else "INFO")
    log.propagate = False
    return log
