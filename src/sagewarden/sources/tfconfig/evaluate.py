"""Evaluating one HCL expression to a value, or to an `UnresolvedValue` saying why not.

What the configuration states is evaluated: literals, strings with interpolation,
collections, arithmetic, comparisons and logic, conditionals, `for` expressions, splats,
indexes and attributes, and the functions in `functions`. A reference (`var.x`,
`local.y`, `aws_x.y.name`, `module.m.out`, `count.index`, `each.key`) is resolved by the
`Resolver` the module gives. Whatever cannot be known without a plan (an attribute the
provider computes, a data source, a function not evaluated here) is an `UnresolvedValue`
naming it; an expression that uses one is unresolved with the same reason.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Callable
from typing import Any, Protocol

from lark import Token, Tree

from sagewarden.sources.tfconfig.functions import FUNCTIONS, FunctionError, unknown_in
from sagewarden.sources.tfconfig.syntax import Expr, Literal, children
from sagewarden.unknowns import UnresolvedValue

Step = str | int | Any  # an attribute name, or an index value


class Resolver(Protocol):
    def reference(self, root: str, steps: list[Any], ev: Evaluator) -> tuple[Any, int]:
        """The value a reference names, and how many of `steps` it used."""


class Unsupported(Exception):
    """An expression sagewarden does not evaluate (the reason completes "it ...")."""


class Evaluator:
    """Evaluates expressions of one module instance (and one resource instance in it)."""

    def __init__(
        self, resolver: Resolver, names: dict[str, Any] | None = None, depth: int = 0
    ) -> None:
        self.resolver = resolver
        self.names = names or {}  # count, each, self, for-expression variables
        self.depth = depth
        self.sensitive = False  # set when a sensitive variable was read

    def with_names(self, names: dict[str, Any]) -> Evaluator:
        child = Evaluator(self.resolver, {**self.names, **names}, self.depth)
        child.sensitive = self.sensitive
        return child

    def eval(self, expr: Expr) -> Any:
        if isinstance(expr, Literal):
            return self._literal(expr.value)
        try:
            return self._eval(expr)
        except Unsupported as exc:
            return UnresolvedValue(str(exc))
        except RecursionError:
            return UnresolvedValue("is nested too deeply to evaluate")

    def _literal(self, v: Any) -> Any:
        if isinstance(v, Tree):
            return self.eval(v)
        if isinstance(v, dict):
            return {k: self._literal(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self._literal(x) for x in v]
        return v

    # -- the grammar's rules ------------------------------------------------------------

    def _eval(self, node: Tree[Any]) -> Any:
        rule = str(node.data)
        handler: Callable[[Tree[Any]], Any] | None = getattr(self, f"_r_{rule}", None)
        if handler is None:
            raise Unsupported(f"is an expression ({rule}) sagewarden does not evaluate")
        return handler(node)

    def _r_expr_term(self, node: Tree[Any]) -> Any:
        return self._eval(children(node)[0])

    def _r_int_lit(self, node: Tree[Any]) -> Any:
        return int(str(node.children[0]))

    def _r_float_lit(self, node: Tree[Any]) -> Any:
        return float(str(node.children[0]))

    def _r_literal_value(self, node: Tree[Any]) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _r_string(self, node: Tree[Any]) -> Any:
        parts: list[Any] = []
        for part in children(node):
            inner = part.children[0] if part.children else ""
            if isinstance(inner, Tree):
                if inner.data != "interpolation":
                    raise Unsupported("is a string template with directives (%{...})")
                parts.append(self._eval(children(inner)[0]))
            elif (isinstance(inner, Token) and inner.type == "ESCAPED_INTERPOLATION") or (
                isinstance(inner, Token) and inner.type == "ESCAPED_DIRECTIVE"
            ):
                parts.append(str(inner)[1:])
            else:
                parts.append(_unescape(str(inner)))
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0]  # "${x}" is x itself, of its own type
        return _join(parts)

    def _r_heredoc_template(self, node: Tree[Any]) -> Any:
        return self._heredoc(str(node.children[0]), trim=False)

    def _r_heredoc_template_trim(self, node: Tree[Any]) -> Any:
        return self._heredoc(str(node.children[0]), trim=True)

    def _heredoc(self, text: str, trim: bool) -> Any:
        lines = text.split("\n")  # <<EOT, the body's lines, the closing marker, ""
        body = "".join(f"{line}\n" for line in lines[1:-2])
        if "${" in body.replace("$${", "") or "%{" in body.replace("%%{", ""):
            raise Unsupported("is a heredoc with interpolation, which sagewarden does not evaluate")
        body = body.replace("$${", "${").replace("%%{", "%{")
        return textwrap.dedent(body) if trim else body

    def _r_tuple(self, node: Tree[Any]) -> Any:
        return [self._eval(c) for c in children(node) if c.data != "new_line_or_comment"]

    def _r_object(self, node: Tree[Any]) -> Any:
        out: dict[str, Any] = {}
        for elem in children(node):
            if elem.data != "object_elem":
                continue
            key_node, value_node = children(elem)[0], children(elem)[-1]
            key = self._object_key(key_node)
            if isinstance(key, UnresolvedValue):
                return key
            out[key] = self._eval(value_node)
        return out

    def _object_key(self, node: Tree[Any]) -> Any:
        inner = children(node)[0] if children(node) else node
        term = children(inner)[0] if inner.data == "expr_term" and children(inner) else inner
        if term.data in ("identifier", "keyword"):
            return str(term.children[0])  # a bare name is the key itself
        key = self._eval(inner)
        if isinstance(key, UnresolvedValue):
            return key
        return _to_string(key)

    def _r_conditional(self, node: Tree[Any]) -> Any:
        cond, yes, no = [c for c in children(node) if c.data != "new_line_or_comment"]
        test = self._eval(cond)
        if isinstance(test, UnresolvedValue):
            return test
        return self._eval(yes) if _to_bool(test) else self._eval(no)

    def _r_unary_op(self, node: Tree[Any]) -> Any:
        op = str(node.children[0])
        value = self._eval(children(node)[0])
        if isinstance(value, UnresolvedValue):
            return value
        return (not _to_bool(value)) if op == "!" else -_to_number(value)

    def _r_binary_op(self, node: Tree[Any]) -> Any:
        left_node, term = [c for c in children(node) if c.data != "new_line_or_comment"][:2]
        op_node, right_node = [c for c in children(term) if c.data != "new_line_or_comment"][:2]
        op = str(op_node.children[0]).strip()
        left = self._eval(left_node)
        if op in ("&&", "||") and not isinstance(left, UnresolvedValue):
            if _to_bool(left) == (op == "||"):
                return op == "||"  # short-circuit
            right = self._eval(right_node)
            return right if isinstance(right, UnresolvedValue) else _to_bool(right)
        right = self._eval(right_node)
        unknown = unknown_in([left, right])
        if unknown is not None:
            return unknown
        return _binary(op, left, right)

    def _r_function_call(self, node: Tree[Any]) -> Any:
        parts = children(node)
        names = [p for p in parts if p.data == "identifier"]
        name = "::".join(str(n.children[0]) for n in names)
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise Unsupported(f"is computed by {name}(), which sagewarden does not evaluate")
        args_node = next((p for p in parts if p.data == "arguments"), None)
        args = [self._eval(a) for a in children(args_node)] if args_node is not None else []
        if args_node is not None and any(
            isinstance(t, Token) and t.type == "ELLIPSIS" for t in args_node.children
        ):
            if not isinstance(args[-1], list):
                return unknown_in(args) or UnresolvedValue(f"expands a non-list in {name}()")
            args = [*args[:-1], *args[-1]]
        try:
            return fn(args)
        except FunctionError as exc:
            raise Unsupported(f"is computed by {name}(), which fails here: {exc}") from None

    # -- references, attributes, indexes -------------------------------------------------

    def _r_identifier(self, node: Tree[Any]) -> Any:
        return self._traverse(node, [])

    def _r_get_attr_expr_term(self, node: Tree[Any]) -> Any:
        return self._chain(node)

    _r_index_expr_term = _r_get_attr_expr_term

    def _chain(self, node: Tree[Any]) -> Any:
        """`a.b[0].c`: the root and its steps, resolved as one reference when the root is
        a name, else the steps applied to the value."""
        steps: list[Any] = []
        cur = node
        while cur.data in ("get_attr_expr_term", "index_expr_term", "expr_term"):
            parts = children(cur)
            if cur.data == "expr_term":
                if len(parts) != 1 or parts[0].data not in (
                    "get_attr_expr_term",
                    "index_expr_term",
                    "identifier",
                ):
                    break
                cur = parts[0]
                continue
            base, step = parts[0], parts[1]
            steps.insert(0, self._step(step))
            cur = base
        if cur.data == "identifier":
            return self._traverse(cur, steps)
        value = self._eval(cur)
        return _apply(value, steps)

    def _step(self, step: Tree[Any]) -> Any:
        if step.data == "get_attr":
            return _Attr(str(children(step)[0].children[0]))
        if step.data == "short_index":
            return int(str(step.children[-1]))
        index = self._eval(children(step)[0])  # braces_index
        return index

    def _traverse(self, ident: Tree[Any], steps: list[Any]) -> Any:
        root = str(ident.children[0])
        if root in self.names:
            return _apply(self.names[root], steps)
        unknown = unknown_in(steps)
        if unknown is not None:
            return unknown
        plain = [s.name if isinstance(s, _Attr) else s for s in steps]
        value, used = self.resolver.reference(root, plain, self)
        return _apply(value, steps[used:])

    def _r_attr_splat_expr_term(self, node: Tree[Any]) -> Any:
        return self._splat(node)

    _r_full_splat_expr_term = _r_attr_splat_expr_term

    def _splat(self, node: Tree[Any]) -> Any:
        base, splat = children(node)
        value = self._eval(base)
        if isinstance(value, UnresolvedValue):
            return value
        steps = [self._step(s) for s in children(splat)]
        items = value if isinstance(value, list) else ([] if value is None else [value])
        return [_apply(v, steps) for v in items]

    def _r_for_tuple_expr(self, node: Tree[Any]) -> Any:
        return self._for(node, as_object=False)

    def _r_for_object_expr(self, node: Tree[Any]) -> Any:
        return self._for(node, as_object=True)

    def _for(self, node: Tree[Any], as_object: bool) -> Any:
        parts = [c for c in children(node) if c.data != "new_line_or_comment"]
        intro, rest = parts[0], parts[1:]
        cond = rest.pop() if rest and rest[-1].data == "for_cond" else None
        idents = [str(i.children[0]) for i in children(intro) if i.data == "identifier"]
        source_node = [c for c in children(intro) if c.data != "identifier"]
        source = self._eval(next(c for c in source_node if c.data != "new_line_or_comment"))
        if isinstance(source, UnresolvedValue):
            return source
        pairs = list(source.items()) if isinstance(source, dict) else list(enumerate(source))
        grouped = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for k, v in pairs:
            names = {idents[0]: k, idents[1]: v} if len(idents) == 2 else {idents[0]: v}
            inner = self.with_names(names)
            if cond is not None:
                test = inner._eval(children(cond)[-1])
                if isinstance(test, UnresolvedValue):
                    return test
                if not _to_bool(test):
                    continue
            if not as_object:
                out_list.append(inner._eval(rest[0]))
                continue
            key = inner._eval(rest[0])
            if isinstance(key, UnresolvedValue):
                return key
            value = inner._eval(rest[1])
            if grouped:
                out_map.setdefault(_to_string(key), []).append(value)
            else:
                out_map[_to_string(key)] = value
        return out_map if as_object else out_list


class _Attr:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _apply(value: Any, steps: list[Any]) -> Any:
    """Attribute and index steps on a value (an unresolved value stays as it is)."""
    for step in steps:
        if isinstance(value, UnresolvedValue):
            return value
        if isinstance(step, UnresolvedValue):
            return step
        key = step.name if isinstance(step, _Attr) else step
        if isinstance(value, dict):
            k = key if isinstance(key, str) else _to_string(key)
            if k not in value:
                raise Unsupported(f"names {k!r}, which is not in the value it indexes")
            value = value[k]
        elif isinstance(value, list) and not isinstance(step, _Attr):
            i = int(_to_number(key))
            if not 0 <= i < len(value):
                raise Unsupported(f"indexes {i}, out of range")
            value = value[i]
        elif hasattr(value, "attribute") and callable(value.attribute):
            value = value.attribute(str(key))
        else:
            raise Unsupported(f"indexes a value that has no {key!r}")
    return value


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        c = m.group(1)
        if c in _ESCAPES:
            return _ESCAPES[c]
        if c[0] in "uU":
            return chr(int(c[1:], 16))
        return m.group(0)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", one, text)


def _join(parts: list[Any]) -> Any:
    unknown = unknown_in(parts)
    if unknown is not None:
        return unknown
    return "".join(_to_string(p) for p in parts)


def _to_string(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float, str)):
        return str(v)
    if v is None:
        raise Unsupported("interpolates null")
    raise Unsupported(f"interpolates a {type(v).__name__}, not a string")


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return bool(v == "true")
    raise Unsupported(f"uses {json.dumps(v, default=str)[:30]} as a bool")


def _to_number(v: Any) -> int | float:
    if isinstance(v, bool):
        raise Unsupported("uses a bool as a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            raise Unsupported(f"uses {v[:30]!r} as a number") from None
        return int(f) if f.is_integer() and math.isfinite(f) else f
    raise Unsupported("uses a non-number as a number")


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op in ("&&", "||"):
        return _to_bool(left) and _to_bool(right) if op == "&&" else _to_bool(right)
    a, b = _to_number(left), _to_number(right)
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == ">=":
        return a >= b
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0 and op in ("/", "%"):
        raise Unsupported("divides by zero")
    if op == "/":
        q = a / b
        return int(q) if q.is_integer() else q
    if op == "%":
        return a % b
    raise Unsupported(f"uses the operator {op}")
