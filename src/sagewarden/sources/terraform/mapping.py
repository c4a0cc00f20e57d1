"""Terraform resource types -> CloudFormation types and property names: the one table.

Only what is Terraform's own is here (resource type names, attribute names, blocks); what
a type is on the CloudFormation side, its name property included, is read from kinds.

Two providers describe SageMaker:

- `aws` (hashicorp/aws, SDKv2): its own argument names, and every nested block is a
  *list* of objects, even when it can hold only one. The table says, per type, which
  attributes are renamed and which blocks are single objects in CloudFormation (to be
  unwrapped); every other name converts generically (snake_case -> PascalCase).
- `awscc` (hashicorp/awscc): generated from the CloudFormation schemas, so names are the
  snake_case of the CloudFormation names and nested attributes are already objects. Only
  the generic conversion is needed.

Paths in the table are Terraform attribute paths joined with ".", list indexes left out
(`production_variants.serverless_config` is the serverless_config block of every
variant). Checked against the providers' schemas and docs (aws 5.x-6.x; the aws monitoring
schedule gained an inline `monitoring_job_definition` block in recent releases; the aws
feature group against `terraform providers schema -json` of aws 5.100.0). hashicorp/aws has
no model bias, explainability or quality job definition and no inference experiment: those
exist only in awscc.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from botocore import xform_name

from sagewarden.kinds import RT, name_property

AWS_PROVIDER = "aws"
AWSCC_PROVIDER = "awscc"

# Word -> its spelling inside a CloudFormation name where plain capitalising is wrong
# (VolumeSizeInGB, MemorySizeInMB, EnableSSMAccess).
ACRONYMS: Mapping[str, str] = {"gb": "GB", "mb": "MB", "ssm": "SSM"}

# Maps whose keys are data (environment variables), never renamed; tags are read apart.
FREE_FORM: frozenset[str] = frozenset({"environment", "container_environment_variables"})

# Top-level attributes with no CloudFormation property: Terraform's own bookkeeping, or
# read into Resource fields (tags, arn) rather than properties.
_AWS_DROP = frozenset({"id", "arn", "tags", "tags_all", "region", "name_prefix", "timeouts"})
_AWSCC_DROP = frozenset({"id", "tags"})


@dataclass(frozen=True)
class TypeMap:
    """How one Terraform resource type becomes a canonical resource."""

    cfn_type: str
    provider: str
    name_attr: str  # the Terraform attribute that holds the resource's name (its name property)
    arn_attr: str | None = None
    renames: Mapping[str, str] = field(default_factory=dict)  # path -> CloudFormation name
    objects: frozenset[str] = frozenset()  # paths of blocks CloudFormation holds as one object
    drop: frozenset[str] = frozenset()  # top-level attributes that are not properties

    def property_name(self, path: str, attr: str) -> str:
        """The CloudFormation name for attribute `attr` found at `path`."""
        return self.renames.get(path) or pascal(attr)


def pascal(snake: str) -> str:
    """`volume_size_in_gb` -> `VolumeSizeInGB`: the generic conversion."""
    return "".join(ACRONYMS.get(w, w[:1].upper() + w[1:]) for w in snake.split("_") if w)


def _under(prefix: str, paths: Iterable[str]) -> frozenset[str]:
    return frozenset(f"{prefix}.{p}" if p else prefix for p in paths)


# Blocks shared by several aws types.
_VPC = ("vpc_config",)
_CONTAINER = (
    "",
    "image_config",
    "image_config.repository_auth_config",
    "model_data_source",
    "model_data_source.s3_data_source",
    "model_data_source.s3_data_source.model_access_config",
    "multi_model_config",
)
_VARIANT = (
    "serverless_config",
    "core_dump_config",
    "routing_config",
    "managed_instance_scaling",
    "managed_instance_scaling.scale_in_policy",
    "capacity_reservation_config",
)
_DATASET_INPUT = (
    "",
    "dataset_format",
    "dataset_format.csv",
    "dataset_format.json",
)
_JOB_NETWORK = ("", "vpc_config")


def _aws(
    cfn_type: str,
    name_attr: str,
    renames: Mapping[str, str] | None = None,
    objects: Iterable[str] = (),
) -> TypeMap:
    """A hashicorp/aws type: its name attribute becomes the type's name property."""
    return TypeMap(
        cfn_type=cfn_type,
        provider=AWS_PROVIDER,
        name_attr=name_attr,
        arn_attr="arn",
        renames={name_attr: name_property(cfn_type), **(renames or {})},
        objects=frozenset(objects),
        drop=_AWS_DROP,
    )


_MONITOR_JOB = "monitoring_schedule_config.monitoring_job_definition"
_FEATURE = "feature_definition"  # one block per feature: FeatureDefinitions stays a list

