"""The one place that wires adapters to ports: settings in, a ready Bot out.

Adapters take their configuration as constructor arguments; this module reads the
settings and builds them. The bot is built on the first request (never at
import) and built again whenever the settings differ from the ones it was built
from, so a process that changes its environment simply gets a bot for the new one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib import web
from chalicelib.domain.rules import Rules
from chalicelib.platform.config import Settings, settings
from chalicelib.platform.secrets import CachedParameter, SecretUnavailable, secrets_of
from chalicelib.service.bot import Bot
from chalicelib.service.budget import Timing

if TYPE_CHECKING:
    from chalicelib.domain.ports import Notifier
    from chalicelib.export.s3 import S3Exporter
    from chalicelib.storage.binding import DynamoConfig
    from chalicelib.storage.dynamo import DynamoStore

_lock = threading.Lock()  # `chalice local` and gunicorn serve requests on threads
_current: tuple[Settings, Bot] | None = None


def dynamo_config(s: Settings) -> DynamoConfig:
    from chalicelib.storage.binding import DynamoConfig

    return DynamoConfig(
        users_table=s.users_table,
        surveys_table=s.surveys_table,
        answers_table=s.answers_table,
        audit_table=s.audit_table,
        region=s.region,
        endpoint=s.dynamodb_endpoint,
        credentials=s.dynamodb_credentials,
        roster_table=s.roster_table,
        sdk=s.dynamodb_sdk,
    )


def store(s: Settings) -> DynamoStore:
    """The DynamoDB store of these settings."""
    from chalicelib.storage.dynamo import DynamoStore

    return DynamoStore(dynamo_config(s))


def exporter(s: Settings) -> S3Exporter:
    """The S3 exporter of these settings (openpyxl is imported only when a file is built)."""
    from chalicelib.export.s3 import S3Exporter

    return S3Exporter(s.export_bucket, s.region, endpoint=s.s3_endpoint, link_ttl_seconds=s.link_ttl_seconds)


def timing() -> Timing:
    """The reply budget with the worst case of each adapter's call, as the adapters configure them."""
    from chalicelib.export import s3
    from chalicelib.jobs.queues import SqsQueue
    from chalicelib.storage import names

    return Timing(
        store_call=names.WORST_CALL_SECONDS, file_call=s3.WORST_CALL_SECONDS, queue_send=SqsQueue.WORST_SEND_SECONDS
    )


def notifier(s: Settings) -> Notifier | None:
    """Kakao's Event API as the bot's Notifier, when the settings name a bot, an event and a key; else None.

    The REST API key is read like the skill secret: from its SSM parameter, cached per container for a few
    minutes, and read again at once after Kakao refused it, so a rotated key needs no redeploy."""
    local = s.event_api_base.startswith(("http://127.0.0.1", "http://localhost"))
    if not (s.bot_id and s.event_name and (s.event_api_key_param or (local and s.event_api_key))):
        return None
    from chalicelib.kakao.notifier import EventNotifier

    if local and s.event_api_key:
        return EventNotifier(s.event_api_base, s.bot_id, s.event_name, lambda: s.event_api_key)
    param = cached_parameter(s.event_api_key_param, s.region)
    return EventNotifier(s.event_api_base, s.bot_id, s.event_name, param.value, forget_key=param.forget)


def privacy_key(s: Settings) -> Callable[[], bytes] | None:
    """The organisation's privacy key: the SSM parameter the settings name (cached per container), or a local
    stack's own; None where there is neither (then each 익명 survey keeps a salt of its own, as before)."""
    if s.privacy_key_param:
        param = CachedParameter(s.privacy_key_param, s.region)
        return lambda: param.value().strip().encode()
    if s.privacy_key:
        local = s.privacy_key.encode()
        return lambda: local
    return None


def build(s: Settings) -> Bot:
    """A bot over the adapters of these settings."""
    from chalicelib.jobs.queues import InlineQueue, SqsQueue, ThreadQueue
    from chalicelib.kakao.callback import deliver

    files = exporter(s)
    b = Bot(
        store(s),
        files,
        timing=timing(),
        rate_limit=max(0, s.rate_limit_per_minute),
        callback=deliver,
        notifier=notifier(s),
        uploads=files,
        rules=Rules(
            open_registration=s.registration == "open",
            remind_hours=s.remind_interval_hours,
            keep_days=s.keep_days,
            anon_batch=s.anon_batch,
            privacy_key=privacy_key(s),
        ),
    )
    if s.jobs == "sqs":
        b.queue = SqsQueue(s.export_queue, s.region, endpoint=s.sqs_endpoint)
    elif s.jobs == "thread":
        b.queue = ThreadQueue(b.run_export_task)
    elif s.jobs == "inline":
        b.queue = InlineQueue(b.run_export_task)
    return b


