"""The admin's commands: what each does, and for a command about one of the admin's surveys, how that survey is
found before the handler runs (:mod:`chalicelib.domain.commands` has the member's, and runs these).

Imported on the first admin command a container serves, with the modules its handlers live in: a member's
messages never load them (:mod:`chalicelib.domain.later`). This table and the member's have one entry per word of
:mod:`chalicelib.domain.vocabulary` between them (tests/unit/test_readme.py checks it).
"""

from __future__ import annotations

from chalicelib.domain import (
    admin,
    admin_roles,
    copying,
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
from chalicelib.domain.context import About, Command

ADMIN_COMMANDS: dict[str, Command | About] = {
    "신청 만들기": Command(wizard.begin),
    "내 신청서": Command(admin.my_surveys),
    "현황": About(overview.status, targets.with_answers),
    "미응답": About(overview.missing, targets.paged),
    "마감": About(admin.ask_close, targets.survey),
    "재개": About(admin.reopen, targets.survey),
    "연장": About(admin.extend, targets.then_moment("언제까지인지", "연장 BBQ 회식 금요일 18시", lifts=True)),
    "복사": About(copying.copy_survey, targets.survey),
    "예약": About(scheduling.schedule, targets.then_moment("언제 열지", "예약 주간 식수 월요일 오전 9시")),
    "반복": About(scheduling.repeat, targets.then_rule),
    "반복 중지": About(scheduling.stop_repeat, targets.survey),
    "보관 연장": About(admin.keep_longer, targets.with_answers),
    "삭제": About(admin.ask_delete, targets.survey),
    "알림": About(remind.ask, targets.survey),
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
