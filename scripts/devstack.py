"""Run the whole bot locally: ``python -m scripts.devstack [--port 8000]`` (``make run``).

Starts, as child processes in their own process groups:

* DynamoDB Local (the npm package's jar on Java 17), data kept in ``.local/dynamodb`` (``--in-memory``: none);
* ``moto_server`` on 127.0.0.1 for S3 (exports) and SQS (the export queue and its dead-letter queue, made
  with the template's settings); memory only, gone on exit;
* gunicorn serving ``app.py`` through ``scripts.wsgi`` on 127.0.0.1:PORT, with the web chat
  (``scripts.webchat``, local only: not part of ``app.py``) at ``/chat``;
* in this process (``scripts.devjobs``): the scheduled job every minute (예약 and repeating surveys, expired
  ones, retention, automatic 알림); the bucket's notice of an uploaded roster file, which the local S3 server
  does not send (it looks every second); and the queue's consumer (``scripts.sqsworker``), as AWS runs them;

creates the tables and the export bucket, writes the endpoints to ``.local/stack.json`` (read by ``make chat``
and ``make superadmin``), and on Ctrl-C or SIGTERM stops everything it started.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from scripts import engines
from scripts.devjobs import run_job, start_background
from scripts.local import ROOT, use_local_stack

DEFAULT_LOCAL_DIR = ROOT / ".local"


class Paths:
    """Where a stack keeps its state: ``stack.json``, ``dynamodb/`` (data) and ``logs/``."""

    def __init__(self, local_dir: Path = DEFAULT_LOCAL_DIR) -> None:
        self.dir = Path(local_dir).resolve()
        self.stack_file = self.dir / "stack.json"
        self.data = self.dir / "dynamodb"
        self.logs = self.dir / "logs"

    def show(self, path: Path) -> str:
        try:
            return str(path.relative_to(ROOT))
        except ValueError:
            return str(path)


class Stop(Exception):
    """A signal asked us to shut down."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def prepare_storage(attempts: int = 3) -> None:
    """Create the tables and the export bucket, and migrate kept data (all idempotent).

    The store's DynamoDB client has Lambda-sized timeouts (about 1 s); a cold
    DynamoDB Local on a busy machine can take longer to create a table, so the
    client retries a CreateTable that in fact succeeded and gets "preexisting
    table". Running create_tables again then finds the tables and finishes.
    The exporter's S3 client is as impatient, and moto on a busy machine can be
    slow to answer its first request: the bucket is retried the same way.
    """
    from chalicelib import runtime
    from chalicelib.platform.config import settings
    from chalicelib.storage.dynamo_setup import create_tables
    from scripts.migrate import migrate

    s = settings()
    store = runtime.store(s)
    for attempt in range(1, attempts + 1):
        try:
            create_tables(store)
            break
        except Exception as e:  # pynamodb raises several kinds; all are retried the same
            if attempt == attempts:
                raise
            print(f"  table setup: {type(e).__name__}; trying again", flush=True)
    done = migrate(store)  # data kept from an earlier version: brought to this layout
    if any(done.values()):
        print("  migrated: " + ", ".join(f"{k} {v}" for k, v in done.items()), flush=True)
    exporter = runtime.exporter(s)
    backups = runtime.exporter(s._replace(export_bucket=s.backup_bucket))  # its own bucket, as deployed
    for attempt in range(1, attempts + 1):
        try:
            exporter.ensure_bucket()
            backups.ensure_bucket()
            break
        except Exception as e:  # botocore's timeouts and connection errors alike
            if attempt == attempts:
                raise
            print(f"  bucket setup: {type(e).__name__}; trying again", flush=True)


def gunicorn_argv(port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{engines.LOOPBACK}:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "5",
        "--timeout",
        "30",
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s "%(r)s" %(s)s %(b)sB %(M)sms',
        "--chdir",
        str(ROOT),
        "scripts.webchat.server:make_application()",  # app.py, with the local web chat at /chat in front
    ]


def local_privacy_key(folder: Path | None) -> str:
    """A random key for this stack, kept in ``folder/privacy.key`` (readable by its owner only) when the data is
    kept; a fresh one each start otherwise."""
    if folder is None:
        return secrets.token_hex(32)
    path = folder / "privacy.key"
    if path.is_file():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def write_stack_file(paths: Paths, info: dict[str, Any]) -> None:
    paths.dir.mkdir(parents=True, exist_ok=True)
    tmp = paths.stack_file.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the local skill secret
    with os.fdopen(fd, "w") as f:
        json.dump(info, f, ensure_ascii=False, indent=2)
    os.replace(tmp, paths.stack_file)


