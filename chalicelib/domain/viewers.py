"""Read-only viewers (열람자): an admin of a survey lets one person read its 현황, 결과 보기 and 다운로드, and nothing
else. The survey keeps its viewers (who may read it); the viewer's own item remembers it (so their commands find it
without reading every survey). A refusal tells a person what they may do instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import Managed, Survey, User
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.titles import main_quick
from chalicelib.domain.writes import AddViewer, PutUser

if TYPE_CHECKING:
    from chalicelib.domain.targets import Target


def grant(ctx: Ctx, t: Target) -> Outcome:
    """열람자 <제목> <이름>: the person may read the survey (현황, 결과 보기, 다운로드); audited."""
    from chalicelib.domain.admin_roles import find_person, which_person  # the admin's: imported on first use

    s, who = t.survey, t.rest
    if not who:
        return Outcome(
            Reply.say(
                f"열람할 사람의 이름을 붙여 주세요. 예: 열람자 {t.ref} 홍길동. "
                "열람자는 현황 · 결과 보기 · 다운로드만 볼 수 있어요.",
                quick=[Quick("현황", f"현황 {t.ref}"), "메뉴"],
            )
        )
    person, many = find_person(ctx, who)
    if person is None:
        return which_person(f"열람자 {t.ref}", who, many)
    back: list[QuickLike] = [Quick("현황", f"현황 {t.ref}"), "내 신청서", "메뉴"]
    if s.managed_by(person):
        return Outcome(
            Reply.say(
                f"{person.label()}님은 이미 '{s.title}'{pp(s.title, '을(를)')} 관리하고 있어서 "
                "열람자로 둘 필요가 없어요.",
                quick=back,
            )
        )
    if person.key in s.viewers:
        return Outcome(
            Reply.say(f"{person.label()}님은 이미 '{s.title}'의 열람자예요.", quick=back),
        )
    return Outcome(
        Reply.say(
            f"{person.label()}님이 '{s.title}'의 열람자가 되었어요. 현황 · 결과 보기 · 다운로드만 볼 수 있고 "
            "마감, 재개, 연장, 삭제, 알림은 할 수 없어요.",
            quick=back,
        ),
        writes=[AddViewer(s.id, person.key), _remembered(person, s, ctx), ctx.audit("add_viewer", s.id, person.key)],
    )


def _remembered(person: User, s: Survey, ctx: Ctx) -> PutUser:
    person.viewing[s.id] = Managed(s.title, int(ctx.now.timestamp()))
    return PutUser(person)


def viewed_quick(u: User, limit: int = 2) -> list[QuickLike]:
    """The surveys a viewer reads most recently granted, one 현황 chip each."""
    newest = sorted(u.viewing.items(), key=lambda kv: (-kv[1].since, kv[0]))[:limit]
    return [Quick(f"{m.title} 현황", f"현황 {m.title}#{sid}") for sid, m in newest if sid not in u.managed]


def instead(u: User | None, what: str) -> tuple[str, list[QuickLike]]:
    """What a person refused a command for ``what`` (관리자, 슈퍼관리자) may do instead, and the chips for it."""
    if u is not None and u.viewing and not u.is_admin:
        return "열람하는 신청은 현황 · 결과 보기 · 다운로드로 볼 수 있어요.", [*viewed_quick(u), *main_quick(u)]
    if u is not None and u.is_admin:
        return "슈퍼관리자에게 부탁해 주세요. 내 신청서는 '내 신청서'에서 관리해요.", main_quick(u)
    return (
        f"신청서를 만들거나 관리하려면 {what}에게 부탁해 주세요. 답할 신청은 '신청 목록'에 있어요.",
        main_quick(u),
    )
