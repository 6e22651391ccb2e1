"""People change: roster reloads lose nobody, a person keeps what they did, and every count adds up.

The story an organisation lives every month, told as its super admin and members would: an 800-person roster,
a partial file uploaded by mistake, a full file again, people who leave and come back, a new phone, a move,
two people of one name, and the registrations that explain themselves.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fakes import FakeExporter, FakeUploads
from harness import Chat, key_of, load_roster, make_bbq, timing_for

from chalicelib.domain import marks, roster, roster_load
from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.rules import Rules
from chalicelib.service.bot import Bot
from chalicelib.storage.memory import MemoryStore

UNITS = [f"{n}중대" for n in range(1, 9)]
EVERYONE = [(2 + i, UNITS[i // 100], f"대원{i:03d}", f"{5000 + i:04d}") for i in range(800)]


def csv_of(rows: list[tuple[int, str, str, str | None]]) -> bytes:
    body = "소속,이름,확인번호\r\n" + "".join(f"{u},{n},{c or ''}\r\n" for _, u, n, c in rows)
    return body.encode("utf-8")


def upload(chat: Chat, uploads: FakeUploads, rows: list, name: str = "명단.csv") -> str:
    """명단 올리기, the file put on its page, and the messages after: the note that tells what the load did."""
    assert chat.say("명단 올리기", who="운영").buttons
    uploads.put(uploads.latest(), name, csv_of(rows))
    assert "명단 파일을 받았어요" in chat.say("메뉴", who="운영")
    return chat.say("메뉴", who="운영").text


def numbers(pattern: str, text: str) -> tuple[int, ...]:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return tuple(int(x) for x in found.groups())


def counts_add_up(chat: Chat, title: str, who: str = "관리자") -> tuple[int, int, int, int]:
    """(응답, 응답 안 함, 미등록, 대상) as 현황 and 미응답 say them, checked to add up."""
    answered, target = numbers(r"응답 (\d+)명 / 대상 (\d+)명", chat.say(f"현황 {title}", who=who).text)
    missing = chat.say(f"미응답 {title}", who=who).text
    if "모두 응답했어요" in missing:
        silent = waiting = 0
    else:
        total, target2 = numbers(r"미응답 (\d+)명 / 대상 (\d+)명", missing)
        silent, waiting = numbers(r"등록했지만 응답 안 함 (\d+)명 · 아직 등록 안 함 (\d+)명", missing)
        assert (total, target2) == (silent + waiting, target)
    assert answered + silent + waiting == target
    return answered, silent, waiting, target


def answer_bbq(chat: Chat, who: str, title: str = "BBQ 회식") -> None:
    chat.say(f"신청 {title}", who=who)
    for text in ("피자", "2", "건너뛰기"):
        chat.say(text, who=who)
    assert "제출했어요" in chat.say("제출", who=who)


@pytest.mark.every_store
def test_a_partial_file_takes_nobody_off_unasked_and_a_mistake_is_mended_by_the_full_file(chat: Chat) -> None:
    uploads = FakeUploads()
    chat.bot.uploads = uploads
    chat.register("운영", "본부", SUPER)  # registered before the roster
    chat.register("관리자", "본부", ADMIN)
    first = upload(chat, uploads, EVERYONE)
    assert "추가 800명" in first and "삭제" not in first
    make_bbq(chat, target="1중대")
    for i in range(10):
        assert "등록되었어요" in chat.say(f"등록 1중대 대원{i:03d} {5000 + i:04d}", who=f"p{i}")
    for i in range(3):
        answer_bbq(chat, f"p{i}")
    assert counts_add_up(chat, "BBQ 회식") == (3, 7, 90, 100)

    before_marks = {marks.entry_mark(e) for e in chat.store.roster_entries("8중대")}
    # The partial file, by mistake: one known person and one new. Nothing is taken off, the file is named partial.
    note = upload(chat, uploads, [EVERYONE[0], (3, "1중대", "신입", "1111")])
    assert "추가 1명" in note and "삭제 대기 799명" in note and "일부만 담긴 파일 같아요" in note
    assert "명단 801명 · 등록 10명" in chat.say("명단", who="운영")
    assert counts_add_up(chat, "BBQ 회식") == (3, 7, 91, 101)
    # Every name can be read, a page at a time, before anyone goes.
    page = chat.say("명단 반영", who="운영")
    assert "추가: 1중대 신입#" in page and "삭제 대기: 1중대 대원001#" in page and "(등록됨)" in page
    assert "명단 반영 2" in page.quick and "명단 정리" in page.quick
    # A tap is not enough for 799 of 801: the number is typed.
    asked = chat.say("명단 정리", who="운영")
    assert "'799명 빼기'라고 직접 보내 주세요" in asked and "예" not in asked.quick
    assert "직접 보내 주세요" in chat.say("예", who="운영")
    assert "명단 801명" in chat.say("명단", who="운영")  # still nobody off
    chat.say("명단 정리", who="운영")
    assert "799명을 명단에서 빼고 있어요" in chat.say("799명 빼기", who="운영")
    done = chat.say("메뉴", who="운영")
    assert "명단에서 799명을 뺐어요. 그중 등록했던 9명은 '명단에 없는 등록자'로 남아요" in done
    overview = chat.say("명단", who="운영")
    assert "명단 2명 · 등록 1명" in overview and "명단에 없는 등록자 11명" in overview  # 9 members and 2 admins
    # The people taken off are still registered and counted once: no one is asked to register again.
    assert counts_add_up(chat, "BBQ 회식") == (3, 7, 1, 11)
    assert "응답 안 함" in chat.say("메뉴", who="p5").text or "미응답 신청 1건" in chat.say("메뉴", who="p5")

    # The whole file again: everyone comes back; those who had registered come back linked as before (the others
    # had nothing to keep), every one with the mark they had.
    again = upload(chat, uploads, [*EVERYONE, (3, "1중대", "신입", "1111")])
    assert "추가 790명" in again and "복귀 9명" in again and "삭제" not in again
    assert {marks.entry_mark(e) for e in chat.store.roster_entries("8중대")} == before_marks
    assert "명단 801명 · 등록 10명" in chat.say("명단", who="운영")
    assert counts_add_up(chat, "BBQ 회식") == (3, 7, 91, 101)
    assert "등록되었어요" not in chat.say("메뉴", who="p9")  # p9 simply carries on
    assert chat.user("p9").roster == "1중대#대원009"


def test_after_leaving_or_a_new_phone_an_answered_survey_is_answered_everywhere() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    chat.register("운영", "본부", SUPER)
    load_roster(chat.store, [(2, "2중대", "김하나", "1234"), (3, "2중대", "이두리", "5678")])
    make_bbq(chat, target="2중대")
    chat.say("등록 2중대 김하나 1234", who="phone-1")
    answer_bbq(chat, "phone-1")
    sid = chat.store.list_surveys()[0].id

    def agrees(who: str) -> None:
        assert "미응답 신청" not in chat.say("메뉴", who=who)
        assert "BBQ 회식 — " in (listed := chat.say("신청 목록", who=who)) and "· 응답함" in listed
        assert "내가 제출한 신청 1건" in chat.say("내 신청", who=who)
        mine = chat.say("신청 BBQ 회식", who=who)
        assert "내 답" in mine and "피자" in mine and "신청 수정 BBQ 회식" in mine.quick

    chat.say("탈퇴", who="phone-1")
    chat.say("예", who="phone-1")
    back = chat.say("등록 2중대 김하나 1234", who="phone-1")
    assert "전에 제출한 신청 1건도 그대로 있어요" in back
    assert chat.store.get_user(key_of("phone-1")).recalled  # the item knows it holds what the person answered
    agrees("phone-1")

    # A new phone: the super admin unregisters the old one, the new one claims the entry and is the same person.
    chat.say("등록 해제 김하나", who="운영")
    chat.say("예", who="운영")
    assert "전에 제출한 신청 1건도" in chat.say("등록 2중대 김하나 1234", who="phone-2")
    agrees("phone-2")
    # ... who edits that one answer (not a second one) and is counted once
    chat.say("신청 수정 BBQ 회식", who="phone-2")
    chat.say("수정 2", who="phone-2")
    chat.say("5", who="phone-2")
    assert "수정했어요" in chat.say("제출", who="phone-2")
    [a] = chat.store.list_answers(sid)
    assert a.user_key == key_of("phone-1") and a.values["q2"] == 5
    assert chat.store.get_survey(sid).response_count == 1
    assert counts_add_up(chat, "BBQ 회식") == (1, 0, 1, 2)
    # and may withdraw it while open
    chat.say("신청 취소 BBQ 회식", who="phone-2")
    assert "취소했어요" in chat.say("예", who="phone-2")
    assert chat.store.list_answers(sid) == []


def test_a_move_to_another_unit_takes_the_link_the_mark_and_the_answers_along() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    load_roster(chat.store, [(2, "1중대", "박이동", "2468"), (3, "1중대", "최잔류", "1357")])
    make_bbq(chat, target="1중대")
    chat.say("등록 1중대 박이동 2468", who="mover")
    answer_bbq(chat, "mover")
    mark = marks.entry_mark(chat.store.roster_entries("1중대", "박이동")[0])
    plan = load_roster(chat.store, [(2, "3중대", "박이동", "2468"), (3, "1중대", "최잔류", "1357")])
    [moved] = plan.of(roster_load.MOVED)
    assert (moved.before, moved.unit, moved.mark, moved.registered) == ("1중대", "3중대", mark, True)
    assert plan.removals == [] and not plan.of(roster_load.ADDED)
    u = chat.user("mover")
    assert (u.unit, u.roster) == ("3중대", "3중대#박이동")
    [e] = chat.store.roster_entries("3중대", "박이동")
    assert (e.claimed_by, e.person, marks.entry_mark(e)) == (key_of("mover"), key_of("mover"), mark)
    assert chat.store.roster_entries("1중대", "박이동") == []
    assert "내가 제출한 신청 1건" in chat.say("내 신청", who="mover")
    # the survey was for 1중대: the mover's answer stays, counted apart from the unit's people
    status = chat.say("현황 BBQ 회식", who="관리자")
    assert "응답 0명 / 대상 1명" in status and "대상 밖 응답 1명" in status
    assert counts_add_up(chat, "BBQ 회식") == (0, 0, 1, 1)


def test_people_registered_before_the_roster_are_linked_when_one_entry_matches_and_listed_otherwise() -> None:
    chat = Chat()
    chat.register("운영", "본부", SUPER)
    chat.say("등록 1중대 홍길동", who="hong")
    chat.say("등록 2중대 김철수", who="kim-a")
    chat.say("등록 2중대 김철수", who="kim-b")  # two of one name: nobody can tell which is on the roster
    plan = load_roster(chat.store, [(2, "1중대", "홍길동", "1234"), (3, "2중대", "김철수", "9999")])
    assert [c.name for c in plan.of(roster_load.LINKED)] == ["홍길동"]
    assert chat.user("hong").roster == "1중대#홍길동"
    assert chat.store.roster_entries("1중대", "홍길동")[0].claimed_by == key_of("hong")
    overview = chat.say("명단", who="운영")
    assert "명단 2명 · 등록 1명 · 미등록 1명" in overview and "명단에 없는 등록자 3명" in overview
    loose = chat.say("명단 밖", who="운영")
    assert "2중대 김철수#" in loose and "본부 운영#" in loose
    make_bbq(chat, admin="운영", target="전체")
    assert counts_add_up(chat, "BBQ 회식", who="운영") == (0, 4, 1, 5)  # 홍길동 once, via the entry


def test_two_of_one_name_are_told_apart_by_one_mark_everywhere() -> None:
    ex = FakeExporter()
    chat = Chat(exporter=ex)
    chat.register("운영", "본부", SUPER)
    chat.register("관리자", "본부", ADMIN)
    load_roster(chat.store, [(2, "2중대", "김민수", "1111"), (3, "2중대", "김민수", "2222")])
    by_check = {
        c: next(e for e in chat.store.roster_entries("2중대", "김민수") if roster.check_matches(e.check, c))
        for c in ("1111", "2222")
    }
    mark = {c: marks.entry_mark(e) for c, e in by_check.items()}
    assert mark["1111"] != mark["2222"]
    chat.say("등록 2중대 김민수 1111", who="first")
    chat.say("등록 2중대 김민수 2222", who="second")
    shown = chat.say("명단 2중대", who="운영")
    assert f"김민수#{mark['1111']}" in shown and f"김민수#{mark['2222']}" in shown

    choice = chat.say("등록 해제 김민수", who="운영")
    assert f"• 2중대 김민수#{mark['1111']}" in choice and f"• 2중대 김민수#{mark['2222']}" in choice
    assert sorted(choice.labels[:2]) == sorted(f"김민수 #{m}" for m in mark.values())  # the chips differ
    [i] = [n for n, label in enumerate(choice.labels) if label == f"김민수 #{mark['2222']}"]
    asked = chat.tap_at(choice, i, who="운영")
    assert f"2중대 김민수#{mark['2222']}님의 등록을 해제할까요?" in asked
    assert chat.store.get_user(key_of("second")) is not None  # nothing until 예
    chat.say("아니오", who="운영")

    make_bbq(chat, target="2중대")
    answer_bbq(chat, "first")
    missing = chat.say("미응답 BBQ 회식", who="관리자")
    assert f"2중대 김민수#{mark['2222']}" in missing  # the same-named one who has not answered, by mark
    chat.say("다운로드 BBQ 회식", who="관리자")
    reach = ex.reaches[-1]
    assert reach.marks[key_of("first")] == mark["1111"]  # the answer row's 회원번호
    assert [(r[1], r[2]) for r in reach.missing] == [("김민수", mark["2222"])]


def test_roster_add_reads_units_with_a_space_names_on_lines_and_check_values() -> None:
    chat = Chat()
    chat.register("운영", "본부", SUPER)
    load_roster(chat.store, [(2, "1중대", "홍길동", "1234")])
    said = chat.say("명단 추가 6 중대 홍일동", who="운영")
    assert "새 소속인가요" not in said or "명단 추가 새 6중대 홍일동" in said.quick
    if "새 소속인가요" in said:
        said = chat.say("명단 추가 새 6중대 홍일동", who="운영")
    assert "6중대 명단에 1명을 넣었어요" in said
    assert [e.name for e in chat.store.roster_entries("6중대")] == ["홍일동"]
    assert "1중대 명단에 2명을 넣었어요" in chat.say("명단 추가 1중대 최일번\n최이번", who="운영")
    assert "1중대 명단에 1명을 넣었어요" in chat.say("명단 추가 1중대 김신입 4321", who="운영")
    assert [e.name for e in chat.store.roster_entries("1중대")] == ["김신입", "최이번", "최일번", "홍길동"]
    assert chat.say("등록 1중대 김신입 1111", who="new").text == roster.REFUSED
    assert "등록되었어요" in chat.say("등록 1중대 김신입 4321", who="new")
    assert chat.store.roster_units() == {"1중대": 4, "6중대": 1}


def test_one_person_is_taken_off_after_a_yes_and_stays_registered() -> None:
    chat = Chat()
    chat.register("운영", "본부", SUPER)
    load_roster(chat.store, [(2, "1중대", "홍길동", "1234"), (3, "1중대", "김철수", None)])
    chat.say("등록 1중대 홍길동 1234", who="hong")
    asked = chat.say("명단 삭제 1중대 홍길동", who="운영")
    assert "1중대 홍길동#" in asked and "명단에서 뺄까요?" in asked and "명단에 없는 등록자" in asked
    assert chat.store.roster_units() == {"1중대": 2}
    assert "명단에서 뺐어요" in chat.say("예", who="운영")
    assert chat.store.roster_units() == {"1중대": 1} and chat.user("hong").roster == "1중대#홍길동"
    assert "명단에 없는 등록자 2명: 본부 운영, 1중대 홍길동" in chat.say("명단", who="운영")
    # added again by hand: linked again
    assert "복귀: 1중대 홍길동#" in chat.say("명단 추가 1중대 홍길동 1234", who="운영")
    assert chat.store.roster_entries("1중대", "홍길동")[0].claimed_by == key_of("hong")


def test_registration_explains_itself_and_asks_for_what_is_missing() -> None:
    chat = Chat()
    load_roster(chat.store, [(2, "3중대", "윤서연", "0135"), (3, "3중대", "강지훈", "2468")])
    how = chat.say("안녕하세요", who="a")
    assert "확인번호" in how and "등록 3중대 홍길동 1234" in how
    asked = chat.say("등록 강지훈 2468", who="a")  # the unit is asked for, never taken from the name
    assert "소속도 함께" in asked and "<확인번호>" in asked and asked.quick == ["등록 안내"]
    assert "등록되었어요" in chat.say("등록 3중대 윤서연 0135 입니다", who="a")
    assert "등록되었어요" in chat.say("등록 3 중대 강지훈 2468입니다.", who="b")
    chat.say("탈퇴", who="a")
    left = chat.say("예", who="a")
    assert "'등록 <소속> <이름> <확인번호>'를 보내 주세요" in left
    # right check value, entry already claimed: the same words as a wrong one, and counted the same
    assert chat.say("등록 3중대 강지훈 2468", who="c").text == chat.say("등록 3중대 강지훈 9999", who="c").text
    assert chat.store.registration_strain(key_of("c")).tries == 2
    assert chat.store.roster_entries("3중대", "강지훈")[0].strain.tries == 2  # both counted on the entry too


def test_check_values_that_lost_their_leading_zeros_are_warned_about() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["소속", "이름", "확인번호"])
    ws.append(["1중대", "홍길동", "1234"])
    ws.append(["1중대", "김철수", "5678"])
    ws.append(["1중대", "이영희", 909])  # typed into Excel as a number: '0909' lost its zero
    out = io.BytesIO()
    wb.save(out)
    from chalicelib.export.roster_file import read_roster
    from chalicelib.service import roster_files

    store = MemoryStore()
    plan = roster_files.plan_file(store, read_roster(out.getvalue(), "명단.xlsx"), True)
    [(line, why)] = plan.warnings
    assert line == 4 and "3자리, 보통 4자리" in why and "0을 지웠을" in why and "909" not in why
    assert "확인 4행:" in "\n".join(plan.lines())
    assert "• 확인 4행:" in roster_files.note(plan, roster_files.keep(store, plan, "운영"))


def test_open_registration_and_no_roster_still_register_by_name() -> None:
    bot_chat = Chat()
    assert "등록되었어요" in bot_chat.say("등록 홍길동", who="a")
    store = MemoryStore()
    load_roster(store, [(2, "1중대", "홍길동", "1234")])
    bot = Bot(store, rules=Rules(open_registration=True), timing=timing_for(store))
    bot.handle(key_of("b"), "등록 9중대 아무개", "", None)
    assert store.get_user(key_of("b")).unit == "9중대"
