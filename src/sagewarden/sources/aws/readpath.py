"""How each SageMaker resource type is read from the API: one row of data per type.

The collector, the least-privilege policy and the call-count benchmark all read this
table, so an operation the scan calls cannot be missing from the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from sagewarden.resources import ResourceType as RT


@dataclass(frozen=True)
class ReadPath:
    resource_type: str
    list_op: str  # botocore operation name
    list_key: str  # the list in the List output
    name_key: str  # the name in a List summary
    arn_key: str  # the ARN in a List summary (never build an ARN from a name)
    describe_op: str | None  # None: the List output holds everything the controls read
    describe_param: str | None
    not_found: frozenset[str]  # error codes that mean "deleted since it was listed"
    arn_kind: str  # the resource part of the ARN, for scope placeholders only

    @property
    def list_method(self) -> str:
        return snake(self.list_op)

    @property
    def describe_method(self) -> str | None:
        return snake(self.describe_op) if self.describe_op else None

    @property
    def list_reads(self) -> tuple[str, ...]:
        """What the collector reads of a List page: it must be there (answers.call)."""
        return (f"{self.list_key}[].{self.name_key}", f"{self.list_key}[].{self.arn_key}")

    @property
    def describe_reads(self) -> tuple[str, ...]:
        """The name and ARN of a Describe answer: an answer without them is not the
        resource's, however valid the rest looks (an empty `{}` evaluates defaults)."""
        return identity(self.describe_param) if self.describe_param else ()


_VALIDATION = frozenset({"ValidationException"})
_NOT_FOUND = frozenset({"ResourceNotFound", "ResourceNotFoundException"})


def _job(kind: str, rtype: str, arn_kind: str) -> ReadPath:
    return ReadPath(
        rtype,
        f"List{kind}JobDefinitions",
        "JobDefinitionSummaries",
        "MonitoringJobDefinitionName",
        "MonitoringJobDefinitionArn",
        f"Describe{kind}JobDefinition",
        "JobDefinitionName",
        _NOT_FOUND,
        arn_kind,
    )


READ_PATHS: dict[str, ReadPath] = {
    p.resource_type: p
    for p in (
        ReadPath(RT.NOTEBOOK_INSTANCE, "ListNotebookInstances", "NotebookInstances",
                 "NotebookInstanceName", "NotebookInstanceArn", "DescribeNotebookInstance",
                 "NotebookInstanceName", _VALIDATION, "notebook-instance"),
        ReadPath(RT.ENDPOINT_CONFIG, "ListEndpointConfigs", "EndpointConfigs",
                 "EndpointConfigName", "EndpointConfigArn", "DescribeEndpointConfig",
                 "EndpointConfigName", _VALIDATION, "endpoint-config"),
        ReadPath(RT.MODEL, "ListModels", "Models", "ModelName", "ModelArn", "DescribeModel",
                 "ModelName", _VALIDATION, "model"),
        ReadPath(RT.APP_IMAGE_CONFIG, "ListAppImageConfigs", "AppImageConfigs",
                 "AppImageConfigName", "AppImageConfigArn", None, None, _NOT_FOUND,
                 "app-image-config"),
        ReadPath(RT.IMAGE, "ListImages", "Images", "ImageName", "ImageArn", None, None,
                 _NOT_FOUND, "image"),
        _job("DataQuality", RT.DATA_QUALITY_JOB_DEFINITION, "data-quality-job-definition"),
        _job("ModelBias", RT.MODEL_BIAS_JOB_DEFINITION, "model-bias-job-definition"),
        _job("ModelQuality", RT.MODEL_QUALITY_JOB_DEFINITION, "model-quality-job-definition"),
        _job("ModelExplainability", RT.MODEL_EXPLAINABILITY_JOB_DEFINITION,
             "model-explainability-job-definition"),
        ReadPath(RT.MONITORING_SCHEDULE, "ListMonitoringSchedules",
                 "MonitoringScheduleSummaries", "MonitoringScheduleName",
                 "MonitoringScheduleArn", "DescribeMonitoringSchedule",
                 "MonitoringScheduleName", _NOT_FOUND, "monitoring-schedule"),
    )
}  # fmt: skip

# Types whose controls read tags (SageMaker.6 and .7); nothing else needs ListTags.
TAGGED_TYPES = frozenset({RT.APP_IMAGE_CONFIG, RT.IMAGE})
LIST_TAGS_OP = "ListTags"
LIST_TAGS_READS = ("Tags[].Key",)
PAGE_SIZE = 100
TAGS_PAGE_SIZE = 100  # ListTags accepts 50-100


def identity(name_param: str) -> tuple[str, str]:
    """The name and ARN members of a Describe answer, from its name parameter: SageMaker
    answers `ModelName` with `ModelName` and `ModelArn` (`JobDefinitionName`: ...Arn)."""
    return (name_param, name_param.removesuffix("Name") + "Arn")


def snake(op: str) -> str:
    out = []
    for i, ch in enumerate(op):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
