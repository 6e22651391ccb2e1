"""The roster in chat: loading it, verified registration, 명단, 명단 추가, 등록 해제, and open registration."""

from __future__ import annotations

import contextlib
import threading

import pytest
from harness import Chat, key_of, load_roster, timing_for

from chalicelib.domain import marks, roster, roster_load
from chalicelib.domain.model import SUPER
from chalicelib.domain.roster_records import RosterEntry
from chalicelib.domain.rules import Rules
from chalicelib.service.bot import Bot
from chalicelib.storage.memory import MemoryStore

ROWS = [
    (2, "1중대", "홍길동", "1234"),
    (3, "1중대", "김철수", "5678"),
    (4, "2 중대", "이영희", "0007"),
    (5, "2중대", "박민수", "1111"),
    (6, "2중대", "박민수", "2222"),  # same unit and name, told apart by the check value
]


def load(store, rows=ROWS, replace=True) -> roster_load.LoadPlan:
    return load_roster(store, rows, replace)


def names(changes: list[roster_load.Change]) -> list[str]:
    return sorted(f"{c.unit} {c.name}" for c in changes)


def world() -> Chat:
    chat = Chat()
    chat.register("슈퍼", "본부", SUPER)  # before the roster: registered openly
    load(chat.store)
    return chat


# --- loading --------------------------------------------------------------------------------


def test_a_load_adds_then_a_reload_changes_nothing_and_a_new_list_updates_and_removes() -> None:
    store = MemoryStore()
    first = load(store)
    assert (len(first.of(roster_load.ADDED)), first.of(roster_load.CHANGED), first.removals, first.rejected) == (
        5,
        [],
        [],
        [],
    )
    assert store.roster_units() == {"1중대": 2, "2중대": 3}
    again = roster_load.plan_load(store.roster_entries(), ROWS, True)
    assert again.groups == [] and again.unchanged == 5
    changed = [(2, "1중대", "홍길동", "9999"), (3, "1중대", "김철수", "5678"), (4, "2중대", "이영희", "0007")]
    third = load(store, changed)
    assert names(third.of(roster_load.CHANGED)) == ["1중대 홍길동"] and not third.of(roster_load.ADDED)
    assert sorted(e.name for e in third.removals) == ["박민수"] * 2
    assert store.roster_units() == {"1중대": 2, "2중대": 1}


def test_rows_a_load_refuses_say_which_line_and_why() -> None:
    rows = [(2, "1중대", "홍길동", None), (3, "1중대", "홍길동", None), (4, "", "김철수", None), (5, "1중대", "", None)]
    plan = roster_load.plan_load([], rows, True)
    assert plan.of(roster_load.ADDED) == []  # two 홍길동 of 1중대 without check values cannot be told apart
    assert [line for line, _ in plan.rejected] == [2, 3, 4, 5]
    assert "확인번호" in plan.rejected[0][1] and "소속" in plan.rejected[2][1]


def test_check_values_are_stored_salted_never_as_typed() -> None:
    store = MemoryStore()
    load(store)
    e = store.roster_entries("1중대", "홍길동")[0]
    # Never the value as typed: a salt and a digest (a digest's hex may contain "1234" by chance, so the parts
    # are compared, not searched).
    salt, digest = e.check.split("$")
    assert "1234" not in (salt, digest) and len(digest) >= 32
    assert roster.check_matches(e.check, "1234") and roster.check_matches(e.check, "12-34")
    assert not roster.check_matches(e.check, "1235")
    other = roster.hash_check("1234")
    assert other != e.check  # a fresh salt each time


# --- registration -----------------------------------------------------------------------------


def test_registration_claims_the_roster_entry() -> None:
    chat = world()
    said = chat.say("등록 1중대 홍길동 1234", who="a")
    assert "1중대 홍길동님, 등록되었어요" in said
    u = chat.user("a")
    assert (u.name, u.unit, u.roster) == ("홍길동", "1중대", "1중대#홍길동")
    assert chat.store.roster_entries("1중대", "홍길동")[0].claimed_by == key_of("a")


