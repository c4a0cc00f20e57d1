"""The canonical resource every source normalises to.

Property names are those of the CloudFormation resource schema, as AWS Config records
them, so a control reads the same field whether the resource came from a live account,
a Config snapshot, a template or a Terraform plan.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from sagewarden.kinds import BY_TYPE

# The type names live with the rest of each type's facts (kinds.py); re-exported because
# nearly every module names a type.
from sagewarden.kinds import ResourceType as ResourceType
from sagewarden.tags import read_tags
from sagewarden.valuetext import InvalidValue

# Resource.extra key: why a source found the resource's tag collection malformed (a
# string saying what is wrong, also given as a diagnostic). Without it, tags of None mean
# that the source does not record tags.
TAGS_INVALID = "tags_invalid"
# Resource.extra key: set when a resource from a file could not be read because its source
# did not record it (AWS Config's ResourceNotRecorded), not because the file is wrong: its
# ERROR is "could not be read" (exit code 3), as for a live account.
NOT_RECORDED = "not_recorded"
# Resource.extra key: for a resource of a nested CloudFormation stack, the logical ids of the
# AWS::CloudFormation::Stack resources it is nested in ("A/B"), which prefix its id: its
# references are looked up among the resources of that stack (sources/cfn_graph.py).
NESTED_IN = "nested_in"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a resource was read from: enough to find it again."""

    kind: str  # "aws-config", "aws", "cloudformation", "terraform"
    file: str | None = None
    line: int | None = None
    captured_at: str | None = None
    # CDK (sources.cdk_metadata): the construct that made the resource, and the app source
    # line that created it, when that file is among the scanned ones; else app_origin is
    # the location the synth machine recorded (file:line:col), which is not scanned.
    construct_path: str | None = None
    app_file: str | None = None
    app_line: int | None = None
    app_column: int | None = None
    app_origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        if self.captured_at is not None:
            out["captured_at"] = self.captured_at
        if self.construct_path is not None:
            out["construct_path"] = self.construct_path
        if self.app_file is not None:
            app: dict[str, Any] = {"file": self.app_file, "line": self.app_line}
            if self.app_column is not None:
                app["column"] = self.app_column
            out["app_source"] = app
        elif self.app_origin is not None:
            out["app_source"] = {"in_scanned_files": False, "synthesized_at": self.app_origin}
        return out


@dataclass(slots=True)
class Resource:
    type: str
    id: str  # ARN for AWS data; logical id or Terraform address for IaC
    name: str
    properties: dict[str, Any]
    # None when the source does not record tags, or when they are malformed (then
    # extra[TAGS_INVALID] says why): either way the tag controls say ERROR.
    tags: dict[str, str] | None
    provenance: Provenance
    account_id: str | None = None
    region: str | None = None
    arn: str | None = None
    # Why the resource could not be read; every control on it is then ERROR.
    read_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_iac(self) -> bool:
        return self.provenance.kind in ("cloudformation", "terraform")

    @property
    def scope(self) -> tuple[str | None, str | None]:
        return (self.account_id, self.region)

    def matches(self, pattern: str) -> bool:
        """Whether a glob names this resource, by id, ARN or name: how a suppression's
        `resource` and `--resource` pick resources alike."""
        return any(fnmatch.fnmatchcase(v, pattern) for v in (self.id, self.arn, self.name) if v)


def normalise_properties(resource_type: str, props: dict[str, Any]) -> dict[str, Any]:
    """Bring a configuration to CloudFormation names.

    Some recorders write camelCase keys and older tooling the Describe-API names; controls
    must not care. Keys are only re-cased when the record is camelCase as a whole (its name
    property is), and never inside free-form maps whose keys are data.
    """
    kind = BY_TYPE.get(resource_type)
    name_prop = kind.name_property if kind else ""
    camel = name_prop and name_prop not in props and _camel(name_prop) in props
    out: dict[str, Any] = _pascal_keys(props) if camel else dict(props)
    for api_name, cfn_name in (kind.api_renames if kind else {}).items():
        if api_name in out and cfn_name not in out:
            out[cfn_name] = out.pop(api_name)
    return out


_FREE_FORM = frozenset({"Tags", "Environment", "Environments"})


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _pascal_keys(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = k[:1].upper() + k[1:] if isinstance(k, str) else k
            out[key] = v if key in _FREE_FORM else _pascal_keys(v)
        return out
    if isinstance(value, list):
        return [_pascal_keys(v) for v in value]
    return value


def tags_from_any(raw: Any) -> dict[str, str] | None:
    """Tags as a map, from a map, a list of {key, value} or a list of {Key, Value}.

    Returns None when the value is not a tag collection AWS could have recorded (a key
    that is "" or no string, a string instead of a list): a source that gets None says so
    in a diagnostic and sets `extra[TAGS_INVALID]`. tags.read_tags says what is wrong.
    """
    try:
        return read_tags(raw)
    except InvalidValue:
        return None
