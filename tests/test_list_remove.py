"""`list` and `remove` over environments made by real runs of the wizard (real venvs, real pip)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support.fake_conda import calls, install_fake_conda
from support.index_server import IndexServer
from support.lifecycle import PYTHON, make_env
from support.wizard_cli import run_wizard

pytestmark = [pytest.mark.integration, pytest.mark.skipif(PYTHON is None, reason="needs pyenv's Python 3.13")]


def _listed(env: dict[str, str]) -> dict[str, dict]:
    r = run_wizard("list", "--json", env=env)
    assert r.code == 0, r.stderr
    return {e["path"]: e for e in r.events()}


def test_list_after_several_runs_with_one_folder_deleted_by_hand(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path
) -> None:
    a = make_env(tmp_path, index_server.url, pip_env, "a")
    b = make_env(tmp_path, index_server.url, pip_env, "b")
    first = _listed(a.env)[str(a.path)]
    assert first["last_verified"] == first["last_run"]
    again = run_wizard("--answers", str(a.answers), "--machine", str(a.machine), env=a.env)  # a rerun updates, not duplicates
    assert again.code == 0, again.stderr
    shutil.rmtree(b.path)
    rows = _listed(a.env)
    assert set(rows) == {str(a.path), str(b.path)}
    ra, rb = rows[str(a.path)], rows[str(b.path)]
    assert ra["present"] and ra["size_bytes"] > 1_000_000 and ra["kind"] == "venv" and ra["python"].startswith("3.13")
    # the rerun changed nothing, so it skipped the verification that had passed: last verified stays the first run's
    assert ra["last_outcome"] == "ok" and ra["last_verified"] == first["last_verified"] <= ra["last_run"]
    assert not rb["present"] and rb["size_bytes"] is None
    text = run_wizard("list", env=a.env).stdout
    assert f"{b.path}  [gone: the folder no longer exists]" in text and "last run" in text
    forget = run_wizard("remove", "--env", str(b.path), "--yes", env=a.env)  # a gone folder: only its entry goes
    assert forget.code == 0, forget.stderr
    assert set(_listed(a.env)) == {str(a.path)} and a.path.is_dir()


def test_remove_shows_asks_and_removes_only_what_the_wizard_made(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path
) -> None:
    made = make_env(tmp_path, index_server.url, pip_env)
    dry = run_wizard("remove", "--env", str(made.path), "--dry-run", env=made.env)
    assert dry.code == 0 and f"the venv environment {made.path} (" in dry.stdout and "environments.json" in dry.stdout
    assert made.path.is_dir()
    no_tty = run_wizard("remove", "--env", str(made.path), env=made.env)
    assert no_tty.code == 2 and "--yes" in no_tty.stderr and made.path.is_dir()
    r = run_wizard("remove", "--env", str(made.path), "--yes", env=made.env)
    assert r.code == 0, r.stderr
    assert not made.path.exists() and _listed(made.env) == {}
    assert (tmp_path / "machine.json").exists()  # the parent folder and its other files stay


def test_remove_refuses_a_foreign_venv_a_symlink_and_a_home_directory(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path
) -> None:
    made = make_env(tmp_path, index_server.url, pip_env)
    foreign = tmp_path / "foreign"
    subprocess.run([str(PYTHON), "-m", "venv", "--without-pip", str(foreign)], check=True)
    link = tmp_path / "link"
    link.symlink_to(made.path)
    cases = [
        (foreign, made.env, "the wizard did not create it"),
        (link, made.env, "is a symbolic link"),
        (made.path, {**made.env, "HOME": str(made.path)}, "home directory"),
        (made.path.parent, {**made.env, "HOME": str(made.path)}, "home directory or holds one"),
        (Path("/"), made.env, "root of the file system"),
    ]
    for path, env, reason in cases:
        r = run_wizard("remove", "--env", str(path), "--yes", env=env)
        assert r.code == 2 and reason in r.stderr and "Traceback" not in r.stderr, (path, r.stderr)
    assert made.path.is_dir() and foreign.is_dir() and link.is_symlink()


def test_a_conda_environment_is_removed_through_conda(index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path) -> None:
    root = tmp_path / "conda"
    install_fake_conda(tmp_path / "bin", root)
    base = {**pip_env, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    made = make_env(
        tmp_path, index_server.url, base, "c", environment={"kind": "conda", "path": str(tmp_path / "c"), "python": "3.13"}
    )
    assert (made.path / "conda-meta").is_dir()
    r = run_wizard("remove", "--env", str(made.path), "--yes", env=made.env)
    assert r.code == 0, r.stderr
    assert ["env", "remove", "-y", "-p", str(made.path)] in calls(root) and not made.path.exists()
    assert json.loads((tmp_path / "state" / "environments.json").read_text())["environments"] == {}
