"""The Out Topic event's wire shape, checked in one pass by msgspec.

``decode_event`` reads JSON bytes, text or an already-parsed dict into these structs and
raises ``ValueError`` naming the first field that does not fit (``$.elementHeader.guid``).
The structs are an internal step: ``OpenMetadataOutTopicEvent`` turns them into the
public typed values (headers on first use). They are not tracked by the cyclic garbage
collector (``gc=False``): decoded JSON cannot form cycles, and thousands of events in
flight would otherwise make every collection slower. Unknown fields (``class``, additions of newer
Egeria releases) are ignored. Property maps are kept as plain dicts here; the event decodes
and checks them with ``decode_properties``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = ["WireEvent", "WireHeader", "decode_event"]


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
    elementProperties: dict[str, Any] | None = None
    previousElementProperties: dict[str, Any] | None = None
    classificationProperties: dict[str, Any] | None = None
    previousClassificationProperties: dict[str, Any] | None = None


_DECODER = msgspec.json.Decoder(WireEvent)


def decode_event(data: bytes | str | Mapping[str, Any]) -> WireEvent:
    """The event's wire structs; ``ValueError`` naming the field for anything that does not fit."""
    try:
        if type(data) is bytes or isinstance(data, str):
            return _DECODER.decode(data)
        if isinstance(data, Mapping):
            return msgspec.convert(data, WireEvent)
        return _DECODER.decode(data)  # bytearray, memoryview
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"not JSON ({exc})") from None


def header_document(header: WireHeader) -> dict[str, Any]:
    """The header as the JSON object ``ElementHeader.from_wire`` reads."""
    document: dict[str, Any] = msgspec.to_builtins(header)
    if header.guid is None:
        document.pop("guid", None)
    return document
