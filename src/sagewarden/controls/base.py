"""The shape of a control unit: what every control declares beside its check function.

A unit is one `Control`: its metadata, its check function, the references it follows to
other resources and its fix, declared together in one module of `sagewarden.controls`.
These types live apart from the units and from `catalog` (which assembles the units and
re-exports the types) so a unit can build its `Control` at import time without an import
cycle. The standards are declared here once; which controls each holds is data in
`sagewarden.standards`, filled in by `catalog`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

from sagewarden.kinds import IN_PLACE
from sagewarden.resources import Resource
from sagewarden.verdict import Verdict


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
FROM_OPTION_KMS_KEY = "--kms-key"  # the KMS key the user names
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
class Reference:
    """Other resources a control reads to decide, named by fields of the one it judges.

    Declared so the readers follow it without knowing the control: the live collector
    reads the targets a scan did not read, the check finds them through its Context.
    `name_field` (dotted) holds the target's name; `type_field` holds a value that `types`
    maps to the target's resource type (every type in `types` when it is absent or not
    one of them); when `inline_field` is present the target is defined inline and there
    is no reference. `parameter` is the control's Boolean parameter that turns following
    on (None: always followed).
    """

    name_field: str
    types: Mapping[str, str] = field(hash=False)
    type_field: str | None = None
    inline_field: str | None = None
    parameter: str | None = None

    @property
    def target_types(self) -> tuple[str, ...]:
        """Every type a target can be, in a stable order."""
        return tuple(sorted(set(self.types.values())))

    def candidates(self, type_value: object) -> tuple[str, ...]:
        """The types a target can be, given the value of `type_field`."""
        if isinstance(type_value, str) and type_value in self.types:
            return (self.types[type_value],)
        return self.target_types

    def targets(self, properties: Mapping[str, Any]) -> list[tuple[str, str]]:
        """(type, name) of each resource the plain `properties` (as read from AWS) may
        name; none when the target is inline or the name is not a string."""
        if self.inline_field is not None and _at(properties, self.inline_field) is not None:
            return []
        name = _at(properties, self.name_field)
        if not isinstance(name, str):
            return []
        mtype = _at(properties, self.type_field) if self.type_field else None
        return [(t, name) for t in self.candidates(mtype)]

    def enabled(self, params: Mapping[str, Any]) -> bool:
        """Whether the control's parameters (defaults filled in) turn following on."""
        return self.parameter is None or bool(params.get(self.parameter))


def _at(properties: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of plain data, None where any step is missing."""
    cur: Any = properties
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


class Context(Protocol):
    def find(self, resource_type: str, name: str, near: Resource) -> Resource | None:
        """A resource of the scan by type and name, in the same account and region (or
        the same template) as `near`."""

    def find_target(self, target: str, near: Resource) -> Resource | None:
        """The resource a Ref/GetAtt points at: same file, by logical id or address."""


# A check reads only the canonical resource, its parameters and (through the context)
# the resources its references name. It returns a verdict with a reason a person can act
# on; it raises values.InvalidValue or values.Unresolved, which the engine turns into
# ERROR or UNKNOWN. Its docstring says how it decides (docs/controls.md shows it).
ControlFn = Callable[[Resource, dict[str, Any], Context], Verdict]


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
    check: ControlFn
    related_requirements: tuple[str, ...] = ()
    standards: tuple[Standard, ...] = ()  # filled by catalog from sagewarden.standards
    # The Regions where Security Hub offers the control; None: wherever it runs.
    offered_in: frozenset[str] | None = None
    parameters: tuple[Parameter, ...] = field(default=())
    references: tuple[Reference, ...] = ()

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

    def offered(self, region: str) -> bool:
        """Whether Security Hub offers the control in `region` (sagewarden evaluates it
        everywhere; outputs say where Security Hub would not)."""
        return self.offered_in is None or region in self.offered_in

    def parameter(self, name: str) -> Parameter | None:
        for p in self.parameters:
            if name == p.name or name in p.aliases:
                return p
        return None
