"""신청 만들기: the admin's wizard.

title → description → (question text → kind → range | options → required)* → deadline
→ target unit → response cap → preview → 개설. The wizard lives in
``session["wizard"]`` with a short history for 이전; 메뉴 pauses it, 신청 만들기 resumes.
"""
from __future__ import annotations

import copy
import re
import secrets
from datetime import datetime
from typing import Any, Optional

from chalicelib.domain.common import Ctx, Outcome, main_quick
from chalicelib.domain.model import (
    CHOICE,
    KIND_NAMES,
    MULTI,
    NUMBER,
    OPEN,
    TEXT,
    YESNO,
    Question,
    Survey,
    option_key,
)
from chalicelib.domain.parsing import MAX_UNIT, fmt_deadline, parse_deadline, parse_number, valid_name
from chalicelib.domain.reply import QuickLike, Reply
from chalicelib.domain.writes import PutSurvey

MAX_TITLE = 40
MAX_DESC = 300
MAX_QUESTION = 150
MAX_QUESTIONS = 20
MAX_OPTIONS = 8
MAX_OPTION_LEN = 30
MAX_CAP = 100_000
HISTORY = 8
# "신청 <제목>" must not read as another command: these first words would turn it into
# 신청 목록 / 신청 만들기 / 신청 취소 / 신청 수정; a title that is itself a command or a
# bare menu word would shadow it when typed alone.
RESERVED_FIRST_WORDS = {"목록", "만들기", "취소", "수정"}
RESERVED_TITLES = {"메뉴", "도움말", "처음", "시작", "홈", "제출", "이전", "건너뛰기", "예", "아니오", "탈퇴", "마스터키",
                   "내 신청", "내 신청서", "관리자 목록", "파일 받기"}
KIND_BY_NAME = {v: k for k, v in KIND_NAMES.items()}
KIND_BY_NAME.update({"예아니오": YESNO, "예/아니요": YESNO, "단답": TEXT, "객관식": CHOICE, "복수": MULTI})


def _state(u_session: dict[str, Any]) -> dict[str, Any]:
    return u_session["wizard"]


def begin(ctx: Ctx, arg: str) -> Outcome:
    u = ctx.me()
    if "wizard" in u.session and arg != "새로":
        u.session["flow"] = {"name": "create"}
        return Outcome(_prompt(_state(u.session), "만들던 신청서를 이어서 해요. 처음부터 하려면 '신청 만들기 새로'."), user=u)
    u.session["wizard"] = {"step": "title", "d": {"qs": []}, "hist": []}
    u.session["flow"] = {"name": "create"}
    return Outcome(_prompt(_state(u.session), "새 신청서를 만들어요. 언제든 '이전'으로 돌아가고 '취소'로 그만둘 수 있어요."), user=u)


