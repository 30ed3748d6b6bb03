"""The real `python -m wizard --answers …` against the loopback index: real venvs, real pip."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from support.index_server import IndexServer
from support.wheels import BIG_PADDING, Wheelhouse
from support.wizard_cli import (
    REPO,
    WizardResult,
    answers,
    host_machine_file,
    pyenv_python,
    run_wizard,
    start_wizard,
    wizard_argv,
    wizard_env,
    write_json,
)
from wizard.pythons import probe_interpreter

PY_NEW_PIP = pyenv_python("3.13")  # bundles pip 24.2: raw download progress
PY_OLD_PIP = pyenv_python("3.11")  # bundles pip 23.2.1: plain lines only


@pytest.fixture(scope="session")
def machine_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A machine file with this box's real pyenv interpreters, so runs skip detection."""
    pythons = [p for p in (probe_interpreter(x, "pyenv") for x in (PY_NEW_PIP, PY_OLD_PIP) if x) if p]
    if not pythons:
        pytest.skip("needs pyenv's Python 3.13 or 3.11")
    return host_machine_file(tmp_path_factory.mktemp("machine") / "machine.json", pythons)


@pytest.fixture
def env(pip_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return wizard_env(pip_env, tmp_path / "state")


def _idx(server: IndexServer, **over: object) -> dict[str, object]:
    return {"url": server.url, **over}


def _files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


@pytest.mark.skipif(PY_NEW_PIP is None, reason="needs pyenv's Python 3.13 (pip 24.2)")
def test_install_streams_events_writes_files_and_rerun_reuses(
    index_server: IndexServer, wheelhouse: Wheelhouse, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "llm"
    a = write_json(
        tmp_path / "a.json",
        answers(
            target,
            packages=["wizlab-gamma", "wizlab-big"],
            index=_idx(index_server),
            environment={"kind": "venv", "path": str(target), "python": "3.13"},
        ),
    )
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), "--json", env=env)
    assert r.code == 0, r.stderr + r.stdout
    events = r.events()
    kinds = [e["event"] for e in events]
    assert kinds[0] == "plan" and kinds[-1] == "done"
    assert {"step_started", "output", "progress", "step_finished", "check"} <= set(kinds)
    finished = {e["step"]: e for e in r.of("step_finished")}
    assert [s["id"] for s in events[0]["plan"]["steps"]] == ["create-venv", "install", "verify", "pip-check"]
    assert all(f["status"] == "ok" and f["exit_code"] == 0 for f in finished.values())
    big = wheelhouse.wheel("wizlab-big").stat().st_size
    assert big > BIG_PADDING
    progress = r.of("progress")
    assert progress and progress[-1]["done"] == progress[-1]["total"] == big
    checks = {c["check"]: c for c in r.of("check")}
    assert checks["import wizlab-gamma"]["ok"] and "2.0" in checks["import wizlab-gamma"]["detail"]
    assert checks["pip check"]["ok"]
    meta = target / ".wizard"
    saved = json.loads((meta / "answers.json").read_text())
    assert saved["packages"] == ["wizlab-gamma", "wizlab-big"]
    assert saved["options"]["upgrade_pip"] is False and saved["options"]["verify"] is True
    assert saved["options"]["jupyter_kernel"] is None and saved["options"]["vscode_folder"] is None
    assert saved["options"]["installer"] == "pip"
    report = json.loads((meta / "report.json").read_text())
    assert report["outcome"] == "ok" and [s["status"] for s in report["steps"]] == ["ok"] * 4
    assert "✓ import wizlab-gamma" in (meta / "report.md").read_text()
    log = Path(r.of("done")[0]["files"]["log"])
    assert log.parent == meta / "logs" and "Successfully installed" in log.read_text()
    assert (target / "bin" / "python").exists()

    # The rerun reuses the environment: nothing is reinstalled, and nothing changed since verification passed.
    index_server.clear_requests()
    again = run_wizard("--answers", str(a), "--machine", str(machine_file), "--json", env=env)
    assert again.code == 0, again.stderr
    status = {e["step"]: e["status"] for e in again.of("step_finished")}
    assert status == {"create-venv": "skipped", "install": "skipped", "verify": "skipped", "pip-check": "skipped"}
    assert index_server.requests == []
    assert len(list((meta / "logs").iterdir())) == 2

    # Replaying the saved answers makes the same plan (a dry run resolves nothing: that needs the network).
    replay = run_wizard("--answers", str(meta / "answers.json"), "--machine", str(machine_file), "--dry-run", "--json", env=env)
    planned, ran = replay.of("plan")[0]["plan"], again.of("plan")[0]["plan"]
    assert planned.pop("resolution") is None and ran.pop("resolution") == []
    assert planned == ran


