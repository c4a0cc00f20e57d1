"""Terraform configuration files (`.tf`, `.tf.json`) -> blocks whose attributes are
unevaluated expressions.

`.tf` files are parsed by python-hcl2 into its syntax tree (`parses_to_tree`): evaluating
needs the expressions themselves, not the dict `hcl2.loads` gives, where an expression is
the text `"${...}"` and would have to be parsed again. `.tf.json` values are literals,
except strings holding a template (`"${var.x}"`), which are parsed as HCL strings. A syntax
error is one `SyntaxProblem` naming the line; the module's other files are still read.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import hcl2.parser
import orjson
from hcl2.postlexer import PostLexer
from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from sagewarden.usercache import private_folder


@dataclass(frozen=True)
class Literal:
    """A value written as JSON (`.tf.json`): no expression to evaluate."""

    value: Any


Expr = Tree[Any] | Literal


@dataclass
class Body:
    attrs: dict[str, Expr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


@dataclass
class Block:
    type: str
    labels: list[str]
    body: Body
    file: str
    line: int


class SyntaxProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line


@functools.cache
def _parser() -> Lark:
    """python-hcl2's grammar and post-lexer, without the node positions hcl2's own parser
    records (tokens keep their lines, which is all sagewarden reports): parsing is about
    twice as fast (bench/terraform_sources.py)."""
    return Lark.open(
        "hcl2.lark",
        rel_to=hcl2.parser.__file__,
        parser="lalr",
        propagate_positions=False,
        maybe_placeholders=False,
        postlex=PostLexer(),
        cache=_grammar_cache(),  # the compiled grammar: seconds saved per run
    )


def _grammar_cache() -> str | bool:
    """Where Lark keeps the compiled grammar, or False for no cache.

    The cache is a pickle, and loading one that another user planted runs their code. Lark's
    own default (`cache=True`) is a predictable name in the shared temporary directory, so
    the cache lives in this user's cache folder (XDG_CACHE_HOME or ~/.cache), made 0700 and
    used only while it is this user's and nobody else can write to it.
    """
    folder = private_folder()
    if folder is None:
        return False
    return os.path.join(folder, "hcl2-grammar-py{}{}.lark".format(*sys.version_info[:2]))


def parse(text: str) -> Tree[Any]:
    """The syntax tree of HCL text (what `hcl2.parses_to_tree` gives, without positions)."""
    return _parser().parse(text + "\n")


def children(node: Tree[Any]) -> list[Tree[Any]]:
    """The subtrees of a node, without its punctuation tokens."""
    return [c for c in node.children if isinstance(c, Tree)]


def load(path: str, text: str) -> list[Block]:
    """The top-level blocks of one file (HCL native or JSON syntax)."""
    if path.endswith(".json"):
        return _load_json(path, text)
    try:
        tree = parse(text)
    except UnexpectedInput as exc:
        raise SyntaxProblem(exc.line, _syntax_message(exc)) from None
    except LarkError as exc:
        raise SyntaxProblem(None, f"not valid HCL: {' '.join(str(exc).split())[:160]}") from None
    body = children(tree)[0]
    return _body(body, path).blocks


def _syntax_message(exc: UnexpectedInput) -> str:
    column = getattr(exc, "column", None)
    token = getattr(exc, "token", None)
    if token is not None and str(token).strip():
        what = f"unexpected {' '.join(str(token).split())[:30]!r}"
    else:
        what = "unexpected end of input" if token is not None else "unexpected character"
    return f"not valid HCL: {what}" + (f" at column {column}" if column else "")


def _body(node: Tree[Any], path: str) -> Body:
    out = Body()
    for child in node.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name_node, expr = children(child)[0], children(child)[-1]
            out.attrs[_name(name_node)] = expr
        elif child.data == "block":
            parts = children(child)
            head, body = parts[:-1], parts[-1]
            out.blocks.append(
                Block(
                    type=_name(head[0]),
                    labels=[_name(h) for h in head[1:]],
                    body=_body(body, path),
                    file=path,
                    line=_line(head[0]),
                )
            )
        elif child.data == "new_line_or_comment":
            for tok in child.children:
                text = str(tok).strip()
                if text.startswith(("#", "//")):
                    out.comments.append(text.lstrip("#/ ").strip())
    return out


def _line(node: Tree[Any]) -> int:
    for tok in node.scan_values(lambda v: isinstance(v, Token)):
        return int(tok.line or 0)
    return 0


def _name(node: Tree[Any]) -> str:
    """An identifier, keyword, literal or quoted label as text."""
    if node.data == "string":
        return "".join(str(t) for p in children(node) for t in p.children if isinstance(t, Token))
    for tok in node.scan_values(lambda v: isinstance(v, Token)):
        return str(tok)
    return ""


def load_values(path: str, text: str) -> dict[str, Expr]:
    """The assignments of a `.tfvars` (or `.tfvars.json`) file."""
    if path.endswith(".json"):
        return {k: Literal(v) for k, v in _json_object(text, "a variables file").items()}
    try:
        tree = parse(text)
    except UnexpectedInput as exc:
        raise SyntaxProblem(exc.line, _syntax_message(exc)) from None
    except LarkError as exc:
        raise SyntaxProblem(None, f"not valid HCL: {' '.join(str(exc).split())[:160]}") from None
    return _body(children(tree)[0], path).attrs


# -- JSON syntax -------------------------------------------------------------------------

# Block types whose JSON form nests one object level per label.
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1}


def _json_object(text: str, what: str) -> dict[str, Any]:
    """A JSON document that must be an object; anything else is a SyntaxProblem (with the
    line where the JSON breaks)."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        line = text.count("\n", 0, exc.pos) + 1 if exc.pos is not None else None
        raise SyntaxProblem(line, f"not valid JSON: {exc.msg}") from None
    if not isinstance(doc, dict):
        raise SyntaxProblem(None, f"not {what}: the document is no object")
    return doc


