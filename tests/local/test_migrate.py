"""Tables written by the version before the listing and the indexes are brought to this layout, and the bot
then works on them: the open survey is listed, members count, admins find their surveys, answers stay."""

from __future__ import annotations

import json
from typing import Any

import pytest
from harness import Chat, key_of
from moto import mock_aws

from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.dynamo_setup import create_tables
from scripts.migrate import migrate

REGION = "ap-northeast-2"
QUESTIONS = [{"id": "q1", "text": "메뉴", "kind": "choice", "required": True, "options": ["치킨", "피자"]}]


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        s = DynamoStore(DynamoConfig.for_prefix("mig", REGION, credentials=("testing", "testing"), sdk=True))
        create_tables(s)
        yield s


def legacy(store: Any) -> None:
    """Items as the earlier version wrote them: an answered-id set, no member keys, no kind, no listing."""
    client = store.tables.connection.client
    users, surveys, answers = store.config.users_table, store.config.surveys_table, store.config.answers_table

    def user(name: str, unit: str, role: int, answered: list[str] | None = None) -> dict[str, Any]:
        item = {
            "key": {"S": key_of(name)},
            "name": {"S": name},
            "unit": {"S": unit},
            "role": {"N": str(role)},
            "session": {"S": json.dumps({"drafts": {}})},
            "created_at": {"S": f"2026-11-01T00:00:0{role}+09:00"},
            "version": {"N": "3"},
        }
        if role:
            item["admin"] = {"S": "admin"}
        if answered:
            item["answered"] = {"SS": answered}
        return item

    def survey(sid: str, title: str, status: str, coadmins: list[str]) -> dict[str, Any]:
        return {
            "id": {"S": sid},
            "title": {"S": title},
            "owner": {"S": key_of("관리자")},
            "owner_name": {"S": "관리자"},
            "description": {"S": ""},
            "questions": {"S": json.dumps(QUESTIONS, ensure_ascii=False)},
            "coadmins": {"L": [{"S": c} for c in coadmins]},
            "target_unit": {"S": ""},
            "status": {"S": status},
            "created_at": {"S": f"2026-11-0{len(sid)}T00:00:00+09:00"},
            "response_count": {"N": "1" if status == "open" else "0"},
            "option_counts": {"M": {"q1:치킨": {"N": "1"}, "q1:피자": {"N": "0"}}},
        }

    client.put_item(TableName=users, Item=user("관리자", "본부", 1))
    client.put_item(TableName=users, Item=user("부관리자", "본부", 1))
    client.put_item(TableName=users, Item=user("홍길동", "2중대", 0, answered=["open0001"]))
    client.put_item(TableName=users, Item=user("김철수", "3중대", 0))
    client.put_item(TableName=surveys, Item=survey("open0001", "BBQ 회식", "open", [key_of("부관리자")]))
    client.put_item(TableName=surveys, Item=survey("old00001", "지난 조사", "closed", []))
    client.put_item(
        TableName=answers,
        Item={
            "survey_id": {"S": "open0001"},
            "user_key": {"S": key_of("홍길동")},
            "values": {"S": json.dumps({"q1": "치킨"})},
            "name": {"S": "홍길동"},
            "unit": {"S": "2중대"},
            "submitted_at": {"S": "2026-11-20T09:00:00+09:00"},
            "version": {"N": "1"},
        },
    )


