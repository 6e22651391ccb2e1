"""The roster's upkeep: one person off it (명단 삭제), what the last load did and clearing its removals, 등록 해제,
and unlocking an entry closed by wrong guesses."""

from __future__ import annotations

from chalicelib.domain import roster_load
from chalicelib.domain.admin_roles import exact, find_person, which_person
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import RemoveMissing
from chalicelib.domain.marks import entry_mark
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.roster import matched_unit, release_on_leave
from chalicelib.domain.roster_records import RosterEntry
from chalicelib.domain.roster_writes import LiftEntryLock, SetRosterUnits, TakeRemovals
from chalicelib.domain.session import Action, Session
from chalicelib.domain.titles import PAGE, split_page
from chalicelib.domain.writes import DeleteUser, Write

PURGE_SHOWN = 10  # people 명단 정리 names in its question before pointing to 명단 반영


def _entries_named(ctx: Ctx, arg: str) -> tuple[str, list[RosterEntry]]:
    """'<소속> <이름>[#표시]' (or '<이름>#표시') -> the unit as typed and the entries it may mean."""
    text, _, mark = arg.partition("#")
    words = text.split()
    if not words:
        return "", []
    name, typed = words[-1], "".join(words[:-1])
    units = ctx.db.roster_units()
    if typed:
        unit, _ = matched_unit(typed, units)
        found = ctx.db.roster_entries(unit, name) if unit else []
    else:
        found = [e for e in ctx.db.roster_entries() if e.name == name]
    if mark.strip():
        found = [e for e in found if entry_mark(e).startswith(mark.strip())]
    return typed, found


def ask_remove(ctx: Ctx, arg: str) -> Outcome:
    """명단 삭제 <소속> <이름>: one person off the roster, after 예 (a choice first when the name is shared)."""
    if not arg:
        return Outcome(Reply.say("소속과 이름을 붙여 주세요. 예: 명단 삭제 2중대 홍길동", quick=["명단", "메뉴"]))
    _, found = _entries_named(ctx, arg)
    if not found:
        return Outcome(Reply.say(f"명단에서 '{arg}'{pp(arg, '을(를)')} 찾지 못했어요.", quick=["명단", "메뉴"]))
    if len(found) > 1:
        lines = [f"'{arg}'에 맞는 사람이 {len(found)}명이에요. 누구인가요?"]
        refs = [f"{e.unit} {e.name}#{entry_mark(e)}" for e in found[:8]]
        lines += [f"• {r}" + (" (등록됨)" if e.claimed_by else "") for r, e in zip(refs, found, strict=False)]
        quick: list[QuickLike] = [
            Quick(f"{e.name[:5]} #{entry_mark(e)}", f"명단 삭제 {r}") for r, e in zip(refs, found, strict=False)
        ]
        return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))
    e = found[0]
    who = f"{e.unit} {e.name}#{entry_mark(e)}"
    note = " 등록한 사람이라 등록은 그대로 남고 '명단에 없는 등록자'가 돼요." if e.claimed_by else ""
    return ctx.ask_first(Action.ROSTER_REMOVE, f"{who}님을 명단에서 뺄까요?{note}", sid=e.entry, title=who)


def remove_one(ctx: Ctx, session: Session, key: str) -> Outcome:
    """The 예 to 명단 삭제: taken off (kept aside when anyone registered as them), the unit's count with it."""
    unit, _, rest = key.partition("#")
    found = [e for e in ctx.db.roster_entries(unit, rest.split("#")[0]) if e.entry == key]
    if not found:
        return Outcome(Reply.say("이미 명단에 없는 사람이에요.", quick=["명단", "메뉴"]), session=session)
    e = found[0]
    info = ctx.db.roster_info()
    units = dict(info.units)
    units[e.unit] = units.get(e.unit, 1) - 1
    units = {u: n for u, n in units.items() if n > 0}
    writes: list[Write] = [
        *roster_load.removal_writes([e]),
        SetRosterUnits(units, info.checks),
        ctx.audit("roster_remove", e.unit, "-1"),
    ]
    after = " 등록은 그대로예요('명단 밖')." if e.claimed_by else ""
    return Outcome(
        Reply.say(f"{e.unit} {e.name}#{entry_mark(e)}님을 명단에서 뺐어요.{after}", quick=[f"명단 {e.unit}", "메뉴"]),
        session=session,
        writes=writes,
    )


def unlock(ctx: Ctx, arg: str) -> Outcome:
    """잠금 해제 <소속> <이름>: an entry locked after many wrong guesses takes registrations again (its count starts
    afresh); the super admin has made sure the real person is the one trying."""
    if not arg:
        return Outcome(Reply.say("소속과 이름을 붙여 주세요. 예: 잠금 해제 2중대 홍길동", quick=["명단", "메뉴"]))
    _, found = _entries_named(ctx, arg)
    now = int(ctx.now.timestamp())
    locked = [e for e in found if e.locked > now]
    if not locked:
        said = (
            f"'{arg}'{pp(arg, '은(는)')} 잠겨 있지 않아요."
            if found
            else f"명단에서 '{arg}'{pp(arg, '을(를)')} 찾지 못했어요."
        )
        return Outcome(Reply.say(said, quick=["명단", "메뉴"]))
    writes: list[Write] = [LiftEntryLock(e.entry) for e in locked]
    writes += [ctx.audit("roster_unlock", e.unit, entry_mark(e)) for e in locked]
    who = ", ".join(f"{e.unit} {e.name}#{entry_mark(e)}" for e in locked)
    return Outcome(Reply.say(f"{who}님이 다시 등록할 수 있어요.", quick=["명단", "메뉴"]), writes=writes)


