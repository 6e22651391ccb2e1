"""What an admin reads of one of their surveys: 현황, 미응답, 결과 보기 and the downloads (one survey's, and the super
admin's 마스터키). Of a survey kept without names, only full batches are shown (domain.privacy)."""

from __future__ import annotations

from chalicelib.domain import aggregates, census, results, tally
from chalicelib.domain.audience import SILENT, WAITING, Audience, audience
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import CountPeople, Effect, ExportJob, KeepFigures, ShowReport
from chalicelib.domain.model import MODE_NAMES, Answer, Survey, target_label
from chalicelib.domain.ports import Reader
from chalicelib.domain.privacy import ANONYMOUS_NOTE, as_shown, batch_note, shown
from chalicelib.domain.reply import Quick, QuickLike, Reply
from chalicelib.domain.survey_lookup import reads_only
from chalicelib.domain.targets import Target
from chalicelib.domain.titles import about, main_quick, ref
from chalicelib.domain.unit_admins import answers_in
from chalicelib.domain.when import fmt_deadline
from chalicelib.domain.writes import KeepCensus, RecountAggregate, Write

NAMES_PER_PAGE = 60


def status(ctx: Ctx, t: Target) -> Outcome:
    """현황 <제목>: count vs target, per-question totals (options, capacity, sums), per-unit breakdown."""
    seen = _seen(ctx, t)  # of a survey kept without names: full batches only
    if seen.later:
        return _later(t, "현황", seen)
    s, counts, answers, people = seen.survey, seen.counts, seen.answers, seen.people
    pool = t.pool
    state = s.state_label(ctx.now)
    s = as_shown(s, answers or [])
    cap = f" · 최대 {s.cap}" if s.cap else ""
    pct = tally.rate(people.answered, people.target)
    rate = f", {pct}%" if pct is not None else ""
    head = [
        f"[{s.title}] 현황 ({state} · {fmt_deadline(s.deadline, ctx.now)})",
        f"응답 {people.answered}명 / 대상 {people.target}명 ({target_label(s.target_unit)}{rate}){cap}",
    ]
    if people.outside:
        head.append(f"대상 밖 응답 {people.outside}명 (명단에서 빠졌거나 다른 소속으로 옮긴 사람)")
    if s.anonymous:
        head.append(f"응답 방식: {MODE_NAMES[s.mode]} (답은 이름 없이 저장)")
        if note := batch_note(s):
            head.append(note)
    body = "\n".join(head + tally.by_question(s, counts))
    units = "" if s.anonymous else "\n".join(tally.by_unit(s, counts))
    r = ref(s, pool)
    if reads_only(s, ctx.member):  # a viewer (열람자) reads, nothing more
        return Outcome(Reply.say(body, units, quick=_viewer_quick(r)), effects=seen.effects)
    if t.units is not None and not s.managed_by(ctx.member):  # an admin of some units: what they may do with it
        scoped: list[QuickLike] = [*about(r, "미응답", "결과 보기", "다운로드", "알림"), "메뉴"]
        return Outcome(Reply.say(body, units, quick=scoped), effects=seen.effects)
    toggle = Quick("재개", f"재개 {r}") if not s.is_open(ctx.now) else Quick("마감", f"마감 {r}")
    quick: list[QuickLike] = [
        *about(r, "미응답", "결과 보기", "다운로드"),
        toggle,
        Quick("공동관리자", f"공동관리자 {r}"),
        "내 신청서",
        "메뉴",
    ]
    return Outcome(Reply.say(body, units, quick=quick), writes=seen.writes, effects=seen.effects)


class Seen:
    """A survey as an admin's view reads it: the counters, the answers when they had to be read, its people's
    census, and what keeps what was counted (the recount that builds a missing aggregate, a census to keep); with
    everyone, when they were counted now (the census did not hold). A plain class: built at a cold start
    without generating code, as :class:`Missing`."""

    __slots__ = ("answers", "counts", "effects", "exact", "later", "people", "survey", "writes")

    def __init__(
        self,
        survey: Survey,
        counts: aggregates.Counts,
        answers: list[Answer] | None,
        people: census.Census,
        writes: list[Write] | None = None,
        effects: list[Effect] | None = None,
        exact: Audience | None = None,
        later: bool = False,
    ) -> None:
        self.survey, self.counts, self.answers, self.people = survey, counts, answers, people
        self.writes: list[Write] = writes or []
        self.effects: list[Effect] = effects or []
        self.exact = exact
        self.later = later  # too many people to count now: they are being counted (no census to show)


