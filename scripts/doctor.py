"""What a working channel needs from a deployed stage, checked one by one: ``make doctor STAGE=prod``.

Each line is ✓ (in place), ✗ (missing or wrong: the line says what to do) or · (optional, or could not be
checked from here). It reads only: nothing is created, changed or printed that is secret. It exits 1 when
anything is ✗.

Checked against AWS with the operator's credentials: the stack and its URL, the skill secret in SSM, the five
tables (and point-in-time recovery), the export and backup buckets, the job queue and its dead-letter queue
(empty?), the alarm topic (one CloudWatch can publish to) and a confirmed subscription, every alarm (and which
fire now), API Gateway's logging role, the Event API settings (bot id, event name, REST API key) and the
account's Lambda concurrency. What only Kakao's consoles know (the skill's URL and header, the blocks, the
wallet, the business verification) is listed at the end to check by hand (docs/kakao-setup.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from scripts import local, target

TABLES = ("users", "surveys", "answers", "audit", "roster")
MIN_CONCURRENCY = 100  # below this, a rush is throttled by Lambda (new accounts may have 10)


class Finding(NamedTuple):
    ok: bool | None  # True ✓, False ✗, None · (optional, or not checkable here)
    what: str
    fix: str = ""

    def line(self) -> str:
        mark = {True: "✓", False: "✗", None: "·"}[self.ok]
        return f"{mark} {self.what}" + (f" — {self.fix}" if self.fix else "")


def expected_alarms() -> int:
    resources = json.loads((local.ROOT / ".chalice" / "resources.json").read_text(encoding="utf-8"))
    return sum(1 for r in resources["Resources"].values() if r.get("Type") == "AWS::CloudWatch::Alarm")


class Doctor:
    """The checks of one deployed stage, through clients made by ``client(service)``."""

    def __init__(
        self,
        stage: str,
        region: str,
        account: str,
        env: dict[str, str],
        client: Callable[[str], Any],
        wire: Callable[[], Any] | None = None,
    ) -> None:
        self.stage, self.region, self.account, self.env, self.client = stage, region, account, env, client
        self.wire = wire  # the store's own DynamoDB client (chalicelib.storage.wire), made on use; None: not checked
        self.stack = f"haengjeong-{stage}"
        self.endpoint = ""

    def run(self) -> list[Finding]:
        found: list[Finding] = []
        for check in (
            self.stack_deployed,
            self.secret,
            self.privacy_key,
            self.tables,
            self.own_client,
            self.buckets,
            self.queues,
            self.alarm_topic,
            self.alarms,
            self.api_logging,
            self.event_api,
            self.concurrency,
        ):
            try:
                found += list(check())
            except Exception as e:  # one check that cannot run does not hide the others
                found.append(
                    Finding(
                        False,
                        f"{check.__name__}: could not check ({type(e).__name__})",
                        "check the credentials' permissions and the region",
                    )
                )
        return found

    @staticmethod
    def _code(e: Exception) -> str:
        return str(getattr(e, "response", {}).get("Error", {}).get("Code", type(e).__name__))

    def stack_deployed(self) -> Iterator[Finding]:
        try:
            (stack,) = self.client("cloudformation").describe_stacks(StackName=self.stack)["Stacks"]
        except Exception as e:
            if "does not exist" in str(e) or self._code(e) == "ValidationError":
                yield Finding(False, f"stack {self.stack} is not deployed", f"make deploy STAGE={self.stage}")
                return
            raise
        status = stack["StackStatus"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        self.endpoint = outputs.get("EndpointURL", "")
        good = status.endswith("_COMPLETE") and "ROLLBACK" not in status and "DELETE" not in status
        yield Finding(good, f"stack {self.stack}: {status}", "" if good else "see its events in the console")
        if self.endpoint:
            yield Finding(True, f"skill URL: {self.endpoint}skill")

    def secret(self) -> Iterator[Finding]:
        name = self.env.get("HJ_SKILL_SECRET_PARAM", "")
        ssm = self.client("ssm")
        try:
            found = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        except Exception as e:
            if self._code(e) == "ParameterNotFound":
                yield Finding(False, f"skill secret {name} is missing", f"make rotate-secret STAGE={self.stage}")
                return
            raise
        if found.get("Type") != "SecureString":
            yield Finding(False, f"skill secret {name} is a {found.get('Type')}", "store it again as a SecureString")
            return
        lines = [line for line in str(found.get("Value", "")).splitlines() if line.strip()]
        if len(lines) >= 2:
            yield Finding(
                None,
                f"skill secret {name}: a rotation is under way (two values accepted)",
                f"after deploying the new header in Kakao: make rotate-secret STAGE={self.stage} FINISH=1",
            )
        else:
            yield Finding(bool(lines), f"skill secret {name}", "" if lines else "it is empty: make rotate-secret")

    def privacy_key(self) -> Iterator[Finding]:
        """The organisation's privacy key (익명 participation is keyed with it): present, a SecureString, never
        shown."""
        name = self.env.get("HJ_PRIVACY_KEY_PARAM", "")
        try:
            found = self.client("ssm").get_parameter(Name=name, WithDecryption=False)["Parameter"]
        except Exception as e:
            if self._code(e) == "ParameterNotFound":
                yield Finding(
                    False,
                    f"privacy key {name} is missing (익명 surveys cannot be answered)",
                    f"make privacy-key STAGE={self.stage}",
                )
                return
            raise
        secure = found.get("Type") == "SecureString"
        yield Finding(secure, f"privacy key {name}", "" if secure else "it must be a SecureString")

    def tables(self) -> Iterator[Finding]:
        ddb = self.client("dynamodb")
        prefix = self.env.get("HJ_TABLE_PREFIX", self.stack)
        for role in TABLES:
            name = f"{prefix}-{role}"
            try:
                status = ddb.describe_table(TableName=name)["Table"]["TableStatus"]
            except Exception as e:
                if self._code(e) == "ResourceNotFoundException":
                    yield Finding(False, f"table {name} is missing", f"make deploy STAGE={self.stage}")
                    continue
                raise
            pitr = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
            recovering = pitr.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus") == "ENABLED"
            yield Finding(
                status == "ACTIVE" and recovering,
                f"table {name}: {status}" + ("" if recovering else ", point-in-time recovery off"),
                ""
                if recovering
                else f"aws dynamodb update-continuous-backups --table-name {name} "
                "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
            )

    def own_client(self) -> Iterator[Finding]:
        """One read through the store's own DynamoDB client, signed as the bot signs: the check of it against AWS
        itself (the tests hold its signature to botocore's)."""
        if self.wire is None:
            return
        name = f"{self.env.get('HJ_TABLE_PREFIX', self.stack)}-users"
        try:
            self.wire().get_item(TableName=name, Key={"key": {"S": "doctor-probe"}}, ConsistentRead=True)
        except Exception as e:
            if self._code(e) == "ResourceNotFoundException":
                return  # named above, with what to do
            yield Finding(
                False,
                f"the bot's own DynamoDB client cannot read {name} ({self._code(e)})",
                'add "HJ_DYNAMODB_CLIENT": "sdk" to the stage\'s environment_variables in .chalice/config.json and '
                f"make deploy STAGE={self.stage} (docs/operations.md §12)",
            )
            return
        yield Finding(True, f"the bot's own DynamoDB client reads {name}")

    def buckets(self) -> Iterator[Finding]:
        s3 = self.client("s3")
        names = [self.env.get("HJ_EXPORT_BUCKET", "")]
        if self.env.get("HJ_BACKUP_BUCKET"):
            names.append(self.env["HJ_BACKUP_BUCKET"])
        for name in names:
            try:
                s3.head_bucket(Bucket=name)
                yield Finding(True, f"bucket {name}")
            except Exception:
                yield Finding(
                    False, f"bucket {name} is missing or not this account's", f"make deploy STAGE={self.stage}"
                )

    def queues(self) -> Iterator[Finding]:
        sqs = self.client("sqs")
        name = self.env.get("HJ_EXPORT_QUEUE", f"{self.stack}-exports")
        for queue, dead in ((name, False), (f"{name}-dlq", True)):
            try:
                url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
            except Exception:
                yield Finding(False, f"queue {queue} is missing", f"make deploy STAGE={self.stage}")
                continue
            waiting = int(
                sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
                    "Attributes"
                ].get("ApproximateNumberOfMessages", 0)
            )
            if dead and waiting:
                yield Finding(
                    False,
                    f"dead-letter queue {queue} holds {waiting} failed job(s)",
                    "docs/operations.md, alarm dead-letters",
                )
            else:
                yield Finding(True, f"queue {queue}" + (f" ({waiting} waiting)" if waiting else ""))

    def alarm_topic(self) -> Iterator[Finding]:
        sns = self.client("sns")
        arn = f"arn:aws:sns:{self.region}:{self.account}:{self.stack}-alarms"
        try:
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        except Exception:
            yield Finding(False, f"alarm topic {self.stack}-alarms is missing", f"make deploy STAGE={self.stage}")
            return
        key = attributes.get("KmsMasterKeyId", "")
        if key.startswith("alias/aws/") or ":alias/aws/" in key:
            yield Finding(
                False,
                f"alarm topic is encrypted with {key}: CloudWatch cannot publish to it",
                "deploy this version (its topic is not encrypted with the AWS managed key)",
            )
        else:
            yield Finding(True, "alarm topic CloudWatch can publish to")
        subs = sns.list_subscriptions_by_topic(TopicArn=arn).get("Subscriptions", [])
        confirmed = [s for s in subs if s.get("SubscriptionArn", "").startswith("arn:")]
        pending = [s for s in subs if s.get("SubscriptionArn") == "PendingConfirmation"]
        if confirmed:
            yield Finding(True, f"alarm subscription confirmed ({', '.join(s['Endpoint'] for s in confirmed)})")
        elif pending:
            yield Finding(
                False,
                f"alarm subscription not confirmed ({', '.join(s['Endpoint'] for s in pending)})",
                "click the link in AWS's e-mail, or no alarm reaches anyone",
            )
        else:
            yield Finding(
                False,
                "nobody subscribes to the alarms",
                f"make deploy STAGE={self.stage} ALARM_EMAIL=you@example.org, then confirm the e-mail",
            )

    def alarms(self) -> Iterator[Finding]:
        cw = self.client("cloudwatch")
        alarms: list[dict[str, Any]] = []
        for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{self.stack}-"):
            alarms += page.get("MetricAlarms", [])
        wanted = expected_alarms()
        yield Finding(
            len(alarms) >= wanted,
            f"{len(alarms)} of {wanted} alarms",
            "" if len(alarms) >= wanted else f"make deploy STAGE={self.stage}",
        )
        firing = sorted(a["AlarmName"] for a in alarms if a.get("StateValue") == "ALARM")
        if firing:
            yield Finding(False, f"firing now: {', '.join(firing)}", "docs/operations.md, Alarms")

    def api_logging(self) -> Iterator[Finding]:
        role = self.client("apigateway").get_account().get("cloudwatchRoleArn", "")
        yield Finding(
            bool(role),
            "API Gateway may write the access log"
            if role
            else "API Gateway has no logging role in this account and region",
            "" if role else f"make deploy STAGE={self.stage} (the stack sets it)",
        )

    def event_api(self) -> Iterator[Finding]:
        bot, event, param = (
            self.env.get("HJ_BOT_ID", ""),
            self.env.get("HJ_EVENT_NAME", ""),
            self.env.get("HJ_EVENT_API_KEY_PARAM", ""),
        )
        key = False
        if param:
            try:
                key = self.client("ssm").get_parameter(Name=param, WithDecryption=False)["Parameter"]["Type"] == (
                    "SecureString"
                )
            except Exception as e:
                if self._code(e) != "ParameterNotFound":
                    raise
        if not bot and not event and not key:
            yield Finding(
                None,
                "reminders (알림) are off: no bot id, event name or REST API key",
                "optional; docs/kakao-setup.md, step 7",
            )
            return
        missing = [
            what
            for what, there in (
                ("HJ_BOT_ID in .chalice/config.json", bool(bot)),
                ("HJ_EVENT_NAME in .chalice/config.json", bool(event)),
                (f"the REST API key in SSM {param}", key),
            )
            if not there
        ]
        yield Finding(
            not missing,
            "Event API settings complete" if not missing else f"Event API settings incomplete: {', '.join(missing)}",
            "" if not missing else "docs/kakao-setup.md, step 7; then make deploy",
        )

    def concurrency(self) -> Iterator[Finding]:
        try:
            limit = int(self.client("lambda").get_account_settings()["AccountLimit"]["ConcurrentExecutions"])
        except Exception:
            yield Finding(None, "Lambda's concurrency quota could not be read here")
            return
        yield Finding(
            limit >= MIN_CONCURRENCY,
            f"Lambda concurrency quota: {limit}",
            ""
            if limit >= MIN_CONCURRENCY
            else "ask for more (Service Quotas → Lambda → Concurrent executions): a rush would be throttled",
        )


