"""Things said the way people say them, when no flow is waiting: greetings and thanks, a chip's label typed out
('더보기', '지금 응답하기', '결과 받기'), a command alone ('현황': my surveys as chips, most recent first), the title
before the command ('송년회 현황'), and the exact title of a survey that no longer takes answers.

Each reader returns the reply, or None when the message is not of its kind (the conversation then reads it
another way). None of them reads more than a survey title lookup (the ``titles`` index) beyond what the
message reads anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from chalicelib.domain import answering, member_lists
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import SCHEDULED
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.survey_lookup import pool_for
from chalicelib.domain.titles import PAGE, about, main_quick, ref
from chalicelib.domain.when import fmt_deadline

GREETINGS = frozenset(
    {"안녕", "안녕하세요", "안녕하십니까", "안뇽", "하이", "헬로", "hi", "hello", "hey", "ㅎㅇ", "반가워요",
     "반갑습니다", "좋은아침", "좋은아침입니다", "처음뵙겠습니다", "안녕하세여", "여보세요"}
)  # fmt: skip
THANKS = frozenset(
    {"감사합니다", "감사해요", "감사", "고마워요", "고맙습니다", "고마워", "땡큐", "thanks", "thankyou", "thx",
     "ㄱㅅ", "ㄳ", "수고하세요", "수고하셨습니다", "수고요", "수고많으세요", "잘받았습니다", "확인했습니다",
     "알겠습니다", "넵", "넹"}
)  # fmt: skip
_TRAILING = re.compile(r"[\s!~.?,^ㅎㅋㅠㅜ♡♥:)\-]+$|[\U0001F300-\U0001FAFF\u2600-\u27BF]+$")

MORE = "더보기"  # the paging chip's label (titles.survey_page and the lists that page)
ANSWER_NOW = "지금 응답하기"  # a reminder's or an opening's chip
GET_RESULTS = "결과 받기"  # a close summary's chip
MY_ANSWER = "내 답 보기"


def plain(text: str) -> str:
    """A short message as compared with the words above: no spaces, no trailing '!', '~', 'ㅎㅎ' or emoji."""
    t = text.strip()
    for _ in range(3):
        t = _TRAILING.sub("", t)
    return "".join(t.split()).casefold()


def small_talk(ctx: Ctx, text: str, menu: Callable[..., Outcome]) -> Outcome | None:
    """A greeting or thanks: a friendly word, then the menu (with what is waiting)."""
    said = plain(text)
    if said in GREETINGS:
        return menu(ctx, note="안녕하세요! 반가워요.")
    if said in THANKS:
        return menu(ctx, note="천만에요! 필요할 때 언제든 불러 주세요.")
    return None


def chip_typed(ctx: Ctx, text: str, menu: Callable[..., Outcome], run: Callable[[Ctx, str], Outcome]) -> Outcome | None:
    """A chip's label typed out does what the chip does (``run`` reads a message anew)."""
    u = ctx.member
    if text == MORE:
        if ctx.session.more:
            return run(ctx, ctx.session.more)
        return menu(ctx, note="더 볼 목록이 없어요.")
    if text == ANSWER_NOW:
        waiting = member_lists.pending(ctx)
        if len(waiting) == 1:
            return answering.start(ctx, ref(waiting[0], ctx.listed()))
        if waiting:
            return member_lists.list_open(ctx, "")
        return menu(ctx, note="지금 응답할 신청이 없어요.")
    if text == MY_ANSWER:
        return member_lists.list_mine(ctx, "")
    if text == GET_RESULTS and u.is_admin:
        return offer_surveys(ctx, "다운로드")
    if text == "수정":  # 내 답's 수정 chip, typed: which answer
        return offer_surveys(ctx, "신청 수정")
    return None


