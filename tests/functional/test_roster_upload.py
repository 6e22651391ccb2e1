"""명단 올리기 over HTTP on moto: the upload page, the file the browser would POST, the import on the next message."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from typing import Any

import boto3
import openpyxl

from chalicelib.domain.model import SUPER
from tests.functional.conftest import post

SUPER_ADMIN = ("channel_text", "5a0c1e7a2b8d4c6e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f80aa")
MEMBER = ("channel_text", "6b0c1e7a2b8d4c6e0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f80bb")


def roster_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026년 명단"])
    ws.append(["연번", "소속", "이름", "확인번호"])
    ws.append([1, "1중대", "홍길동", "0012"])
    ws.append([2, None, "김철수", 3456])  # the unit cell is merged with the one above
    ws.merge_cells("B3:B4")
    ws.append([3, "2 중대", "이영희 ", None])
    ws.append([4, "2중대", "", None])  # no name: rejected
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def page_form(page: str) -> tuple[str, dict[str, str]]:
    action = html.unescape(re.search(r'<form action="([^"]+)"', page).group(1))
    fields = {
        html.unescape(k): html.unescape(v)
        for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }
    return action, fields


def open_page(client: Any, store: Any, aws: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A super admin and a member registered; the super admin's upload page opened: its form."""
    post(client, "등록 본부 운영", SUPER_ADMIN)
    u = store.get_user(SUPER_ADMIN[1])
    u.role = SUPER
    from chalicelib.domain.writes import PutUser

    store.commit([PutUser(u)])
    post(client, "등록 본부 손님", MEMBER)
    said = post(client, "명단 올리기", SUPER_ADMIN)
    [button] = said.buttons
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    key = re.search(r"/(exports/pages/[^?]+\.html)", button["webLinkUrl"]).group(1)
    page = s3.get_object(Bucket=aws["HJ_EXPORT_BUCKET"], Key=key)["Body"].read().decode("utf-8")
    return page_form(page)


def browser_posts(aws: dict[str, str], fields: dict[str, str], name: str = "명단.xlsx") -> str:
    """What the browser's POST stores (moto does not take the form itself): the key and metadata the form fixes."""
    key = fields["key"].replace("${filename}", name)
    boto3.client("s3", region_name="ap-northeast-2").put_object(
        Bucket=aws["HJ_EXPORT_BUCKET"],
        Key=key,
        Body=roster_xlsx(),
        Metadata={"uploader": fields["x-amz-meta-uploader"]},
    )
    return key


def bucket_event(aws: dict[str, str], key: str) -> dict[str, Any]:
    """The notice S3 sends the import function for one new object (keys arrive URL-encoded)."""
    from urllib.parse import quote_plus

    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": aws["HJ_EXPORT_BUCKET"]}, "object": {"key": quote_plus(key, safe="/")}},
            }
        ]
    }


def uploads_left(aws: dict[str, str]) -> list[str]:
    found = boto3.client("s3", region_name="ap-northeast-2").list_objects_v2(
        Bucket=aws["HJ_EXPORT_BUCKET"], Prefix="exports/uploads/"
    )
    return [o["Key"] for o in found.get("Contents", [])]


def test_the_bucket_triggers_the_import_and_the_admin_hears_on_the_next_message(
    client: Any, store: Any, aws: dict[str, str]
) -> None:
    from app import import_roster

    _, fields = open_page(client, store, aws)
    key = browser_posts(aws, fields)
    assert import_roster(bucket_event(aws, key), None) == {"told": 1}
    assert store.roster_units() == {"1중대": 2, "2중대": 1}
    assert uploads_left(aws) == []  # personal data: deleted once read
    # S3 may deliver a notice twice: the second finds nothing and tells nobody.
    assert import_roster(bucket_event(aws, key), None) == {"told": 0}
    said = post(client, "메뉴", SUPER_ADMIN)
    assert "명단을 반영했어요: 추가 3명" in said and "명단 파일을 받았어요" not in said
    assert "명단을 반영했어요" not in post(client, "메뉴", SUPER_ADMIN)
    # Keys that are not uploads (a page, an export) are none of its business.
    page_key = "exports/pages/abc.html"
    assert import_roster(bucket_event(aws, page_key), None) == {"told": 0}


