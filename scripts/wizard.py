"""The BBQ survey as an admin opens it in chat: the messages of the 신청 만들기 wizard, in order.

One script for the tests and ``make bench``: 메뉴를 골라 주세요 (선택, ``options``),
수량 (숫자 1~5), 메모 (주관식, 생략 가능), then deadline, target unit, response cap
and 개설. The reply to the last message says 개설했어요 when the survey opened.
"""

from __future__ import annotations

TITLE = "BBQ 회식"
OPTIONS = "치킨:2, 피자, 족발"  # 치킨 has 2 places


def bbq_messages(
    title: str = TITLE,
    deadline: str = "11/30 18:00",
    target: str = "전체",
    cap: str = "없음",
    options: str = OPTIONS,
    remind: str | None = None,
) -> list[str]:
    """What the admin sends, from 신청 만들기 to 개설. ``remind`` answers the automatic-reminder question,
    which the wizard asks after a deadline when reminders are on."""
    return [
        "신청 만들기",
        title,
        "건너뛰기",
        "메뉴를 골라 주세요",
        "선택",
        options,
        "필수",
        "수량",
        "숫자",
        "1~5",
        "필수",
        "메모",
        "주관식",
        "생략 가능",
        "질문 끝",
        deadline,
        *([remind] if remind is not None else []),
        target,
        cap,
        "개설",
    ]
