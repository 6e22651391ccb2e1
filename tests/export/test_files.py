"""S3 upload and presigned links, against moto (in process and as a local server)."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, quote, urlsplit

import boto3
import openpyxl
import pytest
import requests

from chalicelib import runtime
from chalicelib.domain.model import now_kst
from chalicelib.export import s3 as s3_module
from chalicelib.export.filenames import XLSX_CONTENT_TYPE
from chalicelib.export.s3 import S3Exporter
from chalicelib.platform.config import settings

KEY_RE = re.compile(r"^exports/[A-Za-z0-9_-]+/(\d{4})/(\d{2})/([A-Za-z0-9_-]+)/([^/]+)$")
TITLE = "체육대회 참가 신청"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _client():
    return boto3.client("s3", region_name="ap-northeast-2")


def test_put_and_link_stores_bytes_under_unguessable_key(s3, exporter):
    body = b"\x00binary\xffpayload"
    link = exporter.put_and_link(body, TITLE, "xlsx")

    m = KEY_RE.match(link.key)
    assert m, link.key
    now = now_kst()
    assert (m.group(1), m.group(2)) == (f"{now:%Y}", f"{now:%m}")
    assert len(m.group(3)) >= 32  # 24 random bytes, base64url
    assert m.group(4) == "cheyukdaehoe-chamga-sincheong.xlsx"
    assert link.filename == f"{TITLE}.xlsx"

    other = exporter.put_and_link(body, TITLE, "xlsx")
    assert KEY_RE.match(other.key).group(3) != m.group(3)

    obj = _client().get_object(Bucket=s3, Key=link.key)
    assert obj["Body"].read() == body
    assert obj["ContentType"] == XLSX_CONTENT_TYPE
    assert obj["ServerSideEncryption"] == "AES256"


@pytest.mark.parametrize("asked, expected", [(99999, 600), (600, 600), (30, 30), (0, 1), (-10, 1)])
def test_link_expiry_is_clamped(exporter, asked, expected):
    link = exporter.put_and_link(b"x", TITLE, "csv", expires_in=asked)
    assert link.expires_in == expected
    assert _query(link.url)["X-Amz-Expires"] == str(expected)


def test_link_expiry_defaults_to_settings(s3, monkeypatch):
    monkeypatch.setenv("HJ_LINK_TTL", "120")
    link = runtime.exporter(settings()).put_and_link(b"x", TITLE, "csv")
    assert link.expires_in == 120
    assert _query(link.url)["X-Amz-Expires"] == "120"


def test_link_is_sigv4_on_regional_virtual_host_and_forces_download(s3, exporter):
    link = exporter.put_and_link(b"x", TITLE, "xlsx")
    parts = urlsplit(link.url)
    assert parts.scheme == "https"
    assert parts.netloc == f"{s3}.s3.ap-northeast-2.amazonaws.com"
    q = _query(link.url)
    assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert "/ap-northeast-2/s3/aws4_request" in q["X-Amz-Credential"]
    disposition = q["response-content-disposition"]
    assert disposition.startswith('attachment; filename="cheyukdaehoe-chamga-sincheong.xlsx"; ')
    assert "filename*=UTF-8''" + quote(f"{TITLE}.xlsx", safe="") in disposition
    assert q["response-content-type"] == XLSX_CONTENT_TYPE


def test_presigned_url_downloads_the_object(exporter):
    link = exporter.put_and_link(b"hello,csv\r\n", TITLE, "csv")
    resp = requests.get(link.url, timeout=5)
    assert resp.status_code == 200
    assert resp.content == b"hello,csv\r\n"


def test_client_is_built_lazily_cached_and_bounded(s3_env, monkeypatch):
    import boto3 as boto3_module

    built = []
    real = boto3_module.client
    monkeypatch.setattr(boto3_module, "client", lambda *a, **kw: built.append(a) or real(*a, **kw))
    exporter = S3Exporter(s3_env, "ap-northeast-2")
    assert built == []
    from moto import mock_aws

    with mock_aws():
        first = exporter.client
        assert exporter.client is first and built == [("s3",)]
        cfg = first.meta.config
        assert cfg.signature_version == "s3v4"
        # One attempt of at most connect + read: a stalled S3 cannot hold a chat reply past Kakao's 5 s.
        assert cfg.connect_timeout == s3_module.CONNECT_TIMEOUT_SECONDS == 0.5
        assert cfg.read_timeout == s3_module.READ_TIMEOUT_SECONDS == 1.0
        assert cfg.retries["total_max_attempts"] == 1
        assert s3_module.WORST_CALL_SECONDS == 1.5
        assert cfg.s3["addressing_style"] == "virtual"
        assert S3Exporter(s3_env, "ap-northeast-2").client is not first


def test_ensure_bucket_is_idempotent_and_blocks_public_access(s3, exporter):
    exporter.ensure_bucket()
    block = _client().get_public_access_block(Bucket=s3)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    region = _client().get_bucket_location(Bucket=s3)["LocationConstraint"]
    assert region == "ap-northeast-2"


def test_delete_prefix_removes_exports_only_under_prefix(s3, exporter):
    a = exporter.put_and_link(b"a", "a", "csv")
    b = exporter.put_and_link(b"b", "b", "csv")
    prefix = a.key.rsplit("/", 1)[0] + "/"
    assert exporter.delete_prefix(prefix) == 1
    keys = [o["Key"] for o in _client().list_objects_v2(Bucket=s3).get("Contents", [])]
    assert keys == [b.key]
    with pytest.raises(ValueError):
        exporter.delete_prefix("")


def test_export_survey_uploads_xlsx_and_csv(s3, exporter, survey, answers):
    links = exporter.export_survey(survey, answers)
    assert [link.key.rsplit(".", 1)[1] for link in links] == ["xlsx", "csv"]
    stamp = f"{now_kst():%Y%m%d}"
    assert links[0].filename == f"{survey.title}_{stamp}.xlsx"
    assert links[1].filename == f"{survey.title}_{stamp}.csv"

    xlsx = _client().get_object(Bucket=s3, Key=links[0].key)["Body"].read()
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == ["요약", survey.title]  # the summary first, then the answers
    assert wb[survey.title].max_row == 1 + len(answers)
    csv_body = _client().get_object(Bucket=s3, Key=links[1].key)["Body"].read()
    assert csv_body.startswith(b"\xef\xbb\xbf")
    assert "text/csv" in _query(links[1].url)["response-content-type"]


def test_export_master_puts_a_sheet_per_survey(s3, exporter, survey, answers):
    other = type(survey)(id="s-2", title=survey.title, owner="o", questions=survey.questions[:2])
    link = exporter.export_master([(survey, answers), (other, answers[:1])])
    assert link.filename == f"행정이_전체_{now_kst():%Y%m%d}.xlsx"
    assert "filename*=UTF-8''" + quote(link.filename, safe="") in _query(link.url)["response-content-disposition"]
    data = _client().get_object(Bucket=s3, Key=link.key)["Body"].read()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [survey.title, f"{survey.title} (2)"]
    assert wb.worksheets[1].max_row == 2


@pytest.fixture
def moto_server(s3_env):
    """A real local S3 (moto server on a free port); yields an exporter configured for it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _host, port = server.get_host_and_port()
    try:
        local = S3Exporter(s3_env, "ap-northeast-2", endpoint=f"http://localhost:{port}")
        local.ensure_bucket()
        yield local
    finally:
        server.stop()


def test_local_endpoint_links_are_path_style_and_download(moto_server, s3_env):
    link = moto_server.put_and_link("한글,내용\r\n".encode("utf-8-sig"), TITLE, "csv", expires_in=99999)
    assert link.url.startswith(f"{moto_server.endpoint}/{s3_env}/exports/")
    assert _query(link.url)["X-Amz-Expires"] == "600"
    resp = requests.get(link.url, timeout=5)
    assert resp.status_code == 200
    assert resp.content == "한글,내용\r\n".encode("utf-8-sig")
    assert "filename*=UTF-8''" + quote(f"{TITLE}.csv", safe="") in resp.headers["Content-Disposition"]


def test_forget_survey_deletes_only_that_surveys_exports(s3, exporter, survey, answers):
    def stored() -> list[str]:
        return [o["Key"] for o in exporter.client.list_objects_v2(Bucket=s3).get("Contents", [])]

    mine = exporter.export_survey(survey, answers)
    master = exporter.export_master([(survey, answers)])
    assert all(link.key.startswith(f"exports/{survey.id}/") for link in mine)
    before = stored()
    exporter.forget_survey(survey.id)
    left = stored()
    assert len(before) - len(left) == 2
    assert left == [master.key]
