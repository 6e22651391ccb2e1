"""What the service itself says: when a message could not be handled, and the replies that carry files."""

from __future__ import annotations

from chalicelib.domain.ports import FileLink
from chalicelib.domain.reply import Button, Card, Reply

BUSY = "요청이 몰려 잠시 처리하지 못했어요. 잠시 후 다시 보내 주세요."
SLOW_DOWN = "메시지가 너무 빠르게 오고 있어요."
FILES_READY = "요청한 파일이 준비됐어요: '파일 받기'를 누르세요."
COLLECT = "파일 받기"
NO_FILES_HERE = "내려받기를 쓸 수 없는 환경이에요."
NO_LINK = "파일 링크를 만들지 못했어요. 잠시 후 다시 시도해 주세요."
NO_SURVEY = "신청을 찾을 수 없어요."
BUILD_FAILED = "파일을 만들지 못했어요. 잠시 후 다시 시도해 주세요."
NO_REPORT = "결과 페이지를 만들지 못했어요. 잠시 후 다시 시도해 주세요."
BUILDING_FOR_CALLBACK = "파일을 만들고 있어요. 잠시만 기다려 주세요."
BUILDING_IN_BACKGROUND = "파일을 만드는 데 조금 걸려요. 1~2분 뒤 아무 메시지나 보내면 '파일 받기'가 나타나요."
FILE_BY_PUSH = "파일이 커서 조금 더 걸려요. 다 되면 카카오톡 메시지로 알려 드릴게요."
FILE_ON_NEXT_MESSAGE = "파일이 커서 조금 더 걸려요. 1~2분 뒤 아무 메시지나 보내면 '파일 받기'가 나타나요."
READY_LABEL = "요청한 파일"


def busy() -> Reply:
    return Reply.say(BUSY, quick=["메뉴"])


def slow_down_text(seconds: int) -> str:
    """The rate limit's refusal, saying when one more message fits."""
    return f"{SLOW_DOWN} {seconds}초 뒤에 다시 보내 주세요."


def slow_down(seconds: int) -> Reply:
    return Reply.say(slow_down_text(seconds), quick=["메뉴"])


def sorry(text: str) -> Reply:
    return Reply.say(text, quick=["메뉴"])


def links_reply(title: str, links: list[FileLink]) -> Reply:
    """A card with one button per file; links live minutes, so the card says so."""
    minutes = max(1, min(x.expires_in for x in links) // 60)
    buttons = [Button(label="CSV 받기" if x.filename.endswith(".csv") else "엑셀 받기", url=x.url) for x in links]
    card = Card(
        title=title, description=f"아래 버튼으로 내려받으세요. 링크는 {minutes}분 뒤 만료돼요.", buttons=buttons
    )
    return Reply.say(card=card, quick=["내 신청서", "메뉴"])


def report_reply(reply: Reply, answered: int, link: FileLink) -> Reply:
    """결과 보기's card: ``reply``'s first text as its title, a button to the page, and when the link expires."""
    minutes = max(1, link.expires_in // 60)
    title = reply.texts.pop(0) if reply.texts else "결과"
    reply.card = Card(
        title=title,
        description=f"응답 {answered}명 기준으로 지금 만든 결과 페이지예요. 링크는 {minutes}분 뒤 만료돼요.",
        buttons=[Button(label="결과 보기", url=link.url)],
    )
    return reply
