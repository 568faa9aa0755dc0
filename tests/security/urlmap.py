"""The project's URL map as data: every pattern the root resolver knows (the admin site's
and the API router's included), and the concrete URLs that fill a pattern's parameters.

The differential leak test walks this map, so a new page is covered without anyone
remembering to add it: a pattern it cannot fill is reported, not skipped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

# <int:pk>, <path:object_id>, <slug:name>: Django's own syntax for a route's parameters.
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
NAMED_GROUP = re.compile(r"^\(\?P<(?P<name>\w+)>")


@dataclass(frozen=True)
class Pattern:
    """One leaf of the URL map: its whole route, its namespaced name and its view."""

    route: str
    name: str | None
    parts: tuple
    callback: Callable

    @property
    def label(self) -> str:
        return f"{self.route} ({self.name or 'unnamed'})"

    def parameters(self) -> list[str]:
        """The names of the parameters to fill, in order; unnamed regex groups are
        ``arg0``, ``arg1``..."""
        names: list[str] = []
        for part in self.parts:
            for piece in _pieces(part):
                if isinstance(piece, _Parameter):
                    names.append(piece.name)
        return names

    def fill(self, values: dict[str, str]) -> str:
        """The URL path with each parameter replaced by its value."""
        text = "".join(
            values[piece.name] if isinstance(piece, _Parameter) else piece
            for part in self.parts
            for piece in _pieces(part)
        )
        return "/" + text

    def resolves_to_itself(self, path: str) -> bool:
        """Whether ``path`` reaches this pattern's view (and not an earlier pattern's)."""
        return resolve(path.split("?", 1)[0]).func is self.callback


@dataclass(frozen=True)
class _Parameter:
    name: str


def walk(resolver: URLResolver | None = None) -> list[Pattern]:
    """Every leaf pattern of the resolver, depth first, in resolution order."""
    return list(_walk(resolver or get_resolver(), (), None))


def _walk(resolver: URLResolver, parents: tuple, namespace: str | None) -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, (*parents, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            parts = (*parents, entry.pattern)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            route = "".join(str(part) for part in parts)
            yield Pattern(route=route, name=name, parts=parts, callback=entry.callback)


def _pieces(part) -> list:
    """A pattern level as literal text and parameters."""
    if isinstance(part, RoutePattern):
        return _route_pieces(str(part))
    if isinstance(part, RegexPattern):
        return _regex_pieces(str(part))
    raise TypeError(f"unknown pattern type {type(part)!r}")


def _route_pieces(route: str) -> list:
    pieces: list = []
    position = 0
    for match in ROUTE_PARAMETER.finditer(route):
        pieces.append(route[position : match.start()])
        pieces.append(_Parameter(match["parameter"]))
        position = match.end()
    pieces.append(route[position:])
    return [piece for piece in pieces if piece != ""]


def _regex_pieces(regex: str) -> list:
    """Literal text and groups of a simple regex (the admin's, DRF's routers'): anchors
    and optional trailing slashes are dropped, escapes unescaped, groups become
    parameters (unnamed ones ``arg0``, ``arg1``...)."""
    text = regex.removeprefix("^").removesuffix("$").removesuffix("/?")
    pieces: list = []
    literal: list[str] = []
    unnamed = itertools.count()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            literal.append(text[index + 1])
            index += 2
        elif char == "(":
            end = _group_end(text, index)
            named = NAMED_GROUP.match(text[index:end])
            pieces.append("".join(literal))
            literal = []
            pieces.append(_Parameter(named["name"] if named else f"arg{next(unnamed)}"))
            index = end
        else:
            literal.append(char)
            index += 1
    pieces.append("".join(literal))
    return [piece for piece in pieces if piece != ""]


def _group_end(text: str, start: int) -> int:
    """The index just past the group opening at ``start`` (escapes and classes aware)."""
    depth = 0
    index = start
    in_class = False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise ValueError(f"unbalanced group in {text!r}")


def fill_all(pattern: Pattern, values: Callable[[str], list[str] | None]) -> list[str] | None:
    """Every URL for the cartesian product of the parameters' values, or None when a
    parameter has no value."""
    names = pattern.parameters()
    choices = []
    for name in names:
        found = values(name)
        if not found:
            return None
        choices.append([str(value) for value in found])
    return [
        pattern.fill(dict(zip(names, combination, strict=True)))
        for combination in itertools.product(*choices)
    ]
