"""`python -m wizard export`: each format rebuilds the same environment elsewhere (real venvs, real pip)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from support.index_server import IndexServer
from support.lifecycle import PYTHON, MadeEnv, freeze, make_env
from support.pipenv import clean_pip_env
from support.wizard_cli import run_wizard
from wizard.cli import EXPORT_FORMATS
from wizard.export import IMAGE_REQUIREMENTS, IMAGE_VENV, RENDERERS

pytestmark = [pytest.mark.integration, pytest.mark.skipif(PYTHON is None, reason="needs pyenv's Python 3.13")]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, index_server: IndexServer) -> MadeEnv:
    return make_env(tmp_path_factory.mktemp("export"), index_server.url, clean_pip_env())


def _export(made: MadeEnv, fmt: str, *more: str) -> str:
    r = run_wizard("export", "--env", str(made.path), "--format", fmt, *more, env=made.env)
    assert r.code == 0, r.stderr
    return r.stdout


def _fresh_venv(path: Path) -> Path:
    subprocess.run([str(PYTHON), "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


def test_the_command_offers_every_format_the_engine_renders() -> None:
    assert set(EXPORT_FORMATS) == set(RENDERERS)


def test_requirements_install_with_plain_pip_into_a_fresh_venv(made: MadeEnv, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(_export(made, "requirements"))
    assert "--hash=sha256:" in req.read_text()
    python = _fresh_venv(tmp_path / "fresh")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-r", str(req)],
        check=True,
        env=clean_pip_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    assert freeze(tmp_path / "fresh", clean_pip_env()) == freeze(made.path, clean_pip_env())


def test_environment_yml_names_the_python_and_the_same_pins(made: MadeEnv) -> None:
    doc = yaml.safe_load(_export(made, "environment-yml"))
    deps = doc["dependencies"]
    assert re.fullmatch(r"python=3\.13\.\d+", deps[0]) and "pip" in deps
    pip_lines = next(d["pip"] for d in deps if isinstance(d, dict))
    pins = sorted(line.split()[0] for line in pip_lines if "==" in line)
    assert pins == freeze(made.path, clean_pip_env())
    assert all("--hash=sha256:" in line for line in pip_lines if "==" in line)


def test_the_dockerfiles_install_lines_run_in_a_fresh_venv(made: MadeEnv, tmp_path: Path) -> None:
    text = _export(made, "dockerfile")
    assert re.search(r"^FROM --platform=linux/amd64 python:3\.13\.\d+-slim$", text, re.M)
    assert text.rstrip().endswith(f"python -m wizard doctor --env {IMAGE_VENV}")
    body = re.search(rf"^COPY <<'WIZARD_EOF' {IMAGE_REQUIREMENTS}\n(.*?)\nWIZARD_EOF$", text, re.M | re.S)
    assert body is not None
    req = tmp_path / "requirements.txt"
    req.write_text(body.group(1) + "\n")
    python = _fresh_venv(tmp_path / "fresh")
    install = next(
        line for line in text.splitlines() if line.startswith("RUN ") and " pip install " in line and "doctor" not in line
    )
    argv = [
        a.replace(f"{IMAGE_VENV}/bin/python", str(python)).replace(IMAGE_REQUIREMENTS, str(req))
        for a in shlex.split(install[len("RUN ") :])
    ]
    subprocess.run(argv, check=True, env=clean_pip_env(), stdin=subprocess.DEVNULL, capture_output=True)
    assert freeze(tmp_path / "fresh", clean_pip_env()) == freeze(made.path, clean_pip_env())


def test_pylock_and_answers_are_the_environments_own(made: MadeEnv) -> None:
    assert _export(made, "pylock") == (made.path / ".wizard" / "pylock.toml").read_text()
    assert json.loads(_export(made, "answers")) == json.loads((made.path / ".wizard" / "answers.json").read_text())


def test_writes_a_file_and_never_overwrites_without_force(made: MadeEnv, tmp_path: Path) -> None:
    out = tmp_path / "req.txt"
    out.write_text("mine\n")
    r = run_wizard("export", "--env", str(made.path), "--format", "requirements", "-o", str(out), env=made.env)
    assert r.code == 2 and "--force" in r.stderr and out.read_text() == "mine\n"
    _export(made, "requirements", "-o", str(out), "--force")
    assert "wizlab-gamma==2.0" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["req.txt"]  # no temporary file left behind


def test_refuses_a_folder_that_is_not_an_environment(made: MadeEnv, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    r = run_wizard("export", "--env", str(tmp_path), "--format", "pylock", env=made.env)
    assert r.code == 2 and "is not a virtual environment" in r.stderr and "Traceback" not in r.stderr
    r = run_wizard("export", "--env", str(tmp_path), "--format", "nope", env=made.env)
    assert r.code == 2
