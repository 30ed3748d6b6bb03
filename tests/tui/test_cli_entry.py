"""How `python -m wizard` reaches the full-screen wizard: never without a terminal, never with a
bad --prefill or --machine file, and never by importing the engine before the first frame."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from wizard.advice import replay_command

from .harness import MACHINE, REPO, write_answers


def _wizard_in_pty(*args: str, timeout: float = 20) -> tuple[int, str]:
    """Run the wizard in a pseudo-terminal (so it believes a person is there); (exit code, output)."""
    master, slave = os.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "wizard", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return proc.wait(timeout=max(0.1, deadline - time.monotonic())), out.decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_without_a_terminal_it_explains_how_to_run_headless() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wizard"],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=30,
    )
    assert proc.returncode == 2
    assert "needs a terminal" in proc.stderr and "--answers FILE" in proc.stderr


def test_a_bad_prefill_file_is_reported_before_the_screen_opens(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": 1, "environment": {"kind": "venv"}, "frameworks": ["pytorhc"]}))
    code, out = _wizard_in_pty("--prefill", str(bad), "--machine", str(MACHINE))
    assert code == 2, out
    assert "$.environment.path" in out and "did you mean 'pytorch'?" in out
    assert "Traceback" not in out and "\x1b[?1049h" not in out  # never entered the full screen


def test_a_bad_machine_file_is_reported_before_the_screen_opens(tmp_path: Path) -> None:
    bad = tmp_path / "machine.json"
    bad.write_text(json.dumps({"os": "plan9", "arch": "x86_64"}))
    code, out = _wizard_in_pty("--machine", str(bad))
    assert code == 2, out
    assert "$.os" in out and "Traceback" not in out and "\x1b[?1049h" not in out


def test_the_first_frame_needs_neither_the_engine_nor_the_later_screens() -> None:
    code = (
        "import sys\nfrom pathlib import Path\nimport wizard.cli\nfrom screens.app import create_app\n"
        f"create_app(None, Path({str(MACHINE)!r}))\n"
        "import screens.welcome\n"
        "loaded = [m for m in sys.modules if m in ('wizard.engine', 'wizard.planner', 'screens.install')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=30, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_the_engine_never_imports_textual() -> None:
    code = (
        "import pkgutil, importlib, sys, wizard\n"
        "for m in pkgutil.walk_packages(wizard.__path__, 'wizard.'):\n"
        "    if not m.name.startswith('wizard.probes') and m.name != 'wizard.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'screens')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_the_replay_command_runs_as_shown_from_a_fresh_shell_in_the_home_folder(tmp_path: Path) -> None:
    answers = write_answers(
        tmp_path / "answers.json",
        str(tmp_path / "env"),
        profile="classic-ml",
        frameworks=[],
        packages=[],
        options={"verify": False},
    )
    home = tmp_path / "home"
    home.mkdir()
    command = replay_command(str(answers))
    # A fresh login-like shell: only the system PATH, started in $HOME; --dry-run is the one word added.
    result = subprocess.run(
        ["env", "-i", f"HOME={home}", "PATH=/usr/local/bin:/usr/bin:/bin", "bash", "-c", f"cd ~ && {command} --dry-run"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Create a virtual environment" in result.stdout
