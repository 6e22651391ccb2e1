"""The deployment template matches the code.

`.chalice/resources.json` is merged into Chalice's template by `make package STAGE=<stage>`; it creates the
stage's tables, export bucket and export queue. These tests hold it to the pynamodb models (keys, indexes),
to `.chalice/config.json` (names, timeouts, concurrency), to the IAM policy files (exactly the resources and
actions the code uses) and to the template Chalice itself generates (merge targets, queue wiring). No network,
no packaging: Chalice's template is rendered without building the zip.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.config import Config
from chalice.package import TemplateDeepMerger
from pynamodb.models import Model

from chalicelib import runtime
from chalicelib.export import s3
from chalicelib.platform import config as app_config
from chalicelib.storage import binding, bound, tables

ROOT = Path(__file__).resolve().parents[2]
CHALICE_DIR = ROOT / ".chalice"
RESOURCES = json.loads((CHALICE_DIR / "resources.json").read_text(encoding="utf-8"))
CONFIG = json.loads((CHALICE_DIR / "config.json").read_text(encoding="utf-8"))
STAGES = sorted(CONFIG["stages"])
FUNCTIONS = (
    "api_handler",
    "every_minute",
    "build_export",
    "import_roster",
    "backup_tables",
)  # the Lambda functions app.py defines
RENDER = Path(__file__).resolve().parent / "chalice_template.py"


def _make_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*[?:]?=\s*(\S+)\s*$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert match, f"Makefile defines no {name}"
    return match.group(1)


REGION = _make_variable("REGION")  # the region `make package` / `make deploy` use
ACCOUNT = "123456789012"  # stands for ${AWS::AccountId} where names carry it (the export bucket)


def on_account(text: str) -> str:
    return text.replace("${AWS::AccountId}", ACCOUNT)


# --- helpers -------------------------------------------------------------------


def resolve(value: Any, stage: str) -> Any:
    """Evaluate the few intrinsics the names use (Fn::Sub over ${Stage}, Ref Stage) for one stage."""
    if isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, dict) and list(value) == ["Fn::Sub"] and isinstance(value["Fn::Sub"], str):
        text = on_account(value["Fn::Sub"].replace("${Stage}", stage))
        assert "${" not in text, f"unresolved variable in {value!r}"
        return text
    if value == {"Ref": "Stage"}:
        return stage
    raise AssertionError(f"cannot evaluate {value!r}")


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r.get("Type") == kind}


def stage_config(stage: str, function: str = "build_export") -> Config:
    """Chalice's own view of config.json for one stage and function (its precedence rules)."""
    return Config(chalice_stage=stage, function_name=function, config_from_disk=copy.deepcopy(CONFIG))


def template_tables(stage: str) -> dict[str, dict[str, Any]]:
    """Table name -> properties, names evaluated for ``stage``."""
    out = {}
    for resource in resources_of(RESOURCES, "AWS::DynamoDB::Table").values():
        props = resource["Properties"]
        out[resolve(props["TableName"], stage)] = props
    return out


def the_one(template: dict[str, Any], kind: str, **where: Any) -> tuple[str, dict[str, Any]]:
    found = [
        (lid, r)
        for lid, r in resources_of(template, kind).items()
        if all(r["Properties"].get(k) == v for k, v in where.items())
    ]
    assert len(found) == 1, f"expected one {kind} with {where}, found {[lid for lid, _ in found]}"
    return found[0]


def export_queue() -> tuple[str, dict[str, Any]]:
    """The queue with a redrive policy (the other queue is its dead-letter queue)."""
    queues = [
        (lid, r) for lid, r in resources_of(RESOURCES, "AWS::SQS::Queue").items() if "RedrivePolicy" in r["Properties"]
    ]
    assert len(queues) == 1, f"expected one export queue with a redrive policy, found {queues}"
    return queues[0]


@pytest.fixture
def stage_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Put a stage's environment variables (as config.json gives them to every function) in place."""

    def apply(stage: str) -> app_config.Settings:
        for var in list(os.environ):
            if var.startswith("HJ_"):
                monkeypatch.delenv(var)
        env = stage_config(stage, "api_handler").environment_variables
        for function in FUNCTIONS:
            assert stage_config(stage, function).environment_variables == env, (
                f"{function} of stage {stage} gets other environment variables than api_handler"
            )
        for var, value in env.items():
            monkeypatch.setenv(var, on_account(value))  # as the packaged template's Fn::Sub gives it
        return app_config.settings()

    yield apply


