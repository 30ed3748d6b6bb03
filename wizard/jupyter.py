"""The environment as a Jupyter kernel: registered for the user by the environment's own ipykernel,
proved by the verification starting it through jupyter_client (probes/probe_kernel.py), and removed
with the environment.

Jupyter finds user kernels in `<Jupyter data dir>/kernels/<name>/kernel.json`; the name is the
environment folder's, made unique against kernels of other environments.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

from wizard.plan import Step

JUPYTER_PACKAGES = frozenset({"jupyter", "jupyterlab", "notebook", "ipykernel"})


def wanted(option: bool | None, frameworks: list[str] | tuple[str, ...], packages: list[str]) -> bool:
    """options.jupyter_kernel, or (unset) whether Jupyter or ipykernel is chosen."""
    if option is not None:
        return option
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    names = set()
    for p in packages:
        try:
            names.add(str(canonicalize_name(Requirement(p).name)))
        except InvalidRequirement:
            continue
    return "jupyter" in frameworks or bool(names & JUPYTER_PACKAGES)


def data_dir() -> Path:
    """Jupyter's user data directory, as jupyter_core computes it (JUPYTER_DATA_DIR first)."""
    if os.environ.get("JUPYTER_DATA_DIR"):
        return Path(os.environ["JUPYTER_DATA_DIR"])
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Jupyter"
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", home)) / "jupyter"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "jupyter"


def _owner(spec_dir: Path) -> str | None:
    try:
        argv = json.loads((spec_dir / "kernel.json").read_text("utf-8")).get("argv") or []
    except (OSError, ValueError, AttributeError):
        return None
    return str(argv[0]) if argv else None


def kernel_name(env: Path, env_python: str) -> str:
    """The folder's name as a kernel name (lower case, [a-z0-9._-]); -2, -3 … when another
    environment's kernel has it already. A rerun on the same environment keeps its name."""
    base = re.sub(r"[^a-z0-9._-]+", "-", env.name.lower()).strip("-.") or "env"
    kernels = data_dir() / "kernels"
    for n in range(1, 1000):
        name = base if n == 1 else f"{base}-{n}"
        owner = _owner(kernels / name)
        if not (kernels / name).exists() or owner == env_python:
            return name
    raise RuntimeError("no free kernel name")  # pragma: no cover - a thousand kernels of one name


def register_step(name: str, env: Path, env_python: str) -> Step:
    """Register the kernel; the verification's kernel group then starts it (verify.verify_spec's kernel)."""
    display = f"Python ({env.name})"
    return Step(
        "jupyter-kernel",
        "kernel",
        f"Register the Jupyter kernel {name!r}",
        f"Jupyter and VS Code notebooks list it as {display!r}; it runs this environment's Python.",
        (env_python, "-m", "ipykernel", "install", "--user", "--name", name, "--display-name", display),
    )


def kernel_record(step: Step) -> dict[str, str]:
    """What state.json keeps of a registered kernel, so `remove` can take it away."""
    name = step.argv[step.argv.index("--name") + 1]
    return {"name": name, "dir": str(data_dir() / "kernels" / name)}


def remove_kernel(spec_dir: Path) -> str:
    """Delete a kernel spec folder (only one: it must hold kernel.json)."""
    if not (spec_dir / "kernel.json").is_file() or spec_dir.is_symlink():
        return f"left {spec_dir} as it is (not a kernel spec)"
    shutil.rmtree(spec_dir)
    return f"removed the Jupyter kernel spec {spec_dir}"
