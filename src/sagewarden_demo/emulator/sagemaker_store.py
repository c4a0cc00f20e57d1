"""State of the SageMaker resources moto 5.x lacks, per (account, region).

Images, app image configs, monitoring schedules, feature groups and inference
experiments live here, with their tags; the extension's single lock guards it, so there
is no locking in this module. Feature groups and inference experiments are
sagemaker_featurestore.py's and sagemaker_experiments.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sagewarden_demo.emulator.clock import now

TagList = list[dict[str, str]]

# ARN resource types whose tags the extension (not moto) owns.
IMAGE = "image"
APP_IMAGE_CONFIG = "app-image-config"
MONITORING_SCHEDULE = "monitoring-schedule"
FEATURE_GROUP = "feature-group"
INFERENCE_EXPERIMENT = "inference-experiment"
EXTENSION_KINDS = (
    IMAGE,
    APP_IMAGE_CONFIG,
    MONITORING_SCHEDULE,
    FEATURE_GROUP,
    INFERENCE_EXPERIMENT,
)


def arn(region: str, account: str, kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:{kind}/{name}"


def arn_kind_and_name(resource_arn: str) -> tuple[str, str] | None:
    """('image', 'name') for arn:aws:sagemaker:region:account:image/name, else None."""
    parts = resource_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "sagemaker" or "/" not in parts[5]:
        return None
    kind, name = parts[5].split("/", 1)
    return kind, name


@dataclass
class Image:
    name: str
    arn: str
    role_arn: str
    description: str | None = None
    display_name: str | None = None
    tags: TagList = field(default_factory=list)
    creation_time: datetime = field(default_factory=now)
    last_modified_time: datetime = field(default_factory=now)

    def summary(self) -> dict[str, Any]:
        return {
            "ImageName": self.name,
            "ImageArn": self.arn,
            "ImageStatus": "CREATED",
            "Description": self.description,
            "DisplayName": self.display_name,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "RoleArn": self.role_arn}


APP_IMAGE_CONFIG_KINDS = (
    "KernelGatewayImageConfig",
    "JupyterLabAppImageConfig",
    "CodeEditorAppImageConfig",
)


@dataclass
class AppImageConfig:
    name: str
    arn: str
    configs: dict[str, Any] = field(default_factory=dict)  # keyed by APP_IMAGE_CONFIG_KINDS
    tags: TagList = field(default_factory=list)
    creation_time: datetime = field(default_factory=now)
    last_modified_time: datetime = field(default_factory=now)

    def describe(self) -> dict[str, Any]:
        return {
            "AppImageConfigName": self.name,
            "AppImageConfigArn": self.arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            **self.configs,
        }


@dataclass
class MonitoringSchedule:
    name: str
    arn: str
    config: dict[str, Any]
    monitoring_type: str
    endpoint_name: str | None
    status: str = "Pending"
    tags: TagList = field(default_factory=list)
    creation_time: datetime = field(default_factory=now)
    last_modified_time: datetime = field(default_factory=now)

    def summary(self) -> dict[str, Any]:
        return {
            "MonitoringScheduleName": self.name,
            "MonitoringScheduleArn": self.arn,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "MonitoringScheduleStatus": self.status,
            "EndpointName": self.endpoint_name,
            "MonitoringJobDefinitionName": self.config.get("MonitoringJobDefinitionName"),
            "MonitoringType": self.monitoring_type,
        }

    def describe(self) -> dict[str, Any]:
        """The description; a Pending schedule becomes Scheduled once it has been seen."""
        described = {
            "MonitoringScheduleArn": self.arn,
            "MonitoringScheduleName": self.name,
            "MonitoringScheduleStatus": self.status,
            "MonitoringType": self.monitoring_type,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "MonitoringScheduleConfig": self.config,
            "EndpointName": self.endpoint_name,
        }
        if self.status == "Pending":
            self.status = "Scheduled"
        return described


# Feature groups (sagemaker_featurestore.py)

# The members of a CreateFeatureGroup request DescribeFeatureGroup answers as stored.
FEATURE_GROUP_MEMBERS = (
    "RecordIdentifierFeatureName",
    "EventTimeFeatureName",
    "FeatureDefinitions",
    "OnlineStoreConfig",
    "OfflineStoreConfig",
    "ThroughputConfig",
    "RoleArn",
    "Description",
)


@dataclass
class FeatureGroup:
    """A feature group: `definition` holds FEATURE_GROUP_MEMBERS as created (the offline
    store completed as AWS completes it) and as updated since."""

    name: str
    arn: str
    definition: dict[str, Any]
    status: str = "Creating"  # Created once it has been described
    last_update: str | None = None  # LastUpdateStatus.Status after an UpdateFeatureGroup
    tags: TagList = field(default_factory=list)
    creation_time: datetime = field(default_factory=now)
    last_modified_time: datetime | None = None

    @property
    def has_offline_store(self) -> bool:
        return "OfflineStoreConfig" in self.definition

    def offline_status(self) -> dict[str, str] | None:
        return {"Status": "Active"} if self.has_offline_store else None

    def summary(self) -> dict[str, Any]:
        return {
            "FeatureGroupName": self.name,
            "FeatureGroupArn": self.arn,
            "CreationTime": self.creation_time,
            "FeatureGroupStatus": self.status,
            "OfflineStoreStatus": self.offline_status(),
        }

    def describe(self) -> dict[str, Any]:
        """The description; Creating becomes Created, and an update in progress
        Successful, once seen (state, not timers: as monitoring schedules do)."""
        described = {
            "FeatureGroupArn": self.arn,
            "FeatureGroupName": self.name,
            **self.definition,
            "CreationTime": self.creation_time,
            "LastModifiedTime": self.last_modified_time,
            "FeatureGroupStatus": self.status,
            "OfflineStoreStatus": self.offline_status(),
            "LastUpdateStatus": {"Status": self.last_update} if self.last_update else None,
        }
        self.status = "Created"
        if self.last_update == "InProgress":
            self.last_update = "Successful"
        return described


# Inference experiments (sagemaker_experiments.py)

# CreateInferenceExperiment without a Schedule: "the experiment automatically starts
# immediately upon creation and concludes after 7 days" (API reference); at most 30 days.
DEFAULT_EXPERIMENT_DURATION = timedelta(days=7)
MAX_EXPERIMENT_DURATION = timedelta(days=30)
# The members of a CreateInferenceExperiment request DescribeInferenceExperiment answers
# as stored (and UpdateInferenceExperiment replaces, KmsKey and Type excepted).
EXPERIMENT_MEMBERS = (
    "Type",
    "Description",
    "RoleArn",
    "ModelVariants",
    "DataStorageConfig",
    "ShadowModeConfig",
    "KmsKey",
)


@dataclass
class InferenceExperiment:
    """A shadow test beside an endpoint. Status, as the API reference describes it:
    Creating until seen, then Created before its StartTime, Running until its EndTime,
    Completed after; Updating until seen after an update; Stopping until seen after a
    stop, then the stop's DesiredState (Completed or Cancelled)."""

    name: str
    arn: str
    endpoint_name: str
    start: datetime
    end: datetime
    config: dict[str, Any]  # EXPERIMENT_MEMBERS as given
    status: str = "Creating"
    status_reason: str | None = None
    stopped_as: str = "Completed"  # the status a Stopping experiment ends in
    removed_variants: set[str] = field(default_factory=set)  # by StopInferenceExperiment
    tags: TagList = field(default_factory=list)
    creation_time: datetime = field(default_factory=now)
    last_modified_time: datetime = field(default_factory=now)
    completion_time: datetime | None = None

    def settle(self, at: datetime) -> None:
        """Apply what its schedule says has happened by `at` (Created and Running only)."""
        if self.status not in ("Created", "Running"):
            return
        if at >= self.end:
            self.status, self.completion_time = "Completed", self.end
        elif at >= self.start:
            self.status = "Running"

    @property
    def variant_names(self) -> list[str]:
        return [str(v["VariantName"]) for v in self.config["ModelVariants"]]

    def summary(self) -> dict[str, Any]:
        self.settle(now())
        return {
            "Name": self.name,
            "Type": self.config["Type"],
            "Schedule": {"StartTime": self.start, "EndTime": self.end},
            "Status": self.status,
            "StatusReason": self.status_reason,
            "Description": self.config.get("Description"),
            "CreationTime": self.creation_time,
            "CompletionTime": self.completion_time,
            "LastModifiedTime": self.last_modified_time,
            "RoleArn": self.config["RoleArn"],
        }

    def describe(self, endpoint: dict[str, Any]) -> dict[str, Any]:
        """The description (`endpoint`: its EndpointMetadata); a status in transition
        moves on once it has been seen."""
        described = {
            **self.summary(),
            **self.config,
            "Arn": self.arn,
            "EndpointMetadata": endpoint,
            "ModelVariants": [self._variant_summary(v) for v in self.config["ModelVariants"]],
        }
        if self.status in ("Creating", "Updating"):
            self.status = "Created"
            self.settle(now())
        elif self.status == "Stopping":
            self.status, self.completion_time = self.stopped_as, now()
        return described

    def _variant_summary(self, variant: dict[str, Any]) -> dict[str, Any]:
        if variant["VariantName"] in self.removed_variants:
            status = "Deleted"
        elif self.status in ("Creating", "Updating"):
            status = self.status
        else:
            status = "InService"
        return {**variant, "Status": status}


