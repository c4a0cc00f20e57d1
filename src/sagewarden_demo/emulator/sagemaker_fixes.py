"""SageMaker operations moto 5.x implements wrongly or not at all, patched over moto.

moto keeps owning notebooks, models and job definitions; these handlers call it
in-process and add what it lacks: UpdateNotebookInstance, AWS's state rules for notebook
Start/Stop/Delete, the notebook runtime (volume and lifecycle scripts, see
notebook_runtime), the refusal of a notebook without internet access and without a
subnet, the fields it drops (PlatformIdentifier, EnableNetworkIsolation...),
duplicate-model refusal, and paging for the lists moto returns whole (ListModels) or
breaks past 100 items (ListDataQualityJobDefinitions, ListModelBiasJobDefinitions).
Endpoint configs and endpoints are sagemaker_endpoints' job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sagewarden_demo.emulator import notebook_runtime
from sagewarden_demo.emulator.clock import moto_now
from sagewarden_demo.emulator.context import Context
from sagewarden_demo.emulator.moto_state import endpoint_of, extras, job_definitions
from sagewarden_demo.emulator.paging import ListSpec, by_name, by_time, list_page
from sagewarden_demo.emulator.replies import ApiError

Handler = Callable[[Context], dict[str, Any]]

DEFAULT_PLATFORM_IDENTIFIER = "notebook-al2023-v1"
MOTO_KNOWN_TYPE = "ml.t3.medium"
# CreateNotebookInstance without this setting gets IMDSv1 (AWS API reference).
DEFAULT_IMDS = {"MinimumInstanceMetadataServiceVersion": "1"}

# UpdateNotebookInstance parameter -> moto notebook attribute
_NOTEBOOK_UPDATES = {
    "InstanceType": "instance_type",
    "RoleArn": "role_arn",
    "LifecycleConfigName": "lifecycle_config_name",
    "VolumeSizeInGB": "volume_size_in_gb",
    "DefaultCodeRepository": "default_code_repository",
    "AdditionalCodeRepositories": "additional_code_repositories",
    "AcceleratorTypes": "accelerator_types",
    "RootAccess": "root_access",
}
_NOTEBOOK_DISASSOCIATIONS = {
    "DisassociateLifecycleConfig": "lifecycle_config_name",
    "DisassociateAcceleratorTypes": "accelerator_types",
    "DisassociateDefaultCodeRepository": "default_code_repository",
    "DisassociateAdditionalCodeRepositories": "additional_code_repositories",
}
_NOTEBOOK_EXTRAS = ("PlatformIdentifier", "InstanceMetadataServiceConfiguration", "IpAddressType")


def forward(ctx: Context) -> dict[str, Any]:
    """moto's answer as is; the extension still prunes and validates it."""
    return ctx.moto.call(ctx.operation, ctx.params)


def create_notebook_instance(ctx: Context) -> dict[str, Any]:
    # The API reference (CreateNotebookInstance, DirectInternetAccess): "You can set the
    # value of this parameter to Disabled only if you set a value for the SubnetId
    # parameter." moto accepts it without one.
    if ctx.params.get("DirectInternetAccess") == "Disabled" and not ctx.params.get("SubnetId"):
        raise ApiError(
            "ValidationException",
            "DirectInternetAccess can be Disabled only if a SubnetId is specified.",
        )
    # moto checks InstanceType against an old list; the model's enum (already checked) is
    # what AWS accepts, so moto gets a type it knows and the real one is set afterwards.
    instance_type = ctx.params["InstanceType"]
    result = ctx.moto.call(ctx.operation, {**ctx.params, "InstanceType": MOTO_KNOWN_TYPE})
    notebook = ctx.moto.backend().notebook_instances[ctx.params["NotebookInstanceName"]]
    notebook.instance_type = instance_type
    stored = extras(notebook)
    stored.clear()
    stored["PlatformIdentifier"] = ctx.params.get("PlatformIdentifier", DEFAULT_PLATFORM_IDENTIFIER)
    stored["InstanceMetadataServiceConfiguration"] = ctx.params.get(
        "InstanceMetadataServiceConfiguration", DEFAULT_IMDS
    )
    if "IpAddressType" in ctx.params:
        stored["IpAddressType"] = ctx.params["IpAddressType"]
    notebook_runtime.on_create(ctx.account, ctx.region, ctx.moto.backend(), notebook)
    return result


