"""대리 응답: an admin of a survey enters the answer of someone who cannot answer in chat (no smartphone, on leave, not
registered yet), through the same questions. The answer is kept as that person's (under their person key), so 미응답
and 알림 stop chasing them and, registered now or later, they see it in 내 신청 and may edit it while it is open; it
records who entered it (the export's 입력 column), and every one is audited. A survey kept without names cannot take
one: nothing would say whose it is."""

from __future__ import annotations

import hashlib

from chalicelib.domain.asking import ask, put_draft, review, where_we_are
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.marks import entry_mark, person_mark
from chalicelib.domain.model import MODE_NAMES, Survey, target_units
from chalicelib.domain.particles import pp
from chalicelib.domain.record import record
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.roster_records import unit_key
from chalicelib.domain.roster_writes import SetEntryPerson
from chalicelib.domain.session import Draft
from chalicelib.domain.targets import Target
from chalicelib.domain.writes import PutUser, Write


@record(frozen=True)
class Someone:
    """A person of the survey's target an answer may be entered for."""

    name: str
    unit: str
    mark: str
    person: str  # the key their answers are kept under ("" = none yet: a roster entry nobody registered as)
    key: str = ""  # their Kakao key, when registered
    entry: str = ""  # their roster entry, when on the roster

    @property
    def label(self) -> str:
        return f"{self.unit} {self.name}".strip()


def start(ctx: Ctx, t: Target) -> Outcome:
    """대리 응답 <제목> <이름>: the first question (or, for an answer entered before, the card to edit it)."""
    s, who = t.survey, t.rest
    r = t.ref
    if s.anonymous:
        return _say(
            f"'{s.title}'{pp(s.title, '은(는)')} {MODE_NAMES[s.mode]} 신청이라 누구의 답인지 남기지 않아서 "
            "대리 응답을 받을 수 없어요. 본인이 직접 답하도록 '미응답'으로 확인해 주세요.",
            r,
        )
    if not s.is_open(ctx.now):
        return _say(f"'{s.title}'{pp(s.title, '은(는)')} 마감되어 대리 응답을 받을 수 없어요.", r)
    if not who:
        return _say(f"누구의 답인지 이름을 붙여 주세요. 예: 대리 응답 {r} 홍길동", r)
    found = named(ctx, s, who)
    if len(found) != 1:
        return which(r, who, found)
    p = found[0]
    if p.key == ctx.key:
        return _say("내 답은 '신청 <제목>'으로 직접 해 주세요.", r)
    session = ctx.state()
    mine = session.drafts.get(s.id)
    if mine is not None and mine.proxy.get("person", "") == (p.person or _new_person(p.entry)):
        put_draft(session, mine)
        return Outcome(where_we_are(ctx, mine, f"{p.label}님의 답을 이어서 적어요."), session=session)
    if mine is not None:
        whose = f"{mine.proxy['label']}님의 대리 응답을" if mine.proxy else "내 답을"
        again = f"신청 {s.title}"
        return _say(
            f"'{s.title}'에 적던 {whose} 먼저 제출하거나 취소해 주세요 ('{again}'{pp(again, '(으)로')} 이어서).", r
        )
    existing = ctx.db.get_answer(s.id, p.person) if p.person else None
    if existing is not None and not existing.entered_by:
        return _say(f"{p.label}님은 '{s.title}'에 직접 응답했어요. 본인의 답은 본인만 고칠 수 있어요.", r)
    proxy = {"person": p.person or _new_person(p.entry), "name": p.name, "unit": p.unit, "label": p.label}
    proxy.update(key=p.key, entry="" if p.person else p.entry, ref=f"{p.name}#{p.mark}")
    form = ctx.db.get_survey_form(s.id) or s
    values, version = (existing.values, existing.version) if existing is not None else ({}, 0)
    d = Draft.start(form, ctx.now.isoformat(), values=values, version=version)
    d.proxy = proxy
    put_draft(session, d)
    if existing is not None:
        note = f"{p.label}님의 답을 전에 대신 적었어요. 고칠 번호를 '수정'으로 고르고 '제출'하세요."
        return Outcome(review(d, note), session=session)
    note = f"'{s.title}'에 {p.label}님의 답을 대신 적어요. 본인에게 물어본 대로 답해 주세요."
    return Outcome(ask(ctx, d, note), session=session)