def test_units_are_matched_without_spaces_and_an_unknown_unit_reads_as_any_refusal() -> None:
    chat = world()
    assert "등록되었어요" in chat.say("등록 2 중대 이영희 0007", who="a")
    said = chat.say("등록 1중때 김철수 5678", who="b")  # no unit of the roster is offered: that would tell them
    assert said.text == roster.REFUSED and said.quick == ["등록 안내"]
    assert "등록되었어요" in chat.say("등록 1중대 김철수 5678", who="b")


def test_wrong_or_missing_check_value_is_refused_without_saying_which_part() -> None:
    chat = world()
    wrong = chat.say("등록 1중대 홍길동 9999", who="a")
    assert wrong.text == roster.REFUSED
    missing = chat.say("등록 1중대 홍길동", who="a")  # the roster has check values: one is asked for
    assert missing.text.startswith("등록 정보가 맞지 않아요") and "확인번호도 함께" in missing
    assert "등록 1중대 홍길동 1234" in missing
    assert chat.store.get_user(key_of("a")) is None


def test_someone_not_on_the_roster_reads_the_same_refusal() -> None:
    chat = world()
    assert chat.say("등록 1중대 아무개 1234", who="a").text == roster.REFUSED
    asked = chat.say("등록 홍길동", who="a")
    assert "소속도 함께" in asked and "<확인번호>" in asked


def test_same_named_people_of_one_unit_are_told_apart_by_check_value() -> None:
    chat = world()
    assert "등록되었어요" in chat.say("등록 2중대 박민수 2222", who="a")
    assert "등록되었어요" in chat.say("등록 2중대 박민수 1111", who="b")
    by_key = {e.claimed_by: e for e in chat.store.roster_entries("2중대", "박민수")}
    assert by_key[key_of("a")].number != by_key[key_of("b")].number
    assert chat.user("a").roster != chat.user("b").roster


def test_an_entry_claimed_by_one_kakao_user_is_refused_to_another_as_a_wrong_check_is() -> None:
    chat = world()
    chat.say("등록 1중대 홍길동 1234", who="a")
    said = chat.say("등록 1중대 홍길동 1234", who="b")  # the right check value: nothing tells it was right
    assert said.text == roster.REFUSED and "등록 해제" in said
    assert chat.store.get_user(key_of("b")) is None


def test_repeated_failures_are_slowed_down_for_the_account_and_lock_the_entry_guessed_at() -> None:
    chat = world()
    for _ in range(roster.MAX_FAILURES):
        assert chat.say("등록 1중대 홍길동 0000", who="a").text == roster.REFUSED
    said = chat.say("등록 1중대 홍길동 1234", who="a")  # even the right one waits
    assert "여러 번 실패" in said and "분 뒤에 다시" in said
    # the account may try again a while later, one more at a time (a leaky bucket, not a fixed window) ...
    chat.clock.advance(minutes=roster.FAILURE_WINDOW_MINUTES / roster.MAX_FAILURES + 1)
    # ... but five wrong guesses locked the entry: even the right value is refused, as any refusal reads
    assert chat.say("등록 1중대 홍길동 1234", who="a").text == roster.REFUSED
    [e] = chat.store.roster_entries("1중대", "홍길동")
    assert e.claimed_by == "" and e.locked > int(chat.clock.now.timestamp())
    # every super admin is told on their next message, and lifts it
    note = chat.say("메뉴", who="슈퍼")
    assert "1중대 홍길동#" in note and "등록을 막았어요" in note and "잠금 해제 1중대 홍길동" in note
    assert "잠김" in chat.say("명단 1중대", who="슈퍼")
    assert "다시 등록할 수 있어요" in chat.say("잠금 해제 1중대 홍길동", who="슈퍼")
    chat.clock.advance(minutes=roster.FAILURE_WINDOW_MINUTES / roster.MAX_FAILURES + 1)  # the account's own wait
    assert "등록되었어요" in chat.say("등록 1중대 홍길동 1234", who="a")


