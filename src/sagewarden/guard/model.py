"""Each control as a declarative predicate over one resource's properties.

This is the one place a control's Guard form is stated. A predicate names property paths
(CloudFormation names, dotted, relative to the resource's properties) and what they must
hold; a renderer (sagewarden.guard.render) writes it for one input shape (the
CloudFormation Guard hook's `Resources.<id>.Properties`, AWS Config's configuration
item), so no target carries a second copy of a rule.

A rule is `applies` (when false the resource is out of scope: Guard SKIP, the engine's
NOT_APPLICABLE) and `checks` (each with the reason shown when it fails). Values are read
as the engine reads them (sagewarden.values): enums case-insensitively, booleans as JSON
booleans or "true", counts as numbers or numeric strings. A malformed value fails the
rule, where the engine says ERROR: a hook fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagewarden.catalog import BY_ID, Control
from sagewarden.controls.feature_group import (
    OFFLINE,
    OFFLINE_KEY,
    OFFLINE_KEY_ABSENT,
    ONLINE_ENABLED,
    ONLINE_KEY,
    ONLINE_KEY_ABSENT,
    STORAGE_TYPE,
)
from sagewarden.controls.inference_experiment import (
    DATA_KEY,
    DATA_KEY_ABSENT,
    DATA_STORAGE,
    INSTANCE_KEY_ABSENT,
)
from sagewarden.controls.job_definition import COUNT, ENCRYPT, ISOLATE
from sagewarden.controls.model import CONTAINERS, MODE, PRIMARY, REGISTRY_WHY
from sagewarden.controls.notebook import VOLUME_KEY_ABSENT

# -- predicates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Exists:
    """The property is present (any value)."""

    path: str


@dataclass(frozen=True)
class Absent:
    """The property is not present."""

    path: str


@dataclass(frozen=True)
class NonEmptyList:
    """The property is a list with at least one item."""

    path: str


@dataclass(frozen=True)
class Empty:
    """The property is absent, null or empty."""

    path: str


@dataclass(frozen=True)
class NotIn:
    """The property is present and none of `values` (numbers: 1 and 1.0 alike)."""

    path: str
    values: tuple[int | float | str, ...]


@dataclass(frozen=True)
class NotEnum:
    """The property is a string other than `value` (ignoring case)."""

    path: str
    value: str


@dataclass(frozen=True)
class NotFalse:
    """The property is present and not false: true, or a string other than "false"
    (a malformed one is in scope, so a check then fails it)."""

    path: str


@dataclass(frozen=True)
class IsEnum:
    """An enum string equal to `value`, ignoring case (as values.as_enum reads it)."""

    path: str
    value: str


@dataclass(frozen=True)
class IsTrue:
    """Boolean true, or the string "true" in any case (as values.as_bool reads it)."""

    path: str


@dataclass(frozen=True)
class AtLeast:
    """A whole number of at least `bound` (1-9), as a number or a numeric string."""

    path: str
    bound: int


@dataclass(frozen=True)
class Named:
    """A string that is not empty or blank (a subnet, a KMS key)."""

    path: str


@dataclass(frozen=True)
class InParameter:
    """A string among the values of the control's list parameter `parameter`."""

    path: str
    parameter: str


@dataclass(frozen=True)
class UserTag:
    """At least one tag whose key does not start with aws: (a user tag)."""


@dataclass(frozen=True)
class TagKeysIn:
    """Every key the list parameter `parameter` names is a tag key (case-sensitive)."""

    parameter: str


@dataclass(frozen=True)
class TagKeysWellFormed:
    """Every tag key is 1 to 128 characters (the engine says ERROR otherwise)."""


@dataclass(frozen=True)
class AnyOf:
    """At least one of `options` holds (each one line of Guard)."""

    options: tuple[Pred, ...]


@dataclass(frozen=True)
class Each:
    """Every item of the list at `path` for which `where` holds satisfies `check`."""

    path: str
    where: Pred | None
    check: Pred


@dataclass(frozen=True)
class SomeItem:
    """At least one item of the list at `path` satisfies `check`."""

    path: str
    check: Pred


Pred = (
    Exists
    | Absent
    | NonEmptyList
    | Empty
    | NotIn
    | NotEnum
    | NotFalse
    | IsEnum
    | IsTrue
    | AtLeast
    | Named
    | InParameter
    | UserTag
    | TagKeysIn
    | TagKeysWellFormed
    | AnyOf
    | Each
    | SomeItem
)


@dataclass(frozen=True)
class Check:
    """One condition of a rule and what it means when it fails (the engine's reason)."""

    pred: Pred
    says: str


@dataclass(frozen=True)
class Rule:
    """A control's Guard form: the resources in scope and what they must hold."""

    control: Control
    checks: tuple[Check, ...]
    applies: tuple[Pred, ...] = ()

    @property
    def name(self) -> str:
        """The Guard rule name: sagemaker_3 for SageMaker.3."""
        return self.control.id.lower().replace(".", "_")