def _prompt(w: dict[str, Any], note: str = "") -> Reply:
    step, d = w["step"], w["d"]
    n = len(d["qs"]) + 1
    cur = d.get("cur", {})
    nav: list[QuickLike] = (["이전"] if w["hist"] else []) + ["취소"]
    texts = [note] if note else []
    if step == "title":
        return Reply.say(*texts, f"신청 제목을 입력해 주세요 ({MAX_TITLE}자 이내). 예: 2중대 BBQ 회식", quick=nav)
    if step == "desc":
        return Reply.say(*texts, "설명을 입력해 주세요. 없으면 '건너뛰기'.", quick=["건너뛰기"] + nav)
    if step == "q_text":
        extra: list[QuickLike] = ["질문 끝"] if d["qs"] else []
        done = f" (지금 {len(d['qs'])}개, '질문 끝'으로 마침)" if d["qs"] else ""
        return Reply.say(*texts, f"{n}번 질문을 입력해 주세요{done}. 예: 메뉴를 골라 주세요", quick=extra + nav)
    if step == "q_kind":
        return Reply.say(*texts, f"'{cur.get('text', '')}' 질문의 형식을 골라 주세요.",
                         quick=list(KIND_NAMES.values()) + nav)
    if step == "q_range":
        return Reply.say(*texts, "허용 범위를 '최소~최대'로 입력해 주세요. 예: 1~10, 0~ . 없으면 '건너뛰기'.",
                         quick=["건너뛰기"] + nav)
    if step == "q_opts":
        cap_hint = " 선택지마다 정원을 두려면 ':숫자'를 붙이세요. 예: 치킨:30, 피자:20, 족발" if cur.get("kind") == CHOICE else ""
        return Reply.say(*texts, f"보기를 쉼표로 구분해 입력해 주세요 (2~{MAX_OPTIONS}개). 예: 치킨, 피자, 족발.{cap_hint}", quick=nav)
    if step == "q_req":
        return Reply.say(*texts, "꼭 답해야 하는 질문인가요?", quick=["필수", "생략 가능"] + nav)
    if step == "deadline":
        return Reply.say(*texts, "마감 일시를 입력해 주세요. 예: 11/30 18:00, 내일 18시. 마감이 없으면 '없음'.",
                         quick=["없음"] + nav)
    if step == "target":
        return Reply.say(*texts, "대상 소속을 입력해 주세요 (예: 2중대). 모두에게 받으려면 '전체'.", quick=["전체"] + nav)
    if step == "cap":
        return Reply.say(*texts, "최대 응답 수를 입력해 주세요 (선착순). 제한이 없으면 '없음'.", quick=["없음"] + nav)
    # preview
    return Reply.say(*texts, preview_text(d), "이대로 개설할까요?", quick=["개설"] + nav)


def prompt(w: dict[str, Any], note: str = "") -> Reply:
    """The wizard's current question (drawn from its state alone)."""
    return _prompt(w, note)


def preview_text(d: dict[str, Any]) -> str:
    lines = [f"[미리보기] {d['title']}"]
    if d.get("desc"):
        lines.append(d["desc"])
    for n, qd in enumerate(d["qs"], 1):
        q = Question.from_dict(qd)
        info = KIND_NAMES[q.kind]
        if q.options:
            info += ": " + ", ".join(f"{o}({q.capacity[o]}명)" if o in q.capacity else o for o in q.options)
        if q.kind == NUMBER and (q.min is not None or q.max is not None):
            info += f" {'' if q.min is None else f'{q.min:g}'}~{'' if q.max is None else f'{q.max:g}'}"
        lines.append(f"{n}. {q.text} ({info}{'' if q.required else ', 생략 가능'})")
    dl = d.get("deadline")
    lines.append(f"마감: {fmt_deadline(datetime.fromisoformat(dl) if dl else None)}")
    lines.append(f"대상: {d.get('target') or '전체'}")
    lines.append(f"최대 응답: {d['cap'] if d.get('cap') else '제한 없음'}")
    return "\n".join(lines)


def in_flow(ctx: Ctx, text: str) -> Outcome:
    u = ctx.me()
    w = u.session.get("wizard")
    if w is None:
        u.session.pop("flow", None)
        return Outcome(Reply.say("만들던 신청서가 없어요.", quick=main_quick(u)), user=u)
    if text == "신청 만들기 새로":
        return begin(ctx, "새로")
    if text == "취소":
        u.session.pop("wizard", None)
        u.session.pop("flow", None)
        return Outcome(Reply.say("신청서 만들기를 그만뒀어요. 아무것도 개설되지 않았어요.", quick=main_quick(u)), user=u)
    if text == "이전":
        if not w["hist"]:
            return Outcome(_prompt(w, "첫 단계예요."))
        prev = w["hist"].pop()
        w["step"], w["d"] = prev["step"], _restore(prev["d"], w["d"]["qs"])
        return Outcome(_prompt(w), user=u)
    before = {"step": w["step"], "d": _snapshot(w["d"])}
    why, done = _take(ctx, w, text)
    if why:
        return Outcome(_prompt(w, why))
    if done is not None:
        u.session.pop("wizard", None)
        u.session.pop("flow", None)
        s = done
        return Outcome(
            Reply.say(f"'{s.title}' 신청을 개설했어요. 대상: {s.target_unit or '전체'} · {fmt_deadline(s.deadline)}",
                      "구성원에게 '신청 목록'에서 응답하라고 알려 주세요.",
                      quick=[f"현황 {s.title}", "내 신청서", "메뉴"]),
            user=u, writes=[PutSurvey(s), ctx.audit("create", s.id, s.title)])
    w["hist"] = (w["hist"] + [before])[-HISTORY:]
    return Outcome(_prompt(w, w.pop("note", "")), user=u)