@dataclass
class RegionState:
    images: dict[str, Image] = field(default_factory=dict)
    app_image_configs: dict[str, AppImageConfig] = field(default_factory=dict)
    monitoring_schedules: dict[str, MonitoringSchedule] = field(default_factory=dict)
    feature_groups: dict[str, FeatureGroup] = field(default_factory=dict)
    inference_experiments: dict[str, InferenceExperiment] = field(default_factory=dict)

    def tagged(self, kind: str, name: str) -> Tagged | None:
        """The resource an ARN of this kind and name names (feature group ARNs hold the
        name in lower case, as AWS writes them)."""
        if kind == IMAGE:
            return self.images.get(name)
        if kind == APP_IMAGE_CONFIG:
            return self.app_image_configs.get(name)
        if kind == MONITORING_SCHEDULE:
            return self.monitoring_schedules.get(name)
        if kind == FEATURE_GROUP:
            return next((g for g in self.feature_groups.values() if g.name.lower() == name), None)
        if kind == INFERENCE_EXPERIMENT:
            return self.inference_experiments.get(name)
        return None


Tagged = Image | AppImageConfig | MonitoringSchedule | FeatureGroup | InferenceExperiment


class Store:
    """RegionState per (account, region), created on first use."""

    def __init__(self) -> None:
        self._regions: dict[tuple[str, str], RegionState] = {}

    def region(self, account: str, region: str) -> RegionState:
        return self._regions.setdefault((account, region), RegionState())

    def reset(self) -> None:
        self._regions.clear()
