"""Reruns that cost nothing: what a finished environment looked like when a run last succeeded on
it, and when its verification last passed.

The fingerprint covers what the checks depend on: the interpreter (resolved path, size, mtime), every
installed distribution (the names and mtimes of the *.dist-info / *.egg-info folders in
site-packages, which pip and uv rewrite on every install, upgrade or removal) and the verification
step itself, whose spec holds the frameworks, the expected builds and the machine facts (driver,
GPUs). Reading it is a directory listing: no subprocess, a few milliseconds.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard.paths import site_packages
from wizard.plan import Plan

_DIST_SUFFIXES = (".dist-info", ".egg-info")


def fingerprint(plan: Plan) -> str | None:
    """A digest of the interpreter, the installed distributions and the checks; None without an interpreter."""
    t = plan.target
    try:
        py = Path(t.env_python).resolve(strict=True)
        st = py.stat()
    except OSError:
        return None
    h = hashlib.sha256(f"{py}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    for site in site_packages(Path(t.path)):
        try:
            entries = sorted((e.name, e.stat().st_mtime_ns) for e in os.scandir(site) if e.name.endswith(_DIST_SUFFIXES))
        except OSError:
            continue
        h.update(f"{site}\0{entries}\0".encode())
    for step in plan.steps:
        if step.kind in ("verify", "check"):
            h.update("\0".join(step.argv).encode())
    return h.hexdigest()[:32]


def last_passed(plan: Plan, state: dict[str, Any]) -> str | None:
    """When verification last passed, if nothing it depends on changed since; else None."""
    verified = state.get("verified") or {}
    if not verified.get("fingerprint") or verified["fingerprint"] != fingerprint(plan):
        return None
    return str(verified.get("at", "an earlier run"))


def unchanged_since_success(plan: Plan, state: dict[str, Any]) -> bool:
    """Whether the environment is exactly as the last successful run left it (with or without
    verification): every install step that run completed is then still satisfied, with no probe."""
    settled = state.get("settled")
    return bool(settled) and settled == fingerprint(plan)


def record_success(plan: Plan, state: dict[str, Any], verified: bool) -> dict[str, Any]:
    """The state with this environment, as it is now, recorded as left by a successful run (and verified)."""
    now = fingerprint(plan)
    out = {**state, "settled": now}
    if verified:
        out["verified"] = {"fingerprint": now, "at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    return out
