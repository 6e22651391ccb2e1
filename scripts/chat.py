"""Terminal KakaoTalk simulator for the skill server (``make chat``).

Sends real-channel-shaped skill payloads (docs/kakao-protocol.md, "What a request carries") with the
``X-Skill-Secret`` header to the local stack (``.local/stack.json``, written by
``make run``) or to ``--url``, and draws the reply as text.

Interactive::

    python -m scripts.chat                # then type; /help lists the commands

One message, for scripts and tests::

    python -m scripts.chat --user 홍길동 --say "메뉴"

Fake users: ``/user 이름`` switches to (or creates) a user whose botUserKey is
the SHA-256 of the name (64 hex chars), so the same name is the same user on
every run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.platform.config import LOCAL_SKILL_SECRET
from scripts.chat_render import Tap, render, taps
from scripts.local import STACK_FILE

DEFAULT_URL = "http://127.0.0.1:8000/skill"
MAX_RESPONSE_BYTES = 30 * 1024  # Kakao drops bigger replies
SLOW_MS = 4000  # Kakao gives up at 5 s; tunnels and the network eat the rest
BOT = {"id": "65a1efb1e4b0a91d3c7f2a01!", "name": "행정이"}
BLOCK = {"id": "65a1f0c2e4b0a91d3c7f2a10", "name": "폴백 블록"}


# --- fake users and payloads ------------------------------------------------


def user_key(name: str) -> str:
    """The stable fake botUserKey of a name: 64 hex chars."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def plusfriend_key(name: str) -> str:
    return hashlib.sha256(("plusfriend:" + name).encode("utf-8")).hexdigest()[:12]


def build_payload(
    name: str,
    utterance: str,
    trigger: str = "TEXT_INPUT",
    client_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A skill request as the real channel sends it for a user called ``name``."""
    key = user_key(name)
    pf = plusfriend_key(name)
    return {
        "intent": {"id": BLOCK["id"], "name": BLOCK["name"], "extra": {"reason": {"code": 1, "message": "OK"}}},
        "userRequest": {
            "timezone": "Asia/Seoul",
            "params": {"surface": "Kakaotalk.plusfriend"},
            "block": dict(BLOCK),
            "utterance": utterance,
            "lang": "ko",
            "user": {
                "id": key,
                "type": "botUserKey",
                "properties": {
                    "botUserKey": key,
                    "plusfriendUserKey": pf,
                    "isFriend": True,
                    "bot_user_key": key,
                    "plusfriend_user_key": pf,
                },
            },
        },
        "bot": dict(BOT),
        "action": {
            "id": "65a1f3d8e4b0a91d3c7f2a33",
            "name": "haengjeong-skill",
            "params": {},
            "detailParams": {},
            "clientExtra": dict(client_extra or {}),
        },
        "contexts": [],
        "flow": {"lastBlock": dict(BLOCK), "trigger": {"type": trigger}},
    }


# --- talking to the server --------------------------------------------------


@dataclass
class Target:
    url: str
    secret: str
    event_api: str = ""  # the local Event API stand-in (make run): reminders it delivered are shown


def load_target(url: str | None = None, secret: str | None = None, stack_file: Path = STACK_FILE) -> Target:
    """Where to send: ``--url`` > .local/stack.json > the default local URL."""
    stack: dict[str, Any] = {}
    if stack_file.is_file():
        try:
            stack = json.loads(stack_file.read_text())
        except ValueError:
            stack = {}
    if url is None:
        url = stack.get("skill_url") or DEFAULT_URL
    if secret is None:
        secret = os.environ.get("HJ_SKILL_SECRET") or stack.get("skill_secret") or LOCAL_SKILL_SECRET
    return Target(url=url, secret=secret, event_api=str(stack.get("event_api_url") or ""))


def _opener(url: str) -> urllib.request.OpenerDirector:
    """Loopback URLs bypass any HTTP(S)_PROXY of the environment; others use it."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


@dataclass
class Result:
    status: int
    body: bytes
    millis: float
    reply: Any = None
    error: str = ""


def send(target: Target, payload: dict[str, Any], timeout: float = 10.0) -> Result:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(  # noqa: S310 (the skill URL the developer gave or make run wrote)
        target.url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json;charset=UTF-8",
            "Accept": "application/json",
            "X-Skill-Secret": target.secret,
            "X-Request-Id": uuid.uuid4().hex,
        },
    )
    started = time.monotonic()
    try:
        with _opener(target.url).open(req, timeout=timeout) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return Result(
            0,
            b"",
            (time.monotonic() - started) * 1000,
            error=f"{target.url}에 연결할 수 없습니다 ({reason}). `make run`이 떠 있나요?",
        )
    millis = (time.monotonic() - started) * 1000
    result = Result(status, body, millis)
    if status != 200:
        result.error = (
            f"HTTP {status}: {body[:300].decode('utf-8', 'replace')} (카카오 사용자에게는 아무 말풍선도 안 보입니다)"
        )
        return result
    try:
        result.reply = json.loads(body)
    except ValueError:
        result.error = f"JSON이 아닌 응답: {body[:300].decode('utf-8', 'replace')}"
    return result


def describe(result: Result) -> str:
    """What to print for one exchange: the rendered reply plus warnings."""
    if result.error:
        return f"!! {result.error}"
    out = render(result.reply)
    notes = []
    if len(result.body) > MAX_RESPONSE_BYTES:
        notes.append(f"응답 {len(result.body):,} B > 30 KB: 카카오는 보내지 않습니다")
    if result.millis > SLOW_MS:
        notes.append(f"{result.millis:.0f} ms: 카카오 5초 제한에 가깝습니다")
    return out + ("".join(f"\n!! {n}" for n in notes))


