"""The conversation: one pure step from (user, state, message) to (new state, writes, reply).

``step`` reads through the ``Reader`` port only; it never writes. The service stores
``Outcome.user`` (conditional on its version) together with ``Outcome.writes`` in one
transaction, and re-runs the step on a lost race.
"""
from __future__ import annotations

from typing import Callable

from chalicelib.domain import admin, answering, wizard
from chalicelib.domain.common import Ctx, ExportJob, Outcome, find_survey, main_quick, ref, visible_surveys
from chalicelib.domain.model import MEMBER, User
from chalicelib.domain.parsing import MAX_UNIT, NO, YES, valid_name
from chalicelib.domain.reply import Quick, Reply
from chalicelib.domain.writes import DeleteUser

REGISTER_HELP_WORDS = {"방법", "안내", "하는 법", "하는법", "어떻게"}
HOW_TO_REGISTER = Quick("등록 방법", "등록 안내")
REGISTER_HELP = ("행정이에 오신 걸 환영해요! 먼저 이름을 등록해 주세요.\n"
                 "예: 등록 홍길동\n소속도 함께: 등록 2중대 홍길동")

Handler = Callable[[Ctx, str], Outcome]


def _admin_only(action: str, fn: Handler) -> Handler:
    def run(ctx: Ctx, arg: str) -> Outcome:
        assert ctx.user is not None
        if not ctx.user.is_admin:
            return admin.denied(ctx, action)
        return fn(ctx, arg)
    return run


def _super_only(action: str, fn: Handler) -> Handler:
    def run(ctx: Ctx, arg: str) -> Outcome:
        assert ctx.user is not None
        if not ctx.user.is_super:
            return admin.denied(ctx, action, "슈퍼관리자")
        return fn(ctx, arg)
    return run


# Longest prefixes first: "신청 목록" must win over "신청".
COMMANDS: list[tuple[str, Handler]] = [
    ("신청 만들기", _admin_only("create", wizard.begin)),
    ("신청 목록", answering.list_open),
    ("신청 취소", answering.ask_withdraw),
    ("신청 수정", answering.start_edit),
    ("내 신청서", _admin_only("my_surveys", admin.my_surveys)),
    ("내 신청", answering.list_mine),
    ("관리자 등록", _super_only("grant_admin", lambda c, a: admin.set_admin(c, a, True))),
    ("관리자 해제", _super_only("revoke_admin", lambda c, a: admin.set_admin(c, a, False))),
    ("관리자 목록", _super_only("list_admins", lambda c, a: admin.list_admins(c))),
    ("공동관리자", _admin_only("add_coadmin", admin.coadmin)),
    ("마스터키", _super_only("master_key", lambda c, a: admin.master_key(c))),
    ("다운로드", _admin_only("download", admin.download)),
    ("미응답", _admin_only("missing", admin.missing)),
    ("현황", _admin_only("status", admin.status)),
    ("마감", _admin_only("close", admin.close)),
    ("재개", _admin_only("reopen", admin.reopen)),
    ("삭제", _admin_only("delete", admin.ask_delete)),
    ("신청", answering.start),
]
MENU_WORDS = {"메뉴", "도움말", "처음", "시작", "홈", "menu", "help", "?"}
HELP_WORDS = {"도움말", "help", "?"}
HELP_MEMBER = ("명령어: 신청 목록 · 신청 <제목> · 내 신청 · 신청 수정 <제목> · 신청 취소 <제목> · "
               "등록 <소속> <이름> · 탈퇴\n답하는 중에는 이전 · 건너뛰기 · 취소, 끝에서 제출 · 수정.")
HELP_ADMIN = ("관리자: 신청 만들기 · 내 신청서 · 현황 <제목> · 미응답 <제목> · 마감/재개/삭제 <제목> · "
              "다운로드 <제목> · 공동관리자 <제목> <이름>")
HELP_SUPER = "슈퍼관리자: 관리자 등록 <이름> · 관리자 해제 <이름> · 관리자 목록 · 마스터키"
ARG_NEEDED = {"신청 취소", "신청 수정", "공동관리자", "다운로드", "미응답", "현황", "마감", "재개", "삭제", "신청"}


