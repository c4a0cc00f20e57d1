"""The Terraform functions sagewarden evaluates: those configurations use to assemble the
values the controls read (names, tags, lists of settings). Any other function's result is
unresolved, naming the function; so is a result that needs an unresolved argument.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewarden.unknowns import UnresolvedValue


class FunctionError(Exception):
    """The arguments do not fit the function."""


def unknown_in(values: Any) -> UnresolvedValue | None:
    """The first unresolved value in a value (looked into lists and maps), if any."""
    if isinstance(values, UnresolvedValue):
        return values
    if isinstance(values, dict):
        values = list(values.values())
    if isinstance(values, list):
        for v in values:
            found = unknown_in(v)
            if found is not None:
                return found
    return None


def _strict(fn: Callable[[list[Any]], Any]) -> Callable[[list[Any]], Any]:
    """A function whose result needs every argument known."""

    def call(args: list[Any]) -> Any:
        found = unknown_in(args)
        return found if found is not None else fn(args)

    return call


def _one(args: list[Any], kind: type | tuple[type, ...]) -> Any:
    if len(args) != 1 or not isinstance(args[0], kind):
        raise FunctionError("unexpected arguments")
    return args[0]


def _merge(args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for a in args:
        if isinstance(a, UnresolvedValue):
            return a
        if a is None:
            continue
        if not isinstance(a, dict):
            raise FunctionError("an argument is not a map")
        out.update(a)
    return out


def _concat(args: list[Any]) -> Any:
    out: list[Any] = []
    for a in args:
        if isinstance(a, UnresolvedValue):
            return a
        if not isinstance(a, list):
            raise FunctionError("an argument is not a list")
        out.extend(a)
    return out


def _lookup(args: list[Any]) -> Any:
    if len(args) not in (2, 3) or isinstance(args[0], UnresolvedValue):
        return args[0] if args else None
    table, key = args[0], args[1]
    if isinstance(key, UnresolvedValue):
        return key
    if not isinstance(table, dict):
        raise FunctionError("the first argument is not a map")
    if key in table:
        return table[key]
    if len(args) == 3:
        return args[2]
    raise FunctionError(f"no key {key!r} and no default")


def _coalesce(args: list[Any]) -> Any:
    for a in args:
        if isinstance(a, UnresolvedValue):
            return a
        if a is not None and a != "":
            return a
    raise FunctionError("every argument is null or empty")


def _length(args: list[Any]) -> Any:
    value = _one(args, (list, dict, str))
    return len(value)


def _format(args: list[Any]) -> Any:
    spec, *rest = args
    if not isinstance(spec, str):
        raise FunctionError("the format is not a string")
    out, i, n = [], 0, 0
    while i < len(spec):
        c = spec[i]
        if c == "%" and i + 1 < len(spec):
            verb = spec[i + 1]
            i += 2
            if verb == "%":
                out.append("%")
                continue
            if verb not in "sdv" or n >= len(rest):
                raise FunctionError(f"the verb %{verb} is not evaluated")
            v = rest[n]
            n += 1
            out.append(("true" if v else "false") if isinstance(v, bool) else str(v))
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _tobool(args: list[Any]) -> Any:
    v = _one(args, (bool, str))
    if isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return v == "true"
    raise FunctionError(f"{v!r} is not a bool")


def _tonumber(args: list[Any]) -> Any:
    v = _one(args, (int, float, str))
    if isinstance(v, bool):
        raise FunctionError("a bool is not a number")
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            raise FunctionError(f"{v!r} is not a number") from None
        return int(f) if f.is_integer() else f
    return v


def _tostring(args: list[Any]) -> Any:
    v = _one(args, (str, int, float, bool))
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _toset(args: list[Any]) -> Any:
    items = _one(args, list)
    out: list[Any] = []
    for v in items:
        if v not in out:
            out.append(v)
    return sorted(out, key=str) if all(isinstance(v, str) for v in out) else out


def _range(args: list[Any]) -> Any:
    if not 1 <= len(args) <= 3 or not all(
        isinstance(a, (int, float)) and not isinstance(a, bool) for a in args
    ):
        raise FunctionError("the arguments are not numbers")
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
    if step == 0 or abs((stop - start) / step) > 1024:
        raise FunctionError("too many or endless steps")
    out: list[Any] = []
    n = start
    while (step > 0 and n < stop) or (step < 0 and n > stop):
        out.append(n)
        n += step
    return out


FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "merge": _merge,
    "concat": _concat,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "length": _strict(_length),
    "lower": _strict(lambda a: _one(a, str).lower()),
    "upper": _strict(lambda a: _one(a, str).upper()),
    "trimspace": _strict(lambda a: _one(a, str).strip()),
    "join": _strict(lambda a: str(a[0]).join(str(x) for x in a[1])),
    "format": _strict(_format),
    "keys": _strict(lambda a: sorted(_one(a, dict))),
    "values": _strict(lambda a: [v for _, v in sorted(_one(a, dict).items())]),
    "contains": _strict(lambda a: a[1] in a[0]),
    "tobool": _strict(_tobool),
    "tonumber": _strict(_tonumber),
    "tostring": _strict(_tostring),
    "tolist": _strict(lambda a: list(_one(a, list))),
    "toset": _strict(_toset),
    "tomap": _strict(lambda a: dict(_one(a, dict))),
    "range": _strict(_range),
    "max": _strict(lambda a: max(a)),
    "min": _strict(lambda a: min(a)),
}
