"""Resolving CloudFormation intrinsic functions the way CloudFormation would, before deploy.

What can be known from the template and the given parameters is resolved (Ref to
parameters and pseudo parameters, Fn::If with Conditions, Fn::Sub, Fn::Join, Fn::Select,
Fn::Split, Fn::FindInMap, Fn::Base64). What is one of a few known values (Fn::If on a
condition known only at deploy, a parameter with AllowedValues and no value, Fn::FindInMap
with such a key) becomes a Choice of them, which the engine evaluates option by option.
What cannot be known at all (Fn::ImportValue, a parameter with no value, Fn::GetAtt of
another resource) becomes an UnresolvedValue that says why, so the control can answer
UNKNOWN only when its decision depends on it. What each parameter holds is cfn_parameters'.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any

from sagewarden.kinds import BY_TYPE
from sagewarden.sources.cfn_parameters import (
    DEPLOY_PSEUDO,
    KNOWN_PSEUDO,
    as_mapping,
    load_parameters,
    scalar_text,
)
from sagewarden.sources.limits import MAX_DEPTH
from sagewarden.unknowns import ABSENT, Choice, UnresolvedValue

NO_VALUE = object()  # AWS::NoValue: the property is removed
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_WHOLE = re.compile(r"\s*\d+\s*", re.ASCII)
# Resolution may nest this deep: a template nests at most MAX_DEPTH levels, and GetAtt,
# FindInMap and Condition chains add theirs; beyond it a chain is circular or absurd.
MAX_NESTING = 2 * MAX_DEPTH


class TemplateError(ValueError):
    """The template itself is wrong (CloudFormation would reject it)."""


# An export's value for Fn::ImportValue, or MISSING when no template of the scan exports it.
MISSING = object()
Imports = Callable[[str], Any]


class Resolver:
    def __init__(
        self,
        template: Mapping[str, Any],
        given: Mapping[str, Any] | None = None,
        imports: Imports | None = None,
    ) -> None:
        self.template = template
        self.imports = imports
        self.resources: Mapping[str, Any] = as_mapping(template.get("Resources"))
        self.mappings: Mapping[str, Any] = as_mapping(template.get("Mappings"))
        self.conditions: Mapping[str, Any] = as_mapping(template.get("Conditions"))
        self._condition_cache: dict[str, bool | None] = {}
        self._naming: list[tuple[str, str]] = []  # GetAtt name resolutions under way
        self._nesting = 0
        self.parameters, self.unused_given = load_parameters(template, given or {})

    # -- conditions -------------------------------------------------------------------------

    def condition(self, name: str, trail: tuple[str, ...] = ()) -> bool | None:
        """True, False, or None when it depends on something known only at deploy."""
        if name in self._condition_cache:
            return self._condition_cache[name]
        if name in trail:
            raise TemplateError(f"condition {name} refers to itself")
        if name not in self.conditions:
            raise TemplateError(f"condition {name} is not defined")
        self._enter()
        try:
            value = self._cond(self.conditions[name], (*trail, name))
        finally:
            self._nesting -= 1
        self._condition_cache[name] = value
        return value

    def _enter(self) -> None:
        """One level deeper into resolution; a TemplateError past MAX_NESTING."""
        if self._nesting >= MAX_NESTING:
            raise TemplateError(
                f"values, conditions and Fn::GetAtt/Fn::FindInMap chains nest more than "
                f"{MAX_NESTING} levels deep"
            )
        self._nesting += 1

    def _cond(self, expr: Any, trail: tuple[str, ...]) -> bool | None:
        if isinstance(expr, Mapping) and len(expr) == 1:
            ((fn, args),) = expr.items()
            if fn == "Condition":
                return self.condition(str(args), trail)
            if fn == "Fn::Equals" and isinstance(args, list) and len(args) == 2:
                a, b = self.resolve(args[0]), self.resolve(args[1])
                if _unknown(a) or _unknown(b):
                    return None
                return scalar_text(a) == scalar_text(b)
            if fn == "Fn::Not" and isinstance(args, list) and len(args) == 1:
                v = self._nested_cond(args[0], trail)
                return None if v is None else not v
            if fn in ("Fn::And", "Fn::Or") and isinstance(args, list) and args:
                values = [self._nested_cond(a, trail) for a in args]
                decisive = bool(fn == "Fn::Or")  # True decides an Or, False decides an And
                if decisive in values:
                    return decisive
                return None if None in values else not decisive
        raise TemplateError(f"not a condition: {_short(expr)}")

    def _nested_cond(self, expr: Any, trail: tuple[str, ...]) -> bool | None:
        self._enter()
        try:
            return self._cond(expr, trail)
        finally:
            self._nesting -= 1

    # -- values -----------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if not isinstance(value, (dict, list)):
            return value
        self._enter()
        try:
            return self._resolve(value)
        finally:
            self._nesting -= 1

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            out = [self.resolve(v) for v in value]
            return [v for v in out if v is not NO_VALUE]
        if not isinstance(value, dict):  # parsers give dicts; a plain check is much faster
            return value
        if len(value) == 1:
            ((key, args),) = value.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, args)
        out_map = {}
        for k, v in value.items():
            resolved = v if isinstance(v, (str, int, float, bool)) else self.resolve(v)
            if resolved is not NO_VALUE:
                out_map[k] = resolved
        return out_map

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"Ref takes a name, not {_short(name)}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            return self.parameters[name]
        if name in KNOWN_PSEUDO:
            return KNOWN_PSEUDO[name]
        if name in DEPLOY_PSEUDO:
            return UnresolvedValue(f"is {name}, known only at deploy")
        if name in self.resources:
            return UnresolvedValue(f"is !Ref {name}, known only at deploy", target=name)
        raise TemplateError(f"Ref to {name}, which is neither a parameter nor a resource")

    def _getatt(self, args: Any) -> Any:
        if isinstance(args, str):
            args = args.split(".", 1)
        if not (isinstance(args, list) and len(args) == 2):
            raise TemplateError(f"Fn::GetAtt takes [resource, attribute], not {_short(args)}")
        res, attr = self.resolve(args[0]), self.resolve(args[1])
        if not isinstance(res, str) or res not in self.resources:
            raise TemplateError(f"Fn::GetAtt of {res}, which is not a resource")
        target = self.resources[res] if isinstance(self.resources[res], Mapping) else {}
        # A name attribute of a resource that sets its name is that name (SageMaker.14 uses it).
        rtype = target.get("Type")
        known = BY_TYPE.get(rtype) if isinstance(rtype, str) else None
        name_prop = known.name_property if known else None
        props = target.get("Properties")
        if attr == name_prop and isinstance(props, Mapping) and name_prop in props:
            step = (res, attr)
            if any(r == res for r, _ in self._naming):
                chain = [*self._naming[[r for r, _ in self._naming].index(res) :], step]
                raise TemplateError(
                    "Fn::GetAtt names form a cycle: " + " -> ".join(f"{r}.{a}" for r, a in chain)
                )
            self._naming.append(step)
            try:
                named = self.resolve(props[name_prop])
            finally:
                self._naming.pop()
            if isinstance(named, str):
                return named
        return UnresolvedValue(f"is !GetAtt {res}.{attr}, known only at deploy", target=res)

    def _if(self, args: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 3):
            raise TemplateError(f"Fn::If takes [condition, then, else], not {_short(args)}")
        decided = self.condition(str(args[0]))
        if decided is not None:
            return self.resolve(args[1] if decided else args[2])
        a, b = self.resolve(args[1]), self.resolve(args[2])
        if not _unknown(a) and not _unknown(b) and a == b:
            return a
        return Choice(
            f"depends on condition {args[0]}, known only at deploy",
            over=f"condition {args[0]}",
            options=(("true", _option(a)), ("false", _option(b))),
            phrase=f"whether condition {args[0]} is true or false",
        )

    def _sub(self, args: Any) -> Any:
        if isinstance(args, list) and len(args) == 2 and isinstance(args[1], Mapping):
            text, local = args[0], {k: self.resolve(v) for k, v in args[1].items()}
        else:
            text, local = args, {}
        if not isinstance(text, str):
            raise TemplateError(f"Fn::Sub takes a string, not {_short(text)}")
        unknown: list[str] = []
        target: str | None = None

        def replace(m: re.Match[str]) -> str:
            nonlocal target
            var = m.group(1)
            if var.startswith("!"):
                return "${" + var[1:] + "}"
            if var in local:
                value = local[var]
            elif "." in var and var.split(".", 1)[0] in self.resources:
                value = self._getatt(var.split(".", 1))
            else:
                value = self._ref(var)
            if _unknown(value):
                unknown.append(var)
                if isinstance(value, UnresolvedValue) and value.target:
                    target = value.target
                return ""
            return scalar_text(value)

        out = _SUB_VAR.sub(replace, text)
        if unknown:
            return UnresolvedValue(
                f"is !Sub with ${{{unknown[0]}}}, known only at deploy",
                target=target if len(unknown) == 1 else None,
            )
        return out

    def _join(self, args: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 2):
            raise TemplateError(f"Fn::Join takes [delimiter, list], not {_short(args)}")
        delim, items = self.resolve(args[0]), self.resolve(args[1])
        if _unknown(items) or (isinstance(items, list) and any(_unknown(i) for i in items)):
            return UnresolvedValue("is !Join of a value known only at deploy")
        if not isinstance(delim, str) or not isinstance(items, list):
            raise TemplateError("Fn::Join takes a string delimiter and a list")
        return delim.join(scalar_text(i) for i in items)

    def _select(self, args: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 2):
            raise TemplateError(f"Fn::Select takes [index, list], not {_short(args)}")
        index, items = self.resolve(args[0]), self.resolve(args[1])
        if _unknown(items) and index in (1, "1") and not isinstance(index, bool):
            named = self._name_in_arn(args[1])
            if named is not None:
                return named
        if _unknown(index) or _unknown(items):
            return UnresolvedValue("is !Select from a value known only at deploy")
        whole = (
            (isinstance(index, int) and not isinstance(index, bool))
            or (isinstance(index, float) and index.is_integer())
            or (isinstance(index, str) and _WHOLE.fullmatch(index) is not None)
        )
        if not whole:
            raise TemplateError(f"Fn::Select index {_short(index)} is not a whole number")
        if not isinstance(items, list):
            raise TemplateError(f"Fn::Select takes a list to select from, not {_short(items)}")
        at = int(index)
        if not 0 <= at < len(items):
            raise TemplateError(
                f"Fn::Select index {at} is out of range (the list has {len(items)} items)"
            )
        return items[at]

    def _name_in_arn(self, split: Any) -> Any:
        """The name in a SageMaker resource's Arn (`arn:...:type/NAME`), for CDK's way of
        naming one: `Fn::Select [1, Fn::Split ["/", Fn::GetAtt [X, ...Arn]]]`. It is the
        name X sets, else X's name known only at deploy, pointing at X (SageMaker.14
        follows it); None for any other shape."""
        args = split.get("Fn::Split") if isinstance(split, Mapping) and len(split) == 1 else None
        if not (isinstance(args, list) and len(args) == 2 and args[0] == "/"):
            return None
        att = args[1].get("Fn::GetAtt") if isinstance(args[1], Mapping) else None
        if isinstance(att, str):
            att = att.split(".", 1)
        if not (isinstance(att, list) and len(att) == 2 and all(isinstance(a, str) for a in att)):
            return None
        res, attr = att
        target = self.resources.get(res)
        rtype = target.get("Type") if isinstance(target, Mapping) else None
        known = BY_TYPE.get(rtype) if isinstance(rtype, str) else None
        if known is None or not attr.endswith("Arn"):
            return None
        name = self._getatt([res, known.name_property])
        if isinstance(name, UnresolvedValue):
            why = f"is the name in !GetAtt {res}.{attr}, known only at deploy"
            return UnresolvedValue(why, target=res)
        return name

    def _split(self, args: Any) -> Any:
        if not (isinstance(args, list) and len(args) == 2):
            raise TemplateError(f"Fn::Split takes [delimiter, string], not {_short(args)}")
        delim, text = self.resolve(args[0]), self.resolve(args[1])
        if _unknown(text) or _unknown(delim):
            return UnresolvedValue("is !Split of a value known only at deploy")
        if not isinstance(delim, str) or not delim:
            raise TemplateError(f"Fn::Split takes a delimiter string, not {_short(delim)}")
        return scalar_text(text).split(delim)

    def _find_in_map(self, args: Any) -> Any:
        if not (isinstance(args, list) and len(args) in (3, 4)):
            raise TemplateError(f"Fn::FindInMap takes [map, key, key], not {_short(args)}")
        keys = [self.resolve(a) for a in args[:3]]
        default = (
            args[3].get("DefaultValue") if len(args) == 4 and isinstance(args[3], Mapping) else None
        )
        return self._map_value(keys, default)

    def _map_value(self, keys: list[Any], default: Any) -> Any:
        """The entry the keys name; a Choice over the entries when a key is one of a few
        values (a Choice) or unknown (any key the mapping has at that level)."""
        for i, key in enumerate(keys):
            if not _unknown(key):
                continue
            if isinstance(key, Choice):
                over, labels, phrase = key.over, list(key.options), key.phrase
            elif i == 0:
                return UnresolvedValue(f"is !FindInMap of a mapping that {key.why}")
            else:
                level = as_mapping(self.mappings.get(str(keys[0])))
                if i == 2:
                    level = as_mapping(level.get(str(keys[1])))
                names = [str(k) for k in level]
                which = "top-level" if i == 1 else "second-level"
                over = f"the {which} key of mapping {keys[0]}"
                phrase = f"for every {which} key of mapping {keys[0]} ({', '.join(names)})"
                labels = [(n, n) for n in names]
            options: list[tuple[str, Any]] = []
            for label, value in labels:
                try:
                    found = self._map_value([*keys[:i], value, *keys[i + 1 :]], default)
                except TemplateError:
                    continue  # no entry for this value: a deploy with it would fail
                options.append((str(label), _option(found)))
            if not options:
                raise TemplateError(f"Fn::FindInMap: no entry of {keys[0]} for any key")
            return Choice(
                f"is !FindInMap {keys[0]} with a key that {key.why}",
                over=over,
                options=tuple(options),
                phrase=phrase,
            )
        found = as_mapping(as_mapping(self.mappings.get(str(keys[0]))).get(str(keys[1]))).get(
            str(keys[2]), NO_VALUE
        )
        if found is NO_VALUE:
            if default is not None:
                return self.resolve(default)
            raise TemplateError(f"Fn::FindInMap: no {keys[0]}/{keys[1]}/{keys[2]} in Mappings")
        return self.resolve(found)

    def _import(self, args: Any) -> Any:
        name = self.resolve(args)
        if isinstance(name, str) and self.imports is not None:
            found = self.imports(name)
            if found is not MISSING:
                return found
            return UnresolvedValue(
                f"is !ImportValue {name}, which no template in this scan exports, "
                "known only at deploy"
            )
        shown = name if isinstance(name, str) else "a computed export"
        return UnresolvedValue(f"is !ImportValue {shown}, known only at deploy")

    def _base64(self, args: Any) -> Any:
        text = self.resolve(args)
        if _unknown(text):
            return UnresolvedValue("is !Base64 of a value known only at deploy")
        return base64.b64encode(scalar_text(text).encode("utf-8", "surrogatepass")).decode()

    def _deploy_only(self, name: str) -> Any:
        return UnresolvedValue(f"is {name}, known only at deploy")


_FUNCTIONS: dict[str, Any] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._getatt,
    "Fn::If": Resolver._if,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::ImportValue": Resolver._import,
    "Fn::Base64": Resolver._base64,
    "Fn::GetAZs": lambda self, args: self._deploy_only("!GetAZs"),
    "Fn::Cidr": lambda self, args: self._deploy_only("!Cidr"),
}


def _option(value: Any) -> Any:
    """A value as an option of a Choice: AWS::NoValue removes the field."""
    return ABSENT if value is NO_VALUE else value


def _unknown(value: Any) -> bool:
    return isinstance(value, UnresolvedValue)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
