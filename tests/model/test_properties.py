"""Plain values <-> Egeria ElementProperties."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone

import pytest

from daemon.model import PropertyValueError, decode_properties, decode_value, encode_properties, encode_value


def primitive(type_name: str, value: object) -> dict:
    return {
        "class": "PrimitiveTypePropertyValue",
        "typeName": type_name,
        "primitiveTypeCategory": f"OM_PRIMITIVE_TYPE_{type_name.upper()}",
        "primitiveValue": value,
    }


def test_a_string_encodes_as_an_egeria_primitive_string():
    assert encode_properties({"qualifiedName": "file::/a.csv"}) == {
        "class": "ElementProperties",
        "propertyValueMap": {"qualifiedName": primitive("string", "file::/a.csv")},
    }


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (True, "boolean"),
        (7, "int"),
        (2**31, "long"),
        (-(2**31) - 1, "long"),
        (2**70, "biginteger"),
        (1.5, "double"),
        ("x", "string"),
    ],
)
def test_each_scalar_gets_its_egeria_type_name(value, type_name):
    assert encode_value(value) == primitive(type_name, value)


def test_a_datetime_travels_as_epoch_milliseconds_under_type_date():
    moment = datetime(2024, 6, 10, 6, 13, 20, 123000, tzinfo=timezone.utc)
    assert encode_value(moment) == primitive("date", 1717999999000 + 1123)


def test_scalars_lists_maps_and_dates_round_trip():
    values = {
        "name": "orders",
        "count": 3,
        "size": 2**40,
        "ratio": 0.25,
        "active": False,
        "created": datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc),
        "aliases": ["a", "b"],
        "additionalProperties": {"owner": "ops", "tier": "gold"},
        "nested": [{"k": [1, 2]}],
    }
    assert decode_properties(encode_properties(values)) == values


def test_a_date_in_another_time_zone_comes_back_as_the_same_instant_in_utc():
    moment = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    decoded = decode_properties(encode_properties({"when": moment}))["when"]
    assert decoded == moment
    assert decoded.tzinfo == timezone.utc


def test_none_values_are_left_out_and_an_empty_map_encodes_as_none():
    assert encode_properties({"a": None}) is None
    assert encode_properties({}) is None
    assert encode_properties({"a": None, "b": 1})["propertyValueMap"].keys() == {"b"}


def test_lists_encode_as_arrays_keyed_by_position():
    wire = encode_value(["x", "y"])
    assert wire["class"] == "ArrayTypePropertyValue"
    assert wire["typeName"] == "array<string>"
    assert wire["arrayCount"] == 2
    assert wire["arrayValues"]["propertyValueMap"] == {"0": primitive("string", "x"), "1": primitive("string", "y")}


def test_dicts_encode_as_maps():
    wire = encode_value({"k": "v"})
    assert wire["class"] == "MapTypePropertyValue"
    assert wire["mapValues"]["propertyValueMap"] == {"k": primitive("string", "v")}


def test_decoding_accepts_only_a_type_name_or_only_a_category():
    assert decode_value({"class": "PrimitiveTypePropertyValue", "typeName": "long", "primitiveValue": 5}) == 5
    assert decode_value({"primitiveTypeCategory": "OM_PRIMITIVE_TYPE_DATE", "primitiveValue": 0}) == datetime(
        1970, 1, 1, tzinfo=timezone.utc
    )


def test_an_enum_value_decodes_to_its_symbolic_name():
    wire = {"class": "EnumTypePropertyValue", "typeName": "SortOrder", "ordinal": 1, "symbolicName": "ASCENDING"}
    assert decode_value(wire) == "ASCENDING"


def test_a_python_enum_encodes_as_an_egeria_enum_value():
    class DeploymentStatus(enum.Enum):
        ACTIVE = 1

    assert encode_value(DeploymentStatus.ACTIVE) == {
        "class": "EnumTypePropertyValue",
        "typeName": "DeploymentStatus",
        "symbolicName": "ACTIVE",
        "ordinal": 1,
    }


def test_arrays_decode_in_index_order_whatever_the_key_order():
    wire = {"class": "ArrayTypePropertyValue", "arrayCount": 2,
            "arrayValues": {"propertyValueMap": {"1": primitive("string", "b"), "0": primitive("string", "a")}}}
    assert decode_value(wire) == ["a", "b"]


def test_a_bad_primitive_value_names_the_property_path():
    wire = {"propertyValueMap": {"size": primitive("int", "big")}}
    with pytest.raises(PropertyValueError) as caught:
        decode_properties(wire)
    assert caught.value.path == "properties.propertyValueMap.size"
    assert "properties.propertyValueMap.size" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("wire", "path"),
    [
        ("not an object", "properties"),
        ({"propertyValueMap": []}, "properties.propertyValueMap"),
        ({"propertyValueMap": {"a": 5}}, "properties.propertyValueMap.a"),
        ({"propertyValueMap": {"a": {"class": "Nonsense"}}}, "properties.propertyValueMap.a"),
        ({"propertyValueMap": {"a": {"typeName": "quaternion", "primitiveValue": 1}}}, "properties.propertyValueMap.a"),
        ({"propertyValueMap": {"a": primitive("boolean", 1)}}, "properties.propertyValueMap.a"),
        ({"propertyValueMap": {"a": primitive("int", True)}}, "properties.propertyValueMap.a"),
    ],
)
def test_malformed_wire_properties_raise_a_value_error_naming_where(wire, path):
    with pytest.raises(PropertyValueError) as caught:
        decode_properties(wire)
    assert caught.value.path == path


def test_values_that_cannot_be_encoded_raise_naming_the_property():
    with pytest.raises(PropertyValueError, match=r"properties\.blob"):
        encode_properties({"blob": object()})
    with pytest.raises(PropertyValueError, match=r"properties\.tags\[1\]"):
        encode_properties({"tags": ["a", None]})