@pytest.fixture
def bound_tables(stage_env: Any) -> Iterator[Any]:
    """The models as the runtime binds them for a stage's settings: {schema model: table name}."""

    def bind(stage: str) -> dict[type[Model], str]:
        config = runtime.dynamo_config(stage_env(stage))
        made = bound.Tables(config, binding.client_for(config))
        return {schema: model.Meta.table_name for schema, model in zip(tables.MODELS, made.models, strict=True)}

    yield bind


# --- tables ----------------------------------------------------------------------


def _key_schema(items: list[Any]) -> list[tuple[str, str]]:
    return sorted((k["AttributeName"], k["KeyType"]) for k in items)


def _attributes(items: list[Any]) -> list[tuple[str, str]]:
    return sorted((a["AttributeName"], a["AttributeType"]) for a in items)


def _projection(p: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return p["ProjectionType"], tuple(sorted(p.get("NonKeyAttributes", [])))


@pytest.mark.parametrize("stage", STAGES)
def test_one_table_per_model_under_the_name_the_code_uses(stage: str, bound_tables: Any) -> None:
    names = bound_tables(stage)
    assert sorted(template_tables(stage)) == sorted(names.values())


@pytest.mark.parametrize("model", tables.MODELS, ids=lambda m: m.__name__)
def test_table_keys_match_the_model(model: type[Model], bound_tables: Any) -> None:
    stage = STAGES[0]
    props = template_tables(stage)[bound_tables(stage)[model]]
    schema = model._get_schema()
    assert _key_schema(props["KeySchema"]) == _key_schema(schema["key_schema"])
    # CloudFormation wants exactly the attributes used in a key of the table or of an index.
    wanted = list(schema["attribute_definitions"])
    for index in schema["global_secondary_indexes"] + schema["local_secondary_indexes"]:
        wanted += index["attribute_definitions"]
    assert _attributes(props["AttributeDefinitions"]) == sorted(set(_attributes(wanted)))


@pytest.mark.parametrize("model", tables.MODELS, ids=lambda m: m.__name__)
def test_table_indexes_match_the_model(model: type[Model], bound_tables: Any) -> None:
    stage = STAGES[0]
    props = template_tables(stage)[bound_tables(stage)[model]]
    schema = model._get_schema()
    expected = {
        i["index_name"]: (_key_schema(i["key_schema"]), _projection(i["projection"]))
        for i in schema["global_secondary_indexes"]
    }
    actual = {
        i["IndexName"]: (_key_schema(i["KeySchema"]), _projection(i["Projection"]))
        for i in props.get("GlobalSecondaryIndexes", [])
    }
    assert actual == expected
    assert not schema["local_secondary_indexes"] and "LocalSecondaryIndexes" not in props


@pytest.mark.parametrize("model", tables.MODELS, ids=lambda m: m.__name__)
def test_tables_are_recoverable_encrypted_and_kept(model: type[Model], bound_tables: Any) -> None:
    stage = STAGES[0]
    name = bound_tables(stage)[model]
    (resource,) = [
        r
        for r in resources_of(RESOURCES, "AWS::DynamoDB::Table").values()
        if resolve(r["Properties"]["TableName"], stage) == name
    ]
    props = resource["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain" and resource["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == model.Meta.billing_mode == "PAY_PER_REQUEST"


# --- bucket and queue ---------------------------------------------------------------


def test_export_bucket_is_private_encrypted_and_expires_exports() -> None:
    _lid, bucket = "ExportBucket", RESOURCES["Resources"]["ExportBucket"]
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    expiring = [
        r
        for r in props["LifecycleConfiguration"]["Rules"]
        if r["Status"] == "Enabled" and r.get("Prefix") == s3.KEY_PREFIX
    ]
    assert [r["ExpirationInDays"] for r in expiring] == [1]
    assert "WebsiteConfiguration" not in props and "AccessControl" not in props
    # Backups have their own bucket; the ones earlier versions wrote here expire as they always did.
    (old,) = [r for r in props["LifecycleConfiguration"]["Rules"] if r["Prefix"] != s3.KEY_PREFIX]
    assert old["Prefix"] == "backups/" and old["ExpirationInDays"] == {"Ref": "BackupRetentionDays"}


def test_backups_have_a_versioned_bucket_of_their_own() -> None:
    # The export bucket's files are meant to vanish; backups are meant to stay, and an overwrite or a delete of
    # one must leave its earlier version: a bucket of their own, versioned, private, expiring both.
    from chalicelib.jobs import backup

    props = RESOURCES["Resources"]["BackupBucket"]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert (
        props["PublicAccessBlockConfiguration"]
        == RESOURCES["Resources"]["ExportBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    )
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["Prefix"] == backup.PREFIX and rule["ExpirationInDays"] == {"Ref": "BackupRetentionDays"}
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": {"Ref": "BackupRetentionDays"}}
    assert RESOURCES["Resources"]["BackupBucket"]["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("lid", ["ExportBucket", "BackupBucket"])
def test_the_buckets_refuse_plain_http(lid: str) -> None:
    (policy,) = [
        p
        for p in resources_of(RESOURCES, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": lid}
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Deny" for s in statements), "the bucket policy may only deny"
    assert any(
        s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Action"] == "s3:*" and s["Principal"] == "*"
        for s in statements
    )


@pytest.mark.parametrize("stage", STAGES)
def test_export_queue_outlasts_build_export_and_has_a_dead_letter_queue(stage: str) -> None:
    _lid, queue = export_queue()
    props = queue["Properties"]
    # Lambda refuses an SQS event source whose visibility timeout is below the function's timeout.
    assert props["VisibilityTimeout"] >= stage_config(stage).lambda_timeout
    redrive = props["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == 3
    dlq_ref = redrive["deadLetterTargetArn"]
    assert dlq_ref["Fn::GetAtt"][1] == "Arn"
    dlq = RESOURCES["Resources"][dlq_ref["Fn::GetAtt"][0]]
    assert dlq["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" not in dlq["Properties"]
    assert dlq["Properties"]["MessageRetentionPeriod"] >= 7 * 24 * 3600


@pytest.mark.parametrize("stage", STAGES)
def test_export_pollers_never_exceed_build_export_concurrency(stage: str) -> None:
    # Throttled deliveries count as receives: with reserved concurrency below the pollers, a burst of exports
    # could reach the dead-letter queue after 3 throttles without ever running. So the export function reserves
    # nothing (a new account's quota may be 10) and the event source's maximum concurrency bounds it instead.
    event = RESOURCES["Resources"]["BuildExport"]["Properties"]["Events"]["BuildExportSqsEventSource"]
    assert stage_config(stage).reserved_concurrency is None
    assert 2 <= event["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= 5


# --- names, parameter, outputs ---------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_names_are_the_ones_config_json_gives_the_functions(stage: str, stage_env: Any) -> None:
    s = stage_env(stage)
    assert sorted(template_tables(stage)) == sorted(
        [s.users_table, s.surveys_table, s.answers_table, s.audit_table, s.roster_table]
    )
    assert resolve(RESOURCES["Resources"]["ExportBucket"]["Properties"]["BucketName"], stage) == s.export_bucket
    assert resolve(RESOURCES["Resources"]["BackupBucket"]["Properties"]["BucketName"], stage) == s.backup_bucket
    assert resolve(export_queue()[1]["Properties"]["QueueName"], stage) == s.export_queue


def test_stage_parameter_allows_exactly_the_config_stages() -> None:
    param = RESOURCES["Parameters"]["Stage"]
    assert sorted(param["AllowedValues"]) == STAGES
    assert "Default" not in param, "make package pins the stage; a default could create another stage's names"


def test_outputs_name_every_created_resource() -> None:
    # Nothing an operator looks up by name (alarms and log groups carry the stack's names themselves).
    unnamed = {
        "AWS::S3::BucketPolicy",
        "AWS::Lambda::Permission",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
        "AWS::SNS::Subscription",
        "AWS::Logs::MetricFilter",
        "AWS::ApiGateway::Account",
    }
    created = {lid for lid, r in RESOURCES["Resources"].items() if "Type" in r and r["Type"] not in unnamed}
    referenced = set()
    for output in RESOURCES["Outputs"].values():
        value = output["Value"]
        referenced.add(value["Ref"] if "Ref" in value else value.get("Fn::GetAtt", [None])[0])
    assert created <= referenced


# --- IAM policy files --------------------------------------------------------------


# What each call in the code needs from IAM. A TransactWriteItems is authorised per action inside it.
DYNAMODB_CALLS = {
    r"\w+Item\.get\(": {"dynamodb:GetItem"},
    r"\.batch_get\(": {"dynamodb:BatchGetItem"},
    r"\bbatch_get_item\(": {"dynamodb:BatchGetItem"},
    r"\)\.save\(": {"dynamodb:PutItem"},
    r"\.query\(": {"dynamodb:Query"},
    r"\.scan\(": {"dynamodb:Scan"},
    r"\btx\.save\(": {"dynamodb:PutItem"},
    r"\btx\.update\(": {"dynamodb:UpdateItem"},
    r"\btx\.delete\(": {"dynamodb:DeleteItem"},
    r"\btx\.condition_check\(": {"dynamodb:ConditionCheckItem"},
    r"\)\.delete\(\)": {"dynamodb:DeleteItem"},
    r"\.batch_write\(": {"dynamodb:BatchWriteItem"},
}
BOTO3_CALLS = {
    "put_object": {"s3:PutObject"},
    "generate_presigned_post": {"s3:PutObject"},  # the roster upload page's form is signed with the role
    "get_object": {"s3:GetObject"},  # presigned download links are signed with the function's role
    "list_objects_v2": {"s3:ListBucket"},
    "delete_objects": {"s3:DeleteObject"},
    "get_queue_url": {"sqs:GetQueueUrl"},
    "get_parameter": {"ssm:GetParameter"},  # the skill secret and the Kakao REST API key, SecureStrings
    "scan": {"dynamodb:Scan"},  # the daily backup (chalicelib/jobs/backup.py), never a chat message
    "batch_write_item": {"dynamodb:BatchWriteItem"},  # a restore (run with the operator's credentials)
    "send_message": {"sqs:SendMessage"},
    "send_message_batch": {"sqs:SendMessage"},  # SendMessageBatch is authorised as SendMessage
    "get_item": {"dynamodb:GetItem"},  # the push log (storage/pushlog.py), a low-level client of the roster table
    "put_item": {"dynamodb:PutItem"},
    "update_item": {"dynamodb:UpdateItem"},
    "query": {"dynamodb:Query"},
    "transact_write_items": {"dynamodb:UpdateItem"},  # authorised per action inside: it only updates
}
# Local engines and tests only: the template creates the tables and the bucket.
SETUP_ONLY_CALLS = {"create_bucket", "put_public_access_block"}
# Lambda polls the queue with the function's role (app.on_sqs_message).
SQS_EVENT_SOURCE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
LOGS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}  # active tracing (config.json "xray")


def _source(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def needed_actions() -> set[str]:
    storage = sorted((ROOT / "chalicelib" / "storage").glob("*.py"))
    dynamo = "\n".join(path.read_text(encoding="utf-8") for path in storage)
    needed = set().union(*(actions for pattern, actions in DYNAMODB_CALLS.items() if re.search(pattern, dynamo)))
    for module in (
        "chalicelib/export/s3.py",
        "chalicelib/jobs/queues.py",
        "chalicelib/platform/secrets.py",
        "chalicelib/jobs/backup.py",
        "chalicelib/storage/pushlog.py",
    ):
        text = _source(module)
        calls = set(re.findall(r"client\.(\w+)\(", text))
        calls |= set(re.findall(r"(?:generate_presigned_url|get_paginator)\(\s*\"(\w+)\"", text))
        calls -= {"get_paginator", "generate_presigned_url"}
        unknown = calls - set(BOTO3_CALLS) - SETUP_ONLY_CALLS
        assert not unknown, f"{module} calls {unknown}: add their IAM actions here and to the policy files"
        for call in calls & set(BOTO3_CALLS):
            needed |= BOTO3_CALLS[call]
    if "on_sqs_message" in _source("app.py"):
        needed |= SQS_EVENT_SOURCE
    if CONFIG.get("xray"):
        needed |= XRAY
    return needed


def test_setup_only_code_never_runs_in_the_functions() -> None:
    # The functions' roles cannot create tables or buckets; only scripts and tests may call these.
    for path in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]:
        text = path.read_text(encoding="utf-8")
        for name in ("create_tables", "ensure_bucket", "delete_tables"):
            calls = re.findall(rf"(?<!def ){name}\(", text)
            assert not calls, f"{path.relative_to(ROOT)} calls {name}()"


def function_policy(stage: str, function: str) -> dict[str, Any]:
    return json.loads((CHALICE_DIR / stage_config(stage, function).iam_policy_file).read_text(encoding="utf-8"))


def grants(stage: str, function: str = "") -> dict[str, set[str]]:
    """Action -> resources the function's policy file allows (every statement must Allow); without a function,
    what the stage's whole policy allows, which each function's file is a part of."""
    name = f"policy-{stage}.json" if not function else stage_config(stage, function).iam_policy_file
    policy = json.loads((CHALICE_DIR / name).read_text(encoding="utf-8"))
    out: dict[str, set[str]] = {}
    for st in policy["Statement"]:
        assert st["Effect"] == "Allow" and "NotAction" not in st and "NotResource" not in st
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        resources = [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]
        for action in actions:
            assert "*" not in action, f"wildcard action {action}"
            out.setdefault(action, set()).update(on_account(r) for r in resources)
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_policy_grants_exactly_the_actions_the_code_uses(stage: str) -> None:
    assert set(grants(stage)) == needed_actions() | LOGS


@pytest.mark.parametrize("stage", STAGES)
def test_policy_grants_exactly_the_created_resources(stage: str, bound_tables: Any) -> None:
    names = bound_tables(stage)
    s = app_config.settings()
    assert s.region == REGION, "the policy ARNs and `make deploy` use one region"
    table_arns = {f"arn:aws:dynamodb:{REGION}:*:table/{name}" for name in names.values()}
    index_arns = {
        f"arn:aws:dynamodb:{REGION}:*:table/{names[model]}/index/{index['index_name']}"
        for model in tables.MODELS
        for index in model._get_schema()["global_secondary_indexes"]
    }
    bucket = resolve(RESOURCES["Resources"]["ExportBucket"]["Properties"]["BucketName"], stage)
    backups = resolve(RESOURCES["Resources"]["BackupBucket"]["Properties"]["BucketName"], stage)
    queue = resolve(export_queue()[1]["Properties"]["QueueName"], stage)
    objects = {f"arn:aws:s3:::{bucket}/{s3.KEY_PREFIX}*"}
    queue_arn = {f"arn:aws:sqs:{REGION}:*:{queue}"}
    expected = {
        **{a: table_arns | index_arns for a in needed_actions() if a.startswith("dynamodb:")},
        "dynamodb:Scan": table_arns,  # the backup reads whole tables, never an index
        "s3:PutObject": objects | {f"arn:aws:s3:::{backups}/backups/*"},
        "s3:GetObject": objects,
        "s3:DeleteObject": objects,
        "s3:ListBucket": {f"arn:aws:s3:::{bucket}"},
        **{a: queue_arn for a in needed_actions() if a.startswith("sqs:")},
        **{a: {"*"} for a in XRAY},  # X-Ray has no resources to name
        # The two parameters the functions are told to read, and nothing else under the stage's path.
        "ssm:GetParameter": {
            f"arn:aws:ssm:{REGION}:*:parameter{name}"
            for name in (s.skill_secret_param, s.event_api_key_param, s.privacy_key_param)
        },
    }
    assert s.skill_secret_param.startswith(f"/haengjeong/{stage}/")
    assert s.event_api_key_param.startswith(f"/haengjeong/{stage}/")
    assert s.privacy_key_param.startswith(f"/haengjeong/{stage}/")
    assert {a: r for a, r in grants(stage).items() if not a.startswith("logs:")} == expected


@pytest.mark.parametrize("stage", STAGES)
def test_policy_lists_only_inside_the_export_prefix(stage: str) -> None:
    policy = json.loads((CHALICE_DIR / f"policy-{stage}.json").read_text(encoding="utf-8"))
    (listing,) = [s for s in policy["Statement"] if "s3:ListBucket" in s["Action"]]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": [f"{s3.KEY_PREFIX}*"]}}


@pytest.mark.parametrize("stage", STAGES)
def test_policy_logs_cover_the_stack_function_names(stage: str) -> None:
    # `make deploy` names the stack haengjeong-<stage>; CloudFormation names functions <stack>-<id>-<suffix>.
    stack = _make_variable("STACK").replace("$(STAGE)", stage)
    resources = set().union(*(r for a, r in grants(stage).items() if a.startswith("logs:")))
    assert resources == {
        f"arn:aws:logs:{REGION}:*:log-group:/aws/lambda/{stack}*",
        f"arn:aws:logs:{REGION}:*:log-group:/aws/lambda/{stack}*:log-stream:*",
    }


# --- merged with the template Chalice generates --------------------------------------------


_rendered: dict[str, dict[str, Any]] = {}


def chalice_template(stage: str) -> dict[str, Any]:
    """What `chalice package --stage <stage>` generates (before CodeUri and the merge)."""
    if stage not in _rendered:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HJ_") and k != "AWS_ENDPOINT_URL"}
        env["AWS_DEFAULT_REGION"] = REGION
        done = subprocess.run(
            [sys.executable, str(RENDER), str(ROOT), stage],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        _rendered[stage] = json.loads(done.stdout)
    return copy.deepcopy(_rendered[stage])


def function_roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The roles the functions run with (by logical id)."""
    used = {
        f["Properties"]["Role"]["Fn::GetAtt"][0] for f in resources_of(template, "AWS::Serverless::Function").values()
    }
    return {lid: r for lid, r in resources_of(template, "AWS::IAM::Role").items() if lid in used}


def merged(stage: str) -> dict[str, Any]:
    """The template `make package` writes: Chalice's, merged the way Chalice merges, Stage pinned."""
    from scripts.package_fix import fix

    return fix(TemplateDeepMerger().merge(copy.deepcopy(RESOURCES), chalice_template(stage)), stage)


@pytest.mark.parametrize("stage", STAGES)
def test_merge_only_extends_resources_chalice_generates(stage: str) -> None:
    generated = chalice_template(stage)["Resources"]
    partial = [lid for lid, r in RESOURCES["Resources"].items() if "Type" not in r]
    assert partial, "resources.json overrides the export event source"
    for lid in partial:
        assert lid in generated, f"resources.json amends {lid}, which Chalice no longer generates"
    for lid, resource in merged(stage)["Resources"].items():
        assert "Type" in resource, lid
    own = {lid for lid, r in RESOURCES["Resources"].items() if "Type" in r}
    assert not own & set(generated), "a resource of resources.json would replace one of Chalice's"


@pytest.mark.parametrize("stage", STAGES)
def test_the_export_function_reads_the_created_queue(stage: str) -> None:
    template = merged(stage)
    queue_id, queue = export_queue()
    functions = resources_of(template, "AWS::Serverless::Function")
    sqs_events = [
        (fid, name, e)
        for fid, f in functions.items()
        for name, e in f["Properties"].get("Events", {}).items()
        if e["Type"] == "SQS"
    ]
    assert len(sqs_events) == 1
    fid, name, event = sqs_events[0]
    # The ARN comes from the created queue (an implicit dependency), not from a name that may not exist yet.
    assert event["Properties"]["Queue"] == {"Fn::Sub": f"${{{queue_id}.Arn}}"}
    assert functions[fid]["Properties"]["Timeout"] <= queue["Properties"]["VisibilityTimeout"]
    assert "ReservedConcurrentExecutions" not in functions[fid]["Properties"]
    # What Chalice wired by name (app.py: on_sqs_message(queue=settings().export_queue)) is that queue.
    generated = chalice_template(stage)["Resources"][fid]["Properties"]["Events"][name]["Properties"]["Queue"]
    assert generated["Fn::Sub"].endswith(":" + resolve(queue["Properties"]["QueueName"], stage))


@pytest.mark.parametrize("stage", STAGES)
def test_no_secret_is_in_the_config_or_the_template(stage: str, stage_env: Any) -> None:
    s = stage_env(stage)
    assert s.skill_secret == "" and s.skill_secret_param, "the skill secret is read from SSM, never the environment"
    assert s.privacy_key == "" and s.privacy_key_param, "the privacy key is read from SSM, never the environment"
    text = json.dumps(merged(stage))
    assert 'HJ_SKILL_SECRET"' not in text and "REPLACE-ME" not in text
    for function in FUNCTIONS:
        env = stage_config(stage, function).environment_variables
        assert not any("SECRET" in k and not k.endswith("_PARAM") for k in env), function
        assert not any(k.endswith("_API_KEY") for k in env), function


@pytest.mark.parametrize("stage", STAGES)
def test_the_bucket_name_carries_the_account_so_two_organisations_can_deploy_a_stage(stage: str) -> None:
    # Bucket names are global; tables and queues are per account. The bucket, the functions' HJ_EXPORT_BUCKET
    # and the roles' S3 resources all name <...>-exports-<account>, as Fn::Sub (scripts/package_fix.py).
    template = merged(stage)
    bucket = template["Resources"]["ExportBucket"]
    assert bucket["Properties"]["BucketName"] == {"Fn::Sub": "haengjeong-${Stage}-exports-${AWS::AccountId}"}
    assert template["Resources"]["BackupBucket"]["Properties"]["BucketName"] == {
        "Fn::Sub": "haengjeong-${Stage}-backups-${AWS::AccountId}"
    }
    for fid, f in resources_of(template, "AWS::Serverless::Function").items():
        value = f["Properties"]["Environment"]["Variables"]["HJ_EXPORT_BUCKET"]
        assert value == {"Fn::Sub": f"haengjeong-{stage}-exports-${{AWS::AccountId}}"}, fid
    for lid, role in function_roles(template).items():
        text = json.dumps(role)
        buckets = (f"haengjeong-{stage}-exports-${{AWS::AccountId}}", f"haengjeong-{stage}-backups-${{AWS::AccountId}}")
        assert any(b in text for b in buckets) or "s3:" not in text, lid
        for st in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
            for r in st["Resource"]:
                assert "AccountId" not in json.dumps(r) or isinstance(r, dict), (lid, r)  # substituted, not literal
    assert template["Parameters"]["Stage"]["AllowedValues"] == [stage]


@pytest.mark.parametrize("stage", STAGES)
def test_the_bucket_calls_the_import_function_for_uploads_only(stage: str) -> None:
    # Chalice cannot package @app.on_s3_event (CloudFormation cannot change an existing bucket's
    # notifications), so the bucket it creates names the plain function app.py defines for it.
    template = merged(stage)
    functions = resources_of(template, "AWS::Serverless::Function")
    _bucket_id, bucket = "ExportBucket", template["Resources"]["ExportBucket"]
    (config,) = bucket["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
    fid = config["Function"]["Fn::GetAtt"][0]
    assert config["Function"] == {"Fn::GetAtt": [fid, "Arn"]} and fid in functions
    assert functions[fid]["Properties"]["Handler"] == "app.import_roster"
    assert config["Event"] == "s3:ObjectCreated:*"
    assert config["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": s3.UPLOAD_PREFIX}]}}
    assert not s3.PAGE_PREFIX.startswith(s3.UPLOAD_PREFIX), "writing an upload page would trigger an import"
    # S3 checks it may invoke the function when the notification is set: the permission comes first.
    ((pid, permission),) = [
        (lid, r)
        for lid, r in resources_of(template, "AWS::Lambda::Permission").items()
        if r["Properties"]["Principal"] == "s3.amazonaws.com"
    ]
    assert bucket["DependsOn"] == pid
    props = permission["Properties"]
    assert props["FunctionName"] == {"Ref": fid} and props["Principal"] == "s3.amazonaws.com"
    assert props["Action"] == "lambda:InvokeFunction" and props["SourceAccount"] == {"Ref": "AWS::AccountId"}
    # The bucket by name, not by Ref: a Ref would make bucket and permission depend on each other.
    name = resolve(bucket["Properties"]["BucketName"], stage)
    assert (
        on_account(props["SourceArn"]["Fn::Sub"].replace("${Stage}", stage)) == f"arn:${{AWS::Partition}}:s3:::{name}"
    )
    # Reading a roster file of thousands of rows takes openpyxl and more than a chat reply's time.
    cfg = stage_config(stage, "import_roster")
    assert cfg.lambda_timeout >= 60 and cfg.lambda_memory_size >= 1024


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_reads_the_names_the_stack_creates(stage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    template = merged(stage)
    tables_created = sorted(template_tables(stage))
    bucket = template["Resources"]["ExportBucket"]
    functions = resources_of(template, "AWS::Serverless::Function")
    assert len(functions) == len(FUNCTIONS)
    for fid, function in functions.items():
        for var in list(os.environ):
            if var.startswith("HJ_"):
                monkeypatch.delenv(var)
        for var, value in function["Properties"]["Environment"]["Variables"].items():
            monkeypatch.setenv(var, resolve(value, stage))
        s = app_config.settings()
        assert (
            sorted([s.users_table, s.surveys_table, s.answers_table, s.audit_table, s.roster_table]) == tables_created
        ), fid
        assert s.export_bucket == resolve(bucket["Properties"]["BucketName"], stage), fid
        assert s.export_queue == resolve(export_queue()[1]["Properties"]["QueueName"], stage), fid


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_has_a_role_of_its_own_policy(stage: str) -> None:
    template = merged(stage)
    roles = function_roles(template)
    functions = resources_of(template, "AWS::Serverless::Function")
    assert len(roles) == len(FUNCTIONS) == len(functions)
    # The one other role is API Gateway's, for its access logs, with AWS's policy for exactly that.
    (other,) = set(resources_of(template, "AWS::IAM::Role")) - set(roles)
    assert template["Resources"][other]["Properties"]["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}
    ]
    by_handler = {f["Properties"]["Handler"]: f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    for function in FUNCTIONS:
        handler = "app.app" if function == "api_handler" else f"app.{function}"
        role = roles[by_handler[handler]]["Properties"]
        from scripts.package_fix import _subbed

        assert [p["PolicyDocument"] for p in role["Policies"]] == [_subbed(function_policy(stage, function))], function
        assert "ManagedPolicyArns" not in role, function


@pytest.mark.parametrize("stage", STAGES)
def test_the_function_policies_are_parts_of_the_stage_policy_and_written_by_the_script(stage: str) -> None:
    from scripts import policies

    for name, text in policies.rendered(stage).items():
        assert (CHALICE_DIR / name).read_text(encoding="utf-8") == text, f"run python -m scripts.policies ({name})"
    whole = grants(stage)
    union: dict[str, set[str]] = {}
    for function in FUNCTIONS:
        for action, resources in grants(stage, function).items():
            assert resources <= whole[action], (function, action)
            union.setdefault(action, set()).update(resources)
    assert set(union) == set(whole)


@pytest.mark.parametrize("stage", STAGES)
def test_least_privilege_per_function_and_an_append_only_audit_table(stage: str, stage_env: Any) -> None:
    s = stage_env(stage)
    audit = f"arn:aws:dynamodb:{REGION}:*:table/{s.audit_table}"
    for function in FUNCTIONS:
        g = grants(stage, function)
        on_audit = {a for a, resources in g.items() if audit in resources}
        # no update, no delete: the chat and the jobs append; the backup reads, nothing else
        assert on_audit == ({"dynamodb:Scan"} if function == "backup_tables" else {"dynamodb:PutItem"}), function
    api, close, export, roster, backup = (grants(stage, f) for f in FUNCTIONS)
    assert set(backup) == {"dynamodb:Scan", "s3:PutObject"} | LOGS | XRAY
    assert backup["s3:PutObject"] == {f"arn:aws:s3:::{s.backup_bucket}/backups/*"}
    assert not any(s.backup_bucket in r for g in (api, close, export, roster) for rs in g.values() for r in rs)
    assert not any("dynamodb:Scan" in g for g in (api, close, export, roster))  # no chat path scans
    assert not {"sqs:ReceiveMessage", "sqs:DeleteMessage"} & set(api)  # only the queue's consumer receives
    # the schedule reads no secret and writes no file; it deletes a survey's files when its retention ends
    assert not any(a.startswith("ssm:") for a in close) and "s3:PutObject" not in close and "s3:GetObject" not in close
    assert close["s3:DeleteObject"] == {f"arn:aws:s3:::{s.export_bucket}/exports/*"}
    assert not any(a.startswith(("sqs:", "ssm:")) for a in roster) and "s3:PutObject" not in roster
    skill = f"arn:aws:ssm:{REGION}:*:parameter{s.skill_secret_param}"
    assert skill in api["ssm:GetParameter"] and skill not in export.get("ssm:GetParameter", set())


def test_backups_keep_nothing_longer_than_members_are_told() -> None:
    from chalicelib.domain.model import BACKUP_DAYS

    assert RESOURCES["Parameters"]["BackupRetentionDays"]["MaxValue"] == BACKUP_DAYS
