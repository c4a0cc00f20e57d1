"""The calls of each way to read Config: through an aggregator (every source account and
Region it aggregates) or one account's own recorder (one Region per client). Both answer
the same three questions: which resources of a type advanced query holds (with tags),
which resources of a type the recorder discovered (every recorded type, no tags), and the
full items of up to 100 resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagewarden.sources.aws.answers import call

PAGE = 100  # the most a query page, a discovered-resource page or a batch read holds
# What a query selects: a resource's identity and its tags (BaseConfigurationItem has none).
FIELDS = "resourceId, resourceType, resourceName, arn, accountId, awsRegion, tags"


@dataclass(frozen=True)
class Ident:
    """One resource as a query or a discovered-resource list names it."""

    account: str
    region: str
    type: str
    id: str
    name: str | None = None
    arn: str | None = None
    tags: Any = None  # the query's tags; None: not known (a listed type)


def expression(resource_type: str) -> str:
    return f"SELECT {FIELDS} WHERE resourceType = '{resource_type}'"


class Aggregate:
    """An aggregator of the caller's account, by name."""

    select_op = "SelectAggregateResourceConfig"
    batch_op = "BatchGetAggregateResourceConfig"
    list_op = "ListAggregateDiscoveredResources"

    def __init__(self, name: str) -> None:
        self.name = name

    def select(self, client: Any, rtype: str, token: str | None) -> tuple[list[str], str | None]:
        kw: dict[str, Any] = {"NextToken": token} if token else {}
        page = call(
            client,
            self.select_op,
            ("Results",),
            Expression=expression(rtype),
            ConfigurationAggregatorName=self.name,
            Limit=PAGE,
            **kw,
        )
        return list(page["Results"]), page.get("NextToken")

    def listed(self, client: Any, rtype: str, token: str | None) -> tuple[list[Ident], str | None]:
        kw: dict[str, Any] = {"NextToken": token} if token else {}
        page = call(
            client,
            self.list_op,
            ("ResourceIdentifiers[].ResourceId", "ResourceIdentifiers[].SourceAccountId"),
            ConfigurationAggregatorName=self.name,
            ResourceType=rtype,
            Limit=PAGE,
            **kw,
        )
        found = [
            Ident(
                str(r["SourceAccountId"]),
                str(r.get("SourceRegion") or ""),
                str(r.get("ResourceType") or rtype),
                str(r["ResourceId"]),
                r.get("ResourceName"),
            )
            for r in page["ResourceIdentifiers"]
        ]
        return found, page.get("NextToken")

    def batch(
        self, client: Any, idents: list[Ident]
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str, str, str]]]:
        """(the items found, the keys (account, Region, type, id) left unprocessed)."""
        keys = [
            {
                "SourceAccountId": i.account,
                "SourceRegion": i.region,
                "ResourceId": i.id,
                "ResourceType": i.type,
            }
            for i in idents
        ]
        out = call(
            client,
            self.batch_op,
            ("BaseConfigurationItems",),
            ConfigurationAggregatorName=self.name,
            ResourceIdentifiers=keys,
        )
        left = [
            (
                str(k.get("SourceAccountId")),
                str(k.get("SourceRegion")),
                str(k.get("ResourceType")),
                str(k.get("ResourceId")),
            )
            for k in out.get("UnprocessedResourceIdentifiers") or []
        ]
        return list(out["BaseConfigurationItems"]), left


class Recorder:
    """The recorder of the caller's account in the client's Region."""

    select_op = "SelectResourceConfig"
    batch_op = "BatchGetResourceConfig"
    list_op = "ListDiscoveredResources"

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region

    def select(self, client: Any, rtype: str, token: str | None) -> tuple[list[str], str | None]:
        kw: dict[str, Any] = {"NextToken": token} if token else {}
        page = call(
            client, self.select_op, ("Results",), Expression=expression(rtype), Limit=PAGE, **kw
        )
        return list(page["Results"]), page.get("NextToken")

    def listed(self, client: Any, rtype: str, token: str | None) -> tuple[list[Ident], str | None]:
        kw: dict[str, Any] = {"nextToken": token} if token else {}
        page = call(
            client,
            self.list_op,
            ("resourceIdentifiers[].resourceId",),
            resourceType=rtype,
            limit=PAGE,
            **kw,
        )
        found = [
            Ident(
                self.account,
                self.region,
                str(r.get("resourceType") or rtype),
                str(r["resourceId"]),
                r.get("resourceName"),
            )
            for r in page["resourceIdentifiers"]
            if not r.get("resourceDeletionTime")
        ]
        return found, page.get("nextToken")

    def batch(
        self, client: Any, idents: list[Ident]
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str, str, str]]]:
        keys = [{"resourceType": i.type, "resourceId": i.id} for i in idents]
        out = call(client, self.batch_op, ("baseConfigurationItems",), resourceKeys=keys)
        left = [
            (self.account, self.region, str(k.get("resourceType")), str(k.get("resourceId")))
            for k in out.get("unprocessedResourceKeys") or []
        ]
        return list(out["baseConfigurationItems"]), left


Api = Aggregate | Recorder
