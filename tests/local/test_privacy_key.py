"""The organisation's privacy key: created once per stage in SSM (never changed, never printed), and kept beside a
local stack's data so a restart still finds the 익명 participation records made before."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from scripts import privacy_key
from scripts.devstack import local_privacy_key


def test_a_stage_key_is_made_once_and_never_replaced(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-2")
    with mock_aws():
        assert privacy_key.main(["--stage", "dev"]) == 0
        ssm = boto3.client("ssm", region_name="ap-northeast-2")
        name = privacy_key.param_of("dev")
        first = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert first["Type"] == "SecureString" and len(first["Value"]) == 64
        assert privacy_key.main(["--stage", "dev"]) == 0
        assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == first["Value"]
    out = capsys.readouterr().out
    assert "created" in out and "exists already" in out and first["Value"] not in out
    with pytest.raises(SystemExit):
        privacy_key.param_of("staging")


def test_a_local_stack_keeps_its_key_beside_its_data(tmp_path: Path) -> None:
    key = local_privacy_key(tmp_path)
    assert local_privacy_key(tmp_path) == key and len(key) == 64
    assert (tmp_path / "privacy.key").stat().st_mode & 0o077 == 0  # its owner's alone
    assert local_privacy_key(None) != local_privacy_key(None)  # no data kept: nothing to find again
