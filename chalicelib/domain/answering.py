"""Member flows: list, answer step by step, review, submit, edit, withdraw, my submissions.

A draft lives in ``user.session["drafts"][survey_id]`` with a snapshot of the questions,
so answering costs one read (the user item) and one write. While a draft is the active
flow, ``session["flow"] == {"name": "answer", "sid": ...}``; 메뉴 pauses it, 신청 <제목>
resumes it, 취소 drops it.
"""
from __future__ import annotations

from typing import Any, Optional

from chalicelib.domain.common import (
    Ctx,
    Outcome,
    choose_reply,
    find_survey,
    main_quick,
    page_of,
    ref,
    split_page,
    visible_surveys,
)
from chalicelib.domain.model import CHOICE, DATE, MULTI, YESNO, Answer, Question, Survey, User, option_key
from chalicelib.domain.parsing import fmt_deadline, parse_answer, show_value
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.writes import CountResponse, DeleteAnswer, PutAnswer

MAX_DRAFTS = 5
NAV_WORDS = {"이전", "건너뛰기", "취소", "제출", "수정"}


# --- drafts -------------------------------------------------------------------

def drafts(u: User) -> dict[str, dict[str, Any]]:
    return u.session.setdefault("drafts", {})


def new_draft(s: Survey, now_iso: str, existing: Optional[Answer] = None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "sid": s.id,
        "title": s.title,
        "qs": [q.to_dict() for q in s.questions],
        "i": 0,
        "vals": dict(existing.values) if existing else {},
        "review": existing is not None,
        "ret": False,
        "ver": existing.version if existing else 0,
        "at": now_iso,
    }
    return d


def put_draft(u: User, d: dict[str, Any]) -> None:
    ds = drafts(u)
    ds[d["sid"]] = d
    while len(ds) > MAX_DRAFTS:  # bound the item size: drop the oldest draft
        oldest = min(ds.values(), key=lambda x: x.get("at", ""))
        ds.pop(oldest["sid"], None)
    u.session["flow"] = {"name": "answer", "sid": d["sid"]}


def questions(d: dict[str, Any]) -> list[Question]:
    return [Question.from_dict(q) for q in d["qs"]]


# --- prompts ------------------------------------------------------------------

def _remaining_note(ctx: Ctx, d: dict[str, Any], q: Question) -> dict[str, int]:
    """Remaining capacity per option (fresh read, only for questions with capacities)."""
    if not q.capacity:
        return {}
    s = ctx.db.get_survey(d["sid"])
    if s is None:
        return {}
    mine = d["vals"].get(q.id) if d.get("ver") else None
    out = {}
    for o in q.options:
        r = s.remaining(q, o)
        if r is not None:
            out[o] = r + (1 if mine == o else 0)  # my own stored pick still counts as mine
    return out


def ask(ctx: Ctx, d: dict[str, Any], note: str = "") -> Reply:
    qs = questions(d)
    q = qs[d["i"]]
    head = f"[{d['title']}] {d['i'] + 1}/{len(qs)}"
    kind_hint = {
        "text": "", "number": "숫자로 답해 주세요.", "choice": "하나를 골라 주세요.",
        "multi": "여러 개면 쉼표로 구분해 주세요. 예: 1, 3", "date": "예: 11/30, 내일", "yesno": "",
    }[q.kind]
    lines = [head, q.text + ("" if q.required else " (선택 응답)")]
    rem = _remaining_note(ctx, d, q)
    if q.kind in (CHOICE, MULTI):
        for n, o in enumerate(q.options, 1):
            extra = f" (남은 {rem[o]})" if o in rem else ""
            lines.append(f"{n}. {o}{extra}")
    if q.kind == "number" and (q.min is not None or q.max is not None):
        lo = "" if q.min is None else f"{q.min:g}"
        hi = "" if q.max is None else f"{q.max:g}"
        kind_hint = f"숫자로 답해 주세요 ({lo}~{hi})."
    current = d["vals"].get(q.id)
    if current not in (None, "", []):
        lines.append(f"지금 답: {show_value(q, current)}")
    if kind_hint:
        lines.append(kind_hint)
    # Taps carry the question they answer, so a double tap cannot also answer the next question.
    mark = {"sid": d["sid"], "q": q.id}
    picks: list[str] = []
    if q.kind == CHOICE or q.kind == MULTI:
        picks = [o for o in q.options if rem.get(o, 1) > 0][:7]
    elif q.kind == YESNO:
        picks = ["예", "아니오"]
    elif q.kind == DATE:
        picks = ["오늘", "내일"]
    if d["i"] > 0:
        picks.append("이전")
    if not q.required:
        picks.append("건너뛰기")
    quick: list[QuickLike] = [Quick(p, p, extra=mark) for p in picks]
    quick.append("취소")
    texts = [note] if note else []
    texts.append("\n".join(lines))
    return Reply.say(*texts, quick=quick)


