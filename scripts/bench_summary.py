"""`현황` and `결과 보기` of a small and of a large survey, for `make bench` (``summary_ratio``, ``results_ratio``).

Each size (200 and 20,000 answers by default) is an organisation of its own, as a deployment is: its
own stack (``scripts/bench.py`` starts one per size, without the load members of the other figures),
written straight through the store as the conversation's steps commit their writes (``Store.commit``
with the records of ``chalicelib.domain.writes``), not through chat: an admin, ``size`` members who
answered and a tenth more who did not, registered in twelve units, and one open survey for everyone
(전체) with the ten questions of every kind of ``scripts/bench_export.py`` and their answers. Members
and answers go in transactions of 25 people (a few at a time); the survey's counters then get what
those submits add up to, in one write (:func:`count_writes`).

Then the admin asks each stack for ``현황 <제목>`` and ``결과 보기 <제목>`` over HTTP, one request at a
time, alternating the sizes, after an unmeasured round: the median round trip of each (the server's
time plus a loopback connection), and large ÷ small. A reply that says "잠시 후 다시" is counted in
``busy``: the reply budget (4.5 s, less the worst case of the next store call) ran out, so the time
is where the budget cut the view short, not what the view costs. That is why each view is also
asked of a bot in this process on the same stack with a budget of a minute (``unbudgeted``: the
time the view really takes, without HTTP). A 현황 that does not show the seeded counts ("응답 N명 /
대상 M명") is counted in ``wrong``. Busy or wrong replies make the figures fail.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from scripts import bench_export

TITLE = "요약 시험"
UNITS = tuple(f"{k}중대" for k in range(1, 13))
ADMIN_NAME, ADMIN_UNIT = "요약관리자", "본부"
PEOPLE_PER_COMMIT = 25  # a transaction of 50 items (member and answer), half DynamoDB's limit
THREADS = 4
VIEWS = ("현황", "결과 보기")
BUSY = "잠시 후 다시"

UNBUDGETED_SECONDS = 60.0

# (text sent by the admin) -> (reply text, seconds it took)
Say = Callable[[str], tuple[str, float]]


@dataclass(frozen=True)
class Org:
    """One seeded organisation and its survey."""

    answers: int
    members: int  # registered, the admin included (the survey's 대상)
    survey_id: str
    seed_seconds: float


def member_key(i: int) -> str:
    """A 66-character key (as Kakao's botUserKey) of the ``i``-th member."""
    return f"bench-summary-{i:07d}".ljust(66, "0")


def count_writes(survey: Any, answers: Sequence[Any], now: datetime) -> list[Any]:
    """What the submits of ``answers`` added to the survey's counters and its aggregate, as one transaction.

    The survey's counters (the response count and the takers of options with a capacity, as a submit moves
    them) and its aggregate (``domain.aggregates``: what each answer contributes, summed as the repair
    command's recount sums it): a seeded survey is one whose 현황 reads one item, as a survey answered through
    chat is.
    """
    from chalicelib.domain import aggregates
    from chalicelib.domain.kinds import option_deltas
    from chalicelib.domain.writes import CountResponse, RecountAggregate

    capped = survey.capacities()
    totals: dict[str, int] = {}
    for a in answers:
        for key, d in option_deltas(survey.questions, {}, a.values).items():
            if key in capped:
                totals[key] = totals.get(key, 0) + d
    return [
        CountResponse(survey.id, now, response_delta=len(answers), option_deltas=totals),
        # the recount as one item (a seeded survey's hours would not fit one update's expression), on the version
        # its PutSurvey made
        RecountAggregate(survey.id, dict(aggregates.recount(survey, answers)), seen=0),
    ]


def commit_all(store: Any, batches: list[list[Any]], threads: int = THREADS) -> None:
    """Commit each batch of writes (a transaction each), a few at a time.

    A batch the store could not confirm (a timeout on a busy machine) is sent again; if it had in fact
    gone through, its first write's condition now fails, and the batch counts as written.
    """
    from chalicelib.domain.ports import Conflict, Unavailable

    def one(writes: list[Any]) -> None:
        tried = False
        for _ in range(8):
            try:
                store.commit(writes)
                return
            except Unavailable:
                tried = True
                time.sleep(0.5)
            except Conflict:
                if tried:
                    return
                raise
        raise RuntimeError("the store stayed unavailable while seeding")

    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        list(pool.map(one, batches))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def seed(store: Any, admin_key: str, answers: int, now: datetime) -> Org:
    """An admin, ``answers`` members who answered and a tenth more who did not, and the survey, in ``store``."""
    from chalicelib.domain.model import ADMIN, OPEN, Managed, Survey, User
    from chalicelib.domain.writes import ListSurvey, PutAnswer, PutSurvey, PutUser

    t0 = time.perf_counter()
    created = now - timedelta(days=10)
    admin = User(key=admin_key, name=ADMIN_NAME, unit=ADMIN_UNIT, role=ADMIN, created_at=created.isoformat())
    survey = Survey(
        id=secrets.token_hex(4),
        title=TITLE,
        owner=admin.key,
        owner_name=admin.name,
        questions=copy.deepcopy(bench_export.QUESTIONS),
        status=OPEN,
        created_at=created.isoformat(),
    )
    admin.managed[survey.id] = Managed(TITLE, int(created.timestamp()))
    store.commit([PutSurvey(survey), ListSurvey(survey.info()), PutUser(admin)])

    silent = max(1, answers // 10)
    _, sample = bench_export.sample(answers, seed=11)
    span = timedelta(days=9).total_seconds()
    people, answered = [], []
    for i in range(answers + silent):
        key, unit, name = member_key(i), UNITS[i % len(UNITS)], f"대원{i:05d}"
        user = User(key=key, name=name, unit=unit, created_at=(created - timedelta(days=1)).isoformat())
        if i < answers:
            at = created + timedelta(seconds=span * (i + 1) / answers)
            edited = (at + timedelta(hours=2)).isoformat() if i % 10 == 0 else ""
            user.answered[survey.id] = int(at.timestamp())
            answered.append(
                dataclasses.replace(
                    sample[i],
                    survey_id=survey.id,
                    user_key=key,
                    name=name,
                    unit=unit,
                    submitted_at=at.isoformat(),
                    updated_at=edited,
                    survey_title=TITLE,
                    version=0,
                )
            )
        people.append(user)

    batches: list[list[Any]] = []
    for first in range(0, answers, PEOPLE_PER_COMMIT):
        chunk = range(first, min(first + PEOPLE_PER_COMMIT, answers))
        batches.append([PutUser(people[i]) for i in chunk] + [PutAnswer(answered[i]) for i in chunk])
    for first in range(answers, len(people), 2 * PEOPLE_PER_COMMIT):
        batches.append([PutUser(u) for u in people[first : first + 2 * PEOPLE_PER_COMMIT]])
    commit_all(store, batches)
    store.commit(count_writes(survey, answered, now))
    return Org(answers, len(people) + 1, survey.id, time.perf_counter() - t0)


def shows_counts(text: str, org: Org) -> bool:
    """현황's head line names the seeded answers and people."""
    return f"응답 {org.answers}명 / 대상 {org.members}명" in text


def direct(admin_key: str) -> Say:
    """The admin talking to a bot in this process, built now from the environment's stack, whose reply budget
    is UNBUDGETED_SECONDS: how long a view takes when nothing cuts it short."""
    from chalicelib import runtime
    from chalicelib.kakao.response import render
    from chalicelib.platform.config import settings
    from scripts.bench_calls import environment

    with environment(HJ_RATE_LIMIT="0", HJ_JOBS="inline"):
        bot = runtime.build(settings())
    bot.timing = bot.timing._replace(reply_within=UNBUDGETED_SECONDS)

    def say(text: str) -> tuple[str, float]:
        t0 = time.perf_counter()
        reply, _ = bot.handle(admin_key, text)
        took = time.perf_counter() - t0
        outputs = render(reply).get("template", {}).get("outputs", [])
        return "\n".join(o.get("simpleText", {}).get("text", "") for o in outputs), took

    return say


@dataclass(frozen=True)
class Talk:
    """How the bench reaches one organisation's admin: over HTTP, and in this process without the budget."""

    http: Say
    unbudgeted: Say


def measure(orgs: Sequence[tuple[Org, Talk]], samples: int, warm: int = 1) -> dict[str, Any]:
    """Milliseconds of each view at each size, one request at a time, alternating; see the module.

    ``orgs``: the small organisation and the large one, each with how its admin talks to its stack.
    """
    sizes = [org.answers for org, _ in orgs]
    ways = ("http", "unbudgeted")
    times: dict[tuple[str, str], dict[int, list[float]]] = {(w, v): {n: [] for n in sizes} for w in ways for v in VIEWS}
    busy = {(w, v): dict.fromkeys(sizes, 0) for w in ways for v in VIEWS}
    wrong = {w: dict.fromkeys(sizes, 0) for w in ways}
    for i in range(warm + samples):
        for org, talk in orgs:
            for view in VIEWS:
                for way in ways:
                    text, took = getattr(talk, way)(f"{view} {TITLE}")
                    if i < warm:
                        continue
                    times[way, view][org.answers].append(took * 1000)
                    if BUSY in text:
                        busy[way, view][org.answers] += 1
                    elif view == "현황" and not shows_counts(text, org):
                        wrong[way][org.answers] += 1
    small, large = sizes[0], sizes[-1]
    out: dict[str, Any] = {
        "sizes": sizes,
        "samples": samples,
        "orgs": [dataclasses.asdict(o) for o, _ in orgs],
        "wrong_counts": wrong["http"],
        "unbudgeted_wrong_counts": wrong["unbudgeted"],
        "unbudgeted_seconds": UNBUDGETED_SECONDS,
    }
    for view in VIEWS:
        entry: dict[str, Any] = {}
        for way in ways:
            med = {n: statistics.median(ts) for n, ts in times[way, view].items()}
            prefix = "" if way == "http" else "unbudgeted_"
            entry.update(
                {
                    f"{prefix}ms_small": med[small],
                    f"{prefix}ms_large": med[large],
                    f"{prefix}ratio": med[large] / med[small] if med[small] else float("nan"),
                    f"{prefix}samples_small": times[way, view][small],
                    f"{prefix}samples_large": times[way, view][large],
                    f"{prefix}busy": busy[way, view],
                }
            )
        out[view] = entry
    return out
