"""DynamoDB calls and items read per message kind, for `make bench` (``ddb_calls``, ``items_read``).

A botocore ``after-call`` hook on the store's DynamoDB client records every call the
bot makes: its operation, whether it writes, the items it read and the capacity it
consumed. A scripted conversation runs in this process through ``Bot.handle`` on
tables of its own (in the stack's DynamoDB Local), so the counts do not depend on load
or timing: an admin opens the survey, a member answers it (menu, list, open, three
answers, submit, own answers), the admin asks for its 현황, the member withdraws (so
the next pass starts from the same state). The pass runs with one survey in the
table, then again after closed surveys are added.

Items read: 1 for a GetItem that found its item, ``ScannedCount`` (else ``Count``) for
a Query or Scan, the items returned by BatchGetItem and TransactGetItems; 0 for writes.
"""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scripts.wizard import bbq_messages

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
BUSY = "잠시 후 다시"
TITLE = "호출 세기"
ADMIN_KEY = "calls-admin-" + "0" * 54
# One member per mode and pass: a pass is 18 messages, and the deployed rate limit counts a minute's.
MEMBER_KEYS = {
    (mode, surveys): f"calls-member-{n}".ljust(66, "0")
    for n, (mode, surveys) in enumerate(
        (m, s) for m in ("deployed", "rate_limit_off") for s in ("surveys_1", "surveys_500")
    )
}


def flow(title: str) -> list[tuple[str, str, str, bool]]:
    """(kind, who, text, tapped) of one pass; ``who`` is "member" or "admin". A tapped message is the last
    reply's quick reply of that text, sent with its extra as Kakao does; the others are typed."""
    return [
        ("메뉴", "member", "메뉴", False),
        ("신청 목록", "member", "신청 목록", False),
        ("신청 <제목>", "member", f"신청 {title}", False),
        ("answer", "member", "피자", False),
        ("answer (number)", "member", "2", False),
        ("answer (skip)", "member", "건너뛰기", False),
        ("제출", "member", "제출", False),
        ("내 신청", "member", "내 신청", False),
        ("현황", "admin", f"현황 {title}", False),
        ("신청 취소", "member", f"신청 취소 {title}", False),
        ("예", "member", "예", False),
        # the same, tapped: 제출 and 예 carry their survey, read with the member in one call
        ("신청 <제목> (again)", "member", f"신청 {title}", False),
        ("answer (again)", "member", "피자", True),
        ("answer (number, again)", "member", "2", False),
        ("answer (skip, again)", "member", "건너뛰기", True),
        ("제출 (tapped)", "member", "제출", True),
        ("신청 취소 (again)", "member", f"신청 취소 {title}", False),
        ("예 (tapped)", "member", "예", True),
    ]


# --- counting ------------------------------------------------------------------------------------


def dynamodb_client(store: Any) -> Any:
    """The client ``store`` sends its DynamoDB calls through: the store's wire client or botocore's, which both
    emit botocore's ``after-call`` events.

    The one place that knows where a store keeps it (today: the pynamodb connection
    its bound tables share).
    """
    client = store.tables.connection.client
    if getattr(getattr(client, "meta", None), "service_model", None) is None:
        raise RuntimeError(f"{type(store).__name__} has no botocore client where scripts/bench_calls.py looks")
    if client.meta.service_model.service_name != "dynamodb":
        raise RuntimeError(f"the store's client is for {client.meta.service_model.service_name}, not dynamodb")
    return client


def items_read(operation: str, parsed: dict[str, Any]) -> int:
    """How many items a call's response says it read (see the module's docstring)."""
    if operation in WRITES:
        return 0
    if "Item" in parsed:
        return 1
    if "ScannedCount" in parsed:
        return int(parsed["ScannedCount"])
    if "Count" in parsed:
        return int(parsed["Count"])
    if "Items" in parsed:
        return len(parsed["Items"])
    responses = parsed.get("Responses")
    if isinstance(responses, dict):  # BatchGetItem: table -> items
        return sum(len(v) for v in responses.values())
    if isinstance(responses, list):  # TransactGetItems: one entry per key, "Item" when found
        return sum(1 for r in responses if isinstance(r, dict) and r.get("Item"))
    return 0


def capacity_units(parsed: dict[str, Any]) -> float:
    consumed = parsed.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if isinstance(consumed, dict) else []
    return float(sum(e.get("CapacityUnits", 0) or 0 for e in entries))