def review(d: dict[str, Any], note: str = "") -> Reply:
    qs = questions(d)
    lines = [f"[{d['title']}] 제출 전 확인"]
    for n, q in enumerate(qs, 1):
        lines.append(f"{n}. {q.text}: {show_value(q, d['vals'].get(q.id))}")
    lines.append("이대로 제출할까요? 고치려면 '수정', 그만두려면 '취소'.")
    texts = [note] if note else []
    texts.append("\n".join(lines))
    return Reply.say(*texts, quick=["제출", "수정", "취소"])


# --- starting -----------------------------------------------------------------

def start(ctx: Ctx, arg: str) -> Outcome:
    """신청 <제목>: resume a draft, show my stored answer, or begin."""
    pool = visible_surveys(ctx)
    found = find_survey(arg, pool)
    if found.survey is None:
        return Outcome(choose_reply("신청", arg, found, pool, "'신청 목록'에서 골라 주세요."))
    s = found.survey
    u = ctx.me()
    if s.id in u.answered:
        a = ctx.db.get_answer(s.id, u.key)
        if a is not None:
            return Outcome(show_mine(ctx, s, a, pool))
    d = drafts(u).get(s.id)
    if d is not None:
        if not s.is_open(ctx.now):
            drafts(u).pop(s.id, None)
            return Outcome(Reply.say(f"'{s.title}'은(는) 마감되었어요.", quick=main_quick(u)), user=u)
        put_draft(u, d)
        return Outcome(review(d, "작성하던 답을 이어서 해요.") if d["review"] else ask(ctx, d, "작성하던 답을 이어서 해요."),
                       user=u)
    if not s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'은(는) 마감되었어요.", quick=["신청 목록", "메뉴"]))
    if not s.meant_for(u):
        return Outcome(Reply.say(f"'{s.title}'은(는) {s.target_unit} 대상 신청이에요.", quick=["신청 목록", "메뉴"]))
    if s.is_full():
        return Outcome(Reply.say(f"'{s.title}'은(는) 정원({s.cap}명)이 모두 찼어요.", quick=["신청 목록", "메뉴"]))
    d = new_draft(s, ctx.now.isoformat())
    put_draft(u, d)
    intro = f"'{s.title}' 신청을 시작해요. 질문 {len(s.questions)}개 · {fmt_deadline(s.deadline)}"
    if s.description:
        intro += f"\n{s.description}"
    return Outcome(ask(ctx, d, intro), user=u)


def show_mine(ctx: Ctx, s: Survey, a: Answer, pool: list[Survey]) -> Reply:
    lines = [f"[{s.title}] 내 답 ({'진행 중 · ' + fmt_deadline(s.deadline) if s.is_open(ctx.now) else '마감'})"]
    for n, q in enumerate(s.questions, 1):
        lines.append(f"{n}. {q.text}: {show_value(q, a.values.get(q.id))}")
    r = ref(s, pool)
    if s.is_open(ctx.now):
        lines.append("마감 전까지 고치거나 취소할 수 있어요.")
        quick: list[QuickLike] = [Quick("수정", f"신청 수정 {r}"), Quick("신청 취소", f"신청 취소 {r}"), "내 신청", "메뉴"]
    else:
        quick = ["내 신청", "메뉴"]
    return Reply.say("\n".join(lines), quick=quick)


def start_edit(ctx: Ctx, arg: str) -> Outcome:
    """신청 수정 <제목>: a draft prefilled with my stored answer, on the review card."""
    pool = visible_surveys(ctx)
    found = find_survey(arg, [s for s in pool if s.id in ctx.user.answered] or pool)  # type: ignore[union-attr]
    if found.survey is None:
        return Outcome(choose_reply("신청 수정", arg, found, pool, "'내 신청'에서 골라 주세요."))
    s = found.survey
    a = ctx.db.get_answer(s.id, ctx.key)
    if a is None:
        return start(ctx, ref(s, pool))
    if not s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'은(는) 마감되어 고칠 수 없어요.", quick=["내 신청", "메뉴"]))
    u = ctx.me()
    d = new_draft(s, ctx.now.isoformat(), existing=a)
    put_draft(u, d)
    return Outcome(review(d, "고칠 번호를 '수정'으로 고르고, 다 고치면 '제출'하세요."), user=u)