def test_a_locked_entry_opens_again_after_its_cool_down() -> None:
    chat = world()
    for n in range(roster.ENTRY_LIMIT):
        chat.say("등록 2중대 이영희 9999", who=f"guesser{n}")  # from as many accounts: the entry counts them all
    assert chat.say("등록 2중대 이영희 0007", who="real").text == roster.REFUSED
    chat.clock.advance(seconds=roster.ENTRY_COOL_DOWN + 1)
    assert "등록되었어요" in chat.say("등록 2중대 이영희 0007", who="real")


def test_two_kakao_users_claiming_one_entry_at_once_end_with_one_winner() -> None:
    """Both read the entry unclaimed; the first commit wins and the second, re-run on fresh data, is refused."""
    store = MemoryStore()
    load(store)
    both_read = threading.Barrier(2)

    real = store.roster_entries

    def roster_entries(unit: str = "", name: str = "") -> list[RosterEntry]:
        found = real(unit, name)
        if name and not any(e.claimed_by for e in found):
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=5)
        return found

    store.roster_entries = roster_entries  # type: ignore[method-assign]
    bot = Bot(store, timing=timing_for(store))
    replies: dict[str, str] = {}

    def register(who: str) -> None:
        reply, _ = bot.handle(key_of(who), "등록 1중대 김철수 5678", "", None)  # the right value, twice
        replies[who] = reply.all_text()

    threads = [threading.Thread(target=register, args=(w,)) for w in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    claimed = store.roster_entries("1중대", "김철수")[0].claimed_by
    assert claimed in (key_of("a"), key_of("b"))
    registered = [w for w in ("a", "b") if store.get_user(key_of(w)) is not None]
    assert registered == [w for w in ("a", "b") if key_of(w) == claimed]
    loser = "b" if registered == ["a"] else "a"
    assert replies[loser].startswith("등록 정보가 맞지 않아요")  # as for a wrong check value: no oracle


def test_leaving_frees_the_entry_and_re_registering_moves_the_claim() -> None:
    chat = world()
    chat.say("등록 1중대 김철수 5678", who="a")
    assert chat.store.roster_entries("1중대", "김철수")[0].claimed_by == key_of("a")
    chat.say("등록 1중대 홍길동 1234", who="a")  # a correction: the first entry is free again
    assert chat.store.roster_entries("1중대", "김철수")[0].claimed_by == ""
    assert chat.user("a").roster == "1중대#홍길동"
    chat.say("탈퇴", who="a")
    chat.say("예", who="a")
    assert chat.store.roster_entries("1중대", "홍길동")[0].claimed_by == ""


def test_open_registration_ignores_the_roster() -> None:
    store = MemoryStore()
    load(store)
    bot = Bot(store, rules=Rules(open_registration=True), timing=timing_for(store))
    bot.handle(key_of("a"), "등록 9중대 아무개", "", None)
    u = store.get_user(key_of("a"))
    assert u is not None and (u.unit, u.name, u.roster) == ("9중대", "아무개", "")


def test_without_a_roster_registration_is_as_before() -> None:
    chat = Chat()
    assert "등록되었어요" in chat.say("등록 2중대 홍길동", who="a")


# --- the super admin's commands ---------------------------------------------------------------


def test_roster_overview_and_one_unit() -> None:
    chat = world()
    chat.say("등록 1중대 김철수 5678", who="a")
    said = chat.say("명단", who="슈퍼")
    assert "명단 5명 · 등록 1명 · 미등록 4명" in said and "1중대: 2명 중 1명 등록" in said
    assert "명단에 없는 등록자 1명: 본부 슈퍼" in said  # registered before the roster, no entry of theirs
    said = chat.say("명단 2 중대", who="슈퍼")
    assert "2중대 3명 · 등록 0명 · 미등록 3명" in said
    twins = [marks.entry_mark(e) for e in chat.store.roster_entries("2중대", "박민수")]
    assert all(f"박민수#{m}" in said for m in twins)  # two 박민수: told apart by their marks
    assert "슈퍼관리자만 쓸 수 있는" in chat.say("명단", who="a")


def test_adding_a_handful_of_names() -> None:
    chat = world()
    said = chat.say("명단 추가 3중대 최영수, 정다은\t한솔", who="슈퍼")
    assert "새 소속인가요" in said and "명단 추가 2중대 최영수 정다은 한솔" in said.quick  # 3중대 looks like 2중대
    said = chat.tap(said, "명단 추가 새 3중대 최영수 정다은 한솔", who="슈퍼")
    assert "3중대 명단에 3명을 넣었어요" in said
    assert chat.store.roster_units()["3중대"] == 3
    said = chat.say("명단 추가 3중대 최영수, 윤서", who="슈퍼")
    assert "1명을 넣었어요" in said and "이미 있음: 최영수" in said
    assert "확인번호가 없어 아직 등록할 수 없어요" in said  # the roster uses check values: they are asked for
    assert chat.store.roster_units() == {"1중대": 2, "2중대": 3, "3중대": 4}
    assert chat.say("등록 3중대 윤서", who="c").text.startswith("등록 정보가 맞지 않아요")
    assert "확인번호를 넣었어요: 윤서" in chat.say("명단 추가 3중대 윤서 2580", who="슈퍼")
    assert "등록되었어요" in chat.say("등록 3중대 윤서 2580", who="c")


def test_release_names_the_person_asks_first_and_lets_a_new_phone_claim_the_entry() -> None:
    chat = world()
    chat.say("등록 1중대 김철수 5678", who="old phone")
    asked = chat.say("등록 해제 김철수", who="슈퍼")
    mark = marks.entry_mark(chat.store.roster_entries("1중대", "김철수")[0])
    assert f"1중대 김철수#{mark}님의 등록을 해제할까요?" in asked and asked.quick[:2] == ["예", "아니오"]
    assert chat.store.get_user(key_of("old phone")) is not None  # nothing yet
    said = chat.say("예", who="슈퍼")
    assert "등록을 해제했어요" in said
    assert chat.store.get_user(key_of("old phone")) is None
    assert "등록되었어요" in chat.say("등록 1중대 김철수 5678", who="new phone")
    assert any(a.action == "release_registration" for a in chat.store.list_audit())


# --- who is missing, against everyone ---------------------------------------------------------


def test_missing_and_status_count_the_whole_roster() -> None:
    from harness import make_bbq

    from chalicelib.domain.model import ADMIN

    chat = Chat()
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)  # both registered before the roster, openly
    load(chat.store)
    title = make_bbq(chat, target="1중대")
    chat.say("등록 1중대 홍길동 1234", who="a")
    chat.say("등록 1중대 김철수 5678", who="b")
    chat.as_("a").say(f"신청 {title}")
    for text in ("피자", "2", "건너뛰기", "제출"):
        chat.say(text, who="a")
    said = chat.say(f"미응답 {title}", who="관리자")
    assert "미응답 1명 / 대상 2명" in said and "등록했지만 응답 안 함 1명 · 아직 등록 안 함 0명" in said
    assert "응답 안 함: 1중대 김철수" in said
    said = chat.say(f"현황 {title}", who="관리자")
    assert "응답 1명 / 대상 2명 (1중대, 50%)" in said

    title2 = make_bbq(chat, title="전체 회식", target="전체")
    said = chat.say(f"미응답 {title2}", who="관리자")
    # the roster's 5 and the 2 registered before it (no entry of theirs), each once: 4 silent + 3 waiting = 7
    assert "미응답 7명 / 대상 7명" in said and "등록했지만 응답 안 함 4명 · 아직 등록 안 함 3명" in said
    assert "2중대: 응답 안 함 0명 · 미등록 3명" in said and "미등록: 2중대 박민수" in said
    assert "대상 7명 (전체, 0%)" in chat.say(f"현황 {title2}", who="관리자")


