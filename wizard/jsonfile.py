"""Reads a user-supplied JSON file defensively: missing, empty, binary, huge or malformed files are input errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wizard.problems import InputError, Problem

MAX_BYTES = 1_000_000


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON object from `path`; every failure is an InputError naming the file and the place."""
    source = str(path)
    try:
        if path.is_dir():
            raise InputError(source, [Problem("$", f"{what} is a folder, not a file")])
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(source, [Problem("$", f"{what} is {size:,} bytes; the limit is {MAX_BYTES:,}",
                                               "is this the right file?")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(source, [Problem("$", f"{what} not found")]) from None
    except PermissionError:
        raise InputError(source, [Problem("$", f"no permission to read the {what}")]) from None
    except OSError as exc:
        raise InputError(source, [Problem("$", f"cannot read the {what}: {exc.strerror or exc}")]) from None
    if not raw.strip():
        raise InputError(source, [Problem("$", f"{what} is empty", 'it needs at least {"version": 1}')])
    if b"\x00" in raw:
        raise InputError(source, [Problem("$", f"{what} is binary, not JSON text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, [Problem("$", f"{what} is not UTF-8 text (byte {exc.start})")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, [Problem(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]) from None
    if not isinstance(data, dict):
        raise InputError(source, [Problem("$", f"expected a JSON object, got {type(data).__name__}")])
    return data
