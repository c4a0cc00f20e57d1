"""AWS Config as sagewarden reads it: recorded configuration items, advanced queries,
batch reads, history, discovered resources, aggregators (and how their sources were last
aggregated), and the evaluations rules put.

moto's Config answers none of these for SageMaker types (its `select_resource_config` and
`put_evaluations` are stubs), so the emulator keeps its own recorder: a test or benchmark
records items (`Emulator.config.record(item)`, in the shape Config delivers to S3, as
tests/casekit/render.py writes them) and every reader answers from them, in the API's shape
(checked against botocore's model, like the SageMaker extension). Aggregators are moto's
(`PutConfigurationAggregator`): an aggregate call sees the accounts and Regions its sources
name (an organization source: every account recorded).

Advanced query indexes only some resource types (the awslabs/aws-config-resource-schema
list); `QUERY_INDEXED_TYPES` holds the SageMaker ones it lists, and items of other types are
never returned by a query, as in AWS, while the batch reads, history and discovered-resource
lists hold every type. Deleted items (`ResourceDeleted`) appear only in history and in
discovered-resource lists that ask for deleted resources.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sagewarden_demo.emulator import config_query
from sagewarden_demo.emulator.calls import Incoming
from sagewarden_demo.emulator.replies import ApiError, Reply, error_reply, json_reply
from sagewarden_demo.emulator.validation import (
    OutputMismatch,
    check_output,
    input_errors,
    operation_model,
    prune_empty,
)

TARGET_PREFIX = "StarlingDoveService."
QUERY_INDEXED_TYPES = frozenset(
    {
        "AWS::SageMaker::NotebookInstance",
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Image",
        "AWS::SageMaker::AppImageConfig",
        "AWS::SageMaker::FeatureGroup",
    }
)
# Types Config records (Security Hub's SageMaker.1 is a Config rule over notebook instances)
# that botocore's ResourceType enum does not list yet: accepted and answered as AWS does,
# and checked against the model as if they were a listed type.
RECORDED_UNLISTED = frozenset(
    {
        "AWS::SageMaker::NotebookInstance",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::MonitoringSchedule",
    }
)
_LISTED_STAND_IN = "AWS::SageMaker::Model"
DELETED = ("ResourceDeleted", "ResourceDeletedNotRecorded")
PAGE = 100
CAPTURED = "2026-11-20T06:12:41.379Z"  # the capture time of items made by delivered_item

Item = dict[str, Any]  # a configuration item as Config delivers it to S3
Key = tuple[str, str]  # (resourceType, resourceId)


@dataclass(frozen=True)
class PutEvaluationsCall:
    """One PutEvaluations request as the emulator received it."""

    account: str
    region: str
    result_token: str
    evaluations: list[dict[str, Any]]
    test_mode: bool


@dataclass
class _Scope:
    items: dict[Key, list[Item]] = field(default_factory=dict)  # versions, oldest first


Handler = Callable[["ConfigService", str, str, dict[str, Any]], dict[str, Any]]


class ConfigService:
    """The recorder of every account and Region, and the Config API over it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._scopes: dict[tuple[str, str], _Scope] = {}
        self.evaluations: list[PutEvaluationsCall] = []
        self.query_indexed_types: set[str] = set(QUERY_INDEXED_TYPES)
        # Results of a query or a discovered-resource list, by request (page token aside)
        # and recorder version: each page of 200,000 items is then a slice, not a rescan.
        self._version = 0
        self._results: dict[tuple[Any, ...], list[Any]] = {}
        # How each (account, Region) an aggregator sees was last aggregated: a test sets
        # ("FAILED", error code) or ("OUTDATED", None); anything else is SUCCEEDED.
        self.source_status: dict[tuple[str, str], tuple[str, str | None]] = {}

    # -- what tests and benchmarks use --------------------------------------------------

    def record(self, item: Item) -> None:
        """Record one configuration item (a new version when the resource has one)."""
        account, region = str(item["awsAccountId"]), str(item["awsRegion"])
        key = (str(item["resourceType"]), str(item["resourceId"]))
        with self._lock:
            scope = self._scopes.setdefault((account, region), _Scope())
            scope.items.setdefault(key, []).append(copy.deepcopy(item))
            self._version += 1

    def record_many(self, items: Iterable[Item]) -> None:
        for item in items:
            self.record(item)

    def reset(self) -> None:
        with self._lock:
            self._scopes.clear()
            self.evaluations.clear()
            self.query_indexed_types = set(QUERY_INDEXED_TYPES)
            self.source_status.clear()
            self._version += 1

    def _memo(self, key: tuple[Any, ...], build: Callable[[], list[Any]]) -> list[Any]:
        """`build()`, kept while nothing is recorded (callers hold the lock)."""
        full = (self._version, tuple(sorted(self.query_indexed_types)), *key)
        if full not in self._results:
            if len(self._results) >= 64:
                self._results.clear()
            self._results[full] = build()
        return self._results[full]

    # -- serving ------------------------------------------------------------------------

    def handle(self, incoming: Incoming) -> Reply | None:
        """The reply to a Config call this service answers, else None (moto answers)."""
        call = incoming.call
        if call.service != "config" or not incoming.target.startswith(TARGET_PREFIX):
            return None
        handler = _HANDLERS.get(call.operation)
        operation = operation_model("config", call.operation)
        if handler is None or operation is None:
            return None
        report = input_errors(operation, _as_listed(call.params))
        if report:
            return error_reply("json", "ValidationException", report)
        try:
            with self._lock:
                payload = handler(self, call.account, call.region, copy.deepcopy(call.params))
            payload = prune_empty(payload, operation.output_shape) if operation.output_shape else {}
            check_output(operation, _as_listed(payload))
        except ApiError as error:
            return error_reply("json", error.code, error.message, error.status)
        except OutputMismatch as bug:
            return error_reply("json", "EmulatorOutputMismatch", str(bug), 500)
        return json_reply(payload)

    # -- reading the recorder -------------------------------------------------------------

    def _current(self, scopes: Iterable[tuple[str, str]]) -> Iterable[Item]:
        for where in scopes:
            scope = self._scopes.get(where)
            if scope is not None:
                for versions in scope.items.values():
                    yield versions[-1]

    def _versions(self, account: str, region: str, key: Key) -> list[Item]:
        scope = self._scopes.get((account, region))
        return scope.items.get(key, []) if scope else []

    def _aggregated(self, account: str, region: str, name: str) -> list[tuple[str, str]]:
        """The (account, Region) pairs an aggregator of the caller's sees, in order."""
        from moto.config.models import config_backends

        aggregator = config_backends[account][region].config_aggregators.get(name)
        if aggregator is None:
            raise ApiError(
                "NoSuchConfigurationAggregatorException",
                f"The configuration aggregator does not exist: {name}",
            )
        sources: list[tuple[set[str] | None, set[str] | None]] = []
        for source in aggregator.account_aggregation_sources or []:
            regions = None if source.all_aws_regions else set(source.aws_regions or [])
            sources.append((set(source.account_ids or []), regions))
        org = aggregator.organization_aggregation_source
        if org is not None:
            sources.append((None, None if org.all_aws_regions else set(org.aws_regions or [])))
        return [
            where
            for where in sorted(self._scopes)
            if any(
                (accounts is None or where[0] in accounts)
                and (regions is None or where[1] in regions)
                for accounts, regions in sources
            )
        ]