def test_a_file_seen_by_both_the_bucket_and_the_next_message_is_reported_once(
    client: Any, store: Any, aws: dict[str, str]
) -> None:
    from app import import_roster

    _, fields = open_page(client, store, aws)
    key = browser_posts(aws, fields)
    # The admin's message sees the file first and queues the import (run inline here)...
    assert "명단 파일을 받았어요" in post(client, "메뉴", SUPER_ADMIN)
    # ...and the bucket's notice arrives after: nothing left to do.
    assert import_roster(bucket_event(aws, key), None) == {"told": 0}
    said = post(client, "메뉴", SUPER_ADMIN)
    assert said.text.count("명단을 반영했어요") == 1
    assert store.roster_units() == {"1중대": 2, "2중대": 1}


def test_an_upload_from_someone_elses_page_is_not_loaded(client: Any, store: Any, aws: dict[str, str]) -> None:
    from app import import_roster

    _, fields = open_page(client, store, aws)
    forged = dict(fields, **{"x-amz-meta-uploader": MEMBER[1]})  # the signed form would refuse this; the bucket too
    key = browser_posts(aws, forged)
    assert import_roster(bucket_event(aws, key), None) == {"told": 0}
    assert store.roster_units() == {} and uploads_left(aws) == []


def test_a_super_admin_uploads_the_roster_from_a_browser(client: Any, store: Any, aws: dict[str, str]) -> None:
    post(client, "등록 본부 운영", SUPER_ADMIN)
    u = store.get_user(SUPER_ADMIN[1])
    u.role = SUPER
    from chalicelib.domain.writes import PutUser

    store.commit([PutUser(u)])
    post(client, "등록 본부 손님", MEMBER)
    assert "슈퍼관리자만" in post(client, "명단 올리기", MEMBER)
    said = post(client, "명단 올리기", SUPER_ADMIN)
    [button] = said.buttons
    assert button["action"] == "webLink" and "10분" in said.text
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    key = re.search(r"/(exports/pages/[^?]+\.html)", button["webLinkUrl"]).group(1)
    page = s3.get_object(Bucket=aws["HJ_EXPORT_BUCKET"], Key=key)["Body"].read().decode("utf-8")
    action, fields = page_form(page)
    assert aws["HJ_EXPORT_BUCKET"] in action and fields["x-amz-meta-uploader"] == SUPER_ADMIN[1]
    assert fields["key"].startswith("exports/uploads/") and fields["key"].endswith("/file")
    assert "policy" in fields and any(k.lower().endswith("signature") for k in fields)
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert {"key": fields["key"]} in policy["conditions"]  # the exact key: one file, never one beside it
    assert {"Content-Type": "application/octet-stream"} in policy["conditions"]

    # Before the file arrives, a message changes nothing.
    assert "명단 파일을 받았어요" not in post(client, "메뉴", SUPER_ADMIN)
    # What the browser's POST stores (moto does not take the form itself): the key and metadata the form fixes.
    s3.put_object(
        Bucket=aws["HJ_EXPORT_BUCKET"],
        Key=fields["key"],
        Body=roster_xlsx(),
        Metadata={"uploader": fields["x-amz-meta-uploader"]},
    )
    said = post(client, "메뉴", SUPER_ADMIN)
    assert "명단 파일을 받았어요" in said
    said = post(client, "메뉴", SUPER_ADMIN)
    assert "명단을 반영했어요: 추가 3명" in said and "6행: 이름이 비어 있어요" in said
    assert store.roster_units() == {"1중대": 2, "2중대": 1}
    assert "명단 파일을 받았어요" not in post(client, "메뉴", SUPER_ADMIN)  # imported once
    assert uploads_left(aws) == []
    # The roster now decides registration.
    assert "등록" in post(client, "등록 1중대 김철수 3456", MEMBER)
    assert store.get_user(MEMBER[1]).roster == "1중대#김철수"