# --- inside the answer flow ------------------------------------------------------

def in_flow(ctx: Ctx, text: str) -> Outcome:
    u = ctx.me()
    sid = u.session.get("flow", {}).get("sid", "")
    d = drafts(u).get(sid)
    if d is None:  # flow points nowhere (draft dropped elsewhere): leave it
        u.session.pop("flow", None)
        return Outcome(Reply.say("작성 중인 신청이 없어요.", quick=main_quick(u)), user=u)
    qs = questions(d)
    if is_stale_tap(ctx.tap, d, qs):
        # The same quick reply tapped twice (or an old one): it was already applied to its question.
        note = "앞의 답은 이미 반영했어요."
        return Outcome(review(d, note) if d["review"] else ask(ctx, d, note))
    if text == "취소":
        drafts(u).pop(sid, None)
        u.session.pop("flow", None)
        msg = "작성하던 답을 지웠어요." + (" 제출했던 답은 그대로예요." if d.get("ver") else "")
        return Outcome(Reply.say(msg, quick=main_quick(u)), user=u)
    if d["review"]:
        return _in_review(ctx, u, d, qs, text)
    q = qs[d["i"]]
    if text == "이전":
        if d["i"] == 0:
            return Outcome(ask(ctx, d, "첫 질문이에요."))
        d["i"] -= 1
        return Outcome(ask(ctx, d), user=u)
    if text == "건너뛰기":
        if q.required:
            return Outcome(ask(ctx, d, "꼭 답해야 하는 질문이에요."))
        d["vals"].pop(q.id, None)
        return _advance(ctx, u, d, qs)
    value, why = parse_answer(q, text, ctx.now.date())
    if why:
        return Outcome(ask(ctx, d, why))
    if q.kind == CHOICE and q.capacity:
        rem = _remaining_note(ctx, d, q)
        if rem.get(value, 1) <= 0:
            return Outcome(ask(ctx, d, f"'{value}'은(는) 정원이 찼어요. 다른 보기를 골라 주세요."))
    d["vals"][q.id] = value
    return _advance(ctx, u, d, qs)


def is_stale_tap(tap: dict[str, Any], d: dict[str, Any], qs: list[Question]) -> bool:
    """A tapped answer meant for another question than the one now asked (typed text has no tap)."""
    if not tap.get("q"):
        return False
    if tap.get("sid") != d["sid"] or d["review"]:
        return True
    return tap["q"] != qs[d["i"]].id


def _advance(ctx: Ctx, u: User, d: dict[str, Any], qs: list[Question]) -> Outcome:
    if d.get("ret") or d["i"] + 1 >= len(qs):
        d["ret"] = False
        d["review"] = True
        return Outcome(review(d), user=u)
    d["i"] += 1
    return Outcome(ask(ctx, d), user=u)


def _in_review(ctx: Ctx, u: User, d: dict[str, Any], qs: list[Question], text: str) -> Outcome:
    if text == "제출":
        return submit(ctx, u, d, qs)
    if text == "이전":
        d["review"] = False
        d["i"] = len(qs) - 1
        return Outcome(ask(ctx, d), user=u)
    if text.startswith("수정"):
        arg = text[2:].strip().rstrip("번")
        if arg.isdigit() and 1 <= int(arg) <= len(qs):
            d["review"] = False
            d["ret"] = True
            d["i"] = int(arg) - 1
            return Outcome(ask(ctx, d), user=u)
        quick: list[QuickLike] = [Quick(f"{n}번", f"수정 {n}") for n in range(1, min(len(qs), 8) + 1)]
        return Outcome(Reply.say("몇 번 질문을 고칠까요? 번호를 눌러 주세요 (예: 수정 2).", quick=quick + ["제출", "취소"]))
    return Outcome(review(d, "'제출', '수정' 또는 '취소' 중에서 골라 주세요."))


def _option_deltas(qs: list[Question], old: dict[str, Any], new: dict[str, Any]) -> dict[str, int]:
    deltas: dict[str, int] = {}
    for q in qs:
        if q.kind not in (CHOICE, MULTI):
            continue
        for vals, sign in ((old.get(q.id), -1), (new.get(q.id), 1)):
            picked = vals if isinstance(vals, list) else ([vals] if vals else [])
            for o in picked:
                k = option_key(q.id, o)
                deltas[k] = deltas.get(k, 0) + sign
    return {k: v for k, v in deltas.items() if v}


