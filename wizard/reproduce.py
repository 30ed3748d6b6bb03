"""`--answers A --locked pylock.toml`: the exact environment a lock records, in the place the answers name.

Everything that can refuse does so before anything is created (exit 2): a lock taken on another
platform or another Python minor, or holding a CUDA build this machine's driver cannot run. The
plan is the answers' plan with its install steps replaced by one pip call over a requirements file
made from the lock: every pin with its sha256, `--no-deps`, `--require-hashes`, so pip installs
those files and nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from packaging.version import InvalidVersion, Version

from wizard import builds
from wizard.catalog import Catalog
from wizard.machine import Machine
from wizard.paths import state_dir
from wizard.plan import Plan, Step
from wizard.planner import PIP_COMMON
from wizard.problems import RequestError
from wizard.pylock import Lock, requirements_text

_SYS_PLATFORM = {"linux": "linux", "darwin": "darwin", "windows": "win32"}
_ARCH = {"amd64": "x86_64", "x64": "x86_64", "x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def _arch(name: str) -> str:
    return _ARCH.get(name.lower(), name.lower())


def check_fits(lock: Lock, plan: Plan, machine: Machine, catalog: Catalog, source: str) -> None:
    """RequestError when this machine and the planned interpreter cannot run what the lock holds."""
    here = f"{_SYS_PLATFORM.get(machine.os, machine.os)} {_arch(machine.arch)}"
    there = f"{lock.sys_platform} {_arch(lock.platform_machine)}"
    if here != there:
        raise RequestError(
            f"{source} was taken on {there}; this machine is {here}",
            "take the lock on a machine like this one, or replay the answers without --locked",
        )
    minor = ".".join(plan.target.python_version.split(".")[:2])
    if minor != lock.python_minor:
        raise RequestError(
            f"{source} was taken with Python {lock.python}, but the plan uses Python {plan.target.python_version}",
            f"ask for Python {lock.python_minor} in environment.python",
        )
    major = lock.cuda_major()
    if major is None:
        return
    driver = machine.nvidia.driver if machine.nvidia else None
    need = builds.min_driver(machine, catalog, major)
    if driver is None:
        raise RequestError(
            f"{source} holds a CUDA {major} build, and this machine has no NVIDIA driver",
            "replay the answers without --locked: the wizard picks the build this machine runs",
        )
    try:
        too_old = need is not None and Version(driver) < Version(need)
    except InvalidVersion:
        too_old = False
    if too_old:
        raise RequestError(
            f"{source} holds a CUDA {major} build, which needs driver ≥ {need}; this machine has {driver}",
            "update the driver, or replay the answers without --locked",
        )


def locked_plan(plan: Plan, lock: Lock, requirements: Path) -> Plan:
    """The plan with its install steps replaced by one hash-checked install of the lock."""
    install = Step(
        "install-locked",
        "pip",
        f"Install the {len(lock.packages)} locked packages",
        "Exactly the files the lock records, checked by sha256; --no-deps, so nothing else.",
        (plan.target.env_python, "-m", "pip", "install", *PIP_COMMON, "--no-deps", "--require-hashes", "-r", str(requirements)),
        tuple(p.pin for p in lock.packages),
    )
    steps: list[Step] = []
    for s in plan.steps:
        if s.kind != "pip" or s.id == "upgrade-pip":
            steps.append(s)
        elif install not in steps:
            steps.append(install)
    if install not in steps:
        steps.insert(next((i for i, s in enumerate(steps) if s.kind in ("verify", "check")), len(steps)), install)
    return replace(plan, steps=tuple(steps), notes=(*plan.notes, "Installing exactly what the lock records."))


def requirements_file(lock: Lock) -> tuple[Path, str]:
    """Where the lock's requirements go for pip (the state dir, named by content) and their text."""
    text = requirements_text(lock, "Written by llm-setup-wizard --locked; pip reads it to install the lock.")
    return state_dir() / "locked" / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.txt", text
