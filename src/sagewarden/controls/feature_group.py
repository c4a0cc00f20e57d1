"""Feature groups: SageMaker.17 and .18, their checks and Controls.

A feature group keeps records in an offline store (S3) and, optionally, an online store.
Neither store's key can change after creation, and a new feature group starts with an
empty online store, so the fix is a person's decision: both are planned, blocked.
"""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import FROM_OPTION_KMS_KEY, Context, Control, Fix, Severity
from sagewarden.controls.keys import key_named
from sagewarden.kinds import REBUILD
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import as_bool, as_enum, get, is_absent, raw
from sagewarden.verdicts import Verdict, not_applicable

OFFLINE = "OfflineStoreConfig"
OFFLINE_KEY = "OfflineStoreConfig.S3StorageConfig.KmsKeyId"
ONLINE_ENABLED = "OnlineStoreConfig.EnableOnlineStore"
STORAGE_TYPE = "OnlineStoreConfig.StorageType"
ONLINE_KEY = "OnlineStoreConfig.SecurityConfig.KmsKeyId"
_STORAGE_TYPES = ("Standard", "InMemory")
# What an absent key means, said by the checks and by the Guard rules (sagewarden.guard).
OFFLINE_KEY_ABSENT = "the offline store is encrypted with an AWS owned key"
ONLINE_KEY_ABSENT = "the online store is encrypted with an AWS owned key"


def offline_store_encryption(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """No `OfflineStoreConfig`: NOT_APPLICABLE. Otherwise FAILED when
    `OfflineStoreConfig.S3StorageConfig.KmsKeyId` is absent or empty; any key passes."""
    if is_absent(raw(r.properties, OFFLINE)):
        return not_applicable("no OfflineStoreConfig: the feature group has no offline store")
    return key_named(r, OFFLINE_KEY, OFFLINE_KEY_ABSENT)


def online_store_encryption(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """In scope only when `OnlineStoreConfig.EnableOnlineStore` is true (absent means false)
    and `OnlineStoreConfig.StorageType` is `Standard` (absent means `Standard`); otherwise
    NOT_APPLICABLE. In scope: FAILED when `OnlineStoreConfig.SecurityConfig.KmsKeyId` is
    absent or empty."""
    enabled = get(r.type, r.properties, ONLINE_ENABLED)
    if not as_bool(ONLINE_ENABLED, enabled.value):
        return not_applicable(f"{enabled.describe(ONLINE_ENABLED, False)}: no online store")
    storage = get(r.type, r.properties, STORAGE_TYPE)
    kind = as_enum(STORAGE_TYPE, storage.value, _STORAGE_TYPES)
    if kind != "Standard":
        return not_applicable(f"{storage.describe(STORAGE_TYPE, kind)}, not Standard storage")
    return key_named(r, ONLINE_KEY, ONLINE_KEY_ABSENT)


_BLOCKED = (
    "Not fixed by sagewarden: {store} key cannot change (UpdateFeatureGroup does not take "
    "it), and a new feature group starts with an empty online store. A person: create a "
    "feature group with the same feature definitions and {field} set to a KMS key, "
    "re-ingest the records (PutRecord, or a backfill from the offline store), move the "
    "readers and writers to it, then delete the old one."
)
_ENCRYPTION = "Protect > Data Protection > Encryption of data-at-rest"
_OFFLINE_BLOCKED = _BLOCKED.format(store="the offline store's", field=OFFLINE_KEY)
_ONLINE_BLOCKED = _BLOCKED.format(store="the online store's", field=ONLINE_KEY)

OFFLINE_STORE_ENCRYPTION = Control(
    id="SageMaker.17",
    title="SageMaker feature group offline stores should be encrypted with AWS KMS keys",
    description=(
        "Checks whether a SageMaker feature group's offline store is encrypted with an AWS "
        "KMS key. Fails if the offline store has no KmsKeyId."
    ),
    severity=Severity.MEDIUM,
    category=_ENCRYPTION,
    resource_type=RT.FEATURE_GROUP,
    config_rule="sagemaker-featuregroup-encryption-at-rest",
    schedule="Change triggered",
    remediation=_OFFLINE_BLOCKED,
    fix=Fix(
        REBUILD,
        ((OFFLINE_KEY, FROM_OPTION_KMS_KEY),),
        blocked=_OFFLINE_BLOCKED,
    ),
    check=offline_store_encryption,
)

ONLINE_STORE_ENCRYPTION = Control(
    id="SageMaker.18",
    title=(
        "SageMaker feature group online stores with standard storage should be encrypted "
        "with AWS KMS keys"
    ),
    description=(
        "Checks whether a SageMaker feature group's online store with Standard storage is "
        "encrypted with an AWS KMS key. Fails if its SecurityConfig has no KmsKeyId."
    ),
    severity=Severity.MEDIUM,
    category=_ENCRYPTION,
    resource_type=RT.FEATURE_GROUP,
    config_rule="sagemaker-featuregroup-online-store-encryption",
    schedule="Change triggered",
    remediation=_ONLINE_BLOCKED,
    fix=Fix(
        REBUILD,
        ((ONLINE_KEY, FROM_OPTION_KMS_KEY),),
        blocked=_ONLINE_BLOCKED,
    ),
    check=online_store_encryption,
    related_requirements=(
        "NIST.800-53.r5 AU-9",
        "NIST.800-53.r5 CA-9(1)",
        "NIST.800-53.r5 CM-3(6)",
        "NIST.800-53.r5 SC-7(10)",
        "NIST.800-53.r5 SC-12(2)",
        "NIST.800-53.r5 SC-13",
        "NIST.800-53.r5 SC-28",
        "NIST.800-53.r5 SC-28(1)",
        "NIST.800-53.r5 SI-7(6)",
    ),
)

CONTROLS = (OFFLINE_STORE_ENCRYPTION, ONLINE_STORE_ENCRYPTION)
