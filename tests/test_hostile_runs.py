"""Real runs under faults a server meets: secrets in every URL shape, a full or read-only disk, the
state dir on another filesystem, two runs at once, a run killed while making the venv, a folder
filled behind the wizard's back, a machine file from another host, verification edge cases, and
signals. Real venvs, real pip, the loopback index; a real tmpfs where the machine allows mounting."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from support.index_server import IndexServer
from support.wizard_cli import (
    REPO,
    answers,
    host_machine_file,
    pyenv_python,
    run_wizard,
    start_wizard,
    wizard_env,
    write_json,
)
from wizard import engine, proc
from wizard.answers import parse_answers
from wizard.catalog import load_catalog
from wizard.doctor import Doctor
from wizard.engine import Execution, Prepared, prepare
from wizard.events import Check, Done, Event
from wizard.machine import Machine, PythonInfo
from wizard.plan import Plan, Step, Target
from wizard.pythons import probe_interpreter
from wizard.runner import RunLog, Runner
from wizard.verify import verification_steps

pytestmark = pytest.mark.integration
PY = pyenv_python("3.11") or pyenv_python("3.13") or sys.executable


@pytest.fixture(scope="module")
def host_machine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    info = probe_interpreter(PY, "test")
    assert info is not None
    return host_machine_file(tmp_path_factory.mktemp("machine") / "machine.json", [info])


@pytest.fixture
def env(pip_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return wizard_env(pip_env, tmp_path / "state")


def _texts_under(*roots: Path) -> list[tuple[str, str]]:
    out = []
    for root in roots:
        for p in root.rglob("*") if root.exists() else []:
            if p.is_file():
                out.append((str(p), p.read_bytes().decode("utf-8", "replace")))
    return out


@contextmanager
def _argv_watch(secret: str) -> Iterator[list[str]]:
    """Every process's argv, sampled while the run goes: what `ps` shows any local user. Also that
    each pip child's environment (where the credentials travel) is readable by its owner only."""
    seen: list[str] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for p in psutil.process_iter(["pid", "cmdline"]):
                line = " ".join(p.info["cmdline"] or [])
                if secret in line:
                    seen.append(f"argv of {p.info['pid']}: {line}")
                if "pip" in line and "install" in line:
                    try:
                        mode = os.stat(f"/proc/{p.info['pid']}/environ").st_mode
                    except OSError:
                        continue
                    if mode & (stat.S_IRGRP | stat.S_IROTH):
                        seen.append(f"environ of {p.info['pid']} readable by others")
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield seen
    finally:
        stop.set()
        t.join()


SHAPES = {
    # name: (URL template with {base} {port} {secret}, extra environment, auth the server wants, run succeeds)
    "password with @": ("http://alice:p@{secret}@127.0.0.1:{port}/simple/", {}, ("alice", "p@{secret}"), True),
    "${VAR} password with / ? # @": (
        "http://bob:${{IDX_TOKEN}}@127.0.0.1:{port}/simple/",
        {"IDX_TOKEN": "a/b?c#d@{secret}"},
        ("bob", "a/b?c#d@{secret}"),
        True,
    ),
    "token in query": ("http://127.0.0.1:{port}/simple/?token={secret}", {}, None, None),
    "token in fragment": ("http://127.0.0.1:{port}/simple/#access_token={secret}", {}, None, None),
    "${VAR} in the path": ("http://127.0.0.1:{port}/${{IDX_PATH}}/simple/", {"IDX_PATH": "tok{secret}"}, None, False),
}


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_the_secret_appears_nowhere_after_the_run(
    shape: tuple, index_server: IndexServer, host_machine: Path, env: dict[str, str], tmp_path: Path
) -> None:
    template, extra, auth, succeeds = shape
    secret = "S" + uuid.uuid4().hex[:12]
    url = template.format(port=index_server.port, secret=secret)
    index_server.require_auth = (auth[0], auth[1].format(secret=secret)) if auth else None
    index_server.slow_seconds = 0.05
    target = tmp_path / "env"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-big"], index={"url": url}))
    run_env = {**env, **{k: v.format(secret=secret) for k, v in extra.items()}}
    with _argv_watch(secret) as leaks:
        r = run_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=run_env)
    if succeeds is not None:
        assert (r.code == 0) is succeeds, r.stdout[-3000:] + r.stderr
    assert r.code in (0, 1, 2) and "Traceback" not in r.stderr and r.of("done")  # 2: the preflight refused the index
    leaks += [f"stdout/stderr: {t}" for t in (r.stdout, r.stderr) if secret in t]
    leaks += [f"file {p}" for p, t in _texts_under(target, tmp_path / "state") if secret in t]
    assert leaks == []


