"""조건: a question asked only after a given answer to an earlier one (`조건 2 1번 불참`: question 2 only when question
1's answer is 불참). Only an earlier 선택, 복수선택 or 예/아니오 question can be a condition, so conditions never
circle. A condition that no longer holds (its question gone, moved after, or of another kind; its options gone) is
no condition: the question is asked. A question whose condition's question was not asked is not asked either."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.domain.kinds import CHOICE, MULTI, YESNO, is_blank
from chalicelib.domain.model import Question
from chalicelib.domain.parsing import pick_option
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Quick, QuickLike, Reason

SOURCES = (CHOICE, MULTI, YESNO)
YES_NO = ["예", "아니오"]
_SAID = re.compile(r"조건\s*(\d{1,2})\s*(?:번)?\s*(?:(\d{1,2})\s*번?\s*(.+)|(없음|지우기|삭제))")


def options_of(q: Question) -> list[str]:
    return YES_NO if q.kind == YESNO else list(q.options)


def condition(questions: Sequence[Question], q: Question) -> tuple[int, Question, list[str]] | None:
    """``q``'s condition as it holds now: the number of its question (from 1), that question and the options; None
    when it has none, or it no longer holds."""
    if not q.when:
        return None
    sid, *opts = q.when
    at = next((i for i, x in enumerate(questions) if x.id == sid), None)
    mine = next(i for i, x in enumerate(questions) if x.id == q.id) if q in questions else len(questions)
    if at is None or at >= mine or questions[at].kind not in SOURCES:
        return None
    kept = [o for o in opts if o in options_of(questions[at])]
    return (at + 1, questions[at], kept) if kept else None


def asked(questions: Sequence[Question], q: Question, values: Mapping[str, Any]) -> bool:
    """Whether ``q`` is asked of someone whose answers are ``values``."""
    c = condition(questions, q)
    if c is None:
        return True
    _, src, opts = c
    if not asked(questions, src, values):
        return False
    v = values.get(src.id)
    if is_blank(v):
        return False
    if isinstance(v, bool):
        return YES_NO[0 if v else 1] in opts
    picked = v if isinstance(v, list) else [v]
    return any(str(o) in opts for o in picked)


def unasked(questions: Sequence[Question], values: dict[str, Any]) -> list[int]:
    """Drop the answers of questions no longer asked (an earlier answer changed); their numbers (from 1)."""
    gone = [n for n, q in enumerate(questions, 1) if q.id in values and not asked(questions, q, values)]
    for n in gone:
        values.pop(questions[n - 1].id, None)
    return gone


def missing(questions: Sequence[Question], values: Mapping[str, Any]) -> list[int]:
    """The numbers (from 1) of required questions asked of these answers and not answered."""
    return [
        n
        for n, q in enumerate(questions, 1)
        if q.required and is_blank(values.get(q.id)) and asked(questions, q, values)
    ]


def label(questions: Sequence[Question], q: Question) -> str:
    """'1번이 불참일 때' ("" without a condition)."""
    c = condition(questions, q)
    if c is None:
        return ""
    n, _, opts = c
    said = " 또는 ".join(opts)
    return f"{n}번이 {said}일 때"


def take(questions: list[Question], text: str) -> str:
    """'조건 2 1번 불참[, 늦참]' or '조건 2 없음' on the preview: the condition set (or lifted), or why not; "" when the
    text is no 조건."""
    said = " ".join(text.split())
    if (one := re.fullmatch(r"조건\s*(\d{1,2})\s*번?", said)) and 1 <= int(one[1]) <= len(questions):
        return offer(questions, int(one[1]))
    m = _SAID.fullmatch(said)
    if m is None:
        return "" if not text.startswith("조건") else Reason(USAGE, chips(questions))
    n = int(m[1])
    if not 1 <= n <= len(questions):
        return f"질문은 1~{len(questions)}번이 있어요."
    q = questions[n - 1]
    if m[4]:
        q.when = []
        return f"{n}번은 이제 모두에게 물어요."
    src_n = int(m[2])
    if not 1 <= src_n < n:
        which = f"1~{n - 1}번 중에서 골라 주세요." if n > 1 else "조건을 걸 수 없어요."
        return f"조건은 앞의 질문으로만 걸 수 있어요: {n}번은 {which}"
    src = questions[src_n - 1]
    if src.kind not in SOURCES:
        return f"{src_n}번은 보기가 없는 질문이라 조건이 될 수 없어요. 선택, 복수선택, 예/아니오 질문만 돼요."
    picked: list[str] = []
    for part in [p.strip() for p in re.split(r"[,/]| 또는 ", m[3]) if p.strip()]:
        o = pick_option(part, options_of(src))
        if o is None:
            return f"'{part}'{pp(part, '은(는)')} {src_n}번의 보기가 아니에요. 보기: {', '.join(options_of(src))}"
        picked.append(o)
    q.when = [src.id, *dict.fromkeys(picked)]
    return f"{n}번은 {label(questions, q)}만 물어요."


def chips(questions: Sequence[Question], most: int = 6) -> list[QuickLike]:
    """Conditions one tap away: each later question after each option of an earlier one that can be a condition."""
    out = [c for n in range(2, len(questions) + 1) for c in chips_for(questions, n, most)]
    return out[:most]


def chips_for(questions: Sequence[Question], n: int, most: int = 8) -> list[QuickLike]:
    """Question ``n``'s possible conditions, one tap each: the options of the earlier questions that can be one."""
    out: list[QuickLike] = []
    for s_n, src in enumerate(questions[: n - 1], 1):
        if src.kind in SOURCES:
            out += [Quick(f"{n}번: {s_n}번 {o}"[:14], f"조건 {n} {s_n}번 {o}") for o in options_of(src)]
    return out[:most]


def offer(questions: Sequence[Question], n: int, most: int = 8) -> Reason:
    """What ``조건 N`` (or a question just changed) is offered: its conditions one tap away, or why there are none."""
    found = chips_for(questions, n, most)
    if not found:
        return Reason(f"{n}번 앞에 선택이나 예/아니오 질문이 없어서 조건을 걸 수 없어요.")
    now = f" 지금: {said}." if (said := label(questions, questions[n - 1])) else ""
    return Reason(f"{n}번을 앞의 답에 따라서만 물으려면 골라 주세요 (예: 조건 {n} 1번 불참).{now}", found)


USAGE = "조건은 '조건 <질문 번호> <앞 질문 번호>번 <보기>'처럼 보내 주세요. 예: 조건 2 1번 불참 (여럿이면 쉼표로)."
