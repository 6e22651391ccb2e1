"""One contract for every Store: MemoryStore is the reference, DynamoStore must agree.

Tests taking ``store`` run once per implementation; ``dynamo_store`` tests run on
every DynamoDB engine (moto and DynamoDB Local, started once per session; see
tests/local_dynamodb.py); ``moto_store`` tests fake failures of the client (error mapping).
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import botocore.exceptions
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.kinds import CHOICE, DATE, MULTI, NUMBER, TEXT, YESNO
from chalicelib.domain.model import (
    ADMIN,
    CLOSED,
    KST,
    MEMBER,
    OPEN,
    SUPER,
    Answer,
    AuditEntry,
    Managed,
    Member,
    Question,
    Survey,
    User,
    option_key,
)
from chalicelib.domain.ports import Conflict, Unavailable
from chalicelib.domain.writes import (
    AddCoadmin,
    Audit,
    CountResponse,
    DeleteAnswer,
    DeleteSurvey,
    DeleteUser,
    ListSurvey,
    PutAnswer,
    PutSurvey,
    PutUser,
    SetSurveyStatus,
    UnlistSurvey,
)
from chalicelib.storage import names, tables
from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.dynamo_setup import create_tables
from chalicelib.storage.memory import MemoryStore

NOW = datetime(2025, 3, 3, 9, 30, tzinfo=KST)


# --- builders ----------------------------------------------------------------


def make_user(key: str = "u1", name: str = "김민수", unit: str = "1소대", role: int = MEMBER, **kw: Any) -> User:
    return User(
        key=key,
        name=name,
        unit=unit,
        role=role,
        created_at=kw.pop("created_at", f"2025-03-01T00:00:00+09:00#{key}"),
        **kw,
    )


def make_survey(sid: str = "s1", **kw: Any) -> Survey:
    questions = [
        Question("q1", "참석 여부", kind=CHOICE, options=["참석", "불참"], capacity={"참석": 2}),
        Question("q2", "메모", kind=TEXT, required=False),
    ]
    defaults: dict[str, Any] = {
        "title": "훈련 참석 조사",
        "owner": "admin1",
        "questions": questions,
        "created_at": "2025-03-01T10:00:00+09:00",
        "owner_name": "박간부",
    }
    defaults.update(kw)
    return Survey(id=sid, **defaults)


def make_answer(sid: str = "s1", user_key: str = "u1", **kw: Any) -> Answer:
    defaults: dict[str, Any] = {
        "values": {"q1": "참석"},
        "name": "김민수",
        "unit": "1소대",
        "submitted_at": "2025-03-02T08:00:00+09:00",
        "updated_at": "2025-03-02T08:00:00+09:00",
        "survey_title": "훈련 참석 조사",
    }
    defaults.update(kw)
    return Answer(survey_id=sid, user_key=user_key, **defaults)


def count(sid: str = "s1", delta: int = 1, options: dict[str, int] | None = None, **kw: Any) -> CountResponse:
    return CountResponse(survey_id=sid, now=kw.pop("now", NOW), response_delta=delta, option_deltas=options or {}, **kw)


def stored(obj: Any, version: int) -> Any:
    """What a store returns after storing ``obj``: the same record with the new version."""
    out = copy.deepcopy(obj)
    out.version = version
    return out


def keys(users: Sequence[User | Member]) -> list[str]:
    return sorted(u.key for u in users)


# --- round trips -------------------------------------------------------------


def test_user_round_trip_keeps_every_field(store: Any) -> None:
    user = make_user(
        role=ADMIN,
        session={"state": "answering", "survey": "s1", "step": 2, "draft": {"q1": ["가", "나"], "n": 2.5, "ok": True}},
        answered={"s1": 1764500000, "설문-2": 0},
        managed={"s1": Managed("훈련 참석 조사", 1764400000)},
        viewing={"s2": Managed("보기", 1764400001)},
        units=["1중대", "2중대"],
        roster="1소대#김민수",
        person="kakao-first-phone",
    )
    store.commit([PutUser(user)])
    assert store.get_user("u1") == stored(user, 1)


def test_user_with_empty_optional_fields_round_trips(store: Any) -> None:
    user = User(key="u2", name="", unit="", session={}, answered={}, created_at="")
    store.commit([PutUser(user)])
    assert store.get_user("u2") == stored(user, 1)
    assert store.get_user("nobody") is None


def test_survey_round_trip_keeps_questions_deadline_and_counters(store: Any) -> None:
    questions = [
        Question("q1", "식사 메뉴", kind=CHOICE, options=["한식", "양식"], capacity={"한식": 10}),
        Question("q2", "가능한 날", kind=MULTI, options=["월", "화", "수"]),
        Question("q3", "인원", kind=NUMBER, min=1, max=9.5),
        Question("q4", "날짜", kind=DATE),
        Question("q5", "동의합니까?", kind=YESNO),
        Question("q6", "의견", kind=TEXT, required=False),
    ]
    survey = make_survey(
        questions=questions,
        description="설명 ✓",
        coadmins=["a2", "a1"],
        viewers=["v1"],
        deadline=NOW + timedelta(days=2, hours=3),
        target_unit="2소대",
        cap=30,
        response_count=3,
        option_counts={option_key("q1", "한식"): 3},
    )
    store.commit([PutSurvey(survey)])
    got = store.get_survey("s1")
    assert got == survey
    assert got.deadline.utcoffset() == timedelta(hours=9)
    assert got.deadline.tzname() == "KST"  # shown to members; keep the domain's zone
    assert store.get_survey("missing") is None


def test_survey_without_deadline_or_cap_round_trips(store: Any) -> None:
    survey = make_survey(deadline=None, cap=None, status=CLOSED)
    store.commit([PutSurvey(survey)])
    assert store.get_survey("s1") == survey


def test_answer_round_trip_keeps_value_types(store: Any) -> None:
    answer = make_answer(
        values={"q1": "한식", "q2": ["월", "수"], "q3": 4, "q3b": 2.5, "q4": "2025-03-05", "q5": False}
    )
    store.commit([PutAnswer(answer)])
    assert store.get_answer("s1", "u1") == stored(answer, 1)
    assert store.get_answer("s1", "u2") is None


def test_an_answer_entered_for_someone_keeps_who_entered_it(store: Any) -> None:
    answer = make_answer(entered_by="본부 관리자")
    store.commit([PutAnswer(answer)])
    assert store.get_answer("s1", "u1").entered_by == "본부 관리자"


def test_audit_entries_listed_newest_first_with_limit(store: Any) -> None:
    entries = [
        AuditEntry("admin1", f"action{i}", "s1", detail=f"세부 {i}", at=f"2025-03-0{i + 1}T10:00:00+09:00")
        for i in range(3)
    ]
    for e in entries:
        store.commit([Audit(e)])
    # two entries with the same timestamp in one commit keep their order
    same = [
        AuditEntry("admin1", "grant_admin", "u9", at="2025-03-09T00:00:00+09:00"),
        AuditEntry("admin1", "download", "s1", at="2025-03-09T00:00:00+09:00"),
    ]
    store.commit([Audit(same[0]), Audit(same[1])])
    assert store.list_audit() == [same[1], same[0], entries[2], entries[1], entries[0]]
    assert store.list_audit(limit=2) == [same[1], same[0]]


# --- versions and atomicity --------------------------------------------------


def test_put_user_requires_the_stored_version(store: Any) -> None:
    user = make_user()
    store.commit([PutUser(user)])
    with pytest.raises(Conflict) as err:
        store.commit([PutUser(user)])  # version 0 again: already exists
    assert err.value.what == "user"

    fresh = store.get_user("u1")
    fresh.unit = "2소대"
    store.commit([PutUser(fresh)])
    assert store.get_user("u1").version == 2

    with pytest.raises(Conflict):
        store.commit([PutUser(fresh)])  # stale: still version 1
    assert store.get_user("u1") == stored(fresh, 2)


def test_failed_condition_writes_nothing_of_the_commit(store: Any) -> None:
    store.commit([PutUser(make_user()), PutSurvey(make_survey(cap=5))])
    stale = make_user(version=0)  # the stored version is 1
    with pytest.raises(Conflict) as err:
        store.commit(
            [
                PutAnswer(make_answer()),
                count(options={option_key("q1", "참석"): 1}, cap=5),
                PutUser(stale),
                Audit(AuditEntry("u1", "submit", "s1")),
            ]
        )
    assert err.value.what == "user"
    assert store.get_answer("s1", "u1") is None
    survey = store.get_survey("s1")
    assert survey.response_count == 0 and survey.option_counts == {}
    assert store.get_user("u1").version == 1
    assert store.list_audit() == []


def test_delete_user_checks_version(store: Any) -> None:
    store.commit([PutUser(make_user())])
    with pytest.raises(Conflict):
        store.commit([DeleteUser("u1", expected_version=2)])
    with pytest.raises(Conflict):
        store.commit([DeleteUser("nobody", expected_version=0)])
    store.commit([DeleteUser("u1", expected_version=1)])
    assert store.get_user("u1") is None


def test_one_answer_per_person(store: Any) -> None:
    first = make_answer(values={"q1": "참석"})
    store.commit([PutAnswer(first)])
    with pytest.raises(Conflict) as err:
        store.commit([PutAnswer(make_answer(values={"q1": "불참"}))])  # a second first-time submit
    assert err.value.what == "answer"
    assert store.get_answer("s1", "u1") == stored(first, 1)

    edited = make_answer(values={"q1": "불참"}, version=1, updated_at="2025-03-02T09:00:00+09:00")
    store.commit([PutAnswer(edited)])
    assert store.get_answer("s1", "u1") == stored(edited, 2)


def test_delete_answer_checks_version(store: Any) -> None:
    store.commit([PutAnswer(make_answer())])
    with pytest.raises(Conflict) as err:
        store.commit([DeleteAnswer("s1", "u1", expected_version=3)])
    assert err.value.what == "answer"
    with pytest.raises(Conflict):
        store.commit([DeleteAnswer("s1", "nobody", expected_version=1)])
    store.commit([DeleteAnswer("s1", "u1", expected_version=1)])
    assert store.get_answer("s1", "u1") is None


# --- counters ----------------------------------------------------------------


def test_count_response_respects_the_cap(store: Any) -> None:
    store.commit([PutSurvey(make_survey(cap=2))])
    store.commit([count(cap=2)])
    store.commit([count(cap=2)])
    with pytest.raises(Conflict) as err:
        store.commit([count(cap=2)])
    assert err.value.what == "survey"
    assert store.get_survey("s1").response_count == 2
    store.commit([count(delta=-1, cap=2)])  # withdrawing is always allowed
    assert store.get_survey("s1").response_count == 1
    store.commit([count(delta=2, cap=None)])  # no cap given: not checked
    assert store.get_survey("s1").response_count == 3


def test_count_response_respects_option_limits(store: Any) -> None:
    a, b, c = option_key("q1", "참석"), option_key("q1", "불참"), option_key("q9", "기타 의견.")
    limits = {a: 1, c: 1}
    store.commit([PutSurvey(make_survey())])
    store.commit([count(options={a: 1, b: 1}, limits=limits)])
    with pytest.raises(Conflict):
        store.commit([count(options={a: 1}, limits=limits)])  # a is full
    with pytest.raises(Conflict):
        store.commit([count(options={c: 2}, limits=limits)])  # more than the limit at once, counter absent
    store.commit([count(delta=0, options={a: -1, b: 1, c: 0}, limits=limits)])  # moving out of a is fine
    survey = store.get_survey("s1")
    assert survey.option_counts == {a: 0, b: 2, c: 0}
    assert survey.response_count == 1
    store.commit([count(options={a: 1}, limits=limits)])
    assert store.get_survey("s1").option_counts[a] == 1


@pytest.mark.parametrize(
    "survey_kw",
    [
        {"status": CLOSED},
        {"deadline": NOW - timedelta(minutes=1)},
        {"deadline": NOW},  # the deadline itself is already too late
    ],
    ids=["closed", "past-deadline", "at-deadline"],
)
def test_count_response_refused_when_not_open(store: Any, survey_kw: dict[str, Any]) -> None:
    store.commit([PutSurvey(make_survey(**survey_kw))])
    with pytest.raises(Conflict) as err:
        store.commit([PutAnswer(make_answer()), count()])
    assert err.value.what == "survey"
    assert store.get_answer("s1", "u1") is None
    assert store.get_survey("s1").response_count == 0


def test_count_response_before_deadline_and_on_missing_survey(store: Any) -> None:
    store.commit([PutSurvey(make_survey(deadline=NOW + timedelta(seconds=1)))])
    store.commit([count()])
    assert store.get_survey("s1").response_count == 1
    with pytest.raises(Conflict):
        store.commit([count(sid="missing")])
    assert store.get_survey("missing") is None


# --- survey administration ---------------------------------------------------


def test_put_survey_refuses_an_existing_id(store: Any) -> None:
    store.commit([PutSurvey(make_survey(title="첫 번째"))])
    with pytest.raises(Conflict) as err:
        store.commit([PutSurvey(make_survey(title="두 번째"))])
    assert err.value.what == "survey"
    assert store.get_survey("s1").title == "첫 번째"


def test_set_survey_status_and_deadline(store: Any) -> None:
    store.commit([PutSurvey(make_survey(deadline=NOW))])
    store.commit([SetSurveyStatus("s1", CLOSED)])
    survey = store.get_survey("s1")
    assert (survey.status, survey.deadline) == (CLOSED, NOW)

    store.commit([SetSurveyStatus("s1", OPEN, clear_deadline=True)])
    survey = store.get_survey("s1")
    assert (survey.status, survey.deadline) == (OPEN, None)
    store.commit([count()])  # open again, deadline lifted: counting works
    with pytest.raises(Conflict):
        store.commit([SetSurveyStatus("missing", CLOSED)])


def test_add_coadmin_keeps_order_without_duplicates(store: Any) -> None:
    store.commit([PutSurvey(make_survey())])
    store.commit([AddCoadmin("s1", "z9")])
    store.commit([AddCoadmin("s1", "a1")])
    store.commit([AddCoadmin("s1", "z9")])
    assert store.get_survey("s1").coadmins == ["z9", "a1"]
    with pytest.raises(Conflict):
        store.commit([AddCoadmin("missing", "a1")])


def test_delete_survey_cascades_to_its_answers(store: Any) -> None:
    store.commit([PutSurvey(make_survey("s1")), PutSurvey(make_survey("s2"))])
    for k in ("u1", "u2", "u3"):
        store.commit([PutAnswer(make_answer("s1", k))])
    store.commit([PutAnswer(make_answer("s2", "u1"))])

    store.commit([DeleteSurvey("s1"), Audit(AuditEntry("admin1", "delete", "s1"))])
    assert store.get_survey("s1") is None
    assert store.list_answers("s1") == []
    assert store.get_answer("s1", "u2") is None
    assert store.get_survey("s2") is not None
    assert [a.user_key for a in store.list_answers("s2")] == ["u1"]
    assert [e.action for e in store.list_audit()] == ["delete"]


def test_delete_survey_waits_for_the_other_conditions(store: Any) -> None:
    store.commit([PutUser(make_user()), PutSurvey(make_survey()), PutAnswer(make_answer())])
    with pytest.raises(Conflict):
        store.commit([DeleteSurvey("s1"), PutUser(make_user(version=0))])  # stale user: nothing happens
    assert store.get_survey("s1") is not None
    assert store.get_answer("s1", "u1") is not None


# --- listings ----------------------------------------------------------------


def test_find_users_by_name(store: Any) -> None:
    store.commit(
        [
            PutUser(make_user("u1", "김민수", "1소대")),
            PutUser(make_user("u2", "김민수", "2소대")),
            PutUser(make_user("u3", "이영희", "1소대")),
        ]
    )
    assert keys(store.find_users_by_name("김민수")) == ["u1", "u2"]
    assert keys(store.find_users_by_name("없는사람")) == []

    renamed = store.get_user("u2")
    renamed.name = "김민준"
    store.commit([PutUser(renamed)])
    assert keys(store.find_users_by_name("김민수")) == ["u1"]
    found = store.find_users_by_name("김민준")
    assert found == [stored(renamed, 2)]


def test_list_users_all_or_by_unit(store: Any) -> None:
    store.commit(
        [
            PutUser(make_user("u1", unit="1소대")),
            PutUser(make_user("u2", unit="2소대")),
            PutUser(make_user("u3", unit="1소대")),
            PutUser(make_user("u4", unit="")),
        ]
    )
    assert keys(store.list_users()) == ["u1", "u2", "u3", "u4"]
    assert keys(store.list_users("1소대")) == ["u1", "u3"]
    assert keys(store.list_users("3소대")) == []

    moved = store.get_user("u3")
    moved.unit = "2소대"
    store.commit([PutUser(moved)])
    assert keys(store.list_users("1소대")) == ["u1"]
    assert keys(store.list_users("2소대")) == ["u2", "u3"]


def test_list_admins(store: Any) -> None:
    store.commit(
        [
            PutUser(make_user("m1", role=MEMBER)),
            PutUser(make_user("a1", role=ADMIN)),
            PutUser(make_user("s1", role=SUPER)),
        ]
    )
    assert keys(store.list_admins()) == ["a1", "s1"]

    demoted = store.get_user("a1")
    demoted.role = MEMBER
    store.commit([PutUser(demoted)])
    assert keys(store.list_admins()) == ["s1"]
    assert store.get_user("a1").role == MEMBER


def test_list_surveys_newest_first(store: Any) -> None:
    store.commit(
        [
            PutSurvey(make_survey("old", created_at="2025-01-01T00:00:00+09:00")),
            PutSurvey(make_survey("new", created_at="2025-03-01T00:00:00+09:00")),
            PutSurvey(make_survey("mid-a", created_at="2025-02-01T00:00:00+09:00")),
            PutSurvey(make_survey("mid-b", created_at="2025-02-01T00:00:00+09:00")),
        ]
    )
    assert [s.id for s in store.list_surveys()] == ["new", "mid-b", "mid-a", "old"]


def test_list_answers_in_submission_order(store: Any) -> None:
    store.commit([PutAnswer(make_answer("s1", "a-late", submitted_at="2025-03-02T12:00:00+09:00"))])
    store.commit([PutAnswer(make_answer("s1", "z-early", submitted_at="2025-03-02T07:00:00+09:00"))])
    store.commit([PutAnswer(make_answer("s1", "b-tie", submitted_at="2025-03-02T09:00:00+09:00"))])
    store.commit([PutAnswer(make_answer("s1", "a-tie", submitted_at="2025-03-02T09:00:00+09:00"))])
    store.commit([PutAnswer(make_answer("s2", "other"))])
    assert [a.user_key for a in store.list_answers("s1")] == ["z-early", "a-tie", "b-tie", "a-late"]
    assert store.list_answers("s3") == []


def test_reads_return_copies(store: Any) -> None:
    store.commit([PutUser(make_user(session={"a": 1})), PutSurvey(make_survey())])
    user = store.get_user("u1")
    user.session["a"] = 2
    user.answered["x"] = 1
    survey = store.get_survey("s1")
    survey.coadmins.append("intruder")
    assert store.get_user("u1").session == {"a": 1}
    assert store.get_user("u1").answered == {}
    assert store.get_survey("s1").coadmins == []


# --- what members' messages read: the listing and the lookups -------------------


def test_the_listing_follows_the_writes_that_list_and_unlist(store: Any) -> None:
    a = make_survey("a", title="가 조사", created_at="2025-03-01T10:00:00+09:00", deadline=NOW + timedelta(days=1))
    b = make_survey(
        "b", title="나 조사", created_at="2025-03-02T10:00:00+09:00", target_unit="2소대", coadmins=["c1"], cap=5
    )
    store.commit([PutSurvey(a), ListSurvey(a.info())])
    store.commit([PutSurvey(b), ListSurvey(b.info())])
    assert store.listed_surveys() == [b.info(), a.info()]  # newest first, with what lists show
    assert store.listed_surveys()[1].deadline.tzname() == "KST"

    full = dataclasses.replace(b.info(), full=True)
    store.commit([ListSurvey(full)])  # listing it again replaces its entry
    assert store.listed_surveys() == [full, a.info()]
    store.commit([SetSurveyStatus("a", CLOSED), UnlistSurvey("a")])
    assert store.listed_surveys() == [full]
    store.commit([DeleteSurvey("b")])  # a deleted survey leaves the listing with it
    assert store.listed_surveys() == []
    assert store.get_user_and_listing("nobody") == (None, [])


def test_user_and_listing_come_together(store: Any) -> None:
    survey = make_survey()
    store.commit([PutUser(make_user()), PutSurvey(survey), ListSurvey(survey.info())])
    user, listed = store.get_user_and_listing("u1")
    assert user == store.get_user("u1") and listed == [survey.info()]


def test_a_failed_commit_leaves_the_listing_as_it_was(store: Any) -> None:
    survey = make_survey()
    store.commit([PutSurvey(survey), ListSurvey(survey.info())])
    with pytest.raises(Conflict):
        store.commit([SetSurveyStatus("missing", CLOSED), UnlistSurvey("s1")])
    assert store.listed_surveys() == [survey.info()]


def test_surveys_by_title_any_status_as_titles_compare(store: Any) -> None:
    store.commit(
        [
            PutSurvey(make_survey("s1", title="BBQ 회식", created_at="2025-03-01T00:00:00+09:00")),
            PutSurvey(make_survey("s2", title="bbq회식", status=CLOSED, created_at="2025-03-02T00:00:00+09:00")),
            PutSurvey(make_survey("s3", title="BBQ 회식 2차")),
        ]
    )
    assert [s.id for s in store.surveys_titled("Bbq  회식")] == ["s2", "s1"]
    assert store.surveys_titled("bbq회식")[0] == store.get_survey("s2").info()
    assert store.surveys_titled("없는 제목") == [] and store.surveys_titled("  ") == []
    store.commit([DeleteSurvey("s1")])
    assert [s.id for s in store.surveys_titled("BBQ 회식")] == ["s2"]


def test_all_surveys_and_surveys_by_id(store: Any) -> None:
    store.commit(
        [
            PutSurvey(make_survey("old", created_at="2025-01-01T00:00:00+09:00")),
            PutSurvey(make_survey("new", created_at="2025-03-01T00:00:00+09:00", coadmins=["x"])),
        ]
    )
    assert [s.id for s in store.all_surveys()] == ["new", "old"]
    assert store.all_surveys()[0] == store.get_survey("new").info()
    assert [s.id for s in store.get_surveys(["old", "missing", "new", "old"])] == ["old", "new"]
    assert store.get_surveys([]) == []


def test_a_survey_and_an_answer_come_together(store: Any) -> None:
    store.commit([PutSurvey(make_survey()), PutAnswer(make_answer())])
    survey, answer = store.get_survey_and_answer("s1", "u1")
    assert survey == store.get_survey("s1") and answer == store.get_answer("s1", "u1")
    assert store.get_survey_and_answer("s1", "u2") == (survey, None)
    assert store.get_survey_and_answer("s9", "u1") == (None, None)


def test_the_user_a_survey_and_their_answer_come_together(store: Any) -> None:
    store.commit([PutUser(make_user("u1")), PutSurvey(make_survey()), PutAnswer(make_answer())])
    user, survey, answer = store.get_user_survey_and_answer("u1", "s1")
    assert user == store.get_user("u1") and survey == store.get_survey("s1") and answer == store.get_answer("s1", "u1")
    assert store.get_user_survey_and_answer("u2", "s1") == (None, survey, None)
    assert store.get_user_survey_and_answer("u1", "s9") == (user, None, None)
    assert store.get_user_survey_and_answer("u1", "@listing") == (user, None, None)  # the listing is no survey
    assert store.get_survey("@listing") is None


def test_a_survey_form_keeps_what_never_changes(store: Any) -> None:
    store.commit([PutSurvey(make_survey()), PutAnswer(make_answer())])
    fresh = store.get_survey("s1")
    form = store.get_survey_form("s1")
    assert (form.id, form.title, form.questions, form.owner, form.cap) == (
        fresh.id,
        fresh.title,
        fresh.questions,
        fresh.owner,
        fresh.cap,
    )
    form.questions.clear()  # a reader's copy: changing it changes nothing kept
    assert store.get_survey_form("s1").questions == fresh.questions
    assert store.get_survey_form("s9") is None


def test_members_all_or_by_unit_without_their_state(store: Any) -> None:
    store.commit(
        [
            PutUser(make_user("u1", "가", unit="1소대", session={"big": "x" * 1000})),
            PutUser(make_user("u2", "나", unit="2소대", role=ADMIN)),
            PutUser(make_user("u3", "다", unit="")),
        ]
    )
    everyone = store.list_members()
    assert everyone == [
        Member("u1", "가", "1소대", MEMBER, "2025-03-01T00:00:00+09:00#u1"),
        Member("u2", "나", "2소대", ADMIN, "2025-03-01T00:00:00+09:00#u2"),
        Member("u3", "다", "", MEMBER, "2025-03-01T00:00:00+09:00#u3"),
    ]
    assert [m.key for m in store.list_members("2소대")] == ["u2"]
    moved = store.get_user("u3")
    moved.unit = "2소대"
    store.commit([PutUser(moved)])
    assert [m.key for m in store.list_members("2소대")] == ["u2", "u3"]
    assert [m.key for m in store.get_users(["u3", "zz", "u1"])] == ["u3", "u1"]


def test_a_count_seen_before_holds_the_listing_to_it(store: Any) -> None:
    survey = make_survey(cap=2)
    store.commit([PutSurvey(survey), ListSurvey(survey.info())])
    store.commit([count(cap=2)])
    # two answers race for the last place; the one decided on a stale count is refused
    store.commit([count(cap=2, seen_count=1), ListSurvey(dataclasses.replace(survey.info(), full=True))])
    with pytest.raises(Conflict):
        store.commit([count(delta=-1, seen_count=1)])
    assert store.get_survey("s1").response_count == 2
    assert store.listed_surveys()[0].full and store.surveys_titled(survey.title)[0].full
    store.commit([count(delta=-1, seen_count=2), ListSurvey(survey.info())])
    assert not store.listed_surveys()[0].full and not store.surveys_titled(survey.title)[0].full


def test_reopening_holds_to_whether_the_survey_is_full(store: Any) -> None:
    survey = make_survey(cap=1)
    store.commit([PutSurvey(survey)])
    store.commit([count(cap=1, seen_count=0)])  # the one place taken
    store.commit([SetSurveyStatus("s1", CLOSED)])
    with pytest.raises(Conflict):
        store.commit([SetSurveyStatus("s1", OPEN, full=False)])
    store.commit([SetSurveyStatus("s1", OPEN, full=True)])
    assert store.get_survey("s1").status == OPEN
    with pytest.raises(Conflict):
        store.commit([SetSurveyStatus("s1", CLOSED, full=False)])


# --- a random run: both stores must take the same decisions ------------------

_OPTIONS = ["참석", "불참", "대기"]
_LIMITS = {option_key("q1", "참석"): 1, option_key("q1", "불참"): 2}
_step = st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(["u1", "u2", "u3", "u4"]), st.sampled_from(_OPTIONS)),
    st.tuples(st.just("first-submit"), st.sampled_from(["u1", "u2"]), st.sampled_from(_OPTIONS)),
    st.tuples(st.just("withdraw"), st.sampled_from(["u1", "u2", "u3", "u4"]), st.just("")),
    st.tuples(st.sampled_from([OPEN, CLOSED]), st.just(""), st.just("")),
)


def _writes_for(reader: Any, sid: str, step: tuple[str, str, str], cap: int | None) -> list[Any]:
    """The writes a submit/withdraw/close step would ask for, built from ``reader``'s state."""
    kind, user, option = step
    if kind in (OPEN, CLOSED):
        survey = reader.get_survey(sid)
        listing = ListSurvey(dataclasses.replace(survey.info(), status=OPEN)) if kind == OPEN else UnlistSurvey(sid)
        return [SetSurveyStatus(sid, kind), listing]
    old = reader.get_answer(sid, user)
    if kind == "withdraw":
        if old is None:
            return [DeleteAnswer(sid, user, expected_version=1)]  # stale: must fail on both
        return [
            DeleteAnswer(sid, user, old.version),
            count(sid, delta=-1, options={option_key("q1", old.values["q1"]): -1}, cap=cap, limits=_LIMITS),
        ]
    version = 0 if kind == "first-submit" or old is None else old.version
    deltas = {option_key("q1", option): 1}
    if old is not None and version:
        deltas[option_key("q1", old.values["q1"])] = deltas.get(option_key("q1", old.values["q1"]), 0) - 1
    answer = make_answer(sid, user, values={"q1": option}, version=version)
    return [PutAnswer(answer), count(sid, delta=0 if version else 1, options=deltas, cap=cap, limits=_LIMITS)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cap=st.one_of(st.none(), st.integers(1, 3)), steps=st.lists(_step, max_size=12))
