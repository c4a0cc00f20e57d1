"""Reading and annotating moto's own SageMaker objects.

Fields moto drops (a notebook's PlatformIdentifier, its IMDS setting...) are kept on the
moto object itself, so they vanish with it on delete or reset and a recreated
resource never inherits stale values. moto's objects are untyped to us: Any on purpose.
"""

from __future__ import annotations

from typing import Any

_EXTRA = "_sagewarden_extra"

# MonitoringType -> (backend attribute holding the definitions, definition's job-input attribute)
JOB_DEFINITIONS: dict[str, tuple[str, str]] = {
    "DataQuality": ("data_quality_job_definitions", "data_quality_job_input"),
    "ModelBias": ("model_bias_job_definitions", "model_bias_job_input"),
    "ModelQuality": ("model_quality_job_definitions", "model_quality_job_input"),
    "ModelExplainability": (
        "model_explainability_job_definitions",
        "model_explainability_job_input",
    ),
}


def extras(obj: Any) -> dict[str, Any]:
    """The extension's fields stored on a moto object (created empty on first use)."""
    found: dict[str, Any] | None = obj.__dict__.get(_EXTRA)
    if found is None:
        found = {}
        obj.__dict__[_EXTRA] = found
    return found


def endpoint_of(job_input: Any) -> str | None:
    """EndpointInput.EndpointName of a monitoring job input (None for batch transform)."""
    if not isinstance(job_input, dict):
        return None
    endpoint_input = job_input.get("EndpointInput")
    if isinstance(endpoint_input, dict) and isinstance(endpoint_input.get("EndpointName"), str):
        return str(endpoint_input["EndpointName"])
    return None


def job_definitions(backend: Any, monitoring_type: str) -> dict[str, Any]:
    attribute, _ = JOB_DEFINITIONS[monitoring_type]
    found: dict[str, Any] = getattr(backend, attribute)
    return found


def job_definition(backend: Any, monitoring_type: str, name: str) -> Any | None:
    """moto's job definition of this MonitoringType and name, or None."""
    if monitoring_type not in JOB_DEFINITIONS:
        return None
    return job_definitions(backend, monitoring_type).get(name)


def job_definition_endpoint(definition: Any, monitoring_type: str) -> str | None:
    """The endpoint a moto job definition of this MonitoringType monitors."""
    return endpoint_of(getattr(definition, JOB_DEFINITIONS[monitoring_type][1], None))