@pytest.mark.skipif(PY_OLD_PIP is None, reason="needs pyenv's Python 3.11 (bundled pip 23.2.1)")
def test_old_pip_gets_plain_lines_and_plain_output_without_terminal(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "old"
    a = write_json(
        tmp_path / "a.json",
        answers(
            target,
            packages=["wizlab-beta"],
            index=_idx(index_server),
            environment={"kind": "venv", "path": str(target), "python": "3.11"},
        ),
    )
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), env=env)
    assert r.code == 0, r.stderr + r.stdout
    assert "--progress-bar" not in r.stdout
    assert "▶ step 2/4: Install extra packages" in r.stdout
    assert "✓ check import wizlab-beta" in r.stdout
    assert r.stdout.startswith("[")  # plain timestamped lines when no terminal is attached
    assert f"Activate:  source {target}/bin/activate" in r.stdout  # then how to use and replay it
    assert f"--answers {target}/.wizard/answers.json" in r.stdout


def test_dry_run_creates_nothing(index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "never"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"], index=_idx(index_server)))
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), "--dry-run", env=env)
    assert r.code == 0, r.stderr
    assert "Dry run: nothing was created or installed." in r.stdout
    assert "pip install" in r.stdout and "wizlab-alpha" in r.stdout
    assert not target.exists() and not (tmp_path / "state").exists()
    assert index_server.requests == []


@pytest.mark.skipif(PY_NEW_PIP is None, reason="needs pyenv's Python 3.13")
def test_upgrade_pip_runs_first_from_the_same_index(
    wheelhouse: Wheelhouse, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    house = tmp_path / "house"
    shutil.copytree(wheelhouse.dir, house)
    bundled = next(Path(PY_NEW_PIP).resolve().parents[1].glob("lib/python3.13/ensurepip/_bundled/pip-*.whl"))
    shutil.copy(bundled, house)
    target = tmp_path / "up"
    with IndexServer(house) as server:
        a = write_json(
            tmp_path / "a.json",
            answers(
                target,
                packages=["wizlab-alpha"],
                index=_idx(server),
                options={"upgrade_pip": True, "verify": False},
                environment={"kind": "venv", "path": str(target), "python": "3.13"},
            ),
        )
        r = run_wizard("--answers", str(a), "--machine", str(machine_file), "--json", env=env)
    assert r.code == 0, r.stderr + r.stdout
    assert [e["step"] for e in r.of("step_finished")] == ["create-venv", "upgrade-pip", "install"]
    assert r.of("check") == []


def test_failed_install_exits_1_and_reports(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "fail"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"], index=_idx(index_server)))
    r = _run_breaking_files_after_preflight(
        index_server, ["--answers", str(a), "--machine", str(machine_file), "--json"], {**env, "PIP_RETRIES": "0"}
    )
    assert r.code == 1
    status = {e["step"]: e["status"] for e in r.of("step_finished")}
    assert status == {"create-venv": "ok", "install": "failed"}
    report = json.loads((target / ".wizard" / "report.json").read_text())
    assert report["outcome"] == "failed" and report["steps"][1]["tail"]
    assert "## Output of the failed step" in (target / ".wizard" / "report.md").read_text()


def _run_breaking_files_after_preflight(server: IndexServer, args: list[str], env: dict[str, str]) -> WizardResult:
    """The wizard, with the index's files answering 500 from the moment the plan (resolved by pip) is out."""
    proc = start_wizard(*args, env=env)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if json.loads(line)["event"] == "plan":
            server.fail_500 = {"/files/"}
    return WizardResult(proc.wait(timeout=240), "".join(lines), proc.stderr.read() if proc.stderr else "")


def test_broken_package_fails_verification(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "broken"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-broken"], index=_idx(index_server)))
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), "--json", env=env)
    assert r.code == 1
    check = next(c for c in r.of("check") if c["check"] == "import wizlab-broken")
    assert not check["ok"] and "broken on purpose" in check["detail"]


def test_credentials_never_reach_output_files_or_logs(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    index_server.require_auth = ("alice", "s3cret-token")
    target = tmp_path / "auth"
    a = write_json(
        tmp_path / "a.json",
        answers(target, packages=["wizlab-alpha"], index={"url": index_server.url_with_auth("alice", "s3cret-token")}),
    )
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), "--json", env=env)
    assert r.code == 0, r.stderr + r.stdout
    assert "****@127.0.0.1" in r.stdout
    texts = [r.stdout, r.stderr] + [p.read_text() for p in (target / ".wizard").rglob("*") if p.is_file()]
    assert not [t for t in texts if "s3cret-token" in t]
    saved = json.loads((target / ".wizard" / "answers.json").read_text())
    assert saved["index"]["url"] == index_server.url