AWS_TYPES: dict[str, TypeMap] = {
    "aws_sagemaker_notebook_instance": _aws(
        RT.NOTEBOOK_INSTANCE,
        "name",
        renames={
            "security_groups": "SecurityGroupIds",
            "volume_size": "VolumeSizeInGB",
        },
        objects=("instance_metadata_service_configuration",),
    ),
    "aws_sagemaker_model": _aws(
        RT.MODEL,
        "name",
        renames={"container": "Containers"},
        objects=(
            *_under("primary_container", _CONTAINER),
            *_under("container", _CONTAINER[1:]),  # Containers stays a list
            "inference_execution_config",
            *_VPC,
        ),
    ),
    "aws_sagemaker_endpoint_configuration": _aws(
        RT.ENDPOINT_CONFIG,
        "name",
        renames={"kms_key_arn": "KmsKeyId"},
        objects=(
            *_under("production_variants", _VARIANT),
            *_under("shadow_production_variants", _VARIANT),
            "data_capture_config",
            "data_capture_config.capture_content_type_header",
            "async_inference_config",
            "async_inference_config.client_config",
            "async_inference_config.output_config",
            "async_inference_config.output_config.notification_config",
        ),
    ),
    "aws_sagemaker_image": _aws(
        RT.IMAGE,
        "image_name",
        renames={
            "role_arn": "ImageRoleArn",
            "description": "ImageDescription",
            "display_name": "ImageDisplayName",
        },
    ),
    "aws_sagemaker_app_image_config": _aws(
        RT.APP_IMAGE_CONFIG,
        "app_image_config_name",
        renames={
            "kernel_gateway_image_config.kernel_spec": "KernelSpecs",
            "jupyter_lab_image_config": "JupyterLabAppImageConfig",
        },
        objects=(
            "kernel_gateway_image_config",
            "kernel_gateway_image_config.file_system_config",
            *_under("jupyter_lab_image_config", ("", "container_config", "file_system_config")),
            *_under("code_editor_app_image_config", ("", "container_config", "file_system_config")),
        ),
    ),
    "aws_sagemaker_data_quality_job_definition": _aws(
        RT.DATA_QUALITY_JOB_DEFINITION,
        "name",
        objects=(
            "data_quality_app_specification",
            *_under(
                "data_quality_baseline_config", ("", "constraints_resource", "statistics_resource")
            ),
            "data_quality_job_input",
            *_under("data_quality_job_input.batch_transform_input", _DATASET_INPUT),
            "data_quality_job_input.endpoint_input",
            "data_quality_job_output_config",
            "data_quality_job_output_config.monitoring_outputs.s3_output",
            "job_resources",
            "job_resources.cluster_config",
            *_under("network_config", _JOB_NETWORK),
            "stopping_condition",
        ),
    ),
    "aws_sagemaker_monitoring_schedule": _aws(
        RT.MONITORING_SCHEDULE,
        "name",
        renames={f"{_MONITOR_JOB}.baseline": "BaselineConfig"},
        objects=(
            "monitoring_schedule_config",
            "monitoring_schedule_config.schedule_config",
            _MONITOR_JOB,
            *_under(
                _MONITOR_JOB,
                (
                    "baseline",
                    "baseline.constraints_resource",
                    "baseline.statistics_resource",
                    "monitoring_app_specification",
                    "monitoring_output_config",
                    "monitoring_output_config.monitoring_outputs.s3_output",
                    "monitoring_resources",
                    "monitoring_resources.cluster_config",
                    "network_config",
                    "network_config.vpc_config",
                    "stopping_condition",
                    # monitoring_inputs stays a list (MonitoringInputs), its inputs are objects
                    *_under("monitoring_inputs.batch_transform_input", _DATASET_INPUT),
                    "monitoring_inputs.endpoint_input",
                ),
            ),
        ),
    ),
    "aws_sagemaker_feature_group": _aws(
        RT.FEATURE_GROUP,
        "feature_group_name",
        renames={_FEATURE: "FeatureDefinitions"},
        objects=(
            *_under(f"{_FEATURE}.collection_config", ("", "vector_config")),
            *_under("offline_store_config", ("", "s3_storage_config", "data_catalog_config")),
            *_under("online_store_config", ("", "security_config", "ttl_duration")),
            "throughput_config",
        ),
    ),
}


def _awscc(cfn_type: str, arn_attr: str | None) -> TypeMap:
    """An awscc type: generated from the CloudFormation schema, so its name attribute is
    the snake_case of the type's name property (and the ARN attribute, if the schema has
    one, that of its ARN property)."""
    name = name_property(cfn_type)
    attr = str(xform_name(name))
    return TypeMap(
        cfn_type=cfn_type,
        provider=AWSCC_PROVIDER,
        name_attr=attr,
        arn_attr=arn_attr,
        renames={attr: name},
        drop=_AWSCC_DROP,
    )


AWSCC_TYPES: dict[str, TypeMap] = {
    "awscc_sagemaker_notebook_instance": _awscc(RT.NOTEBOOK_INSTANCE, "notebook_instance_arn"),
    "awscc_sagemaker_model": _awscc(RT.MODEL, "model_arn"),
    "awscc_sagemaker_endpoint_config": _awscc(RT.ENDPOINT_CONFIG, "endpoint_config_arn"),
    "awscc_sagemaker_image": _awscc(RT.IMAGE, "image_arn"),
    "awscc_sagemaker_app_image_config": _awscc(RT.APP_IMAGE_CONFIG, "app_image_config_arn"),
    "awscc_sagemaker_data_quality_job_definition": _awscc(
        RT.DATA_QUALITY_JOB_DEFINITION, "job_definition_arn"
    ),
    "awscc_sagemaker_model_bias_job_definition": _awscc(
        RT.MODEL_BIAS_JOB_DEFINITION, "job_definition_arn"
    ),
    "awscc_sagemaker_model_explainability_job_definition": _awscc(
        RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, "job_definition_arn"
    ),
    "awscc_sagemaker_model_quality_job_definition": _awscc(
        RT.MODEL_QUALITY_JOB_DEFINITION, "job_definition_arn"
    ),
    "awscc_sagemaker_monitoring_schedule": _awscc(
        RT.MONITORING_SCHEDULE, "monitoring_schedule_arn"
    ),
    # AWS::SageMaker::FeatureGroup's schema holds no ARN (only CreationTime and
    # FeatureGroupStatus are read-only), so neither does the awscc resource.
    "awscc_sagemaker_feature_group": _awscc(RT.FEATURE_GROUP, None),
    "awscc_sagemaker_inference_experiment": _awscc(RT.INFERENCE_EXPERIMENT, "arn"),
}

TYPES: dict[str, TypeMap] = {**AWS_TYPES, **AWSCC_TYPES}