def remove_stack_file(paths: Paths) -> None:
    try:
        if json.loads(paths.stack_file.read_text()).get("pid") == os.getpid():
            paths.stack_file.unlink()
    except (OSError, ValueError):
        pass


def banner(paths: Paths, info: dict[str, Any], persistent: bool) -> str:
    url = info["skill_url"]
    data = (
        f"DynamoDB data: {paths.show(paths.data)}/ (kept across restarts; `make clean-data` wipes it)"
        if persistent
        else "DynamoDB data: in memory (gone on exit)"
    )
    body = json.dumps(
        {"userRequest": {"utterance": "메뉴", "user": {"id": "demo-user", "type": "botUserKey"}}}, ensure_ascii=False
    )
    return f"""
행정이 is running on {url}
  health:   {info["health_url"]}
  DynamoDB Local: {info["dynamodb_endpoint"]}   S3 and SQS (moto): {info["s3_endpoint"]}
  Background jobs: SQS queue {info["export_queue"]} (failures: {info["export_queue"]}-dlq)
  {data}
  Exports (S3): in moto's memory only; download links die with this process.
  Logs: {paths.show(paths.logs)}/

Chat with it in the browser: {info["web_chat_url"]}
or from another terminal:
  make chat{"" if info["port"] == 8000 else f" PORT={info['port']}"}
  python -m scripts.chat --user 홍길동 --say "메뉴"
or with curl:
  curl -s {url} -H 'Content-Type: application/json' -H 'X-Skill-Secret: {info["skill_secret"]}' \\
       -d '{body}'
Make someone a super admin:  make superadmin USER=<botUserKey or name>
Stop: Ctrl-C
"""


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class Children:
    """What :func:`run` started; :meth:`stop` ends it all, the last started first."""

    started: list[engines.Engine] = field(default_factory=list)
    server: subprocess.Popen[bytes] | None = None
    event_api: Any = None
    job_stop: threading.Event = field(default_factory=threading.Event)

    def stop(self, paths: Paths) -> None:
        self.job_stop.set()
        remove_stack_file(paths)
        engines.stop(self.server)
        if self.event_api is not None:
            self.event_api.stop()
        for engine in reversed(self.started):
            engine.stop()


def run(
    port: int,
    persistent: bool,
    workers: int = 2,
    threads: int = 8,
    timeout: float = engines.DEFAULT_START_TIMEOUT,
    paths: Paths | None = None,
) -> int:
    paths = paths or Paths()
    if not engines.port_is_free(port):
        print(f"port {port} on {engines.LOOPBACK} is taken: try `make run PORT={port + 1}`", file=sys.stderr)
        return 2
    if not (ROOT / "app.py").is_file():
        print(f"{ROOT / 'app.py'} does not exist: nothing to serve", file=sys.stderr)
        return 2

    children = Children()
    # Installed explicitly: a shell starting us in the background leaves SIGINT ignored.
    for sig in SIGNALS:
        signal.signal(sig, _on_signal)
    t0 = time.monotonic()
    try:
        info = start(children, port, persistent, workers, threads, timeout, paths, t0)
        print(banner(paths, info, persistent), flush=True)
        print(
            f"(ready in {time.monotonic() - t0:.1f} s; requests are logged to "
            f"{paths.show(paths.logs / 'gunicorn.log')})",
            flush=True,
        )
        return watch(children, paths)
    except Stop:
        print("\nstopping…", flush=True)
        return 0
    except engines.EngineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        # Ignore further Ctrl-C while we clean up, then stop in reverse order.
        for sig in SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        children.stop(paths)
        for sig in SIGNALS:
            signal.signal(sig, signal.SIG_DFL)


