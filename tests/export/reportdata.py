"""Surveys for the results page's tests: one answered in chat against a roster, one big and awkward one."""

from __future__ import annotations

import random
from datetime import timedelta

from fakes import FakeExporter
from harness import START, Chat, load_roster, make_bbq

from chalicelib.domain.kinds import CHOICE, DATE, MULTI, NUMBER, TEXT, TIME, YESNO
from chalicelib.domain.model import ADMIN, KST, Answer, Member, Question, Survey
from chalicelib.domain.results import Results, gather
from chalicelib.domain.roster_records import RosterEntry

TITLE = "BBQ 회식"
ROSTER = [
    (2, "1중대", "홍길동", "1234"),
    (3, "1중대", "김철수", "5678"),
    (4, "2중대", "이영희", "0007"),
    (5, "2중대", "박민수", "1111"),
    (6, "2중대", "박민수", "2222"),
    (7, "3중대", "최하나", None),
]
NAMES = ["관리자", "홍길동", "김철수", "이영희", "박민수", "최하나"]
CHECKS = ["1234", "5678", "0007", "1111", "2222"]
MEMOS = ["홍길동의 비밀 메모", "알레르기: 땅콩", "<b>굵게</b> & 메모"]


def bbq_world() -> tuple[Chat, FakeExporter]:
    """The BBQ survey for everyone, a roster of six in three units; three answers (two with memos)."""
    ex = FakeExporter()
    c = Chat(exporter=ex)
    c.register("관리자", "본부", ADMIN)  # before the roster: registered openly
    load_roster(c.store, ROSTER)
    assert "등록" in c.say("등록 1중대 홍길동 1234", who="홍길동")
    c.say("등록 1중대 김철수 5678", who="김철수")
    c.say("등록 2중대 이영희 0007", who="이영희")
    c.say("등록 2중대 박민수 1111", who="박민수")
    make_bbq(c)
    for who, texts in [
        ("홍길동", ["치킨", "3", MEMOS[0]]),
        ("이영희", ["피자", "2", MEMOS[1]]),
        ("박민수", ["피자", "5", "건너뛰기"]),
    ]:
        c.clock.advance(minutes=90)
        c.as_(who).say(f"신청 {TITLE}")
        for t in texts:
            c.say(t)
        assert "제출했어요" in c.say("제출"), who
    return c, ex


AWKWARD = "<script>alert(\"제목\")</script> & '따옴표'"
LONG = "아주아주긴선택지이름이라서한줄에다들어가지않아요정말로"


def big_results(n: int = 2000, units: int = 12, seed: int = 7) -> Results:
    """``n`` answers over three weeks, of every kind of question, with long and awkward labels."""
    return gather(*big_inputs(n, units, seed))


def big_inputs(n: int = 2000, units: int = 12, seed: int = 7) -> tuple:
    """What :func:`big_results` gathers: the survey, its answers, the target, who has not answered, now."""
    rnd = random.Random(seed)
    options = ["치킨", "피자", LONG[:30], "<i>족발</i>", "보쌈 & 막국수"]
    s = Survey(
        id="big-1",
        title="2026년 상반기 체육대회 참가 신청 및 단체복 치수 조사 " + AWKWARD,
        owner="admin-1",
        description="설명에 <a href='https://example.com'>링크</a>를 넣어도\n글자로만 보여요.",
        questions=[
            Question(
                "q1", "종목을 골라 주세요 " + AWKWARD, CHOICE, options=options, capacity={"치킨": 500, options[2]: 390}
            ),  # the second is full
            Question("q2", "간식", MULTI, options=["김밥", "과자", "음료", "과일"]),
            Question("q3", "인원", NUMBER, unit="명", min=0, max=10),
            Question("q4", "버스 이용", YESNO),
            Question("q5", "도착 시간", TIME, required=False),
            Question("q6", "희망일", DATE, required=False),
            Question("q7", "하고 싶은 말", TEXT, required=False),
        ],
        cap=2500,
        target_unit="",
    )
    unit_names = [f"제{i + 1}대대 본부중대" if i % 3 == 0 else f"{i + 1}중대" for i in range(units)]
    unit_names[-1] = "<img src=x onerror=alert(1)>"
    answers: list[Answer] = []
    start = START - timedelta(days=21)
    counts: dict[str, int] = {}
    for i in range(n):
        pick = rnd.choice(options)
        counts[pick] = counts.get(pick, 0) + 1
        at = start + timedelta(minutes=rnd.randint(0, 21 * 24 * 60))
        answers.append(
            Answer(
                survey_id=s.id,
                user_key=f"user-{i:05d}",
                name=f"이름{i:05d}",
                unit=rnd.choice(unit_names),
                values={
                    "q1": pick,
                    "q2": rnd.sample(["김밥", "과자", "음료", "과일"], rnd.randint(0, 3)),
                    "q3": rnd.randint(0, 10),
                    "q4": rnd.random() < 0.6,
                    "q5": f"{rnd.randint(7, 10):02d}:{rnd.choice(['00', '30'])}",
                    "q6": "2026-12-05",
                    "q7": f"자유 답변 {i:05d}",
                },
                submitted_at=at.isoformat(),
            )
        )
    s.response_count = n
    s.option_counts = {f"q1:{o}": counts.get(o, 0) for o in s.questions[0].capacity}  # the capped ones, as stored
    silent = [Member(f"silent-{i}", f"미응답자{i}", unit_names[i % units]) for i in range(150)]
    waiting = [RosterEntry(f"x#{i}", unit_names[i % units], f"미등록자{i}") for i in range(250)]
    return s, answers, n + 400, silent, waiting, START.astimezone(KST)