def test_env_var_credentials_are_expanded_at_run_time_and_kept_as_references(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    index_server.require_auth = ("bob", "tok-123")
    target = tmp_path / "envref"
    url = index_server.url.replace("http://", "http://${IDX_USER}:${IDX_TOKEN}@")
    a = write_json(
        tmp_path / "a.json",
        answers(target, packages=["wizlab-alpha"], index={"url": url}, options={"upgrade_pip": False, "verify": False}),
    )
    missing = run_wizard("--answers", str(a), "--machine", str(machine_file), env=env)
    assert missing.code == 2 and "IDX_TOKEN" in missing.stderr and not target.exists()
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), env={**env, "IDX_USER": "bob", "IDX_TOKEN": "tok-123"})
    assert r.code == 0, r.stderr + r.stdout
    assert json.loads((target / ".wizard" / "answers.json").read_text())["index"]["url"] == url
    assert "tok-123" not in r.stdout + "".join(p.read_text() for p in (target / ".wizard").rglob("*") if p.is_file())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_ends_the_whole_process_group_and_exits_130(
    sig: int, index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    index_server.slow_seconds = 0.5  # the big wheel takes ~12 s: plenty of time to interrupt
    target = tmp_path / "int"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-big"], index=_idx(index_server)))
    proc = start_wizard("--answers", str(a), "--machine", str(machine_file), "--json", env=env)
    pid = None
    assert proc.stdout is not None
    for line in proc.stdout:
        e = json.loads(line)
        if e["event"] == "step_started" and e["step"] == "install":
            pid = e["pid"]
            break
    assert pid is not None
    assert index_server.wait_for_request("/files/wizlab_big", timeout=60)
    assert psutil.pid_exists(pid) and os.getpgid(pid) == pid  # pip leads its own process group
    proc.send_signal(sig)
    rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    last = json.loads(rest.splitlines()[-1])
    assert last["event"] == "done" and last["exit_code"] == 130
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_in_group(p, pid) for p in psutil.process_iter()):
        time.sleep(0.1)
    assert not [p for p in psutil.process_iter() if _in_group(p, pid)]
    assert json.loads((target / ".wizard" / "report.json").read_text())["outcome"] == "cancelled"


def _in_group(p: psutil.Process, pgid: int) -> bool:
    """Whether a live process is in that group (a zombie has exited; only its entry waits to be reaped)."""
    try:
        return p.status() != psutil.STATUS_ZOMBIE and os.getpgid(p.pid) == pgid
    except (ProcessLookupError, psutil.Error):
        return False


# -- safety: never touch what the user did not ask for -------------------------------------------


def test_refuses_non_empty_folder_that_is_not_an_environment(machine_file: Path, env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "photos"
    target.mkdir()
    (target / "holiday.jpg").write_bytes(b"\xff\xd8 not really")
    before = _files_under(target), (target / "holiday.jpg").stat().st_mtime_ns
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"]))
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), env=env)
    assert r.code == 2 and "not empty and is not an environment" in r.stderr and "Traceback" not in r.stderr
    assert (_files_under(target), (target / "holiday.jpg").stat().st_mtime_ns) == before


def test_refuses_a_venv_it_did_not_create_unless_kind_existing(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "theirs"
    subprocess.run([PY_OLD_PIP or PY_NEW_PIP or "python3", "-m", "venv", "--without-pip", str(target)], check=True)
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"], index=_idx(index_server)))
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), env=env)
    assert r.code == 2 and "did not create" in r.stderr and "kind 'existing'" in r.stderr
    assert not (target / ".wizard").exists()


