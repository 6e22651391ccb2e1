"""The organisation's roster: check values, marks, and registering as a roster entry.

A roster entry is one person (unit, name, an optional personal check value). With a
roster, registration links a Kakao user to exactly one entry: ``등록 <소속> <이름>
[확인번호]`` claims it with a conditional write, so two people claiming one entry at
once end with one winner. Without a roster (or with open registration chosen),
anyone registers under the name they type, as small teams need.

The person behind an entry keeps what they did whatever phone they use: the first
Kakao account that claims an entry names its *person* (its key), answers are kept
under that key, and a later account claiming the entry answers as the same person
and gets their answers back (docs/identity.md).

Check values are stored as a salted HMAC-SHA256 (``salt$digest``), never as typed.
A short value (4 digits) can be found from its hash by trying all 10,000, so the
hash keeps it out of sight, not out of reach of someone with the table: the guard
against guessing in chat is the limit on refused attempts (:data:`MAX_FAILURES` in
:data:`FAILURE_WINDOW_MINUTES`). A refusal never tells which part was wrong: an
unknown name, a wrong check value and an entry someone else claimed read the same.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import hmac
import math
import secrets
from collections.abc import Iterable

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import Effect, EntryLocked
from chalicelib.domain.model import MEMBER, User
from chalicelib.domain.ports import RosterInfo
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.roster_records import RosterEntry, Strain, unit_key
from chalicelib.domain.roster_writes import ClaimRoster, NoteEntryFailure, NoteRegistrationFailure, ReleaseRoster
from chalicelib.domain.titles import main_quick
from chalicelib.domain.writes import Write

MAX_FAILURES = 5  # refused registrations an account may make at once ...
FAILURE_WINDOW_MINUTES = 10  # ... and one more each 1/5 of this many minutes (a leaky bucket, not a fixed window)
ACCOUNT_LEAK = MAX_FAILURES / (FAILURE_WINDOW_MINUTES * 60)  # refusals forgiven per second
ENTRY_LIMIT = 5  # wrong guesses at one roster entry, from any accounts, before it is locked ...
ENTRY_WINDOW_MINUTES = 30  # ... counted the same way, one forgiven each 1/5 of this
ENTRY_LEAK = ENTRY_LIMIT / (ENTRY_WINDOW_MINUTES * 60)
ENTRY_COOL_DOWN = 60 * 60  # seconds a locked entry takes no registration, unless a super admin lifts it

REFUSED = (
    "등록 정보가 맞지 않아요. 소속, 이름, 확인번호를 다시 확인해 주세요. "
    "맞게 보냈는데도 안 되면 관리자에게 알려 주세요(휴대폰을 바꿨다면 등록 해제를 요청해요)."
)
HOW_TO_REGISTER = Quick("등록 방법", "등록 안내")

# Words people end a sentence with, dropped from what they register as ('등록 3중대 윤서연 0135 입니다').
_FILLERS = {"입니다", "입니당", "이에요", "이예요", "예요", "이요", "요", "임", "이고요", "이구요"}
_GLUED = ("입니다", "입니당", "이에요", "이예요")  # ... also when typed onto the last word ('윤서연입니다')


# --- check values and marks --------------------------------------------------------------------


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


# --- the words of registration -----------------------------------------------------------------


def register_example(info: RosterInfo, name: str = "홍길동") -> str:
    """How to register here, as an example with the roster's first unit: '등록 2중대 홍길동 1234'."""
    if not info.units:
        return f"등록 2중대 {name}"
    unit = next(iter(info.units))
    return f"등록 {unit} {name}" + (" 1234" if info.checks else "")


def register_usage(info: RosterInfo) -> str:
    """The command's shape here: '등록 <소속> <이름> <확인번호>' when the roster has check values."""
    if not info.units:
        return "등록 <소속> <이름>"
    return "등록 <소속> <이름>" + (" <확인번호>" if info.checks else "")


