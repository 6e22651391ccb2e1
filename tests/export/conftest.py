"""Fixtures for export tests: a survey with every question kind and awkward answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from chalicelib.domain.kinds import CHOICE, DATE, MULTI, NUMBER, TEXT, YESNO
from chalicelib.domain.model import Answer, Question, Survey
from chalicelib.export.s3 import S3Exporter

HYPERLINK = '=HYPERLINK("http://x")'
DANGEROUS = [HYPERLINK, "+1", "-cmd", "@SUM(A1)", "\tx"]
SURVEY_TITLE = "체육대회 참가 신청"
REGION = "ap-northeast-2"


@pytest.fixture
def dangerous() -> list[str]:
    """Answer texts a spreadsheet would otherwise run or parse as formulas."""
    return list(DANGEROUS)


@pytest.fixture
def survey() -> Survey:
    return Survey(
        id="s-1",
        title=SURVEY_TITLE,
        owner="admin-1",
        questions=[
            Question("q_text", "하고 싶은 말", TEXT),
            Question("q_num", "인원", NUMBER),
            Question("q_score", "점수", NUMBER, required=False),
            Question("q_choice", "종목", CHOICE, options=["축구", "농구"]),
            Question("q_multi", "간식", MULTI, options=["김밥", "과자", "음료"]),
            Question("q_date", "희망일", DATE),
            Question("q_yes", "참석 여부", YESNO),
            Question("q_dup", "하고 싶은 말", TEXT, required=False),
            Question("q_note", "비고", TEXT, required=False),
        ],
    )


@pytest.fixture
def answers() -> list[Answer]:
    """Three answers; listed out of submission order on purpose."""
    return [
        Answer(
            survey_id="s-1",
            user_key="u-2",
            name="-cmd",
            unit="@SUM(A1)",
            values={
                "q_text": "+1",
                "q_num": 12,
                "q_choice": "농구",
                "q_multi": [],
                "q_date": "2025-04-01",
                "q_yes": False,
                "q_dup": "\tx",
            },
            submitted_at="2025-03-02T08:00:00+09:00",
            updated_at="2025-03-03T10:15:30+09:00",
        ),
        Answer(
            survey_id="s-1",
            user_key="u-1",
            name="홍길동",
            unit="총무과",
            values={
                "q_text": "좋아요 👍 화이팅",
                "q_num": -5,
                "q_score": 3.5,
                "q_choice": "축구",
                "q_multi": ["김밥", "과자"],
                "q_date": "2025-03-15",
                "q_yes": True,
                "q_dup": HYPERLINK,
            },
            submitted_at="2025-03-01T09:30:00+09:00",
        ),
        Answer(
            survey_id="s-1",
            user_key="u-3",
            name="김영희",
            unit="",
            values={"q_text": "@SUM(A1)", "q_num": 0, "q_yes": True, "q_note": "-cmd"},
            submitted_at="2025-03-02T12:00:00+09:00",
        ),
    ]


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Environment for moto's in-process S3; yields the (unique) export bucket name."""
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "HJ_S3_ENDPOINT", "HJ_LINK_TTL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    bucket = f"hj-export-test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("HJ_EXPORT_BUCKET", bucket)
    yield bucket


@pytest.fixture
def s3(s3_env: str) -> Iterator[str]:
    """moto-mocked S3 with the export bucket created; yields the bucket name."""
    from moto import mock_aws

    with mock_aws():
        S3Exporter(s3_env, REGION).ensure_bucket()
        yield s3_env


@pytest.fixture
def exporter(s3: str) -> S3Exporter:
    """An exporter on the moto bucket, configured as deployed (AWS endpoint, default link lifetime)."""
    return S3Exporter(s3, REGION)