def submit(ctx: Ctx, u: User, d: dict[str, Any], qs: list[Question]) -> Outcome:
    """제출: one transaction of answer + counters + user (see domain.writes for the conditions)."""
    sid = d["sid"]
    s = ctx.db.get_survey(sid)

    def drop(msg: str, quick: Optional[list[QuickLike]] = None) -> Outcome:
        drafts(u).pop(sid, None)
        u.session.pop("flow", None)
        return Outcome(Reply.say(msg, quick=quick or main_quick(u)), user=u)

    if s is None:
        return drop("이 신청은 삭제되었어요. 작성하던 답은 지웠어요.")
    if not s.is_open(ctx.now):
        return drop(f"'{s.title}'은(는) 마감되어 제출할 수 없어요.")
    missing = [n for n, q in enumerate(qs, 1) if q.required and d["vals"].get(q.id) in (None, "", [])]
    if missing:
        d["review"], d["ret"], d["i"] = False, True, missing[0] - 1
        return Outcome(ask(ctx, d, f"{missing[0]}번은 꼭 답해야 해요."), user=u)
    existing = ctx.db.get_answer(sid, u.key)
    ver = int(d.get("ver", 0))
    if ver == 0 and existing is not None:
        u.answered.add(sid)
        return drop(f"'{s.title}'에는 이미 제출한 답이 있어요. '내 신청'에서 확인하세요.", ["내 신청", "메뉴"])
    if ver and (existing is None or existing.version != ver):
        return drop("그사이 답이 바뀌었거나 취소되었어요. 다시 확인해 주세요.", ["내 신청", "메뉴"])
    if not ver and s.is_full():
        return drop(f"아쉽지만 '{s.title}'은(는) 정원({s.cap}명)이 모두 찼어요.")
    deltas = _option_deltas(qs, existing.values if existing else {}, d["vals"])
    limits: dict[str, int] = {}
    for q in s.questions:
        for o, cap in q.capacity.items():
            k = option_key(q.id, o)
            limits[k] = cap
            if deltas.get(k, 0) > 0 and s.option_counts.get(k, 0) + deltas[k] > cap:
                n = next(i for i, x in enumerate(qs) if x.id == q.id)
                d["review"], d["ret"], d["i"] = False, True, n
                return Outcome(ask(ctx, d, f"'{o}'은(는) 방금 정원이 찼어요. 다른 보기를 골라 주세요."), user=u)
    now_iso = ctx.now.isoformat()
    answer = Answer(
        survey_id=sid, user_key=u.key, values=dict(d["vals"]), name=u.name, unit=u.unit,
        submitted_at=existing.submitted_at if existing else now_iso,
        updated_at=now_iso if existing else "", survey_title=s.title, version=ver,
    )
    writes = [
        PutAnswer(answer),
        CountResponse(sid, ctx.now, response_delta=0 if existing else 1, option_deltas=deltas,
                      cap=s.cap, limits={k: v for k, v in limits.items() if k in deltas}),
    ]
    drafts(u).pop(sid, None)
    u.session.pop("flow", None)
    u.answered.add(sid)
    verb = "수정했어요" if existing else "제출했어요"
    msg = f"'{s.title}' 답을 {verb}! 마감({fmt_deadline(s.deadline)}) 전까지 고치거나 취소할 수 있어요."
    return Outcome(Reply.say(msg, quick=["내 신청", "신청 목록", "메뉴"]), user=u, writes=writes)


# --- withdraw -----------------------------------------------------------------------

def ask_withdraw(ctx: Ctx, arg: str) -> Outcome:
    assert ctx.user is not None
    pool = visible_surveys(ctx)
    mine = [s for s in pool if s.id in ctx.user.answered]
    found = find_survey(arg, mine)
    if found.survey is None:
        return Outcome(choose_reply("신청 취소", arg, found, mine, "제출한 신청만 취소할 수 있어요. '내 신청'을 확인하세요."))
    s = found.survey
    if not s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'은(는) 마감되어 취소할 수 없어요.", quick=["내 신청", "메뉴"]))
    u = ctx.me()
    u.session["flow"] = {"name": "confirm", "action": "withdraw", "sid": s.id, "title": s.title}
    return Outcome(Reply.say(f"'{s.title}' 신청을 취소할까요? 제출한 답이 지워져요.", quick=["예", "아니오"]), user=u)


