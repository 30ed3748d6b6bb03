"""The lock a run leaves, and reproducing an environment from it: real venvs, real pip, loopback index."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import tomllib

from support.index_server import IndexServer
from support.lifecycle import PYTHON, MadeEnv, freeze, make_env
from support.pipenv import clean_pip_env
from support.wheels import Wheelhouse
from support.wizard_cli import answers, run_wizard, write_json

pytestmark = [pytest.mark.integration, pytest.mark.skipif(PYTHON is None, reason="needs pyenv's Python 3.13")]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, index_server: IndexServer) -> MadeEnv:
    return make_env(tmp_path_factory.mktemp("lock"), index_server.url, clean_pip_env())


def test_the_lock_records_every_installed_file_with_its_hash_and_index(
    made: MadeEnv, wheelhouse: Wheelhouse, index_server: IndexServer
) -> None:
    lock = tomllib.loads((made.path / ".wizard" / "pylock.toml").read_text())
    assert lock["lock-version"] == "1.0" and lock["requires-python"] == "==3.13.*"
    pins = {f"{p['name']}=={p['version']}" for p in lock["packages"]}
    assert pins == {"wizlab-alpha==1.1", "wizlab-beta==1.0", "wizlab-gamma==2.0"}
    assert sorted(pins) == freeze(made.path, clean_pip_env())
    for p in lock["packages"]:
        (wheel,) = p["wheels"]
        real = wheelhouse.wheel(p["name"], p["version"])
        assert wheel["name"] == real.name and wheel["url"].endswith("/files/" + real.name)
        assert wheel["hashes"]["sha256"] == hashlib.sha256(real.read_bytes()).hexdigest()
        assert p["index"] == index_server.url
    tool = lock["tool"]["llm-setup-wizard"]
    assert tool["python"].startswith("3.13.") and tool["indexes"] == [index_server.url]


def test_reproducing_from_the_lock_gives_the_same_freeze(made: MadeEnv, tmp_path: Path, index_server: IndexServer) -> None:
    # The intent alone would now take wizlab-alpha 1.1; the lock holds it to what was installed, file by file.
    lock = made.path / ".wizard" / "pylock.toml"
    target = tmp_path / "copy"
    a = write_json(
        tmp_path / "a.json",
        {**json.loads(made.answers.read_text()), "environment": {"kind": "venv", "path": str(target), "python": "3.13"}},
    )
    r = run_wizard("--answers", str(a), "--locked", str(lock), "--machine", str(made.machine), "--json", env=made.env)
    assert r.code == 0, r.stderr + r.stdout
    steps = [s["id"] for s in r.of("plan")[0]["plan"]["steps"]]
    assert steps == ["create-venv", "install-locked", "verify", "pip-check"]
    assert freeze(target, clean_pip_env()) == freeze(made.path, clean_pip_env())
    assert (target / ".wizard" / "pylock.toml").read_text() == lock.read_text()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("python", "3.11.7", "taken with Python 3.11.7"),
        ("sys-platform", "darwin", "taken on darwin arm64"),
    ],
)
def test_a_lock_from_another_python_or_platform_is_refused_before_anything_exists(
    made: MadeEnv, tmp_path: Path, index_server: IndexServer, field: str, value: str, message: str
) -> None:
    text = (made.path / ".wizard" / "pylock.toml").read_text()
    text = re.sub(rf'^{field} = ".*"$', f'{field} = "{value}"', text, flags=re.M)
    if field == "sys-platform":
        text = re.sub(r'^platform-machine = ".*"$', 'platform-machine = "arm64"', text, flags=re.M)
    other = tmp_path / "pylock.toml"
    other.write_text(text)
    target = tmp_path / "never"
    a = write_json(
        tmp_path / "a.json",
        answers(
            target,
            packages=["wizlab-gamma"],
            index={"url": index_server.url},
            environment={"kind": "venv", "path": str(target), "python": "3.13"},
        ),
    )
    index_server.clear_requests()
    r = run_wizard("--answers", str(a), "--locked", str(other), "--machine", str(made.machine), env=made.env)
    assert r.code == 2 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not target.exists() and index_server.requests == []


def test_a_cuda_lock_is_refused_on_a_driver_too_old_for_it(made: MadeEnv, tmp_path: Path) -> None:
    text = (made.path / ".wizard" / "pylock.toml").read_text().replace('version = "2.0"', 'version = "2.0+cu130"')
    other = tmp_path / "pylock.toml"
    other.write_text(text)
    data = json.loads(made.machine.read_text())
    data["nvidia"] = {
        "driver": "550.54.14",
        "cuda": "12.4",
        "gpus": [{"name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9"}],
    }
    m = write_json(tmp_path / "machine.json", data)
    target = tmp_path / "never"
    a = write_json(
        tmp_path / "a.json",
        answers(
            target,
            packages=["wizlab-gamma"],
            accelerator="cpu",
            environment={"kind": "venv", "path": str(target), "python": "3.13"},
        ),
    )
    r = run_wizard("--answers", str(a), "--locked", str(other), "--machine", str(m), env=made.env)
    assert r.code == 2 and "CUDA 13 build, which needs driver ≥ 580" in r.stderr, r.stderr
    assert not target.exists()


def test_a_lock_the_wizard_did_not_write_is_bad_input(made: MadeEnv, tmp_path: Path) -> None:
    other = tmp_path / "pylock.toml"
    other.write_text('lock-version = "1.0"\n[[packages]]\nname = "x"\nversion = "1"\n')
    r = run_wizard("--answers", str(made.answers), "--locked", str(other), "--machine", str(made.machine), env=made.env)
    assert r.code == 2 and "not written by the wizard" in r.stderr and "Traceback" not in r.stderr


def test_credentials_never_reach_the_lock(index_server: IndexServer, tmp_path: Path) -> None:
    index_server.require_auth = ("alice", "s3cret")
    base = {**clean_pip_env(), "IDX_USER": "alice", "IDX_PASS": "s3cret"}
    url = index_server.url.replace("http://", "http://${IDX_USER}:${IDX_PASS}@")
    made = make_env(tmp_path, url, base)
    text = (made.path / ".wizard" / "pylock.toml").read_text()
    assert "s3cret" not in text and "alice" not in text
    assert tomllib.loads(text)["packages"][0]["index"] == url
