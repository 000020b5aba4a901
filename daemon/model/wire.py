"""The Out Topic event's wire shape, checked in one pass by msgspec.

``decode_event`` reads JSON bytes, text or an already-parsed dict into these structs and
raises ``ValueError`` naming the first field that does not fit (``$.elementHeader.guid``).
The structs are an internal step: ``OpenMetadataOutTopicEvent`` turns them into the
public typed values (headers on first use, property maps at once with ``plain_properties``). They are not tracked by the cyclic garbage
collector (``gc=False``): decoded JSON cannot form cycles, and thousands of events in
flight would otherwise make every collection slower. Unknown fields (``class``, additions of newer
Egeria releases) are ignored.

Two families of structs read the same JSON. The *strict* family (``Strict*``) takes the
shapes Egeria writes: property values tagged by ``class``, primitive type names and
categories from Egeria's fixed sets (no string made for them), header dates as RFC 3339
text or epoch milliseconds (read by msgspec itself), and a header's element type and
origin (the same in every event of a kind from one server) read once per distinct text
and shared. It is tried first. Anything it does not take is read again by the *lenient*
family (``Wire*``), which accepts every spelling the property decoders accept and names
the field of anything wrong. Both give the same values: code reading the structs works
with either.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from daemon.model.properties import PLAIN_TYPES, decode_properties, decode_value

__all__ = ["EVENT_TYPE_NAMES", "AnyEvent", "AnyHeader", "WireEvent", "WireHeader", "WireProperties", "decode_event", "plain_properties"]


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
    superTypeNames: tuple[str, ...] | None = None  # a tuple: the struct is hashable (a routing key)


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


# --- the strict family: what Egeria writes, read without a string for each fixed name

_PrimitiveName = Literal["string", "int", "long", "boolean", "double", "float", "short", "byte", "char", "date",
                         "biginteger", "bigdecimal", "object", "unknown"]
_PrimitiveCategory = Literal[
    "OM_PRIMITIVE_TYPE_STRING", "OM_PRIMITIVE_TYPE_INT", "OM_PRIMITIVE_TYPE_LONG", "OM_PRIMITIVE_TYPE_BOOLEAN",
    "OM_PRIMITIVE_TYPE_DOUBLE", "OM_PRIMITIVE_TYPE_FLOAT", "OM_PRIMITIVE_TYPE_SHORT", "OM_PRIMITIVE_TYPE_BYTE",
    "OM_PRIMITIVE_TYPE_CHAR", "OM_PRIMITIVE_TYPE_DATE", "OM_PRIMITIVE_TYPE_BIGINTEGER", "OM_PRIMITIVE_TYPE_BIGDECIMAL",
    "OM_PRIMITIVE_TYPE_OBJECT", "OM_PRIMITIVE_TYPE_UNKNOWN",
]
_Time = datetime | int | float | None
#: Egeria's OpenMetadataEventType names (``EventType`` in ``daemon.model.events`` has the same).
EVENT_TYPE_NAMES = (
    "NEW_ELEMENT_CREATED", "ELEMENT_UPDATED", "ELEMENT_DELETED", "ELEMENT_ARCHIVED", "ELEMENT_RESTORED",
    "ELEMENT_CLASSIFIED", "ELEMENT_RECLASSIFIED", "ELEMENT_DECLASSIFIED", "NEW_RELATIONSHIP",
    "UPDATED_RELATIONSHIP_PROPERTIES", "DELETED_RELATIONSHIP",
)
_EventTypeName = Literal[EVENT_TYPE_NAMES]  # type: ignore[valid-type]  # built from the names above


class StrictPrimitive(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, tag_field="class",
                      tag="PrimitiveTypePropertyValue"):
    typeName: _PrimitiveName | None = None
    primitiveTypeCategory: _PrimitiveCategory | None = None
    primitiveValue: Any = None


class _StrictOther(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, tag_field="class"):
    typeName: str | None = None
    symbolicName: Any = None
    ordinal: Any = None
    arrayCount: Any = None
    arrayValues: Any = None
    mapValues: Any = None
    attributes: Any = None


class _StrictEnum(_StrictOther, frozen=True, gc=False, tag="EnumTypePropertyValue"):
    pass


class _StrictArray(_StrictOther, frozen=True, gc=False, tag="ArrayTypePropertyValue"):
    pass


class _StrictMap(_StrictOther, frozen=True, gc=False, tag="MapTypePropertyValue"):
    pass


class _StrictStruct(_StrictOther, frozen=True, gc=False, tag="StructTypePropertyValue"):
    pass


class StrictProperties(msgspec.Struct, frozen=True, gc=False):
    propertyValueMap: dict[str, StrictPrimitive | _StrictEnum | _StrictArray | _StrictMap | _StrictStruct | None] | None = None


class StrictType(msgspec.Struct, frozen=True, gc=False, cache_hash=True):
    typeName: str
    superTypeNames: tuple[str, ...] | None = None


class StrictVersions(msgspec.Struct, frozen=True, gc=False):
    createdBy: str | None = None
    updatedBy: str | None = None
    createTime: _Time = None  # checked as a date by msgspec (text), or for its range (milliseconds)
    updateTime: _Time = None
    version: int | None = None


_NULL = msgspec.Raw(b"null")


class StrictHeader(msgspec.Struct, frozen=True, gc=False):
    # type and origin are the same in every event of a kind from one server: read as raw JSON
    # text, then replaced by one shared struct per distinct text (see _resolve) before
    # decode_event returns. Code sees only the structs.
    if TYPE_CHECKING:
        type: StrictType
    else:
        type: msgspec.Raw
    guid: str | None = None
    elementGUID: str | None = None
    if TYPE_CHECKING:
        origin: WireOrigin | None = None
    else:
        origin: msgspec.Raw = _NULL
    versions: StrictVersions | None = None
    status: str | None = None
    classifications: tuple[dict[str, Any], ...] | None = None


class StrictEvent(msgspec.Struct, frozen=True, gc=False):
    eventType: _EventTypeName  # one shared string per name (its hash is kept: a routing key)
    eventTime: int | float
    eventId: str | None = None
    sequence: int | None = None
    eventVersionId: int | None = None
    classificationName: str | None = None
    elementHeader: StrictHeader | None = None
    previousElementHeader: StrictHeader | None = None
    endOneElementHeader: StrictHeader | None = None
    endTwoElementHeader: StrictHeader | None = None
    elementProperties: StrictProperties | None = None
    previousElementProperties: StrictProperties | None = None
    classificationProperties: StrictProperties | None = None
    previousClassificationProperties: StrictProperties | None = None


AnyEvent = StrictEvent | WireEvent
AnyHeader = StrictHeader | WireHeader
AnyProperties = StrictProperties | WireProperties

_STRICT = msgspec.json.Decoder(StrictEvent)
_DECODER = msgspec.json.Decoder(WireEvent)


def decode_event(data: bytes | str | Mapping[str, Any] | None) -> AnyEvent:
    """The event's wire structs; ``ValueError`` naming the field for anything that does not fit
    (a record without a value, such as a Kafka tombstone, included)."""
    if type(data) is not bytes and isinstance(data, Mapping):  # rare (tests, tools): read as the text it stands for
        try:
            data = msgspec.json.encode(data)
        except TypeError as exc:
            raise ValueError(f"not JSON ({exc})") from None
    if data is None:
        raise ValueError("no value (an empty record or a tombstone)")
    try:
        if type(data) is bytes or isinstance(data, str):
            wire = _STRICT.decode(data)
            if wire.elementHeader is not None:
                _resolve(wire.elementHeader)
            if not (wire.previousElementHeader is wire.endOneElementHeader is wire.endTwoElementHeader is None):
                for header in (wire.previousElementHeader, wire.endOneElementHeader, wire.endTwoElementHeader):
                    if header is not None:
                        _resolve(header)
            return wire
    except msgspec.ValidationError:
        pass  # not in Egeria's own shapes: read leniently below (it names the field)
    except (msgspec.DecodeError, TypeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    try:
        return _DECODER.decode(data)  # also bytearray, memoryview
    except msgspec.ValidationError as exc:
        raise ValueError(_with_property_name(str(exc), data)) from None
    except (msgspec.DecodeError, TypeError) as exc:
        raise ValueError(f"not JSON ({exc})") from None


_TYPE = msgspec.json.Decoder(StrictType)
_ORIGIN = msgspec.json.Decoder(WireOrigin | None)
_CACHE_LIMIT = 4096  # distinct type and origin texts kept; a feed inventing more starts over
_types: dict[bytes, StrictType] = {}
_origins: dict[bytes, WireOrigin | None] = {}
_force = msgspec.structs.force_setattr


def _resolve(header: StrictHeader) -> None:
    """Replace a just decoded strict header's raw type and origin by the struct read from the same
    text before (or read now: ``msgspec.ValidationError`` if it does not fit). Many events share
    one struct: fewer objects, and the type's hash is computed once (it is part of a routing key)."""
    text = bytes(header.type)  # type: ignore[call-overload]  # still the raw text here
    _force(header, "type", _types.get(text) or _remember(_types, text, _TYPE.decode(text)))
    text = bytes(header.origin)  # type: ignore[call-overload]
    _force(header, "origin", _origins[text] if text in _origins else _remember(_origins, text, _ORIGIN.decode(text)))


