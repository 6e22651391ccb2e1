"""Titles and pages: matching a loosely typed title, choosing among near ones, paging a list, the main quick replies.

Which surveys a message may look among is ``domain.survey_lookup``'s business; this module only
matches and words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from chalicelib.domain.fuzzy import closest
from chalicelib.domain.model import User, title_key
from chalicelib.domain.particles import pp
from chalicelib.domain.record import record
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.when import fmt_deadline

NEAR_TITLE = 0.6  # how alike (letter by letter) a typed title must be to be offered
PAGE = 8  # list entries per page (each gets a quick reply; + 더보기 + 메뉴 stays within 10)


class Titled(Protocol):
    """A survey or what a list knows of one: enough to name it and say when it closes."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def deadline(self) -> datetime | None: ...


S = TypeVar("S", bound=Titled)

START = "신청"  # the command that starts answering a survey
OPENS = "open"  # the extra of its quick reply: the survey's id


def norm(text: str) -> str:
    return title_key(text)


def ref(s: Titled, pool: Sequence[Titled]) -> str:
    """How a message names a survey: its title, with '#id' when another survey shares the title."""
    same = {x.id for x in pool if norm(x.title) == norm(s.title)} | {s.id}
    return s.title if len(same) <= 1 else f"{s.title}#{s.id}"


def pick_labels(shown: Sequence[Titled]) -> list[str]:
    """Quick-reply labels for ``shown``: the title, and where titles repeat, the deadline in front (the
    label is cut at 14 characters) or, with the same deadline, an ordinal: never an internal id."""
    out: list[str] = []
    for s in shown:
        twins = [x for x in shown if norm(x.title) == norm(s.title)]
        if len(twins) == 1:
            out.append(s.title)
            continue
        days = [x.deadline.strftime("%m/%d").lstrip("0") if x.deadline else "" for x in twins]
        mine = days[twins.index(s)]
        out.append(f"{mine} {s.title}" if mine and days.count(mine) == 1 else f"{twins.index(s) + 1}번 {s.title}")
    return out


def split_ref(query: str) -> tuple[str, str]:
    """'제목#ab12cd34' -> ('제목', 'ab12cd34')."""
    if "#" in query:
        title, _, sid = query.rpartition("#")
        if sid and sid.isalnum() and len(sid) <= 16:
            return title.strip(), sid
    return query.strip(), ""


@record
class Found(Generic[S]):
    survey: S | None = None
    choices: list[S] = field(default_factory=list)


def exact_matches(query: str, pool: Sequence[S]) -> list[S]:
    """The surveys of ``pool`` whose title is ``query`` (as titles compare), or whose id its '#id' names."""
    title, sid = split_ref(query)
    if sid:
        by_id = [s for s in pool if s.id == sid]
        if by_id:
            return by_id[:1]
    q = norm(title)
    return [s for s in pool if q and norm(s.title) == q]


def near_matches(query: str, pool: Sequence[S]) -> list[S]:
    """Titles that contain or are contained in ``query``, else the alike (at most a page)."""
    q = norm(split_ref(query)[0])
    if not q:
        return []
    near = [s for s in pool if q in norm(s.title) or norm(s.title) in q]
    if not near:
        near = closest(q, [(s.title, s) for s in pool], cutoff=NEAR_TITLE, limit=PAGE)
    return near[:PAGE]


def find_survey(query: str, pool: Sequence[S]) -> Found[S]:
    """Exact title (or '#id') wins; several exact or only near matches give choices."""
    exact = exact_matches(query, pool)
    if len(exact) == 1:
        return Found(survey=exact[0])
    return Found(choices=exact[:PAGE] if exact else near_matches(query, pool))


def choose_reply(cmd: str, query: str, found: Found[S], pool: Sequence[Titled], none_hint: str, now: datetime) -> Reply:
    """The answer when a title did not name exactly one survey (``now``: how its deadlines are said)."""
    if found.choices:
        labels = pick_labels(found.choices)
        quick: list[QuickLike] = [
            Quick(lb, f"{cmd} {ref(s, pool)}") for lb, s in zip(labels, found.choices, strict=True)
        ]
        lines = [f"• {s.title} ({fmt_deadline(s.deadline, now)})" for s in found.choices]
        shown = query if len(query) <= 20 else query[:20] + "…"
        if len(found.choices) == 1:
            head = f"혹시 '{found.choices[0].title}'{pp(found.choices[0].title, '을(를)')} 찾으세요?"
            return Reply.say(head, quick=[*quick, "메뉴"])
        if len({norm(s.title) for s in found.choices}) == 1:
            head = f"'{found.choices[0].title}'{pp(found.choices[0].title, '이(가)')} 여러 개예요. 어느 것인가요?"
        else:
            head = f"'{shown}'{pp(shown, '과(와)')} 비슷한 신청이 여러 개예요. 어느 것인가요?"
        return Reply.say(head, "\n".join(lines), quick=[*quick, "메뉴"])
    return Reply.say(
        f"'{query}'{pp(query, '과(와)')} 맞는 신청을 찾을 수 없어요. {none_hint}", quick=["신청 목록", "메뉴"]
    )


def about(r: str, *words: str) -> list[QuickLike]:
    """Chips of commands about one survey: each word, followed by ``r`` (the survey's reference)."""
    return [Quick(w, f"{w} {r}") for w in words]


def main_quick(user: User | None) -> list[QuickLike]:
    if user is None:
        return ["도움말"]
    q: list[QuickLike] = ["신청 목록", "내 신청"]
    if user.is_admin:
        q += ["신청 만들기", "내 신청서"]
    if user.is_super:
        q += ["관리자 목록", "마스터키"]
    return [*q, "도움말"]


T = TypeVar("T")


def page_of(items: Sequence[T], page: int) -> tuple[list[T], bool]:
    """The items of page ``page`` (from 1), and whether more follow."""
    start = (page - 1) * PAGE
    return list(items[start : start + PAGE]), len(items) > start + PAGE


def split_page(arg: str) -> tuple[str, int]:
    """'BBQ 2' -> ('BBQ', 2); a trailing number is a page only when the caller allows paging."""
    head, _, tail = arg.rpartition(" ")
    if head and tail.isdigit() and 1 <= int(tail) <= 999:
        return head, int(tail)
    return arg, 1


def survey_list(
    head: str, items: Sequence[S], page: int, line: Callable[[S], str], tap: str, more: str, pool: Sequence[Titled]
) -> Reply:
    """A page of surveys: ``head``, a line each, a quick reply each (``tap`` + the title), and 더보기."""
    shown, more_left = page_of(items, page)
    return survey_page(head, shown, page, more_left, line, tap, more, pool)


def survey_page(
    head: str,
    shown: Sequence[S],
    page: int,
    more_left: bool,
    line: Callable[[S], str],
    tap: str,
    more: str,
    pool: Sequence[Titled],
) -> Reply:
    """One page already cut (its surveys read only now, say): the reply ``survey_list`` draws."""
    lines = [head] + [line(s) for s in shown]
    # 신청 <제목> tapped says which survey it opens: the service reads it with the member (conversation.opens).
    opens = tap == START
    quick: list[QuickLike] = [
        Quick(lb, f"{tap} {ref(s, pool)}", extra={OPENS: s.id} if opens else None)
        for lb, s in zip(pick_labels(shown), shown, strict=True)
    ]
    if more_left:
        quick.append(Quick("더보기", f"{more} {page + 1}"))
    return Reply.say("\n".join(lines), quick=[*quick, "메뉴"])
