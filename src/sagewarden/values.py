"""Reading fields of a canonical resource: AWS defaults for absent fields, lenient scalars.

One table of defaults, used by every control, so no control reads an absent field as
"compliant" by accident (the Checkov and Steampipe mistakes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sagewarden.kinds import aws_default
from sagewarden.recordable import Limits, shape_limits

_ABSENT = object()
ABSENT = _ABSENT  # what a Choice gives for an option that removes the field (AWS::NoValue)


class InvalidValue(Exception):
    """A field holds something AWS could never have recorded there (e.g. "two")."""

    def __init__(self, path: str, value: Any, expected: str) -> None:
        self.path = path
        self.value = value
        self.expected = expected
        super().__init__(f"{path} is {_quoted(value)}, not {expected}")


class NotRead(Exception):
    """What the control needs is not in what was read: tags the source does not record
    (batch-get-resource-config output), a referenced resource missing from the scanned
    account and region. ERROR, like a read failure: never a pass, never bad input."""


class Unresolved(Exception):
    """A field's value is known only at deploy time (IaC); the reason says why."""

    def __init__(self, path: str, value: UnresolvedValue) -> None:
        self.path = path
        self.value = value
        self.why = value.why
        super().__init__(f"{path} {value.why}")


class Fork(Unresolved):
    """A value the verdict depends on is one of a few possibilities, none assumed yet.

    The engine catches it and evaluates the control once per label (see `assuming`), so a
    verdict every possibility agrees on is decided and only a real dependency is UNKNOWN.
    `key` names the one thing the labels are about: choices decided by the same thing (two
    Fn::If on one condition) share it and are assumed together.
    """

    def __init__(
        self,
        path: str,
        value: UnresolvedValue,
        key: str,
        labels: tuple[str, ...],
        phrase: str,
        subject: str,
    ) -> None:
        super().__init__(path, value)
        self.key = key
        self.labels = labels
        self.phrase = phrase  # for a decided reason: "whether condition C is true or false"
        self.subject = subject  # what a label is said of: "condition C", "X"

    @property
    def is_choice(self) -> bool:
        """Among known values (a Choice), rather than any value a field can take."""
        return isinstance(self.value, Choice)


class Infeasible(Exception):
    """The assumptions contradict each other (a mapping has no entry for the assumed key):
    no deploy can produce this combination, so it has no verdict."""


@dataclass(frozen=True, slots=True)
class Field:
    value: Any
    present: bool  # False when the AWS default was used

    def describe(self, path: str, value: Any = _ABSENT) -> str:
        """'X is V' or 'X is V (the default when unset)', for reasons."""
        shown = show(self.value if value is _ABSENT else value)
        if isinstance(self.value, Sensitive):
            shown = SENSITIVE
        return (
            f"{path} is {shown}" if self.present else f"{path} is {shown} (the default when unset)"
        )


class UnresolvedValue:
    """Placeholder an IaC source puts where a value is unknown before deploy.

    `why` completes "X ..." in a reason, e.g. "is known only after apply" or
    "is !ImportValue shared-subnet, known only at deploy". `target`, when set, is the
    logical id / address of a resource of the same file the value refers to (a Ref or
    GetAtt), so cross-resource controls can follow it.
    """

    __slots__ = ("target", "why")

    def __init__(self, why: str, target: str | None = None) -> None:
        self.why = why
        self.target = target

    def __repr__(self) -> str:
        return f"UnresolvedValue({self.why!r}, target={self.target!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnresolvedValue) and (self.why, self.target) == (
            other.why,
            other.target,
        )

    def __hash__(self) -> int:
        return hash((self.why, self.target))


class Choice(UnresolvedValue):
    """An unknown that is one of a few known values: Fn::If on a condition known only at
    deploy, a parameter with AllowedValues and no value, Fn::FindInMap with such a key.

    `over` names what decides ("condition IsProd", "parameter Env"); `options` pairs each
    label ("true", an allowed value) with the value it gives (ABSENT when the option removes
    the field); `phrase` says, for a reason, that every option was considered.
    """

    __slots__ = ("options", "over", "phrase")

    def __init__(
        self,
        why: str,
        over: str,
        options: tuple[tuple[str, Any], ...],
        phrase: str,
        target: str | None = None,
    ) -> None:
        super().__init__(why, target)
        self.over = over
        self.options = options
        self.phrase = phrase

    def __repr__(self) -> str:
        return f"Choice({self.over!r}, {self.options!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Choice) and (self.over, self.options) == (
            other.over,
            other.options,
        )

    def __hash__(self) -> int:
        return hash((self.over, self.why))