def start(
    children: Children,
    port: int,
    persistent: bool,
    workers: int,
    threads: int,
    timeout: float,
    paths: Paths,
    t0: float,
) -> dict[str, Any]:
    """Start the engines, the storage, the queue, the Event API stand-in, the server and the background work, in
    that order, each recorded in ``children`` as it starts; the stack's description (written to stack.json)."""
    ddb, s3 = start_engines(children, persistent, timeout, paths, t0)
    env = use_local_stack(ddb.endpoint, s3.endpoint)
    # The local stack's own privacy key (익명 participation), kept beside its data so a restart finds the
    # records made before; a deployed stage reads its key from SSM instead.
    os.environ["HJ_PRIVACY_KEY"] = local_privacy_key(paths.dir if persistent else None)
    prepare_storage()
    # Background jobs go through SQS on the moto server, as deployed (not a thread of the web server).
    from scripts import sqsworker

    queue_name = f"{env['HJ_TABLE_PREFIX']}-exports"
    sqs = sqsworker.client(s3.endpoint, env["AWS_REGION"])
    queue_url, _ = sqsworker.ensure_queues(sqs, queue_name)
    os.environ.update({"HJ_JOBS": "sqs", "HJ_EXPORT_QUEUE": queue_name, "HJ_SQS_ENDPOINT": s3.endpoint})

    base = f"http://{engines.LOOPBACK}:{port}"
    start_event_api(children, base, paths)
    children.server, server_log = engines.spawn(
        gunicorn_argv(port, workers, threads), log=paths.logs / "gunicorn.log", env=dict(os.environ), cwd=ROOT
    )
    engines.Engine(children.server, base, server_log, what="gunicorn", ready_path="/health").wait_ready(timeout)
    info = {
        "pid": os.getpid(),
        "port": port,
        "skill_url": base + "/skill",
        "health_url": base + "/health",
        "web_chat_url": base + "/chat",
        "skill_secret": os.environ["HJ_SKILL_SECRET"],
        "dynamodb_endpoint": env["HJ_DYNAMODB_ENDPOINT"],
        "s3_endpoint": env["HJ_S3_ENDPOINT"],
        "table_prefix": env["HJ_TABLE_PREFIX"],
        "export_bucket": env["HJ_EXPORT_BUCKET"],
        "region": env["AWS_REGION"],
        "persistent": persistent,
        "event_api_url": children.event_api.url,
        "sqs_endpoint": s3.endpoint,
        "export_queue": queue_name,
        "pids": {"dynamodb": ddb.proc.pid, "moto": s3.proc.pid, "gunicorn": children.server.pid},
    }
    write_stack_file(paths, info)
    start_background(children.job_stop, sqsworker.Worker(sqs, queue_url, run_job, log=paths.logs / "jobs.log"), paths)
    return info


def start_engines(
    children: Children, persistent: bool, timeout: float, paths: Paths, t0: float
) -> tuple[engines.Engine, engines.Engine]:
    """DynamoDB Local and moto_server, answering; the logs folder emptied first."""
    paths.logs.mkdir(parents=True, exist_ok=True)
    for old in paths.logs.glob("*.log"):
        old.unlink()
    print("starting DynamoDB Local and moto_server (S3)…", flush=True)
    # Both boot at once; spawned from this thread (their parent-death signal follows it).
    ddb = engines.launch_dynamodb_local(paths.data if persistent else None, log=paths.logs / "dynamodb.log")
    children.started.append(ddb)
    s3 = engines.launch_moto(log=paths.logs / "moto.log")
    children.started.append(s3)
    ddb.wait_ready(timeout)
    s3.wait_ready(timeout)
    print(f"  engines up in {time.monotonic() - t0:.1f} s", flush=True)
    return ddb, s3


def start_event_api(children: Children, base: str, paths: Paths) -> None:
    """Start Kakao's Event API stand-in: 알림 goes through it, and it calls the skill at ``base`` back as Kakao
    would. The environment names it for the server about to start."""
    from scripts.eventapi import EventApiStandIn

    event_api = EventApiStandIn(
        bot_id="local-bot!",
        rest_api_key=secrets.token_hex(16),
        event_name="reminder",
        skill_url=base + "/skill",
        skill_secret=os.environ["HJ_SKILL_SECRET"],
        record=paths.logs / "eventapi.jsonl",
    )
    children.event_api = event_api
    event_api.start()
    os.environ.update(
        {
            "HJ_EVENT_API_BASE": event_api.url,
            "HJ_BOT_ID": event_api.bot_id,
            "HJ_EVENT_NAME": event_api.event_name,
            "HJ_EVENT_API_KEY": event_api.rest_api_key,
        }
    )


def watch(children: Children, paths: Paths) -> int:
    """Sleep until a signal arrives (:class:`Stop`) or a child dies (1)."""
    while True:
        for name, proc in [("gunicorn", children.server)] + [(e.endpoint, e.proc) for e in children.started]:
            if proc is not None and proc.poll() is not None:
                print(
                    f"{name} exited with code {proc.returncode}; stopping (see {paths.show(paths.logs)})",
                    file=sys.stderr,
                )
                return 1
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.devstack", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="HTTP port (default 8000)")
    p.add_argument("--in-memory", action="store_true", help="keep DynamoDB data in memory (nothing on disk)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    p.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    p.add_argument(
        "--timeout",
        type=float,
        default=engines.DEFAULT_START_TIMEOUT,
        help="seconds to wait for each engine and the server to answer",
    )
    p.add_argument(
        "--local-dir",
        type=Path,
        default=DEFAULT_LOCAL_DIR,
        help="where stack.json, dynamodb/ and logs/ go (default .local)",
    )
    args = p.parse_args(argv)
    return run(args.port, not args.in_memory, args.workers, args.threads, args.timeout, Paths(args.local_dir))


if __name__ == "__main__":
    sys.exit(main())
