"""Credentials in URLs never reach a log, a report, the screen or a saved file (DESIGN.md invariant 6)."""

from __future__ import annotations

import os
import re

# scheme://userinfo@ — userinfo is anything up to '@' without a slash or whitespace.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s@]+)@")
_ONLY_ENV_REFS = re.compile(r"^(\$\{[A-Za-z_][A-Za-z0-9_]*\})?(:(\$\{[A-Za-z_][A-Za-z0-9_]*\})?)?$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
MASK = "****"


def _is_env_refs(userinfo: str) -> bool:
    return bool(_ONLY_ENV_REFS.match(userinfo))


def redact_text(text: str) -> str:
    """Mask every literal credential in URLs inside `text`; ${VAR} references are not secrets and stay."""
    return _USERINFO.sub(lambda m: m.group(0) if _is_env_refs(m.group("userinfo")) else f"{m.group('scheme')}{MASK}@", text)


def redact_url(url: str, keep_env_refs: bool = True, drop: bool = False) -> str:
    """A URL for display (credentials masked) or, with drop=True, for saving (literal credentials removed)."""
    def repl(m: re.Match[str]) -> str:
        if keep_env_refs and _is_env_refs(m.group("userinfo")):
            return m.group(0)
        return m.group("scheme") if drop else f"{m.group('scheme')}{MASK}@"

    return _USERINFO.sub(repl, url)


def has_credentials(url: str, ignore_env_refs: bool = True) -> bool:
    m = _USERINFO.search(url)
    return bool(m) and not (ignore_env_refs and _is_env_refs(m.group("userinfo")))


def expand_env_refs(url: str) -> str:
    """Replace ${VAR} with its value at run time; an unset variable is an error the caller reports."""
    def repl(m: re.Match[str]) -> str:
        value = os.environ.get(m.group(1))
        if value is None:
            raise KeyError(m.group(1))
        return value

    return _ENV_REF.sub(repl, url)
