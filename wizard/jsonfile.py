"""Reads a user-supplied JSON file (answers, machine file) defensively: missing, empty, binary,
huge, deeply nested or malformed files are input errors, and so is anything that is not a regular
file (a FIFO would block for ever, /dev/zero would fill the memory): it is never even opened."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from wizard.problems import InputError, Problem

MAX_BYTES = 1_000_000
MAX_DEPTH = 32  # real answers and machine files nest 4 deep; recursion limits start near 500
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _read_regular(path: Path, what: str) -> bytes:
    """At most MAX_BYTES of a regular file (checked on the open file, so nothing can be swapped in)."""
    source = str(path)
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise InputError(source, [Problem("$", f"{what} is a folder, not a file")])
    if not stat.S_ISREG(st.st_mode):
        raise InputError(source, [Problem("$", f"{what} is not a regular file (a pipe, device or socket)", "give a JSON file")])
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(source, [Problem("$", f"{what} is not a regular file")])
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise InputError(
            source,
            [
                Problem(
                    "$", f"{what} is {max(st.st_size, len(raw)):,} bytes; the limit is {MAX_BYTES:,}", "is this the right file?"
                )
            ],
        )
    return raw


def _too_deep(text: str) -> str | None:
    """Where nesting first goes deeper than MAX_DEPTH ("line L, column C"), in one linear pass."""
    depth = 0
    for m in _STRING_OR_BRACKET.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                return f"line {line}, column {m.start() - text.rfind(chr(10), 0, m.start())}"
        elif c in "]}":
            depth -= 1
    return None


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON object from `path`; every failure is an InputError naming the file and the place."""
    source = str(path)
    try:
        raw = _read_regular(path, what)
    except FileNotFoundError:
        raise InputError(source, [Problem("$", f"{what} not found")]) from None
    except PermissionError:
        raise InputError(source, [Problem("$", f"no permission to read the {what}")]) from None
    except (OSError, ValueError) as exc:  # ValueError: a name no file can have (NUL, lone surrogate)
        raise InputError(source, [Problem("$", f"cannot read the {what}: {getattr(exc, 'strerror', None) or exc}")]) from None
    if not raw.strip():
        raise InputError(source, [Problem("$", f"{what} is empty", 'it needs at least {"version": 1}')])
    if b"\x00" in raw:
        raise InputError(source, [Problem("$", f"{what} is binary, not JSON text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, [Problem("$", f"{what} is not UTF-8 text (byte {exc.start})")]) from None
    deep = _too_deep(text)
    if deep:
        raise InputError(source, [Problem(deep, f"nested more than {MAX_DEPTH} levels deep", "is this the right file?")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, [Problem(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]) from None
    if not isinstance(data, dict):
        raise InputError(source, [Problem("$", f"expected a JSON object, got {type(data).__name__}")])
    return data
