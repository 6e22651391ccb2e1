"""The organisation's roster: who may register as whom, loading it, and the commands around it.

A roster entry is one person (unit, name, an optional personal check value). With a
roster, registration links a Kakao user to exactly one entry: ``등록 <소속> <이름>
[확인번호]`` claims it with a conditional write, so two people claiming one entry at
once end with one winner. Without a roster (or with open registration chosen),
anyone registers under the name they type, as small teams need.

Check values are stored as a salted HMAC-SHA256 (``salt$digest``), never as typed.
A short value (4 digits) can be found from its hash by trying all 10,000, so the
hash keeps it out of sight, not out of reach of someone with the table: the guard
against guessing in chat is the limit on refused attempts (:data:`MAX_FAILURES` in
:data:`FAILURE_WINDOW_MINUTES`).
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from chalicelib.domain.common import main_quick, split_page
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import MEMBER, RosterEntry, Survey, User, roster_entry_key, target_units, unit_key
from chalicelib.domain.parsing import MAX_UNIT, valid_name
from chalicelib.domain.ports import Reader
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.words import pp
from chalicelib.domain.writes import (
    ClaimRoster,
    DeleteRosterEntry,
    DeleteUser,
    NoteRegistrationFailure,
    PutRosterEntry,
    ReleaseRoster,
    SetRosterUnits,
    Write,
)

MAX_FAILURES = 5  # refused registrations a person may make ...
FAILURE_WINDOW_MINUTES = 10  # ... in this many minutes; then they wait for the next window
PAGE = 60  # people a page of 명단 <소속> lists
NAMES_PER_PAGE = 60  # names a 미응답 reply lists
MAX_ADD = 20  # names one 명단 추가 may carry

NOT_FOUND = (
    "명단에서 찾지 못했어요. 소속과 이름을 확인해 주세요. 맞는데도 안 되면 관리자에게 명단 추가를 요청해 주세요."
)
MISMATCH = "등록 정보가 맞지 않아요. 소속, 이름, 확인번호를 다시 확인해 주세요."


# --- check values -----------------------------------------------------------------------------


def clean_check(value: str | None) -> str:
    """A check value as compared: spaces and hyphens dropped ('12-34' is '1234')."""
    return "".join(ch for ch in (value or "") if not ch.isspace() and ch != "-")


def hash_check(value: str, salt: str | None = None) -> str:
    """``salt$digest`` of a check value (a fresh random salt unless one is given)."""
    salt = salt or secrets.token_hex(8)
    digest = hmac.new(salt.encode(), clean_check(value).encode(), hashlib.sha256).hexdigest()
    return f"{salt}${digest}"


def check_matches(stored: str, value: str) -> bool:
    """Whether ``value`` is the check value ``stored`` was made from (constant time)."""
    salt, _, _ = stored.partition("$")
    return bool(salt) and hmac.compare_digest(stored, hash_check(value, salt))


def member_number(entry: str) -> str:
    """A short internal number of an entry, the same on every load (tells same-named people apart)."""
    return hashlib.sha256(entry.encode()).hexdigest()[:6]


# --- loading ----------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load did, by entry (names only in the reply to the admin, never in logs)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    def summary(self) -> str:
        parts = [f"추가 {len(self.added)}명", f"변경 {len(self.updated)}명", f"삭제 {len(self.removed)}명"]
        if self.unchanged:
            parts.append(f"그대로 {self.unchanged}명")
        if self.rejected:
            parts.append(f"거부 {len(self.rejected)}행")
        return " · ".join(parts)


def plan_load(
    existing: Sequence[RosterEntry],
    rows: Iterable[tuple[int, str, str, str | None]],
    replace: bool,
) -> tuple[list[Write], LoadReport]:
    """The writes that make the roster hold ``rows`` (line, unit, name, check), and what they do.

    Idempotent: loading the same rows again writes nothing. Same-named people of one unit are
    kept apart by their check values (an entry key suffix made from it); without one, the later
    row is rejected. With ``replace`` (a whole list), entries not in ``rows`` are removed (their
    claims with them; submitted answers stay); otherwise rows are only added or changed.
    """
    report = LoadReport()
    rows = list(rows)
    by_key = {e.entry: e for e in existing}
    counts: dict[tuple[str, str], int] = {}
    for _, unit, name, _ in rows:
        k = (unit_key(unit), name)
        counts[k] = counts.get(k, 0) + 1
    wanted: dict[str, tuple[int, RosterEntry, str]] = {}
    seen_line: dict[str, int] = {}
    for line, unit, name, check in rows:
        unit, check_value = unit_key(unit), clean_check(check)
        why = valid_name(name) or (valid_name(unit, MAX_UNIT) if unit else "소속이 비어 있어요.")
        if why:
            report.rejected.append((line, why.rstrip(".")))
            continue
        shared = counts[(unit, name)] > 1
        if shared and not check_value:
            report.rejected.append((line, "같은 소속에 같은 이름이 있어 확인번호가 필요해요"))
            continue
        suffix = hashlib.sha256(check_value.encode()).hexdigest()[:4] if shared else ""
        key = roster_entry_key(unit, name, suffix)
        if key in seen_line:
            report.rejected.append((line, f"{seen_line[key]}행과 겹쳐요"))
            continue
        seen_line[key] = line
        wanted[key] = (line, RosterEntry(key, unit, name, number=member_number(key)), check_value)
    writes: list[Write] = []
    for key, (_, entry, check_value) in wanted.items():
        old = by_key.get(key)
        if old is None:
            entry.check = hash_check(check_value) if check_value else ""
            writes.append(PutRosterEntry(entry, new=True))
            report.added.append(entry.label())
            continue
        same_check = (
            check_matches(old.check, check_value) if (old.check and check_value) else not (old.check or check_value)
        )
        if same_check and old.unit == entry.unit and old.name == entry.name and old.number == entry.number:
            report.unchanged += 1
            continue
        entry.check = old.check if same_check else (hash_check(check_value) if check_value else "")
        writes.append(PutRosterEntry(entry, new=False))
        report.updated.append(entry.label())
    final = dict(by_key)
    final.update({k: e for k, (_, e, _) in wanted.items()})
    if replace:
        for key, old in by_key.items():
            if key not in wanted:
                writes.append(DeleteRosterEntry(key))
                report.removed.append(old.label())
                del final[key]
    units: dict[str, int] = {}
    for e in final.values():
        units[e.unit] = units.get(e.unit, 0) + 1
    if writes:
        writes.append(SetRosterUnits(dict(sorted(units.items()))))
    return writes, report


# --- registration -----------------------------------------------------------------------------


def _window(ctx: Ctx) -> int:
    return int(ctx.now.timestamp()) // (60 * FAILURE_WINDOW_MINUTES)


def _refused(ctx: Ctx, text: str, next_steps: list[QuickLike]) -> Outcome:
    window = _window(ctx)
    expires = (window + 2) * 60 * FAILURE_WINDOW_MINUTES
    return Outcome(
        Reply.say(text, quick=next_steps),
        writes=[NoteRegistrationFailure(ctx.key, window, expires)],
    )


def matched_unit(typed: str, units: Iterable[str]) -> tuple[str, list[str]]:
    """The roster unit ``typed`` names (spaces ignored), or "" and the near ones to offer."""
    key = unit_key(typed)
    known = list(units)
    if key in known:
        return key, []
    folded = {u.casefold(): u for u in known}
    if key.casefold() in folded:
        return folded[key.casefold()], []
    return "", difflib.get_close_matches(key, known, n=4, cutoff=0.5)


def register(ctx: Ctx, arg: str, units: dict[str, int]) -> Outcome:
    """등록 <소속> <이름> [확인번호] with a roster: claims the one entry that matches."""
    next_steps: list[QuickLike] = ["메뉴"] if ctx.user else [Quick("등록 방법", "등록 안내")]
    parts = arg.split()
    check = ""
    if len(parts) >= 3 and clean_check(parts[-1]).isdigit():
        check = parts.pop()
    if len(parts) < 2:
        return Outcome(
            Reply.say(
                "소속과 이름을 함께 보내 주세요. 확인번호를 받았다면 끝에 붙여요.",
                "예: 등록 2중대 홍길동 1234",
                quick=next_steps,
            )
        )
    if ctx.db.registration_failures(ctx.key, _window(ctx)) >= MAX_FAILURES:
        return Outcome(
            Reply.say(f"등록을 여러 번 실패했어요. {FAILURE_WINDOW_MINUTES}분 뒤에 다시 해 주세요.", quick=next_steps)
        )
    name, typed_unit = parts[-1], "".join(parts[:-1])
    unit, near = matched_unit(typed_unit, units)
    if not unit:
        if near:
            tail = f" {check}" if check else ""
            quick: list[QuickLike] = [Quick(u[:14], f"등록 {u} {name}{tail}") for u in near]
            return Outcome(
                Reply.say(
                    f"'{typed_unit}'{pp(typed_unit, '은(는)')} 없는 소속이에요. 이 중 하나인가요?",
                    quick=[*quick, "메뉴"],
                )
            )
        return _refused(
            ctx,
            f"'{typed_unit}'{pp(typed_unit, '은(는)')} 명단에 없는 소속이에요. 소속 이름을 확인해 주세요.",
            next_steps,
        )
    entries = ctx.db.roster_entries(unit, name)
    if not entries:
        return _refused(ctx, NOT_FOUND, next_steps)
    fitting = [e for e in entries if (check_matches(e.check, check) if e.check else True)]
    if not fitting:
        return _refused(ctx, MISMATCH, next_steps)
    mine = [e for e in fitting if e.claimed_by == ctx.key]
    free = [e for e in fitting if not e.claimed_by]
    if not mine and not free:
        return Outcome(
            Reply.say(
                "이미 다른 카카오 계정이 이 사람으로 등록했어요. "
                "휴대폰을 바꿨다면 관리자에게 등록 해제를 요청해 주세요.",
                quick=next_steps,
            )
        )
    entry = (mine or free)[0]
    writes: list[Write] = [ClaimRoster(entry.entry, ctx.key, ctx.now.isoformat())]
    if ctx.user is None:
        u = User(key=ctx.key, name=entry.name, unit=entry.unit, role=MEMBER, created_at=ctx.now.isoformat())
        text = f"{entry.label()}님, 등록되었어요! 이제 신청에 응답할 수 있어요."
    else:
        u = ctx.me()
        if u.roster and u.roster != entry.entry and _claimed_by(ctx, u.roster, ctx.key):
            writes.append(ReleaseRoster(u.roster, ctx.key))
        u.name, u.unit = entry.name, entry.unit
        text = f"등록 정보를 확인했어요: {entry.label()}"
    u.roster = entry.entry
    return Outcome(Reply.say(text, quick=main_quick(u)), user=u, writes=writes)


def _claimed_by(ctx: Ctx, entry: str, key: str) -> bool:
    unit, _, rest = entry.partition("#")
    name = rest.split("#")[0]
    return any(e.entry == entry and e.claimed_by == key for e in ctx.db.roster_entries(unit, name))


def release_on_leave(ctx: Ctx, u: User) -> list[Write]:
    """What 탈퇴 writes besides removing the user: their roster entry is free again."""
    if u.roster and _claimed_by(ctx, u.roster, u.key):
        return [ReleaseRoster(u.roster, u.key)]
    return []


# --- the super admin's commands -----------------------------------------------------------------


def show(ctx: Ctx, arg: str) -> Outcome:
    """명단 · 명단 <소속>: head counts per unit and how many registered, or one unit's people."""
    units = ctx.db.roster_units()
    if not units:
        return Outcome(
            Reply.say(
                "명단이 아직 없어요. '명단 추가 <소속> <이름>, <이름>'으로 넣거나, 운영자가 파일로 올릴 수 있어요.",
                quick=["메뉴"],
            )
        )
    if not arg:
        everyone = ctx.db.roster_entries()
        claimed: dict[str, int] = {}
        for e in everyone:
            if e.claimed_by:
                claimed[e.unit] = claimed.get(e.unit, 0) + 1
        total, done = sum(units.values()), sum(claimed.values())
        lines = [f"명단 {total}명 · 등록 {done}명 · 미등록 {total - done}명"]
        lines += [f"• {u}: {n}명 중 {claimed.get(u, 0)}명 등록" for u, n in units.items()]
        quick: list[QuickLike] = [Quick(f"명단 {u}"[:14], f"명단 {u}") for u in list(units)[:8]]
        return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))
    wanted, page = split_page(arg)
    unit, near = matched_unit(wanted, units)
    if not unit and page > 1:  # a unit whose name ends in a number
        (unit, near), page = matched_unit(arg, units), 1
    if not unit:
        quick = [Quick(f"명단 {u}"[:14], f"명단 {u}") for u in near]
        return Outcome(Reply.say(f"'{arg}'{pp(arg, '은(는)')} 명단에 없는 소속이에요.", quick=[*quick, "명단", "메뉴"]))
    entries = ctx.db.roster_entries(unit)
    registered = [e for e in entries if e.claimed_by]
    waiting = [e for e in entries if not e.claimed_by]
    lines = [f"{unit} {len(entries)}명 · 등록 {len(registered)}명 · 미등록 {len(waiting)}명"]
    ordered = [("미등록", e) for e in waiting] + [("등록", e) for e in registered]  # who to chase first
    start = (page - 1) * PAGE
    shown = ordered[start : start + PAGE]
    for part in ("미등록", "등록"):
        names = _labels([e for p, e in shown if p == part], entries)
        if names:
            lines.append(f"{part}: " + ", ".join(names))
    steps: list[QuickLike] = ["명단", "메뉴"]
    if len(ordered) > start + PAGE:
        lines.append(f"({page}쪽 · {len(ordered)}명 중 {start + 1}–{start + len(shown)})")
        steps.insert(0, Quick("더보기", f"명단 {unit} {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=steps))


def _labels(entries: Sequence[RosterEntry], among: Sequence[RosterEntry]) -> list[str]:
    """Names, with the member number where one unit has the name twice."""
    names = [e.name for e in among]
    return [f"{e.name}#{e.number}" if names.count(e.name) > 1 else e.name for e in entries]


def add(ctx: Ctx, arg: str) -> Outcome:
    """명단 추가 <소속> <이름>[, <이름>…]: a handful of people pasted from a spreadsheet."""
    fresh = arg.startswith("새 ")  # '명단 추가 새 <소속> …': a new unit, even if it looks like a known one
    unit_part, _, names_part = arg[2:].strip().partition(" ") if fresh else arg.partition(" ")
    names = [n for n in (x.strip() for x in names_part.replace("\n", ",").replace("\t", ",").split(",")) if n]
    if not unit_part or not names:
        return Outcome(
            Reply.say("소속과 이름을 붙여 주세요. 예: 명단 추가 2중대 홍길동, 김철수", quick=["명단", "메뉴"])
        )
    if len(names) > MAX_ADD:
        return Outcome(
            Reply.say(
                f"한 번에 {MAX_ADD}명까지 넣을 수 있어요. 많으면 운영자에게 파일로 올려 달라고 해 주세요.",
                quick=["메뉴"],
            )
        )
    units = ctx.db.roster_units()
    unit, near = matched_unit(unit_part, units)
    if not unit and near and not fresh:
        rest = names_part.strip()
        quick: list[QuickLike] = [Quick(u[:14], f"명단 추가 {u} {rest}"[:400]) for u in near]
        quick.append(Quick("새 소속으로", f"명단 추가 새 {unit_key(unit_part)} {rest}"[:400]))
        text = f"'{unit_part}'{pp(unit_part, '은(는)')} 명단에 없는 소속이에요. 이 중 하나인가요, 새 소속인가요?"
        return Outcome(Reply.say(text, quick=[*quick, "메뉴"]))
    unit = unit or unit_key(unit_part)
    existing = ctx.db.roster_entries(unit)
    rows = [(i + 1, unit, "".join(n.split()), None) for i, n in enumerate(names)]
    plan_rows = [r for r in rows if not any(e.name == r[2] for e in existing)]
    already = [r[2] for r in rows if r not in plan_rows]
    writes, report = plan_load(existing, plan_rows, replace=False)
    if not report.added and not report.rejected:
        return Outcome(Reply.say(f"모두 이미 {unit} 명단에 있어요: {', '.join(already)}", quick=["명단", "메뉴"]))
    units_after = dict(units)
    units_after[unit] = len(existing) + len(report.added)
    writes = [w for w in writes if not isinstance(w, SetRosterUnits)] + [SetRosterUnits(units_after)]
    out = [f"{unit} 명단에 {len(report.added)}명을 넣었어요."]
    if already:
        out.append("이미 있음: " + ", ".join(already))
    out += [f"• {names[line - 1]}: {why}" for line, why in report.rejected]
    audit = ctx.audit("roster_add", unit, f"{len(report.added)}")
    return Outcome(Reply.say("\n".join(out), quick=[f"명단 {unit}", "메뉴"]), writes=[*writes, audit])


def release(ctx: Ctx, arg: str) -> Outcome:
    """등록 해제 <이름>: the person's Kakao account is unregistered and their entry free to claim again
    (someone changed phone). Their submitted answers stay."""
    from chalicelib.domain.people import find_person, which_person

    if not arg:
        return Outcome(Reply.say("이름을 붙여 주세요. 예: 등록 해제 홍길동", quick=["명단", "메뉴"]))
    person, many = find_person(ctx, arg)
    if person is None:
        return which_person("등록 해제", arg, many)
    if person.key == ctx.key:
        return Outcome(Reply.say("자기 자신의 등록은 '탈퇴'로 해제해요.", quick=["메뉴"]))
    if person.is_super:
        return Outcome(Reply.say("슈퍼관리자의 등록은 채팅으로 해제할 수 없어요.", quick=["메뉴"]))
    writes: list[Write] = [DeleteUser(person.key, person.version), *release_on_leave(ctx, person)]
    writes.append(ctx.audit("release_registration", person.key, person.unit))
    return Outcome(
        Reply.say(
            f"{person.label()}님의 등록을 해제했어요. 새 휴대폰에서 다시 '등록'하면 돼요. 제출한 답은 그대로예요.",
            quick=["명단", "메뉴"],
        ),
        writes=writes,
    )


# --- who is missing ---------------------------------------------------------------------------


def head_count(units: dict[str, int], target_unit: str) -> int | None:
    """How many people the roster has in a survey's target (None: there is no roster)."""
    if not units:
        return None
    chosen = target_units(target_unit)
    if not chosen or chosen == ["전체"]:
        return sum(units.values())
    return sum(units.get(unit_key(u), 0) for u in chosen)


def missing(ctx: Ctx, s: Survey, r: str, answered: set[str], page: int) -> Outcome:
    """미응답 with a roster: the target's people who have not answered, registered or not yet, per unit."""
    from chalicelib.domain.admin import labels, silent_members  # admin routes 미응답 here

    waiting = unregistered(ctx.db, s)
    silent = silent_members(ctx.db, s, answered)
    quick: list[QuickLike] = [Quick("현황", f"현황 {r}")]
    if not waiting and not silent:
        return Outcome(Reply.say(f"[{s.title}] 대상자 모두 응답했어요.", quick=[*quick, "메뉴"]))
    per_unit: dict[str, list[int]] = {}
    for m in silent:
        per_unit.setdefault(unit_key(m.unit) or "(소속 없음)", [0, 0])[0] += 1
    for e in waiting:
        per_unit.setdefault(e.unit, [0, 0])[1] += 1
    start = (page - 1) * NAMES_PER_PAGE
    lines = [
        f"[{s.title}] 미응답 {len(silent) + len(waiting)}명" + (f" ({page}쪽)" if page > 1 else ""),
        f"등록했지만 응답 안 함 {len(silent)}명 · 아직 등록 안 함 {len(waiting)}명",
    ]
    lines += [f"• {u}: 미응답 {a}명 · 미등록 {b}명" for u, (a, b) in sorted(per_unit.items())]
    shown_silent = labels(silent)[start : start + NAMES_PER_PAGE]
    room = NAMES_PER_PAGE - len(shown_silent)
    skip = max(0, start - len(silent))
    shown_waiting = [e.label() for e in waiting][skip : skip + room] if room > 0 else []
    if shown_silent:
        lines.append("응답 안 함: " + ", ".join(shown_silent))
    if shown_waiting:
        lines.append("미등록: " + ", ".join(shown_waiting))
    if len(silent) + len(waiting) > start + NAMES_PER_PAGE:
        quick.insert(0, Quick("더보기", f"미응답 {r} {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))


# --- a roster file from a browser (명단 올리기) ------------------------------------------------------

UPLOAD_MINUTES = 10  # how long an upload page takes a file


def upload(ctx: Ctx, arg: str) -> Outcome:
    """명단 올리기: a short-lived page to upload the roster file; it is read on the next message after."""
    session = ctx.state()
    session.upload = secrets.token_urlsafe(18)
    session.upload_until = (ctx.now + timedelta(minutes=UPLOAD_MINUTES)).isoformat()
    return Outcome(
        Reply.say(
            "아래 링크에서 명단 파일(엑셀 또는 CSV: 소속, 이름, 확인번호)을 올려 주세요. "
            f"링크는 {UPLOAD_MINUTES}분 동안 쓸 수 있어요. 올린 뒤 아무 메시지나 보내면 반영해요. "
            "파일의 명단이 전체 명단이 돼요(없는 사람은 빠져요).",
            quick=["명단", "메뉴"],
        ),
        session=session,
        upload_page=session.upload,
    )


def took_upload(ctx: Ctx, out: Outcome) -> None:
    """On the admin's next message: the file arrived (have it imported, unless the bucket's function already
    is: the upload stays pending until one import tells the admin) or the page expired (forget it)."""
    if ctx.upload_ready:
        out.roster_import = ctx.session.upload
        out.reply.texts.insert(0, "명단 파일을 받았어요. 반영이 끝나면 다음 메시지에 결과를 알려 드려요.")
        return
    if ctx.session.upload_until and ctx.session.upload_until < ctx.now.isoformat():
        session = out.session if out.session is not None else ctx.state()
        session.upload, session.upload_until = "", ""
        out.session = session


def missing_people(db: Reader, s: Survey) -> list[tuple[str, str, str]]:
    """(소속, 이름, 상태) of the target's people who have not answered: registered ones, then (with a roster)
    those not registered yet; for the export's 미응답 sheet."""
    from chalicelib.domain.admin import silent_members
    from chalicelib.domain.privacy import answered_keys

    answered = answered_keys(db, s)
    if answered is None:  # 익명: nobody can know who has not answered
        return []
    rows = [(m.unit, m.name, "응답 안 함") for m in silent_members(db, s, answered)]
    if db.roster_units():
        rows += [(e.unit, e.name, "미등록") for e in unregistered(db, s)]
    return rows


def unregistered(db: Reader, s: Survey) -> list[RosterEntry]:
    """The roster's people of the survey's target whom no Kakao account has claimed yet."""
    chosen = [u for u in target_units(s.target_unit) if u != "전체"]
    entries = [e for u in chosen for e in db.roster_entries(u)] if chosen else db.roster_entries()
    return [e for e in entries if not e.claimed_by]
