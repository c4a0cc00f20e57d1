"""SageMaker resources moto 5.x does not have: images, app image configs, monitoring
schedules, and the tags on them and on feature groups and inference experiments (whose
operations are sagemaker_featurestore.py's and sagemaker_experiments.py's).

Behaviour follows the SageMaker API reference: ResourceNotFound/ResourceInUse errors,
full details in ListAppImageConfigs, monitoring schedules that are Pending until first
described after a create or update and Scheduled afterwards (state, not timers), and
that can reference only a job definition that exists with their MonitoringType.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewarden_demo.emulator.clock import now
from sagewarden_demo.emulator.context import Context, PassThrough
from sagewarden_demo.emulator.moto_state import endpoint_of, job_definition, job_definition_endpoint
from sagewarden_demo.emulator.paging import ListSpec, by_name, by_time, list_page, paginate
from sagewarden_demo.emulator.replies import ApiError
from sagewarden_demo.emulator.sagemaker_store import (
    APP_IMAGE_CONFIG,
    APP_IMAGE_CONFIG_KINDS,
    EXTENSION_KINDS,
    IMAGE,
    MONITORING_SCHEDULE,
    AppImageConfig,
    Image,
    MonitoringSchedule,
    Tagged,
    arn_kind_and_name,
)

Handler = Callable[[Context], dict[str, Any]]

MAX_TAGS = 50


def not_found(label: str, arn: str) -> ApiError:
    return ApiError("ResourceNotFound", f"{label} {arn} does not exist.")


def in_use(label: str, arn: str) -> ApiError:
    return ApiError("ResourceInUse", f"{label} {arn} already exists.")


# Images


def _image(ctx: Context) -> Image:
    name = ctx.params["ImageName"]
    image = ctx.state.images.get(name)
    if image is None:
        raise not_found("Image", ctx.arn(IMAGE, name))
    return image


def create_image(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    arn = ctx.arn(IMAGE, p["ImageName"])
    if p["ImageName"] in ctx.state.images:
        raise in_use("Image", arn)
    ctx.state.images[p["ImageName"]] = Image(
        name=p["ImageName"],
        arn=arn,
        role_arn=p["RoleArn"],
        description=p.get("Description"),
        display_name=p.get("DisplayName"),
        tags=[dict(tag) for tag in p.get("Tags", [])],
    )
    return {"ImageArn": arn}


def describe_image(ctx: Context) -> dict[str, Any]:
    return _image(ctx).describe()


def update_image(ctx: Context) -> dict[str, Any]:
    image = _image(ctx)
    p = ctx.params
    deletions = set(p.get("DeleteProperties", []))
    unknown = deletions - {"Description", "DisplayName"}
    if unknown:
        raise ApiError("ValidationException", f"Invalid DeleteProperties: {sorted(unknown)}")
    if deletions & set(p):
        raise ApiError("ValidationException", "A property cannot be both updated and deleted.")
    if "Description" in deletions:
        image.description = None
    if "DisplayName" in deletions:
        image.display_name = None
    image.description = p.get("Description", image.description)
    image.display_name = p.get("DisplayName", image.display_name)
    image.role_arn = p.get("RoleArn", image.role_arn)
    image.last_modified_time = now()
    return {"ImageArn": image.arn}


def delete_image(ctx: Context) -> dict[str, Any]:
    _image(ctx)
    del ctx.state.images[ctx.params["ImageName"]]
    return {}


_IMAGES: ListSpec[Image] = ListSpec(
    scope="ListImages",
    name=lambda i: i.name,
    created=lambda i: i.creation_time,
    modified=lambda i: i.last_modified_time,
    sort_keys={
        "CREATION_TIME": by_time(lambda i: i.creation_time, lambda i: i.name),
        "LAST_MODIFIED_TIME": by_time(lambda i: i.last_modified_time, lambda i: i.name),
        "IMAGE_NAME": by_name(lambda i: i.name),
    },
    default_sort="CREATION_TIME",
)


def list_images(ctx: Context) -> dict[str, Any]:
    page = list_page(_IMAGES, ctx.state.images.values(), ctx.params)
    return {"Images": [i.summary() for i in page.items], "NextToken": page.next_token}


# App image configs


def _app_image_config(ctx: Context) -> AppImageConfig:
    name = ctx.params["AppImageConfigName"]
    config = ctx.state.app_image_configs.get(name)
    if config is None:
        raise not_found("AppImageConfig", ctx.arn(APP_IMAGE_CONFIG, name))
    return config


def create_app_image_config(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    name = p["AppImageConfigName"]
    arn = ctx.arn(APP_IMAGE_CONFIG, name)
    if name in ctx.state.app_image_configs:
        raise in_use("AppImageConfig", arn)
    ctx.state.app_image_configs[name] = AppImageConfig(
        name=name,
        arn=arn,
        configs={kind: p[kind] for kind in APP_IMAGE_CONFIG_KINDS if kind in p},
        tags=[dict(tag) for tag in p.get("Tags", [])],
    )
    return {"AppImageConfigArn": arn}


def describe_app_image_config(ctx: Context) -> dict[str, Any]:
    return _app_image_config(ctx).describe()


def update_app_image_config(ctx: Context) -> dict[str, Any]:
    config = _app_image_config(ctx)
    for kind in APP_IMAGE_CONFIG_KINDS:
        if kind in ctx.params:
            config.configs[kind] = ctx.params[kind]
    config.last_modified_time = now()
    return {"AppImageConfigArn": config.arn}


def delete_app_image_config(ctx: Context) -> dict[str, Any]:
    _app_image_config(ctx)
    del ctx.state.app_image_configs[ctx.params["AppImageConfigName"]]
    return {}


_APP_IMAGE_CONFIGS: ListSpec[AppImageConfig] = ListSpec(
    scope="ListAppImageConfigs",
    name=lambda c: c.name,
    created=lambda c: c.creation_time,
    modified=lambda c: c.last_modified_time,
    modified_params=("ModifiedTimeBefore", "ModifiedTimeAfter"),
    sort_keys={
        "CreationTime": by_time(lambda c: c.creation_time, lambda c: c.name),
        "LastModifiedTime": by_time(lambda c: c.last_modified_time, lambda c: c.name),
        "Name": by_name(lambda c: c.name),
    },
    default_sort="CreationTime",
)


def list_app_image_configs(ctx: Context) -> dict[str, Any]:
    page = list_page(_APP_IMAGE_CONFIGS, ctx.state.app_image_configs.values(), ctx.params)
    return {
        "AppImageConfigs": [c.describe() for c in page.items],
        "NextToken": page.next_token,
    }


# Monitoring schedules


def _schedule(ctx: Context) -> MonitoringSchedule:
    name = ctx.params["MonitoringScheduleName"]
    schedule = ctx.state.monitoring_schedules.get(name)
    if schedule is None:
        raise not_found("Monitoring schedule", ctx.arn(MONITORING_SCHEDULE, name))
    return schedule


def _type_and_endpoint(ctx: Context, config: dict[str, Any]) -> tuple[str, str | None]:
    """MonitoringType and monitored endpoint of a schedule config (AWS's own derivation).

    A schedule by reference must name a job definition that exists, of its type. The API
    reference (MonitoringScheduleConfig): MonitoringJobDefinitionName is "The name of the
    monitoring job definition to schedule" and MonitoringType "The type of the monitoring
    job definition to schedule". CreateMonitoringSchedule's model lists no
    ResourceNotFound, so a missing or mistyped definition is the common
    ValidationException (400) there, and in UpdateMonitoringSchedule alike: the same
    invalid input gets the same answer.
    """
    inline = config.get("MonitoringJobDefinition")
    by_name_ = config.get("MonitoringJobDefinitionName")
    if (inline is None) == (by_name_ is None):
        raise ApiError(
            "ValidationException",
            "Exactly one of MonitoringJobDefinition and MonitoringJobDefinitionName "
            "must be provided.",
        )
    if inline is not None:
        inputs = inline.get("MonitoringInputs") or [{}]
        return config.get("MonitoringType", "DataQuality"), endpoint_of(inputs[0])
    monitoring_type = config.get("MonitoringType")
    if monitoring_type is None:
        raise ApiError(
            "ValidationException",
            "MonitoringType is required when MonitoringJobDefinitionName is provided.",
        )
    definition = job_definition(ctx.moto.backend(), monitoring_type, str(by_name_))
    if definition is None:
        raise ApiError(
            "ValidationException",
            f"Could not find {monitoring_type} job definition '{by_name_}' "
            f"(MonitoringJobDefinitionName must name an existing {monitoring_type} "
            "job definition).",
        )
    return monitoring_type, job_definition_endpoint(definition, monitoring_type)


def create_monitoring_schedule(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    name = p["MonitoringScheduleName"]
    arn = ctx.arn(MONITORING_SCHEDULE, name)
    if name in ctx.state.monitoring_schedules:
        raise in_use("Monitoring schedule", arn)
    config = p["MonitoringScheduleConfig"]
    monitoring_type, endpoint = _type_and_endpoint(ctx, config)
    ctx.state.monitoring_schedules[name] = MonitoringSchedule(
        name=name,
        arn=arn,
        config=config,
        monitoring_type=monitoring_type,
        endpoint_name=endpoint,
        tags=[dict(tag) for tag in p.get("Tags", [])],
    )
    return {"MonitoringScheduleArn": arn}


def describe_monitoring_schedule(ctx: Context) -> dict[str, Any]:
    return _schedule(ctx).describe()


def update_monitoring_schedule(ctx: Context) -> dict[str, Any]:
    schedule = _schedule(ctx)
    config = ctx.params["MonitoringScheduleConfig"]
    schedule.monitoring_type, schedule.endpoint_name = _type_and_endpoint(ctx, config)
    schedule.config = config  # the whole config is replaced, as in AWS
    schedule.status = "Pending"
    schedule.last_modified_time = now()
    return {"MonitoringScheduleArn": schedule.arn}


def delete_monitoring_schedule(ctx: Context) -> dict[str, Any]:
    _schedule(ctx)
    del ctx.state.monitoring_schedules[ctx.params["MonitoringScheduleName"]]
    return {}


def start_monitoring_schedule(ctx: Context) -> dict[str, Any]:
    schedule = _schedule(ctx)
    schedule.status = "Scheduled"
    schedule.last_modified_time = now()
    return {}


def stop_monitoring_schedule(ctx: Context) -> dict[str, Any]:
    schedule = _schedule(ctx)
    schedule.status = "Stopped"
    schedule.last_modified_time = now()
    return {}


_SCHEDULES: ListSpec[MonitoringSchedule] = ListSpec(
    scope="ListMonitoringSchedules",
    name=lambda s: s.name,
    created=lambda s: s.creation_time,
    modified=lambda s: s.last_modified_time,
    sort_keys={
        "Name": by_name(lambda s: s.name),
        "CreationTime": by_time(lambda s: s.creation_time, lambda s: s.name),
        "Status": lambda s: (s.status, s.name),
    },
    default_sort="CreationTime",
)


def list_monitoring_schedules(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    selected = [
        s
        for s in ctx.state.monitoring_schedules.values()
        if (not p.get("EndpointName") or s.endpoint_name == p["EndpointName"])
        and (not p.get("StatusEquals") or s.status == p["StatusEquals"])
        and (not p.get("MonitoringTypeEquals") or s.monitoring_type == p["MonitoringTypeEquals"])
        and (
            not p.get("MonitoringJobDefinitionName")
            or s.config.get("MonitoringJobDefinitionName") == p["MonitoringJobDefinitionName"]
        )
    ]
    page = list_page(_SCHEDULES, selected, p)
    return {
        "MonitoringScheduleSummaries": [s.summary() for s in page.items],
        "NextToken": page.next_token,
    }


# Tags on the resources above; any other ARN is moto's.


def _tagged(ctx: Context) -> Tagged:
    resource_arn = ctx.params["ResourceArn"]
    parsed = arn_kind_and_name(resource_arn)
    if parsed is None or parsed[0] not in EXTENSION_KINDS:
        raise PassThrough
    resource = ctx.state.tagged(*parsed)
    if resource is None or resource.arn != resource_arn:
        raise ApiError("ResourceNotFound", f"Resource {resource_arn} does not exist.")
    return resource


def list_tags(ctx: Context) -> dict[str, Any]:
    resource = _tagged(ctx)
    positions = list(enumerate(resource.tags))
    page = paginate(
        positions,
        key=lambda pair: (pair[0],),
        scope=f"ListTags:{resource.arn}",
        max_results=ctx.params.get("MaxResults"),
        next_token=ctx.params.get("NextToken"),
        default_size=MAX_TAGS,
    )
    return {"Tags": [tag for _, tag in page.items], "NextToken": page.next_token}


def add_tags(ctx: Context) -> dict[str, Any]:
    resource = _tagged(ctx)
    merged = {tag["Key"]: tag["Value"] for tag in resource.tags}
    merged.update({tag["Key"]: tag["Value"] for tag in ctx.params["Tags"]})
    if len(merged) > MAX_TAGS:
        raise ApiError(
            "ValidationException",
            f"Resource {resource.arn} would have {len(merged)} tags; at most {MAX_TAGS} allowed.",
        )
    resource.tags = [{"Key": k, "Value": v} for k, v in merged.items()]
    return {"Tags": resource.tags}


def delete_tags(ctx: Context) -> dict[str, Any]:
    resource = _tagged(ctx)
    dropped = set(ctx.params["TagKeys"])
    resource.tags = [tag for tag in resource.tags if tag["Key"] not in dropped]
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateImage": create_image,
    "DescribeImage": describe_image,
    "UpdateImage": update_image,
    "DeleteImage": delete_image,
    "ListImages": list_images,
    "CreateAppImageConfig": create_app_image_config,
    "DescribeAppImageConfig": describe_app_image_config,
    "UpdateAppImageConfig": update_app_image_config,
    "DeleteAppImageConfig": delete_app_image_config,
    "ListAppImageConfigs": list_app_image_configs,
    "CreateMonitoringSchedule": create_monitoring_schedule,
    "DescribeMonitoringSchedule": describe_monitoring_schedule,
    "UpdateMonitoringSchedule": update_monitoring_schedule,
    "DeleteMonitoringSchedule": delete_monitoring_schedule,
    "StartMonitoringSchedule": start_monitoring_schedule,
    "StopMonitoringSchedule": stop_monitoring_schedule,
    "ListMonitoringSchedules": list_monitoring_schedules,
    "ListTags": list_tags,
    "AddTags": add_tags,
    "DeleteTags": delete_tags,
}
