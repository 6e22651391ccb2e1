"""The Exporter port on S3: build a file, upload it, hand out a short-lived download link.

An :class:`S3Exporter` is configured by its constructor (bucket, region, endpoint,
link lifetime) and builds its boto3 client on first use: moto must be active
before a client exists, and boto3 stays off the chat message path until a file
is asked for. The file-building modules (:mod:`chalicelib.export.workbook`, ``csv_file``, ``filenames``) are
imported when a file is built or named, and openpyxl only when a workbook is built
(:func:`chalicelib.export.workbook.build_xlsx`): the bot is wired with an exporter
before its first message, and most messages never export.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.domain.model import Answer, Survey, now_kst
from chalicelib.domain.ports import LINK_SECONDS, Exporter, FileLink, Reach, Upload, Uploads

if TYPE_CHECKING:  # drawn only by 결과 보기: not imported before it is used
    from chalicelib.domain.results import Results

MAX_LINK_SECONDS = LINK_SECONDS
MIN_LINK_SECONDS = 1
DEFAULT_LINK_SECONDS = LINK_SECONDS
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
REPORT_NAME = "report.html"  # 결과 보기's page, under its survey's exports


def new_key(ascii_name: str, scope: str = MASTER_SCOPE) -> str:
    """An unguessable object key: ``exports/<survey id>/<yyyy>/<mm>/<random>/<ascii name>``.

    The survey id in front lets a deleted survey's exports go with it (:meth:`S3Exporter.forget_survey`).
    """
    now = now_kst()
    safe_name = "-".join(ascii_name.split())
    scope = "".join(ch for ch in scope if ch.isalnum() or ch in "-_") or MASTER_SCOPE
    return f"{KEY_PREFIX}{scope}/{now:%Y}/{now:%m}/{secrets.token_urlsafe(24)}/{safe_name}"


# Under exports/, so the bucket's lifecycle rule removes whatever is left after a day. Files arrive under
# uploads/<token>/ (the bucket tells the import function of each one); the pages that take them live apart,
# under pages/, so that writing a page never looks like an upload.
UPLOAD_PREFIX = KEY_PREFIX + "uploads/"
PAGE_PREFIX = KEY_PREFIX + "pages/"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_PAGE_SECONDS = LINK_SECONDS


class S3Exporter(Exporter, Uploads):
    """Exports stored in one private bucket under unguessable keys, handed out as presigned links.

    ``endpoint`` "" means AWS (links signed for the bucket's regional, virtual-hosted
    endpoint); otherwise a local S3 server, addressed path style so that links
    download from it. ``credentials`` are static keys for such a server; None uses
    the usual credential chain.
    """

    def __init__(
        self,
        bucket: str,
        region: str,
        endpoint: str = "",
        link_ttl_seconds: int = DEFAULT_LINK_SECONDS,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.bucket = bucket
        self.region = region
        self.endpoint = endpoint
        self.link_ttl_seconds = link_ttl_seconds
        self.credentials = credentials
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The boto3 S3 client, built on first use (once, whichever thread gets there first)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> Any:
        import boto3
        from botocore.config import Config

        common: dict[str, Any] = {
            "region_name": self.region,
            "signature_version": "s3v4",
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "read_timeout": READ_TIMEOUT_SECONDS,
            "retries": {"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        }
        keys: dict[str, Any] = {}
        if self.credentials is not None:
            keys = {"aws_access_key_id": self.credentials[0], "aws_secret_access_key": self.credentials[1]}
        if self.endpoint:
            # Local server: path style, so printed links download from that server.
            config = Config(s3={"addressing_style": "path"}, **common)
            return boto3.client("s3", region_name=self.region, endpoint_url=self.endpoint, config=config, **keys)
        # AWS: links are signed for the bucket's regional, virtual-hosted endpoint.
        config = Config(s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}, **common)
        return boto3.client("s3", region_name=self.region, config=config, **keys)

    def clamp_expiry(self, expires_in: int | None) -> int:
        """Link lifetime in seconds: the configured default, always within 1..MAX_LINK_SECONDS."""
        wanted = self.link_ttl_seconds if expires_in is None else int(expires_in)
        return max(MIN_LINK_SECONDS, min(MAX_LINK_SECONDS, wanted))

    # --- the port ------------------------------------------------------------
    def export_survey(
        self,
        survey: Survey,
        answers: Sequence[Answer],
        reach: Reach | None = None,
        expires_in: int | None = None,
    ) -> list[FileLink]:
        """Upload one survey's answers as xlsx (opening on its 요약) and CSV; return ``[xlsx link, csv link]``."""
        from chalicelib.export.csv_file import build_csv
        from chalicelib.export.summary import summarize
        from chalicelib.export.workbook import build_xlsx

        reach = reach or Reach()
        title = f"{survey.title}_{now_kst():%Y%m%d}"
        summary = (survey, summarize(survey, answers, reach.target, reach.answered))
        xlsx = build_xlsx([(survey.title, survey, answers)], missing=reach.missing, summary=summary, marks=reach.marks)
        csv_body = build_csv(survey, answers, reach.marks)
        return [
            self.put_and_link(xlsx, title, "xlsx", expires_in, scope=survey.id),
            self.put_and_link(csv_body, title, "csv", expires_in, scope=survey.id),
        ]

    def export_master(
        self,
        items: Sequence[tuple[Survey, Sequence[Answer]]],
        marks: Mapping[str, str] | None = None,
        expires_in: int | None = None,
    ) -> FileLink:
        """Upload one workbook with a sheet per survey, named ``행정이_전체_<YYYYMMDD>.xlsx``."""
        from chalicelib.export.workbook import build_xlsx

        body = build_xlsx([(survey.title, survey, answers) for survey, answers in items], marks=marks)
        return self.put_and_link(body, f"{MASTER_TITLE}_{now_kst():%Y%m%d}", "xlsx", expires_in)

    def forget_survey(self, survey_id: str) -> None:
        """Delete every export made of one survey (called when the survey is deleted)."""
        if not survey_id or "/" in survey_id:
            raise ValueError("bad survey id")
        self.delete_prefix(f"{KEY_PREFIX}{survey_id}/")

    def presign(self, key: str, title: str, ext: str, expires_in: int | None = None) -> FileLink:
        """A fresh presigned GET link for a stored export (links are minted per request, never stored)."""
        from chalicelib.export.filenames import content_disposition, content_type, export_filename

        _, utf8_name = export_filename(title, ext)
        disposition = content_disposition(title, ext)
        url, ttl = self._signed_get(
            key, expires_in, ResponseContentDisposition=disposition, ResponseContentType=content_type(ext)
        )
        return FileLink(url=url, filename=utf8_name, expires_in=ttl, key=key)

    def _signed_get(self, key: str, expires_in: int | None, **response: str) -> tuple[str, int]:
        """A presigned GET of ``key`` with these response headers, and how long it lasts (clamped)."""
        ttl = self.clamp_expiry(expires_in)
        params = {"Bucket": self.bucket, "Key": key, **response}
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl, HttpMethod="GET"), ttl

    def publish_report(self, results: Results, expires_in: int | None = None) -> FileLink:
        """Draw the results page (:mod:`chalicelib.export.report`), store it with the survey's exports (so it
        goes when the survey is deleted, and the bucket's rule expires it like them) and link to it; the link
        opens it in the browser rather than downloading it."""
        from chalicelib.export.report import CONTENT_TYPE, render

        body = render(results).encode("utf-8")
        key = new_key(REPORT_NAME, scope=results.survey_id)
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=CONTENT_TYPE,
            ContentDisposition="inline",
            CacheControl="private, no-store",
            ServerSideEncryption="AES256",
        )
        url, ttl = self._signed_get(
            key,
            expires_in,
            ResponseContentType=CONTENT_TYPE,
            ResponseContentDisposition="inline",
            ResponseCacheControl="private, no-store",
        )
        return FileLink(url=url, filename=f"{results.title} 결과.html", expires_in=ttl, key=key)

    # --- storage -------------------------------------------------------------
    def put_and_link(
        self, body: bytes, title: str, ext: str, expires_in: int | None = None, scope: str = MASTER_SCOPE
    ) -> FileLink:
        """Store ``body`` under a fresh unguessable key and return a presigned GET link.

        The link forces a download named after ``title`` (ASCII fallback plus
        RFC 5987 UTF-8 name) and lives at most :data:`MAX_LINK_SECONDS`, whatever
        ``expires_in`` asks for.
        """
        from chalicelib.export.filenames import content_disposition, content_type, export_filename

        ascii_name, _ = export_filename(title, ext)
        key = new_key(ascii_name, scope)
        ttl = self.clamp_expiry(expires_in)
        client = self.client
        client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type(ext),
            ContentDisposition=content_disposition(title, ext),
            CacheControl="private, no-store",
            ServerSideEncryption="AES256",
        )
        return self.presign(key, title, ext, ttl)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every export object under ``prefix`` (which must lie in ``exports/``); return the count."""
        if not prefix.startswith(KEY_PREFIX):
            raise ValueError(f"refusing to delete outside {KEY_PREFIX!r}: {prefix!r}")
        client = self.client
        deleted = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        return deleted

    # --- uploads (명단 올리기) -------------------------------------------------------------------
    def upload_page(self, token: str, uploader: str) -> FileLink:
        """A page, itself a private object behind a presigned link, whose form POSTs one file straight to
        the bucket at ``exports/uploads/<token>/file`` (a presigned POST: the exact key, its content type, the
        uploader, the encryption and the size are fixed by its signed policy; a second file can only replace
        the first, never sit beside it)."""
        from chalicelib.export.upload_page import upload_page_html

        key = upload_key(token)
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={
                "x-amz-meta-uploader": uploader,
                "x-amz-server-side-encryption": "AES256",
                "Content-Type": UPLOAD_CONTENT_TYPE,
            },
            Conditions=[
                {"key": key},
                {"x-amz-meta-uploader": uploader},
                {"x-amz-server-side-encryption": "AES256"},
                {"Content-Type": UPLOAD_CONTENT_TYPE},
                ["content-length-range", 1, MAX_UPLOAD_BYTES],
            ],
            ExpiresIn=UPLOAD_PAGE_SECONDS,
        )
        status = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": _status_key(token)},
            ExpiresIn=UPLOAD_PAGE_SECONDS,
            HttpMethod="GET",
        )
        page = upload_page_html(post["url"], post["fields"], status)
        key = f"{PAGE_PREFIX}{_token(token)}.html"
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=page.encode("utf-8"),
            ContentType="text/html; charset=utf-8",
            CacheControl="private, no-store",
            ServerSideEncryption="AES256",
        )
        url = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=UPLOAD_PAGE_SECONDS, HttpMethod="GET"
        )
        return FileLink(url=url, filename="명단 올리기.html", expires_in=UPLOAD_PAGE_SECONDS, key=key)

    def upload_status(self, token: str, state: str, detail: str = "") -> None:
        """A small JSON object the upload page polls (under exports/, so the bucket's rule deletes it in a day)."""
        import json

        body = json.dumps({"state": state, "detail": detail, "at": now_kst().isoformat()}, ensure_ascii=False)
        self.client.put_object(
            Bucket=self.bucket,
            Key=_status_key(token),
            Body=body.encode("utf-8"),
            ContentType="application/json; charset=utf-8",
            CacheControl="no-store",
            ServerSideEncryption="AES256",
        )

    def upload_arrived(self, token: str) -> bool:
        key = upload_key(token)
        found = self.client.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1).get("Contents") or []
        return any(o["Key"] == key for o in found)

    def uploaded(self, token: str) -> Upload | None:
        """The file at the page's one key (nothing else under the token is ever read), named by what it is: a
        workbook is a zip, an old .xls an OLE file, anything else is read as CSV."""
        from botocore.exceptions import ClientError

        try:
            got = self.client.get_object(Bucket=self.bucket, Key=upload_key(token))
        except ClientError:
            return None
        body = bytes(got["Body"].read(MAX_UPLOAD_BYTES + 1))
        uploader = str((got.get("Metadata") or {}).get("uploader", ""))
        return Upload(filename=sniffed_name(body), data=body, uploader=uploader)

    def discard(self, token: str) -> None:
        prefix = f"{UPLOAD_PREFIX}{_token(token)}/"
        found = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents") or []
        if found:
            objects = [{"Key": o["Key"]} for o in found]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})

    def ensure_bucket(self) -> None:
        """Create the export bucket if missing and block public access (for local runs)."""
        from botocore.exceptions import ClientError

        client = self.client
        params: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            client.create_bucket(**params)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise
        try:
            client.put_public_access_block(
                Bucket=self.bucket,
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


def _status_key(token: str) -> str:
    return f"{PAGE_PREFIX}{_token(token)}.json"


def _token(token: str) -> str:
    """A token as it may appear in a key (URL-safe characters only)."""
    return "".join(ch for ch in token if ch.isalnum() or ch in "-_")[:64] or "-"


UPLOAD_FILE = "file"  # the one key an upload page's form may write under its token
UPLOAD_CONTENT_TYPE = "application/octet-stream"


def upload_key(token: str) -> str:
    return f"{UPLOAD_PREFIX}{_token(token)}/{UPLOAD_FILE}"


def sniffed_name(body: bytes) -> str:
    """A name for an uploaded file by its first bytes (the signed form fixes the key, so the browser's name is
    not kept): what the roster reader dispatches on."""
    if body.startswith(b"PK\x03\x04"):
        return "명단.xlsx"
    if body.startswith(b"\xd0\xcf\x11\xe0"):
        return "명단.xls"
    return "명단.csv"


def upload_token(key: str) -> str:
    """The token of an uploaded file's key (``exports/uploads/<token>/<file>``, as a bucket event names it,
    URL-encoded); "" for any other key."""
    from urllib.parse import unquote_plus

    rest = unquote_plus(key)
    if not rest.startswith(UPLOAD_PREFIX):
        return ""
    token, slash, filename = rest[len(UPLOAD_PREFIX) :].partition("/")
    return token if slash and filename and token == _token(token) else ""
