"""Notebook instances: SageMaker.1, .2, .3 and .8."""

from __future__ import annotations

from typing import Any

from sagewarden.controls import Context, control
from sagewarden.recordable import field_limits
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.unknowns import UnresolvedValue
from sagewarden.values import as_enum, as_str, get, is_absent, peek, raw
from sagewarden.verdicts import Verdict, failed, passed, unknown

_ON_OFF = ("Enabled", "Disabled")


def _must_be_disabled(r: Resource, field: str) -> Verdict:
    """Passes only on Disabled; absent means Enabled, the API default."""
    f = get(RT.NOTEBOOK_INSTANCE, r.properties, field)
    value = as_enum(field, f.value, _ON_OFF)
    text = f.describe(field, value)
    return passed(text) if value == "Disabled" else failed(text)


@control("SageMaker.1")
def direct_internet_access(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    return _must_be_disabled(r, "DirectInternetAccess")


@control("SageMaker.2")
def inside_vpc(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    subnet = peek(r.properties, "SubnetId")
    allowed = params.get("SubnetIds")
    if isinstance(subnet, UnresolvedValue):
        # Set to something that is only known at deploy: a subnet all the same.
        if allowed:
            return unknown(
                f"SubnetId {subnet.why}, so it cannot be checked against the allowed subnets"
            )
        return passed(f"SubnetId is set (it {subnet.why}): the notebook runs in a custom VPC")
    if is_absent(subnet) or (isinstance(subnet, str) and not subnet.strip()):
        return failed("SubnetId is not set: the notebook runs in the SageMaker service VPC")
    subnet = as_str("SubnetId", subnet, field_limits(r.type, "SubnetId"))  # no unicode tricks
    if allowed and subnet not in allowed:
        return failed(f"SubnetId {subnet} is not in the allowed subnets ({', '.join(allowed)})")
    return passed(f"SubnetId is {subnet}: the notebook runs in a custom VPC")


@control("SageMaker.3")
def root_access(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    return _must_be_disabled(r, "RootAccess")


@control("SageMaker.8")
def platform_version(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    supported: tuple[str, ...] = params.get("supportedPlatformIdentifierVersions") or ()
    shown = ", ".join(supported)
    platform = raw(r.properties, "PlatformIdentifier")
    if is_absent(platform):
        if r.is_iac:
            return unknown(
                "PlatformIdentifier is not set: the service picks the platform at create time "
                f"(notebook-al2023-v1 since 2026-05-15); set it explicitly to one of: {shown}"
            )
        return failed(
            f"PlatformIdentifier is not recorded, so the notebook is not shown to run on a "
            f"supported platform ({shown})"
        )
    platform = as_str("PlatformIdentifier", platform)
    if platform in supported:
        return passed(f"PlatformIdentifier is {platform}, a supported platform")
    return failed(f"PlatformIdentifier is {platform}, not a supported platform ({shown})")
