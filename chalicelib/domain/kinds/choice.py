"""선택 and 복수선택: one or several of the options set in the wizard; 선택 may give an option a capacity."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from chalicelib.domain.kinds.base import MAX_PICKS, Count, Counted, Figures, Kind, Parsed, Setup, said_counts
from chalicelib.domain.model import MAX_CAP, Question, Survey
from chalicelib.domain.parsing import pick_option
from chalicelib.domain.particles import pp

MAX_OPTIONS = 8
MAX_OPTION_LEN = 30


def _options_prompt(cur: dict[str, Any]) -> tuple[str, list[str]]:
    cap_hint = (
        " 선택지마다 정원을 두려면 ':숫자'를 붙이세요. 예: 치킨:30, 피자:20, 족발"
        if cur.get("kind") == Choice.code
        else ""
    )
    return f"보기를 쉼표로 구분해 입력해 주세요 (2~{MAX_OPTIONS}개). 예: 치킨, 피자, 족발.{cap_hint}", []


def _options_take(cur: dict[str, Any], text: str) -> str | None:
    parts = [p.strip() for p in re.split(r"[,，、\n]", text) if p.strip()]
    if len(parts) == 1 and 2 <= len(parts[0].split()) <= MAX_OPTIONS:
        example = ", ".join(parts[0].split())
        return f"보기는 쉼표로 구분해 주세요. 예: {example}"
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
            return f"'{name}'{pp(name, '이(가)')} 두 번 있어요."
        options.append(name)
        if m:
            if cur.get("kind") != Choice.code:
                return "정원은 '선택' 형식에서만 둘 수 있어요."
            cap = int(m.group(2))
            if not 1 <= cap <= MAX_CAP:
                return f"정원은 1~{MAX_CAP} 사이로 입력해 주세요."
            capacity[name] = cap
    cur["options"] = options
    cur["capacity"] = capacity
    return None


def _picks_prompt(cur: dict[str, Any]) -> tuple[str, list[str]]:
    n = len(cur.get("options") or [])
    return f"몇 개까지 고를 수 있나요? 예: 최대 2, 1~3, 2개 이상 (보기 {n}개). 제한이 없으면 '제한 없음'.", [
        "제한 없음"
    ]


def _picks_take(cur: dict[str, Any], text: str) -> str | None:
    """How many options a 복수선택 answer may pick: stored as the question's min and max."""
    n = len(cur.get("options") or [])
    t = text.replace(" ", "").replace("개", "")
    lo: int | None = None
    hi: int | None = None
    if t in ("제한없음", "없음", "건너뛰기"):
        cur["min"], cur["max"] = None, None
        return None
    if m := re.fullmatch(r"(?:최대)?(\d+)(?:까지)?", t):
        hi = int(m[1])
    elif m := re.fullmatch(r"(?:최소)?(\d+)이상", t) or re.fullmatch(r"최소(\d+)", t):
        lo = int(m[1])
    elif m := re.fullmatch(r"(\d+)[~\-](\d+)", t):
        lo, hi = int(m[1]), int(m[2])
    else:
        return "몇 개인지 숫자로 입력해 주세요. 예: 최대 2, 1~3, 2개 이상"
    if (lo is not None and not 1 <= lo <= n) or (hi is not None and not 1 <= hi <= n):
        return f"보기가 {n}개예요. 1~{n} 사이로 입력해 주세요."
    if lo is not None and hi is not None and lo > hi:
        return "최소가 최대보다 클 수 없어요."
    cur["min"], cur["max"] = lo, hi
    return None


PICKS = Setup("q_picks", _picks_prompt, _picks_take)


class Choice(Kind):
    """One of the options; an option may have a capacity (정원)."""

    code, name, aliases = "choice", "선택", ("객관식",)
    setup = Setup(
        "q_opts", _options_prompt, _options_take, after=lambda cur: PICKS.step if cur.get("kind") == "multi" else ""
    )
    counts_options = True
    groups = True

    def hint(self, q: Question) -> str:
        return "하나를 골라 주세요."

    def lines(self, q: Question, left: dict[str, int], chosen: Sequence[str] = ()) -> list[str]:
        return [f"{n}. {o}" + (f" (남은 {left[o]})" if o in left else "") for n, o in enumerate(q.options, 1)]

    def picks(self, q: Question, left: dict[str, int]) -> list[str]:
        return [o for o in q.options if left.get(o, 1) > 0][:MAX_PICKS]

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        o = pick_option(text, q.options)
        if o is None:
            return None, "보기 중에서 골라 주세요 (번호도 됩니다)."
        return o, None

    def picked(self, value: Any) -> list[str]:
        return [value] if isinstance(value, str) and value else []

    def describe(self, q: Question) -> str:
        return f"{self.name}: " + ", ".join(f"{o}({q.capacity[o]}명)" if o in q.capacity else o for o in q.options)

    def counted(self, q: Question, value: Any) -> list[tuple[str, float]]:
        return [(o, 1) for o in self.picked(value)]

    def figures(self, q: Question, c: Counted, survey: Survey) -> Figures:
        takers = c.parts
        counts = tuple(Count(o, int(takers.get(o, 0)), q.capacity.get(o), survey.remaining(q, o)) for o in q.options)
        return Figures(c.answered, counts=counts)

    def tally(self, q: Question, fig: Figures) -> list[str]:
        return [said_counts(fig)]


