"""Where the project lives, and pointing a process at a local stack.

A local stack is DynamoDB Local and an S3 server on loopback ports (``make run``
writes them to ``.local/stack.json``). :func:`use_local_stack` sets the
environment so that this process (through ``chalicelib.platform.config.settings``) and the
processes it starts talk to that stack and to nothing else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STACK_FILE = ROOT / ".local" / "stack.json"
REGION = "ap-northeast-2"
DEFAULT_TABLE_PREFIX = "haengjeong-local"
DEFAULT_EXPORT_BUCKET = "haengjeong-local-exports"
DEFAULT_BACKUP_BUCKET = "haengjeong-local-backups"

# Variables use_local_stack sets or removes.
TOUCHED = (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "HJ_DYNAMODB_ENDPOINT",
    "HJ_S3_ENDPOINT",
    "HJ_TABLE_PREFIX",
    "HJ_EXPORT_BUCKET",
    "HJ_BACKUP_BUCKET",
    "HJ_SKILL_SECRET",
)


class StaleStack(Exception):
    """The stack file names a stack that is no longer running."""


def use_local_stack(
    dynamodb_endpoint: str,
    s3_endpoint: str,
    table_prefix: str | None = None,
    export_bucket: str | None = None,
    region: str = REGION,
) -> dict[str, str]:
    """Point this process (and its children) at local engines; return the settings that name the stack.

    Dummy keys replace any AWS identity (local engines accept any), and nothing may
    redirect the clients past the given endpoints. Table prefix and bucket default to
    the environment's, else the local ones; the skill secret to the local one.
    """
    from chalicelib.platform.config import LOCAL_CREDENTIALS, LOCAL_SKILL_SECRET

    env = os.environ
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = LOCAL_CREDENTIALS
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    env["HJ_DYNAMODB_ENDPOINT"] = dynamodb_endpoint
    env["HJ_S3_ENDPOINT"] = s3_endpoint
    if table_prefix:
        env["HJ_TABLE_PREFIX"] = table_prefix
    if export_bucket:
        env["HJ_EXPORT_BUCKET"] = export_bucket
    env.setdefault("HJ_TABLE_PREFIX", DEFAULT_TABLE_PREFIX)
    env.setdefault("HJ_EXPORT_BUCKET", DEFAULT_EXPORT_BUCKET)
    env.setdefault("HJ_BACKUP_BUCKET", DEFAULT_BACKUP_BUCKET)
    env.setdefault("HJ_SKILL_SECRET", LOCAL_SKILL_SECRET)
    return {
        k: env[k]
        for k in ("HJ_DYNAMODB_ENDPOINT", "HJ_S3_ENDPOINT", "HJ_TABLE_PREFIX", "HJ_EXPORT_BUCKET", "AWS_REGION")
    }


def use_stack(stack: Mapping[str, Any]) -> dict[str, str]:
    """:func:`use_local_stack` for a stack as ``stack.json`` describes it."""
    return use_local_stack(
        stack["dynamodb_endpoint"],
        stack["s3_endpoint"],
        stack.get("table_prefix"),
        stack.get("export_bucket"),
        stack.get("region") or REGION,
    )


def running_stack(stack_file: Path = STACK_FILE) -> dict[str, Any] | None:
    """The running stack ``stack_file`` describes; None when there is no file, StaleStack when it is not running."""
    if not stack_file.is_file():
        return None
    stack: dict[str, Any] = json.loads(stack_file.read_text())
    if not _alive(stack.get("pid")):
        raise StaleStack(f"{stack_file} is left over from a local stack that is no longer running")
    return stack


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True
