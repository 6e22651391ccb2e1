"""Create or rotate a stage's skill secret in SSM (``make rotate-secret STAGE=prod [FINISH=1]``).

The secret is what Kakao sends in the X-Skill-Secret header. It lives in the SecureString the
stage's ``HJ_SKILL_SECRET_PARAM`` names (``.chalice/config.json``), never in git, the template
or an environment variable.

Rotating takes two steps, so that no message is refused in between:
1. ``make rotate-secret STAGE=prod`` stores a new secret *before* the current one (two lines:
   both are accepted) and prints the new one to paste into Kakao's admin centre.
2. Once the bot is deployed there with the new header, ``make rotate-secret STAGE=prod FINISH=1``
   keeps the new secret alone. Warm functions pick it up within five minutes.

The first run on a new stage simply creates the parameter. Uses the usual AWS credentials
(AWS_PROFILE or keys) and the region of `make deploy`.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def parameter_name(stage: str) -> str:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    try:
        return str(config["stages"][stage]["environment_variables"]["HJ_SKILL_SECRET_PARAM"])
    except KeyError:
        raise SystemExit(f"stage {stage!r} names no HJ_SKILL_SECRET_PARAM in .chalice/config.json") from None


def current(ssm: Any, name: str) -> list[str]:
    from chalicelib.platform.secrets import secrets_of

    try:
        return list(secrets_of(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]))
    except ssm.exceptions.ParameterNotFound:
        return []


def rotate(ssm: Any, name: str, finish: bool) -> str:
    """Store the new value; returns what to tell the operator."""
    held = current(ssm, name)
    if finish:
        if len(held) < 2:
            return f"{name}: 교체 중인 비밀값이 없어요. 그대로 둘게요."
        ssm.put_parameter(Name=name, Value=held[0], Type="SecureString", Overwrite=True)
        return f"{name}: 이전 비밀값을 지웠어요. 이제 새 비밀값만 받아요 (실행 중인 함수는 5분 안에 반영)."
    new = secrets.token_urlsafe(32)
    value = "\n".join([new, *held[:1]])
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    lines = [
        f"{name}: 새 비밀값을 저장했어요." + (" 이전 값도 마칠 때까지 받아요." if held else ""),
        "",
        "챗봇 관리자센터 → 스킬 → 이 스킬 → 헤더값 입력:",
        "  X-Skill-Secret",
        f"  {new}",
        "저장한 뒤 챗봇을 배포하세요.",
    ]
    if held:
        lines += ["", "배포까지 마쳤으면 이전 값을 지우세요: make rotate-secret STAGE=<stage> FINISH=1"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage", required=True)
    p.add_argument("--finish", action="store_true", help="drop the previous secret (after Kakao uses the new one)")
    p.add_argument("--region", default="ap-northeast-2")
    args = p.parse_args(argv)
    import boto3

    print(rotate(boto3.client("ssm", region_name=args.region), parameter_name(args.stage), args.finish))
    return 0


if __name__ == "__main__":
    sys.exit(main())
