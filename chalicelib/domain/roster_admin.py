"""The super admin's roster commands: 명단, 명단 밖, 명단 추가, 명단 삭제, 명단 올리기 and what a load did
(명단 반영), taking off the people a load found missing (명단 정리), and 등록 해제.

Nobody is taken off the roster without a yes to a list that names them; a file that would take off more
than a fifth of the roster is named as probably partial and needs the number typed, not a tap.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from chalicelib.domain import roster_load
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import ImportRoster, ShowUploadPage
from chalicelib.domain.marks import entry_mark, marked, person_mark
from chalicelib.domain.model import Member
from chalicelib.domain.parsing import valid_person_name
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.roster import check_matches, clean_check, matched_unit
from chalicelib.domain.roster_records import RosterEntry, unit_key
from chalicelib.domain.roster_writes import SetRosterUnits
from chalicelib.domain.titles import split_page
from chalicelib.domain.writes import Write

PAGE = 60  # people a page of 명단 <소속>, 명단 밖 or 명단 반영 lists
MAX_ADD = 20  # names one 명단 추가 may carry
LOOSE_SHOWN = 10  # off-roster registrants 명단 names before pointing to 명단 밖
UPLOAD_MINUTES = 10  # how long an upload page takes a file
_SEPARATORS = re.compile(r"[\s,;、·]+")


# --- 명단 ----------------------------------------------------------------------------------------


def _loose(entries: Sequence[RosterEntry], members: Sequence[Member]) -> list[Member]:
    """Registered people no roster entry holds: registered before the roster, or taken off it since."""
    held = {e.claimed_by for e in entries if e.claimed_by}
    return [m for m in members if m.key not in held]


def _loose_marks(ctx: Ctx, loose: Sequence[Member]) -> dict[str, str]:
    """Their marks, made from their person keys as 미응답 and the exports make them (a later phone's is not its key)."""
    return {u.key: person_mark(u.person_key) for u in ctx.db.get_users([m.key for m in loose])}


def _labels(entries: Sequence[RosterEntry], among: Sequence[RosterEntry]) -> list[str]:
    """Names, with the mark where one unit has the name twice."""
    names = Counter(e.name for e in among)
    return [marked(e.name, entry_mark(e), names[e.name] > 1) for e in entries]


def show(ctx: Ctx, arg: str) -> Outcome:
    """명단 · 명단 <소속>: head counts per unit and how many registered, or one unit's people."""
    units = ctx.db.roster_units()
    if not units:
        return Outcome(
            Reply.say(
                "명단이 아직 없어요. '명단 추가 <소속> <이름>, <이름>'으로 넣거나 '명단 올리기'로 파일을 올려요.",
                quick=["명단 올리기", "메뉴"],
            )
        )
    if not arg:
        return _overview(ctx, units)
    wanted, page = split_page(arg)
    unit, near = matched_unit(wanted, units)
    if not unit and page > 1:  # a unit whose name ends in a number
        (unit, near), page = matched_unit(arg, units), 1
    if not unit:
        quick: list[QuickLike] = [Quick(f"명단 {u}"[:14], f"명단 {u}") for u in near]
        return Outcome(Reply.say(f"'{arg}'{pp(arg, '은(는)')} 명단에 없는 소속이에요.", quick=[*quick, "명단", "메뉴"]))
    entries = ctx.db.roster_entries(unit)
    registered = [e for e in entries if e.claimed_by]
    waiting = [e for e in entries if not e.claimed_by]
    loose = _loose(entries, ctx.db.list_members(unit))
    lines = [f"{unit} {len(entries)}명 · 등록 {len(registered)}명 · 미등록 {len(waiting)}명"]
    ordered = [("미등록", e) for e in waiting] + [("등록", e) for e in registered]  # who to chase first
    start = (page - 1) * PAGE
    shown = ordered[start : start + PAGE]
    for part in ("미등록", "등록"):
        names = _labels([e for p, e in shown if p == part], entries)
        if names:
            lines.append(f"{part}: " + ", ".join(names))
    now = int(ctx.now.timestamp())
    locked = [e for e in entries if e.locked > now]
    if locked:
        lines.append(
            "잠김(틀린 확인번호가 여러 번): " + ", ".join(_labels(locked, entries)) + " · '잠금 해제 <소속> <이름>'"
        )
    info = ctx.db.roster_info()
    unchecked = [e for e in waiting if not e.check] if info.checks else []
    if unchecked:
        lines.append(
            "확인번호가 없어 등록할 수 없음: "
            + ", ".join(_labels(unchecked, entries))
            + f" · '명단 추가 {unit} <이름> <확인번호>'"
        )
    if loose and page == 1:
        shown_marks = _loose_marks(ctx, loose[:LOOSE_SHOWN])
        lines.append(
            "명단에 없는 등록자: " + ", ".join(f"{m.name}#{shown_marks.get(m.key, '')}" for m in loose[:LOOSE_SHOWN])
        )
    steps: list[QuickLike] = ["명단", "메뉴"]
    if len(ordered) > start + PAGE:
        lines.append(f"({page}쪽 · {len(ordered)}명 중 {start + 1}–{start + len(shown)})")
        steps.insert(0, Quick("더보기", f"명단 {unit} {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=steps))


def _overview(ctx: Ctx, units: dict[str, int]) -> Outcome:
    everyone = ctx.db.roster_entries()
    claimed = Counter(e.unit for e in everyone if e.claimed_by)
    heads = Counter(e.unit for e in everyone)
    total, done = len(everyone), sum(claimed.values())
    lines = [f"명단 {total}명 · 등록 {done}명 · 미등록 {total - done}명"]
    lines += [f"• {u}: {n}명 중 {claimed.get(u, 0)}명 등록" for u, n in sorted(heads.items())]
    quick: list[QuickLike] = [Quick(f"명단 {u}"[:14], f"명단 {u}") for u in sorted(heads)[:6]]
    loose = _loose(everyone, ctx.db.list_members())
    if loose:
        shown = ", ".join(f"{m.unit} {m.name}".strip() for m in loose[:LOOSE_SHOWN])
        more = f" 외 {len(loose) - LOOSE_SHOWN}명" if len(loose) > LOOSE_SHOWN else ""
        lines.append(f"명단에 없는 등록자 {len(loose)}명: {shown}{more}")
        quick.insert(0, Quick("명단 밖"))
    last = ctx.db.last_load(int(ctx.now.timestamp()))
    if last is not None and last.removals and not last.taken:
        lines.append(
            f"지난 명단 파일에 없던 {last.removals}명이 빠지기를 기다려요. '명단 반영'으로 보고 '명단 정리'로 빼요."
        )
        quick[:0] = [Quick("명단 반영"), Quick("명단 정리")]
    return Outcome(Reply.say("\n".join(lines), quick=[*quick[:9], "메뉴"]))


def off_roster(ctx: Ctx, arg: str) -> Outcome:
    """명단 밖 [쪽]: registered people no roster entry holds, with their marks and what to do about them."""
    _, page = split_page(f"x {arg}".strip())
    loose = sorted(_loose(ctx.db.roster_entries(), ctx.db.list_members()), key=lambda m: (m.unit, m.name))
    if not loose:
        return Outcome(Reply.say("명단에 없는 등록자가 없어요.", quick=["명단", "메뉴"]))
    start = (page - 1) * PAGE
    shown = loose[start : start + PAGE]
    lines = [f"명단에 없는 등록자 {len(loose)}명" + (f" ({page}쪽)" if page > 1 else "")]
    shown_marks = _loose_marks(ctx, shown)
    lines.append(", ".join(f"{m.unit} {m.name}#{shown_marks.get(m.key, '')}".strip() for m in shown))
    lines.append(
        "명단에 넣으면 등록이 그대로 이어져요: '명단 추가 <소속> <이름>' (본인이 다시 '등록'해도 돼요). "
        "등록을 지우려면 '등록 해제 <이름>'."
    )
    quick: list[QuickLike] = ["명단", "메뉴"]
    if len(loose) > start + PAGE:
        quick.insert(0, Quick("더보기", f"명단 밖 {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=quick))


# --- 명단 추가 -------------------------------------------------------------------------------------


def _parse_add(text: str, units: Sequence[str]) -> tuple[str, list[tuple[str, str | None]]]:
    """'6 중대 홍일동', '1중대 김신입 4321', names on lines, tabs or commas -> (unit as typed, [(name, check)])."""
    words = [w for w in _SEPARATORS.split(text) if w]
    if not words:
        return "", []
    known = set(units)
    take = 1
    for n in (3, 2):  # a known unit typed with spaces ('6 중대')
        if len(words) > n and unit_key("".join(words[:n])) in known:
            take = n
            break
    else:
        if len(words) > 2 and words[0].isdigit() and not _is_check(words[1]):  # '6 중대 …' of a new unit
            take = 2
    unit, rest = "".join(words[:take]), words[take:]
    people: list[tuple[str, str | None]] = []
    for w in rest:
        if _is_check(w) and people and people[-1][1] is None:
            people[-1] = (people[-1][0], clean_check(w))
        else:
            people.append((w, None))
    return unit, people


def _is_check(word: str) -> bool:
    value = clean_check(word)
    return value.isdigit() or (value.isascii() and value.isalnum() and any(ch.isdigit() for ch in value))


def add(ctx: Ctx, arg: str) -> Outcome:
    """명단 추가 <소속> <이름> [확인번호], <이름>…: a handful of people pasted from a spreadsheet."""
    fresh = arg.startswith("새 ")  # '명단 추가 새 <소속> …': a new unit, even if it looks like a known one
    info = ctx.db.roster_info()
    typed_unit, people = _parse_add(arg[2:] if fresh else arg, list(info.units))
    if not typed_unit or not people:
        return Outcome(
            Reply.say("소속과 이름을 붙여 주세요. 예: 명단 추가 2중대 홍길동 1234, 김철수", quick=["명단", "메뉴"])
        )
    if len(people) > MAX_ADD:
        return Outcome(
            Reply.say(
                f"한 번에 {MAX_ADD}명까지 넣을 수 있어요. 많으면 '명단 올리기'로 파일을 올려 주세요.",
                quick=["명단 올리기", "메뉴"],
            )
        )
    unit, near = matched_unit(typed_unit, info.units)
    rest = " ".join(f"{n} {c}" if c else n for n, c in people)
    if not unit and near and not fresh:
        quick: list[QuickLike] = [Quick(u[:14], f"명단 추가 {u} {rest}"[:400]) for u in near]
        quick.append(Quick("새 소속으로", f"명단 추가 새 {typed_unit} {rest}"[:400]))
        text = f"'{typed_unit}'{pp(typed_unit, '은(는)')} 명단에 없는 소속이에요. 이 중 하나인가요, 새 소속인가요?"
        return Outcome(Reply.say(text, quick=[*quick, "메뉴"]))
    unit = unit or unit_key(typed_unit)
    bad = [(n, why) for n, _ in people if (why := valid_person_name(n))]
    existing = ctx.db.roster_entries(unit)
    by_name = {e.name: e for e in existing}
    # Someone already there without a check value gets the one given now (a roster that uses them takes nobody
    # without one). A name given with a check value that none of its entries has is a newcomer of the same name, as
    # a file would list them. Otherwise they are already there.
    checked = [(n, c) for n, c in people if c and n in by_name and not by_name[n].check and not by_name[n].suffix]
    namesakes = [(n, c) for n, c in people if c and n in by_name and _someone_else(existing, n, c)]
    already = [n for n, c in people if n in by_name and (n, c) not in checked and (n, c) not in namesakes]
    rows = [
        (i + 1, unit, n, c)
        for i, (n, c) in enumerate(people)
        if (n not in by_name or (n, c) in namesakes) and not valid_person_name(n)
    ]
    rows += [(len(people) + i + 1, unit, n, c) for i, (n, c) in enumerate(checked)]
    members = ctx.db.list_members(unit)
    former = ctx.db.former_entries()
    # The accounts a load may link (this unit's people no entry holds) or carry back (those a former entry names,
    # whatever unit their account says: someone taken off may come back in another unit).
    keys = [m.key for m in _loose(existing, members)] + [e.claimed_by for e in former if e.claimed_by]
    users = ctx.db.get_users(list(dict.fromkeys(keys)))
    same = {(unit, n) for n, _ in namesakes}
    plan = roster_load.plan_load(existing, rows, False, former, users, ctx.now.isoformat(), namesakes=same)
    done = [c for c in plan.changes if c.kind in (roster_load.ADDED, roster_load.BACK, roster_load.MOVED)]
    if not done and not bad and not checked:
        return Outcome(Reply.say(f"모두 이미 {unit} 명단에 있어요: {', '.join(already)}", quick=["명단", "메뉴"]))
    writes: list[Write] = [w for g in plan.groups for w in g if not isinstance(w, SetRosterUnits)]
    uses_checks = info.checks or any(c for _, c in people)
    writes.append(SetRosterUnits(_units_after(info.units, unit, len(done), plan), uses_checks))
    out = _added_report(unit, people, plan, done, checked, already, bad, uses_checks=uses_checks)
    if namesakes:  # said, in case the check value was meant for the one already there
        names = ", ".join(n for n, _ in namesakes)
        out.insert(1, f"같은 이름이 이미 있어 확인번호가 다른 새 사람으로 넣었어요: {names}")
    audit = ctx.audit("roster_add", unit, f"{len(done)}")
    return Outcome(Reply.say("\n".join(out), quick=[f"명단 {unit}", "메뉴"]), writes=[*writes, audit])


def _someone_else(existing: Sequence[RosterEntry], name: str, check: str) -> bool:
    """Whether every entry of ``name`` has a check value and none is ``check``: the one given is another person's."""
    same = [e for e in existing if e.name == name]
    return bool(same) and all(e.check and not check_matches(e.check, check) for e in same)


def _units_after(units: dict[str, int], unit: str, added: int, plan: roster_load.LoadPlan) -> dict[str, int]:
    """The roster's head counts once ``added`` people are in ``unit`` (those moved left their old unit)."""
    after = dict(units)
    after[unit] = after.get(unit, 0) + added
    for c in plan.of(roster_load.MOVED):
        after[c.before] = max(0, after.get(c.before, 0) - 1)
    return dict(sorted((u, n) for u, n in after.items() if n))


def _added_report(
    unit: str,
    people: list[tuple[str, str | None]],
    plan: roster_load.LoadPlan,
    done: list[roster_load.Change],
    checked: list[tuple[str, str]],
    already: list[str],
    bad: list[tuple[str, str]],
    *,
    uses_checks: bool,
) -> list[str]:
    """명단 추가's lines: who went in, who came back or moved, who was there, and who still needs a 확인번호."""
    out = [f"{unit} 명단에 {len(done)}명을 넣었어요."] if done or not checked else []
    if checked:
        out.append("확인번호를 넣었어요: " + ", ".join(n for n, _ in checked))
    for c in done:
        if c.kind != roster_load.ADDED:
            out.append(f"• {c.kind}: {c.label()}" + (" (등록 그대로)" if c.registered else ""))
    if plan.of(roster_load.LINKED):
        out.append("이미 등록한 사람과 이었어요: " + ", ".join(c.name for c in plan.of(roster_load.LINKED)))
    if already:
        out.append("이미 있음: " + ", ".join(already))
    unchecked = [c.name for c in plan.of(roster_load.ADDED) if not dict(people).get(c.name)]
    if uses_checks and unchecked:
        out.append(
            f"{', '.join(unchecked)}: 확인번호가 없어 아직 등록할 수 없어요. "
            f"'명단 추가 {unit} <이름> <확인번호>'로 넣어 주세요."
        )
    out += [f"• {n}: {why.rstrip('.')}" for n, why in bad]
    out += [f"• {why}" for _, why in plan.warnings]
    return out


# --- 명단 삭제 -------------------------------------------------------------------------------------


# --- what a load did, and its removals -------------------------------------------------------------


# --- 등록 해제 -------------------------------------------------------------------------------------


# --- a roster file from a browser (명단 올리기) ------------------------------------------------------


def upload(ctx: Ctx, arg: str) -> Outcome:
    """명단 올리기: a short-lived page to upload the roster file; it is read on the next message after."""
    session = ctx.state()
    session.upload = secrets.token_urlsafe(18)
    session.upload_until = (ctx.now + timedelta(minutes=UPLOAD_MINUTES)).isoformat()
    return Outcome(
        Reply.say(
            "아래 링크에서 명단 파일(엑셀 또는 CSV: 소속, 이름, 확인번호)을 올려 주세요. "
            f"링크는 {UPLOAD_MINUTES}분 동안 쓸 수 있어요. 올린 뒤 아무 메시지나 보내면 반영해요. "
            "추가·변경·이동은 바로 반영하고, 파일에 없는 사람은 목록을 보여 드린 뒤 확인을 받고 빼요.",
            quick=["명단", "메뉴"],
        ),
        session=session,
        effects=[ShowUploadPage(session.upload)],
    )


def took_upload(ctx: Ctx, out: Outcome) -> None:
    """On the admin's next message: the file arrived (have it imported, unless the bucket's function already
    is: the upload stays pending until one import tells the admin) or the page expired (forget it)."""
    if ctx.upload_ready:
        out.effects.append(ImportRoster(ctx.session.upload))
        out.reply.texts.insert(0, "명단 파일을 받았어요. 반영이 끝나면 다음 메시지에 결과를 알려 드려요.")
        return
    if ctx.session.upload_until and ctx.session.upload_until < ctx.now.isoformat():
        session = out.session if out.session is not None else ctx.state()
        session.upload, session.upload_until = "", ""
        out.session = session