def bot(s: Settings | None = None) -> Bot:
    """The bot of the given (default: current) settings; the same one while the settings stay the same."""
    global _current
    s = s or settings()
    current = _current
    if current is not None and current[0] == s:
        return current[1]
    with _lock:
        if _current is None or _current[0] != s:
            _current = (s, build(s))
        return _current[1]


# --- what app.py routes to ---------------------------------------------------------------------


def handle_skill(
    headers: Mapping[str, str], body: Any, request_id: str = "", api_request_id: str = ""
) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of one POST /skill; its log lines carry the Lambda and API Gateway request ids."""
    from chalicelib.platform.logsafe import correlated

    with correlated(request_id=request_id, api_request_id=api_request_id):
        if not web.secret_given(headers):  # junk without the header costs nothing more: no read, no bot, no body
            web.log.warning("skill request refused", extra={"reason": "no secret"})
            return 401, {"error": "unauthorized"}
        current = settings()  # read once (some 30 variables), for the secret and the bot alike
        try:
            accepted = skill_secrets(current)
        except SecretUnavailable as exc:
            from chalicelib.platform.logsafe import failure

            web.log.error("skill secret unavailable", extra=failure(exc))
            return 503, {"error": "unavailable"}
        if not web.secret_ok(headers, accepted):  # checked before the bot is built or the body is read
            web.log.warning("skill request refused", extra={"reason": "secret"})
            return 401, {"error": "unauthorized"}
        return web.handle_skill(headers, body, bot(current), accepted)


_secret_params: dict[tuple[str, str], CachedParameter] = {}


def cached_parameter(name: str, region: str) -> CachedParameter:
    """The one cache of an SSM parameter in this container (the skill secret, the Kakao REST API key)."""
    key = (name, region)
    if key not in _secret_params:
        _secret_params[key] = CachedParameter(name, region)
    return _secret_params[key]


def skill_secrets(s: Settings) -> tuple[str, ...]:
    """The secrets a request may carry: from the SSM parameter the settings name (cached per container),
    or, for local runs without one, ``HJ_SKILL_SECRET``."""
    if not s.skill_secret_param:
        return (s.skill_secret,)
    return secrets_of(cached_parameter(s.skill_secret_param, s.region).value())


def every_minute() -> list[str]:
    """The minute job: open what the schedule says is due (예약, each period of a repeating survey), mark
    surveys past their deadline closed, and send the automatic reminders; returns the ids closed."""
    from chalicelib.domain.model import now_kst
    from chalicelib.jobs.deadlines import close_past_deadline
    from chalicelib.jobs.schedule import open_planned

    b = bot()
    # Retention deletes the answers here, and with them the files made of them (exports, results pages).
    forget = b.exporter.forget_survey if b.exporter is not None else None
    b.announce_opened(open_planned(b.store, now_kst(), b.rules.keep_days, forget_files=forget))
    closed = close_past_deadline(b.store, now_kst(), b.rules.keep_days)
    b.announce_closed(closed)
    b.auto_remind()
    return closed


def table_names(s: Settings) -> dict[str, str]:
    """Table role -> name, as backups name them."""
    return {
        "users": s.users_table,
        "surveys": s.surveys_table,
        "answers": s.answers_table,
        "audit": s.audit_table,
        "roster": s.roster_table,
    }


def dynamodb_client(s: Settings) -> Any:
    """A low-level DynamoDB client of these settings (backups read and write items as DynamoDB types them)."""
    import boto3

    kw: dict[str, Any] = {"region_name": s.region}
    if s.dynamodb_endpoint:
        kw["endpoint_url"] = s.dynamodb_endpoint
    if s.dynamodb_credentials:
        kw["aws_access_key_id"], kw["aws_secret_access_key"] = s.dynamodb_credentials
    return boto3.client("dynamodb", **kw)


def backup_tables() -> dict[str, Any]:
    """The daily backup: every table to the backup bucket under backups/<time>/ (the scheduled job)."""
    from chalicelib.jobs import backup

    s = settings()
    files = exporter(s)
    return backup.run(dynamodb_client(s), table_names(s), backup.BucketSink(files.client, s.backup_bucket))


def import_uploads(event: Mapping[str, Any]) -> int:
    """The bucket's notice of new objects: import each roster file uploaded through a page; returns how many
    admins were told (keys that are not uploads are ignored)."""
    from chalicelib.export.s3 import upload_token

    told = 0
    for record in event.get("Records") or []:
        key = str(((record.get("s3") or {}).get("object") or {}).get("key") or "")
        token = upload_token(key)
        if token and bot().import_upload(token):
            told += 1
    return told


def run_export_task(message: str) -> None:
    """Build a background export from its queue message."""
    from chalicelib.domain.tasks import ExportTask

    bot().run_export_task(ExportTask.from_json(message))