def step(ctx: Ctx, text: str) -> Outcome:
    """Answer one message."""
    if ctx.user is None:
        if text.startswith("등록") and text[2:].strip() not in REGISTER_HELP_WORDS:
            return register(ctx, text[2:].strip())
        return Outcome(Reply.say(REGISTER_HELP, quick=[HOW_TO_REGISTER]))
    flow = ctx.user.session.get("flow") or {}
    if text in MENU_WORDS:
        return menu(ctx, paused=bool(flow), help=text in HELP_WORDS)
    name = flow.get("name")
    if name == "answer":
        return answering.in_flow(ctx, text)
    if name == "create":
        return wizard.in_flow(ctx, text)
    if name == "confirm":
        return confirm(ctx, flow, text)
    return command(ctx, text)


def command(ctx: Ctx, text: str) -> Outcome:
    assert ctx.user is not None
    if text.startswith("등록"):
        return register(ctx, text[2:].strip())
    if text == "파일 받기":
        return collect_files(ctx)
    if text == "탈퇴":
        u = ctx.me()
        u.session["flow"] = {"name": "confirm", "action": "leave"}
        return Outcome(Reply.say("정말 탈퇴할까요? 등록 정보와 작성 중인 답이 지워져요. 이미 제출한 답은 신청에 남아요.",
                                 quick=["예", "아니오"]), user=u)
    for prefix, handler in COMMANDS:
        if text == prefix or text.startswith(prefix + " "):
            arg = text[len(prefix):].strip()
            if not arg and prefix in ARG_NEEDED:
                return _needs_title(ctx, prefix)
            return handler(ctx, arg)
    if text in ("제출", "이전", "건너뛰기", "수정"):
        return Outcome(Reply.say("지금 작성 중인 신청이 없어요. 이미 제출했다면 '내 신청'에서 확인할 수 있어요.",
                                 quick=["내 신청", "신청 목록", "메뉴"]))
    if text in ("취소", "예", "아니오"):
        return menu(ctx, note="진행 중인 작업이 없어요.")
    # A bare survey title is a shortcut for "신청 <제목>".
    pool = visible_surveys(ctx)
    found = find_survey(text, pool)
    if found.survey is not None and found.survey.is_open(ctx.now):
        return answering.start(ctx, ref(found.survey, pool))
    shown = text if len(text) <= 20 else text[:20] + "…"
    return menu(ctx, note=f"'{shown}'은(는) 알 수 없는 말이에요. 아래에서 골라 주세요.")


def _needs_title(ctx: Ctx, prefix: str) -> Outcome:
    if prefix == "신청":
        return answering.list_open(ctx, "")
    hint = {"신청 취소": "내 신청", "신청 수정": "내 신청"}.get(prefix, "내 신청서" if ctx.user and ctx.user.is_admin else "메뉴")
    return Outcome(Reply.say(f"신청 제목을 붙여 주세요. 예: {prefix} BBQ 회식", quick=[hint, "메뉴"]))


def menu(ctx: Ctx, note: str = "", paused: bool = False, help: bool = False) -> Outcome:
    """The role-aware menu with what is waiting for me (and the command list for 도움말)."""
    u = ctx.user
    assert u is not None
    lines = [note] if note else []
    if help:
        lines.append(HELP_MEMBER)
        if u.is_admin:
            lines.append(HELP_ADMIN)
        if u.is_super:
            lines.append(HELP_SUPER)
    lines.append(f"{u.label()}님, 무엇을 할까요?")
    waiting = answering.pending(ctx)
    if waiting:
        lines.append(answering.pending_line(waiting))
    drafts = u.session.get("drafts", {})
    if drafts:
        lines.append("작성 중: " + ", ".join(d["title"] for d in drafts.values()))
    # The next sensible step first: a draft to finish, else the survey due soonest.
    shortcuts = [Quick(d["title"], f"신청 {d['title']}") for d in list(drafts.values())[:2]]
    if not shortcuts and waiting:
        shortcuts = [Quick(waiting[0].title, f"신청 {waiting[0].title}")]
    quick = shortcuts + main_quick(u)
    if "wizard" in u.session and u.is_admin:
        lines.append("만들던 신청서가 있어요: '신청 만들기'로 이어서.")
    if not paused:
        return Outcome(Reply.say("\n".join(lines), quick=quick))
    v = ctx.me()
    v.session.pop("flow", None)
    return Outcome(Reply.say("\n".join(lines), quick=quick), user=v)


