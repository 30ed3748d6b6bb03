"""installer "uv": the same versions as pip for the same answers, uv's output and downloads reach the
events, a cancel leaves no process behind, pip's configuration reaches uv with the same meaning."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import psutil
import pytest

from support.index_server import IndexServer
from support.wheels import Wheelhouse
from support.wizard_cli import answers, pyenv_python, run_wizard, start_wizard, wizard_env, write_json
from wizard import proc
from wizard.machine import Machine
from wizard.plan import Step
from wizard.pythons import probe_interpreter
from wizard.uv import parse_pip_config, pip_config, with_pip_config

PY = pyenv_python("3.12") or pyenv_python("3.13")
pytestmark = [pytest.mark.integration, pytest.mark.skipif(PY is None, reason="needs pyenv's Python 3.12 or 3.13")]


@pytest.fixture
def setup(wheelhouse: Wheelhouse, pip_env: dict[str, str], tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """A machine file with the real interpreter, the test's environment, and a folder with the pip
    wheel that `uv venv --seed` and pip's own upgrade take (the loopback index has no pip)."""
    info = probe_interpreter(PY or "", "pyenv")
    assert info is not None
    machine = write_json(
        tmp_path / "machine.json",
        msgspec.to_builtins(Machine(os="linux", arch="x86_64", disk_free_bytes=100 << 30, pythons=[info])),
    )
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(next(Path(PY or "").resolve().parents[1].glob("lib/python3.*/ensurepip/_bundled/pip-*.whl")), seeds)
    return machine, wizard_env(pip_env, tmp_path / "state"), seeds


