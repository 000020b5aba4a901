"""Plain Python values <-> Egeria ``ElementProperties`` wire form.

Used by the metadata server (to read request bodies and write responses), by the
metadata client (to build request bodies) and by the event model. Callers work with
plain values; only this module knows the wire shapes::

    {"class": "ElementProperties",
     "propertyValueMap": {"pathName": {"class": "PrimitiveTypePropertyValue",
                                       "typeName": "string",
                                       "primitiveTypeCategory": "OM_PRIMITIVE_TYPE_STRING",
                                       "primitiveValue": "/data/a.csv"}}}

Encoding: ``str`` -> string, ``bool`` -> boolean, ``int`` -> int / long / biginteger by
size, ``float`` -> double, ``datetime`` -> date (epoch milliseconds; a naive datetime is
read as local time, as ``datetime.timestamp`` does), ``enum.Enum`` -> EnumTypePropertyValue,
list/tuple -> ArrayTypePropertyValue, dict -> MapTypePropertyValue. ``None`` values are
left out of a property map.

Decoding gives the plain values back; dates come back as UTC-aware datetimes and enums
as their symbolic name. Every problem raises ``PropertyValueError`` (a ``ValueError``)
whose ``path`` names the property, e.g. ``properties.propertyValueMap.size``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "PropertyValueError",
    "decode_properties",
    "decode_value",
    "encode_properties",
    "encode_value",
]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1

_INTEGRAL = frozenset({"byte", "short", "int", "long", "biginteger"})
_FLOATING = frozenset({"float", "double", "bigdecimal"})
_CATEGORY_PREFIX = "OM_PRIMITIVE_TYPE_"
_KNOWN_PRIMITIVES = _INTEGRAL | _FLOATING | {"string", "char", "boolean", "date", "object", "unknown"}


class PropertyValueError(ValueError):
    """A property value could not be encoded or decoded; ``path`` names the property."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


# ---------------------------------------------------------------- encoding


def encode_properties(values: Mapping[str, Any] | None, path: str = "properties") -> dict[str, Any] | None:
    """Wire ``ElementProperties`` for a mapping of plain values; ``None`` when nothing is left."""
    if not values:
        return None
    value_map = {}
    for name, value in values.items():
        if not isinstance(name, str):
            raise PropertyValueError(f"{path}.{name!r}", "property names must be strings")
        if value is not None:
            value_map[name] = encode_value(value, f"{path}.{name}")
    if not value_map:
        return None
    return {"class": "ElementProperties", "propertyValueMap": value_map}


def encode_value(value: Any, path: str = "value") -> dict[str, Any]:
    """Wire ``PropertyValue`` for one plain value."""
    if isinstance(value, bool):
        return _primitive("boolean", value)
    if isinstance(value, enum.Enum):
        return _enum_value(value)
    if isinstance(value, int):
        return _primitive(_integer_type(value), value)
    if isinstance(value, float):
        return _primitive("double", value)
    if isinstance(value, str):
        return _primitive("string", value)
    if isinstance(value, datetime):
        return _primitive("date", int(round(value.timestamp() * 1000)))
    if isinstance(value, (list, tuple)):
        return _array_value(value, path)
    if isinstance(value, Mapping):
        return _map_value(value, path)
    raise PropertyValueError(path, f"cannot encode a {type(value).__name__} as an open metadata property value")


def _primitive(type_name: str, value: Any) -> dict[str, Any]:
    return {
        "class": "PrimitiveTypePropertyValue",
        "typeName": type_name,
        "primitiveTypeCategory": _CATEGORY_PREFIX + type_name.upper(),
        "primitiveValue": value,
    }


def _integer_type(value: int) -> str:
    if _INT_MIN <= value <= _INT_MAX:
        return "int"
    if _LONG_MIN <= value <= _LONG_MAX:
        return "long"
    return "biginteger"


def _enum_value(value: enum.Enum) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "class": "EnumTypePropertyValue",
        "typeName": type(value).__name__,
        "symbolicName": value.name,
    }
    if isinstance(value.value, int) and not isinstance(value.value, bool):
        wire["ordinal"] = value.value
    return wire


def _array_value(values: list[Any] | tuple[Any, ...], path: str) -> dict[str, Any]:
    encoded = {}
    for index, item in enumerate(values):
        if item is None:
            raise PropertyValueError(f"{path}[{index}]", "a list may not hold None")
        encoded[str(index)] = encode_value(item, f"{path}[{index}]")
    item_types = {v.get("typeName") for v in encoded.values()}
    item_type = item_types.pop() if len(item_types) == 1 else "object"
    return {
        "class": "ArrayTypePropertyValue",
        "typeName": f"array<{item_type}>",
        "arrayCount": len(encoded),
        "arrayValues": {"class": "ElementProperties", "propertyValueMap": encoded},
    }


def _map_value(values: Mapping[Any, Any], path: str) -> dict[str, Any]:
    encoded = encode_properties(values, path) or {"class": "ElementProperties", "propertyValueMap": {}}
    item_types = {v.get("typeName") for v in encoded["propertyValueMap"].values()}
    item_type = item_types.pop() if len(item_types) == 1 else "object"
    return {"class": "MapTypePropertyValue", "typeName": f"map<string,{item_type}>", "mapValues": encoded}


# ---------------------------------------------------------------- decoding


