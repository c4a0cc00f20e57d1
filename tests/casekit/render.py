"""A case as each file source holds it: a Config item, a template, a Terraform plan.

Each rendering is the shape the real producer writes (an AWS Config snapshot delivered to
S3, a CloudFormation template, `terraform show -json` of a plan), built from the case's
canonical resource by inverting sagewarden's own tables (terraform_map for Terraform names
and blocks), never by a second copy of them. Values known only at deploy (DeployTime) are
a parameter without a value in a template and an `after_unknown` leaf in a plan; AWS data
holds their concrete value.
"""

from __future__ import annotations

import re
from typing import Any

from botocore import xform_name

from sagewarden.kinds import name_property
from sagewarden.sources.aws.readpath import READ_PATHS
from sagewarden.sources.terraform.mapping import AWS_TYPES, AWSCC_TYPES, TypeMap
from tests.casekit.model import AWSCC, TERRAFORM, Case, DeployTime, Resource

ACCOUNT = "123456789012"  # the emulator's default account, so every source agrees
REGION = "us-east-1"
CAPTURED = "2026-11-20T06:12:41.379Z"


def concrete(value: Any) -> Any:
    """The value as AWS holds it: deploy-time values resolved, nulls kept."""
    if isinstance(value, DeployTime):
        return concrete(value.value)
    if isinstance(value, dict):
        return {k: concrete(v) for k, v in value.items()}
    if isinstance(value, list):
        return [concrete(v) for v in value]
    return value


def arn(r: Resource) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{READ_PATHS[r.type].arn_kind}/{r.name}"


def resources(case: Case) -> list[Resource]:
    """The judged resource after the ones it needs (a live create needs them first)."""
    return [*case.related, case.resource]


# -- AWS Config ---------------------------------------------------------------------------


def config_snapshot(case: Case) -> dict[str, Any]:
    """A configuration snapshot as Config delivers it to S3: configuration an object in
    CloudFormation names, tags a top-level map."""
    return {
        "fileVersion": "1.0",
        "configSnapshotId": "00000000-0000-4000-8000-000000000000",
        "configurationItems": [_config_item(r) for r in resources(case)],
    }


def _config_item(r: Resource) -> dict[str, Any]:
    return {
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": CAPTURED,
        "configurationItemStatus": "OK",
        "configurationStateId": 1763618561379,
        "awsAccountId": ACCOUNT,
        "awsRegion": REGION,
        "resourceType": r.type,
        "resourceId": r.name,
        "resourceName": r.name,
        "ARN": arn(r),
        "configuration": concrete(r.properties),
        "supplementaryConfiguration": {},
        "tags": dict(r.tags),
        "relationships": [],
        "relatedEvents": [],
    }


# -- CloudFormation -----------------------------------------------------------------------


def cfn_template(case: Case) -> dict[str, Any]:
    """A template with each resource under a logical id; a deploy-time value is a
    parameter without a default, so its value is known only at deploy."""
    parameters: dict[str, Any] = {}

    def value(v: Any) -> Any:
        if isinstance(v, DeployTime):
            name = f"DeployTime{len(parameters) + 1}"
            parameters[name] = {"Type": "String"}
            return {"Ref": name}
        if isinstance(v, dict):
            return {k: value(x) for k, x in v.items()}
        if isinstance(v, list):
            return [value(x) for x in v]
        return v

    out: dict[str, Any] = {}
    for r in resources(case):
        props = value(r.properties)
        if r.tags:
            props["Tags"] = [{"Key": k, "Value": v} for k, v in r.tags.items()]
        out[logical_id(r)] = {"Type": r.type, "Properties": props}
    doc: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if parameters:
        doc["Parameters"] = parameters
    doc["Resources"] = out
    return doc


def logical_id(r: Resource) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", r.name) if w)


# -- Terraform ----------------------------------------------------------------------------

PROVIDERS = {TERRAFORM: AWS_TYPES, AWSCC: AWSCC_TYPES}
_PROVIDER_NAME = {TERRAFORM: "aws", AWSCC: "awscc"}


class _Unknown:
    """An after_unknown leaf while a plan entry is built."""


UNKNOWN = _Unknown()


