"""The chat's vocabulary: every command word with its grammar, and the words of the flows.

A :class:`Word` says what a message starts with, how 도움말 lists it, who may use it, whether a survey's title
follows, and how it may be typed. What each command does (its handler, and what it is about) is in
:mod:`chalicelib.domain.commands`; this module imports no handler, so the wizard can refuse a title that would read
as a command, and a log line can name a command, without the handlers.
"""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.domain.fuzzy import closest, heads
from chalicelib.domain.model import ADMIN, MEMBER, SUPER


class Word(NamedTuple):
    word: str  # what the message starts with ("신청 목록"); the rest is the argument
    usage: str = ""  # how 도움말 lists it ("현황 <제목>"); "" = not listed
    role: int = MEMBER  # the least role that may use it (others are refused, and that is audited)
    action: str = ""  # the audit trail's name for a refused attempt
    needs_title: bool = False  # without an argument: ask for the survey's title
    alone: bool = False  # the word alone, never with an argument (탈퇴, 파일 받기)
    glued: bool = False  # may be typed without the space ("등록홍길동")
    views: bool = False  # only reads a survey: a viewer of it (열람자) may use it whatever their role
    units: bool = False  # an admin of some units (소속 관리자) may use it for those units' people, whatever its role


# In the order 도움말 lists them; a message takes the longest word it starts with.
WORDS: list[Word] = [
    Word("신청 목록", "신청 목록"),
    Word("신청", "신청 <제목>"),
    Word("내 신청", "내 신청"),
    Word("신청 수정", "신청 수정 <제목>", needs_title=True),
    Word("신청 취소", "신청 취소 <제목>", needs_title=True),
    Word("등록", "등록 <소속> <이름> [확인번호]", glued=True),
    Word("탈퇴", "탈퇴", alone=True),
    Word("파일 받기", alone=True),
    Word("신청 만들기", "신청 만들기", ADMIN, "create"),
    Word("내 신청서", "내 신청서", ADMIN, "my_surveys"),
    Word("현황", "현황 <제목>", ADMIN, "status", needs_title=True, views=True, units=True),
    Word("미응답", "미응답 <제목>", ADMIN, "missing", needs_title=True, units=True),
    Word("마감", "마감 <제목>", ADMIN, "close", needs_title=True),
    Word("재개", "재개 <제목>", ADMIN, "reopen", needs_title=True),
    Word("연장", "연장 <제목> <언제>", ADMIN, "extend", needs_title=True),
    Word("복사", "복사 <제목>", ADMIN, "copy", needs_title=True),
    Word("예약", "예약 <제목> <언제>", ADMIN, "schedule", needs_title=True),
    Word("반복", "반복 <제목> <매주 월 9시>", ADMIN, "repeat", needs_title=True),
    Word("반복 중지", "반복 중지 <제목>", ADMIN, "repeat_stop", needs_title=True),
    Word("보관 연장", "보관 연장 <제목>", ADMIN, "keep_longer", needs_title=True),
    Word("삭제", "삭제 <제목>", ADMIN, "delete", needs_title=True),
    Word("알림", "알림 <제목>", ADMIN, "remind", needs_title=True, units=True),
    Word("다운로드", "다운로드 <제목>", ADMIN, "download", needs_title=True, views=True, units=True),
    Word("결과 보기", "결과 보기 <제목>", ADMIN, "report", needs_title=True, views=True, units=True),
    Word("공동관리자", "공동관리자 <제목> <이름>", ADMIN, "add_coadmin", needs_title=True),
    Word("열람자", "열람자 <제목> <이름>", ADMIN, "add_viewer", needs_title=True),
    Word("대리 응답", "대리 응답 <제목> <이름>", ADMIN, "proxy_answer", needs_title=True),
    Word("대리 응답 취소", "대리 응답 취소 <제목> <이름>", ADMIN, "proxy_withdraw", needs_title=True),
    Word("관리자 등록", "관리자 등록 <이름>", SUPER, "grant_admin"),
    Word("관리자 해제", "관리자 해제 <이름>", SUPER, "revoke_admin"),
    Word("관리자 목록", "관리자 목록", SUPER, "list_admins"),
    Word("소속 관리자", "소속 관리자 <소속> <이름>", SUPER, "grant_unit_admin"),
    Word("마스터키", "마스터키", SUPER, "master_key"),
    Word("명단", "명단 · 명단 <소속>", SUPER, "roster", units=True),
    Word("명단 밖", "명단 밖", SUPER, "roster_loose"),
    Word("명단 올리기", "명단 올리기", SUPER, "roster_upload", alone=True),
    Word("명단 반영", "명단 반영", SUPER, "roster_load"),
    Word("명단 정리", "명단 정리", SUPER, "roster_purge", alone=True),
    Word("명단 추가", "명단 추가 <소속> <이름> [확인번호], <이름>", SUPER, "roster_add"),
    Word("명단 삭제", "명단 삭제 <소속> <이름>", SUPER, "roster_remove"),
    Word("등록 해제", "등록 해제 <이름>", SUPER, "release_registration"),
    Word("잠금 해제", "잠금 해제 <소속> <이름>", SUPER, "roster_unlock"),
]
_LONGEST_FIRST = sorted(WORDS, key=lambda c: -len(c.word))
VIEWS = {c.word for c in WORDS if c.views}  # what a viewer (열람자) may do with the survey they view
UNIT_WORDS = {c.word for c in WORDS if c.units and c.needs_title}  # what an admin of some units may do with others'