def test_random_runs_agree_with_the_reference(
    dynamo_store: DynamoStore, cap: int | None, steps: list[tuple[str, str, str]]
) -> None:
    memory = MemoryStore()
    sid = uuid.uuid4().hex  # a fresh survey per example; the tables are shared
    for s in (memory, dynamo_store):
        s.commit([PutSurvey(make_survey(sid, cap=cap)), ListSurvey(make_survey(sid, cap=cap).info())])
    for step in steps:
        writes = _writes_for(memory, sid, step, cap)
        outcomes = []
        for s in (memory, dynamo_store):
            try:
                s.commit(copy.deepcopy(writes))
                outcomes.append("ok")
            except Conflict as e:
                outcomes.append(f"conflict:{e.what}")
        assert outcomes[0] == outcomes[1], step
    assert dynamo_store.get_survey(sid) == memory.get_survey(sid)
    assert dynamo_store.list_answers(sid) == memory.list_answers(sid)
    assert [s for s in dynamo_store.listed_surveys() if s.id == sid] == memory.listed_surveys()


# --- DynamoDB only: tables and error mapping -----------------------------------


def test_create_tables_is_idempotent_and_adds_missing_indexes(dynamo_store: DynamoStore) -> None:
    create_tables(dynamo_store)  # second call: nothing to do
    conn = dynamo_store.tables.connection
    users = dynamo_store.tables.UserItem.Meta.table_name
    conn.client.delete_table(TableName=users)
    conn.client.create_table(  # the users table as an older deployment might have it: no GSIs
        TableName=users,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
    )
    create_tables(dynamo_store)
    indexes = {g["IndexName"] for g in conn.client.describe_table(TableName=users)["Table"]["GlobalSecondaryIndexes"]}
    assert indexes == {"by_name", "admins", "members"}
    dynamo_store.commit([PutUser(make_user(role=ADMIN))])
    assert keys(dynamo_store.list_admins()) == ["u1"]