def test_wizard_targets_are_roster_units_and_may_be_several() -> None:
    from harness import make_bbq

    from chalicelib.domain.model import ADMIN
    from scripts.wizard import bbq_messages

    chat = Chat()
    chat.register("슈퍼", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    load(chat.store)
    replies = [chat.say(t, who="관리자") for t in bbq_messages(title="오타 회식", target="1중때")]
    refused = [r for r in replies if "명단에 없는 소속" in r]
    assert refused and "혹시 1중대" in refused[0].text
    chat.say("취소", who="관리자")
    title = make_bbq(chat, title="합동 회식", target="1중대, 2 중대")
    chat.say("등록 2중대 이영희 0007", who="b")
    assert title in chat.say("신청 목록", who="b")
    assert "대상 5명 (1중대, 2중대, 0%)" in chat.say(f"현황 {title}", who="관리자")
    said = chat.say(f"미응답 {title}", who="관리자")
    assert "등록했지만 응답 안 함 1명 · 아직 등록 안 함 4명" in said


def test_a_big_unit_is_shown_a_page_at_a_time() -> None:
    store = MemoryStore()
    rows = [(i + 2, "본부", f"대원{i:03d}", None) for i in range(130)]
    load(store, rows)
    chat = Chat(store=store)
    from chalicelib.domain.model import User
    from chalicelib.domain.writes import PutUser

    store.commit([PutUser(User(key=key_of("슈퍼"), name="슈퍼", unit="본부", role=SUPER))])
    first = chat.say("명단 본부", who="슈퍼")
    assert "본부 130명 · 등록 0명 · 미등록 130명" in first and "대원059" in first and "대원060" not in first
    assert "명단 본부 2" in first.quick
    third = chat.tap(chat.tap(first, "명단 본부 2", who="슈퍼"), "명단 본부 3", who="슈퍼")
    assert "대원129" in third and "더보기" not in third.labels


def test_missing_tells_same_named_people_of_one_unit_apart_as_the_chat_takes_them_back() -> None:
    from harness import make_bbq

    from chalicelib.domain.model import ADMIN

    chat = Chat()  # no roster: two people register as 홍길동 of 2중대
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, target="2중대")
    chat.say("등록 2중대 홍길동", who="first")
    chat.say("등록 2중대 홍길동", who="second")
    said = chat.say("미응답 BBQ 회식", who="관리자")
    refs = [f"2중대 홍길동#{marks.person_mark(key_of(w))}" for w in ("first", "second")]
    assert all(r in said for r in refs), said


@pytest.mark.every_store
def test_every_refusal_reads_the_same_and_counts_on_every_store(chat) -> None:
    chat.register("슈퍼", "본부", SUPER)
    load_roster(chat.store, ROWS)
    chat.say("등록 1중대 홍길동 1234", who="holder")
    said = {
        text: chat.say(text, who=f"guesser-{n}").text
        for n, text in enumerate(
            [
                "등록 9중대 홍길동 1234",  # no such unit
                "등록 1중대 아무개 1234",  # no such name
                "등록 1중대 홍길동 9999",  # a wrong value
                "등록 1중대 홍길동 1234",  # the right value of an entry someone else holds
            ]
        )
    }
    assert set(said.values()) == {roster.REFUSED}, said
    assert all(chat.store.registration_strain(key_of(f"guesser-{n}")).tries == 1 for n in range(4))
    assert chat.store.roster_entries("1중대", "홍길동")[0].strain.tries == 2  # the two that named it