def register_help(info: RosterInfo) -> str:
    """What someone not registered yet is told."""
    if not info.units:
        return "행정이에 오신 걸 환영해요! 먼저 이름을 등록해 주세요.\n예: 등록 홍길동\n소속도 함께: 등록 2중대 홍길동"
    if info.checks:
        return (
            "행정이에 오신 걸 환영해요! 소속, 이름과 관리자에게 받은 확인번호로 등록해 주세요.\n"
            f"예: {register_example(info)}"
        )
    return f"행정이에 오신 걸 환영해요! 소속과 이름으로 등록해 주세요.\n예: {register_example(info)}"


def words_of(arg: str) -> list[str]:
    """What someone registers as, word by word, without the endings of a sentence ('… 0135 입니다.')."""
    words = arg.replace(",", " ").split()
    while words:
        last = words[-1].rstrip(".!~?")
        glued = next((f for f in _GLUED if last.endswith(f) and len(last) - len(f) >= 2), "")
        if glued:
            last = last[: -len(glued)]
        if last in _FILLERS or not last:
            words.pop()
            continue
        words[-1] = last
        break
    return words


def _looks_like_check(word: str) -> bool:
    """Digits ('0135', '12-34'), or letters and digits of the Latin alphabet ('A1234'); never a unit or a name."""
    value = clean_check(word)
    return value.isdigit() or (value.isascii() and value.isalnum() and any(ch.isdigit() for ch in value))


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


# --- registration ------------------------------------------------------------------------------


def _refused(ctx: Ctx, strain: Strain, next_steps: list[QuickLike], named: Iterable[RosterEntry] = ()) -> Outcome:
    """The one reply to every refusal, counted on the account and on every entry it named and evaluated."""
    now = int(ctx.now.timestamp())
    mine = strain.after_one_more(now, ACCOUNT_LEAK)
    writes: list[Write] = [NoteRegistrationFailure(ctx.key, mine, now + 2 * 60 * FAILURE_WINDOW_MINUTES)]
    locked: list[Effect] = []
    for e in named:
        noted = e.strain.after_one_more(now, ENTRY_LEAK)
        if noted.level > ENTRY_LIMIT - 1:  # the limit reached: nobody registers as them for a while
            noted = dataclasses.replace(noted, until=now + ENTRY_COOL_DOWN)
        writes.append(NoteEntryFailure(e.entry, noted))
        if noted.until:
            locked.append(EntryLocked(e.entry, noted.until))
    return Outcome(Reply.say(REFUSED, quick=next_steps), writes=writes, effects=locked)