def _load_json(path: str, text: str) -> list[Block]:
    doc = _json_object(text, "a Terraform JSON configuration")
    blocks: list[Block] = []
    for btype, value in doc.items():
        if btype == "//":
            continue
        depth = _LABELS.get(btype, 0)
        for labels, body in _json_labelled(value, depth):
            for one in body if isinstance(body, list) else [body]:
                if isinstance(one, dict):
                    blocks.append(Block(btype, labels, _json_body(one, btype), path, 0))
    return blocks


def _json_labelled(value: Any, depth: int) -> list[tuple[list[str], Any]]:
    if depth == 0:
        return [([], value)]
    if not isinstance(value, dict):
        return []
    return [([k, *ls], b) for k, v in value.items() for ls, b in _json_labelled(v, depth - 1)]


# Nested blocks of the top-level blocks that hold blocks rather than map attributes.
_JSON_BLOCKS = {"provider": {"default_tags"}, "terraform": {"required_providers", "backend"}}


def _json_body(obj: dict[str, Any], btype: str) -> Body:
    """Attributes of a JSON block. A resource's nested blocks stay values: a list of
    objects is exactly what a plan holds for a block."""
    out = Body()
    for k, v in obj.items():
        if k == "//":
            continue
        if k in _JSON_BLOCKS.get(btype, ()) and isinstance(v, (dict, list)):
            for one in v if isinstance(v, list) else [v]:
                if isinstance(one, dict):
                    out.blocks.append(Block(k, [], _json_body(one, k), "", 0))
        else:
            out.attrs[k] = Literal(_json_templates(v))
    return out


def _json_templates(v: Any) -> Any:
    """JSON values with each string holding `${` parsed as an HCL template."""
    if isinstance(v, str) and "${" in v:
        try:
            tree = parse(f"x = {orjson.dumps(v).decode()}")
        except LarkError:
            return v
        return children(children(children(tree)[0])[0])[-1]
    if isinstance(v, dict):
        return {k: _json_templates(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_templates(x) for x in v]
    return v