def _new_person(entry: str) -> str:
    """The person key of a roster entry nobody has registered as yet: made from the entry, so that entering their
    answer twice (or again after a lost race) names the same person."""
    return "e" + hashlib.sha256(entry.encode()).hexdigest()[:40] if entry else ""


def named(ctx: Ctx, s: Survey, who: str) -> list[Someone]:
    """The people of ``s``'s target that ``who`` names ('홍길동', '홍길동(2중대)', '홍길동#<mark>')."""
    name, unit, mark = who.strip(), "", ""
    if "#" in name:
        name, _, mark = name.partition("#")
    if name.endswith(")") and "(" in name:
        name, _, unit = name[:-1].partition("(")
    if " " in name.strip():  # '2중대 홍길동'
        unit, _, name = name.strip().rpartition(" ")
    name, unit = name.strip(), unit_key(unit)
    units = target_units(s.target_unit)
    entries = [e for u in units for e in ctx.db.roster_entries(u, name)] if units else ctx.db.roster_entries("", name)
    found = [Someone(e.name, e.unit, entry_mark(e), e.person, e.claimed_by, e.entry) for e in entries]
    held = {e.claimed_by for e in entries if e.claimed_by}
    for u in ctx.db.find_users_by_name(name):
        if u.key not in held and s.meant_for(u):
            found.append(Someone(u.name, u.unit, person_mark(u.person_key), u.person_key, u.key))
    if unit:
        found = [p for p in found if unit_key(p.unit) == unit]
    return [p for p in found if not mark or p.mark.startswith(mark)]


def which(r: str, who: str, found: list[Someone], cmd: str = "대리 응답") -> Outcome:
    """No one, or several, of the survey's people are named ``who``: say so, with a chip of ``cmd`` for each."""
    if not found:
        return _say(f"'{who}'{pp(who, '은(는)')} 이 신청의 대상에 없어요. 이름과 소속을 확인해 주세요.", r)
    shown = found[:8]
    quick: list[QuickLike] = [Quick(f"{p.label}#{p.mark}"[:14], f"{cmd} {r} {p.name}#{p.mark}") for p in shown]
    lines = [f"'{who}'{pp(who, '이(가)')} {len(found)}명이에요. 누구의 답인가요?"]
    lines += [f"• {p.label}#{p.mark}" for p in shown]
    return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]))


def _say(text: str, r: str) -> Outcome:
    return Outcome(Reply.say(text, quick=[Quick("미응답", f"미응답 {r}"), Quick("현황", f"현황 {r}"), "메뉴"]))


def submitted(ctx: Ctx, d: Draft, s: Survey, *, edited: bool) -> tuple[Reply, list[Write]]:
    """What the admin is told once the answer is in, and what is written with it besides: the audit, the person's own
    item remembering it (registered), the roster entry given the person key (not registered yet)."""
    p = d.proxy
    writes: list[Write] = [ctx.audit("proxy_answer", s.id, p["person"])]
    if p.get("entry"):
        writes.append(SetEntryPerson(p["entry"], p["person"]))
    person = ctx.db.get_user(p["key"]) if p.get("key") else None
    if person is not None and s.id not in person.answered:
        person.answered[s.id] = int(ctx.now.timestamp())
        writes.append(PutUser(person))
    verb = "고쳤어요" if edited else "대신 제출했어요"
    r = f"{s.title}#{s.id}"
    reply = Reply.say(
        f"'{s.title}'에 {p['label']}님의 답을 {verb}. 그분의 답으로 세고, 미응답과 알림에서 빠져요.",
        quick=[Quick("현황", f"현황 {r}"), Quick("미응답", f"미응답 {r}"), "메뉴"],
    )
    return reply, writes