def register(ctx: Ctx, arg: str, info: RosterInfo) -> Outcome:
    """등록 <소속> <이름> [확인번호] with a roster: claims the one entry that matches.

    A refusal reads the same whatever was wrong (an unknown unit or name, a wrong check value, an entry someone
    else holds, an entry without a check value in a roster that uses them, an entry locked after many guesses),
    and is counted on the account and on the entry it named. Each count is a conditional write on the count
    read, and so is the claim: parallel guesses at one entry, from however many accounts, are evaluated one at a
    time, and after :data:`ENTRY_LIMIT` wrong ones the entry evaluates none until its cool-down passes or a
    super admin lifts the lock (they are told).
    """
    next_steps: list[QuickLike] = ["메뉴"] if ctx.user else [HOW_TO_REGISTER]
    words = words_of(arg)
    check = words.pop() if len(words) >= 2 and _looks_like_check(words[-1]) else ""
    if len(words) < 2:  # a name alone, or a name and a check value: the unit is asked for, never guessed
        name = words[0] if words else "홍길동"
        tail = " <확인번호>" if info.checks else ""
        return Outcome(Reply.say("소속도 함께 보내 주세요.", f"예: 등록 2중대 {name}{tail}", quick=next_steps))
    now = int(ctx.now.timestamp())
    strain = ctx.db.registration_strain(ctx.key)
    if strain.level_at(now, ACCOUNT_LEAK) > MAX_FAILURES - 1:  # one more would overflow the bucket
        wait = max(1, math.ceil((strain.level_at(now, ACCOUNT_LEAK) - MAX_FAILURES + 1) / ACCOUNT_LEAK / 60))
        return Outcome(Reply.say(f"등록을 여러 번 실패했어요. {wait}분 뒤에 다시 해 주세요.", quick=next_steps))
    name, typed_unit = words[-1], "".join(words[:-1])
    unit, _ = matched_unit(typed_unit, info.units)
    if not unit:
        return _refused(ctx, strain, next_steps)
    entries = ctx.db.roster_entries(unit, name)
    open_ = [e for e in entries if e.locked <= now]  # a locked entry evaluates nothing

    def fits(e: RosterEntry) -> bool:
        if not e.check:
            return not info.checks  # a roster that uses check values takes nobody without one
        return bool(check) and check_matches(e.check, check)

    if not check and info.checks:  # says nothing of any entry: the roster as a whole has check values
        return Outcome(
            Reply.say(
                "등록 정보가 맞지 않아요. 확인번호도 함께 보내 주세요(관리자에게 받은 번호예요).",
                f"예: 등록 {typed_unit} {name} 1234",
                quick=next_steps,
            )
        )
    fitting = [e for e in open_ if fits(e)]
    mine = [e for e in fitting if e.claimed_by == ctx.key]
    free = [e for e in fitting if not e.claimed_by]
    if not mine and not free:
        return _refused(ctx, strain, next_steps, open_)
    return _claim(ctx, (mine or free)[0])


def _claim(ctx: Ctx, entry: RosterEntry) -> Outcome:
    """Link the speaker to ``entry``: they answer as its person, and what that person answered is theirs."""
    before = ctx.user.person_key if ctx.user is not None else ""
    person = entry.person or before or ctx.key
    fresh = ctx.user is None and not entry.claimed_by and not entry.person
    claim = ClaimRoster(entry.entry, ctx.key, ctx.now.isoformat(), person, entry.strain.tries, fresh=fresh)
    writes: list[Write] = [claim]
    if ctx.user is None:
        u = User(key=ctx.key, name=entry.name, unit=entry.unit, role=MEMBER, created_at=ctx.now.isoformat())
        text = f"{entry.label()}님, 등록되었어요! 이제 신청에 응답할 수 있어요."
    else:
        u = ctx.me()
        if u.roster and u.roster != entry.entry and _claimed_by(ctx, u.roster, ctx.key):
            # Their person goes with them to the new entry; the old one is left to whoever claims it next.
            writes.append(ReleaseRoster(u.roster, ctx.key, forget_person=person == before))
        u.name, u.unit = entry.name, entry.unit
        text = f"등록 정보를 확인했어요: {entry.label()}"
    u.roster = entry.entry
    u.person = "" if person == ctx.key else person
    if person != before:  # someone else's history now, or a first registration: theirs comes back
        u.answered = ctx.db.answered_by(person)
        u.recalled = True
        if u.answered:
            text += f" 전에 제출한 신청 {len(u.answered)}건도 그대로 있어요."
    return Outcome(Reply.say(text, quick=main_quick(u)), user=u, writes=writes)


def _claimed_by(ctx: Ctx, entry: str, key: str) -> bool:
    unit, _, rest = entry.partition("#")
    name = rest.split("#")[0]
    return any(e.entry == entry and e.claimed_by == key for e in ctx.db.roster_entries(unit, name))


def release_on_leave(ctx: Ctx, u: User) -> list[Write]:
    """What 탈퇴 (or 등록 해제) writes besides removing the user: their roster entry is free again, and whoever
    claims it next answers as the same person."""
    if u.roster and _claimed_by(ctx, u.roster, u.key):
        return [ReleaseRoster(u.roster, u.key)]
    return []