class Sensitive:
    """A value its source marks secret (Terraform `sensitive`): it decides verdicts like any
    other value but is shown as "(sensitive)" wherever it is formatted."""

    __slots__ = ()

    def __str__(self) -> str:
        return SENSITIVE

    def __repr__(self) -> str:
        return SENSITIVE

    def __format__(self, spec: str) -> str:
        return SENSITIVE


class SensitiveText(Sensitive, str):
    __slots__ = ()


class SensitiveInt(Sensitive, int):
    __slots__ = ()


class SensitiveFloat(Sensitive, float):
    __slots__ = ()


SENSITIVE = "(sensitive)"


def sensitive(value: Any) -> Any:
    """`value` marked secret; booleans become the text Config also uses ("true")."""
    if isinstance(value, bool):
        return SensitiveText("true" if value else "false")
    if isinstance(value, str):
        return SensitiveText(value)
    if isinstance(value, int):
        return SensitiveInt(value)
    if isinstance(value, float):
        return SensitiveFloat(value)
    if isinstance(value, dict):
        return {k: sensitive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sensitive(v) for v in value]
    return value


# -- assumptions: which option of each choice the engine is evaluating now ------------------

_ASSUMED: ContextVar[Mapping[str, str]] = ContextVar(
    "sagewarden_assumed", default=MappingProxyType({})
)


@contextmanager
def assuming(assumed: Mapping[str, str]) -> Iterator[None]:
    """Evaluate with these labels chosen (key -> label) for the choices met on the way."""
    token = _ASSUMED.set(assumed)
    try:
        yield
    finally:
        _ASSUMED.reset(token)


def settle(value: Any, path: str) -> Any:
    """A Choice as the option the current assumptions select; anything else unchanged.

    Raises Fork when the choice is not assumed yet, Infeasible when the assumed label is
    not one of its options.
    """
    while isinstance(value, Choice):
        label = _ASSUMED.get().get(value.over)
        if label is None:
            raise Fork(
                path,
                value,
                key=value.over,
                labels=tuple(lab for lab, _ in value.options),
                phrase=value.phrase,
                subject=value.over,
            )
        for lab, option in value.options:
            if lab == label:
                value = option
                break
        else:
            raise Infeasible(f"{value.over} is {label}")
    return value


def _assume(path: str, value: UnresolvedValue, labels: tuple[str, ...]) -> str:
    """The label assumed for a plain unknown asked a question with these answers."""
    key = f"{path} {value.why}"
    label = _ASSUMED.get().get(key)
    if label is None:
        raise Fork(
            path,
            value,
            key=key,
            labels=labels,
            phrase=f"whatever {path} is (it {value.why})",
            subject=path,
        )
    return label


def raw(props: dict[str, Any], path: str, at: str = "") -> Any:
    """The value at a dotted path, or _ABSENT. Raises InvalidValue if a parent is no map,
    Unresolved if the value (or a parent) is known only at deploy. `at` is where `props`
    itself sits (e.g. "ProductionVariants[1]"), for the reasons."""
    cur = _lookup(props, path, at)
    if isinstance(cur, UnresolvedValue):
        raise Unresolved(f"{at}.{path}" if at else path, cur)
    return cur


def _lookup(props: dict[str, Any], path: str, at: str = "") -> Any:
    """The value at a dotted path, with choices settled; an unknown leaf is returned."""
    cur: Any = props
    walked: list[str] = [at] if at else []
    for part in path.split("."):
        if cur is None:
            return _ABSENT
        if isinstance(cur, UnresolvedValue):
            raise Unresolved(".".join(walked), cur)
        if not isinstance(cur, dict):
            raise InvalidValue(".".join(walked), cur, "an object")
        walked.append(part)
        cur = settle(cur.get(part, _ABSENT), ".".join(walked))
        if cur is _ABSENT:
            return _ABSENT
    return cur


def peek(props: dict[str, Any], path: str, at: str = "") -> Any:
    """Like raw(), but hands back an UnresolvedValue instead of raising, for controls
    whose decision does not depend on the exact value (or that can follow a reference)."""
    try:
        return raw(props, path, at)
    except Fork:
        raise
    except Unresolved as exc:
        return exc.value


def get(resource_type: str, props: dict[str, Any], path: str) -> Field:
    """A field with the AWS default applied when absent or null. A value known only at
    deploy is handed on, for the reader (as_bool, as_enum) to consider each answer."""
    v = _lookup(props, path)
    if v is _ABSENT or v is None:
        return Field(aws_default(resource_type, path), present=False)
    return Field(v, present=True)


