"""Value types that config documents use: durations, secrets, permitted synchronization."""

from __future__ import annotations

import enum
import re

__all__ = ["Duration", "PermittedSynchronization", "Secret", "parse_duration"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class Duration(float):
    """A span of time in seconds, written in config as ``500ms``, ``30s``, ``5m``, ``1h`` or ``2d``.

    A bare number means seconds. It is a float, so arithmetic works as on seconds.
    """

    def __repr__(self) -> str:
        return f"Duration({float(self)!r})"

    def __str__(self) -> str:
        seconds = float(self)
        for unit in ("d", "h", "m", "s"):
            size = _UNIT_SECONDS[unit]
            if seconds >= size and seconds % size == 0:
                return f"{int(seconds // size)}{unit}"
        return f"{int(round(seconds * 1000))}ms"


def parse_duration(value: object) -> Duration:
    """Read a duration; raise ValueError saying why it is not one."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{value!r} is not a duration (negative)")
        return Duration(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return Duration(float(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"])
    raise ValueError(f"{value!r} is not a duration (use e.g. 500ms, 30s, 5m, 1h)")


class Secret:
    """A value that never prints: logs, status output and error messages show ``********``.

    Call ``reveal()`` at the one place that needs the real value.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


class PermittedSynchronization(enum.Enum):
    """Which way a connector may move metadata (Egeria's names)."""

    BOTH_DIRECTIONS = "BOTH_DIRECTIONS"
    TO_THIRD_PARTY = "TO_THIRD_PARTY"
    FROM_THIRD_PARTY = "FROM_THIRD_PARTY"

    @property
    def may_write_open_metadata(self) -> bool:
        return self is not PermittedSynchronization.TO_THIRD_PARTY

    @property
    def may_write_third_party(self) -> bool:
        return self is not PermittedSynchronization.FROM_THIRD_PARTY
