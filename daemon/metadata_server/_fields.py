"""Typed reads of untrusted JSON request bodies that collect every problem with its path.

The HTTP layer wraps each parsed body (or query string) in ``Fields``; the ``parse_*``
functions of ``_bodies`` and ``_query_bodies`` read it, and ``Fields.check()`` raises one
``InvalidParameterError`` (400) listing every problem, whose ``parameterName`` property names
the first (``typeName``, ``properties.propertyValueMap.size``, ``searchProperties.conditions[0].operator``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from daemon.errors import InvalidParameterError
from daemon.model import PropertyValueError, decode_properties

__all__ = ["Fields"]


class Fields:
    """Typed reads of one JSON object, collecting every problem with its path instead of stopping."""

    def __init__(self, data: Mapping[str, Any], path: str = "", problems: list[tuple[str, str]] | None = None) -> None:
        self.data = data
        self.path = path
        self.problems: list[tuple[str, str]] = [] if problems is None else problems

    def where(self, key: str) -> str:
        """The full path of ``key`` inside this object."""
        return f"{self.path}.{key}" if self.path else key

    def problem(self, path: str, text: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append((path, text))

    def text(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        """A string field; missing gives ``default`` (or a problem when ``required``)."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.problem(self.where(key), "is required")
            return default
        if not isinstance(value, str):
            self.problem(self.where(key), f"must be a string, not {value!r}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        """A boolean field (``"true"``/``"false"`` strings accepted)."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            self.problem(self.where(key), f"must be true or false, not {value!r}")
            return default
        return value

    def integer(self, key: str, default: int) -> int:
        """An integer field (digit strings accepted)."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(self.where(key), f"must be an integer, not {value!r}")
            return default
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of strings; missing gives ``()``."""
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problem(self.where(key), "must be a list of strings")
            return ()
        return tuple(value)

    def properties(self, key: str) -> dict[str, Any]:
        """Plain values from an ``ElementProperties`` field."""
        try:
            return decode_properties(self.data.get(key), self.where(key))
        except PropertyValueError as exc:
            self.problem(exc.path, exc.problem)
            return {}

    def child(self, key: str) -> Fields | None:
        """The nested object at ``key`` (sharing this reader's problem list), or ``None``."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.problem(self.where(key), "must be an object")
            return None
        return Fields(value, self.where(key), self.problems)

    def check(self) -> None:
        """Raise one ``InvalidParameterError`` listing every problem, if there were any."""
        if not self.problems:
            return
        lines = [f"{path}: {text}" for path, text in self.problems]
        raise InvalidParameterError(
            f"The request is not valid: {'; '.join(lines)}",
            message_id="OMAG-COMMON-400-001",
            user_action="Correct the named fields and retry the request.",
            properties={"parameterName": self.problems[0][0], "problems": lines},
        )
