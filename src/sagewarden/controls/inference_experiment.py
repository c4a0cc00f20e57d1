"""Inference experiments: SageMaker.23 and .24, their checks and Controls.

An inference experiment (shadow testing) runs model variants beside a live endpoint.
`KmsKey` encrypts the storage of the instances it starts and is fixed at creation;
`DataStorageConfig` is where it captures the traffic, and UpdateInferenceExperiment
takes it, so .24 is fixed in place with a key the user names.
"""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import FROM_OPTION_KMS_KEY, Context, Control, Fix, Severity
from sagewarden.controls.keys import key_named
from sagewarden.kinds import IN_PLACE, REBUILD
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import is_absent, raw
from sagewarden.verdicts import Verdict, not_applicable

DATA_STORAGE = "DataStorageConfig"
DATA_KEY = "DataStorageConfig.KmsKey"
# What an absent key means, said by the checks and by the Guard rules (sagewarden.guard).
INSTANCE_KEY_ABSENT = "the storage of the experiment's instances is not encrypted with a KMS key"
DATA_KEY_ABSENT = "captured data is not encrypted with a KMS key"


def instance_storage_encryption(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED when the experiment's `KmsKey` is absent or empty."""
    return key_named(r, "KmsKey", INSTANCE_KEY_ABSENT)


def data_storage_encryption(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """No `DataStorageConfig` (no data capture): NOT_APPLICABLE. Otherwise FAILED when
    `DataStorageConfig.KmsKey` is absent or empty."""
    if is_absent(raw(r.properties, DATA_STORAGE)):
        return not_applicable("no DataStorageConfig: the experiment captures no data")
    return key_named(r, DATA_KEY, DATA_KEY_ABSENT)


_ENCRYPTION = "Protect > Data Protection > Encryption of data-at-rest"
_INSTANCE_BLOCKED = (
    "Not fixed by sagewarden: KmsKey is set only when an experiment is created, and an "
    "experiment cannot be copied while it runs. A person: stop the experiment "
    "(StopInferenceExperiment), create a new one with the same endpoint, variants, schedule "
    "and shadow mode and KmsKey set to a KMS key, then delete the old one."
)

INSTANCE_STORAGE_ENCRYPTION = Control(
    id="SageMaker.23",
    title="SageMaker inference experiments should encrypt instance storage with KMS keys",
    description=(
        "Checks whether a SageMaker inference experiment encrypts the storage of its "
        "instances with an AWS KMS key. Fails if KmsKey is not set."
    ),
    severity=Severity.MEDIUM,
    category=_ENCRYPTION,
    resource_type=RT.INFERENCE_EXPERIMENT,
    config_rule="sagemaker-inf-experiment-instance-storage-kms-encrypted",
    schedule="Change triggered",
    remediation=_INSTANCE_BLOCKED,
    fix=Fix(REBUILD, (("KmsKey", FROM_OPTION_KMS_KEY),), blocked=_INSTANCE_BLOCKED),
    check=instance_storage_encryption,
)

DATA_STORAGE_ENCRYPTION = Control(
    id="SageMaker.24",
    title="SageMaker inference experiments should encrypt data storage with KMS keys",
    description=(
        "Checks whether a SageMaker inference experiment that captures data encrypts it "
        "with an AWS KMS key. Fails if DataStorageConfig has no KmsKey."
    ),
    severity=Severity.MEDIUM,
    category=_ENCRYPTION,
    resource_type=RT.INFERENCE_EXPERIMENT,
    config_rule="sagemaker-inf-experiment-data-storage-kms-encrypted",
    schedule="Change triggered",
    remediation=(
        "In place while the experiment's status allows an update (not Completed or "
        "Cancelled): UpdateInferenceExperiment with the whole DataStorageConfig and KmsKey "
        "set to a KMS key the user names (--kms-key)."
    ),
    fix=Fix(IN_PLACE, ((DATA_KEY, FROM_OPTION_KMS_KEY),)),
    check=data_storage_encryption,
)

CONTROLS = (INSTANCE_STORAGE_ENCRYPTION, DATA_STORAGE_ENCRYPTION)