def test_user_indexes_are_sparse(dynamo_store: DynamoStore) -> None:
    dynamo_store.commit(
        [
            PutUser(make_user("m1", role=MEMBER, unit="")),
            PutUser(make_user("a1", role=ADMIN, unit="1소대")),
            PutUser(make_user("x1", name="", role=MEMBER, unit="")),
        ]
    )
    # only admins sit in the admins index; empty names/units are not indexed at all
    users = dynamo_store.tables.UserItem
    assert [i.key for i in users.admins.query(names.ADMIN_PARTITION)] == ["a1"]
    assert sorted(i.key for i in users.by_name.scan()) == ["a1", "m1"]
    assert keys(dynamo_store.find_users_by_name("")) == []  # nobody registers without a name
    assert keys(dynamo_store.list_members()) == ["a1", "m1", "x1"]  # but every registered person is a member


def test_each_store_talks_to_the_tables_of_its_own_config(moto_store: DynamoStore) -> None:
    moto_store.commit([PutUser(make_user())])
    first = moto_store.tables.UserItem.Meta.table_name
    assert first == moto_store.config.users_table
    assert moto_store.tables is moto_store.tables  # bound once: one connection per store

    config = moto_store.config
    other = DynamoStore(
        DynamoConfig.for_prefix(
            f"other-{uuid.uuid4().hex[:8]}", config.region, credentials=config.credentials, sdk=config.sdk
        )
    )
    create_tables(other)
    assert other.tables.UserItem.Meta.table_name != first
    assert other.get_user("u1") is None  # the other prefix's tables are empty
    assert moto_store.get_user("u1") is not None  # and the first store still reads its own
    assert tables.UserItem.Meta.table_name is None  # the schema models are never bound


