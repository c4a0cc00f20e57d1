"""Read every SageMaker resource AWS Config holds, through an aggregator or one account's
recorder, in the caller's account only (no role is assumed anywhere).

Advanced query indexes only some types and its answers may hold only indexed properties,
so it is used for identities and tags only: one query per type (paged, 100 a page, the
types in parallel). A type the query returns nothing of is listed with the
discovered-resource list instead (advanced query does not index it, or there are none:
one call tells). Each page of identities is then read whole with one batch read, and every
item goes through sources.config's ConfigReader, as a file's would (convert gives it the
delivered shape). What cannot be read is ERROR, never missing: a query or list that fails
(for every resource of its type), an item the batch read does not return or leaves
unprocessed, an item Config did not record, a type the recorder does not record; a source
the aggregator failed to collect makes the run could-not-read (recording). Throttling
is retried (botocore's adaptive mode); each Region has a deadline (`--timeout`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.kinds import kind
from sagewarden.resources import NOT_RECORDED, Provenance, Resource
from sagewarden.sources.aws.answers import TokenGuard, error_code, error_text
from sagewarden.sources.aws.deadline import Deadline
from sagewarden.sources.aws.tasks import Drain, Scope, Task
from sagewarden.sources.aws_config import recording
from sagewarden.sources.aws_config.api import Aggregate, Api, Ident, Recorder
from sagewarden.sources.aws_config.convert import delivered
from sagewarden.sources.config import ConfigReader

BATCH_ATTEMPTS = 3  # batch reads of keys AWS left unprocessed, before they are ERROR
NO_AGGREGATOR = "NoSuchConfigurationAggregatorException"


@dataclass
class ConfigApiResult:
    resources: list[Resource]
    diagnostics: list[Diagnostic]
    calls: Counter[str] = field(default_factory=Counter)
    items: int = 0  # configuration items read
    account: str | None = None  # the caller's account, whose aggregator or recorder it is
    regions: list[str] = field(default_factory=list)
    caller: str | None = None  # the caller identity's ARN (GetCallerIdentity)


@dataclass
class _Region:
    """One Region's client and how to read Config there."""

    region: str
    client: Any
    api: Api
    shown: str  # names the source in messages and provenance
    deadline: Deadline


