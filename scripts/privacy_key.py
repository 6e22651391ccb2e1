"""Create a stage's privacy key once: ``make privacy-key STAGE=<stage>``.

The key (an SSM SecureString named by the stage's ``HJ_PRIVACY_KEY_PARAM``) is what 익명 participation records are
keyed with: whoever holds the tables but not this key cannot tell who took part in an anonymous survey. It is made
here from 32 random bytes and never printed. It must never change while an anonymous survey is open (the records
made before would no longer be found, and people could answer twice), so an existing key is left as it is.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / ".chalice" / "config.json"


def param_of(stage: str) -> str:
    stages = json.loads(CONFIG.read_text(encoding="utf-8"))["stages"]
    if stage not in stages:
        raise SystemExit(f"no stage {stage!r} in .chalice/config.json (stages: {', '.join(stages)})")
    return str(stages[stage]["environment_variables"]["HJ_PRIVACY_KEY_PARAM"])


def ensure(client: object, name: str) -> bool:
    """Create the SecureString ``name`` with a fresh random key unless it exists; whether it was created."""
    from botocore.exceptions import ClientError

    try:
        client.put_parameter(  # type: ignore[attr-defined]
            Name=name,
            Value=secrets.token_hex(32),
            Type="SecureString",
            Overwrite=False,
            Description="행정이 privacy key (익명 participation). Never change it while an anonymous survey is open.",
        )
        return True
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ParameterAlreadyExists":
            return False
        raise


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.privacy_key", description=__doc__.split("\n\n")[0])
    p.add_argument("--stage", required=True, help="the stage whose key to create (dev, prod)")
    args = p.parse_args(argv)
    import boto3

    name = param_of(args.stage)
    created = ensure(boto3.client("ssm"), name)
    print(f"{name}: {'created' if created else 'exists already (left as it is)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
