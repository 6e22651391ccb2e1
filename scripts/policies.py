"""Write each function's least-privilege policy from the stage's whole policy (``python -m scripts.policies``).

``.chalice/policy-<stage>.json`` lists everything the app may do in a stage, resource by resource; it is
what tests/deploy holds against the code. Each function gets only its part, written to
``.chalice/policy-<stage>-<function>.json`` (named in config.json), and nobody may change or delete an
audit entry: the audit table gets PutItem alone.

    api_handler    the chat: tables, exports and upload pages in the bucket, sending to the queue, the secrets (the
                   skill secret, the Kakao key, the privacy key)
    build_export   the queue's consumer: tables, the bucket, the queue (it re-queues retries), the Event API key
    every_minute  the schedule: tables, sending to the queue (close summaries and automatic 알림), and deleting a
                   survey's files when its retention ends
    import_roster  the bucket's notice of an upload: tables, reading and deleting the uploaded file
    backup_tables  the daily backup: scanning the tables and writing under backups/ in the bucket, nothing else

The statements ``BackupReads`` (Scan) and ``Backups`` (writing backups/) belong to the backup alone.

The tests fail when a file differs from what this writes (run it after changing the stage policy).
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

CHALICE = Path(__file__).resolve().parents[1] / ".chalice"
STAGES = tuple(json.loads((CHALICE / "config.json").read_text(encoding="utf-8"))["stages"])
AUDIT_ACTIONS = ["dynamodb:PutItem"]  # append-only: entries are written in the transactions they record

# function -> the actions it keeps (each statement of the stage policy filtered to these)
KEEPS: dict[str, set[str]] = {
    "api_handler": {
        "dynamodb:*", "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket",
        "sqs:GetQueueUrl", "sqs:SendMessage", "ssm:GetParameter:skill", "ssm:GetParameter:event",
        "ssm:GetParameter:privacy", "logs:*", "xray:*",
    },
    "build_export": {
        "dynamodb:*", "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket", "sqs:*",
        "ssm:GetParameter:event", "logs:*", "xray:*",
    },
    "every_minute": {
        "dynamodb:*", "s3:DeleteObject", "s3:ListBucket", "sqs:GetQueueUrl", "sqs:SendMessage", "logs:*", "xray:*",
    },
    "import_roster": {"dynamodb:*", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket", "logs:*", "xray:*"},
    "backup_tables": {"dynamodb:Scan", "s3:PutObject", "logs:*", "xray:*"},
}  # fmt: skip
BACKUP_ONLY = {"BackupReads", "Backups"}  # statements of the backup function alone, which keeps only those


def _kept(action: str, resource: str, keeps: set[str]) -> bool:
    service = action.split(":")[0]
    if action == "ssm:GetParameter":
        which = (
            "skill"
            if resource.endswith("/skill-secret")
            else "privacy"
            if resource.endswith("/privacy-key")
            else "event"
        )
        return f"ssm:GetParameter:{which}" in keeps
    return action in keeps or f"{service}:*" in keeps


def for_function(policy: dict[str, Any], function: str, audit_table_arn: str) -> dict[str, Any]:
    keeps = KEEPS[function]
    out: list[dict[str, Any]] = []
    for st in policy["Statement"]:
        if (st["Sid"] in BACKUP_ONLY) != (function == "backup_tables") and st["Sid"] not in ("Logs", "Tracing"):
            continue
        resources = [r for r in st["Resource"] if r != audit_table_arn or st["Sid"] in BACKUP_ONLY]
        kept = {r: [a for a in st["Action"] if _kept(a, r, keeps)] for r in resources}
        actions = sorted({a for acts in kept.values() for a in acts}, key=st["Action"].index)
        resources = [r for r in resources if kept[r]]
        if actions and resources:
            new = copy.deepcopy(st)
            new["Action"], new["Resource"] = actions, resources
            out.append(new)
        writes_tables = "dynamodb:*" in keeps
        if writes_tables and audit_table_arn in st["Resource"] and "dynamodb:PutItem" in st["Action"]:
            out.append(
                {"Sid": "AuditAppendOnly", "Effect": "Allow", "Action": AUDIT_ACTIONS, "Resource": [audit_table_arn]}
            )
    return {"Version": policy["Version"], "Statement": out}


def audit_arn(policy: dict[str, Any]) -> str:
    audit: set[str] = {r for st in policy["Statement"] for r in st["Resource"] if r.endswith("-audit")}
    (arn,) = audit
    return arn


def rendered(stage: str) -> dict[str, str]:
    """File name -> text of each function's policy for ``stage``."""
    policy = json.loads((CHALICE / f"policy-{stage}.json").read_text(encoding="utf-8"))
    arn = audit_arn(policy)
    return {
        f"policy-{stage}-{fn}.json": json.dumps(for_function(policy, fn, arn), indent=2, ensure_ascii=False) + "\n"
        for fn in KEEPS
    }


def main() -> int:
    for stage in STAGES:
        for name, text in rendered(stage).items():
            (CHALICE / name).write_text(text, encoding="utf-8")
            print(f"wrote .chalice/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
