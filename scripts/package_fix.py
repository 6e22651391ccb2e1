"""What `make package` does to Chalice's template after merging .chalice/resources.json.

1. Pin the Stage parameter to the stage packaged (its default and only allowed value), so one stage's
   package can only create that stage's names, the ones its functions read from config.json.
2. Let names carry the account: a string of the functions' environment or of their roles' policies that
   holds ``${AWS::AccountId}`` (or another pseudo parameter) becomes an ``Fn::Sub``. config.json and the
   policy files are plain JSON, and Chalice copies them into the template as they are; the export bucket's
   name ends with the account id, since bucket names are global: two organisations (two accounts) can
   deploy the same stage side by side.

    python -m scripts.package_fix build/prod/sam.json prod
"""

from __future__ import annotations

import json
import sys
from typing import Any

PSEUDO = ("${AWS::AccountId}", "${AWS::Region}", "${AWS::Partition}", "${AWS::StackName}")


def _subbed(value: Any) -> Any:
    if isinstance(value, str) and any(p in value for p in PSEUDO):
        return {"Fn::Sub": value}
    if isinstance(value, list):
        return [_subbed(v) for v in value]
    if isinstance(value, dict) and not any(k.startswith("Fn::") for k in value):
        return {k: _subbed(v) for k, v in value.items()}
    return value


def fix(template: dict[str, Any], stage: str) -> dict[str, Any]:
    param = template["Parameters"]["Stage"]
    if stage not in param["AllowedValues"]:
        raise SystemExit(f"stage {stage} is not in the Stage AllowedValues of .chalice/resources.json")
    param.update(Default=stage, AllowedValues=[stage])
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function" and "Environment" in props:
            props["Environment"] = _subbed(props["Environment"])
        if resource.get("Type") == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                policy["PolicyDocument"] = _subbed(policy["PolicyDocument"])
    return template


def main(argv: list[str]) -> int:
    path, stage = argv
    with open(path, encoding="utf-8") as f:
        template = json.load(f)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(fix(template, stage), indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