def test_sighup_ends_pip_and_writes_the_report_like_sigterm(
    index_server: IndexServer, host_machine: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """An SSH link that drops under a headless run: same path as SIGTERM (cancel, report, exit 130)."""
    index_server.slow_seconds = 0.5
    target = tmp_path / "hup"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-big"], index={"url": index_server.url}))
    p = start_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=env)
    assert p.stdout is not None
    pid = next(json.loads(line)["pid"] for line in p.stdout if '"step_started"' in line and '"install"' in line)
    assert index_server.wait_for_request("/files/wizlab_big", timeout=60)
    p.send_signal(signal.SIGHUP)
    rest, _ = p.communicate(timeout=30)
    assert p.returncode == 130 and json.loads(rest.splitlines()[-1])["event"] == "done"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert json.loads((target / ".wizard" / "report.json").read_text())["outcome"] == "cancelled"


def test_state_dir_on_another_filesystem_first_run_moves_its_log(
    index_server: IndexServer, host_machine: Path, pip_env: dict[str, str], tmp_path: Path
) -> None:
    state = Path("/dev/shm") / f"wizard-state-{uuid.uuid4().hex[:8]}"
    if not Path("/dev/shm").is_dir() or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second filesystem here (tests/test_hostile_input.py covers EXDEV with a stand-in)")
    try:
        target = tmp_path / "env"
        a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"], index={"url": index_server.url}))
        r = run_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=wizard_env(pip_env, state))
        assert r.code == 0, r.stderr + r.stdout[-2000:]
        log = Path(r.of("done")[0]["files"]["log"])
        assert log.parent == target / ".wizard" / "logs" and "Successfully installed" in log.read_text()
        assert list((state / "logs").iterdir()) == []
    finally:
        subprocess.run(["rm", "-rf", str(state)], check=False)


def test_a_second_run_on_the_same_environment_is_refused_naming_the_first(
    index_server: IndexServer, host_machine: Path, env: dict[str, str], tmp_path: Path
) -> None:
    index_server.slow_seconds = 0.3
    target = tmp_path / "shared"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-big"], index={"url": index_server.url}))
    first = start_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=env)
    try:
        assert first.stdout is not None
        next(line for line in first.stdout if '"step_started"' in line)
        second = run_wizard("--answers", str(a), "--machine", str(host_machine), env=env)
        said = second.stdout + second.stderr
        assert second.code == 2 and f"pid {first.pid}" in said and "started" in said
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert first.returncode == 130


def test_a_run_killed_while_making_the_venv_is_finished_by_the_next_run(
    index_server: IndexServer, host_machine: Path, env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "half"
    a = write_json(tmp_path / "a.json", answers(target, packages=["wizlab-alpha"], index={"url": index_server.url}))
    p = start_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=env)
    assert p.stdout is not None
    child = next(json.loads(line)["pid"] for line in p.stdout if '"step_started"' in line)
    time.sleep(0.3)  # venv is part-way: pyvenv.cfg and bin/ made, pip not yet
    p.kill()
    os.killpg(child, signal.SIGKILL)
    p.wait()
    assert (target / ".wizard" / "state.json").exists()
    r = run_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=env)
    assert r.code == 0, r.stderr + r.stdout[-2000:]
    assert {e["step"]: e["status"] for e in r.of("step_finished")}["create-venv"] == "ok"


