"""Checks decoded JSON against a msgspec model and reports *every* problem, not just the first.

msgspec gives us a fast, strict model and its JSON Schema, but it stops at the first error. This
walker uses msgspec's own type information to collect all of them with their paths; msgspec then
converts the (now known good) data.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from wizard.problems import InputError, Problem, did_you_mean, index_path, key_path

T = TypeVar("T")

_JSON_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def _describe(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _expected(t: mi.Type) -> str:
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.StrType):
        return "a string"
    if isinstance(t, mi.BoolType):
        return "true or false"
    if isinstance(t, mi.IntType):
        return "an integer"
    if isinstance(t, mi.FloatType):
        return "a number"
    if isinstance(t, mi.NoneType):
        return "null"
    if isinstance(t, (mi.ListType, mi.SetType, mi.FrozenSetType)):
        return "an array"
    if isinstance(t, (mi.StructType, mi.DictType)):
        return "an object"
    if isinstance(t, mi.LiteralType):
        return "one of " + ", ".join(repr(v) for v in t.values)
    if isinstance(t, mi.UnionType):
        return " or ".join(_expected(x) for x in t.types)
    return "a valid value"


def _matches_shape(value: Any, t: mi.Type) -> bool:
    """Whether a value has the JSON kind a type wants (used to pick a union member)."""
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.StrType):
        return isinstance(value, str)
    if isinstance(t, mi.BoolType):
        return isinstance(value, bool)
    if isinstance(t, mi.IntType):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(t, mi.FloatType):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(t, mi.NoneType):
        return value is None
    if isinstance(t, (mi.ListType, mi.SetType, mi.FrozenSetType)):
        return isinstance(value, list)
    if isinstance(t, (mi.StructType, mi.DictType)):
        return isinstance(value, dict)
    if isinstance(t, mi.LiteralType):
        return any(value == v and type(value) is type(v) for v in t.values)
    return True


def _check(value: Any, t: mi.Type, path: str, out: list[Problem]) -> None:
    described = ""
    while isinstance(t, mi.Metadata):
        described = (t.extra_json_schema or {}).get("description", described)
        t = t.type
    if isinstance(t, mi.UnionType):
        tagged = [m for m in t.types if isinstance(m, mi.StructType) and m.tag_field]
        key = tagged[0].tag_field if tagged else None
        if key and isinstance(value, dict):  # a tagged union: the tag names the member
            chosen = next((m for m in tagged if m.tag == value.get(key)), None)
            if chosen is None:
                out.append(
                    Problem(key_path(path, key), f"{value.get(key)!r} is not one of " + ", ".join(repr(m.tag) for m in tagged))
                )
            else:
                _check({k: v for k, v in value.items() if k != key}, chosen, path, out)
            return
        for member in t.types:
            if _matches_shape(value, member):
                _check(value, member, path, out)
                return
        out.append(Problem(path, f"expected {_expected(t)}, got {_describe(value)}"))
        return
    if isinstance(t, mi.LiteralType):
        if not _matches_shape(value, t):
            hint = did_you_mean(value, [str(v) for v in t.values]) if isinstance(value, str) else None
            out.append(Problem(path, f"{value!r} is not {_expected(t)}", hint))
        return
    if not _matches_shape(value, t):
        out.append(Problem(path, f"expected {_expected(t)}, got {_describe(value)}"))
        return
    if isinstance(t, mi.StrType):
        if t.min_length is not None and len(value) < t.min_length:
            out.append(Problem(path, "must not be empty" if t.min_length == 1 else f"shorter than {t.min_length}"))
        if t.max_length is not None and len(value) > t.max_length:
            out.append(Problem(path, f"longer than {t.max_length} characters"))
        if t.pattern is not None and not re.search(t.pattern, value):
            out.append(Problem(path, f"{value!r} is not {described[:1].lower() + described[1:] or 'matching ' + t.pattern}"))
    elif isinstance(t, mi.IntType):
        if t.ge is not None and value < t.ge:
            out.append(Problem(path, f"must be at least {t.ge}"))
    elif isinstance(t, (mi.ListType, mi.SetType, mi.FrozenSetType)):
        if t.max_length is not None and len(value) > t.max_length:
            out.append(Problem(path, f"more than {t.max_length} items"))
        for i, item in enumerate(value):
            _check(item, t.item_type, index_path(path, i), out)
    elif isinstance(t, mi.DictType):
        for k, v in value.items():
            _check(v, t.value_type, key_path(path, k), out)
    elif isinstance(t, mi.StructType):
        fields = {f.encode_name: f for f in t.fields}
        for key, item in value.items():
            field = fields.get(key)
            if field is None:
                out.append(Problem(key_path(path, key), "unknown key", did_you_mean(key, fields)))
            else:
                _check(item, field.type, key_path(path, key), out)
        for name, field in fields.items():
            if field.required and name not in value:
                out.append(Problem(key_path(path, name), "required key is missing"))


def problems_for(data: Any, model: type) -> list[Problem]:
    """Every structural problem of `data` against the msgspec `model`, in document order."""
    out: list[Problem] = []
    _check(data, mi.type_info(model), "$", out)
    return out


def convert(data: Any, model: type[T], source: str) -> T:
    """Validate fully, then build the model; raises InputError listing every problem."""
    found = problems_for(data, model)
    if found:
        raise InputError(source, found)
    try:
        return msgspec.convert(data, model, strict=True)
    except msgspec.ValidationError as exc:  # a rule the walker does not model
        raise InputError(source, [Problem("$", str(exc))]) from None
