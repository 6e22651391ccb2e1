"""Settings, read from the environment (stage values live in .chalice/config.json).

Read afresh on every call: it costs a few dictionary lookups, and a process that
changes its environment (the local tools, the tests) sees the change at once.
``chalicelib.runtime`` turns settings into adapters and rebuilds them when the
settings change.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from chalicelib.domain.model import KEEP_DAYS
from chalicelib.domain.ports import LINK_SECONDS
from chalicelib.domain.privacy import BATCH

LOCAL_SKILL_SECRET = "local-dev-secret"  # noqa: S105 (the documented value for `make run`; never deployed)
LOCAL_CREDENTIALS = ("local", "local")  # local engines accept any key


class Settings(NamedTuple):
    """One reading of the environment (immutable; equal when every value is)."""

    region: str
    users_table: str
    surveys_table: str
    answers_table: str
    audit_table: str
    export_bucket: str
    skill_secret: str  # local runs only: a deployment names the SSM parameter instead
    skill_secret_param: str  # the SSM SecureString holding the skill secret (two lines while rotating)
    dynamodb_endpoint: str  # "" = AWS
    s3_endpoint: str  # "" = AWS
    link_ttl_seconds: int
    rate_limit_per_minute: int
    export_queue: str  # SQS queue name for background exports
    jobs: str  # "sqs" (Lambda, make run), "thread" (a local server without a queue) or "inline"
    roster_table: str
    registration: (
        str  # "open": anyone registers as whoever they say; "roster" (default): a roster, once loaded, decides
    )
    # Kakao's Event API (알림): all three set turns reminders on. The REST API key comes from the SSM
    # parameter named by HJ_EVENT_API_KEY_PARAM (SecureString); only a loopback stand-in takes it from the
    # environment (HJ_EVENT_API_KEY), never a deployment.
    event_api_base: str
    bot_id: str
    event_name: str
    event_api_key_param: str
    event_api_key: str
    remind_interval_hours: int  # a survey's 알림 at most once in this many hours
    keep_days: int  # days answers are kept after a survey closes, unless the survey keeps them shorter
    # The organisation's privacy key (익명 participation records are keyed with it, and it is in no table): the
    # SSM SecureString named by HJ_PRIVACY_KEY_PARAM; only a local stack gives it in HJ_PRIVACY_KEY.
    privacy_key_param: str
    privacy_key: str
    anon_batch: int  # answers of a survey kept without names are shown to admins in batches of at least this many
    # Static keys for a local DynamoDB when the environment names none; None = the usual credential chain.
    dynamodb_credentials: tuple[str, str] | None
    sqs_endpoint: str = ""  # "" = AWS; make run: the local moto server
    backup_bucket: str = ""  # the daily backups (versioned); "" = the export bucket's name with -backups
    # HJ_DYNAMODB_CLIENT=sdk: the store sends through botocore's client, which an in-process AWS fake intercepts
    # (the tests' moto); otherwise through its own wire client (chalicelib.storage.wire)
    dynamodb_sdk: bool = False


def settings() -> Settings:
    env = os.environ
    prefix = env.get("HJ_TABLE_PREFIX", "haengjeong")
    dynamodb_endpoint = env.get("HJ_DYNAMODB_ENDPOINT", "")
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-northeast-2",
        users_table=env.get("HJ_USERS_TABLE", f"{prefix}-users"),
        surveys_table=env.get("HJ_SURVEYS_TABLE", f"{prefix}-surveys"),
        answers_table=env.get("HJ_ANSWERS_TABLE", f"{prefix}-answers"),
        audit_table=env.get("HJ_AUDIT_TABLE", f"{prefix}-audit"),
        export_bucket=env.get("HJ_EXPORT_BUCKET", f"{prefix}-exports"),
        skill_secret=env.get("HJ_SKILL_SECRET", ""),
        skill_secret_param=env.get("HJ_SKILL_SECRET_PARAM", ""),
        dynamodb_endpoint=dynamodb_endpoint,
        s3_endpoint=env.get("HJ_S3_ENDPOINT", ""),
        link_ttl_seconds=min(LINK_SECONDS, max(60, int(env.get("HJ_LINK_TTL", str(LINK_SECONDS))))),
        rate_limit_per_minute=int(env.get("HJ_RATE_LIMIT", "30")),
        export_queue=env.get("HJ_EXPORT_QUEUE", f"{prefix}-exports"),
        jobs=env.get("HJ_JOBS") or ("sqs" if env.get("AWS_LAMBDA_FUNCTION_NAME") else "thread"),
        roster_table=env.get("HJ_ROSTER_TABLE", f"{prefix}-roster"),
        registration="open" if env.get("HJ_REGISTRATION", "").strip().lower() == "open" else "roster",
        event_api_base=env.get("HJ_EVENT_API_BASE", "https://bot-api.kakao.com"),
        bot_id=env.get("HJ_BOT_ID", ""),
        event_name=env.get("HJ_EVENT_NAME", ""),
        event_api_key_param=env.get("HJ_EVENT_API_KEY_PARAM", ""),
        event_api_key=env.get("HJ_EVENT_API_KEY", ""),
        remind_interval_hours=int(env.get("HJ_REMIND_INTERVAL_HOURS") or 12),
        keep_days=int(env.get("HJ_KEEP_DAYS") or KEEP_DAYS),
        privacy_key_param=env.get("HJ_PRIVACY_KEY_PARAM", ""),
        privacy_key=env.get("HJ_PRIVACY_KEY", ""),
        anon_batch=max(1, int(env.get("HJ_ANON_BATCH") or BATCH)),
        dynamodb_credentials=LOCAL_CREDENTIALS if dynamodb_endpoint and not env.get("AWS_ACCESS_KEY_ID") else None,
        sqs_endpoint=env.get("HJ_SQS_ENDPOINT", ""),
        backup_bucket=env.get("HJ_BACKUP_BUCKET", f"{prefix}-backups"),
        dynamodb_sdk=env.get("HJ_DYNAMODB_CLIENT", "").strip().lower() == "sdk",
    )
