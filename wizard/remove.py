"""`python -m wizard remove --env PATH`: undo what the wizard made, and nothing else.

The folder goes only when it is an environment whose `.wizard/state.json` says the wizard created
it; a symlink, a home directory (or a folder above one), a mount point, the file-system root or the
wizard's own state directory are refused whatever they hold. Besides the folder: the Jupyter kernel
spec the run registered, the VS Code setting it wrote, the list entry. A conda environment is
removed by its own conda.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from wizard import conda, envs, proc, registry
from wizard.lock import EnvLock
from wizard.paths import state_dir
from wizard.problems import RequestError
from wizard.runner import child_env

CONDA_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Removal:
    """What `remove` will delete; `folder` None: the folder is gone already, only its traces remain."""

    path: Path
    folder: Path | None
    kind: str
    size_bytes: int
    kernel_dir: Path | None
    vscode_settings: Path | None
    registered: bool
    python: str = ""
    notes: tuple[str, ...] = field(default=())

    def lines(self) -> list[str]:
        out = []
        if self.folder:
            how = " through conda" if self.kind == "conda" else ""
            out.append(f"the {self.kind} environment {self.folder} ({registry.human_size(self.size_bytes)}){how}")
        if self.kernel_dir:
            out.append(f"the Jupyter kernel spec {self.kernel_dir}")
        if self.vscode_settings:
            out.append(f"python.defaultInterpreterPath in {self.vscode_settings}")
        if self.registered:
            out.append(f"the entry in {registry.registry_path()}")
        return out


def _protected(real: Path) -> str | None:
    """Why this folder may never be deleted, or None."""
    home = Path.home().resolve()
    state = state_dir().resolve()
    if real == Path(real.anchor):
        return "it is the root of the file system"
    if real == home or real in home.parents:
        return "it is a home directory or holds one"
    if real == state or real in state.parents:
        return "it holds the wizard's own state directory"
    if os.path.ismount(real):
        return "it is a mount point"
    return None


def _gone(path: Path) -> Removal:
    entry = registry.load().get(str(path))
    if entry is None:
        raise RequestError(f"{path} does not exist, and the wizard has no environment recorded there")
    kernel = entry.get("kernel_dir")
    return Removal(
        path, None, entry.get("kind", "venv"), 0, Path(kernel) if kernel and Path(kernel).is_dir() else None, None, True
    )


def plan_removal(given: Path) -> Removal:
    """What removing `given` means; RequestError (exit 2) with the reason when it must not be removed."""
    path = Path(os.path.abspath(Path(given).expanduser()))
    if path.is_symlink():
        raise RequestError(
            f"{path} is a symbolic link (to {os.readlink(path)}); the wizard never follows a link out",
            "give the environment's real folder",
        )
    if not path.exists():
        return _gone(path)
    real = path.resolve()
    why = _protected(real)
    if why:
        raise RequestError(f"{path} will not be removed: {why}")
    folder = envs.classify(real)
    kind = "conda" if (real / "conda-meta").is_dir() else folder  # conda-meta decides: conda must remove it
    state = envs.read_state(real) if folder in ("venv", "conda") else None
    if state is None or not state.get("created"):
        raise RequestError(
            f"{path} will not be removed: the wizard did not create it (no .wizard/state.json saying so)",
            "remove it yourself if you are sure; the wizard deletes only what it made",
        )
    kernel = (state.get("jupyter_kernel") or {}).get("dir")
    settings = state.get("vscode_settings")
    python = str(envs.env_python(real))
    return Removal(
        path,
        real,
        kind,
        registry.folder_size(real),
        Path(kernel) if kernel and Path(kernel).is_dir() else None,
        Path(settings) if settings and Path(settings).is_file() else None,
        str(path) in registry.load() or str(real) in registry.load(),
        python,
    )


def execute(r: Removal) -> list[str]:
    """Delete what `r` lists; the lines of what was done (a note where something was left, and why).
    Refused (RequestError) while a run holds the environment's lock."""
    lock = EnvLock.acquire(r.path)
    try:
        return _delete(r)
    finally:
        lock.release()


def _delete(r: Removal) -> list[str]:
    from wizard import jupyter, vscode

    done = []
    if r.folder:
        if r.kind == "conda":
            _conda_remove(r.folder)
        if r.folder.exists():
            shutil.rmtree(r.folder)
        done.append(f"removed {r.folder}")
    if r.kernel_dir:
        done.append(jupyter.remove_kernel(r.kernel_dir))
    if r.vscode_settings:
        done.append(vscode.unset_interpreter(r.vscode_settings, r.python))
    registry.update(str(r.path), None)
    if r.folder and str(r.folder) != str(r.path):
        registry.update(str(r.folder), None)
    return done


def _conda_remove(prefix: Path) -> None:
    tool = conda.require_tool()
    out = proc.run([tool.path, "env", "remove", "-y", "-p", str(prefix)], CONDA_TIMEOUT_S, child_env())
    if out is None:
        raise RequestError(f"{tool.name} could not run (missing, timed out or interrupted)", "nothing else was removed")
    if out.returncode != 0:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:]
        raise RequestError(f"`{tool.name} env remove` failed: {' '.join(tail) or out.returncode}", "nothing else was removed")