def test_only_the_pages_one_file_is_read_and_anything_beside_it_goes(
    client: Any, store: Any, aws: dict[str, str]
) -> None:
    """A leaked link once let a second file ('!evil.csv', first by name) be imported instead of the admin's."""
    from app import import_roster

    _, fields = open_page(client, store, aws)
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    evil = fields["key"].rsplit("/", 1)[0] + "/!evil.csv"
    s3.put_object(
        Bucket=aws["HJ_EXPORT_BUCKET"],
        Key=evil,
        Body="소속,이름,확인번호\r\n1중대,홍길동,0000\r\n".encode(),
        Metadata={"uploader": fields["x-amz-meta-uploader"]},
    )
    assert import_roster(bucket_event(aws, evil), None) == {"told": 0}  # nothing at the page's key yet
    assert store.roster_units() == {}
    key = browser_posts(aws, fields)
    assert import_roster(bucket_event(aws, key), None) == {"told": 1}
    assert store.roster_units() == {"1중대": 2, "2중대": 1}
    from chalicelib.domain.roster import check_matches

    assert check_matches(store.roster_entries("1중대", "홍길동")[0].check, "0012")  # the admin's value, not 0000
    assert uploads_left(aws) == []  # the stray file went with it


def status_of(aws: dict[str, str], page_key_or_token: str) -> dict[str, Any] | None:
    import json

    token = page_key_or_token.split("/")[2] if page_key_or_token.startswith("exports/uploads/") else page_key_or_token
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    try:
        body = s3.get_object(Bucket=aws["HJ_EXPORT_BUCKET"], Key=f"exports/pages/{token}.json")["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    found: dict[str, Any] = json.loads(body)
    return found


def test_the_page_shows_progress_and_polls_the_status_the_import_writes(
    client: Any, store: Any, aws: dict[str, str]
) -> None:
    from app import import_roster

    post(client, "등록 본부 운영", SUPER_ADMIN)
    u = store.get_user(SUPER_ADMIN[1])
    u.role = SUPER
    from chalicelib.domain.writes import PutUser

    store.commit([PutUser(u)])
    said = post(client, "명단 올리기", SUPER_ADMIN)
    [button] = said.buttons
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    page_key = re.search(r"/(exports/pages/[^?]+\.html)", button["webLinkUrl"]).group(1)
    page = s3.get_object(Bucket=aws["HJ_EXPORT_BUCKET"], Key=page_key)["Body"].read().decode("utf-8")
    token = page_key.removeprefix("exports/pages/").removesuffix(".html")
    status_url = html.unescape(re.search(r'data-status="([^"]+)"', page).group(1))
    assert f"exports/pages/{token}.json" in status_url and "X-Amz-Signature" in status_url
    assert "xhr.upload.onprogress" in page and 'id="bar"' in page and 'role="status"' in page
    assert status_of(aws, token) is None  # nothing to show before the file
    _, fields = page_form(page)
    key = browser_posts(aws, fields)
    assert import_roster(bucket_event(aws, key), None) == {"told": 1}
    shown = status_of(aws, token)
    assert shown is not None and shown["state"] == "done"
    assert shown["detail"].startswith("추가 3명") and "거부 1행" in shown["detail"]
    assert not any(name in shown["detail"] for name in ("홍길동", "김철수", "이영희"))  # counts only
    assert "명단을 반영했어요: 추가 3명" in post(client, "메뉴", SUPER_ADMIN)


def test_a_file_that_cannot_be_read_is_shown_as_failed(client: Any, store: Any, aws: dict[str, str]) -> None:
    from app import import_roster

    _, fields = open_page(client, store, aws)
    key = fields["key"].replace("${filename}", "명단.xlsx")
    boto3.client("s3", region_name="ap-northeast-2").put_object(
        Bucket=aws["HJ_EXPORT_BUCKET"],
        Key=key,
        Body=b"not a workbook",
        Metadata={"uploader": fields["x-amz-meta-uploader"]},
    )
    import_roster(bucket_event(aws, key), None)
    token = key.split("/")[2]
    shown = status_of(aws, token)
    assert shown is not None and (shown["state"], shown["detail"]) == ("failed", "")  # the reason is told in chat
    assert "명단 파일을 읽지 못했어요" in post(client, "메뉴", SUPER_ADMIN)
