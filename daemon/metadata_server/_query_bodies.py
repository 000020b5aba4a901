"""Request bodies of the open metadata store's queries: paging, search conditions, search strings, names.

Same conventions as ``_bodies``; accepts the older ``metadataElementSubtypeName`` and
``typeName`` on searches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from daemon.metadata_server._fields import Fields
from daemon.model import PropertyValueError, decode_value

__all__ = [
    "OPERATORS",
    "Condition",
    "FindRequest",
    "Paging",
    "SearchCriteria",
    "SearchStringRequest",
    "UniqueNameRequest",
    "parse_criteria",
    "parse_find",
    "parse_paging",
    "parse_search_string",
    "parse_unique_name",
]

OPERATORS = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "IN", "IS_NULL", "NOT_NULL", "LIKE"})
MATCH_CRITERIA = frozenset({"ALL", "ANY", "NONE"})


@frozen
class Paging:
    """Which slice of the results to return."""

    start: int = 0
    page_size: int = 1000


def parse_paging(fields: Fields, max_page_size: int) -> Paging:
    """Read ``startFrom``/``pageSize``; 0 means the server's maximum, more than that is refused."""
    start = fields.integer("startFrom", 0)
    size = fields.integer("pageSize", 0)
    if start < 0:
        fields.problem(fields.where("startFrom"), f"must not be negative (got {start})")
    if size < 0 or size > max_page_size:
        limits = f"must be between 0 and {max_page_size} (got {size}); 0 means {max_page_size}"
        fields.problem(fields.where("pageSize"), limits)
    return Paging(max(start, 0), size if 0 < size <= max_page_size else max_page_size)


@frozen
class Condition:
    """One ``PropertyCondition``: a test on a property, or nested criteria."""

    property: str | None = None
    operator: str | None = None
    value: Any = None
    pattern: re.Pattern[str] | None = None
    nested: SearchCriteria | None = None


@frozen
class SearchCriteria:
    """``SearchProperties``: conditions combined by ``match`` (ALL, ANY or NONE)."""

    conditions: tuple[Condition, ...]
    match: str = "ALL"


def parse_criteria(fields: Fields) -> SearchCriteria:
    """Read a ``SearchProperties`` object."""
    match = fields.text("matchCriteria", default="ALL") or "ALL"
    if match not in MATCH_CRITERIA:
        fields.problem(fields.where("matchCriteria"), f"must be one of {sorted(MATCH_CRITERIA)}, not {match!r}")
    raw = fields.data.get("conditions") or []
    if not isinstance(raw, list):
        fields.problem(fields.where("conditions"), "must be a list")
        raw = []
    conditions = []
    for index, item in enumerate(raw):
        path = fields.where(f"conditions[{index}]")
        if not isinstance(item, Mapping):
            fields.problem(path, "must be an object")
            continue
        child = Fields(item, path, fields.problems)
        conditions.append(_parse_condition(child))
    return SearchCriteria(tuple(conditions), match)


def _parse_condition(fields: Fields) -> Condition:
    nested = fields.child("nestedConditions")
    if nested is not None:
        return Condition(nested=parse_criteria(nested))
    name = fields.text("property", required=True)
    operator = fields.text("operator", required=True)
    if operator is not None and operator not in OPERATORS:
        fields.problem(fields.where("operator"), f"must be one of {sorted(OPERATORS)}, not {operator!r}")
    value = _condition_value(fields, operator)
    pattern = None
    if operator == "LIKE":
        if not isinstance(value, str):
            fields.problem(fields.where("value"), "LIKE needs a string (regular expression) value")
        else:
            pattern = _compile(fields, "value", value, re.NOFLAG)
    return Condition(name, operator, value, pattern)


def _condition_value(fields: Fields, operator: str | None) -> Any:
    raw = fields.data.get("value")
    if raw is None:
        if operator not in (None, "IS_NULL", "NOT_NULL"):
            fields.problem(fields.where("value"), f"is required for operator {operator}")
        return None
    try:
        return decode_value(raw, fields.where("value"))
    except PropertyValueError as exc:
        fields.problem(exc.path, exc.problem)
        return None


def _compile(fields: Fields, key: str, pattern: str, flags: re.RegexFlag) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        fields.problem(fields.where(key), f"is not a valid regular expression ({exc})")
        return None


@frozen
class FindRequest:
    """``FindRequestBody``: type filter, property conditions, status filter and paging."""

    type_name: str | None
    subtype_names: tuple[str, ...]
    criteria: SearchCriteria | None
    statuses: tuple[str, ...]
    paging: Paging


def parse_find(fields: Fields, max_page_size: int) -> FindRequest:
    """Read a find-by-search-conditions body."""
    criteria = fields.child("searchProperties")
    return FindRequest(
        type_name=fields.text("metadataElementTypeName") or fields.text("typeName"),
        subtype_names=fields.text_list("metadataElementSubtypeNames") or fields.text_list("metadataElementSubtypeName"),
        criteria=parse_criteria(criteria) if criteria is not None else None,
        statuses=fields.text_list("limitResultsByStatus"),
        paging=parse_paging(fields, max_page_size),
    )


@frozen
class SearchStringRequest:
    """``SearchStringRequestBody``: a regular expression over string properties, plus type filter and paging."""

    pattern: re.Pattern[str] | None
    type_name: str | None
    subtype_names: tuple[str, ...]
    statuses: tuple[str, ...]
    paging: Paging


def parse_search_string(fields: Fields, max_page_size: int) -> SearchStringRequest:
    """Read a find-by-search-string body (``*`` or empty matches everything)."""
    text = fields.text("searchString")
    flags = re.IGNORECASE if fields.flag("ignoreCase", True) else re.NOFLAG
    pattern = None
    if text and text != "*":
        if fields.flag("startsWith", False):
            text = f"^(?:{text})"
        if fields.flag("endsWith", False):
            text = f"(?:{text})$"
        pattern = _compile(fields, "searchString", text, flags)
    return SearchStringRequest(
        pattern=pattern,
        type_name=fields.text("metadataElementTypeName") or fields.text("typeName"),
        subtype_names=fields.text_list("metadataElementSubtypeNames"),
        statuses=fields.text_list("limitResultsByStatus"),
        paging=parse_paging(fields, max_page_size),
    )


@frozen
class UniqueNameRequest:
    """``UniqueNameRequestBody``: a value and the name of the unique property that holds it."""

    name: str
    property_name: str = "qualifiedName"


def parse_unique_name(fields: Fields) -> UniqueNameRequest:
    """Read a by-unique-name body."""
    return UniqueNameRequest(
        fields.text("name", required=True) or "",
        fields.text("namePropertyName", default="qualifiedName") or "qualifiedName",
    )
