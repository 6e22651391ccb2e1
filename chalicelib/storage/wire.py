"""DynamoDB's JSON protocol, sent without the SDK's per-call machinery.

A chat message makes one to three DynamoDB calls, and botocore spends about 0.7–0.9 ms of CPU on each before and
after the network: events, endpoint rules, the user-agent string (built twice per call), shape-walking serializers
and parsers, its own HTTP wrapper. On Lambda's third of a core that is 2–3 ms per call. The data-plane operations a
message uses are simple JSON over HTTPS, so :class:`WireClient` sends them itself: the body as JSON, a Signature
Version 4 signature (:mod:`chalicelib.storage.sigv4`, held to botocore's own signer by a test), one pool of
kept-alive connections (urllib3, which botocore already brings), and the response's JSON as the result. It costs
about a third of the SDK's CPU per call (docs/performance.md, *The store's own wire*).

What it keeps of the SDK's contract, so that pynamodb and the store cannot tell the difference:

* the result of a call is the dict botocore's client returns (DynamoDB's JSON as sent; ``B`` and ``BS`` values as
  bytes; ``ResponseMetadata``);
* a refused call raises botocore's ``ClientError`` with the same ``Error`` and, for a cancelled transaction, the same
  ``CancellationReasons``; a call the network fails raises botocore's ``ConnectTimeoutError``, ``ReadTimeoutError``
  or ``EndpointConnectionError``;
* retries as the store's settings ask: a throttled or failed (5xx, network, checksum) attempt is tried again, up to
  ``attempts`` in all, after a short random pause;
* ``TransactWriteItems`` gets a ``ClientRequestToken`` when the caller gave none, so a retried transaction is
  applied once (the SDK does the same);
* ``meta.events`` emits ``after-call.dynamodb.<Operation>`` and ``after-call-error.dynamodb.<Operation>`` as the
  SDK's client does, which is how the bench and the tests count calls.

Operations it does not send itself (creating tables, time to live, anything but reading and writing items) go
through a botocore client made on first need. The store chooses this client unless its configuration asks for the
SDK (:attr:`chalicelib.storage.binding.DynamoConfig.sdk`): an in-process AWS fake intercepts botocore only.
"""

from __future__ import annotations

import base64
import functools
import json
import random
import re
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import botocore.exceptions
import urllib3
from botocore.hooks import HierarchicalEmitter

from chalicelib.storage.sigv4 import SERVICE, endpoint_for, sign

# The operations sent as JSON here: their requests and responses hold attribute values, counts and capacity only
# (no timestamps to turn into datetimes), so the response's JSON is botocore's result with blobs decoded.
DATA_PLANE = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
        "Query",
        "Scan",
    }
)
METHODS = {  # botocore's method names for them, which the store calls
    "get_item": "GetItem",
    "put_item": "PutItem",
    "update_item": "UpdateItem",
    "delete_item": "DeleteItem",
    "batch_get_item": "BatchGetItem",
    "batch_write_item": "BatchWriteItem",
    "transact_get_items": "TransactGetItems",
    "transact_write_items": "TransactWriteItems",
    "query": "Query",
    "scan": "Scan",
}
# Error codes worth another attempt, as the SDK's standard retry mode has them for DynamoDB.
THROTTLED = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "TransactionInProgressException",
        "LimitExceededException",
    }
)
# urllib3's failures as botocore's HTTP session names them, most specific first (urllib3's refused connection is a
# kind of its connect timeout)
_NETWORK_ERRORS: tuple[tuple[type[Exception], Any], ...] = (
    (urllib3.exceptions.NewConnectionError, botocore.exceptions.EndpointConnectionError),
    (urllib3.exceptions.ConnectTimeoutError, botocore.exceptions.ConnectTimeoutError),
    (urllib3.exceptions.ReadTimeoutError, botocore.exceptions.ReadTimeoutError),
    (urllib3.exceptions.SSLError, botocore.exceptions.SSLError),
    (urllib3.exceptions.ProtocolError, botocore.exceptions.ConnectionClosedError),
)
TRANSIENT_PAUSE = 0.025  # seconds, at most, before retrying an attempt the network or a 5xx failed
THROTTLED_PAUSE = 1.0  # seconds, at most, before the first retry of a throttled attempt (doubling after)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"cannot send a {type(value).__name__} to DynamoDB")


