"""Feature groups, which moto 5.2 keeps only in part (no online store, no throughput, no
List, no Update or Delete), owned here whole.

Behaviour follows the SageMaker API reference: "You must include at least one of
OnlineStoreConfig and OfflineStoreConfig"; RecordIdentifierFeatureName and
EventTimeFeatureName must be among the feature definitions; an offline store needs the
RoleArn that writes to it. The name is unique in the account and Region and its ARN holds
it in lower case (as AWS and moto write it), so two names differing only in case are one
too many. Describe answers what Create stored, the offline store completed as AWS does
(DataCatalogConfig, ResolvedOutputS3Uri, DisableGlueTableCreation), ThroughputConfig
OnDemand by default, and no NextToken (validation.AWS_OMITS). A new feature group is
Creating until first described, then Created; an update is InProgress until seen, then
Successful (state, not timers). UpdateFeatureGroup adds features, changes the online
store's TTL or storage type and the throughput: never a store's key.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sagewarden_demo.emulator.clock import epoch, now
from sagewarden_demo.emulator.context import Context
from sagewarden_demo.emulator.paging import ListSpec, by_name, by_time, list_page
from sagewarden_demo.emulator.replies import invalid
from sagewarden_demo.emulator.sagemaker_resources import in_use, not_found
from sagewarden_demo.emulator.sagemaker_store import (
    FEATURE_GROUP,
    FEATURE_GROUP_MEMBERS,
    FeatureGroup,
)

Handler = Callable[[Context], dict[str, Any]]

DEFAULT_THROUGHPUT = {"ThroughputMode": "OnDemand"}  # what AWS answers when none is given
GLUE_CATALOG = "AwsDataCatalog"
GLUE_DATABASE = "sagemaker_featurestore"


def _group(ctx: Context) -> FeatureGroup:
    """The feature group named by FeatureGroupName: a name, or (Describe, Update) an ARN."""
    wanted = ctx.params["FeatureGroupName"]
    groups = ctx.state.feature_groups
    if wanted.startswith("arn:"):
        found = next((g for g in groups.values() if g.arn == wanted), None)
    else:
        found = groups.get(wanted)
    if found is None:
        shown = wanted if wanted.startswith("arn:") else ctx.arn(FEATURE_GROUP, wanted.lower())
        raise not_found("FeatureGroup", shown)
    return found


def _check_features(p: dict[str, Any]) -> None:
    names = [d["FeatureName"] for d in p["FeatureDefinitions"]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise invalid(f"FeatureDefinitions name a feature more than once: {duplicates}.")
    for member in ("RecordIdentifierFeatureName", "EventTimeFeatureName"):
        if p[member] not in names:
            raise invalid(f"{member} '{p[member]}' must be one of the feature definitions.")


def _offline_store(ctx: Context, config: dict[str, Any], name: str) -> dict[str, Any]:
    """The OfflineStoreConfig as AWS completes it: the Glue table it creates (unless one
    is named) and the resolved S3 location under the given S3Uri."""
    stamp = int(epoch(now()))
    completed = copy.deepcopy(config)
    completed.setdefault("DisableGlueTableCreation", False)
    completed.setdefault(
        "DataCatalogConfig",
        {
            "TableName": f"{name.replace('-', '_').lower()}_{stamp}",
            "Catalog": GLUE_CATALOG,
            "Database": GLUE_DATABASE,
        },
    )
    s3 = completed["S3StorageConfig"]
    s3["ResolvedOutputS3Uri"] = (
        f"{s3['S3Uri'].rstrip('/')}/{ctx.account}/sagemaker/{ctx.region}/offline-store/"
        f"{name}-{stamp}/data"
    )
    return completed


def create_feature_group(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    name = p["FeatureGroupName"]
    arn = ctx.arn(FEATURE_GROUP, name.lower())
    if any(g.name.lower() == name.lower() for g in ctx.state.feature_groups.values()):
        raise in_use("FeatureGroup", arn)
    if "OnlineStoreConfig" not in p and "OfflineStoreConfig" not in p:
        raise invalid(
            "You must include at least one of OnlineStoreConfig and OfflineStoreConfig "
            "to create a FeatureGroup."
        )
    _check_features(p)
    if "OfflineStoreConfig" in p and not p.get("RoleArn"):
        raise invalid("RoleArn is required when an OfflineStoreConfig is provided.")
    definition = {m: p[m] for m in FEATURE_GROUP_MEMBERS if m in p}
    definition.setdefault("ThroughputConfig", dict(DEFAULT_THROUGHPUT))
    if "OfflineStoreConfig" in p:
        definition["OfflineStoreConfig"] = _offline_store(ctx, p["OfflineStoreConfig"], name)
    ctx.state.feature_groups[name] = FeatureGroup(
        name=name,
        arn=arn,
        definition=definition,
        tags=[dict(tag) for tag in p.get("Tags", [])],
    )
    return {"FeatureGroupArn": arn}


def describe_feature_group(ctx: Context) -> dict[str, Any]:
    return _group(ctx).describe()


def update_feature_group(ctx: Context) -> dict[str, Any]:
    group = _group(ctx)
    p = ctx.params
    definition = group.definition
    if "FeatureAdditions" in p:
        known = {d["FeatureName"] for d in definition["FeatureDefinitions"]}
        added = [d["FeatureName"] for d in p["FeatureAdditions"]]
        clash = sorted((known & set(added)) | {n for n in added if added.count(n) > 1})
        if clash:
            raise invalid(f"FeatureAdditions name features that already exist: {clash}.")
    online = definition.get("OnlineStoreConfig", {})
    if "OnlineStoreConfig" in p and not online.get("EnableOnlineStore"):
        raise invalid(
            f"FeatureGroup {group.arn} has no online store: OnlineStoreConfig cannot be updated."
        )
    if "FeatureAdditions" in p:
        definition["FeatureDefinitions"] = [
            *definition["FeatureDefinitions"],
            *p["FeatureAdditions"],
        ]
    if "OnlineStoreConfig" in p:
        definition["OnlineStoreConfig"] = {**online, **p["OnlineStoreConfig"]}
    if "ThroughputConfig" in p:
        definition["ThroughputConfig"] = {**definition["ThroughputConfig"], **p["ThroughputConfig"]}
    group.last_update = "InProgress"
    group.last_modified_time = now()
    return {"FeatureGroupArn": group.arn}


def delete_feature_group(ctx: Context) -> dict[str, Any]:
    group = _group(ctx)
    del ctx.state.feature_groups[group.name]
    return {}


def _offline_status(group: FeatureGroup) -> str:
    status = group.offline_status()
    return status["Status"] if status else ""


_FEATURE_GROUPS: ListSpec[FeatureGroup] = ListSpec(
    scope="ListFeatureGroups",
    name=lambda g: g.name,
    created=lambda g: g.creation_time,
    modified=None,
    sort_keys={
        "Name": by_name(lambda g: g.name),
        "CreationTime": by_time(lambda g: g.creation_time, lambda g: g.name),
        "FeatureGroupStatus": lambda g: (g.status, g.name),
        "OfflineStoreStatus": lambda g: (_offline_status(g), g.name),
    },
    default_sort="CreationTime",
)


def list_feature_groups(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    selected = [
        g
        for g in ctx.state.feature_groups.values()
        if (not p.get("FeatureGroupStatusEquals") or g.status == p["FeatureGroupStatusEquals"])
        and (
            not p.get("OfflineStoreStatusEquals")
            or _offline_status(g) == p["OfflineStoreStatusEquals"]
        )
    ]
    page = list_page(_FEATURE_GROUPS, selected, p)
    return {
        "FeatureGroupSummaries": [g.summary() for g in page.items],
        "NextToken": page.next_token,
    }


HANDLERS: dict[str, Handler] = {
    "CreateFeatureGroup": create_feature_group,
    "DescribeFeatureGroup": describe_feature_group,
    "UpdateFeatureGroup": update_feature_group,
    "DeleteFeatureGroup": delete_feature_group,
    "ListFeatureGroups": list_feature_groups,
}
