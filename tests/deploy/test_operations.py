"""The stack an operator runs: alarms with a runbook line each, on a topic an e-mail subscribes to; log groups
that expire; tracing; API throttling and reserved concurrency as parameters; and cfn-lint clean.

Checked on the template `make package` writes (Chalice's, merged with .chalice/resources.json)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib import metrics
from tests.deploy.test_template import FUNCTIONS, RESOURCES, STAGES, merged, resources_of

# Every alarm the issue asks for: (logical id, namespace, metric, threshold). The note lists the same.
ALARMS = {
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
    if "Metrics" in props:
        return {(m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
                for m in props["Metrics"] if "MetricStat" in m}
    return {(props["Namespace"], props["MetricName"])}


@pytest.mark.parametrize("stage", STAGES)
def test_each_alarm_watches_what_it_says_and_tells_the_topic(stage: str) -> None:
    template = merged(stage)
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == set(ALARMS)
    (topic_id, _), = resources_of(template, "AWS::SNS::Topic").items()
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
    assert alarms["ChatSlowAlarm"]["Properties"]["ExtendedStatistic"] == "p99"


@pytest.mark.parametrize("stage", STAGES)
def test_lambda_alarms_cover_every_function(stage: str) -> None:
    template = merged(stage)
    functions = set(resources_of(template, "AWS::Serverless::Function"))
    watched = {a["Properties"]["Dimensions"][0]["Value"]["Ref"]
               for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
               if a["Properties"].get("MetricName") == "Errors"}
    assert watched == functions
    tables = set(resources_of(template, "AWS::DynamoDB::Table"))
    throttles = RESOURCES["Resources"]["DynamoThrottlesAlarm"]["Properties"]["Metrics"]
    assert {m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"] for m in throttles if "MetricStat" in m} == tables


def test_the_alarm_e_mail_is_a_parameter_and_optional() -> None:
    assert RESOURCES["Parameters"]["AlarmEmail"]["Default"] == ""
    (sub,) = resources_of(RESOURCES, "AWS::SNS::Subscription").values()
    assert sub["Condition"] == "HasAlarmEmail" and sub["Properties"]["Protocol"] == "email"
    assert sub["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


@pytest.mark.parametrize("stage, days", [("dev", 14), ("prod", 90)])
def test_every_function_logs_to_a_group_that_expires(stage: str, days: int) -> None:
    template = merged(stage)
    groups = resources_of(template, "AWS::Logs::LogGroup").values()
    named = {g["Properties"]["LogGroupName"]["Fn::Sub"] for g in groups}
    assert named == {"/aws/lambda/${%s}" % fid for fid in resources_of(template, "AWS::Serverless::Function")}
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
    from chalicelib import backup

    template = merged(stage)
    (bucket,) = resources_of(template, "AWS::S3::Bucket").values()
    (rule,) = [r for r in bucket["Properties"]["LifecycleConfiguration"]["Rules"] if r.get("Prefix") == backup.PREFIX]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "BackupRetentionDays"}
    assert template["Parameters"]["BackupRetentionDays"]["Default"] == backup.BACKUP_DAYS
    function = template["Resources"]["BackupTables"]["Properties"]
    (event,) = function["Events"].values()
    assert event["Type"] == "Schedule" and event["Properties"]["Schedule"] == "cron(0 18 * * ? *)"  # 03:00 KST
    assert function["Timeout"] >= 300
