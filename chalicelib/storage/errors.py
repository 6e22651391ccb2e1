"""DynamoDB's errors as the ports' Unavailable, and the one write most messages make (the person's item alone).

Apart from the transactions (:mod:`chalicelib.storage.transact`), which need pynamodb's models: a member's reads and
their item's write map errors here without importing them. An error of pynamodb's can only come from code that has
imported it, so it is recognised through the module already loaded, never by importing it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.exceptions

from chalicelib.domain.ports import Conflict, Unavailable
from chalicelib.domain.writes import PutUser
from chalicelib.storage import raw_writes

# Error codes meaning "try again shortly" rather than "your request is wrong".
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
_NETWORK_ERRORS = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
_SDK_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


def _pynamodb_errors() -> tuple[type[Exception], ...]:
    """pynamodb's base exception when pynamodb's exceptions are loaded; else none (nothing can have raised one)."""
    module = sys.modules.get("pynamodb.exceptions")
    return (module.PynamoDBException,) if module is not None else ()


def _cause(e: BaseException) -> Any:
    return e.cause if isinstance(e, _pynamodb_errors()) else e  # type: ignore[attr-defined]


def error_code(e: BaseException) -> str | None:
    # Not PynamoDBException.cause_response_code: it fails on timeouts, whose `response` is None.
    response = getattr(_cause(e), "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def is_retryable(e: BaseException) -> bool:
    return isinstance(_cause(e), _NETWORK_ERRORS) or error_code(e) in RETRYABLE_CODES


@contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn throttling, timeouts and connection failures into Unavailable; let the rest through."""
    try:
        yield
    except Exception as e:
        if isinstance(e, (*_SDK_ERRORS, *_pynamodb_errors())) and is_retryable(e):
            raise Unavailable(str(e)) from e
        raise


def put_user_alone(client: Any, table: str, w: PutUser) -> None:
    """A commit of one user item (most messages' only write): a conditional PutItem, the same condition as in a
    transaction at half the write units of a one-item transaction. Sent as :func:`user_items.user_raw` writes the
    item, without the model (its condition is ``version_is``'s, spelled out)."""
    try:
        with mapped_errors():
            client.put_item(**raw_writes.put_user(table, w.user), ReturnConsumedCapacity="TOTAL")
    except botocore.exceptions.ClientError as e:
        if error_code(e) == "ConditionalCheckFailedException":
            raise Conflict("user") from e
        raise
