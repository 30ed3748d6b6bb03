"""Run the real `python -m wizard` as a subprocess, the way a user or a script does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from wizard.machine import Cpu, Machine, PythonInfo

REPO = Path(__file__).resolve().parents[2]


@dataclass
class WizardResult:
    code: int
    stdout: str
    stderr: str

    def events(self) -> list[dict[str, Any]]:
        """Every stdout line parsed as JSON; fails the test if any line is not an event."""
        out = []
        for line in self.stdout.splitlines():
            event = json.loads(line)
            assert "event" in event, line
            out.append(event)
        return out

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["event"] == kind]


def wizard_env(base: dict[str, str], state_dir: Path) -> dict[str, str]:
    """The test's pip environment, with the repo importable and the state dir inside the test."""
    env = dict(base)
    env["PYTHONPATH"] = str(REPO)
    env["WIZARD_STATE_DIR"] = str(state_dir)
    return env


def wizard_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "wizard", *args]


def _as_from_a_shell() -> None:
    """In the child: Ctrl-C's signal as an interactive shell leaves it. A test run started in the
    background (`cmd &` in a script) ignores SIGINT, and the wizard rightly keeps a signal it
    finds ignored, so a test that signals it must not inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_wizard(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """The wizard as a running process with its output in pipes, for tests that watch or signal it mid-run."""
    return subprocess.Popen(
        wizard_argv(*args),
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_from_a_shell,
    )


def run_wizard(*args: str, env: dict[str, str], timeout: float = 240) -> WizardResult:
    proc = subprocess.run(
        wizard_argv(*args), env=env, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
    )
    return WizardResult(proc.returncode, proc.stdout, proc.stderr)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), "utf-8")
    return path


def answers(env_path: Path, **over: Any) -> dict[str, Any]:
    """A minimal valid answers dict; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "version": 1,
        "environment": {"kind": "venv", "path": str(env_path)},
        "options": {"upgrade_pip": False, "verify": True},
    }
    data.update(over)
    return data


def pyenv_python(minor: str) -> str | None:
    """An interpreter of that minor version from pyenv, if this machine has one."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for v in sorted(root.glob(f"{minor}.*"), reverse=True) if root.is_dir() else []:
        if (v / "bin" / "python3").exists():
            return str(v / "bin" / "python3")
    return None


def host_machine_file(dest: Path, pythons: list[PythonInfo], source: str = "test machine file") -> Path:
    """A machine file naming this box's real interpreters (probed), so runs skip detection."""
    m = Machine(
        os="linux",
        arch="x86_64",
        cpu=Cpu(model="test", cores=2),
        memory_bytes=8 << 30,
        disk_free_bytes=100 << 30,
        pythons=pythons,
        sources={"*": source},
    )
    dest.write_bytes(msgspec.json.encode(m))
    return dest
