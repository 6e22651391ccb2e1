"""Backups of every table as compressed JSON lines, and putting them back.

A backup is one gzip file of JSON lines per table, each line one item exactly as DynamoDB
holds it (its typed form, binary values in base64), under a prefix of its own:

    backups/<YYYY-MM-DDTHHMMSSZ>/<table role>.jsonl.gz   (users, surveys, answers, audit, roster)
    backups/<YYYY-MM-DDTHHMMSSZ>/manifest.json           (item counts, written last: a backup without
                                                           one did not finish)

The scheduled job writes one a day into the backup bucket (encrypted, private, versioned, kept
BACKUP_DAYS by the bucket's lifecycle); ``make backup`` writes one on an operator's
command, to the bucket or a local directory; ``make restore FROM=…`` puts one back. This
is besides point-in-time recovery, which keeps 35 days of the tables themselves: a
backup is an independent copy, readable without DynamoDB, that survives a deleted table.

Reading is a Scan, the one place the app scans: a background job once a day, never a chat
message. It reads with the tables' own capacity (on demand); a table of millions of items
is better exported with DynamoDB's own export to S3 (docs/operations.md).

Restoring writes every item back with BatchWriteItem (25 at a time, unprocessed ones
retried), overwriting items of the same key and leaving others alone: restore into empty
tables for an exact copy (the restore command refuses non-empty ones unless told).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

PREFIX = "backups/"
BACKUP_DAYS = 35  # kept by the bucket's lifecycle rule (the template's BackupRetentionDays)
ROLES = ("users", "surveys", "answers", "audit", "roster")
BATCH = 25  # BatchWriteItem's limit
RETRIES = 8


class Sink(Protocol):
    """Where a backup's files go and come from: the bucket, or a directory."""

    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes: ...


class DirectorySink:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def get(self, name: str) -> bytes:
        return (self.root / name).read_bytes()


class BucketSink:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    def put(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=name, Body=data, ServerSideEncryption="AES256")

    def get(self, name: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.bucket, Key=name)["Body"].read())


# --- DynamoDB's typed items as JSON --------------------------------------------------------------


def _typed(value: dict[str, Any], binary: Callable[[Any], Any]) -> dict[str, Any]:
    """One attribute value ({type: value}) with its binary parts passed through ``binary``, however deep.

    Walked by type tag: a map's own keys are attribute names (a map may well hold one named "B")."""
    ((tag, inner),) = value.items()
    if tag == "B":
        return {tag: binary(inner)}
    if tag == "BS":
        return {tag: [binary(x) for x in inner]}
    if tag == "M":
        return {tag: _item(inner, binary)}
    if tag == "L":
        return {tag: [_typed(x, binary) for x in inner]}
    return {tag: inner}


def _item(item: dict[str, Any], binary: Callable[[Any], Any]) -> dict[str, Any]:
    return {name: _typed(v, binary) for name, v in item.items()}


def _encode(item: dict[str, Any]) -> dict[str, Any]:
    """An item as JSON can hold it: binary values in base64."""
    return _item(item, lambda b: base64.b64encode(bytes(b)).decode("ascii"))


def _decode(item: dict[str, Any]) -> dict[str, Any]:
    return _item(item, base64.b64decode)


def items_of(client: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every item of ``table``, as DynamoDB returns them (consistent reads, page by page)."""
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page.get("Items", [])


# --- backing up ---------------------------------------------------------------------------------


def stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H%M%SZ")


def run(client: Any, tables: Mapping[str, str], sink: Sink, now: datetime | None = None) -> dict[str, Any]:
    """Write every table (role -> table name) under a new prefix; returns the manifest."""
    prefix = f"{PREFIX}{stamp(now)}/"
    counts: dict[str, int] = {}
    for role, table in tables.items():
        raw = io.BytesIO()
        n = 0
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            for item in items_of(client, table):
                gz.write(json.dumps(_encode(item), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
                gz.write(b"\n")
                n += 1
        sink.put(f"{prefix}{role}.jsonl.gz", raw.getvalue())
        counts[role] = n
    manifest = {"prefix": prefix, "tables": dict(tables), "items": counts, "format": "dynamodb-json-lines/1"}
    sink.put(f"{prefix}manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    return manifest


# --- restoring ----------------------------------------------------------------------------------


class RestoreRefused(Exception):
    """The backup is incomplete, or the tables are not empty and overwriting was not asked for."""


def read(sink: Sink, prefix: str, role: str) -> Iterator[dict[str, Any]]:
    data = gzip.decompress(sink.get(f"{prefix}{role}.jsonl.gz"))
    for line in data.decode("utf-8").splitlines():
        if line.strip():
            yield _decode(json.loads(line))


def restore(
    client: Any,
    tables: Mapping[str, str],
    sink: Sink,
    prefix: str,
    overwrite: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Put the backup under ``prefix`` into ``tables`` (role -> table name); returns items written per role."""
    prefix = prefix if prefix.endswith("/") else prefix + "/"
    try:
        manifest = json.loads(sink.get(f"{prefix}manifest.json"))
    except (FileNotFoundError, KeyError) as exc:
        raise RestoreRefused(f"{prefix} has no manifest: the backup did not finish") from exc
    except Exception as exc:
        if type(exc).__name__ in ("NoSuchKey", "ClientError"):
            raise RestoreRefused(f"{prefix} has no manifest: the backup did not finish") from exc
        raise
    if not overwrite:
        busy = [t for t in tables.values() if client.scan(TableName=t, Limit=1).get("Items")]
        if busy:
            raise RestoreRefused(f"not empty: {', '.join(busy)} (restore into new tables, or overwrite)")
    written: dict[str, int] = {}
    for role, table in tables.items():
        if role not in manifest["items"]:
            continue
        n = 0
        batch: list[dict[str, Any]] = []
        for item in read(sink, prefix, role):
            batch.append({"PutRequest": {"Item": item}})
            if len(batch) == BATCH:
                _write(client, table, batch, sleep)
                n += len(batch)
                batch = []
        if batch:
            _write(client, table, batch, sleep)
            n += len(batch)
        if n != manifest["items"][role]:
            raise RestoreRefused(f"{role}: the backup holds {n} items, its manifest says {manifest['items'][role]}")
        written[role] = n
    return written


def _write(client: Any, table: str, requests: list[dict[str, Any]], sleep: Callable[[float], None]) -> None:
    pending = {table: requests}
    for attempt in range(RETRIES):
        left = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not left:
            return
        pending = left
        sleep(min(2.0, 0.05 * 2**attempt))
    raise RuntimeError(f"{table}: items still unprocessed after {RETRIES} attempts")


def latest(client: Any, bucket: str) -> str:
    """The newest finished backup's prefix in the bucket ("" when there is none)."""
    finished: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        finished += [
            o["Key"][: -len("manifest.json")] for o in page.get("Contents", []) if o["Key"].endswith("/manifest.json")
        ]
    return max(finished, default="")