BY_HAND = """Checked by hand in Kakao's consoles (docs/kakao-setup.md):
  · 챗봇 관리자센터 → 스킬: URL {url}, header X-Skill-Secret = the value make rotate-secret printed
  · the fallback block answers with that skill (스킬데이터 사용), and the bot is deployed (배포)
  · reminders: an event block named as HJ_EVENT_NAME answering with the skill; the wallet connected and funded;
    the channel and the Kakao Developers app business-verified and linked through Kakao Sync
  · big downloads by callback: AI 챗봇 approved, Callback on for the fallback block"""


def main(
    argv: list[str] | None = None, client: Callable[[str], Any] | None = None, wire: Callable[[], Any] | None = None
) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.doctor", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--stage", required=True, help="the deployed stage to check")
    p.add_argument("--region", default=target.REGION)
    args = p.parse_args(argv)
    try:
        aimed = target.aim(args.stage, region=args.region)
    except target.NoTarget as e:
        return target.fail(e)
    import os

    if client is None:
        import boto3

        def client(service: str) -> Any:
            return boto3.client(service, region_name=args.region)

    if wire is None:

        def wire() -> Any:
            import boto3

            from chalicelib.storage.wire import WireClient

            return WireClient(args.region, boto3.session.Session().get_credentials)

    doctor = Doctor(args.stage, args.region, aimed.account, dict(os.environ), client, wire)
    findings = doctor.run()
    for f in findings:
        print(f.line())
    print(BY_HAND.format(url=f"{doctor.endpoint}skill" if doctor.endpoint else "<EndpointURL>skill"))
    failed = [f for f in findings if f.ok is False]
    print(f"\n{len(failed)} thing(s) to fix." if failed else "\nNothing missing on the AWS side.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