def describe_notebook_instance(ctx: Context) -> dict[str, Any]:
    result = forward(ctx)
    notebook = ctx.moto.backend().notebook_instances.get(ctx.params["NotebookInstanceName"])
    stored = extras(notebook) if notebook is not None else {}
    result["PlatformIdentifier"] = stored.get("PlatformIdentifier", DEFAULT_PLATFORM_IDENTIFIER)
    result["InstanceMetadataServiceConfiguration"] = stored.get(
        "InstanceMetadataServiceConfiguration", DEFAULT_IMDS
    )
    if "IpAddressType" in stored:
        result["IpAddressType"] = stored["IpAddressType"]
    result.setdefault("RootAccess", "Enabled")  # AWS's default; moto leaves it out
    if result.get("SubnetId") and "NetworkInterfaceId" not in result:
        digest = hashlib.sha256(str(result.get("NotebookInstanceArn")).encode()).hexdigest()
        result["NetworkInterfaceId"] = f"eni-{digest[:17]}"
    return result


def _notebook_in(ctx: Context, allowed: tuple[str, ...], target: str) -> Any:
    """The moto notebook named in the request, if its status allows moving to `target`
    (AWS's ValidationException wording otherwise; RecordNotFound when it is missing)."""
    notebook = ctx.moto.backend().notebook_instances.get(ctx.params["NotebookInstanceName"])
    if notebook is None:
        raise ApiError("ValidationException", "RecordNotFound")
    if notebook.status not in allowed:
        raise ApiError(
            "ValidationException",
            f"Status ({notebook.status}) not in ([{', '.join(allowed)}]). Unable to transition "
            f"to ({target}) for Notebook Instance ({notebook.arn}).",
        )
    return notebook


def start_notebook_instance(ctx: Context) -> dict[str, Any]:
    notebook = _notebook_in(ctx, ("Stopped", "Failed"), "Pending")
    notebook.start()  # immediate: InService on the first Describe
    notebook.last_modified_time = moto_now()
    notebook_runtime.on_start(ctx.account, ctx.region, ctx.moto.backend(), notebook)
    return {}


def stop_notebook_instance(ctx: Context) -> dict[str, Any]:
    notebook = _notebook_in(ctx, ("InService",), "Stopping")
    notebook.stop()  # immediate: Stopped on the first Describe
    notebook.last_modified_time = moto_now()
    return {}


def delete_notebook_instance(ctx: Context) -> dict[str, Any]:
    notebook = _notebook_in(ctx, ("Stopped", "Failed"), "Deleting")
    # the volume lives on the moto object: it goes with it, as AWS destroys it
    del ctx.moto.backend().notebook_instances[notebook.notebook_instance_name]
    return {}


