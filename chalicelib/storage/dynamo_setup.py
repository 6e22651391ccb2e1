"""The DynamoDB store's tables made and removed, for local engines and tests (the deployment template makes
the deployed ones, with point-in-time recovery and deletion protection): never called by the functions.
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import TableError

from chalicelib.storage.dynamo import DynamoStore


def create_tables(store: DynamoStore, wait: bool = True) -> None:
    """Create the store's tables that are missing, and missing GSIs.

    Idempotent. Point-in-time recovery and deletion protection are the deployment
    template's job; this is for local engines and tests.
    """
    t = store.tables
    for model in t.models:
        if not model.exists():
            try:
                model.create_table(wait=wait)
            except TableError as exc:
                # A slow engine may finish a CreateTable after our client timed out and retried it:
                # the retry then reports the table as existing, which is what we wanted.
                text = f"{exc} {getattr(exc, 'cause', '')}"
                if "preexisting" not in text.lower() and "ResourceInUse" not in text:
                    raise
                if wait:
                    _wait_for_table(model)
            continue
        described = model.describe_table()
        present = {g["IndexName"] for g in described.get("GlobalSecondaryIndexes", [])}
        schema = model._get_schema()
        for index in schema["global_secondary_indexes"]:
            if index["index_name"] in present:
                continue
            # UpdateTable creates one GSI per call.
            t.connection.dispatch(
                "UpdateTable",
                {
                    "TableName": model.Meta.table_name,
                    "AttributeDefinitions": index["attribute_definitions"],
                    "GlobalSecondaryIndexUpdates": [
                        {
                            "Create": {
                                "IndexName": index["index_name"],
                                "KeySchema": index["key_schema"],
                                "Projection": index["projection"],
                            }
                        }
                    ],
                },
            )
            if wait:
                _wait_for_index(model, index["index_name"])


def _wait_for_table(model: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if model.describe_table().get("TableStatus") == "ACTIVE":
            return
        time.sleep(0.5)
    raise TableError(f"table {model.Meta.table_name} not active after {timeout:.0f}s")


def _wait_for_index(model: Any, name: str) -> None:
    while True:
        described = model.describe_table()
        status = {g["IndexName"]: g.get("IndexStatus") for g in described.get("GlobalSecondaryIndexes", [])}
        if status.get(name) == "ACTIVE":
            return
        time.sleep(1)


def delete_tables(store: DynamoStore) -> None:
    """Delete the store's tables (tests and local resets only)."""
    for model in store.tables.models:
        if model.exists():
            model.delete_table()
