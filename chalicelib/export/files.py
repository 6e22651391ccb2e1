"""S3 adapter for exports: upload a file, hand out a short-lived download link.

The boto3 client is built on first use (moto must be active before a client
exists, and boto3 stays off the chat message path) and cached per process;
:func:`reset` forgets it.
"""
from __future__ import annotations

import secrets
import threading
from typing import Any, Optional, Sequence

from chalicelib.config import settings
from chalicelib.domain.model import Answer, Survey, now_kst
from chalicelib.domain.ports import FileLink
from chalicelib.export.workbook import (
    build_csv,
    build_xlsx,
    content_disposition,
    content_type,
    export_filename,
)

MAX_LINK_SECONDS = 600
MIN_LINK_SECONDS = 1
# One S3 request, one attempt: a small download is uploaded inside Kakao's 5 s, so a
# stalled S3 must fail fast (the member is asked to try again; a background build that
# fails is redelivered by its queue). Worst case of one call: connect + read.
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.0
MAX_ATTEMPTS = 1
WORST_CALL_SECONDS = MAX_ATTEMPTS * (CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS)
KEY_PREFIX = "exports/"
MASTER_SCOPE = "_all"  # key scope of the super admin's all-surveys workbook
MASTER_TITLE = "행정이_전체"

_client: Any = None
_lock = threading.Lock()


def reset() -> None:
    """Forget the cached S3 client (tests change the environment between cases)."""
    global _client
    with _lock:
        _client = None


def _s3() -> Any:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = _make_client()
    return _client


def _make_client() -> Any:
    import boto3
    from botocore.config import Config

    s = settings()
    common: dict[str, Any] = {
        "region_name": s.region,
        "signature_version": "s3v4",
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "read_timeout": READ_TIMEOUT_SECONDS,
        "retries": {"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
    }
    if s.s3_endpoint:
        # Local server: path style, so printed links download from that server.
        config = Config(s3={"addressing_style": "path"}, **common)
        return boto3.client("s3", region_name=s.region, endpoint_url=s.s3_endpoint, config=config)
    # AWS: links are signed for the bucket's regional, virtual-hosted endpoint.
    config = Config(s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}, **common)
    return boto3.client("s3", region_name=s.region, config=config)


def clamp_expiry(expires_in: Optional[int]) -> int:
    """Link lifetime in seconds: the configured default, always within 1..MAX_LINK_SECONDS."""
    wanted = settings().link_ttl_seconds if expires_in is None else int(expires_in)
    return max(MIN_LINK_SECONDS, min(MAX_LINK_SECONDS, wanted))


def new_key(ascii_name: str, scope: str = MASTER_SCOPE) -> str:
    """An unguessable object key: ``exports/<survey id>/<yyyy>/<mm>/<random>/<ascii name>``.

    The survey id in front lets a deleted survey's exports go with it (:func:`forget_survey`).
    """
    now = now_kst()
    safe_name = "-".join(ascii_name.split())
    scope = "".join(ch for ch in scope if ch.isalnum() or ch in "-_") or MASTER_SCOPE
    return f"{KEY_PREFIX}{scope}/{now:%Y}/{now:%m}/{secrets.token_urlsafe(24)}/{safe_name}"


def put_and_link(body: bytes, title: str, ext: str, expires_in: Optional[int] = None,
                 scope: str = MASTER_SCOPE) -> FileLink:
    """Store ``body`` under a fresh unguessable key and return a presigned GET link.

    The link forces a download named after ``title`` (ASCII fallback plus
    RFC 5987 UTF-8 name) and lives at most :data:`MAX_LINK_SECONDS`, whatever
    ``expires_in`` asks for.
    """
    ascii_name, _ = export_filename(title, ext)
    disposition = content_disposition(title, ext)
    mime = content_type(ext)
    bucket = settings().export_bucket
    key = new_key(ascii_name, scope)
    ttl = clamp_expiry(expires_in)
    client = _s3()
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType=mime,
        ContentDisposition=disposition,
        CacheControl="private, no-store",
        ServerSideEncryption="AES256",
    )
    return presign(key, title, ext, ttl)


def presign(key: str, title: str, ext: str, expires_in: Optional[int] = None) -> FileLink:
    """A fresh presigned GET link for a stored export (links are minted per request, never stored)."""
    _, utf8_name = export_filename(title, ext)
    disposition = content_disposition(title, ext)
    ttl = clamp_expiry(expires_in)
    url = _s3().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings().export_bucket,
            "Key": key,
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type(ext),
        },
        ExpiresIn=ttl,
        HttpMethod="GET",
    )
    return FileLink(url=url, filename=utf8_name, expires_in=ttl, key=key)


def ensure_bucket() -> None:
    """Create the export bucket if missing and block public access (for local runs)."""
    from botocore.exceptions import ClientError

    s = settings()
    client = _s3()
    params: dict[str, Any] = {"Bucket": s.export_bucket}
    if s.region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": s.region}
    try:
        client.create_bucket(**params)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise
    try:
        client.put_public_access_block(
            Bucket=s.export_bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") not in ("NotImplemented", "MethodNotAllowed"):
            raise


def delete_prefix(prefix: str) -> int:
    """Delete every export object under ``prefix`` (which must lie in ``exports/``); return the count."""
    if not prefix.startswith(KEY_PREFIX):
        raise ValueError(f"refusing to delete outside {KEY_PREFIX!r}: {prefix!r}")
    client = _s3()
    bucket = settings().export_bucket
    deleted = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def export_survey(survey: Survey, answers: Sequence[Answer], expires_in: Optional[int] = None) -> list[FileLink]:
    """Upload one survey's answers as xlsx and CSV; return ``[xlsx link, csv link]``."""
    title = f"{survey.title}_{now_kst():%Y%m%d}"
    xlsx = build_xlsx([(survey.title, survey, answers)])
    csv_body = build_csv(survey, answers)
    return [
        put_and_link(xlsx, title, "xlsx", expires_in, scope=survey.id),
        put_and_link(csv_body, title, "csv", expires_in, scope=survey.id),
    ]


def export_master(items: Sequence[tuple[Survey, Sequence[Answer]]], expires_in: Optional[int] = None) -> FileLink:
    """Upload one workbook with a sheet per survey, named ``행정이_전체_<YYYYMMDD>.xlsx``."""
    body = build_xlsx([(survey.title, survey, answers) for survey, answers in items])
    return put_and_link(body, f"{MASTER_TITLE}_{now_kst():%Y%m%d}", "xlsx", expires_in)


def forget_survey(survey_id: str) -> int:
    """Delete every export made of one survey (called when the survey is deleted)."""
    if not survey_id or "/" in survey_id:
        raise ValueError("bad survey id")
    return delete_prefix(f"{KEY_PREFIX}{survey_id}/")