# What a command alone asks, and which of my surveys it offers: (question, open ones only / closed ones only).
_WHICH: dict[str, tuple[str, bool | None]] = {
    "마감": ("어느 신청을 마감할까요?", True),
    "재개": ("어느 신청을 다시 열까요?", False),
    "현황": ("어느 신청의 현황을 볼까요?", None),
    "미응답": ("어느 신청의 미응답을 볼까요?", True),
    "다운로드": ("어느 신청의 파일을 받을까요?", None),
    "결과 보기": ("어느 신청의 결과를 볼까요?", None),
    "알림": ("어느 신청의 알림을 보낼까요?", True),
    "연장": ("어느 신청의 마감을 옮길까요?", None),
    "신청 수정": ("어느 답을 고칠까요?", True),
    "신청 취소": ("어느 답을 취소할까요?", True),
}


def offer_surveys(ctx: Ctx, word: str) -> Outcome:
    """A command that needs a title, sent alone: the surveys it may be about as chips, most recent first (an admin's
    own surveys; a member's open answers for 신청 수정 and 신청 취소)."""
    u = ctx.member
    question, open_only = _WHICH.get(word, (f"{word}: 어느 신청인가요?", None))
    open_now = {s.id: s for s in ctx.listed() if s.is_open(ctx.now)}
    member_word = word in ("신청 수정", "신청 취소")
    if member_word:
        done = ctx.answered()
        pool = sorted((s for s in open_now.values() if s.id in done), key=lambda s: -u.answered.get(s.id, 0))
    else:
        pool = list(reversed(pool_for(ctx, word)))  # most recent first
        if open_only is not None:
            pool = [s for s in pool if (s.id in open_now) == open_only]
    if not pool:
        hint = "'내 신청'" if member_word else "'내 신청서'"
        none = "고치거나 취소할 수 있는 답이 없어요." if member_word else "고를 수 있는 신청서가 없어요."
        return Outcome(Reply.say(f"{none} {hint}에서 확인해 보세요.", quick=[hint.strip("'"), "메뉴"]))
    shown = pool[:PAGE]
    quick: list[QuickLike] = [Quick(s.title, f"{word} {ref(s, pool)}") for s in shown]
    more = f" 다른 것은 '{word} <제목>'처럼 보내 주세요." if len(pool) > len(shown) else ""
    return Outcome(Reply.say(f"{question} 최근 것부터 보여 드려요.{more}", quick=[*quick, "메뉴"]))


def not_open(ctx: Ctx, text: str) -> Outcome | None:
    """The exact title of a survey that does not take answers (closed, or not open yet): says so, and offers what
    can still be done. One lookup of the ``titles`` index; None when no survey this person may see has that title."""
    u = ctx.member
    if not text or len(text) > 40:
        return None
    done = ctx.answered()
    seen = [
        s
        for s in ctx.db.surveys_titled(text)
        if s.managed_by(u) or (s.status != SCHEDULED and (s.meant_for(u) or s.id in done))
    ]
    if not seen:
        return None
    s = seen[0]
    if s.is_open(ctx.now):  # open after all (the listing is read a moment apart): answering it
        return answering.start(ctx, ref(s, seen))
    r = ref(s, seen)
    quick: list[QuickLike] = []
    if s.id in done and not s.unnamed:
        quick.append(Quick(MY_ANSWER, f"신청 {r}"))
    if s.managed_by(u):
        quick += about(r, "현황", "결과 보기", "다운로드")
        if s.status != SCHEDULED:  # closed, or its deadline passed: 재개 opens it again
            quick.append(Quick("재개", f"재개 {r}"))
    if s.status == SCHEDULED:
        said = f"'{s.title}'{pp(s.title, '은(는)')} {fmt_deadline(s.opens_at, ctx.now)}에 열리도록 예약되어 있어요."
    elif s.deadline is not None and s.deadline <= ctx.now:
        said = f"'{s.title}'{pp(s.title, '은(는)')} {fmt_deadline(s.deadline, ctx.now)}에 마감되었어요."
    else:
        said = f"'{s.title}'{pp(s.title, '은(는)')} 마감되었어요."
    if s.id in done and not s.unnamed:
        said += " 낸 답은 '내 답 보기'로 볼 수 있어요."
    return Outcome(Reply.say(said, quick=[*quick, *main_quick(u)[:2], "메뉴"]))