def last_load(ctx: Ctx, arg: str) -> Outcome:
    """명단 반영 [쪽]: every person the last load changed, a line each, and who it would take off."""
    _, page = split_page(f"x {arg}".strip())
    result = ctx.db.last_load(int(ctx.now.timestamp()))
    if result is None:
        return Outcome(Reply.say("최근 하루 안에 반영한 명단 파일이 없어요.", quick=["명단", "메뉴"]))
    lines = ctx.db.load_lines(result.token)
    start = (page - 1) * PAGE
    head = f"지난 명단 반영: {result.summary}" + (f" ({page}쪽)" if page > 1 else "")
    if result.taken:
        head += "\n(파일에 없던 사람은 명단에서 뺐어요.)"
    body = "\n".join(lines[start : start + PAGE]) or "바뀐 사람이 없어요."
    quick: list[QuickLike] = []
    if len(lines) > start + PAGE:
        quick.append(Quick("더보기", f"명단 반영 {page + 1}"))
    if result.removals and not result.taken:
        quick.append(Quick("명단 정리"))
    return Outcome(Reply.say(head, body, quick=[*quick, "명단", "메뉴"]))


def ask_purge(ctx: Ctx, arg: str) -> Outcome:
    """명단 정리: take off the people the last load found missing, after a yes (the number, for a partial file)."""
    result = ctx.db.last_load(int(ctx.now.timestamp()))
    if result is None or not result.removals or result.taken:
        return Outcome(Reply.say("뺄 사람이 기다리고 있지 않아요.", quick=["명단", "메뉴"]))
    gone = [line.split(": ", 1)[1] for line in ctx.db.load_lines(result.token) if line.startswith("삭제")]
    more = f" 외 {len(gone) - PURGE_SHOWN}명" if len(gone) > PURGE_SHOWN else ""
    lines = [
        f"지난 명단 파일에 없던 {result.removals}명을 명단에서 뺄까요? 등록한 사람은 등록이 그대로 남아요.",
        f"{', '.join(gone[:PURGE_SHOWN])}{more} (모두 보기: '명단 반영')",
    ]
    if result.partial:
        share = round(100 * result.removals / result.before) if result.before else 100
        words = f"{result.removals}명 빼기"
        lines.append(
            f"명단의 {share}%예요. 파일이 명단의 일부만 담은 것 같아요. 정말 빼려면 '{words}'라고 직접 보내 주세요."
        )
        session = ctx.state()
        session.confirm(Action.ROSTER_PURGE, result.token, words)
        return Outcome(Reply.say(*lines, quick=[Quick("명단 반영"), "아니오"]), session=session)
    return ctx.ask_first(Action.ROSTER_PURGE, *lines, sid=result.token)


def purge(ctx: Ctx, session: Session, token: str) -> Outcome:
    """The yes to 명단 정리: the list is taken (once, and only if no later load replaced it); the work goes on in
    the background and its end is told on the next message."""
    result = ctx.db.last_load(int(ctx.now.timestamp()))
    if result is None or result.token != token or result.taken:
        return Outcome(
            Reply.say(
                "그사이 다른 명단이 반영됐어요. '명단 반영'으로 다시 확인해 주세요.", quick=["명단 반영", "메뉴"]
            ),
            session=session,
        )
    return Outcome(
        Reply.say(
            f"{result.removals}명을 명단에서 빼고 있어요. 끝나면 다음 메시지에 알려 드려요.", quick=["명단", "메뉴"]
        ),
        session=session,
        writes=[TakeRemovals(token), ctx.audit("roster_purge", "upload", str(result.removals))],
        effects=[RemoveMissing(token)],
    )


def release(ctx: Ctx, arg: str) -> Outcome:
    """등록 해제 <이름>: names the exact person and asks 예 first."""
    if not arg:
        return Outcome(Reply.say("이름을 붙여 주세요. 예: 등록 해제 홍길동", quick=["명단", "메뉴"]))
    person, many = find_person(ctx, arg)
    if person is None:
        return which_person("등록 해제", arg, many)
    if person.key == ctx.key:
        return Outcome(Reply.say("자기 자신의 등록은 '탈퇴'로 해제해요.", quick=["메뉴"]))
    if person.is_super:
        return Outcome(Reply.say("슈퍼관리자의 등록은 채팅으로 해제할 수 없어요.", quick=["메뉴"]))
    who = exact(ctx, person)
    return ctx.ask_first(
        Action.RELEASE,
        f"{who}님의 등록을 해제할까요? 새 휴대폰에서 다시 등록하면 제출한 답이 그대로 이어져요.",
        sid=person.key,
        title=who,
    )


def released(ctx: Ctx, session: Session, key: str) -> Outcome:
    """The 예 to 등록 해제: the account goes and its roster entry is free to claim again; answers stay the person's."""
    person = ctx.db.get_user(key)
    if person is None:
        return Outcome(Reply.say("이미 등록이 해제된 사람이에요.", quick=["명단", "메뉴"]), session=session)
    if person.is_super:
        return Outcome(Reply.say("슈퍼관리자의 등록은 채팅으로 해제할 수 없어요.", quick=["메뉴"]), session=session)
    writes: list[Write] = [DeleteUser(person.key, person.version), *release_on_leave(ctx, person)]
    writes.append(ctx.audit("release_registration", person.key, person.unit))
    return Outcome(
        Reply.say(
            f"{person.label()}님의 등록을 해제했어요. 새 휴대폰에서 다시 '등록'하면 돼요. 제출한 답은 그대로예요.",
            quick=["명단", "메뉴"],
        ),
        session=session,
        writes=writes,
    )
