"""Converters for the configuration properties of the bundled connectors.

Egeria config documents may carry numbers and booleans as strings, and lists as
comma-separated text. Fields that use these converters are annotated ``Any`` so that the
config structuring passes the raw value through to the converter (a ``bool`` annotation
would turn the string ``"false"`` into ``True`` before the converter saw it).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

from daemon.config import parse_duration

__all__ = ["Filter", "flag", "patterns", "seconds", "share"]

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}


def flag(value: Any) -> bool:
    """A boolean from ``True``/``False`` or text such as ``"true"``, ``"no"``, ``"1"``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (use true or false)")


def share(value: Any) -> float:
    """A share between 0 and 1, written ``0.2`` or ``"20%"``."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a share")
    text = str(value).strip()
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a share (use e.g. 0.2 or '20%')") from None
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{value!r} is not a share between 0 and 1 (use e.g. 0.2 or '20%')")
    return number


def seconds(value: Any) -> float:
    """A duration in seconds, written ``5``, ``"500ms"``, ``"30s"`` or ``"2m"``."""
    return float(parse_duration(value))


def patterns(value: Any) -> tuple[str, ...]:
    """Glob patterns from a list or from comma-separated text."""
    if value is None:
        return ()
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    return tuple(str(item).strip() for item in items if str(item).strip())


class Filter:
    """Include/exclude glob patterns (case-sensitive): a name is in when it matches an include
    pattern (or there are none) and no exclude pattern."""

    def __init__(self, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> None:
        self.include = tuple(include)
        self.exclude = tuple(exclude)

    def __call__(self, *names: str) -> bool:
        """Whether any of ``names`` (alternative spellings of one thing) is in and none is excluded."""
        included = not self.include or any(fnmatchcase(n, p) for n in names for p in self.include)
        return included and not any(fnmatchcase(n, p) for n in names for p in self.exclude)
