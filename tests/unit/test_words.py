"""Particles chosen by the word before them, and replies that use them."""

from __future__ import annotations

import pytest
from harness import Chat, make_bbq

from chalicelib.domain.model import ADMIN
from chalicelib.domain.particles import pp


@pytest.mark.parametrize(
    ("word", "marker", "particle"),
    [
        ("회식", "은(는)", "은"),
        ("감사합니다", "은(는)", "는"),
        ("치킨", "이(가)", "이"),
        ("피자", "이(가)", "가"),
        ("피자", "을(를)", "를"),
        ("족발", "을(를)", "을"),
        ("메모", "과(와)", "와"),
        ("마감", "과(와)", "과"),
        ("집", "(으)로", "으로"),
        ("서울", "(으)로", "로"),
        ("2중대", "(으)로", "로"),
        ("1중대", "은(는)", "는"),
        ("BBQ", "은(는)", "는"),
        ("chicken", "이(가)", "이"),
        ("pizza", "이(가)", "가"),
        ("Mall", "(으)로", "로"),
        ("1", "을(를)", "을"),
        ("2", "을(를)", "를"),
        ("3", "(으)로", "으로"),
        ("7", "(으)로", "로"),
        ("10", "이(가)", "이"),
        ("'회식'", "이(가)", "이"),
        ("(선택)", "은(는)", "은"),
        ("", "은(는)", "는"),
    ],
)
def test_the_particle_follows_the_last_sound(word: str, marker: str, particle: str) -> None:
    assert pp(word, marker) == particle


def test_replies_no_longer_print_both_forms() -> None:
    chat = Chat()
    chat.register("관리자", "본부", ADMIN)
    make_bbq(chat, title="감사합니다")
    assert "'감사합니다'를 지금 마감할까요?" in chat.say("마감 감사합니다", who="관리자")
    said = chat.say("예", who="관리자")
    assert said.text.startswith("'감사합니다'를 마감했어요.")
    assert "'감사합니다'는 이미 마감되어 있어요." in chat.say("마감 감사합니다", who="관리자")
    make_bbq(chat, title="회식")
    chat.say("마감 회식", who="관리자")
    assert chat.say("예", who="관리자").text.startswith("'회식'을 마감했어요.")
    assert "(는)" not in chat.say("없는말", who="관리자").text
