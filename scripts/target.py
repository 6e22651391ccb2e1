"""Which stack an operator command acts on, chosen explicitly and said out loud.

Every command that reads or changes a stack's data (``make superadmin``, ``roster``, ``backup``, ``restore``,
``migrate``, ``doctor``) acts on exactly one stack and never guesses which:

* without ``STAGE``: the local stack ``make run`` is running (``.local/stack.json``); refused when none runs, or
  when the file is left from one that stopped. It never falls through to whatever AWS credentials the shell has;
* with ``STAGE=<stage>``: that deployed stage, whatever runs locally: its names from ``.chalice/config.json``
  (tables ``haengjeong-<stage>-*``, the bucket carrying the account id of the credentials in use), in the region
  ``make deploy`` uses. The environment is cleared of every ``HJ_`` setting and local endpoint first, so nothing
  left in the shell can point it elsewhere.

:func:`aim` prints what it chose as the command's first line (``→ deployed stage prod: account …``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from scripts import local

CONFIG = local.ROOT / ".chalice" / "config.json"
REGION = "ap-northeast-2"  # the region the policy files name and `make deploy` uses
CLEARED = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS")


class NoTarget(Exception):
    """The command cannot tell which stack to act on (or may not act on the one it found)."""

    code = 2


class Target(NamedTuple):
    stage: str  # "" = the local stack of make run
    region: str
    label: str  # what the command prints as its first line
    account: str = ""


def stages() -> dict[str, dict[str, str]]:
    """Each stage's environment variables as config.json gives them to every function."""
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    common = config.get("environment_variables", {})
    return {name: {**common, **stage.get("environment_variables", {})} for name, stage in config["stages"].items()}


def account_id(region: str) -> str:
    """The account of the credentials in use (AWS_PROFILE, keys, SSO)."""
    import boto3

    return str(boto3.client("sts", region_name=region).get_caller_identity()["Account"])


def aim(
    stage: str | None,
    stack_file: Path = local.STACK_FILE,
    region: str = REGION,
    account: Callable[[str], str] | None = None,
    say: Callable[[str], None] = lambda line: print(line, flush=True),
) -> Target:
    """Point this process at the stack the command is meant for; NoTarget when that cannot be told."""
    if not stage:
        try:
            stack = local.running_stack(stack_file)
        except local.StaleStack as e:
            raise NoTarget(f"{e}. Start it with `make run`, or name a deployed stage: STAGE=<stage>.") from None
        if stack is None:
            raise NoTarget(
                "no local stack is running (`make run` starts one). To act on a deployed stage, say which: "
                f"STAGE=<{'|'.join(sorted(stages()))}>."
            )
        local.use_stack(stack)
        target = Target("", stack.get("region") or REGION, f"→ local stack of make run ({stack['dynamodb_endpoint']})")
        say(target.label)
        return target
    known = stages()
    if stage not in known:
        raise NoTarget(f"there is no stage {stage!r} in .chalice/config.json (stages: {', '.join(sorted(known))})")
    try:
        acct = (account or account_id)(region)
    except Exception as e:  # no credentials, expired SSO, no network: say so rather than act on nothing
        raise NoTarget(
            f"cannot tell which AWS account the credentials are for ({type(e).__name__}): "
            "sign in first (aws sts get-caller-identity)"
        ) from None
    env = os.environ
    for name in [v for v in env if v.startswith("HJ_")] + list(CLEARED):
        env.pop(name, None)
    for name, value in known[stage].items():
        env[name] = value.replace("${AWS::AccountId}", acct)
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = region
    prefix = env.get("HJ_TABLE_PREFIX", f"haengjeong-{stage}")
    target = Target(stage, region, f"→ deployed stage {stage}: account {acct}, {region}, tables {prefix}-*", acct)
    say(target.label)
    return target


def fail(e: NoTarget) -> int:
    print(e, file=sys.stderr)
    return e.code