_BLOB = re.compile(rb'"BS?"\s*:')


def _blobs(obj: dict[str, Any]) -> Any:
    """json's object hook: an attribute value ``{"B": "<base64>"}`` or ``{"BS": [...]}`` as bytes. (A map attribute
    with a member named B holds an attribute value, a dict, never a string: it is left alone.)"""
    if len(obj) == 1:
        if isinstance(obj.get("B"), str):
            return {"B": base64.b64decode(obj["B"])}
        blobs = obj.get("BS")
        if isinstance(blobs, list) and all(isinstance(b, str) for b in blobs):
            return {"BS": [base64.b64decode(b) for b in blobs]}
    return obj


def parse(data: bytes) -> dict[str, Any]:
    """A response body as botocore's parser reads it for the data-plane operations."""
    if not data:
        return {}
    # a "B" or "BS" value somewhere: decode blobs (rare; every other body, "BOOL"s and all, is read as it is)
    out = json.loads(data, object_hook=_blobs) if _BLOB.search(data) else json.loads(data)
    return out if isinstance(out, dict) else {}


def error_of(status: int, data: bytes, headers: Any) -> dict[str, Any]:
    """A refused call's body as botocore's ``ClientError.response``: ``Error`` (the code after the ``#`` of
    ``__type``, the message), the error's own members (``CancellationReasons``) and ``ResponseMetadata``."""
    try:
        body = parse(data)
    except ValueError:
        body = {}
    kind = str(body.pop("__type", "") or "")
    code = kind.rsplit("#", 1)[-1] if kind else str(status)
    message = body.pop("message", None)  # botocore reads the lower-case one first
    capital = body.pop("Message", None)
    if message is None:
        message = capital
    out: dict[str, Any] = {k: v for k, v in body.items() if k[:1].isupper()}
    out["Error"] = {"Message": message or "", "Code": code}
    out["ResponseMetadata"] = _metadata(status, headers, 0)
    return out


def _metadata(status: int, headers: Any, retries: int) -> dict[str, Any]:
    return {
        "RequestId": headers.get("x-amzn-requestid", "") if headers is not None else "",
        "HTTPStatusCode": status,
        "HTTPHeaders": {k.lower(): v for k, v in headers.items()} if headers is not None else {},
        "RetryAttempts": retries,
    }


class _Retry(Exception):
    """An attempt worth repeating; ``final`` is what to raise if it was the last."""

    def __init__(self, final: Exception, throttled: bool) -> None:
        super().__init__(str(final))
        self.final, self.throttled = final, throttled


class _Operation(SimpleNamespace):
    """What a handler of botocore's events reads of ``model``: the operation's name."""

    name: str


_MODELS = {operation: _Operation(name=operation) for operation in DATA_PLANE}


def _call_with_keywords(client: WireClient, operation: str, **params: Any) -> dict[str, Any]:
    return client._make_api_call(operation, params)