def settled(value: Any, path: str = "") -> Any:
    """A whole value with every choice in it settled (and options that remove a field or
    item removed): for reading a structure, such as a tag list, all at once."""
    value = settle(value, path)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = settled(v, f"{path}.{k}" if path else str(k))
            if v is not _ABSENT:
                out[k] = v
        return out
    if isinstance(value, list):
        return [
            item
            for item in (settled(v, f"{path}[{i}]") for i, v in enumerate(value))
            if item is not _ABSENT
        ]
    return value


def tag_keys(raw: Any) -> tuple[dict[str, str] | None, bool]:
    """Tags from a template's `Tags` list, and whether some keys are known only at deploy
    (the tags known now are kept: a required key among them is there either way).
    None when the value is no tag collection AWS would take (read_tag_keys says why)."""
    try:
        return read_tag_keys(raw)
    except InvalidValue:
        return None, False


def read_tag_keys(raw: Any, path: str = "Tags") -> tuple[dict[str, str], bool]:
    """tag_keys, raising InvalidValue for what is malformed instead of returning None."""
    if raw is None or raw is _ABSENT:
        return {}, False
    if isinstance(raw, UnresolvedValue):
        return {}, True
    if isinstance(raw, list):
        known = [
            (i, t)
            for i, t in enumerate(raw)
            if not isinstance(t, UnresolvedValue)
            and not (isinstance(t, dict) and isinstance(_tag_key(t), UnresolvedValue))
        ]
        tags = _tag_list([t for _, t in known], path, [i for i, _ in known], iac=True)
        return tags, len(known) != len(raw)
    # Every SageMaker type's Tags is a list in CloudFormation: a map, or one {Key, Value}
    # object without its list, is refused at deploy and is no tags now.
    raise InvalidValue(path, raw, "a list of {Key, Value}")


def read_tags(raw: Any, path: str = "tags", iac: bool = False) -> dict[str, str]:
    """Tags as a map, from a map or a list of {Key, Value} / {key, value}, as AWS records
    them: every key a string of 1 to 128 characters (botocore's TagKey), every value
    text of at most 256 (or a number, or null: values never decide). `iac`: a template's
    numeric keys are the text CloudFormation makes of them. Raises InvalidValue naming
    the first thing that is wrong."""
    if isinstance(raw, dict):
        out: dict[str, str] = {}
        for k, v in raw.items():
            key = _tag_text(k, f"{path} key", "TagKey", iac)
            out[key] = _tag_text(v, f"{path}.{key}", "TagValue", True, optional=True)
        return out
    if isinstance(raw, list):
        return _tag_list(raw, path, list(range(len(raw))), iac)
    raise InvalidValue(path, raw, "a map or a list of {Key, Value}")


def check_tag_keys(tags: Mapping[Any, Any], path: str = "tags") -> None:
    """Raise InvalidValue for a key no AWS tag can have, whichever source built the map
    (a Terraform `tags = {"" = "x"}` is no tag)."""
    for k in tags:
        _tag_text(k, f"{path} key", "TagKey", iac=False)


def _tag_key(t: dict[str, Any]) -> Any:
    return t["Key"] if "Key" in t else t.get("key")


def _tag_list(raw: list[Any], path: str, indexes: list[int], iac: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, t in zip(indexes, raw, strict=True):
        at = f"{path}[{i}]"
        if not isinstance(t, dict):
            raise InvalidValue(at, t, "a {Key, Value} object")
        if "Key" not in t and "key" not in t:
            raise InvalidValue(at, t, "a {Key, Value} object (it has no Key)")
        key = _tag_text(_tag_key(t), f"{at}.Key", "TagKey", iac)
        value = t["Value"] if "Value" in t else t.get("value")
        out[key] = _tag_text(value, f"{at}.Value", "TagValue", True, optional=True)
    return out


def _tag_text(v: Any, path: str, shape: str, iac: bool, optional: bool = False) -> str:
    """A tag key or value as text within botocore's limits for `shape`. A value known only
    at deploy is "" (values never decide a verdict; keys known only at deploy are kept out
    by read_tag_keys)."""
    limits = shape_limits(shape)
    if optional and (v is None or isinstance(v, UnresolvedValue)):
        return ""
    if iac and isinstance(v, (int, float)) and not isinstance(v, bool):
        v = _number_text(v)
    if isinstance(v, str) and limits.accepts_text(v):
        return v
    raise InvalidValue(path, v, limits.text_rule())


def _number_text(n: int | float) -> str:
    """A template number as CloudFormation passes it on as text (2024, 1.5)."""
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)


