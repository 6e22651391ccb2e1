"""What an admin's command is about, found before its handler runs.

A command that acts on one of the admin's surveys names a finder in the commands table; the dispatcher runs it
with the command's word and argument, and either gives its reply (a choice among near titles, not found, a
refusal for someone else's survey, a survey whose answers are gone) or hands the handler a :class:`Target`: the
survey, the pool it was found in (so quick replies can name it briefly), and what followed its title.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from datetime import datetime

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import Survey, SurveyInfo
from chalicelib.domain.parsing import DEADLINE_EXAMPLES, moment_or_ask
from chalicelib.domain.record import record
from chalicelib.domain.repeat import EXAMPLES as REPEAT_EXAMPLES
from chalicelib.domain.repeat import parse_rule
from chalicelib.domain.reply import Quick, Reply, offered
from chalicelib.domain.retention import purged_reply
from chalicelib.domain.survey_lookup import for_admin, managed_pool
from chalicelib.domain.titles import exact_matches, ref, split_page
from chalicelib.domain.unit_admins import scope


@record
class Target:
    """The admin's survey a command names (read whole), and what came after its title."""

    survey: Survey
    pool: list[SurveyInfo] = field(default_factory=list)
    rest: str = ""  # a page (미응답), a name (공동관리자), a rule (반복)
    when: datetime | None = None  # a moment (연장, 예약); None with a moment finder: '없음'
    units: list[str] | None = None  # an admin of some units: the survey is narrowed to these (None: seen whole)

    @property
    def ref(self) -> str:
        """How quick replies name the survey: its title, with its id where titles repeat in the pool."""
        return ref(self.survey, self.pool)


Finder = Callable[[Ctx, str, str], "Target | Outcome"]  # (ctx, command word, argument)


def survey(ctx: Ctx, cmd: str, arg: str) -> Target | Outcome:
    """The argument is the title."""
    found = for_admin(ctx, cmd, arg)
    if isinstance(found, Outcome):
        return found
    seen = scope(ctx, cmd, found[0])  # an admin of some units sees their units' part of it
    if isinstance(seen, Outcome):
        return seen
    return Target(seen[0], found[1], units=seen[1])


def with_answers(ctx: Ctx, cmd: str, arg: str) -> Target | Outcome:
    """The argument is the title, of a survey whose answers are still kept (retention not over)."""
    found = survey(ctx, cmd, arg)
    if isinstance(found, Target) and found.survey.purged_at is not None:
        return purged_reply(found.survey, found.ref, ctx.now)
    return found


def paged(ctx: Ctx, cmd: str, arg: str) -> Target | Outcome:
    """'<제목> [쪽]': the page in ``rest`` (a title that itself ends in a number is taken whole when the shorter
    one names nothing)."""
    title, page = split_page(arg)
    found = survey(ctx, cmd, title)
    if isinstance(found, Outcome) and page > 1:
        return survey(ctx, cmd, arg)
    if isinstance(found, Target) and found.survey.purged_at is not None:  # who answered is gone with the answers
        return purged_reply(found.survey, found.ref, ctx.now)
    if isinstance(found, Target) and page > 1:
        found.rest = str(page)
    return found


def then_name(ctx: Ctx, cmd: str, arg: str) -> Target | Outcome:
    """'<제목> <이름>': the last word is the name (``rest``; "" when only a title was given, even one of several
    words); '<제목> <소속> <이름>' when the title without the last two words is exactly one of my surveys."""
    title, _, name = arg.rpartition(" ")
    pool = managed_pool(ctx)
    if not title or not name or exact_matches(arg, pool):
        return survey(ctx, cmd, arg)
    shorter, _, unit = title.rpartition(" ")
    if shorter and unit and not exact_matches(title, pool) and exact_matches(shorter, pool):
        title, name = shorter, f"{unit} {name}"
    found = survey(ctx, cmd, title)
    if isinstance(found, Target):
        found.rest = name
    return found


def then_rule(ctx: Ctx, cmd: str, arg: str) -> Target | Outcome:
    """'<제목> <매주 월 9시>': the longest tail that reads as a repeating rule is the rule (``rest``)."""
    words = arg.split()
    for cut in range(len(words) - 1, 0, -1):
        rule, _ = parse_rule(" ".join(words[cut:]))
        if not rule:
            continue
        found = survey(ctx, cmd, " ".join(words[:cut]))
        if isinstance(found, Target):
            found.rest = rule
        return found
    return Outcome(
        Reply.say(
            f"어떻게 반복할지 붙여 주세요. 예: {cmd} 주간 식수 매주 월 9시. {REPEAT_EXAMPLES}",
            quick=["내 신청서", "메뉴"],
        )
    )


def then_moment(what: str, example: str, lifts: bool = False) -> Finder:
    """'<제목> <언제>': the moment in ``when`` (None: '없음', where ``lifts``). The longest title that names one of
    my surveys wins; the rest is the moment ('주간 식수 금요일 18시'). A bare hour that could be morning or
    evening is asked back, the whole command one tap away."""

    def find(ctx: Ctx, cmd: str, arg: str) -> Target | Outcome:
        words = arg.split()
        first_miss: Outcome | None = None
        for cut in range(len(words) - 1, 0, -1):
            title, said = " ".join(words[:cut]), " ".join(words[cut:])
            lift = lifts and said in ("없음", "마감 없음")
            when, why = (None, None) if lift else moment_or_ask(said, ctx.now)
            found = survey(ctx, cmd, title)
            if isinstance(found, Outcome):
                if found.writes:  # someone else's survey of exactly that title: refused (and audited)
                    return found
                if when is not None or lift or offered(why):
                    first_miss = first_miss or found
                continue
            if when is None and not lift:
                choices = [Quick(q.label, f"{cmd} {found.ref} {q.text}") for q in offered(why) if isinstance(q, Quick)]
                return Outcome(Reply.say(why or DEADLINE_EXAMPLES, quick=[*choices, "내 신청서", "메뉴"]))
            found.when = when
            return found
        if first_miss is not None:
            return first_miss
        return Outcome(
            Reply.say(f"{what} 붙여 주세요. 예: {example}. {DEADLINE_EXAMPLES}", quick=["내 신청서", "메뉴"])
        )

    return find
