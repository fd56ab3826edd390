"""HTTP request → API Gateway v2 (HTTP API) proxy event, and the function's answer → HTTP response."""

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from localcloud.template import ACCOUNT_ID

_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: bytes


def build_event(
    *,
    method: str,
    path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    route_key: str,
    path_parameters: dict[str, str],
    claims: dict[str, str] | None,
    scopes: list[str] | None,
    source_ip: str,
) -> dict[str, Any]:
    lowered = {key.lower(): value for key, value in headers.items()}
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    content_type = lowered.get("content-type", "")
    as_text = not body or content_type.startswith(_TEXT_TYPES)
    if as_text:
        try:
            body_text: str | None = body.decode("utf-8") if body else None
            encoded = False
        except UnicodeDecodeError:
            as_text = False
    if not as_text:
        body_text, encoded = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": lowered.get("host", "localhost"),
            "domainPrefix": lowered.get("host", "localhost").split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = {key: ",".join(values) for key, values in query.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body_text is not None:
        event["body"] = body_text
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes}}
    return event


def to_answer(result: Any) -> HttpAnswer:
    """Payload format 2.0: a dict with statusCode is used as is; anything else is a 200 JSON body."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpAnswer(200, {"content-type": "application/json"}, [], json.dumps(result).encode())
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    headers = {key.lower(): str(value) for key, value in (result.get("headers") or {}).items()}
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers[key.lower()] = ", ".join(str(v) for v in values)
    return HttpAnswer(int(result["statusCode"]), headers, list(result.get("cookies") or []), raw)
