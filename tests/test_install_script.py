"""install.sh, the README's launch command: on a machine without venv/ensurepip it names the package
to install and creates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_without_ensurepip_it_names_the_package_and_creates_nothing(tmp_path: Path) -> None:
    # An interpreter whose ensurepip is missing, as on Debian without python3-venv (stands in for that box).
    python = tmp_path / "python3"
    python.write_text(
        '#!/bin/sh\ncase "$*" in *ensurepip*) echo "No module named \'ensurepip\'" >&2; exit 1;; esac\n'
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    home = tmp_path / "wizard-home"
    result = subprocess.run(
        [str(REPO / "install.sh")],
        env={**os.environ, "PYTHON": str(python), "LLM_WIZARD_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"sudo apt install python{VERSION}-venv" in result.stderr
    assert not home.exists()


def test_a_missing_interpreter_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(REPO / "install.sh")],
        env={**os.environ, "PYTHON": str(tmp_path / "no-python"), "LLM_WIZARD_HOME": str(tmp_path / "h")},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "Install Python 3.10 or newer" in result.stderr