def _seen(ctx: Ctx, t: Target) -> Seen:
    """The survey as the speaker sees it (see :func:`seen_by_admin`), and its census (domain.census). An admin of
    some units sees their units' people's answers only, counted from those answers and their people (the aggregate
    and the census count everyone)."""
    if t.units is not None:
        part, theirs = answers_in(ctx.db, t.survey, shown(t.survey, ctx.db.list_answers(t.survey.id)))
        return _counted(ctx.db, part, aggregates.recount(part, theirs), theirs)
    s = t.survey
    epoch = ctx.db.people_epoch() if aggregates.kept(s) and s.purged_at is None else None  # before the aggregate
    counts, answers, build, agg = seen_by_admin(ctx.db, s)
    if build is not None:  # a missing aggregate is built first; the next view keeps its census
        return _counted(ctx.db, s, counts, answers, writes=[build])
    if agg is None or epoch is None:
        return _counted(ctx.db, s, counts, answers)
    found = census.current(s, agg, epoch)
    if found is not None:
        return Seen(s, counts, answers, found)
    if census.too_many(ctx.db, agg):  # counted in the background; the admin looks again shortly
        return Seen(s, counts, answers, census.Census(0, 0, 0, False), effects=[CountPeople(s.id)], later=True)
    seen = _counted(ctx.db, s, counts, answers)
    if epoch.settled:
        kept = census.kept(seen.people, s, agg, epoch)
        seen.effects.append(KeepFigures(KeepCensus(s.id, kept, agg.version, epoch.shards, epoch.joined)))
    return seen


def _counted(
    db: Reader, s: Survey, counts: aggregates.Counts, answers: list[Answer] | None, writes: list[Write] | None = None
) -> Seen:
    """``s`` with everyone counted now (domain.audience)."""
    everyone = audience(db, s, answers)
    return Seen(s, counts, answers, census.exact(everyone), writes=writes or [], exact=everyone)


def _later(t: Target, view: str, seen: Seen) -> Outcome:
    """The reply while a survey's people are counted in the background (domain.census: too many to count now)."""
    r = t.ref
    said = f"[{t.survey.title}] 대상자를 세고 있어요. 사람이 많아 1분쯤 걸려요. 잠시 후 다시 보내 주세요."
    return Outcome(Reply.say(said, quick=[Quick(view, f"{view} {r}"), "메뉴"]), effects=seen.effects)


def _viewer_quick(r: str) -> list[QuickLike]:
    return [*about(r, "현황", "결과 보기", "다운로드"), "메뉴"]


def missing(ctx: Ctx, t: Target) -> Outcome:
    """미응답 <제목> [쪽]: the target's people who have not answered: registered but silent, and (with a roster)
    not registered yet, per unit, with their marks where names repeat. While the census of a named survey holds
    (domain.census), the counts are its own and the names are read of the units the page shows alone."""
    s, r, page = t.survey, t.ref, int(t.rest or 1)
    if s.is_full() and s.is_open(ctx.now):
        return Outcome(
            Reply.say(
                f"[{s.title}] 정원 {s.cap}명이 다 찼어요. 더 받지 않으니 미응답을 챙길 필요가 없어요.",
                quick=[*about(r, "현황", "결과 보기", "다운로드"), "메뉴"],
            )
        )
    start = (page - 1) * NAMES_PER_PAGE
    effects: list[Effect] = []
    if t.units is None and aggregates.kept(s) and s.purged_at is None:
        seen = _seen(ctx, t)
        if seen.later:
            return _later(t, "미응답", seen)
        c, effects = seen.people, seen.effects
        shown = census.page(ctx.db, s, c, start, NAMES_PER_PAGE) if seen.exact is None else None
        if shown is not None:
            listed = Missing(c.target, c.silent, c.waiting, c.roster, c.missing_by_unit(), shown)
            return _missing(ctx, s, r, page, listed, effects)
        people = seen.exact or audience(ctx.db, s)
    else:
        people = audience(ctx.db, s)
    if people.answered is None:
        return Outcome(
            Reply.say(
                f"[{s.title}] 응답 {people.responses}명 / 대상 {people.target}명. {ANONYMOUS_NOTE}",
                quick=[Quick("현황", f"현황 {r}"), Quick("다운로드", f"다운로드 {r}"), "메뉴"],
            )
        )
    silent, waiting = people.silent, people.waiting
    named = [(SILENT, people.label(p)) for p in silent] + [(WAITING, people.label(p)) for p in waiting]
    shown = named[start : start + NAMES_PER_PAGE]
    listed = Missing(people.target, len(silent), len(waiting), people.roster, people.per_unit(), shown)
    return _missing(ctx, s, r, page, listed, effects)


class Missing:
    """What 미응답 shows: the counts, per unit, and one page of names ((state, label) in order)."""

    __slots__ = ("per_unit", "roster", "shown", "silent", "target", "waiting")

    def __init__(
        self,
        target: int,
        silent: int,
        waiting: int,
        roster: bool,
        per_unit: dict[str, tuple[int, int]],
        shown: list[tuple[str, str]],
    ) -> None:
        self.target, self.silent, self.waiting, self.roster = target, silent, waiting, roster
        self.per_unit, self.shown = per_unit, shown


