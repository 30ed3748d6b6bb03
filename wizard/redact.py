"""Credentials in URLs never reach a log, a report, the screen or a saved file (DESIGN.md invariant 6).

A URL's secrets are its userinfo (everything up to the *last* '@', so a password holding '@', '/',
'?' or '#' is masked whole) and the values in its query and fragment (`?token=…`, `#access_token=…`).
`${VAR}` references are not secrets and stay; the values they expand to are remembered, and masked
wherever they appear later (pip's own "Looking in indexes" and "Downloading" lines). Scanning is
linear in the text's length: no regular expression here can backtrack.
"""

from __future__ import annotations

import os
import re
import string
from urllib.parse import quote

MASK = "****"
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+.-")
_MAX_SCHEME = 32
_URL_END = re.compile(r"[\s\"'<>`]")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_REF = r"\$\{[A-Za-z_][A-Za-z0-9_]*\}"
_ONLY_REFS_USERINFO = re.compile(rf"(?:{_REF})?(?::(?:{_REF})?)?")
_ONLY_REFS = re.compile(rf"(?:{_REF})+")
_QUERY_SEPARATORS = re.compile(r"([?#&;])")
_USERINFO_SAFE = ""  # in userinfo every reserved character is encoded
_ELSEWHERE_SAFE = "/:@!$&'()*+,;=~%"  # elsewhere only '?', '#', spaces and the like
_MIN_SECRET = 4
_secrets: set[str] = set()


def remember_secret(value: str) -> None:
    """A value that must never be shown (what a ${VAR} expanded to), raw and percent-encoded."""
    if len(value) >= _MIN_SECRET:
        _secrets.update({value, quote(value, safe=_USERINFO_SAFE), quote(value, safe=_ELSEWHERE_SAFE)})


def _mask_tail(tail: str, keep_env_refs: bool, drop: bool) -> str:
    """Query and fragment: every literal value masked (or, with drop, removed)."""
    out: list[str] = []
    parts = _QUERY_SEPARATORS.split(tail)  # ['', '?', 'a=1', '&', 'b', '#', 'c=2']
    for sep, seg in zip(parts[1::2], parts[2::2], strict=True):
        key, eq, value = seg.partition("=")
        secret = value if eq else key
        if not secret or (keep_env_refs and _ONLY_REFS.fullmatch(secret)):
            out.append(sep + seg)
        elif not drop:
            out.append(sep + (f"{key}={MASK}" if eq else MASK))
    text = "".join(out)
    return text if not drop or text[:1] in ("?", "#", "") else "?" + text[1:]


def _mask_url(url: str, keep_env_refs: bool, drop: bool) -> str:
    """One URL (scheme://…) with its secrets masked or dropped."""
    head_end = url.index("://") + 3
    head, rest = url[:head_end], url[head_end:]
    at = rest.rfind("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
        if keep_env_refs and _ONLY_REFS_USERINFO.fullmatch(userinfo):
            head += userinfo + "@"
        elif not drop:
            head += MASK + "@"
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    return head + rest[:cut] + _mask_tail(rest[cut:], keep_env_refs, drop)


def _each_url(text: str, keep_env_refs: bool, drop: bool) -> str:
    """`text` with every URL in it passed through _mask_url; one pass, linear."""
    out: list[str] = []
    pos = 0
    i = text.find("://")
    while i != -1:
        start = i
        while start > pos and i - start < _MAX_SCHEME and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        end_match = _URL_END.search(text, i + 3)
        end = end_match.start() if end_match else len(text)
        out += [text[pos:start], _mask_url(text[start:end], keep_env_refs, drop)]
        pos = end
        i = text.find("://", end)
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str) -> str:
    """Mask every literal credential in URLs inside `text`, and every remembered secret value."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return _each_url(text, True, False) if "://" in text else text


def redact_url(url: str, keep_env_refs: bool = True, drop: bool = False) -> str:
    """A URL for display (secrets masked) or, with drop=True, for saving (literal secrets removed)."""
    return _each_url(url, keep_env_refs, drop) if "://" in url else url


def has_credentials(url: str, ignore_env_refs: bool = True) -> bool:
    """Whether the URL carries a secret (userinfo, or a value in its query or fragment)."""
    return redact_url(url, keep_env_refs=ignore_env_refs) != url


def has_env_refs(text: str) -> bool:
    return _ENV_REF.search(text) is not None


def is_private_url(url: str) -> bool:
    """A URL that must stay out of a child's argv (readable by every local user): it carries a
    secret, literal or as a ${VAR} reference."""
    return has_credentials(url, ignore_env_refs=False) or has_env_refs(url)


def _userinfo_span(url: str) -> tuple[int, int]:
    """Where the userinfo of a URL template (with ${VAR} references, before expansion) lies."""
    if "://" not in url:
        return (0, 0)
    start = url.index("://") + 3
    ends = [i for i in (url.find(c, start) for c in "/?#") if i >= 0]
    at = url.rfind("@", start, min(ends, default=len(url)))
    return (start, at) if at >= 0 else (0, 0)


def expand_env_refs(url: str) -> str:
    """Replace ${VAR} with its value at run time, percent-encoded so that the value stays in its
    place (a password holding '/', '?' or '#' stays a password); every value is remembered as a
    secret. An unset variable is a KeyError the caller reports."""
    lo, hi = _userinfo_span(url)

    def repl(m: re.Match[str]) -> str:
        value = os.environ.get(m.group(1))
        if value is None:
            raise KeyError(m.group(1))
        remember_secret(value)
        return quote(value, safe=_USERINFO_SAFE if lo <= m.start() < hi else _ELSEWHERE_SAFE)

    return _ENV_REF.sub(repl, url)
