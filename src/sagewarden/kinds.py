"""One descriptor per SageMaker resource type: every per-type fact, in one place.

Imitates Cloud Custodian's `TypeInfo` (c7n/resources/sagemaker.py): the CloudFormation
type, the API noun its operations are named after, how a List page names and locates
a resource, what Describe takes, which error codes mean "gone", the Describe names that
differ from CloudFormation's, AWS's defaults for absent fields, the order fixes run in
and what `Update*` can change in place. The sources, the collector, the planner, the
runner and the IAM policy read these rows; tests/unit/test_kinds.py checks every row against
botocore's SageMaker model, so a typo in an operation or a key fails a test, not a scan.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from botocore import xform_name

SERVICE = "sagemaker"


class ResourceType:
    """The CloudFormation type names, as constants for code that names one type."""

    NOTEBOOK_INSTANCE = "AWS::SageMaker::NotebookInstance"
    ENDPOINT_CONFIG = "AWS::SageMaker::EndpointConfig"
    MODEL = "AWS::SageMaker::Model"
    APP_IMAGE_CONFIG = "AWS::SageMaker::AppImageConfig"
    IMAGE = "AWS::SageMaker::Image"
    DATA_QUALITY_JOB_DEFINITION = "AWS::SageMaker::DataQualityJobDefinition"
    MODEL_BIAS_JOB_DEFINITION = "AWS::SageMaker::ModelBiasJobDefinition"
    MODEL_EXPLAINABILITY_JOB_DEFINITION = "AWS::SageMaker::ModelExplainabilityJobDefinition"
    MODEL_QUALITY_JOB_DEFINITION = "AWS::SageMaker::ModelQualityJobDefinition"
    MONITORING_SCHEDULE = "AWS::SageMaker::MonitoringSchedule"
    FEATURE_GROUP = "AWS::SageMaker::FeatureGroup"
    INFERENCE_EXPERIMENT = "AWS::SageMaker::InferenceExperiment"


RT = ResourceType
_VALIDATION = frozenset({"ValidationException"})
NOT_FOUND = frozenset({"ResourceNotFound", "ResourceNotFoundException"})
IN_PLACE = "in-place"  # Update* (or AddTags) changes the resource itself
BLUE_GREEN = "blue/green"  # immutable: a new resource, users repointed, the old deleted
REBUILD = "rebuild"  # some fixes need a new resource with the same name


@dataclass(frozen=True)
class Kind:
    """What sagewarden knows about one resource type, all of it."""

    type: str  # CloudFormation / AWS Config type
    noun: str  # the API noun: CreateModel, DescribeModel, ListModels
    arn_kind: str  # the resource part of the ARN ("notebook-instance")
    label: str  # how plans and journals name the kind ("notebook", "job-definition")
    name_property: str  # the CloudFormation property that holds the name
    list_key: str  # the list in the List output (the paginator's result key)
    summary_name_key: str  # the name in a List summary
    # The ARN in a List summary (never build an ARN from a name); None when the summary
    # has none (ListInferenceExperiments): Describe's answer holds it.
    summary_arn_key: str | None
    describe_param: str  # what Describe takes the name as (may differ from the summary's)
    scan_describes: bool  # False: the List page holds everything the controls read
    not_found: frozenset[str]  # Describe error codes that mean "deleted since listed"
    fix_order: int  # plans run in this order within a phase (models before configs)
    fix_strategy: str  # IN_PLACE, BLUE_GREEN or REBUILD (what Update* cannot change)
    in_place: tuple[str, ...] = ()  # top-level fields Update<noun> can change
    monitoring_type: str | None = None  # a job definition's MonitoringType
    tagged: bool = False  # a control reads its tags (SageMaker.6/.7): ListTags in a scan
    # Describe-API names that differ from the CloudFormation names.
    api_renames: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Dotted path -> the value AWS uses when the field is absent.
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def op(self, verb: str) -> str:
        """A botocore operation name: op("Create") -> "CreateModel"."""
        return f"{verb}{self.noun}"

    @property
    def list_op(self) -> str:
        return f"List{self.noun}s"

    @property
    def describe_op(self) -> str:
        return self.op("Describe")

    @property
    def update_op(self) -> str | None:
        """The Update call that changes `in_place` fields; None for immutable types."""
        return self.op("Update") if self.in_place else None

    @property
    def is_job_definition(self) -> bool:
        return self.monitoring_type is not None


def method(operation: str) -> str:
    """The boto3 method of a botocore operation: DescribeModel -> describe_model."""
    return str(xform_name(operation))


def _job(monitoring_type: str, rtype: str) -> Kind:
    return Kind(
        type=rtype,
        noun=f"{monitoring_type}JobDefinition",
        arn_kind=f"{xform_name(monitoring_type, '-')}-job-definition",
        label="job-definition",
        name_property="JobDefinitionName",
        list_key="JobDefinitionSummaries",
        summary_name_key="MonitoringJobDefinitionName",
        summary_arn_key="MonitoringJobDefinitionArn",
        describe_param="JobDefinitionName",
        scan_describes=True,
        not_found=NOT_FOUND,
        fix_order=6,
        fix_strategy=BLUE_GREEN,
        monitoring_type=monitoring_type,
        defaults=MappingProxyType(
            {
                "NetworkConfig.EnableNetworkIsolation": False,
                "NetworkConfig.EnableInterContainerTrafficEncryption": False,
            }
        ),
    )


KINDS: tuple[Kind, ...] = (
    Kind(
        type=RT.NOTEBOOK_INSTANCE,
        noun="NotebookInstance",
        arn_kind="notebook-instance",
        label="notebook",
        name_property="NotebookInstanceName",
        list_key="NotebookInstances",
        summary_name_key="NotebookInstanceName",
        summary_arn_key="NotebookInstanceArn",
        describe_param="NotebookInstanceName",
        scan_describes=True,
        not_found=_VALIDATION,
        fix_order=0,
        fix_strategy=REBUILD,  # DirectInternetAccess and SubnetId are not in the Update
        in_place=("RootAccess", "PlatformIdentifier", "InstanceType"),
        api_renames=MappingProxyType(
            {
                "SecurityGroups": "SecurityGroupIds",
                "NotebookInstanceLifecycleConfigName": "LifecycleConfigName",
            }
        ),
        defaults=MappingProxyType({"DirectInternetAccess": "Enabled", "RootAccess": "Enabled"}),
    ),
    Kind(
        type=RT.APP_IMAGE_CONFIG,
        noun="AppImageConfig",
        arn_kind="app-image-config",
        label="app-image-config",
        name_property="AppImageConfigName",
        list_key="AppImageConfigs",
        summary_name_key="AppImageConfigName",
        summary_arn_key="AppImageConfigArn",
        describe_param="AppImageConfigName",
        scan_describes=False,
        not_found=NOT_FOUND,
        fix_order=1,
        fix_strategy=IN_PLACE,  # its control reads tags: AddTags
        tagged=True,
    ),
    Kind(
        type=RT.IMAGE,
        noun="Image",
        arn_kind="image",
        label="image",
        name_property="ImageName",
        list_key="Images",
        summary_name_key="ImageName",
        summary_arn_key="ImageArn",
        describe_param="ImageName",
        scan_describes=False,
        not_found=NOT_FOUND,
        fix_order=2,
        fix_strategy=IN_PLACE,  # its control reads tags: AddTags
        tagged=True,
    ),
    Kind(
        type=RT.MONITORING_SCHEDULE,
        noun="MonitoringSchedule",
        arn_kind="monitoring-schedule",
        label="monitoring-schedule",
        name_property="MonitoringScheduleName",
        list_key="MonitoringScheduleSummaries",
        summary_name_key="MonitoringScheduleName",
        summary_arn_key="MonitoringScheduleArn",
        describe_param="MonitoringScheduleName",
        scan_describes=True,
        not_found=NOT_FOUND,
        fix_order=3,
        fix_strategy=IN_PLACE,
        in_place=("MonitoringScheduleConfig",),
        defaults=MappingProxyType(
            {
                "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig."
                "EnableNetworkIsolation": False,
                "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig."
                "EnableInterContainerTrafficEncryption": False,
            }
        ),
    ),
    Kind(
        type=RT.MODEL,
        noun="Model",
        arn_kind="model",
        label="model",
        name_property="ModelName",
        list_key="Models",
        summary_name_key="ModelName",
        summary_arn_key="ModelArn",
        describe_param="ModelName",
        scan_describes=True,
        not_found=_VALIDATION,
        fix_order=4,
        fix_strategy=BLUE_GREEN,
        defaults=MappingProxyType({"EnableNetworkIsolation": False}),
    ),
    Kind(
        type=RT.ENDPOINT_CONFIG,
        noun="EndpointConfig",
        arn_kind="endpoint-config",
        label="endpoint-config",
        name_property="EndpointConfigName",
        list_key="EndpointConfigs",
        summary_name_key="EndpointConfigName",
        summary_arn_key="EndpointConfigArn",
        describe_param="EndpointConfigName",
        scan_describes=True,
        not_found=_VALIDATION,
        fix_order=5,
        fix_strategy=BLUE_GREEN,
    ),
    Kind(
        type=RT.FEATURE_GROUP,
        noun="FeatureGroup",
        arn_kind="feature-group",
        label="feature-group",
        name_property="FeatureGroupName",
        list_key="FeatureGroupSummaries",
        summary_name_key="FeatureGroupName",
        summary_arn_key="FeatureGroupArn",
        describe_param="FeatureGroupName",
        scan_describes=True,
        not_found=NOT_FOUND,
        fix_order=7,
        # UpdateFeatureGroup cannot change a store's key: a new feature group, whose
        # online records must be ingested again (never sagewarden's choice: blocked).
        fix_strategy=REBUILD,
        in_place=("ThroughputConfig",),  # its OnlineStoreConfig update takes only a TTL
        defaults=MappingProxyType(
            {
                "OnlineStoreConfig.EnableOnlineStore": False,
                "OnlineStoreConfig.StorageType": "Standard",
            }
        ),
    ),
    Kind(
        type=RT.INFERENCE_EXPERIMENT,
        noun="InferenceExperiment",
        arn_kind="inference-experiment",
        label="inference-experiment",
        name_property="Name",
        list_key="InferenceExperiments",
        summary_name_key="Name",
        summary_arn_key=None,
        describe_param="Name",
        scan_describes=True,
        not_found=NOT_FOUND,
        fix_order=8,
        fix_strategy=IN_PLACE,  # DataStorageConfig (SageMaker.24); KmsKey is create-only
        in_place=(
            "DataStorageConfig",
            "Schedule",
            "Description",
            "ModelVariants",
            "ShadowModeConfig",
        ),
    ),
    _job("DataQuality", RT.DATA_QUALITY_JOB_DEFINITION),
    _job("ModelBias", RT.MODEL_BIAS_JOB_DEFINITION),
    _job("ModelQuality", RT.MODEL_QUALITY_JOB_DEFINITION),
    _job("ModelExplainability", RT.MODEL_EXPLAINABILITY_JOB_DEFINITION),
)

BY_TYPE: Mapping[str, Kind] = MappingProxyType({k.type: k for k in KINDS})
ALL_TYPES: frozenset[str] = frozenset(BY_TYPE)
# MonitoringType (as a schedule names it) -> the job definition resource type.
MONITORING_TYPES: Mapping[str, str] = MappingProxyType(
    {k.monitoring_type: k.type for k in KINDS if k.monitoring_type}
)
JOB_DEFINITION_TYPES: frozenset[str] = frozenset(MONITORING_TYPES.values())
TAGGED_TYPES: frozenset[str] = frozenset(k.type for k in KINDS if k.tagged)


def kind(resource_type: str) -> Kind:
    """The descriptor of a type sagewarden knows (KeyError for any other)."""
    return BY_TYPE[resource_type]


def name_property(resource_type: str) -> str:
    """The name property of a type, "" for a type sagewarden does not know."""
    k = BY_TYPE.get(resource_type)
    return k.name_property if k else ""


def aws_default(resource_type: str, path: str) -> Any:
    """The value AWS records when `path` is absent (None when there is none)."""
    k = BY_TYPE.get(resource_type)
    return k.defaults.get(path) if k else None


@functools.cache
def service_model() -> Any:
    """botocore's SageMaker model, loaded once for the whole process."""
    import botocore.session

    return botocore.session.get_session().get_service_model(SERVICE)