class WireClient:
    """The store's DynamoDB client: botocore's ``_make_api_call`` and method names for the data-plane operations,
    sent as described in the module's docstring. Safe to share between threads."""

    def __init__(
        self,
        region: str,
        credentials: Callable[[], Any],
        endpoint: str = "",
        connect_timeout: float = 0.5,
        read_timeout: float = 1.0,
        attempts: int = 2,
        pool_size: int = 10,
        sdk: Callable[[], Any] | None = None,
    ) -> None:
        self.region = region
        self.url = endpoint or endpoint_for(region)
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"not an endpoint: {self.url!r}")  # (a path would need signing: DynamoDB has none)
        default_port = 443 if parts.scheme == "https" else 80
        self.host = parts.hostname if parts.port in (None, default_port) else f"{parts.hostname}:{parts.port}"
        self.attempts = max(1, attempts)
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self._credentials_of = credentials
        self._credentials: Any = None
        self._sdk_of = sdk
        self._sdk: Any = None
        self._lock = threading.Lock()
        timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        pool_kw: dict[str, Any] = {"maxsize": pool_size, "block": False, "timeout": timeout, "retries": False}
        if parts.scheme == "https":
            from botocore.httpsession import get_cert_path

            pool_kw.update(cert_reqs="CERT_REQUIRED", ca_certs=get_cert_path(True))
        self._pool = urllib3.connectionpool.connection_from_url(self.url, **pool_kw)
        self.meta = SimpleNamespace(
            events=HierarchicalEmitter(),
            region_name=region,
            endpoint_url=self.url,
            service_model=SimpleNamespace(service_name=SERVICE),
        )
        self._request_signer = None  # pynamodb looks here for a client whose credentials went missing

    def __getattr__(self, name: str) -> Any:
        operation = METHODS.get(name)
        if operation is not None:
            method = functools.partial(_call_with_keywords, self, operation)
            setattr(self, name, method)  # made once: later lookups find it without coming here
            return method
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._delegate(), name)  # delete_table, get_waiter, ...: the SDK's own

    def _make_api_call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation not in DATA_PLANE:
            return dict(self._delegate()._make_api_call(operation, params))
        model = _MODELS[operation]
        try:
            out = self._call(operation, params)
        except Exception as e:
            self.meta.events.emit(f"after-call-error.{SERVICE}.{operation}", exception=e, model=model, context={})
            raise
        self.meta.events.emit(
            f"after-call.{SERVICE}.{operation}", http_response=None, parsed=out, model=model, context={}
        )
        return out

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "TransactWriteItems" and "ClientRequestToken" not in params:
            params = {**params, "ClientRequestToken": str(uuid.uuid4())}
        body = json.dumps(params, separators=(",", ":"), default=_encode).encode()
        throttles = 0
        for attempt in range(self.attempts):
            try:
                return self._attempt(operation, body, attempt)
            except _Retry as r:
                if attempt + 1 >= self.attempts:
                    raise r.final from None
                if r.throttled:
                    throttles += 1
                    time.sleep(random.random() * THROTTLED_PAUSE * 2 ** (throttles - 1))  # noqa: S311  (jitter)
                else:
                    time.sleep(random.random() * TRANSIENT_PAUSE)  # noqa: S311  (jitter)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, operation: str, body: bytes, attempt: int) -> dict[str, Any]:
        creds = self._frozen()
        headers = sign(
            operation,
            body,
            self.host,
            self.region,
            creds.access_key,
            creds.secret_key,
            creds.token,
            datetime.now(UTC),
        )
        try:
            response = self._pool.urlopen(
                "POST", "/", body=body, headers=headers, retries=False, redirect=False, preload_content=True
            )
        except (urllib3.exceptions.HTTPError, OSError) as e:  # named as botocore's HTTP session names them
            raise _Retry(self._network_error(e), False) from e
        data, status = response.data, response.status
        crc = response.headers.get("x-amz-crc32")
        if crc is not None and crc.isdigit() and int(crc) != zlib.crc32(data):
            problem = botocore.exceptions.ChecksumError(
                checksum_type="crc32", expected_checksum=crc, actual_checksum=str(zlib.crc32(data))
            )
            raise _Retry(problem, False)
        if status == 200:
            out = parse(data)
            out["ResponseMetadata"] = {
                "RequestId": response.headers.get("x-amzn-requestid", ""),
                "HTTPStatusCode": status,
                "RetryAttempts": attempt,
            }
            return out
        error = error_of(status, data, response.headers)
        error["ResponseMetadata"]["RetryAttempts"] = attempt
        refused = botocore.exceptions.ClientError(error, operation)
        code = error["Error"]["Code"]
        if status >= 500 or code in THROTTLED:
            raise _Retry(refused, code in THROTTLED)
        raise refused

    def _network_error(self, e: Exception) -> Exception:
        for theirs, ours in _NETWORK_ERRORS:
            if isinstance(e, theirs):
                named: Exception = ours(endpoint_url=self.url, error=e)
                return named
        other: Exception = botocore.exceptions.HTTPClientError(error=e)
        return other

    def _frozen(self) -> Any:
        creds = self._credentials
        if creds is None:
            with self._lock:
                if self._credentials is None:
                    self._credentials = self._credentials_of()
                creds = self._credentials
        if creds is None:
            raise botocore.exceptions.NoCredentialsError()
        return creds.get_frozen_credentials()

    def _delegate(self) -> Any:
        if self._sdk is None:
            if self._sdk_of is None:
                raise NotImplementedError("this client sends only reads and writes of items")
            with self._lock:
                if self._sdk is None:
                    self._sdk = self._sdk_of()
        return self._sdk
