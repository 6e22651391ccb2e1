"""make deploy / make destroy (scripts/stack.py) against a stand-in aws CLI that records each call: the account and
stack named first, the artifacts bucket made private and encrypted when missing, no deploy before the secret
exists, the stack deployed with the capabilities SAM needs, and a destroy that keeps the data and guards prod.
Python, not shell: the same on macOS (bash 3.2) as on Linux."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_AWS = r"""#!/usr/bin/env bash
echo "$*" >> "$AWS_LOG"
args=" $* "
case "$args" in
  *" sts get-caller-identity "*) echo 123456789012 ;;
  *" s3api head-bucket "*) [ -n "$BUCKET_EXISTS" ] || exit 254 ;;
  *" ssm get-parameter "*) [ -n "$SECRET_EXISTS" ] || exit 254; echo /haengjeong/prod/skill-secret ;;
esac
exit 0
"""


def run(tmp_path: Path, *args: str, **env: str) -> tuple[int, list[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "aws"
    fake.write_text(FAKE_AWS)
    fake.chmod(0o755)
    log = tmp_path / "aws.log"
    log.write_text("")
    full_env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "AWS_LOG": str(log), **env}
    done = subprocess.run(
        [sys.executable, "-m", "scripts.stack", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        cwd=ROOT,
    )
    return done.returncode, log.read_text().splitlines(), done.stdout + done.stderr


def test_a_first_deploy_makes_the_artifacts_bucket_then_deploys(tmp_path: Path) -> None:
    code, calls, out = run(
        tmp_path,
        "deploy",
        "prod",
        "ap-northeast-2",
        "build/prod",
        "--alarm-email",
        "ops@example.org",
        SECRET_EXISTS="1",
    )
    assert code == 0, out
    assert out.splitlines()[0] == "→ deploying stack haengjeong-prod to account 123456789012, ap-northeast-2"
    assert "confirmation e-mail" in out
    bucket = "haengjeong-artifacts-123456789012-ap-northeast-2"
    joined = "\n".join(calls)
    assert (
        f"s3api create-bucket --bucket {bucket} --create-bucket-configuration LocationConstraint=ap-northeast-2"
        in joined
    )
    assert "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true" in joined
    assert "put-bucket-encryption" in joined
    (package,) = [c for c in calls if "cloudformation package" in c]
    assert f"--s3-bucket {bucket}" in package and "build/prod/sam.json" in package
    (deploy,) = [c for c in calls if "cloudformation deploy" in c]
    assert "--stack-name haengjeong-prod" in deploy and "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND" in deploy
    assert "--parameter-overrides AlarmEmail=ops@example.org" in deploy
    assert all(c.startswith("--region ap-northeast-2 ") for c in calls)


def test_an_existing_bucket_is_used_and_no_secret_means_no_deploy(tmp_path: Path) -> None:
    code, calls, out = run(
        tmp_path, "deploy", "prod", "ap-northeast-2", "build/prod", "--artifacts", "my-artifacts", BUCKET_EXISTS="1"
    )
    assert code == 1 and "run make rotate-secret STAGE=prod first" in out
    assert not any("create-bucket" in c or "cloudformation" in c for c in calls)
    code, calls, _ = run(
        tmp_path,
        "deploy",
        "prod",
        "ap-northeast-2",
        "build/prod",
        "--artifacts",
        "my-artifacts",
        BUCKET_EXISTS="1",
        SECRET_EXISTS="1",
    )
    assert code == 0 and any("--s3-bucket my-artifacts" in c for c in calls)
    assert not any("--parameter-overrides" in c for c in calls)


@pytest.mark.parametrize("stage, confirm, deleted", [("dev", "", True), ("prod", "", False), ("prod", "prod", True)])
def test_destroy_keeps_the_data_and_guards_prod(tmp_path: Path, stage: str, confirm: str, deleted: bool) -> None:
    code, calls, out = run(tmp_path, "destroy", stage, "ap-northeast-2", "--confirm", confirm)
    assert (code == 0) == deleted, out
    assert any(f"delete-stack --stack-name haengjeong-{stage}" in c for c in calls) == deleted
    if deleted:
        assert not any("delete-table" in c or " rb " in c for c in calls)  # printed, never run
        assert f"s3 rb s3://haengjeong-{stage}-exports-123456789012 --force" in out
        assert f"s3 rb s3://haengjeong-{stage}-backups-123456789012 --force" in out
