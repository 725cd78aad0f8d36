"""Values crossing between SQLite and PostgreSQL in a table copy
(``paperwire.store.transfer``).

A column has a kind, from its declared type: ``int``, ``float``, ``numeric``, ``text``,
``bytes``, ``bool``, ``json``, ``timestamp``, ``date``, ``vector`` or ``any``. From the
kinds of a column on both ends come how a value is written into the target
(``to_postgres``, ``to_sqlite``) and its normal form for the checksum (``canon``):
ints, floats, text, bytes or NULL, the same whichever database it was read from
(booleans as 0/1, JSON with sorted keys, timestamps in UTC ISO 8601, pgvector vectors as
the little-endian float16 bytes SQLite keeps).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

Convert = Callable[[Any], Any]


def sqlite_kind(declared: str) -> str:
    """The column's kind from its declared type, by SQLite's affinity rules."""
    upper = declared.upper()
    if "INT" in upper:
        return "int"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "float"
    return "any"


PG_KINDS = {
    "int2": "int",
    "int4": "int",
    "int8": "int",
    "float4": "float",
    "float8": "float",
    "numeric": "numeric",
    "text": "text",
    "varchar": "text",
    "bpchar": "text",
    "citext": "text",
    "bytea": "bytes",
    "bool": "bool",
    "json": "json",
    "jsonb": "json",
    "timestamptz": "timestamp",
    "timestamp": "timestamp",
    "date": "date",
    "vector": "vector",
}


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _json_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _timestamp_text(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    return value


#: How SQLite keeps a vector: little-endian float16 (``paperwire.index.semantic``);
#: pgvector's float32 holds each such number exactly.
VECTOR_ITEM = "e"


def _vector_bytes(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("["):
        value = [float(x) for x in value.strip("[]").split(",") if x]
    if isinstance(value, list | tuple):
        return struct.pack(f"<{len(value)}{VECTOR_ITEM}", *value)
    return value


def _vector_text(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        size = struct.calcsize(VECTOR_ITEM)
        numbers = struct.unpack(f"<{len(value) // size}{VECTOR_ITEM}", bytes(value))
        return "[" + ",".join(repr(x) for x in numbers) + "]"
    return value


def _plain(value: Any) -> Any:
    """ints, floats, text, bytes or NULL for anything a driver returns."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime):
        return _timestamp_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _as_float(value: Any) -> Any:
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return float(value)
    return value


def _as_bool(value: Any) -> Any:
    return bool(value) if isinstance(value, int) else value


def _skip_none(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


_CANON: dict[str, Convert] = {
    "json": _json_text,
    "timestamp": _timestamp_text,
    "vector": _vector_bytes,
    "float": lambda v: _plain(_as_float(v)),
}
_SIMPLE = {"int", "text", "bytes", "float", "any"}


def canon(source_kind: str, target_kind: str) -> Convert | None:
    """How both ends normalise a column's values for the checksum (None: as read), so
    SQLite's text, ints and blobs agree with PostgreSQL's jsonb, timestamps, booleans
    and vectors."""
    if source_kind == target_kind and source_kind in _SIMPLE:
        return None
    for kind in ("json", "timestamp", "vector", "float"):
        if kind in (source_kind, target_kind):
            return _skip_none(_CANON[kind])
    return _skip_none(_plain)


def to_postgres(source_kind: str, target_kind: str) -> Convert | None:
    """How a value read from the source is written into a PostgreSQL column."""
    if source_kind == target_kind and source_kind in _SIMPLE | {"bool", "timestamp"}:
        return None
    if target_kind == "bool":
        return _skip_none(_as_bool)
    if target_kind == "vector":
        return _skip_none(_vector_text)
    if target_kind == "json":
        return _skip_none(lambda v: v if isinstance(v, str) else json.dumps(v))
    if target_kind == "timestamp":
        return None
    return _skip_none(_plain)


def to_sqlite(source_kind: str, target_kind: str) -> Convert | None:
    """How a value read from the source is written into a SQLite column."""
    if source_kind in _SIMPLE and target_kind in _SIMPLE:
        return None
    if source_kind == "vector" and target_kind in ("any", "bytes"):
        return _skip_none(_vector_bytes)
    return _skip_none(_plain)
