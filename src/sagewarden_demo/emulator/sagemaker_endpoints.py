"""Endpoint configs and endpoints as the SageMaker API reference documents them.

moto 5.2 keeps owning both; these handlers call it in-process and correct it:

- CreateEndpointConfig: moto accepts variants AWS refuses (an instance-based variant with
  no InitialInstanceCount, a serverless one that also names instances, shadow variants
  next to more than one production variant, a shadow variant of a missing model),
  silently replaces an existing config, checks InstanceType against an old list, and
  drops every member it does not model (ShadowProductionVariants, ExecutionRoleArn,
  VpcConfig, EnableNetworkIsolation, ExplainerConfig...). The request is kept on moto's
  object and DescribeEndpointConfig answers those members from it.
- CreateEndpoint: moto silently replaces an existing endpoint.
- DescribeEndpoint: moto answers the endpoint config's DataCaptureConfig *request*
  where AWS answers a DataCaptureConfigSummary (the answer broke the model: HTTP 500),
  and has no ShadowProductionVariants.
- UpdateEndpoint: moto lacks it; it switches to an existing config and ends InService.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sagewarden_demo.emulator.clock import moto_now
from sagewarden_demo.emulator.context import Context
from sagewarden_demo.emulator.moto_state import extras
from sagewarden_demo.emulator.replies import invalid
from sagewarden_demo.emulator.validation import operation_model

Handler = Callable[[Context], dict[str, Any]]

MOTO_KNOWN_VARIANT_TYPE = "ml.m5.large"  # in moto's own (old) list of endpoint types
_REQUEST = "EndpointConfigRequest"  # extras key: the CreateEndpointConfig request
_SHADOWS = "ShadowProductionVariants"  # extras key: an endpoint's shadow variant summaries
_INSTANCE_KEYS = ("InstanceType", "InitialInstanceCount", "InstancePools")


def _variant_problem(variant: dict[str, Any]) -> str | None:
    """What AWS refuses in one ProductionVariant, or None.

    The API reference: a ProductionVariant "describes the resources that you want
    SageMaker to provision. This includes the number and type of ML compute instances to
    deploy" (CreateEndpointConfig), and ServerlessConfig "Specifies a serverless endpoint
    configuration instead of an instance-based endpoint configuration"
    (ProductionVariant). So a variant is either serverless, or names its instances: a
    type (InstanceType, or InstancePools) and a count (InitialInstanceCount).
    """
    named = [key for key in _INSTANCE_KEYS if key in variant]
    if "ServerlessConfig" in variant:
        if named:
            return (
                f"has ServerlessConfig and {', '.join(named)}: a serverless variant is "
                "configured instead of instances, not as well as them"
            )
        return None
    if "InitialInstanceCount" not in variant or not (
        "InstanceType" in variant or "InstancePools" in variant
    ):
        return (
            "has neither ServerlessConfig nor both InstanceType and InitialInstanceCount: "
            "give the number and type of instances to deploy, or a ServerlessConfig"
        )
    return None


def _check_variants(ctx: Context) -> None:
    params = ctx.params
    production = params["ProductionVariants"]
    shadows = params.get("ShadowProductionVariants")
    for member, variants in (("ProductionVariants", production), (_SHADOWS, shadows or [])):
        for index, variant in enumerate(variants):
            problem = _variant_problem(variant)
            if problem:
                raise invalid(
                    f"{member}[{index}] (VariantName '{variant['VariantName']}') {problem}."
                )
    # The API reference (CreateEndpointConfig, ShadowProductionVariants): "If you use this
    # field, you can only specify one variant for ProductionVariants and one variant for
    # ShadowProductionVariants."
    if shadows is not None and (len(production) != 1 or len(shadows) != 1):
        raise invalid(
            "With ShadowProductionVariants, specify exactly one variant in "
            f"ProductionVariants and one in ShadowProductionVariants (got {len(production)} "
            f"and {len(shadows)})."
        )
    models = ctx.moto.backend()._models
    for variant in shadows or []:  # moto checks the production variants' models only
        name = variant.get("ModelName")
        if name is not None and name not in models:
            raise invalid(f"Could not find model '{ctx.arn('model', name)}'.")


def create_endpoint_config(ctx: Context) -> dict[str, Any]:
    params = ctx.params
    name = params["EndpointConfigName"]
    backend = ctx.moto.backend()
    if name in backend.endpoint_configs:  # moto silently replaces it
        raise invalid(
            "Cannot create already existing endpoint configuration "
            f'"{ctx.arn("endpoint-config", name)}".'
        )
    _check_variants(ctx)
    # moto checks InstanceType against an old list; the model's enum (already checked) is
    # what AWS accepts, so moto gets a type it knows and the request's variants are kept.
    for_moto = copy.deepcopy(params["ProductionVariants"])
    for variant in for_moto:
        if "InstanceType" in variant:
            variant["InstanceType"] = MOTO_KNOWN_VARIANT_TYPE
    result = ctx.moto.call(ctx.operation, {**params, "ProductionVariants": for_moto})
    config = backend.endpoint_configs[name]
    config.production_variants = params["ProductionVariants"]
    extras(config)[_REQUEST] = params
    return result


def describe_endpoint_config(ctx: Context) -> dict[str, Any]:
    result = ctx.moto.call(ctx.operation, ctx.params)
    config = ctx.moto.backend().endpoint_configs.get(ctx.params["EndpointConfigName"])
    request = extras(config).get(_REQUEST, {}) if config is not None else {}
    operation = operation_model("sagemaker", ctx.operation)
    members = operation.output_shape.members if operation and operation.output_shape else {}
    for member in members:  # what moto does not model comes back as it was given
        if member not in result and member in request:
            result[member] = request[member]
    return result


def _deploy(endpoint: Any, config: Any) -> None:
    """Point a moto endpoint at a config: its variants, shadow variants and capture."""
    endpoint.endpoint_config_name = config.endpoint_config_name
    endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
    endpoint.data_capture_config = config.data_capture_config
    shadows = extras(config).get(_REQUEST, {}).get(_SHADOWS)
    if shadows:
        extras(endpoint)[_SHADOWS] = endpoint._process_production_variants(shadows)
    else:
        extras(endpoint).pop(_SHADOWS, None)


def create_endpoint(ctx: Context) -> dict[str, Any]:
    backend = ctx.moto.backend()
    name = ctx.params["EndpointName"]
    # The API reference (CreateEndpoint): "The endpoint name must be unique within an
    # Amazon Web Services Region in your Amazon Web Services account." moto replaces it.
    if name in backend.endpoints:
        raise invalid(f'Cannot create already existing endpoint "{ctx.arn("endpoint", name)}".')
    result = ctx.moto.call(ctx.operation, ctx.params)  # refuses a missing endpoint config
    _deploy(backend.endpoints[name], backend.endpoint_configs[ctx.params["EndpointConfigName"]])
    return result


def capture_summary(capture: dict[str, Any]) -> dict[str, Any]:
    """The DataCaptureConfigSummary DescribeEndpoint answers for a DataCaptureConfig.

    EnableCapture "defaults to enabled" (DataCaptureConfig); CaptureStatus is Started or
    Stopped; KmsKeyId is left out when none was given, as AWS does (see
    validation.AWS_OMITS).
    """
    enabled = bool(capture.get("EnableCapture", True))
    summary: dict[str, Any] = {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": capture["InitialSamplingPercentage"],
        "DestinationS3Uri": capture["DestinationS3Uri"],
    }
    if capture.get("KmsKeyId"):
        summary["KmsKeyId"] = capture["KmsKeyId"]
    return summary


def describe_endpoint(ctx: Context) -> dict[str, Any]:
    result = ctx.moto.call(ctx.operation, ctx.params)
    endpoint = ctx.moto.backend().endpoints[ctx.params["EndpointName"]]
    result.pop("DataCaptureConfig", None)  # moto's: the request's members that fit
    if endpoint.data_capture_config:
        result["DataCaptureConfig"] = capture_summary(endpoint.data_capture_config)
    shadows = extras(endpoint).get(_SHADOWS)
    if shadows:
        result[_SHADOWS] = shadows
    return result


def update_endpoint(ctx: Context) -> dict[str, Any]:
    backend = ctx.moto.backend()
    name, config_name = ctx.params["EndpointName"], ctx.params["EndpointConfigName"]
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        raise invalid(f"Could not find endpoint '{ctx.arn('endpoint', name)}'.")
    config = backend.endpoint_configs.get(config_name)
    if config is None:
        raise invalid(
            f"Could not find endpoint configuration '{ctx.arn('endpoint-config', config_name)}'."
        )
    _deploy(endpoint, config)
    endpoint.endpoint_status = "InService"  # AWS passes through Updating; no timers here
    endpoint.last_modified_time = moto_now()
    return {"EndpointArn": endpoint.arn}


HANDLERS: dict[str, Handler] = {
    "CreateEndpointConfig": create_endpoint_config,
    "DescribeEndpointConfig": describe_endpoint_config,
    "CreateEndpoint": create_endpoint,
    "DescribeEndpoint": describe_endpoint,
    "UpdateEndpoint": update_endpoint,
}