def withdraw(ctx: Ctx, u: User, sid: str) -> Outcome:
    s = ctx.db.get_survey(sid)
    a = ctx.db.get_answer(sid, u.key)
    if s is None or a is None:
        u.answered.discard(sid)
        return Outcome(Reply.say("취소할 답이 없어요.", quick=["내 신청", "메뉴"]), user=u)
    if not s.is_open(ctx.now):
        return Outcome(Reply.say(f"'{s.title}'은(는) 마감되어 취소할 수 없어요.", quick=["내 신청", "메뉴"]), user=u)
    deltas = {k: -v for k, v in _option_deltas(s.questions, {}, a.values).items()}
    u.answered.discard(sid)
    drafts(u).pop(sid, None)
    writes = [DeleteAnswer(sid, u.key, a.version), CountResponse(sid, ctx.now, response_delta=-1, option_deltas=deltas)]
    return Outcome(Reply.say(f"'{s.title}' 신청을 취소했어요. 마감 전이면 다시 신청할 수 있어요.",
                             quick=["신청 목록", "내 신청", "메뉴"]), user=u, writes=writes)


# --- lists ----------------------------------------------------------------------------

def status_of(ctx: Ctx, s: Survey) -> str:
    assert ctx.user is not None
    if s.id in ctx.user.answered:
        return "응답함"
    if s.id in ctx.user.session.get("drafts", {}):
        return "작성 중"
    return "미응답"


def list_open(ctx: Ctx, arg: str) -> Outcome:
    """신청 목록 [쪽]: open surveys meant for me."""
    assert ctx.user is not None
    _, page = split_page(f"x {arg}".strip())
    pool = visible_surveys(ctx)
    items = [s for s in pool if s.is_open(ctx.now) and s.meant_for(ctx.user)]
    items.sort(key=lambda s: (s.id in ctx.user.answered, s.deadline.isoformat() if s.deadline else "9"))
    if not items:
        return Outcome(Reply.say("지금 응답할 수 있는 신청이 없어요.", quick=main_quick(ctx.user)))
    shown, more = page_of(items, page)
    lines = [f"응답할 수 있는 신청 {len(items)}건" + (f" ({page}쪽)" if page > 1 else "")]
    for s in shown:
        lines.append(f"• {s.title} — {fmt_deadline(s.deadline)} 마감 · {status_of(ctx, s)}")
    quick: list[QuickLike] = [Quick(s.title, f"신청 {ref(s, pool)}") for s in shown]
    if more:
        quick.append(Quick("더보기", f"신청 목록 {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=quick + ["메뉴"]))


def list_mine(ctx: Ctx, arg: str) -> Outcome:
    """내 신청 [쪽]: my submissions, open ones first."""
    assert ctx.user is not None
    _, page = split_page(f"x {arg}".strip())
    pool = visible_surveys(ctx)
    items = [s for s in pool if s.id in ctx.user.answered]
    items.sort(key=lambda s: (not s.is_open(ctx.now), s.deadline.isoformat() if s.deadline else "9"))
    if not items:
        return Outcome(Reply.say("아직 제출한 신청이 없어요.", quick=["신청 목록", "메뉴"]))
    shown, more = page_of(items, page)
    lines = [f"내가 제출한 신청 {len(items)}건"]
    for s in shown:
        state = f"진행 중 · {fmt_deadline(s.deadline)}" if s.is_open(ctx.now) else "마감"
        lines.append(f"• {s.title} ({state})")
    quick: list[QuickLike] = [Quick(s.title, f"신청 {ref(s, pool)}") for s in shown]
    if more:
        quick.append(Quick("더보기", f"내 신청 {page + 1}"))
    return Outcome(Reply.say("\n".join(lines), quick=quick + ["메뉴"]))


def pending(ctx: Ctx) -> list[Survey]:
    """Open surveys meant for me that I have not answered, soonest deadline first."""
    assert ctx.user is not None
    u = ctx.user
    waiting = [s for s in ctx.surveys() if s.is_open(ctx.now) and s.meant_for(u) and s.id not in u.answered]
    waiting.sort(key=lambda s: s.deadline.isoformat() if s.deadline else "9")
    return waiting


def pending_line(waiting: list[Survey]) -> str:
    """'미응답 신청 2건 · BBQ 11/30 18:00 마감' for the menu, '' when nothing waits."""
    if not waiting:
        return ""
    first = waiting[0]
    line = f"미응답 신청 {len(waiting)}건 · {first.title} {fmt_deadline(first.deadline)}"
    return line + (" 마감" if first.deadline else "")