def update_notebook_instance(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    notebook = _notebook_in(ctx, ("Stopped", "Failed"), "Updating")
    for flag, attribute in _NOTEBOOK_DISASSOCIATIONS.items():
        if params.get(flag):
            setattr(notebook, attribute, None)
    for param, attribute in _NOTEBOOK_UPDATES.items():
        if param in params:
            setattr(notebook, attribute, params[param])
    stored = extras(notebook)
    for param in _NOTEBOOK_EXTRAS:
        if param in params:
            stored[param] = params[param]
    notebook.last_modified_time = moto_now()
    return {}


def create_model(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    backend = ctx.moto.backend()
    name = params["ModelName"]
    if name in backend._models:  # moto silently replaces it
        raise ApiError(
            "ValidationException",
            f'Cannot create already existing model "{ctx.arn("model", name)}".',
        )
    result = forward(ctx)
    model = backend._models[name]
    model.enable_network_isolation = bool(params.get("EnableNetworkIsolation", False))
    # moto invents ExecutionRoleArn "arn:test" and empty VpcConfig/containers; AWS omits them.
    model.execution_role_arn = params.get("ExecutionRoleArn")
    model.vpc_config = params.get("VpcConfig")
    model.primary_container = params.get("PrimaryContainer")
    model.containers = params.get("Containers")
    if "InferenceExecutionConfig" in params:
        model.inference_execution_config = params["InferenceExecutionConfig"]
    return result


def describe_model(ctx: Context) -> dict[str, Any]:
    result = forward(ctx)
    if result.get("ExecutionRoleArn") == "arn:test":  # moto's stand-in (models made by CFN)
        del result["ExecutionRoleArn"]
    return result


_MODELS: ListSpec[Any] = ListSpec(
    scope="ListModels",
    name=lambda model: str(model.model_name),
    created=lambda model: model.creation_time,
    sort_keys={
        "Name": by_name(lambda model: str(model.model_name)),
        "CreationTime": by_time(lambda m: m.creation_time, lambda m: str(m.model_name)),
    },
    default_sort="CreationTime",
)


def list_models(ctx: Context) -> dict[str, Any]:
    page = list_page(_MODELS, list(ctx.moto.backend()._models.values()), ctx.params)
    return {
        "Models": [
            {"ModelName": m.model_name, "ModelArn": m.arn, "CreationTime": m.creation_time}
            for m in page.items
        ],
        "NextToken": page.next_token,
    }


def create_model_explainability_job_definition(ctx: Context) -> dict[str, Any]:
    result = forward(ctx)
    # moto keeps tags=None when none are given, and ListTags on it then crashes.
    definition = job_definitions(ctx.moto.backend(), "ModelExplainability").get(
        ctx.params["JobDefinitionName"]
    )
    if definition is not None and definition.tags is None:
        definition.tags = []
    return result


def describe_model_explainability_job_definition(ctx: Context) -> dict[str, Any]:
    result = forward(ctx)
    # moto describes it under the misspelt key "StoppingConditions", so it is lost.
    definitions = job_definitions(ctx.moto.backend(), "ModelExplainability")
    definition = definitions.get(ctx.params["JobDefinitionName"])
    if definition is not None and definition.stopping_condition:
        result["StoppingCondition"] = definition.stopping_condition
    return result


def _job_definition_lister(monitoring_type: str, input_attribute: str) -> Handler:
    spec: ListSpec[Any] = ListSpec(
        scope=f"List{monitoring_type}JobDefinitions",
        name=lambda d: str(d.job_definition_name),
        created=lambda d: d.creation_time,
        sort_keys={
            "Name": by_name(lambda d: str(d.job_definition_name)),
            "CreationTime": by_time(
                lambda d: d.creation_time, lambda d: str(d.job_definition_name)
            ),
        },
        default_sort="CreationTime",
    )

    def handler(ctx: Context) -> dict[str, Any]:
        definitions = list(job_definitions(ctx.moto.backend(), monitoring_type).values())
        wanted = ctx.params.get("EndpointName")
        if wanted:
            definitions = [
                d for d in definitions if endpoint_of(getattr(d, input_attribute)) == wanted
            ]
        page = list_page(spec, definitions, ctx.params)
        return {
            "JobDefinitionSummaries": [
                {
                    "MonitoringJobDefinitionName": d.job_definition_name,
                    "MonitoringJobDefinitionArn": d.arn,
                    "CreationTime": d.creation_time,
                    "EndpointName": endpoint_of(getattr(d, input_attribute)) or "",
                }
                for d in page.items
            ],
            "NextToken": page.next_token,
        }

    return handler


HANDLERS: dict[str, Handler] = {
    "CreateNotebookInstance": create_notebook_instance,
    "DescribeNotebookInstance": describe_notebook_instance,
    "UpdateNotebookInstance": update_notebook_instance,
    "StartNotebookInstance": start_notebook_instance,
    "StopNotebookInstance": stop_notebook_instance,
    "DeleteNotebookInstance": delete_notebook_instance,
    "CreateModel": create_model,
    "DescribeModel": describe_model,
    "ListModels": list_models,
    "DescribeDataQualityJobDefinition": forward,
    "DescribeModelBiasJobDefinition": forward,
    "DescribeModelQualityJobDefinition": forward,
    "DescribeModelExplainabilityJobDefinition": describe_model_explainability_job_definition,
    "CreateModelExplainabilityJobDefinition": create_model_explainability_job_definition,
    "ListDataQualityJobDefinitions": _job_definition_lister(
        "DataQuality", "data_quality_job_input"
    ),
    "ListModelBiasJobDefinitions": _job_definition_lister("ModelBias", "model_bias_job_input"),
}
