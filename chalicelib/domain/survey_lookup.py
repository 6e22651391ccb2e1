"""Where a message looks for the survey it names, reading a bounded number of small items.

A member looks among the listing (open surveys, read with the user in one round trip)
and, for a title not listed there (a closed survey, one they answered), among the
surveys of exactly that title (an index lookup). An admin looks among the surveys
their own item remembers (``User.managed``: title and when, no read at all); a super
admin among every survey. Nothing here reads every survey an organisation ever made,
except for a super admin, whose view that is.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.model import SCHEDULED, Survey, SurveyInfo, User
from chalicelib.domain.particles import pp
from chalicelib.domain.reply import Reply
from chalicelib.domain.titles import Found, about, choose_reply, exact_matches, find_survey, near_matches, split_ref
from chalicelib.domain.vocabulary import UNIT_WORDS, VIEWS


def listed_for(ctx: Ctx, with_full: bool = False) -> list[SurveyInfo]:
    """The listing as this member sees it: surveys meant for them (open by status; check the deadline),
    without those whose places are all taken unless ``with_full``."""
    u = ctx.member
    return [s for s in ctx.listed() if s.meant_for(u) and (with_full or not s.full)]


def for_member(ctx: Ctx, query: str, answered_only: bool = False) -> tuple[Found[SurveyInfo], list[SurveyInfo]]:
    """The survey a member names (or the choices), and the pool it was looked for in.

    Visible to a member: a survey meant for them, or one they answered. The listing is
    looked at first; only a title it does not hold costs a lookup by title.
    """
    u = ctx.member
    done = ctx.answered()

    def visible(s: SurveyInfo) -> bool:
        if s.status == SCHEDULED:  # not open yet: only its admins see it
            return False
        return s.id in done if answered_only else (s.meant_for(u) or s.id in done)

    pool = [s for s in ctx.listed() if visible(s)]
    title, sid = split_ref(query)
    exact = exact_matches(query, pool)
    if not exact and sid:
        s = ctx.db.get_survey(sid)
        if s is not None and visible(s.info()):
            exact = [s.info()]
    if not exact and title:
        exact = [s for s in ctx.db.surveys_titled(title) if visible(s)]
    if exact:
        pool = _merged(pool, exact)
        found: Found[SurveyInfo] = Found(survey=exact[0]) if len(exact) == 1 else Found(choices=exact)
        return found, pool
    return Found(choices=near_matches(query, pool)), pool


def managed_pool(ctx: Ctx) -> list[SurveyInfo]:
    """The surveys an admin manages as their item remembers them (title only); every survey for a super admin."""
    u = ctx.member
    if u.is_super:
        return sorted(ctx.db.all_surveys(), key=lambda s: (s.created_at, s.id))
    ordered = sorted(u.managed.items(), key=lambda kv: (kv[1].since, kv[0]))
    return [SurveyInfo(sid, m.title, owner=u.key) for sid, m in ordered]


def reads_only(s: Survey, u: User) -> bool:
    """``u`` is a read-only viewer (열람자) of ``s``, not one of its admins."""
    return u.key in s.viewers and not s.managed_by(u)


def viewed_pool(ctx: Ctx) -> list[SurveyInfo]:
    """The surveys the speaker may read as a viewer (열람자), as their item remembers them."""
    u = ctx.member
    ordered = sorted(u.viewing.items(), key=lambda kv: (kv[1].since, kv[0]))
    return [SurveyInfo(sid, m.title) for sid, m in ordered if sid not in u.managed]


def readable_pool(ctx: Ctx) -> list[SurveyInfo]:
    """What a command that only reads (현황, 결과 보기, 다운로드) may be about: surveys I manage, then those I view."""
    return _merged(managed_pool(ctx), viewed_pool(ctx))


def pool_for(ctx: Ctx, cmd: str) -> list[SurveyInfo]:
    """Where ``cmd`` looks for its survey: the surveys I manage; for reading, those I view; for an admin of some units,
    the open surveys for their units (in the listing; closed ones are found by title)."""
    u = ctx.member
    pool = readable_pool(ctx) if cmd in VIEWS else managed_pool(ctx)
    if cmd in UNIT_WORDS and u.scoped:
        from chalicelib.domain.unit_admins import units_of  # 소속 관리자: the admin's (imported on first use)

        pool = _merged(pool, [s for s in ctx.listed() if units_of(u, s)])
    return pool


def for_admin(ctx: Ctx, cmd: str, arg: str) -> tuple[Survey, list[SurveyInfo]] | Outcome:
    """The whole survey an admin manages (or, for a command that only reads, views) that ``arg`` names (and the pool
    it was found in), or the reply to give instead: a choice, not found, or a refusal (audited) for someone else's
    survey; a viewer is told what they may do with the one they view."""
    from chalicelib.domain.unit_admins import units_of  # an admin's command: imported on its first

    u = ctx.member
    views, by_unit = cmd in VIEWS, cmd in UNIT_WORDS and u.scoped

    def allowed(s: Survey | SurveyInfo) -> bool:
        if s.managed_by(u) or (by_unit and units_of(u, s)):
            return True
        return views and isinstance(s, Survey) and u.key in s.viewers

    pool = pool_for(ctx, cmd)
    title, sid = split_ref(arg)
    none_hint = "'내 신청서'에서 골라 주세요."
    found = find_survey(arg, pool)
    if found.survey is None and sid:
        s = ctx.db.get_survey(sid)
        if s is not None:
            return (s, pool) if allowed(s) else _refused(ctx, s, cmd, arg, pool, none_hint)
    if found.survey is not None:
        s = ctx.db.get_survey(found.survey.id)
        if s is not None and allowed(s):
            return s, pool
        me = ctx.me()  # deleted (or no longer shared): it leaves the admin's list
        forget_managed(me, found.survey.id)
        return Outcome(choose_reply(cmd, arg, Found(), pool, none_hint, ctx.now), user=me)
    # Not a title the item remembers (made or shared long ago, or someone else's): exactly that title?
    titled = ctx.db.surveys_titled(title) if title else []
    mine = [s for s in titled if allowed(s)]
    if views and not mine and titled:  # the titles index does not hold viewers: read the few of that title
        mine = [s.info() for s in ctx.db.get_surveys([s.id for s in titled[:TITLED_READ]]) if allowed(s)]
    if len(mine) == 1:
        s = ctx.db.get_survey(mine[0].id)
        if s is not None:
            return s, _merged(pool, mine)
    if mine:
        return Outcome(choose_reply(cmd, arg, Found(choices=mine), _merged(pool, mine), none_hint, ctx.now))
    if found.choices:
        # The choices name a deadline: read them (a page at most) rather than trust the remembered titles.
        shown = [s.info() for s in ctx.db.get_surveys([c.id for c in found.choices])]
        return Outcome(choose_reply(cmd, arg, Found(choices=shown), pool, none_hint, ctx.now))
    if titled:  # someone else's survey by exact title: audited, and told as if there were none
        s = ctx.db.get_survey(titled[0].id) if u.viewing.keys() & {t.id for t in titled} else None
        return _refused(ctx, s or titled[0], cmd, arg, pool, none_hint)
    return Outcome(choose_reply(cmd, arg, found, pool, none_hint, ctx.now))


TITLED_READ = 5  # surveys of one title read whole to find a viewer's (titles are unique: one, nearly always)


def forget_managed(u: User, survey_id: str) -> None:
    """A survey gone (deleted) leaves the admin's own list, and a viewer's."""
    u.managed.pop(survey_id, None)
    u.viewing.pop(survey_id, None)


def _refused(ctx: Ctx, s: Survey | SurveyInfo, cmd: str, arg: str, pool: list[SurveyInfo], hint: str) -> Outcome:
    """Someone else's survey: the reply is the one for a title that does not exist (asking does not tell that it
    does), and the attempt is audited. A viewer of it is told what they may do instead."""
    from chalicelib.domain.unit_admins import refused as unit_refused
    from chalicelib.domain.unit_admins import units_of

    if isinstance(s, Survey) and ctx.member.key in s.viewers:
        return viewer_refused(ctx, s.id, s.title, cmd)
    if units_of(ctx.member, s):  # a survey of their units that someone else manages: they know of it
        return unit_refused(ctx, s, cmd)
    title, _ = split_ref(arg)
    reply = choose_reply(cmd, title or arg, Found(), pool, hint, ctx.now)
    return Outcome(reply, writes=[ctx.audit("denied", s.id, cmd)])


def viewer_refused(ctx: Ctx, sid: str, title: str, cmd: str) -> Outcome:
    """A viewer (열람자) asking for more than reading: what they may do instead, one tap each (audited)."""
    r = f"{title}#{sid}"
    return Outcome(
        Reply.say(
            f"'{title}'{pp(title, '은(는)')} 열람만 할 수 있어요. {cmd}{pp(cmd, '은(는)')} 신청서 관리자에게 "
            "부탁해 주세요. 볼 수 있는 것: 현황 · 결과 보기 · 다운로드.",
            quick=[*about(r, "현황", "결과 보기", "다운로드"), "메뉴"],
        ),
        writes=[ctx.audit("denied", sid, cmd)],
    )


def _merged(pool: Sequence[SurveyInfo], more: Sequence[SurveyInfo]) -> list[SurveyInfo]:
    seen = {s.id for s in pool}
    return [*pool, *(s for s in more if s.id not in seen)]