@dataclass
class Calls:
    """The calls recorded since the last :meth:`take`."""

    made: list[tuple[str, int, float]] = field(default_factory=list)

    def after_call(self, parsed: Any = None, model: Any = None, **_: Any) -> None:
        operation = getattr(model, "name", "?")
        body = parsed if isinstance(parsed, dict) else {}
        self.made.append((operation, items_read(operation, body), capacity_units(body)))

    def after_error(self, model: Any = None, exception: Any = None, **_: Any) -> None:
        if exception is not None:  # no response at all (connection, timeout): still a call
            self.made.append((getattr(model, "name", "?"), 0, 0.0))

    def take(self) -> dict[str, Any]:
        made, self.made = self.made, []
        ops = [op for op, _, _ in made]
        return {
            "calls": len(made),
            "operations": ops,
            "writes": sum(1 for op in ops if op in WRITES),
            "items_read": sum(n for _, n, _ in made),
            "capacity_units": round(sum(c for _, _, c in made), 2),
            "read_units": round(sum(c for op, _, c in made if op not in WRITES), 2),
            "write_units": round(sum(c for op, _, c in made if op in WRITES), 2),
        }


@contextlib.contextmanager
def counting(store: Any) -> Iterator[Calls]:
    """Record the DynamoDB calls of ``store`` while inside."""
    client = dynamodb_client(store)
    calls = Calls()
    events = client.meta.events
    events.register("after-call.dynamodb", calls.after_call, unique_id="bench-calls-after")
    events.register("after-call-error.dynamodb", calls.after_error, unique_id="bench-calls-error")
    try:
        yield calls
    finally:
        events.unregister("after-call.dynamodb", unique_id="bench-calls-after")
        events.unregister("after-call-error.dynamodb", unique_id="bench-calls-error")


# --- setting up ------------------------------------------------------------------------------------


@contextlib.contextmanager
def environment(**changes: str | None) -> Iterator[None]:
    """Set (or, with None, remove) environment variables while inside."""
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for k, v in changes.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def build_bot(table_prefix: str, rate_limit: str | None) -> Any:
    """A bot of this process's (stack) settings on tables ``table_prefix``-*; rate limit None = as deployed."""
    from chalicelib import runtime
    from chalicelib.platform.config import settings

    with environment(HJ_TABLE_PREFIX=table_prefix, HJ_RATE_LIMIT=rate_limit, HJ_JOBS="inline"):
        return runtime.build(settings())