def _client_error(code: str, op: str = "GetItem", **extra: Any) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}, **extra}, op)


_OUTAGES = [
    _client_error("ProvisionedThroughputExceededException"),
    _client_error("ThrottlingException"),
    _client_error("RequestLimitExceeded"),
    botocore.exceptions.EndpointConnectionError(endpoint_url="https://dynamodb.example"),
    botocore.exceptions.ConnectTimeoutError(endpoint_url="https://dynamodb.example"),
    botocore.exceptions.ReadTimeoutError(endpoint_url="https://dynamodb.example"),
]
_OUTAGE_IDS = ["throughput", "throttling", "request-limit", "no-connection", "connect-timeout", "read-timeout"]

_CALLS = {
    "get_user": lambda s: s.get_user("u1"),
    "get_user_and_listing": lambda s: s.get_user_and_listing("u1"),
    "list_members": lambda s: s.list_members("1소대"),
    "get_surveys": lambda s: s.get_surveys(["s1", "s2"]),
    "get_survey_and_answer": lambda s: s.get_survey_and_answer("s1", "u1"),
    "get_user_survey_and_answer": lambda s: s.get_user_survey_and_answer("u1", "s1"),
    "get_survey_form": lambda s: s.get_survey_form("s1"),
    "listed_surveys": lambda s: s.listed_surveys(),
    "surveys_titled": lambda s: s.surveys_titled("훈련 참석 조사"),
    "all_surveys": lambda s: s.all_surveys(),
    "find_users_by_name": lambda s: s.find_users_by_name("김민수"),
    "list_users": lambda s: s.list_users("1소대"),
    "list_admins": lambda s: s.list_admins(),
    "get_survey": lambda s: s.get_survey("s1"),
    "list_surveys": lambda s: s.list_surveys(),
    "get_answer": lambda s: s.get_answer("s1", "u1"),
    "list_answers": lambda s: s.list_answers("s1"),
    "list_audit": lambda s: s.list_audit(),
    "commit": lambda s: s.commit([PutUser(make_user("u9"))]),
    "add_coadmin": lambda s: s.commit([AddCoadmin("s1", "a9")]),
    "delete_survey": lambda s: s.commit([DeleteSurvey("s1")]),
    "list_survey": lambda s: s.commit([ListSurvey(make_survey().info())]),
}