# --- interactive loop -------------------------------------------------------

HELP = """\
입력한 글은 그대로 봇에게 보냅니다.
  N            빠른 답장 N)을 누릅니다 (빠른 답장이 있을 때)
  /send 글     글을 그대로 보냅니다 (숫자를 답으로 보낼 때)
  /open N      버튼 [N]: 링크면 주소를 보여 주고, 메시지 버튼이면 누릅니다
  /user 이름   그 이름의 가짜 사용자로 바꿉니다 (없으면 만듭니다)
  /users       가짜 사용자 목록
  /raw         받은 JSON도 보기 (켜기/끄기)
  /help        이 도움말
  /quit        끝내기 (Ctrl-D)"""


class Session:
    def __init__(self, target: Target, name: str, out: Any = None) -> None:
        self.target = target
        self.users: list[str] = [name]
        self.name = name
        self.replies: dict[str, Any] = {}  # last reply per user: what numbers and /open refer to
        self.raw = False
        self.out = out
        self.seen_deliveries = 0  # reminders of the Event API stand-in already shown

    def print(self, text: str = "") -> None:
        print(text, file=self.out or sys.stdout, flush=True)

    def say(self, text: str, trigger: str = "TEXT_INPUT", extra: dict[str, Any] | None = None) -> Result:
        result = send(self.target, build_payload(self.name, text, trigger, extra))
        if result.reply is not None:
            self.replies[self.name] = result.reply
        if self.raw and result.body:
            self.print(result.body.decode("utf-8", "replace"))
        self.print(describe(result))
        return result

    def tap(self, tap: Tap, trigger: str) -> None:
        if tap.action == "message":
            self.print(f"> {tap.message}")
            self.say(tap.message, trigger, tap.extra)
        elif tap.action == "webLink":
            self.print(f"링크 (브라우저 대신 주소만): {tap.link}")
        else:
            self.print(f"이 버튼({tap.action})은 여기서 흉내 내지 않습니다")

    def arrived(self) -> None:
        """Show reminders the local Event API stand-in delivered to our users since the last look."""
        if not self.target.event_api:
            return
        try:
            with _opener(self.target.event_api).open(self.target.event_api + "/deliveries", timeout=2) as resp:
                deliveries = json.loads(resp.read().decode("utf-8"))
        except (OSError, ValueError):
            return
        names = {user_key(u): u for u in self.users}
        for d in deliveries[self.seen_deliveries :]:
            who = names.get(str(d.get("user")))
            if who is not None and d.get("reply") is not None:
                self.replies[who] = d["reply"]
                self.print(f"\n[알림 도착 → {who}]")
                self.print(describe(Result(int(d.get("status") or 0), b"", 0.0, d["reply"])))
        self.seen_deliveries = len(deliveries)

    def handle(self, line: str) -> bool:
        """Handle one input line; False to stop."""
        self.arrived()
        line = line.strip()
        if not line:
            return True
        buttons, quick = taps(self.replies.get(self.name))
        if line.isdigit() and quick and 1 <= int(line) <= len(quick):
            # A number picks that quick reply; a number past the list is sent as typed (e.g. an answer "7").
            self.tap(quick[int(line) - 1], "QUICKREPLY_BUTTON_MESSAGE")
            return True
        if not line.startswith("/"):
            self.say(line)
            return True
        cmd, _, arg = line.partition(" ")
        arg = arg.strip()
        if cmd in ("/quit", "/exit", "/q"):
            return False
        if cmd == "/help":
            self.print(HELP)
        elif cmd == "/send" and arg:
            self.say(arg)
        elif cmd == "/open":
            if not arg.isdigit() or not 1 <= int(arg) <= len(buttons):
                self.print(f"버튼 번호는 1–{len(buttons)}입니다" if buttons else "누를 버튼이 없습니다")
            else:
                self.tap(buttons[int(arg) - 1], "CARD_BUTTON_MESSAGE")
        elif cmd == "/user" and arg:
            if arg not in self.users:
                self.users.append(arg)
            self.name = arg
            self.print(f"지금 사용자: {arg} (botUserKey {user_key(arg)[:12]}…)")
        elif cmd == "/users":
            for u in self.users:
                mark = "*" if u == self.name else " "
                self.print(f"{mark} {u}  {user_key(u)[:12]}…")
        elif cmd == "/raw":
            self.raw = not self.raw
            self.print(f"JSON 보기 {'켜짐' if self.raw else '꺼짐'}")
        else:
            self.print("모르는 명령입니다. /help")
        return True

    def loop(self) -> None:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        self.print(f"행정이 채팅 시뮬레이터 → {self.target.url}")
        self.print(HELP)
        while True:
            try:
                line = input(f"\n{self.name}> ")
            except (EOFError, KeyboardInterrupt):
                self.print()
                return
            if not self.handle(line):
                return


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.chat", description="KakaoTalk skill simulator")
    p.add_argument("--url", help=f"skill URL (default: .local/stack.json, else {DEFAULT_URL})")
    p.add_argument("--secret", help="X-Skill-Secret value (default: $HJ_SKILL_SECRET, stack.json, local secret)")
    p.add_argument("--user", default="홍길동", help="fake user's name (default: 홍길동)")
    p.add_argument("--say", action="append", help="send this and print the reply, without a prompt (repeatable)")
    p.add_argument("--json", action="store_true", help="with --say: print the raw reply JSON too")
    args = p.parse_args(argv)

    session = Session(load_target(args.url, args.secret), args.user)
    session.raw = args.json
    if args.say:
        ok = True
        for text in args.say:
            ok = session.say(text).error == "" and ok
        return 0 if ok else 1
    session.loop()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        sys.exit(0)
