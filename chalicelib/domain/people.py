"""People by name: finding one person when names are shared, and the super admin's admin commands."""

from __future__ import annotations

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import ADMIN, MEMBER, ROLE_NAMES, User
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.words import pp
from chalicelib.domain.writes import PutUser


def find_person(ctx: Ctx, text: str) -> tuple[User | None, list[User]]:
    """'홍길동', '홍길동(2중대)' or '홍길동#3f9c1e' -> the one person, or the candidates."""
    name, unit, prefix = text.strip(), "", ""
    if "#" in name:
        name, _, prefix = name.partition("#")
    if name.endswith(")") and "(" in name:
        name, _, unit = name[:-1].partition("(")
    name = name.strip()
    people = ctx.db.find_users_by_name(name)
    if unit:
        people = [u for u in people if u.unit == unit.strip()]
    if prefix:
        people = [u for u in people if u.key.startswith(prefix.strip())]
    if len(people) == 1:
        return people[0], []
    return None, people


def person_ref(u: User, among: list[User]) -> str:
    """How a message names ``u`` among people of the same name: by unit, else by key prefix."""
    same_unit = [x for x in among if x.unit == u.unit]
    if len(same_unit) > 1 or not u.unit:
        return f"{u.name}#{u.key[:8]}"
    return f"{u.name}({u.unit})"


def which_person(cmd: str, name: str, people: list[User]) -> Outcome:
    """No one, or several people, answer to ``name``: say so, with one quick reply each."""
    if not people:
        return Outcome(
            Reply.say(f"'{name}'{pp(name, '(으)로')} 등록된 사람이 없어요. 이름을 확인해 주세요.", quick=["메뉴"])
        )
    quick: list[QuickLike] = [Quick(person_ref(u, people)[:14], f"{cmd} {person_ref(u, people)}") for u in people[:8]]
    lines = [f"'{name}'{pp(name, '이(가)')} {len(people)}명이에요. 누구인가요?"] + [
        f"• {u.label()}" for u in people[:8]
    ]
    return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))


def set_admin(ctx: Ctx, arg: str, grant: bool) -> Outcome:
    """관리자 등록 / 관리자 해제 <이름> (super admin only)."""
    cmd = "관리자 등록" if grant else "관리자 해제"
    if not arg:
        return Outcome(Reply.say(f"이름을 붙여 주세요. 예: {cmd} 홍길동", quick=["관리자 목록", "메뉴"]))
    person, many = find_person(ctx, arg)
    if person is None:
        return which_person(cmd, arg, many)
    if person.key == ctx.key:
        return Outcome(Reply.say("자기 자신의 등급은 바꿀 수 없어요.", quick=["관리자 목록", "메뉴"]))
    if person.is_super:
        return Outcome(Reply.say("슈퍼관리자의 등급은 채팅으로 바꿀 수 없어요.", quick=["관리자 목록", "메뉴"]))
    if grant == person.is_admin:
        state = "이미 관리자예요" if grant else "관리자가 아니에요"
        return Outcome(Reply.say(f"{person.label()}님은 {state}.", quick=["관리자 목록", "메뉴"]))
    person.role = ADMIN if grant else MEMBER
    done = "관리자로 등록했어요" if grant else "관리자에서 해제했어요"
    return Outcome(
        Reply.say(f"{person.label()}님을 {done}.", quick=["관리자 목록", "메뉴"]),
        writes=[PutUser(person), ctx.audit("grant_admin" if grant else "revoke_admin", person.key, person.name)],
    )


def grant_admin(ctx: Ctx, arg: str) -> Outcome:
    return set_admin(ctx, arg, True)


def revoke_admin(ctx: Ctx, arg: str) -> Outcome:
    return set_admin(ctx, arg, False)


def list_admins(ctx: Ctx, arg: str) -> Outcome:
    """관리자 목록: super admins first."""
    admins = sorted(ctx.db.list_admins(), key=lambda u: (-u.role, u.unit, u.name))
    if not admins:
        return Outcome(Reply.say("관리자가 없어요.", quick=["메뉴"]))
    lines = [f"관리자 {len(admins)}명"] + [f"• {u.label()} — {ROLE_NAMES[u.role]}" for u in admins]
    return Outcome(Reply.say("\n".join(lines), quick=["관리자 등록", "관리자 해제", "메뉴"]))
