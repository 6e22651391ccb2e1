"""행정이 skill endpoint: routes only (the wiring is chalicelib.runtime, the conversation chalicelib.domain)."""

import json
from typing import Any, cast

from chalice.app import Chalice, Cron, Rate, Request, Response, SQSEvent

from chalicelib import runtime
from chalicelib.platform.config import settings
from chalicelib.platform.logsafe import configure_logging

app = Chalice(app_name="haengjeong", configure_logs=False)  # the "haengjeong" logger writes JSON lines (logsafe)
logger = configure_logging("haengjeong", service="haengjeong")


@app.route("/skill", methods=["POST"], content_types=["application/json", "text/plain"])
def skill() -> Response:
    req = cast(Request, app.current_request)  # Chalice sets it before it calls a route
    lambda_context = getattr(app, "lambda_context", None)  # None under `chalice local` and the WSGI server
    status, body = runtime.handle_skill(
        req.headers,
        req.raw_body,
        request_id=str(getattr(lambda_context, "aws_request_id", "") or ""),
        api_request_id=str((req.context or {}).get("requestId") or ""),
    )
    # Serialised here as UTF-8: Chalice would \u-escape Korean (6 bytes a syllable instead of 3), so the
    # body Kakao receives would be up to twice the 30 KB that render() measured.
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(body=text, status_code=status, headers={"Content-Type": "application/json; charset=utf-8"})


@app.route("/health", methods=["GET"])
def health() -> dict[str, bool]:
    return {"ok": True}


@app.schedule(
    Rate(1, unit=Rate.MINUTES)
)  # opens what is due, closes what expired, reminds, deletes what is kept no longer
def every_minute(event: object) -> None:
    closed = runtime.every_minute()
    logger.info("minute job", extra={"closed": len(closed)})


@app.schedule(Cron(0, 18, "*", "*", "?", "*"))  # 03:00 KST
def backup_tables(event: object) -> None:
    manifest = runtime.backup_tables()
    logger.info("backup", extra={"prefix": manifest["prefix"], "items": manifest["items"]})


@app.lambda_function(name="import_roster")
def import_roster(event: dict[str, Any], context: object) -> dict[str, int]:
    """The export bucket calls this for each file put under exports/uploads/ (명단 올리기)."""
    told = runtime.import_uploads(event)
    logger.info("roster upload", extra={"told": told})
    return {"told": told}


@app.on_sqs_message(queue=settings().export_queue, batch_size=1)
def build_export(event: SQSEvent) -> None:
    for record in event:
        runtime.run_export_task(record.body)
