"""One real environment made by the wizard, shared by the lifecycle tests (lock, reproduce, export,
list, remove), and the helpers they compare environments with."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from wizard.pythons import probe_interpreter

from .wizard_cli import answers, host_machine_file, pyenv_python, run_wizard, write_json

PYTHON = pyenv_python("3.13")  # venvs of 3.12+ hold pip only, so `pip freeze` shows just what was installed
PACKAGES = ["wizlab-gamma"]  # gamma → beta → alpha: three locked packages


def machine_file(dest: Path, python: str) -> Path:
    """A machine file with this box's real interpreter, so runs skip detection."""
    info = probe_interpreter(python, "pyenv")
    assert info is not None, python
    return host_machine_file(dest, [info])


@dataclass
class MadeEnv:
    path: Path
    answers: Path
    machine: Path
    env: dict[str, str]  # the wizard's process environment (state dir inside the test)


def make_env(root: Path, index_url: str, base_env: dict[str, str], name: str = "llm", **over: object) -> MadeEnv:
    """Run the real wizard headless: a venv at root/name with PACKAGES from the loopback index."""
    from .wizard_cli import wizard_env

    assert PYTHON is not None
    root.mkdir(parents=True, exist_ok=True)
    target = root / name
    data = answers(
        target, packages=PACKAGES, index={"url": index_url}, environment={"kind": "venv", "path": str(target), "python": "3.13"}
    )
    data.update(over)
    a = write_json(root / f"{name}-answers.json", data)
    m = machine_file(root / "machine.json", PYTHON)
    env = wizard_env(base_env, root / "state")
    r = run_wizard("--answers", str(a), "--machine", str(m), "--json", env=env)
    assert r.code == 0, r.stderr + r.stdout
    return MadeEnv(target, a, m, env)


def freeze(env: Path, pip_env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "freeze"],
        capture_output=True,
        text=True,
        env=pip_env,
        stdin=subprocess.DEVNULL,
        check=True,
    )
    return sorted(out.stdout.split())
