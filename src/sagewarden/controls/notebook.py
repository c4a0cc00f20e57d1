"""Notebook instances: SageMaker.1, .2, .3, .8 and .21, each a check function and its Control."""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import (
    FROM_OPTION_KMS_KEY,
    FROM_OPTION_SUBNET,
    Context,
    Control,
    Fix,
    Parameter,
    ParamKind,
    Severity,
)
from sagewarden.controls.keys import key_named
from sagewarden.kinds import IN_PLACE, REBUILD
from sagewarden.recordable import field_limits
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.unknowns import UnresolvedValue
from sagewarden.values import as_enum, as_str, get, is_absent, peek, raw
from sagewarden.verdicts import Verdict, failed, passed, unknown

_ON_OFF = ("Enabled", "Disabled")
_NETWORK_NIST = (
    "NIST.800-53.r5 AC-21",
    "NIST.800-53.r5 AC-3",
    "NIST.800-53.r5 AC-3(7)",
    "NIST.800-53.r5 AC-4",
    "NIST.800-53.r5 AC-4(21)",
    "NIST.800-53.r5 AC-6",
    "NIST.800-53.r5 SC-7",
    "NIST.800-53.r5 SC-7(11)",
    "NIST.800-53.r5 SC-7(16)",
    "NIST.800-53.r5 SC-7(20)",
    "NIST.800-53.r5 SC-7(21)",
    "NIST.800-53.r5 SC-7(3)",
    "NIST.800-53.r5 SC-7(4)",
    "NIST.800-53.r5 SC-7(9)",
)
_REBUILD = (
    "Cannot change in place: back up /home/ec2-user/SageMaker, then recreate the notebook "
    "in a private subnet with DirectInternetAccess Disabled (fixing RootAccess and the "
    "platform in the same rebuild), carrying over tags, lifecycle config, code repositories, "
    "KMS key, volume size, role and IMDS setting."
)


def _must_be_disabled(r: Resource, field: str) -> Verdict:
    """Passes only on Disabled; absent means Enabled, the API default."""
    f = get(RT.NOTEBOOK_INSTANCE, r.properties, field)
    value = as_enum(field, f.value, _ON_OFF)
    text = f.describe(field, value)
    return passed(text) if value == "Disabled" else failed(text)