# Words that work in every state, and words of the flows (answering, the review card, a confirmation).
MENU_WORDS = {"메뉴", "도움말", "처음", "시작", "홈", "menu", "help", "?"}
HELP_WORDS = {"도움말", "help", "?"}
ANSWER_WORDS = {"제출", "이전", "건너뛰기", "수정"}  # of the answer flow and its review card
CONFIRM_WORDS = {"취소", "예", "아니오"}  # of a pending question (취소 also leaves any flow)
FLOW_WORDS = ANSWER_WORDS | CONFIRM_WORDS
ROLE_TITLES = {ADMIN: "관리자", SUPER: "슈퍼관리자"}


def match(text: str) -> tuple[Word | None, str]:
    """The command ``text`` starts with (the longest word wins) and its argument; a command of two words
    also typed without the space between them ('신청목록', '관리자등록 김철수')."""
    for c in _LONGEST_FIRST:
        if text == c.word:
            return c, ""
        if c.alone:
            continue
        if text.startswith(c.word + " ") or (c.glued and text.startswith(c.word)):
            return c, text[len(c.word) :].strip()
    for c in _LONGEST_FIRST:
        joined = c.word.replace(" ", "")
        if joined == c.word:
            continue
        if text == joined:
            return c, ""
        if not c.alone and text.startswith(joined + " "):
            return c, text[len(joined) :].strip()
    return None, ""


def trailing(text: str, role: int, viewer: bool = False) -> tuple[Word, str] | None:
    """A command typed after its title ('송년회 현황', 'BBQ 회식 신청 취소'): the command (one this role may use,
    about a survey; a viewer's reading commands too) and the title; None otherwise."""
    for c in _LONGEST_FIRST:
        if (c.role > role and not (viewer and c.views)) or not (c.needs_title or c.word == "신청"):
            continue
        if text.endswith(" " + c.word):
            title = text[: -len(c.word)].strip()
            if title:
                return c, title
    return None


def near(text: str, role: int) -> list[str]:
    """What a message that is no command may have meant: commands this role may use whose word is a typo
    away from the message's first words, with the rest of the message kept ('헌황 BBQ' → '현황 BBQ')."""

    usable = [c for c in WORDS if c.role <= role and c.usage]
    found: list[str] = []
    for head in heads(text, [c.word for c in usable]):
        rest = text[len(head) :].strip()
        for c in closest(head, [(c.word, c) for c in usable]):
            if c.alone and rest:
                continue
            found.append(f"{c.word} {rest}".strip())
    return list(dict.fromkeys(found))


def word_of(text: str) -> str:
    """What a log line may say of a message: the command or flow word, never what follows it."""
    c, _ = match(text)
    if c is not None:
        return c.word
    return text if text in MENU_WORDS or text in FLOW_WORDS else "(text)"


def help_lines(role: int, viewer: bool = False) -> list[str]:
    """도움말: the commands this role may use, a line per role (and a viewer's reading commands)."""

    def listed(r: int) -> str:
        return " · ".join(c.usage for c in WORDS if c.role == r and c.usage)

    lines = [f"명령어: {listed(MEMBER)}\n답하는 중에는 이전 · 건너뛰기 · 취소, 끝에서 제출 · 수정."]
    if viewer and role < ADMIN:
        lines.append("열람자: " + " · ".join(c.usage for c in WORDS if c.views))
    lines += [f"{ROLE_TITLES[r]}: {listed(r)}" for r in (ADMIN, SUPER) if role >= r]
    return lines


def title_hint(c: Word, is_admin: bool) -> str:
    """Where to find the title a command needs: the member's or the admin's own list."""
    if c.role == MEMBER:
        return "내 신청"
    return "내 신청서" if is_admin else "메뉴"


def reads_as_command(title: str) -> bool:
    """A survey title that would be read as something else when typed: a menu or flow word, a
    command that acts without a title ('탈퇴', '등록금 납부' registering a name), or a title that
    turns '신청 <제목>' into another 신청 command ('목록 정리')."""
    if title in MENU_WORDS or title in FLOW_WORDS:
        return True
    c, _ = match(title)
    if c is not None and not c.needs_title:
        return True
    first = title.split()[0] if title.split() else ""
    return any(c.word == f"신청 {first}" for c in WORDS)
