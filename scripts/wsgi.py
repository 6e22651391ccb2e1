"""Serve a Chalice app from any WSGI server (gunicorn in ``make run``).

``make_wsgi_app(app)`` turns each WSGI request into
``chalice.local.LocalGateway.handle_request(method, path, headers, body)``, the
same API Gateway emulation ``chalice local`` uses, and writes its answer back.

Thread safety: a Chalice app keeps the request being served in the single
attribute ``app.current_request`` (and the Lambda context in
``app.lambda_context``). Lambda serves one request per process, so that is fine
there; a threaded server is not. Like ``chalice local``, we swap the app's class
for a subclass of :class:`chalice.local.LocalChalice` whose ``current_request``
lives in a thread-local, and give each wrapped app its own thread-local so two
apps in one process never share it either.

gunicorn entry points: ``scripts.wsgi:application`` (imports the top-level
``app.py`` on first request) or the factory ``scripts.wsgi:project_application()``
(imports it when the worker boots, so the first request pays no import)::

    gunicorn -k gthread -w 2 --threads 8 -b 127.0.0.1:8000 'scripts.wsgi:project_application()'
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalChalice, LocalGateway, LocalGatewayException

from scripts.local import ROOT

MAX_BODY_BYTES = 256 * 1024  # Kakao payloads are a few KB; anything this big is not Kakao

StartResponse = Callable[..., Any]

_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _status_line(code: int) -> str:
    return f"{code} {_REASONS.get(code, 'Status')}"


def make_thread_safe(app: Chalice) -> Chalice:
    """Make ``app.current_request`` and ``app.lambda_context`` per-thread (idempotent)."""
    if isinstance(app, LocalChalice):
        return app
    local = threading.local()

    class ThreadLocalChalice(LocalChalice, type(app)):  # type: ignore[misc]  # a base known only at run time
        _THREAD_LOCAL = local

        @property
        def lambda_context(self) -> Any:
            return getattr(local, "lambda_context", None)

        @lambda_context.setter
        def lambda_context(self, value: Any) -> None:
            local.lambda_context = value

    ThreadLocalChalice.__name__ = f"ThreadLocal{app.__class__.__name__}"
    app.__dict__.pop("current_request", None)  # the property on the class must win
    app.__dict__.pop("lambda_context", None)
    app.__class__ = ThreadLocalChalice
    return app


def load_config(app: Chalice, stage: str = "dev", project_dir: Path | None = None) -> Config:
    """A chalice Config like ``chalice local`` builds, from ``.chalice/config.json`` when present.

    Unlike ``chalice local`` we do not copy the stage's environment_variables into
    os.environ: the local stack sets its own (endpoints, table prefix, secret).
    The config only feeds the Lambda context (timeout, memory, function name).
    """
    project_dir = project_dir or ROOT
    config_file = project_dir / ".chalice" / "config.json"
    from_disk: dict[str, Any] = {}
    if config_file.is_file():
        from_disk = json.loads(config_file.read_text())
    return Config(
        chalice_stage=stage,
        user_provided_params={"chalice_app": app},
        config_from_disk=from_disk,
        default_params={"project_dir": str(project_dir), "autogen_policy": True},
    )


def _headers_from_environ(environ: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            headers[name] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    headers.setdefault("host", environ.get("SERVER_NAME", "localhost"))
    return headers


def _path_from_environ(environ: dict[str, Any]) -> str:
    # PEP 3333 hands PATH_INFO over as latin-1-decoded bytes; undo that to get UTF-8 text back.
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    try:
        path = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        path = raw
    query = environ.get("QUERY_STRING", "")
    return f"{path or '/'}?{query}" if query else (path or "/")


def _json_error(start_response: StartResponse, code: int, message: str) -> list[bytes]:
    body = json.dumps({"message": message}).encode()
    start_response(_status_line(code), [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class _TooLarge(Exception):
    pass


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    length_text = environ.get("CONTENT_LENGTH") or ""
    stream: BinaryIO | None = environ.get("wsgi.input")
    if length_text:
        try:
            length = int(length_text)
        except ValueError:
            length = 0
        if length > limit:
            raise _TooLarge
        if length <= 0 or stream is None:
            return None
        return stream.read(length)
    if stream is None:
        return None
    # No Content-Length (chunked): read at most limit + 1 bytes to detect oversize.
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() != "chunked" and not environ.get("wsgi.input_terminated"):
        return None
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge
    return data or None


def _gateway_error(e: LocalGatewayException, start_response: StartResponse) -> Iterable[bytes]:
    """What the gateway refused (its authorizers), as it would answer."""
    payload: bytes | str = e.body if e.body is not None else b""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    out_headers = [(k, str(v)) for k, v in (e.headers or {}).items()]
    if not any(k.lower() == "content-type" for k, _ in out_headers):
        out_headers.append(("Content-Type", "application/json"))
    out_headers.append(("Content-Length", str(len(payload))))
    start_response(_status_line(e.CODE), out_headers)
    return [payload]


def _respond(response: dict[str, Any], method: str, start_response: StartResponse) -> Iterable[bytes]:
    """The app's response (API Gateway's proxy form) as WSGI sends it; no body to a HEAD."""
    code = int(response["statusCode"])
    out_body = response.get("body")
    if response.get("isBase64Encoded") and out_body is not None:
        out_body = base64.b64decode(out_body)
    if out_body is None:
        data = b""
    elif isinstance(out_body, bytes):
        data = out_body
    else:
        data = str(out_body).encode("utf-8")
    out: list[tuple[str, str]] = []
    single = dict(response.get("headers") or {})
    content_type = None
    for k, v in single.items():
        if k.lower() == "content-type":
            content_type = str(v)
        elif k.lower() != "content-length":
            out.append((k, str(v)))
    for k, values in (response.get("multiValueHeaders") or {}).items():
        for v in values:
            out.append((k, str(v)))
    if data or content_type:
        out.append(("Content-Type", content_type or "application/json"))
    out.append(("Content-Length", str(len(data))))
    start_response(_status_line(code), out)
    return [b"" if method == "HEAD" else data]


def make_wsgi_app(
    app: Chalice,
    config: Config | None = None,
    max_body: int = MAX_BODY_BYTES,
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Wrap a Chalice app as a WSGI callable (thread-safe, body capped at ``max_body`` bytes)."""
    make_thread_safe(app)
    gateway = LocalGateway(app, config or load_config(app))

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            body = _read_body(environ, max_body)
        except _TooLarge:
            return _json_error(start_response, 413, f"request body larger than {max_body} bytes")
        headers = _headers_from_environ(environ)
        try:
            response = gateway.handle_request(
                method=method, path=_path_from_environ(environ), headers=headers, body=body
            )
        except LocalGatewayException as e:  # ForbiddenError 403, NotAuthorizedError 401, InvalidAuthorizer 500
            return _gateway_error(e, start_response)
        return _respond(response, method, start_response)

    wsgi.chalice_app = app  # type: ignore[attr-defined]
    wsgi.gateway = gateway  # type: ignore[attr-defined]
    return wsgi


_application: Callable[[dict[str, Any], StartResponse], Iterable[bytes]] | None = None
_application_lock = threading.Lock()


def project_application() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The project's ``app.py`` wrapped by :func:`make_wsgi_app` (built once per process)."""
    global _application
    with _application_lock:
        if _application is None:
            if str(ROOT) not in sys.path:
                sys.path.insert(0, str(ROOT))
            import app as project_app  # the top-level app.py

            _application = make_wsgi_app(
                project_app.app, load_config(project_app.app, os.environ.get("HJ_CHALICE_STAGE", "dev"))
            )
        return _application


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """gunicorn entry point: the project's ``app.py`` served through :func:`make_wsgi_app`."""
    return (_application or project_application())(environ, start_response)