# -- the operations ---------------------------------------------------------------------


def _select(service: ConfigService, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
    return _query(service, [(account, region)], p, p.get("Limit"))


def _select_aggregate(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    scopes = service._aggregated(account, region, p["ConfigurationAggregatorName"])
    return _query(service, scopes, p, p.get("Limit") or p.get("MaxResults"))


def _query(
    service: ConfigService, scopes: list[tuple[str, str]], p: dict[str, Any], limit: Any
) -> dict[str, Any]:
    expression = str(p["Expression"])
    try:
        query = config_query.parse(expression)
    except config_query.QueryError as exc:
        raise ApiError("InvalidExpressionException", str(exc)) from None
    rows = service._memo(
        ("query", expression, tuple(scopes)),
        lambda: [
            query.project(row)
            for row in (
                query_row(item)
                for item in service._current(scopes)
                if item["resourceType"] in service.query_indexed_types
                and item.get("configurationItemStatus") not in DELETED
            )
            if query.where(row)
        ],
    )
    out = _one_page(
        rows,
        "Results",
        p,
        "NextToken",
        limit,
        expression + repr(scopes),
        convert=lambda r: json.dumps(r, separators=(",", ":")),
    )
    out["QueryInfo"] = {"SelectFields": [{"Name": f} for f in query.fields]}
    return out


def _batch_get(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    found = []
    for key in p["resourceKeys"]:
        versions = service._versions(account, region, (key["resourceType"], key["resourceId"]))
        if versions and versions[-1].get("configurationItemStatus") not in DELETED:
            found.append(base_item(versions[-1]))
    return {"baseConfigurationItems": found}


def _batch_get_aggregate(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    seen = set(service._aggregated(account, region, p["ConfigurationAggregatorName"]))
    found = []
    for ident in p["ResourceIdentifiers"]:
        where = (ident["SourceAccountId"], ident["SourceRegion"])
        if where not in seen:
            continue
        versions = service._versions(*where, (ident["ResourceType"], ident["ResourceId"]))
        if versions and versions[-1].get("configurationItemStatus") not in DELETED:
            found.append(base_item(versions[-1]))
    return {"BaseConfigurationItems": found}


def _history(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    versions = service._versions(account, region, (p["resourceType"], p["resourceId"]))
    if not versions:
        raise ApiError(
            "ResourceNotDiscoveredException",
            f"Resource {p['resourceId']} of resourceType:{p['resourceType']} is unknown or "
            "has not been discovered",
        )
    ordered = versions if p.get("chronologicalOrder") == "Forward" else versions[::-1]
    limit = p.get("limit") or 10
    return _one_page(
        ordered, "configurationItems", p, "nextToken", limit, _fingerprint(p), api_item
    )


def _discovered(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    wanted_ids = set(p.get("resourceIds") or [])
    rows = []
    for item in _latest_of_type(service, [(account, region)], p["resourceType"]):
        deleted = item.get("configurationItemStatus") in DELETED
        if deleted and not p.get("includeDeletedResources"):
            continue
        if wanted_ids and item["resourceId"] not in wanted_ids:
            continue
        if p.get("resourceName") and item.get("resourceName") != p["resourceName"]:
            continue
        row = {"resourceType": item["resourceType"], "resourceId": item["resourceId"]}
        if item.get("resourceName"):
            row["resourceName"] = item["resourceName"]
        if deleted:
            row["resourceDeletionTime"] = _time(item["configurationItemCaptureTime"])
        rows.append(row)
    return _one_page(rows, "resourceIdentifiers", p, "nextToken", p.get("limit"), _fingerprint(p))


def _discovered_aggregate(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    scopes = service._aggregated(account, region, p["ConfigurationAggregatorName"])
    rows = service._memo(
        ("aggregate-discovered", _fingerprint(p), tuple(scopes)),
        lambda: _discovered_rows(service, scopes, p),
    )
    return _aggregate_page(rows, "ResourceIdentifiers", p, scopes)


def _discovered_rows(
    service: ConfigService, scopes: list[tuple[str, str]], p: dict[str, Any]
) -> list[dict[str, Any]]:
    filters = p.get("Filters") or {}
    rows = []
    for item in _latest_of_type(service, scopes, p["ResourceType"]):
        if item.get("configurationItemStatus") in DELETED:
            continue
        checks = (
            ("AccountId", "awsAccountId"),
            ("Region", "awsRegion"),
            ("ResourceId", "resourceId"),
            ("ResourceName", "resourceName"),
        )
        if any(f in filters and str(item.get(k)) != filters[f] for f, k in checks):
            continue
        row = {
            "SourceAccountId": str(item["awsAccountId"]),
            "SourceRegion": item["awsRegion"],
            "ResourceId": item["resourceId"],
            "ResourceType": item["resourceType"],
        }
        if item.get("resourceName"):
            row["ResourceName"] = item["resourceName"]
        rows.append(row)
    return rows


def _sources_status(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    """One status per source account and Region the aggregator sees (SUCCEEDED unless a
    test said otherwise in `source_status`)."""
    scopes = service._aggregated(account, region, p["ConfigurationAggregatorName"])
    wanted = set(p.get("UpdateStatus") or [])
    rows = []
    for where in scopes:
        status, code = service.source_status.get(where, ("SUCCEEDED", None))
        if wanted and status not in wanted:
            continue
        row: dict[str, Any] = {
            "SourceId": where[0],
            "SourceType": "ACCOUNT",
            "AwsRegion": where[1],
            "LastUpdateStatus": status,
            "LastUpdateTime": datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc),
        }
        if code:
            row["LastErrorCode"] = code
            row["LastErrorMessage"] = f"injected: {code}"
        rows.append(row)
    return _aggregate_page(rows, "AggregatedSourceStatusList", p, scopes)


def _put_evaluations(
    service: ConfigService, account: str, region: str, p: dict[str, Any]
) -> dict[str, Any]:
    evaluations = p.get("Evaluations") or []
    for e in evaluations:
        if e.get("ComplianceType") == "INSUFFICIENT_DATA":
            raise ApiError(
                "InvalidParameterValueException",
                "INSUFFICIENT_DATA is not a valid ComplianceType for a custom rule's evaluation",
            )
    service.evaluations.append(
        PutEvaluationsCall(account, region, p["ResultToken"], evaluations, bool(p.get("TestMode")))
    )
    return {"FailedEvaluations": []}


_HANDLERS: dict[str, Handler] = {
    "SelectResourceConfig": _select,
    "SelectAggregateResourceConfig": _select_aggregate,
    "BatchGetResourceConfig": _batch_get,
    "BatchGetAggregateResourceConfig": _batch_get_aggregate,
    "GetResourceConfigHistory": _history,
    "ListDiscoveredResources": _discovered,
    "ListAggregateDiscoveredResources": _discovered_aggregate,
    "PutEvaluations": _put_evaluations,
    "DescribeConfigurationAggregatorSourcesStatus": _sources_status,
}


# -- shapes -------------------------------------------------------------------------------


def delivered_item(
    resource_type: str,
    resource_id: str,
    configuration: dict[str, Any] | None,
    *,
    account: str = "123456789012",
    region: str = "us-east-1",
    tags: dict[str, str] | None = None,
    status: str = "OK",
    captured: str = CAPTURED,
) -> Item:
    """A configuration item as Config delivers it (to S3, and inline in a change
    notification): what `ConfigService.record` takes, made in one place for tests and
    benchmarks. The ARN is the type's own (kinds)."""
    from sagewarden.kinds import kind

    arn_kind = kind(resource_type).arn_kind
    return {
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": captured,
        "configurationItemStatus": status,
        "configurationStateId": 1763618561379,
        "awsAccountId": account,
        "awsRegion": region,
        "resourceType": resource_type,
        "resourceId": resource_id,
        "resourceName": resource_id,
        "ARN": f"arn:aws:sagemaker:{region}:{account}:{arn_kind}/{resource_id}",
        "configuration": configuration,
        "supplementaryConfiguration": {},
        "tags": dict(tags or {}),
        "relationships": [],
        "relatedEvents": [],
    }


def _latest_of_type(
    service: ConfigService, scopes: Iterable[tuple[str, str]], resource_type: str
) -> Iterable[Item]:
    return (i for i in service._current(scopes) if i["resourceType"] == resource_type)


def query_row(item: Item) -> dict[str, Any]:
    """An item as advanced query names its properties (tags a list of key/value/tag)."""
    tags = item.get("tags") or {}
    return {
        "version": item.get("configurationItemVersion"),
        "accountId": str(item["awsAccountId"]),
        "arn": item.get("ARN"),
        "availabilityZone": item.get("availabilityZone"),
        "awsRegion": item["awsRegion"],
        "configuration": item.get("configuration"),
        "configurationItemCaptureTime": item.get("configurationItemCaptureTime"),
        "configurationItemStatus": item.get("configurationItemStatus"),
        "configurationStateId": str(item.get("configurationStateId", "")),
        "resourceCreationTime": item.get("resourceCreationTime"),
        "resourceId": item["resourceId"],
        "resourceName": item.get("resourceName"),
        "resourceType": item["resourceType"],
        "supplementaryConfiguration": item.get("supplementaryConfiguration") or {},
        "relationships": item.get("relationships") or [],
        "tags": [{"key": k, "value": v, "tag": f"{k}={v}"} for k, v in tags.items()],
    }


def base_item(item: Item) -> dict[str, Any]:
    """BaseConfigurationItem: the batch reads' shape (no tags, no relationships)."""
    return _common(item)


def api_item(item: Item) -> dict[str, Any]:
    """ConfigurationItem: GetResourceConfigHistory's shape."""
    out = _common(item)
    out["tags"] = dict(item.get("tags") or {})
    out["relationships"] = list(item.get("relationships") or [])
    out["relatedEvents"] = list(item.get("relatedEvents") or [])
    return out


def _common(item: Item) -> dict[str, Any]:
    configuration = item.get("configuration")
    supplementary = item.get("supplementaryConfiguration") or {}
    out: dict[str, Any] = {
        "version": item.get("configurationItemVersion", "1.3"),
        "accountId": str(item["awsAccountId"]),
        "configurationItemCaptureTime": _time(item.get("configurationItemCaptureTime")),
        "configurationItemStatus": item.get("configurationItemStatus", "OK"),
        "configurationStateId": str(item.get("configurationStateId", "")),
        "arn": item.get("ARN"),
        "resourceType": item["resourceType"],
        "resourceId": item["resourceId"],
        "resourceName": item.get("resourceName"),
        "awsRegion": item["awsRegion"],
        "availabilityZone": item.get("availabilityZone"),
        "resourceCreationTime": _time(item.get("resourceCreationTime")),
        "supplementaryConfiguration": {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in supplementary.items()
        },
    }
    if configuration is not None:  # the API carries the configuration as JSON text
        out["configuration"] = (
            configuration if isinstance(configuration, str) else json.dumps(configuration)
        )
    return out


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _as_listed(value: Any) -> Any:
    """A copy for the model's checks, with RECORDED_UNLISTED types as a listed one."""
    if isinstance(value, dict):
        return {k: _as_listed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_listed(v) for v in value]
    return _LISTED_STAND_IN if value in RECORDED_UNLISTED else value


def _fingerprint(p: dict[str, Any]) -> str:
    """A request's parameters without its page token: what a token is valid for."""
    return repr(sorted((k, repr(v)) for k, v in p.items() if k not in ("NextToken", "nextToken")))


def _one_page(
    rows: Sequence[Any],
    key: str,
    p: dict[str, Any],
    token_name: str,
    limit: Any,
    fingerprint: str,
    convert: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """The answer holding the page of `rows` that request `p` asks for under `key` (each
    `convert`ed), and the next token under the request's own name for it."""
    start, end, following = _page(p.get(token_name), len(rows), limit, fingerprint)
    page = rows[start:end]
    out: dict[str, Any] = {key: [convert(r) for r in page] if convert else list(page)}
    if following:
        out[token_name] = following
    return out


def _aggregate_page(
    rows: Sequence[Any], key: str, p: dict[str, Any], scopes: list[tuple[str, str]]
) -> dict[str, Any]:
    """One page of an aggregator's answer (its token names the aggregator's scopes too)."""
    return _one_page(rows, key, p, "NextToken", p.get("Limit"), _fingerprint(p) + repr(scopes))


def _page(token: Any, total: int, limit: Any, fingerprint: str) -> tuple[int, int, str | None]:
    """(start, end, next token) of one page; a token from another request is refused."""
    size = int(limit) if isinstance(limit, int) and limit > 0 else PAGE
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    start = 0
    if token:
        invalid = ApiError("InvalidNextTokenException", "The nextToken provided is invalid")
        try:
            offset, signed = json.loads(base64.urlsafe_b64decode(str(token)).decode())
            start = int(offset)
        except (ValueError, TypeError):
            raise invalid from None
        if signed != digest:
            raise invalid
    end = min(start + size, total)
    if end >= total:
        return start, end, None
    return start, end, base64.urlsafe_b64encode(json.dumps([end, digest]).encode()).decode()
