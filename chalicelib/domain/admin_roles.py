"""People by name: finding one person when names are shared, and the super admin's commands on people.

Same-named people are told apart by their mark (domain.marks), the one 명단, 미응답 and the exports
show: a choice between two 김민수 of 2중대 reads '2중대 김민수#069e77' and '2중대 김민수#52107d', and
its chips send exactly that. A command that changes someone (관리자 등록, 관리자 해제, 등록 해제) names
the exact person and asks 예 first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.marks import entry_mark, person_mark
from chalicelib.domain.model import ADMIN, MEMBER, ROLE_NAMES, User
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.session import Action, Session
from chalicelib.domain.titles import main_quick
from chalicelib.domain.writes import PutUser


def mark_of(ctx: Ctx, u: User) -> str:
    """``u``'s mark: their roster entry's, or one made from their person key."""
    if u.roster:
        unit, _, rest = u.roster.partition("#")
        name = rest.split("#")[0]
        for e in ctx.db.roster_entries(unit, name):
            if e.entry == u.roster:
                return entry_mark(e)
    return person_mark(u.person_key)


def find_person(ctx: Ctx, text: str) -> tuple[User | None, list[tuple[User, str]]]:
    """'홍길동', '홍길동(2중대)', '2중대 홍길동' or '홍길동#069e77' -> the one person, or the candidates with their
    marks."""
    name, unit, mark = text.strip(), "", ""
    if "#" in name:
        name, _, mark = name.partition("#")
    if name.endswith(")") and "(" in name:
        name, _, unit = name[:-1].partition("(")
    if " " in name.strip():
        unit, _, name = name.strip().rpartition(" ")
    name, unit, mark = name.strip(), "".join(unit.split()), mark.strip()
    people = ctx.db.find_users_by_name(name)
    if unit:
        people = [u for u in people if "".join(u.unit.split()) == unit]
    marked_people = [(u, mark_of(ctx, u)) for u in people]
    if mark:
        marked_people = [(u, m) for u, m in marked_people if m.startswith(mark) or u.key.startswith(mark)]
    if len(marked_people) == 1:
        return marked_people[0][0], []
    return None, marked_people


def person_ref(u: User, mark: str, among: Sequence[tuple[User, str]]) -> str:
    """How a chip names ``u`` among people of the same name: '2중대 김민수', or with the mark where the unit repeats."""
    units = Counter("".join(x.unit.split()) for x, _ in among)
    label = f"{u.unit} {u.name}".strip()
    return f"{label}#{mark}" if units["".join(u.unit.split())] > 1 or not u.unit else label


def chip(u: User, mark: str, among: Sequence[tuple[User, str]]) -> str:
    """A chip's label (14 characters at most): '2중대 김민수', or '김민수 #069e77' where the unit repeats (the mark
    stays on the label, while the text sent carries it the way survey ids ride)."""
    ref = person_ref(u, mark, among)
    if "#" not in ref:
        return ref[:14]
    return f"{u.name[: 14 - len(mark) - 2]} #{mark}"


def which_person(cmd: str, name: str, people: Sequence[tuple[User, str]]) -> Outcome:
    """No one, or several people, answer to ``name``: say so, with one quick reply each (they always differ)."""
    if not people:
        return Outcome(
            Reply.say(f"'{name}'{pp(name, '(으)로')} 등록된 사람이 없어요. 이름을 확인해 주세요.", quick=["메뉴"])
        )
    shown = people[:8]
    quick: list[QuickLike] = [Quick(chip(u, m, people), f"{cmd} {person_ref(u, m, people)}") for u, m in shown]
    lines = [f"'{name}'{pp(name, '이(가)')} {len(people)}명이에요. 누구인가요?"]
    lines += [f"• {u.unit} {u.name}#{m}".strip() for u, m in shown]
    return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))


def exact(ctx: Ctx, u: User) -> str:
    """'2중대 김민수#069e77': the person a question asks about, beyond doubt."""
    return f"{u.label()}#{mark_of(ctx, u)}"


def set_admin(ctx: Ctx, arg: str, grant: bool) -> Outcome:
    """관리자 등록 / 관리자 해제 <이름> (super admin only): names the person and asks 예 first."""
    cmd = "관리자 등록" if grant else "관리자 해제"
    if not arg:
        return Outcome(Reply.say(f"이름을 붙여 주세요. 예: {cmd} 홍길동", quick=["관리자 목록", "메뉴"]))
    person, many = find_person(ctx, arg)
    if person is None:
        return which_person(cmd, arg, many)
    refused = _not_changeable(ctx, person, grant)
    if refused is not None:
        return refused
    who = exact(ctx, person)
    question = f"{who}님을 관리자로 등록할까요?" if grant else f"{who}님을 관리자에서 해제할까요?"
    action = Action.GRANT if grant else Action.REVOKE
    return ctx.ask_first(action, question, sid=person.key, title=who)


def _not_changeable(ctx: Ctx, person: User, grant: bool) -> Outcome | None:
    if person.key == ctx.key:
        return Outcome(Reply.say("자기 자신의 등급은 바꿀 수 없어요.", quick=["관리자 목록", "메뉴"]))
    if person.is_super:
        return Outcome(Reply.say("슈퍼관리자의 등급은 채팅으로 바꿀 수 없어요.", quick=["관리자 목록", "메뉴"]))
    if grant and person.scoped:  # an admin of some units: made an admin of every unit only after 관리자 해제
        return Outcome(
            Reply.say(
                f"{person.label()}님은 {', '.join(person.units)}의 소속 관리자예요. 모든 소속의 관리자로 바꾸려면 "
                f"먼저 '관리자 해제 {person.name}'{pp(person.name, '을(를)')} 해 주세요.",
                quick=["관리자 목록", "메뉴"],
            )
        )
    if grant == person.is_admin:
        state = "이미 관리자예요" if grant else "관리자가 아니에요"
        return Outcome(Reply.say(f"{person.label()}님은 {state}.", quick=["관리자 목록", "메뉴"]))
    return None


def change_admin(ctx: Ctx, session: Session, key: str, grant: bool) -> Outcome:
    """The 예 to 관리자 등록 / 해제: read afresh (someone may have changed them meanwhile), then done."""
    person = ctx.db.get_user(key)
    if person is None:
        return Outcome(Reply.say("그사이 등록이 해제된 사람이에요.", quick=["관리자 목록", "메뉴"]), session=session)
    if not ctx.member.is_super:
        return Outcome(Reply.say("슈퍼관리자만 할 수 있어요.", quick=main_quick(ctx.user)), session=session)
    refused = _not_changeable(ctx, person, grant)
    if refused is not None:
        refused.session = session
        return refused
    person.role, person.units = (ADMIN if grant else MEMBER), []  # an admin of every unit, or none
    done = "관리자로 등록했어요" if grant else "관리자에서 해제했어요"
    return Outcome(
        Reply.say(f"{person.label()}님을 {done}.", quick=["관리자 목록", "메뉴"]),
        session=session,
        writes=[PutUser(person), ctx.audit("grant_admin" if grant else "revoke_admin", person.key, person.name)],
    )


def grant_admin(ctx: Ctx, arg: str) -> Outcome:
    return set_admin(ctx, arg, True)


def revoke_admin(ctx: Ctx, arg: str) -> Outcome:
    return set_admin(ctx, arg, False)


def granted(ctx: Ctx, session: Session, key: str) -> Outcome:
    return change_admin(ctx, session, key, True)


def revoked(ctx: Ctx, session: Session, key: str) -> Outcome:
    return change_admin(ctx, session, key, False)


def _role_name(u: User | None, role: int) -> str:
    return f"소속 관리자({', '.join(u.units)})" if u is not None else ROLE_NAMES[role]


def list_admins(ctx: Ctx, arg: str) -> Outcome:
    """관리자 목록: super admins first."""
    admins = sorted(ctx.db.list_admins(), key=lambda u: (-u.role, u.unit, u.name))
    if not admins:
        return Outcome(Reply.say("관리자가 없어요.", quick=["메뉴"]))
    scoped = {u.key: u for u in ctx.db.get_users([a.key for a in admins if a.role == ADMIN]) if u.scoped}
    lines = [f"관리자 {len(admins)}명"] + [f"• {a.label()} — {_role_name(scoped.get(a.key), a.role)}" for a in admins]
    return Outcome(Reply.say("\n".join(lines), quick=["관리자 등록", "관리자 해제", "메뉴"]))