def test_the_earlier_layout_is_migrated_and_the_bot_works_on_it(store: Any) -> None:
    legacy(store)
    done = migrate(store)
    assert done == {"surveys": 2, "listed": 1, "users": 4, "answers": 1, "aggregates": 2}
    assert store.get_aggregate("open0001").counts["v|q1|치킨"] == 1
    assert [s.id for s in store.listed_surveys()] == ["open0001"]
    assert {m.name for m in store.list_members()} == {"홍길동", "김철수", "관리자", "부관리자"}
    assert store.get_user(key_of("홍길동")).answered == {"open0001": 0}
    assert set(store.get_user(key_of("부관리자")).managed) == {"open0001"}
    assert set(store.get_user(key_of("관리자")).managed) == {"open0001", "old00001"}

    c = Chat(store=store)
    assert "BBQ 회식" in c.say("신청 목록", who="김철수")
    assert "BBQ 회식 (진행 중" in c.say("내 신청", who="홍길동")
    status = c.say("현황 BBQ 회식", who="부관리자")
    assert "응답 1명 / 대상 4명" in status
    assert "지난 조사" in c.say("내 신청서", who="관리자")
    assert "마감되었어요" in c.say("신청 지난 조사", who="김철수")  # a closed survey, found by its title

    versions = {u.key: u.version for u in store.list_users()}
    assert store.answered_by(key_of("홍길동")) == {"open0001": 1795132800}  # found again by the person
    epoch = store.people_epoch().total
    assert migrate(store) == {"surveys": 0, "listed": 0, "users": 0, "answers": 0, "aggregates": 0}  # idempotent
    # ... but people an earlier version changed did not move the people epoch: every census is counted again
    assert store.people_epoch().total == epoch + 2
    assert {u.key: u.version for u in store.list_users()} == versions
    # An answer after the upgrade: the figures (the aggregate) count it; the survey item's counters of options
    # without a capacity, which the earlier version kept, stay as they were and nothing reads them.
    c.say("신청 BBQ 회식", who="김철수")
    assert "제출 전 확인" in c.say("피자", who="김철수")
    assert "제출했어요" in c.say("제출", who="김철수")
    status = c.say("현황 BBQ 회식", who="부관리자")
    assert "응답 2명 / 대상 4명" in status and "치킨 1, 피자 1" in status
    assert store.get_survey("open0001").option_counts == {"q1:치킨": 1, "q1:피자": 0}


def test_an_aggregate_that_kept_late_hours_is_recounted_by_the_day(store: Any) -> None:
    """Counted before days were kept: an answer 23 days after the survey was made sits in its hour; the migration
    recounts it into its day, once."""
    from chalicelib.domain.writes import RecountAggregate

    legacy(store)
    store.tables.connection.client.update_item(  # the survey was made on 11-08; answered on 12-01
        TableName=store.config.answers_table,
        Key={"survey_id": {"S": "open0001"}, "user_key": {"S": key_of("홍길동")}},
        UpdateExpression="SET submitted_at = :t",
        ExpressionAttributeValues={":t": {"S": "2026-12-01T09:00:00+09:00"}},
    )
    migrate(store)
    agg = store.get_aggregate("open0001")
    assert agg.counts.get("d|2026-12-01") == 1 and not any(k.startswith("h|") for k in agg.counts)
    hourly = {("h|2026-12-01T09" if k == "d|2026-12-01" else k): v for k, v in agg.counts.items()}
    store.commit([RecountAggregate("open0001", hourly, agg.version)])
    assert migrate(store)["aggregates"] == 1
    again = store.get_aggregate("open0001").counts
    assert again == agg.counts and "h|2026-12-01T09" not in again
    assert migrate(store)["aggregates"] == 0


def test_a_unit_typed_with_spaces_is_keyed_as_the_roster_keeps_units(store: Any) -> None:
    """Earlier versions keyed a member in the ``members`` index by their unit as typed ('1 중대'): a survey for
    1중대 did not find them. The migration keys them without the spaces, once; the unit still reads as typed."""
    from chalicelib.domain.model import User
    from chalicelib.domain.writes import PutUser

    spaced = User(key=key_of("김영수"), name="김영수", unit="1 중대", created_at="2026-11-01T00:00:00+09:00")
    store.commit([PutUser(spaced)])
    store.tables.connection.client.update_item(  # as the earlier version keyed it
        TableName=store.config.users_table,
        Key={"key": {"S": key_of("김영수")}},
        UpdateExpression="SET member_unit = :u",
        ExpressionAttributeValues={":u": {"S": "u#1 중대"}},
    )
    assert [m.name for m in store.list_members("1중대")] == []
    assert migrate(store)["users"] == 1
    assert [(m.name, m.unit) for m in store.list_members("1중대")] == [("김영수", "1 중대")]
    assert [m.name for m in store.list_members("1 중대")] == ["김영수"]
    assert migrate(store)["users"] == 0  # idempotent
