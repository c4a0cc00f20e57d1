"""The fifteen Security Hub controls as data.

Everything here comes from the Security Hub CSPM page for SageMaker (the seed) and the
project spec. Control ids are AWS's own: never reuse them for anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sagewarden.kinds import BLUE_GREEN, IN_PLACE, REBUILD
from sagewarden.resources import ResourceType as RT


class Severity(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @property
    def normalized(self) -> int:
        """The ASFF normalized score Security Hub uses for this label."""
        return _SEVERITY_NORMALIZED[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
_SEVERITY_NORMALIZED = {
    Severity.LOW: 1,
    Severity.MEDIUM: 40,
    Severity.HIGH: 70,
    Severity.CRITICAL: 90,
}


class ParamKind(str, Enum):
    STRING_LIST = "StringList"
    BOOLEAN = "Boolean"


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: ParamKind
    description: str
    default: tuple[str, ...] | bool | None
    max_items: int | None = None
    aliases: tuple[str, ...] = ()
    # True when Security Hub itself lets users set it; False for sagewarden's additions.
    security_hub: bool = True


@dataclass(frozen=True)
class Standard:
    id: str
    name: str


FSBP = Standard(
    "standards/aws-foundational-security-best-practices/v/1.0.0",
    "AWS Foundational Security Best Practices v1.0.0",
)
NIST = Standard("standards/nist-800-53/v/5.0.0", "NIST SP 800-53 Revision 5")
PCI_321 = Standard("standards/pci-dss/v/3.2.1", "PCI DSS v3.2.1")
PCI_401 = Standard("standards/pci-dss/v/4.0.1", "PCI DSS v4.0.1")
TAGGING = Standard(
    "standards/aws-resource-tagging-standard/v/1.0.0", "AWS Resource Tagging Standard v1.0.0"
)
AI_SECURITY = Standard(
    "standards/aws-ai-security-best-practices/v/1.0.0", "AWS AI Security Best Practices v1.0.0"
)
STANDARDS = (FSBP, NIST, PCI_321, PCI_401, TAGGING, AI_SECURITY)


# Where a fix's value comes from when it is not a constant.
FROM_OPTION_SUBNET = "--subnet"  # the private subnet the user names
FROM_OPTION_TAGS = "--tag"  # the tag values the user gives
AT_LEAST = "at least"  # a number raised to the value, never lowered


@dataclass(frozen=True)
class Fix:
    """How a failing resource is made to pass, as data the planner applies.

    `strategy` is kinds.IN_PLACE (the resource's Update call or AddTags takes the field),
    kinds.BLUE_GREEN (immutable: a replacement with the field set, users repointed) or
    kinds.REBUILD (same name, new resource). `sets` are the dotted canonical fields and the
    values that make the control pass; a value may be one of the FROM_OPTION_* markers
    (the user supplies it) and `bound` says a number is raised to at least the value.
    `blocked`, when set, says why sagewarden does not fix it and what a person does.
    """

    strategy: str
    sets: tuple[tuple[str, object], ...] = ()
    bound: str | None = None
    blocked: str | None = None


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    description: str
    severity: Severity
    category: str
    resource_type: str
    config_rule: str
    schedule: str  # "Periodic" or "Change triggered"
    remediation: str
    fix: Fix
    related_requirements: tuple[str, ...] = ()
    standards: tuple[Standard, ...] = ()
    parameters: tuple[Parameter, ...] = field(default=())

    @property
    def in_place_fix(self) -> bool:
        return self.fix.strategy == IN_PLACE

    @property
    def number(self) -> int:
        return int(self.id.split(".", 1)[1])

    @property
    def doc_url(self) -> str:
        return (
            "https://docs.aws.amazon.com/securityhub/latest/userguide/"
            f"sagemaker-controls.html#sagemaker-{self.number}"
        )

    def parameter(self, name: str) -> Parameter | None:
        for p in self.parameters:
            if name == p.name or name in p.aliases:
                return p
        return None


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

_REQUIRED_KEY_TAGS = Parameter(
    name="requiredKeyTags",
    kind=ParamKind.STRING_LIST,
    description=(
        "Non-system tag keys the resource must carry (case sensitive, at most 6, "
        "none starting with aws:). Unset: the resource must carry at least one user tag."
    ),
    default=None,
    max_items=6,
    aliases=("requiredTagKeys",),
)

_ENCRYPT_REMEDIATION = (
    "Immutable: create a new job definition with "
    "NetworkConfig.EnableInterContainerTrafficEncryption true (fix every failing flag of the "
    "definition at once), repoint the monitoring schedules that reference it, then delete the "
    "old definition."
)
_ISOLATION_REMEDIATION = (
    "Immutable: create a new job definition with NetworkConfig.EnableNetworkIsolation true, "
    "repoint the monitoring schedules that reference it, then delete the old definition. "
    "Stage inputs and baselines so the job needs no network at run time."
)
_NOTEBOOK_REBUILD = (
    "Cannot change in place: back up /home/ec2-user/SageMaker, then recreate the notebook "
    "in a private subnet with DirectInternetAccess Disabled (fixing RootAccess and the "
    "platform in the same rebuild), carrying over tags, lifecycle config, code repositories, "
    "KMS key, volume size, role and IMDS setting."
)
_AI = (AI_SECURITY,)
_TAG_FIX = Fix(IN_PLACE, (("Tags", FROM_OPTION_TAGS),))
_ENCRYPT_FIX = Fix(BLUE_GREEN, (("NetworkConfig.EnableInterContainerTrafficEncryption", True),))
_ISOLATION_FIX = Fix(BLUE_GREEN, (("NetworkConfig.EnableNetworkIsolation", True),))
_INLINE = "MonitoringScheduleConfig.MonitoringJobDefinition."

CONTROLS: tuple[Control, ...] = (
    Control(
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
        remediation=_NOTEBOOK_REBUILD,
        fix=Fix(REBUILD, (("DirectInternetAccess", "Disabled"), ("SubnetId", FROM_OPTION_SUBNET))),
        related_requirements=(
            *_NETWORK_NIST,
            "PCI DSS v3.2.1/1.2.1",
            "PCI DSS v3.2.1/1.3.1",
            "PCI DSS v3.2.1/1.3.2",
            "PCI DSS v3.2.1/1.3.4",
            "PCI DSS v3.2.1/1.3.6",
            "PCI DSS v4.0.1/1.4.4",
        ),
        standards=(FSBP, NIST, PCI_321, PCI_401, AI_SECURITY),
    ),
    Control(
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
        remediation=_NOTEBOOK_REBUILD,
        fix=Fix(REBUILD, (("SubnetId", FROM_OPTION_SUBNET),)),
        related_requirements=_NETWORK_NIST,
        standards=(FSBP, NIST, AI_SECURITY),
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
    ),
    Control(
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
        related_requirements=(
            "NIST.800-53.r5 AC-2(1)",
            "NIST.800-53.r5 AC-3(15)",
            "NIST.800-53.r5 AC-3(7)",
            "NIST.800-53.r5 AC-6",
            "NIST.800-53.r5 AC-6(10)",
            "NIST.800-53.r5 AC-6(2)",
        ),
        standards=(FSBP, NIST, AI_SECURITY),
    ),
    Control(
        id="SageMaker.4",
        title=(
            "SageMaker endpoint production variants should have an initial instance count "
            "greater than 1"
        ),
        description=(
            "Checks whether the instance-based production variants of a SageMaker endpoint "
            "configuration have an initial instance count greater than 1. Serverless and "
            "shadow variants are out of scope."
        ),
        severity=Severity.MEDIUM,
        category="Recover > Resilience > High availability",
        resource_type=RT.ENDPOINT_CONFIG,
        config_rule="sagemaker-endpoint-config-prod-instance-count",
        schedule="Periodic",
        remediation=(
            "Immutable: create a new endpoint configuration with InitialInstanceCount 2 or "
            "more on every instance variant, UpdateEndpoint each endpoint using the old one "
            "(blue/green), then delete the old configuration. At least doubles instance cost."
        ),
        fix=Fix(BLUE_GREEN, (("ProductionVariants[].InitialInstanceCount", 2),), bound=AT_LEAST),
        related_requirements=(
            "NIST.800-53.r5 CP-10",
            "NIST.800-53.r5 SC-5",
            "NIST.800-53.r5 SC-36",
            "NIST.800-53.r5 SA-13",
        ),
        standards=(FSBP, NIST, AI_SECURITY),
    ),
    Control(
        id="SageMaker.5",
        title="SageMaker models should have network isolation enabled",
        description=(
            "Checks whether a SageMaker hosted model has network isolation enabled. Fails if "
            "EnableNetworkIsolation is false or unset."
        ),
        severity=Severity.MEDIUM,
        category="Protect > Secure network configuration > Resources not publicly accessible",
        resource_type=RT.MODEL,
        config_rule="sagemaker-model-isolation-enabled",
        schedule="Change triggered",
        remediation=(
            "Immutable: create a new model with EnableNetworkIsolation true (same containers, "
            "role, VPC config, tags) and a new endpoint configuration, UpdateEndpoint, then "
            "delete the old ones. Isolated containers have no network and no AWS credentials."
        ),
        fix=Fix(BLUE_GREEN, (("EnableNetworkIsolation", True),)),
        standards=(FSBP, AI_SECURITY),
    ),
    Control(
        id="SageMaker.6",
        title="SageMaker app image configurations should be tagged",
        description=(
            "Checks whether a SageMaker app image configuration has the tag keys given by "
            "requiredKeyTags, or any user tag when none are given. System tags (aws:) are "
            "ignored."
        ),
        severity=Severity.LOW,
        category="Identify > Inventory > Tagging",
        resource_type=RT.APP_IMAGE_CONFIG,
        config_rule="sagemaker-app-image-config-tagged",
        schedule="Change triggered",
        remediation="In place: AddTags with the missing keys (no aws: keys, 50 tags at most).",
        fix=_TAG_FIX,
        standards=(TAGGING,),
        parameters=(_REQUIRED_KEY_TAGS,),
    ),
    Control(
        id="SageMaker.7",
        title="SageMaker images should be tagged",
        description=(
            "Checks whether a SageMaker image has the tag keys given by requiredKeyTags, or "
            "any user tag when none are given. System tags (aws:) are ignored."
        ),
        severity=Severity.LOW,
        category="Identify > Inventory > Tagging",
        resource_type=RT.IMAGE,
        config_rule="sagemaker-image-tagged",
        schedule="Change triggered",
        remediation="In place: AddTags with the missing keys (no aws: keys, 50 tags at most).",
        fix=_TAG_FIX,
        standards=(TAGGING,),
        parameters=(_REQUIRED_KEY_TAGS,),
    ),
    Control(
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
        standards=(FSBP, AI_SECURITY),
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
    ),
    Control(
        id="SageMaker.9",
        title=(
            "SageMaker data quality job definitions should have inter-container traffic "
            "encryption enabled"
        ),
        description=(
            "Checks whether a data quality job definition that runs on 2 or more instances "
            "encrypts inter-container traffic."
        ),
        severity=Severity.MEDIUM,
        category="Protect > Data Protection > Encryption of data-in-transit",
        resource_type=RT.DATA_QUALITY_JOB_DEFINITION,
        config_rule="sagemaker-data-quality-job-encrypt-in-transit",
        schedule="Change triggered",
        remediation=_ENCRYPT_REMEDIATION,
        fix=_ENCRYPT_FIX,
        standards=_AI,
    ),
    Control(
        id="SageMaker.10",
        title=(
            "SageMaker model explainability job definitions should have inter-container "
            "traffic encryption enabled"
        ),
        description=(
            "Checks whether a model explainability job definition that runs on 2 or more "
            "instances encrypts inter-container traffic."
        ),
        severity=Severity.MEDIUM,
        category="Protect > Data Protection > Encryption of data-in-transit",
        resource_type=RT.MODEL_EXPLAINABILITY_JOB_DEFINITION,
        config_rule="sagemaker-model-explainability-job-encrypt-in-transit",
        schedule="Change triggered",
        remediation=_ENCRYPT_REMEDIATION,
        fix=_ENCRYPT_FIX,
        standards=_AI,
    ),
    Control(
        id="SageMaker.11",
        title="SageMaker data quality job definitions should have network isolation enabled",
        description=(
            "Checks whether a data quality monitoring job definition has network isolation enabled."
        ),
        severity=Severity.MEDIUM,
        category="Protect > Secure network configuration",
        resource_type=RT.DATA_QUALITY_JOB_DEFINITION,
        config_rule="sagemaker-data-quality-job-isolation",
        schedule="Change triggered",
        remediation=_ISOLATION_REMEDIATION,
        fix=_ISOLATION_FIX,
        standards=_AI,
    ),
    Control(
        id="SageMaker.12",
        title="SageMaker model bias job definitions should have network isolation enabled",
        description="Checks whether a model bias job definition has network isolation enabled.",
        severity=Severity.MEDIUM,
        category="Protect > Secure network configuration > Resources policy configuration",
        resource_type=RT.MODEL_BIAS_JOB_DEFINITION,
        config_rule="sagemaker-model-bias-job-isolation",
        schedule="Change triggered",
        remediation=_ISOLATION_REMEDIATION,
        fix=_ISOLATION_FIX,
        standards=_AI,
    ),
    Control(
        id="SageMaker.13",
        title=(
            "SageMaker model quality job definitions should have inter-container traffic "
            "encryption enabled"
        ),
        description=(
            "Checks whether a model quality job definition that runs on 2 or more instances "
            "encrypts inter-container traffic."
        ),
        severity=Severity.MEDIUM,
        category="Protect > Data Protection > Encryption of data-in-transit",
        resource_type=RT.MODEL_QUALITY_JOB_DEFINITION,
        # The seed page spells it "ssagemaker-..."; the AWS Config rule has one s.
        config_rule="sagemaker-model-quality-job-encrypt-in-transit",
        schedule="Change triggered",
        remediation=_ENCRYPT_REMEDIATION,
        fix=_ENCRYPT_FIX,
        standards=_AI,
    ),
    Control(
        id="SageMaker.14",
        title="SageMaker monitoring schedules should have network isolation enabled",
        description=(
            "Checks whether a monitoring schedule's job has network isolation enabled. Fails "
            "if EnableNetworkIsolation is false or not configured."
        ),
        severity=Severity.MEDIUM,
        category="Protect > Secure network configuration",
        resource_type=RT.MONITORING_SCHEDULE,
        config_rule="sagemaker-monitoring-schedule-isolation",
        schedule="Change triggered",
        remediation=(
            "Inline job: UpdateMonitoringSchedule with the whole config and "
            "NetworkConfig.EnableNetworkIsolation true. Referenced job definition: fix the "
            "definition (SageMaker.11/.12) and repoint the schedule."
        ),
        fix=Fix(IN_PLACE, ((_INLINE + "NetworkConfig.EnableNetworkIsolation", True),)),
        standards=_AI,
        parameters=(
            Parameter(
                name="resolveReferences",
                kind=ParamKind.BOOLEAN,
                description=(
                    "Judge a schedule that references a job definition by name by that "
                    "definition's isolation setting (looked up in the same scan), instead of "
                    "failing it as the AWS text literally does."
                ),
                default=False,
                security_hub=False,
            ),
        ),
    ),
    Control(
        id="SageMaker.15",
        title=(
            "SageMaker model bias job definitions should have inter-container traffic "
            "encryption enabled"
        ),
        description=(
            "Checks whether a model bias job definition that runs on 2 or more instances "
            "encrypts inter-container traffic."
        ),
        severity=Severity.MEDIUM,
        category="Protect > Data Protection > Encryption of data-in-transit",
        resource_type=RT.MODEL_BIAS_JOB_DEFINITION,
        config_rule="sagemaker-model-bias-job-encrypt-in-transit",
        schedule="Change triggered",
        remediation=_ENCRYPT_REMEDIATION,
        fix=_ENCRYPT_FIX,
        standards=_AI,
    ),
)

BY_ID: dict[str, Control] = {c.id: c for c in CONTROLS}


def lookup(control_id: str) -> Control | None:
    """Find a control by id, forgiving case and the PCI alias (PCI.SageMaker.1)."""
    key = control_id.strip()
    if key.upper().startswith("PCI."):
        key = key[4:]
    for c in CONTROLS:
        if c.id.lower() == key.lower():
            return c
    return None


def control_to_dict(c: Control) -> dict[str, object]:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "severity": c.severity.value,
        "category": c.category,
        "resource_type": c.resource_type,
        "config_rule": c.config_rule,
        "schedule": c.schedule,
        "parameters": [
            {
                "name": p.name,
                "type": p.kind.value,
                "description": p.description,
                "default": list(p.default) if isinstance(p.default, tuple) else p.default,
                "max_items": p.max_items,
                "aliases": list(p.aliases),
                "security_hub_parameter": p.security_hub,
            }
            for p in c.parameters
        ],
        "related_requirements": list(c.related_requirements),
        "standards": [{"id": s.id, "name": s.name} for s in c.standards],
        "remediation": c.remediation,
        "fix_in_place": c.in_place_fix,
        "documentation": c.doc_url,
    }
