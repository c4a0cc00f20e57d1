"""Writing bash: shell words, comments and messages, and the context every step kind's
script rendering writes into (`Writer`, one `Section` per step).

No character that must not reach a person raw (`escaping`: control, bidi, zero-width,
line separators) is written raw: JSON documents are ASCII (``\\u`` escapes), comments and
the messages the script prints show escapes, and a shell word holding one is written as
bash's ``$'...'`` with the character's UTF-8 bytes as ``\\xHH``, so the word is exact and
the script reads as it runs. NUL cannot be in a bash word at all (bash drops it, and the
command would act on another name): the planner refuses such a resource (`plan.uncarriable`),
and a step of a plan made otherwise that would still need one is written as not
scriptable.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sagewarden.outputs.escaping import clean, is_unsafe, shorten, unsafe_characters

from . import inputs

if TYPE_CHECKING:
    from .plan import Plan, ResourcePlan
    from .steps import Step

T = TypeVar("T")


class Unscriptable(ValueError):
    """A value no bash word can carry (NUL)."""


def q(value: str) -> str:
    """`value` as one shell word, exactly, with no unsafe character raw (see the module
    docstring)."""
    if not unsafe_characters(value):
        return shlex.quote(value)
    if "\x00" in value:
        raise Unscriptable(f"{shorten(value, 80)} holds a NUL (\\x00): no shell word can")
    out: list[str] = []
    for char in value:
        if char in "\\'":
            out.append("\\" + char)
        elif is_unsafe(char):
            data = char.encode("utf-8", "surrogatepass")
            out.append("".join(f"\\x{byte:02x}" for byte in data))
        else:
            out.append(char)
    return "$'" + "".join(out) + "'"


def text(message: str) -> str:
    """A message the script prints, as a shell word: escaped for a person, then quoted."""
    return q(clean(message))


def comment(value: str) -> str:
    """One comment line's worth of text: line breaks as \\r and \\n, every other unsafe
    character as its escape (`escaping`)."""
    return clean(value.replace("\r", "\\r").replace("\n", "\\n"))


def kebab(operation: str) -> str:
    """The AWS CLI's name of an operation: CreateModel -> create-model."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", operation).lower()


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Section:
    """The lines of one step's section of the script."""

    def __init__(self, n: int, total: int, rp: ResourcePlan, step: Step) -> None:
        self.n, self.total, self.rp, self.step = n, total, rp, step
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def say(self, message: str) -> str:
        return f"sw_say {text(message)}"

    def fail(self, message: str) -> str:
        return f"sw_fail {text(message)}"


class Writer:
    """What step kinds write their sections with: the (settled) plan, and what a family
    of steps works out once for the whole plan (`memo`)."""

    def __init__(self, plan: Plan, profile: str | None) -> None:
        self.plan = inputs.settled(plan)  # an input AWS would refuse is not written
        self.profile = profile
        self.index = {id(rp): i for i, rp in enumerate(self.plan.resources)}
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """A value computed once per script (`make` is called on first use)."""
        if key not in self._memo:
            self._memo[key] = make()
        value: T = self._memo[key]
        return value

    def input(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The API input of a settled step (checked then): its directives are run-time
        reads, not input."""
        return inputs.build(operation, params)

    def tags_prefix(self, params: dict[str, Any], sec: Section, indent: str) -> str:
        """Lines reading the tags to copy; returns the extra arguments for the create."""
        arn = params.get("CopyTagsFrom")
        if not isinstance(arn, str) or not arn:
            return ""
        sec.add(f"{indent}sw_tags_from {q(arn)}  # copy the user tags of the old resource")
        return ' ${SW_TAGS[@]+"${SW_TAGS[@]}"}'

    def create(
        self, sec: Section, operation: str, exists: str, params: dict[str, Any], label: str
    ) -> None:
        """A create guarded by a describe: a second run leaves it alone."""
        doc = self.input(operation, params)
        sec.add(f"if {exists} >/dev/null 2>&1; then")
        sec.add(f"  {sec.say(f'{label}: already exists')}")
        sec.add("else")
        extra = self.tags_prefix(params, sec, "  ")
        sec.add(f"  sw_aws sagemaker {kebab(operation)} --cli-input-json {q(dumps(doc))}{extra}")
        sec.add("fi")

    def unknown(self, sec: Section) -> None:
        what = f"{sec.step.action} on {sec.rp.name}"
        sec.add(f"# not scriptable: {comment(what)}", sec.fail(f"not scriptable: {what}"))
