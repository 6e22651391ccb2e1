"""Get data back: fill the tables through chat on DynamoDB Local, back up, wipe, restore, compare every item,
and the bot goes on counting right after the restore. The bucket side runs on moto."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from harness import Chat, key_of, make_bbq
from moto import mock_aws

from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.jobs import backup
from chalicelib.storage.dynamo import DynamoStore
from tests.local_dynamodb import CREDENTIALS, REGION

pytestmark = pytest.mark.dynamodb_local


def client_of(store: DynamoStore) -> Any:
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url=store.config.endpoint,
        aws_access_key_id=CREDENTIALS[0],
        aws_secret_access_key=CREDENTIALS[1],
    )


def names(store: DynamoStore) -> dict[str, str]:
    c = store.config
    return {
        "users": c.users_table,
        "surveys": c.surveys_table,
        "answers": c.answers_table,
        "audit": c.audit_table,
        "roster": c.roster_table,
    }


def everything(client: Any, tables: dict[str, str]) -> dict[str, list[str]]:
    """Every item of every table, in a form that compares exactly (types and all)."""
    return {
        role: sorted(json.dumps(backup._encode(i), sort_keys=True) for i in backup.items_of(client, t))
        for role, t in tables.items()
    }


def wipe(client: Any, tables: dict[str, str]) -> None:
    for t in tables.values():
        keys = [k["AttributeName"] for k in client.describe_table(TableName=t)["Table"]["KeySchema"]]
        for item in list(backup.items_of(client, t)):
            client.delete_item(TableName=t, Key={k: item[k] for k in keys})


def filled(store: DynamoStore) -> Chat:
    chat = Chat(store=store)
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat)
    chat.say("명단 추가 2중대 홍길동, 김철수, 이영희", who="슈퍼")
    for name in ("홍길동", "김철수"):
        chat.as_(name).say(f"등록 2중대 {name}")
        chat.say("신청 BBQ 회식")
        for text in ("피자", "2", "메모 남겨요", "제출"):
            chat.say(text)
    chat.say("마감 BBQ 회식", who="관리자")  # a pending question in the admin's session, kept too
    return chat


def test_backup_wipe_restore_gives_every_item_back_and_counting_goes_on(
    dynamodb_local_store: DynamoStore, tmp_path: Path
) -> None:
    store = dynamodb_local_store
    chat = filled(store)
    client, tables = client_of(store), names(store)
    before = everything(client, tables)
    assert all(before[r] for r in ("users", "surveys", "answers", "audit", "roster"))
    manifest = backup.run(client, tables, backup.DirectorySink(tmp_path))
    assert manifest["items"] == {r: len(v) for r, v in before.items()}
    written = tmp_path / manifest["prefix"] / "answers.jsonl.gz"
    assert len(gzip.decompress(written.read_bytes()).splitlines()) == 2

    wipe(client, tables)
    assert not any(everything(client, tables).values())
    restored = backup.restore(client, tables, backup.DirectorySink(tmp_path), manifest["prefix"])
    assert restored == manifest["items"]
    assert everything(client, tables) == before  # every item, every attribute, every type

    # The restored bot goes on: a third answer counts as the third, and nobody answers twice.
    chat2 = Chat(store=store, clock=chat.clock)
    chat2.as_("이영희").say("등록 2중대 이영희")
    chat2.say("신청 BBQ 회식")
    for text in ("족발", "1", "건너뛰기"):
        chat2.say(text)
    assert "제출했어요" in chat2.say("제출")
    survey = store.list_surveys()[0]
    assert survey.response_count == 3 and len(store.list_answers(survey.id)) == 3
    # The roster's claims came back with it: 홍길동's entry is still taken.
    chat2.say("등록 2중대 홍길동", who="누군가")
    assert store.get_user(key_of("누군가")) is None
    status = chat2.say("현황 BBQ 회식", who="관리자")
    assert "응답 3명" in status


def test_a_restore_refuses_tables_that_hold_items_and_backups_that_did_not_finish(
    dynamodb_local_store: DynamoStore, tmp_path: Path
) -> None:
    store = dynamodb_local_store
    filled(store)
    client, tables = client_of(store), names(store)
    manifest = backup.run(client, tables, backup.DirectorySink(tmp_path))
    with pytest.raises(backup.RestoreRefused, match="not empty"):
        backup.restore(client, tables, backup.DirectorySink(tmp_path), manifest["prefix"])
    again = backup.restore(client, tables, backup.DirectorySink(tmp_path), manifest["prefix"], overwrite=True)
    assert again == manifest["items"]
    (tmp_path / manifest["prefix"] / "manifest.json").unlink()
    wipe(client, tables)
    with pytest.raises(backup.RestoreRefused, match="did not finish"):
        backup.restore(client, tables, backup.DirectorySink(tmp_path), manifest["prefix"])


@mock_aws
def test_backups_in_the_bucket_are_encrypted_and_the_latest_finished_one_is_found() -> None:
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    s3.create_bucket(Bucket="backup-test", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    ddb = boto3.client("dynamodb", region_name="ap-northeast-2")
    ddb.create_table(
        TableName="t-users",
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(
        TableName="t-users",
        Item={
            "key": {"S": "a"},
            "blob": {"B": b"\x00\xff"},
            "n": {"N": "1.5"},
            "tags": {"SS": ["x", "y"]},
            "m": {"M": {"l": {"L": [{"BOOL": True}]}}},
            # a map whose own keys are type tags' names: walked by tag, not by key
            "odd": {"M": {"B": {"S": "not binary"}, "BS": {"N": "2"}}},
        },
    )
    sink = backup.BucketSink(s3, "backup-test")
    from datetime import UTC, datetime

    first = backup.run(ddb, {"users": "t-users"}, sink, now=datetime(2026, 12, 1, 18, tzinfo=UTC))
    second = backup.run(ddb, {"users": "t-users"}, sink, now=datetime(2026, 12, 2, 18, tzinfo=UTC))
    s3.put_object(
        Bucket="backup-test", Key="backups/2026-12-03T180000Z/users.jsonl.gz", Body=b""
    )  # unfinished: no manifest
    assert backup.latest(s3, "backup-test") == second["prefix"] != first["prefix"]
    head = s3.head_object(Bucket="backup-test", Key=f"{second['prefix']}users.jsonl.gz")
    assert head["ServerSideEncryption"] == "AES256"
    ddb.delete_item(TableName="t-users", Key={"key": {"S": "a"}})
    backup.restore(ddb, {"users": "t-users"}, sink, second["prefix"])
    item = ddb.get_item(TableName="t-users", Key={"key": {"S": "a"}})["Item"]
    assert item["blob"] == {"B": b"\x00\xff"} and item["n"] == {"N": "1.5"} and set(item["tags"]["SS"]) == {"x", "y"}
    assert item["odd"] == {"M": {"B": {"S": "not binary"}, "BS": {"N": "2"}}}