class ConfigApiReader:
    """Reads `types` from the Regions' clients; `run` once."""

    def __init__(
        self,
        regions: list[_Region],
        types: Iterable[str],
        max_workers: int,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.regions = regions
        self.types = sorted(types)
        self.max_workers = max_workers
        self._drain = Drain(max_workers, on_progress)
        self._lock = threading.Lock()
        self._reader = ConfigReader()
        self._unread: list[Resource] = []
        self._diags: list[Diagnostic] = []
        self._said: set[tuple[str, ...]] = set()
        self._calls: Counter[str] = Counter()
        self._found: Counter[tuple[str, str]] = Counter()  # (region, type) -> identities
        self._placed: set[tuple[str, str]] = set()  # (region, type) with a placeholder

    def run(self) -> ConfigApiResult:
        first: list[Task] = []
        for where in self.regions:
            types = self._recorded(where)
            first += [self._select_task(where, t) for t in types]
        self._drain(first)
        self._said_empty()
        resources = self._reader.resources() + self._unread
        for r in resources:
            r.extra[NOT_RECORDED] = True  # AWS's data, not a file of the user's: exit 3
        diags = [
            Diagnostic(d.where, d.message, Kind.SCOPE) if d.kind is Kind.INPUT else d
            for d in self._reader.diagnostics
        ]
        return ConfigApiResult(
            resources,
            self._diags + diags,
            self._calls,
            self._reader.items_seen,
            regions=[w.region for w in self.regions],
        )

    # -- what the recorder records --------------------------------------------------------

    def _recorded(self, where: _Region) -> list[str]:
        """The types to read in `where`: for an account's recorder, those it records (the
        others are said and ERROR); an aggregator's sources cannot be asked."""
        if isinstance(where.api, Aggregate):
            self._sources(where, where.api)
            return list(self.types)
        self._count(recording.DESCRIBE)
        try:
            missing, why = recording.unrecorded(where.client, self.types)
        except (ClientError, BotoCoreError) as exc:
            self._say(
                where,
                f"cannot tell which types the recorder records ({recording.DESCRIBE}: "
                f"{error_text(exc)}): reading every type",
                Kind.WARNING,
            )
            return list(self.types)
        for rtype in missing:
            self._placeholder(where, rtype, f"AWS Config does not record it: {why}")
        if missing:
            shown = ", ".join(missing)
            self._say(where, f"{why}: {shown} (ERROR for the controls over them)", Kind.SCOPE)
        return [t for t in self.types if t not in missing]

    def _sources(self, where: _Region, api: Aggregate) -> None:
        """Sources the aggregator failed to bring up to date: a FAILED one may be missing
        resources (could not be read: exit 3), an OUTDATED one is older than it should be."""
        try:
            stale = recording.unsynced_sources(
                where.client, api.name, lambda: self._count(recording.SOURCES_STATUS)
            )
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) != NO_AGGREGATOR:  # said once, by the reads
                self._say(
                    where,
                    f"cannot tell whether every source is up to date "
                    f"({recording.SOURCES_STATUS}: {error_text(exc)})",
                    Kind.WARNING,
                )
            return
        for s in stale:
            source = f"source {s.get('SourceId')} {s.get('AwsRegion') or ''}".rstrip()
            since = s.get("LastUpdateTime")
            when = ""
            if isinstance(since, datetime):
                when = f" (last update {since.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC)"
            if s.get("LastUpdateStatus") == "FAILED":
                why = s.get("LastErrorCode") or "no error code"
                self._say(
                    where,
                    f"{source}: the aggregator failed to collect its data ({why}){when}: "
                    "its resources may be missing or out of date",
                    Kind.SCOPE,
                )
            else:
                self._say(
                    where,
                    f"{source}: the aggregator's copy is not the most recent (OUTDATED){when}",
                    Kind.WARNING,
                )

    # -- tasks ----------------------------------------------------------------------------

    def _select_task(
        self, where: _Region, rtype: str, token: str | None = None, guard: TokenGuard | None = None
    ) -> Task:
        pages = guard or TokenGuard(where.api.select_op)

        def run() -> list[Task]:
            self._count(where.api.select_op, where)
            rows, nxt = where.api.select(where.client, rtype, token)
            idents = self._rows(where, rtype, rows)
            follow = self._batches(where, idents)
            if nxt:
                pages.check(nxt)
                follow.append(self._select_task(where, rtype, nxt, pages))
            elif not self._found[(where.region, rtype)]:
                follow.append(self._list_task(where, rtype))  # not indexed, or none
            return follow

        def fail(exc: Exception) -> list[Task]:
            return self._failed(where, rtype, where.api.select_op, exc)

        return Task(self._lane(where, rtype), run, fail)

    def _list_task(
        self, where: _Region, rtype: str, token: str | None = None, guard: TokenGuard | None = None
    ) -> Task:
        pages = guard or TokenGuard(where.api.list_op)

        def run() -> list[Task]:
            self._count(where.api.list_op, where)
            idents, nxt = where.api.listed(where.client, rtype, token)
            with self._lock:
                self._found[(where.region, rtype)] += len(idents)
            follow = self._batches(where, idents)
            if nxt:
                pages.check(nxt)
                follow.append(self._list_task(where, rtype, nxt, pages))
            return follow

        def fail(exc: Exception) -> list[Task]:
            return self._failed(where, rtype, where.api.list_op, exc)

        return Task(self._lane(where, rtype), run, fail)

    def _batch_task(self, where: _Region, idents: list[Ident], attempt: int = 1) -> Task:
        def run() -> list[Task]:
            self._count(where.api.batch_op, where)
            items, left = where.api.batch(where.client, idents)
            wanted = {(i.account, i.region, i.type, i.id): i for i in idents}
            with self._lock:
                for item in items:
                    key = _key(item)
                    ident = wanted.pop(key, None)
                    if ident is None:
                        continue  # not one asked for: never evaluated as if it were
                    self._reader.read_value(delivered(item, ident.tags), where.shown, None)
            retry = [wanted.pop(k) for k in left if k in wanted]
            for ident in wanted.values():
                self._unread_one(
                    where,
                    ident,
                    f"{where.api.batch_op} returned no configuration item for it (deleted "
                    "since it was listed, or not recorded)",
                )
            if retry and attempt < BATCH_ATTEMPTS:
                return [self._batch_task(where, retry, attempt + 1)]
            for ident in retry:
                self._unread_one(
                    where, ident, f"{where.api.batch_op} left it unprocessed {attempt} times"
                )
            return []

        def fail(exc: Exception) -> list[Task]:
            self._say(where, f"{where.api.batch_op} failed: {error_text(exc)}", Kind.SCOPE)
            for ident in idents:
                self._unread_one(where, ident, f"{where.api.batch_op}: {error_code(exc)}")
            return []

        return Task(Scope("batch", where.region, ""), run, fail)

    def _batches(self, where: _Region, idents: list[Ident]) -> list[Task]:
        return [self._batch_task(where, idents[i : i + 100]) for i in range(0, len(idents), 100)]

    def _lane(self, where: _Region, rtype: str) -> Scope:
        """Drain takes turns between scopes: each type's pages get a lane of their own, so
        a query's next page never waits behind the batch reads its last one uncovered."""
        return Scope(rtype, where.region, "")

    # -- results --------------------------------------------------------------------------

    def _rows(self, where: _Region, rtype: str, rows: list[str]) -> list[Ident]:
        idents: list[Ident] = []
        for text in rows:
            try:
                row = orjson.loads(text)
            except orjson.JSONDecodeError:
                row = None
            rid = row.get("resourceId") if isinstance(row, dict) else None
            account = row.get("accountId") if isinstance(row, dict) else None
            region = row.get("awsRegion") if isinstance(row, dict) else None
            if not (isinstance(rid, str) and isinstance(account, str) and isinstance(region, str)):
                self._say(
                    where,
                    f"{where.api.select_op}: a {rtype} result does not name its resourceId, "
                    f"accountId and awsRegion: {str(text)[:80]}",
                    Kind.SCOPE,
                )
                continue
            assert isinstance(row, dict)
            idents.append(
                Ident(
                    account,
                    region,
                    str(row.get("resourceType") or rtype),
                    rid,
                    row.get("resourceName"),
                    row.get("arn"),
                    row.get("tags", []),
                )
            )
        with self._lock:
            self._found[(where.region, rtype)] += len(idents) + (len(rows) - len(idents))
        return idents

    def _failed(self, where: _Region, rtype: str, op: str, exc: Exception) -> list[Task]:
        code = error_code(exc)
        if code == NO_AGGREGATOR and isinstance(where.api, Aggregate):
            why = (
                f"no configuration aggregator named {where.api.name} in this account and "
                f"Region ({op}: {code}); `aws configservice describe-configuration-aggregators "
                f"--region {where.region}` lists them"
            )
        else:
            why = f"{op} failed: {error_text(exc)}"
        self._say(where, why, Kind.SCOPE)
        self._placeholder(where, rtype, f"{op}: {code}")
        return []

    def _placeholder(self, where: _Region, rtype: str, why: str) -> None:
        """Stands for every resource of a type the source could not be read for."""
        arn_kind = kind(rtype).arn_kind
        with self._lock:
            if (where.region, rtype) in self._placed:
                return
            self._placed.add((where.region, rtype))
        self._add_unread(
            Resource(
                type=rtype,
                id=f"{where.shown}: every {arn_kind}",
                name=f"* (every {arn_kind} in {where.shown})",
                properties={},
                tags=None,
                provenance=Provenance("aws-config", file=where.shown),
                read_error=why,
            )
        )

    def _unread_one(self, where: _Region, ident: Ident, why: str) -> None:
        name = ident.name or ident.id
        self._add_unread(
            Resource(
                type=ident.type,
                id=ident.arn or ident.id,
                name=name,
                properties={},
                tags=None,
                provenance=Provenance("aws-config", file=where.shown),
                account_id=ident.account,
                region=ident.region,
                arn=ident.arn,
                read_error=why,
            )
        )
        self._say(where, f"{ident.arn or ident.id}: {why}", Kind.SCOPE, once=False)

    def _add_unread(self, resource: Resource) -> None:
        with self._lock:
            self._unread.append(resource)

    def _said_empty(self) -> None:
        """An aggregator cannot say which types its sources record: a type it holds
        nothing of is said once, as it may be one no source records."""
        for where in self.regions:
            if not isinstance(where.api, Aggregate):
                continue
            empty = [
                t
                for t in self.types
                if not self._found[(where.region, t)] and (where.region, t) not in self._placed
            ]
            if empty:
                self._say(
                    where,
                    f"holds no resource of {', '.join(empty)}: none exist in its source "
                    "accounts and Regions, or their recorders do not record these types",
                    Kind.WARNING,
                )

    def _count(self, op: str, where: _Region | None = None) -> None:
        if where is not None:
            where.deadline.check()
        with self._lock:
            self._calls[op] += 1

    def _say(self, where: _Region, message: str, kind_: Kind, once: bool = True) -> None:
        with self._lock:
            if once:
                if (where.region, message) in self._said:
                    return
                self._said.add((where.region, message))
            self._diags.append(Diagnostic(where.shown, message, kind_))


def _key(item: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(item.get("accountId")),
        str(item.get("awsRegion")),
        str(item.get("resourceType")),
        str(item.get("resourceId")),
    )


def read_config_api(
    session: Any,
    account: str,
    regions: list[str],
    aggregator: str | None,
    types: Iterable[str],
    *,
    max_workers: int,
    timeout: float | None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ConfigApiResult:
    """Every resource of `types` that `aggregator` (None: the account's own recorder)
    holds, read in each of `regions` with `session`'s credentials."""
    from sagewarden.sources.aws.accounts import control_config
    from sagewarden.sources.aws.deadline import read_timeout

    config = control_config(max_workers, read_timeout(timeout), "adaptive")
    where: list[_Region] = []
    for region in regions:
        client = session.client("config", region_name=region, config=config)
        if aggregator is not None:
            api: Api = Aggregate(aggregator)
            shown = f"config aggregator {aggregator} ({account} {region})"
        else:
            api = Recorder(account, region)
            shown = f"config recorder ({account} {region})"
        deadline = Deadline(timeout, "could not read AWS Config in this Region")
        where.append(_Region(region, deadline.attach(client), api, shown, deadline))
    result = ConfigApiReader(where, types, max_workers, on_progress).run()
    result.account = account
    return result
