"""The stack an operator runs: alarms with a runbook line each, on a topic an e-mail subscribes to and CloudWatch
can publish to; an API access log without bodies or keys, and the alarms read from it; log groups that expire;
tracing; API throttling sized for a rush and reserved concurrency as parameters; and cfn-lint clean.

Checked on the template `make package` writes (Chalice's, merged with .chalice/resources.json)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.platform import metrics
from tests.deploy.test_template import FUNCTIONS, RESOURCES, STAGES, merged, resolve, resources_of

# Every alarm: (logical id, namespace, metric, threshold). docs/operations.md lists the same.
ALARMS = {
    "ApiServerErrorsAlarm": ("AWS/ApiGateway", "5XXError", 3),
    "ApiClientErrorsBurstAlarm": ("AWS/ApiGateway", "4XXError|Count", 0.5),
    "SecretUnreadableAlarm": ("Haengjeong/Api", "haengjeong-${Stage}-unavailable", 1),
    "ApiThrottledAlarm": ("Haengjeong/Api", "haengjeong-${Stage}-throttled", 1),
    "RemindersFailedAlarm": ("Haengjeong", "RemindersFailed", 1),
    "QueueAgeAlarm": ("AWS/SQS", "ApproximateAgeOfOldestMessage", 900),
    "ChatErrorsAlarm": ("AWS/Lambda", "Errors", 1),
    "ChatThrottlesAlarm": ("AWS/Lambda", "Throttles", 1),
    "ChatSlowAlarm": ("AWS/Lambda", "Duration", 3000),
    "HandlerErrorsAlarm": ("Haengjeong", "HandlerErrors", 1),
    "BusyRepliesAlarm": ("Haengjeong", "BusyReplies", 10),
    "RegistrationGuessingAlarm": ("Haengjeong", "RegistrationRefusals", 50),
    "DynamoThrottlesAlarm": ("AWS/DynamoDB", "ReadThrottleEvents|WriteThrottleEvents", 1),
    "DynamoSystemErrorsAlarm": ("AWS/DynamoDB", "SystemErrors", 1),
    "DeadLettersAlarm": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 1),
    "ScheduleErrorsAlarm": ("AWS/Lambda", "Errors", 1),
    "ExportErrorsAlarm": ("AWS/Lambda", "Errors", 1),
    "RosterImportErrorsAlarm": ("AWS/Lambda", "Errors", 1),
    "BackupErrorsAlarm": ("AWS/Lambda", "Errors", 1),
}


def metric_names(props: dict[str, Any]) -> set[tuple[str, str]]:
    def name(value: Any) -> str:
        return value["Fn::Sub"] if isinstance(value, dict) else value

    if "Metrics" in props:
        return {
            (m["MetricStat"]["Metric"]["Namespace"], name(m["MetricStat"]["Metric"]["MetricName"]))
            for m in props["Metrics"]
            if "MetricStat" in m
        }
    return {(props["Namespace"], name(props["MetricName"]))}


@pytest.mark.parametrize("stage", STAGES)
def test_each_alarm_watches_what_it_says_and_tells_the_topic(stage: str) -> None:
    template = merged(stage)
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == set(ALARMS)
    ((topic_id, _),) = resources_of(template, "AWS::SNS::Topic").items()
    for lid, alarm in alarms.items():
        props = alarm["Properties"]
        namespace, metric, threshold = ALARMS[lid]
        assert {(namespace, m) for m in metric.split("|")} == metric_names(props), lid
        assert props["Threshold"] == threshold, lid
        assert props["AlarmActions"] == [{"Ref": topic_id}] and props["OKActions"] == [{"Ref": topic_id}]
        assert props["AlarmDescription"].startswith("Runbook: "), lid
        assert props["TreatMissingData"] == "notBreaching"
        assert len(props.get("Metrics", [])) <= 10, "CloudWatch takes at most 10 metrics per alarm"
        if namespace == metrics.NAMESPACE:  # the app's own metrics: the names and dimension it writes
            assert metric in metrics.UNITS
            assert props["Dimensions"] == [{"Name": metrics.DIMENSION, "Value": {"Fn::Sub": "haengjeong-${Stage}"}}]
        if namespace == "Haengjeong/Api":  # counted from the access log: a filter of the template writes it
            made = [
                f["Properties"]["MetricTransformations"][0]
                for f in resources_of(template, "AWS::Logs::MetricFilter").values()
            ]
            assert any(m["MetricNamespace"] == namespace and m["MetricName"] == {"Fn::Sub": metric} for m in made)
    assert alarms["ChatSlowAlarm"]["Properties"]["ExtendedStatistic"] == "p99"


@pytest.mark.parametrize("stage", STAGES)
def test_lambda_alarms_cover_every_function(stage: str) -> None:
    template = merged(stage)
    functions = set(resources_of(template, "AWS::Serverless::Function"))
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Ref"]
        for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "Errors"
    }
    assert watched == functions
    tables = set(resources_of(template, "AWS::DynamoDB::Table"))
    throttles = RESOURCES["Resources"]["DynamoThrottlesAlarm"]["Properties"]["Metrics"]
    assert {
        m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"] for m in throttles if "MetricStat" in m
    } == tables


def test_the_alarm_e_mail_is_a_parameter_and_optional() -> None:
    assert RESOURCES["Parameters"]["AlarmEmail"]["Default"] == ""
    (sub,) = resources_of(RESOURCES, "AWS::SNS::Subscription").values()
    assert sub["Condition"] == "HasAlarmEmail" and sub["Properties"]["Protocol"] == "email"
    assert sub["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


@pytest.mark.parametrize("stage, days", [("dev", 14), ("prod", 90)])
def test_every_function_and_the_api_log_to_a_group_that_expires(stage: str, days: int) -> None:
    template = merged(stage)
    groups = resources_of(template, "AWS::Logs::LogGroup").values()
    named = {g["Properties"]["LogGroupName"]["Fn::Sub"] for g in groups}
    assert named == {f"/aws/lambda/${{{fid}}}" for fid in resources_of(template, "AWS::Serverless::Function")} | {
        "/aws/apigateway/haengjeong-${Stage}-access"
    }
    for g in groups:
        retention = g["Properties"]["RetentionInDays"]
        assert retention == {"Fn::FindInMap": ["LogRetention", {"Ref": "Stage"}, "Days"]}
        assert template["Mappings"]["LogRetention"][stage]["Days"] == days


@pytest.mark.parametrize("stage", STAGES)
def test_tracing_throttling_and_reserved_concurrency(stage: str) -> None:
    template = merged(stage)
    for fid, f in resources_of(template, "AWS::Serverless::Function").items():
        assert f["Properties"]["Tracing"] == "Active", fid
    (api,) = resources_of(template, "AWS::Serverless::Api").values()
    assert api["Properties"]["TracingEnabled"] is True
    (settings,) = api["Properties"]["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    chat = template["Resources"]["APIHandler"]["Properties"]
    assert chat["ReservedConcurrentExecutions"]["Fn::If"][0] == "HasReservedConcurrency"
    assert template["Parameters"]["ApiReservedConcurrency"]["Default"] == 0  # off unless the operator sets it
    others = [f for fid, f in resources_of(template, "AWS::Serverless::Function").items() if fid != "APIHandler"]
    assert not any("ReservedConcurrentExecutions" in f["Properties"] for f in others)
    assert len(FUNCTIONS) == 1 + len(others)


@pytest.mark.parametrize("stage", STAGES)
def test_cfn_lint_passes_on_the_packaged_template(stage: str, tmp_path: Path) -> None:
    template = merged(stage)
    # What `chalice package` writes next to the template; cfn-lint only checks that CodeUri names something.
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    done = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_a_daily_backup_is_kept_for_the_retention_days(stage: str) -> None:
    from chalicelib.jobs import backup

    template = merged(stage)
    bucket = template["Resources"]["BackupBucket"]
    (rule,) = [r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == backup.PREFIX]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "BackupRetentionDays"}
    assert template["Parameters"]["BackupRetentionDays"]["Default"] == backup.BACKUP_DAYS
    function = template["Resources"]["BackupTables"]["Properties"]
    (event,) = function["Events"].values()
    assert event["Type"] == "Schedule" and event["Properties"]["Schedule"] == "cron(0 18 * * ? *)"  # 03:00 KST
    assert function["Timeout"] >= 300


# --- where alarms go ---------------------------------------------------------------------------------------


def publishable(template: dict[str, Any], topic_id: str) -> bool:
    """Whether CloudWatch can publish to the topic: unencrypted, or encrypted with a key of the template whose
    policy lets cloudwatch.amazonaws.com decrypt and make data keys. An AWS managed key (alias/aws/sns) cannot be
    given that right: its key policy is AWS's."""
    key = template["Resources"][topic_id]["Properties"].get("KmsMasterKeyId")
    if key is None:
        return True
    ref = key.get("Ref") if isinstance(key, dict) else None
    if ref is None and isinstance(key, dict) and "Fn::GetAtt" in key:
        ref = key["Fn::GetAtt"][0]
    kms = template["Resources"].get(ref or "", {})
    if kms.get("Type") != "AWS::KMS::Key":
        return False  # an alias or ARN from outside: alias/aws/sns, or a key whose policy nobody here can see
    for st in kms["Properties"]["KeyPolicy"]["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        service = (st.get("Principal") or {}).get("Service")
        services = service if isinstance(service, list) else [service]
        if (
            st["Effect"] == "Allow"
            and "cloudwatch.amazonaws.com" in services
            and "kms:Decrypt" in actions
            and any(a in ("kms:GenerateDataKey*", "kms:GenerateDataKey") for a in actions)
        ):
            return True
    return False


def alarm_topics(template: dict[str, Any]) -> set[str]:
    return {
        a["Ref"]
        for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values()
        for key in ("AlarmActions", "OKActions")
        for a in alarm["Properties"].get(key, [])
    }


@pytest.mark.parametrize("stage", STAGES)
def test_every_alarm_goes_to_a_topic_cloudwatch_can_publish_to(stage: str) -> None:
    template = merged(stage)
    topics = alarm_topics(template)
    assert topics and all(template["Resources"][t]["Type"] == "AWS::SNS::Topic" for t in topics)
    assert all(publishable(template, t) for t in topics)
    # The check itself: the AWS managed key fails it, a key whose policy lets CloudWatch in passes.
    (topic,) = topics
    managed = json.loads(json.dumps(template))
    managed["Resources"][topic]["Properties"]["KmsMasterKeyId"] = "alias/aws/sns"
    assert not publishable(managed, topic)
    own = json.loads(json.dumps(template))
    own["Resources"]["AlarmKey"] = {
        "Type": "AWS::KMS::Key",
        "Properties": {
            "KeyPolicy": {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                        "Resource": "*",
                    }
                ]
            }
        },
    }
    own["Resources"][topic]["Properties"]["KmsMasterKeyId"] = {"Ref": "AlarmKey"}
    assert publishable(own, topic)
    own["Resources"]["AlarmKey"]["Properties"]["KeyPolicy"]["Statement"][0]["Principal"] = {"AWS": "*"}
    assert not publishable(own, topic)


