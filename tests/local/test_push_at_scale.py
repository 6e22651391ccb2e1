"""알림 to 20,000 people, through the Event API stand-in over HTTP, while things go wrong.

Kakao (the stand-in) answers 500, 503, 502 and 429 now and then; some calls get no answer (the stand-in takes
them and hangs up, as a Kakao whose answer was lost); a worker dies right after Kakao took its call; the queue
delivers messages out of order and some twice; some people have blocked the channel. Nothing depends on timing:
every fault is tied to a call's number. Then:

* nobody gets the message twice, and everyone who can receive it gets it once;
* no queue message names more than 100 people, and none comes near SQS's size limit;
* the admin's note gives exactly the numbers the stand-in's own records give.

The push log runs in memory and on DynamoDB Local (the people and the survey stay in memory: loading 20,000 users
into DynamoDB Local would take the test's time without testing anything more of pushes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import local_dynamodb
import pytest
from harness import Chat, make_bbq
from pushfakes import Crash, SimulatedQueue

from chalicelib.domain.model import SUPER, User
from chalicelib.domain.ports import Notifier
from chalicelib.domain.tasks import Attempt, TaskResult
from chalicelib.domain.writes import PutUser
from chalicelib.kakao.notifier import EventNotifier
from chalicelib.service import pushing
from chalicelib.service.bot import Bot
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.memory import MemoryStore
from scripts.eventapi import HANG_UP, EventApiStandIn

TITLE = "주간 식수"
MEMBERS = 19_999  # with the admin, 20,000 people have not answered
BLOCKED_EVERY = 487  # every 487th member has blocked the channel
FAULTS = {  # call number -> (status instead of Kakao's answer, seconds before answering)
    3: (500, 0.0),
    4: (503, 0.0),  # the same chunk twice in a row, possibly
    11: (429, 0.0),
    20: (HANG_UP, 0.0),  # taken, but the answer never comes
    47: (500, 0.0),
    77: (HANG_UP, 0.0),
    150: (502, 0.0),
}
CRASH_AT = 60  # the worker dies after Kakao took this call, before it could record it


class Dying(Notifier):
    """The real notifier, but the worker making call number CRASH_AT dies right after Kakao took it."""

    def __init__(self, inner: Notifier) -> None:
        self.inner, self.calls = inner, 0

    def send(self, user_keys: Sequence[str], data: Mapping[str, Any]) -> Attempt:
        self.calls += 1
        attempt = self.inner.send(user_keys, data)
        if self.calls == CRASH_AT:
            raise Crash("killed mid-run")
        return attempt

    def result(self, task_id: str) -> TaskResult | None:
        return self.inner.result(task_id)


class PushesOnDynamoDB(MemoryStore):
    """People and surveys in memory, pushes on DynamoDB Local."""

    def __init__(self, dynamo: DynamoStore) -> None:
        super().__init__()
        self._dynamo_pushes = dynamo.push_log()

    def push_log(self):
        return self._dynamo_pushes


@pytest.fixture(params=["memory", "dynamodb-local"])
def store(request: pytest.FixtureRequest) -> Iterator[MemoryStore]:
    if request.param == "memory":
        yield MemoryStore()
    else:
        yield PushesOnDynamoDB(request.getfixturevalue("dynamodb_local_store"))


def members() -> list[str]:
    return [f"member-{i:05d}-{'c0ffee' * 9}" for i in range(MEMBERS)]  # 68 characters, as long as Kakao's keys


def test_an_alimi_to_20000_people_reaches_each_once_and_the_note_is_exact(store: MemoryStore) -> None:
    chat = Chat(store=store)
    with EventApiStandIn(bot_id="scale-bot!", rest_api_key="scale-key", event_name="reminder") as kakao:
        kakao.faults = lambda n: FAULTS.get(n, (None, 0.0))
        blocked = set(members()[::BLOCKED_EVERY])
        kakao.block(*blocked)
        notifier = Dying(EventNotifier(kakao.url, kakao.bot_id, kakao.event_name, lambda: "scale-key"))
        # Pushes on the engine: no reply deadline, as harness.Chat gives a chat on it (local_dynamodb.ENGINE_TIMING).
        engine = isinstance(store, PushesOnDynamoDB)
        timing = local_dynamodb.ENGINE_TIMING if engine else None
        chat.bot = Bot(store, clock=chat.clock, notifier=notifier, timing=timing)
        queue = SimulatedQueue(chat.bot.run_export_task, seed=21, duplicate=0.1)
        chat.bot.queue = queue
        start = 1_800_000_000.0
        chat.bot.wall_clock = lambda: start + queue.now  # leases run on the queue's clock
        admin = chat.register("관리자", "본부", SUPER)
        make_bbq(chat, admin="관리자", title=TITLE, deadline="없음")
        store.commit(
            [
                PutUser(User(key, f"대원{i:05d}", "2중대", created_at=f"2026-11-2{i % 3}"))
                for i, key in enumerate(members())
            ]
        )

        asked = chat.say(f"알림 {TITLE}", who="관리자")
        assert "20,000명에게" in asked and "약 300,000원" in asked
        assert "20,000명에게 보내고 있어요" in chat.say("예", who="관리자")
        queue.drain()
        calls = kakao.wait_calls(kakao._talks, timeout=30)
        kakao.wait_tasks(30)
        note = chat.say("메뉴", who="관리자").text.split("\n")[0]

    everyone = [admin.key, *members()]
    reached = Counter(user for _, user in kakao.reached())
    assert max(reached.values()) == 1, "somebody got the message twice"
    assert set(reached) == set(everyone) - blocked  # everyone who can receive it, once

    # The queue: one plan, chunks of at most 100 people, every message far below SQS's 256 KiB.
    assert max(len(t.user_keys) for t in queue.sent) == pushing.CHUNK_USERS
    assert max(queue.sizes) < 16 * 1024 and not queue.dead
    assert sum(1 for t in queue.sent if t.step == "plan") == 1

    # What the stand-in saw, call by call: taken and answered in time, taken but answered too late (or by a
    # worker that died), refused with a status (sent again later).
    late = {n for n, (status, _) in FAULTS.items() if status == HANG_UP}
    taken = [c for c in calls if c["status"] == 200]  # the hung-up ones too: the stand-in took them
    assert len(taken) == 200 and all(len(c["users"]) <= 100 for c in calls)
    assert sorted(u for c in taken for u in c["users"]) == sorted(everyone)  # each person in one taken call
    refused = [c for c in calls if c["status"] != 200]
    assert sorted(c["status"] for c in refused) == sorted(s for s, _ in FAULTS.values() if s != HANG_UP)
    unanswered = {u for c in calls if c["n"] in late for u in c["users"]}
    (crashed,) = [set(c["users"]) for c in calls if c["n"] == CRASH_AT]  # numbered as the client made them
    unknown = unanswered | crashed
    assert len(unknown) == 300
    delivered = len([u for u in everyone if u not in unknown and u not in blocked])
    cannot = len([u for u in blocked if u not in unknown])
    assert note == (
        f"'{TITLE}' 알림: 20,000명 중 {delivered:,}명에게 전해졌어요. "
        f"{cannot:,}명은 채널을 추가하지 않았거나 차단해서 받지 못했어요. "
        f"{len(unknown):,}명은 카카오가 답하지 않아 보내졌는지 알 수 없어요."
    )
    assert queue.deliveries > len(queue.sent)  # some messages did come twice
