"""Signature Version 4 for DynamoDB's JSON protocol: the headers of one signed POST to ``/`` (:func:`sign`), as
botocore's ``SigV4Auth`` makes them for the same call (``tests/storage/test_wire.py`` holds the two equal), with the
day's signing key kept instead of derived on every call; and DynamoDB's public endpoint in a region."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SERVICE = "dynamodb"
TARGET = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
USER_AGENT = "haengjeong-wire/1"


def endpoint_for(region: str) -> str:
    """DynamoDB's public endpoint in ``region``."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://{SERVICE}.{region}.{suffix}"


class _Keys:
    """Signing keys by day: the four HMACs that derive one are made once a day, not once a call."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str], bytes] = {}

    def key(self, secret: str, day: str, region: str) -> bytes:
        found = self._cache.get((secret, day, region))
        if found is None:
            found = _hmac(f"AWS4{secret}".encode(), day)
            for part in (region, SERVICE, "aws4_request"):
                found = _hmac(found, part)
            if len(self._cache) > 8:  # a day turns, credentials rotate: keep a handful
                self._cache.clear()
            self._cache[(secret, day, region)] = found
        return found


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


_KEYS = _Keys()


def sign(
    operation: str,
    body: bytes,
    host: str,
    region: str,
    access_key: str,
    secret_key: str,
    token: str | None,
    now: datetime,
) -> dict[str, str]:
    """The headers of one signed request (Signature Version 4 for a JSON POST to ``/``).

    Signed: content-type, host, x-amz-date, x-amz-security-token (with temporary credentials) and x-amz-target,
    the headers botocore signs for the same call.
    """
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    target = TARGET + operation
    headers = {"content-type": CONTENT_TYPE, "host": host, "x-amz-date": stamp}
    if token:
        headers["x-amz-security-token"] = token
    headers["x-amz-target"] = target
    names = ";".join(headers)  # already in sorted order
    canonical = "\n".join(
        (
            "POST",
            "/",
            "",
            "".join(f"{k}:{v}\n" for k, v in headers.items()),
            names,
            hashlib.sha256(body).hexdigest(),
        )
    )
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(_KEYS.key(secret_key, day, region), to_sign.encode(), hashlib.sha256).hexdigest()
    out = {
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-Amz-Date": stamp,
        "X-Amz-Target": target,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={names}, "
        f"Signature={signature}",
        "User-Agent": USER_AGENT,
    }
    if token:
        out["X-Amz-Security-Token"] = token
    return out