def has_choice(value: Any) -> bool:
    """Whether a Choice sits anywhere in `value`."""
    if isinstance(value, Choice):
        return True
    if isinstance(value, dict):
        return any(has_choice(v) for v in value.values())
    if isinstance(value, list):
        return any(has_choice(v) for v in value)
    return False


def items(path: str, value: Any) -> list[tuple[int, Any]]:
    """The items of a list with choices settled, paired with their index; an item an
    option removes (AWS::NoValue) is left out."""
    value = settle(value, path)
    if not isinstance(value, list):
        raise InvalidValue(path, value, "a list")
    out: list[tuple[int, Any]] = []
    for i, item in enumerate(value):
        item = settle(item, f"{path}[{i}]")
        if item is not _ABSENT:
            out.append((i, item))
    return out


def is_absent(v: Any) -> bool:
    return v is _ABSENT or v is None


def as_bool(path: str, value: Any) -> bool:
    """true/false as JSON booleans, or as the strings Config sometimes records ("true",
    "True"; nothing else, no padding). A value known only at deploy is considered both
    ways."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        return _assume(path, value, ("true", "false")) == "true"
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii():
        low = value.lower()
        if low == "true":
            return True
        if low == "false":
            return False
    raise InvalidValue(path, value, "true or false")


def as_int(path: str, value: Any, limits: Limits | None = None) -> int:
    """An integer, from a JSON number or a numeric string ("2"); secret stays secret.
    With `limits` (recordable.field_limits), one outside the field's documented range is
    invalid: AWS never records an InstanceCount of 0."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        raise Unresolved(path, value)
    n = _int(path, value, limits)
    if limits is not None and not limits.accepts_number(n):
        raise InvalidValue(path, value, limits.number_rule())
    return SensitiveInt(n) if isinstance(value, Sensitive) else n


# An integer as JSON or Config writes one in a string: ASCII digits and an optional sign.
# Python's int() also takes full-width digits (U+FF12), "2_0" and " 2\n", which no AWS
# record holds.
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def _int(path: str, value: Any, limits: Limits | None) -> int:
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        return int(value)
    elif isinstance(value, float) and value.is_integer():
        return int(value)  # JSON has one number type: 2.0 is the number 2
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # more digits than Python converts: no count is that large
            pass
    raise InvalidValue(path, value, limits.number_rule() if limits else "a whole number")


def below(path: str, value: Any, limit: int, limits: Limits | None = None) -> bool:
    """Whether a whole number is below `limit`; one known only at deploy is considered
    both below and at or above it. `limits` as for as_int."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        labels = (f"below {limit}", f"{limit} or more")
        return _assume(path, value, labels) == labels[0]
    return as_int(path, value, limits) < limit


def as_enum(path: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of AWS's enum strings; case-insensitive (ASCII only, no padding), returned in
    AWS's spelling. A value known only at deploy is considered as each of them."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        return _assume(path, value, allowed)
    if isinstance(value, str) and value.isascii():
        for a in allowed:
            if value.lower() == a.lower():
                return SensitiveText(a) if isinstance(value, Sensitive) else a
    raise InvalidValue(path, value, " or ".join(allowed))


def as_str(path: str, value: Any, limits: Limits | None = None) -> str:
    """A string; with `limits`, one the field could hold (length and pattern)."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        raise Unresolved(path, value)
    if not isinstance(value, str):
        raise InvalidValue(path, value, "a string")
    if limits is not None and not limits.accepts_text(value):
        raise InvalidValue(path, value, limits.text_rule())
    return value


def show(value: Any) -> str:
    """Any value as a reason shows it: text as is, JSON for the rest, an unknown by why it
    is unknown, a secret as (sensitive); never a Python repr."""
    if isinstance(value, Sensitive):
        return SENSITIVE
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, UnresolvedValue):
        return f"(a value that {value.why})"
    if isinstance(value, bool):  # the common cases, without a JSON encoder
        return "true" if value else "false"
    if isinstance(value, int) or value is None:
        return "null" if value is None else str(value)
    text = json.dumps(_plain(value), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _plain(value: Any) -> Any:
    if isinstance(value, Sensitive):
        return SENSITIVE
    if isinstance(value, UnresolvedValue):
        return f"(a value that {value.why})"
    if value is _ABSENT:
        return "(absent)"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return f"({type(value).__name__})"


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else show(value)


def a_kind(value: Any) -> str:
    """A value's JSON type with its article ("an object", "a list", "null"), for lines such
    as "X is a list, not an object"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number" if isinstance(value, (int, float)) else f"a {type(value).__name__}"
