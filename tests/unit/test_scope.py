"""Nobody gets more than their scope from any command: every word of the vocabulary, sent by a viewer (열람자) of one
survey and by an admin of one unit (소속 관리자), with the arguments it takes, and then 예 to whatever it asks. Other
surveys and the people of other units never show, in chat, files or pages; nothing of anyone else changes."""

from __future__ import annotations

import re

import pytest
from fakes import FakeExporter
from harness import Chat, key_of, load_roster, make_bbq

from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.vocabulary import WORDS

VIEWED, OTHER, ALL = "BBQ 회식", "송년회", "전체 체육"
OUTSIDER = "김비밀"  # of 3중대: answers 송년회 and 전체 체육; their name and memo must never reach the speaker
OWN = {"등록", "탈퇴"}  # the speaker's own registration: changes to it are theirs to make
SPEAKERS = {"viewer": "대대장", "unit_admin": "중대행정"}


HIDDEN = "박명단"  # on the roster of 3중대, not registered: never shown to either speaker


def world(roster: bool) -> tuple[Chat, FakeExporter]:
    ex = FakeExporter()
    c = Chat(exporter=ex)
    c.register("슈퍼", "본부", SUPER)
    c.register("관리자", "본부", ADMIN)
    c.register("대대장", "본부")
    c.register("중대행정", "2중대")
    c.register("홍길동", "2중대")
    c.register(OUTSIDER, "3중대")
    make_bbq(c, title=VIEWED, target="2중대")
    make_bbq(c, title=OTHER, target="3중대")
    make_bbq(c, title=ALL)
    for who, title in (("홍길동", VIEWED), (OUTSIDER, OTHER), ("홍길동", ALL), (OUTSIDER, ALL)):
        c.as_(who).say(f"신청 {title}")
        c.say_all(["피자", "2", f"{who}의 메모", "제출"])
    if roster:  # loaded after everyone registered: they are 명단에 없는 등록자, and two people wait to register
        load_roster(c.store, [(2, "3중대", HIDDEN, "1111"), (3, "2중대", "최명단", "2222")], remove=False)
    assert "열람자가 되었어요" in c.say(f"열람자 {VIEWED} 대대장", who="관리자")
    assert "소속 관리자로 정했어요" in c.say("소속 관리자 2중대 중대행정", who="슈퍼")
    return c, ex


def arguments(word: str) -> list[str]:
    """What follows a word when it is tried: nothing, each survey's title, and titles with what may come after."""
    tails = [
        "",
        VIEWED,
        OTHER,
        ALL,
        f"{VIEWED} 홍길동",
        f"{OTHER} {OUTSIDER}",
        f"{VIEWED} 금요일 18시",
        f"{ALL} 매주 월 9시",
        f"3중대 {OUTSIDER}",
        "3중대",
        OUTSIDER,
        "2중대",
    ]
    return [f"{word} {t}".strip() for t in tails]


def unquoted(shown: str, typed: str) -> str:
    """``shown`` without what the speaker typed said back in quotes (that is not something shown to them)."""
    return re.sub(r"'([^']*)'", lambda m: "" if m.group(1) in typed else m.group(0), shown)


def snapshot(c: Chat, speaker: str) -> tuple:
    surveys = sorted(
        (
            s.id,
            s.status,
            s.deadline,
            tuple(s.coadmins),
            tuple(s.viewers),
            s.repeat,
            s.opens_at,
            s.response_count,
            s.target_unit,
        )
        for s in c.store.list_surveys()
    )
    people = sorted(
        (u.key, u.role, u.name, u.unit, tuple(u.managed), tuple(u.units))
        for u in c.store.list_users()
        if u.key != key_of(speaker)
    )
    answers = sorted((k, tuple(sorted(a.values.items()))) for k, a in c.store.answers.items())
    return surveys, people, answers, dict(c.store.roster)


@pytest.mark.parametrize("roster", [False, True], ids=["no_roster", "roster"])
@pytest.mark.parametrize("speaker", list(SPEAKERS))
@pytest.mark.parametrize("word", [w.word for w in WORDS])
def test_nobody_gets_more_than_their_scope(word: str, speaker: str, roster: bool) -> None:
    c, ex = world(roster)
    who = SPEAKERS[speaker]
    ids = {s.title: s.id for s in c.store.list_surveys()}
    before = snapshot(c, who)
    texts = []
    for text in arguments(word):
        for said in (c.say(text, who=who), c.say("예", who=who)):
            shown = said.text + " ".join(said.labels) + " ".join(said.quick)
            # what the speaker typed, said back in quotes, is not something shown to them
            texts.append(unquoted(shown, text))
        c.say("취소", who=who)
    seen = "\n".join(texts)
    if word in OWN:  # their own registration: it says back the name they gave themselves
        seen = seen.replace(OUTSIDER, "").replace("3중대", "")
    assert OUTSIDER not in seen and HIDDEN not in seen and f"[{OTHER}]" not in seen and "3중대" not in seen, (
        word,
        seen,
    )
    readable = {ids[VIEWED]} if speaker == "viewer" else {ids[VIEWED], ids[ALL]}
    assert {sid for _, sids, _ in ex.calls for sid in sids} <= readable, (word, ex.calls)
    assert all(n <= 1 for kind, _, n in ex.calls), ex.calls  # 홍길동's answer only, never the outsider's
    for reach in ex.reaches:
        assert OUTSIDER not in repr(reach) and HIDDEN not in repr(reach) and "3중대" not in repr(reach)
    for report in ex.reports:
        assert report.survey_id in readable and OUTSIDER not in repr(report) and HIDDEN not in repr(report)
        assert "3중대" not in repr(report)
    if word in OWN:
        return  # leaving or renaming is the speaker's own; it changes no one else
    assert snapshot(c, who) == before, word
    for e in c.store.audit:
        if e.actor == key_of(who):
            assert e.action in ("denied", "download", "report"), (word, e)
