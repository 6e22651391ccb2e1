"""소속 관리자: an admin of one or more units. A super admin makes them (`소속 관리자 <소속> <이름>`); they make
surveys for their units only, and of any survey that targets their units (by name, or everyone) they see 현황,
미응답, 결과 보기 and 다운로드 and send 알림 for their units' people only, and in 명단 only their units. Nothing
outside their units is shown to them: someone else's survey they read is narrowed to their units (its target, its
answers, its counts; places left and the cap, which count everyone, are left out); their own, made for their units,
is theirs whole."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from chalicelib.domain import roster_admin
from chalicelib.domain.admin_roles import exact, find_person, which_person
from chalicelib.domain.audience import people_of
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.kinds import option_deltas
from chalicelib.domain.model import ADMIN, Answer, Survey, SurveyInfo, User, in_target, target_units
from chalicelib.domain.particles import pp
from chalicelib.domain.ports import Reader
from chalicelib.domain.privacy import BATCH_KEY
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.roster import matched_unit
from chalicelib.domain.roster_records import unit_key
from chalicelib.domain.titles import about
from chalicelib.domain.vocabulary import UNIT_WORDS, VIEWS
from chalicelib.domain.writes import PutUser

CAN = "현황 · 미응답 · 결과 보기 · 다운로드 · 알림"


def units_of(u: User, s: Survey | SurveyInfo) -> list[str]:
    """The units of ``s``'s target that ``u``, an admin of some units, may see ([] none; everyone's survey: all
    of theirs)."""
    if not u.scoped:
        return []
    return [x for x in u.units if in_target(x, s.target_unit)]


def narrowed(s: Survey, units: Sequence[str]) -> Survey:
    """``s`` as someone who sees ``units`` only is shown it: its target those units; no cap or places left."""
    questions = [dataclasses.replace(q, capacity={}) for q in s.questions]
    return dataclasses.replace(s, target_unit=",".join(units), cap=None, questions=questions)


def answers_in(db: Reader, s: Survey, answers: Sequence[Answer]) -> tuple[Survey, list[Answer]]:
    """Of ``answers``, those of the people of ``s``'s (narrowed) target, and ``s`` with the counts of those."""
    people, _ = people_of(db, s.target_unit)
    ours = {p.person for p in people if p.person}
    kept = [a for a in answers if a.user_key in ours]
    counts = {k: 0 for k in s.option_counts if not k.startswith(BATCH_KEY)}
    for a in kept:
        for k, d in option_deltas(s.questions, {}, a.values).items():
            counts[k] = counts.get(k, 0) + d
    return dataclasses.replace(s, option_counts=counts, response_count=len(kept)), kept


def scope(ctx: Ctx, cmd: str, s: Survey) -> tuple[Survey, list[str] | None] | Outcome:
    """What an admin of some units sees of ``s`` for ``cmd``: the survey narrowed to their units and those units;
    (``s``, None) for anyone else, and for a survey of theirs whose target is within their units (it is theirs
    whole, cap and places left too, as any admin's own survey). A survey kept without names cannot be narrowed (its
    answers name nobody): only its own admins read it."""
    u = ctx.member
    if not u.scoped or cmd not in UNIT_WORDS:
        return s, None
    if cmd in VIEWS and u.key in s.viewers:  # a viewer (열람자) of it reads it whole, whatever units they have
        return s, None
    if s.managed_by(u) and s.target_unit and all(unit_key(x) in u.units for x in target_units(s.target_unit)):
        return s, None
    units = units_of(u, s)
    if not units:  # their own survey, for units no longer theirs: nothing of it is theirs to see
        return Outcome(
            Reply.say(f"'{s.title}'의 대상은 맡은 소속이 아니라서 볼 수 없어요.", quick=["내 신청서", "메뉴"]),
            writes=[ctx.audit("denied", s.id, cmd)],
        )
    if s.anonymous:
        return Outcome(
            Reply.say(
                f"'{s.title}'{pp(s.title, '은(는)')} 이름 없이 받는 신청이라 소속별로 나눠 볼 수 없어요. "
                "만든 관리자에게 부탁해 주세요.",
                quick=["내 신청서", "메뉴"],
            ),
            writes=[ctx.audit("denied", s.id, cmd)],
        )
    return narrowed(s, units), units


def refused(ctx: Ctx, s: Survey | SurveyInfo, cmd: str) -> Outcome:
    """A survey of their units that someone else manages, asked for more than reading: what they may do (audited)."""
    r = f"{s.title}#{s.id}"
    mine = ", ".join(units_of(ctx.member, s))
    return Outcome(
        Reply.say(
            f"'{s.title}'{pp(s.title, '은(는)')} 다른 관리자의 신청이에요. {cmd}{pp(cmd, '은(는)')} 만든 관리자에게 "
            f"부탁해 주세요. 소속 관리자는 {mine}의 {CAN}만 할 수 있어요.",
            quick=[*about(r, "현황", "미응답", "결과 보기", "다운로드"), "메뉴"],
        ),
        writes=[ctx.audit("denied", s.id, cmd)],
    )