# --- the API's access log ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_writes_an_access_log_of_ids_status_and_latency_only(stage: str) -> None:
    template = merged(stage)
    ((_api_id, api),) = resources_of(template, "AWS::Serverless::Api").items()
    setting = api["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${ApiAccessLogGroup}"
    }
    group = template["Resources"]["ApiAccessLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup" and "RetentionInDays" in group["Properties"]
    line = json.loads(setting["Format"].replace("$context.status", "200"))  # what one request's line parses to
    assert {"requestId", "status", "responseLatency", "integrationLatency", "error"} <= set(line)
    assert line["status"] == 200  # a number: the metric filters compare it
    used = set(re.findall(r"\$context\.[\w.]+", setting["Format"]))
    assert used <= {
        "$context.requestId",
        "$context.extendedRequestId",
        "$context.requestTime",
        "$context.httpMethod",
        "$context.resourcePath",
        "$context.status",
        "$context.responseLatency",
        "$context.integrationLatency",
        "$context.integrationStatus",
        "$context.responseLength",
        "$context.error.responseType",
    }, "no body, header, caller or key in the access log"
    assert "$input" not in setting["Format"]
    # API Gateway writes access logs with the account's CloudWatch role, set before the API's stage exists.
    assert api["DependsOn"] == "ApiGatewayAccount"
    account = template["Resources"]["ApiGatewayAccount"]
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}
    role = template["Resources"]["ApiGatewayLogsRole"]
    assert role["DeletionPolicy"] == "Retain"  # the account setting outlives the stack
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "apigateway.amazonaws.com"
    }
    # The API is named per stage, so the API Gateway metrics of two stages in one account never add up.
    assert resolve(api["Properties"]["Name"], stage) == f"haengjeong-{stage}"