def _missing(ctx: Ctx, s: Survey, r: str, page: int, m: Missing, effects: list[Effect] | None = None) -> Outcome:
    quick: list[QuickLike] = [Quick("현황", f"현황 {r}")]
    if not m.silent and not m.waiting:
        return Outcome(Reply.say(f"[{s.title}] 대상자 모두 응답했어요.", quick=[*quick, "메뉴"]), effects=effects or [])
    lines = [f"[{s.title}] 미응답 {m.silent + m.waiting}명 / 대상 {m.target}명" + (f" ({page}쪽)" if page > 1 else "")]
    if s.anonymous and (note := batch_note(s)):
        lines.append(note)
    if m.roster:
        lines.append(f"등록했지만 응답 안 함 {m.silent}명 · 아직 등록 안 함 {m.waiting}명")
        lines += [f"• {u}: 응답 안 함 {a}명 · 미등록 {b}명" for u, (a, b) in m.per_unit.items()]
    for part in (SILENT, WAITING):
        names = [label for which, label in m.shown if which == part]
        if names:
            lines.append((f"{part}: " if m.roster else "") + ", ".join(names))
    if m.silent + m.waiting > page * NAMES_PER_PAGE:
        quick.insert(0, Quick("더보기", f"미응답 {r} {page + 1}"))
    if s.managed_by(ctx.member) and s.is_open(ctx.now) and not s.anonymous:  # their answer, entered for them
        quick.append(Quick("대리 응답", f"대리 응답 {r}"))
    return Outcome(Reply.say("\n".join(lines), quick=[*quick, "메뉴"]), effects=effects or [])


def seen_by_admin(
    db: Reader, s: Survey
) -> tuple[aggregates.Counts, list[Answer] | None, RecountAggregate | None, aggregates.Aggregate | None]:
    """The counters an admin is shown of ``s``; the answers, when they had to be read; when its aggregate was
    missing or not whole (a survey made before aggregates existed), the recount that builds it, conditional on the
    version read before the answers were; and the aggregate when it was read whole.

    A named survey's aggregate is one read. One kept without names is recounted from the answers its admins may see
    (full batches only, domain.privacy), as its answers arrive apart from their submits.
    """
    if not aggregates.kept(s):
        answers = shown(s, db.list_answers(s.id))
        return aggregates.recount(s, answers), answers, None, None
    if s.purged_at is not None:  # retention is over: its answers and their figures are gone
        return {}, [], None, None
    agg = db.get_aggregate(s.id)
    # Whole, and of as many answers as the survey's own counter says (a version without aggregates, run after a roll
    # back, would have left it behind: counted again).
    if agg is not None and agg.built and aggregates.responses(agg.counts) == s.response_count:
        return agg.counts, None, None, agg
    answers = db.list_answers(s.id)
    counts = aggregates.recount(s, answers)
    return counts, answers, RecountAggregate(s.id, counts, agg.version if agg is not None else None), None


def download(ctx: Ctx, t: Target) -> Outcome:
    """다운로드 <제목>: the service builds the files (now, or in the background when big)."""
    s = t.survey
    return Outcome(
        Reply.say("파일을 만들고 있어요."),
        writes=[ctx.audit("download", s.id, s.title)],
        effects=[ExportJob([s.id], surveys=[s], units=t.units or [])],
    )


def results_page(ctx: Ctx, t: Target) -> Outcome:
    """결과 보기 <제목>: the service draws the results page (aggregates only) and hands out a short-lived link."""
    seen = _seen(ctx, t)
    if seen.later:
        return _later(t, "결과 보기", seen)
    s, counts, answers, people = seen.survey, seen.counts, seen.answers, seen.people
    pool = t.pool
    s = as_shown(s, answers or [])
    # 익명: nobody knows who has not answered (its census counts nobody missing)
    missing = people.missing_by_unit()
    page = results.gather_counted(s, counts, people.target, missing, people.roster, ctx.now, people.answered)
    r = ref(s, pool)
    quick: list[QuickLike] = [Quick("현황", f"현황 {r}"), Quick("다운로드", f"다운로드 {r}"), "내 신청서", "메뉴"]
    if reads_only(s, ctx.member):
        quick = _viewer_quick(r)
    return Outcome(
        Reply.say(f"{s.title} 결과", quick=quick),
        writes=[ctx.audit("report", s.id, s.title), *seen.writes],
        effects=[*seen.effects, ShowReport(page)],
    )


def master_key(ctx: Ctx, arg: str) -> Outcome:
    """마스터키: one workbook with every survey (super admin)."""
    ids = [s.id for s in ctx.db.all_surveys()]
    if not ids:
        return Outcome(Reply.say("아직 신청이 하나도 없어요.", quick=main_quick(ctx.user)))
    return Outcome(
        Reply.say("전체 파일을 만들고 있어요."),
        writes=[ctx.audit("download_all", "*", f"{len(ids)}건")],
        effects=[ExportJob(ids, master=True)],
    )