def _snapshot(d: dict[str, Any]) -> dict[str, Any]:
    """A history entry: everything but the finished questions, which are only ever appended.

    Keeping just their number bounds the wizard's share of the user item (a full copy
    per step would hold up to HISTORY copies of 20 questions).
    """
    snap = copy.deepcopy({k: v for k, v in d.items() if k != "qs"})
    snap["nq"] = len(d["qs"])
    return snap


def _restore(snap: dict[str, Any], qs: list[dict[str, Any]]) -> dict[str, Any]:
    d = dict(snap)
    if "qs" not in d:  # entries written before history was compacted carry their own copy
        d["qs"] = qs[:d.pop("nq", len(qs))]
    d.pop("nq", None)
    return d


def _take(ctx: Ctx, w: dict[str, Any], text: str) -> tuple[Optional[str], Optional[Survey]]:
    """Apply one answer to the wizard; returns (reason to re-ask, survey when 개설)."""
    step, d = w["step"], w["d"]
    cur = d.setdefault("cur", {})
    if step == "title":
        if not text or len(text) > MAX_TITLE:
            return f"제목은 1~{MAX_TITLE}자로 입력해 주세요.", None
        if "#" in text or text.split()[0] in RESERVED_FIRST_WORDS or text in RESERVED_TITLES:
            return "명령어와 헷갈리는 제목이나 '#'이 들어간 제목은 쓸 수 없어요.", None
        d["title"] = text
        w["step"] = "desc"
    elif step == "desc":
        if len(text) > MAX_DESC:
            return f"설명은 {MAX_DESC}자 이내로 입력해 주세요.", None
        d["desc"] = "" if text == "건너뛰기" else text
        w["step"] = "q_text"
    elif step == "q_text":
        if text == "질문 끝":
            if not d["qs"]:
                return "질문이 하나는 있어야 해요.", None
            w["step"] = "deadline"
            return None, None
        if len(text) > MAX_QUESTION:
            return f"질문은 {MAX_QUESTION}자 이내로 입력해 주세요.", None
        d["cur"] = {"id": f"q{len(d['qs']) + 1}", "text": text}
        w["step"] = "q_kind"
    elif step == "q_kind":
        kind = KIND_BY_NAME.get(text.replace(" ", "")) or KIND_BY_NAME.get(text)
        if kind is None:
            return "아래 형식 중에서 골라 주세요.", None
        cur["kind"] = kind
        w["step"] = {NUMBER: "q_range", CHOICE: "q_opts", MULTI: "q_opts"}.get(kind, "q_req")
    elif step == "q_range":
        if text != "건너뛰기":
            m = re.fullmatch(r"\s*([^~]*)~([^~]*)\s*", text)
            lo = parse_number(m.group(1)) if m and m.group(1).strip() else None
            hi = parse_number(m.group(2)) if m and m.group(2).strip() else None
            if not m or (m.group(1).strip() and lo is None) or (m.group(2).strip() and hi is None):
                return "'최소~최대' 모양으로 입력해 주세요. 예: 1~10", None
            if lo is not None and hi is not None and lo > hi:
                return "최소가 최대보다 클 수 없어요.", None
            cur["min"], cur["max"] = lo, hi
        w["step"] = "q_req"
    elif step == "q_opts":
        why = _options(cur, text)
        if why:
            return why, None
        w["step"] = "q_req"
    elif step == "q_req":
        if text not in ("필수", "생략 가능", "예", "아니오"):
            return "'필수' 또는 '생략 가능'으로 답해 주세요.", None
        cur["required"] = text in ("필수", "예")
        d["qs"].append(Question.from_dict(cur).to_dict())
        d.pop("cur", None)
        w["step"] = "deadline" if len(d["qs"]) >= MAX_QUESTIONS else "q_text"
        if w["step"] == "deadline":
            w["note"] = f"질문은 {MAX_QUESTIONS}개까지 만들 수 있어요. 마감 일시로 넘어가요."
    elif step == "deadline":
        if text in ("없음", "건너뛰기"):
            d["deadline"] = None
        else:
            when, why = parse_deadline(text, ctx.now)
            if why:
                return why, None
            d["deadline"] = when.isoformat()
        w["step"] = "target"
    elif step == "target":
        if text in ("전체", "모두"):
            d["target"] = ""
        else:
            why = valid_name(text, MAX_UNIT)
            if why:
                return f"소속 이름을 확인해 주세요: {why}", None
            d["target"] = text
        w["step"] = "cap"
    elif step == "cap":
        if text in ("없음", "제한 없음", "건너뛰기"):
            d["cap"] = None
        else:
            n = parse_number(text)
            if not isinstance(n, int) or not 1 <= n <= MAX_CAP:
                return f"1~{MAX_CAP} 사이의 정수로 입력해 주세요.", None
            d["cap"] = n
        w["step"] = "preview"
    elif step == "preview":
        if text != "개설":
            return "'개설'을 누르면 열려요. 고치려면 '이전'.", None
        return None, _survey(ctx, d)
    return None, None


