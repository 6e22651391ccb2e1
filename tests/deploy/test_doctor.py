"""make doctor STAGE=… against moto: a stage made as the stack makes it passes; each thing a working channel needs,
taken away, is named with what to do, and the command exits 1."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from chalicelib.storage.binding import DynamoConfig
from chalicelib.storage.dynamo import DynamoStore
from chalicelib.storage.dynamo_setup import create_tables
from scripts import doctor, target
from tests.deploy.test_template import RESOURCES, resources_of

REGION = "ap-northeast-2"
ACCOUNT = "123456789012"  # moto's
STAGE = "dev"


@pytest.fixture
def aws() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "HJ_DYNAMODB_ENDPOINT"):
        os.environ.pop(var, None)
    try:
        with mock_aws():
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def c(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def deploy_like_the_stack(subscribe: bool = True) -> None:
    """What `make deploy STAGE=dev` leaves in an account, in moto."""
    env = {k: v.replace("${AWS::AccountId}", ACCOUNT) for k, v in target.stages()[STAGE].items()}
    prefix = env["HJ_TABLE_PREFIX"]
    create_tables(DynamoStore(DynamoConfig.for_prefix(prefix, REGION, credentials=("testing", "testing"), sdk=True)))
    for role in doctor.TABLES:
        c("dynamodb").update_continuous_backups(
            TableName=f"{prefix}-{role}", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    for bucket in (env["HJ_EXPORT_BUCKET"], env.get("HJ_BACKUP_BUCKET")):
        if bucket:
            c("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    c("sqs").create_queue(QueueName=env["HJ_EXPORT_QUEUE"])
    c("sqs").create_queue(QueueName=env["HJ_EXPORT_QUEUE"] + "-dlq")
    topic = c("sns").create_topic(Name=f"haengjeong-{STAGE}-alarms")["TopicArn"]
    if subscribe:
        c("sns").subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.org")
    for alarm in resources_of(RESOURCES, "AWS::CloudWatch::Alarm").values():
        name = alarm["Properties"]["AlarmName"]["Fn::Sub"].replace("${Stage}", STAGE)
        c("cloudwatch").put_metric_alarm(
            AlarmName=name,
            MetricName="Errors",
            Namespace="AWS/Lambda",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
            Statistic="Sum",
            AlarmActions=[topic],
        )
    c("ssm").put_parameter(Name=env["HJ_SKILL_SECRET_PARAM"], Value="s3cret", Type="SecureString")
    c("ssm").put_parameter(Name=env["HJ_PRIVACY_KEY_PARAM"], Value="k" * 64, Type="SecureString")
    c("cloudformation").create_stack(
        StackName=f"haengjeong-{STAGE}",
        TemplateBody=json.dumps(
            {
                "Resources": {"Nothing": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"EndpointURL": {"Value": "https://abc123.execute-api.ap-northeast-2.amazonaws.com/api/"}},
            }
        ),
    )
    c("apigateway").update_account(
        patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": f"arn:aws:iam::{ACCOUNT}:role/apigw-logs"}
        ]
    )


def run(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = doctor.main(["--stage", STAGE, "--region", REGION], wire=lambda: c("dynamodb"))  # moto fakes botocore only
    return code, capsys.readouterr().out


def test_a_stage_deployed_whole_passes_and_names_what_to_check_in_kakao(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    deploy_like_the_stack()
    code, out = run(capsys)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == f"→ deployed stage {STAGE}: account {ACCOUNT}, {REGION}, tables haengjeong-{STAGE}-*"
    assert not [line for line in lines if line.startswith("✗")]
    assert f"✓ {doctor.expected_alarms()} of {doctor.expected_alarms()} alarms" in lines
    assert "✓ alarm subscription confirmed (ops@example.org)" in lines
    assert "✓ skill URL: https://abc123.execute-api.ap-northeast-2.amazonaws.com/api/skill" in lines
    assert any(line.startswith("· reminders (알림) are off") for line in lines)
    assert "https://abc123.execute-api.ap-northeast-2.amazonaws.com/api/skill, header X-Skill-Secret" in out
    assert "s3cret" not in out


def test_each_missing_piece_is_named_with_what_to_do(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    deploy_like_the_stack(subscribe=False)
    env = {k: v.replace("${AWS::AccountId}", ACCOUNT) for k, v in target.stages()[STAGE].items()}
    c("ssm").delete_parameter(Name=env["HJ_SKILL_SECRET_PARAM"])
    c("ssm").delete_parameter(Name=env["HJ_PRIVACY_KEY_PARAM"])
    c("dynamodb").update_continuous_backups(
        TableName=f"haengjeong-{STAGE}-answers", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:haengjeong-{STAGE}-alarms"
    c("sns").set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns")
    dead = c("sqs").get_queue_url(QueueName=env["HJ_EXPORT_QUEUE"] + "-dlq")["QueueUrl"]
    c("sqs").send_message(QueueUrl=dead, MessageBody="{}")
    c("ssm").put_parameter(Name=env["HJ_EVENT_API_KEY_PARAM"], Value="kakao-key", Type="SecureString")
    code, out = run(capsys)
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("✗")]
    assert failed == [
        f"✗ skill secret /haengjeong/{STAGE}/skill-secret is missing — make rotate-secret STAGE={STAGE}",
        f"✗ privacy key /haengjeong/{STAGE}/privacy-key is missing (익명 surveys cannot be answered) — "
        f"make privacy-key STAGE={STAGE}",
        f"✗ table haengjeong-{STAGE}-answers: ACTIVE, point-in-time recovery off — aws dynamodb "
        f"update-continuous-backups --table-name haengjeong-{STAGE}-answers "
        "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
        f"✗ dead-letter queue haengjeong-{STAGE}-exports-dlq holds 1 failed job(s) — docs/operations.md, "
        "alarm dead-letters",
        "✗ alarm topic is encrypted with alias/aws/sns: CloudWatch cannot publish to it — deploy this version "
        "(its topic is not encrypted with the AWS managed key)",
        f"✗ nobody subscribes to the alarms — make deploy STAGE={STAGE} ALARM_EMAIL=you@example.org, then confirm "
        "the e-mail",
        "✗ Event API settings incomplete: HJ_BOT_ID in .chalice/config.json, HJ_EVENT_NAME in .chalice/config.json "
        "— docs/kakao-setup.md, step 7; then make deploy",
    ]
    assert "kakao-key" not in out


def test_a_subscription_not_confirmed_yet_is_named(aws: None) -> None:
    class Pending:
        def __getattr__(self, name: str) -> Any:
            return getattr(c("sns"), name)

        def list_subscriptions_by_topic(self, TopicArn: str) -> dict[str, Any]:
            return {"Subscriptions": [{"SubscriptionArn": "PendingConfirmation", "Endpoint": "ops@example.org"}]}

    deploy_like_the_stack()
    d = doctor.Doctor(STAGE, REGION, ACCOUNT, {}, lambda s: Pending() if s == "sns" else c(s))
    lines = [f.line() for f in d.alarm_topic()]
    assert lines[-1] == (
        "✗ alarm subscription not confirmed (ops@example.org) — click the link in AWS's e-mail, "
        "or no alarm reaches anyone"
    )


def test_no_stage_no_doctor(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert doctor.main(["--stage", "nope"]) == 2
    assert "no stage 'nope'" in capsys.readouterr().err


def test_a_store_client_that_aws_refuses_is_named_with_the_way_back(aws: None) -> None:
    class Refused:
        def get_item(self, **params: Any) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "InvalidSignatureException", "Message": "no"}}, "GetItem")

    deploy_like_the_stack()
    env = {k: v.replace("${AWS::AccountId}", ACCOUNT) for k, v in target.stages()[STAGE].items()}
    assert [f.line() for f in doctor.Doctor(STAGE, REGION, ACCOUNT, env, c, lambda: c("dynamodb")).own_client()] == [
        f"✓ the bot's own DynamoDB client reads haengjeong-{STAGE}-users"
    ]
    (finding,) = doctor.Doctor(STAGE, REGION, ACCOUNT, env, c, Refused).own_client()
    assert finding.ok is False and "(InvalidSignatureException)" in finding.what
    assert '"HJ_DYNAMODB_CLIENT": "sdk"' in finding.fix and f"make deploy STAGE={STAGE}" in finding.fix
    assert not list(doctor.Doctor(STAGE, REGION, ACCOUNT, env, c).own_client())  # not asked: not checked