def collect_files(ctx: Ctx) -> Outcome:
    """파일 받기: hand out exports finished in the background (links are minted now)."""
    u = ctx.me()
    ready = u.session.pop("ready", [])
    if not ready:
        return Outcome(Reply.say("받을 파일이 없어요. 관리자는 '다운로드 <제목>'으로 만들 수 있어요.", quick=main_quick(u)))
    return Outcome(Reply.say("파일을 준비했어요."), user=u, export=ExportJob([], ready=ready))


def register(ctx: Ctx, arg: str) -> Outcome:
    """등록 <이름> · 등록 <소속> <이름>: registers, or changes name and unit."""
    if arg in REGISTER_HELP_WORDS:
        if ctx.user is None:
            return Outcome(Reply.say(REGISTER_HELP, quick=[HOW_TO_REGISTER]))
        return Outcome(Reply.say(f"지금 등록: {ctx.user.label()}. 바꾸려면 '등록 <소속> <이름>'을 보내 주세요.",
                                 quick=main_quick(ctx.user)))
    parts = arg.split()
    if not parts:
        return Outcome(Reply.say("이름을 붙여 주세요. 예: 등록 홍길동, 등록 2중대 홍길동",
                                 quick=["메뉴"] if ctx.user else [HOW_TO_REGISTER]))
    name, unit = parts[-1], " ".join(parts[:-1])
    why = valid_name(name)
    if why:
        return Outcome(Reply.say(f"이름을 확인해 주세요: {why}", "예: 등록 홍길동", quick=["메뉴"] if ctx.user else [HOW_TO_REGISTER]))
    if unit:
        why = valid_name(unit.replace(" ", ""), MAX_UNIT) if len(unit) <= MAX_UNIT else f"{MAX_UNIT}자 이내로 입력해 주세요."
        if why:
            return Outcome(Reply.say(f"소속을 확인해 주세요: {why}", "예: 등록 2중대 홍길동",
                                     quick=["메뉴"] if ctx.user else [HOW_TO_REGISTER]))
    if ctx.user is None:
        u = User(key=ctx.key, name=name, unit=unit, role=MEMBER, created_at=ctx.now.isoformat())
        where = f" ({unit})" if unit else ""
        return Outcome(Reply.say(f"{name}{where}님, 등록되었어요! 이제 신청에 응답할 수 있어요.",
                                 quick=main_quick(u)), user=u)
    u = ctx.me()
    u.name, u.unit = name, unit
    return Outcome(Reply.say(f"등록 정보를 바꿨어요: {u.label()}", quick=main_quick(u)), user=u)


def confirm(ctx: Ctx, flow: dict, text: str) -> Outcome:
    """A yes/no question is pending; anything else drops it and is read as a new message."""
    u = ctx.me()
    u.session.pop("flow", None)
    yes, no = text.casefold() in YES, text.casefold() in NO or text == "취소"
    if not yes and not no:
        moved = Ctx(ctx.key, u, ctx.now, ctx.db, ctx.tap)
        out = step(moved, text)
        if out.user is None and ctx.user is not None:
            out.user = u  # still store the dropped confirmation
        return out
    action = flow.get("action")
    if no:
        return Outcome(Reply.say("알겠어요, 그대로 둘게요.", quick=main_quick(u)), user=u)
    if action == "leave":
        return Outcome(Reply.say("탈퇴했어요. 다시 쓰려면 언제든 '등록 이름'을 보내 주세요.", quick=[HOW_TO_REGISTER]),
                       writes=[DeleteUser(u.key, u.version)])
    if action == "withdraw":
        return answering.withdraw(ctx, u, flow.get("sid", ""))
    if action == "delete":
        if not u.is_admin:
            return admin.denied(ctx, "delete")
        return admin.delete(ctx, u, flow.get("sid", ""))
    return Outcome(Reply.say("알 수 없는 확인 요청이라 취소했어요.", quick=main_quick(u)), user=u)
