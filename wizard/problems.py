"""Input problems: every error found in one pass, each with its location and a hint (exit code 2)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located by a JSON path such as `$.frameworks[1]`."""

    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "message": self.message, "hint": self.hint}


class InputError(Exception):
    """Invalid input: the CLI prints each problem and exits 2, creating nothing."""

    def __init__(self, source: str, problems: Iterable[Problem]):
        self.source = source
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.source}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class RequestError(Exception):
    """A valid request that no build or environment can satisfy here (exit 2), with the fix."""

    def __init__(self, message: str, hint: str | None = None):
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n  hint: {hint}")


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest known choice, or None when nothing is close."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def index_path(base: str, index: int) -> str:
    return f"{base}[{index}]"


def key_path(base: str, key: str) -> str:
    return f"{base}.{key}" if key.isidentifier() else f"{base}[{key!r}]"