def _prepared(tmp_path: Path, machine_file: Path, **over: object) -> Prepared:
    from wizard.machine import load_machine

    a = parse_answers(answers(tmp_path / "env", **over), load_catalog(), "test")
    return prepare(a, load_machine(machine_file))


def test_a_folder_filled_after_the_plan_is_not_used(host_machine: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))
    prepared = _prepared(tmp_path, host_machine, options={"upgrade_pip": False, "verify": False})
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "theirs.txt").write_text("not yours")
    events: list[Event] = []
    code = Execution(prepared, events.append, check_indexes=False).run()
    assert code == 2 and [p.name for p in (tmp_path / "env").iterdir()] == ["theirs.txt"]
    assert isinstance(events[-1], Done) and "changed since the plan" in events[-1].summary


def test_a_machine_file_of_another_host_is_for_planning_only(host_machine: Path, env: dict[str, str], tmp_path: Path) -> None:
    other = json.loads(host_machine.read_text()) | {"os": "darwin", "arch": "arm64"}
    m = write_json(tmp_path / "mac.json", other)
    a = write_json(tmp_path / "a.json", answers(tmp_path / "env"))
    assert run_wizard("--answers", str(a), "--machine", str(m), "--dry-run", env=env).code == 0
    r = run_wizard("--answers", str(a), "--machine", str(m), env=env)
    assert r.code == 2 and "darwin arm64" in r.stdout + r.stderr and not (tmp_path / "env").exists()


@pytest.fixture
def bare_env(tmp_path: Path) -> Path:
    path = tmp_path / "existing"
    subprocess.run([PY, "-m", "venv", "--without-pip", str(path)], check=True, stdin=subprocess.DEVNULL)
    return path


@contextmanager
def _small_tmpfs(where: Path) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small filesystem here (the atomic-write unit tests stand in)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("fault", ["disk full", "read-only"])
def test_a_full_or_read_only_disk_is_a_failed_run_that_keeps_the_previous_files(
    fault: str, bare_env: Path, host_machine: Path, env: dict[str, str], tmp_path: Path
) -> None:
    a = write_json(
        tmp_path / "a.json",
        answers(
            bare_env, environment={"kind": "existing", "path": str(bare_env)}, options={"upgrade_pip": False, "verify": False}
        ),
    )
    with _small_tmpfs(bare_env / ".wizard") as meta:
        first = run_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=env)
        assert first.code == 0, first.stderr
        before = (meta / "answers.json").read_text()
        if fault == "disk full":
            fd = os.open(meta / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while os.write(fd, b"x" * 1024):
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)
        else:
            subprocess.run(["mount", "-o", "remount,ro", str(meta)], check=True)
        r = run_wizard("--answers", str(a), "--machine", str(host_machine), "--json", env=env)
        assert r.code == 1 and "Traceback" not in r.stderr and r.of("done") and r.of("error")
        assert (meta / "answers.json").read_text() == before
        assert not [p for p in meta.iterdir() if p.name.endswith(".tmp")]


def _plan_with(tmp_path: Path, *steps: Step) -> Prepared:
    target = Target("existing", str(tmp_path / "env"), sys.executable, "3.11", sys.executable, reuse=True)
    (tmp_path / "env").mkdir(exist_ok=True)
    a = parse_answers(
        answers(tmp_path / "env", environment={"kind": "existing", "path": str(tmp_path / "env")}), load_catalog(), "test"
    )
    return Prepared(a, Machine(os="linux", arch="x86_64"), load_catalog(), Plan(target, (), (), steps, 0))


