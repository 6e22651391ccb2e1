"""Settings, read from the environment once (stage values live in .chalice/config.json)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

LOCAL_SKILL_SECRET = "local-dev-secret"  # documented value for `make run`; never used when deployed


@dataclass(frozen=True)
class Settings:
    region: str
    users_table: str
    surveys_table: str
    answers_table: str
    audit_table: str
    export_bucket: str
    skill_secret: str
    dynamodb_endpoint: str  # "" = AWS
    s3_endpoint: str  # "" = AWS
    link_ttl_seconds: int
    rate_limit_per_minute: int
    export_queue: str  # SQS queue name for background exports
    jobs: str  # "sqs" (Lambda), "thread" (local server) or "inline"


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    prefix = env.get("HJ_TABLE_PREFIX", "haengjeong")
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-northeast-2",
        users_table=env.get("HJ_USERS_TABLE", f"{prefix}-users"),
        surveys_table=env.get("HJ_SURVEYS_TABLE", f"{prefix}-surveys"),
        answers_table=env.get("HJ_ANSWERS_TABLE", f"{prefix}-answers"),
        audit_table=env.get("HJ_AUDIT_TABLE", f"{prefix}-audit"),
        export_bucket=env.get("HJ_EXPORT_BUCKET", f"{prefix}-exports"),
        skill_secret=env.get("HJ_SKILL_SECRET", ""),
        dynamodb_endpoint=env.get("HJ_DYNAMODB_ENDPOINT", ""),
        s3_endpoint=env.get("HJ_S3_ENDPOINT", ""),
        link_ttl_seconds=min(600, max(60, int(env.get("HJ_LINK_TTL", "300")))),
        rate_limit_per_minute=int(env.get("HJ_RATE_LIMIT", "30")),
        export_queue=env.get("HJ_EXPORT_QUEUE", f"{prefix}-exports"),
        jobs=env.get("HJ_JOBS") or ("sqs" if env.get("AWS_LAMBDA_FUNCTION_NAME") else "thread"),
    )


def reset() -> None:
    """Forget cached settings (tests change the environment)."""
    settings.cache_clear()
