"""Matching elements against find requests: property conditions and search strings.

Pure functions over plain property values, used by the server's query operations.
Semantics: a condition on a missing property is false except ``IS_NULL`` (true) and
``NEQ`` (true); comparing values that cannot be ordered is false, not an error; ``LIKE``
is a full regular-expression match on strings; a search string matches anywhere in any
string property (including strings inside lists and maps).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from daemon.metadata_server._query_bodies import Condition, SearchCriteria

__all__ = ["matches_criteria", "matches_search_string", "string_values"]

_MISSING = object()

_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "LT": operator.lt,
    "LTE": operator.le,
    "GT": operator.gt,
    "GTE": operator.ge,
}


def matches_criteria(criteria: SearchCriteria, properties: Mapping[str, Any]) -> bool:
    """Whether the properties satisfy the criteria (no conditions matches everything)."""
    if not criteria.conditions:
        return True
    results = (_matches_condition(condition, properties) for condition in criteria.conditions)
    if criteria.match == "ANY":
        return any(results)
    if criteria.match == "NONE":
        return not any(results)
    return all(results)


def _matches_condition(condition: Condition, properties: Mapping[str, Any]) -> bool:
    if condition.nested is not None:
        return matches_criteria(condition.nested, properties)
    actual = properties.get(condition.property or "", _MISSING)
    op = condition.operator
    if op == "IS_NULL":
        return actual is _MISSING
    if op == "NOT_NULL":
        return actual is not _MISSING
    if op == "NEQ":
        return actual is _MISSING or not _equal(actual, condition.value)
    if actual is _MISSING:
        return False
    if op == "EQ":
        return _equal(actual, condition.value)
    if op == "IN":
        return _is_in(actual, condition.value)
    if op == "LIKE":
        pattern = condition.pattern
        return isinstance(actual, str) and pattern is not None and pattern.fullmatch(actual) is not None
    return _ordered(op or "", actual, condition.value)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    try:
        return bool(actual == expected)
    except TypeError:
        return False


def _is_in(actual: Any, expected: Any) -> bool:
    candidates = expected if isinstance(expected, (list, tuple)) else [expected]
    return any(_equal(actual, candidate) for candidate in candidates)


def _ordered(op: str, actual: Any, expected: Any) -> bool:
    compare = _ORDERING.get(op)
    if compare is None or isinstance(actual, bool) or isinstance(expected, bool):
        return False
    try:
        return compare(actual, expected)
    except TypeError:
        return False


def matches_search_string(pattern: Any, properties: Mapping[str, Any]) -> bool:
    """Whether the compiled pattern (``None`` = match all) is found in any string property value."""
    if pattern is None:
        return True
    return any(pattern.search(text) for text in string_values(properties))


def string_values(value: Any) -> Iterator[str]:
    """Every string inside a property value or property map, depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from string_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from string_values(item)