def _options(cur: dict[str, Any], text: str) -> Optional[str]:
    parts = [p.strip() for p in re.split(r"[,\n]", text) if p.strip()]
    if not 2 <= len(parts) <= MAX_OPTIONS:
        return f"보기는 2~{MAX_OPTIONS}개로 입력해 주세요."
    options: list[str] = []
    capacity: dict[str, int] = {}
    for p in parts:
        m = re.fullmatch(r"(.+?)\s*:\s*(\d+)\s*(명|개)?", p)
        name = m.group(1).strip() if m else p
        if len(name) > MAX_OPTION_LEN or "#" in name:
            return f"보기는 {MAX_OPTION_LEN}자 이내로, '#' 없이 입력해 주세요."
        if name.isdigit():
            return "숫자만으로 된 보기는 번호와 헷갈려요. 글자를 붙여 주세요. 예: 1개"
        if name in options:
            return f"'{name}'이(가) 두 번 있어요."
        options.append(name)
        if m:
            if cur.get("kind") != CHOICE:
                return "정원은 '선택' 형식에서만 둘 수 있어요."
            cap = int(m.group(2))
            if not 1 <= cap <= MAX_CAP:
                return f"정원은 1~{MAX_CAP} 사이로 입력해 주세요."
            capacity[name] = cap
    cur["options"] = options
    cur["capacity"] = capacity
    return None


def _survey(ctx: Ctx, d: dict[str, Any]) -> Survey:
    assert ctx.user is not None
    qs = [Question.from_dict(q) for q in d["qs"]]
    counts = {option_key(q.id, o): 0 for q in qs if q.kind in (CHOICE, MULTI) for o in q.options}
    return Survey(
        id=secrets.token_hex(4), title=d["title"], owner=ctx.key, owner_name=ctx.user.name, questions=qs,
        description=d.get("desc", ""), deadline=datetime.fromisoformat(d["deadline"]) if d.get("deadline") else None,
        target_unit=d.get("target", ""), cap=d.get("cap"), status=OPEN, created_at=ctx.now.isoformat(),
        option_counts=counts,
    )

