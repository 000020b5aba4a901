"""The Out Topic event's wire shape, checked in one pass by msgspec.

``decode_event`` reads JSON bytes, text or an already-parsed dict into these structs and
raises ``ValueError`` naming the first field that does not fit (``$.elementHeader.guid``).
The structs are an internal step: ``OpenMetadataOutTopicEvent`` turns them into the
public typed values (headers on first use, property maps at once with ``plain_properties``). They are not tracked by the cyclic garbage
collector (``gc=False``): decoded JSON cannot form cycles, and thousands of events in
flight would otherwise make every collection slower. Unknown fields (``class``, additions of newer
Egeria releases) are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from daemon.model.properties import PLAIN_TYPES, decode_properties, decode_value

__all__ = ["WireEvent", "WireHeader", "WireProperties", "decode_event", "plain_properties"]


class WireValue(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, rename={"class_": "class"}):
    """One ``PropertyValue``: what a plain primitive needs is read directly, the rest on demand."""

    class_: str | None = None
    typeName: str | None = None
    primitiveTypeCategory: str | None = None
    primitiveValue: Any = None
    symbolicName: Any = None
    ordinal: Any = None
    arrayCount: Any = None
    arrayValues: Any = None
    mapValues: Any = None
    attributes: Any = None


class WireProperties(msgspec.Struct, frozen=True, gc=False):
    propertyValueMap: dict[str, WireValue | None] | None = None


class WireType(msgspec.Struct, frozen=True, gc=False):
    typeName: str
    superTypeNames: list[str] | None = None


class WireOrigin(msgspec.Struct, frozen=True, gc=False):
    sourceServer: str | None = None
    originCategory: str | None = None
    homeMetadataCollectionId: str | None = None
    homeMetadataCollectionName: str | None = None


class WireVersions(msgspec.Struct, frozen=True, gc=False):
    createdBy: str | None = None
    updatedBy: str | None = None
    createTime: str | int | float | None = None  # read as a date on first use
    updateTime: str | int | float | None = None
    version: int | None = None


class WireHeader(msgspec.Struct, frozen=True, gc=False):
    type: WireType
    guid: str | None = None
    elementGUID: str | None = None
    origin: WireOrigin | None = None
    versions: WireVersions | None = None
    status: str | None = None
    classifications: list[dict[str, Any]] | None = None


class WireEvent(msgspec.Struct, frozen=True, gc=False):
    eventType: str
    eventTime: int | float
    eventId: str | None = None
    sequence: int | None = None
    eventVersionId: int | None = None
    classificationName: str | None = None
    elementHeader: WireHeader | None = None
    previousElementHeader: WireHeader | None = None
    endOneElementHeader: WireHeader | None = None
    endTwoElementHeader: WireHeader | None = None
    elementProperties: WireProperties | None = None
    previousElementProperties: WireProperties | None = None
    classificationProperties: WireProperties | None = None
    previousClassificationProperties: WireProperties | None = None


_DECODER = msgspec.json.Decoder(WireEvent)


def decode_event(data: bytes | str | Mapping[str, Any] | None) -> WireEvent:
    """The event's wire structs; ``ValueError`` naming the field for anything that does not fit
    (a record without a value, such as a Kafka tombstone, included)."""
    try:
        if type(data) is bytes or isinstance(data, str):
            return _DECODER.decode(data)
        if isinstance(data, Mapping):
            return msgspec.convert(data, WireEvent)
        if data is None:
            raise ValueError("no value (an empty record or a tombstone)")
        return _DECODER.decode(data)  # bytearray, memoryview
    except msgspec.ValidationError as exc:
        raise ValueError(_with_property_name(str(exc), data)) from None
    except (msgspec.DecodeError, TypeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None


def _with_property_name(message: str, data: Any) -> str:
    """msgspec shows a property map's keys as ``[...]``: find the property by reading the maps the
    slow way, and name it (``elementProperties.propertyValueMap.size: ...``); else the message as is."""
    if "propertyValueMap[...]" not in message:
        return message
    try:
        document = data if isinstance(data, Mapping) else msgspec.json.decode(data)
        for key in _PROPERTY_MAPS:
            decode_properties(document.get(key), key)
    except ValueError as exc:
        return str(exc)
    except Exception:  # the message we have is still true
        return message
    return message


_PROPERTY_MAPS = ("elementProperties", "previousElementProperties", "classificationProperties",
                  "previousClassificationProperties")


def header_document(header: WireHeader) -> dict[str, Any]:
    """The header as the JSON object ``ElementHeader.from_wire`` reads."""
    document: dict[str, Any] = msgspec.to_builtins(header)
    if header.guid is None:
        document.pop("guid", None)
    return document


def plain_properties(wire: WireProperties, path: str) -> dict[str, Any]:
    """Plain values of a wire property map, as ``decode_properties`` gives them (``ValueError`` naming
    the property for a value it cannot read). Plain primitives are taken as they are."""
    decoded: dict[str, Any] = {}
    for name, value in (wire.propertyValueMap or {}).items():
        if value is None:
            continue
        plain = value.primitiveValue
        if value.class_ != "PrimitiveTypePropertyValue" or type(plain) is not PLAIN_TYPES.get(value.typeName):
            plain = decode_value(msgspec.to_builtins(value), f"{path}.propertyValueMap.{name}")
        if plain is not None:
            decoded[name] = plain
    return decoded