# -- the controls ------------------------------------------------------------------------

_NEITHER = "neither PrimaryContainer nor Containers is set (every model has one or the other)"


def _disabled(path: str) -> Check:
    return Check(IsEnum(path, "Disabled"), f"{path} is not Disabled (unset means Enabled)")


def _true(path: str) -> Check:
    return Check(IsTrue(path), f"{path} is not true (unset means false)")


def _key(path: str, absent: str) -> Check:
    return Check(Named(path), f"{path} is not set or empty: {absent}")


def _tagged(params: Mapping[str, Any]) -> tuple[Check, ...]:
    if params.get("requiredKeyTags"):
        keys = ", ".join(params["requiredKeyTags"])
        has = Check(TagKeysIn("requiredKeyTags"), f"missing required tag key(s) of: {keys}")
    else:
        has = Check(UserTag(), "the resource has no user tag (aws: tags are ignored)")
    return (has, Check(TagKeysWellFormed(), "a tag key is empty or longer than 128 characters"))


def _subnet(params: Mapping[str, Any]) -> tuple[Check, ...]:
    checks = [
        Check(
            Named("SubnetId"),
            "SubnetId is not set: the notebook runs in the SageMaker service VPC",
        )
    ]
    if params.get("SubnetIds"):
        allowed = ", ".join(params["SubnetIds"])
        checks.append(
            Check(InParameter("SubnetId", "SubnetIds"), f"SubnetId is not in ({allowed})")
        )
    return tuple(checks)


def _platform(params: Mapping[str, Any]) -> tuple[Check, ...]:
    shown = ", ".join(params.get("supportedPlatformIdentifierVersions") or ())
    return (
        Check(
            InParameter("PlatformIdentifier", "supportedPlatformIdentifierVersions"),
            f"PlatformIdentifier is not set or not a supported platform ({shown}); "
            "set it explicitly",
        ),
    )


def _encrypting(cid: str) -> Rule:
    """In scope unless the count is 1 (a malformed count is in scope and fails)."""
    return Rule(
        BY_ID[cid],
        (
            Check(AtLeast(COUNT, 2), f"{COUNT} is not set or not a whole number from 1 to 100"),
            _true(ENCRYPT),
        ),
        applies=(AnyOf((Absent(COUNT), NotIn(COUNT, (1, 1.0, "1")))),),
    )


_VARIANTS = "ProductionVariants"
_COUNT = "InitialInstanceCount"
_INLINE = "MonitoringScheduleConfig.MonitoringJobDefinition"
_NAMED = "MonitoringScheduleConfig.MonitoringJobDefinitionName"

