"""Describing a failure for the logs without the data it carried.

An exception's message can quote what it was handling: a botocore parameter error
quotes the request (an upload's body holds every answer), a bug may format a user
key or an answer into its text. Logs say which exception, its AWS error code if any,
and where it was raised (file, line, function of each frame), never the message.
"""

from __future__ import annotations

import traceback
from typing import Any


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