@pytest.mark.parametrize("stage", STAGES)
def test_the_access_log_counts_throttled_and_unavailable_replies(stage: str) -> None:
    template = merged(stage)
    filters = {
        f["Properties"]["FilterPattern"]: f["Properties"]
        for f in resources_of(template, "AWS::Logs::MetricFilter").values()
    }
    assert set(filters) == {"{ $.status = 429 }", "{ $.status = 503 }"}
    for props in filters.values():
        assert props["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
        (t,) = props["MetricTransformations"]
        assert t["MetricValue"] == "1" and t["DefaultValue"] == 0


def test_throttling_is_sized_for_a_rush() -> None:
    # docs/performance.md ("A burst"): a rush on a new survey reaches several hundred requests a second.
    rate, burst = (
        RESOURCES["Parameters"]["ApiRateLimit"]["Default"],
        RESOURCES["Parameters"]["ApiBurstLimit"]["Default"],
    )
    assert rate >= 200 and burst > rate


# --- the runtime ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_runs_a_supported_python_on_arm64(stage: str) -> None:
    from scripts.package_fix import RUNTIME

    major, minor = (int(x) for x in RUNTIME.removeprefix("python").split("."))
    assert (major, minor) >= (3, 12), "python3.11's Lambda support ends in 2026"
    functions = resources_of(merged(stage), "AWS::Serverless::Function")
    assert {f["Properties"]["Runtime"] for f in functions.values()} == {RUNTIME}
    assert {tuple(f["Properties"]["Architectures"]) for f in functions.values()} == {("arm64",)}


def test_a_zip_with_compiled_modules_is_refused(tmp_path: Path) -> None:
    import zipfile

    from scripts.package_fix import compiled_files, main

    (tmp_path / "sam.json").write_text(json.dumps(RESOURCES | {"Parameters": RESOURCES["Parameters"]}))
    with zipfile.ZipFile(tmp_path / "deployment.zip", "w") as z:
        z.writestr("app.py", "")
        z.writestr("pynamodb/models.py", "")
    assert compiled_files(str(tmp_path / "deployment.zip")) == []
    with zipfile.ZipFile(tmp_path / "deployment.zip", "a") as z:
        z.writestr("pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so", b"\x7fELF")
    with pytest.raises(SystemExit, match="compiled modules"):
        main([str(tmp_path / "sam.json"), STAGES[0]])


def test_the_operators_guide_has_a_runbook_row_for_every_alarm() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    names = {
        a["Properties"]["AlarmName"]["Fn::Sub"].removeprefix("haengjeong-${Stage}-")
        for a in resources_of(RESOURCES, "AWS::CloudWatch::Alarm").values()
    }
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", guide, re.M))
    assert names == listed
