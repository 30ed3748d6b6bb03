"""The distribution: a plain, non-editable `pip install .` works and finds its assets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.wizard_cli import REPO


def test_engine_never_imports_textual() -> None:
    code = (
        "import sys, wizard.cli, wizard.engine, wizard.planner, wizard.runner, wizard.output, wizard.report\n"
        "assert not [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'screens'))], 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


@pytest.mark.network
@pytest.mark.integration
def test_pip_install_dot_into_fresh_venv_finds_assets(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "__pycache__", ".bench"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-compile", str(src)], check=True, stdin=subprocess.DEVNULL)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [str(py), "-c", "import wizard.paths as p; print(p.assets_dir())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert "site-packages" in out and Path(out, "catalog.json").is_file() and Path(out, "machines").is_dir()
    listing = subprocess.run([str(py), "-m", "wizard", "frameworks"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert listing.returncode == 0 and "classic-ml" in listing.stdout
    example = Path(out, "examples", "classic-ml.json")
    dry = subprocess.run(
        [str(py), "-m", "wizard", "--answers", str(example), "--dry-run"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert dry.returncode == 0, dry.stderr
    assert not [p for p in Path(out).parent.parent.iterdir() if p.name == "assets"]  # no top-level 'assets' package
