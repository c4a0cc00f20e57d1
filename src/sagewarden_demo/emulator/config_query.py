"""AWS Config's advanced query language, as much of it as the emulator answers.

`SELECT property [, ...] [WHERE condition]`, where a condition compares a property with
`=`, `!=`, `IN (...)`, `BETWEEN a AND b` or `LIKE 'pat%'`, joined by `AND`, `OR`, `NOT` and
parentheses (the operators AWS documents in "Query Components"). Properties are the
configuration item's fields as advanced query names them (`resourceId`, `accountId`,
`configuration.DirectInternetAccess`, `tags.key`); a dotted path reaches into lists the way
AWS does, matching when any element matches. GROUP BY, ORDER BY and aggregate functions are
refused as InvalidExpressionException rather than answered wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]  # one item as advanced query sees it (see config_service.query_row)
Predicate = Callable[[Row], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>!=|<>|=|\(|\)|,)"
    r"|(?P<word>[A-Za-z_*][A-Za-z0-9_.:*-]*))"
)
_KEYWORDS = {"SELECT", "WHERE", "AND", "OR", "NOT", "IN", "BETWEEN", "LIKE"}
_REFUSED = {"GROUP", "ORDER", "COUNT", "SUM", "AVG", "MIN", "MAX", "DISTINCT", "FROM"}


class QueryError(ValueError):
    """The expression is not one the emulator answers (InvalidExpressionException)."""


@dataclass(frozen=True)
class Query:
    fields: tuple[str, ...]
    where: Predicate

    def project(self, row: Row) -> Row:
        """The selected fields of one row, nested as AWS returns them."""
        out: Row = {}
        for name in self.fields:
            value = values_at(row, name.split("."))
            if value is _MISSING:
                continue
            _put(out, name.split("."), value)
        return out


_MISSING = object()


def parse(expression: str) -> Query:
    tokens = _tokenize(expression)
    reader = _Reader(tokens)
    reader.expect_word("SELECT")
    fields = [reader.field()]
    while reader.take(","):
        fields.append(reader.field())
    where: Predicate = _always
    if reader.take_word("WHERE"):
        where = reader.disjunction()
    if not reader.done():
        raise QueryError(f"unexpected {reader.peek_text()!r}")
    return Query(tuple(fields), where)


def values_at(row: Any, path: list[str]) -> Any:
    """The value at a dotted path; through a list, the list of each element's value."""
    value = row
    for i, part in enumerate(path):
        if isinstance(value, list):
            found = [values_at(v, path[i:]) for v in value]
            kept = [v for v in found if v is not _MISSING]
            return kept if kept else _MISSING
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _put(out: Row, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        out = out.setdefault(part, {})
    out[path[-1]] = value


def _always(row: Row) -> bool:
    return True


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise QueryError(f"cannot read the query at {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def done(self) -> bool:
        return self.pos >= len(self.tokens)

    def peek_text(self) -> str:
        return self.tokens[self.pos][1] if not self.done() else ""

    def take(self, op: str) -> bool:
        if not self.done() and self.tokens[self.pos] == ("op", op):
            self.pos += 1
            return True
        return False

    def take_word(self, word: str) -> bool:
        kind, text = self.tokens[self.pos] if not self.done() else ("", "")
        if kind == "word" and text.upper() == word:
            self.pos += 1
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.take_word(word):
            raise QueryError(f"expected {word}, found {self.peek_text()!r}")

    def field(self) -> str:
        if self.done() or self.tokens[self.pos][0] != "word":
            raise QueryError(f"expected a property, found {self.peek_text()!r}")
        name = self.tokens[self.pos][1]
        if name.upper() in _REFUSED or name == "*" or "*" in name:
            raise QueryError(f"the emulator does not answer {name!r} queries")
        if name.upper() in _KEYWORDS:
            raise QueryError(f"expected a property, found {name!r}")
        self.pos += 1
        return name

    def literal(self) -> Any:
        if self.done():
            raise QueryError("expected a value at the end of the query")
        kind, text = self.tokens[self.pos]
        self.pos += 1
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise QueryError(f"expected a value, found {text!r}")

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.take_word("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.take_word("AND"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def negation(self) -> Predicate:
        if self.take_word("NOT"):
            inner = self.negation()
            return lambda r: not inner(r)
        if self.take("("):
            inner = self.disjunction()
            if not self.take(")"):
                raise QueryError("a parenthesis is not closed")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        path = self.field().split(".")
        if self.take("="):
            want = self.literal()
            return lambda r: _any(r, path, lambda v: v == want)
        if self.take("!=") or self.take("<>"):
            want = self.literal()
            return lambda r: not _any(r, path, lambda v: v == want)
        negate = self.take_word("NOT")
        if self.take_word("IN"):
            if not self.take("("):
                raise QueryError("IN needs a parenthesised list")
            options = [self.literal()]
            while self.take(","):
                options.append(self.literal())
            if not self.take(")"):
                raise QueryError("an IN list is not closed")
            found: Predicate = lambda r: _any(r, path, lambda v: v in options)  # noqa: E731
        elif self.take_word("BETWEEN"):
            low = self.literal()
            self.expect_word("AND")
            high = self.literal()
            found = lambda r: _any(r, path, lambda v: _between(v, low, high))  # noqa: E731
        elif self.take_word("LIKE"):
            pattern = self.literal()
            if not isinstance(pattern, str):
                raise QueryError("LIKE needs a quoted pattern")
            regex = re.compile(
                "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern),
                re.DOTALL,
            )
            found = lambda r: _any(  # noqa: E731
                r, path, lambda v: isinstance(v, str) and regex.fullmatch(v) is not None
            )
        else:
            raise QueryError(f"expected a comparison after {'.'.join(path)!r}")
        return (lambda r: not found(r)) if negate else found


def _any(row: Row, path: list[str], test: Callable[[Any], bool]) -> bool:
    value = values_at(row, path)
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return any(_any_value(v, test) for v in value)
    return test(value)


def _any_value(value: Any, test: Callable[[Any], bool]) -> bool:
    if isinstance(value, list):
        return any(_any_value(v, test) for v in value)
    return test(value)


def _between(value: Any, low: Any, high: Any) -> bool:
    try:
        return bool(low <= value <= high)
    except TypeError:
        return False
