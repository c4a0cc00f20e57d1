"""What a request is, in AWS terms: service, operation, account, region and parameters.

Every request is described once, before anything else happens, so recording, hooks,
fault matching and the SageMaker extension all agree on who called what where.
The account is resolved exactly the way moto resolves it (MOTO_ACCOUNT_ID, then the
`x-moto-account-id` header, then the access key, which STS AssumeRole maps to the
role's account), so a recorded call names the account whose state it touched.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from sagewarden_demo.emulator.replies import Protocol
from sagewarden_demo.emulator.wsgi import Environ

# Credential=AKID/20240101/us-east-1/sagemaker/aws4_request
_SCOPE = re.compile(r"Credential=[^/\s,]+/[^/\s,]+/(?P<region>[^/\s,]+)/(?P<service>[^/\s,]+)/")
_DEFAULT_REGION = "us-east-1"  # what moto assumes for an unsigned request
_DEFAULT_ACCESS_KEY = "AKIAEXAMPLE"  # what moto assumes when it finds no key
# moto's BaseResponse.access_key_regex: a 20-character key in the Authorization header
_ACCESS_KEY = re.compile(r"AWS.*(?P<access_key>(?<![A-Z0-9])[A-Z0-9]{20}(?![A-Z0-9]))[:/]")


@dataclass(frozen=True)
class Call:
    """One request as the emulator received it."""

    service: str
    operation: str
    account: str
    region: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Incoming:
    """A request, read once: its description plus what is needed to answer it."""

    call: Call
    protocol: Protocol
    target: str  # X-Amz-Target, "" for other protocols
    body: bytes


def describe(environ: Environ, body: bytes) -> Incoming:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = _SCOPE.search(auth)
    service = scope.group("service") if scope else ""
    region = scope.group("region") if scope else _DEFAULT_REGION
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    query = _flatten(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True))

    params: dict[str, Any]
    if target:
        params = _json_params(body)
        operation = target.rsplit(".", 1)[-1]
        protocol: Protocol = "json"
    else:
        params = dict(query)
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            params.update(_flatten(form))
        action = params.get("Action")
        operation = action if isinstance(action, str) else ""
        if service == "ec2":
            protocol = "ec2"
        elif operation:
            protocol = "query"
        else:
            protocol = "rest"
            operation = rest_operation(
                service,
                environ.get("REQUEST_METHOD", ""),
                environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
            )
            if body[:1] == b"{":
                params.update(_json_params(body))

    account = _account(environ, auth, query)
    return Incoming(Call(service, operation, account, region, params), protocol, target, body)


@functools.cache
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], frozenset[str], str], ...]:
    """(method, path pattern, required query keys, operation) from botocore's model, for
    REST protocols (S3's ListObjectsV2 is `GET /{Bucket}?list-type=2`)."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri, _, query = http.get("requestUri", "/").partition("?")
        pattern = re.escape(uri)
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", pattern)  # {Key+}: greedy, with slashes
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        keys = frozenset(k.split("=", 1)[0] for k in query.split("&") if k)
        routes.append((http.get("method", "POST"), re.compile(pattern + "/?$"), keys, name))
    # Routes needing query keys first, then literal routes before templated ones:
    # /findings/import before /findings/{Id}.
    routes.sort(key=lambda r: (-len(r[2]), r[1].pattern.count("[^/]+") + r[1].pattern.count(".+")))
    return tuple(routes)


def rest_operation(service: str, method: str, path: str, query: str = "") -> str:
    present = {k.split("=", 1)[0] for k in query.split("&") if k}
    for route_method, pattern, keys, name in _rest_routes(service):
        if route_method == method and keys <= present and pattern.match(path):
            return name
    return ""


def _json_params(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        decoded = json.loads(body)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _flatten(values: dict[str, list[str]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in values.items()}


def _account(environ: Environ, auth: str, query: dict[str, Any]) -> str:
    """The account moto will use for this request (same precedence as moto's BaseResponse)."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return str(header)
    from moto.iam.models import get_account_id_from

    match = _ACCESS_KEY.search(auth)
    if match:
        access_key = match.group("access_key")
    else:
        from_query = query.get("AWSAccessKeyId")
        access_key = from_query if isinstance(from_query, str) else _DEFAULT_ACCESS_KEY
    return get_account_id_from(access_key)