def _versions(env: Path) -> dict[str, str]:
    out = subprocess.run(
        [
            str(env / "bin" / "python"),
            "-c",
            "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        ],
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return json.loads(out.stdout)


def test_uv_and_pip_install_the_same_versions_and_uv_output_reaches_the_events(
    index_server: IndexServer, setup: tuple[Path, dict[str, str], Path], tmp_path: Path
) -> None:
    machine, env, seeds = setup
    results = {}
    for installer in ("uv", "pip"):
        target = tmp_path / installer
        a = write_json(
            tmp_path / f"{installer}.json",
            answers(
                target,
                packages=["wizlab-gamma", "wizlab-big"],
                index={"url": index_server.url, "find_links": [str(seeds)]},
                options={"upgrade_pip": False, "verify": True, "installer": installer},
            ),
        )
        r = run_wizard("--answers", str(a), "--machine", str(machine), "--json", env=env)
        assert r.code == 0, r.stdout + r.stderr
        results[installer] = r
    uv_env, pip_env = _versions(tmp_path / "uv"), _versions(tmp_path / "pip")
    wizlab = {k: v for k, v in uv_env.items() if k.startswith("wizlab")}
    assert wizlab == {"wizlab-alpha": "1.1", "wizlab-beta": "1.0", "wizlab-gamma": "2.0", "wizlab-big": "1.0"}
    assert wizlab == {k: v for k, v in pip_env.items() if k.startswith("wizlab")}
    assert "pip" in uv_env  # seeded: the user's `python -m pip` works
    r = results["uv"]
    plans = {installer: results[installer].of("plan")[0]["plan"]["resolution"] for installer in results}
    resolved = {i: {p["name"]: p["version"] for p in plan if p["step"] != "create-venv"} for i, plan in plans.items()}
    assert resolved["uv"] == resolved["pip"] == wizlab  # each installer resolved it itself, the same way
    for plan in plans.values():  # what each venv comes with (uv's seeds, ensurepip's wheels), and every file's hash
        assert "pip" in {p["name"] for p in plan if p["step"] == "create-venv"} and all(p["sha256"] for p in plan)
    steps = r.of("plan")[0]["plan"]["steps"]
    assert steps[0]["argv"][1:3] == ["venv", "--seed"] and steps[1]["argv"][1:3] == ["pip", "install"]
    lines = [e["line"] for e in r.of("output") if e["step"] == "install"]
    assert any("wizlab-gamma==2.0" in x for x in lines), lines
    big = [e for e in r.of("progress") if e["step"] == "install"]
    assert big and big[-1]["done"] == big[-1]["total"] > 1_000_000
    assert {c["check"]: c["ok"] for c in r.of("check")}["pip check"]


def test_uv_refuses_what_does_not_resolve_before_anything_is_created(
    index_server: IndexServer, setup: tuple[Path, dict[str, str], Path], tmp_path: Path
) -> None:
    machine, env, seeds = setup
    target = tmp_path / "never"
    for links, said in (([str(seeds)], "wizlab-future"), ([], "seed the new venv with pip")):
        a = write_json(
            tmp_path / "a.json",
            answers(
                target,
                packages=["wizlab-future"] if links else ["wizlab-alpha"],
                index={"url": index_server.url, "find_links": links},
                options={"upgrade_pip": False, "verify": False, "installer": "uv"},
            ),
        )
        r = run_wizard("--answers", str(a), "--machine", str(machine), "--json", env=env)
        assert r.code == 2 and not target.exists()
        (error,) = r.of("error")
        assert said in error["message"] and ("Python" if links else "find_links") in error["hint"]


def test_cancelling_a_uv_install_leaves_no_process(
    index_server: IndexServer, setup: tuple[Path, dict[str, str], Path], tmp_path: Path
) -> None:
    machine, env, seeds = setup
    index_server.slow_seconds = 0.5  # the big wheel takes ~12 s
    target = tmp_path / "int"
    a = write_json(
        tmp_path / "a.json",
        answers(
            target,
            packages=["wizlab-big"],
            index={"url": index_server.url, "find_links": [str(seeds)]},
            options={"upgrade_pip": False, "verify": False, "installer": "uv"},
        ),
    )
    proc = start_wizard("--answers", str(a), "--machine", str(machine), "--json", env=env)
    assert proc.stdout is not None
    pid = next(e["pid"] for e in map(json.loads, proc.stdout) if e["event"] == "step_started" and e["step"] == "install")
    assert index_server.wait_for_request("/files/wizlab_big", timeout=60)
    assert psutil.Process(pid).name() == "uv" and os.getpgid(pid) == pid
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _group_alive(pid):
        time.sleep(0.1)
    assert not _group_alive(pid)


def _group_alive(pgid: int) -> bool:
    for p in psutil.process_iter():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and os.getpgid(p.pid) == pgid:
                return True
        except (ProcessLookupError, psutil.Error):
            continue
    return False


def test_pip_configuration_reaches_uv_with_the_same_meaning() -> None:
    listed = (
        "global.index-url='https://mirror.example/simple'\nglobal.cert='/etc/ca.pem'\n"
        ":env:.index-url='https://env.example/simple'\nuser.extra-index-url='https://a/simple https://b/simple'\n"
        "global.trusted-host='mirror.example'\n:env:.config-file='/x/pip.conf'\n"
    )
    config = parse_pip_config(listed)
    assert config["index-url"] == "https://env.example/simple"  # the environment wins over files, as in pip
    step = Step(
        "install", "pip", "t", "w", ("uv", "pip", "install", "--python", "py", "wizlab-alpha"), ("wizlab-alpha",), installer="uv"
    )
    argv = with_pip_config(step, config)
    assert argv.argv[-1] == "wizlab-alpha" and argv.argv[:3] == ("uv", "pip", "install")
    opts = list(argv.argv)
    assert opts[opts.index("--index-url") + 1] == "https://env.example/simple"
    assert [opts[i + 1] for i, o in enumerate(opts) if o == "--extra-index-url"] == ["https://a/simple", "https://b/simple"]
    assert opts[opts.index("--allow-insecure-host") + 1] == "mirror.example"
    assert dict(argv.env)["SSL_CERT_FILE"] == "/etc/ca.pem"
    own = Step(
        "install-pytorch",
        "pip",
        "t",
        "w",
        ("uv", "pip", "install", "--index-url", "https://torch/cpu", "torch"),
        ("torch",),
        installer="uv",
    )
    assert with_pip_config(own, config).argv.count("--index-url") == 1  # a build's own index is kept


def test_pip_is_asked_for_its_configuration_only_when_a_file_may_configure_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[list[str]] = []
    real = proc.run
    monkeypatch.setattr("wizard.uv.proc.run", lambda argv, *a, **k: asked.append(argv) or real(argv, *a, **k))
    for name in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # pip then reads no file at all
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")  # a variable, but not a setting uv is given
    assert pip_config() == {} and asked == []
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://mirror.example/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert pip_config()["index-url"] == "https://mirror.example/simple" and len(asked) == 1
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_TRUSTED_HOST", "mirror.example")
    monkeypatch.setenv("PIP_INDEX_URL", "https://env.example/simple")
    listed = parse_pip_config(real([sys.executable, "-m", "pip", "config", "list"], 60).stdout)  # what pip itself says
    assert pip_config() == {k: v for k, v in listed.items() if k in ("trusted-host", "index-url")} and len(asked) == 1