def test_a_verification_that_reports_no_checks_is_a_failure(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(engine, "check_host", lambda _m: None)
    events: list[Event] = []
    step = Step("verify", "verify", "Verify", "w", (sys.executable, "-c", "pass"))
    assert Execution(_plan_with(tmp_path, step), events.append, check_indexes=False).run() == 1
    assert [c.check for c in events if isinstance(c, Check) and not c.ok] == ["verification"]


def test_requirements_excluded_by_markers_are_not_missing_and_long_lists_pass(tmp_path: Path) -> None:
    """5,000 requirements (~1 MB of spec: more than one argv string may hold) whose markers exclude
    this interpreter: none is reported missing; a real one with a marker that includes it still is."""
    pad = "x" * 150
    packages = [f"wizlab-{i}-{pad} ; sys_platform == 'win32'" for i in range(5000)]
    packages += ["wizlab-extra ; extra == 'gpu'", "wizlab-absent ; python_version >= '3'"]
    spec = {"frameworks": [], "packages": packages, "machine": {"os": "linux"}, "expect": {}}
    events: list[Event] = []
    result = Runner(RunLog(tmp_path / "v.log"), events.append).run(verification_steps(sys.executable, spec)[0], 1, 1)
    failed = [c.check for c in events if isinstance(c, Check) and c.check.startswith("import wizlab")]
    assert result.status == "ok" and failed == ["import wizlab-absent"]
    assert engine._satisfied(sys.executable, ("pip>=1",) * 20000)


def test_doctor_has_a_time_limit_for_the_whole_run(bare_env: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))
    site = next((bare_env / "lib").glob("python3*/site-packages"))
    (site / "hang.pth").write_text("import time; time.sleep(120)\n")  # every Python start in this env hangs
    python = PythonInfo(path=str(bare_env / "bin" / "python"), version="3.11.0")
    events: list[Event] = []
    start = time.monotonic()
    code = Doctor(bare_env, python, Machine(os="linux", arch="x86_64"), events.append, time_limit_s=3).run()
    assert code == 1 and time.monotonic() - start < 20
    assert any(isinstance(e, Check) and e.check == "doctor: time limit" for e in events)


def test_cancel_acts_at_once_during_a_slow_preflight(host_machine: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WIZARD_STATE_DIR", str(tmp_path / "state"))
    prepared = _prepared(tmp_path, host_machine, options={"upgrade_pip": False, "verify": False})
    slow = subprocess_free_sleeper()
    monkeypatch.setattr(engine, "preflight", slow)
    events: list[Event] = []
    run = Execution(prepared, events.append)
    threading.Timer(0.5, run.cancel).start()
    start = time.monotonic()
    assert run.run() == 130 and time.monotonic() - start < 3
    assert not (tmp_path / "env").exists()


def subprocess_free_sleeper():
    """A preflight that takes 30 s (a slow index), through wizard.proc like every child."""

    def preflight(prepared: Prepared) -> Plan:
        proc.run([sys.executable, "-c", "import time; time.sleep(30)"], 60)
        return prepared.plan

    return preflight


def test_json_events_are_written_whole_when_signals_arrive(tmp_path: Path) -> None:
    """Large events written while SIGINT arrives again and again, with a handler that raises (the
    worst case): every line on stdout is a whole JSON object."""
    script = tmp_path / "emit.py"
    script.write_text(
        "import signal, sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from wizard.output import JsonPrinter\n"
        "from wizard.events import Output\n"
        "def stop(*_): raise KeyboardInterrupt\n"
        "signal.signal(signal.SIGINT, stop)\n"
        "p = JsonPrinter()\n"
        "try:\n"
        "    while True: p(Output('s', 'x' * 3_000_000))\n"
        "except KeyboardInterrupt:\n"
        "    pass\n"
    )
    child = subprocess.Popen([sys.executable, str(script)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert child.stdout is not None
    data = child.stdout.read(10_000_000)
    child.send_signal(signal.SIGINT)  # lands while the child is blocked mid-event on a full pipe
    data += child.stdout.read()
    child.wait(timeout=30)
    *whole, rest = data.split(b"\n")
    assert rest == b"" and whole and all(json.loads(line)["event"] == "output" for line in whole)