def decode_properties(wire: Any, path: str = "properties") -> dict[str, Any]:
    """Plain values from wire ``ElementProperties`` (``None`` or no map gives ``{}``)."""
    if wire is None:
        return {}
    if type(wire) is not dict and not isinstance(wire, Mapping):  # a dict is the usual case: skip the ABC check
        raise PropertyValueError(path, f"expected an ElementProperties object, got {_json_kind(wire)}")
    value_map = wire.get("propertyValueMap")
    if value_map is None:
        return {}
    if type(value_map) is not dict and not isinstance(value_map, Mapping):
        raise PropertyValueError(f"{path}.propertyValueMap", f"expected an object, got {_json_kind(value_map)}")
    decoded = {}
    for name, value in value_map.items():
        if value is None:
            continue
        plain = _plain_primitive(value)  # the common case, without building a path
        if plain is _NOT_PLAIN:
            plain = decode_value(value, f"{path}.propertyValueMap.{name}")
        if plain is not None:
            decoded[str(name)] = plain
    return decoded


_NOT_PLAIN = object()
#: Primitive type names whose wire value is already the plain value, when it has this Python type.
PLAIN_TYPES: dict[str | None, type] = {"string": str, "int": int, "long": int, "boolean": bool, "double": float}


def _plain_primitive(wire: Any) -> Any:
    """A string, int, long, boolean or double primitive value as it is; ``_NOT_PLAIN`` otherwise."""
    if type(wire) is not dict or wire.get("class") != "PrimitiveTypePropertyValue":
        return _NOT_PLAIN
    expected = PLAIN_TYPES.get(wire.get("typeName"))
    value = wire.get("primitiveValue")
    return value if expected is not None and type(value) is expected else _NOT_PLAIN


def decode_value(wire: Any, path: str = "value") -> Any:
    """The plain value of one wire ``PropertyValue``."""
    if not isinstance(wire, Mapping):
        raise PropertyValueError(path, f"expected a PropertyValue object, got {_json_kind(wire)}")
    decoder = _DECODERS.get(_value_class(wire))
    if decoder is None:
        raise PropertyValueError(path, f"unknown property value class {wire.get('class')!r}")
    return decoder(wire, path)


def _value_class(wire: Mapping[str, Any]) -> str:
    declared = wire.get("class")
    if isinstance(declared, str) and declared:
        return declared
    for field, name in (
        ("arrayValues", "ArrayTypePropertyValue"),
        ("arrayCount", "ArrayTypePropertyValue"),
        ("mapValues", "MapTypePropertyValue"),
        ("symbolicName", "EnumTypePropertyValue"),
        ("attributes", "StructTypePropertyValue"),
    ):
        if field in wire:
            return name
    return "PrimitiveTypePropertyValue"


def _decode_primitive(wire: Mapping[str, Any], path: str) -> Any:
    type_name = _primitive_type_name(wire, path)
    value = wire.get("primitiveValue")
    if value is None:
        return None
    converter = _PRIMITIVE_CONVERTERS.get(type_name)
    if converter is None:
        return value
    try:
        return converter(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise PropertyValueError(path, f"primitiveValue {value!r} is not a valid {type_name}") from exc


def _primitive_type_name(wire: Mapping[str, Any], path: str) -> str:
    type_name = wire.get("typeName")
    if not type_name:
        category = wire.get("primitiveTypeCategory")
        if isinstance(category, str) and category.startswith(_CATEGORY_PREFIX):
            type_name = category[len(_CATEGORY_PREFIX) :]
        elif category is not None:
            raise PropertyValueError(path, f"unknown primitiveTypeCategory {category!r}")
    if type_name is None:
        return "object"
    if not isinstance(type_name, str) or type_name.lower() not in _KNOWN_PRIMITIVES:
        raise PropertyValueError(path, f"unknown primitive typeName {type_name!r}")
    return type_name.lower()


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("a boolean is not an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not a whole number")
        return int(value)
    if isinstance(value, (int, str)):
        return int(value)
    raise TypeError(type(value).__name__)


def _to_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(type(value).__name__)
    return float(value)


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(type(value).__name__)
    return value


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError(type(value).__name__)


def _to_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            millis = _to_int(value)
        except ValueError:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    return datetime.fromtimestamp(_to_int(value) / 1000, tz=timezone.utc)


_PRIMITIVE_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    **{name: _to_int for name in _INTEGRAL},
    **{name: _to_float for name in _FLOATING},
    "string": _to_str,
    "char": _to_str,
    "boolean": _to_bool,
    "date": _to_datetime,
}


def _decode_enum(wire: Mapping[str, Any], path: str) -> str | None:
    symbolic_name = wire.get("symbolicName")
    if symbolic_name is not None and not isinstance(symbolic_name, str):
        raise PropertyValueError(path, "symbolicName must be a string")
    return symbolic_name


def _decode_array(wire: Mapping[str, Any], path: str) -> list[Any]:
    values = decode_properties(wire.get("arrayValues"), f"{path}.arrayValues")
    try:
        ordered = sorted(values.items(), key=lambda item: int(item[0]))
    except ValueError as exc:
        raise PropertyValueError(f"{path}.arrayValues", "array keys must be \"0\", \"1\", ...") from exc
    return [value for _, value in ordered]


def _decode_map(wire: Mapping[str, Any], path: str) -> dict[str, Any]:
    return decode_properties(wire.get("mapValues"), f"{path}.mapValues")


def _decode_struct(wire: Mapping[str, Any], path: str) -> dict[str, Any]:
    return decode_properties(wire.get("attributes"), f"{path}.attributes")


_DECODERS: dict[str, Callable[[Mapping[str, Any], str], Any]] = {
    "PrimitiveTypePropertyValue": _decode_primitive,
    "EnumTypePropertyValue": _decode_enum,
    "ArrayTypePropertyValue": _decode_array,
    "MapTypePropertyValue": _decode_map,
    "StructTypePropertyValue": _decode_struct,
}


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
