"""Reading SageMaker resources from live accounts: every page, every scope, in parallel.

Work is a graph of small tasks (a List page, a Describe, a ListTags) run by a bounded set of
worker threads (tasks.Drain); each task returns the tasks it uncovers, so nothing ever waits
on a future while holding a worker. Each attempt of an API call first takes a slot from its
account-and-region rate limiter, which slows down when AWS throttles.

Failures stay in their scope: a List that fails makes an ERROR placeholder for that type
in that account and region; a Describe that fails makes that resource ERROR; a resource
deleted between List and Describe is simply gone. Every answer is checked against its
output shape first (answers.call): a damaged one fails like an error. Each scope has a
deadline (`--timeout`, from its first call): once it passes, what the scope had not read
is ERROR too. A List whose NextToken repeats (or that passes the page ceiling) is ERROR
for that type in that scope.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagewarden.controls.base import Reference
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.kinds import TAGGED_TYPES, name_property
from sagewarden.resources import Provenance, Resource, normalise_properties
from sagewarden.sources.aws.accounts import CLIENT_CONFIG, Target, control_config
from sagewarden.sources.aws.answers import (
    TIMED_OUT,
    TokenGuard,
    call,
    error_code,
    error_text,
)
from sagewarden.sources.aws.deadline import Deadline, read_timeout
from sagewarden.sources.aws.described import find_arn, plain
from sagewarden.sources.aws.limits import DEFAULT_MAX_RATE, DEFAULT_MAX_WORKERS, DEFAULT_TIMEOUT
from sagewarden.sources.aws.ratelimit import RateLimiters
from sagewarden.sources.aws.readpath import (
    LIST_TAGS_OP,
    LIST_TAGS_READS,
    PAGE_SIZE,
    READ_PATHS,
    TAGS_PAGE_SIZE,
    ReadPath,
)
from sagewarden.sources.aws.tasks import Drain, Scope, Task

CANNOT_READ_SCOPE = "could not read this account and region"
SCOPE_WINDOW_PER_WORKER = 2  # scopes open at once, per worker: enough to keep all busy


@dataclass
class CollectResult:
    resources: list[Resource]
    diagnostics: list[Diagnostic]
    calls: Counter[str] = field(default_factory=Counter)
    scopes: int = 0
    sessions: dict[str, Any] = field(default_factory=dict)  # account -> boto3 Session
    accounts: dict[str, list[str]] = field(default_factory=dict)  # account -> its regions
    endpoint: str | None = None  # an endpoint URL that replaces AWS's (AWS_ENDPOINT_URL)
    caller: str | None = None  # the caller identity's ARN (GetCallerIdentity), if read


class Collector:
    def __init__(
        self,
        targets: list[Target],
        types: Iterable[str],
        *,
        resolve_references: Sequence[tuple[str, Reference]] = (),
        max_workers: int = DEFAULT_MAX_WORKERS,
        max_rate: float = DEFAULT_MAX_RATE,
        timeout: float | None = DEFAULT_TIMEOUT,
        on_progress: Callable[[int, int], None] | None = None,
        known: Iterable[Resource] = (),
        all_tags: bool = False,
    ) -> None:
        self.targets = targets
        self.types = [t for t in READ_PATHS if t in set(types)]
        # (the type that names targets, the reference): catalog.references_to_resolve
        self.references = tuple(resolve_references)
        self.max_workers = max_workers
        self.limiters = RateLimiters(max_rate)
        self.timeout = timeout
        self._drain = Drain(max_workers, on_progress)
        self.window = SCOPE_WINDOW_PER_WORKER * max_workers
        # The scope's limiter does what adaptive mode would, without outliving the deadline.
        self._config = control_config(max_workers, read_timeout(timeout), "standard")
        self.started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._lock = threading.Lock()
        self._making_client = threading.Lock()
        # `known`: resources read elsewhere (an AWS Config item) whose references to follow
        self._resources: list[Resource] = list(known)
        self._diags: list[Diagnostic] = []
        self._calls: Counter[str] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}
        self._deadlines: dict[Scope, Deadline] = {}
        self._timed_out: set[Scope] = set()  # scopes whose deadline passed (said once)
        self._listed: set[tuple[Scope, str]] = set()  # (scope, type) lists that completed
        # Every type's tags, not only the tag controls' (a tag suppression matches on them).
        self.all_tags = all_tags

    # -- running -------------------------------------------------------------------------

    def run(self) -> CollectResult:
        scopes: list[tuple[Target, Scope]] = []
        for t in self.targets:
            if t.error is not None:
                for region in t.regions or ["*"]:
                    for rtype in self.types:
                        self._placeholder(Scope(t.account_id, region, t.partition), rtype, t.error)
                continue
            for region in t.regions:
                scopes.append((t, Scope(t.account_id, region, t.partition)))
        self._target = {scope: target for target, scope in scopes}
        self._drain([self._open_task(s) for _, s in scopes], self.window, self._close)
        if self.references:
            self._drain(self._reference_tasks())
        sessions = {t.account_id: t.session for t in self.targets if t.error is None}
        accounts = {t.account_id: sorted(t.regions) for t in self.targets if t.account_id}
        return CollectResult(
            self._resources, self._diags, self._calls, len(scopes), sessions, accounts
        )

    def _open_task(self, scope: Scope) -> Task:
        """A scope's deadline, client (not made until the drain opens it) and Lists."""

        def task() -> list[Task]:
            self._deadlines[scope] = Deadline(self.timeout, CANNOT_READ_SCOPE)
            try:
                self._client(scope)
            except (ValueError, BotoCoreError) as exc:  # botocore refuses the endpoint
                self._unclientable(scope, exc)
                return []
            return [self._list_task(scope, READ_PATHS[t]) for t in self.types]

        def fail(exc: Exception) -> list[Task]:  # not the configuration: read as if listed
            for rtype in self.types:
                path = READ_PATHS[rtype]
                self._placeholder(scope, rtype, f"{path.list_op}: {error_code(exc)}", exc)
            return []

        return Task(scope, task, fail)

    def _client(self, scope: Scope) -> Any:
        """The scope's SageMaker client, made when first needed (and let go by `_close`:
        an organization's thousands are never held at once)."""
        key = (scope.account, scope.region)
        client = self._clients.get(key)
        if client is None:
            with self._making_client:  # a boto3 Session is not safe across threads
                client = self._clients.get(key)
                if client is None:
                    session = self._target[scope].session
                    made = session.client("sagemaker", scope.region, config=self._config)
                    deadline = self._deadlines[scope]
                    limiter = self.limiters.get(scope.account, scope.region)
                    client = self._clients[key] = limiter.govern(deadline.attach(made), deadline)
        return client

    def _close(self, scope: Scope) -> None:
        self._clients.pop((scope.account, scope.region), None)

    def _unclientable(self, scope: Scope, exc: Exception) -> None:
        """No client for the scope: its configuration is wrong (exit 2), and nothing in it
        was read (ERROR)."""
        why = f"{CLIENT_CONFIG}: {error_text(exc)}"
        with self._lock:
            self._diags.append(Diagnostic(f"account {scope.account} region {scope.region}", why))
        for rtype in self.types:
            self._placeholder(scope, rtype, f"no SageMaker client: {error_code(exc)}")

    def _call(self, scope: Scope, op: str, reads: tuple[str, ...], **kwargs: Any) -> Any:
        self._deadlines[scope].check()  # what is still queued when it passes is not even asked
        with self._lock:
            self._calls[op] += 1
        return call(self._client(scope), op, reads, **kwargs)

    # -- tasks ---------------------------------------------------------------------------

    def _list_task(
        self,
        scope: Scope,
        path: ReadPath,
        token: str | None = None,
        guard: TokenGuard | None = None,
    ) -> Task:
        pages = guard or TokenGuard(path.list_op)

        def task() -> list[Task]:
            kwargs: dict[str, Any] = {"MaxResults": PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            page = self._call(scope, path.list_op, path.list_reads, **kwargs)
            follow: list[Task] = []
            nxt = page.get("NextToken")
            if nxt:
                pages.check(nxt)
                follow.append(self._list_task(scope, path, nxt, pages))
            else:
                with self._lock:
                    self._listed.add((scope, path.resource_type))
            for summary in page[path.list_key]:
                if path.describe_op is None:
                    resource = self._resource(scope, path, summary, summary)
                    follow += self._after_read(scope, resource)
                else:
                    follow.append(self._describe_task(scope, path, summary))
            return follow

        def fail(exc: Exception) -> list[Task]:
            self._placeholder(scope, path.resource_type, f"{path.list_op}: {error_code(exc)}", exc)
            return []

        return Task(scope, task, fail, urgent=token is not None)

    def _describe_task(self, scope: Scope, path: ReadPath, summary: dict[str, Any]) -> Task:
        def task() -> list[Task]:
            assert path.describe_op and path.describe_param
            name = summary[path.name_key]
            out = self._call(
                scope, path.describe_op, path.describe_reads, **{path.describe_param: name}
            )
            return self._after_read(scope, self._resource(scope, path, summary, out))

        def fail(exc: Exception) -> list[Task]:
            if isinstance(exc, ClientError) and error_code(exc) in path.not_found:
                return []  # deleted since it was listed: gone, not an error
            return self._unreadable(scope, path, summary, exc)

        return Task(scope, task, fail)

    def _tags_task(
        self,
        scope: Scope,
        resource: Resource,
        token: str | None = None,
        guard: TokenGuard | None = None,
    ) -> Task:
        pages = guard or TokenGuard(LIST_TAGS_OP)

        def task() -> list[Task]:
            kwargs: dict[str, Any] = {"ResourceArn": resource.arn, "MaxResults": TAGS_PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            page = self._call(scope, LIST_TAGS_OP, LIST_TAGS_READS, **kwargs)
            tags = resource.tags if resource.tags is not None else {}
            tags.update({t["Key"]: t.get("Value", "") for t in page["Tags"]})
            resource.tags = tags  # partial until the last page
            if page.get("NextToken"):
                pages.check(page["NextToken"])
                return [self._tags_task(scope, resource, page["NextToken"], pages)]
            return []

        def fail(exc: Exception) -> list[Task]:
            if (
                isinstance(exc, ClientError)
                and error_code(exc) in READ_PATHS[resource.type].not_found
            ):
                with self._lock:
                    self._resources.remove(resource)  # deleted mid-scan
                return []
            if resource.type not in TAGGED_TYPES:  # read for suppressions only: no verdict
                resource.tags = None  # needs them, and a tag suppression will not apply
                with self._lock:
                    self._diags.append(
                        Diagnostic(
                            f"account {scope.account} region {scope.region} {resource.id}",
                            f"sagemaker:{LIST_TAGS_OP} failed: {error_text(exc)}; suppressions "
                            "by tag cannot apply to it",
                            Kind.WARNING,
                        )
                    )
                return []
            resource.read_error = f"{LIST_TAGS_OP}: {error_code(exc)}"
            self._diag(scope, LIST_TAGS_OP, exc, resource.id)
            return []

        return Task(scope, task, fail)

    def _reference_tasks(self) -> list[Task]:
        """Describe what the selected controls' references name that the scan has not
        read (the target's own controls were not selected): declared on the units
        (controls.base.Reference), so no control is named here."""
        have: set[tuple[str, str, str, str]] = set()
        wanted: dict[tuple[str, str, str, str], Scope] = {}
        for r in self._resources:
            name = r.properties.get(name_property(r.type))
            if isinstance(name, str):
                have.add((r.account_id or "", r.region or "", r.type, name))
        for source, reference in self.references:
            for r in self._resources:
                if r.type != source or r.read_error:
                    continue
                partition = r.arn.split(":")[1] if r.arn else "aws"
                scope = Scope(r.account_id or "", r.region or "", partition)
                for t, name in reference.targets(r.properties):
                    key = (scope.account, scope.region, t, name)
                    if key not in have and (scope, t) not in self._listed:
                        wanted[key] = scope
        return [
            self._describe_task(scope, READ_PATHS[t], {READ_PATHS[t].name_key: name})
            for (_, _, t, name), scope in wanted.items()
        ]

    # -- results -------------------------------------------------------------------------

    def _after_read(self, scope: Scope, resource: Resource) -> list[Task]:
        with self._lock:
            self._resources.append(resource)
        if (resource.type in TAGGED_TYPES or self.all_tags) and resource.arn:
            return [self._tags_task(scope, resource)]
        return []

    def _resource(
        self, scope: Scope, path: ReadPath, summary: dict[str, Any], described: dict[str, Any]
    ) -> Resource:
        props = plain({k: v for k, v in described.items() if k != "ResponseMetadata"})
        arn = (summary.get(path.arn_key) if path.arn_key else None) or find_arn(described)
        name = str(summary.get(path.name_key) or described.get(path.describe_param or "", "?"))
        props.setdefault(name_property(path.resource_type), name)
        return Resource(
            type=path.resource_type,
            id=arn or name,
            name=name,
            properties=normalise_properties(path.resource_type, props),
            tags=None,
            provenance=Provenance("aws", captured_at=self.started),
            account_id=scope.account,
            region=scope.region,
            arn=arn,
        )

    def _unreadable(
        self, scope: Scope, path: ReadPath, summary: dict[str, Any], exc: Exception
    ) -> list[Task]:
        resource = self._resource(scope, path, summary, {})
        resource.read_error = f"{path.describe_op}: {error_code(exc)}"
        self._diag(scope, path.describe_op or "", exc, resource.id)
        with self._lock:
            self._resources.append(resource)
        return []

    def _placeholder(
        self, scope: Scope, rtype: str, why: str, exc: Exception | None = None
    ) -> None:
        """Stands for every resource of a type in a scope that could not be listed (account
        "" when even the account is unknown: the credentials failed)."""
        path = READ_PATHS[rtype]
        account = scope.account or "*"
        arn = f"arn:{scope.partition}:sagemaker:{scope.region}:{account}:{path.arn_kind}/*"
        resource = Resource(
            type=rtype,
            id=arn,
            name=f"* (every {path.arn_kind} in this scope)",
            properties={},
            tags=None,
            provenance=Provenance("aws", captured_at=self.started),
            account_id=scope.account or None,
            region=None if scope.region == "*" else scope.region,
            read_error=why,
        )
        if exc is not None:
            self._diag(scope, path.list_op, exc, None)
        with self._lock:
            self._resources.append(resource)

    def _diag(self, scope: Scope, op: str, exc: Exception, resource_id: str | None) -> None:
        """One stderr line per failure; a passed deadline once per scope, for everything
        the scope had left."""
        where = f"account {scope.account} region {scope.region}"
        with self._lock:
            if error_code(exc) == TIMED_OUT:
                if scope in self._timed_out:
                    return
                self._timed_out.add(scope)
                what = (
                    f"sagemaker:{op} failed: {error_text(exc)}; what it had not read by then "
                    "is ERROR (raise --timeout if that is too short)"
                )
                self._diags.append(Diagnostic(where, what, Kind.SCOPE))
                return
            if resource_id:
                where += f" {resource_id}"
            what = f"sagemaker:{op} failed: {error_text(exc)}"
            self._diags.append(Diagnostic(where, what, Kind.SCOPE))