def direct_internet_access(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED unless `DirectInternetAccess` is `Disabled`. Absent means `Enabled`, the API
    default; `Disabled` is only possible with a `SubnetId`."""
    return _must_be_disabled(r, "DirectInternetAccess")


DIRECT_INTERNET_ACCESS = Control(
    id="SageMaker.1",
    title="Amazon SageMaker notebook instances should not have direct internet access",
    description=(
        "Checks whether direct internet access is disabled for a SageMaker notebook "
        "instance. Fails if DirectInternetAccess is Enabled, which is the default."
    ),
    severity=Severity.HIGH,
    category="Protect > Secure network configuration",
    resource_type=RT.NOTEBOOK_INSTANCE,
    config_rule="sagemaker-notebook-no-direct-internet-access",
    schedule="Periodic",
    remediation=_REBUILD,
    fix=Fix(REBUILD, (("DirectInternetAccess", "Disabled"), ("SubnetId", FROM_OPTION_SUBNET))),
    check=direct_internet_access,
    related_requirements=(
        *_NETWORK_NIST,
        "PCI DSS v3.2.1/1.2.1",
        "PCI DSS v3.2.1/1.3.1",
        "PCI DSS v3.2.1/1.3.2",
        "PCI DSS v3.2.1/1.3.4",
        "PCI DSS v3.2.1/1.3.6",
        "PCI DSS v4.0.1/1.4.4",
    ),
)


def inside_vpc(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED when `SubnetId` is absent or empty: the notebook then runs in the SageMaker
    service VPC. With `SubnetIds` given, a subnet outside that allow-list fails too. A
    subnet known only at deploy is a subnet all the same (PASSED), but UNKNOWN against an
    allow-list."""
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


INSIDE_VPC = Control(
    id="SageMaker.2",
    title="SageMaker notebook instances should be launched in a custom VPC",
    description=(
        "Checks whether a SageMaker notebook instance is launched within a custom VPC. "
        "Fails if it has no subnet (it then runs in the SageMaker service VPC)."
    ),
    severity=Severity.HIGH,
    category="Protect > Secure network configuration > Resources within VPC",
    resource_type=RT.NOTEBOOK_INSTANCE,
    config_rule="sagemaker-notebook-instance-inside-vpc",
    schedule="Change triggered",
    remediation=_REBUILD,
    fix=Fix(REBUILD, (("SubnetId", FROM_OPTION_SUBNET),)),
    check=inside_vpc,
    related_requirements=_NETWORK_NIST,
    parameters=(
        Parameter(
            name="SubnetIds",
            kind=ParamKind.STRING_LIST,
            description=(
                "Optional allow-list of subnet ids (the AWS Config rule's parameter); "
                "a notebook in any other subnet fails."
            ),
            default=None,
            security_hub=False,
        ),
    ),
)


def root_access(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED unless `RootAccess` is `Disabled`. Absent means `Enabled`, the API default."""
    return _must_be_disabled(r, "RootAccess")


ROOT_ACCESS = Control(
    id="SageMaker.3",
    title="Users should not have root access to SageMaker notebook instances",
    description=(
        "Checks whether root access is turned on for a SageMaker notebook instance. "
        "Fails if RootAccess is Enabled, which is the default."
    ),
    severity=Severity.HIGH,
    category="Protect > Secure access management > Root user access restrictions",
    resource_type=RT.NOTEBOOK_INSTANCE,
    config_rule="sagemaker-notebook-instance-root-access-check",
    schedule="Change triggered",
    remediation=(
        "In place: stop the notebook, UpdateNotebookInstance with RootAccess Disabled, "
        "start it again if it was running (the AWS-DisableSageMakerNotebookRootAccess "
        "runbook does the same)."
    ),
    fix=Fix(IN_PLACE, (("RootAccess", "Disabled"),)),
    check=root_access,
    related_requirements=(
        "NIST.800-53.r5 AC-2(1)",
        "NIST.800-53.r5 AC-3(15)",
        "NIST.800-53.r5 AC-3(7)",
        "NIST.800-53.r5 AC-6",
        "NIST.800-53.r5 AC-6(10)",
        "NIST.800-53.r5 AC-6(2)",
    ),
)


def platform_version(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED unless `PlatformIdentifier` is one of `supportedPlatformIdentifierVersions`.
    A recorded notebook without the field is not shown to be supported (FAILED); a
    template that leaves it to the service's create-time default is UNKNOWN, saying so."""
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


PLATFORM_VERSION = Control(
    id="SageMaker.8",
    title="SageMaker notebook instances should run on supported platforms",
    description=(
        "Checks whether a SageMaker notebook instance runs on a supported platform, by "
        "its PlatformIdentifier."
    ),
    severity=Severity.MEDIUM,
    category="Detect > Vulnerability, patch, and version management",
    resource_type=RT.NOTEBOOK_INSTANCE,
    config_rule="sagemaker-notebook-instance-platform-version",
    schedule="Periodic",
    remediation=(
        "In place (AL2 to AL2023): stop, UpdateNotebookInstance with PlatformIdentifier "
        "notebook-al2023-v1 (and a supported instance type), start. Lifecycle scripts may "
        "need yum replaced by dnf; CloudFormation treats the property as replacement."
    ),
    fix=Fix(IN_PLACE, (("PlatformIdentifier", "notebook-al2023-v1"),)),
    check=platform_version,
    parameters=(
        Parameter(
            name="supportedPlatformIdentifierVersions",
            kind=ParamKind.STRING_LIST,
            description=(
                "Supported platform identifiers. Default notebook-al2023-v1, the value "
                "Security Hub uses since Amazon Linux 2 notebooks reached end of support "
                "(2026-06-30); the seed page's earlier value was notebook-al2-v3."
            ),
            default=("notebook-al2023-v1",),
        ),
    ),
)


# What an absent key means, said by the check and by the Guard rule (sagewarden.guard).
VOLUME_KEY_ABSENT = "the ML storage volume is encrypted with an AWS managed key"


def volume_key(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED when `KmsKeyId` is absent or empty. Like the AWS rule, any key passes: it
    does not check that the key is customer managed."""
    return key_named(r, "KmsKeyId", VOLUME_KEY_ABSENT)


VOLUME_KEY = Control(
    id="SageMaker.21",
    title="SageMaker notebook instances should be encrypted with customer managed KMS keys",
    description=(
        "Checks whether a SageMaker notebook instance's ML storage volume is encrypted "
        "with an AWS KMS key the account names. Fails if KmsKeyId is not set."
    ),
    severity=Severity.MEDIUM,
    category="Protect > Data Protection > Encryption of data-at-rest",
    resource_type=RT.NOTEBOOK_INSTANCE,
    config_rule="sagemaker-notebook-instance-storage-vol-kms-encrypted",
    schedule="Change triggered",
    remediation=(
        "Cannot change in place (KmsKeyId is set at creation): back up "
        "/home/ec2-user/SageMaker, then recreate the notebook with KmsKeyId set to a key "
        "the user names (--kms-key), in the same rebuild as SageMaker.1, .2, .3 and .8."
    ),
    fix=Fix(REBUILD, (("KmsKeyId", FROM_OPTION_KMS_KEY),)),
    check=volume_key,
)

CONTROLS = (DIRECT_INTERNET_ACCESS, INSIDE_VPC, ROOT_ACCESS, PLATFORM_VERSION, VOLUME_KEY)
