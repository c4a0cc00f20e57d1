"""State of the SageMaker resources moto 5.x lacks, per (account, region).

Images, app image configs and monitoring schedules live here, with their tags; the
extension's single lock guards it, so there is no locking in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sagewarden_demo.emulator.clock import now

TagList = list[dict[str, str]]

# ARN resource types whose tags the extension (not moto) owns.
IMAGE = "image"
APP_IMAGE_CONFIG = "app-image-config"
MONITORING_SCHEDULE = "monitoring-schedule"
EXTENSION_KINDS = (IMAGE, APP_IMAGE_CONFIG, MONITORING_SCHEDULE)


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


@dataclass
class RegionState:
    images: dict[str, Image] = field(default_factory=dict)
    app_image_configs: dict[str, AppImageConfig] = field(default_factory=dict)
    monitoring_schedules: dict[str, MonitoringSchedule] = field(default_factory=dict)

    def tagged(self, kind: str, name: str) -> Image | AppImageConfig | MonitoringSchedule | None:
        if kind == IMAGE:
            return self.images.get(name)
        if kind == APP_IMAGE_CONFIG:
            return self.app_image_configs.get(name)
        if kind == MONITORING_SCHEDULE:
            return self.monitoring_schedules.get(name)
        return None


class Store:
    """RegionState per (account, region), created on first use."""

    def __init__(self) -> None:
        self._regions: dict[tuple[str, str], RegionState] = {}

    def region(self, account: str, region: str) -> RegionState:
        return self._regions.setdefault((account, region), RegionState())

    def reset(self) -> None:
        self._regions.clear()
