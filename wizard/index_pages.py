"""A package index's project page (PEP 691 JSON or PEP 503 HTML) read into its file list.

Only `catalog check` reads index pages itself; installs and the preflight ask pip (wizard.resolve).
A page is outside input: anything that is not the shape it claims is a ValueError with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


@dataclass(frozen=True)
class IndexFile:
    filename: str
    requires_python: str | None = None
    yanked: bool = False


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[IndexFile] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        a = dict(attrs)
        name = unquote(urlsplit(a.get("href") or "").path.rsplit("/", 1)[-1])
        if name:
            self.files.append(IndexFile(name, a.get("data-requires-python") or None, "data-yanked" in a))


def _json_file(entry: object, i: int) -> IndexFile:
    if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str) or not entry["filename"]:
        raise ValueError(f"files[{i}] has no filename")
    requires = entry.get("requires-python")
    if requires is not None and not isinstance(requires, str):
        raise ValueError(f"files[{i}].requires-python is not a string")
    return IndexFile(entry["filename"], requires or None, bool(entry.get("yanked")))


def parse_listing(content_type: str, body: str) -> list[IndexFile]:
    """A project page's files; ValueError when a JSON page is not PEP 691's shape."""
    if "json" not in content_type:
        parser = _Links()
        parser.feed(body)
        return parser.files
    try:
        page = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"the page says it is JSON but is not ({exc.__class__.__name__})") from None
    files = page.get("files") if isinstance(page, dict) else None
    if not isinstance(files, list):
        raise ValueError("the JSON page has no 'files' list")
    return [_json_file(entry, i) for i, entry in enumerate(files)]
