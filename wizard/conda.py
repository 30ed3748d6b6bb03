"""conda environments: find conda, mamba or micromamba, say where a named environment goes, and
the argv that creates one with the chosen Python (and pip, which then installs everything else)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from wizard import proc
from wizard.problems import RequestError

TOOLS = ("conda", "mamba", "micromamba")  # in this order: the user's own conda first
INFO_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class CondaTool:
    name: str  # conda | mamba | micromamba
    path: str


def find_tool() -> CondaTool | None:
    """The first of conda, mamba, micromamba on PATH."""
    for name in TOOLS:
        path = shutil.which(name)
        if path:
            return CondaTool(name, path)
    return None


def require_tool() -> CondaTool:
    tool = find_tool()
    if tool is None:
        raise RequestError(
            "kind 'conda' needs conda, mamba or micromamba on PATH, and none was found",
            "install Miniforge (conda-forge.org/download) or use kind 'venv'",
        )
    return tool


def envs_dir(tool: CondaTool) -> Path:
    """Where `<tool> create -n NAME` would put NAME: the first envs directory `info --json` names."""
    out = proc.run([tool.path, "info", "--json"], INFO_TIMEOUT_S)
    try:
        info = json.loads(out.stdout) if out is not None and out.returncode == 0 else None
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise RequestError(
            f"`{tool.name} info --json` failed, so the folder of a named environment is unknown",
            "give environment.path instead of environment.name",
        )
    # conda: envs_dirs / root_prefix; mamba 2 and micromamba: "envs directories" / "base environment"
    dirs = info.get("envs_dirs") or info.get("envs directories") or []
    if dirs:
        return Path(dirs[0])
    root = info.get("root_prefix") or info.get("base environment")
    if root:
        return Path(root) / "envs"
    raise RequestError(f"`{tool.name} info --json` names no envs directory", "give environment.path instead of environment.name")


def create_argv(tool_path: str, prefix: str, python: str) -> tuple[str, ...]:
    """`create -y -p PREFIX python=X.Y pip`; micromamba has no default channel, so it gets conda-forge."""
    channel = ("-c", "conda-forge") if Path(tool_path).stem == "micromamba" else ()
    return (tool_path, "create", "-y", "-p", os.fspath(prefix), f"python={python}", "pip", *channel)