def _fail_every_call(store: DynamoStore, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Make every DynamoDB request of the store's shared client raise ``error`` (no network, no retries)."""
    client = store.tables.connection.client

    def fail(operation_name: str, params: dict[str, Any]) -> dict[str, Any]:
        raise error

    monkeypatch.setattr(client, "_make_api_call", fail)


@pytest.mark.parametrize("call", list(_CALLS), ids=list(_CALLS))
def test_outages_become_unavailable(moto_store: DynamoStore, monkeypatch: pytest.MonkeyPatch, call: str) -> None:
    moto_store.commit([PutUser(make_user()), PutSurvey(make_survey())])
    for error, name in zip(_OUTAGES, _OUTAGE_IDS, strict=False):
        _fail_every_call(moto_store, monkeypatch, error)
        with pytest.raises(Unavailable):
            _CALLS[call](moto_store)
            pytest.fail(f"{call} did not raise on {name}")


def test_other_errors_are_not_disguised(moto_store: DynamoStore, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail_every_call(moto_store, monkeypatch, _client_error("ValidationException"))
    with pytest.raises(Exception) as err:
        moto_store.get_user("u1")
    assert not isinstance(err.value, (Unavailable, Conflict))
    with pytest.raises(Exception) as err:
        moto_store.commit([PutUser(make_user())])
    assert not isinstance(err.value, (Unavailable, Conflict))


@pytest.mark.parametrize(
    "reasons, expected",
    [
        ([{"Code": "None"}, {"Code": "ThrottlingError"}], Unavailable),
        ([{"Code": "ProvisionedThroughputExceeded"}, {"Code": "None"}], Unavailable),
        ([{"Code": "None"}, {"Code": "TransactionConflict"}], Conflict),
    ],
    ids=["throttled-item", "throughput-item", "transaction-conflict"],
)
def test_cancelled_transactions_are_mapped(
    moto_store: DynamoStore, monkeypatch: pytest.MonkeyPatch, reasons: list[dict[str, str]], expected: type
) -> None:
    _fail_every_call(
        moto_store,
        monkeypatch,
        _client_error("TransactionCanceledException", "TransactWriteItems", CancellationReasons=reasons),
    )
    with pytest.raises(expected) as err:
        moto_store.commit([PutAnswer(make_answer()), PutUser(make_user())])
    if expected is Conflict:
        assert err.value.what == "user"  # type: ignore[attr-defined]  # the second transaction item is the user


def test_conflict_names_the_failing_item(dynamo_store: DynamoStore) -> None:
    dynamo_store.commit([PutSurvey(make_survey(cap=1)), PutAnswer(make_answer("s1", "u0"))])
    dynamo_store.commit([count(cap=1)])
    # items of several kinds: the survey counter (an update) is the one that fails
    with pytest.raises(Conflict) as err:
        dynamo_store.commit(
            [
                Audit(AuditEntry("u1", "submit", "s1")),
                count(cap=1),
                PutAnswer(make_answer()),
                DeleteAnswer("s1", "u0", expected_version=1),
                PutUser(make_user()),
            ]
        )
    assert err.value.what == "survey"
    assert dynamo_store.get_answer("s1", "u0") is not None


def test_create_tables_accepts_a_table_created_by_a_timed_out_earlier_try(
    moto_store: DynamoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retried CreateTable that finds the table already there is success, not an error."""
    from pynamodb.exceptions import TableError

    model = moto_store.tables.models[0]
    monkeypatch.setattr(model, "exists", classmethod(lambda cls: False))

    def already(cls, **kw):
        raise TableError("Failed to create table: Cannot create preexisting table")

    monkeypatch.setattr(model, "create_table", classmethod(already))  # type: ignore[arg-type]
    create_tables(moto_store)  # must not raise


def test_a_persons_named_answers_come_back_newest_first(store: Any) -> None:
    """What a registration brings back: the person's named answers (never unnamed ones), newest first."""
    store.commit([PutSurvey(make_survey(f"s{n}")) for n in range(4)])
    store.commit(
        [PutAnswer(make_answer(f"s{n}", "p1", submitted_at=f"2025-03-0{n + 1}T08:00:00+09:00")) for n in range(3)]
    )
    store.commit([PutAnswer(make_answer("s3", "p2"))])
    store.commit([PutAnswer(make_answer("s3", "a#0f0f", name="", unit="", submitted_at=""))])
    store.commit([PutAnswer(make_answer("p#s3", "p1", values={}, name="", unit="", submitted_at=""))])
    found = store.answered_by("p1")
    assert list(found) == ["s2", "s1", "s0"]
    assert found["s0"] == int(datetime(2025, 3, 1, 8, tzinfo=KST).timestamp())
    assert store.answered_by("a#0f0f") == {} and store.answered_by("nobody") == {}
    # an edit keeps its first submit; a withdrawal leaves the person's history
    edited = stored(make_answer("s1", "p1", submitted_at="2025-03-02T08:00:00+09:00", updated_at=NOW.isoformat()), 1)
    store.commit([PutAnswer(edited)])
    store.commit([DeleteAnswer("s2", "p1", 1)])
    assert list(store.answered_by("p1")) == ["s1", "s0"]