def test_existing_venv_is_installed_into(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "mine"
    subprocess.run([PY_OLD_PIP or PY_NEW_PIP or "python3", "-m", "venv", str(target)], check=True)
    a = write_json(
        tmp_path / "a.json",
        answers(
            target, packages=["wizlab-alpha"], index=_idx(index_server), environment={"kind": "existing", "path": str(target)}
        ),
    )
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), "--json", env=env)
    assert r.code == 0, r.stderr + r.stdout
    assert [e["step"] for e in r.of("step_finished")] == ["install", "verify", "pip-check"]
    # kind existing never marks the env as the wizard's own: a 'venv' answers file still refuses it
    b = write_json(tmp_path / "b.json", answers(target, packages=["wizlab-alpha"], index=_idx(index_server)))
    assert run_wizard("--answers", str(b), "--machine", str(machine_file), "--dry-run", env=env).code == 2


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs a system Python")
def test_refuses_externally_managed_interpreter(machine_file: Path, env: dict[str, str], tmp_path: Path) -> None:
    probe = probe_interpreter("/usr/bin/python3")
    if probe is None or not probe.externally_managed:
        pytest.skip("the system Python here is not externally managed (PEP 668)")
    fake = tmp_path / "sys-env"
    (fake / "conda-meta").mkdir(parents=True)
    (fake / "bin").mkdir()
    (fake / "bin" / "python").symlink_to("/usr/bin/python3")
    a = write_json(
        tmp_path / "a.json", answers(fake, packages=["wizlab-alpha"], environment={"kind": "existing", "path": str(fake)})
    )
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), env=env)
    assert r.code == 2 and "externally managed" in r.stderr
    assert _files_under(fake) == ["bin", "bin/python", "conda-meta"]


def test_no_terminal_explains_answers_and_exits_2_at_once(env: dict[str, str]) -> None:
    start = time.monotonic()
    r = run_wizard(env=env, timeout=30)
    assert r.code == 2 and "--answers FILE" in r.stderr and r.stdout == ""
    assert time.monotonic() - start < 10


def test_help_and_version(env: dict[str, str]) -> None:
    h = run_wizard("--help", env=env)
    assert h.code == 0 and "examples:" in h.stdout and "exit codes" in h.stdout
    v = run_wizard("--version", env=env)
    assert v.code == 0 and v.stdout.strip().startswith("python -m wizard ")


def test_failure_before_any_environment_logs_to_the_state_dir(
    index_server: IndexServer, pip_env: dict[str, str], tmp_path: Path
) -> None:
    fake = tmp_path / "bin" / "python3"
    fake.parent.mkdir()
    real = PY_NEW_PIP or PY_OLD_PIP or sys.executable  # answers pip's resolution; only making a venv fails
    fake.write_text(f'#!/bin/sh\ncase "$*" in *"-m venv"*) echo "venv: simulated failure" >&2; exit 1;; esac\nexec {real} "$@"\n')
    fake.chmod(0o755)
    machine = write_json(
        tmp_path / "m.json",
        {"os": "linux", "arch": "x86_64", "disk_free_bytes": 10**11, "pythons": [{"path": str(fake), "version": "3.12.4"}]},
    )
    target = tmp_path / "never"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"], index=_idx(index_server)))
    state = tmp_path / "state"
    r = run_wizard("--answers", str(a), "--machine", str(machine), "--json", env=wizard_env(pip_env, state))
    assert r.code == 1
    done = r.of("done")[0]
    assert done["environment"] is None and set(done["files"]) == {"log"}
    log = Path(done["files"]["log"])
    assert log.parent == state / "logs" and "simulated failure" in log.read_text()
    assert not target.exists()


def test_terminal_output_shows_progress_bars(
    index_server: IndexServer, machine_file: Path, env: dict[str, str], tmp_path: Path
) -> None:
    import pty

    target = tmp_path / "tty"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"], index=_idx(index_server)))
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        wizard_argv("--answers", str(a), "--machine", str(machine_file)),
        env={**env, "COLUMNS": "100"},
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    os.close(leader)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "\x1b[" in screen  # rich drew on the terminal, not plain lines
    assert "environment ready" in screen and "import wizlab-alpha" in screen
    assert not screen.lstrip().startswith("[")  # no plain timestamps in a terminal


@pytest.mark.skipif(pyenv_python("2.7") is None and pyenv_python("3.8") is None, reason="needs an old pyenv Python")
def test_old_interpreter_path_is_refused(machine_file: Path, env: dict[str, str], tmp_path: Path) -> None:
    old = pyenv_python("3.8") or pyenv_python("2.7")
    a = write_json(
        tmp_path / "a.json",
        answers(tmp_path / "e", environment={"kind": "venv", "path": str(tmp_path / "e"), "python": str(old)}),
    )
    r = run_wizard("--answers", str(a), "--machine", str(machine_file), "--dry-run", env=env)
    assert r.code == 2 and "targets 3.9 and newer" in r.stderr and not (tmp_path / "e").exists()
