"""How each SageMaker resource type is read from the API: a view of kinds.KINDS.

The collector, the least-privilege policy and the call-count benchmark all read this
table, so an operation the scan calls cannot be missing from the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from sagewarden.kinds import KINDS, Kind, method


@dataclass(frozen=True)
class ReadPath:
    resource_type: str
    list_op: str  # botocore operation name
    list_key: str  # the list in the List output
    name_key: str  # the name in a List summary
    arn_key: str | None  # the ARN in a List summary (never build one from a name); None:
    # the summary has none (ListInferenceExperiments), Describe's answer holds it
    describe_op: str | None  # None: the List output holds everything the controls read
    describe_param: str | None
    not_found: frozenset[str]  # error codes that mean "deleted since it was listed"
    arn_kind: str  # the resource part of the ARN, for scope placeholders only

    @property
    def list_method(self) -> str:
        return method(self.list_op)

    @property
    def describe_method(self) -> str | None:
        return method(self.describe_op) if self.describe_op else None

    @property
    def list_reads(self) -> tuple[str, ...]:
        """What the collector reads of a List page: it must be there (answers.call)."""
        name = f"{self.list_key}[].{self.name_key}"
        return (name, f"{self.list_key}[].{self.arn_key}") if self.arn_key else (name,)

    @property
    def describe_reads(self) -> tuple[str, ...]:
        """The name and ARN of a Describe answer: an answer without them is not the
        resource's, however valid the rest looks (an empty `{}` evaluates defaults)."""
        return identity(self.describe_param) if self.describe_param else ()


def _path(k: Kind) -> ReadPath:
    return ReadPath(
        k.type,
        k.list_op,
        k.list_key,
        k.summary_name_key,
        k.summary_arn_key,
        k.describe_op if k.scan_describes else None,
        k.describe_param if k.scan_describes else None,
        k.not_found,
        k.arn_kind,
    )


# A view of kinds.KINDS: how a scan reads each type.
READ_PATHS: dict[str, ReadPath] = {k.type: _path(k) for k in KINDS}
LIST_TAGS_OP = "ListTags"
LIST_TAGS_READS = ("Tags[].Key",)
PAGE_SIZE = 100
TAGS_PAGE_SIZE = 100  # ListTags accepts 50-100


def identity(name_param: str) -> tuple[str, str]:
    """The name and ARN members of a Describe answer, from its name parameter: SageMaker
    answers `ModelName` with `ModelName` and `ModelArn` (`JobDefinitionName`: ...Arn)."""
    return (name_param, name_param.removesuffix("Name") + "Arn")
