"""Admin and super-admin flows. Every command checks role and ownership here, in the core.

A refused attempt is answered politely and written to the audit trail.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Optional

from chalicelib.domain.common import (
    Ctx,
    ExportJob,
    Outcome,
    choose_reply,
    find_survey,
    main_quick,
    managed_surveys,
    page_of,
    ref,
    split_page,
)
from chalicelib.domain.model import (
    ADMIN,
    CHOICE,
    CLOSED,
    MEMBER,
    MULTI,
    NUMBER,
    OPEN,
    ROLE_NAMES,
    YESNO,
    Answer,
    Survey,
    User,
)
from chalicelib.domain.parsing import fmt_deadline, fmt_number
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.writes import AddCoadmin, DeleteSurvey, PutUser, SetSurveyStatus

NAMES_PER_PAGE = 60


def denied(ctx: Ctx, action: str, what: str = "관리자") -> Outcome:
    """A polite refusal, audited."""
    return Outcome(Reply.say(f"{what}만 쓸 수 있는 명령이에요.", quick=main_quick(ctx.user)),
                   writes=[ctx.audit("denied", action)])


def _resolve(ctx: Ctx, cmd: str, arg: str) -> tuple[Optional[Survey], Optional[Outcome], list[Survey]]:
    """Find a survey this admin manages; otherwise the reply to give (choices, not found, refused)."""
    pool = managed_surveys(ctx)
    found = find_survey(arg, pool)
    if found.survey is not None:
        return found.survey, None, pool
    if not found.choices:
        # Someone else's survey by exact title: refuse (and audit) rather than say "not found".
        others = find_survey(arg, ctx.surveys())
        if others.survey is not None:
            return None, Outcome(Reply.say("내가 만들었거나 공동관리자인 신청만 다룰 수 있어요.", quick=["내 신청서", "메뉴"]),
                                 writes=[ctx.audit("denied", others.survey.id, cmd)]), pool
    return None, Outcome(choose_reply(cmd, arg, found, pool, "'내 신청서'에서 골라 주세요.")), pool


def my_surveys(ctx: Ctx, arg: str) -> Outcome:
    """내 신청서 [쪽]."""
    _, page = split_page(f"x {arg}".strip())
    pool = managed_surveys(ctx)
    if not pool:
        return Outcome(Reply.say("아직 만든 신청서가 없어요.", quick=["신청 만들기", "메뉴"]))
    pool.sort(key=lambda s: (not s.is_open(ctx.now), s.created_at), reverse=False)
    shown, more = page_of(pool, page)
    lines = [f"내 신청서 {len(pool)}건"]
    for s in shown:
        state = "진행 중" if s.is_open(ctx.now) else "마감"
        cap = f"/{s.cap}" if s.cap else ""
        lines.append(f"• {s.title} — {state} · 응답 {s.response_count}{cap} · {fmt_deadline(s.deadline)}")
    quick: list[QuickLike] = [Quick(s.title, f"현황 {ref(s, pool)}") for s in shown]
    if more:
        quick.append(Quick("더보기", f"내 신청서 {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=quick + ["메뉴"]))


def _tally(s: Survey, answers: list[Answer]) -> list[str]:
    lines: list[str] = []
    first_choice = next((q for q in s.questions if q.kind == CHOICE), None)
    for n, q in enumerate(s.questions, 1):
        vals = [a.values.get(q.id) for a in answers if a.values.get(q.id) not in (None, "", [])]
        if q.kind in (CHOICE, MULTI):
            c: Counter[str] = Counter()
            for v in vals:
                c.update(v if isinstance(v, list) else [v])
            parts = []
            for o in q.options:
                rem = s.remaining(q, o)
                parts.append(f"{o} {c[o]}" + (f"(남은 {rem})" if rem is not None else ""))
            lines.append(f"{n}. {q.text}: " + ", ".join(parts))
        elif q.kind == NUMBER:
            nums = [v for v in vals if isinstance(v, (int, float))]
            total = sum(nums)
            lines.append(f"{n}. {q.text}: 합계 {fmt_number(total)} (응답 {len(nums)})")
            if first_choice is not None:
                by_opt: dict[str, float] = defaultdict(float)
                for a in answers:
                    o, v = a.values.get(first_choice.id), a.values.get(q.id)
                    if isinstance(o, str) and isinstance(v, (int, float)):
                        by_opt[o] += v
                if by_opt:
                    lines.append("   보기별: " + ", ".join(f"{o} {fmt_number(by_opt[o])}" for o in first_choice.options
                                                         if o in by_opt))
        elif q.kind == YESNO:
            yes = sum(1 for v in vals if v is True)
            lines.append(f"{n}. {q.text}: 예 {yes}, 아니오 {len(vals) - yes}")
        else:
            lines.append(f"{n}. {q.text}: 응답 {len(vals)}")
    return lines


def _by_unit(s: Survey, answers: list[Answer]) -> list[str]:
    units: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        units[a.unit or "(소속 없음)"].append(a)
    if not answers:
        return []
    nums = [q for q in s.questions if q.kind == NUMBER]
    lines = ["소속별:"]
    for unit in sorted(units):
        group = units[unit]
        extra = ""
        for q in nums[:2]:
            total = sum(v for a in group if isinstance(v := a.values.get(q.id), (int, float)))
            extra += f", {q.text[:10]} {fmt_number(total)}"
        lines.append(f"• {unit} {len(group)}명{extra}")
    return lines


def status(ctx: Ctx, arg: str) -> Outcome:
    """현황 <제목>: count vs target, per-option counts and remaining capacity, sums, per-unit breakdown."""
    s, out, pool = _resolve(ctx, "현황", arg)
    if s is None:
        return out  # type: ignore[return-value]
    answers = ctx.db.list_answers(s.id)
    target = ctx.db.list_users(s.target_unit)
    state = "진행 중" if s.is_open(ctx.now) else "마감"
    cap = f" · 최대 {s.cap}" if s.cap else ""
    head = [f"[{s.title}] 현황 ({state} · {fmt_deadline(s.deadline)})",
            f"응답 {len(answers)}명 / 대상 {len(target)}명 ({s.target_unit or '전체'}){cap}"]
    body = "\n".join(head + _tally(s, answers))
    units = "\n".join(_by_unit(s, answers))
    r = ref(s, pool)
    toggle = Quick("재개", f"재개 {r}") if not s.is_open(ctx.now) else Quick("마감", f"마감 {r}")
    quick: list[QuickLike] = [Quick("미응답", f"미응답 {r}"), Quick("다운로드", f"다운로드 {r}"), toggle,
                              Quick("공동관리자", f"공동관리자 {r}"), "내 신청서", "메뉴"]
    return Outcome(Reply.say(body, units, quick=quick))


def missing(ctx: Ctx, arg: str) -> Outcome:
    """미응답 <제목> [쪽]: registered members of the target who have not answered."""
    title, page = split_page(arg)
    s, out, pool = _resolve(ctx, "미응답", title)
    if s is None and page > 1:  # a title that ends in a number
        s, out, pool = _resolve(ctx, "미응답", arg)
        page = 1
    if s is None:
        return out  # type: ignore[return-value]
    answered = {a.user_key for a in ctx.db.list_answers(s.id)}
    people = sorted((u for u in ctx.db.list_users(s.target_unit) if u.key not in answered),
                    key=lambda u: (u.unit, u.name))
    r = ref(s, pool)
    if not people:
        return Outcome(Reply.say(f"[{s.title}] 대상자 모두 응답했어요.", quick=[Quick("현황", f"현황 {r}"), "메뉴"]))
    start = (page - 1) * NAMES_PER_PAGE
    shown = people[start:start + NAMES_PER_PAGE]
    lines = [f"[{s.title}] 미응답 {len(people)}명" + (f" ({page}쪽)" if page > 1 else "")]
    lines.append(", ".join(u.label() for u in shown))
    quick: list[QuickLike] = [Quick("현황", f"현황 {r}")]
    if len(people) > start + NAMES_PER_PAGE:
        quick.insert(0, Quick("더보기", f"미응답 {r} {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=quick + ["메뉴"]))


def close(ctx: Ctx, arg: str) -> Outcome:
    s, out, pool = _resolve(ctx, "마감", arg)
    if s is None:
        return out  # type: ignore[return-value]
    r = ref(s, pool)
    if s.status == CLOSED:
        return Outcome(Reply.say(f"'{s.title}'은(는) 이미 마감되어 있어요.", quick=[Quick("재개", f"재개 {r}"), "메뉴"]))
    return Outcome(Reply.say(f"'{s.title}'을(를) 마감했어요. 응답 {s.response_count}명. 다시 열려면 '재개 {s.title}'.",
                             quick=[Quick("현황", f"현황 {r}"), Quick("다운로드", f"다운로드 {r}"), Quick("재개", f"재개 {r}")]),
                   writes=[SetSurveyStatus(s.id, CLOSED), ctx.audit("close", s.id, s.title)])


def reopen(ctx: Ctx, arg: str) -> Outcome:
    s, out, pool = _resolve(ctx, "재개", arg)
    if s is None:
        return out  # type: ignore[return-value]
    r = ref(s, pool)
    if s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'은(는) 이미 진행 중이에요.", quick=[Quick("현황", f"현황 {r}"), "메뉴"]))
    past = s.deadline is not None and s.deadline <= ctx.now
    note = " 마감 시각이 지나 있어서 마감 없이 열었어요. 닫으려면 '마감 " + s.title + "'." if past else ""
    return Outcome(Reply.say(f"'{s.title}'을(를) 다시 열었어요.{note}", quick=[Quick("현황", f"현황 {r}"), "메뉴"]),
                   writes=[SetSurveyStatus(s.id, OPEN, clear_deadline=past), ctx.audit("reopen", s.id, s.title)])


def ask_delete(ctx: Ctx, arg: str) -> Outcome:
    s, out, _ = _resolve(ctx, "삭제", arg)
    if s is None:
        return out  # type: ignore[return-value]
    u = ctx.me()
    u.session["flow"] = {"name": "confirm", "action": "delete", "sid": s.id, "title": s.title}
    return Outcome(Reply.say(f"'{s.title}'을(를) 삭제할까요? 응답 {s.response_count}건과 내려받은 파일도 함께 지워지고 되돌릴 수 없어요.",
                             quick=["예", "아니오"]), user=u)


def delete(ctx: Ctx, u: User, sid: str) -> Outcome:
    s = ctx.db.get_survey(sid)
    if s is None:
        return Outcome(Reply.say("이미 삭제된 신청이에요.", quick=main_quick(u)), user=u)
    if not s.managed_by(u):
        return Outcome(Reply.say("내가 관리하는 신청만 삭제할 수 있어요.", quick=main_quick(u)), user=u,
                       writes=[ctx.audit("denied", sid, "삭제")])
    return Outcome(Reply.say(f"'{s.title}'을(를) 삭제했어요.", quick=["내 신청서", "메뉴"]), user=u,
                   writes=[ctx.audit("delete", sid, s.title), DeleteSurvey(sid)])


def download(ctx: Ctx, arg: str) -> Outcome:
    s, out, _ = _resolve(ctx, "다운로드", arg)
    if s is None:
        return out  # type: ignore[return-value]
    return Outcome(Reply.say("파일을 만들고 있어요."), writes=[ctx.audit("download", s.id, s.title)],
                   export=ExportJob([s.id]))


def master_key(ctx: Ctx) -> Outcome:
    ids = [s.id for s in ctx.surveys()]
    if not ids:
        return Outcome(Reply.say("아직 신청이 하나도 없어요.", quick=main_quick(ctx.user)))
    return Outcome(Reply.say("전체 파일을 만들고 있어요."), writes=[ctx.audit("download_all", "*", f"{len(ids)}건")],
                   export=ExportJob(ids, master=True))


# --- people ---------------------------------------------------------------------------------

def find_person(ctx: Ctx, text: str) -> tuple[Optional[User], list[User]]:
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
    same_unit = [x for x in among if x.unit == u.unit]
    if len(same_unit) > 1 or not u.unit:
        return f"{u.name}#{u.key[:8]}"
    return f"{u.name}({u.unit})"


def _which(cmd: str, name: str, people: list[User]) -> Outcome:
    if not people:
        return Outcome(Reply.say(f"'{name}'(으)로 등록된 사람이 없어요. 이름을 확인해 주세요.", quick=["메뉴"]))
    quick: list[QuickLike] = [Quick(person_ref(u, people)[:14], f"{cmd} {person_ref(u, people)}") for u in people[:8]]
    lines = [f"'{name}'이(가) {len(people)}명이에요. 누구인가요?"] + [f"• {u.label()}" for u in people[:8]]
    return Outcome(Reply.say("\n".join(lines), quick=quick + ["메뉴"]))


def coadmin(ctx: Ctx, arg: str) -> Outcome:
    """공동관리자 <제목> <이름>."""
    title, _, who = arg.rpartition(" ")
    if not title or not who:
        s_only, out, pool = _resolve(ctx, "공동관리자", arg)
        if s_only is None:
            return out  # type: ignore[return-value]
        return Outcome(Reply.say(f"함께 관리할 관리자의 이름을 붙여 주세요. 예: 공동관리자 {ref(s_only, pool)} 홍길동",
                                 quick=["메뉴"]))
    s, out, pool = _resolve(ctx, "공동관리자", title)
    if s is None:
        return out  # type: ignore[return-value]
    person, many = find_person(ctx, who)
    if person is None:
        return _which(f"공동관리자 {ref(s, pool)}", who, many)
    if not person.is_admin:
        return Outcome(Reply.say(f"{person.label()}님은 관리자가 아니에요. 슈퍼관리자에게 관리자 등록을 부탁하세요.", quick=["메뉴"]))
    if person.key == s.owner or person.key in s.coadmins:
        return Outcome(Reply.say(f"{person.label()}님은 이미 '{s.title}'을(를) 관리하고 있어요.", quick=["메뉴"]))
    return Outcome(Reply.say(f"{person.label()}님이 '{s.title}'의 공동관리자가 되었어요.",
                             quick=[Quick("현황", f"현황 {ref(s, pool)}"), "메뉴"]),
                   writes=[AddCoadmin(s.id, person.key), ctx.audit("add_coadmin", s.id, person.key)])


def set_admin(ctx: Ctx, arg: str, grant: bool) -> Outcome:
    """관리자 등록 / 관리자 해제 <이름> (super admin only)."""
    cmd = "관리자 등록" if grant else "관리자 해제"
    if not arg:
        return Outcome(Reply.say(f"이름을 붙여 주세요. 예: {cmd} 홍길동", quick=["관리자 목록", "메뉴"]))
    person, many = find_person(ctx, arg)
    if person is None:
        return _which(cmd, arg, many)
    if person.key == ctx.key:
        return Outcome(Reply.say("자기 자신의 등급은 바꿀 수 없어요.", quick=["관리자 목록", "메뉴"]))
    if person.is_super:
        return Outcome(Reply.say("슈퍼관리자의 등급은 채팅으로 바꿀 수 없어요.", quick=["관리자 목록", "메뉴"]))
    if grant == person.is_admin:
        state = "이미 관리자예요" if grant else "관리자가 아니에요"
        return Outcome(Reply.say(f"{person.label()}님은 {state}.", quick=["관리자 목록", "메뉴"]))
    person.role = ADMIN if grant else MEMBER
    done = "관리자로 등록했어요" if grant else "관리자에서 해제했어요"
    return Outcome(Reply.say(f"{person.label()}님을 {done}.", quick=["관리자 목록", "메뉴"]),
                   writes=[PutUser(person), ctx.audit("grant_admin" if grant else "revoke_admin", person.key, person.name)])


def list_admins(ctx: Ctx) -> Outcome:
    admins = sorted(ctx.db.list_admins(), key=lambda u: (-u.role, u.unit, u.name))
    if not admins:
        return Outcome(Reply.say("관리자가 없어요.", quick=["메뉴"]))
    lines = [f"관리자 {len(admins)}명"] + [f"• {u.label()} — {ROLE_NAMES[u.role]}" for u in admins]
    return Outcome(Reply.say("\n".join(lines), quick=["관리자 등록", "관리자 해제", "메뉴"]))