def grant(ctx: Ctx, arg: str) -> Outcome:
    """소속 관리자 <소속>[,<소속>] <이름> (super admin): the person becomes an admin of those units (added to any
    they have); audited."""
    said, _, who = arg.strip().partition(" ")
    if not said or not who.strip():
        return Outcome(
            Reply.say("소속과 이름을 붙여 주세요. 예: 소속 관리자 2중대 홍길동", quick=["관리자 목록", "메뉴"])
        )
    units, why = _units(ctx, said)
    if why:
        return Outcome(Reply.say(why, quick=["명단", "관리자 목록", "메뉴"]))
    person, many = find_person(ctx, who.strip())
    if person is None:
        return which_person(f"소속 관리자 {said}", who.strip(), many)
    back: list[QuickLike] = ["관리자 목록", "메뉴"]
    if person.key == ctx.key or person.is_super:
        return Outcome(Reply.say("슈퍼관리자는 이미 모든 소속을 봐요. 등급은 바꾸지 않았어요.", quick=back))
    if person.is_admin and not person.units:
        return Outcome(
            Reply.say(
                f"{person.label()}님은 이미 모든 소속의 관리자예요. 소속 관리자로 바꾸려면 먼저 "
                f"'관리자 해제 {person.name}'{pp(person.name, '을(를)')} 해 주세요.",
                quick=back,
            )
        )
    added = [x for x in units if x not in person.units]
    if not added:
        return Outcome(Reply.say(f"{person.label()}님은 이미 {', '.join(units)}의 소속 관리자예요.", quick=back))
    person.role, person.units = ADMIN, [*person.units, *added]
    return Outcome(
        Reply.say(
            f"{exact(ctx, person)}님을 {', '.join(person.units)}의 소속 관리자로 정했어요. 그 소속 대상으로 신청을 "
            f"만들고, 그 소속을 대상으로 하는 신청의 {CAN}을 그 소속 사람에 한해 쓸 수 있어요.",
            quick=back,
        ),
        writes=[PutUser(person), ctx.audit("grant_unit_admin", person.key, ",".join(added))],
    )


def _units(ctx: Ctx, said: str) -> tuple[list[str], str]:
    """The units typed ('2중대', '1중대,2중대'), as the roster names them when there is one; or why not."""
    known = ctx.db.roster_units()
    out: list[str] = []
    for part in [p for p in said.replace("+", ",").split(",") if p.strip()]:
        unit = unit_key(part)
        if known:
            unit, near = matched_unit(part, known)
            if not unit:
                hint = f" 혹시 {', '.join(near)} 중 하나인가요?" if near else ""
                return [], f"'{part}'{pp(part, '은(는)')} 명단에 없는 소속이에요.{hint}"
        if unit == "전체":
            return [], "소속 관리자는 소속을 정해야 해요. 모든 소속을 맡기려면 '관리자 등록 <이름>'."
        out.append(unit)
    return list(dict.fromkeys(out)), ""


def roster(ctx: Ctx, arg: str) -> Outcome | None:
    """명단 of an admin of some units: their units only (None for a super admin, whose 명단 is everyone's)."""
    u = ctx.member
    if not u.scoped:
        return None
    if arg:
        unit, _ = matched_unit(arg.split()[0], u.units)
        if unit:
            return None  # one of their units: the roster's own view of it
        return Outcome(
            Reply.say(
                f"소속 관리자는 맡은 소속({', '.join(u.units)})의 명단만 볼 수 있어요.",
                quick=[*(Quick(f"명단 {x}"[:14], f"명단 {x}") for x in u.units[:8]), "메뉴"],
            ),
            writes=[ctx.audit("denied", "", "명단")],
        )
    if not ctx.db.roster_units():
        return Outcome(
            Reply.say(
                f"명단이 아직 없어요. 맡은 소속({', '.join(u.units)})의 등록한 사람과 응답은 "
                "'현황'과 '미응답'에서 봐요.",
                quick=["현황", "미응답", "메뉴"],
            )
        )
    lines = [f"맡은 소속 {len(u.units)}곳"]
    for x in u.units:
        entries = ctx.db.roster_entries(x)
        done = sum(1 for e in entries if e.claimed_by)
        lines.append(f"• {x}: {len(entries)}명 중 {done}명 등록")
    return Outcome(
        Reply.say("\n".join(lines), quick=[*(Quick(f"명단 {x}"[:14], f"명단 {x}") for x in u.units[:8]), "메뉴"])
    )


def show_roster(ctx: Ctx, arg: str) -> Outcome:
    """명단 · 명단 <소속>: the whole roster's (super admin), or an admin of some units' own."""
    return roster(ctx, arg) or roster_admin.show(ctx, arg)
