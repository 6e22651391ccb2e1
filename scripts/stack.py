"""Deploy or tear down one stage's stack with the aws CLI (``make deploy`` / ``make destroy``).

    python -m scripts.stack deploy  STAGE REGION TEMPLATE_DIR [--artifacts BUCKET] [--alarm-email ADDRESS]
    python -m scripts.stack destroy STAGE REGION [--confirm STAGE]

deploy: says which account, region and stack it is about to change; creates the artifacts bucket when it is
missing (private, encrypted, named after the account and region unless ``--artifacts`` names one); refuses to
go on before the skill secret exists in SSM; packages and deploys the stack haengjeong-STAGE and prints its
outputs. (``make deploy`` then brings the tables' items to this version's layout: scripts/migrate.py.)
destroy: deletes the stack; the tables and the buckets are kept (DeletionPolicy Retain, deletion protection),
and the commands that delete them for good are printed. prod needs ``--confirm prod``.

Written in Python rather than shell: it runs the same on Linux and on macOS, whose bash is 3.2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TABLES = ("users", "surveys", "answers", "audit", "roster")


class Stop(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Aws:
    """The aws CLI in one region; each call's output as text."""

    def __init__(self, region: str) -> None:
        self.region = region

    def __call__(self, *args: str, check: bool = True) -> tuple[int, str]:
        done = subprocess.run(["aws", "--region", self.region, *args], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise Stop(f"aws {' '.join(args[:2])} failed:\n{done.stderr.strip()}")
        return done.returncode, done.stdout.strip()


def ensure_artifacts_bucket(aws: Aws, artifacts: str, region: str) -> None:
    """The bucket `aws cloudformation package` uploads to: made private and encrypted when it does not exist."""
    if aws("s3api", "head-bucket", "--bucket", artifacts, check=False)[0] != 0:
        print(f"creating the artifacts bucket {artifacts}", flush=True)
        aws(
            "s3api",
            "create-bucket",
            "--bucket",
            artifacts,
            "--create-bucket-configuration",
            f"LocationConstraint={region}",
        )
        aws(
            "s3api",
            "put-public-access-block",
            "--bucket",
            artifacts,
            "--public-access-block-configuration",
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        )
        aws(
            "s3api",
            "put-bucket-encryption",
            "--bucket",
            artifacts,
            "--server-side-encryption-configuration",
            json.dumps({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}),
        )


def deploy(stage: str, region: str, build_dir: str, artifacts: str, email: str) -> int:
    aws = Aws(region)
    stack = f"haengjeong-{stage}"
    _, account = aws("sts", "get-caller-identity", "--query", "Account", "--output", "text")
    print(f"→ deploying stack {stack} to account {account}, {region}", flush=True)
    artifacts = artifacts or f"haengjeong-artifacts-{account}-{region}"
    ensure_artifacts_bucket(aws, artifacts, region)
    secret = f"/haengjeong/{stage}/skill-secret"
    if (
        aws("ssm", "get-parameter", "--name", secret, "--query", "Parameter.Name", "--output", "text", check=False)[0]
        != 0
    ):
        raise Stop(f"no skill secret in SSM for {stage}: run make rotate-secret STAGE={stage} first")
    aws(
        "cloudformation",
        "package",
        "--template-file",
        f"{build_dir}/sam.json",
        "--s3-bucket",
        artifacts,
        "--output-template-file",
        f"{build_dir}/packaged.json",
        "--use-json",
    )
    overrides = ["--parameter-overrides", f"AlarmEmail={email}"] if email else []
    aws(
        "cloudformation",
        "deploy",
        "--template-file",
        f"{build_dir}/packaged.json",
        "--stack-name",
        stack,
        "--capabilities",
        "CAPABILITY_IAM",
        "CAPABILITY_AUTO_EXPAND",
        "--no-fail-on-empty-changeset",
        *overrides,
    )
    _, outputs = aws(
        "cloudformation", "describe-stacks", "--stack-name", stack, "--query", "Stacks[0].Outputs", "--output", "table"
    )
    print(outputs)
    if email:
        print(
            f"AWS sends {email} a confirmation e-mail: click its link, or no alarm reaches you "
            f"(make doctor STAGE={stage} checks)."
        )
    return 0


def destroy(stage: str, region: str, confirm: str) -> int:
    if stage == "prod" and confirm != "prod":
        raise Stop("refusing to delete the prod stack: run make destroy STAGE=prod CONFIRM=prod", code=2)
    aws = Aws(region)
    stack = f"haengjeong-{stage}"
    _, account = aws("sts", "get-caller-identity", "--query", "Account", "--output", "text")
    print(f"→ deleting stack {stack} in account {account}, {region}", flush=True)
    aws("cloudformation", "delete-stack", "--stack-name", stack)
    aws("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack)
    print(
        f"deleted the stack {stack}. Kept (data): the tables {stack}-{{{','.join(TABLES)}}}, the buckets "
        f"{stack}-exports-{account} and {stack}-backups-{account}. To delete them for good (after a backup you "
        "trust):"
    )
    for t in TABLES:
        print(
            f"  aws --region {region} dynamodb update-table --table-name {stack}-{t} --no-deletion-protection-enabled"
        )
        print(f"  aws --region {region} dynamodb delete-table --table-name {stack}-{t}")
    print(f"  aws --region {region} s3 rb s3://{stack}-exports-{account} --force")
    print(f"  aws --region {region} s3 rb s3://{stack}-backups-{account} --force   (every version: see the console)")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.stack", description=(__doc__ or "").split("\n\n")[0])
    sub = p.add_subparsers(dest="action", required=True)
    d = sub.add_parser("deploy")
    d.add_argument("stage")
    d.add_argument("region")
    d.add_argument("build_dir")
    d.add_argument("--artifacts", default="")
    d.add_argument("--alarm-email", default="")
    x = sub.add_parser("destroy")
    x.add_argument("stage")
    x.add_argument("region")
    x.add_argument("--confirm", default="")
    args = p.parse_args(argv)
    try:
        if args.action == "deploy":
            return deploy(args.stage, args.region, args.build_dir, args.artifacts, args.alarm_email)
        return destroy(args.stage, args.region, args.confirm)
    except Stop as e:
        print(e, file=sys.stderr)
        return e.code
    except FileNotFoundError:
        print("the aws CLI is needed (pip install awscli, or AWS CLI v2)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
