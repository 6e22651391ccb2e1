"""What each command does: its handler, and for a command about one of the admin's surveys, how that survey is
found before the handler runs.

The words, their grammar and how 도움말 lists them are in :mod:`chalicelib.domain.vocabulary`; this table has
one entry per word there (checked at import). A command about a survey names a finder of
:mod:`chalicelib.domain.targets`: the dispatcher runs it, gives its reply when it has one (a choice, not found,
a refusal), and otherwise hands the handler the survey as a :class:`~chalicelib.domain.targets.Target`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from chalicelib.domain import (
    account,
    admin,
    admin_roles,
    answering,
    copying,
    member_lists,
    overview,
    proxy,
    remind,
    roster_admin,
    roster_upkeep,
    scheduling,
    submitting,
    targets,
    unit_admins,
    viewers,
    wizard,
)
from chalicelib.domain.context import Ctx, Handler, Outcome
from chalicelib.domain.targets import Finder, Target
from chalicelib.domain.vocabulary import WORDS


class Command(NamedTuple):
    """A handler of the argument as typed."""

    run: Handler


class About(NamedTuple):
    """A handler of one of the admin's surveys, found by ``takes`` (with the near-miss offer) before it runs."""

    run: Callable[[Ctx, Target], Outcome]
    takes: Finder = targets.survey


COMMANDS: dict[str, Command | About] = {
    "신청 목록": Command(member_lists.list_open),
    "신청": Command(answering.start),
    "내 신청": Command(member_lists.list_mine),
    "신청 수정": Command(answering.start_edit),
    "신청 취소": Command(submitting.ask_withdraw),
    "등록": Command(account.register),
    "탈퇴": Command(account.ask_leave),
    "파일 받기": Command(account.collect_files),
    "신청 만들기": Command(wizard.begin),
    "내 신청서": Command(admin.my_surveys),
    "현황": About(overview.status, targets.with_answers),
    "미응답": About(overview.missing, targets.paged),
    "마감": About(admin.ask_close),
    "재개": About(admin.reopen),
    "연장": About(admin.extend, targets.then_moment("언제까지인지", "연장 BBQ 회식 금요일 18시", lifts=True)),
    "복사": About(copying.copy_survey),
    "예약": About(scheduling.schedule, targets.then_moment("언제 열지", "예약 주간 식수 월요일 오전 9시")),
    "반복": About(scheduling.repeat, targets.then_rule),
    "반복 중지": About(scheduling.stop_repeat),
    "보관 연장": About(admin.keep_longer, targets.with_answers),
    "삭제": About(admin.ask_delete),
    "알림": About(remind.ask),
    "다운로드": About(overview.download, targets.with_answers),
    "결과 보기": About(overview.results_page, targets.with_answers),
    "공동관리자": About(admin.coadmin, targets.then_name),
    "열람자": About(viewers.grant, targets.then_name),
    "대리 응답": About(proxy.start, targets.then_name),
    "대리 응답 취소": About(submitting.ask_proxy_withdraw, targets.then_name),
    "관리자 등록": Command(admin_roles.grant_admin),
    "관리자 해제": Command(admin_roles.revoke_admin),
    "관리자 목록": Command(admin_roles.list_admins),
    "소속 관리자": Command(unit_admins.grant),
    "마스터키": Command(overview.master_key),
    "명단": Command(unit_admins.show_roster),
    "명단 밖": Command(roster_admin.off_roster),
    "명단 올리기": Command(roster_admin.upload),
    "명단 반영": Command(roster_upkeep.last_load),
    "명단 정리": Command(roster_upkeep.ask_purge),
    "명단 추가": Command(roster_admin.add),
    "명단 삭제": Command(roster_upkeep.ask_remove),
    "등록 해제": Command(roster_upkeep.release),
    "잠금 해제": Command(roster_upkeep.unlock),
}
if set(COMMANDS) != {w.word for w in WORDS}:  # a word without a handler, or a handler without a word
    raise TypeError(f"commands and words differ: {sorted(set(COMMANDS) ^ {w.word for w in WORDS})}")


def run(ctx: Ctx, word: str, arg: str) -> Outcome:
    """Do the command ``word`` with ``arg`` (the role is checked by the caller)."""
    c = COMMANDS[word]
    if isinstance(c, Command):
        return c.run(ctx, arg)
    found = c.takes(ctx, word, arg)
    return found if isinstance(found, Outcome) else c.run(ctx, found)
