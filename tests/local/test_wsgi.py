"""The WSGI adapter that serves the Chalice app under gunicorn (scripts/wsgi.py).

The app here is a tiny one defined in this file, not the project's app.py.
Requests are fed to the WSGI callable directly: no sockets, no fixed ports.
"""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalice.app import AuthResponse, Chalice, Response

from scripts.wsgi import MAX_BODY_BYTES, make_wsgi_app

N = 50


def build_app(barrier: threading.Barrier | None = None) -> Chalice:
    app = Chalice(app_name="wsgi-under-test")

    @app.route("/echo/{n}", methods=["POST"])
    def echo(n: str) -> dict[str, Any]:
        if barrier is not None:
            # Every request has entered its view (and so has set current_request)
            # before any of them reads it back: a shared attribute would now hold
            # one request's data for all of them.
            barrier.wait()
        req = app.current_request
        return {
            "n": n,
            "body": req.json_body,
            "header": req.headers.get("x-skill-secret"),
            "query": dict(req.query_params or {}),
            "context_request_id": app.lambda_context.aws_request_id,
        }

    @app.route("/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    @app.route("/teapot")
    def teapot() -> Response:
        return Response(body="short and stout", status_code=418, headers={"Content-Type": "text/plain", "X-Extra": "1"})

    @app.authorizer()
    def deny_all(auth_request: Any) -> AuthResponse:
        return AuthResponse(routes=[], principal_id="nobody")

    @app.route("/private", authorizer=deny_all)
    def private() -> dict[str, bool]:
        return {"secret": True}

    return app


def call(
    wsgi: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, query: str = ""
) -> tuple[int, dict[str, str], bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["CONTENT_TYPE"] = "application/json"
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split()[0])
        captured["headers"] = {k.lower(): v for k, v in response_headers}

    out = b"".join(wsgi(environ, start_response))
    return captured["status"], captured["headers"], out


def test_concurrent_requests_each_see_their_own_request() -> None:
    barrier = threading.Barrier(N, timeout=60)  # the timeout only bounds a broken run
    wsgi = make_wsgi_app(build_app(barrier))

    def one(i: int) -> tuple[int, int, dict[str, Any]]:
        body = json.dumps({"i": i, "text": f"사용자 {i}"}, ensure_ascii=False).encode()
        status, _, out = call(wsgi, "POST", f"/echo/{i}", body, {"X-Skill-Secret": f"secret-{i}"}, query=f"q={i}")
        return i, status, json.loads(out)

    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(one, range(N)))

    request_ids = set()
    for i, status, reply in results:
        assert status == 200
        assert reply["n"] == str(i)
        assert reply["body"] == {"i": i, "text": f"사용자 {i}"}
        assert reply["header"] == f"secret-{i}"
        assert reply["query"] == {"q": str(i)}
        request_ids.add(reply["context_request_id"])
    assert len(request_ids) == N  # lambda_context is per-thread too


def test_get_route_and_json_content_type() -> None:
    wsgi = make_wsgi_app(build_app())
    status, headers, out = call(wsgi, "GET", "/health")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(out) == {"ok": True}
    assert headers["content-length"] == str(len(out))


def test_status_and_custom_headers_pass_through() -> None:
    wsgi = make_wsgi_app(build_app())
    status, headers, out = call(wsgi, "GET", "/teapot")
    assert (status, out) == (418, b"short and stout")
    assert headers["content-type"] == "text/plain"
    assert headers["x-extra"] == "1"


def test_body_over_the_cap_is_413_without_reaching_the_app() -> None:
    wsgi = make_wsgi_app(build_app())
    status, _, out = call(wsgi, "POST", "/echo/1", b"x" * (MAX_BODY_BYTES + 1))
    assert status == 413
    assert "larger than" in json.loads(out)["message"]


def test_body_at_the_cap_is_accepted() -> None:
    wsgi = make_wsgi_app(build_app())
    body = json.dumps({"pad": "y" * (MAX_BODY_BYTES - 20)}).encode()
    assert len(body) <= MAX_BODY_BYTES
    status, _, _ = call(wsgi, "POST", "/echo/1", body)
    assert status == 200


def test_unknown_route_is_403_like_api_gateway() -> None:
    wsgi = make_wsgi_app(build_app())
    status, _, out = call(wsgi, "GET", "/nope")
    assert status == 403
    assert json.loads(out) == {"message": "Missing Authentication Token"}


def test_gateway_exceptions_map_to_their_status() -> None:
    wsgi = make_wsgi_app(build_app())
    status, headers, _ = call(wsgi, "GET", "/private", headers={"Authorization": "token"})
    assert status == 403
    assert headers["x-amzn-errortype"] == "AccessDeniedException"


def test_wrong_method_is_405() -> None:
    wsgi = make_wsgi_app(build_app())
    status, _, _ = call(wsgi, "GET", "/echo/1")
    assert status == 405