def _remember(cache: dict[bytes, Any], text: bytes, value: Any) -> Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[text] = value
    return value


def _with_property_name(message: str, data: Any) -> str:
    """msgspec shows a property map's keys as ``[...]``: find the property by reading the maps the
    slow way, and name it (``elementProperties.propertyValueMap.size: ...``); else the message as is."""
    if "propertyValueMap[...]" not in message:
        return message
    try:
        document = msgspec.json.decode(data)
        for key in _PROPERTY_MAPS:
            decode_properties(document.get(key), key)
    except ValueError as exc:
        return str(exc)
    except Exception:  # the message we have is still true
        return message
    return message


_PROPERTY_MAPS = ("elementProperties", "previousElementProperties", "classificationProperties",
                  "previousClassificationProperties")


def header_document(header: AnyHeader) -> dict[str, Any]:
    """The header as the JSON object ``ElementHeader.from_wire`` reads."""
    document: dict[str, Any] = msgspec.to_builtins(header)
    if header.guid is None:
        document.pop("guid", None)
    kind = document["type"]  # JSON arrays where the structs keep tuples
    if kind.get("superTypeNames") is not None:
        kind["superTypeNames"] = list(kind["superTypeNames"])
    if type(document.get("classifications")) is tuple:
        document["classifications"] = list(document["classifications"])
    return document


def plain_properties(wire: AnyProperties, path: str) -> dict[str, Any]:
    """Plain values of a wire property map, as ``decode_properties`` gives them (``ValueError`` naming
    the property for a value it cannot read). Plain primitives are taken as they are."""
    decoded: dict[str, Any] = {}
    plain_types = PLAIN_TYPES
    for name, value in (wire.propertyValueMap or {}).items():
        if value is None:
            continue
        if isinstance(value, StrictPrimitive) or (
            isinstance(value, WireValue) and value.class_ == "PrimitiveTypePropertyValue"
        ):
            plain = value.primitiveValue
            if type(plain) is plain_types.get(value.typeName):
                decoded[name] = plain
                continue
        plain = decode_value(msgspec.to_builtins(value), f"{path}.propertyValueMap.{name}")
        if plain is not None:
            decoded[name] = plain
    return decoded
