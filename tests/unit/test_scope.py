"""Nobody gets more than their scope from any command: every word of the vocabulary, sent by a viewer (열람자) of
one survey, with the arguments it takes, and then 예 to whatever it asks. Other surveys and the people of other units
never show, in chat, files or pages; the survey viewed is read, never changed."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fakes import FakeExporter
from harness import Chat, key_of, make_bbq

from chalicelib.domain.model import ADMIN, SUPER
from chalicelib.domain.vocabulary import WORDS

VIEWED, OTHER = "BBQ 회식", "송년회"
OUTSIDER = "김비밀"  # answers the other survey only: their name must never reach the viewer
OWN = {"등록", "탈퇴"}  # the speaker's own registration: changes to it are theirs to make


def world() -> tuple[Chat, FakeExporter]:
    ex = FakeExporter()
    c = Chat(exporter=ex)
    c.register("슈퍼", "본부", SUPER)
    c.register("관리자", "본부", ADMIN)
    c.register("대대장", "본부")
    c.register("홍길동", "2중대")
    c.register(OUTSIDER, "3중대")
    make_bbq(c, title=VIEWED, target="2중대")
    make_bbq(c, title=OTHER, target="3중대")
    for who, title in (("홍길동", VIEWED), (OUTSIDER, OTHER)):
        c.as_(who).say(f"신청 {title}")
        c.say_all(["피자", "2", f"{who}의 메모", "제출"])
    assert "열람자가 되었어요" in c.say(f"열람자 {VIEWED} 대대장", who="관리자")
    return c, ex


def arguments(word: str) -> list[str]:
    """What follows a word when it is tried: nothing, each survey's title, and titles with what may come after."""
    tails = ["", VIEWED, OTHER, f"{VIEWED} 홍길동", f"{OTHER} {OUTSIDER}", f"{VIEWED} 금요일 18시",
             f"{VIEWED} 매주 월 9시", f"3중대 {OUTSIDER}", "3중대", OUTSIDER]
    return [f"{word} {t}".strip() for t in tails]


@dataclass
class Seen:
    texts: list[str]
    exported: list[str]  # survey ids in files and pages


def snapshot(c: Chat) -> tuple:
    surveys = sorted((s.id, s.status, s.deadline, tuple(s.coadmins), tuple(s.viewers), s.repeat, s.opens_at,
                      s.response_count) for s in c.store.list_surveys())
    people = sorted((u.key, u.role, u.name, u.unit, tuple(u.managed)) for u in c.store.list_users()
                    if u.key != key_of("대대장"))
    answers = sorted((k, tuple(sorted(a.values.items()))) for k, a in c.store.answers.items())
    return surveys, people, answers, dict(c.store.roster)


@pytest.mark.parametrize("word", [w.word for w in WORDS])
def test_a_viewer_gets_nothing_beyond_the_survey_they_view(word: str) -> None:
    c, ex = world()
    viewed = next(s.id for s in c.store.list_surveys() if s.title == VIEWED)
    before = snapshot(c)
    seen = Seen([], [])
    for text in arguments(word):
        for said in (c.say(text, who="대대장"), c.say("예", who="대대장")):
            shown = said.text + " ".join(said.labels) + " ".join(said.quick)
            seen.texts.append(re.sub(r"'([^']*)'", lambda m: "" if m.group(1) in text else m.group(0), shown))
        c.say("취소", who="대대장")
    seen.exported = [sid for kind, ids, _ in ex.calls for sid in ids]
    text = "\n".join(seen.texts)
    if word in OWN:  # their own registration: it says back the name they gave themselves
        text = text.replace(OUTSIDER, "").replace("3중대", "")
    assert OUTSIDER not in text and f"[{OTHER}]" not in text and "3중대" not in text, (word, text)
    assert set(seen.exported) <= {viewed}, (word, ex.calls)
    for report in ex.reports:
        assert report.survey_id == viewed and OUTSIDER not in repr(report)
    if word in OWN:
        return  # leaving is the viewer's own; it changes no one else
    assert snapshot(c) == before, word
    for e in c.store.audit:
        if e.actor == key_of("대대장"):
            assert e.action in ("denied", "download", "report"), (word, e)