def _picks_said(q: Question) -> str:
    """'최대 2개', '1~3개', '2개 이상', or '' (any number)."""
    lo, hi = (int(q.min) if q.min is not None else None), (int(q.max) if q.max is not None else None)
    if lo is not None and hi is not None:
        return f"{lo}개" if lo == hi else f"{lo}~{hi}개"
    if hi is not None:
        return f"최대 {hi}개"
    return f"{lo}개 이상" if lo is not None else ""


# Words that join the options of a list ('볼링이랑 노래방', '볼링하고 노래방', '볼링, 노래방 및 당구').
_JOINERS = re.compile(r"\s*(?:[,，、/·+&]|\s및\s|\s그리고\s|\sand\s)\s*|\s+")
_JOINED_ON = ("이랑", "하고", "랑", "이나", "과", "와", "나", "도")  # endings that join a word to the next


def _one(phrase: str, options: list[str], loose: bool) -> str | None:
    """The option a phrase names, also with a joining ending ('볼링이랑', '방탈출 카페랑'); a single word
    (``loose``) also as :func:`pick_option` reads it (its number, an ending such as 이요, its start)."""

    def read(p: str) -> str | None:
        return pick_option(p, options) if loose else _exactly(p, options)

    o = read(phrase)
    if o is not None:
        return o
    for end in _JOINED_ON:
        if phrase.endswith(end) and len(phrase) > len(end):
            o = read(phrase[: -len(end)])
            if o is not None:
                return o
    return None


def _exactly(phrase: str, options: list[str]) -> str | None:
    squashed = "".join(phrase.split()).casefold()
    return next((o for o in options if "".join(o.split()).casefold() == squashed), None)


def named_options(text: str, options: list[str]) -> list[str] | str:
    """The options a typed list names, in the question's order ('1, 3', '볼링이랑 노래방', '볼링하고 노래방',
    '볼링 및 당구', '볼링 노래방', and options of several words), or the piece that names none."""
    whole = pick_option(text, options)
    if whole is not None:
        return [whole]
    tokens = [x for x in _JOINERS.split(f" {text} ") if x]
    picked: list[str] = []
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):  # the longest run of words that names an option
            o = _one(" ".join(tokens[i:j]), options, loose=j == i + 1)
            if o is not None:
                break
        else:
            glued = _glued(tokens[i], options)  # '볼링이랑노래방'
            if glued is None:
                return tokens[i]
            picked += glued
            i += 1
            continue
        picked.append(o)
        i = j
    return [o for o in options if o in picked]


def _glued(token: str, options: list[str]) -> list[str] | None:
    parts = [p for p in re.split("|".join(_JOINED_ON[:3]), token) if p]
    if len(parts) < 2:
        return None
    found = [pick_option(p, options) for p in parts]
    return [o for o in found if o is not None] if all(found) else None


class Multi(Choice):
    """Any number of the options (or between the question's min and max): tapped one by one (each tap adds an
    option, a tap on a chosen one takes it back, '선택 완료' ends), or typed as a list ('1, 3', '볼링이랑 노래방')."""

    code, name, aliases = "multi", "복수선택", ("복수",)
    groups = False
    many = True
    more_setups = (PICKS,)

    def hint(self, q: Question) -> str:
        said = _picks_said(q)
        limit = f" ({said})" if said else ""
        done = f"'{DONE}'{pp(DONE, '을(를)')}"
        return f"보기를 하나씩 눌러 고르고 {done} 눌러 주세요{limit}. 한 번에 적어도 돼요. 예: 1, 3"

    def describe(self, q: Question) -> str:
        said = _picks_said(q)
        return super().describe(q) + (f" · {said}" if said else "")

    def parse(self, q: Question, text: str, today: date) -> Parsed:
        named = named_options(text, q.options)
        if isinstance(named, str):
            tok = named[:20]
            return None, f"'{tok}'{pp(tok, '은(는)')} 보기에 없어요. 보기를 누르거나 번호로 적어 주세요. 예: 1, 3"
        return self.take_picked(q, named)

    def take_picked(self, q: Question, picked: list[str]) -> Parsed:
        """``picked`` as an answer, or why it is too few or too many."""
        if q.max is not None and len(picked) > q.max:
            return None, f"최대 {int(q.max)}개까지 골라 주세요."
        if q.min is not None and len(picked) < q.min:
            return None, f"{int(q.min)}개 이상 골라 주세요."
        return picked, None

    def lines(self, q: Question, left: dict[str, int], chosen: Sequence[str] = ()) -> list[str]:
        return [f"{n}. {'✓ ' if o in chosen else ''}{o}" for n, o in enumerate(q.options, 1)]

    def picked(self, value: Any) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else super().picked(value)

    def show(self, q: Question, value: Any) -> str:
        return ", ".join(str(x) for x in value) if isinstance(value, list) else str(value)


DONE = "선택 완료"  # the quick reply that ends picking the options of a 복수선택
TAKE_BACK = "빼기"  # '볼링 빼기': what a tap on a chosen option sends
