"""What `make package` does to Chalice's template after merging .chalice/resources.json.

0. Set every function's runtime to RUNTIME. Chalice names the runtime after the Python that runs it (3.11 on
   a machine like this one); the functions run on a newer one: Lambda stops supporting python3.11 in 2026, and
   3.13 is supported until 2029 (docs/performance.md has the cold starts measured). The dependencies are pure
   Python, which the check of the zip below holds, so the same zip runs on any Python 3 and on arm64
   (config.json's lambda_architecture), which costs less per millisecond.
2. Let names carry the account: a string of the functions' environment or of their roles' policies that
   holds ``${AWS::AccountId}`` (or another pseudo parameter) becomes an ``Fn::Sub``. config.json and the
   policy files are plain JSON, and Chalice copies them into the template as they are; the export bucket's
   name ends with the account id, since bucket names are global: two organisations (two accounts) can
   deploy the same stage side by side.

    python -m scripts.package_fix build/prod/sam.json prod
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

PSEUDO = ("${AWS::AccountId}", "${AWS::Region}", "${AWS::Partition}", "${AWS::StackName}")
RUNTIME = "python3.13"
COMPILED = (".so", ".pyd")  # extension modules: built for one Python and one CPU, which the zip must not carry


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
        if resource.get("Type") == "AWS::Serverless::Function":
            props["Runtime"] = RUNTIME
        if resource.get("Type") == "AWS::Serverless::Function" and "Environment" in props:
            props["Environment"] = _subbed(props["Environment"])
        if resource.get("Type") == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                policy["PolicyDocument"] = _subbed(policy["PolicyDocument"])
    return template


def compiled_files(zip_path: str) -> list[str]:
    """The extension modules a deployment zip carries (none may: see RUNTIME)."""
    import zipfile

    with zipfile.ZipFile(zip_path) as z:
        return [n for n in z.namelist() if n.endswith(COMPILED)]


def main(argv: list[str]) -> int:
    path, stage = argv
    package = os.path.join(os.path.dirname(path), "deployment.zip")
    if os.path.exists(package) and (found := compiled_files(package)):
        raise SystemExit(
            f"the deployment zip carries compiled modules ({', '.join(found[:5])}): they are built for "
            f"this machine's Python and CPU, not {RUNTIME} on arm64; pin a pure-Python version"
        )
    with open(path, encoding="utf-8") as f:
        template = json.load(f)
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(fix(template, stage), indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
