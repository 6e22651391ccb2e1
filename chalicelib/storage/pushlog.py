"""The push log (domain.pushlog) in DynamoDB (the in-memory one is :mod:`chalicelib.storage.memory_pushlog`).

DynamoDB keeps a push in the roster table (generic ``part`` + ``entry`` keys, TTL on ``expires``), as a
partition of its own: ``push#<id>`` holds the head (``entry`` = ``head``) and the chunks
(``c#00000`` …). Nothing here is on a chat path: the background worker alone reads and writes pushes,
a push's partition is read by key or by one Query of that partition (at most a few hundred items for
20,000 people), and every change is a conditional UpdateItem, or a transaction of the chunk and the
head when a chunk settles. The items expire a fortnight after the push began.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from chalicelib.domain.pushlog import (
    ACCEPTED,
    FIGURES,
    FINAL,
    PLANNED,
    PLANNING,
    QUEUED,
    QUEUED_ALL,
    SENDING,
    PushChunk,
    PushHead,
    PushLog,
)
from chalicelib.storage.binding import DynamoConfig

PARTITION = "push#"
HEAD = "head"
CHUNK = "c#"
KEEP_SECONDS = 14 * 24 * 3600  # a push's items expire this long after it began (DynamoDB's TTL)
BATCH = 25  # items per BatchWriteItem
BATCH_ATTEMPTS = 5

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 3.0


def chunk_entry(n: int) -> str:
    return f"{CHUNK}{n:05d}"


class DynamoPushLog(PushLog):
    """The push log in the roster table of a :class:`DynamoConfig` (a low-level client, made on first use)."""

    def __init__(self, config: DynamoConfig, client: Any = None) -> None:
        self.config = config
        self.table = config.roster
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3
                    from botocore.config import Config

                    cfg = Config(
                        connect_timeout=CONNECT_TIMEOUT_SECONDS,
                        read_timeout=READ_TIMEOUT_SECONDS,
                        retries={"total_max_attempts": 3, "mode": "standard"},
                    )
                    kw: dict[str, Any] = {"region_name": self.config.region, "config": cfg}
                    if self.config.endpoint:
                        kw["endpoint_url"] = self.config.endpoint
                    if self.config.credentials:
                        kw["aws_access_key_id"], kw["aws_secret_access_key"] = self.config.credentials
                    self._client = boto3.client("dynamodb", **kw)
        return self._client

    # --- helpers -------------------------------------------------------------

    @staticmethod
    def _key(push_id: str, entry: str) -> dict[str, Any]:
        return {"part": {"S": PARTITION + push_id}, "entry": {"S": entry}}

    @staticmethod
    def _names(*expressions: str) -> dict[str, str]:
        """Every attribute an expression names as ``#name`` (so no reserved word can break one)."""
        return {f"#{name}": name for e in expressions for name in re.findall(r"#(\w+)", e)}

    def _update(self, key: dict[str, Any], update: str, condition: str, values: dict[str, Any]) -> bool:
        """One conditional UpdateItem; False when its condition failed."""
        kw: dict[str, Any] = {
            "TableName": self.table,
            "Key": key,
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": self._names(update, condition),
        }
        if values:
            kw["ExpressionAttributeValues"] = values
        try:
            self.client.update_item(**kw)
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    @staticmethod
    def _n(item: dict[str, Any], name: str) -> int:
        return int(float(item.get(name, {}).get("N", "0")))

    @staticmethod
    def _s(item: dict[str, Any], name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    def _head_of(self, item: dict[str, Any]) -> PushHead:
        return PushHead(
            id=self._s(item, "part")[len(PARTITION) :],
            kind=self._s(item, "kind"),
            survey_id=self._s(item, "survey"),
            title=self._s(item, "title"),
            admin=self._s(item, "admin"),
            state=self._s(item, "state"),
            started=float(item.get("started", {}).get("N", "0")),
            chunks=self._n(item, "chunks"),
            users=self._n(item, "users"),
            finals=self._n(item, "finals"),
            figures={name: self._n(item, name) for name in FIGURES},
            noted=bool(item.get("noted", {}).get("BOOL", False)),
        )

    def _chunk_of(self, item: dict[str, Any]) -> PushChunk:
        return PushChunk(
            n=int(self._s(item, "entry")[len(CHUNK) :]),
            keys=[k["S"] for k in item.get("keys", {}).get("L", [])],
            state=self._s(item, "state"),
            tries=self._n(item, "tries"),
            claimed=float(item.get("claimed", {}).get("N", "0")),
            task_id=self._s(item, "task"),
            checks=self._n(item, "checks"),
        )

    # --- the port ------------------------------------------------------------

    def begin(self, head: PushHead, now: float) -> bool:
        item = {
            **self._key(head.id, HEAD),
            "kind": {"S": head.kind},
            "survey": {"S": head.survey_id},
            "title": {"S": head.title},
            "admin": {"S": head.admin},
            "state": {"S": PLANNING},
            "started": {"N": repr(now)},
            "expires": {"N": str(int(now + KEEP_SECONDS))},
        }
        try:
            self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="attribute_not_exists(#part)",
                ExpressionAttributeNames={"#part": "part"},
            )
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def retake(self, push_id: str, started: float, now: float) -> bool:
        return self._update(
            self._key(push_id, HEAD),
            "SET #started = :now",
            "#state = :planning AND #started = :started",
            {":now": {"N": repr(now)}, ":planning": {"S": PLANNING}, ":started": {"N": repr(started)}},
        )

    def head(self, push_id: str) -> PushHead | None:
        got = self.client.get_item(TableName=self.table, Key=self._key(push_id, HEAD), ConsistentRead=True)
        return self._head_of(got["Item"]) if "Item" in got else None

    def store_chunks(self, push_id: str, chunks: list[list[str]], expires: float) -> None:
        current = self.head(push_id)
        if current is None or current.state != PLANNING:
            return  # planned already (its chunks may be queued): never overwritten
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        **self._key(push_id, chunk_entry(n)),
                        "keys": {"L": [{"S": k} for k in keys]},
                        "state": {"S": QUEUED},
                        "tries": {"N": "0"},
                        "checks": {"N": "0"},
                        "expires": {"N": str(int(expires))},
                    }
                }
            }
            for n, keys in enumerate(chunks)
        ]
        for start in range(0, len(requests), BATCH):
            pending: dict[str, Any] = {self.table: requests[start : start + BATCH]}
            for _ in range(BATCH_ATTEMPTS):
                answer = self.client.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise RuntimeError("DynamoDB left chunks of a push unwritten")
        self._plan_done(push_id, chunks)

    def _plan_done(self, push_id: str, chunks: list[list[str]]) -> None:
        # False when another run planned it meanwhile: its chunks stand.
        self._update(
            self._key(push_id, HEAD),
            "SET #state = :planned, #chunks = :n, #users = :users",
            "#state = :planning",
            {
                ":planned": {"S": PLANNED},
                ":planning": {"S": PLANNING},
                ":n": {"N": str(len(chunks))},
                ":users": {"N": str(sum(len(k) for k in chunks))},
            },
        )

    def mark_queued(self, push_id: str) -> None:
        self._update(
            self._key(push_id, HEAD),
            "SET #state = :queued",
            "#state = :planned",
            {":queued": {"S": QUEUED_ALL}, ":planned": {"S": PLANNED}},
        )

    def chunk(self, push_id: str, n: int) -> PushChunk | None:
        got = self.client.get_item(TableName=self.table, Key=self._key(push_id, chunk_entry(n)), ConsistentRead=True)
        return self._chunk_of(got["Item"]) if "Item" in got else None

    def chunks(self, push_id: str) -> list[PushChunk]:
        out: list[PushChunk] = []
        kw: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#part = :p AND begins_with(#entry, :c)",
            "ExpressionAttributeNames": {"#part": "part", "#entry": "entry"},
            "ExpressionAttributeValues": {":p": {"S": PARTITION + push_id}, ":c": {"S": CHUNK}},
            "ConsistentRead": True,
        }
        while True:
            page = self.client.query(**kw)
            out += [self._chunk_of(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return sorted(out, key=lambda c: c.n)
            kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim(self, push_id: str, n: int, tries: int, now: float) -> bool:
        return self._update(
            self._key(push_id, chunk_entry(n)),
            "SET #state = :sending, #tries = :next, #claimed = :now",
            "#state = :queued AND #tries = :tries",
            {
                ":sending": {"S": SENDING},
                ":queued": {"S": QUEUED},
                ":tries": {"N": str(tries)},
                ":next": {"N": str(tries + 1)},
                ":now": {"N": repr(now)},
            },
        )

    def release(self, push_id: str, n: int, tries: int) -> bool:
        return self._update(
            self._key(push_id, chunk_entry(n)),
            "SET #state = :queued",
            "#state = :sending AND #tries = :tries",
            {":queued": {"S": QUEUED}, ":sending": {"S": SENDING}, ":tries": {"N": str(tries)}},
        )

    def accept(self, push_id: str, n: int, tries: int, task_id: str) -> bool:
        return self._update(
            self._key(push_id, chunk_entry(n)),
            "SET #state = :accepted, #task = :task",
            "#state = :sending AND #tries = :tries",
            {
                ":accepted": {"S": ACCEPTED},
                ":sending": {"S": SENDING},
                ":tries": {"N": str(tries)},
                ":task": {"S": task_id},
            },
        )

    def count_check(self, push_id: str, n: int, checks: int) -> bool:
        return self._update(
            self._key(push_id, chunk_entry(n)),
            "SET #checks = :next",
            "#state = :accepted AND #checks = :checks",
            {":accepted": {"S": ACCEPTED}, ":checks": {"N": str(checks)}, ":next": {"N": str(checks + 1)}},
        )

    def settle(self, push_id: str, n: int, expect: str, figures: dict[str, int]) -> bool:
        adds = {f":{name}": {"N": str(int(figures.get(name, 0)))} for name in FIGURES}
        adding = "ADD #finals :one, " + ", ".join(f"#{name} :{name}" for name in FIGURES)
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": self._key(push_id, chunk_entry(n)),
                            "UpdateExpression": "SET #state = :final",
                            "ConditionExpression": "#state = :expect",
                            "ExpressionAttributeNames": {"#state": "state"},
                            "ExpressionAttributeValues": {":final": {"S": FINAL}, ":expect": {"S": expect}},
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": self._key(push_id, HEAD),
                            "UpdateExpression": adding,
                            "ConditionExpression": "attribute_exists(#part)",
                            "ExpressionAttributeNames": self._names(adding, "#part"),
                            "ExpressionAttributeValues": {":one": {"N": "1"}, **adds},
                        }
                    },
                ]
            )
            return True
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                return False
            raise  # a conflicting transaction or throttling: the worker fails and the queue runs it again

    def claim_note(self, push_id: str) -> bool:
        return self._update(
            self._key(push_id, HEAD),
            "SET #noted = :yes",
            "attribute_exists(#part) AND (attribute_not_exists(#noted) OR #noted = :no)",
            {":yes": {"BOOL": True}, ":no": {"BOOL": False}},
        )
