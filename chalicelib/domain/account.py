"""Registration, leaving, and files that finished in the background (파일 받기)."""

from __future__ import annotations

from chalicelib.domain import roster
from chalicelib.domain.context import Ctx, Outcome
from chalicelib.domain.effects import ExportJob
from chalicelib.domain.model import MEMBER, User
from chalicelib.domain.parsing import MAX_UNIT, valid_name
from chalicelib.domain.particles import pp
from chalicelib.domain.ports import RosterInfo
from chalicelib.domain.reply import QuickLike, Reply
from chalicelib.domain.session import Action, Session
from chalicelib.domain.titles import main_quick
from chalicelib.domain.writes import DeleteUser

HELP_WORDS = {"방법", "안내", "하는 법", "하는법", "어떻게"}  # '등록 방법' asks how, it is not a name
HOW_TO_REGISTER = roster.HOW_TO_REGISTER


def roster_here(ctx: Ctx) -> RosterInfo:
    """The roster registration goes through (none with open registration): one small item."""
    return RosterInfo() if ctx.rules.open_registration else ctx.db.roster_info()


def welcome(ctx: Ctx, text: str) -> Outcome:
    """Anything from someone not registered: 등록 registers, everything else says how."""
    if text.startswith("등록") and text[2:].strip() not in HELP_WORDS:
        return register(ctx, text[2:].strip())
    return Outcome(Reply.say(roster.register_help(roster_here(ctx)), quick=[HOW_TO_REGISTER]))


def register(ctx: Ctx, arg: str) -> Outcome:
    """등록 <이름> · 등록 <소속> <이름>: registers, or changes name and unit."""
    next_steps: list[QuickLike] = ["메뉴"] if ctx.user else [HOW_TO_REGISTER]
    info = roster_here(ctx)
    if arg in HELP_WORDS:
        if ctx.user is None:
            return Outcome(Reply.say(roster.register_help(info), quick=[HOW_TO_REGISTER]))
        usage = roster.register_usage(info)
        return Outcome(
            Reply.say(
                f"지금 등록: {ctx.user.label()}. 바꾸려면 '{usage}'{pp(usage.rstrip('>'), '을(를)')} 보내 주세요.",
                quick=main_quick(ctx.user),
            )
        )
    if info.units:
        return roster.register(ctx, arg, info)
    parts = roster.words_of(arg)
    if not parts:
        return Outcome(Reply.say("이름을 붙여 주세요. 예: 등록 홍길동, 등록 2중대 홍길동", quick=next_steps))
    name, unit = parts[-1], " ".join(parts[:-1])
    why = valid_name(name)
    if why:
        return Outcome(Reply.say(f"이름을 확인해 주세요: {why}", "예: 등록 홍길동", quick=next_steps))
    if unit:
        why = (
            valid_name(unit.replace(" ", ""), MAX_UNIT)
            if len(unit) <= MAX_UNIT
            else f"{MAX_UNIT}자 이내로 입력해 주세요."
        )
        if why:
            return Outcome(Reply.say(f"소속을 확인해 주세요: {why}", "예: 등록 2중대 홍길동", quick=next_steps))
    if ctx.user is None:
        u = User(key=ctx.key, name=name, unit=unit, role=MEMBER, created_at=ctx.now.isoformat())
        u.answered = ctx.db.answered_by(ctx.key)  # registered before (탈퇴): what they submitted is theirs still
        u.recalled = True
        where = f" ({unit})" if unit else ""
        again = f" 전에 제출한 신청 {len(u.answered)}건도 그대로 있어요." if u.answered else ""
        return Outcome(
            Reply.say(f"{name}{where}님, 등록되었어요! 이제 신청에 응답할 수 있어요.{again}", quick=main_quick(u)),
            user=u,
        )
    u = ctx.me()
    u.name, u.unit = name, unit
    return Outcome(Reply.say(f"등록 정보를 바꿨어요: {u.label()}", quick=main_quick(u)), user=u)


def ask_leave(ctx: Ctx, arg: str) -> Outcome:
    """탈퇴: asks first (예 · 아니오)."""
    return ctx.ask_first(
        Action.LEAVE, "정말 탈퇴할까요? 등록 정보와 작성 중인 답이 지워져요. 이미 제출한 답은 신청에 남아요."
    )


def leave(ctx: Ctx, session: Session, sid: str) -> Outcome:
    """The 예 to 탈퇴: the user item goes (drafts with it); submitted answers stay with their surveys."""
    u = ctx.member
    usage = roster.register_usage(roster_here(ctx))
    return Outcome(
        Reply.say(
            f"탈퇴했어요. 다시 쓰려면 언제든 '{usage}'{pp(usage.rstrip('>'), '을(를)')} 보내 주세요. "
            "제출한 답은 다시 등록하면 그대로 보여요.",
            quick=[HOW_TO_REGISTER],
        ),
        writes=[DeleteUser(u.key, u.version), *roster.release_on_leave(ctx, u)],
    )


def collect_files(ctx: Ctx, arg: str) -> Outcome:
    """파일 받기: hand out exports finished in the background (links are minted now)."""
    session = ctx.state()
    ready, session.ready = session.ready, []
    if not ready:
        return Outcome(
            Reply.say("받을 파일이 없어요. 관리자는 '다운로드 <제목>'으로 만들 수 있어요.", quick=main_quick(ctx.user))
        )
    return Outcome(Reply.say("파일을 준비했어요."), session=session, effects=[ExportJob([], ready=ready)])