def say(bot: Any, key: str, text: str, tap: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """One message; the reply's text and the service's facts. A busy reply or a failed step stops the bench."""
    said, facts, _ = exchange(bot, key, text, tap)
    return said, facts


def exchange(
    bot: Any, key: str, text: str, tap: dict[str, Any] | None = None
) -> tuple[str, dict[str, Any], dict[str, dict[str, Any]]]:
    """:func:`say`, and the reply's quick replies: text sent -> extra."""
    from chalicelib.kakao.response import render

    reply, facts = bot.handle(key, text, "", tap)
    body = render(reply)
    template = body.get("template", {}) if isinstance(body, dict) else {}
    said = "\n".join(o.get("simpleText", {}).get("text", "") for o in template.get("outputs", []))
    if BUSY in said or facts.get("result") not in (None, "ok"):
        raise RuntimeError(f"{text!r} got {facts.get('result')!r}: {said[:200]!r}")
    offered = {q.get("messageText", ""): q.get("extra") or {} for q in template.get("quickReplies", [])}
    return said, facts, offered


def promote(store: Any, key: str) -> None:
    from chalicelib.domain.model import ADMIN
    from chalicelib.domain.writes import PutUser

    user = store.get_user(key)
    if user is None:
        raise RuntimeError(f"{key[:16]}… is not registered")
    user.role = ADMIN
    store.commit([PutUser(user)])


def open_survey(bot: Any, admin: str, title: str, unit: str = "본부", name: str = "부하관리자") -> str:
    """Register ``admin``, make them an admin and open the bench survey through chat; its id."""
    say(bot, admin, f"등록 {unit} {name}")
    promote(bot.store, admin)
    last = ""
    for text in bbq_messages(title=title, deadline="없음", cap="2000", options="치킨, 피자, 족발"):
        last, _ = say(bot, admin, text)
    found = [s.id for s in bot.store.list_surveys() if s.title == title]
    if not found:
        raise RuntimeError(f"opening the survey {title!r} failed: {last[:300]!r}")
    return str(found[0])


def add_closed_surveys(store: Any, like_id: str, count: int, now: datetime, threads: int = 8) -> int:
    """``count`` past surveys shaped like ``like_id``, each created open and then closed, as in real life.

    Their deadlines and creation times lie in the past (one to about ten months ago).
    Written straight through the store's port, a few at a time.
    """
    from chalicelib.domain.model import CLOSED, OPEN, Survey
    from chalicelib.domain.ports import Conflict
    from chalicelib.domain.writes import PutSurvey, SetSurveyStatus

    like = store.get_survey(like_id)
    if like is None:
        raise RuntimeError(f"survey {like_id} is gone")

    def one(i: int) -> None:
        created = now - timedelta(days=30 + (i * 7) % 280, minutes=i)
        for _ in range(5):
            survey = Survey(
                id=secrets.token_hex(4),
                title=f"지난 신청 {i + 1:03d}",
                owner=like.owner,
                owner_name=like.owner_name,
                questions=copy.deepcopy(like.questions),
                deadline=created + timedelta(days=7),
                target_unit=like.target_unit,
                cap=like.cap,
                status=OPEN,
                created_at=created.isoformat(),
                option_counts=dict.fromkeys(like.option_counts, 0),
            )
            try:
                store.commit([PutSurvey(survey)])
            except Conflict:  # the id was taken: draw another
                continue
            store.commit([SetSurveyStatus(survey.id, CLOSED)])
            return
        raise RuntimeError("could not find a free survey id")

    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        list(pool.map(one, range(count)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # interrupted: the queued ones are dropped
    return count


# --- the measurement -------------------------------------------------------------------------------


def one_pass(bot: Any, member: str, admin: str, title: str, survey_id: str) -> dict[str, dict[str, Any]]:
    """The calls of each message of :func:`flow`, checking that the member's answer was stored."""
    out: dict[str, dict[str, Any]] = {}
    keys = {"member": member, "admin": admin}
    offered: dict[str, dict[str, Any]] = {}
    with counting(bot.store) as calls:
        for kind, who, text, tapped in flow(title):
            if tapped and text not in offered:
                raise RuntimeError(f"{text!r} was not offered to tap: {sorted(offered)}")
            calls.take()
            said, _, offered = exchange(bot, keys[who], text, offered[text] if tapped else None)
            out[kind] = calls.take()
            if kind.startswith("제출"):
                stored = bot.store.get_answer(survey_id, member)
                calls.take()  # the check is not the message's
                if stored is None:
                    raise RuntimeError(f"제출 stored no answer: {said[:200]!r}")
    return out


def measure(table_prefix: str, closed: int, now: datetime) -> dict[str, Any]:
    """Both passes, with the rate limit as deployed and with it off (the load runs' setting)."""
    from chalicelib.platform.config import settings
    from scripts import devstack

    with environment(HJ_TABLE_PREFIX=table_prefix):
        devstack.prepare_storage()
    with environment(HJ_RATE_LIMIT=None):
        deployed_limit = settings().rate_limit_per_minute
    bots = {"deployed": build_bot(table_prefix, None), "rate_limit_off": build_bot(table_prefix, "0")}
    setup = bots["rate_limit_off"]
    survey_id = open_survey(setup, ADMIN_KEY, TITLE)
    for i, key in enumerate(MEMBER_KEYS.values()):
        say(setup, key, f"등록 부하중대 호출{i + 1}")

    result: dict[str, Any] = {"rate_limit_per_minute": deployed_limit, "closed_surveys": closed, "title": TITLE}
    for mode, bot in bots.items():
        member = MEMBER_KEYS[mode, "surveys_1"]
        result.setdefault(mode, {})["surveys_1"] = one_pass(bot, member, ADMIN_KEY, TITLE, survey_id)
    add_closed_surveys(setup.store, survey_id, closed, now)
    for mode, bot in bots.items():
        result[mode]["surveys_500"] = one_pass(bot, MEMBER_KEYS[mode, "surveys_500"], ADMIN_KEY, TITLE, survey_id)
    return result