_RULES = (
    Rule(BY_ID["SageMaker.1"], (_disabled("DirectInternetAccess"),)),
    Rule(BY_ID["SageMaker.3"], (_disabled("RootAccess"),)),
    Rule(
        BY_ID["SageMaker.4"],
        (
            Check(
                NonEmptyList(_VARIANTS),
                f"{_VARIANTS} is not a list of at least one variant",
            ),
            Check(
                Each(_VARIANTS, Exists(_COUNT), AtLeast(_COUNT, 2)),
                f"a production variant has {_COUNT} below 2 (needs 2 or more)",
            ),
            *(
                Check(
                    Each(_VARIANTS, Absent(_COUNT), Exists(f"ServerlessConfig.{m}")),
                    f"a production variant has no {_COUNT} and no ServerlessConfig.{m}",
                )
                for m in ("MemorySizeInMB", "MaxConcurrency")
            ),
        ),
        # Out of scope only when every variant is serverless (a well-formed
        # ServerlessConfig and no count).
        applies=(
            AnyOf(
                (
                    Empty(_VARIANTS),
                    SomeItem(_VARIANTS, Exists(_COUNT)),
                    SomeItem(_VARIANTS, Absent("ServerlessConfig.MemorySizeInMB")),
                    SomeItem(_VARIANTS, Absent("ServerlessConfig.MaxConcurrency")),
                )
            ),
        ),
    ),
    Rule(BY_ID["SageMaker.5"], (_true("EnableNetworkIsolation"),)),
    _encrypting("SageMaker.9"),
    _encrypting("SageMaker.10"),
    Rule(BY_ID["SageMaker.11"], (_true(ISOLATE),)),
    Rule(BY_ID["SageMaker.12"], (_true(ISOLATE),)),
    _encrypting("SageMaker.13"),
    _encrypting("SageMaker.15"),
    Rule(
        BY_ID["SageMaker.14"],
        (
            Check(
                Exists(_INLINE),
                "no inline job definition: isolation lives on the referenced job "
                "definition, which this rule does not read",
            ),
            _true(f"{_INLINE}.{ISOLATE}"),
        ),
    ),
    Rule(
        BY_ID["SageMaker.16"],
        (
            Check(Exists(PRIMARY), _NEITHER),
            Check(
                IsEnum(f"{PRIMARY}.{MODE}", "Vpc"),
                f"{PRIMARY}.{MODE} is not Vpc: {REGISTRY_WHY}",
            ),
        ),
        # Out of scope: a multi-container model (SageMaker.19 judges it).
        applies=(AnyOf((Exists(PRIMARY), Empty(CONTAINERS))),),
    ),
    Rule(
        BY_ID["SageMaker.17"],
        (_key(OFFLINE_KEY, OFFLINE_KEY_ABSENT),),
        applies=(Exists(OFFLINE),),
    ),
    Rule(
        BY_ID["SageMaker.18"],
        (
            Check(IsTrue(ONLINE_ENABLED), f"{ONLINE_ENABLED} is not true or false"),
            Check(
                AnyOf((Absent(STORAGE_TYPE), IsEnum(STORAGE_TYPE, "Standard"))),
                f"{STORAGE_TYPE} is not Standard or InMemory",
            ),
            _key(ONLINE_KEY, ONLINE_KEY_ABSENT),
        ),
        # Out of scope: no online store (unset means false), or InMemory storage.
        applies=(
            NotFalse(ONLINE_ENABLED),
            AnyOf((Absent(STORAGE_TYPE), NotEnum(STORAGE_TYPE, "InMemory"))),
        ),
    ),
    Rule(
        BY_ID["SageMaker.19"],
        (
            Check(NonEmptyList(CONTAINERS), _NEITHER),
            Check(
                Each(CONTAINERS, None, IsEnum(MODE, "Vpc")),
                f"a container's {MODE} is not set or not Vpc: {REGISTRY_WHY}",
            ),
        ),
        # Out of scope: a single-container model (SageMaker.16 judges it).
        applies=(AnyOf((NonEmptyList(CONTAINERS), Absent(PRIMARY))),),
    ),
    Rule(BY_ID["SageMaker.20"], (_true(ISOLATE),)),
    Rule(BY_ID["SageMaker.21"], (_key("KmsKeyId", VOLUME_KEY_ABSENT),)),
    Rule(
        BY_ID["SageMaker.22"],
        (
            Check(
                Exists(_INLINE),
                f"{_INLINE.split('.')[0]} has neither MonitoringJobDefinition nor "
                "MonitoringJobDefinitionName",
            ),
            _true(f"{_INLINE}.{ENCRYPT}"),
        ),
        # A schedule that names a definition is out of scope, as the AWS rule says.
        applies=(AnyOf((Exists(_INLINE), Absent(_NAMED))),),
    ),
    Rule(
        BY_ID["SageMaker.23"],
        (_key("KmsKey", INSTANCE_KEY_ABSENT),),
    ),
    Rule(
        BY_ID["SageMaker.24"],
        (_key(DATA_KEY, DATA_KEY_ABSENT),),
        applies=(Exists(DATA_STORAGE),),
    ),
    Rule(BY_ID["SageMaker.25"], (_true(ISOLATE),)),
)
_FIXED = {rule.control.id: rule for rule in _RULES}


# Periodic controls whose verdict can change while the resource does not. A rule run only
# when the resource changes (AWS Config custom policy rules are change-triggered only)
# would keep its last verdict. SageMaker.1 and .4 are periodic in Security Hub too, but
# their verdict is a function of the recorded item alone, which Config re-evaluates on
# every change of it: a change trigger sees all they decide.
_DRIFTS = {
    "SageMaker.8": (
        "periodic: a notebook's platform reaches end of support with no change to the "
        "notebook, and a change-triggered rule would keep its old verdict (the Lambda "
        "rule, sagewarden.configrule, runs it on a schedule)"
    ),
}


def rule_for(
    control: Control,
    params: Mapping[str, Any],
    *,
    seen_by: str = "a Guard hook",
    change_triggered: bool = False,
) -> Rule | str:
    """The control's rule under its parameters (defaults filled in), or why Guard cannot
    judge it from the one resource `seen_by` sees (evaluated only when it changes, with
    `change_triggered`)."""
    for ref in control.references:
        if ref.enabled(params):
            return (
                f"{ref.parameter}=true judges the schedule by the job definition it names, "
                f"another resource, which {seen_by} does not see"
            )
    if change_triggered and control.id in _DRIFTS:
        return _DRIFTS[control.id]
    if control.id == "SageMaker.2":
        return Rule(control, _subnet(params))
    if control.id == "SageMaker.8":
        return Rule(control, _platform(params))
    if control.id in ("SageMaker.6", "SageMaker.7"):
        return Rule(control, _tagged(params))
    rule = _FIXED.get(control.id)
    if rule is None:
        return "no Guard form is defined for this control"
    return rule