def terraform_type(cfn_type: str, source: str) -> str | None:
    """The provider's resource type for a CloudFormation type, if it has one."""
    for tf_type, tmap in PROVIDERS[source].items():
        if tmap.cfn_type == cfn_type:
            return tf_type
    return None


def terraform_plan(case: Case, source: str) -> dict[str, Any]:
    """`terraform show -json` of a plan that creates the case's resources with one provider.

    A related resource the provider does not have comes from the other provider of the
    same plan (configurations mix aws and awscc), so a reference can still be followed.
    """
    changes: list[dict[str, Any]] = []
    planned: list[dict[str, Any]] = []
    for r in resources(case):
        used = source
        tf_type = terraform_type(r.type, source)
        if tf_type is None and r is not case.resource:
            used = AWSCC if source == TERRAFORM else TERRAFORM
            tf_type = terraform_type(r.type, used)
        if tf_type is None:
            raise AssertionError(f"{case.label}: no {source} resource for {r.type}: declare it")
        tmap = PROVIDERS[used][tf_type]
        values = terraform_values(r, tmap, used)
        after, unknown = _split(values)
        unknown = unknown or {}
        label = r.name.replace("-", "_")
        entry = {
            "address": f"{tf_type}.{label}",
            "mode": "managed",
            "type": tf_type,
            "name": label,
            "provider_name": f"registry.terraform.io/hashicorp/{_PROVIDER_NAME[used]}",
        }
        changes.append(
            {
                **entry,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": after,
                    "after_unknown": unknown,
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        planned.append({**entry, "schema_version": 0, "values": after, "sensitive_values": {}})
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
    }


def terraform_values(r: Resource, tmap: TypeMap, source: str) -> dict[str, Any]:
    """The resource's attributes: Terraform names, aws blocks as lists, tags as the
    provider holds them."""
    values = _attributes(r.properties, "", tmap, source)
    assert isinstance(values, dict)
    name_attr = _attr(tmap, "", name_property(r.type))
    if name_attr != tmap.name_attr:
        raise AssertionError(f"{r.type}: name property {name_attr} is not {tmap.name_attr}")
    if source == TERRAFORM:
        values["tags"] = dict(r.tags) or None
        values["tags_all"] = dict(r.tags)
    else:
        values["tags"] = [{"key": k, "value": v} for k, v in r.tags.items()] or None
    return values


def _attributes(value: Any, path: str, tmap: TypeMap, source: str) -> Any:
    if isinstance(value, DeployTime):
        return UNKNOWN
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            attr = _attr(tmap, path, k)
            sub = f"{path}.{attr}" if path else attr
            out[attr] = _attributes(v, sub, tmap, source)
        return [out] if source == TERRAFORM and path in tmap.objects else out
    if isinstance(value, list):
        return [_attributes(v, path, tmap, source) for v in value]
    return value


def _attr(tmap: TypeMap, path: str, cfn_name: str) -> str:
    """The Terraform attribute that terraform_map reads as `cfn_name` under `path`."""
    for full, renamed in tmap.renames.items():
        head, _, attr = full.rpartition(".")
        if head == path and renamed == cfn_name:
            return attr
    attr = xform_name(cfn_name)
    sub = f"{path}.{attr}" if path else attr
    if tmap.property_name(sub, attr) != cfn_name:
        raise AssertionError(f"{tmap.cfn_type}: no Terraform attribute reads as {cfn_name}")
    return attr


def _split(values: Any) -> tuple[Any, Any]:
    """(after, after_unknown): unknown leaves left out of `after` (null in a list) and
    marked true in `after_unknown`, whose known leaves are left out."""
    if values is UNKNOWN:
        return None, True
    if isinstance(values, dict):
        after: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        for k, v in values.items():
            a, u = _split(v)
            if v is not UNKNOWN:
                after[k] = a
            if u is not False:
                unknown[k] = u
        return after, unknown or False
    if isinstance(values, list):
        pairs = [_split(v) for v in values]
        unknown_list = [u if u is not False else False for _, u in pairs]
        return [a for a, _ in pairs], unknown_list if any(
            u is not False for u in unknown_list
        ) else False
    return values, False
