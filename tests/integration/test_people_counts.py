"""Every count adds up, whatever happens to the people: a property over random sequences of roster loads (whole,
partial, with and without the yes to their removals), moves, registrations, 탈퇴, new phones, answers and
withdrawals, on MemoryStore and on DynamoDB Local.

After every step, for every survey: 응답 + 등록했지만 응답 안 함 + 아직 등록 안 함 = 대상, as 현황 and 미응답 say it,
as 결과 보기's page and the export's 요약 and 미응답 sheet count it, and 알림 would reach exactly the silent
ones; and every registered member's 메뉴 says a survey is pending exactly when the survey counts them silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import local_dynamodb
import pytest
from fakes import FakeExporter
from harness import Chat, key_of, load_roster
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.audience import ANSWERED, SILENT, WAITING, audience
from chalicelib.domain.marks import entry_mark, person_mark
from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.overview import NAMES_PER_PAGE
from chalicelib.domain.privacy import took_part
from chalicelib.domain.remind import pending
from chalicelib.domain.roster_records import unit_key
from chalicelib.storage.memory import MemoryStore

# The organisation: six people (two of one name in one unit, one without a check value), two units to move between.
PEOPLE = [
    ("김민수", "1111"),
    ("김민수", "2222"),
    ("이영희", "3333"),
    ("박철수", "4444"),
    ("최하나", None),
    ("정두리", "5555"),
]
HOME = ["1중대", "1중대", "1중대", "2중대", "2중대", "2중대"]
SURVEYS = [("전체 회식", "전체", "실명"), ("1중대 점호", "1중대", "실명"), ("2중대 참석", "2중대", "참여만 확인")]

Step = tuple[str, int, int]
steps = st.one_of(
    st.tuples(st.just("load"), st.integers(0, 63), st.integers(0, 1)),  # who is in the file; 1: the yes too
    st.tuples(st.just("move"), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("register"), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("leave"), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("new phone"), st.integers(0, 5), st.just(0)),
    st.tuples(st.just("answer"), st.integers(0, 5), st.integers(0, 2)),
    st.tuples(st.just("withdraw"), st.integers(0, 5), st.integers(0, 2)),
    st.tuples(st.just("proxy"), st.integers(2, 5), st.integers(0, 1)),  # names of one person each; named surveys
    st.tuples(st.just("unproxy"), st.integers(2, 5), st.integers(0, 1)),
)


@dataclass
class World:
    chat: Chat
    ex: FakeExporter
    units: list[str] = field(default_factory=lambda: list(HOME))
    phones: list[int] = field(default_factory=lambda: [0] * len(PEOPLE))

    def phone(self, i: int) -> str:
        return f"p{i}-{self.phones[i]}"

    def say(self, who: str, *texts: str) -> str:
        out = ""
        for t in texts:
            out = self.chat.say(t, who=who).text
        return out

    def run(self, step: Step) -> None:
        kind, i, j = step
        if kind == "load":
            rows = [(n + 2, self.units[n], *PEOPLE[n]) for n in range(len(PEOPLE)) if i >> n & 1]
            load_roster(self.chat.store, rows, replace=True, remove=bool(j))
        elif kind == "move":
            self.units[i] = "2중대" if self.units[i] == "1중대" else "1중대"
        elif kind == "register":
            name, check = PEOPLE[i]
            free = [
                e
                for e in self.chat.store.roster_entries(self.units[i], name)
                if e.claimed_by in ("", key_of(self.phone(i))) and self.is_theirs(e, i)
            ]
            said = self.say(self.phone(i), f"등록 {self.units[i]} {name} {check or ''}".strip())
            if free:  # their entry is there and nobody else holds it: they get in
                assert "등록되었어요" in said or "등록 정보를 확인했어요" in said, said
        elif kind == "leave":
            self.say(self.phone(i), "탈퇴", "예")
        elif kind == "new phone":
            u = self.chat.store.get_user(key_of(self.phone(i)))
            if u is not None:
                self.say("운영", f"등록 해제 {u.unit} {u.name}#{self.mark(u)}", "예")
            self.phones[i] += 1
        elif kind == "answer":
            title = SURVEYS[j][0]
            self.say(self.phone(i), f"신청 {title}", "참석", "제출")
        elif kind == "withdraw":
            self.say(self.phone(i), f"신청 취소 {SURVEYS[j][0]}", "예")
        elif kind == "proxy":  # an admin enters their answer (registered or not)
            started = self.say("관리자", f"대리 응답 {SURVEYS[j][0]} {PEOPLE[i][0]}")
            if "답을 대신 적어요" in started:
                self.say("관리자", "불참", "제출")
            elif "제출 전 확인" in started:  # entered before: as it was
                self.say("관리자", "제출")
        elif kind == "unproxy" and "취소할까요" in self.say("관리자", f"대리 응답 취소 {SURVEYS[j][0]} {PEOPLE[i][0]}"):
            self.say("관리자", "예")

    def is_theirs(self, e, i: int) -> bool:
        from chalicelib.domain.roster import check_matches

        check = PEOPLE[i][1]
        if e.locked > int(self.chat.clock.now.timestamp()):
            return False
        if not e.check:  # a roster that uses check values takes nobody without one
            return not self.chat.store.roster_info().checks
        return bool(check and check_matches(e.check, check))

    def mark(self, u) -> str:
        for e in self.chat.store.roster_entries():
            if e.entry == u.roster:
                return entry_mark(e)
        return person_mark(u.person_key)

    def check(self) -> None:
        store = self.chat.store
        registered = [u for u in store.list_users() if u.role == 0]
        for title, _, _ in SURVEYS:
            s = next(x for x in store.list_surveys() if x.title == title)
            people = audience(store, s)
            keys = [p.key for p in people.people if p.key]
            assert len(keys) == len(set(keys)), "a registered person counted twice"
            status = self.say("관리자", f"현황 {title}")
            answered, target = map(int, re.search(r"응답 (\d+)명 / 대상 (\d+)명", status).groups())
            missing = self.say("관리자", f"미응답 {title}")
            if "모두 응답했어요" in missing:
                silent = waiting = 0
            else:
                total, target2 = map(int, re.search(r"미응답 (\d+)명 / 대상 (\d+)명", missing).groups())
                found = re.search(r"등록했지만 응답 안 함 (\d+)명 · 아직 등록 안 함 (\d+)명", missing)
                silent, waiting = map(int, found.groups()) if found else (total, 0)
                assert (total, target2) == (silent + waiting, target), missing
            assert answered + silent + waiting == target, (status, missing)
            if not s.anonymous:  # 미응답's names (from the units its page shows) are those counting everyone finds
                named = [(SILENT, people.label(p)) for p in people.silent]
                named += [(WAITING, people.label(p)) for p in people.waiting]
                for part in (SILENT, WAITING):
                    names = [label for which, label in named[:NAMES_PER_PAGE] if which == part]
                    line = (f"{part}: " if people.roster else "") + ", ".join(names)
                    assert not names or line in missing.splitlines(), (line, missing)
            self.say("관리자", f"결과 보기 {title}")
            page = self.ex.reports[-1]
            if people.answered is not None:  # the views' census agrees with counting everyone now
                assert (answered, target) == (people.answered_here, people.target), status
                assert (f"대상 밖 응답 {people.outside}명" in status) == bool(people.outside), status
            if not s.anonymous:  # and so do its units (a survey kept without names shows none)
                by_unit = {unit_key(u): a + b for u, (a, b) in people.per_unit().items()}
                assert {unit_key(u.unit): u.missing for u in page.units if u.missing} == by_unit
            assert (page.answered, page.silent, page.unregistered or 0, page.target) == (
                answered,
                silent,
                waiting,
                target,
            )
            self.say("관리자", f"다운로드 {title}")
            reach = self.ex.reaches[-1]
            assert (reach.answered, len(reach.missing), reach.target) == (answered, silent + waiting, target)
            reminded, silent_keys = set(pending(store, s)), {p.key for p in people.silent}
            assert len(people.silent) == silent
            live = took_part(store, s)  # 참여만 확인: taking part is shown in batches, and never reminded
            if s.anonymous:
                assert reminded == {p.key for p in people.silent if p.person not in live}
            else:
                assert reminded == silent_keys
            for u in registered:  # each member's own view agrees with the counts
                mine = [p for p in people.people if p.key == u.key]
                state = people.state(mine[0]) if mine else None
                listed = self.chat.bot.handle(u.key, "신청 목록", "", None)[0].all_text()
                line = next((x for x in listed.splitlines() if x.startswith(f"• {title} — ")), "")
                if state == SILENT and s.anonymous and mine[0].person in live:  # ahead of the admin's batches
                    assert line.endswith("응답함"), (title, u.name, listed)
                elif state == SILENT:
                    assert line.endswith("미응답"), (title, u.name, listed)
                elif state == ANSWERED:
                    assert line.endswith("응답함"), (title, u.name, listed)
                else:
                    assert not line, (title, u.name, listed)


def start(store) -> World:
    ex = FakeExporter()
    chat = Chat(store=store, exporter=ex)
    chat.register("운영", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    for title, target, mode in SURVEYS:
        texts = [
            "신청 만들기",
            title,
            "건너뛰기",
            "참석 여부",
            "선택",
            "참석, 불참",
            "필수",
            "질문 끝",
            "12/31 18:00",
            target,
            "없음",
        ]
        if mode != "실명":
            texts += ["응답 방식", mode]
        said = chat.say_all(texts, who="관리자")
        assert "개설했어요" in chat.say("개설", who="관리자"), said
    return World(chat, ex)


def run_program(store, program: list[Step]) -> None:
    world = start(store)
    world.check()
    for step in program:
        world.run(step)
        world.check()


# The stories of the issue, always tried first: a member who leaves and comes back, a new phone, a partial file
# confirmed and the whole file again, a move between units.
STORIES: list[list[Step]] = [
    [("load", 63, 1), ("register", 0, 0), ("answer", 0, 0), ("answer", 0, 1), ("leave", 0, 0), ("register", 0, 0)],
    [("load", 63, 1), ("register", 3, 0), ("answer", 3, 2), ("answer", 3, 0), ("new phone", 3, 0), ("register", 3, 0)],
    [("load", 63, 1), ("register", 1, 0), ("answer", 1, 1), ("load", 1, 1), ("load", 63, 0), ("register", 1, 0)],
    [("load", 63, 1), ("register", 2, 0), ("answer", 2, 1), ("move", 2, 0), ("load", 63, 1), ("withdraw", 2, 1)],
    [("register", 4, 0), ("answer", 4, 0), ("load", 16, 1), ("register", 4, 0), ("load", 0, 1), ("answer", 4, 2)],
    # answers an admin enters and takes back, for people registered or not, then theirs, a move and a reload
    [("load", 63, 1), ("proxy", 2, 0), ("register", 2, 0), ("withdraw", 2, 0), ("proxy", 2, 1), ("unproxy", 2, 1)],
    [("load", 63, 1), ("register", 5, 0), ("proxy", 5, 0), ("unproxy", 5, 0), ("answer", 5, 0), ("move", 5, 0)],
    [("load", 63, 1), ("register", 5, 0), ("answer", 5, 0), ("load", 63, 1), ("withdraw", 5, 0), ("proxy", 4, 0)],
    [("load", 63, 1), ("proxy", 4, 0), ("register", 4, 0), ("leave", 4, 0), ("register", 4, 0)],
]


def test_the_stories_add_up() -> None:
    for program in STORIES:
        run_program(MemoryStore(), program)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(steps, min_size=1, max_size=25))
def test_every_count_adds_up_on_memory(program: list[Step]) -> None:
    run_program(MemoryStore(), program)


@pytest.mark.dynamodb_local
def test_every_count_adds_up_on_dynamodb_local(dynamodb_local_endpoint: str) -> None:
    for program in STORIES:
        with local_dynamodb.fresh_store(dynamodb_local_endpoint) as store:
            run_program(store, program)

    @settings(
        max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
    )
    @given(st.lists(steps, min_size=5, max_size=15))
    def on_local(program: list[Step]) -> None:
        with local_dynamodb.fresh_store(dynamodb_local_endpoint) as store:
            run_program(store, program)

    on_local()
